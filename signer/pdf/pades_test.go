package pdf

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"

	"github.com/sealchain/sealchain/signer"
	"github.com/sealchain/sealchain/signer/tsa"
)

var (
	tGenTime  = tSign.Add(3*time.Second + 250*time.Millisecond) // the block time of the commit
	tProduced = tSign.Add(time.Minute)                          // OCSP producedAt, CRL thisUpdate
	tsaPolicy = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 61245, 3, 1}
)

// testTSA stamps with signer/tsa directly, as the node's TSA would.
type testTSA struct {
	a       *tsa.Authority
	certReq bool
	other   []byte // if set, stamped instead of the digest asked for
	err     error
}

func (s testTSA) TimeStamp(_ context.Context, alg asn1.ObjectIdentifier, digest []byte) ([]byte, error) {
	if s.err != nil {
		return nil, s.err
	}
	if s.other != nil {
		digest = s.other
	}
	return tsa.Token(&tsa.Request{HashAlg: alg, Hash: digest, CertReq: s.certReq}, s.a, tsa.Issue{Policy: tsaPolicy, GenTime: tGenTime, Serial: big.NewInt(0x5ea1)}, nil)
}

// staticVD hands out fixed validation data and records what it was asked.
type staticVD struct {
	vd    ValidationData
	asked [][]byte
}

func (s *staticVD) ValidationData(_ context.Context, certs [][]byte) (*ValidationData, error) {
	s.asked = certs
	return &s.vd, nil
}

