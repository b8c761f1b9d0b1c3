package report

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/internal/conformance"
	"github.com/sealchain/sealchain/internal/pdfgen"
	sigpdf "github.com/sealchain/sealchain/signer/pdf"
	"github.com/sealchain/sealchain/signer/seal"
)

// caseWorld is a synthetic chain at rules version 3 (conformance.CaseSynth)
// with a completed contract whose signed PDF is on chain, a notarisation
// case and an appraisal commission on it, both accepted.
type caseWorld struct {
	s         *caseSynth
	trust     *evidence.Trust
	contract  string
	signedPDF []byte
	// Log indexes of the contract's records so far.
	idx []uint64
	// now is the documents' issue time: the block time of the last record
	// before any issue record (the makers' Now; VerifyDocument requires it
	// after the case's acceptance and before the issue record).
	now time.Time
}

// The synthetic chain's types (internal/conformance).
type (
	caseSynth   = conformance.Synth
	institution = conformance.Institution
)

// add builds body by sub (with actor, nil for none) and appends it in its
// own block, returning its log index.
func (w *caseWorld) add(sub *client.Submitter, body chain.Body, actor *client.Actor) uint64 {
	tx, err := sub.Build(body, actor)
	if err != nil {
		panic(err)
	}
	return w.s.AddTx(tx, false)
}

const (
	testApplication = "NA-2026-0001"
	testCommission  = "AC-2026-0001"
)

// must unwraps a setup call's result; setup fails only on a bug, so a
// panic is the report.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func newCaseWorld(t testing.TB) *caseWorld {
	t.Helper()
	return newCaseWorldOn(t, must(conformance.NewCaseSynth(conformance.ChainID)), nil)
}

// newCaseWorldOn is newCaseWorld on s, whose log starts with the records
// before records (nil for none), kept in the contract's bundles.
func newCaseWorldOn(t testing.TB, s *caseSynth, before func() []uint64) *caseWorld {
	t.Helper()
	w := &caseWorld{s: s, contract: "contract-2026-0042"}
	w.trust = must(evidence.ParseTrust(s.Genesis()))
	if before != nil {
		w.idx = append(w.idx, before()...)
	}
	doc := contractPDF()
	act, der, err := s.Signer("party-a")
	if err != nil {
		t.Fatal(err)
	}
	w.idx = append(w.idx, w.add(s.Sub, &chain.CertIssued{Cert: der}, nil))
	created := conformance.Contract(w.contract, doc, act.Cert)
	w.idx = append(w.idx, w.add(s.Sub, created, nil))
	intent := must(s.Intent(w.contract, act))
	w.idx = append(w.idx, w.add(s.Sub, intent, act))
	w.signedPDF = must(sigpdf.Sign(doc, sigpdf.SignOptions{Key: act.Key, Cert: der, Page: 1, Name: "party-a",
		Reason: "签署合同", Time: time.Date(2026, 1, 5, 9, 0, 3, 0, time.UTC)}))
	sum := sm3.Sum(w.signedPDF)
	w.idx = append(w.idx, w.add(s.Sub, &chain.ContractSigned{Contract: w.contract, DocSM3: created.DocSM3, SignedDocSM3: sum[:]}, act))
	w.idx = append(w.idx, w.add(s.Sub, &chain.ContractCompleted{Contract: w.contract}, nil))
	purpose := sm3.Sum([]byte("用于诉讼"))
	w.idx = append(w.idx, w.add(s.Sub, &chain.NotarizationApplied{Application: testApplication, Contract: w.contract,
		NotaryOrg: "notary", Scope: chain.ScopeContract | chain.ScopeSignedPDF | chain.ScopeTimeline, Purpose: chain.PurposeLitigation,
		PurposeSM3: purpose[:], Party: act.Cert}, nil))
	w.idx = append(w.idx, w.add(s.Notary.Sub, &chain.NotarizationDecided{Application: testApplication, Contract: w.contract,
		Decision: chain.DecisionAccept, Staff: chain.FingerprintOf(s.Notary.Sub.Cert)}, nil))
	matters := sm3.Sum([]byte("鉴定电子合同数据是否完整、未被篡改"))
	w.idx = append(w.idx, w.add(s.Court.Sub, &chain.AppraisalCommissioned{Commission: testCommission, Contract: w.contract,
		AppraisalOrg: "appraisal", Items: 31, MattersSM3: matters[:], Judge: chain.FingerprintOf(s.Court.Sub.Cert)}, nil))
	w.idx = append(w.idx, w.add(s.Appraisal.Sub, &chain.AppraisalDecided{Commission: testCommission, Contract: w.contract,
		Decision: chain.DecisionAccept, Staff: chain.FingerprintOf(s.Appraisal.Sub.Cert)}, nil))
	b, _ := w.bundle(t)
	recs := must(describeAll(b))
	w.now = recs[len(recs)-1].v.Time.UTC()
	return w
}

// bundle is the contract's bundle now, verified.
func (w *caseWorld) bundle(t testing.TB) (*evidence.Bundle, *evidence.Result) {
	t.Helper()
	b := must(w.s.Bundle(evidence.Subject{ContractID: w.contract}, w.idx))
	v := must(evidence.NewVerifier(w.trust))
	res := v.Verify(b, nil)
	if !res.OK {
		for _, c := range res.Checks {
			t.Logf("%s %v %s", c.Name, c.OK, c.Detail)
		}
		t.Fatalf("case bundle does not verify: %v", res.Failed())
	}
	return b, res
}

func TestCaseWorldBundleVerifies(t *testing.T) {
	w := newCaseWorld(t)
	w.bundle(t)
}

