package report

import (
	"strings"

	"github.com/emmansun/gmsm/sm3"
	"testing"
	"time"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/internal/conformance"
	"github.com/sealchain/sealchain/signer"
)

// docNow is after every document's signing time.
var docNow = testNow.Add(time.Hour)

// TestVerifyDocuments issues each document, records its issue and
// verifies it offline: with the issuance bundle every check passes;
// without it only issuance_recorded fails, with the reason.
func TestVerifyDocuments(t *testing.T) {
	w := newCaseWorld(t)
	docs := w.documents(t)
	b, res := w.bundle(t)
	docs[KindEvidence] = must(Make(b, res, w.options(t, w.platform(t))))
	for _, kind := range []string{KindNotarial, KindAppraisal, KindPreservation, KindSignature, KindEvidence} {
		t.Run(kind, func(t *testing.T) {
			doc := docs[kind]
			res, err := VerifyDocument(doc, w.trust, docNow)
			if err != nil {
				t.Fatal(err)
			}
			if res.Kind != kind {
				t.Errorf("kind %q, want %q", res.Kind, kind)
			}
			if got := res.Failed(); len(got) != 1 || got[0] != CheckIssuanceRecorded {
				for _, c := range res.Checks {
					t.Logf("%s %v %s", c.Name, c.OK, c.Detail)
				}
				t.Fatalf("without issuance: failed %v, want only %s", got, CheckIssuanceRecorded)
			}
			for _, c := range res.Checks {
				if c.Name == CheckIssuanceRecorded && !strings.Contains(c.Detail, "no proof of issuance: pass --issuance or --node") {
					t.Errorf("issuance_recorded says %q", c.Detail)
				}
			}
			ib := w.issue(t, kind, doc, nil)
			res, err = VerifyDocument(doc, w.trust, docNow, WithIssuance(ib))
			if err != nil {
				t.Fatal(err)
			}
			if !res.OK {
				for _, c := range res.Checks {
					t.Logf("%s %v %s", c.Name, c.OK, c.Detail)
				}
				t.Fatalf("failed %v", res.Failed())
			}
			if (res.Document == nil && kind != KindEvidence) || res.Facts == nil || res.Issuance == nil {
				t.Error("no recomputed facts or issuance record in the result")
			}
		})
	}
}

