package chain

import (
	"fmt"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/sealchain/sealchain/signer"
)

// Institution cases (rules version 3): after signing, evidence goes to an
// institution that acts on it. A platform applies to a notary office for a
// notarial certificate (公证书); a court commissions a judicial appraisal
// institution for an appraisal opinion (司法鉴定意见书). Both are a case
// with the same life, every step a record of the case's contract:
//
//	notarization_applied / appraisal_commissioned  → pending
//	*_decided (accept)                               pending → accepted
//	*_decided (reject, with a reason)                pending → rejected
//	*_withdrawn (by the applicant)                   pending|accepted → withdrawn
//	*_issued (the document's SM3)                    accepted → issued
//
// Rejected, withdrawn and issued are final; the applicant applies again
// under a new case id. Every step names the contract, so the case's records
// sit in the contract's evidence bundle and the offline verifier replays
// the case with the contract. docs/judicial-services.md has the flows.

// CaseRulesVersion is the rules version that introduces cases, their record
// types and the appraisal role.
const CaseRulesVersion = 3

// CaseKind says which institution acts on a case.
type CaseKind uint32

const (
	CaseNotarization CaseKind = 1 // a notary office issues a 公证书
	CaseAppraisal    CaseKind = 2 // a judicial appraisal institution issues a 司法鉴定意见书
	// Filed cases (rules version 4, filing.go): a filer takes contracts to
	// a court or an arbitration commission.
	CaseLitigation  CaseKind = 3 // a court dockets (立案) a statement of claim
	CaseArbitration CaseKind = 4 // an arbitration commission dockets an arbitration application
)

func (k CaseKind) String() string {
	switch k {
	case CaseNotarization:
		return "notarization"
	case CaseAppraisal:
		return "appraisal"
	case CaseLitigation:
		return "litigation"
	case CaseArbitration:
		return "arbitration"
	}
	return fmt.Sprintf("kind(%d)", uint32(k))
}

// institutionRole is the role of the organisation that acts on a case of
// kind k.
func (k CaseKind) institutionRole() Role {
	switch k {
	case CaseAppraisal:
		return RoleAppraisal
	case CaseLitigation:
		return RoleCourt
	case CaseArbitration:
		return RoleArbitration
	}
	return RoleNotary
}

// Filed reports whether k is a filed case (litigation or arbitration).
func (k CaseKind) Filed() bool { return k == CaseLitigation || k == CaseArbitration }

// CaseStatus is where a case is in its life.
type CaseStatus uint32

const (
	CasePending   CaseStatus = 1
	CaseAccepted  CaseStatus = 2
	CaseRejected  CaseStatus = 3
	CaseWithdrawn CaseStatus = 4
	CaseIssued    CaseStatus = 5
)

func (s CaseStatus) String() string {
	switch s {
	case CasePending:
		return "pending"
	case CaseAccepted:
		return "accepted"
	case CaseRejected:
		return "rejected"
	case CaseWithdrawn:
		return "withdrawn"
	case CaseIssued:
		return "issued"
	}
	return fmt.Sprintf("status(%d)", uint32(s))
}

// Decision is an institution's answer to a pending case.
type Decision uint32

const (
	DecisionAccept Decision = 1
	DecisionReject Decision = 2
)

func (d Decision) String() string {
	switch d {
	case DecisionAccept:
		return "accept"
	case DecisionReject:
		return "reject"
	}
	return fmt.Sprintf("decision(%d)", uint32(d))
}

