package pdf

import (
	"bytes"
	"encoding/hex"
	"flag"
	"image"
	"image/png"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"
	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"

	"github.com/sealchain/sealchain/signer"
	"github.com/sealchain/sealchain/signer/seal"
)

var sesPNGOut = flag.String("ses-png", "", "write the rendered SES-signed page to this PNG")

// sesParty is a party with a seal made by its CA that lists its
// certificate.
type sesParty struct {
	*party
	seal []byte
}

func newSESParty(t testing.TB, alg signer.Algorithm, ref string, picture []byte) *sesParty {
	t.Helper()
	p := newParty(t, alg, ref)
	der, err := seal.Make(seal.SealInfo{ID: "seal-" + ref, Kind: seal.KindOrganization, Name: "测试公司合同专用章 " + ref,
		SignerCerts: [][]byte{p.cert}, Created: tNotBefore, ValidStart: tNotBefore, ValidEnd: tNotAfter,
		Picture: seal.Picture{Data: picture, WidthMM: 40, HeightMM: 40}}, p.ca.Key, p.ca.Cert.Raw, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &sesParty{party: p, seal: der}
}

func (p *sesParty) sesOpts(page int, x, y float64) SESOptions {
	o := p.opts(page, [4]float64{x, y, 0, 0}, nil)
	o.Chain = nil
	return SESOptions{SignOptions: o, Seal: p.seal}
}

func mustSignSES(t testing.TB, in []byte, o SESOptions) []byte {
	t.Helper()
	out, err := SignSES(in, o)
	if err != nil {
		t.Fatalf("SignSES: %v", err)
	}
	if !bytes.HasPrefix(out, in) {
		t.Fatal("SignSES changed the original bytes")
	}
	return out
}

func TestSESSignVerify(t *testing.T) {
	for _, alg := range []signer.Algorithm{signer.AlgSM2, signer.AlgECDSAP256} {
		t.Run(alg.String(), func(t *testing.T) {
			p := newSESParty(t, alg, "a", sealPNG(t))
			out := mustSignSES(t, minimalPDF(t, 0), p.sesOpts(1, 400, 100))
			if !bytes.Contains(out, []byte("/Filter /GM.PKILite /SubFilter /GM.sm2seal")) {
				t.Fatal("filter names not written")
			}
			rep, err := Verify(out, VerifyOptions{Roots: p.roots})
			if err != nil {
				t.Fatal(err)
			}
			s := rep.Signatures[0]
			if rep.Indication != TotalPassed || s.Indication != TotalPassed {
				t.Fatalf("got %s/%s, notes %v, checks %+v", s.Indication, s.SubIndication, s.Notes, s.Checks)
			}
			if s.SESVersion != 4 || s.Seal == nil || s.Seal.ESID != "seal-a" || s.SignedBy == nil || s.SigningTimeSource != TimeFromSES ||
				!s.SigningTime.Equal(tSign) || s.Modifications != ModNone || len(s.Checks) == 0 || len(s.SealChecks) == 0 {
				t.Fatalf("report: %+v", s)
			}
			want := map[signer.Algorithm]string{signer.AlgSM2: "sm2-sm3", signer.AlgECDSAP256: "ecdsa-p256-sha256"}[alg]
			if s.Algorithm != want {
				t.Errorf("algorithm %q, want %q", s.Algorithm, want)
			}
			// dataHash is the SM3 of the byte range, computed here
			// independently of Verify's digester.
			der, _ := cmsOf(t, out)
			ses, err := seal.ParseSESSignature(der)
			if err != nil {
				t.Fatal(err)
			}
			br := s.Scope.ByteRange
			h := sm3.New()
			h.Write(out[:br[1]])
			h.Write(out[br[2] : br[2]+br[3]])
			if !bytes.Equal(h.Sum(nil), ses.DataHash) || ses.PropertyInfo != s.FieldName {
				t.Fatalf("dataHash %x, propertyInfo %q (field %q)", ses.DataHash, ses.PropertyInfo, s.FieldName)
			}
		})
	}
}

// TestSESOutcomes changes one thing at a time and checks the indication.
func TestSESOutcomes(t *testing.T) {
	p := newSESParty(t, signer.AlgSM2, "a", sealPNG(t))
	other := newSESParty(t, signer.AlgSM2, "b", sealPNG(t))
	in := minimalPDF(t, 0)
	good := mustSignSES(t, in, p.sesOpts(1, 400, 100))
	der, cpos := cmsOf(t, good)

	// A seal that lists someone else: p signs with other's seal.
	o := p.sesOpts(1, 400, 100)
	o.Seal = other.seal
	unbound := mustSignSES(t, in, o)
	// A time outside the seal's validity (claimed).
	o = p.sesOpts(1, 400, 100)
	o.Time = tNotAfter.Add(24 * time.Hour)
	late := mustSignSES(t, in, o)

	for _, tc := range []struct {
		name string
		data []byte
		opts VerifyOptions
		ind  Indication
		sub  SubIndication
	}{
		{"good", good, VerifyOptions{Roots: p.roots}, TotalPassed, ""},
		{"changed byte", bytes.Replace(good, []byte("0.6 g"), []byte("0.7 g"), 1), VerifyOptions{Roots: p.roots}, TotalFailed, HashFailure},
		{"changed signature", flipContents(t, good, cpos, len(der)-3), VerifyOptions{Roots: p.roots}, TotalFailed, SigCryptoFailure},
		{"changed timeInfo", flipTimeInfo(t, good, cpos, der), VerifyOptions{Roots: p.roots}, TotalFailed, SigCryptoFailure},
		{"garbage after the DER", flipContents(t, good, cpos, len(der)+4), VerifyOptions{Roots: p.roots}, TotalFailed, FormatFailure},
		{"untrusted", good, VerifyOptions{Roots: other.roots}, Indeterminate, NoCertificateChainFound},
		{"seal maker untrusted", good, VerifyOptions{Roots: p.roots, SealRoots: other.roots}, Indeterminate, NoCertificateChainFound},
		{"seal not listing the signer", unbound, VerifyOptions{Roots: append(slicesOf(p.roots), other.roots...)}, Indeterminate, ChainConstraintsFailure},
		{"claimed time after the seal", late, VerifyOptions{Roots: p.roots}, Indeterminate, OutOfBoundsNoPOE},
		{"chain time after expiry", good, VerifyOptions{Roots: p.roots, SigningTime: func(int) (time.Time, bool) { return tNotAfter.Add(time.Hour), true }}, TotalFailed, Expired},
		{"--at after expiry, claimed time", good, VerifyOptions{Roots: p.roots, ValidationTime: tNotAfter.Add(time.Hour)}, Indeterminate, OutOfBoundsNoPOE},
		{"--at after expiry, chain time", good, VerifyOptions{Roots: p.roots, ValidationTime: tNotAfter.Add(time.Hour), SigningTime: func(int) (time.Time, bool) { return tSign, true }}, TotalPassed, ""},
		{"revoked before", good, VerifyOptions{Roots: p.roots, SigningTime: func(int) (time.Time, bool) { return tSign, true },
			Status: func(signer.Fingerprint, time.Time) (CertStatus, error) {
				return CertStatus{Revoked: true, RevokedAt: tSign.Add(-time.Hour)}, nil
			}}, TotalFailed, Revoked},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := Verify(tc.data, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			s := rep.Signatures[0]
			if s.Indication != tc.ind || s.SubIndication != tc.sub {
				t.Fatalf("got %s/%s, want %s/%s; notes %v", s.Indication, s.SubIndication, tc.ind, tc.sub, s.Notes)
			}
		})
	}
}

