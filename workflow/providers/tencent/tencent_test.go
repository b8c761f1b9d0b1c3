package tencent

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/workflow/identity"
	"github.com/sealchain/sealchain/workflow/notify"
	"github.com/sealchain/sealchain/workflow/providers"
	"github.com/sealchain/sealchain/workflow/providers/vendortest"
)

const (
	testID  = "AKIDsealchainTEST0000000000000000"
	testKey = "sealchainTESTsecretKEY0000000000"
)

func fake(t *testing.T) (*vendortest.Tencent, Config) {
	t.Helper()
	f := vendortest.NewTencent(testID, testKey)
	t.Cleanup(f.Close)
	return f, Config{SecretID: testID, SecretKey: testKey, Region: "ap-guangzhou", Endpoint: f.Host(), PlainHTTP: true,
		Timeout: 2 * time.Second}
}

// outcome names an adapter's result: ok, rejected, permanent, unavailable.
func outcome(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, identity.ErrRejected):
		return "rejected"
	case errors.Is(err, notify.ErrPermanent):
		return "permanent"
	case errors.Is(err, providers.ErrUnavailable):
		return "unavailable"
	}
	return "other: " + err.Error()
}

func smsReply(code string) vendortest.Handler {
	return func(map[string]any) vendortest.Reply {
		return vendortest.Reply{Body: map[string]any{"SendStatusSet": []any{map[string]any{
			"SerialNo": "2640:1", "PhoneNumber": "+8613800138000", "Fee": 1, "Code": code, "Message": code, "IsoCode": "CN"}}}}
	}
}

func TestSMS(t *testing.T) {
	f, cfg := fake(t)
	s, err := NewSMS(SMSConfig{Config: cfg, AppID: "1400000001", SignName: "封链平台",
		Templates: map[string]Template{notify.TemplateSMSCode: {ID: "1000001", Params: []string{"code", "ttl_minutes"}}}})
	if err != nil {
		t.Fatal(err)
	}
	params := map[string]string{"code": "123456", "ttl_minutes": "5", "purpose": "sign c-1"}
	for _, tc := range []struct {
		name string
		h    vendortest.Handler
		want string
	}{
		{"sent", smsReply("Ok"), "ok"},
		{"daily limit", smsReply("LimitExceeded.PhoneNumberDailyLimit"), "unavailable"},
		{"bad number", smsReply("InvalidParameterValue.IncorrectPhoneNumber"), "permanent"},
		{"api error", func(map[string]any) vendortest.Reply { return vendortest.Reply{Error: "InternalError.Timeout"} }, "unavailable"},
		{"api refuses the number", func(map[string]any) vendortest.Reply {
			return vendortest.Reply{Error: "InvalidParameterValue.IncorrectPhoneNumber"}
		}, "permanent"},
		{"http 502", func(map[string]any) vendortest.Reply { return vendortest.Reply{Status: http.StatusBadGateway} }, "unavailable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.Handle("SendSms", tc.h)
			if got := outcome(s.SendSMS(context.Background(), "13800138000", notify.TemplateSMSCode, params)); got != tc.want {
				t.Fatalf("outcome %s, want %s", got, tc.want)
			}
		})
	}
	calls := f.Calls()
	c := calls[0]
	if !c.SignatureOK || c.Service != "sms" || c.Action != "SendSms" {
		t.Fatalf("call %+v", c)
	}
	want := map[string]any{"SmsSdkAppId": "1400000001", "SignName": "封链平台", "TemplateId": "1000001",
		"PhoneNumberSet": []any{"+8613800138000"}, "TemplateParamSet": []any{"123456", "5"}}
	for k, v := range want {
		if got := c.Params[k]; !equalJSON(got, v) {
			t.Errorf("%s = %v, want %v", k, got, v)
		}
	}
	if err := s.SendSMS(context.Background(), "13800138000", "no_such_template", nil); outcome(err) != "permanent" {
		t.Fatalf("unknown template: %v", err)
	}
}

func equalJSON(a, b any) bool {
	as, bs := strings.TrimSpace(fmtAny(a)), strings.TrimSpace(fmtAny(b))
	return as == bs
}

func fmtAny(v any) string {
	var b bytes.Buffer
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			b.WriteString(fmtAny(e) + ",")
		}
	case string:
		b.WriteString(x)
	default:
		b.WriteString("?")
	}
	return b.String()
}

// tamper changes the body after the SDK signed it.
type tamper struct{}

func (tamper) RoundTrip(r *http.Request) (*http.Response, error) {
	b, _ := io.ReadAll(r.Body)
	b = bytes.Replace(b, []byte("13800138000"), []byte("13800138001"), 1)
	r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
	return http.DefaultTransport.RoundTrip(r)
}

