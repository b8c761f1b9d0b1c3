package evidence_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/emmansun/gmsm/sm3"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/internal/conformance"
	"github.com/sealchain/sealchain/signer"
)

// caseWorld is a synthetic rules-version-3 chain holding a signed contract
// with a full notarisation case (applied, accepted, issued) and a full
// appraisal case (commissioned, accepted, issued). Staff act through
// certificates their institutions registered with cert_issued records
// (staffCerts) and through genesis credentials.
type caseWorld struct {
	s        *conformance.Synth
	v        *evidence.Verifier
	contract string
	// Log indexes.
	staffCerts []uint64 // cert_issued: the notary's staff member, the second examiner
	timeline   []uint64 // the contract's records, the cases' included
	// cases are the eight case records' indexes in timeline order:
	// applied, decided, issued, commissioned, decided, issued.
	cases []uint64
	// gov are the records before all others (newCaseWorldOn's before).
	gov []uint64
}

func newCaseWorld(t testing.TB) *caseWorld {
	t.Helper()
	return newCaseWorldOn(t, get(conformance.NewCaseSynth(conformance.ChainID)), nil)
}

// newCaseWorldOn builds the case world on s; before, when not nil, records
// what the log holds first (a governance registration) and returns the
// indexes to keep in gov.
func newCaseWorldOn(t testing.TB, s *conformance.Synth, before func() []uint64) *caseWorld {
	t.Helper()
	w := &caseWorld{s: s, contract: "case-contract-1"}
	if before != nil {
		w.gov = before()
	}
	w.v = get(evidence.NewVerifier(get(evidence.ParseTrust(s.Genesis()))))
	add := func(sub *client.Submitter, body chain.Body, actor *client.Actor) uint64 {
		t.Helper()
		return s.AddTx(get(sub.Build(body, actor)), false)
	}

	alice, aliceDER := get2(s.Signer("alice"))
	staff := get(s.Notary.Staff("notary-staff", signer.UsageSubmitter))
	examiner := get(s.Appraisal.Staff("examiner-2", signer.UsageSigner))
	aliceCert := add(s.Sub, &chain.CertIssued{Cert: aliceDER}, nil)
	w.staffCerts = []uint64{add(s.Notary.Sub, &chain.CertIssued{Cert: staff.Cert}, nil), add(s.Appraisal.Sub, &chain.CertIssued{Cert: examiner.Cert}, nil)}

	doc := []byte("%PDF-1.4\n% a contract notarised and appraised\n%%EOF\n")
	created := conformance.Contract(w.contract, doc, alice.Cert)
	intent := get(s.Intent(w.contract, alice))
	w.timeline = []uint64{aliceCert,
		add(s.Sub, created, nil), add(s.Sub, intent, alice),
		add(s.Sub, &chain.ContractSigned{Contract: w.contract, DocSM3: created.DocSM3}, alice),
		add(s.Sub, &chain.ContractCompleted{Contract: w.contract}, nil)}
	fp := func(sub *client.Submitter) chain.Fingerprint { return chain.FingerprintOf(sub.Cert) }
	h := func(s string) []byte { d := sm3.Sum([]byte(s)); return d[:] }
	w.cases = []uint64{
		add(s.Sub, &chain.NotarizationApplied{Application: "n-1", Contract: w.contract, NotaryOrg: "notary", Scope: chain.ScopeContract | chain.ScopeSignedPDF,
			Purpose: chain.PurposeLitigation, PurposeSM3: h("诉讼"), Party: alice.Cert}, nil),
		add(s.Notary.Sub, &chain.NotarizationDecided{Application: "n-1", Contract: w.contract, Decision: chain.DecisionAccept, Staff: fp(staff)}, nil),
		add(s.Notary.Sub, &chain.NotarizationIssued{Application: "n-1", Contract: w.contract, Number: "(2026)示证字第1号",
			DocumentSM3: h("公证书"), BundleSM3: h("bundle"), Notary: fp(s.Notary.Sub)}, nil),
		add(s.Court.Sub, &chain.AppraisalCommissioned{Commission: "a-1", Contract: w.contract, AppraisalOrg: "appraisal",
			Items: chain.ItemBundle | chain.ItemPDFSignature | chain.ItemCertificates, MattersSM3: h("鉴定事项"), Judge: fp(s.Court.Sub)}, nil),
		add(s.Appraisal.Sub, &chain.AppraisalDecided{Commission: "a-1", Contract: w.contract, Decision: chain.DecisionAccept, Staff: fp(examiner)}, nil),
		add(s.Appraisal.Sub, &chain.AppraisalIssued{Commission: "a-1", Contract: w.contract, Number: "示司鉴〔2026〕电鉴字第1号",
			DocumentSM3: h("鉴定意见书"), BundleSM3: h("bundle 2"), Examiners: []chain.Fingerprint{fp(s.Appraisal.Sub), fp(examiner)},
			Conclusion: chain.ConclusionIntact}, nil),
	}
	w.timeline = append(w.timeline, w.cases...)
	return w
}

// bundle is the bundle of the contract's timeline, the staff certificates'
// registrations and extra.
func (w *caseWorld) bundle(t testing.TB, extra ...uint64) *evidence.Bundle {
	t.Helper()
	idx := slices.Concat(w.staffCerts, w.timeline, extra)
	slices.Sort(idx)
	return get(w.s.Bundle(evidence.Subject{ContractID: w.contract}, idx))
}