func slicesOf(r []*smx509.Certificate) []*smx509.Certificate {
	return append([]*smx509.Certificate(nil), r...)
}

// flipContents changes the byte at offset i of the DER in the /Contents
// string starting at cpos (the '<').
func flipContents(t *testing.T, b []byte, cpos, i int) []byte {
	t.Helper()
	out := bytes.Clone(b)
	p := cpos + 1 + 2*i
	c := out[p]
	out[p] = map[bool]byte{true: '1', false: '0'}[c == '0']
	return out
}

// flipTimeInfo changes the last digit of TBS_Sign's timeInfo.
func flipTimeInfo(t *testing.T, b []byte, cpos int, der []byte) []byte {
	t.Helper()
	ses, err := seal.ParseSESSignature(der)
	if err != nil {
		t.Fatal(err)
	}
	stamp := []byte(ses.Time.Format("20060102150405") + "Z")
	i := bytes.Index(der, stamp)
	if i < 0 {
		t.Fatal("timeInfo not found")
	}
	out := bytes.Clone(b)
	p := cpos + 1 + 2*(i+len(stamp)-2)
	hex.Encode(out[p:p+2], []byte{stamp[len(stamp)-2] ^ 1})
	return out
}

// TestSESMixed: CMS, SES, CMS, SES in turn by different signers; each
// verifies and only the last covers the whole file.
func TestSESMixed(t *testing.T) {
	a := newSESParty(t, signer.AlgSM2, "a", sealPNG(t))
	b := newSESParty(t, signer.AlgSM2, "b", sealPNG(t))
	c := newParty(t, signer.AlgECDSAP256, "c")
	out := mustSign(t, pdfcpuPDF(t), c.opts(1, [4]float64{50, 50, 80, 80}, sealPNG(t)))
	out = mustSignSES(t, out, a.sesOpts(1, 150, 50))
	out = mustSign(t, out, a.opts(1, [4]float64{250, 50, 80, 80}, nil))
	out = mustSignSES(t, out, b.sesOpts(1, 350, 50))
	roots := append(append(slicesOf(a.roots), b.roots...), c.roots...)
	rep, err := Verify(out, VerifyOptions{Roots: roots})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Indication != TotalPassed || len(rep.Signatures) != 4 {
		t.Fatalf("%s, %d signatures", rep.Indication, len(rep.Signatures))
	}
	for i, s := range rep.Signatures {
		if s.Indication != TotalPassed {
			t.Errorf("#%d %s/%s %v", i, s.Indication, s.SubIndication, s.Notes)
		}
		if wantSES := i%2 == 1; (s.SESVersion == 4) != wantSES {
			t.Errorf("#%d SES version %d", i, s.SESVersion)
		}
	}
	// A changed byte in the first revision fails all four.
	bad := bytes.Clone(out)
	bad[11] ^= 1 // in the binary comment after %PDF-1.x
	rep, _ = Verify(bad, VerifyOptions{Roots: roots})
	for i, s := range rep.Signatures {
		if s.SubIndication != HashFailure {
			t.Errorf("changed: #%d %s/%s", i, s.Indication, s.SubIndication)
		}
	}
}

