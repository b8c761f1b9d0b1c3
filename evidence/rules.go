package evidence

import (
	"slices"

	"github.com/emmansun/gmsm/smx509"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/signer"
)

// The offline verifier runs the chain's own record rules (chain, each
// record type's Apply, and chain.CheckCommon) over the state it rebuilds
// from the bundle: it replays the records in log order into a
// chain.MemState seeded from the trusted genesis, applying each record's
// rule and, when the rule holds, its state writes. A rejection is reported
// under the check that names what it is about (ruleCheck), so a bundle the
// chain's rules could not have produced fails offline with the same rule.
//
// Not checked offline, because a bundle cannot hold the facts their rules
// need: proposals and votes (governance, tallied by passedProposals over
// the genesis organisations' weights), anchored records (anchors.go checks
// them), query_logged (its caller may be an organisation governance
// added), registrations whose facts a bundle need not carry (inBundle),
// and any record whose signers the verifier cannot resolve (an
// organisation neither in the genesis nor registered by a passed
// register_org proposal in the bundle, an actor without a cert_issued
// record in the bundle, a verifier not issued by a known organisation's
// CA): its signatures check fails, or it is a vote counted for nothing.
// An organisation a passed register_org proposal in the bundle registered
// is put in the state, with the proposal's credentials, at the record that
// passed it (orgRegistrations), as the chain does. The credential of a
// standalone tx that governance registered is not in the bundle either:
// its cert_revoked record is not checked, and the envelope of a record it
// submitted is treated as not revoked (checkSignatures still checks its CA
// and validity). A batched record names its credential by fingerprint, so
// the bundle carries its registration: a credential a passed
// register_credentials proposal in the bundle registered is put in the
// state at the record that passed it (replayState.governance), and its
// revocations replay.

// certCache is the chain.CertChecker of one verification: each distinct
// certificate is parsed, and each (leaf, CA) signature checked, once, so a
// hostile bundle of many records naming the same parties costs map lookups.
type certCache struct {
	parsed map[string]parsedCert
	issued map[[2]chain.Fingerprint]*chain.TxError
}

type parsedCert struct {
	cert *smx509.Certificate
	fp   chain.Fingerprint
	terr *chain.TxError
}

func newCertCache() *certCache {
	return &certCache{parsed: map[string]parsedCert{}, issued: map[[2]chain.Fingerprint]*chain.TxError{}}
}

func (c *certCache) Parse(der []byte, field string) (*smx509.Certificate, chain.Fingerprint, *chain.TxError) {
	p, ok := c.parsed[string(der)]
	if !ok {
		p.cert, p.fp, p.terr = chain.PlainCerts{}.Parse(der, field)
		c.parsed[string(der)] = p
	}
	if p.terr != nil {
		return nil, p.fp, &chain.TxError{Code: p.terr.Code, Field: field, Msg: p.terr.Msg, Err: p.terr.Err}
	}
	return p.cert, p.fp, nil
}

func (c *certCache) IssuedBy(leaf *smx509.Certificate, leafFP chain.Fingerprint, ca *smx509.Certificate, field string) *chain.TxError {
	key := [2]chain.Fingerprint{leafFP, chain.FingerprintOf(ca.Raw)}
	terr, ok := c.issued[key]
	if !ok {
		terr = chain.PlainCerts{}.IssuedBy(leaf, leafFP, ca, field)
		c.issued[key] = terr
	}
	if terr != nil {
		return &chain.TxError{Code: terr.Code, Field: field, Msg: terr.Msg, Err: terr.Err}
	}
	return nil
}

// replayState is the replay's state and certificate cache.
type replayState struct {
	*chain.MemState
	certs *certCache
	// governance are the credentials passed register_credentials
	// proposals in the bundle registered, by the log index that passed them.
	governance map[uint64][]govCred
	// orgs are the organisations known: the genesis's and those passed
	// register_org proposals in the bundle registered, put in the state
	// at the record that passed them.
	orgs *orgSet
	// batchedFrom is the lowest height of a batched record in the bundle,
	// 0 if none: from there on the rules version was at least
	// BatchRulesVersion, since versions only rise.
	batchedFrom int64
	// casesFrom is the lowest height of a case record (types 21-28) in the
	// bundle, 0 if none: from there on the version was at least
	// CaseRulesVersion.
	casesFrom int64
	// genesisVersion is the rules version the trusted genesis starts at.
	genesisVersion uint32
}

// observe notes what d shows of the rules version at its height; the
// verifier calls it for every record before the replay.
func (st *replayState) observe(d *decoded) {
	lower := func(from *int64) {
		if *from == 0 || d.entry.Height < *from {
			*from = d.entry.Height
		}
	}
	if d.tx.Batched != nil {
		lower(&st.batchedFrom)
	}
	if since, _ := d.tx.Body.Type().Since(); since >= chain.CaseRulesVersion {
		lower(&st.casesFrom)
	}
}

