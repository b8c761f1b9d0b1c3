package evidence

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	cmtjson "github.com/cometbft/cometbft/libs/json"
	"github.com/cometbft/cometbft/types"
	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"
	"golang.org/x/mod/sumdb/note"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/checkpoint"
	"github.com/sealchain/sealchain/chain/merklelog"
	"github.com/sealchain/sealchain/signer"
)

// Trust is what a verifier trusts, taken from the genesis file it holds: the
// chain id, the validator set and the organisations with their CA
// certificates. Nothing in a bundle is trusted.
type Trust struct {
	ChainID    string
	Validators *types.ValidatorSet
	Orgs       []*chain.Org
	// Anchoring is the genesis anchoring setting; nil when the chain has none.
	Anchoring *chain.GenesisAnchoring
	// Verifiers are the fingerprints of the intent verifiers registered at
	// genesis (app_state.verifiers). Others must show their registration
	// by governance in the bundle.
	Verifiers []chain.Fingerprint
	// RequireIdentity is genesis app_state.require_identity: every signer
	// certificate must be bound to a verified identity (the cert_issued rule).
	RequireIdentity bool
	// Credentials are the genesis API credentials (DER) by organisation:
	// registered at genesis, so a bundle holds no record of them.
	Credentials map[string][][]byte
	// RulesVersion is genesis app_state.rules_version, the version the
	// chain started at (0 or 1: version 1).
	RulesVersion uint32
}

// LoadTrust reads a CometBFT genesis file.
func LoadTrust(path string) (*Trust, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read genesis: %w", err)
	}
	return ParseTrust(data)
}

// ParseTrust parses a CometBFT genesis document.
func ParseTrust(data []byte) (*Trust, error) {
	var doc types.GenesisDoc
	if err := cmtjson.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("parse genesis: %w", err)
	}
	if err := doc.ValidateAndComplete(); err != nil {
		return nil, fmt.Errorf("genesis: %w", err)
	}
	vals := make([]*types.Validator, len(doc.Validators))
	for i, v := range doc.Validators {
		vals[i] = types.NewValidator(v.PubKey, v.Power)
	}
	set := types.NewValidatorSet(vals)
	if err := set.ValidateBasic(); err != nil {
		return nil, fmt.Errorf("genesis validators: %w", err)
	}
	gs, orgs, err := chain.ParseGenesisState(doc.AppState)
	if err != nil {
		return nil, err
	}
	creds := map[string][][]byte{}
	for _, o := range gs.Orgs {
		ders, err := o.CredentialDERs()
		if err != nil {
			return nil, fmt.Errorf("genesis credentials: %w", err)
		}
		creds[o.ID] = ders
	}
	var verifiers []chain.Fingerprint
	for _, gv := range gs.Verifiers {
		der, err := gv.VerifierDER()
		if err != nil {
			return nil, fmt.Errorf("genesis verifier: %w", err)
		}
		verifiers = append(verifiers, chain.FingerprintOf(der))
	}
	return &Trust{ChainID: doc.ChainID, Validators: set, Orgs: orgs, Anchoring: gs.Anchoring, Verifiers: verifiers,
		RequireIdentity: gs.RequireIdentity, Credentials: creds, RulesVersion: gs.RulesVersion}, nil
}

// Check is the outcome of one verification step.
type Check struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

// RecordInfo describes one verified record for people.
type RecordInfo struct {
	Index      uint64    `json:"index"`
	Type       string    `json:"type"`
	Height     int64     `json:"height"`
	Time       time.Time `json:"time"`
	TxHash     string    `json:"tx_hash"` // the record hash: of the tx, or of the item for a batched record
	Org        string    `json:"org"`
	ContractID string    `json:"contract_id,omitempty"`
	Actor      string    `json:"actor,omitempty"`    // certificate fingerprint
	Intent     string    `json:"intent,omitempty"`   // intent method
	Identity   string    `json:"identity,omitempty"` // how the actor's identity was verified
	// Batch is set for a record that came in a batch: its place in the
	// batch and the envelope that signed the batch's root.
	Batch *BatchInfo `json:"batch,omitempty"`
}