// TestSESUnderOtherSubFilter: an SES_Signature under another /SubFilter
// (x-easypdf names /GM.SM2; iText-based signers write /adbe.pkcs7.detached)
// is recognised by its content.
func TestSESUnderOtherSubFilter(t *testing.T) {
	p := newSESParty(t, signer.AlgSM2, "a", sealPNG(t))
	out := mustSignSES(t, minimalPDF(t, 0), p.sesOpts(1, 400, 100))
	// Same length, so the byte range stays right (the dictionary is
	// signed, so the signature itself now fails its digest).
	out = bytes.Replace(out, []byte("/SubFilter /GM.sm2seal"), []byte("/SubFilter /GM.SM2    "), 1)
	rep, err := Verify(out, VerifyOptions{Roots: p.roots})
	if err != nil {
		t.Fatal(err)
	}
	s := rep.Signatures[0]
	if s.SESVersion != 4 || s.SubIndication != HashFailure || !strings.Contains(strings.Join(s.Notes, "\n"), "not /GM.sm2seal") {
		t.Fatalf("%+v", s)
	}
}

// TestSESOutsideTools: qpdf --check accepts the file, pdfsig lists the
// signatures (it cannot check GM.sm2seal), and pdftoppm draws the seal in
// its box.
func TestSESOutsideTools(t *testing.T) {
	a := newSESParty(t, signer.AlgSM2, "a", sealPNG(t))
	b := newSESParty(t, signer.AlgSM2, "b", sealPNG(t))
	out := mustSignSES(t, minimalPDF(t, 0), a.sesOpts(1, 100, 500))
	out = mustSignSES(t, out, b.sesOpts(1, 400, 100))
	path := writeTemp(t, "ses.pdf", out)
	qpdf := requireTool(t, "qpdf")
	if got, err := run(t, qpdf, "--check", path); err != nil || !strings.Contains(got, "No syntax or stream encoding errors") {
		t.Fatalf("qpdf --check: %v\n%s", err, got)
	}
	for _, mode := range []int{model.ValidationRelaxed, model.ValidationStrict} {
		conf := model.NewDefaultConfiguration()
		conf.ValidationMode = mode
		if err := api.ValidateFile(path, conf); err != nil {
			t.Errorf("pdfcpu validate (%s): %v", conf.ValidationModeString(), err)
		}
	}
	model.TrustedCertDir = t.TempDir()
	pdfcpu.InvalidateCertificatePool()
	ss, err := api.ValidateSignaturesFile(path, true, true, model.NewDefaultConfiguration())
	t.Logf("pdfcpu validate signatures: err=%v\n%s", err, strings.Join(ss, "\n"))
	pdfsig := requireTool(t, "pdfsig")
	got, _ := run(t, pdfsig, path)
	t.Logf("pdfsig:\n%s", got)
	if !strings.Contains(got, "Signature #2") {
		t.Errorf("pdfsig does not list both signatures")
	}
	pdftoppm := requireTool(t, "pdftoppm")
	var raw []byte
	png1 := t.TempDir() + "/page"
	if got, err := run(t, pdftoppm, "-png", "-r", "36", "-singlefile", path, png1); err != nil {
		t.Fatalf("pdftoppm: %v %s", err, got)
	}
	raw, err = os.ReadFile(png1 + ".png")
	if err != nil {
		t.Fatal(err)
	}
	if *sesPNGOut != "" {
		_ = os.WriteFile(*sesPNGOut, raw, 0o644)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	// 36 dpi: half a pixel a point. Seal a at (100,500) 113.4 pt square,
	// seal b at (400,100); the page is 595x842 (minimalPDF).
	ph := img.Bounds().Dy()
	box := func(x, y float64) image.Rectangle {
		s := 40 * 72 / 25.4
		return image.Rect(int(x/2), ph-int((y+s)/2), int((x+s)/2), ph-int(y/2))
	}
	redIn := func(r image.Rectangle) int {
		n := 0
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				cr, cg, cb, _ := img.At(x, y).RGBA()
				if cr > 0xa000 && cg < 0x6000 && cb < 0x6000 {
					n++
				}
			}
		}
		return n
	}
	ra, rb := box(100, 500), box(400, 100)
	total := redIn(img.Bounds())
	if redIn(ra) < 100 || redIn(rb) < 100 || redIn(ra)+redIn(rb) != total {
		t.Fatalf("red pixels: seal a %d, seal b %d, page %d", redIn(ra), redIn(rb), total)
	}
}

