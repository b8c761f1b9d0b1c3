package app

import (
	"fmt"
	"slices"
	"time"

	"github.com/emmansun/gmsm/smx509"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/store"
	"github.com/sealchain/sealchain/signer"
)

// The stateful rules. Each check reads state through the block's view (which
// sees earlier txs of the same block) and the block time from the header;
// nothing here reads a clock, a map in iteration order or the network.

func validAt(c *smx509.Certificate, t time.Time, field string) *TxError {
	if t.Before(c.NotBefore) || t.After(c.NotAfter) {
		return reject(CodeCertNotValid, field, "certificate valid %s to %s, block time %s",
			c.NotBefore.UTC().Format(time.RFC3339), c.NotAfter.UTC().Format(time.RFC3339), t.Format(time.RFC3339))
	}
	return nil
}

// hasUsage checks c may sign as u. A TLS certificate never may, whatever
// else it carries: its key lives in a TLS client or server, and its
// registration (cert_issued) only makes it revocable and visible.
func hasUsage(c *smx509.Certificate, u signer.Usage, field string) *TxError {
	if roles := signer.TLSRolesOf(c); len(roles) > 0 {
		return reject(CodeTLSCert, field, "certificate is a TLS %s certificate: it authenticates API connections and cannot sign records, intents or envelopes", roles[0])
	}
	if !slices.Contains(signer.UsagesOf(c), u) {
		return reject(CodeCertIssuer, field, "certificate lacks the %s usage", u)
	}
	return nil
}

// registeredSigner checks a registered certificate is usable at t: not a
// TLS certificate (checked first: it never is, whatever its state), not
// revoked by then, inside its validity period, with the signer usage.
func registeredSigner(cs *chain.CertState, c *smx509.Certificate, t time.Time, field string) *TxError {
	if len(signer.TLSRolesOf(c)) > 0 {
		return hasUsage(c, signer.UsageSigner, field)
	}
	if cs.RevokedBy(t) {
		return reject(CodeCertRevoked, field, "certificate revoked at %s", cs.RevokedAt.Format(time.RFC3339Nano))
	}
	if terr := validAt(c, t, field); terr != nil {
		return terr
	}
	return hasUsage(c, signer.UsageSigner, field)
}

// registeredCredential looks up a submitter credential (the envelope's
// certificate): it must be registered on chain to org.
func registeredCredential(view store.View, fp chain.Fingerprint, org string) (*chain.CertState, *TxError) {
	cs, ok, err := view.Cert(fp)
	if err != nil {
		panic(err) // storage failure: CometBFT must stop
	}
	if !ok {
		return nil, reject(CodeUnknownCredential, "envelope.cert", "credential %s is not registered on chain (genesis credentials, or cert_issued from a registered credential of the organisation)", fp)
	}
	if cs.Org != org {
		return nil, reject(CodeUnknownCredential, "envelope.cert", "credential %s is registered to organisation %q, not %q", fp, cs.Org, org)
	}
	return cs, nil
}

// checkCredentialRegistration: an API credential (submitter usage) is
// registered without an identity: it names an organisation's API client,
// not a person, and carries no other usage.
func checkCredentialRegistration(c *smx509.Certificate, identityRef []byte, field string) *TxError {
	if u := signer.UsagesOf(c); len(u) != 1 || u[0] != signer.UsageSubmitter {
		return reject(CodeCredentialShape, field, "a credential carries the submitter usage only, not %v", u)
	}
	if len(identityRef) > 0 || len(signer.IdentityRefOf(c)) > 0 {
		return reject(CodeCredentialShape, "body.identity_ref", "a credential carries no identity commitment")
	}
	return nil
}

// checkCommon applies the rules every tx shares.
func checkCommon(view store.View, s *signers, h chain.Hash, t time.Time) *TxError {
	if _, seen, err := view.TxLogIndex(h); err != nil {
		panic(err)
	} else if seen {
		return reject(CodeReplay, "tx", "transaction %s was already committed", h)
	}
	if terr := validAt(s.orgCA, t, "org.ca_cert"); terr != nil {
		return terr
	}
	if terr := validAt(s.submitter, t, "envelope.cert"); terr != nil {
		return terr
	}
	if terr := hasUsage(s.submitter, signer.UsageSubmitter, "envelope.cert"); terr != nil {
		return terr
	}
	if s.subState.RevokedBy(t) {
		return reject(CodeCertRevoked, "envelope.cert", "credential revoked at %s", s.subState.RevokedAt.Format(time.RFC3339Nano))
	}
	if s.actor != nil {
		if terr := registeredSigner(s.actorCert, s.actor, t, "actor.cert"); terr != nil {
			return terr
		}
	}
	return nil
}

