package config

import (
	"net"
	"strings"
	"time"
)

// Provider vendors.
const (
	VendorDev     = "dev"
	VendorTencent = "tencent"
	VendorAliyun  = "aliyun"
)

// Providers chooses who verifies identities, sends SMS and pays
// micro-deposits (docs/workflow.md, "Production providers"). Each vendor
// left empty is the development provider, allowed only with
// workflow.dev_providers on a development chain.
type Providers struct {
	SMS      SMSProvider      `toml:"sms"`
	Identity IdentityProvider `toml:"identity"`
	Bank     BankProvider     `toml:"bank"`
}

// VendorAccount is an API account at a vendor. The secret id and key are
// read from files that must have mode 0600 (or 0400); relative paths are
// under the node's home. They are never written into this file or logged.
type VendorAccount struct {
	// Vendor is "dev" (or empty), "tencent", or for SMS also "aliyun".
	Vendor string `toml:"vendor"`
	// Region is the vendor's API region ("ap-guangzhou", "cn-hangzhou").
	Region string `toml:"region"`
	// Endpoint overrides the API host ("host:port"), for a vendor's
	// private endpoint or a test server.
	Endpoint string `toml:"endpoint"`
	// PlainHTTP talks http:// to Endpoint; refused unless Endpoint is a
	// loopback address (tests).
	PlainHTTP     bool     `toml:"plain_http"`
	SecretIDFile  string   `toml:"secret_id_file"`
	SecretKeyFile string   `toml:"secret_key_file"`
	Timeout       Duration `toml:"timeout"`
}

// SMSProvider sends the outbox's SMS.
type SMSProvider struct {
	VendorAccount
	// AppID is Tencent's SmsSdkAppId (unused for Aliyun).
	AppID    string `toml:"app_id"`
	SignName string `toml:"sign_name"`
	// Templates maps the outbox's templates (sms_code, sign_link,
	// reminder) to the vendor's template ids.
	Templates map[string]string `toml:"templates"`
	// TemplateParams lists, per outbox template, the message parameters
	// filling a Tencent template's {1}, {2}... in order (Aliyun templates
	// name their variables and get every parameter).
	TemplateParams map[string][]string `toml:"template_params"`
	// RetryBackoff is the wait after a send's first failure (doubling,
	// up to 30 minutes); MaxAttempts the failures after which a message
	// fails for good.
	RetryBackoff Duration `toml:"retry_backoff"`
	MaxAttempts  int      `toml:"max_attempts"`
}

// IdentityProvider runs the one-step identity methods and face intent.
type IdentityProvider struct {
	VendorAccount
	// MinSimilarity is the face similarity (50..100) from which a face
	// passes; 0: the adapter's default (80).
	MinSimilarity float64 `toml:"min_similarity"`
}

// BankProvider pays micro-deposits (对公打款).
type BankProvider struct {
	VendorAccount
	MerchantID string `toml:"merchant_id"`
	// Profile is the payment environment: empty for production, "sandbox".
	Profile string `toml:"profile"`
}

// IsDev reports whether the vendor is the development provider.
func (a *VendorAccount) IsDev() bool { return a.Vendor == "" || a.Vendor == VendorDev }

