package node

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/sealchain/sealchain/internal/nodetest"
	"github.com/sealchain/sealchain/signer"
)

// TestWebVerifyIssuedDocument gives the verification page an issued
// document made by a real node (a 存证证明, POST /v1/reports type
// preservation): the page names the kind from the attached facts.json,
// verifies the attached bundle, fetches the issuance record by the
// document's SM3 and verifies it in the browser, and runs the verifier's
// document check (signature, printed facts). The same document with one
// byte changed has no issuance record: the page refuses it and says why.
// Screenshots web-doc-ok.png and web-doc-edited.png.
func TestWebVerifyIssuedDocument(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a CometBFT node and a browser")
	}
	if _, err := os.Stat(webChromium); err != nil {
		if os.Getenv("CI") == "1" {
			t.Fatalf("CI=1 needs %s: %v", webChromium, err)
		}
		t.Skipf("no browser: %v", err)
	}
	ctx, mod := webTestContext(t, 60*time.Second)
	n := newITNet(ctx, t, mod)

	alice, _ := n.registerSigner(ctx, t, signer.AlgSM2, "sc-doc-alice")
	bob, _ := n.registerSigner(ctx, t, signer.AlgSM2, "sc-doc-bob")
	const contract = "doc-contract-1"
	doc := []byte("%PDF-1.4\n% Sealchain issued document test: 买卖合同 / sales contract\n%%EOF\n")
	n.commit(ctx, t, n.build(t, contractBody(contract, doc, alice, bob), nil))
	n.signContract(ctx, t, contract, doc, alice, bob)

	// A 存证证明 from the node (POST /v1/reports type preservation), recorded
	// on chain by report_issued.
	status, _, body := itDo(ctx, t, http.MethodPost, n.base+"/v1/reports", "application/json",
		[]byte(`{"contract_id":"`+contract+`","type":"preservation"}`))
	if status != http.StatusAccepted {
		t.Fatalf("POST /v1/reports: %d %s", status, body)
	}
	var job struct{ ID, Status, Error string }
	json.Unmarshal(body, &job)
	nodetest.WaitFor(t, 30*time.Second, "the 存证证明", func() bool {
		_, _, b := itDo(ctx, t, http.MethodGet, n.base+"/v1/reports/"+job.ID, "", nil)
		json.Unmarshal(b, &job)
		return job.Status == "done" || job.Status == "failed"
	})
	if job.Status != "done" {
		t.Fatalf("report job %s: %s", job.Status, job.Error)
	}
	_, _, pdf := itDo(ctx, t, http.MethodGet, n.base+"/v1/reports/"+job.ID+"/pdf", "", nil)
	// One byte changed in the document's text stream area: its SM3 has no
	// issuance record and its signature no longer covers it.
	edited := bytes.Clone(pdf)
	edited[len(edited)/3] ^= 0x01
	dir := t.TempDir()
	okPath, editedPath := filepath.Join(dir, "存证证明.pdf"), filepath.Join(dir, "存证证明-edited.pdf")
	if err := os.WriteFile(okPath, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(editedPath, edited, 0o600); err != nil {
		t.Fatal(err)
	}

	b := newTestBrowser(ctx, t)
	b.run(t, "load", chromedp.Navigate(n.base+"/verify?lang=zh"), chromedp.WaitVisible(chromedp.CSS(`#engine[data-state="ready"]`)))
	b.run(t, "the document", chromedp.SetUploadFiles(chromedp.CSS(`#doc`), []string{okPath}),
		chromedp.WaitVisible(chromedp.CSS(`#verdict[data-verdict="ok"]`)), chromedp.WaitVisible(chromedp.CSS(`#document-card`)))
	if title := b.text(t, "#verdict-title"); title != "存证证明核验通过" {
		t.Errorf("verdict %q, want 存证证明核验通过", title)
	}
	card := b.text(t, "#document-card")
	for _, want := range []string{"存证证明", "存证编号", "SC", "链上出具记录", "文书签名", "印刷事实与证据包一致"} {
		if !strings.Contains(card, want) {
			t.Errorf("document card lacks %q:\n%s", want, card)
		}
	}
	b.shot(t, "web-doc-ok.png")

	b.run(t, "the edited document", chromedp.Click(chromedp.CSS(`#reset`)), chromedp.SetUploadFiles(chromedp.CSS(`#doc`), []string{editedPath}),
		chromedp.WaitVisible(chromedp.CSS(`#verdict[data-verdict="bad"]`)))
	if title, sub := b.text(t, "#verdict-title"), b.text(t, "#verdict-sub"); !strings.Contains(title, "未通过核验") || !strings.Contains(sub, "没有以该文书 SM3 登记的出具记录") {
		t.Errorf("edited document: %q / %q", title, sub)
	}
	b.shot(t, "web-doc-edited.png")
}
