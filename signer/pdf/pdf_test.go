package pdf

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/pkcs7"
	"github.com/emmansun/gmsm/smx509"
	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/sealchain/sealchain/signer"
)

var atSign = func(int) (time.Time, bool) { return tSign, true }

var rectA, rectB = [4]float64{350, 100, 120, 120}, [4]float64{100, 100, 120, 120}

// signedTwice returns the input signed once by p and then by q.
func signedTwice(t testing.TB, in []byte, p, q *party) (one, two []byte) {
	t.Helper()
	one = mustSign(t, in, p.opts(1, rectA, sealPNG(t)))
	two = mustSign(t, one, q.opts(1, rectB, nil))
	return one, two
}

func TestSignVerify(t *testing.T) {
	tests := []struct {
		name  string
		alg   signer.Algorithm
		input func(testing.TB) []byte
	}{
		{"ecdsa/classic-xref", signer.AlgECDSAP256, func(t testing.TB) []byte { return minimalPDF(t, 0) }},
		{"ecdsa/pdfcpu-xref-stream", signer.AlgECDSAP256, pdfcpuPDF},
		{"sm2/classic-xref", signer.AlgSM2, func(t testing.TB) []byte { return minimalPDF(t, 0) }},
		{"sm2/pdfcpu-xref-stream", signer.AlgSM2, pdfcpuPDF},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, q := newParty(t, tc.alg, "alice"), newParty(t, tc.alg, "bob")
			roots := append(p.roots, q.roots...)
			in := tc.input(t)
			one, two := signedTwice(t, in, p, q)
			if !bytes.HasPrefix(two, one) {
				t.Fatal("second signature rewrote the first revision")
			}
			wantAlg := map[signer.Algorithm]string{signer.AlgSM2: "sm2-sm3", signer.AlgECDSAP256: "ecdsa-p256-sha256"}[tc.alg]

			rep, err := Verify(one, VerifyOptions{Roots: roots, SigningTime: atSign})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Indication != TotalPassed || len(rep.Signatures) != 1 || rep.Signatures[0].Modifications != ModNone {
				t.Fatalf("one signature: %s", dump(rep))
			}

			rep, err = Verify(two, VerifyOptions{Roots: roots, SigningTime: atSign})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Indication != TotalPassed || len(rep.Signatures) != 2 {
				t.Fatalf("two signatures: %s", dump(rep))
			}
			for i, want := range []struct {
				mods  Modifications
				party *party
				field string
			}{{ModLaterSignaturesOnly, p, "Signature1"}, {ModNone, q, "Signature2"}} {
				s := rep.Signatures[i]
				fp := signer.FingerprintOf(want.party.cert)
				if s.Indication != TotalPassed || s.Modifications != want.mods || s.Algorithm != wantAlg ||
					s.SignedBy == nil || s.SignedBy.Fingerprint != fp.String() || s.FieldName != want.field ||
					s.SigningTimeSource != TimeFromCaller || !s.SigningTime.Equal(tSign) || s.Reason != "同意合同条款" {
					t.Errorf("signature %d: %s", i, dump(s))
				}
			}
			if last := rep.Signatures[1]; last.Scope.ByteRange[2]+last.Scope.ByteRange[3] != int64(len(two)) || last.Scope.Revision != rep.Revisions {
				t.Errorf("last signature does not cover the whole file: %+v", last.Scope)
			}

			// Without an authoritative time the claimed time is used.
			rep, err = Verify(two, VerifyOptions{Roots: roots})
			if err != nil {
				t.Fatal(err)
			}
			wantSrc := map[signer.Algorithm]TimeSource{signer.AlgSM2: TimeFromCMS, signer.AlgECDSAP256: TimeFromPDF}[tc.alg]
			if rep.Indication != TotalPassed || rep.Signatures[0].SigningTimeSource != wantSrc {
				t.Errorf("claimed time: %s", dump(rep))
			}

			// Cross-check the CMS with gmsm's pkcs7 (GB/T 35275 for SM2).
			der, _ := cmsOf(t, two)
			p7, err := pkcs7.Parse(der)
			if err != nil {
				t.Fatalf("gmsm pkcs7 cannot parse our CMS: %v", err)
			}
			br := rep.Signatures[1].Scope.ByteRange
			h := map[signer.Algorithm]profile{signer.AlgSM2: profileSM2, signer.AlgECDSAP256: profileECDSA}[tc.alg].newHash()
			h.Write(two[:br[1]])
			h.Write(two[br[2]:])
			p7.Content = h.Sum(nil)
			pool := smx509.NewCertPool()
			pool.AddCert(q.ca.Cert)
			if err := p7.VerifyAsDigest(); err != nil {
				t.Errorf("gmsm pkcs7 rejects our CMS: %v", err)
			}
			if len(p7.Certificates) != 2 {
				t.Errorf("CMS carries %d certificates, want signer + CA", len(p7.Certificates))
			}
		})
	}
}

