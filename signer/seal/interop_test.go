package seal

import (
	"bytes"
	"crypto/rand"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/smx509"
	"github.com/stretchr/testify/require"

	"github.com/sealchain/sealchain/signer"
)

// interopSeal is one file of testdata/interop (see its README.md) and what
// Verify must find in it, the maker certificate being trusted as a root at
// the later of validStart and the certificate's NotBefore, plus an hour.
type interopSeal struct {
	file    string
	layout  Layout
	version int
	vendor  string
	typ     int64
	name    string
	picture string
	// failed are the checks expected to fail; every other check passes or
	// reports (not understood, not checked).
	failed []string
	// notUnderstood are substrings of expected NotUnderstood entries.
	notUnderstood []string
	tolerated     int
}

var interopCorpus = []interopSeal{
	{file: "ofdrw-v1.esl", layout: LayoutV1, version: 1, vendor: "OFDR&WTest", typ: 1, name: "OFDRW测试用印章", picture: "PNG"},
	{file: "ofdrw-v4.esl", layout: LayoutV4, version: 4, vendor: "OFDR&WTest", typ: 3, name: "OFD R&W 测试用印章", picture: "PNG"},
	// The v5 seals were made in 2026 with ofdrw's 2020-2022 test maker
	// certificate, so the chain fails at any time within the seal's
	// validity.
	{file: "ofdrw-v5.esl", layout: LayoutV4, version: 5, vendor: "OFDR&WTestV5", typ: 3, name: "OFD R&W V5测试用印章", picture: "PNG",
		failed: []string{CheckMaker}},
	{file: "ofdrw-v5-timestamp.esl", layout: LayoutV4, version: 5, vendor: "OFDR&WTestV5", typ: 3, name: "OFD R&W V5测试用印章", picture: "PNG",
		failed: []string{CheckMaker}},
	// HebeiGede's test seal: its signature matches neither the maker key
	// nor any signed form tried (SES_SealInfo as stored or re-encoded,
	// the version 1 form), and the maker certificate expired in 2019,
	// before the seal's validity began.
	{file: "hebeigede-v4.der", layout: LayoutV4, version: 4, vendor: "Vid HebeiGede", typ: 4, name: "测试单位名称 合同专用章", picture: "GIF",
		failed: []string{CheckSignature, CheckMaker}, notUnderstood: []string{"critical seal extension 1.2.156.112600.7.2"}, tolerated: 2},
	{file: "gomain-zhejiang-tax.esl", layout: LayoutV4, version: 4, vendor: "GOMAIN", typ: 3, name: "国家税务总局浙江省税务局", picture: "ofd",
		notUnderstood: []string{`picture type "ofd"`}, tolerated: 1},
	{file: "gomain-chongqing-invoice.esl", layout: LayoutV4, version: 4, vendor: "GOMAIN", typ: 3, name: "测试全国统一发票监制章国家税务总局重庆市税务局", picture: "ofd",
		notUnderstood: []string{`picture type "ofd"`}, tolerated: 1},
	{file: "gomain-chongqing-test.esl", layout: LayoutV4, version: 4, vendor: "GOMAIN", typ: 3, name: "测试全国统一发票监制章国家税务总局重庆市税务局", picture: "ofd",
		notUnderstood: []string{`picture type "ofd"`}},
	{file: "gomain-jiangsu-tax.esl", layout: LayoutV4, version: 4, vendor: "GOMAIN", typ: 3, name: "国家税务总局江苏省税务局", picture: "ofd",
		notUnderstood: []string{`picture type "ofd"`}, tolerated: 1},
	{file: "gomain-yunnan.esl", layout: LayoutV4, version: 4, vendor: "GOMAIN", typ: 15, name: "云南省住房和城乡建设厅", picture: "png",
		notUnderstood: []string{"listed certificate 1 does not parse"}},
	{file: "antchain-zhejiang-invoice.esl", layout: LayoutV4, version: 4, vendor: "antchain", typ: 4, name: "浙江省电子发票(票据)综合服务平台专用章", picture: "ofd",
		notUnderstood: []string{`picture type "ofd"`}},
	{file: "shandong-zibo.esl", layout: LayoutV4, version: 4, vendor: "SHANDONG.TONGZHIWEIYE", typ: 6, name: "淄博市周村区自然资源局(不动产登记专用章)", picture: "PNG"},
	// dms360.cn: the maker certificate's subjectAltName is wrapped in a
	// second OCTET STRING, which smx509 refuses; the signature still
	// verifies with its key.
	{file: "dms360-v1.esl", layout: LayoutV1, version: 1, vendor: "dms360.cn", typ: 1, name: "某某省人力资源和社会测试章", picture: "PNG",
		failed: []string{CheckMaker}, notUnderstood: []string{"critical seal extension 1.3.6.1.4.1.54706.1"}, tolerated: 1},
}

