// Package merklelog is Sealchain's append-only evidence log: an RFC 6962
// (Certificate Transparency shaped) Merkle tree over SM3, persisted in pebble.
// [Log] keeps the right edge of the tree (a compact range) in memory and
// writes every complete (perfect) subtree node to storage as it is created,
// so [RootAt], [InclusionProof] and [ConsistencyProof] can serve any past
// tree size with O(log n) reads. Proof construction and verification are
// delegated to github.com/transparency-dev/merkle; [VerifyInclusion] and
// [VerifyConsistency] are pure functions for offline verifiers and return
// [*RootMismatchError] or [ErrBadProof].
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
package merklelog
