package pki

import (
	"crypto/sha1"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"math/big"
	"testing"
)

func ocspReq(t testing.TB, n int, nonce []byte) []byte {
	t.Helper()
	var r ocspRequest
	h := sha1.Sum(nil)
	for i := 0; i < n; i++ {
		r.TBS.RequestList = append(r.TBS.RequestList, singleRequest{Cert: certID{HashAlgorithm: pkix.AlgorithmIdentifier{Algorithm: oidSHA1, Parameters: asn1.NullRawValue}, NameHash: h[:], KeyHash: h[:], Serial: big.NewInt(int64(i + 1))}})
	}
	if nonce != nil {
		v, _ := asn1.Marshal(nonce)
		r.TBS.Extensions = []pkix.Extension{{Id: oidOCSPNonce, Value: v}}
	}
	b, err := asn1.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseOCSPRequest(t *testing.T) {
	for _, tc := range []struct {
		name string
		der  []byte
		ok   bool
	}{
		{"one", ocspReq(t, 1, nil), true},
		{"with nonce", ocspReq(t, 2, make([]byte, 16)), true},
		{"max", ocspReq(t, MaxOCSPCerts, nil), true},
		{"too many", ocspReq(t, MaxOCSPCerts+1, nil), false},
		{"none", ocspReq(t, 0, nil), false},
		{"nonce too long", ocspReq(t, 1, make([]byte, maxNonceBytes)), false},
		{"trailing", append(ocspReq(t, 1, nil), 0), false},
		{"too big", make([]byte, MaxOCSPRequestBytes+1), false},
		{"empty", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := ParseOCSPRequest(tc.der)
			if tc.ok != (err == nil) || (err != nil && !errors.Is(err, ErrBadOCSPRequest)) {
				t.Fatalf("ParseOCSPRequest: %v, want ok=%v", err, tc.ok)
			}
			if err == nil && len(r.Certs[0].raw) == 0 {
				t.Fatal("CertID not kept")
			}
		})
	}
}

func FuzzParseOCSPRequest(f *testing.F) {
	f.Add(ocspReq(f, 1, nil))
	f.Add(ocspReq(f, 3, []byte{1, 2, 3}))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseOCSPRequest(b)
		if err != nil {
			return
		}
		if len(r.Certs) == 0 || len(r.Certs) > MaxOCSPCerts || len(b) > MaxOCSPRequestBytes {
			t.Fatalf("accepted out of bounds: %d certs, %d bytes", len(r.Certs), len(b))
		}
	})
}
