package node

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestWebVerifyOFD gives the verification page an OFD contract signed by
// two people through the workflow of a real node: the page finds the file
// on chain (the last contract_signed names it), verifies the bundle, and
// verifies both electronic seals in the browser (sealchainVerifyOFD, the
// code of `sealchain ofd verify`) against the genesis organisations. The
// same OFD with one page changed is not on chain, and its seals fail,
// naming the page. Screenshots web-ofd-ok.png and web-ofd-changed.png.
func TestWebVerifyOFD(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a CometBFT node and a browser")
	}
	if _, err := os.Stat(webChromium); err != nil {
		if os.Getenv("CI") == "1" {
			t.Fatalf("CI=1 needs %s: %v", webChromium, err)
		}
		t.Skipf("no browser: %v", err)
	}
	ctx, mod := webTestContext(t, 90*time.Second)
	n, c := newWFCoreNet(ctx, t, mod)
	id, _, final := signOFDContract(t, c)
	c.settled(id)

	dir := t.TempDir()
	okPath, changedPath := filepath.Join(dir, "买卖合同.ofd"), filepath.Join(dir, "买卖合同-changed.ofd")
	if err := os.WriteFile(okPath, final.body, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(changedPath, rezipChanged(t, final.body, "Doc_0/Pages/Page_0/Content.xml", "甲方：张三", "甲方：王五"), 0o600); err != nil {
		t.Fatal(err)
	}

	b := newTestBrowser(ctx, t)
	b.run(t, "load", chromedp.Navigate(n.base+"/verify?lang=zh"), chromedp.WaitVisible(chromedp.CSS(`#engine[data-state="ready"]`)))
	b.run(t, "the signed OFD", chromedp.SetUploadFiles(chromedp.CSS(`#doc`), []string{okPath}),
		chromedp.WaitVisible(chromedp.CSS(`#verdict[data-verdict="ok"]`)), chromedp.WaitVisible(chromedp.CSS(`#ofd-card`)))
	if title, sub := b.text(t, "#verdict-title"), b.text(t, "#verdict-sub"); title != "验证通过" || !strings.Contains(sub, "OFD 电子签章：通过") {
		t.Errorf("verdict %q / %q", title, sub)
	}
	card := b.text(t, "#ofd-card")
	for _, want := range []string{"2 个签章", "TOTAL_PASSED", "张三", "李四"} {
		if !strings.Contains(card, want) {
			t.Errorf("OFD card lacks %q:\n%s", want, card)
		}
	}
	// The file is on chain: the last signer's contract_signed record names
	// this exact file, so its seal is checked at that block time; the first
	// signer's record names the file before the second seal, so the first
	// seal is checked at the time it claims. The page says which.
	if !strings.Contains(card, "有本文件存证记录的签章用记录所在区块的时间") || !strings.Contains(card, "区块时间 · 记录 #") || !strings.Contains(card, "签章声明的时间") {
		t.Errorf("OFD card does not say which times were used:\n%s", card)
	}
	if got := [2]int{b.count(t, `#ofd-sigs td[data-time-source="ses_time_info_claimed"]`), b.count(t, `#ofd-sigs td[data-time-source="block"]`)}; got != [2]int{1, 1} {
		t.Errorf("claimed and block times: %v, want one of each", got)
	}
	if b.count(t, `#ofd-sigs tbody tr:nth-child(2) td[data-time-source="block"]`) != 1 {
		t.Error("the second (last) seal is not the one checked at the block time")
	}
	b.shot(t, "web-ofd-ok.png")

	b.run(t, "the changed OFD", chromedp.Click(chromedp.CSS(`#reset`)), chromedp.SetUploadFiles(chromedp.CSS(`#doc`), []string{changedPath}),
		chromedp.WaitVisible(chromedp.CSS(`#verdict[data-verdict="bad"]`)), chromedp.WaitVisible(chromedp.CSS(`#ofd-card`)))
	if title := b.text(t, "#verdict-title"); title != "OFD 签章未通过验证（未上链）" {
		t.Errorf("changed OFD verdict %q", title)
	}
	if card := b.text(t, "#ofd-card"); !strings.Contains(card, "TOTAL_FAILED") || !strings.Contains(card, "/Doc_0/Pages/Page_0/Content.xml 在签章后被修改") {
		t.Errorf("changed OFD card:\n%s", card)
	}
	if n := b.count(t, `#ofd-sigs td[data-time-source="block"]`); n != 0 {
		t.Errorf("a changed file is not on chain, yet %d seals were checked at a block time", n)
	}
	b.shot(t, "web-ofd-changed.png")
}

// rezipChanged rewrites an OFD package with old replaced by repl in part.
func rezipChanged(t *testing.T, data []byte, part, old, repl string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	changed := false
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if f.Name == part {
			nb := bytes.Replace(b, []byte(old), []byte(repl), 1)
			changed = !bytes.Equal(nb, b)
			b = nb
		}
		w, err := zw.Create(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(b)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if !changed {
		t.Fatalf("%q not found in %s", old, part)
	}
	return buf.Bytes()
}
