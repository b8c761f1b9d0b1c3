package signer

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/emmansun/gmsm/sm3"
)

// otpChallengeLabel domain-separates DevOTP challenge hashes. Bump the
// version if the hashed fields change.
const otpChallengeLabel = "sealchain/otp-challenge/v1"

const (
	defaultOTPTTL         = 5 * time.Minute
	defaultOTPMaxAttempts = 5
	otpDigits             = 6
	otpModulus            = 1_000_000 // 10^otpDigits
	otpIDBytes            = 16
)

// DevOTP errors.
var (
	// ErrOTPMismatch means the code or the subject did not match. The
	// attempt counts towards MaxAttempts.
	ErrOTPMismatch = errors.New("signer: otp code or subject mismatch")
	// ErrOTPAttempts means the challenge was burned after too many failed
	// attempts.
	ErrOTPAttempts = errors.New("signer: otp attempts exhausted")
	// ErrOTPExpired means the challenge's TTL has passed.
	ErrOTPExpired = errors.New("signer: otp challenge expired")
	// ErrOTPUnknown means no such challenge exists: it was never issued,
	// was already used, or was pruned after expiring.
	ErrOTPUnknown = errors.New("signer: unknown or used otp challenge")
)

// DevOTP issues 6-digit one-time codes and, when the right code comes back,
// reports the challenge as verified. It is for development networks only:
// codes are returned to the caller instead of being sent by SMS.
//
// DevOTP is safe for concurrent use. State is in memory only.
type DevOTP struct {
	ttl         time.Duration
	maxAttempts int
	now         func() time.Time
	rand        io.Reader

	mu         sync.Mutex
	challenges map[string]*otpChallenge
}

type otpChallenge struct {
	subject  string
	code     string
	expires  time.Time
	failures int
	burned   bool
}

// DevOTPOptions configure a [DevOTP]. Zero values select the defaults.
type DevOTPOptions struct {
	TTL         time.Duration    // default 5 minutes
	MaxAttempts int              // failed checks before a challenge is burned; default 5
	Now         func() time.Time // default time.Now
	Rand        io.Reader        // default crypto/rand
}

// NewDevOTP returns a DevOTP with opts applied over the defaults.
func NewDevOTP(opts DevOTPOptions) *DevOTP {
	o := &DevOTP{
		ttl:         opts.TTL,
		maxAttempts: opts.MaxAttempts,
		now:         opts.Now,
		rand:        opts.Rand,
		challenges:  make(map[string]*otpChallenge),
	}
	if o.ttl <= 0 {
		o.ttl = defaultOTPTTL
	}
	if o.maxAttempts <= 0 {
		o.maxAttempts = defaultOTPMaxAttempts
	}
	if o.now == nil {
		o.now = time.Now
	}
	if o.rand == nil {
		o.rand = rand.Reader
	}
	return o
}

// Challenge registers a challenge bound to subject (an opaque string the
// caller builds, e.g. contract id + signer fingerprint) and returns its id
// and the 6-digit code. It also prunes expired challenges.
func (o *DevOTP) Challenge(subject string) (id, code string, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	now := o.now()
	o.pruneLocked(now)

	// Reading under the lock keeps a caller-supplied, non-thread-safe Rand
	// safe.
	var idb [otpIDBytes]byte
	if _, err := io.ReadFull(o.rand, idb[:]); err != nil {
		return "", "", fmt.Errorf("otp challenge: %w", err)
	}
	id = hex.EncodeToString(idb[:])
	if _, dup := o.challenges[id]; dup {
		return "", "", errors.New("otp challenge: duplicate id (broken random source?)")
	}
	n, err := uniformCode(o.rand)
	if err != nil {
		return "", "", fmt.Errorf("otp challenge: %w", err)
	}
	code = fmt.Sprintf("%0*d", otpDigits, n)
	o.challenges[id] = &otpChallenge{subject: subject, code: code, expires: now.Add(o.ttl)}
	return id, code, nil
}

// Check consumes the challenge id if subject and code match. On success it
// returns challengeHash = SM3("sealchain/otp-challenge/v1" || id || subject
// || code) and the time of verification. The concatenation is unambiguous
// because id and code have fixed lengths.
//
// Errors: [ErrOTPUnknown] for an unknown or already used id;
// [ErrOTPExpired] after the TTL; [ErrOTPMismatch] for a wrong code or
// subject. Each mismatch counts as an attempt; the MaxAttempts-th one burns
// the challenge and its error also wraps [ErrOTPAttempts], as does any later
// check of the burned challenge.
func (o *DevOTP) Check(id, subject, code string) (challengeHash [32]byte, verifiedAt time.Time, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	now := o.now()
	ch, ok := o.challenges[id]
	if !ok {
		return challengeHash, time.Time{}, fmt.Errorf("otp check: %w", ErrOTPUnknown)
	}
	if now.After(ch.expires) {
		delete(o.challenges, id)
		return challengeHash, time.Time{}, fmt.Errorf("otp check: %w", ErrOTPExpired)
	}
	if ch.burned {
		return challengeHash, time.Time{}, fmt.Errorf("otp check: %w", ErrOTPAttempts)
	}
	// Evaluate both comparisons so timing reveals nothing about which failed.
	match := subtle.ConstantTimeCompare([]byte(code), []byte(ch.code)) &
		subtle.ConstantTimeCompare([]byte(subject), []byte(ch.subject))
	if match != 1 {
		ch.failures++
		if ch.failures >= o.maxAttempts {
			// Keep the burned entry until it expires so the caller keeps
			// seeing ErrOTPAttempts rather than ErrOTPUnknown.
			ch.burned = true
			return challengeHash, time.Time{}, fmt.Errorf("otp check: %w (%w)", ErrOTPMismatch, ErrOTPAttempts)
		}
		return challengeHash, time.Time{}, fmt.Errorf("otp check: %w (%d of %d attempts used)", ErrOTPMismatch, ch.failures, o.maxAttempts)
	}
	delete(o.challenges, id)
	return otpChallengeHash(id, subject, code), now, nil
}

func (o *DevOTP) pruneLocked(now time.Time) {
	for id, ch := range o.challenges {
		if now.After(ch.expires) {
			delete(o.challenges, id)
		}
	}
}

func otpChallengeHash(id, subject, code string) [32]byte {
	h := sm3.New()
	h.Write([]byte(otpChallengeLabel))
	h.Write([]byte(id))
	h.Write([]byte(subject))
	h.Write([]byte(code))
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// uniformCode returns a uniform number in [0, otpModulus) by rejection
// sampling, avoiding the bias of a plain modulo.
func uniformCode(r io.Reader) (uint32, error) {
	const limit = (1<<32 - 1) / otpModulus * otpModulus
	var b [4]byte
	for {
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return 0, err
		}
		if v := binary.BigEndian.Uint32(b[:]); v < limit {
			return v % otpModulus, nil
		}
	}
}