// Result lists every check in order; OK is true only when all passed.
// Everything else in it was verified: Records holds only the records whose
// own checks passed under a checkpoint that passed, Subject is set only
// when the subject check passed, and Anchors only anchors that passed.
type Result struct {
	OK     bool    `json:"ok"`
	Checks []Check `json:"checks"`
	// Subject is the bundle's subject once the records proved it.
	Subject *Subject     `json:"subject,omitempty"`
	Records []RecordInfo `json:"records"`
	// Anchors are the bundle's anchored checkpoints and their Fabric status.
	Anchors []AnchorStatus `json:"anchors,omitempty"`
	// orgs are the organisations the bundle's register_org proposals
	// registered (RegisteredOrgs).
	orgs *orgSet
}

// RegisteredOrg is an organisation that a passed register_org proposal in
// a bundle registered: the proposal's organisation and its CA certificate,
// registered from the record that passed it (PassedAt) on.
type RegisteredOrg struct {
	Org      *chain.Org
	CA       *smx509.Certificate
	PassedAt uint64 // log index of the record (proposal or vote) that passed it
}

// RegisteredOrgs are the organisations that the bundle's register_org
// proposals registered as this verification counted them (genesis
// weights, the chain's checks of the CA: orgRegistrations), in the order
// they passed; none for a Result that Verify did not make. They are the
// chain's only when the Result is OK: a caller trusting them, a document
// verifier say, checks OK first.
func (r *Result) RegisteredOrgs() []RegisteredOrg {
	if r.orgs == nil {
		return nil
	}
	out := make([]RegisteredOrg, 0, len(r.orgs.byPass))
	for _, g := range r.orgs.byPass {
		out = append(out, RegisteredOrg{Org: g.org, CA: g.ca, PassedAt: g.passedAt})
	}
	return out
}

// NewCheck is the outcome of a step: passed with okDetail when err is nil,
// failed with err's message otherwise.
func NewCheck(name string, err error, okDetail string) Check {
	c := Check{Name: name, OK: err == nil, Detail: okDetail}
	if err != nil {
		c.Detail = err.Error()
	}
	return c
}

// FailedChecks returns the names of the failed checks.
func FailedChecks(checks []Check) []string {
	var out []string
	for _, c := range checks {
		if !c.OK {
			out = append(out, c.Name)
		}
	}
	return out
}

func (r *Result) add(name string, err error, okDetail string) bool {
	r.Checks = append(r.Checks, NewCheck(name, err, okDetail))
	return err == nil
}

// Failed returns the names of failed checks.
func (r *Result) Failed() []string { return FailedChecks(r.Checks) }

// Verifier checks bundles offline against a Trust.
type Verifier struct {
	trust *Trust
	cas   []*smx509.Certificate
	orgCA map[string]*smx509.Certificate
	orgs  map[string]*chain.Org
	// A log size and root the verifier already trusts (an earlier
	// checkpoint): the bundle must prove its log extends it.
	trustedSize uint64
	trustedRoot []byte
	// witnesses and minWitnesses: cosignatures the bundle's witnessed
	// checkpoint must carry (WithWitnesses); none when minWitnesses is 0.
	witnesses    []note.Verifier
	minWitnesses int
	revisions    func(file []byte) [][]byte
}

// VerifierOption configures a Verifier.
type VerifierOption func(*Verifier) error

// WithFileRevisions lets the file check accept a file whose earlier
// revision a record names: revisions returns those revisions (for a PDF,
// the file as it was when each signature was recorded, before the time
// stamps and DSS that PAdES B-T and B-LT add without signing them:
// pdf.RecordedRevision). The evidence package does not parse PDFs itself
// (the browser verifier stays small); the CLI passes it.
func WithFileRevisions(revisions func(file []byte) [][]byte) VerifierOption {
	return func(v *Verifier) error {
		v.revisions = revisions
		return nil
	}
}

