package smt

import (
	"bytes"
	"testing"
)

// FuzzDecodeProof: the decoder never panics, never reads more than
// MaxProofBytes, and what it accepts is canonical (re-encodes to the input)
// and folds to a root without panicking.
func FuzzDecodeProof(f *testing.F) {
	s := NewMemStore()
	for i := range 20 {
		k := keyOf(string(rune('a' + i)))
		if _, err := Update(s, 1, &k, []byte{byte(i)}); err != nil {
			f.Fatal(err)
		}
	}
	for _, name := range []string{"a", "b", "zz"} {
		k := keyOf(name)
		p, err := Prove(s, 1, &k)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(p.Encode())
	}
	f.Add([]byte{0x01, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := DecodeProof(b)
		if err != nil {
			return
		}
		if enc := p.Encode(); !bytes.Equal(enc, b) {
			t.Fatalf("accepted a non-canonical form: %x re-encodes to %x", b, enc)
		}
		k := keyOf("a")
		if p.Leaf != nil {
			k = p.Leaf.Key
		}
		if _, err := p.RootFor(&k); err != nil {
			t.Fatalf("own leaf key: %v", err)
		}
	})
}
