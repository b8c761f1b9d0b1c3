package config_test

import (
	"errors"
	"testing"

	"github.com/sealchain/sealchain/config"
)

func TestInstitutionPeers(t *testing.T) {
	for _, tc := range []struct {
		name  string
		peers map[string]string
		ok    bool
	}{
		{"none", nil, true},
		{"http and https", map[string]string{"notary": "http://127.0.0.1:8082", "court": "https://court.example:8443/api"}, true},
		{"no scheme", map[string]string{"notary": "127.0.0.1:8082"}, false},
		{"ftp", map[string]string{"notary": "ftp://127.0.0.1"}, false},
		{"a query", map[string]string{"notary": "http://127.0.0.1:8082/?x=1"}, false},
		{"user info", map[string]string{"notary": "http://u:p@127.0.0.1:8082"}, false},
		{"empty org", map[string]string{"": "http://127.0.0.1:8082"}, false},
	} {
		c := config.Default()
		c.Institution.Peers = tc.peers
		err := c.Validate()
		var ke *config.KeyError
		if tc.ok != (err == nil) || (err != nil && (!errors.As(err, &ke) || ke.Key != "institution.peers")) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	// Round trip through the file.
	home := t.TempDir()
	c := config.Default()
	c.Institution.Peers = map[string]string{"notary": "http://127.0.0.1:8082", "platform-2": "http://10.0.0.2:8080"}
	if err := c.Save(home); err != nil {
		t.Fatal(err)
	}
	got, err := config.Load(home)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Institution.Peers) != 2 || got.Institution.Peers["platform-2"] != "http://10.0.0.2:8080" {
		t.Fatalf("peers after a round trip: %v", got.Institution.Peers)
	}
}
