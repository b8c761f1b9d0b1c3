package pki

import (
	"bytes"
	"context"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/store"
	"github.com/sealchain/sealchain/node/httpjson"
	"github.com/sealchain/sealchain/signer"
	"github.com/sealchain/sealchain/signer/pdf"
	"github.com/sealchain/sealchain/signer/tsa"
)

// onePagePDF is a minimal PDF with a classic cross-reference table.
func onePagePDF() []byte {
	var b bytes.Buffer
	var offs []int
	b.WriteString("%PDF-1.7\n")
	for _, body := range []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << >> >>",
	} {
		offs = append(offs, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", len(offs), body)
	}
	x := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f\r\n", len(offs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n\r\n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offs)+1, x)
	return b.Bytes()
}

// TestSignatureTimeStamp stamps the signature value of a committed signed
// PDF (the commit lookup is faked) over HTTP and in process, for both
// algorithms, and checks the B-T file with signer/pdf.
func TestSignatureTimeStamp(t *testing.T) {
	st, err := store.Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	nb := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	block := time.Date(2026, 6, 1, 8, 30, 3, 123456789, time.UTC)
	for _, alg := range []signer.Algorithm{signer.AlgECDSAP256, signer.AlgSM2} {
		k, _ := signer.GenerateKey(alg, nil)
		ca, err := signer.NewCA(k, signer.CAOptions{OrgID: "platform", OrgName: "P", Role: "platform", NotBefore: nb, NotAfter: nb.AddDate(5, 0, 0)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		ec, err := LoadOrIssueAuthority(ca, signer.AlgECDSAP256, "", "", dir, "platform", nil, nil, nb.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		sm, err := LoadOrIssueAuthority(ca, signer.AlgSM2, "", "", dir, "platform", nil, nil, nb.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		recorded := make(chan *chain.TimestampIssued, 16)
		record := func(_ context.Context, b *chain.TimestampIssued) error { recorded <- b; return nil }
		s, err := New(Config{Chain: st, Org: "platform", CA: ca, Policy: asn1.ObjectIdentifier{1, 2, 3}, ECDSA: ec, SM2: sm, Record: record})
		if err != nil {
			t.Fatal(err)
		}
		ctx, stop := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { s.Run(ctx); close(done) }()
		t.Cleanup(func() { stop(); <-done })
		pk, _ := signer.GenerateKey(alg, nil)
		cert, err := ca.Issue(pk.Public(), signer.IssueOptions{SubjectRef: "sc:alice", Usage: signer.UsageSigner, NotBefore: nb, NotAfter: nb.AddDate(1, 0, 0)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		signed, err := pdf.Sign(onePagePDF(), pdf.SignOptions{Key: pk, Cert: cert, Chain: [][]byte{ca.Cert.Raw}, Page: 1, Time: block.Add(-time.Second)})
		if err != nil {
			t.Fatal(err)
		}
		sum := sm3.Sum(signed)
		s.commitTime = func(h []byte) (time.Time, bool, error) {
			return block, bytes.Equal(h, sum[:]), nil
		}
		rt := httpjson.NewRouter(nil)
		s.Register(rt)
		srv := httptest.NewServer(rt)
		t.Cleanup(srv.Close)

		for _, tc := range []struct {
			name   string
			body   []byte
			ctype  string
			status int // HTTP
			want   int // PKIStatus
			text   string
		}{
			{"committed", signed, "application/pdf", 200, tsa.StatusGranted, ""},
			{"not committed", append(bytes.Clone(signed), '\n'), "application/pdf", 200, tsa.StatusRejection, "not committed"},
			{"unsigned", onePagePDF(), "application/pdf", 200, tsa.StatusRejection, "not a signed PDF"},
			{"media type", signed, "application/octet-stream", 415, 0, ""},
		} {
			t.Run(alg.String()+"/"+tc.name, func(t *testing.T) {
				postStamp(t, srv.URL+"/v1/tsa/signature", tc.ctype, tc.body, tc.status, tc.want, tc.text)
			})
		}

		t.Run(alg.String()+"/in process, B-T", func(t *testing.T) {
			bt, err := pdf.AddTimeStamp(context.Background(), signed, s.SignatureStamper(signed))
			if err != nil {
				t.Fatal(err)
			}
			rep, err := pdf.Verify(bt, pdf.VerifyOptions{Roots: []*smx509.Certificate{ca.Cert}})
			if err != nil {
				t.Fatal(err)
			}
			sr := rep.Signatures[0]
			if sr.Level != pdf.LevelBT || sr.SigningTimeSource != pdf.TimeFromTimeStamp || !sr.SigningTime.Equal(block) {
				t.Fatalf("level %q, time %v from %s; want B-T at the block time %v", sr.Level, sr.SigningTime, sr.SigningTimeSource, block)
			}
			// Its record: the token's SM3, the signature value's hash, the
			// committed file's SM3 and the TSA certificate.
			_, h0, d0, _ := pdf.SignatureValue(signed)
			for {
				var b *chain.TimestampIssued
				select {
				case b = <-recorded:
				case <-time.After(5 * time.Second):
					t.Fatal("no timestamp_issued record")
				}
				if !bytes.Equal(b.StampedHash, d0) {
					continue // an HTTP subtest's token
				}
				if err := b.Validate(); err != nil {
					t.Fatal(err)
				}
				want := chain.TimestampSHA256
				if h0.Equal(tsa.OIDSM3) {
					want = chain.TimestampSM3
				}
				if !bytes.Equal(b.CommittedHash, sum[:]) || b.HashAlg != want || b.GenTime != block.UnixNano() {
					t.Fatalf("record %+v", b)
				}
				break
			}
			rec, err := pdf.RecordedRevision(bt, 0)
			if err != nil || !bytes.Equal(rec, signed) {
				t.Fatalf("RecordedRevision is not the committed file: %v", err)
			}
			other := append(bytes.Clone(signed), ' ')
			_, h, d, err := pdf.SignatureValue(other)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.SignatureStamper(other).TimeStamp(context.Background(), h, d); !errors.Is(err, ErrNotGranted) {
				t.Errorf("uncommitted PDF: %v, want ErrNotGranted", err)
			}
			if _, err := s.SignatureStamper(signed).TimeStamp(context.Background(), h, make([]byte, 32)); err == nil {
				t.Error("a hash other than the signature value's was stamped")
			}
		})
	}
}

// postStamp posts body to a time-stamping route and checks the HTTP status
// and, for 200, the TimeStampResp status and that its text contains text.
func postStamp(t *testing.T, url, ctype string, body []byte, status, want int, text string) {
	t.Helper()
	resp, err := http.Post(url, ctype, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != status {
		t.Fatalf("HTTP %d %s, want %d", resp.StatusCode, b, status)
	}
	if status != 200 {
		return
	}
	r, err := tsa.ParseResponse(b)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != want || (text != "" && !bytes.Contains([]byte(fmt.Sprint(r.Text)), []byte(text))) {
		t.Fatalf("status %d %q, want %d %q", r.Status, r.Text, want, text)
	}
}
