package ofd

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"
	"github.com/stretchr/testify/require"

	"github.com/sealchain/sealchain/signer"
	"github.com/sealchain/sealchain/signer/pdf"
	"github.com/sealchain/sealchain/signer/seal"
)

var (
	caFrom   = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	caUntil  = time.Date(2035, 1, 1, 0, 0, 0, 0, time.UTC)
	sealFrom = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	sealTo   = time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC)
	signAt   = time.Date(2026, 3, 15, 8, 0, 0, 0, time.UTC)
)

type party struct {
	ca   *signer.CA
	key  *signer.PrivateKey
	cert []byte
	seal []byte
}

func newParty(t testing.TB, org, name string) *party {
	t.Helper()
	caKey, err := signer.GenerateKey(signer.AlgSM2, nil)
	require.NoError(t, err)
	ca, err := signer.NewCA(caKey, signer.CAOptions{OrgID: org, OrgName: org + " Ltd", Role: "platform", NotBefore: caFrom, NotAfter: caUntil}, nil)
	require.NoError(t, err)
	key, err := signer.GenerateKey(signer.AlgSM2, nil)
	require.NoError(t, err)
	cert, err := ca.Issue(key.Public(), signer.IssueOptions{SubjectRef: "sc:" + org, Usage: signer.UsageSigner, NotBefore: caFrom, NotAfter: caUntil}, nil)
	require.NoError(t, err)
	img := image.NewNRGBA(image.Rect(0, 0, 64, 64))
	for i := range 64 {
		img.Set(i, i, seal.Red)
		img.Set(63-i, i, seal.Red)
	}
	pic, err := seal.EncodePNG(img)
	require.NoError(t, err)
	s, err := seal.Make(seal.SealInfo{
		ID: "seal-" + org, Kind: seal.KindOrganization, Name: name, SignerCerts: [][]byte{cert},
		Created: sealFrom, ValidStart: sealFrom, ValidEnd: sealTo,
		Picture: seal.Picture{Data: pic, WidthMM: 40, HeightMM: 40},
	}, ca.Key, ca.Cert.Raw, nil)
	require.NoError(t, err)
	return &party{ca: ca, key: key, cert: cert, seal: s}
}

func (p *party) sign(t testing.TB, data []byte, page int, x float64, at time.Time) []byte {
	t.Helper()
	out, err := Sign(context.Background(), data, SignOptions{Key: p.key, Cert: p.cert, Seal: p.seal, Time: at, Page: page, X: x, Y: 200})
	require.NoError(t, err)
	return out
}

func roots(ps ...*party) []*smx509.Certificate {
	var out []*smx509.Certificate
	for _, p := range ps {
		out = append(out, p.ca.Cert)
	}
	return out
}

func contract(t testing.TB) []byte {
	t.Helper()
	b, err := NewText("测试合同", [][]string{
		{"买卖合同", "", "甲方：某某科技有限公司", "乙方：某某贸易有限公司", "第一条　标的物：办公设备一批。"},
		{"第二条　价款：人民币壹万元整。", "", "甲方（盖章）：", "乙方（盖章）："},
	}, signAt)
	require.NoError(t, err)
	return b
}

func TestNewTextReads(t *testing.T) {
	b := contract(t)
	p, err := Open(b)
	require.NoError(t, err)
	doc, err := p.ReadDocument()
	require.NoError(t, err)
	require.Len(t, doc.Pages, 2)
	require.Equal(t, "Doc_0/Pages/Page_1/Content.xml", doc.Pages[1].Content)
	b2 := contract(t)
	require.Equal(t, b, b2, "NewText is deterministic")
	_, err = NewText("x", [][]string{{strings.Repeat("字", 37)}}, signAt)
	require.Error(t, err)
}

