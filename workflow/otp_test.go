package workflow

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/cockroachdb/pebble"
	"github.com/cockroachdb/pebble/vfs"
)

// TestCodeLimits: the cooldown, the hourly cap and the lifetime cap on
// SMS codes for one link, with the wait each refusal names.
func TestCodeLimits(t *testing.T) {
	e := &Engine{cfg: Config{OTPCooldown: time.Minute, OTPCodesPerHour: 3, OTPCodesPerLink: 5}}
	t0 := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	steps := []struct {
		at        time.Duration
		wantCode  string // "" when a code is sent
		wantRetry time.Duration
	}{
		{0, "", 0},
		{10 * time.Second, "otp_cooldown", 50 * time.Second},
		{61 * time.Second, "", 0},
		{122 * time.Second, "", 0},
		{183 * time.Second, "otp_hourly_limit", time.Hour - 183*time.Second},
		{time.Hour + time.Second, "", 0}, // the first code left the window
		{time.Hour + 62*time.Second, "", 0},
		{3 * time.Hour, "otp_code_limit", 0}, // five codes in the link's life
	}
	var p Party
	for i, s := range steps {
		now := t0.Add(s.at)
		err := e.codeAllowed(&p, now)
		if s.wantCode == "" {
			if err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
			p.OTPCodes++
			p.OTPRecent = append(p.OTPRecent, now)
			continue
		}
		var we *Error
		if !errors.As(err, &we) || we.Code != s.wantCode || we.RetryAfter != s.wantRetry || !errors.Is(err, ErrRateLimited) {
			t.Fatalf("step %d: %v (retry %v), want %s retry %v", i, err, we.RetryAfter, s.wantCode, s.wantRetry)
		}
	}
}

// TestWrongCodesLockTheLink: wrong codes count over the link's life, not
// per code; at the limit the link is locked, for every action.
func TestWrongCodesLockTheLink(t *testing.T) {
	db, err := pebble.Open("", &pebble.Options{FS: vfs.NewMem()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	e := &Engine{cfg: Config{OTPMaxAttempts: 3, OTPMaxFailures: 5}, db: db, now: func() time.Time { return now },
		logger: slog.New(slog.DiscardHandler), kick: make(chan struct{}, 1)}
	c := &Contract{ID: "c1", Status: StatusSigning, Order: "parallel", Parties: []Party{{Status: PartyViewed, CertFP: "fp"}}}
	newCode := func() {
		salt := []byte("0123456789abcdef")
		c.Parties[0].OTP = &otpState{Salt: salt, Hash: otpHash(salt, "123456"), ExpiresAt: now.Add(time.Minute)}
	}
	try := func(code string) *Error {
		_, _, err := e.checkIntent(context.Background(), c, 0, &SignInput{Method: "sms", Code: code})
		var we *Error
		if !errors.As(err, &we) {
			t.Fatalf("checkIntent(%s): %v", code, err)
		}
		return we
	}
	newCode()
	for _, want := range []string{"otp_mismatch", "otp_mismatch", "otp_attempts"} {
		if got := try("000000").Code; got != want {
			t.Fatalf("first code: %s, want %s", got, want)
		}
	}
	newCode() // a fresh code has fresh attempts, but the link's count goes on
	if got := try("000000"); got.Code != "otp_mismatch" || *got.AttemptsLeft != 1 {
		t.Fatalf("second code: %s, attempts left %v", got.Code, *got.AttemptsLeft)
	}
	if got := try("000000"); got.Code != "link_locked" || got.Status != http.StatusLocked || !errors.Is(got, ErrLinkLocked) {
		t.Fatalf("fifth wrong code: %s %d", got.Code, got.Status)
	}
	if err := e.actionable(c, 0, true); err == nil || !errors.Is(err, ErrLinkLocked) {
		t.Fatalf("a locked link is still actionable: %v", err)
	}
	var stored Contract
	if ok, err := getJSON(db, pContract+"c1", &stored); err != nil || !ok || !stored.Parties[0].Locked || stored.Parties[0].OTPFailures != 5 {
		t.Fatalf("stored party: %+v (%v %v)", stored.Parties, ok, err)
	}
}
