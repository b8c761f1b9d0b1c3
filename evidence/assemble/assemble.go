package assemble

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/store"
	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/signer"
)

// Headers is what assembling needs from the consensus engine: the latest
// block height, a way to wait for one, and the signed header with its
// validator set at a height (protobuf bytes, as checkpoint.VerifyCheckpoint reads).
type Headers interface {
	LatestHeight() int64
	WaitForHeight(ctx context.Context, height int64) error
	Checkpoint(ctx context.Context, height int64) (signedHeader, valSet []byte, err error)
	// Hop returns the signed header at height and the next height's validator set.
	Hop(ctx context.Context, height int64) (signedHeader, nextValSet []byte, err error)
}

// ErrNoRecords means nothing on chain matches the subject.
var ErrNoRecords = errors.New("no records match")

// Bundle builds a bundle for subject from the committed store: the
// subject's records, the certificate records of every actor and party, each
// with an inclusion proof against one checkpoint whose header the validators
// signed. It waits (bounded by ctx) for the block after the newest record so
// that its app hash is signed.
func Bundle(ctx context.Context, st *store.Store, headers Headers, subject evidence.Subject) (*evidence.Bundle, error) {
	subject, err := subject.Normalize()
	if err != nil {
		return nil, err
	}
	view := st.View()
	last := st.Last()
	q := store.Query{Limit: evidence.MaxSubjectRecords, UpTo: last.LogSize}
	idx, next, err := collect(view, subject, q)
	if err != nil {
		return nil, err
	}
	if len(idx) == 0 {
		return nil, ErrNoRecords
	}
	// The newest record's height must be below the checkpoint's header.
	var newest int64
	for _, i := range idx {
		en, err := entryAt(view, i)
		if err != nil {
			return nil, err
		}
		newest = max(newest, en.Height)
	}
	if err := headers.WaitForHeight(ctx, newest+1); err != nil {
		return nil, fmt.Errorf("wait for the block that signs height %d: %w", newest, err)
	}
	h := min(headers.LatestHeight(), st.Last().Height+1) - 1
	cp, err := view.Checkpoint(h)
	if err != nil {
		return nil, err
	}
	sh, vs, err := headers.Checkpoint(ctx, h+1)
	if err != nil {
		return nil, fmt.Errorf("checkpoint at height %d: %w", h+1, err)
	}
	b := &evidence.Bundle{
		Format: evidence.Format, Version: evidence.Version, ChainID: "", Subject: subject, Next: next,
		Checkpoint: evidence.Checkpoint{
			Height: h, LogSize: cp.LogSize, LogRoot: cp.LogRoot, StateRoot: cp.StateRoot,
			SignedHeader: sh, ValidatorSet: vs, CertRoot: cp.CertRoot,
		},
	}
	if subject.SinceSize > 0 {
		if subject.SinceSize > cp.LogSize {
			return nil, fmt.Errorf("%w: since_size %d is beyond the log size %d", evidence.ErrBadSubject, subject.SinceSize, cp.LogSize)
		}
		proof, err := st.ConsistencyProof(subject.SinceSize, cp.LogSize)
		if err != nil {
			return nil, fmt.Errorf("consistency proof %d → %d: %w", subject.SinceSize, cp.LogSize, err)
		}
		b.Consistency = &evidence.Consistency{FromSize: subject.SinceSize, Proof: proof}
	}
	// Validator-set changes before the checkpoint's header: each becomes a
	// hop the verifier follows from the genesis set.
	changes, err := view.ValidatorChanges(h)
	if err != nil {
		return nil, err
	}
	for _, ch := range changes {
		sh, next, err := headers.Hop(ctx, ch)
		if err != nil {
			return nil, fmt.Errorf("validator hop at %d: %w", ch, err)
		}
		b.ValidatorHops = append(b.ValidatorHops, evidence.Hop{Height: ch, SignedHeader: sh, NextValidatorSet: next})
	}
	if b.Anchors, idx, err = anchorsFor(st, idx, cp.LogSize); err != nil {
		return nil, err
	}
	if cp.CertRoot != nil {
		if b.CertStatus, idx, err = certStatus(st, idx, h, cp.LogSize); err != nil {
			return nil, err
		}
	}
	for _, i := range idx {
		if i >= cp.LogSize {
			continue
		}
		leaf, err := view.Entry(i)
		if err != nil {
			return nil, err
		}
		if err := st.CheckLeaf(i, leaf); err != nil {
			return nil, err
		}
		proof, err := st.InclusionProof(i, cp.LogSize)
		if err != nil {
			return nil, fmt.Errorf("inclusion proof for %d at size %d: %w", i, cp.LogSize, err)
		}
		b.Records = append(b.Records, evidence.Record{Index: i, Leaf: leaf, Proof: proof})
		if b.ChainID == "" {
			en, err := chain.DecodeEntry(leaf)
			if err != nil {
				return nil, err
			}
			tx, err := chain.DecodeRecord(en.Tx)
			if err != nil {
				return nil, err
			}
			b.ChainID = tx.ChainID
		}
	}
	return b, nil
}