// version is the rules version d ran under as far as the trust and the
// bundle show: the genesis's (rules_version), or CaseRulesVersion for a
// case record and any record at or after one's height, or
// BatchRulesVersion for a batched record and any record at or after one's
// height (an upgrade moved the chain there; the bundle does not name
// upgrades), else InitialRulesVersion. The versions differ in the keys a
// record is refused as a replay by (chain.RecordKeys) and, from
// RulesVersion4, in the uniqueness of an institution's document numbers.
// The version found is never above the one the chain ran, and the replay
// state holds only the bundle's cases, so the replay never refuses a
// number the chain accepted; the chain alone sees every number.
func (st *replayState) version(d *decoded) uint32 {
	v := max(st.genesisVersion, chain.InitialRulesVersion)
	if d.tx.Batched != nil || st.batchedFrom > 0 && d.entry.Height >= st.batchedFrom {
		v = max(v, chain.BatchRulesVersion)
	}
	if st.casesFrom > 0 && d.entry.Height >= st.casesFrom {
		v = max(v, chain.CaseRulesVersion)
	}
	return v
}

// genesisState is the state at genesis as far as the trust holds it: the
// organisations, their API credentials, the verifiers and the params; orgs
// adds governance's organisations as the replay reaches them.
func (v *Verifier) genesisState(orgs *orgSet) *replayState {
	m := chain.NewMemState()
	for _, o := range v.trust.Orgs {
		m.PutOrg(o)
		for _, der := range v.trust.Credentials[o.ID] {
			m.PutCert(chain.FingerprintOf(der), &chain.CertState{DER: der, Org: o.ID, IssuedIn: chain.IssuedAtGenesis})
		}
	}
	for _, fp := range v.trust.Verifiers {
		m.PutVerifier(fp, &chain.VerifierState{})
	}
	m.PutParams(&chain.Params{RequireIdentity: v.trust.RequireIdentity})
	return &replayState{MemState: m, certs: newCertCache(), genesisVersion: v.trust.RulesVersion, orgs: orgs}
}

// replay runs d's rule over m and applies its writes when it holds. d is
// the next record in log order.
func (v *Verifier) replay(st *replayState, d *decoded) {
	m := st.MemState
	for _, g := range st.orgs.passedIn[d.entry.Index] {
		// As the chain's register_org: the organisation and its
		// credentials, issued in the record that passed it.
		m.PutOrg(g.org)
		for _, der := range g.creds {
			if fp := chain.FingerprintOf(der); !certKnown(m, fp) {
				m.PutCert(fp, &chain.CertState{DER: der, Org: g.org.ID, IssuedIn: d.entry.Index})
			}
		}
	}
	for _, c := range st.governance[d.entry.Index] {
		if _, known, _ := m.Cert(c.fp); !known {
			m.PutCert(c.fp, &chain.CertState{DER: c.der, Org: c.org, IssuedIn: d.entry.Index})
		}
	}
	keys := chain.RecordKeys(d.entry.Tx, d.tx, st.version(d))
	defer func() { // in the log whatever the rule says
		for _, h := range keys {
			m.AddTx(h, d.entry.Index)
		}
	}()
	body := d.tx.Body
	switch body.(type) {
	case *chain.Proposal, *chain.Vote, *chain.QueryLogged, *chain.Anchored:
		return // not checkable offline (above); anchored: anchors.go
	}
	if !inBundle(m, body) {
		return
	}
	rc := v.ruleContext(st, d)
	if rc == nil {
		return
	}
	terr := chain.CheckCommon(m, rc, keys...)
	var effects chain.Effects
	if bi, ok := body.(*chain.BatchIntentVerified); ok && terr == nil {
		// A batch intent is in the bundle of each contract it names; the
		// others' records are not, so its rule runs for the contracts the
		// bundle holds. A contract it does not name gets no intent.
		effects, terr = bi.ApplySome(m, rc, func(id string) bool { _, known, _ := m.Contract(id); return known })
	} else if terr == nil {
		effects, terr = body.Apply(m, rc)
	}
	if terr != nil {
		d.rule = terr
		return
	}
	d.ruled = true
	if err := effects.Apply(m); err != nil {
		panic(err) // MemState never fails
	}
}

