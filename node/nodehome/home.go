package nodehome

import "path/filepath"

// Home is the layout of a node's home directory.
//
//	config/sealchain.toml     Sealchain settings (config package)
//	config/config.toml        CometBFT settings
//	config/genesis.json       chain id, validators, organisations (app_state)
//	config/priv_validator_key.json, config/node_key.json   0600
//	config/workflow.token                      the workflow API's bearer token
//	keys/ca.key, keys/ca.crt                   the organisation's CA (key 0600)
//	keys/submitter.key, keys/submitter.crt     the API client credential that signs tx envelopes
//	keys/intent-verifier.key, .crt             the development OTP verifier's key
//	keys/tls.key, keys/tls.crt                 the API's TLS certificate (init --tls-host)
//	data/                                      CometBFT's databases
//	data/sealchain.db/                         the app's pebble store
//	data/snapshots/                            state sync snapshots, one directory per height
//	data/anchor-queue/                         anchoring's queue
//	data/workflow/, data/workflow-files/       the signing workflow's database and files
//	sealchain.lock                             held (flock) by the running node; holds its pid
type Home string

// Path joins elem to the home.
func (h Home) Path(elem ...string) string {
	return filepath.Join(append([]string{string(h)}, elem...)...)
}

// Resolve makes a config path relative to the home absolute.
func (h Home) Resolve(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return h.Path(p)
}

func (h Home) Genesis() string       { return h.Path("config", "genesis.json") }
func (h Home) CAKey() string         { return h.Path("keys", "ca.key") }
func (h Home) CACert() string        { return h.Path("keys", "ca.crt") }
func (h Home) SubmitterKey() string  { return h.Path("keys", "submitter.key") }
func (h Home) SubmitterCert() string { return h.Path("keys", "submitter.crt") }
func (h Home) VerifierKey() string   { return h.Path("keys", "intent-verifier.key") }
func (h Home) VerifierCert() string  { return h.Path("keys", "intent-verifier.crt") }
func (h Home) Store() string         { return h.Path("data", "sealchain.db") }
func (h Home) Keys() string          { return h.Path("keys") }

// CheckpointKey is the node's C2SP checkpoint note key (node/witness.go).
func (h Home) CheckpointKey() string { return h.Path("keys", "checkpoint.key") }

// Cosigned keeps the checkpoints witnesses cosigned (node/witnessapi).
func (h Home) Cosigned() string { return h.Path("data", "witness", "cosigned.json") }
func (h Home) Lock() string     { return h.Path("sealchain.lock") }

// Snapshots is where the app keeps its state sync snapshots, one directory
// per height (see app.WithSnapshots).
func (h Home) Snapshots() string { return h.Path("data", "snapshots") }

// AnchorQueue is the anchoring queue's directory.
func (h Home) AnchorQueue() string { return h.Path("data", "anchor-queue") }

// TSAQueue is where the TSA keeps the timestamp_issued records of tokens
// it released and has not yet submitted (node/pki).
func (h Home) TSAQueue() string { return h.Path("data", "tsa-queue") }

// Workflow files under the home.
func (h Home) WorkflowDB() string    { return h.Path("data", "workflow") }
func (h Home) WorkflowFiles() string { return h.Path("data", "workflow-files") }
func (h Home) WorkflowToken() string { return h.Path("config", "workflow.token") }

// WorkflowSearch is the workflow's contract search index (derived from
// the workflow DB; deleting it while the node is stopped rebuilds it).
func (h Home) WorkflowSearch() string { return h.Path("data", "workflow-search") }