func TestVerifyFailures(t *testing.T) {
	p, q := newParty(t, signer.AlgECDSAP256, "alice"), newParty(t, signer.AlgECDSAP256, "bob")
	ps := newParty(t, signer.AlgSM2, "carol")
	roots := append(append(p.roots, q.roots...), ps.roots...)
	in := minimalPDF(t, 0)
	one, two := signedTwice(t, in, p, q)
	sm2One := mustSign(t, in, ps.opts(1, rectA, nil))

	flip := func(b []byte, at int) []byte {
		b = bytes.Clone(b)
		b[at] ^= 0x01
		return b
	}
	contentsAt := func(b []byte) int { _, at := cmsOf(t, b); return at }
	corruptSig := func(b []byte) []byte {
		// Change the last byte of the CMS: the end of the signature value.
		der, at := cmsOf(t, b)
		b = bytes.Clone(b)
		pos := at + 1 + 2*(len(der)-1)
		x := fmt.Sprintf("%02x", der[len(der)-1]^0x01)
		copy(b[pos:], x)
		return b
	}
	retouchPage := func(b []byte) []byte {
		// A later update replacing the page's content stream.
		ctx, err := readContext(b)
		if err != nil {
			t.Fatal(err)
		}
		if err := ctx.EnsurePageCount(); err != nil {
			t.Fatal(err)
		}
		pd, ref, _, err := ctx.PageDict(1, false)
		if err != nil {
			t.Fatal(err)
		}
		nr := *ctx.Size
		pd = pd.Clone().(types.Dict)
		pd["Contents"] = types.NewIndirectRef(nr, 0)
		return appendUpdate(t, b, map[int]string{
			nr:                       "<< /Length 26 >>\nstream\n0 g 100 300 300 100 re f\n\nendstream",
			ref.ObjectNumber.Value(): pd.PDFString(),
		}, nr+1, ctx.Root.PDFString())
	}
	addTextAnnot := func(b []byte) []byte {
		ctx, err := readContext(b)
		if err != nil {
			t.Fatal(err)
		}
		if err := ctx.EnsurePageCount(); err != nil {
			t.Fatal(err)
		}
		pd, ref, _, _ := ctx.PageDict(1, false)
		nr := *ctx.Size
		pd = pd.Clone().(types.Dict)
		annots, _ := ctx.DereferenceArray(pd["Annots"])
		pd["Annots"] = append(annots, *types.NewIndirectRef(nr, 0))
		return appendUpdate(t, b, map[int]string{
			nr:                       "<< /Type /Annot /Subtype /FreeText /Rect [50 300 400 350] /Contents (amount: 1,000,000) /DA (/Helv 12 Tf 0 g) >>",
			ref.ObjectNumber.Value(): pd.PDFString(),
		}, nr+1, ctx.Root.PDFString())
	}
	revokedAt := func(at time.Time) func(signer.Fingerprint, time.Time) (CertStatus, error) {
		return func(signer.Fingerprint, time.Time) (CertStatus, error) {
			return CertStatus{Revoked: true, RevokedAt: at, Reason: "keyCompromise"}, nil
		}
	}
	type want struct {
		ind  Indication
		sub  SubIndication
		mods Modifications
		note string
	}
	tests := []struct {
		name    string
		data    []byte
		opts    VerifyOptions
		overall Indication
		sigs    []want
	}{
		{name: "untouched", data: two, opts: VerifyOptions{Roots: roots, SigningTime: atSign}, overall: TotalPassed,
			sigs: []want{{TotalPassed, "", ModLaterSignaturesOnly, ""}, {TotalPassed, "", ModNone, ""}}},
		{name: "byte flipped in original content", data: flip(one, bytes.Index(one, []byte("Sealchain test contract"))), opts: VerifyOptions{Roots: roots, SigningTime: atSign},
			overall: TotalFailed, sigs: []want{{TotalFailed, HashFailure, ModNone, ""}}},
		{name: "byte flipped in signature dictionary", data: flip(one, bytes.LastIndex(one, []byte("/Location"))+3), opts: VerifyOptions{Roots: roots, SigningTime: atSign},
			overall: TotalFailed, sigs: []want{{TotalFailed, HashFailure, ModNone, ""}}},
		{name: "byte flipped in trailer after Contents", data: flip(one, bytes.LastIndex(one, []byte("startxref"))+2), opts: VerifyOptions{Roots: roots, SigningTime: atSign},
			overall: TotalFailed, sigs: []want{{TotalFailed, HashFailure, ModNone, ""}}},
		{name: "signature value corrupted", data: corruptSig(one), opts: VerifyOptions{Roots: roots, SigningTime: atSign},
			overall: TotalFailed, sigs: []want{{TotalFailed, SigCryptoFailure, ModNone, ""}}},
		{name: "sm2 signature value corrupted", data: corruptSig(sm2One), opts: VerifyOptions{Roots: roots, SigningTime: atSign},
			overall: TotalFailed, sigs: []want{{TotalFailed, SigCryptoFailure, ModNone, ""}}},
		{name: "CMS garbage", data: func() []byte { b := bytes.Clone(one); copy(b[contentsAt(b)+1:], "ffff"); return b }(), opts: VerifyOptions{Roots: roots, SigningTime: atSign},
			overall: TotalFailed, sigs: []want{{TotalFailed, FormatFailure, ModNone, "CMS"}}},
		{name: "page content replaced in later update", data: retouchPage(one), opts: VerifyOptions{Roots: roots, SigningTime: atSign},
			overall: Indeterminate, sigs: []want{{Indeterminate, SigConstraintsFailure, ModOther, "/Contents changed"}}},
		{name: "free text annotation added in later update", data: addTextAnnot(one), opts: VerifyOptions{Roots: roots, SigningTime: atSign},
			overall: Indeterminate, sigs: []want{{Indeterminate, SigConstraintsFailure, ModOther, "not a signed signature field"}}},
		{name: "page content replaced after two signatures", data: retouchPage(two), opts: VerifyOptions{Roots: roots, SigningTime: atSign},
			overall: Indeterminate, sigs: []want{{Indeterminate, SigConstraintsFailure, ModOther, ""}, {Indeterminate, SigConstraintsFailure, ModOther, ""}}},
		{name: "junk appended", data: append(bytes.Clone(one), "1 0 obj\n<< >>\nendobj\n"...), opts: VerifyOptions{Roots: roots, SigningTime: atSign},
			overall: Indeterminate, sigs: []want{{Indeterminate, SigConstraintsFailure, ModOther, "after the last"}}},
		{name: "truncated", data: one[:len(one)-100], opts: VerifyOptions{Roots: roots, SigningTime: atSign},
			overall: TotalFailed, sigs: []want{{TotalFailed, FormatFailure, ModUnknown, "truncated"}}},
		{name: "truncated inside second revision", data: two[:len(one)+2000], opts: VerifyOptions{Roots: roots, SigningTime: atSign},
			overall: TotalFailed, sigs: []want{{Indeterminate, SigConstraintsFailure, ModOther, ""}, {TotalFailed, FormatFailure, ModUnknown, "unreadable"}}},
		{name: "wrong root", data: two, opts: VerifyOptions{Roots: q.roots, SigningTime: atSign},
			overall: Indeterminate, sigs: []want{{Indeterminate, NoCertificateChainFound, ModLaterSignaturesOnly, ""}, {TotalPassed, "", ModNone, ""}}},
		{name: "no roots", data: one, opts: VerifyOptions{SigningTime: atSign},
			overall: Indeterminate, sigs: []want{{Indeterminate, NoCertificateChainFound, ModNone, ""}}},
		{name: "revoked before signing", data: one, opts: VerifyOptions{Roots: roots, SigningTime: atSign, Status: revokedAt(tSign.Add(-time.Hour))},
			overall: TotalFailed, sigs: []want{{TotalFailed, Revoked, ModNone, "revoked"}}},
		{name: "revoked after signing", data: one, opts: VerifyOptions{Roots: roots, SigningTime: atSign, Status: revokedAt(tSign.Add(time.Hour))},
			overall: TotalPassed, sigs: []want{{TotalPassed, "", ModNone, "after the signing time"}}},
		{name: "revoked, claimed time only", data: one, opts: VerifyOptions{Roots: roots, Status: revokedAt(tSign.Add(time.Hour))},
			overall: Indeterminate, sigs: []want{{Indeterminate, RevokedNoPOE, ModNone, "only claimed"}}},
		{name: "status unavailable", data: one, opts: VerifyOptions{Roots: roots, SigningTime: atSign, Status: func(signer.Fingerprint, time.Time) (CertStatus, error) {
			return CertStatus{}, errors.New("node unreachable")
		}}, overall: Indeterminate, sigs: []want{{Indeterminate, TryLater, ModNone, "unreachable"}}},
		{name: "block time after expiry", data: one, opts: VerifyOptions{Roots: roots, SigningTime: func(int) (time.Time, bool) { return tNotAfter.Add(time.Hour), true }},
			overall: TotalFailed, sigs: []want{{TotalFailed, Expired, ModNone, ""}}},
		{name: "block time before issuance", data: one, opts: VerifyOptions{Roots: roots, SigningTime: func(int) (time.Time, bool) { return tNotBefore.Add(-time.Hour), true }},
			overall: TotalFailed, sigs: []want{{TotalFailed, NotYetValid, ModNone, ""}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := Verify(tc.data, tc.opts)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if rep.Indication != tc.overall || len(rep.Signatures) != len(tc.sigs) {
				t.Fatalf("got %s, want overall %s with %d signatures", dump(rep), tc.overall, len(tc.sigs))
			}
			for i, w := range tc.sigs {
				s := rep.Signatures[i]
				if s.Indication != w.ind || s.SubIndication != w.sub || s.Modifications != w.mods ||
					(w.note != "" && !strings.Contains(strings.Join(s.Notes, "\n"), w.note)) {
					t.Errorf("signature %d: got %s\nwant %+v", i, dump(s), w)
				}
			}
		})
	}
}

