package config

import (
	"errors"
	"strings"
	"testing"
)

func TestStateSyncValidate(t *testing.T) {
	hash := strings.Repeat("AB", 32)
	tests := []struct {
		name    string
		edit    func(*StateSync)
		wantKey string // "" means valid
	}{
		{"defaults", func(*StateSync) {}, ""},
		{"snapshots off", func(s *StateSync) { s.SnapshotInterval = 0 }, ""},
		{"negative interval", func(s *StateSync) { s.SnapshotInterval = -1 }, "statesync.snapshot_interval"},
		{"join", func(s *StateSync) {
			s.Enable, s.RPCServers, s.TrustHeight, s.TrustHash = true, "127.0.0.1:26601, http://127.0.0.1:26611", 5, hash
		}, ""},
		{"same server twice", func(s *StateSync) {
			s.Enable, s.RPCServers, s.TrustHeight, s.TrustHash = true, "127.0.0.1:26601,127.0.0.1:26601", 5, hash
		}, ""},
		{"one server", func(s *StateSync) {
			s.Enable, s.RPCServers, s.TrustHeight, s.TrustHash = true, "127.0.0.1:26601", 5, hash
		}, "statesync.rpc_servers"},
		{"bad server", func(s *StateSync) { s.RPCServers = "ftp://x:1,127.0.0.1:2" }, "statesync.rpc_servers"},
		{"no trust height", func(s *StateSync) {
			s.Enable, s.RPCServers, s.TrustHash = true, "a:1,b:2", hash
		}, "statesync.trust_height"},
		{"no trust hash", func(s *StateSync) {
			s.Enable, s.RPCServers, s.TrustHeight = true, "a:1,b:2", 5
		}, "statesync.trust_hash"},
		{"short trust hash", func(s *StateSync) { s.TrustHash = "ABCD" }, "statesync.trust_hash"},
		{"no trust period", func(s *StateSync) {
			s.Enable, s.RPCServers, s.TrustHeight, s.TrustHash = true, "a:1,b:2", 5, hash
			s.TrustPeriod = Duration{}
		}, "statesync.trust_period"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := Default()
			tc.edit(&c.StateSync)
			err := c.Validate()
			if tc.wantKey == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			var ke *KeyError
			if !errors.As(err, &ke) || ke.Key != tc.wantKey {
				t.Fatalf("Validate: %v, want a KeyError for %s", err, tc.wantKey)
			}
		})
	}
}
