package chain

import (
	"bytes"
	"strings"
	"testing"
)

// Filed cases (filing.go, records 29-31) through MemState: every rejection
// with its code and field, the happy paths and the state they leave.

func fFile(id string) *CaseFiled {
	return &CaseFiled{Case: id, Kind: CaseLitigation, Institution: "court", Contracts: []string{"c-1", "c-3"},
		PackageSM3: h32(0x60), PackageSize: 4096, Batch: "b-1"}
}
func fDocket(id string, d Decision) *CaseDocketed {
	b := &CaseDocketed{Case: id, Contract: "c-1", Decision: d, Staff: judge, Docket: "(2026)京0491民初1号"}
	if d == DecisionReject {
		b.Reason, b.Docket = "诉讼请求不明确", ""
	}
	return b
}
func fWithdraw(id string) *CaseFilingWithdrawn {
	return &CaseFilingWithdrawn{Case: id, Contract: "c-1", ReasonSM3: h32(0x61)}
}

// filingWorld is caseWorld with a second contract of the platform, c-3.
func filingWorld(t *testing.T) *MemState {
	m := caseWorld(t)
	must(m.PutContract(&ContractState{ID: "c-3", Org: "platform", DocSM3: h32(3), Parties: []Fingerprint{party1},
		Order: OrderSequential, Status: StatusVoided, Signed: []bool{false}, Intent: []bool{false}, CreatedIn: 5}))
	return m
}

func TestFilingRules(t *testing.T) {
	ok := func(org string, b Body) caseStep { return caseStep{org: org, body: b} }
	no := func(org string, b Body, code uint32, field string) caseStep {
		return caseStep{org: org, body: b, code: code, field: field}
	}
	with := func(before []caseStep, s ...caseStep) []caseStep {
		return append(before[:len(before):len(before)], s...)
	}
	edit := func(b *CaseFiled, fn func(*CaseFiled)) Body { fn(b); return b }
	pending := []caseStep{ok("platform", fFile("f-1"))}
	docketed := with(pending, ok("court", fDocket("f-1", DecisionAccept)))
	returned := with(pending, ok("court", fDocket("f-1", DecisionReject)))
	withdrawn := with(pending, ok("platform", fWithdraw("f-1")))
	arb := func(id string) *CaseFiled {
		b := fFile(id)
		b.Kind, b.Institution = CaseArbitration, "arbitration"
		return b
	}

	tests := []struct {
		name  string
		steps []caseStep
		want  CaseStatus
	}{
		{"file to a court", pending, CasePending},
		{"file to arbitration", []caseStep{ok("platform", arb("f-1"))}, CasePending},
		{"file: a voided contract", []caseStep{ok("platform", edit(fFile("f-1"), func(b *CaseFiled) { b.Contracts = []string{"c-3"} }))}, CasePending},
		{"file: id in use", with(pending, no("platform", fFile("f-1"), CodeCaseExists, "body.case_id")), CasePending},
		{"file: id of a notarisation", []caseStep{ok("platform", nApply("f-1")), no("platform", fFile("f-1"), CodeCaseExists, "body.case_id")}, CasePending},
		{"file: unknown contract", []caseStep{no("platform", edit(fFile("f-1"), func(b *CaseFiled) { b.Contracts[1] = "c-9" }), CodeUnknownContract, "body.contracts[1]")}, 0},
		{"file: another platform's contract", []caseStep{no("platform", edit(fFile("f-1"), func(b *CaseFiled) { b.Contracts[1] = "c-2" }), CodePermission, "body.contracts[1]")}, 0},
		{"file: by another platform", []caseStep{no("platform-2", fFile("f-1"), CodePermission, "body.contracts[0]")}, 0},
		{"file: litigation to arbitration", []caseStep{no("platform", edit(fFile("f-1"), func(b *CaseFiled) { b.Institution = "arbitration" }), CodeNotInstitution, "body.institution")}, 0},
		{"file: arbitration to a court", []caseStep{no("platform", edit(arb("f-1"), func(b *CaseFiled) { b.Institution = "court" }), CodeNotInstitution, "body.institution")}, 0},
		{"file: to a notary office", []caseStep{no("platform", edit(fFile("f-1"), func(b *CaseFiled) { b.Institution = "notary" }), CodeNotInstitution, "body.institution")}, 0},
		{"file: unknown institution", []caseStep{no("platform", edit(fFile("f-1"), func(b *CaseFiled) { b.Institution = "court-9" }), CodeNotInstitution, "body.institution")}, 0},

		{"docket", docketed, CaseAccepted},
		{"return", returned, CaseRejected},
		{"docket by arbitration", []caseStep{ok("platform", arb("f-1")), ok("arbitration", func() Body { b := fDocket("f-1", DecisionAccept); b.Staff = judgeArb; return b }())}, CaseAccepted},
		{"docket: unknown case", []caseStep{no("court", fDocket("f-1", DecisionAccept), CodeUnknownCase, "body.case_id")}, 0},
		{"docket: a notarisation", []caseStep{ok("platform", nApply("f-1")), no("court", fDocket("f-1", DecisionAccept), CodeUnknownCase, "body.case_id")}, CasePending},
		{"docket: another contract of the case", with(pending, no("court", func() Body { b := fDocket("f-1", DecisionAccept); b.Contract = "c-3"; return b }(), CodeUnknownCase, "body.contract_id")), CasePending},
		{"docket: another institution", with(pending, no("arbitration", func() Body { b := fDocket("f-1", DecisionAccept); b.Staff = judgeArb; return b }(), CodePermission, "envelope.org")), CasePending},
		{"docket: by the filer", with(pending, no("platform", fDocket("f-1", DecisionAccept), CodePermission, "envelope.org")), CasePending},
		{"docket: staff of another org", with(pending, no("court", func() Body { b := fDocket("f-1", DecisionAccept); b.Staff = judgeArb; return b }(), CodePermission, "body.staff_cert")), CasePending},
		{"docket: revoked staff", with(pending, no("court", func() Body { b := fDocket("f-1", DecisionAccept); b.Staff = judgeRevoked; return b }(), CodeCertRevoked, "body.staff_cert")), CasePending},
		{"docket twice", with(docketed, no("court", fDocket("f-1", DecisionReject), CodeCaseStatus, "body.case_id")), CaseAccepted},
		{"docket a returned case", with(returned, no("court", fDocket("f-1", DecisionAccept), CodeCaseStatus, "body.case_id")), CaseRejected},
		{"docket a withdrawn case", with(withdrawn, no("court", fDocket("f-1", DecisionAccept), CodeCaseStatus, "body.case_id")), CaseWithdrawn},

		{"withdraw", withdrawn, CaseWithdrawn},
		{"withdraw: not the filer", with(pending, no("court", fWithdraw("f-1"), CodePermission, "envelope.org")), CasePending},
		{"withdraw: docketed", with(docketed, no("platform", fWithdraw("f-1"), CodeCaseStatus, "body.case_id")), CaseAccepted},
		{"withdraw twice", with(withdrawn, no("platform", fWithdraw("f-1"), CodeCaseStatus, "body.case_id")), CaseWithdrawn},
		{"withdraw: a notarisation", []caseStep{ok("platform", nApply("f-1")), no("platform", fWithdraw("f-1"), CodeUnknownCase, "body.case_id")}, CasePending},
		{"file again after return", with(returned, ok("platform", fFile("f-2"))), CaseRejected},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := filingWorld(t)
			runCase(t, m, tc.steps)
			cs, ok, _ := m.Case("f-1")
			if tc.want == 0 {
				if ok {
					t.Fatalf("case f-1 exists: %+v", cs)
				}
				return
			}
			if !ok || cs.Status != tc.want {
				t.Fatalf("case f-1: %+v, want status %s", cs, tc.want)
			}
		})
	}
}

