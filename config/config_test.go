package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sealchain/sealchain/config"
)

const nodeID = "0123456789abcdef0123456789abcdef01234567"

func TestDefaultValidates(t *testing.T) {
	c := config.Default()
	if err := c.Validate(); err != nil {
		t.Fatalf("Default().Validate() = %v", err)
	}
}

func TestValidateNamesBadKey(t *testing.T) {
	tests := []struct {
		name string
		mod  func(c *config.Config)
		key  string
	}{
		{"moniker empty", func(c *config.Config) { c.Moniker = "" }, "moniker"},
		{"org empty", func(c *config.Config) { c.Org = "" }, "org"},
		{"api.listen without port", func(c *config.Config) { c.API.Listen = "127.0.0.1" }, "api.listen"},
		{"api.listen with empty port", func(c *config.Config) { c.API.Listen = "127.0.0.1:" }, "api.listen"},
		{"api.listen without host", func(c *config.Config) { c.API.Listen = ":8080" }, "api.listen"},
		{"api.wait_timeout 0", func(c *config.Config) { c.API.WaitTimeout.Duration = 0 }, "api.wait_timeout"},
		{"api.wait_timeout above 10m", func(c *config.Config) { c.API.WaitTimeout.Duration = 11 * time.Minute }, "api.wait_timeout"},
		{"api.max_body_bytes 10", func(c *config.Config) { c.API.MaxBodyBytes = 10 }, "api.max_body_bytes"},
		{"api.pdf_max_bytes 10", func(c *config.Config) { c.API.PDFMaxBytes = 10 }, "api.pdf_max_bytes"},
		{"api.pdf_verify_concurrency 0", func(c *config.Config) { c.API.PDFVerifyConcurrency = 0 }, "api.pdf_verify_concurrency"},
		{"api.seal_render_concurrency 65", func(c *config.Config) { c.API.SealRenderConcurrency = 65 }, "api.seal_render_concurrency"},
		{"consensus.p2p_listen udp", func(c *config.Config) { c.Consensus.P2PListen = "udp://127.0.0.1:26656" }, "consensus.p2p_listen"},
		{"consensus.p2p_listen without scheme", func(c *config.Config) { c.Consensus.P2PListen = "127.0.0.1:26656" }, "consensus.p2p_listen"},
		{"consensus.p2p_listen without port", func(c *config.Config) { c.Consensus.P2PListen = "tcp://127.0.0.1" }, "consensus.p2p_listen"},
		{"consensus.rpc_listen http", func(c *config.Config) { c.Consensus.RPCListen = "http://127.0.0.1:26657" }, "consensus.rpc_listen"},
		{"persistent_peers without @", func(c *config.Config) { c.Consensus.PersistentPeers = "127.0.0.1:26656" }, "consensus.persistent_peers"},
		{"persistent_peers short id", func(c *config.Config) { c.Consensus.PersistentPeers = "abc@127.0.0.1:26656" }, "consensus.persistent_peers"},
		{"persistent_peers id not hex", func(c *config.Config) {
			c.Consensus.PersistentPeers = strings.Repeat("z", 40) + "@127.0.0.1:26656"
		}, "consensus.persistent_peers"},
		{"persistent_peers without port", func(c *config.Config) { c.Consensus.PersistentPeers = nodeID + "@127.0.0.1" }, "consensus.persistent_peers"},
		{"persistent_peers second entry bad", func(c *config.Config) {
			c.Consensus.PersistentPeers = nodeID + "@10.0.0.1:26656, nope"
		}, "consensus.persistent_peers"},
		{"consensus.block_interval 0", func(c *config.Config) { c.Consensus.BlockInterval.Duration = 0 }, "consensus.block_interval"},
		{"consensus.block_interval 2m", func(c *config.Config) { c.Consensus.BlockInterval.Duration = 2 * time.Minute }, "consensus.block_interval"},
		{"limits.max_tx_bytes 10", func(c *config.Config) { c.Limits.MaxTxBytes = 10 }, "limits.max_tx_bytes"},
		{"limits.max_tx_bytes above the consensus limit", func(c *config.Config) { c.Limits.MaxTxBytes = 64<<10 + 1 }, "limits.max_tx_bytes"},
		{"limits.signature_cache_size 1", func(c *config.Config) { c.Limits.CacheSize = 1 }, "limits.signature_cache_size"},
		{"api.auth unknown", func(c *config.Config) { c.API.Auth = "tls" }, "api.auth"},
		{"api.auth empty", func(c *config.Config) { c.API.Auth = "" }, "api.auth"},
		{"api.auth mode twice", func(c *config.Config) { c.API.Auth = "signed,signed" }, "api.auth"},
		{"api.auth open in a list", func(c *config.Config) { c.API.Auth = "open,signed" }, "api.auth"},
		{"api.auth mtls without TLS", func(c *config.Config) { c.API.Auth = "mtls" }, "api.tls_cert_file"},
		{"api.tls_cert_file without key", func(c *config.Config) { c.API.TLSCertFile = "tls.crt" }, "api.tls_key_file"},
		{"api.tls_key_file without cert", func(c *config.Config) { c.API.TLSKeyFile = "tls.key" }, "api.tls_cert_file"},
		{"log.level loud", func(c *config.Config) { c.Log.Level = "loud" }, "log.level"},
		{"log.level empty", func(c *config.Config) { c.Log.Level = "" }, "log.level"},
		{"log.format xml", func(c *config.Config) { c.Log.Format = "xml" }, "log.format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := config.Default()
			tt.mod(&c)
			err := c.Validate()
			var ke *config.KeyError
			if !errors.As(err, &ke) {
				t.Fatalf("Validate() = %v, want a *config.KeyError", err)
			}
			if ke.Key != tt.key {
				t.Errorf("KeyError.Key = %q, want %q (%v)", ke.Key, tt.key, err)
			}
			if ke.Err == nil || !strings.Contains(err.Error(), tt.key) {
				t.Errorf("error %q does not name %s or has no cause", err, tt.key)
			}
		})
	}
}