// openContract loads a contract that must exist, be open, belong to the
// submitting org and be before its deadline.
func openContract(view store.View, id, org string, t time.Time) (*chain.ContractState, *TxError) {
	c, ok, err := view.Contract(id)
	if err != nil {
		panic(err)
	}
	if !ok {
		return nil, reject(CodeUnknownContract, "body.contract_id", "contract %q does not exist", id)
	}
	if c.Org != org {
		return nil, reject(CodePermission, "envelope.org", "contract %q belongs to organisation %q", id, c.Org)
	}
	if terr := mustBeOpen(c, id); terr != nil {
		return nil, terr
	}
	if c.Deadline != 0 && t.Unix() > c.Deadline {
		return nil, reject(CodeDeadlinePassed, "body.contract_id", "contract %q deadline %s has passed",
			id, time.Unix(c.Deadline, 0).UTC().Format(time.RFC3339))
	}
	return c, nil
}

// mustBeOpen refuses a contract that is not open, with the code that says
// what closed it: every record that needs an open contract answers alike.
func mustBeOpen(c *chain.ContractState, id string) *TxError {
	switch c.Status {
	case chain.StatusOpen:
		return nil
	case chain.StatusVoided:
		return reject(CodeContractVoided, "body.contract_id", "contract %q was voided", id)
	case chain.StatusDeclined:
		return reject(CodeContractDeclined, "body.contract_id", "contract %q was declined by a party", id)
	case chain.StatusExpired:
		return reject(CodeContractExpired, "body.contract_id", "contract %q expired", id)
	default:
		return reject(CodeContractClosed, "body.contract_id", "contract %q is %s", id, c.Status)
	}
}

func partyOf(c *chain.ContractState, fp chain.Fingerprint) int {
	return slices.Index(c.Parties, fp)
}

// contractParty is partyOf for a rule: a certificate that is not a party is
// rejected, naming field, the tx field that carried it.
func contractParty(c *chain.ContractState, fp chain.Fingerprint, field, contract string) (int, *TxError) {
	i := partyOf(c, fp)
	if i < 0 {
		return -1, reject(CodeNotParty, field, "certificate %s is not a party of contract %q", fp, contract)
	}
	return i, nil
}

// unsignedParty is contractParty for a party that must not have signed yet.
func unsignedParty(c *chain.ContractState, fp chain.Fingerprint, field, contract string) (int, *TxError) {
	i, terr := contractParty(c, fp, field, contract)
	if terr == nil && c.Signed[i] {
		return -1, reject(CodeAlreadySigned, field, "party %d already signed contract %q", i, contract)
	}
	return i, terr
}

