package chain

import (
	"fmt"
	"slices"
	"time"

	"github.com/emmansun/gmsm/smx509"

	"github.com/sealchain/sealchain/signer"
)

// The stateful rules, one source for the chain (FinalizeBlock) and the
// offline verifier (evidence). Each record type's rule is its Apply method
// (record_<kind>.go; Body requires it, so a type without a rule does not
// compile): it reads state through a StateView and the block time
// from the RuleContext, and returns the state writes it makes (Effects)
// instead of writing, so the caller decides where they land: the app's
// block, or the verifier's MemState. Nothing here reads a clock, a map in
// iteration order or the network.

// RuleContext is what a rule knows besides the state: the block, the record
// and the certificates its signatures were verified with.
type RuleContext struct {
	// Version is the rules version in force at Height (upgrade.go;
	// InitialRulesVersion until governance schedules another). A rule
	// that changed checks it, so older blocks replay under the rules they
	// were made with (case.go issue: document numbers from RulesVersion4).
	Version uint32
	ChainID string
	Height  int64
	Time    time.Time // the block time, UTC
	// Next is the log index the record gets if the rule holds.
	Next uint64
	// Org is the submitting organisation (the envelope's).
	Org     string
	Signers *Signers
	// Certs parses certificates and checks CA signatures (the app caches).
	Certs CertChecker
	// Anchoring is genesis app_state.anchoring; nil refuses anchored
	// records (Anchored.Apply).
	Anchoring *GenesisAnchoring
}

// Signers are the certificates a tx's signatures were made with, resolved
// against state before the rule runs; rules check them against block time.
type Signers struct {
	Org            *Org
	OrgCA          *smx509.Certificate
	Submitter      *smx509.Certificate
	SubmitterState *CertState // the submitter credential's registration
	Actor          *smx509.Certificate
	ActorFP        Fingerprint
	ActorState     *CertState
	Verifier       *smx509.Certificate // intent or identity verifier
	VerifierCA     *smx509.Certificate
}

// CertChecker parses certificates and checks that a CA issued one, with
// the rejection a rule returns.
type CertChecker interface {
	Parse(der []byte, field string) (*smx509.Certificate, Fingerprint, *TxError)
	IssuedBy(leaf *smx509.Certificate, leafFP Fingerprint, ca *smx509.Certificate, field string) *TxError
}

// PlainCerts is a CertChecker without a cache.
type PlainCerts struct{}

// Parse parses a DER certificate.
func (PlainCerts) Parse(der []byte, field string) (*smx509.Certificate, Fingerprint, *TxError) {
	fp := FingerprintOf(der)
	c, err := signer.ParseCertificate(der)
	if err != nil {
		return nil, fp, &TxError{Code: CodeBadCert, Field: field, Msg: err.Error(), Err: err}
	}
	return c, fp, nil
}

// IssuedBy checks that the names chain and ca's signature on leaf verifies.
func (PlainCerts) IssuedBy(leaf *smx509.Certificate, _ Fingerprint, ca *smx509.Certificate, field string) *TxError {
	if string(leaf.RawIssuer) != string(ca.RawSubject) {
		return Reject(CodeCertIssuer, field, "issuer %q is not the CA %q", leaf.Issuer, ca.Subject)
	}
	if err := leaf.CheckSignatureFrom(ca); err != nil {
		return &TxError{Code: CodeCertIssuer, Field: field, Msg: "CA signature does not verify: " + err.Error(), Err: err}
	}
	return nil
}

// Effect is one state write a rule returns.
type Effect interface {
	applyTo(w StateWriter) error
}

// Effects are a rule's state writes in order.
type Effects []Effect

// Apply makes the writes on w in order.
func (es Effects) Apply(w StateWriter) error {
	for _, e := range es {
		if err := e.applyTo(w); err != nil {
			return err
		}
	}
	return nil
}

// ChangesSigners reports whether the writes may change what a later
// record's signers resolve to (certificates, organisations, verifiers):
// any write but a contract's, a seal's, an identity's or an anchor's, so a
// write type added later counts until it is listed here. The app resolves
// a batch's signers once and again only after such a write.
func (es Effects) ChangesSigners() bool {
	for _, e := range es {
		switch e.(type) {
		case ContractWrite, SealWrite, IdentityWrite, AnchorWrite:
		default:
			return true
		}
	}
	return false
}

// CertWrite registers or updates a certificate.
type CertWrite struct {
	FP    Fingerprint
	State *CertState
}

// ContractWrite writes a contract's state.
type ContractWrite struct{ State *ContractState }

// SealWrite registers a seal.
type SealWrite struct {
	Seal  []byte
	State *SealState
}

