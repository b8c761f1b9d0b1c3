package app

import (
	"bytes"
	"context"
	"strings"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/sealchain/sealchain/chain"
)

// TestVerifyAllOrder: with the tx's signatures checked concurrently, the
// failure reported is still the first in the fixed order (actor, then
// envelope), whichever goroutine finishes first.
func TestVerifyAllOrder(t *testing.T) {
	w, hs := newWorld(t)
	// flipSig edits the signature inside the bytes it is given.
	flip := func(raw []byte, actor bool) []byte { return flipSig(t, bytes.Clone(raw), actor) }
	for _, tc := range []struct {
		name  string
		tx    []byte
		field string
	}{
		{"actor and envelope bad", flip(flip(w.aliceIntent, true), false), "actor.sig"},
		{"envelope bad", flip(w.aliceIntent, false), "envelope.sig"},
		{"actor bad", flip(w.aliceIntent, true), "actor.sig"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for range 20 {
				r := hs.checkTx(tc.tx)
				if r.Code != CodeBadSignature || !strings.Contains(r.Log, tc.field) {
					t.Fatalf("CheckTx = %d %q, want code %d naming %s", r.Code, r.Log, CodeBadSignature, tc.field)
				}
			}
		})
	}
}

// TestPreverify: txs a node never saw in CheckTx are verified on entering
// ProcessProposal (and cached, so FinalizeBlock verifies nothing again);
// a tx whose signature fails is not cached and the proposal is rejected.
func TestPreverify(t *testing.T) {
	w, hs := newWorld(t)
	ctx := context.Background()
	good := [][]byte{w.aliceIntent, w.bobIntent}
	for _, raw := range good {
		if _, ok := hs.app.ver.verified.get(chain.TxHash(raw)); ok {
			t.Fatal("tx cached before any check")
		}
	}
	r, err := hs.app.ProcessProposal(ctx, &abci.ProcessProposalRequest{Height: hs.height + 1, Txs: good})
	if err != nil || r.Status != abci.PROCESS_PROPOSAL_STATUS_ACCEPT {
		t.Fatalf("ProcessProposal = %v, %v; want accept", r, err)
	}
	for _, raw := range good {
		if _, ok := hs.app.ver.verified.get(chain.TxHash(raw)); !ok {
			t.Fatal("proposal tx not cached after ProcessProposal")
		}
	}

	bad := flipSig(t, bytes.Clone(w.aliceSigns), true)
	r, err = hs.app.ProcessProposal(ctx, &abci.ProcessProposalRequest{Height: hs.height + 1, Txs: [][]byte{w.aliceSigns, bad}})
	if err != nil || r.Status != abci.PROCESS_PROPOSAL_STATUS_REJECT {
		t.Fatalf("ProcessProposal with a bad signature = %v, %v; want reject", r, err)
	}
	if _, ok := hs.app.ver.verified.get(chain.TxHash(bad)); ok {
		t.Fatal("tx with a bad signature was cached")
	}
	if _, ok := hs.app.ver.verified.get(chain.TxHash(w.aliceSigns)); !ok {
		t.Fatal("good tx of the rejected proposal not cached")
	}
}
