package identity

import (
	"context"
	"crypto"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cockroachdb/pebble"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/signer"
	"github.com/sealchain/sealchain/workflow/internal/seal"
)

// Defaults of the micro-deposit challenge.
const (
	DefaultDepositAttempts = 3
	DefaultDepositTTL      = 72 * time.Hour
	// maxOpenDeposits bounds the open challenges.
	maxOpenDeposits = 100000
)

// Errors. Returned errors wrap them.
var (
	// ErrRejected: the person or company did not pass the check.
	ErrRejected = errors.New("identity: verification rejected")
	// ErrDevOnly: a development provider on a production chain.
	ErrDevOnly = errors.New("identity: development provider refused on a production chain")
	// ErrNoProvider: no provider is configured for the method.
	ErrNoProvider = errors.New("identity: no provider for method")
	// ErrChallengeNotFound: no open micro-deposit challenge with that id.
	ErrChallengeNotFound = errors.New("identity: no such deposit challenge")
	// ErrChallengeExpired: the micro-deposit challenge expired.
	ErrChallengeExpired = errors.New("identity: deposit challenge expired")
	// ErrTooManyAttempts: the challenge's wrong-amount limit was reached.
	ErrTooManyAttempts = errors.New("identity: too many wrong deposit amounts")
)

// FieldError is a malformed request: Field names it (for example
// "person.id_number").
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string { return "identity: field " + e.Field + ": " + e.Reason }

// WrongAmountError is a micro-deposit confirmation with the wrong amount.
// It wraps ErrRejected.
type WrongAmountError struct{ AttemptsLeft int }

func (e *WrongAmountError) Error() string {
	return fmt.Sprintf("identity: wrong deposit amount (%d attempts left)", e.AttemptsLeft)
}
func (e *WrongAmountError) Unwrap() error { return ErrRejected }

// Person is a natural person. Face is a live capture for the face method.
type Person struct {
	Name     string
	IDNumber string // 18-character resident ID number (GB 11643)
	Phone    string // 11-digit mainland mobile number
	Face     []byte
}

// Account is a corporate bank account for the micro-deposit.
type Account struct {
	Name   string // account holder: must be the company's registered name
	Number string
	Bank   string
}

// Enterprise is a company. Which of Agent, LegalRep and Account are needed
// depends on the method.
type Enterprise struct {
	Name       string // registered name
	CreditCode string // unified social credit code (GB 32100)
	Agent      *Person
	LegalRep   *Person
	Account    *Account
}

// Request asks for one method. Exactly one of Person and Enterprise is set.
type Request struct {
	Method     chain.IdentityMethod
	Person     *Person
	Enterprise *Enterprise
}

// Subject is person or enterprise, by which part of the request is set.
func (r *Request) Subject() chain.IdentitySubject {
	if r.Enterprise != nil {
		return chain.SubjectEnterprise
	}
	return chain.SubjectPerson
}

// fields are the committed identity fields, in commitment order.
func (r *Request) fields() []string {
	if r.Enterprise != nil {
		return []string{r.Enterprise.Name, r.Enterprise.CreditCode}
	}
	return []string{r.Person.Name, r.Person.IDNumber, r.Person.Phone}
}

// Provider decides one-step methods. Check returns nil when the subject
// passed, an error wrapping ErrRejected when it did not, and any other error
// when it could not decide. The Verifier validates the request first.
type Provider interface {
	Methods() []chain.IdentityMethod
	DevOnly() bool
	Check(ctx context.Context, req *Request) error
}

// Bank sends micro-deposits (对公打款). Transfer returns an error wrapping
// ErrRejected when the account cannot receive (closed, name mismatch).
type Bank interface {
	DevOnly() bool
	Transfer(ctx context.Context, to Account, amountFen int64, memo string) error
}

// Key signs attestations; *signer.PrivateKey implements it.
type Key interface {
	Public() crypto.PublicKey
	Sign(rand io.Reader, msg []byte) ([]byte, error)
}

// Attestation is a successful verification: Record is the chain body, ready
// to submit; Salt and Fields open its commitment and are personal data.
type Attestation struct {
	Record  *chain.IdentityVerified
	Salt    []byte
	Fields  []string
	DevOnly bool
}

// DepositChallenge is an open micro-deposit.
type DepositChallenge struct {
	ID           string
	ExpiresAt    time.Time
	AttemptsLeft int
}

// deposit is an open challenge. It keeps a copy of what will be attested,
// so a caller changing its request afterwards changes nothing.
type deposit struct {
	fields    []string
	amountFen int64
	expires   time.Time
	left      int
}

