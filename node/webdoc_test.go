package node

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/emmansun/gmsm/sm3"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/signer"
)

// issuedDocPDF is a stand-in for an issued document: a PDF whose
// attachments are bundle.json and facts.json, laid out as evidence/report
// writes them (uncompressed embedded files with /Size). The page reads only
// these; the document's signature is not its to check.
func issuedDocPDF(bundle []byte, facts string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n")
	for i, att := range [][]byte{bundle, []byte(facts)} {
		fmt.Fprintf(&b, "%d 0 obj\n<< /Type /EmbeddedFile /Subtype /application#2Fjson /Params << /Size %d >> /Length %d >>\nstream\n", i+1, len(att), len(att))
		b.Write(att)
		b.WriteString("\nendstream\nendobj\n")
	}
	b.WriteString("trailer << >>\n%%EOF\n")
	return b.Bytes()
}

// TestWebVerifyIssuedDocument gives the verification page issued documents
// on a real node: it names the kind from the attached facts.json (存证证明
// here), verifies the attached bundle, and finds the issuance record by
// the document's SM3 on the node and verifies it in the browser with the
// PDF as the file. The same document edited by one byte has no issuance
// record: the page refuses it and says why. Screenshots web-doc-ok.png and
// web-doc-edited.png.
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
	bundle, _ := n.evidenceFor(ctx, t, doc)

	facts := `{"format":"sealchain-document-facts","version":1,"kind":"preservation_certificate","number":"CZ-2026-000001",` +
		`"issuer":{"id":"platform","name":"Platform Ltd"},"issued_at":"2026-03-02T01:00:00Z",` +
		`"preservation":{"no":"SC-P-0001-TEST","contract_id":"` + contract + `"}}`
	pdf := issuedDocPDF(bundle, facts)
	pdfSM3 := sm3.Sum(pdf)
	bundleSM3 := sm3.Sum(bundle)
	// The platform records the document's issuance as POST /v1/reports does.
	n.commit(ctx, t, n.build(t, &chain.ReportIssued{Contract: contract, ReportSM3: pdfSM3[:], BundleSM3: bundleSM3[:]}, nil))
	edited := bytes.Replace(pdf, []byte("CZ-2026-000001"), []byte("CZ-2026-000002"), 1)

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
	for _, want := range []string{"存证证明", "CZ-2026-000001", "SC-P-0001-TEST", "Platform Ltd", "链上出具记录", "sealchain verify --file"} {
		if !strings.Contains(card, want) {
			t.Errorf("document card lacks %q:\n%s", want, card)
		}
	}
	b.shot(t, "web-doc-ok.png")

	b.run(t, "the edited document", chromedp.Click(chromedp.CSS(`#reset`)), chromedp.SetUploadFiles(chromedp.CSS(`#doc`), []string{editedPath}),
		chromedp.WaitVisible(chromedp.CSS(`#verdict[data-verdict="bad"]`)))
	if title, sub := b.text(t, "#verdict-title"), b.text(t, "#verdict-sub"); title != "存证证明未通过核验" || !strings.Contains(sub, "没有以该文书 SM3 登记的出具记录") {
		t.Errorf("edited document: %q / %q", title, sub)
	}
	b.shot(t, "web-doc-edited.png")
}