func readInterop(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "interop", name))
	require.NoError(t, err)
	return b
}

// makerRootAt trusts the seal's maker certificate as a root and picks a
// time when both it and the seal were valid, if there is one.
func makerRootAt(s *SESeal) ([]*smx509.Certificate, time.Time) {
	at := s.ValidStart.Add(time.Hour)
	m, err := smx509.ParseCertificate(s.MakerCert)
	if err != nil {
		return nil, at
	}
	if m.NotBefore.After(at) {
		at = m.NotBefore.Add(time.Hour)
	}
	return []*smx509.Certificate{m}, at
}

func TestInteropCorpus(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "interop", "*"))
	require.NoError(t, err)
	require.Len(t, files, len(interopCorpus)+1, "every corpus file has a table entry (and README.md)")
	for _, tc := range interopCorpus {
		t.Run(tc.file, func(t *testing.T) {
			der := readInterop(t, tc.file)
			s, err := ParseSESeal(der)
			require.NoError(t, err)
			require.Equal(t, tc.layout, s.Layout)
			require.Equal(t, "ES", s.HeaderID)
			require.Equal(t, tc.version, s.Version)
			require.Equal(t, tc.vendor, s.VendorID)
			require.Equal(t, tc.typ, s.Type)
			require.Equal(t, tc.name, s.Name)
			require.Equal(t, tc.picture, s.Picture.Type)
			require.NotEmpty(t, s.ESID)
			require.True(t, s.ValidStart.Before(s.ValidEnd))
			require.True(t, OIDSM2WithSM3.Equal(s.SignatureAlgorithm))
			require.Len(t, s.Tolerated, tc.tolerated, "%q", s.Tolerated)
			require.Equal(t, der, s.Bytes())

			roots, at := makerRootAt(s)
			rep, err := s.Verify(roots, at)
			require.NotNil(t, rep)
			var failed []string
			for _, c := range rep.Checks {
				if c.Status == CheckFailed {
					failed = append(failed, c.Name)
					require.Error(t, c.Err)
				}
			}
			require.ElementsMatch(t, tc.failed, failed, "checks: %+v", rep.Checks)
			require.Equal(t, len(tc.failed) == 0, err == nil && rep.OK())
			for _, want := range tc.notUnderstood {
				require.True(t, slices.ContainsFunc(rep.NotUnderstood, func(s string) bool { return strings.Contains(s, want) }),
					"NotUnderstood %q lacks %q", rep.NotUnderstood, want)
			}
			for _, name := range []string{CheckHeader, CheckValidity, CheckAlgorithm, CheckSignature, CheckMaker, CheckCertList, CheckPicture, CheckExtensions} {
				_, ok := rep.Check(name)
				require.True(t, ok, "check %s did not run", name)
			}
			if len(s.TimeStamp) > 0 {
				c, ok := rep.Check(CheckTimeStamp)
				require.True(t, ok)
				require.Equal(t, CheckNotChecked, c.Status)
			}
		})
	}
}

