package config

import (
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// Workflow is the signing workflow (docs/workflow.md): identities, contracts,
// signing links and pages on the platform's node. A node whose org is not a
// platform ignores it.
type Workflow struct {
	// Enabled runs the workflow and serves /v1/wf and /v1/sign.
	Enabled bool `toml:"enabled"`
	// DevProviders uses the development identity, SMS and face providers,
	// which decide by documented test inputs. Refused on a chain whose
	// genesis says production.
	DevProviders bool `toml:"dev_providers"`
	// PublicURL prefixes signing links; empty means [api] public_url, else
	// http(s)://<api.listen>.
	PublicURL string `toml:"public_url"`
	// ReminderInterval re-sends the link to parties whose turn it is after
	// this long without signing; 0 disables scheduled reminders.
	ReminderInterval Duration `toml:"reminder_interval"`
	// OTPTTL is an SMS code's lifetime; OTPMaxAttempts the wrong codes
	// before it is burned.
	OTPTTL         Duration `toml:"otp_ttl"`
	OTPMaxAttempts int      `toml:"otp_max_attempts"`
	// OTPCooldown is the wait between two SMS codes for one link;
	// OTPCodesPerHour and OTPCodesPerLink cap the codes a link gets in any
	// hour and in its life; OTPMaxFailures wrong codes in a link's life
	// (over all its codes) lock the link.
	OTPCooldown     Duration `toml:"otp_cooldown"`
	OTPCodesPerHour int      `toml:"otp_codes_per_hour"`
	OTPCodesPerLink int      `toml:"otp_codes_per_link"`
	OTPMaxFailures  int      `toml:"otp_max_failures"`
	// WebhookBackoff is the wait after a webhook delivery's first failure;
	// it doubles after each further one (up to an hour).
	WebhookBackoff Duration `toml:"webhook_backoff"`
	// WebhookAllow lists IP prefixes ("10.1.2.0/24") or addresses webhooks
	// may reach although they are loopback, private, link-local or
	// otherwise not public. Empty: webhooks reach public addresses only.
	WebhookAllow []string `toml:"webhook_allow"`
	// Providers chooses the production SMS, identity and bank vendors.
	Providers Providers `toml:"providers"`
	// S3 keeps contract files in an S3-compatible bucket (config/workflows3.go).
	S3 WorkflowS3 `toml:"s3"`
}

// WebhookAllowPrefixes parses WebhookAllow (validate has checked it).
func (w *Workflow) WebhookAllowPrefixes() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range w.WebhookAllow {
		s = strings.TrimSpace(s)
		p, err := netip.ParsePrefix(s)
		if err != nil {
			a, aerr := netip.ParseAddr(s)
			if aerr != nil {
				return nil, keyErr("workflow.webhook_allow", "%q: want an IP prefix (10.0.0.0/8) or address", s)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// DefaultWorkflow is on with development providers: the default home is a
// single-node development chain.
func DefaultWorkflow() Workflow {
	return Workflow{Enabled: true, DevProviders: true, ReminderInterval: Duration{24 * time.Hour},
		OTPTTL: Duration{5 * time.Minute}, OTPMaxAttempts: 5,
		OTPCooldown: Duration{60 * time.Second}, OTPCodesPerHour: 5, OTPCodesPerLink: 10, OTPMaxFailures: 10,
		WebhookBackoff: Duration{10 * time.Second}, S3: DefaultWorkflowS3()}
}

func (w *Workflow) validate() error {
	if !w.Enabled {
		return nil
	}
	if w.PublicURL != "" {
		u, err := url.Parse(w.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return keyErr("workflow.public_url", "%q: want http(s)://host[:port]", w.PublicURL)
		}
	}
	if w.ReminderInterval.Duration < 0 {
		return keyErr("workflow.reminder_interval", "negative")
	}
	if d := w.OTPTTL.Duration; d < 30*time.Second || d > time.Hour {
		return keyErr("workflow.otp_ttl", "%s, want 30s..1h", d)
	}
	if w.OTPMaxAttempts < 1 || w.OTPMaxAttempts > 20 {
		return keyErr("workflow.otp_max_attempts", "%d, want 1..20", w.OTPMaxAttempts)
	}
	if d := w.OTPCooldown.Duration; d < 0 || d > 10*time.Minute {
		return keyErr("workflow.otp_cooldown", "%s, want 0..10m", d)
	}
	if w.OTPCodesPerHour < 1 || w.OTPCodesPerHour > 60 {
		return keyErr("workflow.otp_codes_per_hour", "%d, want 1..60", w.OTPCodesPerHour)
	}
	if w.OTPCodesPerLink < 1 || w.OTPCodesPerLink > 100 {
		return keyErr("workflow.otp_codes_per_link", "%d, want 1..100", w.OTPCodesPerLink)
	}
	if w.OTPMaxFailures < 1 || w.OTPMaxFailures > 100 {
		return keyErr("workflow.otp_max_failures", "%d, want 1..100", w.OTPMaxFailures)
	}
	if _, err := w.WebhookAllowPrefixes(); err != nil {
		return err
	}
	if d := w.WebhookBackoff.Duration; d < 10*time.Millisecond || d > time.Hour {
		return keyErr("workflow.webhook_backoff", "%s, want 10ms..1h", d)
	}
	if err := w.Providers.validate(); err != nil {
		return err
	}
	return w.S3.validate()
}

// workflowHeader documents the section in the file Encode writes.
const workflowHeader = `# [workflow] enabled               the signing workflow (docs/workflow.md); platform nodes only
# [workflow] dev_providers         DEVELOPMENT ONLY: identity/SMS/face providers deciding by test inputs
# [workflow] public_url            prefix of signing links; empty: [api] public_url, else http://<api.listen>
# [workflow] reminder_interval     scheduled reminders to parties who have not signed ("24h"; 0: off)
# [workflow] otp_ttl, otp_max_attempts  SMS code lifetime and wrong codes before it is burned
# [workflow] otp_cooldown, otp_codes_per_hour, otp_codes_per_link  wait between SMS codes of a link, and its hourly and lifetime caps
# [workflow] otp_max_failures      wrong codes over a link's life that lock it
# [workflow] webhook_backoff       wait after a webhook delivery fails; doubles per failure ("10s")
# [workflow] webhook_allow         IP prefixes webhooks may reach although not public (default none: public addresses only)
` + providersHeader