// CaseState is a case's state.
//
//	message CaseState {
//	  string id          = 1;
//	  uint32 kind        = 2;  // CaseKind
//	  string contract_id = 3;
//	  string applicant   = 4;  // the applying (commissioning) organisation
//	  string institution = 5;  // the notary office or appraisal institution
//	  uint32 status      = 6;  // CaseStatus
//	  uint64 opened_in   = 7;  // log index of the application, plus one
//	  uint64 decided_in  = 8;  // log index of the decision, plus one; 0 if none
//	  uint64 closed_in   = 9;  // log index of the withdrawal or issue, plus one; 0 if none
//	  bytes  document_sm3 = 10; // the issued document's SM3
//	  string number      = 11; // the issued document's number; a filed case's docket number (案号)
//	  bytes  package_sm3 = 12; // a filed case's package: SM3 of the zip (rules version 4)
//	  uint64 package_size = 13; // its size in bytes
//	}
//
// Fields 12 and 13 are absent for notarisation and appraisal cases, so
// their encoding, and the state root, are what rules version 3 wrote.
type CaseState struct {
	ID          string
	Kind        CaseKind
	Contract    string
	Applicant   string
	Institution string
	Status      CaseStatus
	OpenedIn    uint64 // log index
	DecidedIn   uint64 // log index plus one, 0 if undecided
	ClosedIn    uint64 // log index plus one, 0 if open
	DocumentSM3 []byte
	Number      string
	PackageSM3  []byte
	PackageSize uint64
}

func (c *CaseState) encode(e *encoder) {
	e.string(1, c.ID)
	e.uint(2, uint64(c.Kind))
	e.string(3, c.Contract)
	e.string(4, c.Applicant)
	e.string(5, c.Institution)
	e.uint(6, uint64(c.Status))
	e.uint(7, c.OpenedIn+1)
	e.uint(8, c.DecidedIn)
	e.uint(9, c.ClosedIn)
	e.bytes(10, c.DocumentSM3)
	e.string(11, c.Number)
	e.bytes(12, c.PackageSM3)
	e.uint(13, c.PackageSize)
}

func (c *CaseState) decode(d *decoder) {
	c.ID = d.string(1, "id")
	c.Kind = CaseKind(d.uint32(2, "kind"))
	c.Contract = d.string(3, "contract_id")
	c.Applicant = d.string(4, "applicant")
	c.Institution = d.string(5, "institution")
	c.Status = CaseStatus(d.uint32(6, "status"))
	c.OpenedIn = d.uint(7, "opened_in") - 1
	c.DecidedIn = d.uint(8, "decided_in")
	c.ClosedIn = d.uint(9, "closed_in")
	c.DocumentSM3 = d.bytes(10, "document_sm3")
	c.Number = d.string(11, "number")
	c.PackageSM3 = d.bytes(12, "package_sm3")
	c.PackageSize = d.uint(13, "package_size")
}

// CaseWrite stores a case's state.
type CaseWrite struct{ State *CaseState }

func (e CaseWrite) applyTo(w StateWriter) error { return w.PutCase(e.State) }

// IssuedNumber is what the chain keeps of a document number an institution
// issued under, from rules version 4 (RulesVersion4): the case that issued
// it. A 公证书 or 意见书 number is the document's public name, cited in
// court and in registers; two documents of one institution under one
// number would make a citation ambiguous, so the second issue is refused
// (CodeDuplicateNumber at body.number). Numbers compare as bytes, exactly
// as printed: the chain does not normalise full-width brackets or spaces.
// Different institutions may use the same number.
//
//	message IssuedNumber { string case_id = 1; }
type IssuedNumber struct{ Case string }

func (n *IssuedNumber) encode(e *encoder) { e.string(1, n.Case) }
func (n *IssuedNumber) decode(d *decoder) { n.Case = d.string(1, "case_id") }

// IssuedNumberWrite stores the number an institution issued a document
// under (rules version 4).
type IssuedNumberWrite struct {
	Institution, Number string
	Issued              *IssuedNumber
}

func (e IssuedNumberWrite) applyTo(w StateWriter) error {
	return w.PutIssuedNumber(e.Institution, e.Number, e.Issued)
}

// Limits of case fields.
const (
	// MaxReasonBytes bounds a decision's reason: the institution's words
	// ("材料不全"), printed to the applicant; never personal data.
	MaxReasonBytes = 512
	// MaxNumberBytes bounds a document number (公证书 or 意见书 number).
	MaxNumberBytes = 64
	// MaxExaminers bounds the examiners an appraisal opinion names.
	MaxExaminers = 8
)