func TestSignVerifyRoundTrip(t *testing.T) {
	a := newParty(t, "org-a", "某某科技有限公司合同专用章")
	signed := a.sign(t, contract(t), 1, 30, signAt)
	r, err := Verify(context.Background(), signed, VerifyOptions{SealRoots: roots(a), SignerRoots: roots(a)})
	require.NoError(t, err)
	require.Equal(t, pdf.TotalPassed, r.Indication, "%+v", r)
	require.Len(t, r.Signatures, 1)
	s := r.Signatures[0]
	require.Equal(t, pdf.TotalPassed, s.Indication, "%+v", s.Notes)
	require.Equal(t, 4, s.SESVersion)
	require.Equal(t, TimeFromSES, s.SigningTimeSource)
	require.Equal(t, signAt, *s.SigningTime)
	require.Empty(t, s.Unprotected)
	require.Equal(t, []StampAnnot{{ID: "2", PageRef: "8", Boundary: "30 200 40 40"}}, s.Stamps)
	require.Equal(t, "某某科技有限公司合同专用章", s.Seal.Name)
	// OFD.xml names the signature list; Signatures.xml is not protected.
	p, err := Open(signed)
	require.NoError(t, err)
	ofdXML, err := p.Read("OFD.xml")
	require.NoError(t, err)
	require.Contains(t, string(ofdXML), "<ofd:Signatures>/Doc_0/Signs/Signatures.xml</ofd:Signatures></ofd:DocBody>")
	for _, rc := range s.References {
		require.NotEqual(t, "/Doc_0/Signs/Signatures.xml", rc.File)
	}
	// The JSON is the API's shape.
	js, err := json.Marshal(r)
	require.NoError(t, err)
	require.Contains(t, string(js), `"indication":"TOTAL_PASSED"`)
	require.Contains(t, string(js), `"signing_time_source":"ses_time_info_claimed"`)

	// Untrusted roots: indeterminate, not failed.
	other := newParty(t, "org-x", "其他公司章")
	r, err = Verify(context.Background(), signed, VerifyOptions{SealRoots: roots(other), SignerRoots: roots(other)})
	require.NoError(t, err)
	require.Equal(t, pdf.Indeterminate, r.Signatures[0].Indication)
	require.Equal(t, pdf.NoCertificateChainFound, r.Signatures[0].SubIndication)
	// A caller's time after the seal expired.
	r, err = Verify(context.Background(), signed, VerifyOptions{SealRoots: roots(a), SignerRoots: roots(a), At: sealTo.AddDate(0, 1, 0)})
	require.NoError(t, err)
	require.Equal(t, pdf.Expired, r.Signatures[0].SubIndication)
	require.Equal(t, TimeFromCaller, r.Signatures[0].SigningTimeSource)
}

func TestSeveralSigners(t *testing.T) {
	a := newParty(t, "org-a", "某某科技有限公司合同专用章")
	b := newParty(t, "org-b", "某某贸易有限公司合同专用章")
	one := a.sign(t, contract(t), 1, 20, signAt)
	two := b.sign(t, one, 1, 110, signAt.Add(time.Hour))
	r, err := Verify(context.Background(), two, VerifyOptions{SealRoots: roots(a, b), SignerRoots: roots(a, b)})
	require.NoError(t, err)
	require.Equal(t, pdf.TotalPassed, r.Indication, "%+v", r)
	require.Len(t, r.Signatures, 2)
	require.Equal(t, "2", r.Signatures[0].Stamps[0].ID)
	require.Equal(t, "3", r.Signatures[1].ID)
	require.Equal(t, "4", r.Signatures[1].Stamps[0].ID)
	// The second signature covers the first one's files.
	var covered []string
	for _, rc := range r.Signatures[1].References {
		covered = append(covered, rc.File)
	}
	require.Contains(t, covered, "/Doc_0/Signs/Sign_0/Signature.xml")
	require.Contains(t, covered, "/Doc_0/Signs/Sign_0/SignedValue.dat")
	require.Contains(t, covered, "/Doc_0/Signs/Sign_1/Seal.esl")
	// A third signer with the first party again.
	three := a.sign(t, two, 0, 20, signAt.Add(2*time.Hour))
	r, err = Verify(context.Background(), three, VerifyOptions{SealRoots: roots(a, b), SignerRoots: roots(a, b)})
	require.NoError(t, err)
	require.Equal(t, pdf.TotalPassed, r.Indication)
	require.Len(t, r.Signatures, 3)
}

