package workflow

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sealchain/sealchain/chain"
)

// Batch signing (批量签署): the platform gathers several contracts waiting
// for one signer into a batch and texts the signer one link. The batch
// page lists the contracts (title, counterparties) before the signer
// confirms; the signer proves intent ONCE (an SMS code or a face check);
// then every contract is signed on its own (its own PDF or OFD revision
// and contract_signed record). One batch_intent_verified record names the
// whole set and stands as the signer's intent on each contract
// (chain/record_batch_intent_verified.go, rules version 5). It is queued
// with no contract lane, so the chain queue sends it alone, after
// everything before it and before any of the signatures (pipeline.go).
//
// A batch's link, codes and their limits work as a contract link's (a
// Party holds them). A contract that can no longer be signed when the
// signer confirms (voided, signed through its own link, past its deadline)
// is left out and reported; the others are signed.

// Batch statuses.
const (
	BatchOpen   = "open"
	BatchSigned = "signed"
)

// BatchItem is one contract of a batch and what became of it.
type BatchItem struct {
	ContractID string `json:"contract_id"`
	Party      int    `json:"party"`
	Status     string `json:"status"`           // pending, signed or skipped
	Reason     string `json:"reason,omitempty"` // why it was skipped
	SignedSM3  string `json:"signed_sm3,omitempty"`
}

// BatchSign is a batch signature: one signer, several contracts.
type BatchSign struct {
	ID         string      `json:"id"`
	IdentityID string      `json:"identity_id"`
	Status     string      `json:"status"`
	Items      []BatchItem `json:"contracts"`
	CreatedAt  time.Time   `json:"created_at"`
	SignedAt   time.Time   `json:"signed_at,omitzero"`
	IntentTx   string      `json:"intent_tx,omitempty"` // the batch_intent_verified record
	// Holder carries the link's code state and limits, as a contract
	// party's (only its OTP fields, IdentityID and CertFP are used).
	Holder Party `json:"holder"`
}

// Public is b without the code and the sealed link.
func (b *BatchSign) Public() *BatchSign {
	out := *b
	out.Items = slices.Clone(b.Items)
	out.Holder.OTP, out.Holder.LinkSealed = nil, nil
	return &out
}

// BatchInput starts a batch signature.
type BatchInput struct {
	IdentityID  string   `json:"identity_id"`
	ContractIDs []string `json:"contract_ids"`
}

func (e *Engine) loadBatch(id string) (*BatchSign, error) {
	var b BatchSign
	ok, err := getJSON(e.db, pBatch+id, &b)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, notFound("batch signature", id)
	}
	return &b, nil
}

// Batch returns a batch signature.
func (e *Engine) Batch(id string) (*BatchSign, error) { return e.loadBatch(id) }

// resolveBatch finds the batch of a batch link.
func (e *Engine) resolveBatch(tok string) (*BatchSign, error) {
	if len(tok) != 43 { // base64url of tokenBytes
		return nil, newErr(http.StatusNotFound, "not_found", "no such batch signing link")
	}
	val, closer, err := e.db.Get([]byte(pBatchToken + tokenHash(tok)))
	if err != nil {
		return nil, newErr(http.StatusNotFound, "not_found", "no such batch signing link")
	}
	id := string(val)
	closer.Close()
	return e.loadBatch(id)
}

// BatchByToken returns the batch of a batch link (for the API's
// idempotency scope).
func (e *Engine) BatchByToken(tok string) (*BatchSign, error) { return e.resolveBatch(tok) }

// signable tells why party i of c cannot sign now ("" if it can).
func (e *Engine) signable(c *Contract, i int) string {
	p := &c.Parties[i]
	switch {
	case !c.open():
		return "contract " + c.Status
	case c.Status == StatusDraft:
		return "not sent"
	case p.Status == PartySigned:
		return "already signed"
	case p.LinkUsed:
		return "link already used"
	case p.Locked:
		return "link locked after wrong codes"
	case e.pastDeadline(c):
		return "past its deadline"
	case !c.turn(i):
		return "not this party's turn (sequential)"
	}
	return ""
}

