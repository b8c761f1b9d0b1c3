package node

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/node/submit"
	"github.com/sealchain/sealchain/signer"
)

// TestBatchedSubmit runs 300 records of the node's own credential through
// its submitter at once: they commit as batches (fewer txs than records in
// the blocks, one leaf each), each Result names its own log index, and one
// that fails a state rule in FinalizeBlock is answered Rejected with its
// code while its batch's other records commit.
func TestBatchedSubmit(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a node")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	n := newITNet(ctx, t)
	sub := n.node.sub
	if v := n.node.nextRules(); v < chain.BatchRulesVersion {
		t.Fatalf("a fresh chain runs rules %d, want batches (%d)", v, chain.BatchRulesVersion)
	}
	certs := make([][]byte, 301)
	for i := range certs {
		_, certs[i] = n.issueSigner(t, signer.AlgSM2, "batch-signer")
	}
	build := func(der []byte) []byte {
		tx, err := n.sub.Build(&chain.CertIssued{Cert: der}, nil)
		if err != nil {
			t.Fatalf("Build: %v", err)
		}
		return tx
	}
	// A certificate issued first, so that issuing it again fails a state
	// rule in FinalizeBlock (CheckTx does not read it).
	first := build(certs[300])
	if o, err := sub.Submit(ctx, first); err != nil || !o.Accepted() {
		t.Fatalf("Submit: %+v, %v", o, err)
	}
	if o, err := sub.Wait(ctx, sub.RecordHash(first)); err != nil || o.Status != submit.Committed {
		t.Fatalf("Wait: %+v, %v", o, err)
	}
	startLast := n.node.store.Last()

	txs := make([][]byte, 300)
	for i := range txs {
		if i == 150 {
			txs[i] = build(certs[300]) // the duplicate
			continue
		}
		txs[i] = build(certs[i])
	}
	out := make([]submit.Outcome, len(txs))
	var wg sync.WaitGroup
	for i, tx := range txs {
		wg.Go(func() {
			o, err := sub.Submit(ctx, tx)
			if err != nil {
				t.Errorf("Submit %d: %v", i, err)
			}
			out[i] = o
		})
	}
	wg.Wait()
	for i, o := range out {
		if o.Status != submit.Pending {
			t.Fatalf("record %d: %+v, want pending", i, o)
		}
	}
	var indexes []uint64
	for i, tx := range txs {
		o, err := sub.Wait(ctx, sub.RecordHash(tx))
		if err != nil {
			t.Fatalf("Wait %d: %v", i, err)
		}
		if i == 150 {
			if o.Status != submit.Rejected || o.Code != chain.CodeDuplicate || o.Height == 0 || o.Log == "" {
				t.Fatalf("the duplicate: %+v, want rejected in FinalizeBlock with code %d", o, chain.CodeDuplicate)
			}
			continue
		}
		if o.Status != submit.Committed {
			t.Fatalf("record %d: %+v, want committed", i, o)
		}
		if i%50 == 0 {
			// The hash of the standalone tx it came as finds it too.
			if o2, err := sub.Result(ctx, chain.TxHash(tx)); err != nil || o2.Status != submit.Committed || o2.Index != o.Index {
				t.Fatalf("Result by tx hash of record %d: %+v, %v; want committed at %d", i, o2, err, o.Index)
			}
		}
		indexes = append(indexes, o.Index)
	}
	slices.Sort(indexes)
	if indexes[0] != startLast.LogSize || indexes[len(indexes)-1] != startLast.LogSize+298 || len(slices.Compact(indexes)) != 299 {
		t.Fatalf("log indexes %d..%d (%d distinct), want %d..%d", indexes[0], indexes[len(indexes)-1], len(slices.Compact(indexes)), startLast.LogSize, startLast.LogSize+298)
	}
	last := n.node.store.Last()
	if last.LogSize != startLast.LogSize+299 {
		t.Fatalf("log size %d, want %d + 299", last.LogSize, startLast.LogSize)
	}
	var blockTxs int
	for h := startLast.Height + 1; h <= last.Height; h++ {
		b, err := n.node.comet.Client().Block(ctx, &h)
		if err != nil {
			t.Fatalf("Block(%d): %v", h, err)
		}
		for _, tx := range b.Block.Txs {
			if !chain.IsBatch(tx) {
				t.Errorf("block %d carries a standalone tx", h)
			}
		}
		blockTxs += len(b.Block.Txs)
	}
	if blockTxs == 0 || blockTxs >= 300 {
		t.Fatalf("%d txs in blocks %d..%d for 300 records, want batches", blockTxs, startLast.Height+1, last.Height)
	}
	t.Logf("300 records in %d batch txs over %d blocks", blockTxs, last.Height-startLast.Height)

	// Latency of one record alone, submit to commit: batching on (this
	// node's submitter) and off (a submitter without it), in turns.
	plain := submit.New(n.node.store, n.node.comet.Client())
	var on, off []time.Duration
	for i := range 10 {
		for _, s := range []*submit.Submitter{sub, plain} {
			_, der := n.issueSigner(t, signer.AlgSM2, "latency")
			tx := build(der)
			start := time.Now()
			if o, err := s.Submit(ctx, tx); err != nil || !o.Accepted() {
				t.Fatalf("latency Submit %d: %+v, %v", i, o, err)
			}
			if o, err := s.Wait(ctx, s.RecordHash(tx)); err != nil || o.Status != submit.Committed {
				t.Fatalf("latency Wait %d: %+v, %v", i, o, err)
			}
			if s == sub {
				on = append(on, time.Since(start))
			} else {
				off = append(off, time.Since(start))
			}
		}
	}
	slices.Sort(on)
	slices.Sort(off)
	t.Logf("submit→commit p50 of one record: batching on %s, off %s (10 each)", on[len(on)/2], off[len(off)/2])
}