func TestVerifyNoSignature(t *testing.T) {
	for _, b := range [][]byte{minimalPDF(t, 0), pdfcpuPDF(t), nil, []byte("not a pdf")} {
		if _, err := Verify(b, VerifyOptions{}); !errors.Is(err, ErrNoSignature) {
			t.Errorf("got %v, want ErrNoSignature", err)
		}
	}
}

func TestSignErrors(t *testing.T) {
	p, q := newParty(t, signer.AlgSM2, "alice"), newParty(t, signer.AlgSM2, "bob")
	in := minimalPDF(t, 0)
	tests := []struct {
		name string
		in   []byte
		mod  func(*SignOptions)
		want error
	}{
		{"no key", in, func(o *SignOptions) { o.Key = nil }, ErrInvalidOptions},
		{"cert of another key", in, func(o *SignOptions) { o.Cert = q.cert }, ErrInvalidOptions},
		{"page 0", in, func(o *SignOptions) { o.Page = 0 }, ErrInvalidOptions},
		{"page 2 of 1", in, func(o *SignOptions) { o.Page = 2 }, ErrInvalidOptions},
		{"zero time", in, func(o *SignOptions) { o.Time = time.Time{} }, ErrInvalidOptions},
		{"not a pdf", []byte("hello"), func(*SignOptions) {}, ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := p.opts(1, rectA, nil)
			tc.mod(&o)
			if _, err := Sign(tc.in, o); !errors.Is(err, tc.want) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
		})
	}
	o := p.opts(1, rectA, []byte("not a png"))
	if _, err := Sign(in, o); err == nil {
		t.Error("bad PNG accepted")
	}
}

