package main

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
)

// signBytesGolden is SHA-256 of the sign bytes of one fixed record; the
// evidence chaincode's test (test/fabric/evidencecc) pins the same value, so
// the two modules' encodings cannot drift apart unnoticed.
const signBytesGolden = "553ae4f6a9e321fa2f7bbce3dd947f5c18d05fd0b70a69626498f97ef6578455"

func TestEvidenceSignBytesGolden(t *testing.T) {
	z := make([]byte, 32)
	h := sha256.Sum256(evidenceSignBytes("c-1", z, z, z, 1700000000000))
	if got := hex.EncodeToString(h[:]); got != signBytesGolden {
		t.Fatalf("sign bytes hash %s, want %s", got, signBytesGolden)
	}
}
