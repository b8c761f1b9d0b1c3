package anchor

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Anchor is a Sealchain checkpoint as written to the witness ledger. Height is
// the app state's height: the CometBFT header at Height+1 carries AppHash.
type Anchor struct {
	ChainID string
	Height  uint64
	AppHash []byte
	LogSize uint64
	LogRoot []byte
}

// Receipt says where the witness ledger recorded an anchor.
type Receipt struct {
	Network   string    // the Fabric network's name, as configured (a label, not checked by Fabric)
	Channel   string    // Fabric channel
	Chaincode string    // chaincode name
	TxID      string    // Fabric transaction id
	Block     uint64    // Fabric block number holding the transaction
	Time      time.Time // the transaction's timestamp (the proposal time the endorser accepted)
}

// Ledger is the witness ledger, as the anchoring loop and the verifier use it.
//
// PutAnchor returns [ErrNotAfterLatest] (wrapped) when the ledger already has
// an anchor at or above a.Height for the chain. GetAnchor returns
// [ErrNotFound] (wrapped) when there is no anchor at that height. Any other
// error means the ledger could not be asked (unreachable, timed out): the
// caller retries, it does not conclude anything.
type Ledger interface {
	PutAnchor(ctx context.Context, a Anchor) (Receipt, error)
	GetAnchor(ctx context.Context, chainID string, height uint64) (Anchor, Receipt, error)
}

// Sentinel errors of a Ledger.
var (
	ErrNotFound       = errors.New("no anchor at that height")
	ErrNotAfterLatest = errors.New("height is not above the latest anchor")
)

// Validate checks the fields a ledger needs.
func (a Anchor) Validate() error {
	switch {
	case a.ChainID == "":
		return errors.New("anchor chain_id: missing")
	case a.Height == 0:
		return errors.New("anchor height: missing")
	case len(a.AppHash) != 32:
		return fmt.Errorf("anchor app_hash: %d bytes, want 32", len(a.AppHash))
	case len(a.LogRoot) != 32:
		return fmt.Errorf("anchor log_root: %d bytes, want 32", len(a.LogRoot))
	}
	return nil
}

// Equal reports whether two anchors name the same checkpoint.
func (a Anchor) Equal(b Anchor) bool {
	return a.ChainID == b.ChainID && a.Height == b.Height && a.LogSize == b.LogSize &&
		bytes.Equal(a.AppHash, b.AppHash) && bytes.Equal(a.LogRoot, b.LogRoot)
}

// MismatchError is an anchor read back that differs from the expected one.
type MismatchError struct {
	Field     string
	Want, Got string
}

func (e *MismatchError) Error() string {
	return fmt.Sprintf("anchor %s: ledger has %s, expected %s", e.Field, e.Got, e.Want)
}

// Compare returns a *MismatchError naming the first field where got differs
// from want, nil when they are equal.
func Compare(want, got Anchor) error {
	switch {
	case want.ChainID != got.ChainID:
		return &MismatchError{"chain_id", want.ChainID, got.ChainID}
	case want.Height != got.Height:
		return &MismatchError{"height", fmt.Sprint(want.Height), fmt.Sprint(got.Height)}
	case !bytes.Equal(want.AppHash, got.AppHash):
		return &MismatchError{"app_hash", hex.EncodeToString(want.AppHash), hex.EncodeToString(got.AppHash)}
	case want.LogSize != got.LogSize:
		return &MismatchError{"log_size", fmt.Sprint(want.LogSize), fmt.Sprint(got.LogSize)}
	case !bytes.Equal(want.LogRoot, got.LogRoot):
		return &MismatchError{"log_root", hex.EncodeToString(want.LogRoot), hex.EncodeToString(got.LogRoot)}
	}
	return nil
}

// CompareReceipt checks that the ledger's receipt for an anchor is the one
// the chain recorded: same channel, chaincode, transaction and block.
func CompareReceipt(want, got Receipt) error {
	switch {
	case want.Channel != got.Channel:
		return &MismatchError{"channel", want.Channel, got.Channel}
	case want.Chaincode != got.Chaincode:
		return &MismatchError{"chaincode", want.Chaincode, got.Chaincode}
	case want.TxID != got.TxID:
		return &MismatchError{"tx_id", want.TxID, got.TxID}
	case want.Block != got.Block:
		return &MismatchError{"block", fmt.Sprint(want.Block), fmt.Sprint(got.Block)}
	}
	return nil
}

// Record is the chaincode's JSON form of an anchor: what PutAnchor takes and
// GetAnchor, Latest and History return. Hashes are lower-case hex. TxID and
// Time are set by the chaincode (the Fabric tx id and timestamp).
type Record struct {
	ChainID string `json:"chain_id"`
	Height  uint64 `json:"height"`
	AppHash string `json:"app_hash"`
	LogSize uint64 `json:"log_size"`
	LogRoot string `json:"log_root"`
	TxID    string `json:"tx_id,omitempty"`
	// Time is the transaction timestamp, unix nanoseconds.
	Time int64 `json:"time,omitempty"`
}

// ToRecord renders a for the chaincode.
func ToRecord(a Anchor) Record {
	return Record{ChainID: a.ChainID, Height: a.Height, AppHash: hex.EncodeToString(a.AppHash),
		LogSize: a.LogSize, LogRoot: hex.EncodeToString(a.LogRoot)}
}

// Anchor parses the record's checkpoint.
func (r Record) Anchor() (Anchor, error) {
	ah, err1 := hex.DecodeString(r.AppHash)
	lr, err2 := hex.DecodeString(r.LogRoot)
	if err := errors.Join(err1, err2); err != nil {
		return Anchor{}, fmt.Errorf("anchor record: %w", err)
	}
	a := Anchor{ChainID: r.ChainID, Height: r.Height, AppHash: ah, LogSize: r.LogSize, LogRoot: lr}
	return a, a.Validate()
}

// DecodeRecord parses the chaincode's JSON answer.
func DecodeRecord(b []byte) (Record, error) {
	var r Record
	if err := json.Unmarshal(b, &r); err != nil {
		return r, fmt.Errorf("anchor record: %w", err)
	}
	return r, nil
}
