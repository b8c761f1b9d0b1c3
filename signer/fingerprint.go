package signer

import (
	"encoding/hex"
	"fmt"

	"github.com/emmansun/gmsm/sm3"
)

// Fingerprint is SM3 over a certificate's DER encoding. It is how the chain
// names certificates.
type Fingerprint [32]byte

// FingerprintOf returns the SM3 digest of der.
func FingerprintOf(der []byte) Fingerprint { return sm3.Sum(der) }

// String returns the fingerprint as 64 lowercase hex digits.
func (f Fingerprint) String() string { return hex.EncodeToString(f[:]) }

// ParseFingerprint parses 64 hex digits (either case) as produced by
// [Fingerprint.String].
func ParseFingerprint(s string) (Fingerprint, error) {
	var f Fingerprint
	if len(s) != hex.EncodedLen(len(f)) {
		return f, fmt.Errorf("signer: parse fingerprint: got %d characters, want %d", len(s), hex.EncodedLen(len(f)))
	}
	if _, err := hex.Decode(f[:], []byte(s)); err != nil {
		return Fingerprint{}, fmt.Errorf("signer: parse fingerprint: %w", err)
	}
	return f, nil
}