// TestPdfsig checks our ECDSA signatures with poppler's pdfsig and records
// what it says about SM2.
func TestPdfsig(t *testing.T) {
	pdfsig := requireTool(t, "pdfsig")
	for _, input := range []struct {
		name string
		pdf  func(testing.TB) []byte
	}{{"classic", func(t testing.TB) []byte { return minimalPDF(t, 0) }}, {"pdfcpu", pdfcpuPDF}} {
		for _, alg := range []signer.Algorithm{signer.AlgECDSAP256, signer.AlgSM2} {
			t.Run(input.name+"/"+alg.String(), func(t *testing.T) {
				p, q := newParty(t, alg, "alice"), newParty(t, alg, "bob")
				one, two := signedTwice(t, input.pdf(t), p, q)
				for n, b := range [][]byte{one, two} {
					out, err := run(t, pdfsig, writeTemp(t, "signed.pdf", b))
					t.Logf("pdfsig, %d signature(s):\n%s", n+1, out)
					if alg == signer.AlgSM2 {
						continue // poppler/NSS has no SM2: recorded only
					}
					if err != nil {
						t.Fatalf("pdfsig: %v", err)
					}
					if got := strings.Count(out, "Signature is Valid."); got != n+1 {
						t.Errorf("pdfsig: %d valid signatures, want %d", got, n+1)
					}
					if !strings.Contains(out[strings.LastIndex(out, "Signature #"):], "Total document signed") {
						t.Error("pdfsig: last signature does not cover the total document")
					}
					if n == 1 && !strings.Contains(out, "Not total document signed") {
						t.Error("pdfsig: first of two signatures should not cover the total document")
					}
				}
			})
		}
	}
}