// apply checks the type's rules and, if they hold, stages its state changes
// and appends the record. It returns the log entry.
func (a *App) apply(b *store.Block, txIndex uint32, raw []byte, tx *chain.Tx, s *signers) (*chain.Entry, *TxError) {
	t := b.Time()
	next := b.NextIndex()
	org := tx.Envelope.Org
	var stage func() error

	switch body := tx.Body.(type) {
	case *chain.CertIssued:
		c, fp, terr := a.ver.parse(body.Cert, "body.cert")
		if terr != nil {
			return nil, terr
		}
		if c.IsCA {
			return nil, reject(CodeInvalidField, "body.cert", "a CA certificate cannot be registered as a signer")
		}
		if terr := a.ver.issuedBy(c, fp, s.orgCA, "body.cert"); terr != nil {
			return nil, terr
		}
		if terr := validAt(c, t, "body.cert"); terr != nil {
			return nil, terr
		}
		tlsCert := len(signer.TLSRolesOf(c)) > 0
		credential := !tlsCert && slices.Contains(signer.UsagesOf(c), signer.UsageSubmitter)
		if tlsCert {
			if terr := checkTLSRegistration(c, body); terr != nil {
				return nil, terr
			}
		} else if credential {
			if terr := checkCredentialRegistration(c, body.IdentityRef, "body.cert"); terr != nil {
				return nil, terr
			}
		} else if terr := hasUsage(c, signer.UsageSigner, "body.cert"); terr != nil {
			return nil, terr
		}
		if _, exists, err := b.Cert(fp); err != nil {
			panic(err)
		} else if exists {
			return nil, reject(CodeDuplicate, "body.cert", "certificate %s is already registered", fp)
		}
		if !tlsCert && !credential {
			if terr := a.checkIdentity(b, c, body); terr != nil {
				return nil, terr
			}
		}
		stage = func() error {
			return b.PutCert(fp, &chain.CertState{DER: body.Cert, Org: org, IssuedIn: next})
		}

	case *chain.CertRevoked:
		cs, ok, err := b.Cert(body.Cert)
		if err != nil {
			panic(err)
		}
		if !ok {
			return nil, reject(CodeUnknownCert, "body.cert", "certificate %s is not registered", body.Cert)
		}
		if cs.Org != org {
			return nil, reject(CodePermission, "envelope.org", "certificate %s was issued by organisation %q", body.Cert, cs.Org)
		}
		if cs.Revoked() {
			return nil, reject(CodeCertRevoked, "body.cert", "certificate %s was already revoked at %s", body.Cert, cs.RevokedAt.Format(time.RFC3339Nano))
		}
		stage = func() error {
			cs.RevokedAt, cs.Reason, cs.RevokedIn = t, body.Reason, next
			return b.PutCert(body.Cert, cs)
		}

	case *chain.ContractCreated:
		if s.org.Role != chain.RolePlatform {
			return nil, reject(CodePermission, "envelope.org", "organisation %q (%s) may not create contracts; platforms do", org, s.org.Role)
		}
		if _, exists, err := b.Contract(body.Contract); err != nil {
			panic(err)
		} else if exists {
			return nil, reject(CodeDuplicate, "body.contract_id", "contract %q already exists", body.Contract)
		}
		if body.Deadline != 0 && t.Unix() >= body.Deadline {
			return nil, reject(CodeDeadlinePassed, "body.deadline", "deadline is not after the block time %s", t.Format(time.RFC3339))
		}
		for i, p := range body.Parties {
			field := fmt.Sprintf("body.parties[%d]", i)
			cs, ok, err := b.Cert(p)
			if err != nil {
				panic(err)
			}
			if !ok {
				return nil, reject(CodeUnknownCert, field, "certificate %s is not registered", p)
			}
			c, _, terr := a.ver.parse(cs.DER, field)
			if terr != nil {
				return nil, terr
			}
			if terr := registeredSigner(cs, c, t, field); terr != nil {
				return nil, terr
			}
		}
		stage = func() error {
			n := len(body.Parties)
			return b.PutContract(&chain.ContractState{
				ID: body.Contract, Org: org, DocSM3: body.DocSM3, Parties: body.Parties,
				Order: body.Order, Deadline: body.Deadline, Status: chain.StatusOpen,
				Signed: make([]bool, n), Intent: make([]bool, n), CreatedIn: next,
			})
		}

	case *chain.IntentVerified:
		if body.Signer != s.actorFP {
			return nil, reject(CodeInvalidField, "body.signer", "must equal actor.cert: the signer signs their own intent record")
		}
		c, terr := openContract(b.View, body.Contract, org, t)
		if terr != nil {
			return nil, terr
		}
		i, terr := contractParty(c, body.Signer, "body.signer", body.Contract)
		if terr != nil {
			return nil, terr
		}
		if terr := usableVerifier(s, t); terr != nil {
			return nil, terr
		}
		stage = func() error {
			c.Intent[i] = true
			return b.PutContract(c)
		}

	case *chain.ContractSigned:
		c, terr := openContract(b.View, body.Contract, org, t)
		if terr != nil {
			return nil, terr
		}
		i, terr := unsignedParty(c, s.actorFP, "actor.cert", body.Contract)
		if terr != nil {
			return nil, terr
		}
		if string(body.DocSM3) != string(c.DocSM3) {
			return nil, reject(CodeDocMismatch, "body.doc_sm3", "%x is not the contract's document %x", body.DocSM3, c.DocSM3)
		}
		if c.Order == chain.OrderSequential {
			for j := 0; j < i; j++ {
				if !c.Signed[j] {
					return nil, reject(CodeOutOfOrder, "actor.cert", "party %d must sign before party %d", j, i)
				}
			}
		}
		if !c.Intent[i] {
			return nil, reject(CodeNoIntent, "actor.cert", "no intent record for party %d of contract %q", i, body.Contract)
		}
		if len(body.Seal) > 0 {
			if terr := checkSeal(b.View, body.Seal, s, t); terr != nil {
				return nil, terr
			}
		}
		stage = func() error {
			c.Signed[i] = true
			if c.AllSigned() {
				c.Status = chain.StatusSigned
			}
			return b.PutContract(c)
		}

	case *chain.ContractCompleted:
		c, ok, err := b.Contract(body.Contract)
		if err != nil {
			panic(err)
		}
		if !ok {
			return nil, reject(CodeUnknownContract, "body.contract_id", "contract %q does not exist", body.Contract)
		}
		if c.Org != org {
			return nil, reject(CodePermission, "envelope.org", "contract %q belongs to organisation %q", body.Contract, c.Org)
		}
		// Only a contract every party signed can complete: a declined,
		// voided or expired one lacks signatures, and the offline verifier
		// would reject its bundle for ever (evidence/subject.go).
		switch c.Status {
		case chain.StatusSigned:
		case chain.StatusOpen:
			return nil, reject(CodeNotAllSigned, "body.contract_id", "contract %q still waits for signatures", body.Contract)
		case chain.StatusCompleted:
			return nil, reject(CodeContractClosed, "body.contract_id", "contract %q is already completed", body.Contract)
		case chain.StatusDeclined:
			return nil, reject(CodeContractDeclined, "body.contract_id", "contract %q was declined by a party; it cannot complete", body.Contract)
		case chain.StatusVoided:
			return nil, reject(CodeContractVoided, "body.contract_id", "contract %q was voided; it cannot complete", body.Contract)
		case chain.StatusExpired:
			return nil, reject(CodeContractExpired, "body.contract_id", "contract %q expired; it cannot complete", body.Contract)
		default:
			return nil, reject(CodeContractClosed, "body.contract_id", "contract %q is %s; only a contract every party signed can complete", body.Contract, c.Status)
		}
		if !c.AllSigned() {
			// Status Signed implies it; checked again because the app
			// hash must never record a completion without every signature.
			return nil, reject(CodeNotAllSigned, "body.contract_id", "contract %q still waits for signatures", body.Contract)
		}
		stage = func() error {
			c.Status = chain.StatusCompleted
			return b.PutContract(c)
		}

	case *chain.ContractSent, *chain.ContractViewed, *chain.ContractDeclined, *chain.ContractVoided,
		*chain.ContractReminded, *chain.ContractRenewed, *chain.ContractExpired:
		var terr *TxError
		if stage, terr = applyLifecycle(b, org, s, body, next, t); terr != nil {
			return nil, terr
		}

	case *chain.Anchored:
		var terr *TxError
		if stage, terr = a.applyAnchored(b, org, body, next); terr != nil {
			return nil, terr
		}

	case *chain.ReportIssued:
		if _, ok, err := b.Contract(body.Contract); err != nil {
			panic(err)
		} else if !ok {
			return nil, reject(CodeUnknownContract, "body.contract_id", "contract %q does not exist", body.Contract)
		}
		stage = func() error { return nil }

	case *chain.QueryLogged:
		// The serving node's organisation vouches for the log line with its
		// envelope; the caller must be a registered organisation.
		if _, ok, err := b.Org(body.CallerOrg); err != nil {
			panic(err)
		} else if !ok {
			return nil, reject(CodeUnknownOrg, "body.caller_org", "organisation %q is not registered", body.CallerOrg)
		}
		stage = func() error { return nil }

	case *chain.SealRegistered:
		if _, exists, err := b.Seal(body.Seal); err != nil {
			panic(err)
		} else if exists {
			return nil, reject(CodeDuplicate, "body.seal", "seal %x is already registered", body.Seal)
		}
		if !body.Owner.IsZero() {
			cs, ok, err := b.Cert(body.Owner)
			if err != nil {
				panic(err)
			}
			if !ok {
				return nil, reject(CodeUnknownCert, "body.owner", "certificate %s is not registered", body.Owner)
			}
			if cs.Org != org {
				return nil, reject(CodePermission, "body.owner", "certificate %s belongs to organisation %q", body.Owner, cs.Org)
			}
		}
		stage = func() error {
			return b.PutSeal(body.Seal, &chain.SealState{Org: org, Kind: body.Kind, Owner: body.Owner,
				ValidFrom: body.ValidFrom, ValidTo: body.ValidTo, RegisteredIn: next})
		}

	case *chain.IdentityVerified:
		if terr := usableVerifier(s, t); terr != nil {
			return nil, terr
		}
		if _, exists, err := b.Identity(body.IdentityRef); err != nil {
			panic(err)
		} else if exists {
			return nil, reject(CodeDuplicate, "body.identity_ref", "identity %x is already verified", body.IdentityRef)
		}
		stage = func() error {
			return b.PutIdentity(body.IdentityRef, &chain.IdentityState{Org: org, VerifiedIn: next})
		}

	case *chain.Proposal:
		var terr *TxError
		if stage, terr = a.applyProposal(b, org, body, next); terr != nil {
			return nil, terr
		}

	case *chain.Vote:
		var terr *TxError
		if stage, terr = a.applyVote(b, org, body, next); terr != nil {
			return nil, terr
		}

	default:
		return nil, reject(CodeUnknownType, "type", "no rules for record type %s", tx.Body.Type())
	}

	if err := stage(); err != nil {
		panic(err)
	}
	en, err := b.Append(txIndex, raw, tx)
	if err != nil {
		panic(err)
	}
	return en, nil
}

