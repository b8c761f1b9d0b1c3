package flowapi

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/cometbft/cometbft/mempool"
	"github.com/cometbft/cometbft/types"

	"github.com/sealchain/sealchain/app"
	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/node/submit"
	"github.com/sealchain/sealchain/workflow"
)

// TestWFResult: the submitter's outcomes in the workflow's terms; the
// workflow compares no ABCI code numbers, so not-expired-yet is a field.
func TestWFResult(t *testing.T) {
	full := mempool.ErrMempoolIsFull{NumTxs: 1, MaxTxs: 1}
	for _, tc := range []struct {
		name    string
		in      submit.Outcome
		want    workflow.TxResult
		wantErr error
	}{
		{name: "pending", in: submit.Outcome{Status: submit.Pending}},
		{name: "replay", in: submit.Outcome{Status: submit.Replay, Code: app.CodeReplay, Codespace: app.Codespace}, want: workflow.TxResult{Replay: true}},
		{name: "committed", in: submit.Outcome{Status: submit.Committed, Index: 7, Height: 3, Indexed: true},
			want: workflow.TxResult{Committed: true, Index: 7, Height: 3}},
		{name: "rejected", in: submit.Outcome{Status: submit.Rejected, Code: app.CodeNotParty, Codespace: app.Codespace, Log: "not a party", Height: 4},
			want: workflow.TxResult{Rejected: true, Code: app.CodeNotParty, Log: "not a party", Height: 4}},
		{name: "not expired yet", in: submit.Outcome{Status: submit.Rejected, Code: app.CodeNotExpired, Codespace: app.Codespace},
			want: workflow.TxResult{Rejected: true, Code: app.CodeNotExpired, NotYetDue: true}},
		{name: "mempool full", in: submit.Outcome{Status: submit.MempoolFull, Err: full}, wantErr: full},
		{name: "unavailable", in: submit.Outcome{Status: submit.Unavailable, Err: submit.ErrNotStarted}, wantErr: submit.ErrNotStarted},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := wfResult(tc.in)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("wfResult = %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

// plainSubmitter is a submitter without the batching API.
type plainSubmitter struct {
	calls []string
}

func (s *plainSubmitter) Submit(context.Context, []byte) (submit.Outcome, error) {
	s.calls = append(s.calls, "submit")
	return submit.Outcome{Status: submit.Pending}, nil
}

func (s *plainSubmitter) Result(context.Context, chain.Hash) (submit.Outcome, error) {
	return submit.Outcome{Status: submit.Pending}, nil
}

// batchSubmitter has it.
type batchSubmitter struct {
	plainSubmitter
	pooled map[string]bool
}

func (s *batchSubmitter) RecordHash(tx []byte) chain.Hash {
	return chain.TxHash(append([]byte("item:"), tx...))
}

func (s *batchSubmitter) InMempool(tx []byte) bool { return s.pooled[string(tx)] }

func (s *batchSubmitter) SubmitAlone(context.Context, []byte) (submit.Outcome, error) {
	s.calls = append(s.calls, "standalone")
	return submit.Outcome{Status: submit.Replay}, nil
}

// TestWFChainBatching: the adapter keys records by the submitter's record
// hash, asks it whether a record (or its batch) waits in the mempool, and
// sends a record that is not batchable standalone; over a submitter
// without that API, records are keyed by tx hash and sent as they are.
func TestWFChainBatching(t *testing.T) {
	ctx := context.Background()
	tx := []byte("tx")

	bs := &batchSubmitter{pooled: map[string]bool{"tx": true}}
	c := &wfChain{sub: bs, pool: emptyPool{}}
	if got, want := c.RecordHash(tx), bs.RecordHash(tx); got != want {
		t.Errorf("RecordHash = %s, want the submitter's %s", got, want)
	}
	if !c.InMempool(tx) || c.InMempool([]byte("other")) {
		t.Error("InMempool does not answer from the submitter")
	}
	if res, err := c.Broadcast(ctx, tx, true); err != nil || res != (workflow.TxResult{}) {
		t.Fatalf("batchable: %+v, %v", res, err)
	}
	if res, err := c.Broadcast(ctx, tx, false); err != nil || !res.Replay {
		t.Fatalf("standalone: %+v, %v", res, err)
	}
	if want := []string{"submit", "standalone"}; !slices.Equal(bs.calls, want) {
		t.Errorf("calls %v, want %v", bs.calls, want)
	}

	ps := &plainSubmitter{}
	c = &wfChain{sub: ps, pool: emptyPool{}}
	if got := c.RecordHash(tx); got != chain.TxHash(tx) {
		t.Errorf("RecordHash over a plain submitter = %s, want the tx hash", got)
	}
	if c.InMempool(tx) {
		t.Error("InMempool over a plain submitter does not ask the pool")
	}
	if _, err := c.Broadcast(ctx, tx, false); err != nil || !slices.Equal(ps.calls, []string{"submit"}) {
		t.Errorf("plain submitter: calls %v, %v", ps.calls, err)
	}
}

type emptyPool struct{}

func (emptyPool) InMempool(types.TxKey) bool { return false }

// The node's submitter is what the adapter's optional interfaces are
// asserted against: if it stops providing one, the workflow silently
// loses batching or standalone sends.
var (
	_ recordHasher        = (*submit.Submitter)(nil)
	_ batchMempool        = (*submit.Submitter)(nil)
	_ standaloneSubmitter = (*submit.Submitter)(nil)
)