// WithTrustedLog makes the verifier require a consistency proof from a log
// size and root it already trusts (from an earlier bundle or checkpoint) to
// the bundle's checkpoint: the log only ever grew.
func WithTrustedLog(size uint64, root []byte) VerifierOption {
	return func(v *Verifier) error {
		if size == 0 || len(root) != 32 {
			return errors.New("trusted log: want a positive size and a 32-byte root")
		}
		v.trustedSize, v.trustedRoot = size, root
		return nil
	}
}

// NewVerifier prepares a verifier for trust.
func NewVerifier(trust *Trust, opts ...VerifierOption) (*Verifier, error) {
	if trust == nil || trust.Validators == nil || len(trust.Orgs) == 0 {
		return nil, errors.New("verifier: trust needs a chain id, validators and organisations")
	}
	v := &Verifier{trust: trust, orgCA: map[string]*smx509.Certificate{}, orgs: map[string]*chain.Org{}}
	for _, o := range trust.Orgs {
		v.orgs[o.ID] = o
		c, err := smx509.ParseCertificate(o.CACert)
		if err != nil {
			return nil, fmt.Errorf("verifier: org %s CA: %w", o.ID, err)
		}
		v.cas = append(v.cas, c)
		v.orgCA[o.ID] = c
	}
	for _, o := range opts {
		if err := o(v); err != nil {
			return nil, fmt.Errorf("verifier: %w", err)
		}
	}
	return v, nil
}