// CreateBatch gathers contracts waiting for one signer into a batch and
// texts the signer its link. Every contract must be one the identity may
// sign now; errors name contract_ids[i].
func (e *Engine) CreateBatch(ctx context.Context, in *BatchInput) (*BatchSign, *Link, error) {
	n := len(in.ContractIDs)
	if n == 0 || n > chain.MaxBatchIntentContracts {
		return nil, nil, badField("contract_ids", "%d contracts, want 1..%d", n, chain.MaxBatchIntentContracts)
	}
	rec, phone, err := e.cachedIdentity(nil, in.IdentityID)
	if err != nil {
		return nil, nil, badField("identity_id", "%v", err)
	}
	if rec.Status != IdentityVerified {
		return nil, nil, unverified(rec)
	}
	fp := rec.Fingerprint().String()
	e.mu.Lock()
	defer e.mu.Unlock()
	b := &BatchSign{IdentityID: rec.ID, Status: BatchOpen, CreatedAt: e.now().UTC(),
		Holder: Party{IdentityID: rec.ID, DisplayName: rec.DisplayName, CertFP: fp, Status: PartyPending}}
	seen := map[string]bool{}
	for k, id := range in.ContractIDs {
		field := fmt.Sprintf("contract_ids[%d]", k)
		if seen[id] {
			return nil, nil, badField(field, "contract %s is listed twice", id)
		}
		seen[id] = true
		c, err := e.loadContract(id)
		if err != nil {
			return nil, nil, badField(field, "%v", err)
		}
		i := slices.IndexFunc(c.Parties, func(p Party) bool { return p.CertFP == fp })
		if i < 0 {
			return nil, nil, badField(field, "identity %s is not a party of contract %s", rec.ID, id)
		}
		if why := e.signable(c, i); why != "" {
			return nil, nil, badField(field, "contract %s cannot be signed by party %d now: %s", id, i, why)
		}
		b.Items = append(b.Items, BatchItem{ContractID: id, Party: i, Status: PartyPending})
	}
	if b.ID, err = e.randomID("batch-"); err != nil {
		return nil, nil, err
	}
	tok, err := newToken(e.rand)
	if err != nil {
		return nil, nil, err
	}
	if b.Holder.LinkSealed, err = e.cfg.KEK.Seal(e.rand, b.ID+"/link", []byte(tok)); err != nil {
		return nil, nil, err
	}
	link := &Link{Party: -1, Token: tok, URL: e.cfg.PublicURL + "/sign/batch/" + tok}
	t := e.begin()
	defer t.close()
	if err := t.b.Set([]byte(pBatchToken+tokenHash(tok)), []byte(b.ID), nil); err != nil {
		return nil, nil, err
	}
	if err := t.set(pBatch+b.ID, b); err != nil {
		return nil, nil, err
	}
	if err := t.message(Message{Channel: "sms", To: phone, Template: "batch_sign_link",
		Params: map[string]string{"url": link.URL, "batch_id": b.ID, "count": strconv.Itoa(n)}}); err != nil {
		return nil, nil, err
	}
	if err := t.commit(); err != nil {
		return nil, nil, err
	}
	return b, link, nil
}

// BatchView is what the batch page shows: each contract with its title
// and counterparties, before the signer confirms.
type BatchView struct {
	ID            string          `json:"id"`
	Status        string          `json:"status"`
	DisplayName   string          `json:"display_name"`
	PhoneMasked   string          `json:"phone_masked"`
	IntentMethods []string        `json:"intent_methods"`
	Locked        bool            `json:"locked,omitempty"`
	Contracts     []BatchViewItem `json:"contracts"`
}

// BatchViewItem is one contract on the batch page.
type BatchViewItem struct {
	ContractID     string   `json:"contract_id"`
	Title          string   `json:"title"`
	Role           string   `json:"role,omitempty"`
	Counterparties []string `json:"counterparties"`
	Deadline       string   `json:"deadline,omitempty"`
	Status         string   `json:"status"`
	// CanSign is false when the contract can no longer be signed (Reason
	// says why); confirming signs the others.
	CanSign   bool   `json:"can_sign"`
	Reason    string `json:"reason,omitempty"`
	SignedSM3 string `json:"signed_sm3,omitempty"`
}