// TestVerifyDocumentMutants: edited, re-signed or inconsistent documents
// fail, each with the expected check and reason.
func TestVerifyDocumentMutants(t *testing.T) {
	w := newCaseWorld(t)
	b, res := w.bundle(t)
	no := NotarialOptions{Options: w.options(t, w.s.Notary), ApplicationID: testApplication,
		NotaryCert: w.s.Notary.Sub.Cert, SignedPDF: w.signedPDF}
	in := docInput{kind: KindNotarial, number: NotarialNumber("notary", w.now, testApplication), caseID: testApplication,
		notary: no.NotaryCert, signedPDF: no.SignedPDF}
	good := must(MakeNotarial(b, res, no))
	ib := w.issue(t, KindNotarial, good, nil)

	// forge makes the notarial certificate with its parts changed by edit
	// and signed with opts.
	forge := func(opts Options, edit func(p *parts)) []byte {
		p := must(docParts(b, res, no.Options, in))
		if edit != nil {
			edit(p)
		}
		opts.IssuerOrg.Name = p.opts.IssuerOrg.Name // the printed name, as the maker took it
		return must(renderDoc(p.facts, res, opts, p.spec))
	}
	file := func(p *parts, name string) *attachment {
		for i := range p.spec.files {
			if p.spec.files[i].name == name {
				return &p.spec.files[i]
			}
		}
		t.Fatalf("no %s", name)
		return nil
	}
	editByte := func(doc []byte, marker string, off int) []byte {
		out := append([]byte(nil), doc...)
		i := strings.Index(string(out), marker)
		if i < 0 {
			t.Fatalf("no %q in the document", marker)
		}
		out[i+off] ^= 0x01
		return out
	}
	platform := w.options(t, w.platform(t))
	platform.IssuerOrg = no.IssuerOrg // the name printed stays the notary's
	otherBundle := must(w.s.Bundle(b.Subject, w.idx[:7]))

	for _, tc := range []struct {
		name, check, reason string
		doc                 []byte
		issuance            *evidence.Bundle
	}{
		{name: "edited text", check: CheckDocumentSignature, reason: "TOTAL_FAILED", doc: editByte(good, " Tj", -3)},
		{name: "edited facts.json bytes", check: CheckDocumentSignature, reason: "TOTAL_FAILED", doc: editByte(good, `"number": "`, 12)},
		{name: "facts.json replaced, re-signed by the issuer", check: CheckFactsMatch, reason: "differs from the facts recomputed",
			doc: forge(no.Options, func(p *parts) {
				f := file(p, FactsAttachment)
				f.data = []byte(strings.Replace(string(f.data), `"status": "completed"`, `"status": "open"`, 1))
			})},
		{name: "re-signed by another organisation", check: CheckDocumentSignature, reason: `organisation "platform"`, doc: forge(platform, nil)},
		{name: "bundle swapped", check: CheckFactsMatch, reason: "differs from the facts recomputed",
			doc: forge(no.Options, func(p *parts) { file(p, BundleAttachment).data = must(otherBundle.Encode()) })},
		{name: "signed PDF swapped", check: CheckFactsMatch, reason: "signed PDF",
			doc: forge(no.Options, func(p *parts) { file(p, SignedPDFAttachment).data = contractPDF() })},
		{name: "issuance names another document", check: CheckIssuanceRecorded, reason: "holds no notarization_issued record",
			doc: good, issuance: must(w.s.Bundle(b.Subject, w.idx[:len(w.idx)-1]))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ibx := ib
			if tc.issuance != nil {
				ibx = tc.issuance
			}
			r, err := VerifyDocument(tc.doc, w.trust, docNow, WithIssuance(ibx))
			if err != nil {
				t.Fatal(err)
			}
			if r.OK {
				t.Fatal("the mutant verifies")
			}
			for _, c := range r.Checks {
				if c.Name == tc.check {
					if c.OK {
						t.Fatalf("%s passed: %s (failed: %v)", c.Name, c.Detail, r.Failed())
					}
					if !strings.Contains(c.Detail, tc.reason) {
						t.Errorf("%s says %q, want %q", c.Name, c.Detail, tc.reason)
					}
					t.Logf("%s: %s", c.Name, c.Detail)
					return
				}
			}
			t.Fatalf("no check %s", tc.check)
		})
	}

	// A wrong issuance record: the notary records another number.
	t.Run("issuance record with another number", func(t *testing.T) {
		w2 := newCaseWorld(t)
		b2, res2 := w2.bundle(t)
		o2 := NotarialOptions{Options: w2.options(t, w2.s.Notary), ApplicationID: testApplication, NotaryCert: w2.s.Notary.Sub.Cert}
		doc := must(MakeNotarial(b2, res2, o2))
		ib2 := w2.issue(t, KindNotarial, doc, func(body chain.Body) { body.(*chain.NotarizationIssued).Number = "（2026）notary电证字第1号" })
		r := must(VerifyDocument(doc, w2.trust, docNow, WithIssuance(ib2)))
		if got := r.Failed(); len(got) != 1 || got[0] != CheckIssuanceRecorded {
			t.Fatalf("failed %v, want only %s", got, CheckIssuanceRecorded)
		}
		for _, c := range r.Checks {
			if c.Name == CheckIssuanceRecorded && !strings.Contains(c.Detail, "number") {
				t.Errorf("issuance_recorded says %q", c.Detail)
			}
		}
	})

}