// contractPDF is a one-page contract PDF that signer/pdf can sign.
func contractPDF() []byte {
	w := &pdfgen.Writer{}
	catalog, pages, info := w.Reserve(), w.Reserve(), w.Reserve()
	font := w.Type1("Helvetica")
	content := w.Stream("", []byte("BT /F1 14 Tf 72 760 Td (Sales contract No. 2026-0042) Tj ET\n"), false)
	page := w.Add(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595.28 841.89] /Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>", pages, font, content))
	w.Set(pages, fmt.Sprintf("<< /Type /Pages /Kids [%d 0 R] /Count 1 >>", page))
	w.Set(catalog, fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pages))
	w.Set(info, "<< /Title (contract) >>")
	return w.Bytes(catalog, info)
}

// issuer is an institution's document signer: a signer certificate its
// genesis CA issued, and its seal.
func (w *caseWorld) options(t testing.TB, o *institution) Options {
	t.Helper()
	key, cert, err := IssuerSigner(o.CA, o.ID, w.now)
	if err != nil {
		t.Fatal(err)
	}
	purpose := "电子证据专用章"
	switch o.ID {
	case "notary":
		purpose = "公证专用章"
	case "appraisal":
		purpose = "司法鉴定专用章"
	}
	name := ""
	for _, og := range w.trust.Orgs {
		if og.ID == o.ID {
			name = og.Name
		}
	}
	if name == "" && o.Org != nil { // registered by governance
		name = o.Org.Name
	}
	return Options{IssuerOrg: Issuer{ID: o.ID, Name: name}, Now: w.now, VerifyURL: testVerifyURL,
		Key: key, Cert: cert, Chain: [][]byte{o.CA.Cert.Raw}, Trust: w.trust,
		// The seal bears the genesis name, without spaces, as the node's do.
		Seal: &seal.EnterpriseOptions{Name: strings.Join(strings.Fields(name), ""), Purpose: purpose}}
}

// platform is the platform org as an institution (its CA is the Synth's).
func (w *caseWorld) platform(t testing.TB) *institution {
	return &institution{ID: "platform", CA: w.s.PlatformCA(), Sub: w.s.Sub}
}

// documents makes the four documents over the case bundle.
func (w *caseWorld) documents(t testing.TB) map[string][]byte {
	t.Helper()
	b, res := w.bundle(t)
	out := map[string][]byte{}
	var err error
	out[KindNotarial], err = MakeNotarial(b, res, NotarialOptions{Options: w.options(t, w.s.Notary), ApplicationID: testApplication,
		NotaryCert: w.s.Notary.Sub.Cert, SignedPDF: w.signedPDF})
	if err != nil {
		t.Fatalf("MakeNotarial: %v", err)
	}
	out[KindAppraisal], err = MakeAppraisal(b, res, AppraisalOptions{Options: w.options(t, w.s.Appraisal), CommissionID: testCommission,
		Examiners: [][]byte{w.s.Appraisal.Sub.Cert}, Conclusion: chain.ConclusionIntact, SignedPDF: w.signedPDF,
		Notes: "经检验，证据包所载记录的默克尔包含证明、检查点签名、记录签名及证书均验证通过；已签署合同 PDF 的哈希值与链上签署记录一致，签名后文件未被修改。"})
	if err != nil {
		t.Fatalf("MakeAppraisal: %v", err)
	}
	po := w.options(t, w.platform(t))
	out[KindPreservation], err = MakePreservation(b, res, po)
	if err != nil {
		t.Fatalf("MakePreservation: %v", err)
	}
	out[KindSignature], err = MakeSignatureReport(b, res, w.signedPDF, po)
	if err != nil {
		t.Fatalf("MakeSignatureReport: %v", err)
	}
	return out
}

// issue records the issue of doc (kind) by its issuer, as the node does
// after signing, and returns the contract's bundle holding that record.
func (w *caseWorld) issue(t testing.TB, kind string, doc []byte, tamper func(chain.Body)) *evidence.Bundle {
	t.Helper()
	ctx := must(readPDF(doc))
	files := must(attachments(ctx))
	var df DocFacts
	if err := json.Unmarshal(files[FactsAttachment], &df); err != nil {
		t.Fatal(err)
	}
	docSum, bundleSum := sm3.Sum(doc), sm3.Sum(files[BundleAttachment])
	var body chain.Body
	sub := w.s.Sub
	switch kind {
	case KindNotarial:
		body = &chain.NotarizationIssued{Application: df.Case.ID, Contract: w.contract, Number: df.Number,
			DocumentSM3: docSum[:], BundleSM3: bundleSum[:], Notary: chain.FingerprintOf(df.Notary.DER)}
		sub = w.s.Notary.Sub
	case KindAppraisal:
		var ex []chain.Fingerprint
		for _, e := range df.Examiners {
			ex = append(ex, chain.FingerprintOf(e.DER))
		}
		body = &chain.AppraisalIssued{Commission: df.Case.ID, Contract: w.contract, Number: df.Number,
			DocumentSM3: docSum[:], BundleSM3: bundleSum[:], Examiners: ex, Conclusion: chain.ConclusionIntact}
		sub = w.s.Appraisal.Sub
	default:
		body = &chain.ReportIssued{Contract: w.contract, ReportSM3: docSum[:], BundleSM3: bundleSum[:]}
	}
	if tamper != nil {
		tamper(body)
	}
	w.idx = append(w.idx, w.add(sub, body, nil))
	b, _ := w.bundle(t)
	return b
}
