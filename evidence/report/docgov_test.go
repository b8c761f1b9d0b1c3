package report

import (
	"slices"
	"strings"
	"testing"

	"github.com/emmansun/gmsm/sm3"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/internal/conformance"
)

// newGovernedCaseWorld is the case world on a chain whose genesis leaves
// the appraisal institution out (conformance.NewGovernedCaseSynth): the
// platform proposes its registration and the court and the notary office
// vote yes (3 of the 4 genesis organisations), before the contract. gov
// are the log indexes of the proposal and the votes.
func newGovernedCaseWorld(t testing.TB) (w *caseWorld, gov []uint64) {
	t.Helper()
	s := must(conformance.NewGovernedCaseSynth(conformance.ChainID))
	w = newCaseWorldOn(t, s, func() []uint64 {
		p := &chain.Proposal{ID: "add-appraisal", Kind: chain.ProposalRegisterOrg, Org: s.Appraisal.Org, Credentials: [][]byte{s.Appraisal.Sub.Cert}}
		gov = append(gov, s.AddTx(must(s.Sub.Build(p, nil)), false))
		for _, by := range []*institution{s.Court, s.Notary} {
			gov = append(gov, s.AddTx(must(by.Sub.Build(&chain.Vote{Proposal: p.ID, Choice: chain.VoteYes}, nil)), false))
		}
		return gov
	})
	return w, gov
}

func logChecks(t testing.TB, res *Result) {
	t.Helper()
	for _, c := range res.Checks {
		t.Logf("%s %v %s", c.Name, c.OK, c.Detail)
	}
}

func checkDetail(res *Result, name string) string {
	for _, c := range res.Checks {
		if c.Name == name {
			return c.Detail
		}
	}
	return ""
}

// TestVerifyDocumentGovernedIssuer: a 鉴定意见书 of an appraisal
// institution that governance registered (not in the verifier's genesis)
// is made with the name its register_org proposal gives and verifies: its
// CA, name and role come from the proposal and the votes that passed it,
// which the issuance bundle carries before the issue record. The same
// document with an issuance bundle that leaves the registration out fails
// document_signature, saying no register_org proposal in the issuance
// bundle registered the signer's organisation; without an issuance
// bundle, the attached bundle's registration counts for document_signature
// and only issuance_recorded fails.
func TestVerifyDocumentGovernedIssuer(t *testing.T) {
	w, gov := newGovernedCaseWorld(t)
	for _, o := range w.trust.Orgs {
		if o.ID == "appraisal" {
			t.Fatal("the appraisal institution is in the genesis")
		}
	}
	b, res := w.bundle(t)
	doc, err := MakeAppraisal(b, res, AppraisalOptions{Options: w.options(t, w.s.Appraisal), CommissionID: testCommission,
		Examiners: [][]byte{w.s.Appraisal.Sub.Cert}, Conclusion: chain.ConclusionIntact, SignedPDF: w.signedPDF,
		Notes: "经检验，证据包所载记录均验证通过。"})
	if err != nil {
		t.Fatalf("MakeAppraisal: %v", err)
	}

	t.Run("no issuance bundle", func(t *testing.T) {
		r := must(VerifyDocument(doc, w.trust, docNow))
		if got := r.Failed(); !slices.Equal(got, []string{CheckIssuanceRecorded}) {
			logChecks(t, r)
			t.Fatalf("failed %v, want only %s", got, CheckIssuanceRecorded)
		}
	})

	ib := w.issue(t, KindAppraisal, doc, nil)
	t.Run("registered", func(t *testing.T) {
		r := must(VerifyDocument(doc, w.trust, docNow, WithIssuance(ib)))
		if !r.OK {
			logChecks(t, r)
			t.Fatalf("failed %v", r.Failed())
		}
		if d := checkDetail(r, CheckDocumentSignature); !strings.Contains(d, "organisation appraisal ("+w.s.Appraisal.Org.Name+", role appraisal)") {
			t.Errorf("document_signature says %q", d)
		}
	})

	t.Run("registration left out", func(t *testing.T) {
		var idx []uint64
		for _, i := range w.idx {
			if !slices.Contains(gov, i) {
				idx = append(idx, i)
			}
		}
		stripped := must(w.s.Bundle(evidence.Subject{ContractID: w.contract}, idx))
		r := must(VerifyDocument(doc, w.trust, docNow, WithIssuance(stripped)))
		if !slices.Contains(r.Failed(), CheckDocumentSignature) {
			logChecks(t, r)
			t.Fatalf("failed %v, want %s among them", r.Failed(), CheckDocumentSignature)
		}
		d := checkDetail(r, CheckDocumentSignature)
		if !strings.Contains(d, "no registration by governance counts: the issuance bundle does not verify") {
			t.Errorf("document_signature says %q, want why the signer's organisation is unknown", d)
		}
	})

	t.Run("registered after the issue", func(t *testing.T) {
		// An issuance bundle that verifies and holds the issue record but
		// no registration before it: only the issue record's own bundle,
		// here one whose registration passes later, could show one; the
		// rule is checked directly on issuerOrgs.
		p := proveIssuance(w.trust, ib)
		d, ok := p.issueRecord(KindAppraisal, sm3Sum(doc))
		if !ok {
			t.Fatal("no issue record")
		}
		orgs, cas, _ := issuerOrgs(w.trust, p, nil, KindAppraisal, sm3Sum(doc))
		if len(cas) != 1 || orgs[len(orgs)-1].ID != "appraisal" {
			t.Fatalf("registered before the issue record %d: %d CAs", d.v.Index, len(cas))
		}
		for i := range p.recs {
			if p.recs[i].v.Index == d.v.Index {
				p.recs[i].v.Index = gov[len(gov)-1] // as if issued when the vote passed it
			}
		}
		if _, cas, why := issuerOrgs(w.trust, p, nil, KindAppraisal, sm3Sum(doc)); len(cas) != 0 || !strings.Contains(why, "before the issue record") {
			t.Errorf("registration passed at the issue record counted: %d CAs (%q)", len(cas), why)
		}
	})
}

func sm3Sum(b []byte) []byte {
	s := sm3.Sum(b)
	return s[:]
}
