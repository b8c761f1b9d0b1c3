package node

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/smx509"

	"github.com/sealchain/sealchain/config"
	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/signer"
	"github.com/sealchain/sealchain/signer/pdf"
	"github.com/sealchain/sealchain/workflow/identity"
)

// TestWorkflowPAdES signs a three-party contract through the workflow on
// a node with [pki] on (ECDSA organisation CA, so that outside validators
// can check it): each signature gains its time stamp once its
// contract_signed commits, and the completed PDF a DSS. The PDF verifies
// at B-LT from the embedded data alone with the validation time past every
// certificate's expiry, pdfsig reads it, and the contract's evidence bundle
// accepts it as the signed document. With PADES_OUT set the PDF and the CA
// certificate are written there (signer/pdf/interop/pyhanko-validate.sh).
func TestWorkflowPAdES(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	n, c := newWFCoreNetAlg(ctx, t, signer.AlgECDSAP256, func(cfg *config.Config) {
		cfg.PKI.Enable = true
		cfg.PKI.BaseURL = "http://" + cfg.API.Listen
	})
	zhang := c.person("张三", identity.DevPassIDNumber, identity.DevPassPhone)
	li := c.person("李四", identity.DevPassIDNumber2, "13800138001")
	acme := c.company("北京某某科技有限公司")
	id, toks := c.contract("sequential", nil, zhang, li, acme)
	for i, tok := range toks {
		c.sign(tok, id, i)
		c.settled(id) // the next party signs the stamped file
	}
	doc := c.call("GET", "/v1/wf/contracts/"+id+"/pdf", nil, "")
	if doc.status != http.StatusOK {
		t.Fatalf("GET pdf: %d", doc.status)
	}
	late := n.ca.Cert.NotAfter.Add(24 * time.Hour)
	rep, err := pdf.Verify(doc.body, pdf.VerifyOptions{Roots: []*smx509.Certificate{n.ca.Cert}, ValidationTime: late})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Signatures) != 3 || rep.Indication != pdf.TotalPassed {
		t.Fatalf("%d signatures, %s", len(rep.Signatures), rep.Indication)
	}
	for _, s := range rep.Signatures {
		t.Logf("signature %d: %s level %s, time %v from %s, revocation %+v", s.Index, s.Indication, s.Level, s.SigningTime, s.SigningTimeSource, s.Revocation)
		if s.Level != pdf.LevelBLT || s.SigningTimeSource != pdf.TimeFromTimeStamp {
			t.Errorf("signature %d: level %q, time from %s; want B-LT from its time stamp", s.Index, s.Level, s.SigningTimeSource)
		}
	}
	dir := t.TempDir()
	if out := os.Getenv("PADES_OUT"); out != "" {
		dir = out
	}
	file := filepath.Join(dir, "contract-blt.pdf")
	os.WriteFile(file, doc.body, 0o644)
	os.WriteFile(filepath.Join(dir, "ca.pem"), signer.EncodeCertificatePEM(n.ca.Cert.Raw), 0o644)
	if pdfsig, err := exec.LookPath("pdfsig"); err == nil {
		out, err := exec.CommandContext(ctx, pdfsig, file).CombinedOutput()
		t.Logf("$ pdfsig contract-blt.pdf\n%s", out)
		if err != nil || strings.Count(string(out), "Signature is Valid.") != 3 {
			t.Errorf("pdfsig: %v", err)
		}
	}

	info := c.call("GET", "/v1/wf/contracts/"+id, nil, "")
	var ci struct {
		DocSHA256 string `json:"doc_sha256"`
	}
	json.Unmarshal(info.body, &ci)
	checkBLTA(ctx, t, n, doc.body, os.Getenv("PADES_OUT"), ci.DocSHA256)

	ev := c.call("GET", "/v1/wf/contracts/"+id+"/evidence", nil, "")
	b, err := evidence.DecodeBundle(ev.body)
	if err != nil {
		t.Fatalf("decode bundle: %v", err)
	}
	trust, err := evidence.LoadTrust(n.home.Genesis())
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := evidence.NewVerifier(trust)
	if res := plain.Verify(b, doc.body); res.OK {
		t.Error("the B-LT file itself is named by a record: the DSS was not added")
	}
	v, _ := evidence.NewVerifier(trust, evidence.WithFileRevisions(pdf.RecordedRevisions))
	res := v.Verify(b, doc.body)
	for _, ch := range res.Checks {
		if ch.Name == "file" {
			t.Logf("file check: %v %s", ch.OK, ch.Detail)
		}
	}
	if !res.OK {
		t.Fatalf("bundle with the B-LT file: failed %v", res.Failed())
	}
}
