package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cometbft/cometbft/crypto/ed25519"
	cmtjson "github.com/cometbft/cometbft/libs/json"
	"github.com/cometbft/cometbft/types"
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
