package tsa

import (
	"crypto/sha256"
	"math/big"
	"testing"
)

func FuzzParseRequest(f *testing.F) {
	h := sha256.Sum256(nil)
	f.Add(request(f, OIDSHA256, h[:], big.NewInt(1), true))
	f.Add(request(f, OIDSM3, h[:], nil, false))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseRequest(b)
		if err != nil {
			return
		}
		if len(r.Hash) != 32 || len(b) > MaxRequestBytes || (r.Nonce != nil && len(r.Nonce.Bytes()) > MaxNonceBytes) {
			t.Fatalf("accepted out of bounds: %+v", r)
		}
	})
}