// Verify runs every check on b and, when file is not nil, checks that the
// file is the document the records name. The steps, in order:
//
//  1. format: chain id is the trusted one, records exist;
//  2. checkpoint: the header at Height+1 has the trusted chain id, is signed
//     by more than 2/3 of the trusted validators' power (checkpoint.VerifyCheckpoint);
//  3. app_hash: the header's AppHash equals AppHash(log size, log root, state root),
//     from rules version 4 AppHashCerts(..., cert root);
//  4. per record: inclusion (leaf → log root), decode (canonical entry and
//     tx), signatures (envelope by a certificate of the org's CA: a genesis
//     org's, or one a passed register_org proposal in the bundle registered
//     before the record (orgRegistrations); actor by a
//     certificate registered in the bundle, intent verifier by an org's CA;
//     for a batched record, its path to the batch root and the envelope over
//     that root by a credential the bundle shows registered to the org,
//     batched.go), certificate (valid at the record's block time, not
//     revoked earlier in the log);
//  5. verifier: every attestation's verifier is registered (genesis, or a
//     passed register_verifier proposal in the bundle);
//  6. contract: the records replayed in log order through the chain's own
//     rules (evidence/rules.go) hold: every record of a contract follows its
//     contract_created, in the order the rules allow (parties, signing
//     order, completion, the workflow); a rejection about certificates or
//     seals fails the record's signatures check instead;
//  7. intent: every contract-signed record has an earlier intent record by the
//     same signer for the same contract (the same replay);
//  8. subject: the subject is what the records are indexed under;
//  9. file: SM3 or SHA-256 of the file is a document hash the records name;
//  10. cert_status: each certificate status proof leads to the cert root;
//     from rules version 4 every certificate a record relies on has one, a
//     revocation a proof shows is among the records, and no record relies
//     on a certificate after its revocation (certstatus.go).
//
// docs/conformance.md states each rule. The Result shows only what passed
// (keepVerified).
//
// Cheap checks run first; a failure is recorded and later checks still run
// where they are meaningful, so the result names every problem.
func (v *Verifier) Verify(b *Bundle, file []byte) *Result {
	res := &Result{}
	if !res.add("format", v.checkFormat(b), fmt.Sprintf("bundle v%d for chain %s, %d records", b.Version, b.ChainID, len(b.Records))) {
		return res
	}
	cp := b.Checkpoint
	trusted := v.trust.Validators
	var last int64
	for _, hop := range b.ValidatorHops {
		name := fmt.Sprintf("validator_hop[%d]", hop.Height)
		var err error
		var next *types.ValidatorSet
		var hh *types.Header
		switch {
		case hop.Height <= last:
			err = fmt.Errorf("hops out of order: %d after %d", hop.Height, last)
		case hop.Height > cp.Height:
			err = fmt.Errorf("hop at %d is not before the checkpoint header %d", hop.Height, cp.Height+1)
		default:
			next, hh, err = checkpoint.VerifyHop(v.trust.ChainID, hop.SignedHeader, hop.NextValidatorSet, trusted)
			if err == nil && hh.Height != hop.Height {
				err = fmt.Errorf("signed header is at height %d, hop says %d", hh.Height, hop.Height)
			}
		}
		detail := ""
		if err == nil {
			detail = fmt.Sprintf("header %d, signed by >2/3 of the trusted set, names a new set of %d validators", hop.Height, next.Size())
		}
		if !res.add(name, err, detail) {
			// Without this hop the checkpoint cannot be trusted.
			res.add("checkpoint", errors.New("not checked: a validator hop failed"), "")
			res.OK = false
			return res
		}
		trusted, last = next, hop.Height
	}
	header, err := checkpoint.VerifyCheckpoint(v.trust.ChainID, cp.Height+1, cp.SignedHeader, cp.ValidatorSet, trusted)
	detail := ""
	if err == nil {
		detail = fmt.Sprintf("header %d signed by >2/3 of %d trusted validators at %s", header.Height, trusted.Size(), header.Time.UTC().Format(time.RFC3339))
	}
	headerOK := res.add("checkpoint", err, detail)
	appHashOK := false
	if headerOK {
		appHashOK = res.add("app_hash", v.checkAppHash(header.AppHash, cp), appHashDetail(header.AppHash, cp))
	}

	if v.trustedSize > 0 {
		var err error
		c := b.Consistency
		switch {
		case c == nil || c.FromSize != v.trustedSize:
			err = fmt.Errorf("the bundle has no consistency proof from the trusted log size %d (ask with since_size=%d)", v.trustedSize, v.trustedSize)
		default:
			err = merklelog.VerifyConsistency(merklelog.SM3(), c.FromSize, cp.LogSize, c.Proof, v.trustedRoot, cp.LogRoot)
		}
		res.add("consistency", err, fmt.Sprintf("the log of size %d extends the trusted log of size %d", cp.LogSize, v.trustedSize))
	}
	recs := v.checkRecords(b, res)
	v.checkVerifiers(recs, res)
	checkContracts(recs, res)
	v.checkIntent(recs, res)
	v.checkAnchors(b, recs, res)
	v.checkWitnessed(b, res)
	v.checkCertStatus(b, recs, res, appHashOK)
	checkClosed(recs, res)
	subjectDetail, err := checkSubject(b, recs)
	subjectOK := res.add("subject", err, subjectDetail)
	if file != nil {
		err := checkFile(recs, file)
		detail := fmt.Sprintf("file (%d bytes) SM3 %x is the contract's document", len(file), sm3.Sum(file))
		if err != nil && v.revisions != nil {
			for _, rev := range v.revisions(file) {
				if checkFile(recs, rev) == nil {
					err, detail = nil, fmt.Sprintf("file (%d bytes): its revision of %d bytes, SM3 %x, is the contract's document; the rest is unsigned validation data (PAdES time stamps, DSS)", len(file), len(rev), sm3.Sum(rev))
					break
				}
			}
		}
		res.add("file", err, detail)
	}
	res.OK = len(res.Failed()) == 0
	keepVerified(res, headerOK && !slices.Contains(res.Failed(), "app_hash"), subjectOK, b.Subject)
	return res
}