// ViewBatch opens a batch link.
func (e *Engine) ViewBatch(tok string) (*BatchView, error) {
	b, err := e.resolveBatch(tok)
	if err != nil {
		return nil, err
	}
	rec, err := e.Identity(b.IdentityID)
	if err != nil {
		return nil, err
	}
	v := &BatchView{ID: b.ID, Status: b.Status, DisplayName: rec.DisplayName, PhoneMasked: rec.PhoneMasked,
		IntentMethods: []string{"sms"}, Locked: b.Holder.Locked}
	if e.cfg.Face != nil {
		v.IntentMethods = append(v.IntentMethods, "face")
	}
	for _, it := range b.Items {
		c, err := e.loadContract(it.ContractID)
		if err != nil {
			return nil, err
		}
		vi := BatchViewItem{ContractID: c.ID, Title: c.Title, Role: c.Parties[it.Party].Role, Status: it.Status,
			Counterparties: []string{}, SignedSM3: it.SignedSM3, Reason: it.Reason}
		for j, p := range c.Parties {
			if j != it.Party {
				vi.Counterparties = append(vi.Counterparties, p.DisplayName)
			}
		}
		if !c.Deadline.IsZero() {
			vi.Deadline = c.Deadline.Format(time.RFC3339)
		}
		if b.Status == BatchOpen {
			vi.Reason = e.signable(c, it.Party)
			vi.CanSign = vi.Reason == ""
		}
		v.Contracts = append(v.Contracts, vi)
	}
	return v, nil
}

// BatchCode texts the batch's signer a code to sign the batch, within the
// link's limits.
func (e *Engine) BatchCode(ctx context.Context, tok string) (*CodeSent, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	b, err := e.resolveBatch(tok)
	if err != nil {
		return nil, err
	}
	if err := e.batchActionable(b); err != nil {
		return nil, err
	}
	p := &b.Holder
	now := e.now().UTC()
	sec, code, salt, err := e.newCode(p, b.IdentityID, now)
	if err != nil {
		return nil, err
	}
	p.OTP = &otpState{Salt: salt, Hash: e.otpMAC(salt, code), Keyed: true, ExpiresAt: now.Add(e.cfg.OTPTTL), Purpose: PurposeSign}
	p.OTPCodes++
	p.OTPRecent = append(p.OTPRecent, now)
	t := e.begin()
	defer t.close()
	if err := t.set(pBatch+b.ID, b); err != nil {
		return nil, err
	}
	if err := t.message(Message{Channel: "sms", To: sec.Phone, Template: "otp",
		Params: map[string]string{"code": code, "batch_id": b.ID, "count": strconv.Itoa(len(b.Items)),
			"purpose": PurposeSign, "ttl_minutes": strconv.Itoa(int(e.cfg.OTPTTL.Minutes()))}}); err != nil {
		return nil, err
	}
	if err := t.commit(); err != nil {
		return nil, err
	}
	return &CodeSent{SentTo: maskPhone(sec.Phone), ExpiresAt: p.OTP.ExpiresAt.Format(time.RFC3339),
		AttemptsLeft: min(e.cfg.OTPMaxAttempts, e.cfg.OTPMaxFailures-p.OTPFailures),
		ResendAfter:  now.Add(e.cfg.OTPCooldown).Format(time.RFC3339),
		CodesLeft:    e.cfg.OTPCodesPerLink - p.OTPCodes}, nil
}

func (e *Engine) batchActionable(b *BatchSign) error {
	if b.Status != BatchOpen {
		err := newErr(http.StatusGone, "link_used", "this batch was already signed at %s", b.SignedAt.Format(time.RFC3339))
		err.Err = ErrLinkUsed
		return err
	}
	if b.Holder.Locked {
		return lockedErr(-1, b.Holder.OTPFailures)
	}
	return nil
}

// BatchResult is the answer to a batch signature.
type BatchResult struct {
	ID        string      `json:"id"`
	Status    string      `json:"status"`
	Signed    int         `json:"signed"`
	Skipped   int         `json:"skipped"`
	Contracts []BatchItem `json:"contracts"`
	IntentTx  string      `json:"intent_tx"`
}