// checkTLSRegistration: a TLS certificate is registered (so it can be
// revoked on chain and a court can see every credential that may query) only
// in the shape CA.IssueTLS gives it, and without an identity: it names an
// API client or server, not a person. Its key can never sign (hasUsage).
func checkTLSRegistration(c *smx509.Certificate, body *chain.CertIssued) *TxError {
	if _, err := signer.CheckTLSLeaf(c); err != nil {
		return reject(CodeTLSCertShape, "body.cert", "%v", err)
	}
	if len(body.IdentityRef) > 0 || len(signer.IdentityRefOf(c)) > 0 {
		return reject(CodeTLSCertShape, "body.identity_ref", "a TLS certificate carries no identity commitment")
	}
	return nil
}

// checkIdentity binds a signer certificate to a verified identity: the
// commitment in the certificate's extension and in the record must agree,
// and an identity-verified record must exist for it. Chains whose genesis
// requires identity refuse certificates without one.
func (a *App) checkIdentity(b *store.Block, c *smx509.Certificate, body *chain.CertIssued) *TxError {
	ext := signer.IdentityRefOf(c)
	ref := body.IdentityRef
	switch {
	case len(ext) > 0 && len(ref) > 0 && string(ext) != string(ref):
		return reject(CodeInvalidField, "body.identity_ref", "differs from the certificate's identity commitment")
	case len(ref) == 0:
		ref = ext
	}
	if len(ref) == 0 {
		p, err := b.Params()
		if err != nil {
			panic(err)
		}
		if p.RequireIdentity {
			return reject(CodeUnknownIdentity, "body.cert", "certificate carries no identity commitment; this chain requires a verified identity for every signer")
		}
		return nil
	}
	if _, ok, err := b.Identity(ref); err != nil {
		panic(err)
	} else if !ok {
		return reject(CodeUnknownIdentity, "body.identity_ref", "no identity-verified record for %x", ref)
	}
	return nil
}

