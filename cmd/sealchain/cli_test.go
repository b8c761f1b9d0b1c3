package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sealchain/sealchain/internal/testport"
)

// freeAddr returns a free 127.0.0.1 port.
func freeAddr(t *testing.T) string {
	t.Helper()
	a, err := testport.Free()
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func buildCLI(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "sealchain")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func run(t *testing.T, bin string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s %v: %v", bin, args, err)
	}
	return string(out), code
}

// TestCLI runs the real binary: init, start, the quickstart script against
// it, tampered evidence, bad config, and a clean SIGTERM shutdown.
func TestCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildCLI(t)
	home := filepath.Join(t.TempDir(), "home")
	api := freeAddr(t)
	initArgs := []string{"init", "--home", home, "--chain-id", "cli-test", "--api-listen", api,
		"--p2p-listen", "tcp://" + freeAddr(t), "--rpc-listen", "tcp://" + freeAddr(t)}
	if out, code := run(t, bin, initArgs...); code != 0 {
		t.Fatalf("init: exit %d\n%s", code, out)
	}
	if out, code := run(t, bin, initArgs...); code == 0 || !strings.Contains(out, "--force") {
		t.Fatalf("second init without --force: exit %d\n%s", code, out)
	}
	for _, p := range []string{"keys/ca.key", "keys/submitter.key", "config/priv_validator_key.json"} {
		st, err := os.Stat(filepath.Join(home, p))
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v err %v, want 0600", p, st.Mode().Perm(), err)
		}
	}

	// A bad config value stops start-up with an error naming the key.
	cfgPath := filepath.Join(home, "config", "sealchain.toml")
	good, _ := os.ReadFile(cfgPath)
	bad := bytes.Replace(good, []byte(`block_interval = "250ms"`), []byte(`block_interval = "0s"`), 1)
	if bytes.Equal(bad, good) {
		t.Fatal("test setup: block_interval line not found")
	}
	os.WriteFile(cfgPath, bad, 0o644)
	if out, code := run(t, bin, "start", "--home", home); code == 0 || !strings.Contains(out, "consensus.block_interval") {
		t.Fatalf("start with bad config: exit %d, output does not name the key:\n%s", code, out)
	}
	os.WriteFile(cfgPath, bytes.Replace(good, []byte(`block_interval = "250ms"`), []byte(`block_interval = "100ms"`), 1), 0o644)

	var logBuf bytes.Buffer
	node := exec.Command(bin, "start", "--home", home)
	node.Stdout, node.Stderr = &logBuf, &logBuf
	if err := node.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- node.Wait() }()
	t.Cleanup(func() {
		if node.ProcessState == nil {
			node.Process.Kill()
			<-done
		}
	})
	url := "http://" + api
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for {
		resp, err := http.Get(url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("node did not come up:\n%s", logBuf.String())
		case err := <-done:
			t.Fatalf("node exited: %v\n%s", err, logBuf.String())
		case <-time.After(100 * time.Millisecond):
		}
	}

	out := filepath.Join(t.TempDir(), "qs")
	qs := exec.CommandContext(ctx, "../../examples/quickstart.sh", url, out)
	qs.Env = append(os.Environ(), "SEALCHAIN="+bin, "SEALCHAIN_HOME="+home)
	if b, err := qs.CombinedOutput(); err != nil {
		t.Fatalf("quickstart: %v\n%s\nnode log:\n%s", err, b, logBuf.String())
	} else if !strings.Contains(string(b), "RESULT: VERIFIED") || strings.Count(string(b), "RESULT:") != 1 {
		t.Fatalf("quickstart output lacks the verified result, or prints RESULT more than once:\n%s", b)
	}
	for _, f := range []string{"bundle.json", "contract.pdf"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("quickstart left no %s: %v", f, err)
		}
	}

	// The signed PDF: its signatures are checked too, timed by the chain.
	if o, code := run(t, bin, "verify", "--bundle", filepath.Join(out, "bundle.json"), "--genesis", filepath.Join(out, "genesis.json"),
		"--file", filepath.Join(out, "contract-signed.pdf")); code != 0 || !strings.Contains(o, "PASS  pdf_signatures") || !strings.Contains(o, "2 timed by their contract_signed records") {
		t.Errorf("verify of the signed PDF: exit %d\n%s", code, o)
	}

	// Tampered evidence: verify exits 1 and names the failed check.
	bundle, _ := os.ReadFile(filepath.Join(out, "bundle.json"))
	tampered := filepath.Join(out, "tampered.json")
	os.WriteFile(tampered, bytes.Replace(bundle, []byte(`"log_size": `), []byte(`"log_size": 1`), 1), 0o644)
	if o, code := run(t, bin, "verify", "--bundle", tampered, "--genesis", filepath.Join(out, "genesis.json")); code != 1 || !strings.Contains(o, "FAIL  app_hash") {
		t.Errorf("verify of a tampered bundle: exit %d\n%s", code, o)
	}
	if o, code := run(t, bin, "verify", "--bundle", filepath.Join(out, "bundle.json"), "--genesis", filepath.Join(out, "genesis.json"), "--file", tampered); code != 1 || !strings.Contains(o, "FAIL  file") {
		t.Errorf("verify with the wrong file: exit %d\n%s", code, o)
	}

	// The bulk path: contracts from JSONL, in batches of 2 (so 3 batches
	// for 5), one refused by a state rule (its id is taken) while the
	// others commit; the command says which and exits non-zero.
	var jsonl strings.Builder
	for i := range 5 {
		id := fmt.Sprintf("bulk-%d", i)
		if i == 3 {
			id = "bulk-1"
		}
		fmt.Fprintf(&jsonl, `{"id": %q, "file": %q, "parties": [%q, %q], "order": "parallel"}`+"\n", id,
			filepath.Join(out, "contract.pdf"), filepath.Join(out, "alice.crt"), filepath.Join(out, "bob.crt"))
	}
	jsonlPath := filepath.Join(t.TempDir(), "contracts.jsonl")
	os.WriteFile(jsonlPath, []byte(jsonl.String()), 0o644)
	o, code := run(t, bin, "contract", "create-batch", "--node", url, "--home", home, "--from", jsonlPath, "--batch-size", "2")
	if code == 0 || strings.Count(o, ": committed at height") != 4 || !strings.Contains(o, "contract bulk-1: rejected, code 18") || strings.Count(o, "records at height") != 3 {
		t.Errorf("contract create-batch: exit %d\n%s", code, o)
	}

	// SIGTERM: clean shutdown, exit 0.
	node.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("node exit after SIGTERM: %v\n%s", err, logBuf.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("node did not stop within 20s of SIGTERM")
	}
	if !strings.Contains(logBuf.String(), "node stopped") {
		t.Errorf("log lacks 'node stopped':\n%s", logBuf.String())
	}
}
