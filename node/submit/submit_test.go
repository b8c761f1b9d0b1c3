package submit

import (
	"context"
	"errors"
	"log/slog"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cometbft/cometbft/mempool"
	coretypes "github.com/cometbft/cometbft/rpc/core/types"
	"github.com/cometbft/cometbft/types"

	"github.com/sealchain/sealchain/app"
	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/store"
)

// fakeMempool answers as CometBFT's local client would.
type fakeMempool struct {
	res   *coretypes.ResultBroadcastTx
	err   error
	txRes *coretypes.ResultTx
}

func (m *fakeMempool) BroadcastTxSync(context.Context, types.Tx) (*coretypes.ResultBroadcastTx, error) {
	return m.res, m.err
}

func (m *fakeMempool) Tx(context.Context, []byte, bool) (*coretypes.ResultTx, error) {
	if m.txRes == nil {
		return nil, errors.New("tx not found")
	}
	return m.txRes, nil
}

func emptyStore(t *testing.T) *store.Store {
	t.Helper()
	s, err := store.Open(t.TempDir(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("OpenStore: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestSubmitOutcome(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name     string
		ctx      context.Context
		mp       Mempool
		want     Status
		wantCode uint32
		accepted bool
	}{
		{name: "accepted", mp: &fakeMempool{res: &coretypes.ResultBroadcastTx{Code: app.CodeOK}}, want: Pending, accepted: true},
		{name: "CheckTx code in the result", mp: &fakeMempool{res: &coretypes.ResultBroadcastTx{Code: app.CodeMalformed, Codespace: app.Codespace, Log: "bad"}},
			want: Rejected, wantCode: app.CodeMalformed},
		{name: "CometBFT v1 ErrInvalidTx", mp: &fakeMempool{err: mempool.ErrInvalidTx{Code: app.CodeNotParty, Codespace: app.Codespace, Log: "not a party"}},
			want: Rejected, wantCode: app.CodeNotParty},
		{name: "ErrInvalidTx wrapped", mp: &fakeMempool{err: errors.Join(errors.New("broadcast"), mempool.ErrInvalidTx{Code: app.CodeChainID, Codespace: app.Codespace})},
			want: Rejected, wantCode: app.CodeChainID},
		{name: "CheckTx says replay", mp: &fakeMempool{err: mempool.ErrInvalidTx{Code: app.CodeReplay, Codespace: app.Codespace, Log: "already committed"}},
			want: Replay, wantCode: app.CodeReplay, accepted: true},
		{name: "replay code of another codespace", mp: &fakeMempool{res: &coretypes.ResultBroadcastTx{Code: app.CodeReplay, Codespace: "other"}},
			want: Rejected, wantCode: app.CodeReplay},
		{name: "in the cache", mp: &fakeMempool{err: mempool.ErrTxInCache}, want: Replay, accepted: true},
		{name: "in the mempool", mp: &fakeMempool{err: mempool.ErrTxInMempool}, want: Replay, accepted: true},
		{name: "mempool full", mp: &fakeMempool{err: mempool.ErrMempoolIsFull{NumTxs: 5000, MaxTxs: 5000}}, want: MempoolFull},
		{name: "too large", mp: &fakeMempool{err: mempool.ErrTxTooLarge{Max: 10, Actual: 20}}, want: TooLarge},
		{name: "node stopping", mp: &fakeMempool{err: errors.New("client is not running")}, want: Unavailable},
		{name: "ctx done", ctx: cancelled, mp: &fakeMempool{err: context.Canceled}, want: Unavailable},
		{name: "not started", mp: nil, want: Unavailable},
		{name: "empty answer", mp: &fakeMempool{}, want: Unavailable},
	}
	store := emptyStore(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := tc.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			o, err := New(store, tc.mp).Submit(ctx, []byte("tx"))
			if err != nil {
				t.Fatalf("Submit: %v", err)
			}
			if o.Status != tc.want || o.Code != tc.wantCode || o.Accepted() != tc.accepted {
				t.Fatalf("outcome %+v (%s), want %s code %d accepted %v", o, o.Status, tc.want, tc.wantCode, tc.accepted)
			}
			if tc.want >= MempoolFull && o.Err == nil {
				t.Fatalf("%s outcome without its error", o.Status)
			}
		})
	}
}

func TestResultOutcome(t *testing.T) {
	tests := []struct {
		name       string
		mp         Mempool
		want       Status
		wantCode   uint32
		wantHeight int64
	}{
		{name: "unknown", mp: &fakeMempool{}, want: Pending},
		{name: "not started", mp: nil, want: Pending},
		{name: "rejected by FinalizeBlock", mp: &fakeMempool{txRes: &coretypes.ResultTx{Height: 7,
			TxResult: abci.ExecTxResult{Code: app.CodeNotParty, Codespace: app.Codespace, Log: "not a party"}}},
			want: Rejected, wantCode: app.CodeNotParty, wantHeight: 7},
		{name: "indexed with code OK but not in the store yet", mp: &fakeMempool{txRes: &coretypes.ResultTx{Height: 7}}, want: Pending},
	}
	store := emptyStore(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o, err := New(store, tc.mp).Result(context.Background(), chain.TxHash([]byte("tx")))
			if err != nil {
				t.Fatalf("Result: %v", err)
			}
			if o.Status != tc.want || o.Code != tc.wantCode || o.Height != tc.wantHeight {
				t.Fatalf("outcome %+v (%s), want %s code %d height %d", o, o.Status, tc.want, tc.wantCode, tc.wantHeight)
			}
		})
	}
}

func TestWaitEndsWithCtx(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	o, err := New(emptyStore(t), &fakeMempool{}).Wait(ctx, chain.TxHash([]byte("tx")))
	if err != nil || o.Status != Unavailable || !errors.Is(o.Err, context.Canceled) {
		t.Fatalf("Wait = %+v, %v; want unavailable with context.Canceled", o, err)
	}
}
