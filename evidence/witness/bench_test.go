package witness

import (
	"crypto/ed25519"
	"crypto/rand"
	"testing"

	"golang.org/x/mod/sumdb/note"
)

// BenchmarkOpen2Cosignatures opens a checkpoint with two witnesses'
// cosignatures; BenchmarkEd25519Verify is the baseline (two of them is
// the floor). Ratio, not absolute time, is what to compare.
func BenchmarkOpen2Cosignatures(b *testing.B) {
	text := Checkpoint{Origin: "sealchain/bench", Size: 1 << 20, Hash: make([]byte, 32)}.Marshal()
	var vs []note.Verifier
	var lines []SigLine
	for _, n := range []string{"a.example/w", "b.example/w"} {
		sk, vk, _ := GenerateCosignerKey(rand.Reader, n)
		c, _ := NewCosigner(sk)
		v, _ := NewCosignatureVerifier(vk)
		l, _ := Cosign(c, text)
		vs, lines = append(vs, v), append(lines, l)
	}
	msg := JoinNote(text, lines)
	b.ReportAllocs()
	for b.Loop() {
		if o, err := Open(msg, vs...); err != nil || len(o.Verified) != 2 {
			b.Fatal(err)
		}
	}
}

func BenchmarkEd25519Verify(b *testing.B) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	msg := []byte("cosignature/v1\ntime 1700000000\nsealchain/bench\n1048576\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n")
	sig := ed25519.Sign(priv, msg)
	for b.Loop() {
		if !ed25519.Verify(pub, msg, sig) {
			b.Fatal("verify")
		}
	}
}
