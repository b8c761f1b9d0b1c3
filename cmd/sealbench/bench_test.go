package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	rpcclient "github.com/cometbft/cometbft/rpc/client"
	"github.com/stretchr/testify/require"

	"github.com/sealchain/sealchain/chain/store"
)

// TestQuickHarness runs the quick mode in-process and checks the harness's
// committed counts against the chains' own counts, taken by the test while
// each network still runs: the platform store's log size delta (Sealchain)
// and the tx counts of the blocks in the covered height range (kvstore).
func TestQuickHarness(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two 4-validator networks")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	type seen struct {
		logSize uint64 // Sealchain: store log size at the end of the phase
		txs     int64  // tx count summed over the blocks in the phase's range
		height  int64  // the submitting node's app height
	}
	chains := map[string]seen{}
	inspect := func(ctx context.Context, app string, c rpcclient.Client, store *store.Store, r *phaseResult) error {
		var s seen
		for h := r.HeightFrom + 1; h <= r.HeightTo; h++ {
			b, err := c.Block(ctx, &h)
			if err != nil {
				return fmt.Errorf("block %d: %w", h, err)
			}
			s.txs += int64(len(b.Block.Txs))
		}
		info, err := c.ABCIInfo(ctx)
		if err != nil {
			return err
		}
		s.height = info.Response.LastBlockHeight
		if store != nil {
			s.logSize = store.Last().LogSize
		}
		chains[app] = s
		return nil
	}
	start := time.Now()
	res, err := runInspect(ctx, options{Quick: true, KV: true, Concurrency: 16, BlockInterval: 100 * time.Millisecond, Dir: t.TempDir()}, inspect)
	require.NoError(t, err)
	t.Logf("quick harness took %s", time.Since(start).Round(time.Millisecond))
	require.NotNil(t, res.Sealchain)
	require.NotNil(t, res.KVStore)

	// Setup before the timed phase: one certificate, quickN contracts and
	// quickN intents, so the log held 1+2·quickN records when it began.
	seal := res.Sealchain
	require.Equal(t, quickN, res.N)
	require.Zero(t, seal.Failed, seal.FirstError)
	require.Equal(t, quickN, seal.Committed)
	sc := chains["sealchain"]
	require.Equal(t, uint64(1+3*quickN), sc.logSize, "platform log size at the end")
	require.Equal(t, int64(seal.Committed), int64(sc.logSize)-int64(1+2*quickN), "committed vs the log size delta")
	require.Equal(t, int64(seal.Committed), seal.ChainTxs)
	require.Equal(t, int64(seal.Committed), sc.txs, "committed vs txs in blocks (%d, %d]", seal.HeightFrom, seal.HeightTo)
	require.GreaterOrEqual(t, sc.height, seal.HeightTo)

	kv := res.KVStore
	require.Zero(t, kv.Failed, kv.FirstError)
	require.Equal(t, quickN, kv.Committed)
	kc := chains["kvstore"]
	require.Equal(t, int64(kv.Committed), kc.txs, "committed vs txs in blocks (%d, %d]", kv.HeightFrom, kv.HeightTo)
	require.Equal(t, int64(kv.Committed), kv.ChainTxs)
	require.Equal(t, int64(kv.Committed), kv.AppTxs, "committed vs kvstore's Info size delta")
	require.GreaterOrEqual(t, kc.height, kv.HeightTo)

	for _, p := range []*phaseResult{seal, kv} {
		require.Greater(t, p.TPS, 0.0, p.App)
		require.InDelta(t, seal.TxBytesAvg, p.TxBytesAvg, 0, "same tx sizes")
		require.True(t, 0 < p.P50Ms && p.P50Ms <= p.P95Ms && p.P95Ms <= p.P99Ms && p.P99Ms <= p.MaxMs,
			"%s percentiles %v %v %v %v", p.App, p.P50Ms, p.P95Ms, p.P99Ms, p.MaxMs)
		require.Positive(t, p.Blocks, p.App)
	}
	require.InDelta(t, seal.TPS/kv.TPS, res.RatioTPS, 1e-9)
}

func TestPercentile(t *testing.T) {
	vals := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for _, tc := range []struct {
		desc string
		q    float64
		want float64
	}{
		{"median", 0.50, 5},
		{"p95", 0.95, 10},
		{"p10", 0.10, 1},
		{"p0 clamps", 0, 1},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			require.Equal(t, tc.want, pct(vals, tc.q))
		})
	}
	require.Zero(t, pct(nil, 0.5))
}