// certStatus proves, against the checkpoint at height h (rules version 4),
// the status of every certificate the records idx rely on
// (evidence.ReliedCerts), in fingerprint order, and adds to idx the
// cert_revoked record of each one revoked, so the verifier sees the
// revocation the proof shows.
func certStatus(st *store.Store, idx []uint64, h int64, size uint64) ([]evidence.CertStatus, []uint64, error) {
	view := st.View()
	relied := map[chain.Fingerprint]bool{}
	for _, i := range idx {
		if i >= size {
			continue
		}
		tx, err := txAt(view, i)
		if err != nil {
			return nil, nil, err
		}
		for _, fp := range evidence.ReliedCerts(tx) {
			relied[fp] = true
		}
	}
	fps := make([]chain.Fingerprint, 0, len(relied))
	for fp := range relied {
		fps = append(fps, fp)
	}
	slices.SortFunc(fps, func(a, b chain.Fingerprint) int { return slices.Compare(a[:], b[:]) })
	in := map[uint64]bool{}
	for _, i := range idx {
		in[i] = true
	}
	out := make([]evidence.CertStatus, 0, len(fps))
	for _, fp := range fps {
		p, _, err := st.CertStatusProof(fp, h)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, evidence.CertStatus{Cert: fp.String(), Proof: p.Encode()})
		if p.Leaf == nil || p.Leaf.Key != chain.CertStatusKey(fp) {
			continue
		}
		cs, err := chain.DecodeCertStatus(p.Leaf.Value)
		if err != nil {
			return nil, nil, err
		}
		if cs.Revoked() && !in[cs.RevokedIn] {
			in[cs.RevokedIn] = true
			idx = append(idx, cs.RevokedIn)
		}
	}
	slices.Sort(idx)
	return out, idx, nil
}

// MaxContracts bounds the contracts whose timelines one bundle carries
// because renewals reach them from the subject's own contracts (collect).
// The subject's own contracts are bounded by its page of records.
const MaxContracts = 256

// maxRegistrationScan bounds the log entries read to find the votes of one
// verifier's registration proposal. The chain has no index of votes, so
// registration reads the log backwards from the deciding vote and stops at
// the earliest vote the proposal's state lists; only a proposal whose votes
// are spread over more entries than this is refused.
const maxRegistrationScan = 1_000_000

// registrations finds the governance records that registered verifier
// certificates, once per certificate within one Assemble.
type registrations struct {
	view store.View
	done map[chain.Fingerprint][]uint64
}

// add adds to set the governance records that registered the verifier
// certificate der: the register_verifier proposal and the votes on it up
// to the one that passed it. Genesis verifiers need none.
func (r *registrations) add(der []byte, set map[uint64]bool) error {
	fp := chain.FingerprintOf(der)
	idx, ok := r.done[fp]
	if !ok {
		var err error
		if idx, err = registration(r.view, fp); err != nil {
			return err
		}
		r.done[fp] = idx
	}
	for _, i := range idx {
		set[i] = true
	}
	return nil
}

// registration lists the governance records that registered the verifier
// certificate fp (none for a genesis verifier).
func registration(view store.View, fp chain.Fingerprint) ([]uint64, error) {
	st, ok, err := view.Verifier(fp)
	if err != nil || !ok || st.RegisteredIn == 0 {
		return nil, err
	}
	return governance(view, st.RegisteredIn-1, "verifier")
}