// Verifier checks identities and signs attestations. It is safe for
// concurrent use.
type Verifier struct {
	chainID  string
	key      Key
	cert     []byte
	now      func() time.Time
	rand     io.Reader
	prov     map[chain.IdentityMethod]Provider
	bank     Bank
	attempts int
	ttl      time.Duration
	devOnly  bool

	sealer seal.Sealer // for the pebble deposit store

	mu       sync.Mutex // guards deposits
	deposits depositStore
}

// Option configures a Verifier.
type Option func(*Verifier) error

// WithProvider registers p for each of its methods; a method may have one
// provider.
func WithProvider(p Provider) Option {
	return func(v *Verifier) error {
		for _, m := range p.Methods() {
			if m == chain.IdentityBankTransfer {
				return fmt.Errorf("identity: %s is provided by a Bank (WithBank)", m)
			}
			if _, dup := v.prov[m]; dup {
				return fmt.Errorf("identity: two providers for %s", m)
			}
			v.prov[m] = p
		}
		return nil
	}
}

// WithBank enables the micro-deposit method.
func WithBank(b Bank) Option {
	return func(v *Verifier) error { v.bank = b; return nil }
}

// WithClock sets the clock (default time.Now).
func WithClock(now func() time.Time) Option {
	return func(v *Verifier) error { v.now = now; return nil }
}

// WithRand sets the random source for salts, challenge ids and amounts
// (default crypto/rand).
func WithRand(r io.Reader) Option {
	return func(v *Verifier) error { v.rand = r; return nil }
}

// WithDepositPolicy sets the wrong-amount limit and the lifetime of a
// micro-deposit challenge.
func WithDepositPolicy(attempts int, ttl time.Duration) Option {
	return func(v *Verifier) error {
		if attempts < 1 || ttl <= 0 {
			return fmt.Errorf("identity: deposit policy: attempts %d, ttl %s: want at least 1 and positive", attempts, ttl)
		}
		v.attempts, v.ttl = attempts, ttl
		return nil
	}
}

// WithDepositStore keeps micro-deposit challenges in db, under the key
// prefix [DepositPrefix], instead of in memory, so open challenges, their
// attempts left and expiry survive a restart. Every write uses pebble.Sync:
// a wrong amount is counted on disk before ConfirmDeposit reports it. The
// caller owns db and closes it after the Verifier's last use; one Verifier
// per database. Stored challenges hold the company's name and credit code
// and the amount sent: give WithDepositSealer too, or they are stored in
// clear.
func WithDepositStore(db *pebble.DB) Option {
	return func(v *Verifier) error {
		if db == nil {
			return errors.New("identity: nil deposit store")
		}
		s, err := newPebbleStore(db)
		if err != nil {
			return err
		}
		v.deposits = s
		return nil
	}
}

// WithDepositSealer seals the company's fields and the amount of stored
// micro-deposit challenges (WithDepositStore) under s.
func WithDepositSealer(s seal.Sealer) Option {
	return func(v *Verifier) error {
		if s == nil {
			return errors.New("identity: nil deposit sealer")
		}
		v.sealer = s
		return nil
	}
}

// New returns a Verifier for chainID that signs with key, whose DER
// certificate cert must be an intent-verifier certificate for key. It
// refuses dev-only providers when gs says production.
func New(chainID string, gs *chain.GenesisState, key Key, cert []byte, opts ...Option) (*Verifier, error) {
	v := &Verifier{chainID: chainID, key: key, cert: slices.Clone(cert), now: time.Now, rand: rand.Reader,
		prov: map[chain.IdentityMethod]Provider{}, attempts: DefaultDepositAttempts, ttl: DefaultDepositTTL,
		deposits: memStore{}}
	for _, o := range opts {
		if err := o(v); err != nil {
			return nil, err
		}
	}
	if ps, ok := v.deposits.(*pebbleStore); ok {
		ps.sealer = v.sealer
	}
	switch {
	case chainID == "":
		return nil, errors.New("identity: empty chain id")
	case gs == nil:
		return nil, errors.New("identity: no genesis state")
	case key == nil:
		return nil, errors.New("identity: no verifier key")
	}
	c, err := signer.ParseCertificate(v.cert)
	if err != nil {
		return nil, fmt.Errorf("identity: verifier certificate: %w", err)
	}
	if !slices.Contains(signer.UsagesOf(c), signer.UsageIntentVerifier) {
		return nil, errors.New("identity: verifier certificate lacks the intent-verifier usage")
	}
	type equaler interface{ Equal(crypto.PublicKey) bool }
	if pub, ok := key.Public().(equaler); !ok || !pub.Equal(c.PublicKey) {
		return nil, errors.New("identity: verifier key does not match the certificate")
	}
	for m, p := range v.prov {
		if p.DevOnly() {
			if gs.Production {
				return nil, fmt.Errorf("%w: %s provider", ErrDevOnly, m)
			}
			v.devOnly = true
		}
	}
	if v.bank != nil && v.bank.DevOnly() {
		if gs.Production {
			return nil, fmt.Errorf("%w: bank", ErrDevOnly)
		}
		v.devOnly = true
	}
	return v, nil
}

