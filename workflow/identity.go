package workflow

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"net/http"
	"strings"
	"time"
	"unicode"

	"github.com/emmansun/gmsm/sm3"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/signer"
	"github.com/sealchain/sealchain/signer/seal"
	"github.com/sealchain/sealchain/workflow/identity"
	"github.com/sealchain/sealchain/workflow/providers"
)

// PersonInput is a natural person as the API receives it.
type PersonInput struct {
	Name     string `json:"name"`
	IDNumber string `json:"id_number"`
	Phone    string `json:"phone"`
	Face     string `json:"face,omitempty"` // face capture (base64 or the dev token)
	// Address is the address for service (送达地址), sealed with the rest;
	// case packages (evidence/casepkg) print it when the filer discloses it.
	Address string `json:"address,omitempty"`
}

// EnterpriseInput is a company as the API receives it.
type EnterpriseInput struct {
	Name        string       `json:"name"`
	CreditCode  string       `json:"credit_code"`
	LegalRep    *PersonInput `json:"legal_rep,omitempty"`
	Agent       *PersonInput `json:"agent,omitempty"`
	BankAccount string       `json:"bank_account,omitempty"`
	BankName    string       `json:"bank_name,omitempty"`
	// Phone receives the company's signing codes when it has no agent or
	// legal representative in the request.
	Phone string `json:"phone,omitempty"`
	// Address is the company's address for service, as PersonInput's.
	Address string `json:"address,omitempty"`
}

// IdentityInput asks to verify a person or a company by one method.
type IdentityInput struct {
	Kind       string           `json:"kind"`   // person or enterprise
	Method     string           `json:"method"` // a chain.IdentityMethod name
	Person     *PersonInput     `json:"person,omitempty"`
	Enterprise *EnterpriseInput `json:"enterprise,omitempty"`
}

// Identity is a verified (or pending) person or company with its hosted
// key, certificate and default seal. Personal data and the key are sealed
// under the KEK; only masked names are stored in the clear.
type Identity struct {
	ID          string `json:"id"`
	Kind        string `json:"kind"`
	Method      string `json:"method"`
	Status      string `json:"status"`
	DisplayName string `json:"display_name"`
	PhoneMasked string `json:"phone_masked,omitempty"`
	FailReason  string `json:"fail_reason,omitempty"`
	// PendingReason says why a pending identity waits:
	// PendingProviderUnavailable (the provider could not decide; retry
	// with RetryIdentity) or "" (a micro-deposit awaits its amount).
	PendingReason string            `json:"pending_reason,omitempty"`
	DepositID     string            `json:"-"`
	IdentityRef   []byte            `json:"-"`
	CertDER       []byte            `json:"-"`
	SealDER       []byte            `json:"-"`
	SealPNG       []byte            `json:"-"`
	Sealed        []byte            `json:"-"` // identitySecrets under the KEK
	Txs           map[string]string `json:"-"` // record type -> tx hash
	CreatedAt     time.Time         `json:"created_at"`
}

// identityStored is Identity as persisted: the fields the API hides included.
type identityStored struct {
	Identity
	DepositID   string            `json:"deposit_id,omitempty"`
	IdentityRef []byte            `json:"identity_ref,omitempty"`
	CertDER     []byte            `json:"cert_der,omitempty"`
	SealDER     []byte            `json:"seal_der,omitempty"`
	SealPNG     []byte            `json:"seal_png,omitempty"`
	Sealed      []byte            `json:"sealed,omitempty"`
	Txs         map[string]string `json:"txs,omitempty"`
}

func (s *identityStored) restore() *Identity {
	id := s.Identity
	id.DepositID, id.IdentityRef, id.CertDER, id.SealDER, id.SealPNG, id.Sealed, id.Txs =
		s.DepositID, s.IdentityRef, s.CertDER, s.SealDER, s.SealPNG, s.Sealed, s.Txs
	return &id
}

func storedIdentity(id *Identity) *identityStored {
	return &identityStored{Identity: *id, DepositID: id.DepositID, IdentityRef: id.IdentityRef, CertDER: id.CertDER,
		SealDER: id.SealDER, SealPNG: id.SealPNG, Sealed: id.Sealed, Txs: id.Txs}
}

