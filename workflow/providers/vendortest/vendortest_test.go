package vendortest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The fakes refuse what the documents refuse, before any handler runs.
func TestFakesRefuseUnsigned(t *testing.T) {
	tc := NewTencent("id", "key")
	defer tc.Close()
	tc.Handle("SendSms", func(map[string]any) Reply { t.Fatal("handler ran"); return Reply{} })
	req, _ := http.NewRequest("POST", "http://"+tc.Host()+"/", strings.NewReader(`{}`))
	req.Header.Set("X-TC-Action", "SendSms")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "TC3-HMAC-SHA256 Credential=id/2026-12-06/sms/tc3_request, SignedHeaders=content-type;host, Signature=00")
	req.Header.Set("X-TC-Timestamp", "1796558400")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		Response struct{ Error struct{ Code string } }
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if err := json.Unmarshal(b, &body); err != nil || !strings.HasPrefix(body.Response.Error.Code, "AuthFailure.") {
		t.Fatalf("tencent: %s", b)
	}

	al := NewAliyun("id", "secret")
	defer al.Close()
	al.Handle("SendSms", func(map[string]any) Reply { t.Fatal("handler ran"); return Reply{} })
	for name, mod := range map[string]func(*http.Request){
		"payload hash":    func(r *http.Request) { r.Header.Set("x-acs-content-sha256", "00") },
		"unsigned header": func(r *http.Request) { r.Header.Set("x-acs-extra", "1") },
		"no algorithm":    func(r *http.Request) { r.Header.Set("Authorization", "HMAC-SHA1 x") },
	} {
		req, _ := http.NewRequest("POST", "http://"+al.Host()+"/?PhoneNumbers=1", nil)
		req.Header.Set("x-acs-action", "SendSms")
		req.Header.Set("x-acs-date", time.Now().UTC().Format("2006-01-02T15:04:05Z"))
		req.Header.Set("x-acs-content-sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
		req.Header.Set("Authorization", "ACS3-HMAC-SHA256 Credential=id,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date,Signature=00")
		mod(req)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusBadRequest {
			t.Errorf("aliyun %s: %d %s", name, res.StatusCode, b)
		}
	}
	for _, c := range append(tc.Calls(), al.Calls()...) {
		if c.SignatureOK {
			t.Fatalf("%s verified", c.Action)
		}
	}
}
