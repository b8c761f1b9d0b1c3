package signer

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm3"
)

// fakeClock is a hand-written clock that tests advance explicitly.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func newOTP(t *testing.T) (*DevOTP, *fakeClock) {
	t.Helper()
	clk := &fakeClock{now: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)}
	return NewDevOTP(DevOTPOptions{TTL: time.Minute, MaxAttempts: 3, Now: clk.Now}), clk
}

func challenge(t *testing.T, o *DevOTP, subject string) (id, code string) {
	t.Helper()
	id, code, err := o.Challenge(subject)
	if err != nil {
		t.Fatalf("Challenge: %v", err)
	}
	return id, code
}

// wrongCode returns a 6-digit code different from code.
func wrongCode(code string) string {
	n, _ := strconv.Atoi(code)
	return fmt.Sprintf("%06d", (n+1)%1_000_000)
}

func TestDevOTPHappyPath(t *testing.T) {
	o, clk := newOTP(t)
	const subject = "contract-1|fp-abc"
	id, code := challenge(t, o, subject)
	if len(code) != 6 || len(id) != 32 {
		t.Fatalf("id %q code %q", id, code)
	}
	if _, err := strconv.Atoi(code); err != nil {
		t.Fatalf("code %q is not numeric", code)
	}
	clk.Advance(30 * time.Second)
	h, at, err := o.Check(id, subject, code)
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	if !at.Equal(clk.Now()) {
		t.Fatalf("verifiedAt = %v, want %v", at, clk.Now())
	}
	// Recompute the documented hash independently.
	want := sm3.Sum([]byte("sealchain/otp-challenge/v1" + id + subject + code))
	if h != want {
		t.Fatalf("challengeHash = %x, want %x", h, want)
	}
}

func TestDevOTPCheckErrors(t *testing.T) {
	const subject = "contract-1|fp-abc"
	tests := []struct {
		name string
		// run performs the scenario and returns the final error.
		run     func(t *testing.T, o *DevOTP, clk *fakeClock) error
		wantErr []error
	}{
		{
			name: "unknown id",
			run: func(t *testing.T, o *DevOTP, _ *fakeClock) error {
				_, _, err := o.Check("00112233445566778899aabbccddeeff", subject, "123456")
				return err
			},
			wantErr: []error{ErrOTPUnknown},
		},
		{
			name: "wrong code",
			run: func(t *testing.T, o *DevOTP, _ *fakeClock) error {
				id, code := challenge(t, o, subject)
				_, _, err := o.Check(id, subject, wrongCode(code))
				return err
			},
			wantErr: []error{ErrOTPMismatch},
		},
		{
			name: "wrong subject",
			run: func(t *testing.T, o *DevOTP, _ *fakeClock) error {
				id, code := challenge(t, o, subject)
				_, _, err := o.Check(id, "contract-2|fp-abc", code)
				return err
			},
			wantErr: []error{ErrOTPMismatch},
		},
		{
			name: "empty code",
			run: func(t *testing.T, o *DevOTP, _ *fakeClock) error {
				id, _ := challenge(t, o, subject)
				_, _, err := o.Check(id, subject, "")
				return err
			},
			wantErr: []error{ErrOTPMismatch},
		},
		{
			name: "expired",
			run: func(t *testing.T, o *DevOTP, clk *fakeClock) error {
				id, code := challenge(t, o, subject)
				clk.Advance(time.Minute + time.Second)
				_, _, err := o.Check(id, subject, code)
				return err
			},
			wantErr: []error{ErrOTPExpired},
		},
		{
			name: "reuse after success",
			run: func(t *testing.T, o *DevOTP, _ *fakeClock) error {
				id, code := challenge(t, o, subject)
				if _, _, err := o.Check(id, subject, code); err != nil {
					t.Fatalf("first Check: %v", err)
				}
				_, _, err := o.Check(id, subject, code)
				return err
			},
			wantErr: []error{ErrOTPUnknown},
		},
		{
			name: "attempts exhausted",
			run: func(t *testing.T, o *DevOTP, _ *fakeClock) error {
				id, code := challenge(t, o, subject)
				for i := 0; i < 2; i++ {
					_, _, err := o.Check(id, subject, wrongCode(code))
					if !errors.Is(err, ErrOTPMismatch) || errors.Is(err, ErrOTPAttempts) {
						t.Fatalf("attempt %d: %v", i+1, err)
					}
				}
				_, _, err := o.Check(id, subject, wrongCode(code))
				if !errors.Is(err, ErrOTPMismatch) || !errors.Is(err, ErrOTPAttempts) {
					t.Fatalf("last attempt: %v, want mismatch and attempts", err)
				}
				// Burned: even the right code is refused.
				_, _, err = o.Check(id, subject, code)
				return err
			},
			wantErr: []error{ErrOTPAttempts},
		},
		{
			name: "subject mismatches count as attempts",
			run: func(t *testing.T, o *DevOTP, _ *fakeClock) error {
				id, code := challenge(t, o, subject)
				for i := 0; i < 3; i++ {
					o.Check(id, "other", code)
				}
				_, _, err := o.Check(id, subject, code)
				return err
			},
			wantErr: []error{ErrOTPAttempts},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, clk := newOTP(t)
			err := tt.run(t, o, clk)
			for _, want := range tt.wantErr {
				if !errors.Is(err, want) {
					t.Fatalf("err = %v, want %v", err, want)
				}
			}
		})
	}
}

