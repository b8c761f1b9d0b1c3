package merklelog

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"slices"
)

// leafData returns distinct deterministic leaf contents.
func leafData(i int) []byte { return []byte(fmt.Sprintf("sealchain test leaf %d", i)) }

// dh decodes hex or panics; inputs are test constants.
func dh(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func equalProofs(a, b [][]byte) bool {
	return slices.EqualFunc(a, b, bytes.Equal)
}

// shortHash is a 16-byte hash for hasher-mismatch tests.
func shortHash() hash.Hash { return &truncated{sha256.New()} }

type truncated struct{ hash.Hash }

func (t *truncated) Size() int { return 16 }
func (t *truncated) Sum(b []byte) []byte {
	return append(b, t.Hash.Sum(nil)[:16]...)
}
