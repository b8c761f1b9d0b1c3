package signer

import (
	"bytes"
	"strings"
	"testing"

	"github.com/emmansun/gmsm/sm3"
)

func sm3Sum(b []byte) []byte {
	s := sm3.Sum(b)
	return s[:]
}

// TestSM3Vectors checks the GB/T 32905-2016 appendix A vectors through
// FingerprintOf, which is SM3 over its input.
func TestSM3Vectors(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"abc", []byte("abc"), "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"},
		{"abcd x16", bytes.Repeat([]byte("abcd"), 16), "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FingerprintOf(tt.in).String(); got != tt.want {
				t.Fatalf("FingerprintOf = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestParseFingerprint(t *testing.T) {
	good := FingerprintOf([]byte("abc"))
	tests := []struct {
		name    string
		in      string
		wantErr bool
	}{
		{"lowercase", good.String(), false},
		{"uppercase", strings.ToUpper(good.String()), false},
		{"short", good.String()[:62], true},
		{"long", good.String() + "00", true},
		{"prefixed", "0x" + good.String()[2:], true},
		{"non hex", "zz" + good.String()[2:], true},
		{"empty", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseFingerprint(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParseFingerprint(%q) succeeded", tt.in)
				}
				return
			}
			if err != nil || got != good {
				t.Fatalf("ParseFingerprint(%q) = %v, %v; want %v", tt.in, got, err, good)
			}
		})
	}
}
