package signer

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"testing"

	"github.com/emmansun/gmsm/sm2"
)

func newKey(t *testing.T, alg Algorithm) *PrivateKey {
	t.Helper()
	k, err := GenerateKey(alg, rand.Reader)
	if err != nil {
		t.Fatalf("GenerateKey(%s): %v", alg, err)
	}
	return k
}

func sign(t *testing.T, k *PrivateKey, msg []byte) []byte {
	t.Helper()
	sig, err := k.Sign(rand.Reader, msg)
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	return sig
}

func TestAlgorithmString(t *testing.T) {
	tests := []struct {
		name string
		alg  Algorithm
		want string
	}{
		{"sm2", AlgSM2, "sm2"},
		{"ecdsa", AlgECDSAP256, "ecdsa-p256"},
		{"zero", 0, "unknown(0)"},
		{"future", 7, "unknown(7)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.alg.String(); got != tt.want {
				t.Fatalf("String() = %q, want %q", got, tt.want)
			}
			got, err := ParseAlgorithm(tt.want)
			if tt.alg.valid() {
				if err != nil || got != tt.alg {
					t.Fatalf("ParseAlgorithm(%q) = %v, %v; want %v", tt.want, got, err, tt.alg)
				}
			} else if err == nil {
				t.Fatalf("ParseAlgorithm(%q) succeeded, want error", tt.want)
			}
		})
	}
	// The numbers are part of the on-chain encoding.
	if AlgSM2 != 1 || AlgECDSAP256 != 2 {
		t.Fatal("Algorithm values renumbered")
	}
}

func TestSignVerify(t *testing.T) {
	msg := []byte("contract 42: both parties agree")
	for _, alg := range []Algorithm{AlgSM2, AlgECDSAP256} {
		t.Run(alg.String(), func(t *testing.T) {
			k := newKey(t, alg)
			if k.Algorithm() != alg {
				t.Fatalf("Algorithm() = %s", k.Algorithm())
			}
			if got, err := PublicKeyAlgorithm(k.Public()); err != nil || got != alg {
				t.Fatalf("PublicKeyAlgorithm = %v, %v", got, err)
			}
			sig := sign(t, k, msg)
			if err := Verify(k.Public(), msg, sig); err != nil {
				t.Fatalf("Verify good signature: %v", err)
			}

			tamperedSig := append([]byte(nil), sig...)
			tamperedSig[len(tamperedSig)-1] ^= 1
			tamperedMsg := append([]byte(nil), msg...)
			tamperedMsg[0] ^= 1

			tests := []struct {
				name string
				msg  []byte
				sig  []byte
			}{
				{"tampered message", tamperedMsg, sig},
				{"tampered signature", msg, tamperedSig},
				{"truncated signature", msg, sig[:len(sig)-1]},
				{"empty signature", msg, nil},
				{"empty message", nil, sig},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					err := Verify(k.Public(), tt.msg, tt.sig)
					if !errors.Is(err, ErrBadSignature) {
						t.Fatalf("Verify = %v, want ErrBadSignature", err)
					}
				})
			}
		})
	}
}

func TestVerifyKeyMismatch(t *testing.T) {
	msg := []byte("m")
	sm2a, sm2b := newKey(t, AlgSM2), newKey(t, AlgSM2)
	eca, ecb := newKey(t, AlgECDSAP256), newKey(t, AlgECDSAP256)

	// An SM2 public key relabelled as P-256 (same coordinates) must not
	// verify the SM2 signature: the scheme follows the curve.
	sm2Pub := sm2a.Public().(*ecdsa.PublicKey)
	relabelled := &ecdsa.PublicKey{Curve: elliptic.P256(), X: sm2Pub.X, Y: sm2Pub.Y}

	tests := []struct {
		name   string
		signer *PrivateKey
		pub    any
	}{
		{"sm2 sig, other sm2 key", sm2a, sm2b.Public()},
		{"ecdsa sig, other ecdsa key", eca, ecb.Public()},
		{"sm2 sig, ecdsa key", sm2a, eca.Public()},
		{"ecdsa sig, sm2 key", eca, sm2a.Public()},
		{"sm2 sig, coordinates relabelled p256", sm2a, relabelled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sig := sign(t, tt.signer, msg)
			if err := Verify(tt.pub, msg, sig); !errors.Is(err, ErrBadSignature) {
				t.Fatalf("Verify = %v, want ErrBadSignature", err)
			}
		})
	}
}