// checkSeal: a seal used in a signature is registered, valid at block time,
// and the signer's own (a personal seal) or its organisation's.
func checkSeal(view store.View, h []byte, s *signers, t time.Time) *TxError {
	st, ok, err := view.Seal(h)
	if err != nil {
		panic(err)
	}
	switch {
	case !ok:
		return reject(CodeUnknownSeal, "body.seal", "seal %x is not registered", h)
	case t.Unix() < st.ValidFrom || t.Unix() > st.ValidTo:
		return reject(CodeUnknownSeal, "body.seal", "seal %x is not valid at the block time", h)
	case !st.Owner.IsZero() && st.Owner != s.actorFP:
		return reject(CodeUnknownSeal, "body.seal", "seal %x belongs to certificate %s", h, st.Owner)
	case st.Owner.IsZero() && st.Org != s.actorCert.Org:
		return reject(CodeUnknownSeal, "body.seal", "organisation seal %x is %q's, the signer's certificate is %q's", h, st.Org, s.actorCert.Org)
	}
	return nil
}

// usableVerifier: an attestation's verifier certificate and its CA are valid
// at the block time and the certificate has the verifier usage.
func usableVerifier(s *signers, t time.Time) *TxError {
	if terr := validAt(s.verOrgCA, t, "body.verifier_cert"); terr != nil {
		return terr
	}
	if terr := validAt(s.verifier, t, "body.verifier_cert"); terr != nil {
		return terr
	}
	return hasUsage(s.verifier, signer.UsageIntentVerifier, "body.verifier_cert")
}
