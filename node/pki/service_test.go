package pki

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"math/big"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/emmansun/gmsm/smx509"

	"github.com/sealchain/sealchain/chain/store"
	"github.com/sealchain/sealchain/node/httpjson"
	"github.com/sealchain/sealchain/signer"
	"github.com/sealchain/sealchain/signer/tsa"
)

type tsReq struct {
	Version        int
	MessageImprint struct {
		HashAlgorithm pkix.AlgorithmIdentifier
		HashedMessage []byte
	}
	ReqPolicy  asn1.ObjectIdentifier `asn1:"optional"`
	Extensions []pkix.Extension      `asn1:"optional,tag:0"`
}

// newService runs the routes over an empty store: no hash is on chain and
// no certificate is known.
func newService(t *testing.T) (*httptest.Server, *signer.CA) {
	t.Helper()
	st, err := store.Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	nb := time.Now().Add(-time.Hour)
	k, _ := signer.GenerateKey(signer.AlgECDSAP256, nil)
	ca, err := signer.NewCA(k, signer.CAOptions{OrgID: "notary-1", OrgName: "N", Role: "notary", NotBefore: nb, NotAfter: nb.AddDate(1, 0, 0)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ec, err := LoadOrIssueAuthority(ca, signer.AlgECDSAP256, "", "", dir, "notary-1", nil, nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrIssueAuthority(ca, signer.AlgECDSAP256, "", "", dir, "notary-1", nil, nil, time.Now()); err != nil {
		t.Fatalf("reload: %v", err)
	}
	s, err := New(Config{Chain: st, Org: "notary-1", CA: ca, Policy: asn1.ObjectIdentifier{1, 2, 3}, ECDSA: ec})
	if err != nil {
		t.Fatal(err)
	}
	rt := httpjson.NewRouter(nil)
	s.Register(rt)
	srv := httptest.NewServer(rt)
	t.Cleanup(srv.Close)
	return srv, ca
}

func TestTSARejections(t *testing.T) {
	srv, _ := newService(t)
	h := sha256.Sum256([]byte("x"))
	mk := func(alg asn1.ObjectIdentifier, policy asn1.ObjectIdentifier, ext bool) []byte {
		var r tsReq
		r.Version = 1
		r.MessageImprint.HashAlgorithm.Algorithm = alg
		r.MessageImprint.HashedMessage = h[:]
		r.ReqPolicy = policy
		if ext {
			r.Extensions = []pkix.Extension{{Id: asn1.ObjectIdentifier{1, 2, 9}, Value: []byte{5, 0}}}
		}
		b, err := asn1.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, tc := range []struct {
		name string
		body []byte
		fail tsa.FailInfo
	}{
		{"not on chain", mk(tsa.OIDSHA256, nil, false), tsa.FailAddInfoNotAvailable},
		{"sm3 without an SM2 key", mk(tsa.OIDSM3, nil, false), tsa.FailBadAlg},
		{"sha1", mk(asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}, nil, false), tsa.FailBadAlg},
		{"other policy", mk(tsa.OIDSHA256, asn1.ObjectIdentifier{1, 2, 4}, false), tsa.FailUnacceptedPolicy},
		{"our policy, not on chain", mk(tsa.OIDSHA256, asn1.ObjectIdentifier{1, 2, 3}, false), tsa.FailAddInfoNotAvailable},
		{"extension", mk(tsa.OIDSHA256, nil, true), tsa.FailUnacceptedExtension},
		{"garbage", []byte("hello"), tsa.FailBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := http.Post(srv.URL+"/v1/tsa", "application/timestamp-query", bytes.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var buf bytes.Buffer
			buf.ReadFrom(resp.Body)
			r, err := tsa.ParseResponse(buf.Bytes())
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/timestamp-reply" || err != nil {
				t.Fatalf("%d %s %v", resp.StatusCode, resp.Header.Get("Content-Type"), err)
			}
			if r.Status != tsa.StatusRejection || r.FailInfo.At(int(tc.fail)) != 1 || r.Token != nil {
				t.Fatalf("%+v, want rejection with bit %d", r, tc.fail)
			}
		})
	}
	resp, err := http.Post(srv.URL+"/v1/tsa", "application/timestamp-query", bytes.NewReader(make([]byte, tsa.MaxRequestBytes+1)))
	if err != nil || resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("oversized request: %v %v", resp, err)
	}
	resp.Body.Close()
}

func TestOCSPAnswers(t *testing.T) {
	srv, ca := newService(t)
	// A request naming this CA, for a serial nobody registered.
	var spki struct {
		Alg pkix.AlgorithmIdentifier
		Key asn1.BitString
	}
	asn1.Unmarshal(ca.Cert.RawSubjectPublicKeyInfo, &spki)
	nh, kh := sha256.Sum256(ca.Cert.RawSubject), sha256.Sum256(spki.Key.Bytes)
	var r ocspRequest
	r.TBS.RequestList = []singleRequest{{Cert: certID{HashAlgorithm: pkix.AlgorithmIdentifier{Algorithm: oidSHA256}, NameHash: nh[:], KeyHash: kh[:], Serial: big.NewInt(77)}}}
	der, _ := asn1.Marshal(r)
	get := func(path string) []byte {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var buf bytes.Buffer
		buf.ReadFrom(resp.Body)
		return buf.Bytes()
	}
	if b := get("/v1/ocsp/other/" + base64.StdEncoding.EncodeToString(der)); !bytes.Equal(b, ocspError(ocspUnauthorized)) {
		t.Fatalf("other org: %x", b)
	}
	if b := get("/v1/ocsp/notary-1/" + base64.StdEncoding.EncodeToString([]byte("junk"))); !bytes.Equal(b, ocspError(ocspMalformedRequest)) {
		t.Fatalf("junk: %x", b)
	}
	if b := get("/v1/ocsp/notary-1/%21%21"); len(b) == 0 {
		t.Fatal("bad base64: empty answer")
	}
	b := get("/v1/ocsp/notary-1/" + base64.StdEncoding.EncodeToString(der))
	// successful, basic, one response whose status is unknown ([2] NULL).
	if len(b) < 10 || b[6] != 0x00 || !bytes.Contains(b, append(append([]byte{}, mustMarshalT(t, r.TBS.RequestList[0].Cert)...), 0x82, 0x00)) {
		t.Fatalf("unknown certificate: %x", b)
	}
	resp, err := http.Post(srv.URL+"/v1/ocsp/notary-1", "application/ocsp-request", bytes.NewReader(make([]byte, MaxOCSPRequestBytes+1)))
	if err != nil || resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("oversized OCSP request: %v %v", resp, err)
	}
	resp.Body.Close()
	crl := get("/v1/crl/notary-1.crl")
	rl, err := smx509.ParseRevocationList(crl)
	if err != nil || rl.CheckSignatureFrom(ca.Cert) != nil || len(rl.RevokedCertificateEntries) != 0 {
		t.Fatalf("CRL: %v", err)
	}
}

func mustMarshalT(t *testing.T, v any) []byte {
	t.Helper()
	b, err := asn1.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
