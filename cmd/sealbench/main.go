package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// options are the command-line settings of one run.
type options struct {
	N             int
	Concurrency   int
	Rate          float64 // tx/s over all workers; 0 means unlimited
	BlockInterval time.Duration
	Out           string
	Quick         bool
	Dir           string // parent of the temporary homes; "" means os.TempDir
	// Progress receives the \r progress lines; nil means none.
	Progress io.Writer
	// Log receives the nodes' error logs; nil means discard.
	Log io.Writer
}

const quickN = 300

func main() {
	var o options
	flag.IntVar(&o.N, "n", 2000, "number of measured transactions per app")
	flag.IntVar(&o.Concurrency, "concurrency", 16, "concurrent submitters")
	flag.Float64Var(&o.Rate, "rate", 0, "submission rate limit in tx/s over all submitters (0: unlimited)")
	flag.DurationVar(&o.BlockInterval, "block-interval", 100*time.Millisecond, "consensus block interval (timeout_commit)")
	flag.StringVar(&o.Out, "out", "bench.json", "write the results as JSON to this file (\"\" or \"-\" for none)")
	flag.BoolVar(&o.Quick, "quick", false, fmt.Sprintf("quick run: %d transactions per app", quickN))
	flag.StringVar(&o.Dir, "dir", "", "directory for the temporary node homes (default: the system temp dir)")
	verbose := flag.Bool("v", false, "show the nodes' error logs on stderr")
	flag.Parse()
	o.Progress = os.Stderr
	if *verbose {
		o.Log = os.Stderr
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := run(ctx, o)
	if res != nil {
		res.printTable(os.Stdout)
		if o.Out != "" && o.Out != "-" {
			b, jerr := json.MarshalIndent(res, "", "  ")
			if jerr == nil {
				jerr = os.WriteFile(o.Out, append(b, '\n'), 0o644)
			}
			if jerr != nil {
				err = errors.Join(err, fmt.Errorf("write %s: %w", o.Out, jerr))
			} else {
				fmt.Printf("results written to %s\n", o.Out)
			}
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "sealbench:", err)
		os.Exit(1)
	}
}
