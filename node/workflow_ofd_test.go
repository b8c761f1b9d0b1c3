package node

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/evidence/report"
	"github.com/sealchain/sealchain/internal/nodetest"
	"github.com/sealchain/sealchain/signer/ofd"
	"github.com/sealchain/sealchain/signer/pdf"
	"github.com/sealchain/sealchain/workflow"
	"github.com/sealchain/sealchain/workflow/identity"
)

// sealchainBin is the sealchain binary for tests that run the CLI: the one
// named by $SEALCHAIN_BIN (make test-workflow-kill builds it), or else one
// built from this tree once per test binary.
var sealchainBin = sync.OnceValues(func() (string, error) {
	if p := os.Getenv(binEnv); p != "" {
		return p, nil
	}
	dir, err := os.MkdirTemp("", "sealchain-bin-")
	if err != nil {
		return "", err
	}
	out := filepath.Join(dir, "sealchain")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", out, "../cmd/sealchain")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/sealchain: %v\n%s", err, msg)
	}
	return out, nil
})

// TestWorkflowOFD signs an OFD contract end to end: the initiator uploads
// an OFD, places each party's seal, two people sign in turn through their
// links, and the signed OFD is downloaded. It verifies with `sealchain ofd
// verify` against the genesis organisations (two signatures, both
// TOTAL_PASSED), through POST /v1/ofd/verify (the last signer's signature
// found on chain), and with the evidence bundle (the final file is the one
// the last contract_signed names). Without an OFD renderer the signing
// page's picture route says so (501 render_unavailable); restarted with one
// (WithOFDRenderer), it serves the renderer's picture of the current file.
func TestWorkflowOFD(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a CometBFT node")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	n, c := newWFCoreNet(ctx, t)
	id, toks, final := signOFDContract(t, c)

	// sealchain ofd verify, trusting the genesis organisations' CAs.
	bin, err := sealchainBin()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), id+".ofd")
	if err := os.WriteFile(path, final.body, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.CommandContext(ctx, bin, "ofd", "verify", path, "--genesis", n.home.Genesis(), "--json").Output()
	if err != nil {
		t.Fatalf("sealchain ofd verify: %v\n%s", err, out)
	}
	var rep ofd.Report
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Indication != pdf.TotalPassed || len(rep.Signatures) != 2 {
		t.Fatalf("sealchain ofd verify: %s, %d signatures", rep.Indication, len(rep.Signatures))
	}
	for i, s := range rep.Signatures {
		if s.Indication != pdf.TotalPassed || s.Stamps == nil || s.Seal == nil {
			t.Errorf("signature %d: %s/%s stamps %v seal %v", i, s.Indication, s.SubIndication, s.Stamps, s.Seal)
		}
	}

	// POST /v1/ofd/verify finds the last signature on chain (the final
	// file is what its contract_signed names).
	status, _, body := itDo(ctx, t, http.MethodPost, n.base+"/v1/ofd/verify", "application/ofd", final.body)
	if status != http.StatusOK {
		t.Fatalf("POST /v1/ofd/verify: %d %s", status, body)
	}
	var api struct {
		Report  ofd.Report `json:"report"`
		OnChain []struct {
			Signature  int    `json:"signature"`
			ContractID string `json:"contract_id"`
		} `json:"on_chain"`
	}
	if err := json.Unmarshal(body, &api); err != nil {
		t.Fatal(err)
	}
	if api.Report.Indication != pdf.TotalPassed || len(api.OnChain) != 1 || api.OnChain[0].ContractID != id || api.OnChain[0].Signature != 1 {
		t.Fatalf("POST /v1/ofd/verify: %s on_chain %+v", api.Report.Indication, api.OnChain)
	}

	// The evidence bundle verifies with the final OFD as the file; each
	// contract_signed names the OFD after its signature.
	ev := c.call("GET", "/v1/wf/contracts/"+id+"/evidence", nil, "")
	b, err := evidence.DecodeBundle(ev.body)
	if err != nil {
		t.Fatalf("bundle: %v (%d %s)", err, ev.status, ev.body)
	}
	res := n.verifyAll(t, b, final.body)
	signed := 0
	for _, r := range res.Records {
		if r.Type == "contract_signed" {
			signed++
		}
	}
	if signed != 2 {
		t.Fatalf("bundle has %d contract_signed records, want 2", signed)
	}
	// Another file is not the document.
	other := bytes.Clone(final.body)
	other[len(other)/2] ^= 1
	if r := evidenceVerify(t, n, b, other); r.OK {
		t.Fatal("a changed OFD verified against the bundle")
	}

	// With a renderer (node.WithOFDRenderer), the signing view offers page
	// pictures and the route serves the renderer's PNG of the current file
	// with what it could not draw.
	var got struct {
		sum  [32]byte
		page int
		dpi  float64
	}
	n.opts = []Option{WithOFDRenderer(workflow.PageRendererFunc(func(_ context.Context, f []byte, page int, dpi float64) ([]byte, []string, error) {
		got.sum, got.page, got.dpi = sm3.Sum(f), page, dpi
		return fakeOFDPage(t), []string{"ImageObject JB2"}, nil
	}))}
	if err := n.node.Stop(); err != nil {
		t.Fatal(err)
	}
	n.start(ctx, t)
	c.base = n.base
	if v := c.must(http.StatusOK, "GET", "/v1/sign/"+toks[0], nil); v["page_pictures"] != true {
		t.Fatalf("page_pictures %v with a renderer", v["page_pictures"])
	}
	pic := c.call("GET", "/v1/sign/"+toks[0]+"/page/2", nil, "")
	if pic.status != http.StatusOK || pic.header.Get("Content-Type") != "image/png" || pic.header.Get("X-Sealchain-Unsupported") != "ImageObject JB2" {
		t.Fatalf("page picture: %d %s %q", pic.status, pic.header.Get("Content-Type"), pic.header.Get("X-Sealchain-Unsupported"))
	}
	if got.sum != sm3.Sum(final.body) || got.page != 2 || got.dpi != 150 {
		t.Errorf("renderer got page %d at %v dpi of %x", got.page, got.dpi, got.sum[:4])
	}
	if r := c.call("GET", "/v1/sign/"+toks[0]+"/page/0", nil, ""); r.status != http.StatusBadRequest {
		t.Errorf("page 0: %d %s", r.status, r.body)
	}

	// The node's evidence report on the contract draws the final OFD's
	// pages with the same renderer, and verifies offline.
	status, _, body = itDo(ctx, t, http.MethodPost, n.base+"/v1/reports", "application/json", []byte(`{"contract_id":"`+id+`"}`))
	if status != http.StatusAccepted {
		t.Fatalf("POST /v1/reports: %d %s", status, body)
	}
	var job map[string]any
	json.Unmarshal(body, &job)
	jobID, _ := job["id"].(string)
	nodetest.WaitFor(t, 60*time.Second, "the report job finishes", func() bool {
		_, _, b := itDo(ctx, t, http.MethodGet, n.base+"/v1/reports/"+jobID, "", nil)
		json.Unmarshal(b, &job)
		return job["status"] == "done" || job["status"] == "failed"
	})
	if job["status"] != "done" {
		t.Fatalf("report job: %v", job)
	}
	_, _, repPDF := itDo(ctx, t, http.MethodGet, n.base+"/v1/reports/"+jobID+"/pdf", "", nil)
	if !bytes.Contains(repPDF, []byte("/CP1 ")) || !bytes.Contains(repPDF, []byte("/CP2 ")) || got.sum != sm3.Sum(final.body) || got.dpi != 60 {
		t.Fatalf("the report does not draw both OFD pages (renderer got page %d at %v dpi)", got.page, got.dpi)
	}
	trust, err := evidence.LoadTrust(n.home.Genesis())
	if err != nil {
		t.Fatal(err)
	}
	if vr, err := report.Verify(repPDF, trust, time.Now().Add(time.Minute)); err != nil || !vr.OK {
		t.Fatalf("report verify: %v %+v", err, vr)
	}
}