// governance lists the records of the proposal that record decided passed
// (the proposal itself, or the proposal and its votes up to the deciding
// one); what names the registration in errors.
func governance(view store.View, decided uint64, what string) ([]uint64, error) {
	tx, err := txAt(view, decided)
	if err != nil {
		return nil, err
	}
	var id string
	switch b := tx.Body.(type) {
	case *chain.Proposal:
		return []uint64{decided}, nil
	case *chain.Vote:
		id = b.Proposal
	default:
		return nil, fmt.Errorf("%s registered in record %d, a %s", what, decided, b.Type())
	}
	ps, ok, err := view.Proposal(id)
	if err != nil {
		return nil, err
	}
	if !ok || ps.CreatedIn > decided {
		return nil, fmt.Errorf("%s registration: proposal %q not found before record %d", what, id, decided)
	}
	// Votes are accepted only while the proposal is open, so every
	// organisation in its yes and no lists but the proposer voted between
	// the proposal and the deciding vote.
	want := len(ps.Yes) + len(ps.No) - 1
	out := []uint64{ps.CreatedIn}
	for i := decided; i > ps.CreatedIn && len(out)-1 < want; i-- {
		if decided-i >= maxRegistrationScan {
			return nil, fmt.Errorf("%s registration: the votes on proposal %q are spread over more than %d records (records %d to %d)", what, id, maxRegistrationScan, ps.CreatedIn, decided)
		}
		tx, err := txAt(view, i)
		if err != nil {
			return nil, err
		}
		if v, ok := tx.Body.(*chain.Vote); ok && v.Proposal == id {
			out = append(out, i)
		}
	}
	return out, nil
}

func entryAt(view store.View, i uint64) (*chain.Entry, error) {
	leaf, err := view.Entry(i)
	if err != nil {
		return nil, err
	}
	return chain.DecodeEntry(leaf)
}

// txAt decodes the transaction of log entry i.
func txAt(view store.View, i uint64) (*chain.Tx, error) {
	en, err := entryAt(view, i)
	if err != nil {
		return nil, err
	}
	return chain.DecodeRecord(en.Tx)
}