// SignBatch checks the signer's intent once and signs every contract of
// the batch that can still be signed: each gets its own signature and
// contract_signed; one batch_intent_verified names them all.
//
// Effects are ordered as Sign's: every signed document is stored first;
// then one synced batch writes the batch, the contracts and their records.
func (e *Engine) SignBatch(ctx context.Context, tok string, in *SignInput) (*BatchResult, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	b, err := e.resolveBatch(tok)
	if err != nil {
		return nil, err
	}
	if err := e.batchActionable(b); err != nil {
		return nil, err
	}
	// What is still signable; the others are reported as skipped.
	contracts := make([]*Contract, len(b.Items))
	var ids []string
	for k := range b.Items {
		it := &b.Items[k]
		c, err := e.loadContract(it.ContractID)
		if err != nil {
			return nil, err
		}
		contracts[k] = c
		if why := e.signable(c, it.Party); why != "" {
			it.Status, it.Reason = "skipped", why
			continue
		}
		ids = append(ids, c.ID)
	}
	if len(ids) == 0 {
		return nil, wrongState("no contract of batch %s can be signed now", b.ID)
	}
	// The challenge binds the batch and the very set signed.
	bind := "batch\n" + b.ID + "\n" + strings.Join(ids, "\n")
	method, challenge, err := e.verifyIntent(ctx, &b.Holder, -1, bind, in, PurposeSign,
		func(t *txn) error { return t.set(pBatch+b.ID, b) })
	if err != nil {
		return nil, err
	}
	actor, key, rec, _, err := e.actor(b.IdentityID)
	if err != nil {
		return nil, err
	}
	now := e.now().UTC()
	sums := make([][32]byte, len(b.Items))
	for k, it := range b.Items {
		if it.Status == "skipped" {
			continue
		}
		signed, err := e.signDocument(ctx, contracts[k], it.Party, key, rec, now)
		if err != nil {
			return nil, err
		}
		if sums[k], err = e.cfg.Files.Put(ctx, bytes.NewReader(signed)); err != nil {
			return nil, fmt.Errorf("store signed document: %w", err)
		}
	}
	e.crash(StepSignPDFStored, b.ID)
	bi := &chain.BatchIntentVerified{Contracts: ids, Signer: actor.Cert, Method: method, ChallengeHash: challenge,
		VerifiedAt: now.UnixMilli(), VerifierCert: e.cfg.VerifierCert}
	if bi.VerifierSig, err = e.cfg.VerifierKey.Sign(e.rand, bi.AttestationBytes(e.cfg.ChainID)); err != nil {
		return nil, fmt.Errorf("intent attestation: %w", err)
	}
	t := e.begin()
	defer t.close()
	// No lane: sent after every record before it, before any after it.
	h, err := t.enqueueTx(bi, actor, "", "")
	if err != nil {
		return nil, err
	}
	res := &BatchResult{ID: b.ID, IntentTx: h}
	for k := range b.Items {
		it := &b.Items[k]
		if it.Status == "skipped" {
			res.Skipped++
			continue
		}
		c := contracts[k]
		c.Txs = append(c.Txs, h)
		docSM3, err := hex.DecodeString(c.DocSM3)
		if err != nil {
			return nil, err
		}
		party := it.Party
		c.log(now, "batch_intent", &party, b.ID+" "+method.String())
		if err := e.signedLocked(t, c, it.Party, actor, rec, docSM3, sums[k], method, now); err != nil {
			return nil, err
		}
		it.Status, it.SignedSM3 = PartySigned, c.Parties[it.Party].SignedSM3
		res.Signed++
	}
	b.Status, b.SignedAt, b.IntentTx = BatchSigned, now, h
	b.Holder.OTP, b.Holder.LinkUsed = nil, true
	if err := t.set(pBatch+b.ID, b); err != nil {
		return nil, err
	}
	if err := t.commit(); err != nil {
		return nil, err
	}
	e.crash(StepSignStateSaved, b.ID)
	res.Status, res.Contracts = b.Status, b.Items
	return res, nil
}
