package node

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/cockroachdb/pebble"

	"github.com/sealchain/sealchain/config"
	"github.com/sealchain/sealchain/workflow/identity"
)

// countKeys counts the workflow database's keys under prefix.
func countKeys(t *testing.T, db *pebble.DB, prefix string) int {
	t.Helper()
	it, err := db.NewIter(&pebble.IterOptions{LowerBound: []byte(prefix), UpperBound: []byte(prefix + "\xff")})
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	n := 0
	for it.First(); it.Valid(); it.Next() {
		n++
	}
	return n
}

// TestWorkflowSecurity: the signing workflow's defences against the
// audit's probes (issue #12 items 6, 7, 9a, 9d) on a running node.
func TestWorkflowSecurity(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	n, c := newWFCoreNet(ctx, t, func(cfg *config.Config) {
		cfg.Workflow.OTPCooldown = config.Duration{Duration: time.Second}
		cfg.Workflow.OTPCodesPerHour = 2
		cfg.Workflow.OTPMaxAttempts = 3
		cfg.Workflow.OTPMaxFailures = 4
	})
	errIs := func(t *testing.T, r *wfAnswer, status int, code string) {
		t.Helper()
		if r.status != status || r.errCode() != code {
			t.Fatalf("got %d %s, want %d %s", r.status, r.body, status, code)
		}
	}
	zhang := c.person("张三", identity.DevPassIDNumber, identity.DevPassPhone)

	t.Run("webhook targets", func(t *testing.T) {
		c.t = t
		// IP literals are refused when subscribing: nothing is dialled.
		for _, u := range []string{"http://127.0.0.1:8080/hook", "http://[::1]/", "http://169.254.169.254/latest/meta-data/",
			"http://10.0.0.1/", "http://[::ffff:127.0.0.1]/", "http://0.0.0.0:80/", "http://192.168.1.1/"} {
			r := c.call("POST", "/v1/wf/webhooks", map[string]any{"url": u, "secret": "0123456789abcdef0123"}, "")
			errIs(t, r, http.StatusBadRequest, "refused_target")
		}
		// A name is checked when a delivery connects (notify's tests);
		// subscriptions can be deleted.
		m := c.must(http.StatusCreated, "POST", "/v1/wf/webhooks", map[string]any{"url": "http://localhost:9/", "secret": "0123456789abcdef0123"})
		id := m["id"].(string)
		c.must(http.StatusOK, "DELETE", "/v1/wf/webhooks/"+id, nil)
		errIs(t, c.call("DELETE", "/v1/wf/webhooks/"+id, nil, ""), http.StatusNotFound, "not_found")
		if l := c.must(http.StatusOK, "GET", "/v1/wf/webhooks", nil); len(l["webhooks"].([]any)) != 0 {
			t.Fatalf("after delete: %v", l)
		}
	})

	t.Run("made-up links leave nothing behind", func(t *testing.T) {
		c.t = t
		before := countKeys(t, n.node.wf.DB(), "wf/core/idem/")
		fake := base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
		for i, probe := range []struct {
			path string
			body map[string]any
		}{
			{"/code", map[string]any{}},
			{"/sign", map[string]any{"method": "sms", "code": "123456"}},
			{"/decline", map[string]any{"reason": "x", "method": "sms", "code": "123456"}},
		} {
			r := c.call("POST", "/v1/sign/"+fake+probe.path, probe.body, fmt.Sprintf("probe-%d", i))
			errIs(t, r, http.StatusNotFound, "not_found")
		}
		if after := countKeys(t, n.node.wf.DB(), "wf/core/idem/"); after != before {
			t.Fatalf("idempotency entries %d -> %d after requests with made-up links", before, after)
		}
	})

	t.Run("code limits", func(t *testing.T) {
		c.t = t
		id, toks := c.contract("sequential", nil, zhang)
		tok := toks[0]
		first := c.must(http.StatusOK, "POST", "/v1/sign/"+tok+"/code", map[string]any{})
		if first["resend_after"] == nil || first["codes_left"] == nil {
			t.Fatalf("code answer without resend_after/codes_left: %v", first)
		}
		r := c.call("POST", "/v1/sign/"+tok+"/code", map[string]any{}, "retry-after-429")
		errIs(t, r, http.StatusTooManyRequests, "otp_cooldown")
		if ra, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || ra < 1 || ra > 1 {
			t.Fatalf("cooldown Retry-After %q", r.header.Get("Retry-After"))
		}
		time.Sleep(1100 * time.Millisecond)
		// The client waited as told and retries with the same key: a 429
		// is not a final answer, so it is not replayed.
		if r := c.call("POST", "/v1/sign/"+tok+"/code", map[string]any{}, "retry-after-429"); r.status != http.StatusOK || r.header.Get(idemReplayed) != "" {
			t.Fatalf("retry after Retry-After with the same key: %d %s (replayed %q)", r.status, r.body, r.header.Get(idemReplayed))
		}
		time.Sleep(1100 * time.Millisecond)
		r = c.call("POST", "/v1/sign/"+tok+"/code", map[string]any{}, "")
		errIs(t, r, http.StatusTooManyRequests, "otp_hourly_limit")
		if ra, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || ra < 3500 || ra > 3600 {
			t.Fatalf("hourly Retry-After %q", r.header.Get("Retry-After"))
		}
		if e := r.json(t)["error"].(map[string]any); e["retry_after_seconds"] == nil {
			t.Fatalf("no retry_after_seconds: %v", e)
		}
		_ = id
	})

	t.Run("wrong codes lock the link", func(t *testing.T) {
		c.t = t
		id, toks := c.contract("sequential", nil, zhang)
		tok := toks[0]
		code := c.code(tok, id, 0)
		wrong := fmt.Sprintf("%06d", (atoi(code)+1)%1000000)
		sign := func(code string) *wfAnswer {
			return c.call("POST", "/v1/sign/"+tok+"/sign", map[string]any{"method": "sms", "code": code}, "")
		}
		errIs(t, sign(wrong), http.StatusUnprocessableEntity, "otp_mismatch")
		errIs(t, sign(wrong), http.StatusUnprocessableEntity, "otp_mismatch")
		errIs(t, sign(wrong), http.StatusTooManyRequests, "otp_attempts") // this code is burned
		time.Sleep(1100 * time.Millisecond)
		code = c.code(tok, id, 0) // a new code: one more wrong guess in the link's life
		r := sign(wrong)
		errIs(t, r, http.StatusLocked, "link_locked")
		if left := r.json(t)["error"].(map[string]any)["attempts_left"]; left != float64(0) {
			t.Fatalf("attempts_left %v", left)
		}
		errIs(t, sign(code), http.StatusLocked, "link_locked")
		time.Sleep(1100 * time.Millisecond)
		errIs(t, c.call("POST", "/v1/sign/"+tok+"/code", map[string]any{}, ""), http.StatusLocked, "link_locked")
		errIs(t, c.call("POST", "/v1/sign/"+tok+"/sign", map[string]any{"method": "face", "face_token": "live"}, ""), http.StatusLocked, "link_locked")
		errIs(t, c.call("POST", "/v1/sign/"+tok+"/decline", map[string]any{"reason": "x", "method": "sms", "code": code}, ""), http.StatusLocked, "link_locked")
		v := c.must(http.StatusOK, "GET", "/v1/sign/"+tok, nil)
		if p := v["party"].(map[string]any); p["locked"] != true || v["can_sign"] != false {
			t.Fatalf("view of a locked link: %v", v)
		}
	})

	t.Run("a code works only for its purpose", func(t *testing.T) {
		c.t = t
		id, toks := c.contract("parallel", nil, zhang)
		code := c.declineCode(toks[0], id, 0)
		errIs(t, c.call("POST", "/v1/sign/"+toks[0]+"/sign", map[string]any{"method": "sms", "code": code}, ""),
			http.StatusUnprocessableEntity, "otp_purpose")
		if m := c.must(http.StatusOK, "GET", "/v1/wf/contracts/"+id, nil); m["parties"].([]any)[0].(map[string]any)["status"] == "signed" {
			t.Fatal("a code requested to decline signed the contract")
		}
		time.Sleep(1100 * time.Millisecond)
		code = c.code(toks[0], id, 0)
		errIs(t, c.call("POST", "/v1/sign/"+toks[0]+"/decline", map[string]any{"reason": "no", "method": "sms", "code": code}, ""),
			http.StatusUnprocessableEntity, "otp_purpose")
		c.must(http.StatusOK, "POST", "/v1/sign/"+toks[0]+"/sign", map[string]any{"method": "sms", "code": code})
	})

	t.Run("declining needs intent", func(t *testing.T) {
		c.t = t
		li := c.person("李四", identity.DevPassIDNumber2, "13800138001")
		id, toks := c.contract("sequential", nil, zhang, li)
		// Party 1 may decline before its turn, but not with the link alone.
		errIs(t, c.call("POST", "/v1/sign/"+toks[1]+"/decline", map[string]any{"reason": "no"}, ""), http.StatusUnprocessableEntity, "otp_required")
		errIs(t, c.call("POST", "/v1/sign/"+toks[1]+"/decline", map[string]any{"reason": "no", "method": "face", "face_token": identity.DevRejectFace}, ""),
			http.StatusUnprocessableEntity, "face_mismatch")
		code := c.declineCode(toks[1], id, 1)
		wrong := fmt.Sprintf("%06d", (atoi(code)+1)%1000000)
		errIs(t, c.call("POST", "/v1/sign/"+toks[1]+"/decline", map[string]any{"reason": "no", "method": "sms", "code": wrong}, ""),
			http.StatusUnprocessableEntity, "otp_mismatch")
		if m := c.must(http.StatusOK, "GET", "/v1/wf/contracts/"+id, nil); m["status"] != "signing" {
			t.Fatalf("contract %v after refused declines", m["status"])
		}
		c.must(http.StatusOK, "POST", "/v1/sign/"+toks[1]+"/decline", map[string]any{"reason": "no", "method": "sms", "code": code})
		if m := c.settled(id); m["status"] != "declined" {
			t.Fatalf("contract %v after the decline", m["status"])
		}
	})
}

