package node

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/workflow/identity"
)

// batchContracts bulk-sends n parallel contracts between a and b and
// returns their ids.
func (c *wfCore) batchContracts(n int, a, b, title string) []string {
	c.t.Helper()
	var rows []map[string]any
	for i := range n {
		f := serviceFields()
		f["contract_no"] = fmt.Sprintf("BS-%s-%03d", title, i)
		rows = append(rows, map[string]any{"title": fmt.Sprintf("%s %d", title, i), "fields": f,
			"parties": map[string]any{"party_a": a, "party_b": b}})
	}
	job := c.must(http.StatusAccepted, "POST", "/v1/wf/bulk-sends", map[string]any{"template": "service_agreement", "order": "parallel", "rows": rows})
	id := job["id"].(string)
	for deadline := time.Now().Add(2 * time.Minute); job["status"] != "done"; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			c.t.Fatalf("bulk send %s: %v", id, job)
		}
		job = c.must(http.StatusOK, "GET", "/v1/wf/bulk-sends/"+id, nil)
	}
	var ids []string
	for _, x := range c.must(http.StatusOK, "GET", "/v1/wf/bulk-sends/"+id+"/rows?limit=1000", nil)["rows"].([]any) {
		r := x.(map[string]any)
		if r["status"] != "sent" {
			c.t.Fatalf("row %v", r)
		}
		ids = append(ids, r["contract_id"].(string))
	}
	return ids
}

// batchCode asks for the batch's code and reads it from the outbox.
func (c *wfCore) batchCode(tok, batch string) string {
	c.t.Helper()
	c.must(http.StatusOK, "POST", "/v1/batch-sign/"+tok+"/code", map[string]any{})
	return c.batchCodeFromOutbox(batch)
}

