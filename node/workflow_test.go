package node

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/config"
	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/node/nodehome"
	"github.com/sealchain/sealchain/signer"
	"github.com/sealchain/sealchain/signer/pdf"
	"github.com/sealchain/sealchain/workflow/identity"
	"github.com/sealchain/sealchain/workflow/notify"
	"github.com/sealchain/sealchain/workflow/template"
)

// wfCore calls the workflow API of one node.
type wfCore struct {
	t     *testing.T
	base  string
	token string
	n     atomic.Int64
}

func newWFCore(t *testing.T, base string, home nodehome.Home) *wfCore {
	t.Helper()
	tok, err := os.ReadFile(home.WorkflowToken())
	if err != nil {
		t.Fatalf("workflow token: %v", err)
	}
	return &wfCore{t: t, base: base, token: string(bytes.TrimSpace(tok))}
}

type wfAnswer struct {
	status int
	body   []byte
	header http.Header
}

func (r *wfAnswer) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
	return m
}

// errCode is the error.code of an error answer.
func (r *wfAnswer) errCode() string {
	var e struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	_ = json.Unmarshal(r.body, &e)
	return e.Error.Code
}

// call sends a request; POSTs get a fresh Idempotency-Key unless key is set.
func (c *wfCore) call(method, path string, body any, key string) *wfAnswer {
	c.t.Helper()
	var rd io.Reader
	ct := "application/json"
	switch b := body.(type) {
	case nil:
	case []byte:
		rd, ct = bytes.NewReader(b), "application/pdf"
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Authorization", "Bearer "+c.token)
	if method == http.MethodPost {
		if key == "" {
			key = fmt.Sprintf("k-%d-%d", time.Now().UnixNano(), c.n.Add(1))
		}
		if key != "-" {
			req.Header.Set(idemHeader, key)
		}
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return &wfAnswer{status: res.StatusCode, body: b, header: res.Header}
}

// must calls and fails unless the status is want; it returns the JSON.
func (c *wfCore) must(want int, method, path string, body any) map[string]any {
	c.t.Helper()
	r := c.call(method, path, body, "")
	if r.status != want {
		c.t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.status, want, r.body)
	}
	if len(r.body) == 0 || r.body[0] != '{' {
		return nil
	}
	return r.json(c.t)
}

func (c *wfCore) person(name, id, phone string) string {
	c.t.Helper()
	m := c.must(http.StatusCreated, "POST", "/v1/wf/identities", map[string]any{"kind": "person", "method": "carrier_3factor",
		"person": map[string]any{"name": name, "id_number": id, "phone": phone}})
	return m["id"].(string)
}

func (c *wfCore) company(name string) string {
	c.t.Helper()
	m := c.must(http.StatusCreated, "POST", "/v1/wf/identities", map[string]any{"kind": "enterprise", "method": "agent_check",
		"enterprise": map[string]any{"name": name, "credit_code": identity.DevPassCreditCode,
			"agent": map[string]any{"name": "王五", "id_number": identity.DevPassIDNumber2, "phone": identity.DevPassPhone}}})
	return m["id"].(string)
}

// testPDF renders a built-in template as an uploadable PDF.
func testPDF(t *testing.T) []byte {
	t.Helper()
	tpl, err := template.Builtin("service_agreement")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := tpl.Render(serviceFields())
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	return doc.PDF
}

func serviceFields() map[string]string {
	return map[string]string{"contract_no": "SA-2026-001", "party_a": "甲方", "party_b": "乙方", "service": "软件开发",
		"start_date": "2026-12-01", "end_date": "2027-11-30", "fee": "¥100000", "city": "北京"}
}

// contract creates and sends a contract over the given identities; it
// returns the contract id and the links' tokens.
func (c *wfCore) contract(order string, deadline *time.Time, ids ...string) (string, []string) {
	c.t.Helper()
	up := c.must(http.StatusCreated, "POST", "/v1/wf/files", testPDF(c.t))
	var parties []map[string]any
	for i, id := range ids {
		parties = append(parties, map[string]any{"identity_id": id, "role": fmt.Sprintf("party %d", i),
			"area": map[string]any{"page": 1, "x": 60 + 200*float64(i%2), "y": 60, "w": 110, "h": 110}})
	}
	in := map[string]any{"title": "服务协议 service agreement", "file_id": up["file_id"], "order": order, "parties": parties}
	if deadline != nil {
		in["deadline"] = deadline.UTC().Format(time.RFC3339)
	}
	m := c.must(http.StatusCreated, "POST", "/v1/wf/contracts", in)
	id := m["id"].(string)
	sent := c.must(http.StatusOK, "POST", "/v1/wf/contracts/"+id+"/send", map[string]any{})
	var toks []string
	for _, l := range sent["links"].([]any) {
		toks = append(toks, l.(map[string]any)["token"].(string))
	}
	return id, toks
}

// code asks for an SMS code on tok and reads it from the outbox: the
// first code message for the party that was not there before the request.
func (c *wfCore) code(tok, contract string, party int) string {
	c.t.Helper()
	seen := map[string]bool{}
	for _, m := range c.codeMessages(contract, party) {
		seen[m["id"].(string)] = true
	}
	c.must(http.StatusOK, "POST", "/v1/sign/"+tok+"/code", map[string]any{})
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, m := range c.codeMessages(contract, party) {
			if !seen[m["id"].(string)] {
				return m["params"].(map[string]any)["code"].(string)
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	c.t.Fatalf("no new SMS code for %s party %d in the outbox", contract, party)
	return ""
}

// declineCode asks for a code to decline on tok (allowed before the
// party's turn) and reads it from the outbox.
func (c *wfCore) declineCode(tok, contract string, party int) string {
	c.t.Helper()
	seen := map[string]bool{}
	for _, m := range c.codeMessages(contract, party) {
		seen[m["id"].(string)] = true
	}
	c.must(http.StatusOK, "POST", "/v1/sign/"+tok+"/code", map[string]any{"purpose": "decline"})
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		for _, m := range c.codeMessages(contract, party) {
			if !seen[m["id"].(string)] {
				return m["params"].(map[string]any)["code"].(string)
			}
		}
	}
	c.t.Fatalf("no new SMS code for %s party %d in the outbox", contract, party)
	return ""
}

func (c *wfCore) codeMessages(contract string, party int) []map[string]any {
	c.t.Helper()
	m := c.must(http.StatusOK, "GET", "/v1/wf/outbox?channel=sms&limit=1000", nil)
	var out []map[string]any
	for _, x := range m["messages"].([]any) {
		msg := x.(map[string]any)
		p, _ := msg["params"].(map[string]any)
		if msg["template"] == notify.TemplateSMSCode && p["contract_id"] == contract && p["party"] == fmt.Sprint(party) {
			out = append(out, msg)
		}
	}
	return out
}

// sign opens the link, asks for a code and signs with it.
func (c *wfCore) sign(tok, contract string, party int) map[string]any {
	c.t.Helper()
	c.must(http.StatusOK, "GET", "/v1/sign/"+tok, nil)
	code := c.code(tok, contract, party)
	return c.must(http.StatusOK, "POST", "/v1/sign/"+tok+"/sign", map[string]any{"method": "sms", "code": code})
}

// settled waits until the contract has no queued records and returns it.
func (c *wfCore) settled(id string) map[string]any {
	c.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		m := c.must(http.StatusOK, "GET", "/v1/wf/contracts/"+id, nil)
		ch := m["chain"].(map[string]any)
		if ch["pending"].(float64) == 0 {
			for _, r := range ch["records"].([]any) {
				if rec := r.(map[string]any); rec["status"] != "committed" {
					c.t.Fatalf("record %v of %s: %v", rec["type"], id, rec)
				}
			}
			return m
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("contract %s: %v records still queued", id, ch["pending"])
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func newWFCoreNet(ctx context.Context, t *testing.T, mods ...func(*config.Config)) (*itNet, *wfCore) {
	t.Helper()
	return newWFCoreNetAlg(ctx, t, 0, mods...)
}

// newWFCoreNetAlg is newWFCoreNet with an organisation CA of alg.
func newWFCoreNetAlg(ctx context.Context, t *testing.T, alg signer.Algorithm, mods ...func(*config.Config)) (*itNet, *wfCore) {
	t.Helper()
	n := newITNetAlg(ctx, t, alg, append([]func(*config.Config){func(c *config.Config) {
		c.Consensus.BlockInterval = config.Duration{Duration: 20 * time.Millisecond}
		c.Workflow.WebhookBackoff = config.Duration{Duration: 50 * time.Millisecond}
		// The flows ask for several codes on one link at once; the limits
		// have their own test (TestWorkflowSecurity).
		c.Workflow.OTPCooldown = config.Duration{}
	}}, mods...)...)
	if n.node.wf == nil {
		t.Fatal("workflow is not running on the platform node")
	}
	return n, newWFCore(t, n.base, n.home)
}

// TestWorkflowFlows signs contracts end to end: two people, a company and
// a person in both orders, sequential and parallel; then checks the chain's
// contract state, the signed PDF and the evidence bundle.
func TestWorkflowFlows(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	n, c := newWFCoreNet(ctx, t)
	zhang := c.person("张三", identity.DevPassIDNumber, identity.DevPassPhone)
	li := c.person("李四", identity.DevPassIDNumber2, "13800138001")
	acme := c.company("北京某某科技有限公司")

	tests := []struct {
		name    string
		order   string
		parties []string
		signing []int // the order parties sign in
	}{
		{"two people, sequential", "sequential", []string{zhang, li}, []int{0, 1}},
		{"company then person", "sequential", []string{acme, zhang}, []int{0, 1}},
		{"person then company", "sequential", []string{li, acme}, []int{0, 1}},
		{"company and person, parallel, last first", "parallel", []string{acme, li}, []int{1, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c.t = t
			id, toks := c.contract(tc.order, nil, tc.parties...)
			for k, i := range tc.signing {
				res := c.sign(toks[i], id, i)
				want := "signing"
				if k == len(tc.signing)-1 {
					want = "completed"
				}
				if res["status"] != "signed" || res["contract_status"] != want {
					t.Fatalf("party %d sign: %v", i, res)
				}
			}
			m := c.settled(id)
			if m["status"] != "completed" {
				t.Fatalf("workflow status %v", m["status"])
			}
			st, ok, err := n.node.Store().View().Contract(id)
			if err != nil || !ok {
				t.Fatalf("chain contract %s: %v %v", id, ok, err)
			}
			if st.Status != chain.StatusCompleted || !st.Sent || !st.AllSigned() || !st.ViewedBy(0) || !st.ViewedBy(1) {
				t.Fatalf("chain state: status %s sent %v signed %v viewed %v", st.Status, st.Sent, st.Signed, st.Viewed)
			}
			doc := c.call("GET", "/v1/wf/contracts/"+id+"/pdf", nil, "")
			rep, err := pdf.Verify(doc.body, pdf.VerifyOptions{})
			if err != nil {
				t.Fatalf("verify signed pdf: %v", err)
			}
			if len(rep.Signatures) != len(tc.parties) {
				t.Fatalf("signed pdf has %d signatures, want %d", len(rep.Signatures), len(tc.parties))
			}
			ev := c.call("GET", "/v1/wf/contracts/"+id+"/evidence", nil, "")
			if ev.status != http.StatusOK {
				t.Fatalf("evidence: %d %s", ev.status, ev.body)
			}
			b, err := evidence.DecodeBundle(ev.body)
			if err != nil {
				t.Fatalf("decode bundle: %v", err)
			}
			res := n.verifyAll(t, b, doc.body) // the final signed PDF is named by the last contract_signed
			types := map[string]int{}
			for _, r := range res.Records {
				types[r.Type]++
			}
			np := len(tc.parties)
			for typ, want := range map[string]int{"contract_created": 1, "contract_sent": 1, "contract_viewed": np,
				"intent_verified": np, "contract_signed": np, "contract_completed": 1} {
				if types[typ] != want {
					t.Errorf("evidence bundle has %d %s records, want %d (all: %v)", types[typ], typ, want, types)
				}
			}
			cert := c.call("GET", "/v1/wf/contracts/"+id+"/parties/0/cert", nil, "")
			if cert.status != http.StatusOK || !bytes.HasPrefix(cert.body, []byte("-----BEGIN CERTIFICATE-----")) {
				t.Fatalf("party certificate: %d %.80s", cert.status, cert.body)
			}
		})
	}
	c.t = t
	t.Run("from a template, areas from the template", func(t *testing.T) {
		c.t = t
		m := c.must(http.StatusCreated, "POST", "/v1/wf/contracts", map[string]any{"title": "模板合同 template",
			"template": map[string]any{"id": "service_agreement", "fields": serviceFields()},
			"parties":  []any{map[string]any{"identity_id": acme, "role": "party_a"}, map[string]any{"identity_id": li, "role": "party_b"}}})
		id := m["id"].(string)
		if a := m["parties"].([]any)[1].(map[string]any)["area"].(map[string]any); a["w"].(float64) <= 0 {
			t.Fatalf("template area: %v", a)
		}
		sent := c.must(http.StatusOK, "POST", "/v1/wf/contracts/"+id+"/send", map[string]any{})
		for i, l := range sent["links"].([]any) {
			c.sign(l.(map[string]any)["token"].(string), id, i)
		}
		if m := c.settled(id); m["status"] != "completed" {
			t.Fatalf("template contract: %v", m["status"])
		}
	})
	c.t = t
	// Search: by title keyword, by party display name, by status.
	for _, q := range []string{"?q=service", "?q=" + "%E5%BC%A0", "?status=completed", "?q=nothing-matches"} {
		m := c.must(http.StatusOK, "GET", "/v1/wf/contracts"+q, nil)
		got := len(m["contracts"].([]any))
		if want := map[bool]int{true: 0, false: 1}[q == "?q=nothing-matches"]; (want == 0) != (got == 0) {
			t.Errorf("search %s: %d contracts", q, got)
		}
	}
}

// TestWorkflowRejections: every rule violation is refused with a clear
// error by the API and, where the chain has the rule, by the chain too.
func TestWorkflowRejections(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	n, c := newWFCoreNet(ctx, t, func(cfg *config.Config) { cfg.Workflow.OTPMaxAttempts = 3 })
	zhang := c.person("张三", identity.DevPassIDNumber, identity.DevPassPhone)
	li := c.person("李四", identity.DevPassIDNumber2, "13800138001")
	expect := func(r *wfAnswer, status int, code string) {
		t.Helper()
		if r.status != status || r.errCode() != code {
			t.Fatalf("got %d %s, want %d %s", r.status, r.body, status, code)
		}
		var e struct {
			Error struct{ Message string } `json:"error"`
		}
		if json.Unmarshal(r.body, &e); e.Error.Message == "" {
			t.Fatalf("error without a message: %s", r.body)
		}
	}
	chainStatus := func(id string, want chain.ContractStatus) {
		t.Helper()
		c.settled(id)
		st, ok, err := n.node.Store().View().Contract(id)
		if err != nil || !ok || st.Status != want {
			t.Fatalf("chain status of %s: %v (ok %v, err %v), want %s", id, st.Status, ok, err, want)
		}
	}

	t.Run("unverified identity", func(t *testing.T) {
		c.t = t
		r := c.call("POST", "/v1/wf/identities", map[string]any{"kind": "person", "method": "carrier_3factor",
			"person": map[string]any{"name": "王五", "id_number": identity.DevRejectIDNumber, "phone": identity.DevPassPhone}}, "")
		expect(r, http.StatusUnprocessableEntity, "identity_failed")
		// A pending micro-deposit identity cannot be a party either.
		depRes := c.must(http.StatusAccepted, "POST", "/v1/wf/identities", map[string]any{"kind": "enterprise", "method": "bank_transfer",
			"enterprise": map[string]any{"name": "上海某某有限公司", "credit_code": identity.DevPassCreditCode, "bank_account": "6222000000000001", "phone": "13800138009"}})
		dep := depRes["identity"].(map[string]any)
		if dep["status"] != "pending" || depRes["dev_amount_cents"] == nil {
			t.Fatalf("micro-deposit start: %v", depRes)
		}
		amount := int64(depRes["dev_amount_cents"].(float64))
		up := c.must(http.StatusCreated, "POST", "/v1/wf/files", testPDF(t))
		r = c.call("POST", "/v1/wf/contracts", map[string]any{"title": "t", "file_id": up["file_id"], "parties": []any{
			map[string]any{"identity_id": zhang, "area": map[string]any{"page": 1, "x": 10, "y": 10, "w": 50, "h": 50}},
			map[string]any{"identity_id": dep["id"], "area": map[string]any{"page": 1, "x": 100, "y": 10, "w": 50, "h": 50}}}}, "")
		expect(r, http.StatusUnprocessableEntity, "identity_unverified")
		// A wrong amount fails, the right one verifies the company.
		r = c.call("POST", "/v1/wf/identities/"+dep["id"].(string)+"/deposit", map[string]any{"amount_cents": amount%99 + 1}, "")
		expect(r, http.StatusUnprocessableEntity, "identity_failed")
		ok := c.must(http.StatusOK, "POST", "/v1/wf/identities/"+dep["id"].(string)+"/deposit", map[string]any{"amount_cents": amount})
		if ok["status"] != "verified" || ok["cert_fingerprint"] == "" {
			t.Fatalf("deposit confirmed: %v", ok)
		}
	})

	t.Run("out of order", func(t *testing.T) {
		c.t = t
		id, toks := c.contract("sequential", nil, zhang, li)
		expect(c.call("POST", "/v1/sign/"+toks[1]+"/code", map[string]any{}, ""), http.StatusConflict, "not_your_turn")
		expect(c.call("POST", "/v1/sign/"+toks[1]+"/sign", map[string]any{"method": "sms", "code": "000000"}, ""), http.StatusConflict, "not_your_turn")
		c.sign(toks[0], id, 0)
		expect(c.call("POST", "/v1/sign/"+toks[1]+"/sign", map[string]any{"method": "sms", "code": "000000"}, ""), http.StatusUnprocessableEntity, "otp_required")
		c.sign(toks[1], id, 1)
		chainStatus(id, chain.StatusCompleted)
	})

	t.Run("reused link", func(t *testing.T) {
		c.t = t
		id, toks := c.contract("parallel", nil, zhang, li)
		c.sign(toks[0], id, 0)
		expect(c.call("POST", "/v1/sign/"+toks[0]+"/code", map[string]any{}, ""), http.StatusGone, "link_used")
		expect(c.call("POST", "/v1/sign/"+toks[0]+"/sign", map[string]any{"method": "sms", "code": "123456"}, ""), http.StatusGone, "link_used")
		expect(c.call("POST", "/v1/sign/"+toks[0]+"/decline", map[string]any{"reason": "changed my mind"}, ""), http.StatusGone, "link_used")
		// The link still shows the result.
		if v := c.must(http.StatusOK, "GET", "/v1/sign/"+toks[0], nil); v["link_used"] != true || v["can_sign"] != false {
			t.Fatalf("view of a used link: %v", v)
		}
		expect(c.call("GET", "/v1/sign/not-a-token", nil, ""), http.StatusNotFound, "not_found")
	})

	t.Run("wrong sms code with attempt limit", func(t *testing.T) {
		c.t = t
		id, toks := c.contract("sequential", nil, zhang, li)
		c.must(http.StatusOK, "GET", "/v1/sign/"+toks[0], nil)
		code := c.code(toks[0], id, 0)
		wrong := fmt.Sprintf("%06d", (atoi(code)+1)%1000000)
		for left := 2; left >= 1; left-- {
			r := c.call("POST", "/v1/sign/"+toks[0]+"/sign", map[string]any{"method": "sms", "code": wrong}, "")
			expect(r, http.StatusUnprocessableEntity, "otp_mismatch")
			if got := r.json(t)["error"].(map[string]any)["attempts_left"]; got != float64(left) {
				t.Fatalf("attempts_left %v, want %d", got, left)
			}
		}
		expect(c.call("POST", "/v1/sign/"+toks[0]+"/sign", map[string]any{"method": "sms", "code": wrong}, ""), http.StatusTooManyRequests, "otp_attempts")
		// Burned: even the right code is refused now.
		expect(c.call("POST", "/v1/sign/"+toks[0]+"/sign", map[string]any{"method": "sms", "code": code}, ""), http.StatusTooManyRequests, "otp_attempts")
		// Party 1 cannot even try before party 0 signed.
		expect(c.call("POST", "/v1/sign/"+toks[1]+"/sign", map[string]any{"method": "face", "face_token": identity.DevRejectFace}, ""), http.StatusConflict, "not_your_turn")
		// Face intent with the reject input is refused; a new code works.
		expect(c.call("POST", "/v1/sign/"+toks[0]+"/sign", map[string]any{"method": "face", "face_token": identity.DevRejectFace}, ""), http.StatusUnprocessableEntity, "face_mismatch")
		c.sign(toks[0], id, 0)
		res := c.must(http.StatusOK, "POST", "/v1/sign/"+toks[1]+"/sign", map[string]any{"method": "face", "face_token": "live-capture"})
		if res["contract_status"] != "completed" {
			t.Fatalf("face signature: %v", res)
		}
		chainStatus(id, chain.StatusCompleted)
	})

	t.Run("sign after void", func(t *testing.T) {
		c.t = t
		id, toks := c.contract("sequential", nil, zhang, li)
		c.sign(toks[0], id, 0)
		c.must(http.StatusOK, "POST", "/v1/wf/contracts/"+id+"/void", map[string]any{"reason": "wrong amount"})
		expect(c.call("POST", "/v1/sign/"+toks[1]+"/code", map[string]any{}, ""), http.StatusGone, "contract_voided")
		expect(c.call("POST", "/v1/wf/contracts/"+id+"/void", map[string]any{"reason": "again"}, ""), http.StatusGone, "contract_voided")
		expect(c.call("POST", "/v1/wf/contracts/"+id+"/remind", map[string]any{}, ""), http.StatusGone, "contract_voided")
		chainStatus(id, chain.StatusVoided)
	})

	t.Run("decline", func(t *testing.T) {
		c.t = t
		id, toks := c.contract("parallel", nil, zhang, li)
		c.must(http.StatusOK, "GET", "/v1/sign/"+toks[1], nil)
		// Declining needs intent, like signing: the link alone is refused.
		expect(c.call("POST", "/v1/sign/"+toks[1]+"/decline", map[string]any{"reason": "the fee is wrong"}, ""), http.StatusUnprocessableEntity, "otp_required")
		code := c.declineCode(toks[1], id, 1)
		before := time.Now().UTC().Truncate(time.Second)
		c.must(http.StatusOK, "POST", "/v1/sign/"+toks[1]+"/decline", map[string]any{"reason": "the fee is wrong", "method": "sms", "code": code})
		after := time.Now().UTC()
		expect(c.call("POST", "/v1/sign/"+toks[0]+"/code", map[string]any{}, ""), http.StatusGone, "contract_declined")
		// The decliner's result and view say when (RFC 3339), and not signed_at.
		for _, path := range []string{"/v1/sign/" + toks[1] + "/result", "/v1/sign/" + toks[1]} {
			res := c.must(http.StatusOK, "GET", path, nil)
			s, _ := res["declined_at"].(string)
			at, err := time.Parse(time.RFC3339, s)
			if err != nil || at.Before(before) || at.After(after) {
				t.Fatalf("%s: declined_at %q (%v), want RFC 3339 in [%s, %s]", path, s, err, before.Format(time.RFC3339), after.Format(time.RFC3339))
			}
			if sa, _ := res["signed_at"].(string); sa != "" {
				t.Fatalf("%s: a declined party has signed_at %q", path, sa)
			}
		}
		chainStatus(id, chain.StatusDeclined)
	})

	t.Run("sign after deadline", func(t *testing.T) {
		c.t = t
		dl := time.Now().Add(3 * time.Second)
		id, toks := c.contract("sequential", &dl, zhang, li)
		c.must(http.StatusOK, "GET", "/v1/sign/"+toks[0], nil)
		code := c.code(toks[0], id, 0)
		time.Sleep(time.Until(dl) + 500*time.Millisecond)
		expect(c.call("POST", "/v1/sign/"+toks[0]+"/sign", map[string]any{"method": "sms", "code": code}, ""), http.StatusGone, "contract_expired")
		chainStatus(id, chain.StatusExpired)
	})

	t.Run("send twice, renew", func(t *testing.T) {
		c.t = t
		id, _ := c.contract("sequential", nil, zhang, li)
		expect(c.call("POST", "/v1/wf/contracts/"+id+"/send", map[string]any{}, ""), http.StatusConflict, "wrong_state")
		rm := c.must(http.StatusOK, "POST", "/v1/wf/contracts/"+id+"/remind", map[string]any{})
		if fmt.Sprint(rm["reminded"]) != "[0]" {
			t.Fatalf("remind: %v", rm)
		}
		nw := c.must(http.StatusCreated, "POST", "/v1/wf/contracts/"+id+"/renew", map[string]any{"title": "续签 renewal"})
		if nw["renewed_from"] != id || nw["status"] != "draft" {
			t.Fatalf("renewal: %v", nw)
		}
		expect(c.call("POST", "/v1/wf/contracts/"+id+"/renew", map[string]any{}, ""), http.StatusConflict, "wrong_state")
		c.settled(nw["id"].(string))
		st, _, err := n.node.Store().View().Contract(nw["id"].(string))
		if err != nil || st.RenewedFrom != id {
			t.Fatalf("chain renewal link: %q %v", st.RenewedFrom, err)
		}
		// Both contracts' evidence bundles carry the renewal record.
		for _, cid := range []string{id, nw["id"].(string)} {
			r := c.call("GET", "/v1/wf/contracts/"+cid+"/evidence", nil, "")
			if r.status != http.StatusOK {
				t.Fatalf("evidence of %s: %d %s", cid, r.status, r.body)
			}
			b, err := evidence.DecodeBundle(r.body)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, rec := range b.Records {
				if v, _, err := evidence.Describe(rec.Leaf); err == nil && v.Type == "contract_renewed" {
					found = v.Body["previous"] == id
				}
			}
			if !found {
				t.Errorf("the evidence bundle of %s has no contract_renewed record naming %s", cid, id)
			}
		}
	})

	t.Run("unauthenticated", func(t *testing.T) {
		c.t = t
		saved := c.token
		c.token = "wrong"
		expect(c.call("GET", "/v1/wf/contracts", nil, ""), http.StatusUnauthorized, "unauthenticated")
		c.token = saved
	})
}

func atoi(s string) int {
	n := 0
	for _, ch := range s {
		n = n*10 + int(ch-'0')
	}
	return n
}

// TestWorkflowIdempotency: same key and body -> the same answer; same key,
// other body -> 409; no key -> 400.
func TestWorkflowIdempotency(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	_, c := newWFCoreNet(ctx, t)
	body := map[string]any{"kind": "person", "method": "carrier_3factor",
		"person": map[string]any{"name": "张三", "id_number": identity.DevPassIDNumber, "phone": identity.DevPassPhone}}
	first := c.call("POST", "/v1/wf/identities", body, "idn-key-1")
	again := c.call("POST", "/v1/wf/identities", body, "idn-key-1")
	if first.status != http.StatusCreated || again.status != first.status || !bytes.Equal(first.body, again.body) {
		t.Fatalf("replay: %d %s / %d %s", first.status, first.body, again.status, again.body)
	}
	if again.header.Get(idemReplayed) != "true" {
		t.Fatalf("replayed answer lacks %s", idemReplayed)
	}
	other := map[string]any{"kind": "person", "method": "carrier_3factor",
		"person": map[string]any{"name": "李四", "id_number": identity.DevPassIDNumber2, "phone": identity.DevPassPhone}}
	if r := c.call("POST", "/v1/wf/identities", other, "idn-key-1"); r.status != http.StatusConflict || r.errCode() != "idempotency_conflict" {
		t.Fatalf("conflict: %d %s", r.status, r.body)
	}
	if r := c.call("POST", "/v1/wf/identities", other, "-"); r.status != http.StatusBadRequest || r.errCode() != "idempotency_key_required" {
		t.Fatalf("no key: %d %s", r.status, r.body)
	}
	// One identity was made, not two.
	id := first.json(t)["id"].(string)
	c.must(http.StatusOK, "GET", "/v1/wf/identities/"+id, nil)
	// A signer's repeated sign call answers the same (no "link used").
	li := c.person("李四", identity.DevPassIDNumber2, "13800138001")
	cid, toks := c.contract("sequential", nil, li)
	c.must(http.StatusOK, "GET", "/v1/sign/"+toks[0], nil)
	code := c.code(toks[0], cid, 0)
	s1 := c.call("POST", "/v1/sign/"+toks[0]+"/sign", map[string]any{"method": "sms", "code": code}, "sign-1")
	s2 := c.call("POST", "/v1/sign/"+toks[0]+"/sign", map[string]any{"method": "sms", "code": code}, "sign-1")
	if s1.status != http.StatusOK || !bytes.Equal(s1.body, s2.body) {
		t.Fatalf("sign replay: %d %s / %d %s", s1.status, s1.body, s2.status, s2.body)
	}
	m := c.settled(cid)
	// created, sent, viewed, intent, signed, completed: one signature, not two.
	if n := len(m["chain"].(map[string]any)["records"].([]any)); n != 6 {
		t.Fatalf("%d records, want 6", n)
	}
}

// TestWorkflowNotifications: a webhook subscriber that fails twice gets the
// event on the third attempt, and the delivery log shows all three; the
// scheduler reminds a party who has not signed.
func TestWorkflowNotifications(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var calls atomic.Int32
	secret := "0123456789abcdef0123456789abcdef"
	got := make(chan []byte, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if calls.Add(1) <= 2 {
			http.Error(w, "not yet", http.StatusServiceUnavailable)
			return
		}
		if err := notify.Verify([]byte(secret), r.Header.Get("Sealchain-Signature"), body, time.Now(), time.Minute); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		got <- body
	}))
	defer srv.Close()
	_, c := newWFCoreNet(ctx, t, func(cfg *config.Config) {
		cfg.Workflow.ReminderInterval = config.Duration{Duration: time.Second}
		cfg.Workflow.WebhookAllow = []string{"127.0.0.1/32"} // the receiver below
	})
	c.must(http.StatusCreated, "POST", "/v1/wf/webhooks", map[string]any{"url": srv.URL, "secret": secret, "events": []string{"contract.sent"}})
	zhang := c.person("张三", identity.DevPassIDNumber, identity.DevPassPhone)
	id, _ := c.contract("sequential", nil, zhang)
	select {
	case body := <-got:
		var ev map[string]any
		if err := json.Unmarshal(body, &ev); err != nil || ev["contract_id"] != id || ev["event"] != "contract.sent" {
			t.Fatalf("webhook body %s (%v)", body, err)
		}
	case <-ctx.Done():
		t.Fatalf("no webhook delivered; %d calls", calls.Load())
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		m := c.must(http.StatusOK, "GET", "/v1/wf/webhooks/deliveries", nil)
		ds := m["deliveries"].([]any)
		if len(ds) == 1 {
			d := ds[0].(map[string]any)
			if d["state"] == "delivered" && len(d["attempts"].([]any)) == 3 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("delivery log: %v", m)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Scheduled reminders: within a few seconds the unsigned party was
	// reminded, by SMS and on chain.
	deadline = time.Now().Add(10 * time.Second)
	for {
		m := c.settled(id)
		p := m["parties"].([]any)[0].(map[string]any)
		reminded := 0
		for _, r := range m["chain"].(map[string]any)["records"].([]any) {
			if r.(map[string]any)["type"] == "contract_reminded" {
				reminded++
			}
		}
		if p["reminders"].(float64) >= 1 && reminded >= 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no scheduled reminder: party %v", p)
		}
		time.Sleep(100 * time.Millisecond)
	}
	out := c.must(http.StatusOK, "GET", "/v1/wf/outbox?channel=sms&limit=1000", nil)
	found := false
	for _, x := range out["messages"].([]any) {
		msg := x.(map[string]any)
		if msg["template"] == "reminder" && msg["params"].(map[string]any)["contract_id"] == id {
			found = true
		}
	}
	if !found {
		t.Fatal("no reminder message in the outbox")
	}
}

// TestWorkflowDepositSurvivesRestart starts a micro-deposit check, spends
// an attempt, restarts the node and confirms the deposit: the challenge
// and its attempt count live in the workflow database
// (identity.WithDepositStore), not in memory.
func TestWorkflowDepositSurvivesRestart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	n, c := newWFCoreNet(ctx, t)
	res := c.must(http.StatusAccepted, "POST", "/v1/wf/identities", map[string]any{"kind": "enterprise", "method": "bank_transfer",
		"enterprise": map[string]any{"name": "上海某某有限公司", "credit_code": identity.DevPassCreditCode,
			"bank_account": "6222000000000001", "phone": "13800138009"}})
	id := res["identity"].(map[string]any)["id"].(string)
	amount := int64(res["dev_amount_cents"].(float64))
	wrong := map[string]any{"amount_cents": amount%99 + 1}
	if r := c.call("POST", "/v1/wf/identities/"+id+"/deposit", wrong, ""); r.status != http.StatusUnprocessableEntity {
		t.Fatalf("wrong amount: %d %s", r.status, r.body)
	}

	if err := n.node.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	n.start(ctx, t)
	c.base = n.base

	if m := c.must(http.StatusOK, "GET", "/v1/wf/identities/"+id, nil); m["status"] != "pending" {
		t.Fatalf("after the restart the identity is %v, want pending", m["status"])
	}
	// The attempt spent before the restart still counts: 3 in all.
	r := c.call("POST", "/v1/wf/identities/"+id+"/deposit", wrong, "")
	if r.status != http.StatusUnprocessableEntity || !bytes.Contains(r.body, []byte("1 attempts left")) && !bytes.Contains(r.body, []byte("1 attempt left")) {
		t.Fatalf("second wrong amount after the restart: %d %s, want 1 attempt left", r.status, r.body)
	}
	m := c.must(http.StatusOK, "POST", "/v1/wf/identities/"+id+"/deposit", map[string]any{"amount_cents": amount})
	if m["status"] != "verified" {
		t.Fatalf("deposit after the restart: %v", m)
	}
	// The restarted node exports the chain queue's gauges.
	metrics := c.call("GET", "/metrics", nil, "")
	for _, name := range []string{"sealchain_workflow_chain_queued ", "sealchain_workflow_chain_stuck 0"} {
		if !bytes.Contains(metrics.body, []byte(name)) {
			t.Errorf("/metrics has no %q", name)
		}
	}
}
