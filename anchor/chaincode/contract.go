package main

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	pb "github.com/hyperledger/fabric-protos-go-apiv2/peer"
)

// record is the stored form; it matches anchor.Record in the Sealchain module
// (kept separate: this module must not depend on the node's).
type record struct {
	ChainID string `json:"chain_id"`
	Height  uint64 `json:"height"`
	AppHash string `json:"app_hash"`
	LogSize uint64 `json:"log_size"`
	LogRoot string `json:"log_root"`
	TxID    string `json:"tx_id,omitempty"`
	Time    int64  `json:"time,omitempty"`
}

const (
	objAnchor  = "sealchain-anchor"
	objLatest  = "sealchain-latest"
	maxHistory = 1000
	maxIDBytes = 64
)

// Contract implements shim.Chaincode.
type Contract struct{}

// Init does nothing: the ledger starts empty.
func (Contract) Init(shim.ChaincodeStubInterface) *pb.Response { return shim.Success(nil) }

// Invoke dispatches on the function name.
func (c Contract) Invoke(stub shim.ChaincodeStubInterface) *pb.Response {
	fn, args := stub.GetFunctionAndParameters()
	var out []byte
	var err error
	switch fn {
	case "PutAnchor":
		out, err = putAnchor(stub, args)
	case "GetAnchor":
		out, err = getAnchor(stub, args)
	case "Latest":
		out, err = latest(stub, args)
	case "History":
		out, err = history(stub, args)
	default:
		err = fmt.Errorf("unknown function %q (PutAnchor, GetAnchor, Latest, History)", fn)
	}
	if err != nil {
		return shim.Error(err.Error())
	}
	return shim.Success(out)
}

// heightKey sorts by height: fixed-width decimal.
func heightKey(stub shim.ChaincodeStubInterface, chainID string, h uint64) (string, error) {
	return stub.CreateCompositeKey(objAnchor, []string{chainID, fmt.Sprintf("%020d", h)})
}

func validate(r *record) error {
	if r.ChainID == "" || len(r.ChainID) > maxIDBytes {
		return errors.New("chain_id: want 1..64 bytes")
	}
	if r.Height == 0 {
		return errors.New("height: missing")
	}
	for name, h := range map[string]string{"app_hash": r.AppHash, "log_root": r.LogRoot} {
		if b, err := hex.DecodeString(h); err != nil || len(b) != 32 || hex.EncodeToString(b) != h {
			return fmt.Errorf("%s: want 64 lower-case hex digits", name)
		}
	}
	return nil
}

// putAnchor stores a checkpoint. Heights only go up per chain id, so a
// checkpoint of a rewritten history cannot replace or precede the original.
func putAnchor(stub shim.ChaincodeStubInterface, args []string) ([]byte, error) {
	if len(args) != 1 {
		return nil, errors.New("PutAnchor(record JSON)")
	}
	var r record
	if err := json.Unmarshal([]byte(args[0]), &r); err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	if err := validate(&r); err != nil {
		return nil, err
	}
	lk, err := stub.CreateCompositeKey(objLatest, []string{r.ChainID})
	if err != nil {
		return nil, err
	}
	prev, err := stub.GetState(lk)
	if err != nil {
		return nil, err
	}
	if prev != nil {
		var p record
		if err := json.Unmarshal(prev, &p); err != nil {
			return nil, fmt.Errorf("stored latest: %w", err)
		}
		if r.Height <= p.Height {
			return nil, fmt.Errorf("height %d is not above the latest anchor %d of chain %s", r.Height, p.Height, r.ChainID)
		}
	}
	ts, err := stub.GetTxTimestamp()
	if err != nil {
		return nil, err
	}
	r.TxID = stub.GetTxID()
	r.Time = ts.AsTime().UnixNano()
	b, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	k, err := heightKey(stub, r.ChainID, r.Height)
	if err != nil {
		return nil, err
	}
	if err := stub.PutState(k, b); err != nil {
		return nil, err
	}
	if err := stub.PutState(lk, b); err != nil {
		return nil, err
	}
	if err := stub.SetEvent("Anchored", b); err != nil {
		return nil, err
	}
	return b, nil
}

func getAnchor(stub shim.ChaincodeStubInterface, args []string) ([]byte, error) {
	if len(args) != 2 {
		return nil, errors.New("GetAnchor(chain id, height)")
	}
	h, err := strconv.ParseUint(args[1], 10, 64)
	if err != nil {
		return nil, fmt.Errorf("height: %w", err)
	}
	k, err := heightKey(stub, args[0], h)
	if err != nil {
		return nil, err
	}
	b, err := stub.GetState(k)
	if err != nil {
		return nil, err
	}
	if b == nil {
		return nil, fmt.Errorf("no anchor at height %d of chain %s", h, args[0])
	}
	return b, nil
}

func latest(stub shim.ChaincodeStubInterface, args []string) ([]byte, error) {
	if len(args) != 1 {
		return nil, errors.New("Latest(chain id)")
	}
	lk, err := stub.CreateCompositeKey(objLatest, []string{args[0]})
	if err != nil {
		return nil, err
	}
	b, err := stub.GetState(lk)
	if err != nil {
		return nil, err
	}
	if b == nil {
		return nil, fmt.Errorf("no anchor at any height of chain %s", args[0])
	}
	return b, nil
}

// history lists anchors above height after, at most limit of them.
func history(stub shim.ChaincodeStubInterface, args []string) ([]byte, error) {
	if len(args) != 3 {
		return nil, errors.New("History(chain id, after height, limit)")
	}
	after, err1 := strconv.ParseUint(args[1], 10, 64)
	limit, err2 := strconv.Atoi(args[2])
	if err := errors.Join(err1, err2); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > maxHistory {
		limit = maxHistory
	}
	// Composite keys sort by height (fixed-width); range queries refuse
	// composite keys, so read the chain's keys in order and skip the early ones.
	it, err := stub.GetStateByPartialCompositeKey(objAnchor, []string{args[0]})
	if err != nil {
		return nil, err
	}
	defer it.Close()
	out := []record{}
	for it.HasNext() && len(out) < limit {
		kv, err := it.Next()
		if err != nil {
			return nil, err
		}
		var r record
		if err := json.Unmarshal(kv.Value, &r); err != nil {
			return nil, err
		}
		if r.Height > after {
			out = append(out, r)
		}
	}
	return json.Marshal(out)
}
