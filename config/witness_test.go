package config

import (
	"crypto/rand"
	"strings"
	"testing"

	"github.com/sealchain/sealchain/evidence/witness"
)

func TestWitnessValidate(t *testing.T) {
	_, vkey, err := witness.GenerateCosignerKey(rand.Reader, "w.example/witness")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		w    Witness
		want string // "" valid
	}{
		{"empty", Witness{}, ""},
		{"push with key", Witness{Keys: []string{vkey}, Push: []string{"https://w.example/witness"}}, ""},
		{"push without keys", Witness{Push: []string{"https://w.example/witness"}}, "witness.push"},
		{"push not a URL", Witness{Keys: []string{vkey}, Push: []string{"w.example"}}, "witness.push"},
		{"push ftp", Witness{Keys: []string{vkey}, Push: []string{"ftp://w.example/"}}, "witness.push"},
		{"key twice", Witness{Keys: []string{vkey, vkey}}, "witness.keys"},
		{"origin with space", Witness{Origin: "a b"}, "witness.origin"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.w.validate()
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Fatalf("validate = %v, want %q", err, tc.want)
			}
		})
	}
}
