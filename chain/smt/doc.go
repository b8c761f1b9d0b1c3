// Package smt is a compact sparse Merkle tree over SM3 with 256-bit keys:
// the tree that commits the chain's certificate status set (from rules
// version 4), and the proofs a bundle carries that a certificate was, or
// was not, revoked as of a height.
//
// # Shape
//
// A key is 256 bits, read most significant bit first; bit d chooses the
// child at depth d (0 left, 1 right). The tree is the full binary tree of
// depth 256 with every subtree that holds exactly one key replaced by that
// key's leaf (a "shortcut" leaf, placed at the shallowest depth at which
// its subtree holds no other key), and every subtree that holds no key
// replaced by the empty hash. So a tree of n random keys is about
// log2(n) + 1 deep, and an update or a proof touches that many nodes.
//
//	empty         = 32 zero bytes
//	leaf(k, v)    = SM3(0x00 ‖ k (32 bytes) ‖ v)
//	node(l, r)    = SM3(0x01 ‖ l ‖ r)
//	root of the empty tree = empty
//
// An inner node always has two non-empty subtrees below it somewhere; an
// inner node over one leaf and an empty sibling never exists (the leaf
// would sit at the inner node's place).
//
// # Proofs
//
// A [Proof] for key k lists the siblings on k's path from the root down to
// where the path ends, and what it ends at: k's own leaf (membership, with
// its value), another key's leaf sharing the path so far, or an empty
// subtree (both non-membership). [Proof.Verify] folds them back to a root.
// The binary encoding ([Proof.Encode], [DecodeProof]) omits empty siblings
// behind a bitmap; it is canonical, and the decoder refuses every other
// encoding of the same proof.
//
// # Storage
//
// [Update] and [Prove] read and write nodes through a [NodeStore], by
// position (depth and the key's first depth bits) and version (the block
// height that wrote them): nodes are never overwritten, so a proof at any
// committed height reads the tree as it was. The pebble store is in
// package chain/store; this package has no storage and builds for every
// target, the browser verifier among them.
package smt
