package node

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/config"
	"github.com/sealchain/sealchain/internal/nodetest"
	"github.com/sealchain/sealchain/node/nodehome"
	"github.com/sealchain/sealchain/workflow/identity"
	"github.com/sealchain/sealchain/workflow/providers/vendortest"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

const (
	vendorID  = "AKIDnodeTEST00000000000000000000"
	vendorKey = "nodeTESTsecretKEY000000000000000"
)

// tencentProviders points SMS and identity at the fake, with key files.
func tencentProviders(t *testing.T, f *vendortest.Tencent, keyMode os.FileMode) func(*config.Config) {
	dir := t.TempDir()
	idFile, keyFile := filepath.Join(dir, "tencent_id"), filepath.Join(dir, "tencent_key")
	for p, v := range map[string]string{idFile: vendorID, keyFile: vendorKey} {
		if err := os.WriteFile(p, []byte(v+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(keyFile, keyMode); err != nil {
		t.Fatal(err)
	}
	acct := config.VendorAccount{Vendor: config.VendorTencent, Region: "ap-guangzhou", Endpoint: f.Host(), PlainHTTP: true,
		SecretIDFile: idFile, SecretKeyFile: keyFile, Timeout: config.Duration{Duration: 2 * time.Second}}
	return func(c *config.Config) {
		c.Consensus.BlockInterval = config.Duration{Duration: 20 * time.Millisecond}
		c.Workflow.OTPCooldown = config.Duration{}
		c.Workflow.Providers.SMS = config.SMSProvider{VendorAccount: acct, AppID: "1400000001", SignName: "封链",
			Templates:      map[string]string{"sms_code": "1001", "sign_link": "1002", "reminder": "1003"},
			TemplateParams: map[string][]string{"sms_code": {"code", "contract_id"}, "sign_link": {"title", "link"}, "reminder": {"title", "link"}},
			RetryBackoff:   config.Duration{Duration: 100 * time.Millisecond}, MaxAttempts: 5}
		c.Workflow.Providers.Identity = config.IdentityProvider{VendorAccount: acct}
		c.Workflow.Providers.Bank = config.BankProvider{VendorAccount: acct, MerchantID: "M100001"}
	}
}

// startProviderNode starts a platform node with mods, logging at debug
// level into logs.
func startProviderNode(ctx context.Context, t *testing.T, logs *lockedBuffer, mods ...func(*config.Config)) (*Node, error) {
	home := t.TempDir()
	cfg := config.Default()
	cfg.API.Listen = itFreeHostPort(t)
	cfg.Consensus.P2PListen = nodetest.CometAddr(t)
	cfg.Consensus.RPCListen = nodetest.CometAddr(t)
	for _, m := range mods {
		m(&cfg)
	}
	if _, err := nodehome.Init(nodehome.InitOptions{Home: home, ChainID: itChainID, OrgID: "platform", OrgName: "Platform Ltd",
		Role: chain.RolePlatform, Config: cfg}); err != nil {
		t.Fatalf("Init: %v", err)
	}
	nd, err := New(home, apiContract(t), WithLogger(slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	if err != nil {
		return nil, err
	}
	if err := nd.Start(ctx); err != nil {
		return nil, err
	}
	t.Cleanup(func() {
		if err := nd.Stop(); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return nd, nil
}

// TestWorkflowVendorProviders runs identity checks and SMS through the
// Tencent adapters against the signature-checking fake: a carrier check
// whose vendor is busy leaves the identity pending, and a retry verifies
// it; an SMS code the vendor throttles shows as pending on the link, is
// retried from the outbox and arrives; the party signs with it. The
// node's debug log never holds the API secret.
func TestWorkflowVendorProviders(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	f := vendortest.NewTencent(vendorID, vendorKey)
	defer f.Close()
	var mu sync.Mutex
	carrierBusy, smsThrottle := true, 0
	var codes []string
	f.Handle("PhoneVerification", func(map[string]any) vendortest.Reply {
		mu.Lock()
		defer mu.Unlock()
		if carrierBusy {
			return vendortest.Reply{Body: map[string]any{"Result": "-11", "Description": "验证中心服务繁忙"}}
		}
		return vendortest.Reply{Body: map[string]any{"Result": "0", "Description": "认证通过"}}
	})
	f.Handle("SendSms", func(p map[string]any) vendortest.Reply {
		mu.Lock()
		defer mu.Unlock()
		code := "Ok"
		if smsThrottle > 0 && p["TemplateId"] == "1001" {
			smsThrottle, code = smsThrottle-1, "LimitExceeded.PhoneNumberThirtySecondLimit"
		} else if p["TemplateId"] == "1001" {
			codes = append(codes, p["TemplateParamSet"].([]any)[0].(string))
		}
		return vendortest.Reply{Body: map[string]any{"SendStatusSet": []any{map[string]any{"Code": code, "SerialNo": "1"}}}}
	})
	faceDown, bankDown := true, true
	var paid []int64
	var orders []string
	f.Handle("ImageRecognition", func(map[string]any) vendortest.Reply {
		mu.Lock()
		defer mu.Unlock()
		if faceDown {
			return vendortest.Reply{Error: "InternalError"}
		}
		return vendortest.Reply{Body: map[string]any{"Result": "Success", "Sim": 93.5, "Description": "成功"}}
	})
	f.Handle("TransferSinglePay", func(p map[string]any) vendortest.Reply {
		mu.Lock()
		defer mu.Unlock()
		paid = append(paid, int64(p["TransferAmount"].(float64)))
		orders = append(orders, p["OrderId"].(string))
		if bankDown {
			return vendortest.Reply{Status: http.StatusBadGateway}
		}
		return vendortest.Reply{Body: map[string]any{"ErrCode": "SUCCESS", "ErrMessage": "", "Result": map[string]any{"TradeSerialNo": "T1"}}}
	})
	f.Handle("VerifyBasicBizLicense", func(map[string]any) vendortest.Reply {
		return vendortest.Reply{Body: map[string]any{"ErrorCode": 0, "Entstatus": "存续", "Frname": "王五",
			"RegNumResult": map[string]any{"RegNum": "0", "Name": "0"}}}
	})
	var logs lockedBuffer
	nd, err := startProviderNode(ctx, t, &logs, tencentProviders(t, f, 0o600))
	if err != nil {
		t.Fatal(err)
	}
	c := newWFCore(t, "http://"+nd.APIAddr(), nodehome.Home(nd.home))

	// The carrier is busy: pending, not failed; a retry verifies.
	body := map[string]any{"kind": "person", "method": "carrier_3factor",
		"person": map[string]any{"name": "张三", "id_number": identity.DevPassIDNumber, "phone": identity.DevPassPhone}}
	m := c.must(http.StatusAccepted, "POST", "/v1/wf/identities", body)["identity"].(map[string]any)
	if m["status"] != "pending" || m["pending_reason"] != "provider_unavailable" {
		t.Fatalf("busy carrier: %v", m)
	}
	zhang := m["id"].(string)
	if r := c.call("POST", "/v1/wf/identities/"+zhang+"/retry", map[string]any{}, ""); r.status != http.StatusAccepted {
		t.Fatalf("retry while busy: %d %s", r.status, r.body)
	}
	mu.Lock()
	carrierBusy = false
	mu.Unlock()
	if m := c.must(http.StatusOK, "POST", "/v1/wf/identities/"+zhang+"/retry", map[string]any{}); m["status"] != "verified" {
		t.Fatalf("retry: %v", m)
	}
	if r := c.call("POST", "/v1/wf/identities/"+zhang+"/retry", map[string]any{}, ""); r.status != http.StatusConflict {
		t.Fatalf("retry of a verified identity: %d %s", r.status, r.body)
	}

	// The micro-deposit: the bank's gateway fails, so whether the money
	// left is unknown; the company waits pending, the challenge kept; the
	// retry sends the same amount under the same order id; it confirms.
	co := map[string]any{"kind": "enterprise", "method": "bank_transfer", "enterprise": map[string]any{"name": "上海某某有限公司",
		"credit_code": identity.DevPassCreditCode, "bank_account": "6222000000000001", "bank_name": "平安银行上海分行", "phone": "13800138009"}}
	m = c.must(http.StatusAccepted, "POST", "/v1/wf/identities", co)["identity"].(map[string]any)
	if m["pending_reason"] != "provider_unavailable" {
		t.Fatalf("bank down: %v", m)
	}
	acme := m["id"].(string)
	mu.Lock()
	bankDown = false
	mu.Unlock()
	if m := c.must(http.StatusAccepted, "POST", "/v1/wf/identities/"+acme+"/retry", map[string]any{}); m["pending_reason"] != nil {
		t.Fatalf("retry with the bank up: %v", m)
	}
	mu.Lock()
	amount := paid[len(paid)-1]
	if len(paid) != 2 || paid[0] != paid[1] || orders[0] != orders[1] {
		t.Fatalf("transfers %v, orders %v: want the same amount and order twice", paid, orders)
	}
	mu.Unlock()
	if m := c.must(http.StatusOK, "POST", "/v1/wf/identities/"+acme+"/deposit", map[string]any{"amount_cents": amount}); m["status"] != "verified" {
		t.Fatalf("deposit: %v", m)
	}

	// Intent by face: the vendor's internal error is 503 and spends
	// nothing; once it answers, the face signs.
	li := c.person("李四", identity.DevPassIDNumber2, "13800138001")
	_, ftoks := c.contract("sequential", nil, li)
	c.must(http.StatusOK, "GET", "/v1/sign/"+ftoks[0], nil)
	faceIn := map[string]any{"method": "face", "face_token": "aGVsbG8gZmFjZQ=="}
	if r := c.call("POST", "/v1/sign/"+ftoks[0]+"/sign", faceIn, ""); r.status != http.StatusServiceUnavailable || r.errCode() != "provider_unavailable" {
		t.Fatalf("face vendor down: %d %s", r.status, r.body)
	}
	mu.Lock()
	faceDown = false
	mu.Unlock()
	c.must(http.StatusOK, "POST", "/v1/sign/"+ftoks[0]+"/sign", faceIn)

	id, toks := c.contract("sequential", nil, zhang)
	c.must(http.StatusOK, "GET", "/v1/sign/"+toks[0], nil)
	mu.Lock()
	smsThrottle = 2 // the gateway polls for due retries every second: the link shows pending meanwhile
	mu.Unlock()
	c.must(http.StatusOK, "POST", "/v1/sign/"+toks[0]+"/code", map[string]any{})
	var states []string
	var code string
	for deadline := time.Now().Add(20 * time.Second); code == ""; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no code delivered; states seen %v", states)
		}
		v := c.must(http.StatusOK, "GET", "/v1/sign/"+toks[0], nil)
		if d, ok := v["code"].(map[string]any); ok {
			s := fmt.Sprint(d["state"], "/", d["attempts"])
			if len(states) == 0 || states[len(states)-1] != s {
				states = append(states, s)
			}
			if d["state"] == "sent" {
				mu.Lock()
				if len(codes) > 0 {
					code = codes[len(codes)-1]
				}
				mu.Unlock()
			}
		}
	}
	if j := strings.Join(states, " "); !strings.Contains(j, "pending/1") && !strings.Contains(j, "pending/2") || states[len(states)-1] != "sent/2" {
		t.Fatalf("code delivery states %v, want pending/1 or pending/2, then sent/2", states)
	}
	c.must(http.StatusOK, "POST", "/v1/sign/"+toks[0]+"/sign", map[string]any{"method": "sms", "code": code})
	c.settled(id)
	for _, call := range f.Calls() {
		if !call.SignatureOK {
			t.Fatalf("%s reached the vendor with a bad signature", call.Action)
		}
	}
	out := logs.String()
	if !strings.Contains(out, "workflow providers") || !strings.Contains(out, "will retry") {
		t.Fatalf("log lacks the provider and retry lines")
	}
	for _, s := range []string{vendorKey, vendorID, code} {
		if strings.Contains(out, s) {
			t.Fatalf("the node log holds %q", s)
		}
	}
}

// TestWorkflowProviderKeyMode: a key file readable by others stops the
// node with an error naming the key and the mode.
func TestWorkflowProviderKeyMode(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	f := vendortest.NewTencent(vendorID, vendorKey)
	defer f.Close()
	var logs lockedBuffer
	_, err := startProviderNode(ctx, t, &logs, tencentProviders(t, f, 0o644))
	if err == nil || !strings.Contains(err.Error(), "workflow.providers.identity.secret_key_file") || !strings.Contains(err.Error(), "mode 0644") {
		t.Fatalf("start: %v, want the key file's mode refused", err)
	}
	if strings.Contains(err.Error(), vendorKey) || strings.Contains(logs.String(), vendorKey) {
		t.Fatal("the secret shows")
	}
}
