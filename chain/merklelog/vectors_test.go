package merklelog

import (
	"bytes"
	"testing"
)

// Published RFC 6962 / Certificate Transparency SHA-256 vectors. The
// verifiers are checked against them here (and in verify_test.go);
// pebblelog's copy of these vectors runs them through the stored Log and its
// proofs.
//
// Sources (module cache, github.com/transparency-dev/merkle@v0.0.2):
//   - [C] testonly/constants.go: LeafInputs (lines 22-33), NodeHashes level 0
//     (lines 41-48), RootHashes (lines 65-77), EmptyRootHash (line 100).
//   - [V] proof/verify_test.go: inclusionProofs (lines 45-66, whose leaf
//     numbers are 1-based: index = leaf-1), consistencyProofs (lines 68-89).
// These are the vectors of certificate-transparency's merkle_tree_test.cc.

// rfcLeaves is [C] LeafInputs.
var rfcLeaves = [][]byte{
	dh(""),
	dh("00"),
	dh("10"),
	dh("2021"),
	dh("3031"),
	dh("40414243"),
	dh("5051525354555657"),
	dh("606162636465666768696a6b6c6d6e6f"),
}

// rfcRoots is [C] RootHashes, indexed by tree size.
var rfcRoots = [][]byte{
	dh("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"), // [C] EmptyRootHash, line 100
	dh("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"), // [C] line 68
	dh("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"), // [C] line 69
	dh("aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77"), // [C] line 70
	dh("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"), // [C] line 71
	dh("4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4"), // [C] line 72
	dh("76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef"), // [C] line 73
	dh("ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c"), // [C] line 74
	dh("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"), // [C] line 75
}

// sm3Roots pins the SM3 roots of the trees over rfcLeaves, by size.
//
// Derived twice, independently of Hasher/compact/proof:
//  1. refTree (reference_test.go), a direct transcription of RFC 6962 MTH
//     over gmsm's sm3.Sum, which TestSM3Roots also re-runs;
//  2. Python 3.11 hashlib.new("sm3") (OpenSSL 3.0.19's SM3), with
//     H = lambda b: hashlib.new("sm3", b).digest() and
//     mth(d) = H(b"") if not d else H(b"\x00"+d[0]) if len(d) == 1 else
//     H(b"\x01"+mth(d[:k])+mth(d[k:])), k the largest power of 2 < len(d).
//
// Size 0 is SM3("") from GB/T 32905-2016 / GM/T 0004-2012.
var sm3Roots = [][]byte{
	dh("1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b"),
	dh("2daef60e7a0b8f5e024c81cd2ab3109f2b4f155cf83adeb2ae5532f74a157fdf"),
	dh("0b990fe0c7ad70f1bf1a1262f2c7908ea48146b14253a6db99f2917ab1f5cc4d"),
	dh("209ec96a210d662a964772680e8544d18cab7b88ffec3e00962220349b56ea56"),
	dh("28e4e307ef6d2d0c62d84b11ef96e835efe490f35b93c8f024ecfe38c8dd4377"),
	dh("bb10c996aeebbcdc69be3715fc847344de77442d37a5ab8213da9f41785b103b"),
	dh("8723c1ab1f82ddfba4a3733ac0c80d936d9f4c208c7dbc8cc81ca9fff8584f66"),
	dh("bd36c22a1ac6ff4308e0c3cc1a85bf0ffa30538ec60a55c70413ab15d45db4d2"),
	dh("bc48ba7a709184b5f2a631e1adeb8dc2a0d4c018c1d6cc89b5664fe154c93b38"),
}

func TestRFC6962LeafHashes(t *testing.T) {
	for _, tc := range []struct {
		desc string
		leaf []byte
		want []byte
	}{
		{"leaf 0 empty", rfcLeaves[0], dh("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d")},      // [C] line 41
		{"leaf 1 00", rfcLeaves[1], dh("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7")},         // [C] line 42
		{"leaf 2 10", rfcLeaves[2], dh("0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7")},         // [C] line 43
		{"leaf 3 2021", rfcLeaves[3], dh("07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7")},       // [C] line 44
		{"leaf 4 3031", rfcLeaves[4], dh("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")},       // [C] line 45
		{"leaf 5 40414243", rfcLeaves[5], dh("4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658")},   // [C] line 46
		{"leaf 6 5051..57", rfcLeaves[6], dh("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f")},   // [C] line 47
		{"leaf 7 6061..6e6f", rfcLeaves[7], dh("46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1")}, // [C] line 48
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
	ref := newRefTree(sm3Sum, rfcLeaves)
	for n, want := range sm3Roots {
		if got := ref.mth(0, n); !bytes.Equal(got, want) {
			t.Errorf("reference MTH(size %d) = %x, pinned %x", n, got, want)
		}
	}
}

// TestRFC6962RootsReference checks the reference implementation against the
// published SHA-256 roots, and EmptyRoot.
func TestRFC6962RootsReference(t *testing.T) {
	if got, want := SHA256().EmptyRoot(), rfcRoots[0]; !bytes.Equal(got, want) {
		t.Errorf("EmptyRoot = %x, want %x", got, want)
	}
	ref := newRefTree(sha256Sum, rfcLeaves)
	for n, want := range rfcRoots {
		if got := ref.mth(0, n); !bytes.Equal(got, want) {
			t.Errorf("reference MTH(size %d) = %x, want %x", n, got, want)
		}
	}
}