// TestInteropAt: validity is judged at the given time, not the clock's.
func TestInteropAt(t *testing.T) {
	s, err := ParseSESeal(readInterop(t, "ofdrw-v4.esl"))
	require.NoError(t, err)
	roots, _ := makerRootAt(s)

	rep, err := s.Verify(roots, time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	require.True(t, rep.OK())

	rep, err = s.Verify(roots, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	require.ErrorIs(t, err, ErrExpired)
	require.ErrorIs(t, err, ErrUntrusted) // the maker certificate expired too
	c, _ := rep.Check(CheckSignature)
	require.Equal(t, CheckOK, c.Status, "the signature is checked whatever the time")

	_, err = s.Verify(roots, time.Date(2019, 6, 1, 0, 0, 0, 0, time.UTC))
	require.ErrorIs(t, err, ErrExpired)

	_, err = s.Verify(roots, time.Time{})
	require.ErrorIs(t, err, ErrExpired)

	_, err = s.Verify(nil, time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC))
	require.ErrorIs(t, err, ErrUntrusted)
}

// TestInteropTampered: a changed byte of SES_SealInfo breaks the maker
// signature of both layouts.
func TestInteropTampered(t *testing.T) {
	for _, file := range []string{"ofdrw-v1.esl", "ofdrw-v4.esl", "gomain-zhejiang-tax.esl"} {
		der := readInterop(t, file)
		s, err := ParseSESeal(der)
		require.NoError(t, err)
		i := bytes.Index(der, []byte(s.Name))
		require.Positive(t, i)
		bad := slices.Clone(der)
		bad[i+len(s.Name)-1] ^= 0x01 // still valid UTF-8: a different character
		s2, err := ParseSESeal(bad)
		require.NoError(t, err, file)
		roots, at := makerRootAt(s2)
		rep, err := s2.Verify(roots, at)
		require.ErrorIs(t, err, ErrSignature, file)
		c, _ := rep.Check(CheckSignature)
		require.Equal(t, CheckFailed, c.Status)
	}
}

// TestOwnSealsAsSESeal: Make's seals read and verify through ParseSESeal
// as through Parse.
func TestOwnSealsAsSESeal(t *testing.T) {
	for _, alg := range []signer.Algorithm{signer.AlgSM2, signer.AlgECDSAP256} {
		fx := newFixture(t, alg, "org1")
		der := fx.make(t)
		own, err := Parse(der)
		require.NoError(t, err)
		require.NoError(t, own.Verify([]*smx509.Certificate{fx.ca.Cert}, atGood))

		s, err := ParseSESeal(der)
		require.NoError(t, err)
		require.Equal(t, LayoutV4, s.Layout)
		require.Equal(t, Version, s.Version)
		require.Equal(t, DefaultVendorID, s.VendorID)
		require.Equal(t, own.Info.ID, s.ESID)
		require.Equal(t, int64(own.Info.Kind), s.Type)
		require.Equal(t, own.Info.Name, s.Name)
		require.Equal(t, certListTypeCerts, s.CertListType)
		require.Equal(t, own.Info.SignerCerts, s.Certs)
		require.True(t, own.Info.ValidStart.Equal(s.ValidStart))
		require.True(t, own.Info.ValidEnd.Equal(s.ValidEnd))
		require.Equal(t, own.Info.Picture, s.Picture)
		require.Equal(t, fx.ca.Cert.Raw, s.MakerCert)
		require.Equal(t, own.Signature, s.Signature)
		require.Empty(t, s.Tolerated)

		rep, err := s.Verify([]*smx509.Certificate{fx.ca.Cert}, atGood)
		require.NoError(t, err, "%+v", rep)
		require.Empty(t, rep.NotUnderstood)
		_, err = s.Verify([]*smx509.Certificate{fx.ca.Cert}, sealTo.Add(time.Second))
		require.ErrorIs(t, err, ErrExpired)
	}
}

// TestOwnSealDigestsAndExtensions: certListType 2 and a DER ExtData
// without the critical field, neither of which the corpus has.
func TestOwnSealDigestsAndExtensions(t *testing.T) {
	fx := newFixture(t, signer.AlgSM2, "org1")
	info := fx.info(t)
	digest := make([]byte, 32)
	info.SignerCerts = nil
	info.SignerCertDigests = []CertDigest{{Type: "SM3", Value: digest}}
	info.Extensions = []Extension{{ID: asn1.ObjectIdentifier{1, 2, 3, 4}, Value: []byte("x")}}
	der, err := Make(info, fx.ca.Key, fx.ca.Cert.Raw, nil)
	require.NoError(t, err)
	s, err := ParseSESeal(der)
	require.NoError(t, err)
	require.Equal(t, certListTypeDigests, s.CertListType)
	require.Equal(t, info.SignerCertDigests, s.CertDigests)
	require.Equal(t, []ExtData{{ID: asn1.ObjectIdentifier{1, 2, 3, 4}, Value: []byte("x")}}, s.Extensions)
	require.Empty(t, s.Tolerated)
	rep, err := s.Verify([]*smx509.Certificate{fx.ca.Cert}, atGood)
	require.NoError(t, err, "%+v", rep.Checks)
}

// oidPrivate is the vendor extension of the report.
var oidPrivate = asn1.ObjectIdentifier{1, 2, 156, 112600, 7, 2}

// privateCriticalSeal makes a version 4 seal whose maker (a self-signed
// SM2 certificate, also the listed signer) carries a private critical
// extension, and whose extDatas carry a critical one too, in the explicit
// form of ofdrw's ExtData.
func privateCriticalSeal(t *testing.T) ([]byte, *smx509.Certificate) {
	t.Helper()
	key, err := signer.GenerateKey(signer.AlgSM2, nil)
	require.NoError(t, err)
	tmpl := &smx509.Certificate{
		SerialNumber:          big.NewInt(7),
		Subject:               pkix.Name{CommonName: "vendor seal maker"},
		NotBefore:             caFrom,
		NotAfter:              caUntil,
		KeyUsage:              smx509.KeyUsageDigitalSignature | smx509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		ExtraExtensions:       []pkix.Extension{{Id: oidPrivate, Critical: true, Value: []byte{0x05, 0x00}}},
	}
	certDER, err := smx509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key.Signer())
	require.NoError(t, err)
	cert, err := smx509.ParseCertificate(certDER)
	require.NoError(t, err)
	require.NotEmpty(t, cert.UnhandledCriticalExtensions)

	info := SealInfo{
		VendorID: "Vendor", ID: "v-1", Kind: 3, Name: "某某公司合同专用章",
		SignerCerts: [][]byte{certDER},
		Created:     sealFrom, ValidStart: sealFrom, ValidEnd: sealTo,
		Picture: Picture{Type: PictureTypePNG, Data: testPicture(t), WidthMM: 40, HeightMM: 40},
	}
	infoDER, err := encodeInfo(&info)
	require.NoError(t, err)
	// Append extDatas with a critical private extension.
	ext, err := asn1.Marshal([]struct {
		ID       asn1.ObjectIdentifier
		Critical bool
		Value    []byte
	}{{oidPrivate, true, []byte("vendor")}})
	require.NoError(t, err)
	var seq asn1.RawValue
	_, err = asn1.Unmarshal(infoDER, &seq)
	require.NoError(t, err)
	infoDER, err = asn1.Marshal(asn1.RawValue{Tag: tagSequence, IsCompound: true, Bytes: slices.Concat(seq.Bytes, ext)})
	require.NoError(t, err)
	sig, err := key.Sign(nil, infoDER)
	require.NoError(t, err)
	der, err := asn1.Marshal(sesealASN1{
		Info: asn1.RawValue{FullBytes: infoDER}, Cert: certDER, SignAlgID: OIDSM2WithSM3,
		SignedValue: asn1.BitString{Bytes: sig, BitLength: 8 * len(sig)},
	})
	require.NoError(t, err)
	return der, cert
}