func failed(t testing.TB, res *evidence.Result) []string {
	t.Helper()
	for _, c := range res.Checks {
		if !c.OK {
			t.Logf("%s: %s", c.Name, c.Detail)
		}
	}
	return res.Failed()
}

// TestVerifyCases: a contract's bundle with a full notarisation case and a
// full appraisal case verifies offline: the verifier replays the case
// rules (chain.MemState) over the records, staff certificates resolved
// from their cert_issued records and the genesis credentials.
func TestVerifyCases(t *testing.T) {
	w := newCaseWorld(t)
	res := w.v.Verify(w.bundle(t), nil)
	if f := failed(t, res); len(f) > 0 || !res.OK {
		t.Fatalf("honest bundle failed: %v", f)
	}
	// Without the staff member's registration the decision's rule cannot
	// hold offline (chain's orgCert: unknown certificate): the assembler
	// must carry it (evidence/assemble, collect).
	idx := slices.Concat(w.staffCerts[1:], w.timeline)
	slices.Sort(idx)
	res = w.v.Verify(get(w.s.Bundle(evidence.Subject{ContractID: w.contract}, idx)), nil)
	if want := fmt.Sprintf("record[%d].contract", w.cases[1]); !slices.Contains(failed(t, res), want) {
		t.Fatalf("bundle without the staff member's cert_issued: failed %v, want %s", res.Failed(), want)
	}
}

// TestVerifyCasesTampered: a case record altered in its leaf fails its
// inclusion; case records signed by the right organisations but breaking
// the case rules (forged into the log) fail the contract check.
func TestVerifyCasesTampered(t *testing.T) {
	w := newCaseWorld(t)
	// A byte of the issued certificate's leaf flipped.
	b := w.bundle(t)
	for i := range b.Records {
		if b.Records[i].Index == w.cases[2] {
			b.Records[i].Leaf = flip(b.Records[i].Leaf, len(b.Records[i].Leaf)-10)
		}
	}
	if res := w.v.Verify(b, nil); res.OK {
		t.Fatal("a flipped byte in the notarisation_issued leaf verified")
	}

	s := w.s
	fp := func(sub *client.Submitter) chain.Fingerprint { return chain.FingerprintOf(sub.Cert) }
	digest := func(s string) []byte { d := sm3.Sum([]byte(s)); return d[:] }
	forged := []struct {
		name string
		sub  *client.Submitter
		body chain.Body
	}{
		{"issued twice", s.Notary.Sub, &chain.NotarizationIssued{Application: "n-1", Contract: w.contract, Number: "(2026)示证字第2号",
			DocumentSM3: digest("another"), BundleSM3: digest("bundle"), Notary: fp(s.Notary.Sub)}},
		{"decision by the court on the notary's case", s.Court.Sub, &chain.NotarizationDecided{Application: "n-1", Contract: w.contract,
			Decision: chain.DecisionReject, Reason: "伪造", Staff: fp(s.Court.Sub)}},
		{"opinion naming an examiner of the notary", s.Appraisal.Sub, &chain.AppraisalIssued{Commission: "a-1", Contract: w.contract, Number: "X",
			DocumentSM3: digest("x"), BundleSM3: digest("y"), Examiners: []chain.Fingerprint{fp(s.Notary.Sub)}, Conclusion: chain.ConclusionAltered}},
		{"commission by the platform", s.Sub, &chain.AppraisalCommissioned{Commission: "a-2", Contract: w.contract, AppraisalOrg: "appraisal",
			Items: chain.ItemTime, MattersSM3: digest("m"), Judge: fp(s.Sub)}},
		{"withdrawal by the institution", s.Notary.Sub, &chain.NotarizationWithdrawn{Application: "n-1", Contract: w.contract, ReasonSM3: digest("r")}},
	}
	for _, f := range forged {
		t.Run(f.name, func(t *testing.T) {
			i := s.AddTx(get(f.sub.Build(f.body, nil)), false)
			res := w.v.Verify(w.bundle(t, i), nil)
			if want := fmt.Sprintf("record[%d].contract", i); !slices.Contains(failed(t, res), want) {
				t.Fatalf("forged %s: failed %v, want %s", f.body.Type(), res.Failed(), want)
			}
		})
	}
}

// TestVerifyCasesEveryByte: a byte flipped anywhere in a case record's leaf
// (sampled every 7th byte, and the last) fails verification.
func TestVerifyCasesEveryByte(t *testing.T) {
	w := newCaseWorld(t)
	honest := w.bundle(t)
	for r, rec := range honest.Records {
		if !slices.Contains(w.cases, rec.Index) {
			continue
		}
		at := []int{len(rec.Leaf) - 1}
		for i := 0; i < len(rec.Leaf)-1; i += 7 {
			at = append(at, i)
		}
		for _, i := range at {
			b := *honest
			b.Records = slices.Clone(honest.Records)
			b.Records[r].Leaf = flip(rec.Leaf, i)
			if res := w.v.Verify(&b, nil); res.OK {
				t.Fatalf("record %d: byte %d flipped verified", rec.Index, i)
			}
		}
	}
}