// rewrite returns the package with part name's bytes replaced by f's.
func rewrite(t testing.TB, data []byte, name string, f func([]byte) []byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	require.NoError(t, err)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range zr.File {
		rc, err := e.Open()
		require.NoError(t, err)
		b, err := io.ReadAll(rc)
		require.NoError(t, err)
		if e.Name == name {
			b = f(b)
			if b == nil {
				continue
			}
		}
		w, err := zw.Create(e.Name)
		require.NoError(t, err)
		_, err = w.Write(b)
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

func TestTamperEveryPart(t *testing.T) {
	a := newParty(t, "org-a", "某某科技有限公司合同专用章")
	b := newParty(t, "org-b", "某某贸易有限公司合同专用章")
	signed := b.sign(t, a.sign(t, contract(t), 1, 20, signAt), 1, 110, signAt)
	o := VerifyOptions{SealRoots: roots(a, b), SignerRoots: roots(a, b)}
	p, err := Open(signed)
	require.NoError(t, err)
	for _, name := range p.Names() {
		t.Run(name, func(t *testing.T) {
			bad := rewrite(t, signed, name, func(b []byte) []byte {
				c := bytes.Clone(b)
				c[len(c)/2] ^= 0x01
				return c
			})
			r, err := Verify(context.Background(), bad, o)
			if err != nil {
				// OFD.xml, Document.xml or the list no longer parse.
				require.ErrorIs(t, err, ErrFormat)
				return
			}
			if name == "Doc_0/Signs/Signatures.xml" {
				// Not protected (continue mode): the flipped byte changes
				// an ID or MaxSignId, which no signature covers. Taking a
				// signature out is checked below.
				return
			}
			require.NotEqual(t, pdf.TotalPassed, r.Indication, "changing %s went unnoticed", name)
			named := false
			for _, s := range r.Signatures {
				for _, n := range s.Notes {
					named = named || strings.Contains(n, "/"+name)
				}
				for _, c := range s.Checks {
					named = named || (c.Status == seal.CheckFailed && strings.HasSuffix(name, "SignedValue.dat"))
				}
			}
			require.True(t, named, "the failure does not name %s: %+v", name, r)
		})
	}
	// Signatures.xml is not protected, so that later signers can append
	// to it; a signature taken out of it is still reported.
	hidden := rewrite(t, signed, "Doc_0/Signs/Signatures.xml", func(b []byte) []byte {
		return regexpSign1.ReplaceAll(b, nil)
	})
	r0, err := Verify(context.Background(), hidden, o)
	require.NoError(t, err)
	require.Len(t, r0.Signatures, 1)
	require.Equal(t, pdf.Indeterminate, r0.Indication)
	require.Contains(t, r0.Unlisted, "/Doc_0/Signs/Sign_1/Signature.xml")
	// A part removed is named as missing.
	bad := rewrite(t, signed, "Doc_0/Pages/Page_0/Content.xml", func([]byte) []byte { return nil })
	r, err := Verify(context.Background(), bad, o)
	require.NoError(t, err)
	require.Equal(t, pdf.TotalFailed, r.Indication)
	require.Equal(t, pdf.HashFailure, r.Signatures[0].SubIndication)
	require.Contains(t, strings.Join(r.Signatures[0].Notes, ";"), "/Doc_0/Pages/Page_0/Content.xml is missing")
	// A part added is reported as unprotected.
	added := rewrite(t, signed, "OFD.xml", func(b []byte) []byte { return b })
	added = addPart(t, added, "Doc_0/Res/extra.png", []byte("x"))
	r, err = Verify(context.Background(), added, o)
	require.NoError(t, err)
	require.Equal(t, []string{"/Doc_0/Res/extra.png"}, r.Signatures[1].Unprotected)
}

var regexpSign1 = regexp.MustCompile(`<ofd:Signature ID="3"[^>]*/>`)

func addPart(t testing.TB, data []byte, name string, b []byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	require.NoError(t, err)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range zr.File {
		require.NoError(t, zw.Copy(e))
	}
	w, err := zw.Create(name)
	require.NoError(t, err)
	_, err = w.Write(b)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

func TestRefuseProtectedList(t *testing.T) {
	// ofdrw's own allprotected.ofd protects Signatures.xml: no signature
	// may be added.
	data := readInterop(t, "sign-allprotected.ofd")
	a := newParty(t, "org-a", "某某科技有限公司合同专用章")
	_, err := Sign(context.Background(), data, SignOptions{Key: a.key, Cert: a.cert, Seal: a.seal, Time: signAt})
	require.ErrorIs(t, err, ErrProtected)
}

func TestSignOthersFile(t *testing.T) {
	// A file signed by GOMAIN's software (continue mode: Signatures.xml
	// not protected) takes a Sealchain signature; both verify.
	data := readInterop(t, "sign-v4signed.ofd")
	a := newParty(t, "org-a", "某某科技有限公司合同专用章")
	out, err := Sign(context.Background(), data, SignOptions{Key: a.key, Cert: a.cert, Seal: a.seal, Time: signAt, X: 150, Y: 100})
	require.NoError(t, err)
	sr, gr := selfRoots(t, data)
	r, err := Verify(context.Background(), out, VerifyOptions{SealRoots: append(sr, roots(a)...), SignerRoots: append(gr, roots(a)...)})
	require.NoError(t, err)
	require.Len(t, r.Signatures, 2)
	require.Equal(t, pdf.TotalPassed, r.Signatures[0].Indication, "%+v", r.Signatures[0])
	require.Equal(t, pdf.TotalPassed, r.Signatures[1].Indication, "%+v", r.Signatures[1])
}

func TestHostileInput(t *testing.T) {
	ctx := context.Background()
	// Not a zip.
	_, err := Verify(ctx, []byte("not a zip"), VerifyOptions{})
	require.ErrorIs(t, err, ErrFormat)
	// A zip bomb: one part of 40 MiB of zeros, compressed to ~40 KiB.
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("OFD.xml")
	require.NoError(t, err)
	zero := make([]byte, 1<<20)
	for range 40 {
		_, err = w.Write(zero)
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	_, err = Verify(ctx, buf.Bytes(), VerifyOptions{})
	require.ErrorIs(t, err, ErrTooLarge)
	// A part whose header understates its size is still cut at the bound.
	p, err := Open(buf.Bytes())
	require.NoError(t, err)
	p.files["OFD.xml"].UncompressedSize64 = 10
	_, err = p.Read("OFD.xml")
	require.Error(t, err)
	// Deep XML.
	deep := strings.Repeat("<a>", MaxXMLDepth+1) + strings.Repeat("</a>", MaxXMLDepth+1)
	_, err = parseXML([]byte(deep), "deep")
	require.ErrorIs(t, err, ErrTooLarge)
	// Too many entries.
	buf.Reset()
	zw = zip.NewWriter(&buf)
	for i := range MaxEntries + 1 {
		_, err := zw.Create(fmt.Sprintf("f%d", i))
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	_, err = Open(buf.Bytes())
	require.ErrorIs(t, err, ErrTooLarge)
	// Escaping names.
	buf.Reset()
	zw = zip.NewWriter(&buf)
	_, err = zw.Create("../OFD.xml")
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	_, err = Open(buf.Bytes())
	require.ErrorIs(t, err, ErrFormat)
	// A location climbing out of the package stays inside it.
	n, err := Resolve("Doc_0", "../../etc/passwd")
	require.NoError(t, err)
	require.Equal(t, "etc/passwd", n)
}

func TestSESSignatureMakeVerify(t *testing.T) {
	a := newParty(t, "org-a", "某某科技有限公司合同专用章")
	data := []byte("signed data")
	h := sm3Sum(data)
	der, err := seal.MakeSESSignature(seal.SignatureInfo{Seal: a.seal, SignerCert: a.cert, Time: signAt, DataHash: h, PropertyInfo: "/x"}, a.key, nil)
	require.NoError(t, err)
	s, err := seal.ParseSESSignature(der)
	require.NoError(t, err)
	require.Equal(t, 4, s.Version)
	require.Equal(t, signAt, s.Time)
	rep, err := s.Verify(data, roots(a), roots(a), time.Time{})
	require.NoError(t, err, "%+v", rep)
	_, err = s.Verify([]byte("other data"), roots(a), roots(a), time.Time{})
	require.ErrorIs(t, err, seal.ErrDataHash)
	// A signer the seal does not list.
	b := newParty(t, "org-b", "乙")
	der, err = seal.MakeSESSignature(seal.SignatureInfo{Seal: a.seal, SignerCert: b.cert, Time: signAt, DataHash: h, PropertyInfo: "/x"}, b.key, nil)
	require.NoError(t, err)
	s, err = seal.ParseSESSignature(der)
	require.NoError(t, err)
	_, err = s.Verify(data, roots(a), roots(b), time.Time{})
	require.ErrorIs(t, err, seal.ErrNotBound)
	// Key and certificate must match.
	_, err = seal.MakeSESSignature(seal.SignatureInfo{Seal: a.seal, SignerCert: a.cert, Time: signAt, DataHash: h}, b.key, nil)
	require.Error(t, err)
	// Truncations never parse.
	for i := range len(der) {
		_, err := seal.ParseSESSignature(der[:i])
		require.True(t, errors.Is(err, seal.ErrFormat), "prefix %d", i)
	}
}

func sm3Sum(b []byte) []byte { h := sm3.Sum(b); return h[:] }

func BenchmarkSign(b *testing.B) {
	a := newParty(b, "org-a", "某某科技有限公司合同专用章")
	doc := contract(b)
	b.ResetTimer()
	for range b.N {
		a.sign(b, doc, 0, 20, signAt)
	}
}

func BenchmarkVerifyTwoSigners(b *testing.B) {
	a := newParty(b, "org-a", "某某科技有限公司合同专用章")
	c := newParty(b, "org-b", "某某贸易有限公司合同专用章")
	two := c.sign(b, a.sign(b, contract(b), 1, 20, signAt), 1, 110, signAt)
	o := VerifyOptions{SealRoots: roots(a, c), SignerRoots: roots(a, c)}
	b.ResetTimer()
	for range b.N {
		if _, err := Verify(context.Background(), two, o); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyKeyword(b *testing.B) {
	data := readInterop(b, "reader-keyword.ofd")
	b.ResetTimer()
	for range b.N {
		if _, err := Verify(context.Background(), data, VerifyOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// Text split by many comments stays linear to parse.
func TestXMLManyTextPieces(t *testing.T) {
	var b strings.Builder
	b.WriteString("<a>")
	for b.Len() < MaxXMLBytes-64 {
		b.WriteString("xy<!---->")
	}
	b.WriteString("</a>")
	start := time.Now()
	e, err := parseXML([]byte(b.String()), "pieces")
	require.NoError(t, err)
	require.Greater(t, len(e.Text), 100000)
	require.Less(t, time.Since(start), 5*time.Second)
}
