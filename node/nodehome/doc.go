// Package nodehome owns a node's home directory: its layout ([Home], every
// path the node reads or writes), the lock a running node holds on it
// ([Acquire]), and the creation of homes: one organisation's home without a
// genesis ([InitHome]), a single-node network ([Init]), the genesis every
// member of a network shares ([WriteNetworkGenesis]) and a local
// multi-institution network ([Testnet]).
//
// Creating a home writes Sealchain's config (package config), CometBFT's
// files through package comet (config.toml, validator and node keys,
// genesis.json), the organisation's CA, the submitter credential genesis
// registers, and optionally the API's TLS certificate and the development
// OTP verifier's key. Keys are written 0600 and never overwritten without
// Force.
//
// The lock is an flock on Unix; elsewhere the home is not guarded and
// pebble's own lock is the only protection (lock_other.go).
package nodehome