// TestSignature checks that the fake verifies TC3-HMAC-SHA256: a wrong
// key, a wrong id, a changed body and a stale clock are all refused.
func TestSignature(t *testing.T) {
	f, cfg := fake(t)
	f.Handle("SendSms", smsReply("Ok"))
	tmpl := map[string]Template{"sms_code": {ID: "1", Params: []string{"code"}}}
	send := func(c Config) error {
		s, err := NewSMS(SMSConfig{Config: c, AppID: "1400000001", SignName: "x", Templates: tmpl})
		if err != nil {
			t.Fatal(err)
		}
		return s.SendSMS(context.Background(), "13800138000", "sms_code", map[string]string{"code": "1"})
	}
	if err := send(cfg); err != nil {
		t.Fatalf("good signature: %v", err)
	}
	wrongKey, wrongID, tampered := cfg, cfg, cfg
	wrongKey.SecretKey += "x"
	wrongID.SecretID += "x"
	tampered.transport = tamper{}
	for name, c := range map[string]Config{"wrong key": wrongKey, "wrong id": wrongID, "tampered body": tampered} {
		err := send(c)
		if outcome(err) != "unavailable" || !strings.Contains(err.Error(), "AuthFailure") {
			t.Errorf("%s: %v, want an AuthFailure", name, err)
		}
		if strings.Contains(err.Error(), testKey) {
			t.Errorf("%s: the error shows the key", name)
		}
	}
	f.Now = func() time.Time { return time.Now().Add(10 * time.Minute) }
	if err := send(cfg); err == nil || !strings.Contains(err.Error(), "AuthFailure.SignatureExpire") {
		t.Errorf("stale timestamp: %v", err)
	}
	f.Now = nil
	ok := 0
	for _, c := range f.Calls() {
		if c.SignatureOK {
			ok++
		}
	}
	if ok != 1 {
		t.Fatalf("%d calls verified, want 1", ok)
	}
}

func TestTimeout(t *testing.T) {
	f, cfg := fake(t)
	cfg.Timeout = 200 * time.Millisecond
	f.Handle("PhoneVerification", func(map[string]any) vendortest.Reply {
		return vendortest.Reply{Delay: 3 * time.Second, Body: map[string]any{"Result": "0"}}
	})
	p, err := NewIdentity(cfg, 0)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = p.Check(context.Background(), person(chain.IdentityCarrier3Factor))
	if outcome(err) != "unavailable" {
		t.Fatalf("slow vendor: %v", err)
	}
	if d := time.Since(start); d > 1500*time.Millisecond {
		t.Fatalf("took %s, want about the 200ms time-out", d)
	}
	// The caller's context ends a call too.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	cfg.Timeout = 5 * time.Second
	p, _ = NewIdentity(cfg, 0)
	if err := p.Check(ctx, person(chain.IdentityCarrier3Factor)); outcome(err) != "unavailable" {
		t.Fatalf("cancelled: %v", err)
	}
}

func person(m chain.IdentityMethod) *identity.Request {
	return &identity.Request{Method: m, Person: &identity.Person{Name: "张三", IDNumber: identity.DevPassIDNumber,
		Phone: identity.DevPassPhone, Face: []byte("aGVsbG8=")}}
}

func enterprise(m chain.IdentityMethod) *identity.Request {
	p := person(m).Person
	return &identity.Request{Method: m, Enterprise: &identity.Enterprise{Name: "北京封链科技有限公司",
		CreditCode: identity.DevPassCreditCode, Agent: p, LegalRep: p}}
}

func biz(regNum, name, status, legalRep string) vendortest.Handler {
	return func(map[string]any) vendortest.Reply {
		return vendortest.Reply{Body: map[string]any{"ErrorCode": 0, "CreditCode": identity.DevPassCreditCode,
			"Entname": "北京封链科技有限公司", "Frname": legalRep, "Entstatus": status,
			"RegNumResult": map[string]any{"RegNum": regNum, "Name": name, "Address": ""}}}
	}
}

func phone(result string) vendortest.Handler {
	return func(map[string]any) vendortest.Reply {
		return vendortest.Reply{Body: map[string]any{"Result": result, "Description": "x", "Isp": "移动"}}
	}
}

func face(result string, sim float64) vendortest.Handler {
	return func(map[string]any) vendortest.Reply {
		return vendortest.Reply{Body: map[string]any{"Result": result, "Sim": sim, "Description": "x"}}
	}
}