func evidenceVerify(t *testing.T, n *itNet, b *evidence.Bundle, file []byte) *evidence.Result {
	t.Helper()
	trust, err := evidence.LoadTrust(n.home.Genesis())
	if err != nil {
		t.Fatal(err)
	}
	v, err := evidence.NewVerifier(trust)
	if err != nil {
		t.Fatal(err)
	}
	return v.Verify(b, file)
}

// signOFDContract uploads an OFD contract for two people, has both sign in
// turn through their links (checking the signing view, the picture route
// without a renderer and each signer's download) and returns the contract
// id, the links' tokens and the final download.
func signOFDContract(t *testing.T, c *wfCore) (string, []string, *wfAnswer) {
	t.Helper()
	zhang := c.person("张三", identity.DevPassIDNumber, identity.DevPassPhone)
	li := c.person("李四", identity.DevPassIDNumber2, "13800138001")

	doc, err := ofd.NewText("买卖合同", [][]string{{"买卖合同 sales contract", "甲方：张三", "乙方：李四"}, {"签署页", "甲方（签章）：", "乙方（签章）："}},
		time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	up := c.must(http.StatusCreated, "POST", "/v1/wf/files", doc)
	parties := []any{
		map[string]any{"identity_id": zhang, "role": "甲方", "area": map[string]any{"page": 2, "x": 60, "y": 90, "w": 110, "h": 110}},
		map[string]any{"identity_id": li, "role": "乙方", "area": map[string]any{"page": 2, "x": 300, "y": 90, "w": 110, "h": 110}},
	}
	// A seal placed on a page the OFD does not have is refused.
	beyond := map[string]any{"identity_id": zhang, "area": map[string]any{"page": 3, "x": 60, "y": 90, "w": 110, "h": 110}}
	if r := c.call("POST", "/v1/wf/contracts", map[string]any{"title": "买卖合同 OFD", "file_id": up["file_id"], "parties": []any{beyond}}, ""); r.status != http.StatusBadRequest || !strings.Contains(string(r.body), "the OFD has 2 pages") {
		t.Fatalf("area on page 3 of 2: %d %s", r.status, r.body)
	}
	// Neither PDF nor OFD: refused at upload.
	if r := c.call("POST", "/v1/wf/files", []byte("PK\x03\x04 not a zip"), ""); r.status != http.StatusBadRequest || !strings.Contains(string(r.body), "not a readable OFD") {
		t.Fatalf("upload of a broken zip: %d %s", r.status, r.body)
	}
	m := c.must(http.StatusCreated, "POST", "/v1/wf/contracts", map[string]any{"title": "买卖合同 OFD", "file_id": up["file_id"], "order": "sequential", "parties": parties})
	if m["format"] != "ofd" {
		t.Fatalf("contract format %v, want ofd", m["format"])
	}
	id := m["id"].(string)
	sent := c.must(http.StatusOK, "POST", "/v1/wf/contracts/"+id+"/send", map[string]any{})
	var toks []string
	for _, l := range sent["links"].([]any) {
		toks = append(toks, l.(map[string]any)["token"].(string))
	}

	// The signing page learns the format; this node has no renderer.
	v := c.must(http.StatusOK, "GET", "/v1/sign/"+toks[0], nil)
	if v["format"] != "ofd" || v["page_pictures"] != false {
		t.Fatalf("sign view: format %v page_pictures %v", v["format"], v["page_pictures"])
	}
	if r := c.call("GET", "/v1/sign/"+toks[0]+"/page/1", nil, ""); r.status != http.StatusNotImplemented || r.errCode() != "render_unavailable" {
		t.Fatalf("page picture without a renderer: %d %s", r.status, r.body)
	}

	for i, tok := range toks {
		res := c.sign(tok, id, i)
		if res["status"] != "signed" {
			t.Fatalf("party %d: %v", i, res)
		}
		// Each signer's download is the OFD after its signature.
		d := c.call("GET", "/v1/sign/"+tok+"/pdf", nil, "")
		if d.status != http.StatusOK || d.header.Get("Content-Type") != "application/ofd" {
			t.Fatalf("party %d download: %d %s", i, d.status, d.header.Get("Content-Type"))
		}
	}
	if m := c.settled(id); m["status"] != "completed" {
		t.Fatalf("workflow status %v", m["status"])
	}
	final := c.call("GET", "/v1/wf/contracts/"+id+"/pdf", nil, "")
	if final.status != http.StatusOK || final.header.Get("Content-Type") != "application/ofd" ||
		!strings.Contains(final.header.Get("Content-Disposition"), id+".ofd") {
		t.Fatalf("download: %d %s %s", final.status, final.header.Get("Content-Type"), final.header.Get("Content-Disposition"))
	}

	return id, toks, final
}
