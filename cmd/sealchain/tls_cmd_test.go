package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/smx509"

	"github.com/sealchain/sealchain/signer"
)

// TestCLIMTLS runs the binary with the API on HTTPS and [api] auth =
// "signed,mtls": init --tls-host, cert issue --tls client (unregistered
// before the node runs, and refused; registered after), evidence with and
// without the client certificate, and cert revoke of the registered one,
// after which it is refused; then cert issue --credential, a request signed
// with that credential, and its revocation.
func TestCLIMTLS(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildCLI(t)
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	api := freeAddr(t)
	if out, code := run(t, bin, "init", "--home", home, "--chain-id", "cli-mtls", "--org", "court-1", "--role", "court",
		"--api-listen", api, "--p2p-listen", "tcp://"+freeAddr(t), "--rpc-listen", "", "--tls-host", "127.0.0.1"); code != 0 {
		t.Fatalf("init: exit %d\n%s", code, out)
	}
	cfgPath := filepath.Join(home, "config", "sealchain.toml")
	cfg, _ := os.ReadFile(cfgPath)
	mtls := bytes.Replace(cfg, []byte(`auth = "open"`), []byte(`auth = "signed,mtls"`), 1)
	if bytes.Equal(mtls, cfg) || !bytes.Contains(cfg, []byte(`tls_cert_file = "keys/tls.crt"`)) {
		t.Fatalf("init --tls-host wrote:\n%s", cfg)
	}
	os.WriteFile(cfgPath, mtls, 0o644)

	crt, key := filepath.Join(dir, "court-api.crt"), filepath.Join(dir, "court-api.key")
	// Registering needs the node, which is not running yet: nothing is written.
	if out, code := run(t, bin, "cert", "issue", "--home", home, "--tls", "client", "--out", crt, "--node", "http://"+freeAddr(t), "--timeout", "2s"); code == 0 || !strings.Contains(out, "--register=false") {
		t.Fatalf("cert issue --tls client without a node: exit %d\n%s", code, out)
	}
	if _, err := os.Stat(key); !os.IsNotExist(err) {
		t.Fatalf("a failed registration left the key %s: %v", key, err)
	}
	if out, code := run(t, bin, "cert", "issue", "--home", home, "--tls", "client", "--out", crt, "--register=false"); code != 0 || !strings.Contains(out, "not registered on chain") {
		t.Fatalf("cert issue --tls client --register=false: exit %d\n%s", code, out)
	}
	if st, err := os.Stat(key); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("TLS key %s: %v %v, want mode 0600", key, st, err)
	}
	pemBytes, _ := os.ReadFile(crt)
	leaf, err := signer.ParseCertificatePEM(pemBytes)
	if err != nil {
		t.Fatal(err)
	}
	caPEM, _ := os.ReadFile(filepath.Join(home, "keys", "ca.crt"))
	ca, _ := signer.ParseCertificatePEM(caPEM)
	if _, err := signer.VerifyTLS(leaf, []*smx509.Certificate{ca}, time.Now(), signer.TLSClient); err != nil {
		t.Fatalf("issued client certificate: %v", err)
	}
	if out, code := run(t, bin, "cert", "issue", "--home", home, "--tls", "server", "--out", filepath.Join(dir, "s.crt")); code != 2 || !strings.Contains(out, "--tls-host") {
		t.Fatalf("--tls server without hosts: exit %d\n%s", code, out)
	}

	var logBuf bytes.Buffer
	node := exec.Command(bin, "start", "--home", home)
	node.Stdout, node.Stderr = &logBuf, &logBuf
	if err := node.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- node.Wait() }()
	t.Cleanup(func() {
		node.Process.Kill()
		<-done
	})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	url := "https://" + api
	genesis := filepath.Join(home, "config", "genesis.json")
	evidence := func(extra ...string) (string, int) {
		return run(t, bin, append([]string{"evidence", "--node", url, "--genesis", genesis, "--contract", "none", "--out", "-", "--timeout", "5s"}, extra...)...)
	}
	for {
		out, _ := evidence("--tls-cert", crt, "--tls-key", key)
		if strings.Contains(out, "unauthenticated") {
			// The node answers; the certificate was never recorded, and
			// every chain refuses unrecorded credentials.
			if !strings.Contains(out, "not registered on chain") {
				t.Fatalf("unregistered TLS certificate: %s", out)
			}
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("no answer: %s\nnode log:\n%s", out, logBuf.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	if out, code := run(t, bin, "status", "--node", url, "--genesis", genesis); code != 0 || !strings.Contains(out, `"chain_id": "cli-mtls"`) {
		t.Fatalf("status over HTTPS: exit %d\n%s", code, out)
	}
	if out, code := evidence(); code == 0 || !strings.Contains(out, "unauthenticated (HTTP 401)") {
		t.Fatalf("without a client certificate: exit %d\n%s", code, out)
	}
	if out, code := run(t, bin, "evidence", "--node", "https://localhost:"+strings.Split(api, ":")[1], "--genesis", genesis,
		"--contract", "none", "--tls-cert", crt, "--tls-key", key, "--timeout", "5s"); code == 0 || !strings.Contains(out, "node TLS certificate") {
		t.Fatalf("a host the node's certificate does not name: exit %d\n%s", code, out)
	}

	// A registered client certificate works until the org revokes it on chain.
	crt2, key2 := filepath.Join(dir, "court-api-2.crt"), filepath.Join(dir, "court-api-2.key")
	if out, code := run(t, bin, "cert", "issue", "--home", home, "--tls", "client", "--out", crt2, "--node", url); code != 0 || !strings.Contains(out, "cert issued: committed") {
		t.Fatalf("cert issue --tls client (registered): exit %d\n%s", code, out)
	}
	if out, code := evidence("--tls-cert", crt2, "--tls-key", key2); !strings.Contains(out, "not_found") {
		t.Fatalf("registered TLS certificate: exit %d\n%s", code, out)
	}
	if out, code := run(t, bin, "cert", "revoke", "--home", home, "--cert", crt2, "--reason", "1", "--node", url); code != 0 || !strings.Contains(out, "cert revoked: committed") {
		t.Fatalf("cert revoke of a TLS certificate: exit %d\n%s", code, out)
	}
	if out, code := evidence("--tls-cert", crt2, "--tls-key", key2); code == 0 || !strings.Contains(out, "was revoked at") {
		t.Fatalf("revoked TLS certificate: exit %d\n%s", code, out)
	}
	// An API credential: issued and recorded with --credential, it signs
	// requests from a home of its own until it is revoked.
	apiKey := filepath.Join(dir, "api")
	if out, code := run(t, bin, "keys", "new", "--out", apiKey); code != 0 {
		t.Fatalf("keys new: exit %d\n%s", code, out)
	}
	if out, code := run(t, bin, "cert", "issue", "--home", home, "--credential", "--register=false", "--pubkey", apiKey+".pub",
		"--out", filepath.Join(dir, "unrecorded.crt")); code != 0 || !strings.Contains(out, "not recorded on chain") {
		t.Fatalf("cert issue --credential --register=false: exit %d\n%s", code, out)
	}
	home2 := filepath.Join(dir, "home2")
	os.MkdirAll(filepath.Join(home2, "keys"), 0o700)
	credCrt := filepath.Join(home2, "keys", "submitter.crt")
	if out, code := run(t, bin, "cert", "issue", "--home", home, "--credential", "--pubkey", apiKey+".pub", "--out", credCrt, "--node", url); code != 0 || !strings.Contains(out, "cert issued: committed") {
		t.Fatalf("cert issue --credential: exit %d\n%s", code, out)
	}
	keyBytes, _ := os.ReadFile(apiKey + ".key")
	os.WriteFile(filepath.Join(home2, "keys", "submitter.key"), keyBytes, 0o600)
	if out, code := evidence("--home", home2); !strings.Contains(out, "not_found") {
		t.Fatalf("signed with the recorded credential: exit %d\n%s", code, out)
	}
	if out, code := run(t, bin, "cert", "revoke", "--home", home, "--cert", credCrt, "--reason", "1", "--node", url); code != 0 || !strings.Contains(out, "cert revoked: committed") {
		t.Fatalf("cert revoke of a credential: exit %d\n%s", code, out)
	}
	if out, code := evidence("--home", home2); code == 0 || !strings.Contains(out, "was revoked at") {
		t.Fatalf("signed with the revoked credential: exit %d\n%s", code, out)
	}
	if !strings.Contains(logBuf.String(), "API on https://") {
		t.Errorf("start does not announce HTTPS:\n%s", logBuf.String())
	}
}
