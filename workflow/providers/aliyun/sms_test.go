package aliyun

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sealchain/sealchain/workflow/notify"
	"github.com/sealchain/sealchain/workflow/providers"
	"github.com/sealchain/sealchain/workflow/providers/vendortest"
)

const (
	testID     = "LTAIsealchainTEST000000"
	testSecret = "sealchainTESTaccessKEYsecret000"
)

func outcome(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, notify.ErrPermanent):
		return "permanent"
	case errors.Is(err, providers.ErrUnavailable):
		return "unavailable"
	}
	return "other: " + err.Error()
}

func newSMS(t *testing.T, f *vendortest.Aliyun, mod func(*Config)) *SMS {
	t.Helper()
	cfg := Config{AccessKeyID: testID, AccessKeySecret: testSecret, Endpoint: f.Host(), PlainHTTP: true,
		Timeout: 2 * time.Second, SignName: "封链平台", Templates: map[string]string{notify.TemplateSMSCode: "SMS_100000001"}}
	if mod != nil {
		mod(&cfg)
	}
	s, err := NewSMS(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSMS(t *testing.T) {
	f := vendortest.NewAliyun(testID, testSecret)
	defer f.Close()
	s := newSMS(t, f, nil)
	params := map[string]string{"code": "654321", "purpose": "sign c-1 & more"}
	ok := func(map[string]any) vendortest.Reply {
		return vendortest.Reply{Body: map[string]any{"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0"}}
	}
	for _, tc := range []struct {
		name string
		h    vendortest.Handler
		want string
	}{
		{"sent", ok, "ok"},
		{"throttled", func(map[string]any) vendortest.Reply { return vendortest.Reply{Error: "isv.BUSINESS_LIMIT_CONTROL"} }, "unavailable"},
		{"bad number", func(map[string]any) vendortest.Reply { return vendortest.Reply{Error: "isv.MOBILE_NUMBER_ILLEGAL"} }, "permanent"},
		{"system error", func(map[string]any) vendortest.Reply {
			return vendortest.Reply{Status: http.StatusInternalServerError, Error: "isp.SYSTEM_ERROR"}
		}, "unavailable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.Handle("SendSms", tc.h)
			if got := outcome(s.SendSMS(context.Background(), "13800138000", notify.TemplateSMSCode, params)); got != tc.want {
				t.Fatalf("outcome %s, want %s", got, tc.want)
			}
		})
	}
	c := f.Calls()[0]
	if !c.SignatureOK || c.Action != "SendSms" {
		t.Fatalf("call %+v", c)
	}
	for k, v := range map[string]string{"PhoneNumbers": "13800138000", "SignName": "封链平台", "TemplateCode": "SMS_100000001"} {
		if c.Params[k] != v {
			t.Errorf("%s = %v, want %s", k, c.Params[k], v)
		}
	}
	var got map[string]string
	if err := json.Unmarshal([]byte(c.Params["TemplateParam"].(string)), &got); err != nil || got["code"] != "654321" || got["purpose"] != params["purpose"] {
		t.Errorf("TemplateParam %v (%v)", c.Params["TemplateParam"], err)
	}
	if err := s.SendSMS(context.Background(), "13800138000", "reminder", nil); outcome(err) != "permanent" {
		t.Errorf("unknown template: %v", err)
	}
}

// TestSignature: the fake checks ACS3-HMAC-SHA256; a wrong secret or id
// and a stale clock are refused, and the key is in no error.
func TestSignature(t *testing.T) {
	f := vendortest.NewAliyun(testID, testSecret)
	defer f.Close()
	f.Handle("SendSms", func(map[string]any) vendortest.Reply {
		return vendortest.Reply{Body: map[string]any{"Code": "OK", "Message": "OK"}}
	})
	send := func(s *SMS) error {
		return s.SendSMS(context.Background(), "13800138000", notify.TemplateSMSCode, map[string]string{"code": "1 2*~"})
	}
	if err := send(newSMS(t, f, nil)); err != nil {
		t.Fatalf("good signature: %v", err)
	}
	for name, mod := range map[string]func(*Config){
		"wrong secret": func(c *Config) { c.AccessKeySecret += "x" },
		"wrong id":     func(c *Config) { c.AccessKeyID += "x" },
	} {
		err := send(newSMS(t, f, mod))
		if outcome(err) != "unavailable" {
			t.Errorf("%s: %v", name, err)
		}
		if strings.Contains(err.Error(), testSecret) {
			t.Errorf("%s: the error shows the secret", name)
		}
	}
	f.Now = func() time.Time { return time.Now().Add(time.Hour) }
	if err := send(newSMS(t, f, nil)); outcome(err) != "unavailable" || !strings.Contains(err.Error(), "InvalidTimeStamp") {
		t.Errorf("stale date: %v", err)
	}
	n := 0
	for _, c := range f.Calls() {
		if c.SignatureOK {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d calls verified, want 1", n)
	}
}

func TestTimeout(t *testing.T) {
	f := vendortest.NewAliyun(testID, testSecret)
	defer f.Close()
	f.Handle("SendSms", func(map[string]any) vendortest.Reply {
		return vendortest.Reply{Delay: 3 * time.Second, Body: map[string]any{"Code": "OK"}}
	})
	s := newSMS(t, f, func(c *Config) { c.Timeout = 300 * time.Millisecond })
	start := time.Now()
	if err := s.SendSMS(context.Background(), "13800138000", notify.TemplateSMSCode, nil); outcome(err) != "unavailable" {
		t.Fatalf("slow: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("took %s", d)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	s = newSMS(t, f, func(c *Config) { c.Timeout = 5 * time.Second })
	start = time.Now()
	if err := s.SendSMS(ctx, "13800138000", notify.TemplateSMSCode, nil); outcome(err) != "unavailable" || time.Since(start) > time.Second {
		t.Fatalf("cancelled: %v after %s", err, time.Since(start))
	}
}