// collect picks the log indexes for a subject: the records themselves, then
// for every contract among them its whole timeline, then the certificate
// records (issued, revoked) of every actor and party.
func collect(view store.View, s evidence.Subject, q store.Query) ([]uint64, *uint64, error) {
	set := map[uint64]bool{}
	// The subject's own records, paged when asked.
	pq := q
	if s.Limit > 0 {
		pq.Limit = min(s.Limit, q.Limit)
	}
	if s.After != nil {
		pq.After, pq.HaveAfter = *s.After, true
	}
	var next *uint64
	first := func(p store.Page, err error) error {
		if err != nil {
			return err
		}
		if p.More {
			if s.Limit == 0 {
				return fmt.Errorf("%w: subject matches more than %d records; page with limit and after", evidence.ErrBadSubject, pq.Limit)
			}
			n := p.Next
			next = &n
		}
		for _, i := range p.Indexes {
			set[i] = true
		}
		return nil
	}
	add := func(p store.Page, err error) error {
		if err != nil {
			return err
		}
		if p.More {
			return fmt.Errorf("subject matches more than %d records", q.Limit)
		}
		for _, i := range p.Indexes {
			set[i] = true
		}
		return nil
	}
	switch {
	case s.DocHash != "":
		h, err := decodeHex(s.DocHash, 32)
		if err != nil {
			return nil, nil, fmt.Errorf("doc_hash: %w: %w", evidence.ErrBadSubject, err)
		}
		if err := first(view.ByDoc(h, pq)); err != nil {
			return nil, nil, err
		}
	case s.ContractID != "":
		if err := first(view.ByContract(s.ContractID, pq)); err != nil {
			return nil, nil, err
		}
	case s.Cert != "":
		h, err := decodeHex(s.Cert, 32)
		if err != nil {
			return nil, nil, fmt.Errorf("cert: %w: %w", evidence.ErrBadSubject, err)
		}
		if err := first(view.ByCert(chain.Fingerprint(h), pq)); err != nil {
			return nil, nil, err
		}
	default:
		return nil, nil, fmt.Errorf("%w: give a doc_hash, contract_id or cert", evidence.ErrBadSubject)
	}
	// Expand contracts to their timelines, until closure: a renewal is in
	// its previous contract's timeline but belongs to the new contract, so
	// each renewal brings in the timelines of both sides (and those bring
	// in their own renewals). The verifier needs each contract's
	// contract_created (checkContracts).
	contracts := map[string]bool{}
	scanned := map[uint64]bool{}
	reached := 0 // contracts found only through renewals, after the first round
	for round := 0; ; round++ {
		var found []string
		for i := range set {
			if scanned[i] {
				continue
			}
			scanned[i] = true
			tx, err := txAt(view, i)
			if err != nil {
				return nil, nil, err
			}
			ids := []string{tx.Body.ContractID()}
			if r, ok := tx.Body.(*chain.ContractRenewed); ok {
				ids = append(ids, r.Previous)
			}
			for _, id := range ids {
				if id != "" && !contracts[id] {
					contracts[id] = true
					found = append(found, id)
				}
			}
		}
		if len(found) == 0 {
			break
		}
		if round > 0 {
			reached += len(found)
			if reached > MaxContracts {
				return nil, nil, fmt.Errorf("%w: the subject's contracts reach more than %d further contracts through renewals; page the subject with limit and after, or ask for a contract later in the renewal chain", evidence.ErrBadSubject, MaxContracts)
			}
		}
		for _, id := range found {
			if err := add(view.ByContract(id, q)); err != nil {
				return nil, nil, err
			}
		}
	}
	// Certificates of actors and parties, and the submitter credentials of
	// batched records.
	certs := map[chain.Fingerprint]bool{}
	creds := map[chain.Fingerprint]bool{}
	for i := range set {
		tx, err := txAt(view, i)
		if err != nil {
			return nil, nil, err
		}
		if tx.Actor != nil {
			certs[tx.Actor.Cert] = true
		}
		if tx.Batched != nil {
			creds[tx.Batched.Cert] = true
		}
		// The certificates a case record names (staff, notary, judge,
		// examiners): its rule checks each is registered to the acting
		// organisation and not revoked (chain's orgCert), so the verifier
		// needs their registration and revocations, as for a batch's
		// credential, and any identity record, as for an actor's.
		for _, fp := range caseCerts(tx.Body) {
			creds[fp] = true
			certs[fp] = true
		}

		if cc, ok := tx.Body.(*chain.ContractCreated); ok {
			for _, p := range cc.Parties {
				certs[p] = true
			}
		}
		if cs, ok := tx.Body.(*chain.ContractSigned); ok && len(cs.Seal) == 32 {
			// The seal's registration.
			p, err := view.ByDoc(cs.Seal, q)
			if err != nil {
				return nil, nil, err
			}
			for _, j := range p.Indexes {
				set[j] = true
			}
		}
	}
	for fp := range certs {
		p, err := view.ByCert(fp, q)
		if err != nil {
			return nil, nil, err
		}
		for _, i := range p.Indexes {
			tx, err := txAt(view, i)
			if err != nil {
				return nil, nil, err
			}
			switch body := tx.Body.(type) {
			case *chain.CertRevoked:
				set[i] = true
			case *chain.CertIssued:
				set[i] = true
				// The identity record the certificate is bound to.
				c, _ := signer.ParseCertificate(body.Cert) // nil if it does not parse
				ref := body.Identity(c)
				if len(ref) == 32 {
					p, err := view.ByDoc(ref, q)
					if err != nil {
						return nil, nil, err
					}
					for _, j := range p.Indexes {
						set[j] = true
					}
				}
			}
		}
	}
	// A batched record names its credential by fingerprint, a case record
	// its staff's: the verifier needs their registration (none for a
	// genesis credential: the verifier's genesis holds it) and any
	// revocation.
	for fp := range creds {
		idx, err := credentialRecords(view, fp, q)
		if err != nil {
			return nil, nil, err
		}
		for _, i := range idx {
			set[i] = true
		}
	}
	// The registration of each organisation governance added that submitted
	// or is named by a record (orgRegistrations).
	orgIdx, err := orgRegistrations(view, set, q.UpTo)
	if err != nil {
		return nil, nil, err
	}
	for _, i := range orgIdx {
		set[i] = true
	}
	// The registration of each attestation's verifier (intent, identity).
	regs := &registrations{view: view, done: map[chain.Fingerprint][]uint64{}}
	out := make([]uint64, 0, len(set))
	for i := range set {
		out = append(out, i)
	}
	for _, i := range out {
		tx, err := txAt(view, i)
		if err != nil {
			return nil, nil, err
		}
		if b, ok := tx.Body.(chain.Attested); ok {
			if err := regs.add(b.Attestation(tx.ChainID).VerifierCert, set); err != nil {
				return nil, nil, err
			}
		}
	}
	out = out[:0]
	for i := range set {
		out = append(out, i)
	}
	slices.Sort(out)
	return out, next, nil
}