// identitySecrets are sealed under the KEK.
type identitySecrets struct {
	Input  IdentityInput `json:"input"`
	Salt   []byte        `json:"salt,omitempty"`
	Fields []string      `json:"fields,omitempty"`
	KeyPEM []byte        `json:"key_pem,omitempty"`
	Phone  string        `json:"phone"` // where SMS codes go
}

// Fingerprint is the certificate fingerprint of a verified identity.
func (id *Identity) Fingerprint() chain.Fingerprint { return chain.FingerprintOf(id.CertDER) }

// IdentityView is the API's answer for an identity.
type IdentityView struct {
	*Identity
	IdentityRef string            `json:"identity_ref,omitempty"`
	CertFP      string            `json:"cert_fingerprint,omitempty"`
	SealHash    string            `json:"seal_hash,omitempty"`
	Chain       map[string]string `json:"chain,omitempty"`
	Deposit     *DepositView      `json:"deposit,omitempty"`
}

// DepositView tells a company its micro-deposit is on the way.
type DepositView struct {
	ExpiresAt    time.Time `json:"expires_at"`
	AttemptsLeft int       `json:"attempts_left"`
}

// View renders id for the API.
func (id *Identity) View() *IdentityView {
	v := &IdentityView{Identity: id, Chain: id.Txs}
	if len(id.IdentityRef) > 0 {
		v.IdentityRef = fmt.Sprintf("%x", id.IdentityRef)
	}
	if len(id.CertDER) > 0 {
		v.CertFP = id.Fingerprint().String()
	}
	if len(id.SealDER) > 0 {
		v.SealHash = fmt.Sprintf("%x", sm3.Sum(id.SealDER))
	}
	return v
}

func toPerson(p *PersonInput) *identity.Person {
	if p == nil {
		return nil
	}
	return &identity.Person{Name: p.Name, IDNumber: p.IDNumber, Phone: p.Phone, Face: []byte(p.Face)}
}

func (in *IdentityInput) request() (*identity.Request, error) {
	m, err := chain.ParseIdentityMethod(in.Method)
	if err != nil {
		return nil, badField("method", "%v", err)
	}
	req := &identity.Request{Method: m}
	for field, a := range map[string]string{"person.address": addressOf(in.Person), "enterprise.address": addressOfEnterprise(in.Enterprise)} {
		if len(a) > 512 || strings.ContainsFunc(a, unicode.IsControl) {
			return nil, badField(field, "at most 512 bytes on one line")
		}
	}
	switch in.Kind {
	case "person":
		if in.Person == nil || in.Enterprise != nil {
			return nil, badField("person", "a person needs the person object and no enterprise")
		}
		req.Person = toPerson(in.Person)
	case "enterprise":
		if in.Enterprise == nil || in.Person != nil {
			return nil, badField("enterprise", "an enterprise needs the enterprise object and no person")
		}
		en := in.Enterprise
		req.Enterprise = &identity.Enterprise{Name: en.Name, CreditCode: en.CreditCode, Agent: toPerson(en.Agent), LegalRep: toPerson(en.LegalRep)}
		if en.BankAccount != "" {
			req.Enterprise.Account = &identity.Account{Name: en.Name, Number: en.BankAccount, Bank: en.BankName}
		}
	default:
		return nil, badField("kind", "%q, want person or enterprise", in.Kind)
	}
	return req, nil
}

func addressOf(p *PersonInput) string {
	if p == nil {
		return ""
	}
	return p.Address
}

func addressOfEnterprise(e *EnterpriseInput) string {
	if e == nil {
		return ""
	}
	return e.Address
}

// signingPhone is where a party's SMS codes go: the person's phone, or the
// company's agent's (else its legal representative's).
func (in *IdentityInput) signingPhone() string {
	switch {
	case in.Person != nil:
		return in.Person.Phone
	case in.Enterprise != nil && in.Enterprise.Agent != nil:
		return in.Enterprise.Agent.Phone
	case in.Enterprise != nil && in.Enterprise.LegalRep != nil:
		return in.Enterprise.LegalRep.Phone
	case in.Enterprise != nil:
		return in.Enterprise.Phone
	}
	return ""
}

