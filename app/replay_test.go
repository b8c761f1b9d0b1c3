package app

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/store"
)

// The replay fixture (testdata/replay/chain.json) is a chain recorded by the
// code of commit 26d6d26, before the refactor of issue #13. Replaying it on
// later code proves the refactor kept every record, code and app hash: the
// recorded hashes are the old code's, so they must not be re-recorded to
// make a failing replay pass (testdata/replay/README.md).

// recordReplay re-records the fixture; only meaningful on the commit named in
// the fixture (replay_record_test.go).
var recordReplay = flag.Bool("record-replay", false, "re-record app/testdata/replay/chain.json (defeats its purpose after the issue #13 refactor)")

var replayFixturePath = filepath.Join("testdata", "replay", "chain.json")

// replayFixture is the file's shape: every InitChain and FinalizeBlock field
// the app reads, and what the app answered.
type replayFixture struct {
	Warning     string        `json:"warning"`
	RecordedAt  string        `json:"recorded_at_commit"`
	ChainID     string        `json:"chain_id"`
	InitChain   replayInit    `json:"init_chain"`
	InitAppHash hexBytes      `json:"init_app_hash"`
	Blocks      []replayBlock `json:"blocks"`
}

type replayInit struct {
	ChainID       string            `json:"chain_id"`
	Time          time.Time         `json:"time"`
	InitialHeight int64             `json:"initial_height"`
	Validators    []replayValidator `json:"validators"`
	// AppStateBytes is base64 (encoding/json's []byte) so the exact bytes
	// survive; the JSON inside is genesis app_state.
	AppStateBytes []byte `json:"app_state_bytes"`
}

type replayValidator struct {
	PubKeyType  string   `json:"pub_key_type"`
	PubKeyBytes hexBytes `json:"pub_key_bytes"`
	Power       int64    `json:"power"`
}

type replayBlock struct {
	Height          int64     `json:"height"`
	Time            time.Time `json:"time"`
	ProposerAddress hexBytes  `json:"proposer_address"`
	// Txs in block order; Code is what FinalizeBlock answered for each.
	Txs []replayTx `json:"txs"`
	// ValidatorUpdates FinalizeBlock returned, in its order.
	ValidatorUpdates []replayValidator `json:"validator_updates,omitempty"`
	AppHash          hexBytes          `json:"app_hash"`
}

type replayTx struct {
	// Type and Note are for people; replay reads only Tx and Code.
	Type string `json:"type,omitempty"`
	Note string `json:"note,omitempty"`
	Code uint32 `json:"code"`
	Tx   []byte `json:"tx"`
}

// hexBytes is []byte written as hex, for hashes, keys and addresses.
type hexBytes []byte

func (h hexBytes) MarshalText() ([]byte, error) { return []byte(hex.EncodeToString(h)), nil }

func (h *hexBytes) UnmarshalText(b []byte) error {
	v, err := hex.DecodeString(string(b))
	if err != nil {
		return fmt.Errorf("hex: %w", err)
	}
	*h = v
	return nil
}

func loadReplayFixture(t *testing.T, path string) *replayFixture {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("replay fixture: %v", err)
	}
	var fx replayFixture
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&fx); err != nil {
		t.Fatalf("replay fixture %s: %v", path, err)
	}
	if len(fx.Blocks) == 0 {
		t.Fatalf("replay fixture %s: no blocks", path)
	}
	return &fx
}

// TestReplayRecordedChain replays the chain recorded before the issue #13
// refactor and requires the same code for every tx, the same validator
// updates and the same app hash at every height; once straight through and
// once with the app closed and reopened from its store halfway.
func TestReplayRecordedChain(t *testing.T) {
	if *recordReplay {
		recordReplayFixture(t, replayFixturePath)
	}
	fx := loadReplayFixture(t, replayFixturePath)
	t.Run("straight", func(t *testing.T) { replayChain(t, fx, 0) })
	half := fx.Blocks[len(fx.Blocks)/2].Height
	t.Run(fmt.Sprintf("restart_after_%d", half), func(t *testing.T) { replayChain(t, fx, half) })
}

