package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Goals of issue 14, printed beside the figures they judge.
const (
	goalStandaloneRatio = 0.8    // standalone records/s ÷ kvstore tx/s
	goalBatchedRatio    = 2.0    // batched records/s ÷ kvstore tx/s
	goalBatchedLimit    = 0.6    // batched records/s ÷ SM2 limit
	goalSingleNode      = 10_000 // records/s on one validator
)

// printTable writes the human-readable summary.
func (r *result) printTable(w io.Writer) {
	fmt.Fprintf(w, "\n%d validator(s) on 127.0.0.1, block interval %s, timeouts %s, n=%d standalone", r.Validators, r.BlockInterval, r.Timeouts, r.N)
	if r.BatchN > 0 {
		fmt.Fprintf(w, " + %d batched (%d per batch)", r.BatchN, r.Batch)
	}
	fmt.Fprintf(w, ", concurrency %d, rate %s\n", r.Concurrency, rateString(r.Rate))
	r.SM2.print(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "app\tbytes/record\tcommitted\tlog +\tfailed\tblocks\tround>0\ttxs\trecords/s\tp50 ms\tp95 ms\tp99 ms\tmax ms\t")
	for _, p := range []*phaseResult{r.Sealchain, r.Batched, r.KVStore} {
		if p == nil {
			continue
		}
		logDelta := "-"
		if p != r.KVStore {
			logDelta = fmt.Sprint(p.AppTxs)
		}
		fmt.Fprintf(tw, "%s\t%.0f\t%d/%d\t%s\t%d\t%d\t%d\t%d\t%.0f\t%.0f\t%.0f\t%.0f\t%.0f\t\n", p.App, p.TxBytesAvg, p.Committed, p.Txs,
			logDelta, p.Failed, p.Blocks, p.lateRounds(), p.BlockTxs, p.TPS, p.P50Ms, p.P95Ms, p.P99Ms, p.MaxMs)
	}
	tw.Flush()
	for _, p := range []*phaseResult{r.Sealchain, r.Batched} {
		if p != nil && int64(p.Committed) != p.AppTxs {
			fmt.Fprintf(w, "WARNING: %s: %d records seen committed but the log grew by %d\n", p.App, p.Committed, p.AppTxs)
		}
	}
	if r.StandaloneBytes > 0 {
		fmt.Fprintf(w, "a record as a standalone tx: %.0f bytes on average (the kvstore txs' size)\n", r.StandaloneBytes)
	}
	if s := r.Sealchain; s != nil {
		if r.LimitStandalone > 0 {
			fmt.Fprintf(w, "standalone: %s (%d validators × 2 verifies per record)\n", ofLimit(s.TPS, r.LimitStandalone), r.Validators)
		}
		if r.KVStore != nil {
			fmt.Fprintf(w, "standalone ÷ kvstore: tx/s %.2f (goal ≥ %.1f: %s), p50 latency %.2f, p99 latency %.2f\n",
				r.RatioTPS, goalStandaloneRatio, metString(r.RatioTPS >= goalStandaloneRatio), r.RatioP50, r.RatioP99)
		}
	}
	if b := r.Batched; b != nil {
		if r.LimitBatched > 0 {
			fmt.Fprintf(w, "batched: %s (%d validators × (1 + 1/%d) verifies per record)", ofLimit(b.TPS, r.LimitBatched), r.Validators, r.Batch)
			if r.Validators > 1 {
				fmt.Fprintf(w, "; goal ≥ %.1f × limit: %s", goalBatchedLimit, metString(b.TPS >= goalBatchedLimit*r.LimitBatched))
			}
			fmt.Fprintln(w)
		}
		if r.KVStore != nil {
			fmt.Fprintf(w, "batched records/s ÷ kvstore tx/s: %.2f", r.RatioBatchedTPS)
			if r.Validators > 1 {
				fmt.Fprintf(w, " (goal ≥ %.1f: %s)", goalBatchedRatio, metString(r.RatioBatchedTPS >= goalBatchedRatio))
			}
			fmt.Fprintln(w)
		}
		if r.Validators == 1 {
			fmt.Fprintf(w, "single node: %.0f records/s (goal ≥ %d: %s)\n", b.TPS, goalSingleNode, metString(b.TPS >= goalSingleNode))
		}
	}
}

// print writes the calibration line (nothing for nil).
func (s *sm2Result) print(w io.Writer) {
	if s == nil || s.VerifiesPerSec == 0 {
		return
	}
	fmt.Fprintf(w, "SM2 limit: %.0f verifies/s on %d cores (%.1f µs per verify per core; best of %d loops of %gs: %s; load average then: %s)\n",
		s.VerifiesPerSec, s.Cores, s.MicrosPerCore, len(s.Samples), s.LoopSec, fmtRates(s.Samples), strings.Join(s.Load, "; "))
}

func fmtRates(xs []float64) string {
	s := ""
	for i, x := range xs {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%.0f", x)
	}
	return s
}

// ofLimit reads "x records/s = f × limit".
func ofLimit(tps, limit float64) string {
	return fmt.Sprintf("%.0f records/s = %.2f × limit (%.0f records/s)", tps, tps/limit, limit)
}

func metString(ok bool) string {
	if ok {
		return "met"
	}
	return "missed"
}

func rateString(r float64) string {
	if r <= 0 {
		return "unlimited"
	}
	return fmt.Sprintf("%g records/s", r)
}

// lateRounds counts the phase's blocks committed in a round above 0: round
// 0's proposal did not make it within the timeouts.
func (r *phaseResult) lateRounds() int {
	n := 0
	for _, b := range r.BlockLog {
		if b.Round > 0 {
			n++
		}
	}
	return n
}
