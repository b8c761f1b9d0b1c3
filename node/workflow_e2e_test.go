package node

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/emmansun/gmsm/smx509"

	"github.com/sealchain/sealchain/config"
	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/signer/pdf"
)

// withWorkflow turns the workflow on with the development providers (dev
// SMS codes land in the outbox).
func withWorkflow(c *config.Config) {
	c.Workflow.Enabled = true
	c.Workflow.DevProviders = true
}

// wfClient calls the platform side of the workflow API with the node's
// bearer token and a fresh Idempotency-Key on every POST.
type wfClient struct {
	t     *testing.T
	ctx   context.Context
	base  string
	token string
}

func newWFClient(ctx context.Context, t *testing.T, n *itNet) *wfClient {
	t.Helper()
	tok, err := os.ReadFile(filepath.Join(string(n.home), "config", "workflow.token"))
	if err != nil {
		t.Fatalf("workflow token: %v", err)
	}
	return &wfClient{t: t, ctx: ctx, base: n.base, token: strings.TrimSpace(string(tok))}
}

// do sends a request and returns the status and body.
func (c *wfClient) do(method, path, ctype string, body []byte) (int, []byte) {
	c.t.Helper()
	req, err := http.NewRequestWithContext(c.ctx, method, c.base+path, bytes.NewReader(body))
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	if strings.HasPrefix(path, "/v1/wf/") {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if method == http.MethodPost {
		k := make([]byte, 12)
		rand.Read(k)
		req.Header.Set("Idempotency-Key", "e2e-"+hex.EncodeToString(k))
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var out bytes.Buffer
	if _, err := out.ReadFrom(resp.Body); err != nil {
		c.t.Fatalf("%s %s: read: %v", method, path, err)
	}
	return resp.StatusCode, out.Bytes()
}

// json sends in as JSON (nil: no body), wants status and decodes into out.
func (c *wfClient) json(method, path string, in any, want int, out any) {
	c.t.Helper()
	var body []byte
	if in != nil {
		body, _ = json.Marshal(in)
	}
	status, got := c.do(method, path, "application/json", body)
	if status != want {
		c.t.Fatalf("%s %s: status %d, want %d: %s", method, path, status, want, got)
	}
	if out != nil {
		if err := json.Unmarshal(got, out); err != nil {
			c.t.Fatalf("%s %s: decode: %v\n%s", method, path, err, got)
		}
	}
}

// smsCode is the newest dev SMS code texted to phone. Messages reach the
// outbox from the workflow's own queue, so it waits up to 10 s for one.
func (c *wfClient) smsCode(phone string) string {
	c.t.Helper()
	// docs/workflow.md names the fields to/body/meta; workflow/notify's
	// Message has recipient_ref/template/params: read either.
	var box struct {
		Messages []struct {
			To           string            `json:"to"`
			RecipientRef string            `json:"recipient_ref"`
			Body         string            `json:"body"`
			Meta         map[string]string `json:"meta"`
			Params       map[string]string `json:"params"`
		} `json:"messages"`
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		c.json(http.MethodGet, "/v1/wf/outbox?channel=sms&limit=1000", nil, http.StatusOK, &box)
		for i := len(box.Messages) - 1; i >= 0; i-- {
			m := box.Messages[i]
			if m.To != phone && m.RecipientRef != phone {
				continue
			}
			if code := m.Meta["code"] + m.Params["code"]; len(code) == 6 {
				return code
			}
			if code := regexp.MustCompile(`验证码\D*(\d{6})`).FindStringSubmatch(m.Body); code != nil {
				return code[1]
			}
		}
	}
	c.t.Fatalf("no SMS code for %s in the outbox: %+v", phone, box.Messages)
	return ""
}

// contractCode waits for the dev SMS code sent for party of contract (the
// same phone may have older codes of other contracts in the outbox).
func (c *wfClient) contractCode(contract string, party int) string {
	c.t.Helper()
	var box struct {
		Messages []struct {
			Params map[string]string `json:"params"`
		} `json:"messages"`
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		c.json(http.MethodGet, "/v1/wf/outbox?channel=sms&limit=1000", nil, http.StatusOK, &box)
		for i := len(box.Messages) - 1; i >= 0; i-- {
			p := box.Messages[i].Params
			if p["contract_id"] == contract && p["party"] == strconv.Itoa(party) && len(p["code"]) == 6 {
				return p["code"]
			}
		}
	}
	c.t.Fatalf("no SMS code for %s party %d in the outbox", contract, party)
	return ""
}

type wfContract struct {
	ID      string `json:"id"`
	Status  string `json:"status"`
	Parties []struct {
		Status string `json:"status"`
	} `json:"parties"`
	Chain struct {
		Pending int `json:"pending"`
	} `json:"chain"`
}

// TestWorkflowSignInBrowser is the signing flow end to end on a real
// single-node network: two verified people, a sequential contract sent
// through the platform API, party B turned away before party A signed, then
// A and B each open their link in headless Chromium, read the contract, ask
// for the SMS code (read from the dev outbox), enter it and sign. Afterwards
// the contract's evidence bundle verifies offline with the created, sent,
// viewed, intent, signed ×2 and completed records, and the signed PDF the
// page offers verifies with two signatures by the platform CA's certificates.
// Screenshots of every step go to testdata/screenshots/workflow when
// SEALCHAIN_SCREENSHOTS is set.
func TestWorkflowSignInBrowser(t *testing.T) {
	needChromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	start := time.Now()
	n := newITNet(ctx, t, withWorkflow)
	wf := newWFClient(ctx, t, n)

	// Two people, verified by the dev carrier three-factor provider.
	type identity struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	var alice, bob identity
	phones := []string{"13800000001", "13800000002"}
	for i, p := range []struct {
		who  *identity
		name string
		id   string
	}{{&alice, "张三", "110101199003077774"}, {&bob, "李四", "110101198001011232"}} {
		wf.json(http.MethodPost, "/v1/wf/identities", map[string]any{"kind": "person", "method": "carrier_3factor",
			"person": map[string]any{"name": p.name, "id_number": p.id, "phone": phones[i]}}, http.StatusCreated, p.who)
		if p.who.Status != "verified" {
			t.Fatalf("identity %s: status %q, want verified", p.name, p.who.Status)
		}
	}

	// The document, a sequential contract, sent.
	doc := onePagePDF("Lease agreement 2026-001: tenant Zhang San, landlord Li Si, rent 5000 per month")
	status, body := wf.do(http.MethodPost, "/v1/wf/files", "application/pdf", doc)
	if status != http.StatusCreated {
		t.Fatalf("POST /v1/wf/files: %d %s", status, body)
	}
	var file struct {
		FileID string `json:"file_id"`
	}
	json.Unmarshal(body, &file)
	// newContract creates and sends a contract between alice and bob and
	// returns its id and the two signing links (party 0, party 1).
	type signLink struct {
		Party int    `json:"party"`
		Token string `json:"token"`
		URL   string `json:"url"`
	}
	newContract := func(title, order string, deadline time.Time) (string, []signLink) {
		t.Helper()
		var c wfContract
		wf.json(http.MethodPost, "/v1/wf/contracts", map[string]any{
			"title": title, "file_id": file.FileID, "order": order,
			"deadline": deadline.UTC().Format(time.RFC3339),
			"parties": []any{
				map[string]any{"identity_id": alice.ID, "role": "甲方", "area": map[string]any{"page": 1, "x": 72, "y": 100, "w": 120, "h": 120}},
				map[string]any{"identity_id": bob.ID, "role": "乙方", "area": map[string]any{"page": 1, "x": 320, "y": 100, "w": 120, "h": 120}},
			}}, http.StatusCreated, &c)
		var sent struct {
			Links []signLink `json:"links"`
		}
		wf.json(http.MethodPost, "/v1/wf/contracts/"+c.ID+"/send", map[string]any{}, http.StatusOK, &sent)
		if len(sent.Links) != 2 || sent.Links[0].Party != 0 || sent.Links[1].Party != 1 {
			t.Fatalf("send %s: links %+v, want parties 0 and 1", c.ID, sent.Links)
		}
		for i, l := range sent.Links {
			if !strings.HasPrefix(l.URL, n.base+"/sign/") {
				t.Fatalf("link %d is %q, want %s/sign/<token>", i, l.URL, n.base)
			}
		}
		return c.ID, sent.Links
	}
	// settled waits until the contract has status want and nothing queued for the chain.
	settled := func(id, want string) {
		t.Helper()
		var c wfContract
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(200 * time.Millisecond) {
			wf.json(http.MethodGet, "/v1/wf/contracts/"+id, nil, http.StatusOK, &c)
			if c.Status == want && c.Chain.Pending == 0 {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("contract %s: status %s, %d records pending; want %s, none pending", id, c.Status, c.Chain.Pending, want)
			}
		}
	}
	month := time.Now().Add(30 * 24 * time.Hour)
	contractID, links := newContract("房屋租赁合同 2026-001", "sequential", month)
	// One that runs out while the others are signed.
	soon := time.Now().Add(4 * time.Second)
	expiringID, links4 := newContract("借款合同 2026-004", "sequential", soon)
	sent := struct{ Links []signLink }{links}
	link := func(i int) string { return links[i].URL }
	t.Logf("node and contract ready in %v", time.Since(start).Round(time.Millisecond))

	b := newBrowser(ctx, t, shotDir(t, "workflow"), "zh-CN,zh")

	// B first: not B's turn, and the API agrees.
	b.step("B opens the link before A signed", chromedp.Navigate(link(1)), phaseIs("wait"),
		chromedp.WaitVisible(chromedp.CSS(`#notice[data-kind="not_your_turn"]`)))
	if got := b.text("#notice"); !strings.Contains(got, "还未轮到您签署") || !strings.Contains(got, "甲方") {
		t.Errorf("B's notice says %q", got)
	}
	b.shot("b-not-your-turn")
	status, body = wf.do(http.MethodPost, "/v1/sign/"+sent.Links[1].Token+"/code", "application/json", []byte(`{}`))
	if status != http.StatusConflict || !bytes.Contains(body, []byte(`"not_your_turn"`)) {
		t.Errorf("B asks for a code before A signed: %d %s, want 409 not_your_turn", status, body)
	}

	// The initiator's progress page: A's turn; a reminder to A.
	b.step("the initiator's page asks for the token",
		chromedp.Navigate(n.base+"/wf/contracts/"+contractID+"?lang=zh"), phaseIs("login"),
		chromedp.SendKeys(chromedp.CSS(`#token`), wf.token),
		chromedp.Click(chromedp.CSS(`#login-go`)), phaseIs("progress"),
		chromedp.Click(chromedp.CSS(`button.remind[data-party="0"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#remind-msg`)))
	if got := b.text("#remind-msg"); !strings.Contains(got, "甲方") {
		t.Errorf("remind says %q", got)
	}
	if got := b.text("#meter-text"); got != "已签署 0/2 方" {
		t.Errorf("progress before signing: %q", got)
	}
	b.step("the reminder is counted", chromedp.WaitVisible(chromedp.CSS(`#parties`)))
	b.shot("initiator-pending")

	// signAs drives one party through the page: read, code, (a wrong code), sign.
	signAs := func(who string, i int, wrongFirst bool) {
		t.Helper()
		b.step(who+" opens the link", chromedp.Navigate(link(i)), phaseIs("read"))
		if got := b.text("#c-title"); got != "房屋租赁合同 2026-001" {
			t.Errorf("%s sees title %q", who, got)
		}
		if got := b.text("#parties"); !strings.Contains(got, "甲方") || !strings.Contains(got, "乙方") {
			t.Errorf("%s sees parties %q", who, got)
		}
		b.shot(who + "-read")
		b.step(who+" agrees and asks for the code",
			chromedp.Click(chromedp.CSS(`#agree`)),
			chromedp.Click(chromedp.CSS(`#send-code`)),
			phaseIs("code"))
		code := wf.smsCode(phones[i])
		if wrongFirst {
			wrong := []byte(code)
			wrong[0] = '0' + (wrong[0]-'0'+1)%10
			b.step(who+" enters a wrong code",
				chromedp.SendKeys(chromedp.CSS(`#code`), string(wrong)),
				chromedp.Click(chromedp.CSS(`#sign`)),
				chromedp.WaitVisible(chromedp.CSS(`#code-err[data-code="otp_mismatch"]`)))
			if got := b.text("#code-err"); !strings.Contains(got, "验证码错误") || !strings.Contains(got, "4") {
				t.Errorf("%s's wrong code: the page says %q, want 验证码错误 with 4 attempts left", who, got)
			}
			b.shot(who + "-wrong-code")
			b.step(who+" clears the code", chromedp.SetValue(chromedp.CSS(`#code`), ""))
		}
		b.step(who+" enters the code and signs",
			chromedp.SendKeys(chromedp.CSS(`#code`), code),
			chromedp.Click(chromedp.CSS(`#sign`)),
			phaseIs("done"))
		b.shot(who + "-signed")
		b.step(who+"'s records reach the chain", chromedp.WaitVisible(chromedp.CSS(`#dl-evidence`)))
		if got := b.text("#result"); !strings.Contains(got, "签署成功") || !strings.Contains(got, "下载已签署的合同 PDF") {
			t.Errorf("%s's result says %q", who, got)
		}
		b.shot(who + "-on-chain")
	}
	signAs("a", 0, true)
	signAs("b", 1, false)
	if got := b.text("#r-text"); !strings.Contains(got, "合同已完成") {
		t.Errorf("B's result does not say the contract is complete: %q", got)
	}
	b.step("English", chromedp.Click(chromedp.CSS(`[data-set-lang="en"]`)))
	if got := b.text("#r-title"); got != "Signed" {
		t.Errorf("English result title %q", got)
	}
	b.shot("b-on-chain-en")
	pdfHref := eval[string](b, `document.getElementById("dl-pdf").href`)
	evidenceHref := eval[string](b, `document.getElementById("dl-evidence").href`)

	// The contract completes on chain, and the initiator's page says so.
	settled(contractID, "completed")
	b.step("the initiator's page after both signed",
		chromedp.Navigate(n.base+"/wf/contracts/"+contractID+"?lang=zh"), phaseIs("progress"),
		chromedp.WaitVisible(chromedp.CSS(`.pill[data-status="completed"]`)))
	if got := b.text("#meter-text"); got != "已签署 2/2 方" {
		t.Errorf("progress after signing: %q", got)
	}
	if q := eval[int](b, `document.querySelectorAll('#records li:not([data-status="committed"])').length`); q != 0 {
		t.Errorf("%d records not committed on the progress page", q)
	}
	if got := b.text("#parties"); strings.Count(got, "签署于") != 2 || !strings.Contains(got, "已催办 1 次") {
		t.Errorf("progress parties: %q", got)
	}
	b.shot("initiator-completed")

	// The signed PDF the page offers: two valid signatures by the platform CA's certificates.
	status, signed := wf.do(http.MethodGet, strings.TrimPrefix(pdfHref, n.base), "", nil)
	if status != http.StatusOK {
		t.Fatalf("GET %s: %d", pdfHref, status)
	}
	rep, err := pdf.Verify(signed, pdf.VerifyOptions{Roots: []*smx509.Certificate{n.ca.Cert}})
	if err != nil {
		t.Fatalf("verify the signed PDF: %v", err)
	}
	if len(rep.Signatures) != 2 || rep.Indication != pdf.TotalPassed {
		t.Errorf("signed PDF: %s with %d signatures, want TOTAL_PASSED with 2: %+v", rep.Indication, len(rep.Signatures), rep.Signatures)
	}

	// The evidence bundle the page offers verifies offline and has every step.
	status, raw := wf.do(http.MethodGet, strings.TrimPrefix(evidenceHref, n.base), "", nil)
	if status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", evidenceHref, status, raw)
	}
	bundle, err := evidence.DecodeBundle(raw)
	if err != nil {
		t.Fatalf("decode the evidence bundle: %v", err)
	}
	res := n.verifyAll(t, bundle, doc)
	var types []string
	for _, r := range res.Records {
		if r.ContractID == contractID {
			types = append(types, r.Type)
		}
	}
	count := func(typ string) int {
		k := 0
		for _, x := range types {
			if x == typ {
				k++
			}
		}
		return k
	}
	for typ, want := range map[string]int{"contract_created": 1, "contract_sent": 1, "contract_viewed": 2,
		"intent_verified": 2, "contract_signed": 2, "contract_completed": 1} {
		if got := count(typ); got != want {
			t.Errorf("%d %s records, want %d (records %v)", got, typ, want, types)
		}
	}
	if i, j := slices.Index(types, "contract_created"), slices.Index(types, "contract_completed"); i != 0 || j != len(types)-1 {
		t.Errorf("records %v: want contract_created first and contract_completed last", types)
	}
	t.Logf("signing flow in %v", time.Since(start).Round(time.Millisecond))

	// A company and a person: the company's agent signs with a photo of
	// their face (the page's face option), then the person with an SMS
	// code; each party's row then shows when it signed.
	var acme identity
	wf.json(http.MethodPost, "/v1/wf/identities", map[string]any{"kind": "enterprise", "method": "agent_check",
		"enterprise": map[string]any{"name": "北京某某科技有限公司", "credit_code": "91110000MA0000001L",
			"agent": map[string]any{"name": "王五", "id_number": "440304198510101232", "phone": "13800000003"}}}, http.StatusCreated, &acme)
	if acme.Status != "verified" {
		t.Fatalf("company identity: status %q, want verified", acme.Status)
	}
	var cc wfContract
	wf.json(http.MethodPost, "/v1/wf/contracts", map[string]any{
		"title": "技术服务合同 2026-005", "file_id": file.FileID, "order": "sequential", "deadline": month.UTC().Format(time.RFC3339),
		"parties": []any{
			map[string]any{"identity_id": acme.ID, "role": "甲方", "area": map[string]any{"page": 1, "x": 72, "y": 100, "w": 120, "h": 120}},
			map[string]any{"identity_id": alice.ID, "role": "乙方", "area": map[string]any{"page": 1, "x": 320, "y": 100, "w": 120, "h": 120}},
		}}, http.StatusCreated, &cc)
	var sent5 struct{ Links []signLink }
	wf.json(http.MethodPost, "/v1/wf/contracts/"+cc.ID+"/send", map[string]any{}, http.StatusOK, &sent5)
	facePath := filepath.Join(t.TempDir(), "face.png")
	writeTestPhoto(t, facePath, 900, 1200)
	b.step("the company's agent signs with a face photo",
		chromedp.Navigate(sent5.Links[0].URL+"?lang=zh"), phaseIs("read"),
		chromedp.WaitVisible(chromedp.CSS(`#face-sign`)),
		chromedp.Click(chromedp.CSS(`#agree`)),
		chromedp.SetUploadFiles(chromedp.CSS(`#face-file`), []string{facePath}),
		phaseIs("done"),
		chromedp.WaitVisible(chromedp.CSS(`#dl-evidence`)))
	if got := b.text(`#r-facts [data-fact="method"]`); got != "人脸识别" {
		t.Errorf("the company's result names intent method %q, want 人脸识别", got)
	}
	b.shot("company-face-signed")
	b.step("the person signs after the company",
		chromedp.Navigate(sent5.Links[1].URL+"?lang=zh"), phaseIs("read"),
		chromedp.Click(chromedp.CSS(`#agree`)),
		chromedp.Click(chromedp.CSS(`#send-code`)), phaseIs("code"))
	b.step("the person enters the code",
		chromedp.SendKeys(chromedp.CSS(`#code`), wf.contractCode(cc.ID, 1)),
		chromedp.Click(chromedp.CSS(`#sign`)), phaseIs("done"),
		chromedp.WaitVisible(chromedp.CSS(`#dl-evidence`)))
	if got := eval[int](b, `document.querySelectorAll('#parties .when').length`); got != 2 {
		t.Errorf("%d parties show a signing time on the person's page, want 2: %q", got, b.text("#parties"))
	}
	b.shot("company-person-completed")
	settled(cc.ID, "completed")
	_, ccTypes := n.contractBundle(ctx, t, wf, cc.ID)
	if !slices.Contains(ccTypes, "contract_completed") || len(slices.DeleteFunc(slices.Clone(ccTypes), func(s string) bool { return s != "contract_signed" })) != 2 {
		t.Errorf("company + person contract records %v: want two contract_signed and contract_completed", ccTypes)
	}

	// A parallel contract that B declines with a reason: A's link then
	// says the contract was declined, and the chain has the decline.
	declinedID, links2 := newContract("设备采购合同 2026-002", "parallel", month)
	// Declining ends the contract for everyone: it takes an SMS code too.
	b.step("B asks for a code to decline",
		chromedp.Navigate(links2[1].URL+"?lang=zh"), phaseIs("read"),
		chromedp.Click(chromedp.CSS(`#show-decline`)), phaseIs("decline"),
		chromedp.SendKeys(chromedp.CSS(`#reason`), "交货日期需要调整"),
		chromedp.Click(chromedp.CSS(`#decline-send-code`)),
		chromedp.WaitVisible(chromedp.CSS(`#decline-sent`)))
	b.step("B declines",
		chromedp.SendKeys(chromedp.CSS(`#decline-code`), wf.contractCode(declinedID, 1)),
		chromedp.Click(chromedp.CSS(`#decline`)),
		chromedp.WaitVisible(chromedp.CSS(`#result[data-outcome="declined"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#r-facts [data-fact="declined_at"]`)))
	if got := b.text(`#r-facts [data-fact="declined_at"]`); !strings.HasSuffix(got, "(UTC+8)") {
		t.Errorf("B's declined card shows declined_at %q, want a time in UTC+8", got)
	}
	b.shot("b-declined")
	b.step("A opens a declined contract", chromedp.Navigate(links2[0].URL+"?lang=zh"), phaseIs("closed"),
		chromedp.WaitVisible(chromedp.CSS(`#notice[data-kind="contract_declined"]`)))
	b.shot("a-contract-declined")
	settled(declinedID, "declined")
	_, db := n.contractBundle(ctx, t, wf, declinedID)
	if !slices.Contains(db, "contract_declined") {
		t.Errorf("declined contract's records %v: no contract_declined", db)
	}

	// A contract the initiator voids: A's link says so and offers nothing to do.
	voidedID, links3 := newContract("服务合同 2026-003", "sequential", month)
	wf.json(http.MethodPost, "/v1/wf/contracts/"+voidedID+"/void", map[string]any{"reason": "条款重新协商"}, http.StatusOK, nil)
	b.step("A opens a voided contract", chromedp.Navigate(links3[0].URL+"?lang=zh"), phaseIs("closed"),
		chromedp.WaitVisible(chromedp.CSS(`#notice[data-kind="contract_voided"]`)))
	if got := b.text("#notice"); !strings.Contains(got, "合同已撤销") {
		t.Errorf("voided notice says %q", got)
	}
	b.shot("a-contract-voided")
	status, body = wf.do(http.MethodPost, "/v1/sign/"+links3[0].Token+"/code", "application/json", []byte(`{}`))
	if status != http.StatusGone || !bytes.Contains(body, []byte(`"contract_voided"`)) {
		t.Errorf("a code for a voided contract: %d %s, want 410 contract_voided", status, body)
	}
	// A used link: A's link of the signed contract shows the result, and refuses another signature.
	b.step("A opens the used link", chromedp.Navigate(link(0)+"?lang=zh"), phaseIs("done"),
		chromedp.WaitVisible(chromedp.CSS(`#result[data-outcome="signed"]`)))
	status, body = wf.do(http.MethodPost, "/v1/sign/"+links[0].Token+"/code", "application/json", []byte(`{}`))
	if status != http.StatusGone || !bytes.Contains(body, []byte(`"link_used"`)) {
		t.Errorf("a code on a used link: %d %s, want 410 link_used", status, body)
	}

	// The contract past its deadline.
	time.Sleep(time.Until(soon.Truncate(time.Second).Add(1100 * time.Millisecond)))
	b.step("A opens an expired contract", chromedp.Navigate(links4[0].URL+"?lang=zh"), phaseIs("closed"),
		chromedp.WaitVisible(chromedp.CSS(`#notice[data-kind="contract_expired"]`)))
	if got := b.text("#notice"); !strings.Contains(got, "签署已过期") {
		t.Errorf("expired notice says %q", got)
	}
	b.shot("a-contract-expired")
	status, body = wf.do(http.MethodPost, "/v1/sign/"+links4[0].Token+"/code", "application/json", []byte(`{}`))
	if status != http.StatusGone || !bytes.Contains(body, []byte(`"contract_expired"`)) {
		t.Errorf("a code for an expired contract (%s): %d %s, want 410 contract_expired", expiringID, status, body)
	}
	t.Logf("whole test in %v", time.Since(start).Round(time.Millisecond))
}

// contractBundle fetches the contract's evidence bundle from the platform
// API, verifies it offline and returns it with the types of the contract's records.
func (n *itNet) contractBundle(ctx context.Context, t *testing.T, wf *wfClient, id string) (*evidence.Bundle, []string) {
	t.Helper()
	status, raw := wf.do(http.MethodGet, "/v1/wf/contracts/"+id+"/evidence", "", nil)
	if status != http.StatusOK {
		t.Fatalf("GET evidence of %s: %d %s", id, status, raw)
	}
	b, err := evidence.DecodeBundle(raw)
	if err != nil {
		t.Fatalf("decode the evidence bundle of %s: %v", id, err)
	}
	var types []string
	for _, r := range n.verifyAll(t, b, nil).Records {
		if r.ContractID == id {
			types = append(types, r.Type)
		}
	}
	return b, types
}

// writeTestPhoto writes a w×h PNG standing in for a phone camera photo.
func writeTestPhoto(t *testing.T, path string, w, h int) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{R: uint8(x * 255 / w), G: uint8(y * 255 / h), B: 160, A: 255})
		}
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}
