package config_test

import (
	"errors"
	"testing"

	"github.com/sealchain/sealchain/config"
)

func TestPKIValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		mod  func(p *config.PKI)
		key  string // empty: valid
	}{
		{"default", func(p *config.PKI) {}, ""},
		{"enabled with base url", func(p *config.PKI) { p.Enable, p.BaseURL = true, "https://ca.example/sc" }, ""},
		{"files", func(p *config.PKI) { p.TSASM2KeyFile, p.TSASM2CertFile = "k", "c" }, ""},
		{"base url ftp", func(p *config.PKI) { p.BaseURL = "ftp://x" }, "pki.base_url"},
		{"base url query", func(p *config.PKI) { p.BaseURL = "http://x/?a=1" }, "pki.base_url"},
		{"policy empty", func(p *config.PKI) { p.PolicyOID = "" }, "pki.policy_oid"},
		{"policy one arc", func(p *config.PKI) { p.PolicyOID = "1" }, "pki.policy_oid"},
		{"policy bad first arc", func(p *config.PKI) { p.PolicyOID = "3.1" }, "pki.policy_oid"},
		{"policy leading zero", func(p *config.PKI) { p.PolicyOID = "1.03.1" }, "pki.policy_oid"},
		{"policy huge arc", func(p *config.PKI) { p.PolicyOID = "1.3.2147483648" }, "pki.policy_oid"},
		{"ecdsa key without cert", func(p *config.PKI) { p.TSAECDSAKeyFile = "k" }, "pki.tsa_ecdsa_key_file"},
		{"sm2 cert without key", func(p *config.PKI) { p.TSASM2CertFile = "c" }, "pki.tsa_sm2_key_file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := config.Default()
			tc.mod(&c.PKI)
			err := c.Validate()
			var ke *config.KeyError
			switch {
			case tc.key == "" && err != nil:
				t.Fatalf("Validate: %v", err)
			case tc.key != "" && (!errors.As(err, &ke) || ke.Key != tc.key):
				t.Fatalf("Validate: %v, want key %s", err, tc.key)
			}
		})
	}
}
