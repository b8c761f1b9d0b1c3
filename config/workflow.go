package config

import (
	"net/url"
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
	// WebhookBackoff is the wait after a webhook delivery's first failure;
	// it doubles after each further one (up to an hour).
	WebhookBackoff Duration `toml:"webhook_backoff"`
}

// DefaultWorkflow is on with development providers: the default home is a
// single-node development chain.
func DefaultWorkflow() Workflow {
	return Workflow{Enabled: true, DevProviders: true, ReminderInterval: Duration{24 * time.Hour},
		OTPTTL: Duration{5 * time.Minute}, OTPMaxAttempts: 5,
		WebhookBackoff: Duration{10 * time.Second}}
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
	if d := w.WebhookBackoff.Duration; d < 10*time.Millisecond || d > time.Hour {
		return keyErr("workflow.webhook_backoff", "%s, want 10ms..1h", d)
	}
	return nil
}

// workflowHeader documents the section in the file Encode writes.
const workflowHeader = `# [workflow] enabled               the signing workflow (docs/workflow.md); platform nodes only
# [workflow] dev_providers         DEVELOPMENT ONLY: identity/SMS/face providers deciding by test inputs
# [workflow] public_url            prefix of signing links; empty: [api] public_url, else http://<api.listen>
# [workflow] reminder_interval     scheduled reminders to parties who have not signed ("24h"; 0: off)
# [workflow] otp_ttl, otp_max_attempts  SMS code lifetime and wrong codes before it is burned
# [workflow] webhook_backoff       wait after a webhook delivery fails; doubles per failure ("10s")
`
