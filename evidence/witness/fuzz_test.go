package witness

import (
	"bytes"
	"crypto/ed25519"
	"os"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
)

// FuzzOpen feeds arbitrary notes to Open with a fixed witness key.
// Invariants: no panic; a note SplitNote accepts is reproduced exactly by
// JoinNote (one encoding); an accepted checkpoint re-marshals to its text;
// Open verifies a signature only where x/mod's note.Open does too.
func FuzzOpen(f *testing.F) {
	seed := ed25519.NewKeyFromSeed(make([]byte, 32))
	c := &Cosigner{name: "witness.example/fuzz", priv: seed}
	c.id = KeyID(c.name, AlgCosignature, seed.Public().(ed25519.PublicKey))
	c.Now = func() time.Time { return time.Unix(1700000000, 0) }
	wv, err := NewCosignatureVerifier(c.VerifierKey())
	if err != nil {
		f.Fatal(err)
	}
	text := Checkpoint{Origin: "sealchain.example/c", Size: 7, Hash: make([]byte, 32)}.Marshal()
	line, err := Cosign(c, text)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(JoinNote(text, []SigLine{line}))
	f.Add([]byte(neumannText + "\n" + neumannSig))
	if real, err := os.ReadFile("testdata/arche2025h1.checkpoint"); err == nil {
		f.Add(real)
	}
	f.Add([]byte("o\n1\nAAAA\n\n— a AAAAAA==\n"))
	f.Add([]byte("\n\n"))
	f.Fuzz(func(t *testing.T, msg []byte) {
		txt, sigs, err := SplitNote(msg)
		if err != nil {
			return
		}
		if j := JoinNote(txt, sigs); !bytes.Equal(j, msg) {
			t.Fatalf("SplitNote accepted %q, which joins back as %q", msg, j)
		}
		o, err := Open(msg, wv)
		if o != nil && o.Checkpoint != nil && !bytes.Equal(o.Checkpoint.Marshal(), o.Text) {
			t.Fatalf("checkpoint %q re-marshals as %q", o.Text, o.Checkpoint.Marshal())
		}
		if err == nil {
			if _, err := note.Open(msg, note.VerifierList(wv)); err != nil {
				t.Fatalf("Open accepted %q, note.Open refuses: %v", msg, err)
			}
		}
	})
}

// FuzzParseAddCheckpoint: no panic, and an accepted request re-formats to
// the same bytes.
func FuzzParseAddCheckpoint(f *testing.F) {
	f.Add([]byte("old 0\n\no\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n— o AAAAAA==\n"))
	f.Add(FormatAddCheckpoint(3, [][]byte{make([]byte, 32), bytes.Repeat([]byte{1}, 32)}, []byte("x\n\n— a AAAAAA==\n")))
	f.Add([]byte("old 18446744073709551615\n\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		old, proof, signed, err := ParseAddCheckpoint(body)
		if err != nil {
			return
		}
		if b := FormatAddCheckpoint(old, proof, signed); !bytes.Equal(b, body) {
			t.Fatalf("%q re-formats as %q", body, b)
		}
	})
}
