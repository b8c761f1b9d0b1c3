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
)

// sweepResult is a rate sweep: at each offered load, Sealchain, and
// kvstore at the same load (standalone sweeps) or once as a burst (batched
// sweeps: kvstore cannot take the loads batches can), on one network per
// app kept running across the steps.
type sweepResult struct {
	Started       time.Time   `json:"started"`
	BlockInterval string      `json:"block_interval"`
	Timeouts      string      `json:"consensus_timeouts,omitempty"`
	Validators    int         `json:"validators"`
	Concurrency   int         `json:"concurrency"`
	StepSec       float64     `json:"step_s"` // offered-load duration of each step
	Steps         []sweepStep `json:"steps"`

	// Batch is the most records per batch (0: standalone txs); a step's
	// batch holds what arrives within BatchWaitMs.
	Batch       int        `json:"batch,omitempty"`
	BatchWaitMs float64    `json:"batch_wait_ms,omitempty"`
	SM2         *sm2Result `json:"sm2,omitempty"`
	// KVBurst is a batched sweep's baseline: a kvstore burst of txs of the
	// records' standalone size.
	KVBurst *phaseResult `json:"kvstore_burst,omitempty"`
	// GoalTPS is a batched sweep's records/s goal: at least 2 × KVBurst's
	// tx/s and 0.6 × the SM2 limit at the full batch; Best the highest
	// offered rate whose step met it with p50 ≤ 600 ms and p99 ≤ 1.5 s (0:
	// none).
	GoalTPS float64 `json:"goal_records_per_s,omitempty"`
	Best    float64 `json:"best_offered_records_per_s,omitempty"`
}

// Latency goals of a sweep step.
const (
	goalP50Ms = 600
	goalP99Ms = 1500
)

