package workflow

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/signer"
	"github.com/sealchain/sealchain/signer/ofd"
	"github.com/sealchain/sealchain/signer/pdf"
	"github.com/sealchain/sealchain/workflow/providers"
)

const (
	otpLabelV1     = "sealchain/workflow/otp/v1"
	otpLabel       = "sealchain/workflow/otp/v2"
	challengeLabel = "sealchain/workflow/intent-challenge/v1"
	tokenBytes     = 32
)

// Signing links. A token is 32 random bytes, base64url; the DB keeps only
// its SM3, so a leaked database does not leak working links. The token is
// also kept sealed under the KEK in the party, for reminders.

func newToken(r io.Reader) (string, error) {
	b := make([]byte, tokenBytes)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", fmt.Errorf("signing link: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func tokenHash(tok string) string {
	h := sm3.Sum([]byte(tok))
	return hex.EncodeToString(h[:])
}

// resolve finds the contract and party of a token. The caller holds e.mu
// when it will change them.
func (e *Engine) resolve(tok string) (*Contract, int, error) {
	if len(tok) != base64.RawURLEncoding.EncodedLen(tokenBytes) {
		return nil, 0, newErr(http.StatusNotFound, "not_found", "no such signing link")
	}
	val, closer, err := e.db.Get([]byte(pToken + tokenHash(tok)))
	if err != nil {
		return nil, 0, newErr(http.StatusNotFound, "not_found", "no such signing link")
	}
	ref := string(val)
	closer.Close()
	id, idx, ok := strings.Cut(ref, "/")
	i, err := strconv.Atoi(idx)
	if !ok || err != nil {
		return nil, 0, fmt.Errorf("corrupt token entry %q", ref)
	}
	c, err := e.loadContract(id)
	if err != nil {
		return nil, 0, err
	}
	if i < 0 || i >= len(c.Parties) {
		return nil, 0, fmt.Errorf("token names party %d of %s", i, id)
	}
	return c, i, nil
}

// SignView is what the signing page shows.
type SignView struct {
	ContractID string        `json:"contract_id"`
	Title      string        `json:"title"`
	Status     string        `json:"status"`
	Order      string        `json:"order"`
	Deadline   string        `json:"deadline,omitempty"`
	Party      SignViewParty `json:"party"`
	Parties    []PartyBrief  `json:"parties"`
	LinkUsed   bool          `json:"link_used"`
	CanSign    bool          `json:"can_sign"`
	CurrentSM3 string        `json:"current_sm3"`
	// Format is the document's: "pdf" (shown by the browser from /pdf) or
	// "ofd" (pictures of its pages from /page/{n}, when PagePictures).
	Format       string `json:"format"`
	PagePictures bool   `json:"page_pictures"`
	// IntentMethods are the ways this node checks intent: sms, and face
	// when a face check is configured.
	IntentMethods []string `json:"intent_methods"`
	// Code is the delivery of the party's latest SMS code, when the
	// notifier tracks messages (MessageTracker).
	Code *CodeDelivery `json:"code,omitempty"`
}

// CodeDelivery is where the latest SMS code is: queued (not yet handed to
// the SMS gateway), pending (with the failed attempts so far and the next
// one), sent, or failed (the gateway gave up: ask for a new code).
type CodeDelivery struct {
	State       string `json:"state"`
	Attempts    int    `json:"attempts,omitempty"`
	NextAttempt string `json:"next_attempt,omitempty"`
	LastError   string `json:"last_error,omitempty"`
}

// Code delivery states.
const (
	DeliveryQueued  = "queued"
	DeliveryPending = "pending"
	DeliverySent    = "sent"
	DeliveryFailed  = "failed"
)

// MessageTracker is a Notifier that can tell what became of a message it
// took (by Message.ID). ErrNotFound: it has not taken it yet.
type MessageTracker interface {
	MessageDelivery(ctx context.Context, id string) (*CodeDelivery, error)
}

// codeDelivery looks up the delivery of p's latest code; nil when unknown.
func (e *Engine) codeDelivery(ctx context.Context, p *Party) *CodeDelivery {
	mt, ok := e.cfg.Notifier.(MessageTracker)
	if !ok || p.OTP == nil || p.OTP.Message == "" {
		return nil
	}
	d, err := mt.MessageDelivery(ctx, p.OTP.Message)
	if errors.Is(err, ErrNotFound) {
		return &CodeDelivery{State: DeliveryQueued}
	}
	if err != nil {
		e.logger.Warn("sms delivery state", "message", p.OTP.Message, "err", err)
		return nil
	}
	return d
}

// SignViewParty is the party who holds the link.
type SignViewParty struct {
	Index       int    `json:"index"`
	DisplayName string `json:"display_name"`
	Role        string `json:"role,omitempty"`
	Status      string `json:"status"`
	Turn        bool   `json:"turn"`
	Area        Area   `json:"area"`
	PhoneMasked string `json:"phone_masked"`
	SignedSM3   string `json:"signed_sm3,omitempty"`
	// Locked: too many wrong codes; the link can no longer sign or decline.
	Locked bool `json:"locked,omitempty"`
}

// PartyBrief is another party, as a signer sees it.
type PartyBrief struct {
	Index       int    `json:"index"`
	DisplayName string `json:"display_name"`
	Role        string `json:"role,omitempty"`
	Status      string `json:"status"`
	// SignedAt is when the party signed (RFC 3339), empty until then.
	SignedAt string `json:"signed_at,omitempty"`
}

func (e *Engine) signView(c *Contract, i int) (*SignView, error) {
	p := c.Parties[i]
	rec, err := e.Identity(p.IdentityID)
	if err != nil {
		return nil, err
	}
	v := &SignView{ContractID: c.ID, Title: c.Title, Status: c.Status, Order: c.Order, LinkUsed: p.LinkUsed,
		CanSign: !p.LinkUsed && !p.Locked && c.turn(i) && !e.pastDeadline(c), CurrentSM3: c.CurrentSM3,
		Format: c.format(), PagePictures: c.format() == FormatOFD && e.cfg.Pages != nil,
		Party: SignViewParty{Index: i, DisplayName: p.DisplayName, Role: p.Role, Status: p.Status, Turn: c.turn(i),
			Area: p.Area, PhoneMasked: rec.PhoneMasked, SignedSM3: p.SignedSM3, Locked: p.Locked}}
	if !c.Deadline.IsZero() {
		v.Deadline = c.Deadline.Format("2006-01-02T15:04:05Z07:00")
	}
	v.IntentMethods = []string{"sms"}
	if e.cfg.Face != nil {
		v.IntentMethods = append(v.IntentMethods, "face")
	}
	for _, q := range c.Parties {
		b := PartyBrief{Index: q.Index, DisplayName: q.DisplayName, Role: q.Role, Status: q.Status}
		if !q.SignedAt.IsZero() {
			b.SignedAt = q.SignedAt.UTC().Format(time.RFC3339)
		}
		v.Parties = append(v.Parties, b)
	}
	v.Code = e.codeDelivery(context.Background(), &p)
	return v, nil
}

// View opens a signing link. The first open of a sent contract records
// contract_viewed.
func (e *Engine) View(ctx context.Context, tok string) (*SignView, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	c, i, err := e.resolve(tok)
	if err != nil {
		return nil, err
	}
	p := &c.Parties[i]
	if p.ViewedAt.IsZero() && c.Status == StatusSigning {
		fp, err := parseFP(p.CertFP)
		if err != nil {
			return nil, err
		}
		t := e.begin()
		defer t.close()
		if err := e.queueContractTx(t, c, &chain.ContractViewed{Contract: c.ID, Party: fp}, nil); err != nil {
			return nil, err
		}
		p.ViewedAt = e.now().UTC()
		if p.Status == PartyPending {
			p.Status = PartyViewed
		}
		c.log(p.ViewedAt, "viewed", &i, "")
		if err := e.putContract(t, c); err != nil {
			return nil, err
		}
		if err := t.notify("contract.viewed", c.ID, "", &i); err != nil {
			return nil, err
		}
		if err := t.commit(); err != nil {
			return nil, err
		}
	}
	return e.signView(c, i)
}

// SignerPDF is the current PDF as the link's holder sees it.
func (e *Engine) SignerPDF(ctx context.Context, tok string) ([]byte, error) {
	c, _, err := e.resolve(tok)
	if err != nil {
		return nil, err
	}
	return e.getFile(ctx, c.CurrentSM3)
}

// SignerSeal is the link holder's seal image (PNG).
func (e *Engine) SignerSeal(tok string) ([]byte, error) {
	c, i, err := e.resolve(tok)
	if err != nil {
		return nil, err
	}
	rec, err := e.Identity(c.Parties[i].IdentityID)
	if err != nil {
		return nil, err
	}
	return rec.SealPNG, nil
}

// actionable checks that party i may act now (sign, decline, ask a code).
// The caller holds e.mu.
func (e *Engine) actionable(c *Contract, i int, needTurn bool) error {
	p := &c.Parties[i]
	if p.LinkUsed {
		err := newErr(http.StatusGone, "link_used", "this signing link was already used (party %d %s)", i, p.Status)
		err.Err = ErrLinkUsed
		return err
	}
	if !c.open() {
		return closedErr(c)
	}
	if p.Locked {
		return lockedErr(i, p.OTPFailures)
	}
	if c.Status == StatusDraft {
		return wrongState("contract %s has not been sent", c.ID)
	}
	if e.pastDeadline(c) {
		return e.expireLocked(c)
	}
	if needTurn && !c.turn(i) {
		var waiting []string
		for j := range i {
			if c.Parties[j].Status != PartySigned {
				waiting = append(waiting, strconv.Itoa(j))
			}
		}
		err := newErr(http.StatusConflict, "not_your_turn", "sequential contract: party %s must sign before party %d", strings.Join(waiting, ", "), i)
		err.Err = ErrNotYourTurn
		return err
	}
	return nil
}

// CodeSent says where the SMS code went and what the link has left.
type CodeSent struct {
	SentTo       string `json:"sent_to"`
	ExpiresAt    string `json:"expires_at"`
	AttemptsLeft int    `json:"attempts_left"`
	// ResendAfter is the earliest time (RFC 3339) another code can be asked for.
	ResendAfter string `json:"resend_after"`
	// CodesLeft is how many more codes this link can get in its life.
	CodesLeft int `json:"codes_left"`
}

// Code purposes: what the party means to do with the code.
const (
	PurposeSign    = "sign"
	PurposeDecline = "decline"
)

func lockedErr(i, failures int) *Error {
	e := newErr(http.StatusLocked, "link_locked",
		"this signing link (party %d) is locked after %d wrong codes; ask the sender to void the contract and send it again", i, failures)
	e.Err = ErrLinkLocked
	return e
}

func rateErr(code string, wait time.Duration, format string, args ...any) *Error {
	e := newErr(http.StatusTooManyRequests, code, format, args...)
	e.RetryAfter = wait
	e.Err = ErrRateLimited
	return e
}

// newCode checks that party p may receive a code at now, loads the phone
// of identity id, and draws a six-digit code and its 16-byte salt (in that
// order from e.rand).
func (e *Engine) newCode(p *Party, id string, now time.Time) (sec *identitySecrets, code string, salt []byte, err error) {
	if err := e.codeAllowed(p, now); err != nil {
		return nil, "", nil, err
	}
	_, sec, err = e.loadIdentitySecrets(id)
	if err != nil {
		return nil, "", nil, err
	}
	code, err = sixDigits(e.rand)
	if err != nil {
		return nil, "", nil, err
	}
	salt = make([]byte, 16)
	if _, err := io.ReadFull(e.rand, salt); err != nil {
		return nil, "", nil, err
	}
	return sec, code, salt, nil
}

// codeAllowed applies the limits on codes for party p at now: the
// lifetime cap, the cooldown and the hourly cap. It prunes send times older
// than an hour.
func (e *Engine) codeAllowed(p *Party, now time.Time) error {
	if p.OTPCodes >= e.cfg.OTPCodesPerLink {
		le := newErr(http.StatusForbidden, "otp_code_limit",
			"this signing link already received %d codes, the most it may; use the face check, or ask the sender to send the contract again", p.OTPCodes)
		le.Err = ErrRateLimited
		return le
	}
	recent := p.OTPRecent[:0:0]
	for _, at := range p.OTPRecent {
		if now.Sub(at) < time.Hour {
			recent = append(recent, at)
		}
	}
	p.OTPRecent = recent
	if n := len(recent); n > 0 && e.cfg.OTPCooldown > 0 {
		if wait := recent[n-1].Add(e.cfg.OTPCooldown).Sub(now); wait > 0 {
			return rateErr("otp_cooldown", wait, "a code was sent %s ago; ask again in %s",
				now.Sub(recent[n-1]).Round(time.Second), roundUp(wait))
		}
	}
	if len(recent) >= e.cfg.OTPCodesPerHour {
		wait := recent[0].Add(time.Hour).Sub(now)
		return rateErr("otp_hourly_limit", wait, "%d codes in the last hour, the most a link may get; ask again in %s",
			len(recent), roundUp(wait))
	}
	return nil
}

// roundUp rounds d up to whole seconds, for messages and Retry-After.
func roundUp(d time.Duration) time.Duration {
	return ((d + time.Second - 1) / time.Second) * time.Second
}

// RequestCode texts the party a fresh 6-digit code, replacing any earlier
// one, within the link's limits (cooldown, codes per hour and per link).
// purpose is sign (the default: the party's turn is needed) or decline (a
// party may decline before its turn). A code proves intent only for its
// purpose: the SMS names it, so a code sent "to decline" cannot sign.
func (e *Engine) RequestCode(ctx context.Context, tok, purpose string) (*CodeSent, error) {
	switch purpose {
	case "":
		purpose = PurposeSign
	case PurposeSign, PurposeDecline:
	default:
		return nil, badField("purpose", "%q, want sign or decline", purpose)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	c, i, err := e.resolve(tok)
	if err != nil {
		return nil, err
	}
	if err := e.actionable(c, i, purpose == PurposeSign); err != nil {
		return nil, err
	}
	p := &c.Parties[i]
	now := e.now().UTC()
	sec, code, salt, err := e.newCode(p, p.IdentityID, now)
	if err != nil {
		return nil, err
	}
	mid, err := e.randomID("msg-otp-")
	if err != nil {
		return nil, err
	}
	st := &otpState{Salt: salt, Hash: e.otpMAC(salt, code), Keyed: true, ExpiresAt: now.Add(e.cfg.OTPTTL), Purpose: purpose,
		Message: mid}
	p.OTP = st
	p.OTPCodes++
	p.OTPRecent = append(p.OTPRecent, now)
	t := e.begin()
	defer t.close()
	if err := e.putContract(t, c); err != nil {
		return nil, err
	}
	if err := t.message(Message{ID: mid, Channel: "sms", To: sec.Phone, Template: "otp",
		Params: map[string]string{"code": code, "contract_id": c.ID, "party": strconv.Itoa(i), "title": c.Title,
			"purpose": purpose, "ttl_minutes": strconv.Itoa(int(e.cfg.OTPTTL.Minutes()))}}); err != nil {
		return nil, err
	}
	if err := t.commit(); err != nil {
		return nil, err
	}
	return &CodeSent{SentTo: maskPhone(sec.Phone), ExpiresAt: st.ExpiresAt.Format(time.RFC3339),
		AttemptsLeft: min(e.cfg.OTPMaxAttempts, e.cfg.OTPMaxFailures-p.OTPFailures),
		ResendAfter:  now.Add(e.cfg.OTPCooldown).Format(time.RFC3339),
		CodesLeft:    e.cfg.OTPCodesPerLink - p.OTPCodes}, nil
}

// otpMAC is what the DB keeps of a code: HMAC-SM3 under a key derived from
// the KEK. A plain hash beside its salt would give the code back to anyone
// who reads data/workflow, after at most 10^6 hashes.
func (e *Engine) otpMAC(salt []byte, code string) []byte {
	return e.cfg.KEK.MAC(otpLabel, salt, []byte(code))
}

// otpHashV1 is the plain hash of codes made before otpMAC; only checked.
func otpHashV1(salt []byte, code string) []byte {
	h := sm3.New()
	h.Write([]byte(otpLabelV1))
	h.Write(salt)
	h.Write([]byte(code))
	return h.Sum(nil)
}

// sixDigits draws a uniform code in 000000..999999.
func sixDigits(r io.Reader) (string, error) {
	var b [4]byte
	for {
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return "", fmt.Errorf("otp: %w", err)
		}
		v := binary.BigEndian.Uint32(b[:])
		if v < 4_294_000_000 { // largest multiple of 10^6 below 2^32
			return fmt.Sprintf("%06d", v%1_000_000), nil
		}
	}
}

// SignInput proves intent: an SMS code or a face capture.
type SignInput struct {
	Method    string `json:"method"` // sms or face
	Code      string `json:"code,omitempty"`
	FaceToken string `json:"face_token,omitempty"`
}

// SignResult is the answer to a signature.
type SignResult struct {
	Status         string `json:"status"`
	ContractStatus string `json:"contract_status"`
	SignedSM3      string `json:"signed_sm3"`
}

// checkIntent verifies the code (counting failures) or the face for action
// (PurposeSign or PurposeDecline) and returns the challenge hash for
// intent_verified. An SMS code proves intent only for the purpose it was
// requested for: its text named that purpose. The caller holds e.mu.
func (e *Engine) checkIntent(ctx context.Context, c *Contract, i int, in *SignInput, action string) (chain.IntentMethod, []byte, error) {
	return e.verifyIntent(ctx, &c.Parties[i], i, c.ID, in, action, func(t *txn) error { return e.putContract(t, c) })
}

// verifyIntent is checkIntent for the code or face of p, whatever holds
// it (a contract's party, or a batch signature's signer: batchsign.go):
// bind is what the challenge hash binds besides p's certificate, and
// save writes p's holder after a wrong code. The caller holds e.mu.
func (e *Engine) verifyIntent(ctx context.Context, p *Party, i int, bind string, in *SignInput, action string, save func(*txn) error) (chain.IntentMethod, []byte, error) {
	h := sm3.New()
	h.Write([]byte(challengeLabel))
	h.Write([]byte(bind))
	h.Write([]byte(p.CertFP))
	switch in.Method {
	case "sms", "":
		st := p.OTP
		switch {
		case st == nil:
			return 0, nil, otpErr(http.StatusUnprocessableEntity, "otp_required", "request a code first (POST .../code)")
		case st.Burned:
			return 0, nil, otpErr(http.StatusTooManyRequests, "otp_attempts", "too many wrong codes; request a new code")
		case e.now().After(st.ExpiresAt):
			return 0, nil, otpErr(http.StatusUnprocessableEntity, "otp_expired", "the code expired; request a new one")
		}
		purpose := st.Purpose
		if purpose == "" {
			purpose = PurposeSign // codes made before purposes were recorded
		}
		if purpose != action {
			return 0, nil, otpErr(http.StatusUnprocessableEntity, "otp_purpose",
				"field code: the current code was requested to %s, not to %s; request a code with purpose %q", purpose, action, action)
		}
		want := otpHashV1(st.Salt, in.Code)
		if st.Keyed {
			want = e.otpMAC(st.Salt, in.Code)
		}
		if subtle.ConstantTimeCompare(want, st.Hash) != 1 {
			st.Failures++
			p.OTPFailures++
			left := min(e.cfg.OTPMaxAttempts-st.Failures, e.cfg.OTPMaxFailures-p.OTPFailures)
			if left <= 0 {
				st.Burned = true
			}
			if p.OTPFailures >= e.cfg.OTPMaxFailures {
				p.Locked = true
			}
			t := e.begin()
			defer t.close()
			if err := save(t); err != nil {
				return 0, nil, err
			}
			if err := t.commit(); err != nil {
				return 0, nil, err
			}
			if p.Locked {
				le := lockedErr(i, p.OTPFailures)
				le.AttemptsLeft = new(int)
				return 0, nil, le
			}
			if st.Burned {
				oe := otpErr(http.StatusTooManyRequests, "otp_attempts", "wrong code; too many wrong codes, request a new code")
				oe.AttemptsLeft = new(int)
				return 0, nil, oe
			}
			oe := otpErr(http.StatusUnprocessableEntity, "otp_mismatch", "field code: wrong code; %d attempts left", left)
			oe.AttemptsLeft = &left
			return 0, nil, oe
		}
		h.Write(st.Salt)
		h.Write([]byte(in.Code))
		return chain.IntentSMSOTP, h.Sum(nil), nil
	case "face":
		if e.cfg.Face == nil {
			return 0, nil, badField("method", "face is not available on this node")
		}
		if in.FaceToken == "" {
			return 0, nil, badField("face_token", "missing")
		}
		if err := e.cfg.Face(ctx, p.IdentityID, []byte(in.FaceToken)); err != nil {
			if errors.Is(err, providers.ErrUnavailable) {
				// The face service could not decide: nothing is spent, the
				// party tries again.
				ue := newErr(http.StatusServiceUnavailable, "provider_unavailable", "face check could not run: %v", err)
				ue.Err, ue.RetryAfter = err, 10*time.Second
				return 0, nil, ue
			}
			return 0, nil, otpErr(http.StatusUnprocessableEntity, "face_mismatch", "face check failed: %v", err)
		}
		nonce := make([]byte, 16)
		if _, err := io.ReadFull(e.rand, nonce); err != nil {
			return 0, nil, err
		}
		h.Write(nonce)
		return chain.IntentFace, h.Sum(nil), nil
	}
	return 0, nil, badField("method", "%q, want sms or face", in.Method)
}

func otpErr(status int, code, format string, args ...any) *Error {
	e := newErr(status, code, format, args...)
	e.Err = ErrOTP
	return e
}

// Sign checks intent, places the party's seal in its area and signs the
// current PDF with the party's certificate, then records intent_verified
// and contract_signed (and contract_completed after the last party).
//
// Order of effects: the signed PDF is stored (durably) first; then one
// synced batch marks the party signed, points the contract at the new PDF
// and queues the records. A crash before the batch leaves an unreferenced
// file; after it, the queue delivers the records on restart.
func (e *Engine) Sign(ctx context.Context, tok string, in *SignInput) (*SignResult, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	c, i, err := e.resolve(tok)
	if err != nil {
		return nil, err
	}
	if err := e.actionable(c, i, true); err != nil {
		return nil, err
	}
	method, challenge, err := e.checkIntent(ctx, c, i, in, PurposeSign)
	if err != nil {
		return nil, err
	}
	p := &c.Parties[i]
	actor, key, rec, _, err := e.actor(p.IdentityID)
	if err != nil {
		return nil, err
	}
	now := e.now().UTC()
	signed, err := e.signDocument(ctx, c, i, key, rec, now)
	if err != nil {
		return nil, err
	}
	sum, err := e.cfg.Files.Put(ctx, bytes.NewReader(signed))
	if err != nil {
		return nil, fmt.Errorf("store signed pdf: %w", err)
	}
	e.crash(StepSignPDFStored, c.ID)

	docSM3, err := hex.DecodeString(c.DocSM3)
	if err != nil {
		return nil, err
	}
	iv := &chain.IntentVerified{Contract: c.ID, Signer: actor.Cert, Method: method, ChallengeHash: challenge,
		VerifiedAt: now.UnixMilli(), VerifierCert: e.cfg.VerifierCert}
	if iv.VerifierSig, err = e.cfg.VerifierKey.Sign(e.rand, iv.AttestationBytes(e.cfg.ChainID)); err != nil {
		return nil, fmt.Errorf("intent attestation: %w", err)
	}
	t := e.begin()
	defer t.close()
	h, err := t.enqueueTx(iv, actor, c.ID, "")
	if err != nil {
		return nil, err
	}
	c.Txs = append(c.Txs, h)
	if err := e.signedLocked(t, c, i, actor, rec, docSM3, sum, method, now); err != nil {
		return nil, err
	}
	if err := t.commit(); err != nil {
		return nil, err
	}
	e.crash(StepSignStateSaved, c.ID)
	return &SignResult{Status: p.Status, ContractStatus: c.Status, SignedSM3: p.SignedSM3}, nil
}

// signDocument signs c's current document as party i: the party's seal in
// its area, its certificate, the time now.
func (e *Engine) signDocument(ctx context.Context, c *Contract, i int, key *signer.PrivateKey, rec *Identity, now time.Time) ([]byte, error) {
	p := &c.Parties[i]
	current, err := e.getFile(ctx, c.CurrentSM3)
	if err != nil {
		return nil, err
	}
	var signed []byte
	if c.format() == FormatOFD {
		// An OFD stamp's top-left corner is at the area's (x, y), measured
		// from the page's top-left corner as OFD measures; its size is the
		// seal picture's, which the seal itself fixes (GB/T 38540).
		signed, err = ofd.Sign(ctx, current, ofd.SignOptions{
			Key: key, Cert: rec.CertDER, Seal: rec.SealDER, Time: now,
			Page: p.Area.Page - 1, X: p.Area.X * mmPerPoint, Y: p.Area.Y * mmPerPoint, Rand: e.rand,
		})
	} else {
		signed, err = pdf.Sign(current, pdf.SignOptions{
			Key: key, Cert: rec.CertDER, Chain: [][]byte{e.cfg.CA.Cert.Raw},
			Page: p.Area.Page, Rect: [4]float64{p.Area.X, p.Area.Y, p.Area.W, p.Area.H},
			Appearance: rec.SealPNG, Reason: "签署 / signed: " + c.ID, Location: "Sealchain", Time: now,
		})
	}
	if err != nil {
		return nil, fmt.Errorf("sign %s for party %d of %s: %w", c.format(), i, c.ID, err)
	}
	return signed, nil
}

// signedLocked queues party i's contract_signed (after its intent, queued
// by the caller) and contract_completed after the last party, and marks
// the party signed with the signed document sum, in t. The caller holds
// e.mu.
func (e *Engine) signedLocked(t *txn, c *Contract, i int, actor *client.Actor, rec *Identity, docSM3 []byte, sum [32]byte, method chain.IntentMethod, now time.Time) error {
	p := &c.Parties[i]
	sealHash := sm3.Sum(rec.SealDER)
	h, err := t.enqueueTx(&chain.ContractSigned{Contract: c.ID, DocSM3: docSM3, SignedDocSM3: sum[:], Seal: sealHash[:]}, actor, c.ID, "")
	if err != nil {
		return err
	}
	c.Txs = append(c.Txs, h)
	p.Status, p.SignedAt, p.SignedSM3, p.LinkUsed, p.OTP = PartySigned, now, hex.EncodeToString(sum[:]), true, nil
	c.CurrentSM3 = p.SignedSM3
	c.log(now, "signed", &i, method.String())
	if err := t.notify("contract.signed", c.ID, "", &i); err != nil {
		return err
	}
	all := true
	for _, q := range c.Parties {
		all = all && q.Status == PartySigned
	}
	if all {
		if err := e.queueContractTx(t, c, &chain.ContractCompleted{Contract: c.ID}, nil); err != nil {
			return err
		}
		c.Status = StatusCompleted
		c.log(now, "completed", nil, "")
		if err := t.notify("contract.completed", c.ID, "", nil); err != nil {
			return err
		}
	}
	return e.putContract(t, c)
}

// DeclineInput refuses to sign: a reason, and intent proven as for a
// signature (an SMS code or a face capture).
type DeclineInput struct {
	Reason string `json:"reason"`
	SignInput
}

// Decline refuses to sign; the contract closes for every party. It closes
// the contract for everyone, so like a signature it needs the party's
// intent (SMS code or face), not just the link: a forwarded or leaked link
// must not be enough to end a contract.
func (e *Engine) Decline(ctx context.Context, tok string, in *DeclineInput) (*SignResult, error) {
	reason := strings.TrimSpace(in.Reason)
	if reason == "" || len(reason) > 1024 {
		return nil, badField("reason", "1 to 1024 bytes")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	c, i, err := e.resolve(tok)
	if err != nil {
		return nil, err
	}
	if err := e.actionable(c, i, false); err != nil {
		return nil, err
	}
	method, _, err := e.checkIntent(ctx, c, i, &in.SignInput, PurposeDecline)
	if err != nil {
		return nil, err
	}
	p := &c.Parties[i]
	h := sm3.Sum([]byte(reason))
	t := e.begin()
	defer t.close()
	id := p.IdentityID
	if err := e.queueContractTx(t, c, &chain.ContractDeclined{Contract: c.ID, ReasonSM3: h[:]}, &id); err != nil {
		return nil, err
	}
	p.Status, p.DeclinedReason, p.LinkUsed, p.OTP = PartyDeclined, reason, true, nil
	c.Status = StatusDeclined
	c.log(e.now(), "declined", &i, reason)
	// The intent check stays off chain (docs/workflow.md, "Declining"):
	// the history says how it was made.
	c.log(e.now(), "decline_intent", &i, method.String())
	if err := e.putContract(t, c); err != nil {
		return nil, err
	}
	if err := t.notify("contract.declined", c.ID, "", &i); err != nil {
		return nil, err
	}
	if err := t.commit(); err != nil {
		return nil, err
	}
	return &SignResult{Status: p.Status, ContractStatus: c.Status}, nil
}

// Result tells the link holder where things stand.
type Result struct {
	PartyStatus    string `json:"party_status"`
	ContractStatus string `json:"contract_status"`
	SignedSM3      string `json:"signed_sm3,omitempty"`
	CurrentSM3     string `json:"current_sm3"`
	PendingRecords int    `json:"pending_records"`
}

// SignerResult answers GET /v1/sign/{token}/result.
func (e *Engine) SignerResult(tok string) (*Result, error) {
	c, i, err := e.resolve(tok)
	if err != nil {
		return nil, err
	}
	refs, err := e.Refs(c)
	if err != nil {
		return nil, err
	}
	n := 0
	for _, r := range refs {
		if r.Status == RefQueued {
			n++
		}
	}
	return &Result{PartyStatus: c.Parties[i].Status, ContractStatus: c.Status, SignedSM3: c.Parties[i].SignedSM3,
		CurrentSM3: c.CurrentSM3, PendingRecords: n}, nil
}

// SignerContract returns the contract and party index of a link.
func (e *Engine) SignerContract(tok string) (*Contract, int, error) { return e.resolve(tok) }

// PartyRefs returns party i's own records: viewed, intent, signed, declined.
func (e *Engine) PartyRefs(c *Contract, i int) ([]ChainRef, error) {
	refs, err := e.Refs(c)
	if err != nil {
		return nil, err
	}
	fp, err := parseFP(c.Parties[i].CertFP)
	if err != nil {
		return nil, err
	}
	out := []ChainRef{}
	for _, r := range refs {
		if r.Party == fp.String() {
			out = append(out, r)
		}
	}
	return out, nil
}
