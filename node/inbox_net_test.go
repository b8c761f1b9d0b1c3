package node

import (
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/emmansun/gmsm/sm3"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/config"
	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/internal/nodetest"
	"github.com/sealchain/sealchain/node/nodehome"
	"github.com/sealchain/sealchain/signer"
)

// TestWebInboxInstitution drives the notary office's inbox page on its own
// node, a full node of a testnet whose validator is the platform ([api]
// auth = open, so the node's organisation acts): the platform applies for
// notarisation; the notary's staff see the pending case, open it, are
// stopped by the page when they reject without a reason, accept, and
// issue the 公证书; the certificate is then dropped on the verification page
// of the platform's node, which names it and verifies it in the browser
// (signature, issuance record, attached bundle, printed facts).
// Screenshots inbox-notary-pending.png, inbox-notary-issued.png and
// web-notarial-ok.png.
func TestWebInboxInstitution(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two nodes and a browser")
	}
	if _, err := os.Stat(webChromium); err != nil {
		if os.Getenv("CI") == "1" {
			t.Fatalf("CI=1 needs %s: %v", webChromium, err)
		}
		t.Skipf("no browser: %v", err)
	}
	ctx, mod := webTestContext(t, 2*time.Minute)
	const chainID = "inbox-net"
	homes, err := nodehome.Testnet(nodehome.TestnetOptions{Out: t.TempDir(), ChainID: chainID, BasePort: freeBase(t, 2),
		BlockInterval: 50 * time.Millisecond, Validators: []string{"platform"}, Observers: []string{"notary"}})
	if err != nil {
		t.Fatal(err)
	}
	bases := map[string]string{}
	var platform *itNet
	var notary *Node
	for _, tn := range homes {
		cfg, err := config.Load(tn.Home)
		if err != nil {
			t.Fatal(err)
		}
		cfg.API.Auth = config.AuthOpen
		cfg.Log.Level = "error"
		cfg.Intent.DevOTP = tn.Org == "platform" // the dev OTP verifier signs the parties' intent
		mod(cfg)
		if err := cfg.Save(tn.Home); err != nil {
			t.Fatal(err)
		}
		bases[tn.Org] = "http://" + tn.API
		h := nodehome.Home(tn.Home)
		if tn.Org == "platform" {
			sub, err := client.LoadSubmitter(chainID, "platform", h.SubmitterCert(), h.SubmitterKey())
			if err != nil {
				t.Fatal(err)
			}
			ca, err := signer.LoadCA(h.CACert(), h.CAKey())
			if err != nil {
				t.Fatal(err)
			}
			platform = &itNet{home: h, sub: sub, ca: ca}
			platform.start(ctx, t)
			continue
		}
		n, err := New(tn.Home, apiContract(t), WithLogger(NewLogger(discard{}, config.Log{Level: "error", Format: "text"})))
		if err != nil {
			t.Fatal(err)
		}
		if err := n.Start(ctx); err != nil {
			t.Fatalf("notary: %v", err)
		}
		t.Cleanup(func() { n.Stop() })
		notary = n
	}

	alice, _ := platform.registerSigner(ctx, t, signer.AlgSM2, "sc-net-alice")
	bob, _ := platform.registerSigner(ctx, t, signer.AlgSM2, "sc-net-bob")
	const contract = "net-contract-1"
	doc := []byte("%PDF-1.4\n% Sealchain inbox test: 技术服务合同 / service agreement\n%%EOF\n")
	platform.commit(ctx, t, platform.build(t, contractBody(contract, doc, alice, bob), nil))
	platform.signContract(ctx, t, contract, doc, alice, bob)
	status, _, body := itDo(ctx, t, http.MethodPost, bases["platform"]+"/v1/notarizations", "application/json",
		[]byte(`{"contract_id":"`+contract+`","notary_org":"notary","scope":["contract","timeline"],"purpose":"litigation"}`))
	if status != http.StatusCreated {
		t.Fatalf("POST /v1/notarizations: %d %s", status, body)
	}
	var created struct{ Case struct{ ID string } }
	json.Unmarshal(body, &created)
	id := created.Case.ID
	nodetest.WaitFor(t, 30*time.Second, "the notary's node has the case", func() bool {
		cs, ok, _ := notary.Store().View().Case(id)
		return ok && cs.Status == chain.CasePending
	})

	b := newTestBrowser(ctx, t)
	b.run(t, "the notary's inbox", chromedp.Navigate(bases["notary"]+"/inbox?lang=zh"),
		chromedp.WaitVisible(chromedp.CSS(`#cases tr[data-case="`+id+`"]`)))
	b.shot(t, "inbox-notary-pending.png")
	b.run(t, "open", chromedp.Click(chromedp.CSS(`#cases tr[data-case="`+id+`"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`#decide-card`)))
	if f := b.text(t, "#case-facts"); !strings.Contains(f, "承办机构") || !strings.Contains(f, contract) || !strings.Contains(f, "区块 ") {
		t.Errorf("case facts: %s", f)
	}
	b.run(t, "reject without a reason", chromedp.Click(chromedp.CSS(`#reject`)),
		chromedp.WaitVisible(chromedp.CSS(`#error[data-code="reason_required"]`)))
	b.run(t, "accept", chromedp.Click(chromedp.CSS(`#accept`)),
		chromedp.WaitVisible(chromedp.CSS(`#case[data-status="accepted"]`)), chromedp.WaitVisible(chromedp.CSS(`#issue-card`)))
	b.run(t, "issue", chromedp.Click(chromedp.CSS(`#issue`)),
		chromedp.WaitVisible(chromedp.CSS(`#case[data-status="issued"]`)), chromedp.WaitVisible(chromedp.CSS(`#done`)))
	if d := b.text(t, "#done"); !strings.Contains(d, "已出具") {
		t.Errorf("issue message: %q", d)
	}
	if h := b.text(t, "#history"); !strings.Contains(h, "公证处决定 · 受理") || !strings.Contains(h, "出具公证书") {
		_, _, view := itDo(ctx, t, http.MethodGet, bases["notary"]+"/v1/cases/"+id, "", nil)
		t.Errorf("history: %s\nGET /v1/cases/%s: %s", h, id, view)
	}
	b.shot(t, "inbox-notary-issued.png")

	// The certificate, as the page's download button fetches it, dropped on
	// the platform's verification page.
	status, _, pdf := itDo(ctx, t, http.MethodGet, bases["notary"]+"/v1/cases/"+id+"/document.pdf", "", nil)
	if status != http.StatusOK {
		t.Fatalf("document.pdf: %d %s", status, pdf)
	}
	certPath := filepath.Join(t.TempDir(), "公证书.pdf")
	if err := os.WriteFile(certPath, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	nodetest.WaitFor(t, 30*time.Second, "the platform's node has the issue", func() bool {
		cs, ok, _ := platform.node.Store().View().Case(id)
		return ok && cs.Status == chain.CaseIssued
	})
	// The same check offline, in Go: the browser runs this code.
	docSM3 := sm3.Sum(pdf)
	st, _, raw := itDo(ctx, t, http.MethodGet, bases["platform"]+"/v1/evidence?doc_hash="+hex.EncodeToString(docSM3[:]), "", nil)
	if st != http.StatusOK {
		t.Fatalf("evidence of the certificate: %d %s", st, raw)
	}
	issuance, err := evidence.DecodeBundle(raw)
	if err != nil {
		t.Fatal(err)
	}
	if err := verifyIssued(pdf, judicialTrust(t, string(platform.home)), issuance); err != nil {
		t.Errorf("certificate offline: %v", err)
	}
	b.run(t, "verify the certificate", chromedp.Navigate(bases["platform"]+"/verify?lang=zh"),
		chromedp.WaitVisible(chromedp.CSS(`#engine[data-state="ready"]`)),
		chromedp.SetUploadFiles(chromedp.CSS(`#doc`), []string{certPath}),
		chromedp.WaitVisible(chromedp.CSS(`#verdict:is([data-verdict="ok"], [data-verdict="bad"])`)),
		chromedp.WaitVisible(chromedp.CSS(`#document-card`)))
	b.shot(t, "web-notarial-ok.png")
	if title := b.text(t, "#verdict-title"); title != "公证书核验通过" {
		t.Errorf("verdict %q, want 公证书核验通过; page: %s / %s", title, b.text(t, "#verdict-sub"), b.text(t, "#document-card"))
	}
}
