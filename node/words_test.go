package node

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/internal/nodetest"
	"github.com/sealchain/sealchain/node/web"
	"github.com/sealchain/sealchain/signer"
)

// TestWords checks, on a real node, the words its pages and reports show a
// judge or a signer: the signing page's footer names the organisations that
// run this chain's validators (here the one genesis validator, "Platform
// Ltd"), not a fixed court/notary/arbitration list; an evidence report's QR
// code points to this node's own verification page unless the caller names
// another valid page.
func TestWords(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a CometBFT node")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	n := newITNet(ctx, t)

	for _, lang := range []string{"zh", "en"} {
		status, _, body := itDo(ctx, t, http.MethodGet, n.base+"/sign/sometoken?lang="+lang, "", nil)
		if status != http.StatusOK {
			t.Fatalf("GET /sign/…?lang=%s: %d", lang, status)
		}
		if want := `<span id="validator-orgs">Platform Ltd</span>`; !bytes.Contains(body, []byte(want)) {
			t.Errorf("signing page (%s) footer lacks %s: %s", lang, want, body[max(0, len(body)-400):])
		}
		for _, fixed := range []string{"法院、公证处", "a court, a notary"} {
			if bytes.Contains(body, []byte(fixed)) {
				t.Errorf("signing page (%s) still names a fixed list: %q", lang, fixed)
			}
		}
	}
	script := string(mustGet(ctx, t, n.base+"/web/sign/sign.js"))
	for _, fixed := range []string{"法院、公证处", "a court, a notary"} {
		if strings.Contains(script, fixed) {
			t.Errorf("sign.js still names a fixed list: %q", fixed)
		}
	}

	alice, _ := n.registerSigner(ctx, t, signer.AlgSM2, "sc-words-alice")
	bob, _ := n.registerSigner(ctx, t, signer.AlgSM2, "sc-words-bob")
	doc := []byte("%PDF-1.4 words contract")
	n.commit(ctx, t, n.build(t, contractBody("words-1", doc, alice, bob), nil))
	n.signContract(ctx, t, "words-1", doc, alice, bob)

	for _, bad := range []string{"verify", "javascript:alert(1)", "https://court.example.cn/v?x=1"} {
		body, _ := json.Marshal(map[string]string{"contract_id": "words-1", "verify_url": bad})
		status, _, resp := itDo(ctx, t, http.MethodPost, n.base+"/v1/reports", "application/json", body)
		if status != http.StatusBadRequest || !strings.Contains(string(resp), "verify_url") {
			t.Errorf("verify_url %q: %d %s, want 400 naming verify_url", bad, status, resp)
		}
	}
	status, _, body := itDo(ctx, t, http.MethodPost, n.base+"/v1/reports", "application/json", []byte(`{"contract_id":"words-1"}`))
	if status != http.StatusAccepted {
		t.Fatalf("POST /v1/reports: %d %s", status, body)
	}
	var st map[string]any
	json.Unmarshal(body, &st)
	wantURL := n.base + "/verify"
	if st["verify_url"] != wantURL {
		t.Errorf("report job verify_url %v, want this node's page %s", st["verify_url"], wantURL)
	}
	id, _ := st["id"].(string)
	nodetest.WaitFor(t, 60*time.Second, "the report job finishes", func() bool {
		_, _, b := itDo(ctx, t, http.MethodGet, n.base+"/v1/reports/"+id, "", nil)
		json.Unmarshal(b, &st)
		return st["status"] == "done" || st["status"] == "failed"
	})
	if st["status"] != "done" {
		t.Fatalf("report job: %v", st)
	}
	pdf := mustGet(ctx, t, n.base+"/v1/reports/"+id+"/pdf")
	// The URL is set in Courier, a simple font: it is in the content stream as is.
	if want := wantURL + "?bundle=" + st["bundle_sm3"].(string); !bytes.Contains(pdf, []byte(want)) {
		t.Errorf("the report does not print %s", want)
	}
	if bytes.Contains(pdf, []byte(".example/")) {
		t.Error("the report names an example domain")
	}
}

func mustGet(ctx context.Context, t *testing.T, url string) []byte {
	t.Helper()
	status, _, body := itDo(ctx, t, http.MethodGet, url, "", nil)
	if status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, status, body)
	}
	return body
}

// TestWebPageLabelsFromVerifier: the verification page names record types
// and checks from the WebAssembly verifier's table (sealchainLabels, the
// evidence.Labels the report prints), not from a list of its own that can
// miss a type, as contract_sent and contract_viewed once were missed.
func TestWebPageLabelsFromVerifier(t *testing.T) {
	js, err := web.Verify.ReadFile("app.js")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(js, []byte("sealchainLabels()")) {
		t.Error("app.js does not read the verifier's labels")
	}
	for typ := chain.Type(1); !strings.HasPrefix(typ.String(), "type("); typ++ {
		if bytes.Contains(js, []byte(typ.String()+": '")) {
			t.Errorf("app.js has its own label for %s", typ)
		}
	}
	for _, m := range []string{"sms_otp", "carrier_3factor", "agent_check"} {
		if bytes.Contains(js, []byte(m+": '")) {
			t.Errorf("app.js has its own label for method %s", m)
		}
	}
	main, err := os.ReadFile(filepath.Join("..", "cmd", "sealchain-wasm", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(main, []byte(`g.Set("sealchainLabels"`)) || !bytes.Contains(main, []byte("evidence.Labels()")) {
		t.Error("cmd/sealchain-wasm does not export evidence.Labels() as sealchainLabels")
	}
}
