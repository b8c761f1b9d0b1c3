package node

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"image"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/signer"
	"github.com/sealchain/sealchain/signer/ofd"
	"github.com/sealchain/sealchain/signer/pdf"
	"github.com/sealchain/sealchain/signer/seal"
)

// TestOFDVerifyWithChainTime signs an OFD contract with a seal made by the
// organisation's CA, records the signature on chain with the signed file's
// hash, and checks that POST /v1/ofd/verify trusts the genesis org CA for
// signer and seal, takes the signing time from the block rather than the
// file's claim, and names a changed part.
func TestOFDVerifyWithChainTime(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	n := newITNet(ctx, t)
	alice, aliceDER := n.registerSigner(ctx, t, signer.AlgSM2, "sc-ofd-alice")
	doc, err := ofd.NewText("买卖合同", [][]string{{"买卖合同", "甲方：某某科技有限公司"}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	n.commit(ctx, t, n.build(t, contractBody("ofd-1", doc, alice), nil))
	n.intent(ctx, t, "ofd-1", alice)

	img := image.NewNRGBA(image.Rect(0, 0, 64, 64))
	for i := range 64 {
		img.Set(i, i, seal.Red)
	}
	pic, err := seal.EncodePNG(img)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	sl, err := seal.Make(seal.SealInfo{ID: "seal-platform", Kind: seal.KindOrganization, Name: "平台合同专用章",
		SignerCerts: [][]byte{aliceDER}, Created: now.Add(-time.Hour), ValidStart: now.Add(-time.Hour), ValidEnd: now.AddDate(1, 0, 0),
		Picture: seal.Picture{Data: pic, WidthMM: 40, HeightMM: 40}}, n.ca.Key, n.ca.Cert.Raw, nil)
	if err != nil {
		t.Fatal(err)
	}
	claimed := now.Add(-time.Minute) // the time the file claims
	signed, err := ofd.Sign(ctx, doc, ofd.SignOptions{Key: alice.Key, Cert: aliceDER, Seal: sl, Time: claimed, X: 120, Y: 200})
	if err != nil {
		t.Fatal(err)
	}
	type answer struct {
		Report  ofd.Report `json:"report"`
		OnChain []struct {
			Signature  int       `json:"signature"`
			LogIndex   uint64    `json:"log_index"`
			BlockTime  time.Time `json:"block_time"`
			ContractID string    `json:"contract_id"`
		} `json:"on_chain"`
	}
	post := func(body []byte) (int, answer, []byte) {
		status, _, raw := itDo(ctx, t, http.MethodPost, n.base+"/v1/ofd/verify", "application/ofd", body)
		var a answer
		if status == http.StatusOK {
			if err := json.Unmarshal(raw, &a); err != nil {
				t.Fatalf("decode: %v\n%s", err, raw)
			}
		}
		return status, a, raw
	}
	// Not yet recorded: the claimed time.
	status, a, raw := post(signed)
	if status != http.StatusOK || a.Report.Indication != pdf.TotalPassed || len(a.OnChain) != 0 {
		t.Fatalf("status %d: %s", status, raw)
	}
	if s := a.Report.Signatures[0]; s.SigningTimeSource != ofd.TimeFromSES || !s.SigningTime.Equal(claimed) {
		t.Fatalf("unrecorded: signing time %v from %s, want the claim %v", s.SigningTime, s.SigningTimeSource, claimed)
	}

	d3, s3 := sm3.Sum(doc), sm3.Sum(signed)
	res := n.commit(ctx, t, n.build(t, &chain.ContractSigned{Contract: "ofd-1", DocSM3: d3[:], SignedDocSM3: s3[:]}, alice))
	status, a, raw = post(signed)
	if status != http.StatusOK || a.Report.Indication != pdf.TotalPassed {
		t.Fatalf("status %d: %s", status, raw)
	}
	s := a.Report.Signatures[0]
	if s.SigningTimeSource != ofd.TimeFromCaller || s.SigningTime == nil || !s.SigningTime.Equal(*res.BlockTime) {
		t.Fatalf("signing time %v from %s, want the block time %v", s.SigningTime, s.SigningTimeSource, res.BlockTime)
	}
	if len(a.OnChain) != 1 || a.OnChain[0].LogIndex != *res.LogIndex || a.OnChain[0].ContractID != "ofd-1" {
		t.Fatalf("on_chain %+v, want log index %d", a.OnChain, *res.LogIndex)
	}
	if s.Seal == nil || s.Seal.Name != "平台合同专用章" {
		t.Fatalf("seal %+v", s.Seal)
	}

	// A changed page fails and is named.
	tampered := rewritePart(t, signed, "Doc_0/Pages/Page_0/Content.xml", func(b []byte) []byte { return append(b, ' ') })
	_, a, raw = post(tampered)
	if a.Report.Indication != pdf.TotalFailed || a.Report.Signatures[0].SubIndication != pdf.HashFailure {
		t.Fatalf("tampered: %s", raw)
	}
	found := false
	for _, r := range a.Report.Signatures[0].References {
		found = found || (r.File == "/Doc_0/Pages/Page_0/Content.xml" && r.Status == "changed")
	}
	if !found {
		t.Fatalf("tampered: the page is not named: %s", raw)
	}
	for _, tc := range []struct {
		body []byte
		code string
	}{
		{doc, "no_signature"},
		{[]byte("%PDF-1.7 not an OFD"), "bad_ofd"},
	} {
		status, _, raw := post(tc.body)
		if status != http.StatusUnprocessableEntity || !json.Valid(raw) || !contains(raw, tc.code) {
			t.Errorf("%q: %d %s, want 422 %s", tc.code, status, raw, tc.code)
		}
	}
}

func contains(b []byte, s string) bool { return bytes.Contains(b, []byte(s)) }

// rewritePart rewrites the zip with part changed by f.
func rewritePart(t *testing.T, data []byte, part string, f func([]byte) []byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range zr.File {
		rc, err := e.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		if err != nil {
			t.Fatal(err)
		}
		if e.Name == part {
			b = f(b)
		}
		w, err := zw.Create(e.Name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
