// Package pebblelog is Sealchain's append-only evidence log persisted in
// pebble: the storage half of [github.com/sealchain/sealchain/chain/merklelog],
// which it hashes with and whose verifiers check its proofs. [Log] keeps the
// right edge of the tree (a compact range) in memory and writes every
// complete (perfect) subtree node to storage as it is created, so [RootAt],
// [InclusionProof] and [ConsistencyProof] can serve any past tree size with
// O(log n) reads. Proof construction is delegated to
// github.com/transparency-dev/merkle.
//
// It is its own package, not part of the chain store
// ([github.com/sealchain/sealchain/chain/store]), because it knows nothing of
// Sealchain: it is a generic RFC 6962 tree under one key prefix of any
// pebble-like key-value store, tested against the published SHA-256 vectors
// on its own. The chain store places it under the l/ prefix. It is apart from
// merklelog because pebble does not build for js/wasm, and the browser
// verifier needs only the hashes and the verification.
//
// # Storage layout
//
// All keys live under a caller-chosen prefix, which must not be a prefix of
// any other key family in the same store:
//
//	prefix | 'n' | level (1 byte) | index (8 bytes, big-endian)  -> node hash (Hasher.Size() bytes)
//	prefix | 's'                                                 -> tree size (8 bytes, big-endian)
//
// Leaf hashes are the level-0 nodes. Node (level, index) is the root of the
// perfect subtree over leaves [index<<level, (index+1)<<level). Nodes sort by
// level, then index, so each level is written as an ascending run. Stored
// nodes are never rewritten: appending only adds new keys and overwrites the
// size, which is why readers of a committed store may run concurrently with
// appends that commit later sizes.
package pebblelog