// replayChain feeds fx to a fresh app as CometBFT would (InitChain, then
// FinalizeBlock and Commit per block). With restartAfter > 0 the store is
// closed after that height's Commit and the app is built again over it.
func replayChain(t *testing.T, fx *replayFixture, restartAfter int64) {
	t.Helper()
	ctx := context.Background()
	gs, _, err := chain.ParseGenesisState(fx.InitChain.AppStateBytes)
	if err != nil {
		t.Fatalf("fixture genesis: %v", err)
	}
	dir := t.TempDir()
	var db *store.Store
	open := func() *App {
		t.Helper()
		if db, err = store.Open(dir, nil); err != nil {
			t.Fatalf("open store: %v", err)
		}
		// As node.New builds it: the anchoring setting comes from genesis.
		a, err := New(db, fx.ChainID, WithAnchoring(gs.Anchoring))
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		return a
	}
	a := open()
	defer func() { db.Close() }()

	in := fx.InitChain
	req := &abci.InitChainRequest{ChainId: in.ChainID, Time: in.Time, InitialHeight: in.InitialHeight, AppStateBytes: in.AppStateBytes}
	for _, v := range in.Validators {
		req.Validators = append(req.Validators, abci.ValidatorUpdate{PubKeyType: v.PubKeyType, PubKeyBytes: v.PubKeyBytes, Power: v.Power})
	}
	res, err := a.InitChain(ctx, req)
	if err != nil {
		t.Fatalf("InitChain: %v", err)
	}
	if !bytes.Equal(res.AppHash, fx.InitAppHash) {
		t.Fatalf("InitChain: app hash %X, recorded %X", res.AppHash, []byte(fx.InitAppHash))
	}

	for _, blk := range fx.Blocks {
		txs := make([][]byte, len(blk.Txs))
		for i, tx := range blk.Txs {
			txs[i] = tx.Tx
		}
		fin, err := a.FinalizeBlock(ctx, &abci.FinalizeBlockRequest{Height: blk.Height, Time: blk.Time, ProposerAddress: blk.ProposerAddress, Txs: txs})
		if err != nil {
			t.Fatalf("height %d: FinalizeBlock: %v", blk.Height, err)
		}
		if len(fin.TxResults) != len(blk.Txs) {
			t.Fatalf("height %d: %d tx results for %d txs", blk.Height, len(fin.TxResults), len(blk.Txs))
		}
		for i, r := range fin.TxResults {
			if want := blk.Txs[i]; r.Code != want.Code {
				t.Fatalf("height %d tx %d (%s: %s): code %d (%s), recorded %d", blk.Height, i, want.Type, want.Note, r.Code, r.Log, want.Code)
			}
		}
		if got := replayValidators(fin.ValidatorUpdates); !equalValidators(got, blk.ValidatorUpdates) {
			t.Fatalf("height %d: validator updates %s, recorded %s", blk.Height, showValidators(got), showValidators(blk.ValidatorUpdates))
		}
		if !bytes.Equal(fin.AppHash, blk.AppHash) {
			t.Fatalf("height %d: app hash %X, recorded %X (every tx code matched: a state change differs)", blk.Height, fin.AppHash, []byte(blk.AppHash))
		}
		if _, err := a.Commit(ctx, &abci.CommitRequest{}); err != nil {
			t.Fatalf("height %d: Commit: %v", blk.Height, err)
		}
		if blk.Height == restartAfter {
			if err := db.Close(); err != nil {
				t.Fatalf("height %d: close store: %v", blk.Height, err)
			}
			a = open()
			info, err := a.Info(ctx, &abci.InfoRequest{})
			if err != nil || info.LastBlockHeight != blk.Height || !bytes.Equal(info.LastBlockAppHash, blk.AppHash) {
				t.Fatalf("after reopening at height %d: Info %d %X (%v), want %d %X", blk.Height, info.LastBlockHeight, info.LastBlockAppHash, err, blk.Height, []byte(blk.AppHash))
			}
		}
	}
}

func replayValidators(us []abci.ValidatorUpdate) []replayValidator {
	var out []replayValidator
	for _, u := range us {
		out = append(out, replayValidator{PubKeyType: u.PubKeyType, PubKeyBytes: u.PubKeyBytes, Power: u.Power})
	}
	return out
}

func equalValidators(a, b []replayValidator) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].PubKeyType != b[i].PubKeyType || !bytes.Equal(a[i].PubKeyBytes, b[i].PubKeyBytes) || a[i].Power != b[i].Power {
			return false
		}
	}
	return true
}

func showValidators(vs []replayValidator) string {
	if len(vs) == 0 {
		return "none"
	}
	b, _ := json.Marshal(vs)
	return string(b)
}