// TestFilingState: the state a filed case leaves, step by step.
func TestFilingState(t *testing.T) {
	m := filingWorld(t)
	next := runCase(t, m, []caseStep{{org: "platform", body: fFile("f-1")}, {org: "court", body: fDocket("f-1", DecisionAccept)}})
	cs, _, _ := m.Case("f-1")
	want := &CaseState{ID: "f-1", Kind: CaseLitigation, Contract: "c-1", Applicant: "platform", Institution: "court",
		Status: CaseAccepted, OpenedIn: 10, DecidedIn: 12, ClosedIn: 12, Number: "(2026)京0491民初1号",
		PackageSM3: h32(0x60), PackageSize: 4096}
	if next != 12 || cs.ID != want.ID || cs.Kind != want.Kind || cs.Contract != want.Contract || cs.Applicant != want.Applicant ||
		cs.Institution != want.Institution || cs.Status != want.Status || cs.OpenedIn != want.OpenedIn || cs.DecidedIn != want.DecidedIn ||
		cs.ClosedIn != want.ClosedIn || cs.Number != want.Number || !bytes.Equal(cs.PackageSM3, want.PackageSM3) || cs.PackageSize != want.PackageSize {
		t.Fatalf("state %+v\nwant  %+v", cs, want)
	}
	// A round trip through the state encoding keeps the package fields.
	var back CaseState
	if err := DecodeState(EncodeState(cs), &back, "case"); err != nil || back.PackageSize != 4096 || !bytes.Equal(back.PackageSM3, cs.PackageSM3) {
		t.Fatalf("round trip: %+v %v", back, err)
	}
	// A notarisation case's state encodes as before: no fields 12, 13.
	n := &CaseState{ID: "n-1", Kind: CaseNotarization, Contract: "c-1", Applicant: "platform", Institution: "notary", Status: CasePending}
	if enc := EncodeState(n); bytes.Contains(enc, []byte{12<<3 | 2}) || bytes.Contains(enc, []byte{13 << 3}) {
		t.Fatalf("notarisation case state carries package fields: %x", enc)
	}
}

