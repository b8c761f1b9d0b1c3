package flowapi

import (
	"errors"
	"testing"

	"github.com/cometbft/cometbft/mempool"

	"github.com/sealchain/sealchain/app"
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
