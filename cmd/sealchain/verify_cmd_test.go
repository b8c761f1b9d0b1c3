package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cometbft/cometbft/crypto/ed25519"
	cmtjson "github.com/cometbft/cometbft/libs/json"
	"github.com/cometbft/cometbft/types"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/internal/conformance"
)

// otherValidatorGenesis writes the evidence fixture's genesis with its
// validator key replaced: same chain and organisations, other validators.
func otherValidatorGenesis(t *testing.T, src string) string {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	var doc types.GenesisDoc
	if err := cmtjson.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	pub := ed25519.GenPrivKey().PubKey()
	doc.Validators[0].PubKey, doc.Validators[0].Address = pub, pub.Address()
	out, err := cmtjson.Marshal(&doc)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "genesis.json")
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestVerifyWrongGenesis: against a genesis whose validators did not sign
// the bundle, verify says so on its first line and shows no timeline.
func TestVerifyWrongGenesis(t *testing.T) {
	const testdata = "../../evidence/testdata"
	bundle := filepath.Join(testdata, "bundle.json")
	tests := []struct {
		name         string
		genesis      string
		wantExit     int
		wantFirst    string
		wantTimeline bool
	}{
		{"own genesis", filepath.Join(testdata, "genesis.json"), 0, "bundle ", true},
		{"other validators", otherValidatorGenesis(t, filepath.Join(testdata, "genesis.json")), 1, "NOT SIGNED BY THIS GENESIS", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := execute(t, "verify", "--bundle", bundle, "--genesis", tc.genesis)
			code := 0
			var ee *exitError
			if errors.As(err, &ee) {
				code = ee.code
			} else if err != nil {
				t.Fatalf("verify: %v", err)
			}
			if code != tc.wantExit {
				t.Errorf("exit %d, want %d\n%s", code, tc.wantExit, out)
			}
			if first, _, _ := strings.Cut(out, "\n"); !strings.HasPrefix(first, tc.wantFirst) {
				t.Errorf("first line %q, want it to start with %q", first, tc.wantFirst)
			}
			if got := strings.Contains(out, "timeline:"); got != tc.wantTimeline {
				t.Errorf("timeline shown = %v, want %v\n%s", got, tc.wantTimeline, out)
			}
		})
	}
}

// TestVerifyBatched: a bundle of batched records verifies, and the
// timeline shows each one's batch.
func TestVerifyBatched(t *testing.T) {
	genesis, b, err := conformance.BatchedContract("batched-cli-contract")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := b.Encode()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bundle, gen := filepath.Join(dir, "bundle.json"), filepath.Join(dir, "genesis.json")
	if err := os.WriteFile(bundle, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(gen, genesis, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := execute(t, "verify", "--bundle", bundle, "--genesis", gen)
	if err != nil {
		t.Fatalf("verify: %v\n%s", err, out)
	}
	for _, want := range []string{"VERIFIED", "batch: record 1 of 4, root ", "batch: record 4 of 4, root ", "envelope by platform credential ", "(a genesis credential)"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// A sibling hash of record 2's path altered: the record fails.
	tampered := bytes.Clone(raw)
	b2, _ := evidence.DecodeBundle(tampered)
	en, _ := chain.DecodeEntry(b2.Records[2].Leaf)
	tx, _ := chain.DecodeRecord(en.Tx)
	tx.Batched.Path[0][0] ^= 1
	en.Tx = tx.Encode()
	b2.Records[2].Leaf = en.Encode()
	if raw2, err := b2.Encode(); err == nil {
		_ = os.WriteFile(bundle, raw2, 0o644)
	}
	out, err = execute(t, "verify", "--bundle", bundle, "--genesis", gen)
	var ee *exitError
	_, result, _ := strings.Cut(out, "RESULT: FAILED")
	if !errors.As(err, &ee) || !strings.Contains(result, "record[2].signatures") {
		t.Errorf("tampered batch path: err %v\n%s", err, out)
	}
}
