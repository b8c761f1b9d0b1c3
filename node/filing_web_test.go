package node

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/config"
	"github.com/sealchain/sealchain/node/nodehome"
)

// TestWebInboxFiled drives the inbox page of a court's node (a real
// testnet of court and platform, [api] auth = open) with filed cases: the
// litigation filter lists them, paged; a case opens with its contracts and
// package; docketing before the package is held is refused with the
// node's message; the page fetches the package from the filer's node
// (checked against the chain) and dockets the case with a docket number;
// another case is returned only with a reason.
func TestWebInboxFiled(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two CometBFT nodes and a browser")
	}
	if _, err := os.Stat(webChromium); err != nil {
		if os.Getenv("CI") == "1" {
			t.Fatalf("CI=1 needs %s: %v", webChromium, err)
		}
		t.Skipf("no browser: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	f := newFilingNet(ctx, t, "filing-web", config.AuthOpen, "court", "platform")
	platform, court := f.nodes["platform"], f.nodes["court"]
	loans := f.contracts(ctx, t, "loan", 120)
	b := batchOf(t, platform.home, "web", "court", "litigation", loans)
	res, err := platform.c.FileCases(ctx, b)
	if err != nil || len(res.Filed) != 120 {
		t.Fatalf("file: %+v %v", res, err)
	}
	last := b.Cases[119].CaseID
	for {
		if _, ok, _ := court.n.Store().View().Case(last); ok {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	base := "http://" + court.n.lis.Addr().String()

	br := newTestBrowser(ctx, t)
	br.run(t, "the court's inbox", chromedp.Navigate(base+"/inbox?lang=zh"), chromedp.WaitVisible(chromedp.CSS(`#cases tbody tr`)),
		chromedp.SetValue(chromedp.CSS(`#kind-filter`), "litigation"))
	if _, err := chromedp.Run(br.ctx, chromedp.Evaluate[bool](`document.getElementById('kind-filter').dispatchEvent(new Event('change'))`)); err != nil {
		t.Fatal(err)
	}
	br.run(t, "litigation filter", chromedp.WaitVisible(chromedp.CSS(`#more`)))
	if n := br.count(t, `#cases tbody tr`); n != 100 {
		t.Fatalf("first page: %d rows, want 100", n)
	}
	br.run(t, "next page", chromedp.Click(chromedp.CSS(`#more`)), chromedp.WaitNotVisible(chromedp.CSS(`#more`)))
	if n := br.count(t, `#cases tbody tr`); n != 120 {
		t.Fatalf("two pages: %d rows, want 120", n)
	}
	if list := br.text(t, "#cases"); !strings.Contains(list, "诉讼（起诉）") || !strings.Contains(list, "待受理") {
		t.Errorf("list: %.300s", list)
	}
	br.shot(t, "inbox-filed-list.png")

	id := b.Cases[119].CaseID // newest first: the first row
	br.run(t, "open the newest case", chromedp.Click(chromedp.CSS(`#cases tbody tr[data-case="`+id+`"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`#case[data-status="pending"]`)), chromedp.WaitVisible(chromedp.CSS(`#package-card`)))
	facts := br.text(t, "#case-facts")
	for _, want := range []string{loans[119], b.Cases[119].SM3, "web", "否"} {
		if !strings.Contains(facts, want) {
			t.Errorf("facts lack %q: %s", want, facts)
		}
	}
	br.run(t, "docket before the package", chromedp.Click(chromedp.CSS(`#accept`)), chromedp.WaitVisible(chromedp.CSS(`#error`)))
	if msg := br.text(t, "#error"); !strings.Contains(msg, "package_not_received") || !strings.Contains(msg, id) {
		t.Errorf("docket without the package: %q", msg)
	}
	br.run(t, "fetch the package", chromedp.Click(chromedp.CSS(`#fetch-package`)), chromedp.WaitVisible(chromedp.CSS(`#get-package`)),
		chromedp.WaitVisible(chromedp.CSS(`#done`)))
	if done := br.text(t, "#done"); !strings.Contains(done, b.Cases[119].SM3) {
		t.Errorf("fetch: %q", done)
	}
	br.shot(t, "inbox-filed-package.png")
	br.run(t, "docket", chromedp.SendKeys(chromedp.CSS(`#docket-number`), "(2026)京0491民初119号"), chromedp.Click(chromedp.CSS(`#accept`)),
		chromedp.WaitVisible(chromedp.CSS(`#case[data-status="accepted"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#history tr[data-type="case_docketed"]`)))
	if h := br.text(t, "#history"); !strings.Contains(h, "立案") || !strings.Contains(h, "(2026)京0491民初119号") {
		t.Errorf("history: %s", h)
	}
	br.shot(t, "inbox-filed-docketed.png")

	other := b.Cases[118].CaseID
	br.run(t, "open another", chromedp.SetValue(chromedp.CSS(`#open-id`), other), chromedp.Click(chromedp.CSS(`#open-form button`)),
		chromedp.WaitVisible(chromedp.CSS(`#case[data-case="`+other+`"][data-status="pending"]`)))
	br.run(t, "return without a reason", chromedp.Click(chromedp.CSS(`#reject`)), chromedp.WaitVisible(chromedp.CSS(`#error`)))
	br.run(t, "return", chromedp.SendKeys(chromedp.CSS(`#decide-reason`), "诉讼请求不明确"), chromedp.Click(chromedp.CSS(`#reject`)),
		chromedp.WaitVisible(chromedp.CSS(`#case[data-status="rejected"]`)))
	br.shot(t, "inbox-filed-returned.png")
	var cs *client.CaseDetail
	if cs, err = platform.c.CaseView(ctx, other); err != nil || cs.Case.Status != "rejected" || cs.Case.Reason != "诉讼请求不明确" {
		t.Fatalf("the filer's node: %+v %v", cs, err)
	}
	// The package the page downloads is the court's checked copy.
	z, err := court.c.Download(ctx, "/v1/cases/"+id+"/package", 1<<20, nil)
	want, _ := os.ReadFile(filepath.Join(nodehome.Home(platform.home).Path("data", "casepkg"), id+".zip"))
	if err != nil || string(z) != string(want) {
		t.Fatalf("court's copy: %v", err)
	}
}