// IdentityWrite records a verified identity.
type IdentityWrite struct {
	Ref   []byte
	State *IdentityState
}

func (e CertWrite) applyTo(w StateWriter) error     { return w.PutCert(e.FP, e.State) }
func (e ContractWrite) applyTo(w StateWriter) error { return w.PutContract(e.State) }
func (e SealWrite) applyTo(w StateWriter) error     { return w.PutSeal(e.Seal, e.State) }
func (e IdentityWrite) applyTo(w StateWriter) error { return w.PutIdentity(e.Ref, e.State) }

// must stops on a state read failure: see StateView.
func must(err error) {
	if err != nil {
		panic(fmt.Errorf("state view: %w", err))
	}
}

// CheckCommon applies the rules every tx shares: not a replay (none of
// keys, the record's RecordKeys, committed), the org CA, the submitter
// credential and the actor's certificate usable at block time.
func CheckCommon(v StateView, c *RuleContext, keys ...Hash) *TxError {
	s, t := c.Signers, c.Time
	for _, h := range keys {
		_, seen, err := v.TxLogIndex(h)
		must(err)
		if seen {
			return Reject(CodeReplay, "tx", "transaction %s was already committed", h)
		}
	}
	if terr := validAt(s.OrgCA, t, "org.ca_cert"); terr != nil {
		return terr
	}
	if terr := validAt(s.Submitter, t, "envelope.cert"); terr != nil {
		return terr
	}
	if terr := HasUsage(s.Submitter, signer.UsageSubmitter, "envelope.cert"); terr != nil {
		return terr
	}
	if s.SubmitterState.RevokedBy(t) {
		return Reject(CodeCertRevoked, "envelope.cert", "credential revoked at %s", s.SubmitterState.RevokedAt.Format(time.RFC3339Nano))
	}
	if s.Actor != nil {
		if terr := registeredSigner(s.ActorState, s.Actor, t, "actor.cert"); terr != nil {
			return terr
		}
	}
	return nil
}

func validAt(c *smx509.Certificate, t time.Time, field string) *TxError {
	if t.Before(c.NotBefore) || t.After(c.NotAfter) {
		return Reject(CodeCertNotValid, field, "certificate valid %s to %s, block time %s",
			c.NotBefore.UTC().Format(time.RFC3339), c.NotAfter.UTC().Format(time.RFC3339), t.Format(time.RFC3339))
	}
	return nil
}

// HasUsage checks c may sign as u. A TLS certificate never may, whatever
// else it carries: its key lives in a TLS client or server, and its
// registration (cert_issued) only makes it revocable and visible.
func HasUsage(c *smx509.Certificate, u signer.Usage, field string) *TxError {
	if roles := signer.TLSRolesOf(c); len(roles) > 0 {
		return Reject(CodeTLSCert, field, "certificate is a TLS %s certificate: it authenticates API connections and cannot sign records, intents or envelopes", roles[0])
	}
	if !slices.Contains(signer.UsagesOf(c), u) {
		return Reject(CodeCertIssuer, field, "certificate lacks the %s usage", u)
	}
	return nil
}

// registeredSigner checks a registered certificate is usable at t: not a
// TLS certificate (checked first: it never is, whatever its state), not
// revoked by then, inside its validity period, with the signer usage.
func registeredSigner(cs *CertState, c *smx509.Certificate, t time.Time, field string) *TxError {
	if len(signer.TLSRolesOf(c)) > 0 {
		return HasUsage(c, signer.UsageSigner, field)
	}
	if cs.RevokedBy(t) {
		return Reject(CodeCertRevoked, field, "certificate revoked at %s", cs.RevokedAt.Format(time.RFC3339Nano))
	}
	if terr := validAt(c, t, field); terr != nil {
		return terr
	}
	return HasUsage(c, signer.UsageSigner, field)
}

// CheckCredentialRegistration: an API credential (submitter usage) is
// registered without an identity: it names an organisation's API client,
// not a person, and carries no other usage.
func CheckCredentialRegistration(c *smx509.Certificate, identityRef []byte, field string) *TxError {
	if u := signer.UsagesOf(c); len(u) != 1 || u[0] != signer.UsageSubmitter {
		return Reject(CodeCredentialShape, field, "a credential carries the submitter usage only, not %v", u)
	}
	if len(identityRef) > 0 || len(signer.IdentityRefOf(c)) > 0 {
		return Reject(CodeCredentialShape, "body.identity_ref", "a credential carries no identity commitment")
	}
	return nil
}

