package evidence

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"

	"github.com/emmansun/gmsm/smx509"

	"github.com/sealchain/sealchain/chain"
)

// The subject, completeness and registration rules of docs/conformance.md.
// Each mirrors something the chain enforces, so that a bundle the chain's
// rules could not have produced fails offline too.

// recordKeys lists what a record is indexed under on chain (chain/index.go):
// the document hashes, contract ids and certificate fingerprints a subject
// of each kind finds it by. Both read the body's chain.Body.IndexKeys, so
// they stay in step.
func recordKeys(tx *chain.Tx) (docs [][]byte, contracts []string, certs []chain.Fingerprint) {
	if id := tx.Body.ContractID(); id != "" {
		contracts = append(contracts, id)
	}
	if tx.Actor != nil {
		certs = append(certs, tx.Actor.Cert)
	}
	k := tx.Body.IndexKeys()
	docs = append(docs, k.Docs...)
	contracts = append(contracts, k.Contracts...)
	certs = append(certs, k.Certs...)
	return docs, contracts, certs
}

// canonicalHex decodes s, which must be exactly 2n lower-case hex digits:
// one spelling per value, so that a subject cannot be edited into another
// string that names the same hash.
func canonicalHex(s string, n int) ([]byte, error) {
	b, err := hex.DecodeString(s)
	switch {
	case err != nil:
		return nil, fmt.Errorf("not hex: %w", err)
	case len(b) != n:
		return nil, fmt.Errorf("%d bytes, want %d", len(b), n)
	case hex.EncodeToString(b) != s:
		return nil, errors.New("not lower-case hex")
	}
	return b, nil
}

// checkSubject: the subject names exactly one of a document hash, a contract
// or a certificate, records in the bundle are indexed under it (the page it
// asked for, when paging), and since_size matches the consistency proof.
// The detail says what the subject is, as proved.
func checkSubject(b *Bundle, recs []*decoded) (string, error) {
	s := b.Subject
	kinds := 0
	for _, set := range []bool{s.DocHash != "", s.ContractID != "", s.Cert != ""} {
		if set {
			kinds++
		}
	}
	if kinds != 1 {
		return "", fmt.Errorf("subject names %d of doc_hash, contract_id and cert; want exactly one", kinds)
	}
	var match func(tx *chain.Tx) bool
	var what string
	switch {
	case s.DocHash != "":
		h, err := canonicalHex(s.DocHash, 32)
		if err != nil {
			return "", fmt.Errorf("subject.doc_hash: %w", err)
		}
		what = "document hash " + s.DocHash
		match = func(tx *chain.Tx) bool {
			docs, _, _ := recordKeys(tx)
			return slices.ContainsFunc(docs, func(d []byte) bool { return bytes.Equal(d, h) })
		}
	case s.ContractID != "":
		what = fmt.Sprintf("contract %q", s.ContractID)
		match = func(tx *chain.Tx) bool {
			_, cs, _ := recordKeys(tx)
			return slices.Contains(cs, s.ContractID)
		}
	default:
		h, err := canonicalHex(s.Cert, 32)
		if err != nil {
			return "", fmt.Errorf("subject.cert: %w", err)
		}
		fp := chain.Fingerprint(h)
		what = "certificate " + s.Cert
		match = func(tx *chain.Tx) bool {
			_, _, certs := recordKeys(tx)
			return slices.Contains(certs, fp)
		}
	}
	// The subject's own records: those indexed under it, after the cursor.
	var page []uint64
	for _, d := range recs { // sorted by log index
		if match(d.tx) && (s.After == nil || d.entry.Index > *s.After) {
			page = append(page, d.entry.Index)
		}
	}
	if len(page) == 0 {
		if s.After != nil {
			return "", fmt.Errorf("no record in the bundle after log index %d is indexed under the subject's %s", *s.After, what)
		}
		return "", fmt.Errorf("no record in the bundle is indexed under the subject's %s", what)
	}
	switch {
	case s.Limit < 0:
		return "", fmt.Errorf("subject.limit %d is negative", s.Limit)
	case b.Next != nil && s.Limit == 0:
		return "", errors.New("next is set but the subject has no limit: only a paged bundle has a next page")
	case b.Next != nil:
		// A full page: its last record is the cursor, and exactly limit
		// records of the subject lie between the two cursors.
		n := 0
		for _, i := range page {
			if i <= *b.Next {
				n++
			}
		}
		if !slices.Contains(page, *b.Next) || n != s.Limit {
			return "", fmt.Errorf("next %d: want the log index of the page's last record, with exactly limit %d subject records up to it (found %d)", *b.Next, s.Limit, n)
		}
	case s.Limit > 0 && len(page) > s.Limit:
		return "", fmt.Errorf("%d subject records after the cursor, but the page limit is %d and next is not set", len(page), s.Limit)
	}
	c := b.Consistency
	switch {
	case s.SinceSize == 0 && c != nil:
		return "", fmt.Errorf("the bundle carries a consistency proof from size %d, but subject.since_size is not set", c.FromSize)
	case s.SinceSize > 0 && (c == nil || c.FromSize != s.SinceSize):
		return "", fmt.Errorf("subject.since_size %d has no consistency proof from that size", s.SinceSize)
	}
	list := fmt.Sprint(page)
	if len(page) > 10 {
		list = fmt.Sprintf("%v … (%d in all)", page[:10], len(page))
	}
	return fmt.Sprintf("%s: the records indexed under it are %s", what, list), nil
}

