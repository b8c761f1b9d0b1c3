package main

import (
	"context"
	"testing"
	"time"

	rpcclient "github.com/cometbft/cometbft/rpc/client"
	"github.com/stretchr/testify/require"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/store"
)

// TestQuickBatched runs 500 contract_signed records in batches of 100
// through one validator and checks the harness's count against the chain's
// own: the platform log grew by exactly the committed records, the blocks
// carried the 5 batches, and every new leaf is a batched record that
// chain.DecodeRecord reads.
func TestQuickBatched(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a network")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const n, batch = 500, 100

	var logBefore, logAfter uint64
	var leaves []*chain.Tx
	inspect := func(ctx context.Context, app string, c rpcclient.Client, st *store.Store, r *phaseResult) error {
		require.Equal(t, "sealchain batched", app)
		before, err := st.View().Checkpoint(r.HeightFrom)
		require.NoError(t, err)
		logBefore, logAfter = before.LogSize, st.Last().LogSize
		view := st.View()
		for i := logBefore; i < logAfter; i++ {
			b, err := view.Entry(i)
			require.NoError(t, err)
			en, err := chain.DecodeEntry(b)
			require.NoError(t, err, "leaf %d", i)
			tx, err := chain.DecodeRecord(en.Tx)
			require.NoError(t, err, "leaf %d", i)
			idx, ok, err := view.TxLogIndex(tx.ItemHash())
			require.NoError(t, err)
			require.True(t, ok, "leaf %d: its record hash is indexed", i)
			require.Equal(t, i, idx)
			leaves = append(leaves, tx)
		}
		return nil
	}
	start := time.Now()
	res, err := runInspect(ctx, options{Validators: 1, N: 0, Batch: batch, BatchN: n, Concurrency: 4,
		BlockInterval: 100 * time.Millisecond, Dir: t.TempDir()}, inspect)
	require.NoError(t, err)
	t.Logf("quick batched run took %s: %.0f records/s, p50 %.0f ms", time.Since(start).Round(time.Millisecond), res.Batched.TPS, res.Batched.P50Ms)

	b := res.Batched
	require.NotNil(t, b)
	require.Nil(t, res.Sealchain)
	require.Zero(t, b.Failed, b.FirstError)
	require.Equal(t, n, b.Txs)
	require.Equal(t, n, b.Committed)
	require.Equal(t, n/batch, b.Batches)
	require.Equal(t, int64(n), b.AppTxs, "committed vs the log size delta")
	require.Equal(t, uint64(1+3*n), logAfter, "log: the certificate, a contract and an intent per record, the records")
	require.Equal(t, uint64(n), logAfter-logBefore)
	require.Equal(t, int64(n/batch), b.BlockTxs, "batch txs in blocks (%d, %d]", b.HeightFrom, b.HeightTo)
	require.Len(t, leaves, n)
	for i, tx := range leaves {
		require.IsType(t, &chain.ContractSigned{}, tx.Body, "leaf %d", i)
		require.NotNil(t, tx.Batched, "leaf %d is in the batched form", i)
		require.Equal(t, uint32(batch), tx.Batched.Size)
	}
	require.Positive(t, b.TPS)
	require.True(t, 0 < b.P50Ms && b.P50Ms <= b.P99Ms, "percentiles %v %v", b.P50Ms, b.P99Ms)
	require.Greater(t, res.StandaloneBytes, b.TxBytesAvg, "a batched record travels in fewer bytes than a standalone one")
}

func TestBatchFor(t *testing.T) {
	o := options{Batch: 100, BatchWait: 20 * time.Millisecond}
	require.Equal(t, 100, o.batchFor(0), "a burst sends full batches")
	require.Equal(t, 100, o.batchFor(8000))
	require.Equal(t, 40, o.batchFor(2000), "what arrives in 20 ms")
	require.Equal(t, 1, o.batchFor(10))
	require.Equal(t, 100, options{Batch: 100}.batchFor(50), "no wait bound")
}

func TestSM2Limit(t *testing.T) {
	s := &sm2Result{}
	s.add(31200, time.Second)
	s.add(20000, time.Second)
	require.Equal(t, 31200.0, s.VerifiesPerSec, "the best sample")
	require.InDelta(t, 3900, s.limit(4, 0), 1e-9, "standalone: 2 verifies per record per validator")
	require.InDelta(t, 31200/(4*1.01), s.limit(4, 100), 1e-9)
	require.InDelta(t, 31200/1.01, s.limit(1, 100), 1e-9)
	require.Zero(t, (*sm2Result)(nil).limit(4, 100))
	require.Equal(t, "7000 records/s = 0.90 × limit (7800 records/s)", ofLimit(7000, 7800))
}

func TestWorkSlice(t *testing.T) {
	w := work{txs: [][]byte{{1}, {2}, {3}}, recs: [][]int{{0, 1}, {2, 3}, {4}}, records: 5}
	p := w.slice(1, 3)
	require.Equal(t, 2, p.from)
	require.Equal(t, 5, p.to)
	require.Equal(t, 3, p.records)
	require.Equal(t, [][]int{{0, 1}, {2}}, p.recs)
	s := single([][]byte{{1}, {2}, {3}}).slice(1, 2)
	require.Equal(t, 1, s.from)
	require.Equal(t, 1, s.records)
	require.Equal(t, []int{0}, s.recordsOf(0))
}

func TestChunkEnd(t *testing.T) {
	big := make([]byte, setupChunkBytes/2+1)
	require.Equal(t, 1, chunkEnd([][]byte{big, big, big}, 0), "bytes bound")
	require.Equal(t, 2, chunkEnd([][]byte{big, {1}, big}, 0))
	require.Equal(t, 3, chunkEnd([][]byte{{1}, {1}, {1}}, 0))
	require.Equal(t, 1, chunkEnd([][]byte{make([]byte, setupChunkBytes+1)}, 0), "one tx at least")
	many := make([][]byte, setupChunk+5)
	require.Equal(t, setupChunk, chunkEnd(many, 0), "count bound")
	require.Equal(t, setupChunk+5, chunkEnd(many, setupChunk))
}