// FuzzParseSESContents feeds /Contents bytes to the SES reader and, when
// they parse, to the verification; neither may panic and a report must
// agree with its error.
func FuzzParseSESContents(f *testing.F) {
	p := newSESParty(f, signer.AlgSM2, "a", sealPNG(f))
	out := mustSignSES(f, minimalPDF(f, 0), p.sesOpts(1, 400, 100))
	der, _ := cmsOf(f, out)
	f.Add(der)
	f.Add(append(bytes.Clone(der), 0, 0, 0))
	f.Add(der[:len(der)/2])
	f.Add([]byte{0x30, 0x03, 0x30, 0x01, 0x00})
	digest := make([]byte, 32)
	f.Fuzz(func(t *testing.T, b []byte) {
		looksSES(b)
		s, err := parseSESContents(b)
		if err != nil {
			return
		}
		rep, err := s.VerifyDigest(digest, p.roots, p.roots, tSign)
		if rep == nil || (err == nil) != rep.OK() {
			t.Fatalf("report %v disagrees with error %v", rep, err)
		}
		classifySES(rep, false, nil, tSign)
	})
}

// TestSESEveryByte flips bytes of the SES_Signature in /Contents and
// expects no flip to pass: every byte of its own structure, and a sample
// (the first and last 16 bytes, then every 31st) of the seal picture and the
// certificates, which their signatures cover like the rest.
func TestSESEveryByte(t *testing.T) {
	p := newSESParty(t, signer.AlgSM2, "a", sealPNG(t))
	good := mustSignSES(t, minimalPDF(t, 0), p.sesOpts(1, 400, 100))
	der, cpos := cmsOf(t, good)
	ses, err := seal.ParseSESSignature(der)
	if err != nil {
		t.Fatal(err)
	}
	sampled := make([]bool, len(der))
	for _, blob := range [][]byte{ses.Seal.Picture.Data, p.cert, p.ca.Cert.Raw} {
		for from := 0; ; {
			i := bytes.Index(der[from:], blob)
			if i < 0 {
				break
			}
			for j := from + i + 16; j < from+i+len(blob)-16; j++ {
				sampled[j] = j%31 != 0
			}
			from += i + len(blob)
		}
	}
	flips := 0
	for i := range der {
		if sampled[i] {
			continue
		}
		bad := bytes.Clone(good)
		at := cpos + 1 + 2*i
		b, _ := hex.DecodeString(string(bad[at : at+2]))
		hex.Encode(bad[at:at+2], []byte{b[0] ^ 0x01})
		rep, err := Verify(bad, VerifyOptions{Roots: p.roots})
		if err != nil {
			t.Fatalf("byte %d: %v", i, err)
		}
		if rep.Signatures[0].Indication == TotalPassed {
			t.Errorf("byte %d of %d flipped: still TOTAL_PASSED", i, len(der))
		}
		flips++
	}
	t.Logf("%d of %d bytes flipped, none passed", flips, len(der))
}