// checkContracts (record[i].contract): every record of a contract held
// under the chain's rule for its type, replayed over the state the bundle's
// earlier records built (rules.go): the contract was created before it, by
// the same organisation, a signature is by a party on the contract's
// document in the contract's order, a completion follows every signature.
// The chain refuses the contrary.
func checkContracts(recs []*decoded, res *Result) {
	for _, d := range recs { // sorted by log index
		id := d.tx.Body.ContractID()
		// A rejection under another check (signatures, intent, open) is
		// reported there; the contract check did not get its say.
		if id == "" || !(d.ruled || d.rule != nil && ruleCheck(d) == "contract") {
			continue
		}
		err := error(nil)
		if d.rule != nil {
			err = d.rule
		}
		res.add(fmt.Sprintf("record[%d].contract", d.entry.Index), err, fmt.Sprintf("%s of contract %q holds under the chain's rules", d.tx.Body.Type(), id))
	}
}

// checkVerifiers (record[i].verifier): the verifier certificate of every
// attestation (intent or identity) is registered: in the trusted genesis's
// app_state.verifiers, or by a register_verifier proposal in the bundle that
// passed, by the weight of its yes votes, before the attestation.
func (v *Verifier) checkVerifiers(recs []*decoded, res *Result) {
	passed := v.registrations(recs, chain.ProposalRegisterVerifier)
	for _, d := range recs {
		b, ok := d.tx.Body.(chain.Attested)
		if !ok {
			continue
		}
		fp := chain.FingerprintOf(b.Attestation(d.tx.ChainID).VerifierCert)
		name := fmt.Sprintf("record[%d].verifier", d.entry.Index)
		if slices.Contains(v.trust.Verifiers, fp) {
			res.add(name, nil, fmt.Sprintf("verifier %s… is registered in the genesis", fp.String()[:16]))
			continue
		}
		var err error
		r, ok := passed[fp]
		if !ok || r.passedAt >= d.entry.Index {
			err = fmt.Errorf("verifier certificate %s is not registered: not in the trusted genesis's app_state.verifiers, and no register_verifier proposal for it in the bundle passed before this record", fp)
		}
		res.add(name, err, fmt.Sprintf("verifier %s… registered by the proposal in record %d, passed in record %d", fp.String()[:16], r.proposal, r.passedAt))
	}
}

// govReg is where a proposal registering a certificate (a verifier, or an
// API credential) is in the bundle, where it passed, and the certificate.
type govReg struct {
	proposal, passedAt uint64
	der                []byte
}

// passedProposal is a proposal of the bundle that passed by the tally of
// its votes in the bundle: its record, and the record that passed it.
type passedProposal struct {
	body               *chain.Proposal
	proposal, passedAt uint64
}