func (in *IdentityInput) name() string {
	if in.Person != nil {
		return in.Person.Name
	}
	if in.Enterprise != nil {
		return in.Enterprise.Name
	}
	return ""
}

// identityErr maps the verifier's errors to API errors.
func identityErr(err error) error {
	var fe *identity.FieldError
	var wa *identity.WrongAmountError
	switch {
	case errors.As(err, &fe):
		return badField(fe.Field, "%s", fe.Reason)
	case errors.As(err, &wa):
		e := newErr(http.StatusUnprocessableEntity, "identity_failed", "wrong deposit amount; %d attempts left", wa.AttemptsLeft)
		e.Err = err
		return e
	case errors.Is(err, identity.ErrRejected), errors.Is(err, identity.ErrTooManyAttempts), errors.Is(err, identity.ErrChallengeExpired):
		e := newErr(http.StatusUnprocessableEntity, "identity_failed", "%v", err)
		e.Err = err
		return e
	case errors.Is(err, identity.ErrNoProvider):
		return badField("method", "%v", err)
	case errors.Is(err, providers.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		e := newErr(http.StatusServiceUnavailable, "provider_unavailable", "%v", err)
		e.Err = err
		return e
	case errors.Is(err, identity.ErrChallengeNotFound):
		e := newErr(http.StatusConflict, "wrong_state", "no open micro-deposit for this identity (a node restart drops them; start again)")
		e.Err = err
		return e
	}
	return err
}

// CreateIdentity verifies a person or company. A one-step method that
// passes yields a verified identity with its key, certificate and seal,
// and queues identity_verified, cert_issued and seal_registered. The
// micro-deposit method returns a pending identity; ConfirmDeposit ends it.
func (e *Engine) CreateIdentity(ctx context.Context, in *IdentityInput) (*IdentityView, error) {
	req, err := in.request()
	if err != nil {
		return nil, err
	}
	if !identity.ValidPhone(in.signingPhone()) {
		field := "person.phone"
		if in.Enterprise != nil {
			field = "enterprise.phone"
		}
		return nil, badField(field, "an 11-digit mobile number is needed for signing codes (for a company: the agent's, the legal representative's or enterprise.phone)")
	}
	id, err := e.randomID("idn-")
	if err != nil {
		return nil, err
	}
	rec := &Identity{ID: id, Kind: in.Kind, Method: in.Method, DisplayName: maskName(in.name()),
		PhoneMasked: maskPhone(in.signingPhone()), CreatedAt: e.now().UTC()}
	sec := &identitySecrets{Input: *in, Phone: in.signingPhone()}
	return e.runIdentity(ctx, rec, sec, req)
}

// PendingProviderUnavailable is the PendingReason of an identity whose
// provider could not decide (time-out, outage): RetryIdentity runs the
// check again.
const PendingProviderUnavailable = "provider_unavailable"

// runIdentity asks the provider and records the outcome: verified,
// failed (the provider said no), pending for the micro-deposit's amount,
// or pending with PendingProviderUnavailable when the provider could not
// decide. Only the last returns an error besides a saved identity: the
// caller learns the check did not run, and the identity waits for a
// retry instead of being lost or failed.
func (e *Engine) runIdentity(ctx context.Context, rec *Identity, sec *identitySecrets, req *identity.Request) (*IdentityView, error) {
	unavailable := func(err error) (*IdentityView, error) {
		apiErr := identityErr(err)
		var ae *Error
		if !errors.As(apiErr, &ae) || ae.Code != "provider_unavailable" {
			return nil, apiErr
		}
		rec.Status, rec.PendingReason, rec.FailReason = IdentityPending, PendingProviderUnavailable, ""
		if serr := e.saveIdentity(rec, sec); serr != nil {
			return nil, serr
		}
		e.logger.Warn("identity provider unavailable; the identity stays pending", "identity", rec.ID, "method", rec.Method, "err", err)
		return rec.View(), nil
	}
	if req.Method == chain.IdentityBankTransfer {
		var ch *identity.DepositChallenge
		var err error
		if rec.DepositID != "" {
			// A transfer whose outcome was unknown: the same challenge
			// again, so the company is not paid twice.
			ch, err = e.cfg.Identity.RetryDeposit(ctx, rec.DepositID, req)
		} else {
			ch, err = e.cfg.Identity.StartDeposit(ctx, req)
		}
		if err != nil {
			if ch != nil {
				rec.DepositID = ch.ID // kept: the money may have left
			}
			var ae *Error
			if errors.As(identityErr(err), &ae) && ae.Code == "identity_failed" {
				rec.Status, rec.FailReason, rec.PendingReason, rec.DepositID = IdentityFailed, ae.Message, "", ""
				if serr := e.saveIdentity(rec, sec); serr != nil {
					return nil, serr
				}
				return nil, ae
			}
			return unavailable(err)
		}
		rec.Status, rec.DepositID, rec.PendingReason = IdentityPending, ch.ID, ""
		if err := e.saveIdentity(rec, sec); err != nil {
			return nil, err
		}
		v := rec.View()
		v.Deposit = &DepositView{ExpiresAt: ch.ExpiresAt, AttemptsLeft: ch.AttemptsLeft}
		return v, nil
	}
	att, err := e.cfg.Identity.Verify(ctx, req)
	if err != nil {
		err = identityErr(err)
		var ae *Error
		if errors.As(err, &ae) && ae.Code == "identity_failed" {
			rec.Status, rec.FailReason, rec.PendingReason = IdentityFailed, ae.Message, ""
			if serr := e.saveIdentity(rec, sec); serr != nil {
				return nil, serr
			}
		}
		return unavailable(err)
	}
	rec.PendingReason = ""
	if err := e.finishIdentity(rec, sec, att); err != nil {
		return nil, err
	}
	return rec.View(), nil
}

// RetryIdentity runs the check of an identity left pending because its
// provider could not decide (PendingProviderUnavailable) again, with the
// input it was created with.
func (e *Engine) RetryIdentity(ctx context.Context, id string) (*IdentityView, error) {
	rec, sec, err := e.loadIdentitySecrets(id)
	if err != nil {
		return nil, err
	}
	if rec.Status != IdentityPending || rec.PendingReason != PendingProviderUnavailable {
		return nil, wrongState("identity %s is %s and not waiting for its provider", id, rec.Status)
	}
	req, err := sec.Input.request()
	if err != nil {
		return nil, err
	}
	return e.runIdentity(ctx, rec, sec, req)
}

// FacePerson is the person whose face signs for identity id: the person,
// or the company's agent, else its legal representative. A face provider
// compares captures with this person's ID photo.
func (e *Engine) FacePerson(id string) (*identity.Person, error) {
	_, sec, err := e.loadIdentitySecrets(id)
	if err != nil {
		return nil, err
	}
	in := &sec.Input
	var p *PersonInput
	switch {
	case in.Person != nil:
		p = in.Person
	case in.Enterprise != nil && in.Enterprise.Agent != nil:
		p = in.Enterprise.Agent
	case in.Enterprise != nil && in.Enterprise.LegalRep != nil:
		p = in.Enterprise.LegalRep
	default:
		return nil, badField("method", "identity %s has no person whose face can sign", id)
	}
	return &identity.Person{Name: p.Name, IDNumber: p.IDNumber, Phone: p.Phone}, nil
}

// ConfirmDeposit ends a micro-deposit verification with the amount the
// company saw on its statement.
func (e *Engine) ConfirmDeposit(ctx context.Context, id string, amountFen int64) (*IdentityView, error) {
	rec, sec, err := e.loadIdentitySecrets(id)
	if err != nil {
		return nil, err
	}
	if rec.Status != IdentityPending {
		return nil, wrongState("identity %s is %s", id, rec.Status)
	}
	if rec.DepositID == "" {
		return nil, wrongState("identity %s has no micro-deposit on the way (%s): retry it first", id, rec.PendingReason)
	}
	att, err := e.cfg.Identity.ConfirmDeposit(ctx, rec.DepositID, amountFen)
	if err != nil {
		err = identityErr(err)
		if errors.Is(err, identity.ErrTooManyAttempts) || errors.Is(err, identity.ErrChallengeExpired) {
			rec.Status, rec.FailReason = IdentityFailed, err.Error()
			if serr := e.saveIdentity(rec, sec); serr != nil {
				return nil, serr
			}
		}
		return nil, err
	}
	if err := e.finishIdentity(rec, sec, att); err != nil {
		return nil, err
	}
	return rec.View(), nil
}

// finishIdentity: key, certificate from the platform CA, default seal, and
// the three records, all in one batch.
//
// The key is of the platform CA's algorithm: SM2 under an SM2 CA (init's
// default); ECDSA P-256 under an ECDSA CA, whose PDFs outside validators
// (pdfsig, pyHanko, Adobe) can check, since they do not verify SM2.
func (e *Engine) finishIdentity(rec *Identity, sec *identitySecrets, att *identity.Attestation) error {
	key, err := signer.GenerateKey(e.cfg.CA.Key.Algorithm(), e.rand)
	if err != nil {
		return err
	}
	now := e.now().UTC().Truncate(time.Second)
	ca := e.cfg.CA
	notBefore := now.Add(-backdate)
	if notBefore.Before(ca.Cert.NotBefore) {
		notBefore = ca.Cert.NotBefore
	}
	notAfter := now.Add(certValidity)
	if notAfter.After(ca.Cert.NotAfter) {
		notAfter = ca.Cert.NotAfter
	}
	ref := att.Record.IdentityRef
	der, err := ca.Issue(key.Public(), signer.IssueOptions{
		SubjectRef: fmt.Sprintf("sc:%x", ref[:16]), IdentityRef: ref, Usage: signer.UsageSigner,
		NotBefore: notBefore, NotAfter: notAfter,
		// Parties sign contracts: commitments to their content. PAdES
		// validators (pyHanko by default) require nonRepudiation of such a
		// signer's certificate.
		ContentCommitment: true,
	}, e.rand)
	if err != nil {
		return fmt.Errorf("issue party certificate: %w", err)
	}
	img, kind, chainKind, err := e.defaultSeal(&sec.Input)
	if err != nil {
		return err
	}
	png, err := seal.EncodePNG(img)
	if err != nil {
		return fmt.Errorf("seal image: %w", err)
	}
	sealDER, err := seal.Make(seal.SealInfo{
		ID: rec.ID, Kind: kind, Name: sealName(&sec.Input), SignerCerts: [][]byte{der},
		Created: now, ValidStart: notBefore, ValidEnd: notAfter, Picture: seal.Picture{Data: png, WidthMM: sealMM(kind), HeightMM: sealMM(kind)},
	}, ca.Key, ca.Cert.Raw, e.rand)
	if err != nil {
		return fmt.Errorf("make seal: %w", err)
	}
	keyPEM, err := signer.EncodePrivateKeyPEM(key)
	if err != nil {
		return err
	}
	sec.Salt, sec.Fields, sec.KeyPEM = att.Salt, att.Fields, keyPEM
	rec.Status, rec.IdentityRef, rec.CertDER, rec.SealDER, rec.SealPNG = IdentityVerified, ref, der, sealDER, png
	rec.FailReason, rec.DepositID, rec.PendingReason = "", "", ""
	fp := chain.FingerprintOf(der)
	sealHash := sm3.Sum(sealDER)

	e.mu.Lock()
	defer e.mu.Unlock()
	t := e.begin()
	defer t.close()
	rec.Txs = map[string]string{}
	for _, r := range []struct {
		name string
		body chain.Body
	}{
		{"identity_verified", att.Record},
		{"cert_issued", &chain.CertIssued{Cert: der, IdentityRef: ref}},
		{"seal_registered", &chain.SealRegistered{Seal: sealHash[:], Kind: chainKind, Owner: fp,
			ValidFrom: notBefore.Unix(), ValidTo: notAfter.Unix()}},
	} {
		h, err := t.enqueueTx(r.body, nil, "", rec.ID)
		if err != nil {
			return err
		}
		rec.Txs[r.name] = h
	}
	if err := e.putIdentity(t, rec, sec); err != nil {
		return err
	}
	if err := t.notify("identity.verified", "", rec.ID, nil); err != nil {
		return err
	}
	return t.commit()
}

func sealMM(k seal.Kind) int {
	if k == seal.KindOrganization {
		return 42
	}
	return 18
}

func sealName(in *IdentityInput) string {
	if in.Enterprise != nil {
		return in.Enterprise.Name + "合同专用章"
	}
	return in.Person.Name + "之印"
}

// defaultSeal draws a round seal for a company and a square name seal for
// a person.
func (e *Engine) defaultSeal(in *IdentityInput) (image.Image, seal.Kind, chain.SealKind, error) {
	if in.Enterprise != nil {
		img, err := seal.Enterprise(seal.EnterpriseOptions{Name: in.Enterprise.Name, Purpose: "合同专用章", Code: in.Enterprise.CreditCode})
		if err != nil {
			return nil, 0, 0, badField("enterprise.name", "cannot draw the seal: %v", err)
		}
		return img, seal.KindOrganization, chain.SealOrganization, nil
	}
	img, err := seal.Personal(seal.PersonalOptions{Name: in.Person.Name, AppendYin: true})
	if err != nil {
		return nil, 0, 0, badField("person.name", "cannot draw the name seal: %v", err)
	}
	return img, seal.KindPersonal, chain.SealPersonal, nil
}

func (e *Engine) saveIdentity(rec *Identity, sec *identitySecrets) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	t := e.begin()
	defer t.close()
	if err := e.putIdentity(t, rec, sec); err != nil {
		return err
	}
	return t.commit()
}