func TestFilingValidate(t *testing.T) {
	many := make([]string, MaxFiledContracts+1)
	for i := range many {
		many[i] = "c-" + strings.Repeat("x", i%5) + string(rune('a'+i%26)) + string(rune('a'+i/26))
	}
	tests := []struct {
		name  string
		body  Body
		field string
	}{
		{"no case id", &CaseFiled{Kind: CaseLitigation, Institution: "court", Contracts: []string{"c-1"}, PackageSM3: h32(1), PackageSize: 1}, "body.case_id"},
		{"notarisation kind", &CaseFiled{Case: "f", Kind: CaseNotarization, Institution: "court", Contracts: []string{"c-1"}, PackageSM3: h32(1), PackageSize: 1}, "body.kind"},
		{"no kind", &CaseFiled{Case: "f", Institution: "court", Contracts: []string{"c-1"}, PackageSM3: h32(1), PackageSize: 1}, "body.kind"},
		{"no institution", &CaseFiled{Case: "f", Kind: CaseLitigation, Contracts: []string{"c-1"}, PackageSM3: h32(1), PackageSize: 1}, "body.institution"},
		{"no contracts", &CaseFiled{Case: "f", Kind: CaseLitigation, Institution: "court", PackageSM3: h32(1), PackageSize: 1}, "body.contracts"},
		{"too many contracts", &CaseFiled{Case: "f", Kind: CaseLitigation, Institution: "court", Contracts: many, PackageSM3: h32(1), PackageSize: 1}, "body.contracts"},
		{"duplicate contract", &CaseFiled{Case: "f", Kind: CaseLitigation, Institution: "court", Contracts: []string{"c-1", "c-2", "c-1"}, PackageSM3: h32(1), PackageSize: 1}, "body.contracts[2]"},
		{"bad contract id", &CaseFiled{Case: "f", Kind: CaseLitigation, Institution: "court", Contracts: []string{"c-1", "c/2"}, PackageSM3: h32(1), PackageSize: 1}, "body.contracts[1]"},
		{"no package", &CaseFiled{Case: "f", Kind: CaseLitigation, Institution: "court", Contracts: []string{"c-1"}, PackageSize: 1}, "body.package_sm3"},
		{"short package hash", &CaseFiled{Case: "f", Kind: CaseLitigation, Institution: "court", Contracts: []string{"c-1"}, PackageSM3: []byte{1}, PackageSize: 1}, "body.package_sm3"},
		{"empty package", &CaseFiled{Case: "f", Kind: CaseLitigation, Institution: "court", Contracts: []string{"c-1"}, PackageSM3: h32(1)}, "body.package_size"},
		{"huge package", &CaseFiled{Case: "f", Kind: CaseLitigation, Institution: "court", Contracts: []string{"c-1"}, PackageSM3: h32(1), PackageSize: MaxPackageBytes + 1}, "body.package_size"},
		{"bad batch id", &CaseFiled{Case: "f", Kind: CaseLitigation, Institution: "court", Contracts: []string{"c-1"}, PackageSM3: h32(1), PackageSize: 1, Batch: "a b"}, "body.batch_id"},
		{"return without a reason", &CaseDocketed{Case: "f", Contract: "c-1", Decision: DecisionReject, Staff: judge}, "body.reason"},
		{"return with a docket number", &CaseDocketed{Case: "f", Contract: "c-1", Decision: DecisionReject, Reason: "x", Staff: judge, Docket: "1"}, "body.docket_number"},
		{"docket without staff", &CaseDocketed{Case: "f", Contract: "c-1", Decision: DecisionAccept}, "body.staff_cert"},
		{"docket: bad decision", &CaseDocketed{Case: "f", Contract: "c-1", Decision: 3, Staff: judge}, "body.decision"},
		{"docket: long number", &CaseDocketed{Case: "f", Contract: "c-1", Decision: DecisionAccept, Staff: judge, Docket: strings.Repeat("号", 30)}, "body.docket_number"},
		{"docket: number with a newline", &CaseDocketed{Case: "f", Contract: "c-1", Decision: DecisionAccept, Staff: judge, Docket: "a\nb"}, "body.docket_number"},
		{"withdraw without reason hash", &CaseFilingWithdrawn{Case: "f", Contract: "c-1"}, "body.reason_sm3"},
		{"withdraw without contract", &CaseFilingWithdrawn{Case: "f", ReasonSM3: h32(1)}, "body.contract_id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.body.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.field) {
				t.Fatalf("Validate: %v, want an error at %s", err, tc.field)
			}
		})
	}
	// And the decoder bounds the contracts before Validate runs.
	b := &CaseFiled{Case: "f", Kind: CaseLitigation, Institution: "court", Contracts: many, PackageSM3: h32(1), PackageSize: 1}
	if _, err := decodeBody(TypeCaseFiled, EncodeBody(b)); err == nil || !strings.Contains(err.Error(), "contracts") {
		t.Fatalf("decode %d contracts: %v", len(many), err)
	}
}
