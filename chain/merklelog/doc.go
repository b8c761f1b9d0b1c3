// Package merklelog is the pure half of Sealchain's evidence log: an RFC 6962
// (Certificate Transparency shaped) Merkle tree over SM3. [Hasher] defines the
// leaf and node hashes (SM3, or SHA-256 for the published test vectors);
// [VerifyInclusion] and [VerifyConsistency] are pure functions for offline
// verifiers and return [*RootMismatchError] or [ErrBadProof]. Proof
// verification is delegated to github.com/transparency-dev/merkle.
//
// The package has no storage and no build tags: it builds for every target,
// including the browser verifier (js/wasm). The log itself, persisted in
// pebble, with the proofs it serves, is package
// [github.com/sealchain/sealchain/chain/merklelog/pebblelog].
package merklelog