// Scope bits: what a notarisation covers.
const (
	ScopeContract  uint32 = 1 // the contract and its signing records
	ScopeSignedPDF uint32 = 2 // the signed PDF
	ScopeTimeline  uint32 = 4 // every record of the contract, workflow included
	scopeAll              = ScopeContract | ScopeSignedPDF | ScopeTimeline
)

// Purposes of a notarisation; the applicant's own words stay off chain
// (purpose_sm3).
const (
	PurposeLitigation   uint32 = 1 // 诉讼
	PurposeArbitration  uint32 = 2 // 仲裁
	PurposePreservation uint32 = 3 // 证据保全
	PurposeOther        uint32 = 4
)

// Appraisal items: what the court asks the institution to examine.
const (
	ItemBundle       uint32 = 1  // integrity of the evidence bundle (proofs, checkpoint)
	ItemPDFSignature uint32 = 2  // the signed PDF's signatures
	ItemCertificates uint32 = 4  // the signers' certificates and their status
	ItemIntent       uint32 = 8  // intent checks
	ItemTime         uint32 = 16 // signing times
	itemsAll                = ItemBundle | ItemPDFSignature | ItemCertificates | ItemIntent | ItemTime
)

// Conclusions of an appraisal opinion.
const (
	ConclusionIntact       uint32 = 1 // the data is complete and unaltered
	ConclusionAltered      uint32 = 2 // the data was altered or does not verify
	ConclusionUndetermined uint32 = 3 // the examination could not decide
	maxConclusion                 = ConclusionUndetermined
)

// checkText validates a short UTF-8 text field of at most max bytes.
func checkText(field, s string, required bool, max int) error {
	if s == "" {
		if required {
			return invalid(field, "missing")
		}
		return nil
	}
	if len(s) > max {
		return invalid(field, "%d bytes exceeds %d", len(s), max)
	}
	if !utf8.ValidString(s) {
		return invalid(field, "not UTF-8")
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return invalid(field, "control character %U", r)
		}
	}
	return nil
}

func checkBits(field string, v, all uint32) error {
	if v == 0 || v&^all != 0 {
		return invalid(field, "%d, want a non-empty combination of the bits of %d", v, all)
	}
	return nil
}

// decodeFP reads an optional fingerprint field.
func decodeFP(d *decoder, n protowire.Number, field string) Fingerprint {
	var fp Fingerprint
	copy(fp[:], d.fixed(n, field, fingerprintBytes))
	return fp
}

// encodeFP writes a fingerprint, nothing for the zero one (absent).
func encodeFP(e *encoder, n protowire.Number, fp Fingerprint) {
	if !fp.IsZero() {
		e.bytes(n, fp[:])
	}
}

// openCase applies the rules every new case shares: the id is unused, the
// contract exists, and the institution is a registered organisation with
// the role for kind.
func openCase(v StateView, c *RuleContext, kind CaseKind, id, contract, institution, field string) (*CaseState, *ContractState, *TxError) {
	_, ok, err := v.Case(id)
	must(err)
	if ok {
		return nil, nil, Reject(CodeCaseExists, "body."+kind.idField(), "case %q already exists", id)
	}
	k, ok, err := v.Contract(contract)
	must(err)
	if !ok {
		return nil, nil, Reject(CodeUnknownContract, "body.contract_id", "contract %q does not exist", contract)
	}
	o, ok, err := v.Org(institution)
	must(err)
	if !ok || o.Role != kind.institutionRole() {
		return nil, nil, Reject(CodeNotInstitution, field, "%q is not a registered organisation with the %s role", institution, kind.institutionRole())
	}
	return &CaseState{ID: id, Kind: kind, Contract: contract, Applicant: c.Org, Institution: institution,
		Status: CasePending, OpenedIn: c.Next}, k, nil
}