// sweepStep is one offered load.
type sweepStep struct {
	OfferedTPS float64      `json:"offered_tx_per_s"` // records/s
	N          int          `json:"n"`
	Batch      int          `json:"batch,omitempty"` // records per batch in this step
	Sealchain  *phaseResult `json:"sealchain,omitempty"`
	KVStore    *phaseResult `json:"kvstore,omitempty"`
	RatioTPS   float64      `json:"ratio_tps"` // to kvstore at this load, or to its burst (batched)
	RatioP50   float64      `json:"ratio_p50"`
	RatioP99   float64      `json:"ratio_p99"`
	Limit      float64      `json:"limit_records_per_s,omitempty"` // the SM2 limit at this step's batch size
	FracLimit  float64      `json:"fraction_of_limit,omitempty"`
	MeetsGoal  bool         `json:"meets_goal,omitempty"`
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

// runSweep offers each rate for o.Duration to Sealchain, then kvstore
// (each rate, or one burst when batched), each network started once.
// Between steps the chain is left to go idle so one step's backlog does not
// count in the next.
func runSweep(ctx context.Context, o options) (*sweepResult, error) {
	if o.Duration <= 0 {
		return nil, fmt.Errorf("-sweep needs -duration > 0")
	}
	if err := o.check(); err != nil {
		return nil, err
	}
	res := &sweepResult{Started: time.Now().UTC(), BlockInterval: o.BlockInterval.String(), Timeouts: o.timeoutString(),
		Validators: o.Validators, Concurrency: o.Concurrency, StepSec: o.Duration.Seconds()}
	if o.batched() {
		res.Batch, res.BatchWaitMs = o.Batch, float64(o.BatchWait.Microseconds())/1e3
	}
	if o.SM2Loop > 0 {
		res.SM2 = &sm2Result{}
	}
	progress := func(s string) { o.progressf("%s", s) }
	if err := res.SM2.calibrate(ctx, o.SM2Loop, progress); err != nil {
		return res, err
	}
	total := 0
	for _, r := range o.Sweep {
		n := max(1, int(r*o.Duration.Seconds()))
		st := sweepStep{OfferedTPS: r, N: n}
		if o.batched() {
			st.Batch = o.batchFor(r)
		}
		res.Steps = append(res.Steps, st)
		total += n
	}
	dir, err := os.MkdirTemp(o.Dir, "sealbench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	base, err := freeBasePort(o.Validators)
	if err != nil {
		return nil, err
	}

	sn, err := startSealNet(ctx, o, filepath.Join(dir, "seal"), base)
	if err != nil {
		return res, fmt.Errorf("sealchain: %w", err)
	}
	standalone, batched := total, 0
	if o.batched() {
		standalone, batched = 0, total
	}
	recs, err := sn.prepare(ctx, o, standalone, batched)
	if err != nil {
		sn.stop(ctx)
		return res, fmt.Errorf("sealchain: %w", err)
	}
	off := 0
	for i := range res.Steps {
		st := &res.Steps[i]
		from := off
		off += st.N
		waitStable(ctx, o.BlockInterval, sn.clients())
		if o.batched() {
			st.Sealchain, err = sn.measureBatched(ctx, o, fmt.Sprintf("sealchain %g/s b%d", st.OfferedTPS, st.Batch),
				recs.items[from:off], st.Batch, st.OfferedTPS, nil)
		} else {
			st.Sealchain, err = sn.measureStandalone(ctx, o, fmt.Sprintf("sealchain %g/s", st.OfferedTPS),
				recs.standalone[from:off], st.OfferedTPS, nil)
		}
		if err != nil {
			sn.stop(ctx)
			return res, fmt.Errorf("sealchain at %g records/s: %w", st.OfferedTPS, err)
		}
	}
	sn.stop(ctx)

	if o.KV {
		if err := sweepKV(ctx, o, filepath.Join(dir, "kv"), base, recs.sizes, res); err != nil {
			return res, fmt.Errorf("kvstore: %w", err)
		}
	}
	if err := res.SM2.calibrate(ctx, o.SM2Loop, progress); err != nil {
		return res, err
	}
	res.score(o.Validators)
	return res, nil
}

// sweepKV runs the kvstore baseline of a sweep: each step's load with txs
// of the records' standalone sizes, or, for a batched sweep, one burst.
func sweepKV(ctx context.Context, o options, dir string, base int, sizes []int, res *sweepResult) error {
	kn, err := startKVNet(ctx, o, dir, base)
	if err != nil {
		return err
	}
	defer kn.stop(ctx)
	if res.Batch > 1 {
		res.KVBurst, err = kn.measure(ctx, o, "kvstore burst", cycle(sizes, o.kvN()), 0, nil)
		return err
	}
	off := 0
	for i := range res.Steps {
		st := &res.Steps[i]
		sz := sizes[off : off+st.N]
		off += st.N
		if st.KVStore, err = kn.measure(ctx, o, fmt.Sprintf("kvstore %g/s", st.OfferedTPS), sz, st.OfferedTPS, nil); err != nil {
			return fmt.Errorf("at %g tx/s: %w", st.OfferedTPS, err)
		}
	}
	return nil
}

// score fills the steps' ratios, limits and goals.
func (r *sweepResult) score(validators int) {
	if r.Batch > 1 && r.SM2 != nil {
		r.GoalTPS = 0.6 * r.SM2.limit(validators, r.Batch)
		if r.KVBurst != nil {
			r.GoalTPS = max(r.GoalTPS, 2*r.KVBurst.TPS)
		}
	}
	for i := range r.Steps {
		st := &r.Steps[i]
		kv := st.KVStore
		if r.Batch > 1 {
			kv = r.KVBurst
		}
		st.RatioTPS, st.RatioP50, st.RatioP99 = ratios(st.Sealchain, kv)
		st.Limit = r.SM2.limit(validators, max(1, st.Batch))
		if p := st.Sealchain; p != nil && st.Limit > 0 {
			st.FracLimit = p.TPS / st.Limit
		}
		if p := st.Sealchain; p != nil && r.GoalTPS > 0 {
			st.MeetsGoal = p.Failed == 0 && p.Committed == p.Txs && p.TPS >= r.GoalTPS && p.P50Ms <= goalP50Ms && p.P99Ms <= goalP99Ms
			if st.MeetsGoal {
				r.Best = max(r.Best, st.OfferedTPS)
			}
		}
	}
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
	kind := "standalone txs"
	if r.Batch > 1 {
		kind = fmt.Sprintf("batches of up to %d records (what arrives in %g ms)", r.Batch, r.BatchWaitMs)
	}
	fmt.Fprintf(w, "\nrate sweep: %d validators on 127.0.0.1, block interval %s, timeouts %s, %gs per step, concurrency %d, %s\n",
		r.Validators, r.BlockInterval, r.Timeouts, r.StepSec, r.Concurrency, kind)
	r.SM2.print(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "offered rec/s\tapp\tbatch\tcommitted\tround>0\trecords/s\tp50 ms\tp95 ms\tp99 ms\tratio to kv\tratio p50\t× SM2 limit\tgoal\t")
	for _, st := range r.Steps {
		for _, p := range []*phaseResult{st.Sealchain, st.KVStore} {
			if p == nil {
				continue
			}
			ratio, rp50, frac, goal := "", "", "", ""
			if p == st.Sealchain {
				ratio, rp50 = fmt.Sprintf("%.2f", st.RatioTPS), fmt.Sprintf("%.2f", st.RatioP50)
				if st.Limit > 0 {
					frac = fmt.Sprintf("%.2f", st.FracLimit)
				}
				if r.GoalTPS > 0 {
					goal = map[bool]string{true: "met", false: "missed"}[st.MeetsGoal]
				}
			}
			fmt.Fprintf(tw, "%g\t%s\t%d\t%d/%d\t%d\t%.0f\t%.0f\t%.0f\t%.0f\t%s\t%s\t%s\t%s\t\n", st.OfferedTPS, p.App, p.BatchSize,
				p.Committed, p.Txs, p.lateRounds(), p.TPS, p.P50Ms, p.P95Ms, p.P99Ms, ratio, rp50, frac, goal)
		}
	}
	tw.Flush()
	for _, st := range r.Steps {
		if p := st.Sealchain; p != nil && st.Limit > 0 {
			fmt.Fprintf(w, "  %g/s offered: %s\n", st.OfferedTPS, ofLimit(p.TPS, st.Limit))
		}
	}
	if k := r.KVBurst; k != nil {
		fmt.Fprintf(w, "kvstore burst (%d txs of %.0f bytes): %.0f tx/s, p50 %.0f ms, p99 %.0f ms\n", k.Txs, k.TxBytesAvg, k.TPS, k.P50Ms, k.P99Ms)
	}
	if r.GoalTPS > 0 {
		best := "none"
		if r.Best > 0 {
			best = fmt.Sprintf("%g records/s offered", r.Best)
		}
		fmt.Fprintf(w, "goal: ≥ %.0f records/s (max of 2 × kvstore burst, 0.6 × SM2 limit) with p50 ≤ %d ms, p99 ≤ %d ms; highest rate meeting it: %s\n",
			r.GoalTPS, goalP50Ms, goalP99Ms, best)
	}
}