// DevOnly reports whether any configured provider is a development one.
func (v *Verifier) DevOnly() bool { return v.devOnly }

// Methods lists the methods this Verifier can run, in method order.
func (v *Verifier) Methods() []chain.IdentityMethod {
	var out []chain.IdentityMethod
	for m := chain.IdentityFace; m <= chain.IdentityAgentCheck; m++ {
		if _, ok := v.prov[m]; ok || (m == chain.IdentityBankTransfer && v.bank != nil) {
			out = append(out, m)
		}
	}
	return out
}

// Verify runs a one-step method and attests the result. The micro-deposit
// method goes through StartDeposit and ConfirmDeposit instead.
func (v *Verifier) Verify(ctx context.Context, req *Request) (*Attestation, error) {
	if err := validate(req); err != nil {
		return nil, err
	}
	if req.Method == chain.IdentityBankTransfer {
		return nil, &FieldError{"method", "bank_transfer is two steps: StartDeposit, then ConfirmDeposit"}
	}
	p, ok := v.prov[req.Method]
	if !ok {
		return nil, fmt.Errorf("%w %s", ErrNoProvider, req.Method)
	}
	if err := p.Check(ctx, req); err != nil {
		return nil, fmt.Errorf("%s check: %w", req.Method, err)
	}
	return v.attest(req.Method, req.Subject(), req.fields(), p.DevOnly())
}

// StartDeposit sends a random amount (1 to 99 fen) to the company's account
// and opens a challenge for it.
func (v *Verifier) StartDeposit(ctx context.Context, req *Request) (*DepositChallenge, error) {
	if err := validate(req); err != nil {
		return nil, err
	}
	if req.Method != chain.IdentityBankTransfer {
		return nil, &FieldError{"method", "want bank_transfer"}
	}
	if v.bank == nil {
		return nil, fmt.Errorf("%w %s", ErrNoProvider, req.Method)
	}
	var b [17]byte
	if _, err := io.ReadFull(v.rand, b[:]); err != nil {
		return nil, fmt.Errorf("identity: deposit randomness: %w", err)
	}
	id := hex.EncodeToString(b[:16])
	// 1..99 fen; the bias of a byte mod 99 is irrelevant here: the limit on
	// attempts, not the spread, is what stops guessing.
	amount := int64(b[16])%99 + 1
	now := v.now()
	d := &deposit{fields: req.fields(), amountFen: amount, expires: now.Add(v.ttl), left: v.attempts}
	// The challenge is saved before the money goes out: a crash in between
	// leaves a challenge nobody can answer, which expires, rather than a
	// deposit without a challenge.
	if err := v.open(id, d, now); err != nil {
		return nil, err
	}
	// The memo carries the challenge id's prefix so the company can tell
	// the deposit apart; it is not a secret (the amount is).
	ch := &DepositChallenge{ID: id, ExpiresAt: d.expires, AttemptsLeft: d.left}
	if err := v.bank.Transfer(ctx, *req.Enterprise.Account, amount, depositMemo(id)); err != nil {
		if !errors.Is(err, ErrRejected) {
			// The bank could not say (a time-out): the money may have
			// left. The challenge stays, so the company can confirm what
			// arrived, and RetryDeposit sends the same amount with the
			// same memo, which a bank keying orders by it pays once.
			return ch, fmt.Errorf("bank transfer: %w", err)
		}
		v.mu.Lock()
		rerr := v.deposits.remove(id, d)
		v.mu.Unlock()
		return nil, errors.Join(fmt.Errorf("bank transfer: %w", err), rerr)
	}
	return ch, nil
}

func depositMemo(id string) string { return "SEALCHAIN " + id[:8] }