// caseCerts are the certificates an institution case record names besides
// a contract party (the party is a contract party, whose records are
// collected with the contract's).
func caseCerts(body chain.Body) []chain.Fingerprint {
	switch b := body.(type) {
	case *chain.NotarizationDecided:
		return []chain.Fingerprint{b.Staff}
	case *chain.NotarizationIssued:
		return []chain.Fingerprint{b.Notary}
	case *chain.AppraisalCommissioned:
		return []chain.Fingerprint{b.Judge}
	case *chain.AppraisalDecided:
		return []chain.Fingerprint{b.Staff}
	case *chain.AppraisalIssued:
		return b.Examiners
	}
	return nil
}

// credentialRecords lists the records a verifier needs of submitter
// credential fp: the one that registered it (cert_issued, or the proposal
// and votes that registered it by governance; none for a genesis
// credential) and its revocations.
func credentialRecords(view store.View, fp chain.Fingerprint, q store.Query) ([]uint64, error) {
	cs, ok, err := view.Cert(fp)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("a batched or case record names certificate %s, which the chain does not know", fp)
	}
	var out []uint64
	if !cs.AtGenesis() {
		tx, err := txAt(view, cs.IssuedIn)
		if err != nil {
			return nil, err
		}
		switch tx.Body.(type) {
		case *chain.CertIssued:
			out = append(out, cs.IssuedIn)
		default:
			idx, err := governance(view, cs.IssuedIn, "credential "+fp.String())
			if err != nil {
				return nil, err
			}
			out = append(out, idx...)
		}
	}
	// Revocations are indexed under fp (with its cert_issued).
	p, err := view.ByCert(fp, q)
	if err != nil {
		return nil, err
	}
	for _, i := range p.Indexes {
		tx, err := txAt(view, i)
		if err != nil {
			return nil, err
		}
		if _, ok := tx.Body.(*chain.CertRevoked); ok {
			out = append(out, i)
		}
	}
	return out, nil
}

// decodeHex decodes a hash of n bytes as evidence.Subject spells it (hex,
// any case, optional 0x; Subject.Normalize has made it canonical already).
func decodeHex(s string, n int) ([]byte, error) {
	b, err := hex.DecodeString(strings.TrimPrefix(strings.ToLower(s), "0x"))
	if err != nil {
		return nil, fmt.Errorf("not hex: %w", err)
	}
	if len(b) != n {
		return nil, fmt.Errorf("%d bytes, want %d", len(b), n)
	}
	return b, nil
}

// namedOrgs are the organisations a record's rule looks up by name besides
// its submitter's: a case's institution (chain's openCase).
func namedOrgs(body chain.Body) []string {
	switch b := body.(type) {
	case *chain.NotarizationApplied:
		return []string{b.NotaryOrg}
	case *chain.AppraisalCommissioned:
		return []string{b.AppraisalOrg}
	}
	return nil
}

// envelopeCredential is the fingerprint of the credential that submitted tx.
func envelopeCredential(tx *chain.Tx) chain.Fingerprint {
	if tx.Batched != nil {
		return tx.Batched.Cert
	}
	return chain.FingerprintOf(tx.Envelope.Cert)
}

// maxCredentialHops bounds how many cert_issued records orgRegistrations
// follows back from a credential to the one its organisation started with.
const maxCredentialHops = 64