// idField is the body field that names a case of kind k.
func (k CaseKind) idField() string {
	switch {
	case k == CaseAppraisal:
		return "commission_id"
	case k.Filed():
		return "case_id"
	}
	return "application_id"
}

// loadCase loads a case of kind k named by a later step, which must name the
// case's contract too.
func loadCase(v StateView, kind CaseKind, id, contract string) (*CaseState, *TxError) {
	cs, ok, err := v.Case(id)
	must(err)
	if !ok || cs.Kind != kind {
		return nil, Reject(CodeUnknownCase, "body."+kind.idField(), "no %s case %q", kind, id)
	}
	if cs.Contract != contract {
		return nil, Reject(CodeUnknownCase, "body.contract_id", "case %q is on contract %q, not %q", id, cs.Contract, contract)
	}
	return cs, nil
}

// caseStatus refuses a step on a case not in one of the statuses want.
func caseStatus(cs *CaseState, step string, want ...CaseStatus) *TxError {
	for _, w := range want {
		if cs.Status == w {
			return nil
		}
	}
	return Reject(CodeCaseStatus, "body."+cs.Kind.idField(), "case %q is %s: cannot %s it", cs.ID, cs.Status, step)
}

// institutionStep checks that the submitting org is the case's institution.
func institutionStep(cs *CaseState, c *RuleContext) *TxError {
	if c.Org != cs.Institution {
		return Reject(CodePermission, "envelope.org", "case %q is for %q, not %q", cs.ID, cs.Institution, c.Org)
	}
	return nil
}

// orgCert checks that fp is a certificate registered to org and usable at
// block time: an institution's staff member, notary, examiner or a judge.
// It is a person's signing certificate or an API credential of the org
// (the one that signed the staff member's request), never a TLS
// certificate; not revoked, inside its validity period.
func orgCert(v StateView, c *RuleContext, fp Fingerprint, org, field string) *TxError {
	cs, ok, err := v.Cert(fp)
	must(err)
	if !ok {
		return Reject(CodeUnknownCert, field, "certificate %s is not registered", fp)
	}
	if cs.Org != org {
		return Reject(CodePermission, field, "certificate %s is %q's, not %q's", fp, cs.Org, org)
	}
	if cs.RevokedBy(c.Time) {
		return Reject(CodeCertRevoked, field, "certificate %s revoked", fp)
	}
	var certs CertChecker = PlainCerts{}
	if c.Certs != nil {
		certs = c.Certs
	}
	x, _, terr := certs.Parse(cs.DER, field)
	if terr != nil {
		return terr
	}
	if terr := validAt(x, c.Time, field); terr != nil {
		return terr
	}
	if HasUsage(x, signer.UsageSigner, field) == nil {
		return nil
	}
	return HasUsage(x, signer.UsageSubmitter, field)
}

// decide applies an institution's decision.
func decide(v StateView, c *RuleContext, kind CaseKind, id, contract string, d Decision, staff Fingerprint) (Effects, *TxError) {
	cs, terr := loadCase(v, kind, id, contract)
	if terr != nil {
		return nil, terr
	}
	if terr := institutionStep(cs, c); terr != nil {
		return nil, terr
	}
	if terr := caseStatus(cs, "decide", CasePending); terr != nil {
		return nil, terr
	}
	if terr := orgCert(v, c, staff, cs.Institution, "body.staff_cert"); terr != nil {
		return nil, terr
	}
	cs.Status = CaseAccepted
	if d == DecisionReject {
		cs.Status = CaseRejected
		cs.ClosedIn = c.Next + 1
	}
	cs.DecidedIn = c.Next + 1
	return Effects{CaseWrite{cs}}, nil
}

