package node

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/config"
	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/internal/nodetest"
	"github.com/sealchain/sealchain/node/nodehome"
	"github.com/sealchain/sealchain/node/pki"
	"github.com/sealchain/sealchain/signer"
	"github.com/sealchain/sealchain/signer/pdf"
)

// TestPKIOpenSSL runs a single node with [pki] on and has openssl ask it
// for time stamps (ts), certificate status (ocsp) and the CRL. With an
// ECDSA org CA openssl must accept everything; with an SM2 one (the
// default) the test logs what openssl 3.0 does and checks only our side.
func TestPKIOpenSSL(t *testing.T) {
	ossl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not installed")
	}
	t.Run("ecdsa", func(t *testing.T) { testPKIOpenSSL(t, ossl, signer.AlgECDSAP256) })
	t.Run("sm2", func(t *testing.T) { testPKIOpenSSL(t, ossl, signer.AlgSM2) })
}

func testPKIOpenSSL(t *testing.T, ossl string, alg signer.Algorithm) {
	strict := alg == signer.AlgECDSAP256
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
		Role: chain.RolePlatform, Config: cfg, Alg: alg}); err != nil {
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

	alice, aliceDER := n.registerSigner(ctx, t, alg, "alice")
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
		if curl, err := exec.LookPath("curl"); err == nil {
			// The pipeline of RFC 3161 clients, as the docs show it.
			sh := ossl + " ts -query -data " + docFile + " " + dg + " -cert | " + curl +
				" -sS --fail --data-binary @- -H 'Content-Type: application/timestamp-query' " + n.base + "/v1/tsa -o " + tsr
			if out, err := exec.CommandContext(ctx, "sh", "-c", sh).CombinedOutput(); err != nil {
				t.Fatalf("%s: %v\n%s", sh, err, out)
			}
		}
		out, err := run(nil, "ts", "-reply", "-in", tsr, "-text")
		t.Logf("$ openssl ts -query -data doc.pdf %s -cert | POST /v1/tsa > reply.tsr\n$ openssl ts -reply -in reply.tsr -text\n%s", dg, out)
		if err != nil || !strings.Contains(out, "Status: Granted.") {
			t.Fatalf("ts -reply %s: %v", dg, err)
		}
		out, err = run(nil, "ts", "-verify", "-in", tsr, "-data", docFile, "-CAfile", caPEM)
		t.Logf("$ openssl ts -verify -in reply.tsr -data doc.pdf -CAfile ca.pem (%s)\n%s", dg, out)
		if strict && dg == "-sha256" && (err != nil || !strings.Contains(out, "Verification: OK")) {
			t.Fatalf("openssl refused the ECDSA token: %v", err)
		}
		raw, _ := os.ReadFile(tsr)
		token, err := pki.TokenOf(raw)
		if err != nil {
			t.Fatal(err)
		}
		requireTokenRecorded(ctx, t, n, token, doc)
	}
	tsq, _ := exec.CommandContext(ctx, ossl, "ts", "-query", "-data", caPEM, "-sha256").Output()
	rej := write("rejected.tsr", post("/v1/tsa", "application/timestamp-query", tsq))
	out, _ := run(nil, "ts", "-reply", "-in", rej, "-text")
	t.Logf("hash not on chain:\n%s", out)
	if !strings.Contains(out, "Status: Rejected.") {
		t.Fatalf("a hash not on chain was not rejected")
	}

	testPAdESFromNode(ctx, t, n, alice, aliceDER, dir)

	// OCSP before and after the revocation commits, and the CRL.
	alicePEM := write("alice.pem", signer.EncodeCertificatePEM(aliceDER))
	ocsp := func(want string) {
		t.Helper()
		out, err := run(nil, "ocsp", "-issuer", caPEM, "-cert", alicePEM, "-url", n.base+"/v1/ocsp/platform", "-CAfile", caPEM, "-resp_text")
		t.Logf("$ openssl ocsp -issuer ca.pem -cert alice.pem -url %s/v1/ocsp/platform -CAfile ca.pem -resp_text\n%s", n.base, out)
		if !strings.Contains(out, "alice.pem: "+want) || strict && (err != nil || !strings.Contains(out, "Response verify OK")) {
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
		if strict && (err != nil || !strings.Contains(out, "verify OK")) {
			t.Fatalf("openssl crl: %v", err)
		}
		return out
	}
	ocsp("good")
	crl()

	// The GET form, another org, a wrong media type.
	reqDER := write("ocsp.req", nil)
	if out, err := run(nil, "ocsp", "-issuer", caPEM, "-cert", alicePEM, "-no_nonce", "-reqout", reqDER); err != nil {
		t.Fatalf("ocsp -reqout: %v\n%s", err, out)
	}
	rq, _ := os.ReadFile(reqDER)
	get := func(path string) (int, []byte) {
		resp, err := http.Get(n.base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	code, body := get("/v1/ocsp/platform/" + url.PathEscape(base64.StdEncoding.EncodeToString(rq)))
	respFile := write("get.resp", body)
	out, err = run(nil, "ocsp", "-respin", respFile, "-issuer", caPEM, "-cert", alicePEM, "-CAfile", caPEM, "-no_nonce")
	if code != 200 || !strings.Contains(out, "alice.pem: good") {
		t.Fatalf("GET OCSP: %d %v\n%s", code, err, out)
	}
	if code, body := get("/v1/ocsp/court/" + url.PathEscape(base64.StdEncoding.EncodeToString(rq))); code != 200 || !bytes.Equal(body, []byte{0x30, 0x03, 0x0a, 0x01, 0x06}) {
		t.Fatalf("another org's OCSP: %d %x, want unauthorized", code, body)
	}
	if code, _ := get("/v1/crl/court.crl"); code != 404 {
		t.Fatalf("another org's CRL: %d", code)
	}
	if resp, err := http.Post(n.base+"/v1/tsa", "application/json", bytes.NewReader(tsq)); err != nil || resp.StatusCode != 415 {
		t.Fatalf("TSA with a wrong media type: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	n.commit(ctx, t, n.build(t, &chain.CertRevoked{Cert: alice.Cert, Reason: chain.ReasonKeyCompromise}, nil))
	ocsp("revoked")
	if out := crl(); !strings.Contains(out, "Key Compromise") {
		t.Fatal("CRL does not list the revoked certificate")
	}
}

// requireTokenRecorded waits for the timestamp_issued record of token
// (found by the token's SM3, as anyone holding a token finds it), and
// checks it names doc as the committed hash and verifies offline.
func requireTokenRecorded(ctx context.Context, t *testing.T, n *itNet, token, doc []byte) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ts := sm3.Sum(token)
		var recs []evidence.Record
		raw, err := n.c.Evidence(ctx, "doc_hash", hex.EncodeToString(ts[:]))
		b, derr := evidence.DecodeBundle(raw)
		if err == nil && derr == nil {
			recs = b.Records
		}
		for _, r := range recs {
			en, err := chain.DecodeEntry(r.Leaf)
			if err != nil {
				t.Fatal(err)
			}
			tx, err := chain.DecodeRecord(en.Tx)
			if err != nil {
				t.Fatal(err)
			}
			ti, ok := tx.Body.(*chain.TimestampIssued)
			if !ok {
				continue
			}
			d3, d2 := sm3.Sum(doc), sha256.Sum256(doc)
			if !bytes.Equal(ti.TokenSM3, ts[:]) || (!bytes.Equal(ti.CommittedHash, d3[:]) && !bytes.Equal(ti.CommittedHash, d2[:])) {
				t.Fatalf("timestamp_issued %+v does not name the token and the document", ti)
			}
			n.verifyAll(t, b, token)
			t.Logf("token SM3 %x recorded at log index %d, block time %s (genTime %s)", ts, r.Index, en.Time, time.Unix(0, ti.GenTime).UTC())
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no timestamp_issued record for the token after 20 s")
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// testPAdESFromNode makes a B-LT PDF with the node's services only: alice
// signs, a contract commits the signed file, POST /v1/tsa/signature stamps
// the signature value (B-T) and the node's OCSP and CRL routes fill the DSS
// (B-LT). Then, with the validation time past every certificate's expiry
// (injected, as sealchain pdf verify --at does), the file still verifies
// from the embedded data alone, while the same file without its time stamp
// does not; and pdfsig reads it.
func testPAdESFromNode(ctx context.Context, t *testing.T, n *itNet, alice *client.Actor, aliceDER []byte, dir string) {
	signed, err := pdf.Sign([]byte(ltvPDF), pdf.SignOptions{Key: alice.Key, Cert: aliceDER, Chain: [][]byte{n.ca.Cert.Raw}, Page: 1, Time: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	n.commit(ctx, t, n.build(t, contractBody("c-pades-1", signed, alice), nil))
	resp, err := http.Post(n.base+"/v1/tsa/signature", "application/pdf", bytes.NewReader(signed))
	if err != nil {
		t.Fatal(err)
	}
	reply, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	token, err := pki.TokenOf(reply)
	if err != nil {
		t.Fatalf("POST /v1/tsa/signature: %v", err)
	}
	bt, err := pdf.AddTimeStamp(ctx, signed, fixedToken(token))
	if err != nil {
		t.Fatal(err)
	}
	requireTokenRecorded(ctx, t, n, token, signed)
	blt, err := pdf.AddDSS(ctx, bt, &pki.HTTPValidationSource{BaseURL: n.base, Org: "platform", Issuer: n.ca.Cert})
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "blt.pdf"), blt, 0o600)
	late := n.ca.Cert.NotAfter.Add(24 * time.Hour) // after the CA, and so every certificate it issued
	opts := pdf.VerifyOptions{Roots: []*smx509.Certificate{n.ca.Cert}, ValidationTime: late}
	rep, err := pdf.Verify(blt, opts)
	if err != nil {
		t.Fatal(err)
	}
	sr := rep.Signatures[0]
	t.Logf("pdf verify at %s: %s %s level %s, time %v from %s, revocation %+v, notes %q", late.Format(time.RFC3339), sr.Indication, sr.SubIndication, sr.Level, sr.SigningTime, sr.SigningTimeSource, sr.Revocation, sr.Notes)
	if rep.Indication != pdf.TotalPassed || sr.Level != pdf.LevelBLT || sr.SigningTimeSource != pdf.TimeFromTimeStamp || sr.Revocation == nil || sr.Revocation.Revoked || sr.Revocation.Source != "dss_ocsp" {
		t.Fatalf("B-LT from the node after every expiry: %s/%s level %s", sr.Indication, sr.SubIndication, sr.Level)
	}
	rep, _ = pdf.Verify(signed, opts)
	if sr := rep.Signatures[0]; sr.Indication != pdf.Indeterminate || sr.SubIndication != pdf.OutOfBoundsNoPOE {
		t.Fatalf("B-B after every expiry: %s/%s, want INDETERMINATE/OUT_OF_BOUNDS_NO_POE", sr.Indication, sr.SubIndication)
	}
	if pdfsig, err := exec.LookPath("pdfsig"); err == nil {
		for _, f := range []struct {
			name string
			b    []byte
		}{{"bt.pdf", bt}, {"blt.pdf", blt}} {
			out, err := exec.CommandContext(ctx, pdfsig, writeFile(t, dir, f.name, f.b)).CombinedOutput()
			t.Logf("$ pdfsig %s\n%s", f.name, out)
			if err != nil || !strings.Contains(string(out), "Signature is Valid.") && alg(aliceDER) == signer.AlgECDSAP256 {
				t.Errorf("pdfsig %s: %v", f.name, err)
			}
		}
	}
}

func alg(der []byte) signer.Algorithm {
	c, err := smx509.ParseCertificate(der)
	if err != nil {
		return 0
	}
	a, _ := signer.PublicKeyAlgorithm(c.PublicKey)
	return a
}

func writeFile(t *testing.T, dir, name string, b []byte) string {
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// fixedToken is a pdf.TimeStamper answering with a token obtained before.
type fixedToken []byte

func (f fixedToken) TimeStamp(context.Context, asn1.ObjectIdentifier, []byte) ([]byte, error) {
	return f, nil
}

// ltvPDF is a one-page PDF with a classic cross-reference table.
const ltvPDF = "%PDF-1.7\n" +
	"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n" +
	"2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n" +
	"3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << >> >>\nendobj\n" +
	"xref\n0 4\n0000000000 65535 f\r\n0000000009 00000 n\r\n0000000058 00000 n\r\n0000000115 00000 n\r\n" +
	"trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n203\n%%EOF\n"
