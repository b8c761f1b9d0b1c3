package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sealchain/sealchain/signer"
)

// sm2Result is the SM2 verification rate of this machine, measured in the
// run that uses it, and the records/s limits derived from it.
type sm2Result struct {
	Cores int `json:"cores"` // GOMAXPROCS: the goroutines the loop ran on
	// VerifiesPerSec is the best of the calibration loops (before and after
	// the networks ran): all cores verifying in parallel.
	VerifiesPerSec float64   `json:"verifies_per_s"`
	Samples        []float64 `json:"samples_verifies_per_s"` // each loop's rate, in order
	MicrosPerCore  float64   `json:"us_per_verify_per_core"` // Cores / VerifiesPerSec
	LoopSec        float64   `json:"loop_s"`
	// Load is the load average when each sample was taken.
	Load []string `json:"load_average"`
}

// calibrateSM2 runs signer.Verify, the call the app makes for every actor
// and envelope signature, on an SM2 signature over a message of a record's
// size, on every core for d, and returns verifies/s over all cores.
func calibrateSM2(ctx context.Context, d time.Duration) (float64, error) {
	k, err := signer.GenerateKey(signer.AlgSM2, nil)
	if err != nil {
		return 0, err
	}
	msg := make([]byte, 320) // about what an actor signs in a contract_signed record
	for i := range msg {
		msg[i] = byte(i)
	}
	sig, err := k.Sign(nil, msg)
	if err != nil {
		return 0, err
	}
	pub := k.Public()
	if err := signer.Verify(pub, msg, sig); err != nil {
		return 0, fmt.Errorf("calibration signature: %w", err)
	}
	var (
		n    atomic.Int64
		stop atomic.Bool
		wg   sync.WaitGroup
		bad  atomic.Bool
	)
	start := time.Now()
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				if signer.Verify(pub, msg, sig) != nil {
					bad.Store(true)
				}
				n.Add(1)
			}
		}()
	}
	select {
	case <-time.After(d):
	case <-ctx.Done():
	}
	stop.Store(true)
	wg.Wait()
	elapsed := time.Since(start)
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if bad.Load() {
		return 0, fmt.Errorf("calibration: a verification failed")
	}
	return float64(n.Load()) / elapsed.Seconds(), nil
}

// loadAverage is the 1, 5 and 15 minute load averages ("" where
// /proc/loadavg is not there): the machine is shared, so each result says
// how busy it was.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// add records one calibration sample.
func (s *sm2Result) add(vps float64, d time.Duration) {
	s.Cores = runtime.GOMAXPROCS(0)
	s.LoopSec = d.Seconds()
	s.Samples = append(s.Samples, vps)
	s.Load = append(s.Load, loadAverage())
	s.VerifiesPerSec = max(s.VerifiesPerSec, vps)
	if s.VerifiesPerSec > 0 {
		s.MicrosPerCore = float64(s.Cores) / s.VerifiesPerSec * 1e6
	}
}

// verifiesPerRecord is the SM2 verifications one validator does per
// measured contract_signed record: the actor's signature, and the envelope's
// (one per standalone tx, shared by the batch's records otherwise).
func verifiesPerRecord(batch int) float64 {
	if batch <= 1 {
		return 2
	}
	return 1 + 1/float64(batch)
}

// limit is the records/s that validators nodes could commit on this
// machine's cores if they did nothing but verify each signature once per
// node (0 when not calibrated).
func (s *sm2Result) limit(validators, batch int) float64 {
	if s == nil || s.VerifiesPerSec == 0 {
		return 0
	}
	return s.VerifiesPerSec / (float64(validators) * verifiesPerRecord(batch))
}

// calibrate adds a sample of d to s (nothing when d is 0).
func (s *sm2Result) calibrate(ctx context.Context, d time.Duration, progress func(string)) error {
	if s == nil || d <= 0 {
		return nil
	}
	vps, err := calibrateSM2(ctx, d)
	if err != nil {
		return fmt.Errorf("SM2 calibration: %w", err)
	}
	s.add(vps, d)
	if progress != nil {
		progress(fmt.Sprintf("SM2 verify: %.0f/s on %d cores (%.1f µs per verify per core), load average %s", vps, s.Cores, float64(s.Cores)/vps*1e6, loadAverage()))
	}
	return nil
}