func TestDevOTPWrongThenRight(t *testing.T) {
	o, _ := newOTP(t)
	id, code := challenge(t, o, "s")
	if _, _, err := o.Check(id, "s", wrongCode(code)); !errors.Is(err, ErrOTPMismatch) {
		t.Fatalf("wrong code: %v", err)
	}
	if _, _, err := o.Check(id, "s", wrongCode(code)); !errors.Is(err, ErrOTPMismatch) {
		t.Fatalf("wrong code again: %v", err)
	}
	if _, _, err := o.Check(id, "s", code); err != nil {
		t.Fatalf("right code after %d misses: %v", 2, err)
	}
}

func TestDevOTPExpiryBoundaryAndPrune(t *testing.T) {
	o, clk := newOTP(t)
	id, code := challenge(t, o, "s")
	stale, _ := challenge(t, o, "s")
	clk.Advance(time.Minute) // exactly at expiry: still valid
	if _, _, err := o.Check(id, "s", code); err != nil {
		t.Fatalf("Check at expiry instant: %v", err)
	}
	clk.Advance(time.Second)
	challenge(t, o, "s") // triggers pruning of stale
	o.mu.Lock()
	_, present := o.challenges[stale]
	n := len(o.challenges)
	o.mu.Unlock()
	if present || n != 1 {
		t.Fatalf("expired challenge not pruned (present=%v, n=%d)", present, n)
	}
	if _, _, err := o.Check(stale, "s", "000000"); !errors.Is(err, ErrOTPUnknown) {
		t.Fatalf("pruned challenge: %v, want ErrOTPUnknown", err)
	}
}

func TestDevOTPDefaultsAndRand(t *testing.T) {
	o := NewDevOTP(DevOTPOptions{})
	if o.ttl != 5*time.Minute || o.maxAttempts != 5 || o.now == nil || o.rand == nil {
		t.Fatalf("defaults not applied: ttl=%v max=%d", o.ttl, o.maxAttempts)
	}
	if _, _, err := o.Challenge("s"); err != nil {
		t.Fatal(err)
	}
	// A failing random source surfaces as an error, not a weak code.
	bad := NewDevOTP(DevOTPOptions{Rand: bytes.NewReader(nil)})
	if _, _, err := bad.Challenge("s"); err == nil {
		t.Fatal("Challenge with empty random source succeeded")
	}
}

func TestUniformCode(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want uint32
	}{
		{"zero", []byte{0, 0, 0, 0}, 0},
		{"small", []byte{0, 0, 0x30, 0x39}, 12345},
		// 0xFFFFFFFF is above the rejection limit and must be skipped.
		{"rejected then accepted", []byte{0xff, 0xff, 0xff, 0xff, 0, 0x0f, 0x42, 0x3f}, 999999},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := uniformCode(bytes.NewReader(tt.in))
			if err != nil || got != tt.want {
				t.Fatalf("uniformCode = %d, %v; want %d", got, err, tt.want)
			}
		})
	}
}

func TestDevOTPConcurrent(t *testing.T) {
	o := NewDevOTP(DevOTPOptions{TTL: time.Hour, MaxAttempts: 2})
	const workers, perWorker = 8, 50
	var wg sync.WaitGroup
	errs := make(chan error, workers*perWorker)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perWorker; i++ {
				subject := fmt.Sprintf("w%d-%d", w, i)
				id, code, err := o.Challenge(subject)
				if err != nil {
					errs <- err
					return
				}
				if _, _, err := o.Check(id, subject, wrongCode(code)); !errors.Is(err, ErrOTPMismatch) {
					errs <- fmt.Errorf("wrong code: %v", err)
				}
				if _, _, err := o.Check(id, subject, code); err != nil {
					errs <- fmt.Errorf("right code: %v", err)
				}
				if _, _, err := o.Check(id, subject, code); !errors.Is(err, ErrOTPUnknown) {
					errs <- fmt.Errorf("reuse: %v", err)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestDevOTPSingleWinner races many checks of one challenge: exactly one
// may succeed.
func TestDevOTPSingleWinner(t *testing.T) {
	o := NewDevOTP(DevOTPOptions{TTL: time.Hour})
	id, code, err := o.Challenge("s")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, _, err := o.Check(id, "s", code); err == nil {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d checks succeeded, want 1", wins)
	}
}