func TestVerifyUnsupportedKey(t *testing.T) {
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		pub  any
	}{
		{"nil", nil},
		{"p384", &p384.PublicKey},
		{"ecdsa value not pointer", p384.PublicKey},
		{"nil ecdsa pointer", (*ecdsa.PublicKey)(nil)},
		{"missing coordinates", &ecdsa.PublicKey{Curve: elliptic.P256()}},
		{"bytes", []byte{1, 2, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := Verify(tt.pub, []byte("m"), []byte{0x30, 0}); !errors.Is(err, ErrUnsupportedKey) {
				t.Fatalf("Verify = %v, want ErrUnsupportedKey", err)
			}
			if _, err := PublicKeyAlgorithm(tt.pub); !errors.Is(err, ErrUnsupportedKey) {
				t.Fatalf("PublicKeyAlgorithm = %v, want ErrUnsupportedKey", err)
			}
		})
	}
	if _, err := GenerateKey(0, nil); !errors.Is(err, ErrUnsupportedKey) {
		t.Fatalf("GenerateKey(0) = %v, want ErrUnsupportedKey", err)
	}
}

// TestSM2InteropDefaultUID proves the SM2 signature is the standard one:
// gmsm's own verifier accepts it with the default user id (given implicitly
// and explicitly) and rejects it with any other id.
func TestSM2InteropDefaultUID(t *testing.T) {
	k := newKey(t, AlgSM2)
	msg := []byte("message digest")
	sig := sign(t, k, msg)
	pub := k.Public().(*ecdsa.PublicKey)

	tests := []struct {
		name string
		uid  []byte
		want bool
	}{
		{"implicit default uid", nil, true},
		{"explicit default uid", []byte("1234567812345678"), true},
		{"other uid", []byte("8765432187654321"), false},
		{"ALICE123@YAHOO.COM", []byte("ALICE123@YAHOO.COM"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sm2.VerifyASN1WithSM2(pub, tt.uid, msg, sig); got != tt.want {
				t.Fatalf("sm2.VerifyASN1WithSM2 = %v, want %v", got, tt.want)
			}
		})
	}

	// And the reverse: a signature made by gmsm directly verifies here.
	raw, ok := k.Signer().(*sm2.PrivateKey)
	if !ok {
		t.Fatalf("Signer() is %T, want *sm2.PrivateKey", k.Signer())
	}
	gsig, err := raw.Sign(rand.Reader, msg, sm2.DefaultSM2SignerOpts)
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(pub, msg, gsig); err != nil {
		t.Fatalf("Verify(gmsm signature) = %v", err)
	}
	// A signature over the bare message (no ZA) must not verify.
	bare, err := raw.Sign(rand.Reader, sm3Sum(msg), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(pub, msg, bare); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("Verify(signature without ZA) = %v, want ErrBadSignature", err)
	}
}

func TestECDSAInteropStdlib(t *testing.T) {
	k := newKey(t, AlgECDSAP256)
	msg := []byte("message digest")
	sig := sign(t, k, msg)
	h := sha256.Sum256(msg)
	if !ecdsa.VerifyASN1(k.Public().(*ecdsa.PublicKey), h[:], sig) {
		t.Fatal("crypto/ecdsa rejects our ECDSA signature over SHA-256")
	}
}

func TestZeroKey(t *testing.T) {
	var k *PrivateKey
	if _, err := k.Sign(nil, []byte("m")); err == nil {
		t.Fatal("Sign on nil key succeeded")
	}
	if _, err := (&PrivateKey{}).Sign(nil, []byte("m")); err == nil {
		t.Fatal("Sign on zero key succeeded")
	}
	if _, err := EncodePrivateKeyPEM(&PrivateKey{}); err == nil {
		t.Fatal("EncodePrivateKeyPEM on zero key succeeded")
	}
}