// checkAppHash (app_hash): the header's app hash is the one the
// checkpoint's fields give: chain.AppHash before rules version 4,
// chain.AppHashCerts (with cert_root) from it. A genesis at version 4 or
// later needs the cert root.
func (v *Verifier) checkAppHash(got []byte, cp Checkpoint) error {
	c := chain.Checkpoint{LogSize: cp.LogSize, LogRoot: cp.LogRoot, StateRoot: cp.StateRoot, CertRoot: cp.CertRoot}
	switch {
	case cp.CertRoot != nil && len(cp.CertRoot) != 32:
		return fmt.Errorf("cert_root is %d bytes, want 32", len(cp.CertRoot))
	case cp.CertRoot == nil && v.trust.RulesVersion >= chain.RulesVersion4:
		return fmt.Errorf("the trusted genesis starts at rules version %d, whose app hash commits to the certificate status tree, but the checkpoint has no cert_root", v.trust.RulesVersion)
	}
	if want := c.ComputeAppHash(); !bytes.Equal(got, want) {
		if cp.CertRoot == nil {
			return fmt.Errorf("header app hash %X, but log size %d, log root %x and state root %x give %X", got, cp.LogSize, cp.LogRoot, cp.StateRoot, want)
		}
		return fmt.Errorf("header app hash %X, but log size %d, log root %x, state root %x and cert root %x give %X", got, cp.LogSize, cp.LogRoot, cp.StateRoot, cp.CertRoot, want)
	}
	return nil
}

func appHashDetail(h []byte, cp Checkpoint) string {
	if cp.CertRoot != nil {
		return fmt.Sprintf("app hash %X commits log size %d, root %x, and cert root %x (rules version 4)", h, cp.LogSize, cp.LogRoot, cp.CertRoot)
	}
	return fmt.Sprintf("app hash %X commits log size %d, root %x", h, cp.LogSize, cp.LogRoot)
}

// SignedByTrusted reports whether res shows the bundle's checkpoint signed
// by the trusted genesis's validators (through any validator hops) and for
// its chain: the format, hop and checkpoint checks ran and passed. When it
// is false, nothing in the bundle can be shown as a fact.
func SignedByTrusted(res *Result) bool {
	ran := false
	for _, c := range res.Checks {
		switch {
		case c.Name == "format" || c.Name == "checkpoint" || strings.HasPrefix(c.Name, "validator_hop["):
			if !c.OK {
				return false
			}
			ran = ran || c.Name == "checkpoint"
		}
	}
	return ran
}

// keepVerified drops from res what its checks did not prove: without a
// trusted checkpoint no record, anchor or subject is shown; otherwise only
// the records whose own checks all passed.
func keepVerified(res *Result, trusted, subjectOK bool, s Subject) {
	if !trusted {
		res.Records, res.Anchors = nil, nil
		return
	}
	bad := map[uint64]bool{}
	for _, c := range res.Checks {
		var i uint64
		if !c.OK {
			if _, err := fmt.Sscanf(c.Name, "record[%d].", &i); err == nil {
				bad[i] = true
			}
		}
	}
	kept := res.Records[:0]
	for _, r := range res.Records {
		if !bad[r.Index] {
			kept = append(kept, r)
		}
	}
	res.Records = kept
	if subjectOK {
		res.Subject = &s
	}
}

func (v *Verifier) checkFormat(b *Bundle) error {
	switch {
	case b.Format != Format || b.Version != Version:
		return fmt.Errorf("%w: format %q version %d", ErrFormat, b.Format, b.Version)
	case b.ChainID != v.trust.ChainID:
		return fmt.Errorf("bundle is for chain %q, the trusted genesis is %q", b.ChainID, v.trust.ChainID)
	case len(b.Records) == 0:
		return errors.New("bundle has no records")
	}
	seen := map[uint64]bool{}
	for i, r := range b.Records {
		if seen[r.Index] {
			return fmt.Errorf("records[%d]: index %d appears twice", i, r.Index)
		}
		seen[r.Index] = true
	}
	return nil
}

// decoded is a record that passed inclusion and decoding.
type decoded struct {
	entry *chain.Entry
	tx    *chain.Tx
	ok    bool // every check of the record passed
	// ruled: the record's chain rule ran in the replay (rules.go); rule is
	// its rejection, nil when it held.
	ruled bool
	rule  *chain.TxError
}