// encodings are the forms a secret could take on disk.
func encodings(raw []byte) [][]byte {
	return [][]byte{raw, []byte(hex.EncodeToString(raw)), []byte(base64.StdEncoding.EncodeToString(raw)),
		[]byte(base64.RawStdEncoding.EncodeToString(raw)), []byte(base64.RawURLEncoding.EncodeToString(raw))}
}

// isolated reports whether data holds the digits d not inside a longer run
// of digits (a 6-digit code is a substring of many timestamps).
func isolated(data []byte, d string) bool {
	digit := func(i int) bool { return i >= 0 && i < len(data) && data[i] >= '0' && data[i] <= '9' }
	for off := 0; ; {
		i := bytes.Index(data[off:], []byte(d))
		if i < 0 {
			return false
		}
		i += off
		if !digit(i-1) && !digit(i+len(d)) {
			return true
		}
		off = i + 1
	}
}

// TestWorkflowSecretsAtRest runs a full workflow (identities, a company by
// micro-deposit, a contract signed by two parties, one declined, one
// reminded, the outbox drained by a gateway) and then searches every byte
// of the node's data directory, pebble WAL and tables included, for the
// signing links, the SMS codes, the phone numbers and the company's
// credit code, in clear, hex and base64.
func TestWorkflowSecretsAtRest(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	n, c := newWFCoreNet(ctx, t)
	phones := []string{identity.DevPassPhone, "13800138001", "13800138009"}
	zhang := c.person("张三", identity.DevPassIDNumber, phones[0])
	li := c.person("李四", identity.DevPassIDNumber2, phones[1])
	dep := c.must(http.StatusAccepted, "POST", "/v1/wf/identities", map[string]any{"kind": "enterprise", "method": "bank_transfer",
		"enterprise": map[string]any{"name": "上海某某有限公司", "credit_code": identity.DevPassCreditCode,
			"bank_account": "6222000000000001", "phone": phones[2]}})
	depID := dep["identity"].(map[string]any)["id"].(string)
	c.must(http.StatusOK, "POST", "/v1/wf/identities/"+depID+"/deposit", map[string]any{"amount_cents": dep["dev_amount_cents"]})
	const hookSecret = "webhook-signing-secret-7f3a9c"
	c.must(http.StatusCreated, "POST", "/v1/wf/webhooks", map[string]any{"url": "http://localhost:9/", "secret": hookSecret})

	var tokens, codes []string
	id, toks := c.contract("sequential", nil, zhang, li, depID)
	tokens = append(tokens, toks...)
	for i, tok := range toks {
		c.must(http.StatusOK, "GET", "/v1/sign/"+tok, nil)
		code := c.code(tok, id, i)
		codes = append(codes, code)
		c.must(http.StatusOK, "POST", "/v1/sign/"+tok+"/sign", map[string]any{"method": "sms", "code": code})
	}
	id2, toks2 := c.contract("parallel", nil, zhang, li)
	tokens = append(tokens, toks2...)
	code := c.declineCode(toks2[1], id2, 1)
	codes = append(codes, code)
	c.must(http.StatusOK, "POST", "/v1/sign/"+toks2[1]+"/decline", map[string]any{"reason": "the fee is wrong", "method": "sms", "code": code})
	id3, toks3 := c.contract("sequential", nil, li)
	tokens = append(tokens, toks3...)
	c.must(http.StatusOK, "POST", "/v1/wf/contracts/"+id3+"/remind", map[string]any{})
	for _, x := range []string{id, id2, id3} {
		c.settled(x)
	}
	// A gateway drains the outbox: every message is sent and acknowledged
	// (reminders included, once the workflow's queue handed them over).
	for deadline := time.Now().Add(20 * time.Second); ; {
		m := c.must(http.StatusOK, "GET", "/v1/wf/outbox?channel=sms&limit=1000", nil)
		var ids []string
		for _, x := range m["messages"].([]any) {
			ids = append(ids, x.(map[string]any)["id"].(string))
		}
		if len(ids) > 0 {
			c.must(http.StatusOK, "POST", "/v1/wf/outbox/ack", map[string]any{"ids": ids})
		}
		queued := countKeys(t, n.node.wf.DB(), "wf/core/qnt/")
		if len(ids) == 0 && queued == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("outbox not drained: %d pending, %d queued", len(ids), queued)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := n.node.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}

	type secret struct {
		what  string
		forms [][]byte
	}
	var secrets []secret
	for _, tok := range tokens {
		raw, err := base64.RawURLEncoding.DecodeString(tok)
		if err != nil {
			t.Fatal(err)
		}
		secrets = append(secrets, secret{"signing link " + tok[:6] + "…", append(encodings(raw), []byte(tok))})
	}
	for _, p := range phones {
		secrets = append(secrets, secret{"phone " + p, [][]byte{[]byte(p)}})
	}
	secrets = append(secrets, secret{"credit code", [][]byte{[]byte(identity.DevPassCreditCode)}},
		secret{"id number", [][]byte{[]byte(identity.DevPassIDNumber), []byte(identity.DevPassIDNumber2)}},
		secret{"webhook secret", append(encodings([]byte(hookSecret)), []byte(hookSecret))})

	dataDir := filepath.Join(string(n.home), "data")
	files := 0
	err := filepath.Walk(dataDir, func(path string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		rel, _ := filepath.Rel(dataDir, path)
		for _, s := range secrets {
			for _, f := range s.forms {
				if bytes.Contains(data, f) {
					t.Errorf("%s found in %s (as %q)", s.what, rel, f)
				}
			}
		}
		for _, code := range codes {
			if isolated(data, code) {
				t.Errorf("SMS code %s found in %s", code, rel)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 5 {
		t.Fatalf("searched only %d files under %s", files, dataDir)
	}
	t.Logf("searched %d files for %d links, %d codes, %d phone numbers", files, len(tokens), len(codes), len(phones))
}