// TestBatchSignAPI: one party signs 50 contracts after one SMS code, on a
// real node. The batch link lists them (titles, counterparties); a wrong
// code signs nothing; the right one signs all 50, each with its own
// signature and contract_signed, after one batch_intent_verified naming
// the 50. Every contract's evidence bundle verifies offline, and a bundle
// whose signature leans on a batch intent that does not name its
// contract fails the intent check.
func TestBatchSignAPI(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("50 signatures on a real node (15 s): not under -short or the race detector")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	n, c := newWFCoreNet(ctx, t)
	zhang := c.person("张三", identity.DevPassIDNumber, identity.DevPassPhone)
	li := c.person("李四", identity.DevPassIDNumber2, "13800138001")
	acme := c.company("北京某某科技有限公司")
	ids := c.batchContracts(50, zhang, li, "批量")
	other := c.batchContracts(1, acme, zhang, "other") // li is no party of it
	lone := c.batchContracts(1, zhang, li, "lone")     // signed by its own batch of one

	// li is no party of other[0]: refused, naming it.
	r := c.call("POST", "/v1/wf/batch-signs", map[string]any{"identity_id": li, "contract_ids": append(slices.Clone(ids), other[0])}, "")
	if r.status != http.StatusBadRequest || !strings.Contains(string(r.body), "contract_ids[50]") {
		t.Fatalf("batch with a contract li is no party of: %d %s", r.status, r.body)
	}
	created := c.must(http.StatusCreated, "POST", "/v1/wf/batch-signs", map[string]any{"identity_id": li, "contract_ids": ids})
	batch := created["batch"].(map[string]any)["id"].(string)
	tok := created["link"].(map[string]any)["token"].(string)
	if u := created["link"].(map[string]any)["url"].(string); !strings.Contains(u, "/sign/batch/"+tok) {
		t.Fatalf("link %s", u)
	}
	view := c.must(http.StatusOK, "GET", "/v1/batch-sign/"+tok, nil)
	list := view["contracts"].([]any)
	if len(list) != 50 || view["display_name"] == "" {
		t.Fatalf("batch view: %d contracts, %v", len(list), view["display_name"])
	}
	for i, x := range list {
		it := x.(map[string]any)
		cp := it["counterparties"].([]any)
		if it["title"] != fmt.Sprintf("批量 %d", i) || len(cp) != 1 || !strings.HasPrefix(cp[0].(string), "张") || it["can_sign"] != true {
			t.Fatalf("batch item %d: %v", i, it)
		}
	}
	code := c.batchCode(tok, batch)
	wrong := fmt.Sprintf("%06d", (atoi(code)+1)%1_000_000)
	if r := c.call("POST", "/v1/batch-sign/"+tok+"/sign", map[string]any{"method": "sms", "code": wrong}, ""); r.status != http.StatusUnprocessableEntity || r.errCode() != "otp_mismatch" {
		t.Fatalf("wrong code: %d %s", r.status, r.body)
	}
	start := time.Now()
	res := c.must(http.StatusOK, "POST", "/v1/batch-sign/"+tok+"/sign", map[string]any{"method": "sms", "code": code})
	t.Logf("50 contracts signed in %v after one code", time.Since(start).Round(time.Millisecond))
	if res["signed"].(float64) != 50 || res["skipped"].(float64) != 0 {
		t.Fatalf("batch result %v", res)
	}
	if r := c.call("POST", "/v1/batch-sign/"+tok+"/sign", map[string]any{"method": "sms", "code": code}, ""); r.status != http.StatusGone {
		t.Fatalf("second use of the batch link: %d %s", r.status, r.body)
	}
	// The lone contract: a batch of one of its own.
	lb := c.must(http.StatusCreated, "POST", "/v1/wf/batch-signs", map[string]any{"identity_id": li, "contract_ids": lone})
	ltok := lb["link"].(map[string]any)["token"].(string)
	c.must(http.StatusOK, "POST", "/v1/batch-sign/"+ltok+"/sign", map[string]any{"method": "sms",
		"code": c.batchCode(ltok, lb["batch"].(map[string]any)["id"].(string))})

	start = time.Now()
	for _, id := range append(slices.Clone(ids), lone...) {
		m := c.settled(id)
		p := m["parties"].([]any)[1].(map[string]any)
		if p["status"] != "signed" || p["signed_sm3"] == "" {
			t.Fatalf("contract %s party 1: %v", id, p)
		}
	}
	t.Logf("51 contracts' records committed %v after the signatures", time.Since(start).Round(time.Millisecond))
	verifyStart := time.Now()
	bundles := map[string]*evidence.Bundle{}
	for _, id := range append(slices.Clone(ids), lone...) {
		doc := c.call("GET", "/v1/wf/contracts/"+id+"/pdf", nil, "")
		ev := c.call("GET", "/v1/wf/contracts/"+id+"/evidence", nil, "")
		b, err := evidence.DecodeBundle(ev.body)
		if err != nil {
			t.Fatalf("%s bundle: %v (%d %s)", id, err, ev.status, ev.body)
		}
		res := n.verifyAll(t, b, doc.body)
		// Its own records, and the batch intent (whose contract_id is the
		// set's first contract: the bundle carries that one's records too).
		types := map[string]int{}
		for _, r := range res.Records {
			if r.ContractID == id || r.Type == "batch_intent_verified" {
				types[r.Type]++
			}
		}
		if types["batch_intent_verified"] != 1 || types["intent_verified"] != 0 || types["contract_signed"] != 1 {
			t.Fatalf("%s bundle records %v", id, types)
		}
		bundles[id] = b
	}
	t.Logf("51 bundles verified offline in %v", time.Since(verifyStart).Round(time.Millisecond))

	// The lone contract's bundle with the 50-contract batch intent in place
	// of its own: the intent check of its signature fails.
	a, z := bundles[ids[0]], bundles[lone[0]]
	if a.Checkpoint.LogSize != z.Checkpoint.LogSize {
		t.Skipf("bundles at log sizes %d and %d", a.Checkpoint.LogSize, z.Checkpoint.LogSize)
	}
	big, own := batchRecord(t, a), batchRecord(t, z)
	forged := *z
	forged.Records = slices.Clone(z.Records)
	forged.Records[own] = a.Records[big]
	slices.SortFunc(forged.Records, func(x, y evidence.Record) int { return int(x.Index) - int(y.Index) })
	trust, err := evidence.LoadTrust(n.home.Genesis())
	if err != nil {
		t.Fatal(err)
	}
	v, err := evidence.NewVerifier(trust)
	if err != nil {
		t.Fatal(err)
	}
	got := v.Verify(&forged, nil)
	failedIntent := false
	for _, ch := range got.Checks {
		if strings.HasSuffix(ch.Name, ".intent") && !ch.OK {
			failedIntent = true
			t.Logf("as expected: %s: %s", ch.Name, ch.Detail)
		}
	}
	if got.OK || !failedIntent {
		t.Fatalf("a signature whose batch intent does not name its contract passed the intent check (failed: %v)", got.Failed())
	}
}

