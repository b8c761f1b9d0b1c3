package node

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"net/http"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/signer"
	"github.com/sealchain/sealchain/signer/pdf"
	"github.com/sealchain/sealchain/signer/seal"
)

// onePagePDF writes a minimal valid one-page PDF with a classic xref table.
func onePagePDF(text string) []byte {
	content := fmt.Sprintf("BT /F1 18 Tf 72 720 Td (%s) Tj ET", text)
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	out := []byte("%PDF-1.4\n")
	var offs []int
	for i, o := range objs {
		offs = append(offs, len(out))
		out = fmt.Appendf(out, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := len(out)
	out = fmt.Appendf(out, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, o := range offs {
		out = fmt.Appendf(out, "%010d 00000 n \n", o)
	}
	return fmt.Appendf(out, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
}

// TestPDFVerifyWithChainTime signs a PDF, records the signature on chain
// with the signed file's hash, and checks that POST /v1/pdf/verify takes
// the signing time from the block, not from the PDF.
func TestPDFVerifyWithChainTime(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	n := newITNet(ctx, t)
	alice, aliceDER := n.registerSigner(ctx, t, signer.AlgSM2, "sc-pdf-alice")
	doc := onePagePDF("Sealchain PDF test")
	n.commit(ctx, t, n.build(t, contractBody("pdf-1", doc, alice), nil))
	n.intent(ctx, t, "pdf-1", alice)

	claimed := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC) // a lie the PDF tells
	signed, err := pdf.Sign(doc, pdf.SignOptions{Key: alice.Key, Cert: aliceDER, Page: 1, Rect: [4]float64{400, 100, 100, 100}, Time: claimed})
	if err != nil {
		t.Fatal(err)
	}
	d3, s3 := sm3.Sum(doc), sm3.Sum(signed)
	res := n.commit(ctx, t, n.build(t, &chain.ContractSigned{Contract: "pdf-1", DocSM3: d3[:], SignedDocSM3: s3[:]}, alice))

	type answer struct {
		Report  pdf.Report `json:"report"`
		OnChain []struct {
			Signature int       `json:"signature"`
			LogIndex  uint64    `json:"log_index"`
			BlockTime time.Time `json:"block_time"`
		} `json:"on_chain"`
	}
	post := func(body []byte) (int, answer) {
		status, _, raw := itDo(ctx, t, http.MethodPost, n.base+"/v1/pdf/verify", "application/pdf", body)
		var a answer
		if status == http.StatusOK {
			if err := json.Unmarshal(raw, &a); err != nil {
				t.Fatalf("decode: %v\n%s", err, raw)
			}
		}
		return status, a
	}
	status, a := post(signed)
	if status != http.StatusOK || a.Report.Indication != pdf.TotalPassed {
		t.Fatalf("status %d indication %s", status, a.Report.Indication)
	}
	sig := a.Report.Signatures[0]
	if sig.SigningTimeSource != "caller" || sig.SigningTime == nil || !sig.SigningTime.Equal(*res.BlockTime) {
		t.Fatalf("signing time %v from %s, want the block time %v", sig.SigningTime, sig.SigningTimeSource, res.BlockTime)
	}
	if len(a.OnChain) != 1 || a.OnChain[0].LogIndex != *res.LogIndex {
		t.Fatalf("on_chain %+v, want log index %d", a.OnChain, *res.LogIndex)
	}
	// One flipped byte inside the signed range: the report says so.
	tampered := append([]byte(nil), signed...)
	tampered[100] ^= 1
	if _, a := post(tampered); a.Report.Indication == pdf.TotalPassed {
		t.Fatal("tampered PDF passed")
	}
	// An electronic-seal signature (SES_Signature, /GM.sm2seal) after the
	// CMS one, its seal made by the platform CA, recorded as a second
	// contract: both signatures pass at their block times.
	pic := image.NewNRGBA(image.Rect(0, 0, 64, 64))
	for i := range 64 {
		pic.Set(i, 63-i, seal.Red)
	}
	picPNG, err := seal.EncodePNG(pic)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	sealDER, err := seal.Make(seal.SealInfo{ID: "seal-pdf-alice", Kind: seal.KindOrganization, Name: "测试合同专用章",
		SignerCerts: [][]byte{aliceDER}, Created: now, ValidStart: now.Add(-time.Hour), ValidEnd: now.Add(24 * time.Hour),
		Picture: seal.Picture{Data: picPNG, WidthMM: 40, HeightMM: 40}}, n.ca.Key, n.ca.Cert.Raw, nil)
	if err != nil {
		t.Fatal(err)
	}
	sesSigned, err := pdf.SignSES(signed, pdf.SESOptions{Seal: sealDER,
		SignOptions: pdf.SignOptions{Key: alice.Key, Cert: aliceDER, Page: 1, Rect: [4]float64{100, 100, 0, 0}, Time: now}})
	if err != nil {
		t.Fatal(err)
	}
	n.commit(ctx, t, n.build(t, contractBody("pdf-2", signed, alice), nil))
	n.intent(ctx, t, "pdf-2", alice)
	s4 := sm3.Sum(sesSigned)
	res2 := n.commit(ctx, t, n.build(t, &chain.ContractSigned{Contract: "pdf-2", DocSM3: s3[:], SignedDocSM3: s4[:]}, alice))
	status, a = post(sesSigned)
	if status != http.StatusOK || a.Report.Indication != pdf.TotalPassed || len(a.Report.Signatures) != 2 || len(a.OnChain) != 2 {
		t.Fatalf("SES: status %d indication %s, %d signatures, on chain %+v", status, a.Report.Indication, len(a.Report.Signatures), a.OnChain)
	}
	if sig := a.Report.Signatures[1]; sig.SESVersion != 4 || sig.Seal == nil || sig.Seal.Name != "测试合同专用章" ||
		sig.SigningTimeSource != "caller" || !sig.SigningTime.Equal(*res2.BlockTime) {
		t.Fatalf("SES signature: %+v", sig)
	}
	tampered = append([]byte(nil), sesSigned...)
	tampered[len(signed)+10] ^= 1
	if _, a := post(tampered); a.Report.Signatures[1].SubIndication != pdf.HashFailure {
		t.Fatalf("tampered SES: %+v", a.Report.Signatures[1])
	}

	// Revoked after it signed: still passes.
	n.commit(ctx, t, n.build(t, &chain.CertRevoked{Cert: alice.Cert}, nil))
	if _, a := post(signed); a.Report.Indication != pdf.TotalPassed {
		t.Fatalf("revoked after signing: %s", a.Report.Indication)
	}
	if status, _ := post([]byte("%PDF-1.4 no signatures")); status != http.StatusUnprocessableEntity {
		t.Fatalf("unsigned PDF: status %d, want 422", status)
	}

	// Seal images through the API.
	for _, tc := range []struct {
		body   string
		status int
	}{
		{`{"kind":"enterprise","name":"北京某某科技有限公司","purpose":"合同专用章"}`, http.StatusOK},
		{`{"kind":"personal","name":"张三"}`, http.StatusOK},
		{`{"kind":"square","name":"张三"}`, http.StatusBadRequest},
		{`{"kind":"personal","name":""}`, http.StatusBadRequest},
	} {
		status, hdr, raw := itDo(ctx, t, http.MethodPost, n.base+"/v1/seals/render", "application/json", []byte(tc.body))
		if status != tc.status {
			t.Errorf("render %s: status %d, want %d: %s", tc.body, status, tc.status, raw)
			continue
		}
		if status == http.StatusOK {
			if _, err := png.Decode(bytes.NewReader(raw)); err != nil || hdr.Get("Content-Type") != "image/png" {
				t.Errorf("render %s: not a PNG (%v, %s)", tc.body, err, hdr.Get("Content-Type"))
			}
		}
	}
}
