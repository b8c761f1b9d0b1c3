package evidence_test

import (
	"bytes"
	"crypto/rand"
	"slices"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/evidence/witness"
)

// witnessFixture cosigns the fixture bundle's log (its checkpoint's size
// and root) by the log key and n witnesses, and returns the bundle
// carrying it and the witnesses' vkeys.
func witnessFixture(t *testing.T, n int) (*evidence.Bundle, []string) {
	t.Helper()
	b := loadBundle(t)
	skey, _, err := witness.GenerateLogKey(rand.Reader, "sealchain.example/"+b.ChainID)
	if err != nil {
		t.Fatal(err)
	}
	ls, err := witness.NewLogSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	text := witness.Checkpoint{Origin: "sealchain.example/" + b.ChainID, Size: b.Checkpoint.LogSize, Hash: b.Checkpoint.LogRoot}.Marshal()
	signers := []note.Signer{ls}
	var vkeys []string
	for i := range n {
		sk, vk, err := witness.GenerateCosignerKey(rand.Reader, "witness.example/w"+string(rune('a'+i)))
		if err != nil {
			t.Fatal(err)
		}
		c, err := witness.NewCosigner(sk)
		if err != nil {
			t.Fatal(err)
		}
		signers = append(signers, c)
		vkeys = append(vkeys, vk)
	}
	msg, err := note.Sign(&note.Note{Text: string(text)}, signers...)
	if err != nil {
		t.Fatal(err)
	}
	b.Witnessed = &evidence.Witnessed{Checkpoint: string(msg)}
	return b, vkeys
}

func verifyWith(t *testing.T, b *evidence.Bundle, opts ...evidence.VerifierOption) *evidence.Result {
	t.Helper()
	v, err := evidence.NewVerifier(loadTrust(t), opts...)
	if err != nil {
		t.Fatal(err)
	}
	// Through JSON, as a bundle reaches a verifier.
	raw, err := b.Encode()
	if err != nil {
		t.Fatal(err)
	}
	db, err := evidence.DecodeBundle(raw)
	if err != nil {
		t.Fatal(err)
	}
	return v.Verify(db, nil)
}

func checkNamed(res *evidence.Result, name string) *evidence.Check {
	for i := range res.Checks {
		if res.Checks[i].Name == name {
			return &res.Checks[i]
		}
	}
	return nil
}

func TestWitnessedBundle(t *testing.T) {
	b, vkeys := witnessFixture(t, 3)
	_, other, _ := witness.GenerateCosignerKey(rand.Reader, "witness.example/other")
	plain := loadBundle(t)

	for _, tc := range []struct {
		name     string
		b        *evidence.Bundle
		vkeys    []string
		min      int
		ok       bool
		failing  string
		detailIn string
	}{
		{"no flags, no witnessed: unchanged", plain, nil, 0, true, "", ""},
		{"no flags, witnessed: checked offline, not required", b, nil, 0, true, "", ""},
		{"3 of 3", b, vkeys, 3, true, "", "3 of 3 required witnesses"},
		{"2 of 3 keys", b, vkeys, 2, true, "", "3 of 2 required"},
		{"2 of the 3 keys, plus an unknown witness", b, append(slices.Clone(vkeys[:2]), other), 3, false, "witnesses", "2 of the given witnesses cosigned, 3 required"},
		{"only unknown witnesses", b, []string{other}, 1, false, "witnesses", "none of the 1 given witnesses"},
		{"required, bundle has none", plain, vkeys, 1, false, "witnesses", "no witnessed checkpoint"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var opts []evidence.VerifierOption
			if tc.min > 0 {
				opts = append(opts, evidence.WithWitnesses(tc.vkeys, tc.min))
			}
			res := verifyWith(t, tc.b, opts...)
			if res.OK != tc.ok {
				t.Fatalf("OK = %v, failed %v", res.OK, res.Failed())
			}
			if tc.failing != "" && !slices.Contains(res.Failed(), tc.failing) {
				t.Errorf("failed %v, want %s", res.Failed(), tc.failing)
			}
			if tc.detailIn != "" {
				c := checkNamed(res, "witnesses")
				if c == nil || !strings.Contains(c.Detail, tc.detailIn) {
					t.Errorf("witnesses check %+v, want detail with %q", c, tc.detailIn)
				}
			}
			if tc.b == plain && tc.min == 0 && (checkNamed(res, "witnessed") != nil || checkNamed(res, "witnesses") != nil) {
				t.Error("a bundle without witnesses gained witness checks")
			}
		})
	}
}

func TestWitnessedOptionErrors(t *testing.T) {
	_, vkeys := witnessFixture(t, 2)
	for _, tc := range []struct {
		name  string
		vkeys []string
		min   int
	}{
		{"min 0", vkeys, 0},
		{"min above keys", vkeys, 3},
		{"duplicate key", []string{vkeys[0], vkeys[0]}, 1},
		{"log key type", []string{"PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"}, 1},
		{"garbage", []string{"nope"}, 1},
	} {
		if _, err := evidence.NewVerifier(loadTrust(t), evidence.WithWitnesses(tc.vkeys, tc.min)); err == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
}

// TestWitnessedMutation: every byte of the witnessed note changed (to a
// few values) makes verification with all witnesses required fail; so
// does a wrong root, a proof where none belongs, and records past the
// witnessed size.
func TestWitnessedMutation(t *testing.T) {
	b, vkeys := witnessFixture(t, 2)
	v, err := evidence.NewVerifier(loadTrust(t), evidence.WithWitnesses(vkeys, 2))
	if err != nil {
		t.Fatal(err)
	}
	if res := v.Verify(b, nil); !res.OK {
		t.Fatalf("genuine: %v", res.Failed())
	}
	good := []byte(b.Witnessed.Checkpoint)
	// The lines after the log's signature: the two cosignatures.
	start := bytes.Index(good, []byte("— witness.example/"))
	// Each verification runs the whole bundle (about 25 ms): -short
	// flips every third byte. evidence/witness's TestCosignatureMutation
	// tries five values at every byte of a cosigned note.
	step := 1
	if testing.Short() {
		step = 3
	}
	n := 0
	for i := start; i < len(good); i += step {
		m := bytes.Clone(good)
		m[i] ^= 0x01
		b.Witnessed.Checkpoint = string(m)
		if res := v.Verify(b, nil); res.OK {
			t.Fatalf("byte %d %q: still verifies", i, good[i])
		}
		n++
	}
	t.Logf("%d mutations of the cosignature lines, all refused", n)
	// The checkpoint text: origin, size and root. (The log's own
	// signature line is not checked offline: the verifier holds no node
	// key, and the witnesses' cosignatures are what it trusts.)
	textEnd := bytes.Index(good, []byte("\n\n"))
	for i := 0; i < textEnd; i += step {
		m := bytes.Clone(good)
		m[i] ^= 0x01
		b.Witnessed.Checkpoint = string(m)
		if res := v.Verify(b, nil); res.OK {
			t.Fatalf("text byte %d: still verifies", i)
		}
	}
	b.Witnessed.Checkpoint = string(good)
	b.Witnessed.Consistency = [][]byte{make([]byte, 32)}
	if res := v.Verify(b, nil); res.OK || !slices.Contains(res.Failed(), "witnessed") {
		t.Errorf("stray proof: %v", res.Failed())
	}
}
