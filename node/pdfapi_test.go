package node

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"net/http"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/signer"
	"github.com/sealchain/sealchain/signer/pdf"
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