func (v *Verifier) checkRecords(b *Bundle, res *Result) []*decoded {
	h := merklelog.SM3()
	cp := b.Checkpoint
	var recs []*decoded
	certs := map[chain.Fingerprint]*decoded{}   // cert issued records
	revoked := map[chain.Fingerprint]*decoded{} // cert revoked records
	identities := map[string]*decoded{}         // identity verified records by commitment
	for _, r := range b.Records {
		name := fmt.Sprintf("record[%d]", r.Index)
		err := merklelog.VerifyInclusion(h, r.Index, cp.LogSize, h.HashLeaf(r.Leaf), r.Proof, cp.LogRoot)
		incl := res.add(name+".inclusion", err, fmt.Sprintf("leaf %d is in the log of size %d", r.Index, cp.LogSize))
		en, err := chain.DecodeEntry(r.Leaf)
		var tx *chain.Tx
		if err == nil && en.Index != r.Index {
			err = fmt.Errorf("entry says index %d, bundle says %d", en.Index, r.Index)
		}
		if err == nil {
			tx, err = chain.DecodeRecord(en.Tx)
		}
		if err == nil && tx.ChainID != v.trust.ChainID {
			err = fmt.Errorf("tx chain id %q", tx.ChainID)
		}
		if !res.add(name+".decode", err, "canonical entry and transaction") {
			continue
		}
		d := &decoded{entry: en, tx: tx, ok: incl}
		recs = append(recs, d)
		switch body := tx.Body.(type) {
		case *chain.CertIssued:
			certs[chain.FingerprintOf(body.Cert)] = d
		case *chain.CertRevoked:
			if _, seen := revoked[body.Cert]; !seen {
				revoked[body.Cert] = d
			}
		case *chain.IdentityVerified:
			identities[string(body.IdentityRef)] = d
		}
	}
	slices.SortFunc(recs, func(a, b *decoded) int { return cmpU64(a.entry.Index, b.entry.Index) })
	orgs := v.orgRegistrations(recs)
	res.orgs = orgs
	creds := &credentials{issued: certs, governance: v.registrations(recs, chain.ProposalRegisterCredentials), orgs: orgs}
	state := v.genesisState(orgs)
	state.governance = v.governanceCredentials(creds.governance, orgs)
	for _, d := range recs {
		state.observe(d)
	}
	for _, d := range recs {
		name := fmt.Sprintf("record[%d]", d.entry.Index)
		if _, vote := d.tx.Body.(*chain.Vote); vote && orgs.ca(d.tx.Envelope.Org, d.entry.Index) == nil && d.tx.Actor == nil {
			// A vote by an organisation added by governance whose
			// registration the bundle does not carry: the verifier cannot
			// check the envelope. Votes of governance's organisations weigh
			// nothing offline either way (passedProposals).
			// The log proves the chain recorded it; it counts for nothing
			// here (registrations weighs genesis organisations only) and
			// is not listed among the verified records.
			res.add(name+".signatures", nil, fmt.Sprintf("vote by org %q, not in the trusted genesis: its envelope is not checked offline, and the vote is not counted or shown", d.tx.Envelope.Org))
			v.replay(state, d)
			continue
		}
		info, err := v.checkSignatures(d, orgs, creds, certs, revoked, identities)
		v.replay(state, d)
		if err == nil && d.rule != nil && ruleCheck(d) == "signatures" {
			err = d.rule
		}
		detail := fmt.Sprintf("%s: envelope signed by org %s's submitter", d.tx.Body.Type(), d.tx.Envelope.Org)
		if bi := info.Batch; bi != nil {
			detail = fmt.Sprintf("%s: record %d of a batch of %d (index %d); its path leads to root %s, which org %s's credential %s… (%s) signed",
				d.tx.Body.Type(), bi.Index+1, bi.Size, bi.Index, bi.Root, d.tx.Envelope.Org, bi.Credential[:16], bi.RegisteredWhere())
		}
		if d.tx.Actor != nil {
			detail += fmt.Sprintf("; actor %s… signed, certificate valid at block time", d.tx.Actor.Cert.String()[:16])
		}
		if info.Identity != "" {
			detail += "; certificate bound to an identity verified by " + info.Identity
		}
		if info.Intent != "" {
			detail += "; " + info.Intent + " attestation signed by the intent verifier"
		}
		if !res.add(name+".signatures", err, detail) {
			d.ok = false
		}
		res.Records = append(res.Records, info)
	}
	return recs
}