// orgRegistrations lists the governance records (the register_org
// proposal and the votes on it) that registered each organisation that
// submitted a record in set or that a record in set names, for the
// organisations governance added: the verifier knows only its genesis's.
// Governance records themselves (proposals, votes) do not count: the
// verifier tallies them over the genesis organisations' weights, so their
// submitters need not be known. The chain keeps no index of where an
// organisation was registered; each is found
//
//   - through a credential it submitted with: a genesis credential shows a
//     genesis organisation; one a register_org proposal carried shows that
//     proposal; one a cert_issued record registered leads to that record's
//     own submitter credential, and so on;
//   - failing that (an organisation only named, or whose credentials came
//     by register_credentials), by reading the log backwards from the first
//     record that needs it for a register_org proposal naming it that
//     passed. Reaching the start of the log shows a genesis organisation.
//     At most maxRegistrationScan entries are read: past that, the
//     organisation's registration is left out (and its records fail
//     offline) rather than the bundle refused.
func orgRegistrations(view store.View, set map[uint64]bool, upTo uint64) ([]uint64, error) {
	first := map[string]uint64{} // organisation → the first record in set that needs it
	creds := map[string]map[chain.Fingerprint]bool{}
	note := func(org string, i uint64) {
		if f, ok := first[org]; !ok || i < f {
			first[org] = i
		}
	}
	for i := range set {
		tx, err := txAt(view, i)
		if err != nil {
			return nil, err
		}
		switch tx.Body.(type) {
		case *chain.Proposal, *chain.Vote:
			continue
		}
		org := tx.Envelope.Org
		note(org, i)
		if creds[org] == nil {
			creds[org] = map[chain.Fingerprint]bool{}
		}
		creds[org][envelopeCredential(tx)] = true
		for _, id := range namedOrgs(tx.Body) {
			note(id, i)
		}
	}
	var out []uint64
	var unresolved []string
	for org := range first {
		idx, found, err := orgByCredentials(view, org, creds[org])
		if err != nil {
			return nil, err
		}
		if !found {
			unresolved = append(unresolved, org)
			continue
		}
		out = append(out, idx...)
	}
	if len(unresolved) == 0 {
		return out, nil
	}
	// One backward scan for all the organisations left, from the latest of
	// their first records.
	var from uint64
	for _, org := range unresolved {
		from = max(from, first[org])
	}
	left := len(unresolved)
	want := map[string]bool{}
	for _, org := range unresolved {
		want[org] = true
	}
	for i := from; i > 0 && left > 0 && from-i < maxRegistrationScan; {
		i--
		tx, err := txAt(view, i)
		if err != nil {
			return nil, err
		}
		p, ok := tx.Body.(*chain.Proposal)
		if !ok || p.Kind != chain.ProposalRegisterOrg || p.Org == nil || !want[p.Org.ID] || i >= first[p.Org.ID] {
			continue
		}
		idx, passed, err := proposalRecords(view, p.ID, i, upTo)
		if err != nil {
			return nil, err
		}
		if passed {
			want[p.Org.ID] = false
			left--
			out = append(out, idx...)
		}
	}
	return out, nil
}

// orgByCredentials finds organisation org's registration through the
// credentials it submitted with (orgRegistrations): found is false when
// none of them leads to it.
func orgByCredentials(view store.View, org string, creds map[chain.Fingerprint]bool) (idx []uint64, found bool, err error) {
	for fp := range creds {
		seen := map[chain.Fingerprint]bool{}
		for hop := 0; hop < maxCredentialHops && !seen[fp]; hop++ {
			seen[fp] = true
			cs, ok, err := view.Cert(fp)
			if err != nil {
				return nil, false, err
			}
			if !ok || cs.Org != org {
				break
			}
			if cs.AtGenesis() {
				return nil, true, nil // a genesis organisation
			}
			tx, err := txAt(view, cs.IssuedIn)
			if err != nil {
				return nil, false, err
			}
			var id string
			switch b := tx.Body.(type) {
			case *chain.CertIssued:
				fp = envelopeCredential(tx) // registered by an earlier credential of org
				continue
			case *chain.Proposal:
				id = b.ID
			case *chain.Vote:
				id = b.Proposal
			}
			if id == "" {
				break
			}
			ps, ok, err := view.Proposal(id)
			if err != nil {
				return nil, false, err
			}
			if !ok || ps.Proposal.Kind != chain.ProposalRegisterOrg || ps.Proposal.Org == nil || ps.Proposal.Org.ID != org {
				break // register_credentials: the organisation was registered before
			}
			idx, err := governance(view, cs.IssuedIn, "organisation "+org)
			return idx, err == nil, err
		}
	}
	return nil, false, nil
}

// proposalRecords lists the records of proposal id, made at record at,
// when it passed: the proposal and the votes on it, read forward from it
// until every vote its state lists is found (the chain refuses votes on a
// closed proposal, so there are no others).
func proposalRecords(view store.View, id string, at, upTo uint64) ([]uint64, bool, error) {
	ps, ok, err := view.Proposal(id)
	if err != nil || !ok || ps.CreatedIn != at || ps.Status != chain.ProposalPassed {
		return nil, false, err
	}
	want := len(ps.Yes) + len(ps.No) - 1
	out := []uint64{at}
	for i := at + 1; i < upTo && len(out)-1 < want; i++ {
		if i-at > maxRegistrationScan {
			return nil, false, fmt.Errorf("organisation registration: the votes on proposal %q are spread over more than %d records (from record %d)", id, maxRegistrationScan, at)
		}
		tx, err := txAt(view, i)
		if err != nil {
			return nil, false, err
		}
		if v, ok := tx.Body.(*chain.Vote); ok && v.Proposal == id {
			out = append(out, i)
		}
	}
	return out, true, nil
}
