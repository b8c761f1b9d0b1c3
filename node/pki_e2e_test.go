package node

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/config"
	"github.com/sealchain/sealchain/internal/nodetest"
	"github.com/sealchain/sealchain/node/nodehome"
	"github.com/sealchain/sealchain/signer"
)

// TestPKIOpenSSL runs a single ECDSA node with [pki] on and has openssl
// ask it for time stamps (ts), certificate status (ocsp) and the CRL.
func TestPKIOpenSSL(t *testing.T) {
	ossl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not installed")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	home := t.TempDir()
	cfg := config.Default()
	cfg.API.Listen = itFreeHostPort(t)
	cfg.Consensus.P2PListen = nodetest.CometAddr(t)
	cfg.Consensus.RPCListen = nodetest.CometAddr(t)
	cfg.Consensus.BlockInterval = config.Duration{Duration: 100 * time.Millisecond}
	cfg.Log.Level = "error"
	cfg.PKI.Enable = true
	cfg.PKI.BaseURL = "http://" + cfg.API.Listen
	if _, err := nodehome.Init(nodehome.InitOptions{Home: home, ChainID: itChainID, OrgID: "platform", OrgName: "Platform Ltd",
		Role: chain.RolePlatform, Config: cfg, Alg: signer.AlgECDSAP256}); err != nil {
		t.Fatalf("Init: %v", err)
	}
	h := nodehome.Home(home)
	sub, err := client.LoadSubmitter(itChainID, "platform", h.SubmitterCert(), h.SubmitterKey())
	if err != nil {
		t.Fatal(err)
	}
	ca, err := signer.LoadCA(h.CACert(), h.CAKey())
	if err != nil {
		t.Fatal(err)
	}
	n := &itNet{home: h, sub: sub, ca: ca}
	n.start(ctx, t)

	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	run := func(stdin []byte, args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, ossl, args...)
		cmd.Stdin = bytes.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	caPEM := write("ca.pem", signer.EncodeCertificatePEM(ca.Cert.Raw))

	alice, aliceDER := n.registerSigner(ctx, t, signer.AlgECDSAP256, "alice")
	doc := []byte("%PDF-1.7 a contract\n")
	docFile := write("doc.pdf", doc)
	n.commit(ctx, t, n.build(t, contractBody("c-pki-1", doc, alice), nil))

	post := func(path, ctype string, body []byte) []byte {
		resp, err := http.Post(n.base+path, ctype, bytes.NewReader(body))
		if err != nil {
			t.Fatalf("POST %s: %v", path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("POST %s: %d %s", path, resp.StatusCode, b)
		}
		return b
	}

	// Time stamps: openssl ts -query | POST /v1/tsa; openssl ts -reply / -verify.
	for _, dg := range []string{"-sha256", "-sm3"} {
		tsq, err := exec.CommandContext(ctx, ossl, "ts", "-query", "-data", docFile, dg, "-cert").Output()
		if err != nil {
			t.Fatalf("ts -query: %v", err)
		}
		tsr := write("reply"+dg+".tsr", post("/v1/tsa", "application/timestamp-query", tsq))
		out, err := run(nil, "ts", "-reply", "-in", tsr, "-text")
		t.Logf("$ openssl ts -query -data doc.pdf %s -cert | POST /v1/tsa > reply.tsr\n$ openssl ts -reply -in reply.tsr -text\n%s", dg, out)
		if err != nil || !strings.Contains(out, "Status: Granted.") {
			t.Fatalf("ts -reply %s: %v", dg, err)
		}
		out, err = run(nil, "ts", "-verify", "-in", tsr, "-data", docFile, "-CAfile", caPEM)
		t.Logf("$ openssl ts -verify -in reply.tsr -data doc.pdf -CAfile ca.pem (%s)\n%s", dg, out)
		if dg == "-sha256" && (err != nil || !strings.Contains(out, "Verification: OK")) {
			t.Fatalf("openssl refused the ECDSA token: %v", err)
		}
	}
	tsq, _ := exec.CommandContext(ctx, ossl, "ts", "-query", "-data", caPEM, "-sha256").Output()
	rej := write("rejected.tsr", post("/v1/tsa", "application/timestamp-query", tsq))
	out, _ := run(nil, "ts", "-reply", "-in", rej, "-text")
	t.Logf("hash not on chain:\n%s", out)
	if !strings.Contains(out, "Status: Rejected.") {
		t.Fatalf("a hash not on chain was not rejected")
	}

	// OCSP before and after the revocation commits, and the CRL.
	alicePEM := write("alice.pem", signer.EncodeCertificatePEM(aliceDER))
	ocsp := func(want string) {
		t.Helper()
		out, err := run(nil, "ocsp", "-issuer", caPEM, "-cert", alicePEM, "-url", n.base+"/v1/ocsp/platform", "-CAfile", caPEM, "-resp_text")
		t.Logf("$ openssl ocsp -issuer ca.pem -cert alice.pem -url %s/v1/ocsp/platform -CAfile ca.pem -resp_text\n%s", n.base, out)
		if err != nil || !strings.Contains(out, "alice.pem: "+want) || !strings.Contains(out, "Response verify OK") {
			t.Fatalf("openssl ocsp: %v, want %s", err, want)
		}
	}
	crl := func() string {
		resp, err := http.Get(n.base + "/v1/crl/platform.crl")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		f := write("platform.crl", b)
		out, err := run(nil, "crl", "-inform", "DER", "-in", f, "-text", "-noout", "-CAfile", caPEM)
		t.Logf("$ openssl crl -inform DER -in platform.crl -text -noout -CAfile ca.pem\n%s", out)
		if err != nil || !strings.Contains(out, "verify OK") {
			t.Fatalf("openssl crl: %v", err)
		}
		return out
	}
	ocsp("good")
	crl()
	n.commit(ctx, t, n.build(t, &chain.CertRevoked{Cert: alice.Cert, Reason: chain.ReasonKeyCompromise}, nil))
	ocsp("revoked")
	if out := crl(); !strings.Contains(out, "Key Compromise") {
		t.Fatal("CRL does not list the revoked certificate")
	}
}