func cmpU64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (v *Verifier) checkSignatures(d *decoded, orgs *orgSet, creds *credentials, certs, revoked map[chain.Fingerprint]*decoded, identities map[string]*decoded) (RecordInfo, error) {
	tx, en := d.tx, d.entry
	info := RecordInfo{
		Index: en.Index, Type: tx.Body.Type().String(), Height: en.Height, Time: en.Time,
		TxHash: recordHash(d).String(), Org: tx.Envelope.Org, ContractID: tx.Body.ContractID(),
	}
	orgCA := orgs.ca(tx.Envelope.Org, en.Index)
	if orgCA == nil {
		return info, fmt.Errorf("envelope.org %q is not in the trusted genesis, and no register_org proposal in the bundle passed for it before this record", tx.Envelope.Org)
	}
	if tx.Batched != nil {
		bi, err := v.checkBatchEnvelope(d, orgCA, creds, revoked)
		if err != nil {
			return info, err
		}
		info.Batch = bi
	} else {
		sub, err := smx509.ParseCertificate(tx.Envelope.Cert)
		if err != nil {
			return info, fmt.Errorf("envelope.cert: %w", err)
		}
		if _, err := signer.VerifyIssued(sub, []*smx509.Certificate{orgCA}, en.Time, signer.UsageSubmitter); err != nil {
			return info, fmt.Errorf("envelope.cert: %w", err)
		}
		if err := signer.Verify(sub.PublicKey, tx.EnvelopeSignBytes(), tx.Envelope.Sig); err != nil {
			return info, fmt.Errorf("envelope.sig: %w", err)
		}
	}
	if tx.Actor != nil {
		info.Actor = tx.Actor.Cert.String()
		reg, ok := certs[tx.Actor.Cert]
		if !ok {
			return info, fmt.Errorf("actor.cert %s: no cert-issued record in the bundle", tx.Actor.Cert)
		}
		if reg.entry.Index > en.Index {
			return info, fmt.Errorf("actor.cert %s: registered at record %d, after this record", tx.Actor.Cert, reg.entry.Index)
		}
		ci := reg.tx.Body.(*chain.CertIssued)
		cert, err := smx509.ParseCertificate(ci.Cert)
		if err != nil {
			return info, fmt.Errorf("actor.cert: %w", err)
		}
		regCA := orgs.ca(reg.tx.Envelope.Org, reg.entry.Index)
		if regCA == nil {
			return info, fmt.Errorf("actor.cert: registering org %q is not trusted", reg.tx.Envelope.Org)
		}
		if _, err := signer.VerifyIssued(cert, []*smx509.Certificate{regCA}, en.Time, signer.UsageSigner); err != nil {
			return info, fmt.Errorf("actor.cert at block time: %w", err)
		}
		// Log order, not block time: a revocation earlier in the same block
		// already stops the certificate, a later one does not yet.
		if rv, ok := revoked[tx.Actor.Cert]; ok && rv.entry.Index < en.Index {
			return info, fmt.Errorf("actor.cert %s was revoked at %s (record %d), before this record", tx.Actor.Cert, rv.entry.Time.Format(time.RFC3339Nano), rv.entry.Index)
		}
		if err := signer.Verify(cert.PublicKey, tx.ActorSignBytes(), tx.Actor.Sig); err != nil {
			return info, fmt.Errorf("actor.sig: %w", err)
		}
		// A certificate bound to an identity: the identity record must be
		// in the bundle, before the certificate's registration.
		if ref := signer.IdentityRefOf(cert); len(ref) > 0 {
			idr, ok := identities[string(ref)]
			if !ok {
				return info, fmt.Errorf("actor.cert is bound to identity %x, but the bundle has no identity-verified record for it", ref)
			}
			if idr.entry.Index > reg.entry.Index {
				return info, fmt.Errorf("identity %x was verified (record %d) after the certificate was registered", ref, idr.entry.Index)
			}
			iv := idr.tx.Body.(*chain.IdentityVerified)
			info.Identity = iv.Method.String()
		}
	}
	switch b := tx.Body.(type) {
	case *chain.IntentVerified:
		info.Intent = b.Method.String()
	case *chain.BatchIntentVerified:
		info.Intent = b.Method.String()
	}
	// Any record carrying a verifier's statement (chain.Attested: intent
	// and identity checks) has it checked as the chain does.
	if b, ok := tx.Body.(chain.Attested); ok {
		at := b.Attestation(tx.ChainID)
		if err := checkAttestation(orgs.cas(en.Index), at.VerifierCert, at.Signed, at.Sig, en.Time); err != nil {
			return info, err
		}
	}
	return info, nil
}