// openContract loads a contract that must exist, be open, belong to the
// submitting org and be before its deadline.
func openContract(v StateView, id, org string, t time.Time) (*ContractState, *TxError) {
	c, ok, err := v.Contract(id)
	must(err)
	if !ok {
		return nil, Reject(CodeUnknownContract, "body.contract_id", "contract %q does not exist", id)
	}
	if c.Org != org {
		return nil, Reject(CodePermission, "envelope.org", "contract %q belongs to organisation %q", id, c.Org)
	}
	if terr := mustBeOpen(c, id); terr != nil {
		return nil, terr
	}
	if c.Deadline != 0 && t.Unix() > c.Deadline {
		return nil, Reject(CodeDeadlinePassed, "body.contract_id", "contract %q deadline %s has passed",
			id, time.Unix(c.Deadline, 0).UTC().Format(time.RFC3339))
	}
	return c, nil
}

// mustBeOpen refuses a contract that is not open, with the code that says
// what closed it: every record that needs an open contract answers alike.
func mustBeOpen(c *ContractState, id string) *TxError {
	switch c.Status {
	case StatusOpen:
		return nil
	case StatusVoided:
		return Reject(CodeContractVoided, "body.contract_id", "contract %q was voided", id)
	case StatusDeclined:
		return Reject(CodeContractDeclined, "body.contract_id", "contract %q was declined by a party", id)
	case StatusExpired:
		return Reject(CodeContractExpired, "body.contract_id", "contract %q expired", id)
	default:
		return Reject(CodeContractClosed, "body.contract_id", "contract %q is %s", id, c.Status)
	}
}

// ownContract loads a contract that must exist and belong to org, in any status.
func ownContract(v StateView, id, org, field string) (*ContractState, *TxError) {
	c, ok, err := v.Contract(id)
	must(err)
	if !ok {
		return nil, Reject(CodeUnknownContract, field, "contract %q does not exist", id)
	}
	if c.Org != org {
		return nil, Reject(CodePermission, "envelope.org", "contract %q belongs to organisation %q", id, c.Org)
	}
	return c, nil
}

// sentContract is openContract for a contract that must also have been sent.
func sentContract(v StateView, id, org string, t time.Time) (*ContractState, *TxError) {
	c, terr := openContract(v, id, org, t)
	if terr != nil {
		return nil, terr
	}
	if !c.Sent {
		return nil, Reject(CodeNotSent, "body.contract_id", "contract %q has not been sent", id)
	}
	return c, nil
}

// contractParty finds a party: a certificate that is not a party is
// rejected, naming field, the tx field that carried it.
func contractParty(c *ContractState, fp Fingerprint, field, contract string) (int, *TxError) {
	i := slices.Index(c.Parties, fp)
	if i < 0 {
		return -1, Reject(CodeNotParty, field, "certificate %s is not a party of contract %q", fp, contract)
	}
	return i, nil
}

// unsignedParty is contractParty for a party that must not have signed yet.
func unsignedParty(c *ContractState, fp Fingerprint, field, contract string) (int, *TxError) {
	i, terr := contractParty(c, fp, field, contract)
	if terr == nil && c.Signed[i] {
		return -1, Reject(CodeAlreadySigned, field, "party %d already signed contract %q", i, contract)
	}
	return i, terr
}

// usableVerifier: an attestation's verifier certificate and its CA are valid
// at the block time and the certificate has the verifier usage.
func usableVerifier(s *Signers, t time.Time) *TxError {
	if terr := validAt(s.VerifierCA, t, "body.verifier_cert"); terr != nil {
		return terr
	}
	if terr := validAt(s.Verifier, t, "body.verifier_cert"); terr != nil {
		return terr
	}
	return HasUsage(s.Verifier, signer.UsageIntentVerifier, "body.verifier_cert")
}

// RecordKeys are the replay-guard keys of a record committed under rules
// version, which a lookup by record hash also answers: a standalone tx's
// TxHash of its bytes, and from BatchRulesVersion on also its item hash, so
// one signed item lands once whether it comes alone or in a batch; a
// batched record's item hash. raw is the record's bytes (Entry.Tx).
//
// A record committed under version 1 has only its tx hash: a chain that
// upgrades to version 2 does not index its earlier items, so an item
// committed alone before the upgrade is not refused as a replay in a batch
// after it (the state rules still refuse what it would change twice).
func RecordKeys(raw []byte, tx *Tx, version uint32) []Hash {
	switch {
	case tx.Batched != nil:
		return []Hash{tx.ItemHash()}
	case version >= BatchRulesVersion:
		return []Hash{TxHash(raw), tx.ItemHash()}
	default:
		return []Hash{TxHash(raw)}
	}
}
