package rfc6962

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"slices"
)

// LeafData returns distinct deterministic leaf contents.
func LeafData(i int) []byte { return []byte(fmt.Sprintf("sealchain test leaf %d", i)) }

// MustHex decodes hex or panics; inputs are test constants.
func MustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// EqualProofs reports whether two proofs have the same elements.
func EqualProofs(a, b [][]byte) bool {
	return slices.EqualFunc(a, b, bytes.Equal)
}