// TestSESTimeStamp: a time stamp over the signature value, in the
// SES_Signature's timeStamp, is verified and gives the signing time; one
// over something else is reported and ignored.
func TestSESTimeStamp(t *testing.T) {
	p := newSESParty(t, signer.AlgSM2, "a", sealPNG(t))
	in := minimalPDF(t, 0)
	o := p.sesOpts(1, 400, 100)
	o.TimeStamper = testTSA{a: newTSAAuthority(t, p.ca), certReq: true}
	out := mustSignSES(t, in, o)
	der, _ := cmsOf(t, out)
	if ses, err := seal.ParseSESSignature(der); err != nil || ses.TimeStamp == nil {
		t.Fatalf("no time stamp in the SES_Signature: %v", err)
	}
	// After the certificate expired: the time stamp is the proof of
	// existence that keeps it valid.
	rep, err := Verify(out, VerifyOptions{Roots: p.roots, ValidationTime: tNotAfter.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	s := rep.Signatures[0]
	if s.Indication != TotalPassed || s.TimeStamp == nil || !s.TimeStamp.Valid || s.SigningTimeSource != TimeFromTimeStamp || !s.SigningTime.Equal(tGenTime) {
		t.Fatalf("%s/%s time %v from %s, stamp %+v, notes %v", s.Indication, s.SubIndication, s.SigningTime, s.SigningTimeSource, s.TimeStamp, s.Notes)
	}
	o.TimeStamper = testTSA{a: newTSAAuthority(t, p.ca), certReq: true, other: make([]byte, 32)}
	out = mustSignSES(t, in, o)
	rep, _ = Verify(out, VerifyOptions{Roots: p.roots})
	if s := rep.Signatures[0]; s.TimeStamp == nil || s.TimeStamp.Valid || s.SigningTimeSource != TimeFromSES || s.Indication != TotalPassed {
		t.Fatalf("wrong imprint: %s time from %s, stamp %+v", s.Indication, s.SigningTimeSource, s.TimeStamp)
	}
}
