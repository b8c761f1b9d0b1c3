// Package chain owns what Sealchain records: the record types and their
// canonical encoding (encoding.go, tx.go, record_*.go, one file per type,
// listed by the registry in registry.go), the log entry that becomes a
// Merkle leaf (entry.go), the mutable state and its encoding (state.go,
// StateValue, EncodeState, DecodeState), the rules versions and upgrade
// plans (upgrade.go), the store keys that index each record (index.go) and
// the app hash (apphash.go).
//
// It holds no storage and has no build tags: it builds for every target,
// including the browser verifier (js/wasm). The pebble store that holds the
// SM3 Merkle log, state, indexes and per-height checkpoints is package
// [github.com/sealchain/sealchain/chain/store]; it writes the bytes this
// package encodes under the keys of its own layout.
//
// Everything here is deterministic: the same transactions in the same blocks
// give the same bytes, roots and app hash on every machine. Consensus rules
// that need more than one record live in package app; this package checks
// only what a single record can tell (sizes, formats, required fields).
//
// Compatibility: field numbers, record type numbers, domain tags and the app
// hash layout are consensus-critical and are documented in docs/encoding.md.
// Changing any of them is a new version, never an edit.
package chain
