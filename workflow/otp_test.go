package workflow

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/cockroachdb/pebble"
	"github.com/cockroachdb/pebble/vfs"
	"github.com/emmansun/gmsm/sm3"
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
	kek, err := NewKEK(bytes.Repeat([]byte{1}, 16))
	if err != nil {
		t.Fatal(err)
	}
	e := &Engine{cfg: Config{OTPMaxAttempts: 3, OTPMaxFailures: 5, KEK: kek}, db: db, now: func() time.Time { return now },
		logger: slog.New(slog.DiscardHandler), kick: make(chan struct{}, 1)}
	c := &Contract{ID: "c1", Status: StatusSigning, Order: "parallel", Parties: []Party{{Status: PartyViewed, CertFP: "fp"}}}
	newCode := func() {
		salt := []byte("0123456789abcdef")
		c.Parties[0].OTP = &otpState{Salt: salt, Hash: e.otpMAC(salt, "123456"), Keyed: true, ExpiresAt: now.Add(time.Minute)}
	}
	try := func(code string) *Error {
		_, _, err := e.checkIntent(context.Background(), c, 0, &SignInput{Method: "sms", Code: code}, PurposeSign)
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

// intentEngine is an engine with a memory DB and a KEK, for checkIntent.
func intentEngine(t *testing.T, now time.Time) *Engine {
	t.Helper()
	db, err := pebble.Open("", &pebble.Options{FS: vfs.NewMem()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	kek, err := NewKEK(bytes.Repeat([]byte{2}, 16))
	if err != nil {
		t.Fatal(err)
	}
	return &Engine{cfg: Config{OTPMaxAttempts: 3, OTPMaxFailures: 5, KEK: kek}, db: db, now: func() time.Time { return now },
		logger: slog.New(slog.DiscardHandler), kick: make(chan struct{}, 1)}
}

// TestCodePurposeBinding: a code proves intent only for the action it was
// requested for (its SMS names it). A code asked "to decline" must not
// sign, which would record an on-chain intent the signer never gave, and
// the reverse. Codes stored before purposes were recorded count as sign.
func TestCodePurposeBinding(t *testing.T) {
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		stored, action string
		ok             bool
	}{
		{PurposeSign, PurposeSign, true},
		{PurposeDecline, PurposeDecline, true},
		{"", PurposeSign, true},
		{PurposeDecline, PurposeSign, false},
		{PurposeSign, PurposeDecline, false},
		{"", PurposeDecline, false},
	} {
		t.Run(tc.stored+"->"+tc.action, func(t *testing.T) {
			e := intentEngine(t, now)
			salt := []byte("0123456789abcdef")
			c := &Contract{ID: "c1", Status: StatusSigning, Order: "parallel", Parties: []Party{{Status: PartyViewed, CertFP: "fp",
				OTP: &otpState{Salt: salt, Hash: e.otpMAC(salt, "123456"), Keyed: true, ExpiresAt: now.Add(time.Minute), Purpose: tc.stored}}}}
			_, _, err := e.checkIntent(context.Background(), c, 0, &SignInput{Method: "sms", Code: "123456"}, tc.action)
			if tc.ok {
				if err != nil {
					t.Fatalf("right code for its purpose refused: %v", err)
				}
				return
			}
			var we *Error
			if !errors.As(err, &we) || we.Code != "otp_purpose" || we.Status != http.StatusUnprocessableEntity {
				t.Fatalf("a %q code used to %s: %v", tc.stored, tc.action, err)
			}
			if c.Parties[0].OTPFailures != 0 || c.Parties[0].OTP.Failures != 0 {
				t.Fatalf("a purpose mismatch counted as a wrong code")
			}
		})
	}
}

// TestCodeHashNeedsTheKEK: what the DB keeps of a code is keyed by the KEK,
// so reading data/workflow alone does not give the code back by trying the
// 10^6 codes against the stored salt. Codes stored by older versions (plain
// SM3) still verify until they expire.
func TestCodeHashNeedsTheKEK(t *testing.T) {
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	e := intentEngine(t, now)
	salt := []byte("0123456789abcdef")
	stored := e.otpMAC(salt, "123456")
	for _, plain := range [][]byte{otpHashV1(salt, "123456"), func() []byte {
		h := sm3.New()
		h.Write([]byte(otpLabel))
		h.Write(salt)
		h.Write([]byte("123456"))
		return h.Sum(nil)
	}()} {
		if bytes.Equal(stored, plain) {
			t.Fatal("the stored code hash is computable without the KEK")
		}
	}
	other := intentEngine(t, now)
	other.cfg.KEK, _ = NewKEK(bytes.Repeat([]byte{3}, 16))
	if bytes.Equal(stored, other.otpMAC(salt, "123456")) {
		t.Fatal("the code MAC does not depend on the KEK")
	}
	for _, st := range []*otpState{
		{Salt: salt, Hash: stored, Keyed: true, ExpiresAt: now.Add(time.Minute)},
		{Salt: salt, Hash: otpHashV1(salt, "123456"), ExpiresAt: now.Add(time.Minute)}, // stored before the upgrade
	} {
		c := &Contract{ID: "c1", Status: StatusSigning, Order: "parallel", Parties: []Party{{Status: PartyViewed, CertFP: "fp", OTP: st}}}
		if _, _, err := e.checkIntent(context.Background(), c, 0, &SignInput{Method: "sms", Code: "123456"}, PurposeSign); err != nil {
			t.Fatalf("keyed=%v: %v", st.Keyed, err)
		}
	}
}