// TestPrivateCriticalExtensions: the three refusals are reports.
func TestPrivateCriticalExtensions(t *testing.T) {
	der, cert := privateCriticalSeal(t)
	_, err := Parse(der) // the strict reader of own seals still refuses it
	require.ErrorIs(t, err, ErrFormat)

	s, err := ParseSESeal(der)
	require.NoError(t, err)
	require.Equal(t, int64(3), s.Type)
	require.Len(t, s.Extensions, 1)
	require.True(t, s.Extensions[0].Critical)

	rep, err := s.Verify([]*smx509.Certificate{cert}, atGood)
	require.NoError(t, err, "%+v", rep.Checks)
	want := []string{
		`maker certificate "CN=vendor seal maker": critical certificate extension 1.2.156.112600.7.2 is not understood`,
		`root "CN=vendor seal maker": critical certificate extension 1.2.156.112600.7.2 is not understood`,
		`listed certificate 1 "CN=vendor seal maker": critical certificate extension 1.2.156.112600.7.2 is not understood`,
		"critical seal extension 1.2.156.112600.7.2 is not understood",
	}
	require.ElementsMatch(t, want, rep.NotUnderstood)
	c, _ := rep.Check(CheckExtensions)
	require.Equal(t, CheckNotUnderstood, c.Status)
	// The caller's certificate is not modified.
	require.NotEmpty(t, cert.UnhandledCriticalExtensions)
}

