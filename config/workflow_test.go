package config

import (
	"errors"
	"testing"
	"time"
)

func TestWorkflowLimitsValidate(t *testing.T) {
	tests := []struct {
		name   string
		mod    func(w *Workflow)
		badKey string // "" when valid
	}{
		{"defaults", func(*Workflow) {}, ""},
		{"no cooldown", func(w *Workflow) { w.OTPCooldown = Duration{} }, ""},
		{"negative cooldown", func(w *Workflow) { w.OTPCooldown = Duration{-time.Second} }, "workflow.otp_cooldown"},
		{"cooldown too long", func(w *Workflow) { w.OTPCooldown = Duration{time.Hour} }, "workflow.otp_cooldown"},
		{"no codes per hour", func(w *Workflow) { w.OTPCodesPerHour = 0 }, "workflow.otp_codes_per_hour"},
		{"no codes per link", func(w *Workflow) { w.OTPCodesPerLink = 0 }, "workflow.otp_codes_per_link"},
		{"no failures", func(w *Workflow) { w.OTPMaxFailures = 0 }, "workflow.otp_max_failures"},
		{"allow prefixes and addresses", func(w *Workflow) { w.WebhookAllow = []string{"10.20.0.0/16", "127.0.0.1", "fd00::/8"} }, ""},
		{"allow a host name", func(w *Workflow) { w.WebhookAllow = []string{"internal.example"} }, "workflow.webhook_allow"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := DefaultWorkflow()
			tc.mod(&w)
			err := w.validate()
			var ke *KeyError
			switch {
			case tc.badKey == "" && err != nil:
				t.Fatalf("validate: %v", err)
			case tc.badKey != "" && (!errors.As(err, &ke) || ke.Key != tc.badKey):
				t.Fatalf("validate: %v, want an error naming %s", err, tc.badKey)
			}
		})
	}
	w := Workflow{WebhookAllow: []string{"127.0.0.1", "10.1.2.3/8"}}
	ps, err := w.WebhookAllowPrefixes()
	if err != nil || len(ps) != 2 || ps[0].String() != "127.0.0.1/32" || ps[1].String() != "10.0.0.0/8" {
		t.Fatalf("prefixes %v, %v", ps, err)
	}
}