func TestIdentity(t *testing.T) {
	f, cfg := fake(t)
	p, err := NewIdentity(cfg, 0)
	if err != nil {
		t.Fatal(err)
	}
	errReply := func(code string) vendortest.Handler {
		return func(map[string]any) vendortest.Reply { return vendortest.Reply{Error: code} }
	}
	for _, tc := range []struct {
		name     string
		req      *identity.Request
		handlers map[string]vendortest.Handler
		want     string
	}{
		{"carrier pass", person(chain.IdentityCarrier3Factor), map[string]vendortest.Handler{"PhoneVerification": phone("0")}, "ok"},
		{"carrier mismatch", person(chain.IdentityCarrier3Factor), map[string]vendortest.Handler{"PhoneVerification": phone("-4")}, "rejected"},
		{"carrier busy", person(chain.IdentityCarrier3Factor), map[string]vendortest.Handler{"PhoneVerification": phone("-11")}, "unavailable"},
		{"carrier throttled", person(chain.IdentityCarrier3Factor), map[string]vendortest.Handler{"PhoneVerification": errReply("RequestLimitExceeded")}, "unavailable"},
		{"face pass", person(chain.IdentityFace), map[string]vendortest.Handler{"ImageRecognition": face("Success", 91.5)}, "ok"},
		{"face low", person(chain.IdentityFace), map[string]vendortest.Handler{"ImageRecognition": face("Success", 72)}, "rejected"},
		{"face mismatch code", person(chain.IdentityFace), map[string]vendortest.Handler{"ImageRecognition": errReply("FailedOperation.IdNameMisMatch")}, "rejected"},
		{"face internal", person(chain.IdentityFace), map[string]vendortest.Handler{"ImageRecognition": errReply("InternalError")}, "unavailable"},
		{"registry pass", enterprise(chain.IdentityBusinessRegistry), map[string]vendortest.Handler{"VerifyBasicBizLicense": biz("0", "0", "存续", "张三")}, "ok"},
		{"registry unknown", enterprise(chain.IdentityBusinessRegistry), map[string]vendortest.Handler{"VerifyBasicBizLicense": biz("-1", "", "", "")}, "rejected"},
		{"registry other name", enterprise(chain.IdentityBusinessRegistry), map[string]vendortest.Handler{"VerifyBasicBizLicense": biz("0", "-1", "存续", "张三")}, "rejected"},
		{"registry deregistered", enterprise(chain.IdentityBusinessRegistry), map[string]vendortest.Handler{"VerifyBasicBizLicense": biz("0", "0", "注销", "张三")}, "rejected"},
		{"legal rep pass", enterprise(chain.IdentityLegalRepAuth), map[string]vendortest.Handler{"VerifyBasicBizLicense": biz("0", "0", "存续", "张三"), "PhoneVerification": phone("0")}, "ok"},
		{"legal rep other", enterprise(chain.IdentityLegalRepAuth), map[string]vendortest.Handler{"VerifyBasicBizLicense": biz("0", "0", "存续", "李四"), "PhoneVerification": phone("0")}, "rejected"},
		{"agent fails carrier", enterprise(chain.IdentityAgentCheck), map[string]vendortest.Handler{"VerifyBasicBizLicense": biz("0", "0", "在营", "李四"), "PhoneVerification": phone("-5")}, "rejected"},
		{"agent registry down", enterprise(chain.IdentityAgentCheck), map[string]vendortest.Handler{"VerifyBasicBizLicense": func(map[string]any) vendortest.Reply {
			return vendortest.Reply{Status: http.StatusServiceUnavailable}
		}, "PhoneVerification": phone("0")}, "unavailable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for a, h := range tc.handlers {
				f.Handle(a, h)
			}
			if got := outcome(p.Check(context.Background(), tc.req)); got != tc.want {
				t.Fatalf("outcome %s, want %s", got, tc.want)
			}
		})
	}
	for _, c := range f.Calls() {
		if !c.SignatureOK {
			t.Fatalf("call %s not signed right", c.Action)
		}
		want := map[string]string{"PhoneVerification": "faceid", "ImageRecognition": "faceid", "VerifyBasicBizLicense": "ocr"}[c.Action]
		if c.Service != want {
			t.Fatalf("%s signed for service %s, want %s", c.Action, c.Service, want)
		}
	}
}

func TestBank(t *testing.T) {
	f, cfg := fake(t)
	b, err := NewBank(BankConfig{Config: cfg, MerchantID: "M100001"})
	if err != nil {
		t.Fatal(err)
	}
	to := identity.Account{Name: "北京封链科技有限公司", Number: "6222021234567890", Bank: "平安银行北京分行"}
	for _, tc := range []struct {
		name, code string
		status     int
		want       string
	}{
		{"paid", "SUCCESS", 0, "ok"},
		{"refused", "PAYEE_ACCOUNT_ERROR", 0, "rejected"},
		{"gateway down", "", http.StatusBadGateway, "unavailable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.Handle("TransferSinglePay", func(map[string]any) vendortest.Reply {
				return vendortest.Reply{Status: tc.status, Body: map[string]any{"ErrCode": tc.code, "ErrMessage": "x",
					"Result": map[string]any{"TradeSerialNo": "T1"}}}
			})
			if got := outcome(b.Transfer(context.Background(), to, 37, "SEALCHAIN 0a1b2c3d")); got != tc.want {
				t.Fatalf("outcome %s, want %s", got, tc.want)
			}
		})
	}
	c := f.Calls()[0]
	if !c.SignatureOK || c.Service != "cpdp" {
		t.Fatalf("call %+v", c)
	}
	for k, v := range map[string]any{"TransferType": float64(3), "TransferAmount": float64(37), "PayeeId": to.Number,
		"PayeeName": to.Name, "OrderId": "SEALCHAIN-0a1b2c3d", "MerchantId": "M100001"} {
		if c.Params[k] != v {
			t.Errorf("%s = %v, want %v", k, c.Params[k], v)
		}
	}
}