func TestParseSESealRejects(t *testing.T) {
	good := readInterop(t, "ofdrw-v4.esl")
	v1 := readInterop(t, "ofdrw-v1.esl")
	replace := func(b []byte, old, new string) []byte {
		require.Equal(t, 1, bytes.Count(b, []byte(old)), old)
		return bytes.Replace(slices.Clone(b), []byte(old), []byte(new), 1)
	}
	cases := map[string][]byte{
		"empty":          {},
		"trailing bytes": append(slices.Clone(good), 0),
		"truncated":      good[:len(good)-1],
		"header ID":      replace(good, "\x16\x02ES", "\x16\x02EX"),
		"version 9":      replace(good, "\x16\x02ES\x02\x01\x04", "\x16\x02ES\x02\x01\x09"),
		"v4 time offset": replace(good, "20200422020900Z\x18\x0f20220422", "2020042202090+8\x18\x0f20220422"),
		"v4 UTCTime":     replace(good, "\x18\x0f20200422020900Z\x18\x0f2022", "\x17\x0f20200422020900Z\x18\x0f2022"),
		"v1 time offset": replace(v1, "\x17\x0d220422021807Z", "\x17\x0d22042202180+8"),
		"name not UTF8":  replace(good, "\x0c\x17OFD R&W", "\x16\x17OFD R&W"),
		"esID tag":       replace(good, "\x16\x2051f044b7", "\x0c\x2051f044b7"),
		"certListType 3": replace(good, "\x02\x01\x01\x30\x82\x02\x14", "\x02\x01\x03\x30\x82\x02\x14"),
		// A non-minimal length: 0x81 0x13 for a 19-byte header.
		"non-minimal length": func() []byte {
			b := replace(good, "\x30\x13\x16\x02ES", "\x30\x81\x13\x16\x02ES")
			// fix the lengths of the two enclosing SEQUENCEs (4-byte forms)
			b[3]++
			b[7]++
			return b
		}(),
	}
	for name, der := range cases {
		_, err := ParseSESeal(der)
		require.ErrorIs(t, err, ErrFormat, name)
	}
}

func FuzzParseSESeal(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "interop", "*.es*"))
	require.NoError(f, err)
	files = append(files, filepath.Join("testdata", "interop", "hebeigede-v4.der"))
	for _, file := range files {
		b, err := os.ReadFile(file)
		require.NoError(f, err)
		f.Add(b)
	}
	fx := newFixture(f, signer.AlgSM2, "org1")
	f.Add(fx.make(f))
	f.Add([]byte{0x30, 0x00})
	roots := []*smx509.Certificate{fx.ca.Cert}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseSESeal(b)
		if err != nil {
			if s != nil || !errors.Is(err, ErrFormat) {
				t.Fatalf("ParseSESeal error %v with seal %v, want ErrFormat and nil", err, s)
			}
			return
		}
		if !bytes.Equal(s.Bytes(), b) {
			t.Fatal("Bytes differ from the input")
		}
		rep, err := s.Verify(roots, atGood)
		if rep == nil || (err == nil) != rep.OK() {
			t.Fatalf("report %v inconsistent with error %v", rep, err)
		}
		r2, _ := s.Verify(nil, s.ValidStart)
		if r2 == nil {
			t.Fatal("nil report")
		}
	})
}
