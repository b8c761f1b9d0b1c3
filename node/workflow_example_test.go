package node

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sealchain/sealchain/evidence"
)

// TestWorkflowExampleScript runs examples/workflow.sh (curl + jq) against a
// node, as the README tells a reader to do against `make run`, and checks
// the bundle it saves.
func TestWorkflowExampleScript(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("examples/workflow.sh needs %s", tool)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	n, _ := newWFCoreNet(ctx, t)
	out := t.TempDir()
	// A stand-in CLI that records how the script calls it (building the
	// real one here would cost a cold build); the test verifies the files
	// itself below.
	fake := filepath.Join(t.TempDir(), "sealchain")
	argsFile := fake + ".args"
	if err := os.WriteFile(fake, []byte("#!/bin/sh\nprintf '%s\\n' \"$@\" >>'"+argsFile+"'\necho 'RESULT: VERIFIED: (stand-in)'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, "../examples/workflow.sh", n.base, string(n.home), out)
	cmd.Env = append(os.Environ(), "SEALCHAIN="+fake)
	b, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("examples/workflow.sh: %v\n%s", err, b)
	}
	if !strings.Contains(string(b), "DONE: contract") {
		t.Fatalf("the script did not finish:\n%s", b)
	}
	raw, err := os.ReadFile(filepath.Join(out, "bundle.json"))
	if err != nil {
		t.Fatal(err)
	}
	bundle, err := evidence.DecodeBundle(raw)
	if err != nil {
		t.Fatalf("bundle.json: %v", err)
	}
	count := map[string]int{}
	for _, rec := range bundle.Records {
		v, _, err := evidence.Describe(rec.Leaf)
		if err != nil {
			t.Fatal(err)
		}
		count[v.Type]++
	}
	if count["contract_signed"] != 2 || count["contract_completed"] != 1 {
		t.Fatalf("bundle records %v: want two contract_signed and a contract_completed\n%s", count, b)
	}
	signed, err := os.ReadFile(filepath.Join(out, "signed.pdf"))
	if err != nil || len(signed) == 0 {
		t.Fatalf("signed.pdf: %v", err)
	}
	// The script has the CLI verify the signed PDF against the bundle
	// (--file), once; and that file is one the records name.
	args, err := os.ReadFile(argsFile)
	if err != nil {
		t.Fatalf("the script did not run the CLI: %v\n%s", err, b)
	}
	want := strings.Join([]string{"verify", "--bundle", filepath.Join(out, "bundle.json"), "--file", filepath.Join(out, "signed.pdf"),
		"--genesis", filepath.Join(string(n.home), "config", "genesis.json")}, "\n") + "\n"
	if string(args) != want {
		t.Errorf("the script ran the CLI with\n%s\nwant\n%s", args, want)
	}
	if c := strings.Count(string(b), "RESULT:"); c != 1 {
		t.Errorf("the script printed RESULT %d times", c)
	}
	trust, err := evidence.LoadTrust(n.home.Genesis())
	if err != nil {
		t.Fatal(err)
	}
	v, err := evidence.NewVerifier(trust)
	if err != nil {
		t.Fatal(err)
	}
	if res := v.Verify(bundle, signed); !res.OK {
		t.Errorf("the bundle with signed.pdf does not verify: %v", res.Failed())
	}
}
