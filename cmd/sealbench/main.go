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
	Dir           string        // parent of the temporary homes; "" means os.TempDir
	Sweep         []float64     // offered loads in tx/s; nil: one run
	Duration      time.Duration // sustained mode: each run (or sweep step) offers Rate for this long
	Plots         string        // directory for the PNG plots; "" means none
	// Profile, when set, receives per-phase CPU, block and mutex profiles.
	Profile string
	// Progress receives the \r progress lines; nil means none.
	Progress io.Writer
	// Log receives the nodes' logs at LogLevel ("" means error); nil means discard.
	Log      io.Writer
	LogLevel string
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
	flag.IntVar(&o.N, "n", 2000, "number of measured transactions per app")
	flag.IntVar(&o.Concurrency, "concurrency", 16, "concurrent submitters")
	flag.Float64Var(&o.Rate, "rate", 0, "submission rate limit in tx/s over all submitters (0: unlimited)")
	flag.DurationVar(&o.Duration, "duration", 0, "sustained mode: offer -rate for this long (sets -n); with -sweep, the length of each step")
	sweep := flag.String("sweep", "", "rate sweep: offered loads in tx/s, e.g. 200,500,1000,2000,3000 (needs -duration)")
	flag.StringVar(&o.Plots, "plots", "", "with -sweep, write throughput and latency PNG plots into this directory")
	plotFrom := flag.String("plot-from", "", "redraw the plots of a sweep JSON written by -sweep -out into -plots, without running anything")
	flag.DurationVar(&o.BlockInterval, "block-interval", 100*time.Millisecond, "consensus block interval (timeout_commit)")
	flag.StringVar(&o.Out, "out", "bench.json", "write the results as JSON to this file (\"\" or \"-\" for none)")
	flag.BoolVar(&o.Quick, "quick", false, fmt.Sprintf("quick run: %d transactions per app", quickN))
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
			o.N = max(1, int(o.Rate*o.Duration.Seconds()))
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