// TestVerifyDocumentIssueMutants: documents whose issuer, signer, date or
// issue record do not fit fail, each with its check and reason.
func TestVerifyDocumentIssueMutants(t *testing.T) {
	notarial := func(w *caseWorld, opts Options) []byte {
		b, res := w.bundle(t)
		return must(MakeNotarial(b, res, NotarialOptions{Options: opts, ApplicationID: testApplication, NotaryCert: w.s.Notary.Sub.Cert}))
	}
	at := func(w *caseWorld, o *institution, now time.Time) Options {
		opts := w.options(t, o)
		opts.Now = now
		opts.Key, opts.Cert = must2(IssuerSigner(o.CA, o.ID, now))
		return opts
	}
	// A trust naming the notary office otherwise: the maker prints that name.
	renamed := func(w *caseWorld) Options {
		opts := w.options(t, w.s.Notary)
		tr := *opts.Trust
		tr.Orgs = nil
		for _, og := range w.trust.Orgs {
			c := *og
			if c.ID == "notary" {
				c.Name = "最高人民法院公证处"
			}
			tr.Orgs = append(tr.Orgs, &c)
		}
		opts.Trust, opts.IssuerOrg.Name = &tr, ""
		return opts
	}
	accepted := func(w *caseWorld) time.Time {
		b, _ := w.bundle(t)
		return must(caseFactsOf(b, KindNotarial, testApplication)).Accepted.Time
	}
	preservation := func(w *caseWorld, opts Options) []byte {
		b, res := w.bundle(t)
		return must(MakePreservation(b, res, opts))
	}
	for _, tc := range []struct {
		name, kind, check, reason string
		doc                       func(w *caseWorld) []byte
		issue                     func(w *caseWorld, doc []byte) *evidence.Bundle
	}{
		{name: "issuer name not the genesis name", kind: KindNotarial, check: CheckDocumentSignature,
			reason: `prints the issuer name "最高人民法院公证处"`, doc: func(w *caseWorld) []byte { return notarial(w, renamed(w)) }},
		{name: "signed by a staff certificate of the issuer's CA", kind: KindNotarial, check: CheckDocumentSignature,
			reason: "not by a document signer certificate", doc: func(w *caseWorld) []byte {
				opts := w.options(t, w.s.Notary)
				s := must(w.s.Notary.Staff("sc:0123456789abcdef", signer.UsageSigner))
				opts.Key, opts.Cert = s.Key, s.Cert
				return notarial(w, opts)
			}},
		{name: "dated before the acceptance", kind: KindNotarial, check: CheckIssuanceRecorded, reason: "before the acceptance of case",
			doc: func(w *caseWorld) []byte { return notarial(w, at(w, w.s.Notary, accepted(w).Add(-time.Hour))) }},
		{name: "dated long after the issue record", kind: KindNotarial, check: CheckIssuanceRecorded, reason: "after its issue record's block time",
			doc: func(w *caseWorld) []byte { return notarial(w, at(w, w.s.Notary, w.now.Add(2*time.Hour))) }},
		{name: "preservation dated before its bundle's last record", kind: KindPreservation, check: CheckIssuanceRecorded,
			reason: "before the last record of its bundle",
			doc:    func(w *caseWorld) []byte { return preservation(w, at(w, w.platform(t), w.now.Add(-time.Hour))) }},
		{name: "report_issued names another contract", kind: KindPreservation, check: CheckIssuanceRecorded,
			reason: `names contract "contract-other"`,
			doc:    func(w *caseWorld) []byte { return preservation(w, w.options(t, w.platform(t))) },
			issue: func(w *caseWorld, doc []byte) *evidence.Bundle {
				// Another contract on chain, and the report recorded under it.
				act, der := must2(w.s.Signer("party-b"))
				reg := w.add(w.s.Sub, &chain.CertIssued{Cert: der}, nil)
				created := w.add(w.s.Sub, conformance.Contract("contract-other", contractPDF(), act.Cert), nil)
				files := must(attachments(must(readPDF(doc))))
				docSum, bundleSum := sm3.Sum(doc), sm3.Sum(files[BundleAttachment])
				issued := w.add(w.s.Sub, &chain.ReportIssued{Contract: "contract-other", ReportSM3: docSum[:], BundleSM3: bundleSum[:]}, nil)
				return must(w.s.Bundle(evidence.Subject{ContractID: "contract-other"}, []uint64{reg, created, issued}))
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newCaseWorld(t)
			doc := tc.doc(w)
			var ib *evidence.Bundle
			if tc.issue != nil {
				ib = tc.issue(w, doc)
			} else {
				ib = w.issue(t, tc.kind, doc, nil)
			}
			r := must(VerifyDocument(doc, w.trust, docNow, WithIssuance(ib)))
			if r.OK {
				t.Fatal("the mutant verifies")
			}
			for _, c := range r.Checks {
				if c.Name == tc.check {
					if c.OK {
						t.Fatalf("%s passed: %s (failed: %v)", c.Name, c.Detail, r.Failed())
					}
					if !strings.Contains(c.Detail, tc.reason) {
						t.Errorf("%s says %q, want %q", c.Name, c.Detail, tc.reason)
					}
					t.Logf("%s: %s", c.Name, c.Detail)
					return
				}
			}
			t.Fatalf("no check %s", tc.check)
		})
	}
}

func must2[A, B any](a A, b B, err error) (A, B) {
	if err != nil {
		panic(err)
	}
	return a, b
}

// caseFactsOf is the case's facts in bundle b.
func caseFactsOf(b *evidence.Bundle, kind, id string) (*CaseFacts, error) {
	recs, err := describeAll(b)
	if err != nil {
		return nil, err
	}
	return caseFacts(recs, docInput{kind: kind, caseID: id, issuer: IssuerFacts{ID: "notary"}})
}

