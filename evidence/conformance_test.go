package evidence_test

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/sealchain/sealchain/evidence"
)

// conformanceDir holds the vectors (docs/conformance.md); regenerate them
// with `go run ./internal/conformance/gen` from the repository root.
const conformanceDir = "../testdata/conformance"

// conformanceExpect is expect.json, read as another verifier would.
type conformanceExpect struct {
	Description string `json:"description"`
	Valid       bool   `json:"valid"`
	FailedCheck string `json:"failed_check"`
	TrustedLog  *struct {
		Size uint64 `json:"size"`
		Root string `json:"root"`
	} `json:"trusted_log"`
}

// TestConformanceVectors runs this verifier against every vector: a valid
// one must verify, an invalid one must fail its named check.
func TestConformanceVectors(t *testing.T) {
	dirs, err := os.ReadDir(conformanceDir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range dirs {
		if d.IsDir() {
			names = append(names, d.Name())
		}
	}
	for _, want := range []string{"valid-single-record", "valid-multi-record", "bad-leaf-hash", "bad-inclusion-proof",
		"wrong-app-hash", "commit-insufficient-power", "wrong-genesis", "subject-mismatch", "missing-contract-created",
		"unregistered-intent-verifier", "revoked-cert-use", "tampered-signature", "tampered-record-body", "consistency-mismatch"} {
		if !slices.Contains(names, want) {
			t.Errorf("no vector %s", want)
		}
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(conformanceDir, name)
			read := func(f string) []byte {
				b, err := os.ReadFile(filepath.Join(dir, f))
				if err != nil && !(f == "file" && errors.Is(err, os.ErrNotExist)) {
					t.Fatal(err)
				}
				return b
			}
			var ex conformanceExpect
			if err := json.Unmarshal(read("expect.json"), &ex); err != nil {
				t.Fatalf("expect.json: %v", err)
			}
			if ex.Valid == (ex.FailedCheck != "") {
				t.Fatalf("expect.json: valid %v with failed_check %q", ex.Valid, ex.FailedCheck)
			}
			trust, err := evidence.ParseTrust(read("genesis.json"))
			if err != nil {
				t.Fatalf("genesis.json: %v", err)
			}
			var opts []evidence.VerifierOption
			if tl := ex.TrustedLog; tl != nil {
				root, err := hex.DecodeString(tl.Root)
				if err != nil {
					t.Fatal(err)
				}
				opts = append(opts, evidence.WithTrustedLog(tl.Size, root))
			}
			v, err := evidence.NewVerifier(trust, opts...)
			if err != nil {
				t.Fatal(err)
			}
			var failed []string
			b, err := evidence.DecodeBundle(read("bundle.json"))
			if err != nil {
				failed = []string{"format"}
			} else {
				failed = v.Verify(b, read("file")).Failed()
			}
			t.Logf("failed: %v", failed)
			switch {
			case ex.Valid && len(failed) > 0:
				t.Fatalf("%s: want valid, failed %v", ex.Description, failed)
			case !ex.Valid && !slices.Contains(failed, ex.FailedCheck):
				t.Fatalf("%s: want %s to fail, failed %v", ex.Description, ex.FailedCheck, failed)
			}
		})
	}
}
