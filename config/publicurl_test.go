package config_test

import (
	"errors"
	"testing"

	"github.com/sealchain/sealchain/config"
)

func TestAPIPublicBase(t *testing.T) {
	tests := []struct {
		name      string
		mod       func(c *config.Config)
		bound     string
		want      string
		badConfig bool
	}{
		{"default is the listen address", nil, "", "http://127.0.0.1:8080", false},
		{"bound address wins over port 0", func(c *config.Config) { c.API.Listen = "127.0.0.1:0" }, "127.0.0.1:39001", "http://127.0.0.1:39001", false},
		{"tls gives https", func(c *config.Config) { c.API.TLSCertFile, c.API.TLSKeyFile = "keys/tls.crt", "keys/tls.key" }, "", "https://127.0.0.1:8080", false},
		{"public_url wins", func(c *config.Config) { c.API.PublicURL = "https://evidence.court.cn/sealchain/" }, "127.0.0.1:1", "https://evidence.court.cn/sealchain", false},
		{"public_url without scheme", func(c *config.Config) { c.API.PublicURL = "evidence.court.cn" }, "", "", true},
		{"public_url ftp", func(c *config.Config) { c.API.PublicURL = "ftp://evidence.court.cn" }, "", "", true},
		{"public_url with query", func(c *config.Config) { c.API.PublicURL = "https://evidence.court.cn/?x=1" }, "", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := config.Default()
			if tc.mod != nil {
				tc.mod(&c)
			}
			err := c.Validate()
			if tc.badConfig {
				var ke *config.KeyError
				if !errors.As(err, &ke) || ke.Key != "api.public_url" {
					t.Fatalf("Validate() = %v, want an api.public_url error", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Validate() = %v", err)
			}
			if got := c.API.PublicBase(tc.bound); got != tc.want {
				t.Fatalf("PublicBase(%q) = %q, want %q", tc.bound, got, tc.want)
			}
		})
	}
}
