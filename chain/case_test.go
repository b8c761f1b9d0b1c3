package chain

import (
	"bytes"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/sealchain/sealchain/signer"
)

// Institution cases (case.go, records 21-28) through MemState: every
// rejection of the eight records with its code and field, the happy paths,
// the status transitions and the state they leave.

// Certificates of the case world (caseWorld).
var (
	staffNotary    = fpOf(0x10) // notary's staff member
	staffNotary2   = fpOf(0x11) // notary-2's
	staffRevoked   = fpOf(0x12) // notary's, revoked before the block time
	staffRevokedLa = fpOf(0x13) // notary's, revoked after the block time
	staffExpired   = fpOf(0x14) // notary's, expired before the block time
	staffTLS       = fpOf(0x15) // notary's TLS client certificate
	judge          = fpOf(0x20) // court's
	judgeRevoked   = fpOf(0x21) // court's, revoked
	judgeArb       = fpOf(0x22) // arbitration's
	examiner1      = fpOf(0x30) // appraisal's
	examiner2      = fpOf(0x31) // appraisal's
	examinerOther  = fpOf(0x32) // appraisal-2's
	party1, party2 = fpOf(1), fpOf(2)
)

var caseTime = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

// caseWorld is a MemState with the organisations and certificates the
// tests name, and contracts c-1 (platform's) and c-2 (platform-2's).
func caseWorld(t *testing.T) *MemState {
	t.Helper()
	certs := caseCerts(t)
	m := NewMemState()
	for i, o := range []struct {
		id   string
		role Role
	}{{"platform", RolePlatform}, {"platform-2", RolePlatform}, {"notary", RoleNotary}, {"notary-2", RoleNotary},
		{"court", RoleCourt}, {"arbitration", RoleArbitration}, {"appraisal", RoleAppraisal}, {"appraisal-2", RoleAppraisal}} {
		must(m.PutOrg(&Org{ID: o.id, Name: o.id + " org", Role: o.role, CACert: []byte{0x30, byte(i)}, Weight: 1}))
	}
	for _, c := range []struct {
		fp      Fingerprint
		org     string
		revoked time.Time
	}{
		{staffNotary, "notary", time.Time{}}, {staffNotary2, "notary-2", time.Time{}},
		{staffRevoked, "notary", caseTime.Add(-time.Minute)}, {staffRevokedLa, "notary", caseTime.Add(time.Minute)},
		{judge, "court", time.Time{}}, {judgeRevoked, "court", caseTime}, {judgeArb, "arbitration", time.Time{}},
		{examiner1, "appraisal", time.Time{}}, {examiner2, "appraisal", time.Time{}}, {examinerOther, "appraisal-2", time.Time{}},
		{staffExpired, "notary", time.Time{}}, {staffTLS, "notary", time.Time{}},
	} {
		// The state is keyed by the test's fingerprints; the rules read the
		// certificate itself for its validity and usage.
		der := certs.signer
		switch c.fp {
		case staffExpired:
			der = certs.expired
		case staffTLS:
			der = certs.tls
		}
		cs := &CertState{DER: der, Org: c.org, IssuedIn: 1}
		if !c.revoked.IsZero() {
			cs.RevokedAt, cs.Reason, cs.RevokedIn = c.revoked, 1, 2
		}
		must(m.PutCert(c.fp, cs))
	}
	for _, k := range []*ContractState{
		{ID: "c-1", Org: "platform", DocSM3: h32(1), Parties: []Fingerprint{party1, party2}, Order: OrderSequential, Status: StatusCompleted,
			Signed: []bool{true, true}, Intent: []bool{true, true}, CreatedIn: 3},
		{ID: "c-2", Org: "platform-2", DocSM3: h32(2), Parties: []Fingerprint{party1}, Order: OrderSequential, Status: StatusOpen,
			Signed: []bool{false}, Intent: []bool{false}, CreatedIn: 4},
	} {
		must(m.PutContract(k))
	}
	return m
}

type caseCertDER struct{ signer, expired, tls []byte }