func (e *Engine) putIdentity(t *txn, rec *Identity, sec *identitySecrets) error {
	plain, err := json.Marshal(sec)
	if err != nil {
		return err
	}
	if rec.Sealed, err = e.cfg.KEK.Seal(e.rand, rec.ID, plain); err != nil {
		return err
	}
	return t.set(pIdentity+rec.ID, storedIdentity(rec))
}

// Identity loads an identity.
func (e *Engine) Identity(id string) (*Identity, error) {
	var s identityStored
	ok, err := getJSON(e.db, pIdentity+id, &s)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, notFound("identity", id)
	}
	return s.restore(), nil
}

func (e *Engine) loadIdentitySecrets(id string) (*Identity, *identitySecrets, error) {
	rec, err := e.Identity(id)
	if err != nil {
		return nil, nil, err
	}
	plain, err := e.cfg.KEK.Open(rec.ID, rec.Sealed)
	if err != nil {
		return nil, nil, err
	}
	var sec identitySecrets
	if err := json.NewDecoder(bytes.NewReader(plain)).Decode(&sec); err != nil {
		return nil, nil, fmt.Errorf("identity %s secrets: %w", id, err)
	}
	return rec, &sec, nil
}

// actor returns the identity's hosted key as a chain actor.
func (e *Engine) actor(id string) (*client.Actor, *signer.PrivateKey, *Identity, *identitySecrets, error) {
	rec, sec, err := e.loadIdentitySecrets(id)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	if rec.Status != IdentityVerified {
		return nil, nil, nil, nil, unverified(rec)
	}
	key, err := signer.ParsePrivateKeyPEM(sec.KeyPEM)
	if err != nil {
		return nil, nil, nil, nil, fmt.Errorf("identity %s key: %w", id, err)
	}
	return &client.Actor{Cert: rec.Fingerprint(), Key: key}, key, rec, sec, nil
}

func unverified(rec *Identity) *Error {
	e := newErr(http.StatusUnprocessableEntity, "identity_unverified", "identity %s is %s, not verified", rec.ID, rec.Status)
	e.Err = ErrUnverifiedIdentity
	return e
}

// maskName keeps the first character: "张三" -> "张*", "北京某某科技有限公司" -> "北京********司".
func maskName(s string) string {
	r := []rune(s)
	switch {
	case len(r) == 0:
		return ""
	case len(r) <= 3:
		return string(r[0]) + stars(len(r)-1)
	}
	return string(r[:2]) + stars(len(r)-3) + string(r[len(r)-1])
}

func stars(n int) string { return string(bytes.Repeat([]byte{'*'}, n)) }

// maskPhone: "13800138000" -> "138****8000".
func maskPhone(p string) string {
	if len(p) < 8 {
		return stars(len(p))
	}
	return p[:3] + stars(len(p)-7) + p[len(p)-4:]
}