// TestVerifyDocumentPrintedFacts: a document whose page prints a fact
// other than its facts.json's (re-signed by its issuer) fails facts_match;
// the makers print the checks recomputed from the bundle, never the
// caller's.
func TestVerifyDocumentPrintedFacts(t *testing.T) {
	w := newCaseWorld(t)
	b, res := w.bundle(t)
	ao := AppraisalOptions{Options: w.options(t, w.s.Appraisal), CommissionID: testCommission,
		Examiners: [][]byte{w.s.Appraisal.Sub.Cert}, Conclusion: chain.ConclusionIntact, SignedPDF: w.signedPDF, Notes: "经检验，数据完整。"}
	ain := docInput{kind: KindAppraisal, number: AppraisalNumber("appraisal", w.now, testCommission), caseID: testCommission,
		examiners: ao.Examiners, notes: ao.Notes, conclusion: ao.Conclusion, signedPDF: w.signedPDF}
	no := NotarialOptions{Options: w.options(t, w.s.Notary), ApplicationID: testApplication, NotaryCert: w.s.Notary.Sub.Cert}
	nin := docInput{kind: KindNotarial, number: NotarialNumber("notary", w.now, testApplication), caseID: testApplication, notary: no.NotaryCert}
	// forge lays the document out from facts edited after facts.json was
	// encoded, and has the issuer sign it.
	forge := func(opts Options, in docInput, edit func(d *DocFacts)) []byte {
		p := must(docParts(b, res, opts, in))
		edit(p.doc)
		return must(renderDoc(p.facts, res, p.opts, p.spec))
	}
	for _, tc := range []struct {
		name, missing string
		doc           func() []byte
	}{
		{name: "a fake failing check", missing: "通过 PASS " + res.Checks[0].Name, doc: func() []byte {
			return forge(ao.Options, ain, func(d *DocFacts) { d.Checks[0].OK = false })
		}},
		{name: "the check count", missing: "自动检验共", doc: func() []byte {
			return forge(ao.Options, ain, func(d *DocFacts) { d.Checks = d.Checks[1:] })
		}},
		{name: "the commission's items", missing: "签署意愿认证", doc: func() []byte {
			return forge(ao.Options, ain, func(d *DocFacts) { d.Case.Items = []string{"bundle"} })
		}},
		{name: "the matters' SM3", missing: "", doc: func() []byte {
			return forge(ao.Options, ain, func(d *DocFacts) { d.Case.MattersSM3 = strings.Repeat("0", 64) })
		}},
		{name: "an examiner's subject", missing: "司法鉴定人 1", doc: func() []byte {
			return forge(ao.Options, ain, func(d *DocFacts) { d.Examiners[0].Subject = "CN=张三" })
		}},
		{name: "the applicant", missing: "机构标识 org id: platform", doc: func() []byte {
			return forge(no.Options, nin, func(d *DocFacts) { d.Case.Applicant = "court" })
		}},
		{name: "the purpose", missing: "诉讼", doc: func() []byte {
			return forge(no.Options, nin, func(d *DocFacts) { d.Case.Purpose = "arbitration" })
		}},
		{name: "the acceptance time", missing: "日志序号", doc: func() []byte {
			return forge(no.Options, nin, func(d *DocFacts) { d.Case.Accepted.Time = d.Case.Accepted.Time.Add(-24 * time.Hour) })
		}},
		{name: "the scope", missing: "2. ", doc: func() []byte {
			return forge(no.Options, nin, func(d *DocFacts) { d.Case.Scope = d.Case.Scope[:1] })
		}},
		{name: "the notary's subject", missing: "数字证书 certificate", doc: func() []byte {
			return forge(no.Options, nin, func(d *DocFacts) { d.Notary.Subject = "CN=李四" })
		}},
		{name: "a signature's signer", missing: "CN=party-a", doc: func() []byte {
			return forge(ao.Options, ain, func(d *DocFacts) { d.SignedPDF.Signatures[0].Signer = "CN=伪造" })
		}},
		{name: "the checkpoint's log root", missing: "", doc: func() []byte {
			return forge(no.Options, nin, func(d *DocFacts) { d.Evidence.Checkpoint.LogRoot = strings.Repeat("0", 64) })
		}},
		{name: "the records counted in the statement", missing: "兹证明", doc: func() []byte {
			return forge(no.Options, nin, func(d *DocFacts) { d.Evidence.Timeline = d.Evidence.Timeline[1:] })
		}},
		{name: "the contract's status", missing: completedBanner, doc: func() []byte {
			return forge(no.Options, nin, func(d *DocFacts) { d.Evidence.Contracts[0].Status = StatusOpen })
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := must(VerifyDocument(tc.doc(), w.trust, docNow))
			for _, c := range r.Checks {
				if c.Name != CheckFactsMatch {
					continue
				}
				if c.OK {
					t.Fatalf("facts_match passed: %s", c.Detail)
				}
				if !strings.Contains(c.Detail, "the page text lacks") || !strings.Contains(c.Detail, tc.missing) {
					t.Errorf("facts_match says %q, want the page to lack %q", c.Detail, tc.missing)
				}
				t.Logf("%s", c.Detail)
				return
			}
			t.Fatal("no facts_match")
		})
	}

	// The caller's result claims a failing check: the opinion prints the
	// checks recomputed from the bundle, and verifies.
	fake := *res
	fake.Checks = append([]evidence.Check(nil), res.Checks...)
	fake.Checks[0].OK, fake.Checks[0].Detail = false, "FAKE FAILURE"
	doc := must(MakeAppraisal(b, &fake, ao))
	text := must(pageText(must(readPDF(doc))))
	if strings.Contains(text, "FAKE FAILURE") || !strings.Contains(squash(text), squash(checkFactText(CheckFacts{Name: res.Checks[0].Name, OK: true}))) {
		t.Error("the opinion prints the caller's checks")
	}
}

