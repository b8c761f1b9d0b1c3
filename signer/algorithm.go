package signer

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"fmt"
	"strconv"

	"github.com/emmansun/gmsm/sm2"
)

// defaultUID is the SM2 user id of GM/T 0009 used for every SM2 signature in
// Sealchain. Verifiers outside the chain (courts' tools) assume it when no
// id is stated, so it must not change.
const defaultUID = "1234567812345678"

// Algorithm identifies a signature scheme. Values are part of the on-chain
// encoding: never renumber.
type Algorithm uint8

const (
	// AlgSM2 is SM2 over SM3 with the default user id "1234567812345678"
	// (GB/T 32918, GM/T 0009), ASN.1 DER signature.
	AlgSM2 Algorithm = 1
	// AlgECDSAP256 is ECDSA P-256 over SHA-256, ASN.1 DER signature.
	AlgECDSAP256 Algorithm = 2
)

// String returns "sm2", "ecdsa-p256" or "unknown(N)".
func (a Algorithm) String() string {
	switch a {
	case AlgSM2:
		return "sm2"
	case AlgECDSAP256:
		return "ecdsa-p256"
	default:
		return "unknown(" + strconv.Itoa(int(a)) + ")"
	}
}

// ParseAlgorithm is the inverse of [Algorithm.String] for known algorithms.
// It is case-sensitive.
func ParseAlgorithm(s string) (Algorithm, error) {
	switch s {
	case "sm2":
		return AlgSM2, nil
	case "ecdsa-p256":
		return AlgECDSAP256, nil
	default:
		return 0, fmt.Errorf("signer: unknown algorithm %q", s)
	}
}

func (a Algorithm) valid() bool { return a == AlgSM2 || a == AlgECDSAP256 }

// PublicKeyAlgorithm reports which scheme pub is used with. It returns
// [ErrUnsupportedKey] for anything but an SM2 or P-256 *ecdsa.PublicKey.
func PublicKeyAlgorithm(pub crypto.PublicKey) (Algorithm, error) {
	k, ok := pub.(*ecdsa.PublicKey)
	if !ok || k == nil {
		return 0, fmt.Errorf("%w: %T", ErrUnsupportedKey, pub)
	}
	if k.X == nil || k.Y == nil {
		return 0, fmt.Errorf("%w: incomplete public key", ErrUnsupportedKey)
	}
	// Curves are package singletons, so identity comparison is exact.
	switch k.Curve {
	case sm2.P256():
		return AlgSM2, nil
	case elliptic.P256():
		return AlgECDSAP256, nil
	default:
		name := "nil"
		if k.Curve != nil {
			name = k.Curve.Params().Name
		}
		return 0, fmt.Errorf("%w: curve %s", ErrUnsupportedKey, name)
	}
}

// Verify checks sig over msg with pub, choosing the scheme from the key's
// curve: SM2 keys verify SM2-with-SM3 using the default user id, P-256 keys
// verify ECDSA over SHA-256. It returns an error wrapping [ErrBadSignature]
// on mismatch and [ErrUnsupportedKey] for other keys.
func Verify(pub crypto.PublicKey, msg, sig []byte) error {
	alg, err := PublicKeyAlgorithm(pub)
	if err != nil {
		return fmt.Errorf("verify signature: %w", err)
	}
	k := pub.(*ecdsa.PublicKey)
	var ok bool
	switch alg {
	case AlgSM2:
		ok = sm2.VerifyASN1WithSM2(k, []byte(defaultUID), msg, sig)
	case AlgECDSAP256:
		h := sha256.Sum256(msg)
		ok = ecdsa.VerifyASN1(k, h[:], sig)
	}
	if !ok {
		return fmt.Errorf("verify %s signature: %w", alg, ErrBadSignature)
	}
	return nil
}
