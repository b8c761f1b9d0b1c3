package node

import "path/filepath"

// Home is the layout of a node's home directory.
//
//	config/sealchain.toml     Sealchain settings (config package)
//	config/config.toml        CometBFT settings
//	config/genesis.json       chain id, validators, organisations (app_state)
//	config/priv_validator_key.json, config/node_key.json   0600
//	keys/ca.key, keys/ca.crt                   the organisation's CA (key 0600)
//	keys/submitter.key, keys/submitter.crt     the API client credential that signs tx envelopes
//	keys/intent-verifier.key, .crt             the development OTP verifier's key
//	data/                                      CometBFT's databases
//	data/sealchain.db/                         the app's pebble store
//	sealchain.lock                             held (flock) by the running node; holds its pid
type Home string

func (h Home) path(p ...string) string { return filepath.Join(append([]string{string(h)}, p...)...) }

func (h Home) Genesis() string       { return h.path("config", "genesis.json") }
func (h Home) CAKey() string         { return h.path("keys", "ca.key") }
func (h Home) CACert() string        { return h.path("keys", "ca.crt") }
func (h Home) SubmitterKey() string  { return h.path("keys", "submitter.key") }
func (h Home) SubmitterCert() string { return h.path("keys", "submitter.crt") }
func (h Home) VerifierKey() string   { return h.path("keys", "intent-verifier.key") }
func (h Home) VerifierCert() string  { return h.path("keys", "intent-verifier.crt") }
func (h Home) Store() string         { return h.path("data", "sealchain.db") }
func (h Home) Keys() string          { return h.path("keys") }
func (h Home) Lock() string          { return h.path("sealchain.lock") }
