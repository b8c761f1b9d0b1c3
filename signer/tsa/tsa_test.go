package tsa

import (
	"crypto/sha256"
	"crypto/x509/pkix"
	"encoding/asn1"
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
)

var testPolicy = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 61245, 3, 1}

// newAuthority makes a CA of caAlg and a TSA certificate for a key of alg.
func newAuthority(t *testing.T, caAlg, alg signer.Algorithm) (*Authority, *signer.CA) {
	t.Helper()
	nb := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	caKey, err := signer.GenerateKey(caAlg, nil)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := signer.NewCA(caKey, signer.CAOptions{OrgID: "notary-1", OrgName: "Test Notary", Role: "notary", NotBefore: nb, NotAfter: nb.AddDate(10, 0, 0)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	k, err := signer.GenerateKey(alg, nil)
	if err != nil {
		t.Fatal(err)
	}
	der, err := ca.IssueTimeStamping(k.Public(), signer.ServiceOptions{SubjectRef: "tsa-" + alg.String(), NotBefore: nb, NotAfter: nb.AddDate(5, 0, 0)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := smx509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	if !signer.HasCriticalTimeStamping(c) {
		t.Fatal("TSA certificate lacks critical timeStamping")
	}
	return &Authority{Key: k, Certs: []*smx509.Certificate{c}}, ca
}

func request(t testing.TB, alg asn1.ObjectIdentifier, hash []byte, nonce *big.Int, certReq bool) []byte {
	t.Helper()
	b, err := asn1.Marshal(timeStampReq{Version: 1, MessageImprint: messageImprint{HashAlgorithm: pkix.AlgorithmIdentifier{Algorithm: alg, Parameters: asn1.NullRawValue}, HashedMessage: hash}, Nonce: nonce, CertReq: certReq})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseRequest(t *testing.T) {
	h := make([]byte, 32)
	big1 := new(big.Int).Lsh(big.NewInt(1), 8*MaxNonceBytes)
	tests := []struct {
		name string
		der  []byte
		err  error
	}{
		{"sha256", request(t, OIDSHA256, h, big.NewInt(7), true), nil},
		{"sm3 no nonce", request(t, OIDSM3, h, nil, false), nil},
		{"sha1", request(t, asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}, h[:20], nil, false), ErrBadAlg},
		{"short hash", request(t, OIDSHA256, h[:31], nil, false), ErrBadRequest},
		{"nonce too long", request(t, OIDSHA256, h, big1, false), ErrBadRequest},
		{"trailing", append(request(t, OIDSHA256, h, nil, false), 0), ErrBadRequest},
		{"empty", nil, ErrBadRequest},
		{"too big", make([]byte, MaxRequestBytes+1), ErrBadRequest},
		{"garbage", []byte{0x30, 0x03, 0x02, 0x01, 0x02}, ErrBadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseRequest(tc.der)
			if tc.err == nil && err != nil || tc.err != nil && !errors.Is(err, tc.err) {
				t.Fatalf("ParseRequest: %v, want %v", err, tc.err)
			}
		})
	}
}

func TestGrantVerify(t *testing.T) {
	gen := time.Date(2026, 12, 6, 19, 1, 2, 345600000, time.UTC)
	for _, tc := range []struct {
		name      string
		caAlg     signer.Algorithm
		hashAlg   asn1.ObjectIdentifier
		alg       signer.Algorithm
		certReq   bool
		hash      []byte
		wantFails bool
	}{
		{"ecdsa under sm2 CA, certReq", signer.AlgSM2, OIDSHA256, signer.AlgECDSAP256, true, sha256.New().Sum(nil), false},
		{"ecdsa under ecdsa CA", signer.AlgECDSAP256, OIDSHA256, signer.AlgECDSAP256, false, sha256.New().Sum(nil), false},
		{"sm2", signer.AlgSM2, OIDSM3, signer.AlgSM2, true, sm3.New().Sum(nil), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, ca := newAuthority(t, tc.caAlg, tc.alg)
			req, err := ParseRequest(request(t, tc.hashAlg, tc.hash, big.NewInt(424242), tc.certReq))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := Grant(req, a, Issue{Policy: testPolicy, GenTime: gen, Serial: big.NewInt(99)}, nil)
			if err != nil {
				t.Fatal(err)
			}
			r, err := ParseResponse(resp)
			if err != nil || r.Status != StatusGranted || r.Token == nil {
				t.Fatalf("ParseResponse: %+v %v", r, err)
			}
			var extra []*smx509.Certificate
			if !tc.certReq {
				extra = a.Certs
			} else if _, err := Verify(r.Token, []*smx509.Certificate{ca.Cert}, nil); err != nil {
				t.Fatalf("Verify with embedded cert: %v", err)
			}
			info, err := Verify(r.Token, []*smx509.Certificate{ca.Cert}, extra)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if !info.GenTime.Equal(gen) || info.Nonce.Int64() != 424242 || !info.Policy.Equal(testPolicy) || info.Serial.Int64() != 99 {
				t.Fatalf("info %+v", info)
			}
			if !tc.certReq {
				if _, err := Verify(r.Token, []*smx509.Certificate{ca.Cert}, nil); err == nil {
					t.Fatal("token without certificates verified with none given")
				}
			}
			bad := append([]byte(nil), r.Token...)
			bad[len(bad)-5] ^= 1
			if _, err := Verify(bad, []*smx509.Certificate{ca.Cert}, a.Certs); err == nil {
				t.Fatal("flipped signature verified")
			}
		})
	}
}

func TestWrongKeyRefused(t *testing.T) {
	a, _ := newAuthority(t, signer.AlgSM2, signer.AlgSM2)
	req, _ := ParseRequest(request(t, OIDSHA256, make([]byte, 32), nil, false))
	if _, err := Grant(req, a, Issue{Policy: testPolicy, GenTime: time.Unix(1, 0), Serial: big.NewInt(1)}, nil); err == nil {
		t.Fatal("SHA-256 request signed by an SM2 authority")
	}
}

func TestRejection(t *testing.T) {
	b, err := Rejection(FailAddInfoNotAvailable, "not on chain")
	if err != nil {
		t.Fatal(err)
	}
	r, err := ParseResponse(b)
	if err != nil || r.Status != StatusRejection || r.FailInfo.At(int(FailAddInfoNotAvailable)) != 1 || r.FailInfo.BitLength != 18 || r.Text[0] != "not on chain" {
		t.Fatalf("%+v %v", r, err)
	}
}

func TestGeneralizedTime(t *testing.T) {
	for _, tc := range []struct {
		t    time.Time
		want string
	}{
		{time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), "20260102030405Z"},
		{time.Date(2026, 1, 2, 3, 4, 5, 500000000, time.UTC), "20260102030405.5Z"},
		{time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.FixedZone("CST", 8*3600)), "20260101190405.123456789Z"},
	} {
		b := generalizedTime(tc.t)
		if string(b[2:]) != tc.want {
			t.Errorf("%v: %s, want %s", tc.t, b[2:], tc.want)
		}
		var rv asn1.RawValue
		if _, err := asn1.Unmarshal(b, &rv); err != nil {
			t.Fatal(err)
		}
		got, err := parseGeneralizedTime(rv)
		if err != nil || !got.Equal(tc.t) {
			t.Errorf("parse %s: %v %v", tc.want, got, err)
		}
	}
}

