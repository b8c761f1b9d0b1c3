package signer

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"math/big"
	"testing"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm3"
)

// Published known-answer vectors. The SM3 vectors of GB/T 32905-2016 are in
// fingerprint_test.go.
//
// SM2: the worked example of GM/T 0003.5-2012 (SM2 part 5, parameter
// definition), the one on the recommended curve sm2p256v1 that this package
// uses: ID "1234567812345678", message "message digest". The same numbers
// are pinned by other implementations' self-tests (GmSSL, openHiTLS's CMVP
// SM2 self-test). The appendix examples of GB/T 32918.2 and GB/T 32918.3
// (ID "ALICE123@YAHOO.COM") use a 256-bit test curve, p = 8542D69E…DFC3,
// not sm2p256v1, so they cannot go through this package, which accepts SM2
// keys on the recommended curve only.
//
// ECDSA P-256: RFC 6979 appendix A.2.5, message "sample" with SHA-256.

// sm2KAT is GM/T 0003.5-2012's signature example.
var sm2KAT = struct {
	d, x, y, za, e, k, r, s string
	id, msg                 string
}{
	id:  "1234567812345678",
	msg: "message digest",
	d:   "3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8",
	x:   "09f9df311e5421a150dd7d161e4bc5c672179fad1833fc076bb08ff356f35020",
	y:   "ccea490ce26775a52dc6ea718cc1aa600aed05fbf35e084a6632f6072da9ad13",
	za:  "b2e14c5c79c6df5b85f4fe7ed8db7a262b9da7e07ccb0ea9f4747b8ccda8a4f3",
	e:   "f0b43e94ba45accaace692ed534382eb17e6ab5a19ce7b31f4486fdfc0d28640",
	k:   "59276e27d506861a16680f3ad9c02dccef3cc1fa3cdbe4ce6d54b80deac1bc21",
	r:   "f5a03b0648d2c4630eeac513e1bb81a15944da3827d5b74143ac7eaceee720b3",
	s:   "b1b6aa29df212fd8763182bc0d421ca1bb9038fd1f7f42d4840b69c485bbc1aa",
}

