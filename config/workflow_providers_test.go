package config_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sealchain/sealchain/config"
)

const tencentSMS = `
[workflow.providers.sms]
vendor = "tencent"
region = "ap-guangzhou"
secret_id_file = "config/tencent_secret_id"
secret_key_file = "config/tencent_secret_key"
app_id = "1400000001"
sign_name = "封链平台"
timeout = "5s"
retry_backoff = "15s"
max_attempts = 6
[workflow.providers.sms.templates]
sms_code = "1000001"
sign_link = "1000002"
reminder = "1000003"
[workflow.providers.sms.template_params]
sms_code = ["code", "ttl_minutes"]
sign_link = ["title", "link"]
reminder = ["title", "link"]
`

func TestProvidersLoad(t *testing.T) {
	c, err := config.Load(writeConfig(t, tencentSMS+`
[workflow.providers.identity]
vendor = "tencent"
region = "ap-beijing"
secret_id_file = "config/tencent_secret_id"
secret_key_file = "config/tencent_secret_key"
min_similarity = 85
[workflow.providers.bank]
vendor = "tencent"
region = "ap-guangzhou"
secret_id_file = "/etc/sealchain/cpdp_id"
secret_key_file = "/etc/sealchain/cpdp_key"
merchant_id = "M100001"
profile = "sandbox"
`))
	if err != nil {
		t.Fatal(err)
	}
	p := c.Workflow.Providers
	if p.SMS.Vendor != "tencent" || p.SMS.Timeout.Duration != 5*time.Second || p.SMS.Templates["sign_link"] != "1000002" ||
		!slices.Equal(p.SMS.TemplateParams["sms_code"], []string{"code", "ttl_minutes"}) || p.SMS.MaxAttempts != 6 {
		t.Fatalf("sms %+v", p.SMS)
	}
	if p.Identity.MinSimilarity != 85 || p.Bank.MerchantID != "M100001" || p.Bank.SecretKeyFile != "/etc/sealchain/cpdp_key" {
		t.Fatalf("identity %+v bank %+v", p.Identity, p.Bank)
	}
	if got := p.DevVendors(); len(got) != 0 {
		t.Fatalf("dev vendors %v", got)
	}
	def := config.Default()
	if got := def.Workflow.Providers.DevVendors(); len(got) != 3 {
		t.Fatalf("default dev vendors %v, want all three", got)
	}
}

func TestProvidersValidate(t *testing.T) {
	for _, tc := range []struct {
		name, body, key string
	}{
		{"unknown vendor", "[workflow.providers.sms]\nvendor = \"twilio\"\n", "workflow.providers.sms.vendor"},
		{"aliyun identity", "[workflow.providers.identity]\nvendor = \"aliyun\"\n", "workflow.providers.identity.vendor"},
		{"no key files", "[workflow.providers.identity]\nvendor = \"tencent\"\nregion = \"ap-beijing\"\n", "workflow.providers.identity.secret_id_file"},
		{"no region", "[workflow.providers.identity]\nvendor = \"tencent\"\nsecret_id_file = \"a\"\nsecret_key_file = \"b\"\n", "workflow.providers.identity.region"},
		{"plain http to a remote host", strings.Replace(tencentSMS, "vendor = \"tencent\"\n", "vendor = \"tencent\"\nendpoint = \"sms.example.com:80\"\nplain_http = true\n", 1), "workflow.providers.sms.plain_http"},
		{"no sign name", "[workflow.providers.sms]\nvendor = \"aliyun\"\nsecret_id_file = \"a\"\nsecret_key_file = \"b\"\n", "workflow.providers.sms.sign_name"},
		{"missing template", "[workflow.providers.sms]\nvendor = \"aliyun\"\nsecret_id_file = \"a\"\nsecret_key_file = \"b\"\nsign_name = \"x\"\n[workflow.providers.sms.templates]\nsms_code = \"SMS_1\"\n", "workflow.providers.sms.templates"},
		{"similarity", "[workflow.providers.identity]\nmin_similarity = 20\n", "workflow.providers.identity.min_similarity"},
		{"bank merchant", "[workflow.providers.bank]\nvendor = \"tencent\"\nregion = \"ap-guangzhou\"\nsecret_id_file = \"a\"\nsecret_key_file = \"b\"\n", "workflow.providers.bank.merchant_id"},
		{"typo", "[workflow.providers.sms]\nsecret_file = \"a\"\n", "workflow.providers.sms.secret_file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := config.Load(writeConfig(t, tc.body))
			var ke *config.KeyError
			if !errors.As(err, &ke) || ke.Key != tc.key {
				t.Fatalf("Load: %v, want an error naming %s", err, tc.key)
			}
		})
	}
	if _, err := config.Load(writeConfig(t, strings.Replace(tencentSMS, "vendor = \"tencent\"\n", "vendor = \"tencent\"\nendpoint = \"127.0.0.1:9\"\nplain_http = true\n", 1))); err != nil {
		t.Fatalf("plain http to loopback: %v", err)
	}
}
