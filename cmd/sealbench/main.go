package main

import (
	"cmp"
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

	"github.com/sealchain/sealchain/config"
)

// options are the command-line settings of one run.
type options struct {
	N             int
	Concurrency   int
	Rate          float64 // tx/s over all workers; 0 means unlimited
	BlockInterval time.Duration
	Out           string
	Quick         bool
	Dir           string        // parent of the temporary homes; "" means os.TempDir
	Sweep         []float64     // offered loads in tx/s; nil: one run
	Duration      time.Duration // sustained mode: each run (or sweep step) offers Rate for this long
	Plots         string        // directory for the PNG plots; "" means none
	// Profile, when set, receives per-phase CPU, block and mutex profiles.
	Profile string
	// Validators is the network's size, 1..4 (0: 4).
	Validators int
	// Batch is the records per batch of the batched phase (≤ 1: none);
	// BatchN its records, after the N standalone ones. At a rate, a batch
	// holds what arrives within BatchWait (at most Batch).
	Batch     int
	BatchN    int
	BatchWait time.Duration
	// KV runs the kvstore baseline with KVN txs (0: N, else 3000) of the
	// records' standalone sizes.
	KV  bool
	KVN int
	// TimeoutPropose and TimeoutVote are both networks' consensus timeouts
	// (0: Sealchain's defaults, config.DefaultTimeoutPropose and
	// DefaultTimeoutVote), so that kvstore runs on the same settings.
	TimeoutPropose time.Duration
	TimeoutVote    time.Duration
	// SM2Loop is the length of each SM2 calibration loop (0: none).
	SM2Loop time.Duration
	// Progress receives the \r progress lines; nil means none.
	Progress io.Writer
	// Log receives the nodes' logs at LogLevel ("" means error); nil means discard.
	Log      io.Writer
	LogLevel string
}

func (o options) timeouts() (propose, vote time.Duration) {
	return cmp.Or(o.TimeoutPropose, config.DefaultTimeoutPropose), cmp.Or(o.TimeoutVote, config.DefaultTimeoutVote)
}

func (o options) logLevel() string {
	if o.LogLevel == "" {
		return "error"
	}
	return o.LogLevel
}

const quickN = 300

func main() {
	if len(os.Args) > 1 && os.Args[1] == "fabric" {
		if err := fabricMain(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "sealbench fabric:", err)
			os.Exit(1)
		}
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "store" {
		if err := storeMain(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "sealbench store:", err)
			os.Exit(1)
		}
		return
	}
	var o options
	flag.IntVar(&o.N, "n", 2000, "number of measured standalone records (one tx each); 0 for none")
	flag.IntVar(&o.Validators, "validators", 4, "validators in each network (1..4; the last of court, notary, arbitration, platform)")
	flag.IntVar(&o.Batch, "batch", 0, fmt.Sprintf("records per batch (2..%d) for -batch-n and -sweep; 0 or 1: standalone txs", 1000))
	flag.IntVar(&o.BatchN, "batch-n", 0, "number of measured batched records, after the -n standalone ones (needs -batch)")
	flag.DurationVar(&o.BatchWait, "batch-wait", 20*time.Millisecond, "at a rate, a batch holds the records arriving within this wait (at most -batch)")
	flag.BoolVar(&o.KV, "kv", true, "run the kvstore baseline")
	flag.IntVar(&o.KVN, "kv-n", 0, "kvstore txs (default: -n, else 3000), of the measured records' standalone sizes")
	flag.DurationVar(&o.TimeoutPropose, "timeout-propose", 0, fmt.Sprintf("consensus timeout_propose of both networks (0: Sealchain's default, %s)", config.DefaultTimeoutPropose))
	flag.DurationVar(&o.TimeoutVote, "timeout-vote", 0, fmt.Sprintf("consensus timeout_prevote/precommit of both networks (0: Sealchain's default, %s)", config.DefaultTimeoutVote))
	flag.DurationVar(&o.SM2Loop, "sm2-loop", time.Second, "length of each SM2 verify calibration loop on all cores (0: none)")
	flag.IntVar(&o.Concurrency, "concurrency", 16, "concurrent submitters")
	flag.Float64Var(&o.Rate, "rate", 0, "submission rate limit in tx/s over all submitters (0: unlimited)")
	flag.DurationVar(&o.Duration, "duration", 0, "sustained mode: offer -rate for this long (sets -n); with -sweep, the length of each step")
	sweep := flag.String("sweep", "", "rate sweep: offered loads in tx/s, e.g. 200,500,1000,2000,3000 (needs -duration)")
	flag.StringVar(&o.Plots, "plots", "", "with -sweep, write throughput and latency PNG plots into this directory")
	plotFrom := flag.String("plot-from", "", "redraw the plots of a sweep JSON written by -sweep -out into -plots, without running anything")
	flag.DurationVar(&o.BlockInterval, "block-interval", 100*time.Millisecond, "consensus block interval (timeout_commit)")
	flag.StringVar(&o.Out, "out", "bench.json", "write the results as JSON to this file (\"\" or \"-\" for none)")
	flag.BoolVar(&o.Quick, "quick", false, fmt.Sprintf("quick run: %d standalone records per app", quickN))
	flag.StringVar(&o.Dir, "dir", "", "directory for the temporary node homes (default: the system temp dir)")
	flag.StringVar(&o.Profile, "profile", "", "write CPU, block and mutex profiles of each timed phase into this directory")
	verbose := flag.Bool("v", false, "show the nodes' logs on stderr")
	flag.StringVar(&o.LogLevel, "log-level", "error", "the nodes' log level with -v")
	flag.Parse()
	o.Progress = os.Stderr
	if *verbose {
		o.Log = os.Stderr
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if *plotFrom != "" {
		if err := replot(*plotFrom, o.Plots); err != nil {
			fatal(err)
		}
		return
	}
	var (
		out   any
		table func()
		err   error
	)
	if *sweep != "" {
		if o.Sweep, err = parseRates(*sweep); err != nil {
			fatal(err)
		}
		var res *sweepResult
		res, err = runSweep(ctx, o)
		if res != nil {
			out, table = res, func() { res.printTable(os.Stdout) }
			if o.Plots != "" && err == nil {
				err = plotSweep(res, o.Plots)
			}
		}
	} else {
		if o.Duration > 0 {
			if o.Rate <= 0 {
				fatal(errors.New("-duration needs -rate"))
			}
			// The records offered go to the batched phase when batching.
			if n := max(1, int(o.Rate*o.Duration.Seconds())); o.Batch > 1 {
				o.N, o.BatchN = 0, n
			} else {
				o.N = n
			}
		}
		var res *result
		res, err = run(ctx, o)
		if res != nil {
			out, table = res, func() { res.printTable(os.Stdout) }
		}
	}
	if out != nil {
		table()
		if werr := writeJSON(o.Out, out); werr != nil {
			err = errors.Join(err, werr)
		}
	}
	if err != nil {
		fatal(err)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "sealbench:", err)
	os.Exit(1)
}

// writeJSON writes v indented to path ("" or "-": nowhere).
func writeJSON(path string, v any) error {
	if path == "" || path == "-" {
		return nil
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err == nil {
		err = os.WriteFile(path, append(b, '\n'), 0o644)
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	fmt.Printf("results written to %s\n", path)
	return nil
}

// replot redraws a sweep's plots from its JSON.
func replot(path, dir string) error {
	if dir == "" {
		return errors.New("-plot-from needs -plots DIR")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var res sweepResult
	if err := json.Unmarshal(b, &res); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return plotSweep(&res, dir)
}
