package main

import (
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sealchain/sealchain/config"
)

// TestInitPeers: `sealchain init --peer ORG=URL` (repeatable) writes
// [institution] peers, as testnet does for its nodes; a malformed value is
// refused, naming it, before anything is written.
func TestInitPeers(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name  string
		peers []string
		want  map[string]string
		err   string // part of the error; "" means accepted
	}{
		{"none", nil, nil, ""},
		{"two", []string{"notary=http://10.0.0.3:8080", "platform=https://platform.example.cn/sealchain"},
			map[string]string{"notary": "http://10.0.0.3:8080", "platform": "https://platform.example.cn/sealchain"}, ""},
		{"no URL", []string{"notary"}, nil, `--peer "notary": want ORG=URL`},
		{"empty URL", []string{"notary="}, nil, "want ORG=URL"},
		{"no organisation", []string{"=http://10.0.0.3:8080"}, nil, "--peer organisation"},
		{"bad organisation id", []string{"no tary=http://10.0.0.3:8080"}, nil, "--peer organisation"},
		{"twice", []string{"notary=http://a:1", "notary=http://b:2"}, nil, "given twice"},
		{"not http", []string{"notary=ftp://10.0.0.3"}, nil, "institution.peers"},
		{"with a query", []string{"notary=http://10.0.0.3:8080/?x=1"}, nil, "institution.peers"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			home := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-"))
			args := []string{"init", "--home", home, "--chain-id", "peers-test", "--org", "court", "--role", "court"}
			for _, p := range tc.peers {
				args = append(args, "--peer", p)
			}
			out, err := execute(t, args...)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("init: %v, want an error with %q", err, tc.err)
				}
				if _, err := os.Stat(home); !os.IsNotExist(err) {
					t.Fatalf("refused init left %s behind (%v)", home, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("init: %v\n%s", err, out)
			}
			c, err := config.Load(home)
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(c.Institution.Peers, tc.want) {
				t.Errorf("[institution] peers %v, want %v", c.Institution.Peers, tc.want)
			}
			for id, u := range tc.want {
				if !strings.Contains(out, "peer       "+id+" = "+u) {
					t.Errorf("init output lacks peer %s:\n%s", id, out)
				}
			}
		})
	}
}