// batchRecord is the position of the bundle's batch_intent_verified record.
func batchRecord(t *testing.T, b *evidence.Bundle) int {
	t.Helper()
	for i, r := range b.Records {
		en, err := chain.DecodeEntry(r.Leaf)
		if err != nil {
			t.Fatal(err)
		}
		tx, err := chain.DecodeRecord(en.Tx)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := tx.Body.(*chain.BatchIntentVerified); ok {
			return i
		}
	}
	t.Fatal("no batch_intent_verified record in the bundle")
	return -1
}

// TestBatchSignPage: the batch page in Chromium on a real node lists the
// contracts with their titles and counterparties before the signer
// confirms; one code signs them all.
func TestBatchSignPage(t *testing.T) {
	needChromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	n, c := newWFCoreNet(ctx, t)
	zhang := c.person("张三", identity.DevPassIDNumber, identity.DevPassPhone)
	acme := c.company("北京某某科技有限公司")
	ids := append(c.batchContracts(2, zhang, acme, "服务协议"), c.batchContracts(1, acme, zhang, "采购合同")...)
	created := c.must(http.StatusCreated, "POST", "/v1/wf/batch-signs", map[string]any{"identity_id": zhang, "contract_ids": ids})
	batch := created["batch"].(map[string]any)["id"].(string)
	tok := created["link"].(map[string]any)["token"].(string)

	b := newBrowser(ctx, t, shotDir(t, "batch-sign"), "zh-CN")
	b.step("open the batch link", chromedp.Navigate(n.base+"/sign/batch/"+tok), chromedp.WaitVisible(chromedp.CSS(`#b-list li`)))
	list := b.text("#b-list")
	for _, want := range []string{"服务协议 0", "服务协议 1", "采购合同 0", "北京*******司"} {
		if !strings.Contains(list, want) {
			t.Fatalf("the list lacks %q:\n%s", want, list)
		}
	}
	if got := b.text("#sign-all"); !strings.Contains(got, "3") {
		t.Fatalf("confirm button %q", got)
	}
	t.Logf("screenshot %s", b.shot("list"))
	b.step("ask a code", chromedp.Click(chromedp.CSS(`#get-code`)), chromedp.WaitVisible(chromedp.CSS(`#code-sent:not(:empty)`)))
	code := c.batchCodeFromOutbox(batch)
	b.step("sign all", chromedp.SendKeys(chromedp.CSS(`#code`), code), chromedp.Click(chromedp.CSS(`#sign-all`)),
		chromedp.WaitVisible(chromedp.CSS(`#result`)))
	if got := b.text("#r-title"); !strings.Contains(got, "3") {
		t.Fatalf("result %q", got)
	}
	t.Logf("screenshot %s", b.shot("signed"))
	for _, id := range ids {
		m := c.settled(id)
		for _, p := range m["parties"].([]any) {
			if p := p.(map[string]any); p["identity_id"] == zhang && p["status"] != "signed" {
				t.Fatalf("%s: zhang %v", id, p["status"])
			}
		}
	}
}

// batchCodeFromOutbox reads the newest code of a batch from the outbox.
func (c *wfCore) batchCodeFromOutbox(batch string) string {
	c.t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		m := c.must(http.StatusOK, "GET", "/v1/wf/outbox?channel=sms&limit=1000", nil)
		for _, x := range slices.Backward(m["messages"].([]any)) {
			msg := x.(map[string]any)
			if p, _ := msg["params"].(map[string]any); msg["template"] == "sms_code" && p["batch_id"] == batch {
				return p["code"].(string)
			}
		}
	}
	c.t.Fatalf("no code for batch %s in the outbox", batch)
	return ""
}
