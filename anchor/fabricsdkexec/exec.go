package fabricsdkexec

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"time"

	"github.com/sealchain/sealchain/anchor"
)

// ErrHighSCA means fabric-sdk-go refused a channel MSP whose CA certificate
// has a high-S ECDSA signature.
var ErrHighSCA = errors.New("fabric-sdk-go rejects a high-S ECDSA CA certificate")

// Ledger runs the helper binary.
type Ledger struct {
	helper  string
	profile *anchor.Profile
}

var _ anchor.Ledger = (*Ledger)(nil)

// New returns a Ledger running helper (a path, or a name looked up in PATH)
// with the profile.
func New(helper string, p *anchor.Profile) (*Ledger, error) {
	path, err := exec.LookPath(helper)
	if err != nil {
		return nil, fmt.Errorf("fabric-sdk helper: %w (build it: cd anchor/fabricsdk && go build -o sealchain-fabricsdk .)", err)
	}
	return &Ledger{helper: path, profile: p}, nil
}

type answer struct {
	Record json.RawMessage `json:"record"`
	Block  uint64          `json:"block"`
	Error  *struct {
		Kind    string `json:"kind"`
		Message string `json:"message"`
	} `json:"error"`
}

func (l *Ledger) call(ctx context.Context, stdin []byte, args ...string) (anchor.Record, uint64, error) {
	timeout := 60 * time.Second
	if d, ok := ctx.Deadline(); ok {
		timeout = max(time.Until(d), time.Second)
	}
	args = append(args, "-profile", l.profile.Path, "-timeout", timeout.String())
	cmd := exec.CommandContext(ctx, l.helper, args...)
	cmd.Stdin = bytes.NewReader(stdin)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	runErr := cmd.Run()
	var a answer
	if err := json.Unmarshal(lastJSONLine(out.Bytes()), &a); err != nil {
		return anchor.Record{}, 0, fmt.Errorf("fabric-sdk helper %s: %v; stderr: %.500s", args[0], errors.Join(runErr, err), stderr.String())
	}
	if a.Error != nil {
		switch a.Error.Kind {
		case "not_found":
			return anchor.Record{}, 0, fmt.Errorf("%w: %s", anchor.ErrNotFound, a.Error.Message)
		case "not_after_latest":
			return anchor.Record{}, 0, fmt.Errorf("%w: %s", anchor.ErrNotAfterLatest, a.Error.Message)
		case "high_s_ca":
			return anchor.Record{}, 0, fmt.Errorf("%w: %s", ErrHighSCA, a.Error.Message)
		}
		return anchor.Record{}, 0, fmt.Errorf("fabric-sdk helper %s: %s", args[0], a.Error.Message)
	}
	if runErr != nil {
		return anchor.Record{}, 0, fmt.Errorf("fabric-sdk helper %s: %w", args[0], runErr)
	}
	r, err := anchor.DecodeRecord(a.Record)
	return r, a.Block, err
}

func (l *Ledger) receipt(r anchor.Record, block uint64) anchor.Receipt {
	return anchor.Receipt{Network: l.profile.NetworkName(), Channel: l.profile.Sealchain.Channel,
		Chaincode: l.profile.Sealchain.Chaincode, TxID: r.TxID, Block: block, Time: time.Unix(0, r.Time).UTC()}
}

// PutAnchor submits a and waits for its commit event.
func (l *Ledger) PutAnchor(ctx context.Context, a anchor.Anchor) (anchor.Receipt, error) {
	if err := a.Validate(); err != nil {
		return anchor.Receipt{}, err
	}
	in, err := json.Marshal(anchor.ToRecord(a))
	if err != nil {
		return anchor.Receipt{}, err
	}
	r, block, err := l.call(ctx, in, "put")
	if err != nil {
		return anchor.Receipt{}, err
	}
	return l.receipt(r, block), nil
}

// GetAnchor reads the anchor at height and the block of its transaction.
func (l *Ledger) GetAnchor(ctx context.Context, chainID string, height uint64) (anchor.Anchor, anchor.Receipt, error) {
	r, block, err := l.call(ctx, nil, "get", "-chain", chainID, "-height", strconv.FormatUint(height, 10))
	if err != nil {
		return anchor.Anchor{}, anchor.Receipt{}, err
	}
	a, err := r.Anchor()
	if err != nil {
		return anchor.Anchor{}, anchor.Receipt{}, err
	}
	return a, l.receipt(r, block), nil
}

// lastJSONLine returns the helper's answer: fabric-sdk-go logs to stdout, so
// the answer is the last line that is a JSON object.
func lastJSONLine(b []byte) []byte {
	lines := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
	for i := len(lines) - 1; i >= 0; i-- {
		if l := bytes.TrimSpace(lines[i]); bytes.HasPrefix(l, []byte("{")) {
			return l
		}
	}
	return b
}