// passedProposals finds, in one pass over the records (log order), the
// proposals of kind that passed: the proposer's organisation counts as a
// yes (chain/record_proposal.go), then each organisation's first vote on
// the proposal's id; a proposal passes when its yes weight exceeds 2/3 of
// the genesis organisations' total weight. An organisation governance
// added weighs 0 here and is not in the total: the verifier knows the
// weights of the genesis only (docs/evidence-bundle.md, "Limits"). Only
// the first proposal of an id counts, as on chain. The result is in the
// order the proposals passed.
func (v *Verifier) passedProposals(recs []*decoded, kind chain.ProposalKind) []passedProposal {
	var total uint64
	weight := map[string]uint64{}
	for _, o := range v.trust.Orgs {
		total += o.Weight
		weight[o.ID] = o.Weight
	}
	type open struct {
		body     *chain.Proposal
		index    uint64
		yes      uint64
		voted    map[string]bool
		finished bool
	}
	props := map[string]*open{}
	var out []passedProposal
	pass := func(p *open, at uint64) {
		if !p.finished && 3*p.yes > 2*total {
			p.finished = true
			out = append(out, passedProposal{body: p.body, proposal: p.index, passedAt: at})
		}
	}
	for _, d := range recs { // sorted by log index
		org := d.tx.Envelope.Org
		switch b := d.tx.Body.(type) {
		case *chain.Proposal:
			if _, dup := props[b.ID]; dup || b.Kind != kind {
				continue
			}
			p := &open{body: b, index: d.entry.Index, yes: weight[org], voted: map[string]bool{org: true}}
			props[b.ID] = p
			pass(p, d.entry.Index)
		case *chain.Vote:
			p, ok := props[b.Proposal]
			if !ok || p.voted[org] {
				continue
			}
			p.voted[org] = true
			if b.Choice == chain.VoteYes {
				p.yes += weight[org]
			}
			pass(p, d.entry.Index)
		}
	}
	return out
}

// registrations are the certificates the passed proposals of kind
// (register_verifier or register_credentials) registered
// (passedProposals); for each certificate the earliest passing is kept.
func (v *Verifier) registrations(recs []*decoded, kind chain.ProposalKind) map[chain.Fingerprint]govReg {
	out := map[chain.Fingerprint]govReg{}
	for _, p := range v.passedProposals(recs, kind) {
		ders := p.body.Credentials
		if kind == chain.ProposalRegisterVerifier {
			ders = [][]byte{p.body.VerifierCert}
		}
		for _, der := range ders {
			fp := chain.FingerprintOf(der)
			if _, seen := out[fp]; !seen {
				out[fp] = govReg{proposal: p.proposal, passedAt: p.passedAt, der: der}
			}
		}
	}
	return out
}

// ErrBadSubject means the subject is malformed (not hex, wrong length, none given).
var ErrBadSubject = errors.New("bad subject")

// MaxSubjectRecords caps how many records one bundle carries.
const MaxSubjectRecords = 2000

// Normalize checks that s names exactly one kind and spells hashes
// as the verifier requires (lower-case hex, no prefix), so the subject in
// the bundle is the one its records prove (checkSubject). Assembling a
// bundle starts with it; errors wrap ErrBadSubject.
func (s Subject) Normalize() (Subject, error) {
	kinds := 0
	for _, set := range []bool{s.DocHash != "", s.ContractID != "", s.Cert != ""} {
		if set {
			kinds++
		}
	}
	switch {
	case kinds > 1:
		return s, fmt.Errorf("%w: give one of doc_hash, contract_id and cert, not %d", ErrBadSubject, kinds)
	case s.Limit < 0:
		return s, fmt.Errorf("%w: limit %d is negative", ErrBadSubject, s.Limit)
	}
	if s.DocHash != "" {
		h, err := decodeHex(s.DocHash, 32)
		if err != nil {
			return s, fmt.Errorf("doc_hash: %w: %w", ErrBadSubject, err)
		}
		s.DocHash = hex.EncodeToString(h)
	}
	if s.Cert != "" {
		h, err := decodeHex(s.Cert, 32)
		if err != nil {
			return s, fmt.Errorf("cert: %w: %w", ErrBadSubject, err)
		}
		s.Cert = hex.EncodeToString(h)
	}
	return s, nil
}

// govOrg is an organisation that a register_org proposal in the bundle
// registered: as the chain does, from the record that passed the proposal
// on, with the proposal's CA and credentials.
type govOrg struct {
	org                *chain.Org
	ca                 *smx509.Certificate
	creds              [][]byte
	proposal, passedAt uint64
}

// orgSet is what one verification knows of organisations: the trusted
// genesis's, and the ones passed register_org proposals in the bundle
// registered (orgRegistrations). It belongs to one Verify call: the
// Verifier is shared.
type orgSet struct {
	v   *Verifier
	gov map[string]*govOrg
	// byPass are the governance organisations in the order they passed;
	// passedIn the same by the record that passed them.
	byPass   []*govOrg
	passedIn map[uint64][]*govOrg
	// creds are the governance organisations' credentials by fingerprint.
	creds map[chain.Fingerprint]govOrgCred
	// subjects and keys are the known CAs' raw subjects and public keys.
	subjects, keys map[string]bool
}