func TestSM2KnownAnswer(t *testing.T) {
	v := sm2KAT
	// The example's ID must be the one every Sealchain SM2 signature uses,
	// or the vector would not be testing our scheme.
	if v.id != defaultUID {
		t.Fatalf("vector id %q is not defaultUID %q", v.id, defaultUID)
	}
	priv, err := sm2.NewPrivateKey(unhex(t, v.d))
	if err != nil {
		t.Fatalf("sm2.NewPrivateKey: %v", err)
	}
	k := &PrivateKey{alg: AlgSM2, sm2: priv}
	pub := k.Public().(*ecdsa.PublicKey)
	n := sm2.P256().Params().N

	tests := []struct {
		name string
		run  func(t *testing.T)
	}{
		{
			name: "public key from private key",
			run: func(t *testing.T) {
				// Through PKCS#8 so the derivation is the one a loaded
				// key gets, not only sm2.NewPrivateKey's.
				b, err := EncodePrivateKeyPEM(k)
				if err != nil {
					t.Fatalf("EncodePrivateKeyPEM: %v", err)
				}
				loaded, err := ParsePrivateKeyPEM(b)
				if err != nil {
					t.Fatalf("ParsePrivateKeyPEM: %v", err)
				}
				lp := loaded.Public().(*ecdsa.PublicKey)
				if got, want := hexOf(lp.X), v.x; got != want {
					t.Errorf("xA = %s, want %s", got, want)
				}
				if got, want := hexOf(lp.Y), v.y; got != want {
					t.Errorf("yA = %s, want %s", got, want)
				}
			},
		},
		{
			name: "ZA for the default id",
			run: func(t *testing.T) {
				za, err := sm2.CalculateZA(pub, []byte(defaultUID))
				if err != nil {
					t.Fatalf("CalculateZA: %v", err)
				}
				if got := hex.EncodeToString(za); got != v.za {
					t.Fatalf("ZA = %s, want %s", got, v.za)
				}
			},
		},
		{
			name: "e = SM3(ZA || M)",
			run: func(t *testing.T) {
				h := sm3.New()
				h.Write(unhex(t, v.za))
				h.Write([]byte(v.msg))
				if got := hex.EncodeToString(h.Sum(nil)); got != v.e {
					t.Fatalf("SM3(ZA || M) = %s, want %s", got, v.e)
				}
				e, err := sm2.CalculateSM2Hash(pub, []byte(v.msg), []byte(defaultUID))
				if err != nil {
					t.Fatalf("CalculateSM2Hash: %v", err)
				}
				if got := hex.EncodeToString(e); got != v.e {
					t.Fatalf("CalculateSM2Hash = %s, want %s", got, v.e)
				}
			},
		},
		{
			// The library draws its own nonce, so the fixed k is applied
			// by hand with the standard's formulas: (x1, y1) = [k]G,
			// r = (e + x1) mod n, s = (1 + d)^-1 (k - r d) mod n. This ties
			// the pinned (r, s) to the published k.
			name: "signature from the fixed k",
			run: func(t *testing.T) {
				e := new(big.Int).SetBytes(unhex(t, v.e))
				kk := new(big.Int).SetBytes(unhex(t, v.k))
				d := new(big.Int).SetBytes(unhex(t, v.d))
				x1, _ := sm2.P256().ScalarBaseMult(kk.Bytes())
				r := new(big.Int).Add(e, x1)
				r.Mod(r, n)
				s := new(big.Int).Mul(r, d)
				s.Sub(kk, s)
				s.Mul(s, new(big.Int).ModInverse(new(big.Int).Add(d, big.NewInt(1)), n))
				s.Mod(s, n)
				if got := hexOf(r); got != v.r {
					t.Errorf("r = %s, want %s", got, v.r)
				}
				if got := hexOf(s); got != v.s {
					t.Errorf("s = %s, want %s", got, v.s)
				}
			},
		},
		{
			name: "pinned signature verifies, altered inputs do not",
			run: func(t *testing.T) {
				r, s := new(big.Int).SetBytes(unhex(t, v.r)), new(big.Int).SetBytes(unhex(t, v.s))
				msg := []byte(v.msg)
				if err := Verify(pub, msg, derSig(t, r, s)); err != nil {
					t.Fatalf("Verify(pinned signature): %v", err)
				}
				other, err := GenerateKey(AlgSM2, nil)
				if err != nil {
					t.Fatalf("GenerateKey: %v", err)
				}
				bad := []struct {
					name string
					pub  *ecdsa.PublicKey
					msg  []byte
					sig  []byte
				}{
					{"changed message", pub, []byte("message digesT"), derSig(t, r, s)},
					{"empty message", pub, nil, derSig(t, r, s)},
					{"r and s swapped", pub, msg, derSig(t, s, r)},
					{"s plus one", pub, msg, derSig(t, r, new(big.Int).Add(s, big.NewInt(1)))},
					{"r plus n", pub, msg, derSig(t, new(big.Int).Add(r, n), s)},
					{"other key", other.Public().(*ecdsa.PublicKey), msg, derSig(t, r, s)},
				}
				for _, b := range bad {
					t.Run(b.name, func(t *testing.T) {
						if err := Verify(b.pub, b.msg, b.sig); !errors.Is(err, ErrBadSignature) {
							t.Fatalf("Verify = %v, want ErrBadSignature", err)
						}
					})
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.run)
	}
}

// TestP256KnownAnswer runs RFC 6979 appendix A.2.5 (P-256, SHA-256,
// message "sample") through Verify. The key pair is pinned too: Verify
// takes a public key, and deriving it from x shows the vector's key is the
// one the signature is checked against.
func TestP256KnownAnswer(t *testing.T) {
	const (
		x  = "c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721"
		ux = "60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6"
		uy = "7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299"
		r  = "efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716"
		s  = "f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8"
	)
	curve := elliptic.P256()
	gx, gy := curve.ScalarBaseMult(unhex(t, x))
	if hexOf(gx) != ux || hexOf(gy) != uy {
		t.Fatalf("public key from x = (%s, %s), want (%s, %s)", hexOf(gx), hexOf(gy), ux, uy)
	}
	pub := &ecdsa.PublicKey{Curve: curve, X: gx, Y: gy}
	sig := derSig(t, new(big.Int).SetBytes(unhex(t, r)), new(big.Int).SetBytes(unhex(t, s)))
	tests := []struct {
		name string
		msg  string
		ok   bool
	}{
		{"sample", "sample", true},
		{"changed message", "samplE", false},
		{"other RFC 6979 message", "test", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Verify(pub, []byte(tt.msg), sig)
			if tt.ok && err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if !tt.ok && !errors.Is(err, ErrBadSignature) {
				t.Fatalf("Verify = %v, want ErrBadSignature", err)
			}
		})
	}
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex in vector: %v", err)
	}
	return b
}

// hexOf formats n as 64 hex digits, the width vectors are written in.
func hexOf(n *big.Int) string {
	return hex.EncodeToString(n.FillBytes(make([]byte, 32)))
}

// derSig encodes (r, s) as the ASN.1 SEQUENCE both schemes use.
func derSig(t *testing.T, r, s *big.Int) []byte {
	t.Helper()
	b, err := asn1.Marshal(struct{ R, S *big.Int }{r, s})
	if err != nil {
		t.Fatalf("encode signature: %v", err)
	}
	return b
}