// RetryDeposit sends an open challenge's deposit again, after StartDeposit
// returned the challenge with an error that was not a rejection: the same
// amount, to the account in req (whose company must be the challenge's),
// with the same memo. A rejection now closes the challenge.
func (v *Verifier) RetryDeposit(ctx context.Context, id string, req *Request) (*DepositChallenge, error) {
	if err := validate(req); err != nil {
		return nil, err
	}
	if req.Method != chain.IdentityBankTransfer || v.bank == nil {
		return nil, &FieldError{"method", "want bank_transfer with a bank configured"}
	}
	if len(id) != 32 || strings.Trim(id, "0123456789abcdef") != "" {
		return nil, ErrChallengeNotFound
	}
	v.mu.Lock()
	d, err := v.deposits.load(id)
	v.mu.Unlock()
	switch {
	case err != nil:
		return nil, err
	case d == nil:
		return nil, ErrChallengeNotFound
	case !v.now().Before(d.expires):
		return nil, ErrChallengeExpired
	case !slices.Equal(d.fields, req.fields()):
		return nil, &FieldError{"enterprise", "not the company of this challenge"}
	}
	ch := &DepositChallenge{ID: id, ExpiresAt: d.expires, AttemptsLeft: d.left}
	if err := v.bank.Transfer(ctx, *req.Enterprise.Account, d.amountFen, depositMemo(id)); err != nil {
		if !errors.Is(err, ErrRejected) {
			return ch, fmt.Errorf("bank transfer: %w", err)
		}
		v.mu.Lock()
		rerr := v.deposits.remove(id, d)
		v.mu.Unlock()
		return nil, errors.Join(fmt.Errorf("bank transfer: %w", err), rerr)
	}
	return ch, nil
}

// open sweeps expired challenges and saves d unless too many are open.
func (v *Verifier) open(id string, d *deposit, now time.Time) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if err := v.deposits.sweep(now); err != nil {
		return err
	}
	if v.deposits.count() >= maxOpenDeposits {
		return errors.New("identity: too many open deposit challenges")
	}
	return v.deposits.add(id, d)
}

// ConfirmDeposit checks the amount the company received. A wrong amount
// returns a *WrongAmountError until the attempts are used up, then
// ErrTooManyAttempts; the challenge closes on success, expiry or the limit.
func (v *Verifier) ConfirmDeposit(ctx context.Context, id string, amountFen int64) (*Attestation, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(id) != 32 || strings.Trim(id, "0123456789abcdef") != "" {
		return nil, ErrChallengeNotFound // not an id StartDeposit makes
	}
	d, err := v.settle(id, amountFen, v.now())
	if err != nil {
		return nil, err
	}
	return v.attest(chain.IdentityBankTransfer, chain.SubjectEnterprise, d.fields, v.bank.DevOnly())
}

// settle decides a confirmation and records its outcome: the challenge
// closes on success, expiry or the last wrong amount; a wrong amount before
// that is counted.
func (v *Verifier) settle(id string, amountFen int64, now time.Time) (*deposit, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	d, err := v.deposits.load(id)
	if err != nil {
		return nil, err
	}
	if d == nil {
		return nil, ErrChallengeNotFound
	}
	if !now.Before(d.expires) {
		if err := v.deposits.remove(id, d); err != nil {
			return nil, err
		}
		return nil, ErrChallengeExpired
	}
	if amountFen == d.amountFen {
		if err := v.deposits.remove(id, d); err != nil {
			return nil, err
		}
		return d, nil
	}
	d.left--
	if d.left <= 0 {
		if err := v.deposits.remove(id, d); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %w", ErrTooManyAttempts, ErrRejected)
	}
	if err := v.deposits.update(id, d); err != nil {
		return nil, err
	}
	return nil, &WrongAmountError{AttemptsLeft: d.left}
}

func (v *Verifier) attest(m chain.IdentityMethod, subject chain.IdentitySubject, fields []string, devOnly bool) (*Attestation, error) {
	salt, err := signer.NewIdentitySalt(v.rand)
	if err != nil {
		return nil, err
	}
	ref, err := signer.IdentityCommitment(salt, fields...)
	if err != nil {
		return nil, err
	}
	body := &chain.IdentityVerified{IdentityRef: ref[:], Subject: subject, Method: m,
		VerifiedAt: v.now().UnixMilli(), VerifierCert: slices.Clone(v.cert)}
	if body.VerifierSig, err = v.key.Sign(v.rand, body.AttestationBytes(v.chainID)); err != nil {
		return nil, fmt.Errorf("identity: sign attestation: %w", err)
	}
	if err := body.Validate(); err != nil {
		return nil, fmt.Errorf("identity: attestation: %w", err)
	}
	return &Attestation{Record: body, Salt: salt, Fields: fields, DevOnly: devOnly}, nil
}