func (a *VendorAccount) validate(key string, vendors ...string) error {
	if a.IsDev() {
		return nil
	}
	ok := false
	for _, v := range vendors {
		ok = ok || a.Vendor == v
	}
	if !ok {
		return keyErr(key+".vendor", "%q, want dev or %s", a.Vendor, strings.Join(vendors, ", "))
	}
	if a.SecretIDFile == "" || a.SecretKeyFile == "" {
		return keyErr(key+".secret_id_file", "secret_id_file and secret_key_file are required for vendor %s", a.Vendor)
	}
	if a.Region == "" && a.Vendor == VendorTencent {
		return keyErr(key+".region", "required for vendor %s", a.Vendor)
	}
	if a.Endpoint != "" {
		if _, _, err := net.SplitHostPort(a.Endpoint); err != nil && strings.ContainsAny(a.Endpoint, "/:") {
			return keyErr(key+".endpoint", "%q: want host or host:port", a.Endpoint)
		}
	}
	if a.PlainHTTP {
		host, _, err := net.SplitHostPort(a.Endpoint)
		ip := net.ParseIP(host)
		if err != nil || ip == nil || !ip.IsLoopback() {
			return keyErr(key+".plain_http", "only for an endpoint on a loopback address (tests); vendors are reached over HTTPS")
		}
	}
	if d := a.Timeout.Duration; d < 0 || d > 2*time.Minute {
		return keyErr(key+".timeout", "%s, want 0 (default) ..2m", d)
	}
	return nil
}

// DevVendors names the providers left to the development vendor
// ("workflow.providers.sms"...): the node refuses them unless
// workflow.dev_providers is on and the chain is not a production one.
func (p *Providers) DevVendors() []string {
	var out []string
	for _, c := range []struct {
		key string
		a   *VendorAccount
	}{{"workflow.providers.sms", &p.SMS.VendorAccount}, {"workflow.providers.identity", &p.Identity.VendorAccount},
		{"workflow.providers.bank", &p.Bank.VendorAccount}} {
		if c.a.IsDev() {
			out = append(out, c.key)
		}
	}
	return out
}

func (p *Providers) validate() error {
	if err := p.SMS.validate("workflow.providers.sms", VendorTencent, VendorAliyun); err != nil {
		return err
	}
	if err := p.Identity.validate("workflow.providers.identity", VendorTencent); err != nil {
		return err
	}
	if err := p.Bank.validate("workflow.providers.bank", VendorTencent); err != nil {
		return err
	}
	if s := &p.SMS; !s.IsDev() {
		if s.SignName == "" {
			return keyErr("workflow.providers.sms.sign_name", "required")
		}
		if s.Vendor == VendorTencent && s.AppID == "" {
			return keyErr("workflow.providers.sms.app_id", "required for tencent (SmsSdkAppId)")
		}
		for _, t := range []string{"sms_code", "sign_link", "reminder"} {
			if s.Templates[t] == "" {
				return keyErr("workflow.providers.sms.templates", "no template id for %q", t)
			}
		}
		if s.RetryBackoff.Duration < 0 || s.RetryBackoff.Duration > time.Hour {
			return keyErr("workflow.providers.sms.retry_backoff", "%s, want 0 (default 10s) ..1h", s.RetryBackoff.Duration)
		}
		if s.MaxAttempts < 0 || s.MaxAttempts > 50 {
			return keyErr("workflow.providers.sms.max_attempts", "%d, want 0 (default 8) ..50", s.MaxAttempts)
		}
	}
	if m := p.Identity.MinSimilarity; m != 0 && (m < 50 || m > 100) {
		return keyErr("workflow.providers.identity.min_similarity", "%v, want 50..100", m)
	}
	if b := &p.Bank; !b.IsDev() && b.MerchantID == "" {
		return keyErr("workflow.providers.bank.merchant_id", "required for vendor %s", b.Vendor)
	}
	return nil
}

// providersHeader documents the section in the file Encode writes.
const providersHeader = `# [workflow.providers.sms|identity|bank] vendor  "dev" (default; needs dev_providers) or "tencent" (sms also "aliyun")
# [workflow.providers.*] region, endpoint, timeout, secret_id_file, secret_key_file  vendor account; key files mode 0600, never logged
# [workflow.providers.sms] app_id, sign_name, templates, template_params, retry_backoff, max_attempts  SMS application and outbox retries
# [workflow.providers.identity] min_similarity   face similarity needed (50..100; default 80)
# [workflow.providers.bank] merchant_id, profile  the payment merchant paying micro-deposits
`