type govOrgCred struct {
	org *govOrg
	der []byte
}

// orgRegistrations tallies the bundle's register_org proposals
// (passedProposals, genesis weights) and keeps those the chain could have
// applied: an organisation not in the genesis nor registered by an earlier
// proposal, whose CA certificate is a self-signed CA with a subject and
// key no other organisation's CA has (chain's checkEffect).
func (v *Verifier) orgRegistrations(recs []*decoded) *orgSet {
	s := &orgSet{v: v, gov: map[string]*govOrg{}, passedIn: map[uint64][]*govOrg{}, creds: map[chain.Fingerprint]govOrgCred{},
		subjects: map[string]bool{}, keys: map[string]bool{}}
	for _, ca := range v.cas {
		s.subjects[string(ca.RawSubject)], s.keys[string(ca.RawSubjectPublicKeyInfo)] = true, true
	}
	for _, p := range v.passedProposals(recs, chain.ProposalRegisterOrg) {
		o := p.body.Org
		if o == nil || v.orgs[o.ID] != nil || s.gov[o.ID] != nil {
			continue
		}
		ca, err := smx509.ParseCertificate(o.CACert)
		if err != nil || !ca.IsCA || ca.CheckSignatureFrom(ca) != nil || s.subjects[string(ca.RawSubject)] || s.keys[string(ca.RawSubjectPublicKeyInfo)] {
			continue // the chain's checkEffect and distinctCA refuse it
		}
		s.subjects[string(ca.RawSubject)], s.keys[string(ca.RawSubjectPublicKeyInfo)] = true, true
		g := &govOrg{org: o, ca: ca, proposal: p.proposal, passedAt: p.passedAt}
		for _, der := range p.body.Credentials {
			// The chain refuses a proposal whose credentials its CA did
			// not issue (checkCredentials): such a one is never an org's.
			fp := chain.FingerprintOf(der)
			if _, dup := s.creds[fp]; dup {
				continue
			}
			if c, err := smx509.ParseCertificate(der); err == nil && !c.IsCA && c.CheckSignatureFrom(ca) == nil {
				g.creds = append(g.creds, der)
				s.creds[fp] = govOrgCred{g, der}
			}
		}
		s.gov[o.ID] = g
		s.byPass = append(s.byPass, g)
		s.passedIn[g.passedAt] = append(s.passedIn[g.passedAt], g)
	}
	return s
}

// lookup is organisation id as registered when the record at index at
// ran: a genesis organisation, or one a proposal passed in an earlier
// record. Both results are nil when the verifier cannot tell it is.
func (s *orgSet) lookup(id string, at uint64) (*chain.Org, *smx509.Certificate) {
	if o := s.v.orgs[id]; o != nil {
		return o, s.v.orgCA[id]
	}
	if g := s.gov[id]; g != nil && g.passedAt < at {
		return g.org, g.ca
	}
	return nil, nil
}

// ca is organisation id's CA as registered at record at, nil if unknown.
func (s *orgSet) ca(id string, at uint64) *smx509.Certificate {
	_, ca := s.lookup(id, at)
	return ca
}

// cas are the CAs of the organisations registered at record at: the
// genesis's, then governance's in the order they passed.
func (s *orgSet) cas(at uint64) []*smx509.Certificate {
	out := slices.Clone(s.v.cas)
	for _, g := range s.byPass {
		if g.passedAt < at {
			out = append(out, g.ca)
		}
	}
	return out
}

// issuer is the organisation registered at record at whose CA's subject
// issued c ("" and nil if none): subjects are unique among registered
// organisations (chain's distinctCA).
func (s *orgSet) issuer(c *smx509.Certificate, at uint64) (string, *smx509.Certificate) {
	for _, o := range s.v.trust.Orgs {
		if ca := s.v.orgCA[o.ID]; string(ca.RawSubject) == string(c.RawIssuer) {
			return o.ID, ca
		}
	}
	for _, g := range s.byPass {
		if g.passedAt < at && string(g.ca.RawSubject) == string(c.RawIssuer) {
			return g.org.ID, g.ca
		}
	}
	return "", nil
}

// credential finds fp among the credentials of a register_org proposal in
// the bundle that passed.
func (s *orgSet) credential(fp chain.Fingerprint) (*govOrg, []byte) {
	c := s.creds[fp]
	return c.org, c.der
}
