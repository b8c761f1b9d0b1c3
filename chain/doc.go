// Package chain owns what Sealchain records and how it is stored: the record
// types and their canonical encoding (encoding.go, tx.go, record_*.go, one
// file per type, listed by the registry in registry.go), the
// log entry that becomes a Merkle leaf (entry.go), the mutable state
// (state.go), the rules versions and upgrade plans (upgrade.go), and the
// pebble store that holds the SM3 Merkle log, state, indexes and per-height
// checkpoints (store.go, index.go).
//
// The store files (store.go, index.go, snapshot.go, state_store.go,
// upgrade_store.go) are built for !js only: pebble does not build for
// js/wasm, and the browser verifier needs the records, encodings and
// AppHash, never the store.
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
