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
	cmd := exec.CommandContext(ctx, "../examples/workflow.sh", n.base, string(n.home), out)
	cmd.Env = append(os.Environ(), "SEALCHAIN=") // no CLI: the test checks the bundle itself
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
	if st, err := os.Stat(filepath.Join(out, "signed.pdf")); err != nil || st.Size() == 0 {
		t.Fatalf("signed.pdf: %v", err)
	}
}