// caseCerts issues the certificates the case world's states hold: a
// signer certificate valid at caseTime, one that expired before it, and a
// TLS client certificate.
func caseCerts(t *testing.T) caseCertDER {
	t.Helper()
	key, err := signer.GenerateKey(signer.AlgSM2, nil)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := signer.NewCA(key, signer.CAOptions{OrgID: "notary", OrgName: "notary org", Role: "notary",
		NotBefore: caseTime.AddDate(-2, 0, 0), NotAfter: caseTime.AddDate(5, 0, 0)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	issue := func(u signer.Usage, from, to time.Time) []byte {
		der, err := ca.Issue(key.Public(), signer.IssueOptions{SubjectRef: "sc:staff", Usage: u, NotBefore: from, NotAfter: to}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	tlsKey, err := signer.GenerateKey(signer.AlgECDSAP256, nil)
	if err != nil {
		t.Fatal(err)
	}
	tlsDER, err := ca.IssueTLS(tlsKey.Public(), signer.TLSOptions{SubjectRef: "sc:staff-tls", Role: signer.TLSClient,
		NotBefore: caseTime.AddDate(-1, 0, 0), NotAfter: caseTime.AddDate(1, 0, 0)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return caseCertDER{
		signer:  issue(signer.UsageSigner, caseTime.AddDate(-1, 0, 0), caseTime.AddDate(1, 0, 0)),
		expired: issue(signer.UsageSubmitter, caseTime.AddDate(-1, 0, 0), caseTime.Add(-time.Hour)),
		tls:     tlsDER,
	}
}

// caseStep is one record submitted by org; code 0 means it must hold. It
// runs under rules version 3 (CaseRulesVersion) unless version says
// otherwise.
type caseStep struct {
	org     string
	body    Body
	code    uint32
	field   string
	version uint32
}

// applyCase runs body's rule against m as record log index next under
// rules version 3 and, if it holds, writes its effects.
func applyCase(m *MemState, org string, body Body, next uint64) *TxError {
	return applyCaseAt(m, org, body, next, CaseRulesVersion)
}

// applyCaseAt is applyCase under rules version version.
func applyCaseAt(m *MemState, org string, body Body, next uint64, version uint32) *TxError {
	c := &RuleContext{Version: version, ChainID: "case-test", Height: int64(next), Time: caseTime, Next: next, Org: org, Certs: PlainCerts{}}
	es, terr := body.Apply(m, c)
	if terr != nil {
		return terr
	}
	must(es.Apply(m))
	return nil
}

// runCase applies steps in order from log index 10 and returns the index
// the next record would get.
func runCase(t *testing.T, m *MemState, steps []caseStep) uint64 {
	t.Helper()
	next := uint64(10)
	for i, s := range steps {
		if err := s.body.Validate(); err != nil {
			t.Fatalf("step %d (%s): Validate: %v", i, s.body.Type(), err)
		}
		v := s.version
		if v == 0 {
			v = CaseRulesVersion
		}
		terr := applyCaseAt(m, s.org, s.body, next, v)
		switch {
		case s.code == CodeOK && terr != nil:
			t.Fatalf("step %d (%s by %s): refused: code %d at %s: %s", i, s.body.Type(), s.org, terr.Code, terr.Field, terr.Msg)
		case s.code != CodeOK && terr == nil:
			t.Fatalf("step %d (%s by %s): accepted; want code %d at %s", i, s.body.Type(), s.org, s.code, s.field)
		case s.code != CodeOK && (terr.Code != s.code || terr.Field != s.field):
			t.Fatalf("step %d (%s by %s): code %d at %s (%s); want code %d at %s", i, s.body.Type(), s.org, terr.Code, terr.Field, terr.Msg, s.code, s.field)
		}
		if terr == nil {
			next++
		}
	}
	return next
}

// Records of the tests; each returns a fresh body the test may edit.
func nApply(id string) *NotarizationApplied {
	return &NotarizationApplied{Application: id, Contract: "c-1", NotaryOrg: "notary", Scope: ScopeContract | ScopeSignedPDF,
		Purpose: PurposeLitigation, PurposeSM3: h32(0x40)}
}
func nDecide(id string, d Decision) *NotarizationDecided {
	r := ""
	if d == DecisionReject {
		r = "材料不全"
	}
	return &NotarizationDecided{Application: id, Contract: "c-1", Decision: d, Reason: r, Staff: staffNotary}
}
func nIssue(id string) *NotarizationIssued {
	return &NotarizationIssued{Application: id, Contract: "c-1", Number: "(2026)示公证字第1号", DocumentSM3: h32(0x50), BundleSM3: h32(0x51), Notary: staffNotary}
}
func nWithdraw(id string) *NotarizationWithdrawn {
	return &NotarizationWithdrawn{Application: id, Contract: "c-1", ReasonSM3: h32(0x41)}
}
func aCommission(id string) *AppraisalCommissioned {
	return &AppraisalCommissioned{Commission: id, Contract: "c-1", AppraisalOrg: "appraisal", Items: ItemBundle | ItemPDFSignature,
		MattersSM3: h32(0x42), Judge: judge}
}
func aDecide(id string, d Decision) *AppraisalDecided {
	r := ""
	if d == DecisionReject {
		r = "超出本机构业务范围"
	}
	return &AppraisalDecided{Commission: id, Contract: "c-1", Decision: d, Reason: r, Staff: examiner1}
}
func aIssue(id string) *AppraisalIssued {
	return &AppraisalIssued{Commission: id, Contract: "c-1", Number: "示司鉴〔2026〕电鉴字第1号", DocumentSM3: h32(0x52), BundleSM3: h32(0x53),
		Examiners: []Fingerprint{examiner1, examiner2}, Conclusion: ConclusionIntact}
}
func aWithdraw(id string) *AppraisalWithdrawn {
	return &AppraisalWithdrawn{Commission: id, Contract: "c-1", ReasonSM3: h32(0x43)}
}

func TestCaseRules(t *testing.T) {
	ok := func(org string, b Body) caseStep { return caseStep{org: org, body: b} }
	no := func(org string, b Body, code uint32, field string) caseStep {
		return caseStep{org: org, body: b, code: code, field: field}
	}
	// Cases opened and moved on before the step under test.
	nPending := []caseStep{ok("platform", nApply("n-1"))}
	nAccepted := append(nPending[:1:1], ok("notary", nDecide("n-1", DecisionAccept)))
	nRejected := append(nPending[:1:1], ok("notary", nDecide("n-1", DecisionReject)))
	nWithdrawn := append(nPending[:1:1], ok("platform", nWithdraw("n-1")))
	nIssued := append(nAccepted[:2:2], ok("notary", nIssue("n-1")))
	aPending := []caseStep{ok("court", aCommission("a-1"))}
	aAccepted := append(aPending[:1:1], ok("appraisal", aDecide("a-1", DecisionAccept)))
	aRejected := append(aPending[:1:1], ok("appraisal", aDecide("a-1", DecisionReject)))
	aWithdrawn := append(aPending[:1:1], ok("court", aWithdraw("a-1")))
	aIssued := append(aAccepted[:2:2], ok("appraisal", aIssue("a-1")))
	with := func(before []caseStep, s caseStep) []caseStep { return append(before[:len(before):len(before)], s) }

	tests := []struct {
		name  string
		steps []caseStep
	}{
		// notarization_applied
		{"apply", nPending},
		{"apply naming a party", []caseStep{ok("platform", func() Body { b := nApply("n-1"); b.Party = party2; return b }())}},
		{"apply: unknown contract", []caseStep{no("platform", func() Body { b := nApply("n-1"); b.Contract = "c-9"; return b }(), CodeUnknownContract, "body.contract_id")}},
		{"apply: contract of another platform", []caseStep{no("platform", func() Body { b := nApply("n-1"); b.Contract = "c-2"; return b }(), CodePermission, "envelope.org")}},
		{"apply: not by the contract's platform", []caseStep{no("court", nApply("n-1"), CodePermission, "envelope.org")}},
		{"apply: id in use", with(nPending, no("platform", nApply("n-1"), CodeCaseExists, "body.application_id"))},
		{"apply: id in use by a commission", with(aPending, no("platform", nApply("a-1"), CodeCaseExists, "body.application_id"))},
		{"apply: unknown notary office", []caseStep{no("platform", func() Body { b := nApply("n-1"); b.NotaryOrg = "notary-9"; return b }(), CodeNotInstitution, "body.notary_org")}},
		{"apply: to a court", []caseStep{no("platform", func() Body { b := nApply("n-1"); b.NotaryOrg = "court"; return b }(), CodeNotInstitution, "body.notary_org")}},
		{"apply: to an appraisal institution", []caseStep{no("platform", func() Body { b := nApply("n-1"); b.NotaryOrg = "appraisal"; return b }(), CodeNotInstitution, "body.notary_org")}},
		{"apply: party not of the contract", []caseStep{no("platform", func() Body { b := nApply("n-1"); b.Party = fpOf(9); return b }(), CodeNotParty, "body.party_cert")}},

		// notarization_decided
		{"accept", nAccepted},
		{"reject", nRejected},
		{"decide: staff revoked after the block time", with(nPending, ok("notary", func() Body { b := nDecide("n-1", DecisionAccept); b.Staff = staffRevokedLa; return b }()))},
		{"decide: unknown case", []caseStep{no("notary", nDecide("n-1", DecisionAccept), CodeUnknownCase, "body.application_id")}},
		{"decide: a commission's id", with(aPending, no("notary", nDecide("a-1", DecisionAccept), CodeUnknownCase, "body.application_id"))},
		{"decide: another contract", with(nPending, no("notary", func() Body { b := nDecide("n-1", DecisionAccept); b.Contract = "c-2"; return b }(), CodeUnknownCase, "body.contract_id"))},
		{"decide: another notary office", with(nPending, no("notary-2", func() Body { b := nDecide("n-1", DecisionAccept); b.Staff = staffNotary2; return b }(), CodePermission, "envelope.org"))},
		{"decide: by the applicant", with(nPending, no("platform", nDecide("n-1", DecisionAccept), CodePermission, "envelope.org"))},
		{"decide: staff of another office", with(nPending, no("notary", func() Body { b := nDecide("n-1", DecisionAccept); b.Staff = staffNotary2; return b }(), CodePermission, "body.staff_cert"))},
		{"decide: unknown staff certificate", with(nPending, no("notary", func() Body { b := nDecide("n-1", DecisionAccept); b.Staff = fpOf(0x7f); return b }(), CodeUnknownCert, "body.staff_cert"))},
		{"decide: expired staff certificate", with(nPending, no("notary", func() Body { b := nDecide("n-1", DecisionAccept); b.Staff = staffExpired; return b }(), CodeCertNotValid, "body.staff_cert"))},
		{"decide: TLS certificate as staff", with(nPending, no("notary", func() Body { b := nDecide("n-1", DecisionAccept); b.Staff = staffTLS; return b }(), CodeTLSCert, "body.staff_cert"))},
		{"decide: revoked staff certificate", with(nPending, no("notary", func() Body { b := nDecide("n-1", DecisionAccept); b.Staff = staffRevoked; return b }(), CodeCertRevoked, "body.staff_cert"))},
		{"decide twice", with(nAccepted, no("notary", nDecide("n-1", DecisionReject), CodeCaseStatus, "body.application_id"))},
		{"decide a rejected case", with(nRejected, no("notary", nDecide("n-1", DecisionAccept), CodeCaseStatus, "body.application_id"))},
		{"decide a withdrawn case", with(nWithdrawn, no("notary", nDecide("n-1", DecisionAccept), CodeCaseStatus, "body.application_id"))},

		// notarization_withdrawn
		{"withdraw pending", nWithdrawn},
		{"withdraw accepted", with(nAccepted, ok("platform", nWithdraw("n-1")))},
		{"withdraw: unknown case", []caseStep{no("platform", nWithdraw("n-1"), CodeUnknownCase, "body.application_id")}},
		{"withdraw: a commission's id", with(aPending, no("platform", nWithdraw("a-1"), CodeUnknownCase, "body.application_id"))},
		{"withdraw: another contract", with(nPending, no("platform", func() Body { b := nWithdraw("n-1"); b.Contract = "c-2"; return b }(), CodeUnknownCase, "body.contract_id"))},
		{"withdraw: not the applicant", with(nPending, no("notary", nWithdraw("n-1"), CodePermission, "envelope.org"))},
		{"withdraw: another platform", with(nPending, no("platform-2", nWithdraw("n-1"), CodePermission, "envelope.org"))},
		{"withdraw twice", with(nWithdrawn, no("platform", nWithdraw("n-1"), CodeCaseStatus, "body.application_id"))},
		{"withdraw rejected", with(nRejected, no("platform", nWithdraw("n-1"), CodeCaseStatus, "body.application_id"))},
		{"withdraw issued", with(nIssued, no("platform", nWithdraw("n-1"), CodeCaseStatus, "body.application_id"))},

		// notarization_issued
		{"issue", nIssued},
		{"issue: pending", with(nPending, no("notary", nIssue("n-1"), CodeCaseStatus, "body.application_id"))},
		{"issue: rejected", with(nRejected, no("notary", nIssue("n-1"), CodeCaseStatus, "body.application_id"))},
		{"issue: withdrawn", with(nWithdrawn, no("notary", nIssue("n-1"), CodeCaseStatus, "body.application_id"))},
		{"issue twice", with(nIssued, no("notary", nIssue("n-1"), CodeCaseStatus, "body.application_id"))},
		{"issue: unknown case", []caseStep{no("notary", nIssue("n-1"), CodeUnknownCase, "body.application_id")}},
		{"issue: another contract", with(nAccepted, no("notary", func() Body { b := nIssue("n-1"); b.Contract = "c-2"; return b }(), CodeUnknownCase, "body.contract_id"))},
		{"issue: another office", with(nAccepted, no("notary-2", nIssue("n-1"), CodePermission, "envelope.org"))},
		{"issue: notary of another office", with(nAccepted, no("notary", func() Body { b := nIssue("n-1"); b.Notary = staffNotary2; return b }(), CodePermission, "body.notary_cert"))},
		{"issue: unknown notary certificate", with(nAccepted, no("notary", func() Body { b := nIssue("n-1"); b.Notary = fpOf(0x7f); return b }(), CodeUnknownCert, "body.notary_cert"))},
		{"issue: revoked notary certificate", with(nAccepted, no("notary", func() Body { b := nIssue("n-1"); b.Notary = staffRevoked; return b }(), CodeCertRevoked, "body.notary_cert"))},

		// re-application
		{"apply again after rejection", with(nRejected, ok("platform", nApply("n-2")))},
		{"apply again after withdrawal", with(nWithdrawn, ok("platform", nApply("n-2")))},
		{"apply again under the rejected id", with(nRejected, no("platform", nApply("n-1"), CodeCaseExists, "body.application_id"))},

		// appraisal_commissioned
		{"commission", aPending},
		{"commission: another platform's contract", []caseStep{ok("court", func() Body { b := aCommission("a-1"); b.Contract = "c-2"; return b }())}},
		{"commission: by a platform", []caseStep{no("platform", aCommission("a-1"), CodeNotInstitution, "envelope.org")}},
		{"commission: by arbitration", []caseStep{no("arbitration", func() Body { b := aCommission("a-1"); b.Judge = judgeArb; return b }(), CodeNotInstitution, "envelope.org")}},
		{"commission: by a notary office", []caseStep{no("notary", aCommission("a-1"), CodeNotInstitution, "envelope.org")}},
		{"commission: judge of another org", []caseStep{no("court", func() Body { b := aCommission("a-1"); b.Judge = judgeArb; return b }(), CodePermission, "body.judge_cert")}},
		{"commission: unknown judge certificate", []caseStep{no("court", func() Body { b := aCommission("a-1"); b.Judge = fpOf(0x7e); return b }(), CodeUnknownCert, "body.judge_cert")}},
		{"commission: judge revoked at the block time", []caseStep{no("court", func() Body { b := aCommission("a-1"); b.Judge = judgeRevoked; return b }(), CodeCertRevoked, "body.judge_cert")}},
		{"commission: id in use", with(aPending, no("court", aCommission("a-1"), CodeCaseExists, "body.commission_id"))},
		{"commission: id in use by an application", with(nPending, no("court", aCommission("n-1"), CodeCaseExists, "body.commission_id"))},
		{"commission: unknown contract", []caseStep{no("court", func() Body { b := aCommission("a-1"); b.Contract = "c-9"; return b }(), CodeUnknownContract, "body.contract_id")}},
		{"commission: a notary office", []caseStep{no("court", func() Body { b := aCommission("a-1"); b.AppraisalOrg = "notary"; return b }(), CodeNotInstitution, "body.appraisal_org")}},
		{"commission: unknown institution", []caseStep{no("court", func() Body { b := aCommission("a-1"); b.AppraisalOrg = "appraisal-9"; return b }(), CodeNotInstitution, "body.appraisal_org")}},

		// appraisal_decided
		{"appraisal accept", aAccepted},
		{"appraisal reject", aRejected},
		{"appraisal decide: unknown case", []caseStep{no("appraisal", aDecide("a-1", DecisionAccept), CodeUnknownCase, "body.commission_id")}},
		{"appraisal decide: an application's id", with(nPending, no("appraisal", aDecide("n-1", DecisionAccept), CodeUnknownCase, "body.commission_id"))},
		{"appraisal decide: another contract", with(aPending, no("appraisal", func() Body { b := aDecide("a-1", DecisionAccept); b.Contract = "c-2"; return b }(), CodeUnknownCase, "body.contract_id"))},
		{"appraisal decide: another institution", with(aPending, no("appraisal-2", func() Body { b := aDecide("a-1", DecisionAccept); b.Staff = examinerOther; return b }(), CodePermission, "envelope.org"))},
		{"appraisal decide: staff of another institution", with(aPending, no("appraisal", func() Body { b := aDecide("a-1", DecisionAccept); b.Staff = examinerOther; return b }(), CodePermission, "body.staff_cert"))},
		{"appraisal decide twice", with(aAccepted, no("appraisal", aDecide("a-1", DecisionAccept), CodeCaseStatus, "body.commission_id"))},
		{"appraisal decide withdrawn", with(aWithdrawn, no("appraisal", aDecide("a-1", DecisionAccept), CodeCaseStatus, "body.commission_id"))},

		// appraisal_withdrawn
		{"appraisal withdraw pending", aWithdrawn},
		{"appraisal withdraw accepted", with(aAccepted, ok("court", aWithdraw("a-1")))},
		{"appraisal withdraw: unknown case", []caseStep{no("court", aWithdraw("a-1"), CodeUnknownCase, "body.commission_id")}},
		{"appraisal withdraw: not the court", with(aPending, no("appraisal", aWithdraw("a-1"), CodePermission, "envelope.org"))},
		{"appraisal withdraw: the contract's platform", with(aPending, no("platform", aWithdraw("a-1"), CodePermission, "envelope.org"))},
		{"appraisal withdraw rejected", with(aRejected, no("court", aWithdraw("a-1"), CodeCaseStatus, "body.commission_id"))},
		{"appraisal withdraw issued", with(aIssued, no("court", aWithdraw("a-1"), CodeCaseStatus, "body.commission_id"))},

		// appraisal_issued
		{"appraisal issue", aIssued},
		{"appraisal issue: pending", with(aPending, no("appraisal", aIssue("a-1"), CodeCaseStatus, "body.commission_id"))},
		{"appraisal issue: rejected", with(aRejected, no("appraisal", aIssue("a-1"), CodeCaseStatus, "body.commission_id"))},
		{"appraisal issue twice", with(aIssued, no("appraisal", aIssue("a-1"), CodeCaseStatus, "body.commission_id"))},
		{"appraisal issue: another contract", with(aAccepted, no("appraisal", func() Body { b := aIssue("a-1"); b.Contract = "c-2"; return b }(), CodeUnknownCase, "body.contract_id"))},
		{"appraisal issue: by the court", with(aAccepted, no("court", aIssue("a-1"), CodePermission, "envelope.org"))},
		{"appraisal issue: examiner of another institution", with(aAccepted, no("appraisal", func() Body {
			b := aIssue("a-1")
			b.Examiners = []Fingerprint{examiner1, examinerOther}
			return b
		}(), CodePermission, "body.examiners[1]"))},
		{"appraisal issue: unknown examiner", with(aAccepted, no("appraisal", func() Body {
			b := aIssue("a-1")
			b.Examiners = []Fingerprint{fpOf(0x7d)}
			return b
		}(), CodeUnknownCert, "body.examiners[0]"))},
		{"commission again after rejection", with(aRejected, ok("court", aCommission("a-2")))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			runCase(t, caseWorld(t), tc.steps)
		})
	}
}

// TestCaseNumberUnique: from rules version 4 an institution issues each
// document number once (CodeDuplicateNumber at body.number); other
// institutions may use the same number; under version 3 a repeated number
// is accepted, as blocks made then replay, and is not registered.
func TestCaseNumberUnique(t *testing.T) {
	at := func(v uint32, org string, b Body) caseStep { return caseStep{org: org, body: b, version: v} }
	dup := func(v uint32, org string, b Body) caseStep {
		return caseStep{org: org, body: b, version: v, code: CodeDuplicateNumber, field: "body.number"}
	}
	// notarised opens and accepts application id at the notary office org
	// (its staff member staff) under version v.
	notarised := func(v uint32, id, org string, staff Fingerprint) []caseStep {
		a := nApply(id)
		a.NotaryOrg = org
		d := nDecide(id, DecisionAccept)
		d.Staff = staff
		return []caseStep{at(v, "platform", a), at(v, org, d)}
	}
	issueAs := func(id, number string, staff Fingerprint) *NotarizationIssued {
		b := nIssue(id)
		b.Number, b.Notary = number, staff
		return b
	}
	appraised := func(v uint32, id string) []caseStep {
		return []caseStep{at(v, "court", aCommission(id)), at(v, "appraisal", aDecide(id, DecisionAccept))}
	}
	aIssueAs := func(id, number string) *AppraisalIssued {
		b := aIssue(id)
		b.Number = number
		return b
	}
	const no1, no2 = "(2026)示公证字第1号", "(2026)示公证字第2号"
	cat := func(parts ...[]caseStep) []caseStep { return slices.Concat(parts...) }
	v3, v4 := uint32(CaseRulesVersion), RulesVersion4

	tests := []struct {
		name  string
		steps []caseStep
		// numbers are the (institution, number) pairs registered at the end.
		numbers [][2]string
	}{
		{"v4: one issue registers its number",
			cat(notarised(v4, "n-1", "notary", staffNotary), []caseStep{at(v4, "notary", issueAs("n-1", no1, staffNotary))}),
			[][2]string{{"notary", no1}}},
		{"v4: a second certificate under the number is refused",
			cat(notarised(v4, "n-1", "notary", staffNotary), notarised(v4, "n-2", "notary", staffNotary),
				[]caseStep{at(v4, "notary", issueAs("n-1", no1, staffNotary)), dup(v4, "notary", issueAs("n-2", no1, staffNotary)),
					at(v4, "notary", issueAs("n-2", no2, staffNotary))}),
			[][2]string{{"notary", no1}, {"notary", no2}}},
		{"v4: the same number at another notary office",
			cat(notarised(v4, "n-1", "notary", staffNotary), notarised(v4, "n-2", "notary-2", staffNotary2),
				[]caseStep{at(v4, "notary", issueAs("n-1", no1, staffNotary)), at(v4, "notary-2", issueAs("n-2", no1, staffNotary2))}),
			[][2]string{{"notary", no1}, {"notary-2", no1}}},
		{"v4: numbers compare as printed bytes",
			cat(notarised(v4, "n-1", "notary", staffNotary), notarised(v4, "n-2", "notary", staffNotary),
				[]caseStep{at(v4, "notary", issueAs("n-1", no1, staffNotary)), at(v4, "notary", issueAs("n-2", "（2026）示公证字第1号", staffNotary))}),
			[][2]string{{"notary", no1}, {"notary", "（2026）示公证字第1号"}}},
		{"v4: a second opinion under the number is refused",
			cat(appraised(v4, "a-1"), appraised(v4, "a-2"),
				[]caseStep{at(v4, "appraisal", aIssueAs("a-1", "A-1")), dup(v4, "appraisal", aIssueAs("a-2", "A-1"))}),
			[][2]string{{"appraisal", "A-1"}}},
		{"v4: an opinion under a notary office's number",
			cat(notarised(v4, "n-1", "notary", staffNotary), appraised(v4, "a-1"),
				[]caseStep{at(v4, "notary", issueAs("n-1", "X-1", staffNotary)), at(v4, "appraisal", aIssueAs("a-1", "X-1"))}),
			[][2]string{{"notary", "X-1"}, {"appraisal", "X-1"}}},
		{"v4: a refused issue registers nothing",
			cat(notarised(v4, "n-1", "notary", staffNotary), []caseStep{
				{org: "notary", body: issueAs("n-1", no1, staffRevoked), version: v4, code: CodeCertRevoked, field: "body.notary_cert"},
				at(v4, "notary", issueAs("n-1", no2, staffNotary))}),
			[][2]string{{"notary", no2}}},
		{"v3: a repeated number is accepted and not registered",
			cat(notarised(v3, "n-1", "notary", staffNotary), notarised(v3, "n-2", "notary", staffNotary),
				[]caseStep{at(v3, "notary", issueAs("n-1", no1, staffNotary)), at(v3, "notary", issueAs("n-2", no1, staffNotary))}),
			nil},
		{"v3 then v4: numbers issued under v3 are not in the register",
			cat(notarised(v3, "n-1", "notary", staffNotary), notarised(v3, "n-2", "notary", staffNotary), notarised(v4, "n-3", "notary", staffNotary),
				[]caseStep{at(v3, "notary", issueAs("n-1", no1, staffNotary)), at(v4, "notary", issueAs("n-2", no1, staffNotary)),
					dup(v4, "notary", issueAs("n-3", no1, staffNotary))}),
			[][2]string{{"notary", no1}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := caseWorld(t)
			runCase(t, m, tc.steps)
			if len(m.numbers) != len(tc.numbers) {
				t.Errorf("%d numbers registered, want %d", len(m.numbers), len(tc.numbers))
			}
			for _, n := range tc.numbers {
				got, ok, err := m.IssuedNumber(n[0], n[1])
				if err != nil || !ok {
					t.Errorf("%s's number %q not registered (%v)", n[0], n[1], err)
					continue
				}
				if cs, ok, _ := m.Case(got.Case); !ok || cs.Institution != n[0] || cs.Number != n[1] || cs.Status != CaseIssued {
					t.Errorf("%s's number %q names case %q: %+v", n[0], n[1], got.Case, cs)
				}
			}
		})
	}

	// The state value round trips.
	in, back := IssuedNumber{Case: "n-1"}, IssuedNumber{}
	stateRoundTrip(t, &in, &back)
	if back != in {
		t.Errorf("round trip: %+v", back)
	}
}

// TestCaseStates: the state each step leaves, log indexes included.
func TestCaseStates(t *testing.T) {
	m := caseWorld(t)
	get := func(id string) CaseState {
		t.Helper()
		cs, ok, err := m.Case(id)
		if err != nil || !ok {
			t.Fatalf("case %s: %v %v", id, ok, err)
		}
		return *cs
	}
	check := func(id string, want CaseState) {
		t.Helper()
		if got := get(id); !reflect.DeepEqual(got, want) {
			t.Errorf("case %s:\n got %+v\nwant %+v", id, got, want)
		}
	}
	// Log indexes from 10: n-1 applied 10, accepted 11, issued 12;
	// a-1 commissioned 13, rejected 14; a-2 commissioned 15, withdrawn 16.
	runCase(t, m, []caseStep{
		{org: "platform", body: nApply("n-1")},
	})
	n1 := CaseState{ID: "n-1", Kind: CaseNotarization, Contract: "c-1", Applicant: "platform", Institution: "notary", Status: CasePending, OpenedIn: 10}
	check("n-1", n1)
	if err := applyCase(m, "notary", nDecide("n-1", DecisionAccept), 11); err != nil {
		t.Fatal(err)
	}
	n1.Status, n1.DecidedIn = CaseAccepted, 12
	check("n-1", n1)
	if err := applyCase(m, "notary", nIssue("n-1"), 12); err != nil {
		t.Fatal(err)
	}
	n1.Status, n1.ClosedIn, n1.DocumentSM3, n1.Number = CaseIssued, 13, h32(0x50), "(2026)示公证字第1号"
	check("n-1", n1)

	for i, s := range []caseStep{{org: "court", body: aCommission("a-1")}, {org: "appraisal", body: aDecide("a-1", DecisionReject)},
		{org: "court", body: aCommission("a-2")}, {org: "court", body: aWithdraw("a-2")}} {
		if err := applyCase(m, s.org, s.body, uint64(13+i)); err != nil {
			t.Fatalf("%s: %v", s.body.Type(), err)
		}
	}
	check("a-1", CaseState{ID: "a-1", Kind: CaseAppraisal, Contract: "c-1", Applicant: "court", Institution: "appraisal", Status: CaseRejected,
		OpenedIn: 13, DecidedIn: 15, ClosedIn: 15})
	check("a-2", CaseState{ID: "a-2", Kind: CaseAppraisal, Contract: "c-1", Applicant: "court", Institution: "appraisal", Status: CaseWithdrawn,
		OpenedIn: 15, ClosedIn: 17})

	// The state encodes canonically and round trips, every field set.
	full := get("n-1")
	var back CaseState
	stateRoundTrip(t, &full, &back)
	if !reflect.DeepEqual(back, full) {
		t.Errorf("round trip:\n got %+v\nwant %+v", back, full)
	}
	// A refused step writes nothing.
	before := EncodeState(&full)
	if terr := applyCase(m, "notary", nIssue("n-1"), 20); terr == nil || terr.Code != CodeCaseStatus {
		t.Fatalf("issue twice: %v", terr)
	}
	if after := get("n-1"); !bytes.Equal(EncodeState(&after), before) {
		t.Error("a refused step changed the case")
	}
}

// TestCaseValidate: the stateless rules of the eight records.
func TestCaseValidate(t *testing.T) {
	long := string(bytes.Repeat([]byte("x"), MaxReasonBytes+1))
	nine := make([]Fingerprint, MaxExaminers+1)
	for i := range nine {
		nine[i] = fpOf(byte(0x60 + i))
	}
	tests := []struct {
		name  string
		body  Body
		field string
	}{
		{"apply without id", func() Body { b := nApply(""); return b }(), "body.application_id"},
		{"apply without scope", func() Body { b := nApply("n-1"); b.Scope = 0; return b }(), "body.scope"},
		{"apply unknown scope bit", func() Body { b := nApply("n-1"); b.Scope = 8; return b }(), "body.scope"},
		{"apply purpose 0", func() Body { b := nApply("n-1"); b.Purpose = 0; return b }(), "body.purpose"},
		{"apply purpose 5", func() Body { b := nApply("n-1"); b.Purpose = 5; return b }(), "body.purpose"},
		{"apply short purpose hash", func() Body { b := nApply("n-1"); b.PurposeSM3 = []byte{1}; return b }(), "body.purpose_sm3"},
		{"withdraw without reason", func() Body { b := nWithdraw("n-1"); b.ReasonSM3 = nil; return b }(), "body.reason_sm3"},
		{"decide without decision", func() Body { b := nDecide("n-1", DecisionAccept); b.Decision = 0; return b }(), "body.decision"},
		{"reject without reason", func() Body { b := nDecide("n-1", DecisionReject); b.Reason = ""; return b }(), "body.reason"},
		{"reason too long", func() Body { b := nDecide("n-1", DecisionReject); b.Reason = long; return b }(), "body.reason"},
		{"reason with a control character", func() Body { b := nDecide("n-1", DecisionReject); b.Reason = "a\nb"; return b }(), "body.reason"},
		{"decide without staff", func() Body { b := nDecide("n-1", DecisionAccept); b.Staff = Fingerprint{}; return b }(), "body.staff_cert"},
		{"issue without number", func() Body { b := nIssue("n-1"); b.Number = ""; return b }(), "body.number"},
		{"issue without document", func() Body { b := nIssue("n-1"); b.DocumentSM3 = nil; return b }(), "body.document_sm3"},
		{"issue without bundle", func() Body { b := nIssue("n-1"); b.BundleSM3 = nil; return b }(), "body.bundle_sm3"},
		{"issue without notary", func() Body { b := nIssue("n-1"); b.Notary = Fingerprint{}; return b }(), "body.notary_cert"},
		{"commission without items", func() Body { b := aCommission("a-1"); b.Items = 0; return b }(), "body.items"},
		{"commission unknown item bit", func() Body { b := aCommission("a-1"); b.Items = 32; return b }(), "body.items"},
		{"commission without matters", func() Body { b := aCommission("a-1"); b.MattersSM3 = nil; return b }(), "body.matters_sm3"},
		{"commission without judge", func() Body { b := aCommission("a-1"); b.Judge = Fingerprint{}; return b }(), "body.judge_cert"},
		{"commission without institution", func() Body { b := aCommission("a-1"); b.AppraisalOrg = ""; return b }(), "body.appraisal_org"},
		{"opinion without examiners", func() Body { b := aIssue("a-1"); b.Examiners = nil; return b }(), "body.examiners"},
		{"opinion with nine examiners", func() Body { b := aIssue("a-1"); b.Examiners = nine; return b }(), "body.examiners"},
		{"opinion with an examiner twice", func() Body { b := aIssue("a-1"); b.Examiners = []Fingerprint{examiner1, examiner1}; return b }(), "body.examiners[1]"},
		{"opinion with a zero examiner", func() Body { b := aIssue("a-1"); b.Examiners = []Fingerprint{{}}; return b }(), "body.examiners[0]"},
		{"opinion without conclusion", func() Body { b := aIssue("a-1"); b.Conclusion = 0; return b }(), "body.conclusion"},
		{"opinion conclusion 4", func() Body { b := aIssue("a-1"); b.Conclusion = 4; return b }(), "body.conclusion"},
		{"appraisal decide without id", func() Body { b := aDecide("", DecisionAccept); return b }(), "body.commission_id"},
		{"appraisal withdraw without contract", func() Body { b := aWithdraw("a-1"); b.Contract = ""; return b }(), "body.contract_id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.body.Validate()
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field || !errors.Is(err, ErrInvalid) {
				t.Fatalf("Validate: %v, want an invalid %s", err, tc.field)
			}
		})
	}
}