// checkClosed (record[i].open): the chain's rule refused the record because
// its contract was closed before it (contract_voided, contract_declined,
// contract_expired): a bundle showing one was not produced by the rules.
func checkClosed(recs []*decoded, res *Result) {
	for _, d := range recs {
		if d.rule != nil && ruleCheck(d) == "open" {
			res.add(fmt.Sprintf("record[%d].open", d.entry.Index), d.rule, "")
		}
	}
}

// checkIntent (record[i].intent): every signature's signer had an intent
// record for the contract before it, as the contract_signed rule requires.
func (v *Verifier) checkIntent(recs []*decoded, res *Result) {
	for _, d := range recs {
		cs, ok := d.tx.Body.(*chain.ContractSigned)
		// The rule checks intent after the contract, party, document and
		// order: only when it held, or failed there, was intent checked.
		if !ok || !(d.ruled || d.rule != nil && ruleCheck(d) == "intent") {
			continue
		}
		err := error(nil)
		if d.rule != nil {
			err = d.rule
		}
		res.add(fmt.Sprintf("record[%d].intent", d.entry.Index), err, fmt.Sprintf("intent verified for signer %s… on contract %q before signing", d.tx.Actor.Cert.String()[:16], cs.Contract))
	}
}

func checkFile(recs []*decoded, file []byte) error {
	s3 := sm3.Sum(file)
	s2 := sha256.Sum256(file)
	for _, d := range recs {
		switch b := d.tx.Body.(type) {
		case *chain.ContractCreated:
			if bytes.Equal(b.DocSM3, s3[:]) && bytes.Equal(b.DocSHA256, s2[:]) {
				return nil
			}
		case *chain.ContractSigned:
			if bytes.Equal(b.SignedDocSM3, s3[:]) {
				return nil
			}
		case *chain.TimestampIssued: // the file is a time stamp token the chain's TSA issued
			if bytes.Equal(b.TokenSM3, s3[:]) {
				return nil
			}
		}
	}
	return fmt.Errorf("file SM3 %s / SHA-256 %s is not a document any record names", hex.EncodeToString(s3[:]), hex.EncodeToString(s2[:]))
}

// checkAttestation verifies a verifier's statement (intent or identity): the
// verifier's certificate is issued by one of cas (the organisations
// registered at the record: orgSet.cas) with the verifier usage and valid
// at the block time, and it signed msg.
func checkAttestation(cas []*smx509.Certificate, certDER, msg, sig []byte, at time.Time) error {
	vc, err := smx509.ParseCertificate(certDER)
	if err != nil {
		return fmt.Errorf("body.verifier_cert: %w", err)
	}
	if _, err := signer.VerifyIssued(vc, cas, at, signer.UsageIntentVerifier); err != nil {
		return fmt.Errorf("body.verifier_cert: %w", err)
	}
	if err := signer.Verify(vc.PublicKey, msg, sig); err != nil {
		return fmt.Errorf("body.verifier_sig: %w", err)
	}
	return nil
}
