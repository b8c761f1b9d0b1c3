package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	rpcclient "github.com/cometbft/cometbft/rpc/client"
)

// sweepResult is a rate sweep: both apps at each offered load, on one
// network per app kept running across the steps.
type sweepResult struct {
	Started       time.Time   `json:"started"`
	BlockInterval string      `json:"block_interval"`
	Validators    int         `json:"validators"`
	Concurrency   int         `json:"concurrency"`
	StepSec       float64     `json:"step_s"` // offered-load duration of each step
	Steps         []sweepStep `json:"steps"`
}

// sweepStep is one offered load.
type sweepStep struct {
	OfferedTPS float64      `json:"offered_tx_per_s"`
	N          int          `json:"n"`
	Sealchain  *phaseResult `json:"sealchain,omitempty"`
	KVStore    *phaseResult `json:"kvstore,omitempty"`
	RatioTPS   float64      `json:"ratio_tps"`
	RatioP50   float64      `json:"ratio_p50"`
	RatioP99   float64      `json:"ratio_p99"`
}

// parseRates parses "200,500,1000".
func parseRates(s string) ([]float64, error) {
	var rates []float64
	for _, f := range strings.Split(s, ",") {
		r, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || r <= 0 {
			return nil, fmt.Errorf("-sweep %q: want positive rates separated by commas", s)
		}
		rates = append(rates, r)
	}
	return rates, nil
}

// runSweep offers each rate for o.Duration to Sealchain, then to kvstore,
// each network started once. Between steps the chain is left to go idle so
// one step's backlog does not count in the next.
func runSweep(ctx context.Context, o options) (*sweepResult, error) {
	if o.Duration <= 0 {
		return nil, fmt.Errorf("-sweep needs -duration > 0")
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	res := &sweepResult{Started: time.Now().UTC(), BlockInterval: o.BlockInterval.String(),
		Validators: len(validators), Concurrency: o.Concurrency, StepSec: o.Duration.Seconds()}
	total := 0
	for _, r := range o.Sweep {
		n := max(1, int(r*o.Duration.Seconds()))
		res.Steps = append(res.Steps, sweepStep{OfferedTPS: r, N: n})
		total += n
	}
	dir, err := os.MkdirTemp(o.Dir, "sealbench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	base, err := freeBasePort(len(validators))
	if err != nil {
		return nil, err
	}

	sn, err := startSealNet(ctx, o, filepath.Join(dir, "seal"), base)
	if err != nil {
		return res, fmt.Errorf("sealchain: %w", err)
	}
	signs, err := sn.prepare(ctx, o, total)
	if err != nil {
		sn.stop(ctx)
		return res, fmt.Errorf("sealchain: %w", err)
	}
	var sealClients []rpcclient.Client
	for _, n := range sn.nodes {
		sealClients = append(sealClients, n.Comet().Client())
	}
	sizes := txSizes(signs)
	off := 0
	for i := range res.Steps {
		st := &res.Steps[i]
		batch := signs[off : off+st.N]
		off += st.N
		waitStable(ctx, o.BlockInterval, sealClients)
		st.Sealchain, err = sn.measure(ctx, o, fmt.Sprintf("sealchain %g/s", st.OfferedTPS), batch, st.OfferedTPS, nil)
		if err != nil {
			sn.stop(ctx)
			return res, fmt.Errorf("sealchain at %g tx/s: %w", st.OfferedTPS, err)
		}
	}
	sn.stop(ctx)

	kn, err := startKVNet(ctx, o, filepath.Join(dir, "kv"), base)
	if err != nil {
		return res, fmt.Errorf("kvstore: %w", err)
	}
	defer kn.stop(ctx)
	off = 0
	for i := range res.Steps {
		st := &res.Steps[i]
		sz := sizes[off : off+st.N]
		off += st.N
		st.KVStore, err = kn.measure(ctx, o, fmt.Sprintf("kvstore %g/s", st.OfferedTPS), sz, st.OfferedTPS, nil)
		if err != nil {
			return res, fmt.Errorf("kvstore at %g tx/s: %w", st.OfferedTPS, err)
		}
		st.RatioTPS, st.RatioP50, st.RatioP99 = ratios(st.Sealchain, st.KVStore)
	}
	return res, nil
}

// ratios are Sealchain/kvstore committed tx/s, p50 and p99 latency.
func ratios(s, k *phaseResult) (tps, p50, p99 float64) {
	if s == nil || k == nil {
		return 0, 0, 0
	}
	div := func(a, b float64) float64 {
		if b == 0 {
			return 0
		}
		return a / b
	}
	return div(s.TPS, k.TPS), div(s.P50Ms, k.P50Ms), div(s.P99Ms, k.P99Ms)
}

func (r *sweepResult) printTable(w io.Writer) {
	fmt.Fprintf(w, "\nrate sweep: %d validators on 127.0.0.1, block interval %s, %gs per step, concurrency %d\n",
		r.Validators, r.BlockInterval, r.StepSec, r.Concurrency)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "offered tx/s\tapp\tcommitted\ttx/s\tp50 ms\tp95 ms\tp99 ms\tratio tx/s\tratio p50\t")
	for _, st := range r.Steps {
		for _, p := range []*phaseResult{st.Sealchain, st.KVStore} {
			if p == nil {
				continue
			}
			ratio, rp50 := "", ""
			if p == st.KVStore {
				ratio, rp50 = fmt.Sprintf("%.2f", st.RatioTPS), fmt.Sprintf("%.2f", st.RatioP50)
			}
			fmt.Fprintf(tw, "%g\t%s\t%d/%d\t%.0f\t%.0f\t%.0f\t%.0f\t%s\t%s\t\n", st.OfferedTPS, p.App, p.Committed, p.Txs,
				p.TPS, p.P50Ms, p.P95Ms, p.P99Ms, ratio, rp50)
		}
	}
	tw.Flush()
}