// TestVerifyAlteredOpinion: an opinion that the data is altered verifies
// although its bundle fails, when the bundle fails exactly as it reports;
// an intact opinion of a failing bundle, or one reporting other failures,
// does not.
func TestVerifyAlteredOpinion(t *testing.T) {
	w := newCaseWorld(t)
	// The bundle without the intent record (log index w.idx[2]): it fails.
	var idx []uint64
	for i, x := range w.idx {
		if i != 2 {
			idx = append(idx, x)
		}
	}
	b := must(w.s.Bundle(evidence.Subject{ContractID: w.contract}, idx))
	res := must(evidence.NewVerifier(w.trust)).Verify(b, nil)
	if res.OK {
		t.Fatal("the bundle without its intent record verifies")
	}
	ao := AppraisalOptions{Options: w.options(t, w.s.Appraisal), CommissionID: testCommission,
		Examiners: [][]byte{w.s.Appraisal.Sub.Cert}, Conclusion: chain.ConclusionAltered, Notes: "证据包缺少签署意愿认证记录。"}
	in := docInput{kind: KindAppraisal, number: AppraisalNumber("appraisal", w.now, testCommission), caseID: testCommission,
		examiners: ao.Examiners, notes: ao.Notes, conclusion: ao.Conclusion}
	conclude := func(c uint32) func(chain.Body) {
		return func(body chain.Body) { body.(*chain.AppraisalIssued).Conclusion = c }
	}
	other := func() []byte { // facts.json claims a failing check passed
		p := must(docParts(b, res, ao.Options, in))
		for i := range p.spec.files {
			if p.spec.files[i].name == FactsAttachment {
				p.spec.files[i].data = []byte(strings.Replace(string(p.spec.files[i].data), `"ok": false`, `"ok": true`, 1))
			}
		}
		return must(renderDoc(p.facts, res, p.opts, p.spec))
	}
	intact := ao
	intact.Conclusion = chain.ConclusionIntact
	for _, tc := range []struct {
		name       string
		doc        []byte
		conclusion uint32
		ok         bool
		reason     string
	}{
		{name: "altered, failing as reported", doc: must(MakeAppraisal(b, res, ao)), conclusion: chain.ConclusionAltered, ok: true,
			reason: "exactly as the opinion (conclusion altered) reports"},
		{name: "intact of a failing bundle", doc: must(MakeAppraisal(b, res, intact)), conclusion: chain.ConclusionIntact,
			reason: "bundle checks failed"},
		{name: "altered, reporting other failures", doc: other(), conclusion: chain.ConclusionAltered,
			reason: "differ from those the opinion reports"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w2 := *w
			ib := w2.issue(t, KindAppraisal, tc.doc, conclude(tc.conclusion))
			r := must(VerifyDocument(tc.doc, w.trust, docNow, WithIssuance(ib)))
			for _, c := range r.Checks {
				t.Logf("%s %v %.200s", c.Name, c.OK, c.Detail)
			}
			for _, c := range r.Checks {
				if c.Name != CheckBundleVerifies {
					continue
				}
				if c.OK != tc.ok || !strings.Contains(c.Detail, tc.reason) {
					t.Errorf("bundle_verifies %v %q, want %v %q", c.OK, c.Detail, tc.ok, tc.reason)
				}
				t.Logf("%s", c.Detail)
			}
			if tc.ok && !r.OK {
				for _, c := range r.Checks {
					t.Logf("%s %v %s", c.Name, c.OK, c.Detail)
				}
				t.Errorf("failed %v", r.Failed())
			}
		})
	}
}