// TestPdfcpu validates signed files with pdfcpu (relaxed and strict) and
// records pdfcpu's own signature validation.
func TestPdfcpu(t *testing.T) {
	for _, input := range []struct {
		name string
		pdf  func(testing.TB) []byte
	}{{"classic", func(t testing.TB) []byte { return minimalPDF(t, 0) }}, {"pdfcpu", pdfcpuPDF}} {
		for _, alg := range []signer.Algorithm{signer.AlgECDSAP256, signer.AlgSM2} {
			t.Run(input.name+"/"+alg.String(), func(t *testing.T) {
				p, q := newParty(t, alg, "alice"), newParty(t, alg, "bob")
				_, two := signedTwice(t, input.pdf(t), p, q)
				f := writeTemp(t, "signed.pdf", two)
				trustDir := t.TempDir()
				for i, c := range []*party{p, q} {
					if alg == signer.AlgSM2 {
						break // pdfcpu's crypto/x509 cannot parse SM2 certificates
					}
					if err := os.WriteFile(filepath.Join(trustDir, fmt.Sprintf("ca%d.pem", i)), signer.EncodeCertificatePEM(c.ca.Cert.Raw), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				model.TrustedCertDir = trustDir
				pdfcpu.InvalidateCertificatePool()
				for _, mode := range []int{model.ValidationRelaxed, model.ValidationStrict} {
					conf := model.NewDefaultConfiguration()
					conf.ValidationMode = mode
					if err := api.ValidateFile(f, conf); err != nil {
						t.Errorf("pdfcpu validate (%s): %v", conf.ValidationModeString(), err)
					}
				}
				ss, err := api.ValidateSignaturesFile(f, true, true, model.NewDefaultConfiguration())
				t.Logf("pdfcpu validate signatures: err=%v\n%s", err, strings.Join(ss, "\n"))
				if alg == signer.AlgSM2 {
					return
				}
				if err != nil {
					t.Fatalf("pdfcpu signature validation: %v", err)
				}
				res, err := api.ValidateSignatures(f, true, model.NewDefaultConfiguration())
				if err != nil {
					t.Fatal(err)
				}
				if len(res) != 2 {
					t.Fatalf("pdfcpu found %d signatures, want 2", len(res))
				}
				for i, r := range res {
					// Integrity and the signature value passed; only
					// revocation (no CRL/OCSP in our certificates) is open.
					if r.Status == model.SignatureStatusInvalid || r.Reason != model.SignatureReasonCertRevocationUnknown {
						t.Errorf("pdfcpu signature %d: status %v, reason %q", i, r.Status, r.Reason)
					}
				}
				// The same check must fail on a tampered file.
				bad := bytes.Clone(two)
				bad[bytes.Index(bad, []byte("%%EOF"))-10] ^= 1
				res, err = api.ValidateSignatures(writeTemp(t, "bad.pdf", bad), true, model.NewDefaultConfiguration())
				if err != nil {
					t.Fatal(err)
				}
				for i, r := range res {
					if r.Status != model.SignatureStatusInvalid {
						t.Errorf("pdfcpu accepts tampered signature %d: %s", i, r)
					}
				}
			})
		}
	}
}

// TestAppearanceRender renders the signed page with pdftoppm and checks that
// the red seal lies inside the signature rectangle.
func TestAppearanceRender(t *testing.T) {
	pdftoppm := requireTool(t, "pdftoppm")
	p := newParty(t, signer.AlgSM2, "alice")
	signed := mustSign(t, minimalPDF(t, 0), p.opts(1, rectA, sealPNG(t)))
	dir := t.TempDir()
	f := writeTemp(t, "signed.pdf", signed)
	if out, err := run(t, pdftoppm, "-png", "-r", "72", "-f", "1", "-l", "1", "-singlefile", f, filepath.Join(dir, "page")); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	pngBytes, err := os.ReadFile(filepath.Join(dir, "page.png"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("testdata", "signed-page.png"), pngBytes, 0o644); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(pngBytes))
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	if b.Dx() != 595 || b.Dy() != 842 {
		t.Fatalf("rendered %v, want 595x842 at 72 dpi", b)
	}
	// PDF (x, y) bottom-left origin -> pixel (x, 842-y) top-left origin.
	x, y, w, h := rectA[0], rectA[1], rectA[2], rectA[3]
	in := image.Rect(int(x), int(842-y-h), int(x+w), int(842-y))
	var inside, outside int
	for py := b.Min.Y; py < b.Max.Y; py++ {
		for px := b.Min.X; px < b.Max.X; px++ {
			r, g, bl, _ := img.At(px, py).RGBA()
			if !(r>>8 > 150 && g>>8 < 90 && bl>>8 < 90) {
				continue
			}
			if image.Pt(px, py).In(in) {
				inside++
			} else {
				outside++
			}
		}
	}
	t.Logf("red pixels inside %v: %d, outside: %d", in, inside, outside)
	if inside < int(w*h)/5 || outside != 0 {
		t.Errorf("red pixels inside %d (want >= %d), outside %d (want 0)", inside, int(w*h)/5, outside)
	}
}

func TestReportJSON(t *testing.T) {
	p := newParty(t, signer.AlgSM2, "alice")
	rep, err := Verify(mustSign(t, minimalPDF(t, 0), p.opts(1, rectA, nil)), VerifyOptions{Roots: p.roots, SigningTime: atSign})
	if err != nil {
		t.Fatal(err)
	}
	j, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{`"indication":"TOTAL_PASSED"`, `"signing_time_source":"caller"`, `"modifications":"none"`, `"fingerprint":"`, `"byte_range":[0,`} {
		if !bytes.Contains(j, []byte(k)) {
			t.Errorf("JSON lacks %s: %s", k, j)
		}
	}
}

func FuzzVerify(f *testing.F) {
	p := newParty(f, signer.AlgECDSAP256, "alice")
	signed := mustSign(f, minimalPDF(f, 0), p.opts(1, rectA, nil))
	f.Add(signed)
	f.Add(signed[:len(signed)/2])
	f.Add([]byte("1 0 obj << /ByteRange [0 1 2 3] /Contents <00> >> endobj %%EOF"))
	f.Fuzz(func(t *testing.T, b []byte) {
		rep, err := Verify(b, VerifyOptions{Roots: p.roots})
		if err == nil && rep.Indication == TotalPassed && !bytes.Equal(b, signed) {
			// Only the untouched file may fully pass with these roots,
			// apart from changes outside the signed ranges (none exist).
			for _, s := range rep.Signatures {
				if s.Scope.ByteRange[2]+s.Scope.ByteRange[3] == int64(len(b)) && !bytes.HasPrefix(signed, b[:s.Scope.ByteRange[1]]) {
					t.Fatalf("modified file passed: %s", dump(rep))
				}
			}
		}
	})
}

func benchPDF(b *testing.B, size int) []byte {
	b.Helper()
	return minimalPDF(b, size)
}

func benchSign(b *testing.B, size int) {
	p := newParty(b, signer.AlgSM2, "alice")
	in := benchPDF(b, size)
	o := p.opts(1, rectA, sealPNG(b))
	b.SetBytes(int64(len(in)))
	b.ResetTimer()
	for b.Loop() {
		if _, err := Sign(in, o); err != nil {
			b.Fatal(err)
		}
	}
}

func benchVerify(b *testing.B, size int) {
	p, q := newParty(b, signer.AlgSM2, "alice"), newParty(b, signer.AlgSM2, "bob")
	_, two := signedTwice(b, benchPDF(b, size), p, q)
	opts := VerifyOptions{Roots: append(p.roots, q.roots...), SigningTime: atSign}
	b.SetBytes(int64(len(two)))
	b.ResetTimer()
	for b.Loop() {
		rep, err := Verify(two, opts)
		if err != nil || rep.Indication != TotalPassed {
			b.Fatalf("%v %s", err, dump(rep))
		}
	}
}

func BenchmarkSign1MB(b *testing.B)    { benchSign(b, 1<<20) }
func BenchmarkVerify1MB(b *testing.B)  { benchVerify(b, 1<<20) }
func BenchmarkSign20MB(b *testing.B)   { benchSign(b, 20<<20) }
func BenchmarkVerify20MB(b *testing.B) { benchVerify(b, 20<<20) }

func dump(v any) string {
	j, _ := json.MarshalIndent(v, "", "  ")
	return string(j)
}
