package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
)

// profiler writes a CPU, block and mutex profile per timed phase into dir.
// Everything (the four validators, the load generator) runs in this process,
// so one profile covers the whole network.
type profiler struct{ dir string }

// start begins profiling phase name; the returned func stops it and writes
// cpu-NAME.pprof, block-NAME.pprof and mutex-NAME.pprof. A nil profiler does
// nothing.
func (p *profiler) start(name string) (stop func() error, err error) {
	if p == nil || p.dir == "" {
		return func() error { return nil }, nil
	}
	if err := os.MkdirAll(p.dir, 0o755); err != nil {
		return nil, err
	}
	f, err := os.Create(filepath.Join(p.dir, "cpu-"+name+".pprof"))
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	// Sample every blocking event longer than 10 µs and 1 in 10 contended
	// mutexes: enough to see where goroutines wait without slowing the run.
	runtime.SetBlockProfileRate(10_000)
	runtime.SetMutexProfileFraction(10)
	return func() error {
		pprof.StopCPUProfile()
		errs := []error{f.Close()}
		for _, kind := range []string{"block", "mutex"} {
			errs = append(errs, writeProfile(filepath.Join(p.dir, kind+"-"+name+".pprof"), kind))
		}
		runtime.SetBlockProfileRate(0)
		runtime.SetMutexProfileFraction(0)
		return errors.Join(errs...)
	}, nil
}

func writeProfile(path, kind string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.Lookup(kind).WriteTo(f, 0); err != nil {
		f.Close()
		return fmt.Errorf("write %s profile: %w", kind, err)
	}
	return f.Close()
}

func (o options) profiler() *profiler {
	if o.Profile == "" {
		return nil
	}
	return &profiler{dir: o.Profile}
}