// withdraw applies an applicant's withdrawal.
func withdraw(v StateView, c *RuleContext, kind CaseKind, id, contract string) (Effects, *TxError) {
	cs, terr := loadCase(v, kind, id, contract)
	if terr != nil {
		return nil, terr
	}
	if c.Org != cs.Applicant {
		return nil, Reject(CodePermission, "envelope.org", "case %q was opened by %q, not %q", id, cs.Applicant, c.Org)
	}
	if terr := caseStatus(cs, "withdraw", CasePending, CaseAccepted); terr != nil {
		return nil, terr
	}
	cs.Status = CaseWithdrawn
	cs.ClosedIn = c.Next + 1
	return Effects{CaseWrite{cs}}, nil
}

// issue records the issued document of an accepted case. From rules
// version 4 the number must be one the institution has not issued under
// (IssuedNumber); before it any number is accepted, as it was, so a chain's
// older blocks replay as they were made.
func issue(v StateView, c *RuleContext, kind CaseKind, id, contract, number string, doc []byte) (*CaseState, *TxError) {
	cs, terr := loadCase(v, kind, id, contract)
	if terr != nil {
		return nil, terr
	}
	if terr := institutionStep(cs, c); terr != nil {
		return nil, terr
	}
	if terr := caseStatus(cs, "issue", CaseAccepted); terr != nil {
		return nil, terr
	}
	if c.Version >= RulesVersion4 {
		prev, ok, err := v.IssuedNumber(cs.Institution, number)
		must(err)
		if ok {
			return nil, Reject(CodeDuplicateNumber, "body.number", "%q already issued a document numbered %q (case %q)", cs.Institution, number, prev.Case)
		}
	}
	cs.Status = CaseIssued
	cs.ClosedIn = c.Next + 1
	cs.DocumentSM3 = append([]byte(nil), doc...)
	cs.Number = number
	return cs, nil
}

// issuedEffects are the writes of an issue: the case and, from rules
// version 4, its number.
func issuedEffects(c *RuleContext, cs *CaseState) Effects {
	es := Effects{CaseWrite{cs}}
	if c.Version >= RulesVersion4 {
		es = append(es, IssuedNumberWrite{Institution: cs.Institution, Number: cs.Number, Issued: &IssuedNumber{Case: cs.ID}})
	}
	return es
}

func validateDecision(idField, id, contract string, d Decision, reason string, staff Fingerprint) error {
	if err := checkID("body."+idField, id); err != nil {
		return err
	}
	if err := checkID("body.contract_id", contract); err != nil {
		return err
	}
	if d != DecisionAccept && d != DecisionReject {
		return invalid("body.decision", "%d, want 1 (accept) or 2 (reject)", d)
	}
	if err := checkText("body.reason", reason, d == DecisionReject, MaxReasonBytes); err != nil {
		return err
	}
	if staff.IsZero() {
		return invalid("body.staff_cert", "missing")
	}
	return nil
}

func validateIssued(idField, id, contract, number string, doc, bundle []byte, certs []Fingerprint, certsField string) error {
	if err := checkID("body."+idField, id); err != nil {
		return err
	}
	if err := checkID("body.contract_id", contract); err != nil {
		return err
	}
	if err := checkText("body.number", number, true, MaxNumberBytes); err != nil {
		return err
	}
	if err := checkHash("body.document_sm3", doc, true); err != nil {
		return err
	}
	if err := checkHash("body.bundle_sm3", bundle, true); err != nil {
		return err
	}
	if len(certs) == 0 || len(certs) > MaxExaminers {
		return invalid(certsField, "%d certificates, want 1..%d", len(certs), MaxExaminers)
	}
	seen := make(map[Fingerprint]bool, len(certs))
	for i, fp := range certs {
		f := certsField
		if len(certs) > 1 || certsField == "body.examiners" {
			f = fmt.Sprintf("%s[%d]", certsField, i)
		}
		if fp.IsZero() {
			return invalid(f, "missing")
		}
		if seen[fp] {
			return invalid(f, "duplicate certificate %s", fp)
		}
		seen[fp] = true
	}
	return nil
}
