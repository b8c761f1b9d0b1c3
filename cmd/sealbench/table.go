package main

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// printTable writes the human-readable summary.
func (r *result) printTable(w io.Writer) {
	fmt.Fprintf(w, "\n%d validators on 127.0.0.1, block interval %s, n=%d, concurrency %d, rate %s\n",
		r.Validators, r.BlockInterval, r.N, r.Concurrency, rateString(r.Rate))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "app\ttx bytes\tcommitted\tfailed\tblocks\ttx/s\tp50 ms\tp95 ms\tp99 ms\tmax ms\t")
	for _, p := range []*phaseResult{r.Sealchain, r.KVStore} {
		if p == nil {
			continue
		}
		fmt.Fprintf(tw, "%s\t%.0f\t%d/%d\t%d\t%d\t%.0f\t%.0f\t%.0f\t%.0f\t%.0f\t\n", p.App, p.TxBytesAvg, p.Committed, p.Txs,
			p.Failed, p.Blocks, p.TPS, p.P50Ms, p.P95Ms, p.P99Ms, p.MaxMs)
	}
	tw.Flush()
	if r.Sealchain != nil && r.KVStore != nil {
		fmt.Fprintf(w, "ratio sealchain/kvstore: tx/s %.2f, p50 latency %.2f, p99 latency %.2f\n", r.RatioTPS, r.RatioP50, r.RatioP99)
	}
}

func rateString(r float64) string {
	if r <= 0 {
		return "unlimited"
	}
	return fmt.Sprintf("%g tx/s", r)
}
