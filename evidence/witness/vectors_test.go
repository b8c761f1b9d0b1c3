package witness

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
)

// The golang.org/x/mod/sumdb/note example: a key pair and a note it signed.
const (
	neumannSkey = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
	neumannVkey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
	neumannText = "If you think cryptography is the answer to your problem,\n" +
		"then you don't know what your problem is.\n"
	neumannSig = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)

// A real checkpoint (testdata/README.md) and two of its signers' keys.
const (
	archeVkey  = "arche2025h1.staging.ct.transparency.dev+ba2f06c0+AU0vHmlGCS/PdN8b2OaGmKprLI8HKM+dJ472xgFYh15f"
	remoraVkey = "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2"
)

func TestSumdbNoteVector(t *testing.T) {
	k, err := ParseVerifierKey(neumannVkey)
	if err != nil {
		t.Fatal(err)
	}
	if k.String() != neumannVkey {
		t.Errorf("vkey round trip: %s", k)
	}
	msg := []byte(neumannText + "\n" + neumannSig)
	text, sigs, err := SplitNote(msg)
	if err != nil || string(text) != neumannText || len(sigs) != 1 {
		t.Fatalf("SplitNote: %q %v %v", text, sigs, err)
	}
	// Our verifier accepts it through x/mod's Open too.
	if _, err := note.Open(msg, note.VerifierList(k.Verifier())); err != nil {
		t.Fatalf("note.Open with our verifier: %v", err)
	}
	// Signing the text with the example's private key gives the same bytes
	// (Ed25519 is deterministic).
	s, err := NewLogSigner(neumannSkey)
	if err != nil {
		t.Fatal(err)
	}
	line, err := Cosign(s, []byte(neumannText))
	if err != nil || line.String() != neumannSig {
		t.Fatalf("signature line %q, want %q (%v)", line.String(), neumannSig, err)
	}
	if vk, err := LogVerifierKey(neumannSkey); err != nil || vk != neumannVkey {
		t.Errorf("LogVerifierKey = %q, %v", vk, err)
	}
	// A cosignature verifier must not accept a plain Ed25519 note signature.
	if _, err := NewCosignatureVerifier(neumannVkey); err == nil {
		t.Error("NewCosignatureVerifier accepted a type 0x01 key")
	}
}

func TestRealCheckpointVector(t *testing.T) {
	msg, err := os.ReadFile("testdata/arche2025h1.checkpoint")
	if err != nil {
		t.Fatal(err)
	}
	logKey, err := NewLogVerifier(archeVkey)
	if err != nil {
		t.Fatal(err)
	}
	w, err := NewCosignatureVerifier(remoraVkey)
	if err != nil {
		t.Fatal(err)
	}
	o, err := Open(msg, logKey, w)
	if err != nil {
		t.Fatal(err)
	}
	if o.Checkpoint.Origin != "arche2025h1.staging.ct.transparency.dev" || o.Checkpoint.Size != 1432088532 {
		t.Errorf("checkpoint %+v", o.Checkpoint)
	}
	if len(o.Verified) != 2 || len(o.Others) != 4 {
		t.Errorf("verified %d, others %d; want 2 and 4", len(o.Verified), len(o.Others))
	}
	if !bytes.Equal(o.Checkpoint.Marshal(), o.Text) {
		t.Error("checkpoint does not re-marshal to its text")
	}
	var remora SigLine
	for _, s := range o.Verified {
		if s.Name == "remora.n621.de" {
			remora = s
		}
	}
	ts, err := CosignatureTime(remora.Base64)
	if err != nil || ts.Before(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("cosignature time %v, %v", ts, err)
	}
	// x/mod's Open agrees with ours on both signatures.
	if n, err := note.Open(msg, note.VerifierList(logKey, w)); err != nil || len(n.Sigs) != 2 {
		t.Fatalf("note.Open: %v", err)
	}
	// The size clobbered: both signatures fail.
	bad := bytes.Replace(msg, []byte("1432088532"), []byte("42"), 1)
	for _, v := range []note.Verifier{logKey, w} {
		if _, err := Open(bad, v); err == nil {
			t.Errorf("%s: accepted a checkpoint with another size", v.Name())
		}
	}
	// Only the witness's key: one verified cosignature.
	if o, err := Open(msg, w); err != nil || len(o.Verified) != 1 {
		t.Errorf("witness only: %v", err)
	}
	// An unknown key: no known signature.
	_, other, _ := GenerateCosignerKey(nil, "example.com/w")
	ov, _ := NewCosignatureVerifier(other)
	if _, err := Open(msg, ov); err == nil || !strings.Contains(err.Error(), ErrNoKnownSignature.Error()) {
		t.Errorf("unknown key: %v", err)
	}
}
