// Package rfc6962 is the test oracle and the published test vectors shared by
// the tests of merklelog and pebblelog. It is imported only by _test.go files:
// production code must not depend on it.
//
// [Tree] is an independent, direct transcription of RFC 6962 section 2.1
// (MTH, PATH, SUBPROOF). It hashes with a raw hash function and spells out the
// 0x00/0x01 prefixes itself, sharing no code with merklelog's Hasher, compact
// or proof, so that agreeing with it means something.
//
// The vectors are the published RFC 6962 / Certificate Transparency SHA-256
// vectors, plus SM3 roots pinned over the same leaves.
//
// Sources (module cache, github.com/transparency-dev/merkle@v0.0.2):
//   - [C] testonly/constants.go: LeafInputs (lines 22-33), NodeHashes level 0
//     (lines 41-48), RootHashes (lines 65-77), EmptyRootHash (line 100).
//   - [V] proof/verify_test.go: inclusionProofs (lines 45-66, whose leaf
//     numbers are 1-based: index = leaf-1), consistencyProofs (lines 68-89).
//
// These are the vectors of certificate-transparency's merkle_tree_test.cc.
package rfc6962