func TestValidateAccepts(t *testing.T) {
	tests := []struct {
		name string
		mod  func(c *config.Config)
	}{
		{"rpc disabled", func(c *config.Config) { c.Consensus.RPCListen = "" }},
		{"two peers", func(c *config.Config) {
			c.Consensus.PersistentPeers = nodeID + "@10.0.0.1:26656," + strings.ToUpper(nodeID) + "@node-2.example:26656"
		}},
		{"peers with spaces and empty items", func(c *config.Config) { c.Consensus.PersistentPeers = " " + nodeID + "@10.0.0.1:26656 ,, " }},
		{"ipv6 listen", func(c *config.Config) { c.API.Listen = "[::1]:8080" }},
		{"limits at bounds", func(c *config.Config) { c.Limits.MaxTxBytes = 1024; c.Limits.CacheSize = 16 }},
		{"block interval at bounds", func(c *config.Config) { c.Consensus.BlockInterval.Duration = 10 * time.Millisecond }},
		{"json debug log", func(c *config.Config) { c.Log = config.Log{Level: "debug", Format: "json"} }},
		{"https, open", func(c *config.Config) { c.API.TLSCertFile, c.API.TLSKeyFile = "tls.crt", "tls.key" }},
		{"mtls", func(c *config.Config) {
			c.API.Auth, c.API.TLSCertFile, c.API.TLSKeyFile = "mtls", "tls.crt", "tls.key"
		}},
		{"mtls and signed", func(c *config.Config) {
			c.API.Auth, c.API.TLSCertFile, c.API.TLSKeyFile = "signed, mtls", "tls.crt", "tls.key"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := config.Default()
			tt.mod(&c)
			if err := c.Validate(); err != nil {
				t.Errorf("Validate() = %v", err)
			}
		})
	}
}

