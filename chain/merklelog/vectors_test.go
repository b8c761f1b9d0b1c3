package merklelog

import (
	"bytes"
	"testing"

	"github.com/sealchain/sealchain/chain/merklelog/internal/rfc6962"
)

// The published RFC 6962 / Certificate Transparency SHA-256 vectors (package
// rfc6962, whose doc cites [C] and [V]) check the verifiers here (and in
// verify_test.go); pebblelog's tests run the same vectors through the stored
// Log and its proofs.

func TestRFC6962LeafHashes(t *testing.T) {
	for _, tc := range []struct {
		desc string
		leaf []byte
		want []byte
	}{
		{"leaf 0 empty", rfc6962.Leaves[0], rfc6962.MustHex("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d")},      // [C] line 41
		{"leaf 1 00", rfc6962.Leaves[1], rfc6962.MustHex("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7")},         // [C] line 42
		{"leaf 2 10", rfc6962.Leaves[2], rfc6962.MustHex("0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7")},         // [C] line 43
		{"leaf 3 2021", rfc6962.Leaves[3], rfc6962.MustHex("07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7")},       // [C] line 44
		{"leaf 4 3031", rfc6962.Leaves[4], rfc6962.MustHex("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")},       // [C] line 45
		{"leaf 5 40414243", rfc6962.Leaves[5], rfc6962.MustHex("4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658")},   // [C] line 46
		{"leaf 6 5051..57", rfc6962.Leaves[6], rfc6962.MustHex("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f")},   // [C] line 47
		{"leaf 7 6061..6e6f", rfc6962.Leaves[7], rfc6962.MustHex("46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1")}, // [C] line 48
	} {
		t.Run(tc.desc, func(t *testing.T) {
			if got := SHA256().HashLeaf(tc.leaf); !bytes.Equal(got, tc.want) {
				t.Errorf("HashLeaf = %x, want %x", got, tc.want)
			}
		})
	}
}

// TestSM3Roots pins the SM3 roots against the reference implementation;
// pebblelog's tests check a stored log against the same roots.
func TestSM3Roots(t *testing.T) {
	ref := rfc6962.NewTree(rfc6962.SM3Sum, rfc6962.Leaves)
	for n, want := range rfc6962.SM3Roots {
		if got := ref.MTH(0, n); !bytes.Equal(got, want) {
			t.Errorf("reference MTH(size %d) = %x, pinned %x", n, got, want)
		}
	}
}

// TestRFC6962RootsReference checks the reference implementation against the
// published SHA-256 roots, and EmptyRoot.
func TestRFC6962RootsReference(t *testing.T) {
	if got, want := SHA256().EmptyRoot(), rfc6962.Roots[0]; !bytes.Equal(got, want) {
		t.Errorf("EmptyRoot = %x, want %x", got, want)
	}
	ref := rfc6962.NewTree(rfc6962.SHA256Sum, rfc6962.Leaves)
	for n, want := range rfc6962.Roots {
		if got := ref.MTH(0, n); !bytes.Equal(got, want) {
			t.Errorf("reference MTH(size %d) = %x, want %x", n, got, want)
		}
	}
}