// TestOpenSSL has openssl make the request, read the reply and verify the
// ECDSA token; it logs what openssl does with the SM2 token.
func TestOpenSSL(t *testing.T) {
	ossl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not installed")
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "doc.pdf")
	if err := os.WriteFile(data, []byte("a contract committed on chain\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, error) {
		out, err := exec.Command(ossl, args...).CombinedOutput()
		return string(out), err
	}
	for _, tc := range []struct {
		name, dgst string
		alg        signer.Algorithm
	}{{"ecdsa", "-sha256", signer.AlgECDSAP256}, {"sm2", "-sm3", signer.AlgSM2}} {
		t.Run(tc.name, func(t *testing.T) {
			a, ca := newAuthority(t, signer.AlgECDSAP256, tc.alg)
			if tc.alg == signer.AlgSM2 {
				a, ca = newAuthority(t, signer.AlgSM2, tc.alg)
			}
			tsq := filepath.Join(dir, tc.name+".tsq")
			if out, err := run("ts", "-query", "-data", data, tc.dgst, "-cert", "-out", tsq); err != nil {
				t.Fatalf("openssl ts -query: %v\n%s", err, out)
			}
			der, _ := os.ReadFile(tsq)
			req, err := ParseRequest(der)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := Grant(req, a, Issue{Policy: testPolicy, GenTime: time.Date(2026, 12, 6, 19, 1, 2, 250000000, time.UTC), Serial: big.NewInt(0x5ea1)}, nil)
			if err != nil {
				t.Fatal(err)
			}
			tsr := filepath.Join(dir, tc.name+".tsr")
			caPEM := filepath.Join(dir, tc.name+"-ca.pem")
			os.WriteFile(tsr, resp, 0o600)
			os.WriteFile(caPEM, signer.EncodeCertificatePEM(ca.Cert.Raw), 0o600)
			text, err := run("ts", "-reply", "-in", tsr, "-text")
			t.Logf("openssl ts -reply -text (%s):\n%s", tc.name, text)
			if err != nil {
				t.Fatalf("openssl ts -reply: %v", err)
			}
			out, err := run("ts", "-verify", "-in", tsr, "-queryfile", tsq, "-CAfile", caPEM)
			t.Logf("openssl ts -verify (%s): %v\n%s", tc.name, err, out)
			if tc.alg == signer.AlgECDSAP256 && (err != nil || !strings.Contains(out, "Verification: OK")) {
				t.Fatalf("openssl refused the ECDSA token")
			}
		})
	}
}