func TestAuthModes(t *testing.T) {
	tests := []struct {
		auth         string
		signed, mtls bool
	}{
		{"open", false, false},
		{"signed", true, false},
		{"mtls", false, true},
		{"signed,mtls", true, true},
		{" mtls , signed ", true, true},
	}
	for _, tt := range tests {
		a := config.API{Auth: tt.auth}
		if a.SignedAuth() != tt.signed || a.MTLSAuth() != tt.mtls {
			t.Errorf("auth %q: signed %v mtls %v, want %v %v", tt.auth, a.SignedAuth(), a.MTLSAuth(), tt.signed, tt.mtls)
		}
	}
}

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	home := t.TempDir()
	if err := os.MkdirAll(filepath.Join(home, "config"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(config.Path(home), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return home
}

func TestLoadRejectsUnknownKey(t *testing.T) {
	tests := []struct {
		name string
		body string
		key  string
	}{
		{"top level", "moniker = \"n\"\nmonikr = \"typo\"\n", "monikr"},
		{"in a table", "[api]\nlisten = \"127.0.0.1:8080\"\nlisten_addr = \"x\"\n", "api.listen_addr"},
		{"unknown table", "[consensu]\np2p_listen = \"tcp://127.0.0.1:1\"\n", "consensu"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.Load(writeConfig(t, tt.body))
			var ke *config.KeyError
			if !errors.As(err, &ke) {
				t.Fatalf("Load() = %v, want a *config.KeyError", err)
			}
			if !strings.HasPrefix(ke.Key, tt.key) {
				t.Errorf("KeyError.Key = %q, want %q", ke.Key, tt.key)
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	t.Run("bad value names the key", func(t *testing.T) {
		_, err := config.Load(writeConfig(t, "[log]\nlevel = \"loud\"\n"))
		var ke *config.KeyError
		if !errors.As(err, &ke) || ke.Key != "log.level" {
			t.Errorf("Load() = %v, want KeyError for log.level", err)
		}
	})
	t.Run("bad duration", func(t *testing.T) {
		if _, err := config.Load(writeConfig(t, "[api]\nwait_timeout = \"soon\"\n")); err == nil {
			t.Error("Load accepted wait_timeout = \"soon\"")
		}
	})
	t.Run("syntax error", func(t *testing.T) {
		if _, err := config.Load(writeConfig(t, "moniker = \n")); err == nil {
			t.Error("Load accepted a syntax error")
		}
	})
	t.Run("missing file", func(t *testing.T) {
		if _, err := config.Load(t.TempDir()); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("Load() of a missing file = %v, want os.ErrNotExist", err)
		}
	})
	t.Run("partial file keeps defaults", func(t *testing.T) {
		c, err := config.Load(writeConfig(t, "moniker = \"node-7\"\n[consensus]\nblock_interval = \"2s\"\n"))
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		want := config.Default()
		want.Moniker = "node-7"
		want.Consensus.BlockInterval.Duration = 2 * time.Second
		if !reflect.DeepEqual(*c, want) {
			t.Errorf("Load() = %+v, want %+v", *c, want)
		}
	})
}

func TestSaveLoadRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		mod  func(c *config.Config)
	}{
		{"default", func(*config.Config) {}},
		{"every key changed", func(c *config.Config) {
			c.Moniker, c.Org = "court-node-1", "court"
			c.API = config.API{Listen: "0.0.0.0:9090", WaitTimeout: config.Duration{Duration: 90 * time.Second}, MaxBodyBytes: 4 << 20, Auth: "signed",
				PDFMaxBytes: 8 << 20, PDFVerifyConcurrency: 3, SealRenderConcurrency: 2}
			c.Consensus = config.Consensus{P2PListen: "tcp://0.0.0.0:36656", RPCListen: "", PersistentPeers: nodeID + "@10.0.0.2:26656",
				BlockInterval: config.Duration{Duration: 1500 * time.Millisecond}, CreateEmptyBlocks: !c.Consensus.CreateEmptyBlocks,
				TimeoutPropose: config.Duration{Duration: 2 * time.Second}, TimeoutVote: config.Duration{Duration: 700 * time.Millisecond}}
			c.Limits = config.Limits{MaxTxBytes: 32 << 10, CacheSize: 500}
			c.Intent.DevOTP = !c.Intent.DevOTP
			c.Log = config.Log{Level: "warn", Format: "json"}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := config.Default()
			tt.mod(&c)
			if err := c.Validate(); err != nil {
				t.Fatalf("test config invalid: %v", err)
			}
			home := filepath.Join(t.TempDir(), "home")
			if err := c.Save(home); err != nil {
				t.Fatalf("Save: %v", err)
			}
			got, err := config.Load(home)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if !reflect.DeepEqual(*got, c) {
				t.Errorf("round trip:\n got %+v\nwant %+v", *got, c)
			}
			raw, err := os.ReadFile(config.Path(home))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(string(raw), "# Sealchain node configuration.") {
				t.Errorf("saved file lacks the header comment")
			}
			// Saving what was loaded writes the same file.
			home2 := filepath.Join(t.TempDir(), "home")
			if err := got.Save(home2); err != nil {
				t.Fatal(err)
			}
			if raw2, _ := os.ReadFile(config.Path(home2)); string(raw2) != string(raw) {
				t.Errorf("Save is not stable across a round trip")
			}
		})
	}
}

func TestPath(t *testing.T) {
	if got, want := config.Path("/h"), filepath.Join("/h", "config", "sealchain.toml"); got != want {
		t.Errorf("Path = %q, want %q", got, want)
	}
}