func newTSAAuthority(t testing.TB, ca *signer.CA) *tsa.Authority {
	t.Helper()
	k, err := signer.GenerateKey(ca.Key.Algorithm(), nil)
	if err != nil {
		t.Fatal(err)
	}
	der, err := ca.IssueTimeStamping(k.Public(), signer.ServiceOptions{SubjectRef: "tsa.test", NotBefore: tCANotBefore, NotAfter: tCANotAfter.AddDate(-1, 0, 0)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := smx509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &tsa.Authority{Key: k, Certs: []*smx509.Certificate{c}}
}

func mustCert(t testing.TB, der []byte) *smx509.Certificate {
	t.Helper()
	c, err := smx509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// makeOCSP builds an RFC 6960 response about leaf signed by key (the CA's
// or a delegated responder's, whose certificate is then sent along).
func makeOCSP(t testing.TB, key *signer.PrivateKey, responder *smx509.Certificate, leaf *smx509.Certificate, revokedAt time.Time) []byte {
	t.Helper()
	nh := sha256.Sum256(leaf.RawIssuer)
	status := asn1.RawValue{FullBytes: []byte{0x80, 0x00}}
	if !revokedAt.IsZero() {
		gt, err := asn1.MarshalWithParams(revokedAt.UTC().Truncate(time.Second), "generalized")
		if err != nil {
			t.Fatal(err)
		}
		status = asn1.RawValue{FullBytes: tlv(0xa1, gt)}
	}
	kh := sha256.Sum256(responder.RawSubjectPublicKeyInfo)
	data := ocspResponseData{
		Responder:  asn1.RawValue{FullBytes: tlv(0xa2, tlv(0x04, kh[:20]))},
		ProducedAt: tProduced,
		Responses: []ocspSingleResponse{{
			CertID:     ocspCertID{HashAlgorithm: pkix.AlgorithmIdentifier{Algorithm: oidSHA256}, NameHash: nh[:], KeyHash: kh[:], Serial: leaf.SerialNumber},
			Status:     status,
			ThisUpdate: tProduced,
		}},
	}
	tbs, err := asn1.Marshal(data)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := key.Sign(nil, tbs)
	if err != nil {
		t.Fatal(err)
	}
	alg := oidECDSAWithSHA256
	if key.Algorithm() == signer.AlgSM2 {
		alg = oidSM2WithSM3
	}
	basic, err := asn1.Marshal(basicOCSPResponse{
		TBS: asn1.RawValue{FullBytes: tbs}, Algorithm: pkix.AlgorithmIdentifier{Algorithm: alg},
		Signature: asn1.BitString{Bytes: sig, BitLength: 8 * len(sig)},
		Certs:     []asn1.RawValue{{FullBytes: responder.Raw}},
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := asn1.Marshal(ocspResponse{Status: 0, Bytes: ocspResponseBytes{Type: oidOCSPBasic, Response: basic}})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// delegatedResponder issues an OCSP signing certificate from ca.
func delegatedResponder(t testing.TB, ca *signer.CA) (*signer.PrivateKey, *smx509.Certificate) {
	t.Helper()
	k, err := signer.GenerateKey(ca.Key.Algorithm(), nil)
	if err != nil {
		t.Fatal(err)
	}
	der, err := ca.IssueOCSPSigning(k.Public(), signer.ServiceOptions{SubjectRef: "ocsp.test", NotBefore: tSign, NotAfter: tSign.AddDate(0, 0, 7)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return k, mustCert(t, der)
}

func makeCRL(t testing.TB, ca *signer.CA, serial *big.Int, revokedAt time.Time) []byte {
	t.Helper()
	tmpl := &x509.RevocationList{Number: big.NewInt(9), ThisUpdate: tProduced, NextUpdate: tProduced.Add(time.Hour)}
	if serial != nil {
		tmpl.RevokedCertificateEntries = []x509.RevocationListEntry{{SerialNumber: serial, RevocationTime: revokedAt}}
	}
	der, err := smx509.CreateRevocationList(rand.Reader, tmpl, ca.Cert, ca.Key.Signer())
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// TestPAdESLevels signs, time-stamps and extends with a DSS, and checks
// the level, time source and status Verify reports, for both algorithms.
func TestPAdESLevels(t *testing.T) {
	for _, alg := range []signer.Algorithm{signer.AlgECDSAP256, signer.AlgSM2} {
		p := newParty(t, alg, "alice")
		leaf := mustCert(t, p.cert)
		auth := newTSAAuthority(t, p.ca)
		foreign := newParty(t, alg, "mallory")
		foreignTSA := newTSAAuthority(t, foreign.ca)
		rk, rc := delegatedResponder(t, p.ca)
		for _, tc := range []struct {
			name      string
			tsa       TimeStamper // nil: B-B only
			vd        *ValidationData
			wantLevel string
			wantInd   Indication
			wantSub   SubIndication
			wantTS    bool // a valid time stamp
			wantRev   string
			wantNote  string
		}{
			{name: "B-B", wantLevel: LevelBB, wantInd: TotalPassed, wantNote: "status not checked"},
			{name: "B-T", tsa: testTSA{a: auth, certReq: true}, wantLevel: LevelBT, wantInd: TotalPassed, wantTS: true},
			{name: "B-LT ocsp by CA", tsa: testTSA{a: auth, certReq: true}, vd: &ValidationData{OCSPs: [][]byte{makeOCSP(t, p.ca.Key, p.ca.Cert, leaf, time.Time{})}},
				wantLevel: LevelBLT, wantInd: TotalPassed, wantTS: true, wantRev: "dss_ocsp"},
			{name: "B-LT ocsp delegated", tsa: testTSA{a: auth, certReq: true}, vd: &ValidationData{OCSPs: [][]byte{makeOCSP(t, rk, rc, leaf, time.Time{})}},
				wantLevel: LevelBLT, wantInd: TotalPassed, wantTS: true, wantRev: "dss_ocsp"},
			{name: "B-LT crl", tsa: testTSA{a: auth, certReq: true}, vd: &ValidationData{CRLs: [][]byte{makeCRL(t, p.ca, nil, time.Time{})}},
				wantLevel: LevelBLT, wantInd: TotalPassed, wantTS: true, wantRev: "dss_crl"},
			{name: "B-LT token without certificate, TSA certificate in DSS", tsa: testTSA{a: auth},
				vd:        &ValidationData{Certs: [][]byte{auth.Certs[0].Raw}, CRLs: [][]byte{makeCRL(t, p.ca, nil, time.Time{})}},
				wantLevel: LevelBLT, wantInd: TotalPassed, wantTS: true, wantRev: "dss_crl"},
			{name: "revoked after the time stamp", tsa: testTSA{a: auth, certReq: true}, vd: &ValidationData{CRLs: [][]byte{makeCRL(t, p.ca, leaf.SerialNumber, tGenTime.Add(time.Second))}},
				wantLevel: LevelBLT, wantInd: TotalPassed, wantTS: true, wantRev: "dss_crl", wantNote: "remains valid"},
			{name: "revoked before the time stamp", tsa: testTSA{a: auth, certReq: true}, vd: &ValidationData{OCSPs: [][]byte{makeOCSP(t, p.ca.Key, p.ca.Cert, leaf, tSign.Add(-time.Hour))}},
				wantInd: TotalFailed, wantSub: Revoked, wantTS: true, wantRev: "dss_ocsp"},
			{name: "OCSP by another CA ignored", tsa: testTSA{a: auth, certReq: true}, vd: &ValidationData{OCSPs: [][]byte{makeOCSP(t, foreign.ca.Key, foreign.ca.Cert, leaf, tSign.Add(-time.Hour))}},
				wantLevel: LevelBT, wantInd: TotalPassed, wantTS: true},
			{name: "time stamp over another hash", tsa: testTSA{a: auth, certReq: true, other: make([]byte, 32)}, wantLevel: LevelBB, wantInd: TotalPassed, wantNote: "imprint"},
			{name: "time stamp by an untrusted TSA", tsa: testTSA{a: foreignTSA, certReq: true}, wantLevel: LevelBB, wantInd: TotalPassed, wantNote: "not issued by a trusted root"},
		} {
			t.Run(alg.String()+"/"+tc.name, func(t *testing.T) {
				b := mustSign(t, minimalPDF(t, 0), p.opts(1, [4]float64{50, 50, 120, 120}, nil))
				var err error
				if tc.tsa != nil {
					n := len(b)
					if b, err = AddTimeStamp(context.Background(), b, tc.tsa); err != nil {
						t.Fatalf("AddTimeStamp: %v", err)
					}
					if len(b) != n {
						t.Fatal("AddTimeStamp changed the file length")
					}
				}
				if tc.vd != nil {
					src := &staticVD{vd: *tc.vd}
					if b, err = AddDSS(context.Background(), b, src); err != nil {
						t.Fatalf("AddDSS: %v", err)
					}
					if len(src.asked) < 2 || !bytes.Equal(src.asked[0], p.cert) {
						t.Errorf("ValidationData asked about %d certificates, want the signer's first", len(src.asked))
					}
				}
				rep, err := Verify(b, VerifyOptions{Roots: p.roots})
				if err != nil {
					t.Fatal(err)
				}
				sr := rep.Signatures[0]
				if sr.Indication != tc.wantInd || sr.SubIndication != tc.wantSub || sr.Level != tc.wantLevel {
					t.Fatalf("got %s/%s level %q, want %s/%s level %q\n%s", sr.Indication, sr.SubIndication, sr.Level, tc.wantInd, tc.wantSub, tc.wantLevel, dump(rep))
				}
				if got := sr.TimeStamp != nil && sr.TimeStamp.Valid; got != tc.wantTS {
					t.Errorf("time stamp valid %v, want %v: %s", got, tc.wantTS, dump(sr.TimeStamp))
				}
				if tc.wantTS && (sr.SigningTimeSource != TimeFromTimeStamp || !sr.SigningTime.Equal(tGenTime)) {
					t.Errorf("signing time %v from %s, want the time stamp's %v", sr.SigningTime, sr.SigningTimeSource, tGenTime)
				}
				if got := ""; sr.Revocation != nil {
					got = sr.Revocation.Source
					if got != tc.wantRev {
						t.Errorf("revocation from %q, want %q", got, tc.wantRev)
					}
				} else if tc.wantRev != "" {
					t.Errorf("no revocation data found, want %q", tc.wantRev)
				}
				if tc.vd != nil && (rep.DSS == nil || sr.Modifications != ModLaterSignaturesOnly) {
					t.Errorf("DSS %v, modifications %s; want a DSS added as a signatures-only change", rep.DSS, sr.Modifications)
				}
				if tc.wantNote != "" && !strings.Contains(strings.Join(sr.Notes, "\n"), tc.wantNote) {
					t.Errorf("notes %q lack %q", sr.Notes, tc.wantNote)
				}
			})
		}
	}
}

// TestPAdESTwoSigners time-stamps each signature before the next party
// signs, then adds one DSS for both.
func TestPAdESTwoSigners(t *testing.T) {
	for _, alg := range []signer.Algorithm{signer.AlgECDSAP256, signer.AlgSM2} {
		t.Run(alg.String(), func(t *testing.T) {
			p, q := newParty(t, alg, "alice"), newParty(t, alg, "bob")
			ts := []TimeStamper{testTSA{a: newTSAAuthority(t, p.ca), certReq: true}, testTSA{a: newTSAAuthority(t, q.ca), certReq: true}}
			b := minimalPDF(t, 0)
			var err error
			var crls, recorded [][]byte
			for i, who := range []*party{p, q} {
				b = mustSign(t, b, who.opts(1, [4]float64{50 + 150*float64(i), 50, 120, 120}, nil))
				sum := sm3.Sum(b) // what contract_signed records
				recorded = append(recorded, sum[:])
				if b, err = AddTimeStamp(context.Background(), b, ts[i]); err != nil {
					t.Fatal(err)
				}
				crls = append(crls, makeCRL(t, who.ca, nil, time.Time{}))
			}
			if b, err = AddDSS(context.Background(), b, &staticVD{vd: ValidationData{CRLs: crls}}); err != nil {
				t.Fatal(err)
			}
			if _, err := AddTimeStamp(context.Background(), b, ts[1]); !errors.Is(err, ErrInvalidOptions) {
				t.Errorf("AddTimeStamp after the DSS: %v, want ErrInvalidOptions", err)
			}
			for i, want := range recorded {
				rev, err := RecordedRevision(b, i)
				if err != nil {
					t.Fatal(err)
				}
				if got := sm3.Sum(rev); !bytes.Equal(got[:], want) {
					t.Errorf("RecordedRevision(%d): SM3 differs from the file signed", i)
				}
			}
			rep, err := Verify(b, VerifyOptions{Roots: append(p.roots, q.roots...)})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Indication != TotalPassed || rep.DSS == nil || rep.DSS.CRLs != 2 {
				t.Fatalf("report:\n%s", dump(rep))
			}
			for _, sr := range rep.Signatures {
				if sr.Level != LevelBLT {
					t.Errorf("signature %d: level %q, want B-LT\n%s", sr.Index, sr.Level, dump(sr))
				}
			}
		})
	}
}

// TestPAdESOffDefault: without the new steps Sign's output is B-B and
// carries no unsigned attributes (Sign itself is unchanged).
func TestPAdESOffDefault(t *testing.T) {
	p := newParty(t, signer.AlgECDSAP256, "alice")
	b := mustSign(t, minimalPDF(t, 0), p.opts(1, [4]float64{}, nil))
	der, _ := cmsOf(t, b)
	c, err := parseCMS(der)
	if err != nil || len(c.timeStamps) != 0 {
		t.Fatalf("parse: %v, %d time stamps", err, len(c.timeStamps))
	}
	if _, err := AddTimeStamp(context.Background(), b, testTSA{err: errors.New("TSA down")}); err == nil || !strings.Contains(err.Error(), "TSA down") {
		t.Errorf("AddTimeStamp with a failing TSA: %v", err)
	}
	if _, err := AddTimeStamp(context.Background(), minimalPDF(t, 0), testTSA{}); !errors.Is(err, ErrNoSignature) {
		t.Errorf("AddTimeStamp on an unsigned file: %v", err)
	}
}

// bltFile makes an ECDSA B-LT file (token with the TSA certificate, DSS
// with the CA certificate and an OCSP response) and returns it with the CA.
func bltFile(t *testing.T) ([]byte, *party) {
	p := newParty(t, signer.AlgECDSAP256, "alice")
	b := mustSign(t, minimalPDF(t, 0), p.opts(1, [4]float64{50, 50, 120, 120}, sealPNG(t)))
	b, err := AddTimeStamp(context.Background(), b, testTSA{a: newTSAAuthority(t, p.ca), certReq: true})
	if err != nil {
		t.Fatal(err)
	}
	b, err = AddDSS(context.Background(), b, &staticVD{vd: ValidationData{OCSPs: [][]byte{makeOCSP(t, p.ca.Key, p.ca.Cert, mustCert(t, p.cert), time.Time{})}, CRLs: [][]byte{makeCRL(t, p.ca, nil, time.Time{})}}})
	if err != nil {
		t.Fatal(err)
	}
	return b, p
}

// TestPAdESPdfsig runs poppler's pdfsig on a B-LT file.
func TestPAdESPdfsig(t *testing.T) {
	pdfsig := requireTool(t, "pdfsig")
	b, _ := bltFile(t)
	out, err := run(t, pdfsig, writeTemp(t, "blt.pdf", b))
	t.Logf("pdfsig on a B-LT file:\n%s", out)
	if err != nil {
		t.Fatalf("pdfsig: %v", err)
	}
	if !strings.Contains(out, "Signature is Valid.") || !strings.Contains(out, "Not total document signed") {
		t.Error("pdfsig: want a valid signature that does not cover the DSS revision")
	}
}

// TestPAdESOpenSSLToken has openssl verify the signature time stamp taken
// out of the CMS against the hash of the signature value.
func TestPAdESOpenSSLToken(t *testing.T) {
	ossl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not installed")
	}
	b, p := bltFile(t)
	der, _ := cmsOf(t, b[:bytes.Index(b, []byte("/Type /DSS"))])
	c, err := parseCMS(der)
	if err != nil || len(c.timeStamps) != 1 {
		t.Fatalf("parse: %v", err)
	}
	dir := t.TempDir()
	tok, ca := filepath.Join(dir, "token.der"), filepath.Join(dir, "ca.pem")
	os.WriteFile(tok, c.timeStamps[0], 0o644)
	os.WriteFile(ca, signer.EncodeCertificatePEM(p.ca.Cert.Raw), 0o644)
	digest := sha256.Sum256(c.signature)
	out, err := run(t, ossl, "ts", "-reply", "-in", tok, "-token_in", "-text")
	t.Logf("$ openssl ts -reply -in token.der -token_in -text\n%s", out)
	if err != nil {
		t.Fatal(err)
	}
	out, err = run(t, ossl, "ts", "-verify", "-in", tok, "-token_in", "-digest", hex.EncodeToString(digest[:]), "-CAfile", ca)
	t.Logf("$ openssl ts -verify -in token.der -token_in -digest <SHA-256 of the signature value> -CAfile ca.pem\n%s", out)
	if err != nil || !strings.Contains(out, "Verification: OK") {
		t.Fatalf("openssl ts -verify: %v", err)
	}
}
