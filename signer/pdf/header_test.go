package pdf

import (
	"bytes"
	"strings"
	"testing"

	"github.com/sealchain/sealchain/signer"
)

// TestHeaderNotAtZero signs files with bytes before %PDF- three times and
// checks every revision with Verify, pdfsig and qpdf --check. Readers take
// cross-reference offsets in such files as relative to the header; writing
// absolute ones broke the second signature (issue 12, item 11).
func TestHeaderNotAtZero(t *testing.T) {
	pdfsig := requireTool(t, "pdfsig")
	qpdf := requireTool(t, "qpdf")
	binary := bytes.Repeat([]byte{0xde, 0xad, 0x00, 0x0a, 0xbe, 0xef}, 150)
	for _, input := range []struct {
		name string
		pdf  func(testing.TB) []byte
	}{{"classic", func(t testing.TB) []byte { return minimalPDF(t, 0) }}, {"pdfcpu", pdfcpuPDF}} {
		for _, prefix := range []struct {
			name string
			b    []byte
		}{
			{"one-byte", []byte("X")},
			{"mail-line", []byte("Content-Type: application/pdf; x=junk\r\n")},
			{"binary-900", binary},
		} {
			t.Run(input.name+"/"+prefix.name, func(t *testing.T) {
				doc := append(append([]byte(nil), prefix.b...), input.pdf(t)...)
				parties := []*party{
					newParty(t, signer.AlgECDSAP256, "alice"),
					newParty(t, signer.AlgECDSAP256, "bob"),
					newParty(t, signer.AlgECDSAP256, "carol"),
				}
				var roots = parties[0].roots
				for _, p := range parties[1:] {
					roots = append(roots, p.roots...)
				}
				for n, p := range parties {
					var err error
					doc, err = Sign(doc, p.opts(1, [4]float64{50 + 150*float64(n), 100, 120, 60}, nil))
					if err != nil {
						t.Fatalf("signature %d: %v", n+1, err)
					}
					rep, err := Verify(doc, VerifyOptions{Roots: roots, SigningTime: atSign})
					if err != nil || rep.Indication != TotalPassed || len(rep.Signatures) != n+1 {
						t.Fatalf("Verify after signature %d: %v %s", n+1, err, dump(rep))
					}
					path := writeTemp(t, "signed.pdf", doc)
					out, err := run(t, pdfsig, path)
					if err != nil || strings.Count(out, "Signature is Valid.") != n+1 {
						t.Fatalf("pdfsig after signature %d: %v\n%s", n+1, err, out)
					}
					out, err = run(t, qpdf, "--check", path)
					if err != nil || strings.Contains(out, "WARNING") {
						t.Fatalf("qpdf --check after signature %d: %v\n%s", n+1, err, out)
					}
				}
			})
		}
	}
}

func TestHeaderMissing(t *testing.T) {
	p := newParty(t, signer.AlgECDSAP256, "alice")
	in := append(bytes.Repeat([]byte(" "), maxHeaderOffset+1), minimalPDF(t, 0)...)
	if _, err := Sign(in, p.opts(1, rectA, nil)); err == nil || !strings.Contains(err.Error(), "header") {
		t.Fatalf("Sign with the header after %d bytes: %v", maxHeaderOffset, err)
	}
}