// inBundle reports whether the facts body's rule looks up can be in the
// bundle. Assemble carries the certificate, identity and seal records of
// the records' actors and parties, and nothing else: a registration whose
// certificate, identity or owner no record acts with may lack them (and
// did not matter to any record in the bundle).
func inBundle(m *chain.MemState, body chain.Body) bool {
	switch b := body.(type) {
	case *chain.CertRevoked:
		// A credential governance registered leaves no record.
		_, known, _ := m.Cert(b.Cert)
		return known
	case *chain.CertIssued:
		// Only a signer certificate's rule looks its identity up
		// (CertIssued.checkIdentity); TLS certificates and credentials
		// are refused any.
		c, err := signer.ParseCertificate(b.Cert)
		if err != nil || len(signer.TLSRolesOf(c)) > 0 || slices.Contains(signer.UsagesOf(c), signer.UsageSubmitter) {
			return true
		}
		ref := b.Identity(c)
		if len(ref) == 0 {
			return true
		}
		_, known, _ := m.Identity(ref)
		return known
	case *chain.SealRegistered:
		if b.Owner.IsZero() {
			return true
		}
		_, known, _ := m.Cert(b.Owner)
		return known
	case *chain.CaseFiled:
		// A case over several contracts is in the bundle of each; the
		// others' records are not, so its rule is checked only in a bundle
		// that holds every contract it names.
		for _, id := range b.Contracts {
			if _, known, _ := m.Contract(id); !known {
				return false
			}
		}
		return true
	case *chain.CaseDocketed:
		_, known, _ := m.Case(b.Case)
		return known
	case *chain.CaseFilingWithdrawn:
		_, known, _ := m.Case(b.Case)
		return known
	}
	return true
}

// ruleContext resolves d's signers against m as the app does before its
// rules run, or returns nil when the bundle cannot.
func (v *Verifier) ruleContext(st *replayState, d *decoded) *chain.RuleContext {
	m, certs := st.MemState, st.certs
	tx := d.tx
	org, orgCA := st.orgs.lookup(tx.Envelope.Org, d.entry.Index)
	if org == nil {
		return nil
	}
	s := &chain.Signers{Org: org, OrgCA: orgCA}
	var terr *chain.TxError
	if tx.Batched != nil {
		// A batched record names its credential: the replay has its
		// registration (genesis, cert_issued or a passed proposal in the
		// bundle) or checkSignatures has failed the record already.
		cs, ok, _ := m.Cert(tx.Batched.Cert)
		if !ok || cs.Org != org.ID {
			return nil
		}
		sub, _, perr := certs.Parse(cs.DER, "batch.cert")
		if perr != nil {
			return nil
		}
		s.Submitter, s.SubmitterState = sub, cs
	} else {
		sub, subFP, perr := certs.Parse(tx.Envelope.Cert, "envelope.cert")
		if perr != nil {
			return nil
		}
		s.Submitter = sub
		if cs, ok, _ := m.Cert(subFP); ok {
			s.SubmitterState = cs
		} else {
			// The gap of standalone txs: their credential's registration
			// need not be in the bundle (docs/evidence-bundle.md, "Limits").
			s.SubmitterState = &chain.CertState{DER: tx.Envelope.Cert, Org: org.ID}
		}
	}
	if tx.Actor != nil {
		cs, ok, _ := m.Cert(tx.Actor.Cert)
		if !ok {
			return nil
		}
		if s.Actor, _, terr = certs.Parse(cs.DER, "actor.cert"); terr != nil {
			return nil
		}
		s.ActorFP, s.ActorState = tx.Actor.Cert, cs
	}
	if at, ok := tx.Body.(chain.Attested); ok {
		if s.Verifier, _, terr = certs.Parse(at.Attestation(tx.ChainID).VerifierCert, "body.verifier_cert"); terr != nil {
			return nil
		}
		_, s.VerifierCA = st.orgs.issuer(s.Verifier, d.entry.Index)
		if s.VerifierCA == nil {
			return nil
		}
	}
	en := d.entry
	return &chain.RuleContext{
		// The bundle does not show the version in force (a passed
		// schedule_upgrade need not be in it); a batched record shows at
		// least BatchRulesVersion.
		Version: st.version(d),
		ChainID: tx.ChainID,
		Height:  en.Height,
		Time:    en.Time.UTC(),
		Next:    en.Index,
		Org:     org.ID,
		Signers: s,
		Certs:   certs,
	}
}

func certKnown(m *chain.MemState, fp chain.Fingerprint) bool {
	_, known, _ := m.Cert(fp)
	return known
}

// ruleCheck names the check a rule's rejection of d fails: the one that
// already covered its kind of fact before the verifier ran the chain's rules.
func ruleCheck(d *decoded) string {
	switch d.rule.Code {
	case chain.CodeNoIntent:
		return "intent"
	case chain.CodeContractVoided, chain.CodeContractDeclined, chain.CodeContractExpired:
		if _, signed := d.tx.Body.(*chain.ContractSigned); signed {
			return "open"
		}
		return "contract"
	case chain.CodeUnknownSeal, chain.CodeCertRevoked, chain.CodeCertNotValid, chain.CodeCertIssuer,
		chain.CodeTLSCert, chain.CodeTLSCertShape, chain.CodeBadCert, chain.CodeUnknownIdentity,
		chain.CodeUnknownCredential, chain.CodeCredentialShape, chain.CodeReplay, chain.CodeBadSignature:
		return "signatures"
	}
	if d.tx.Body.ContractID() == "" {
		return "signatures"
	}
	return "contract"
}
