package flowapi

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/cockroachdb/pebble"
	"github.com/cometbft/cometbft/types"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/store"
	"github.com/sealchain/sealchain/config"
	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/node/httpjson"
	"github.com/sealchain/sealchain/node/submit"
	"github.com/sealchain/sealchain/workflow"
)

// CrashEnv names a workflow step (workflow.Step*) at which the node kills
// itself with SIGKILL: the kill -9 tests set it. Unset in normal runs.
const CrashEnv = "SEALCHAIN_WORKFLOW_CRASH_AT"

// Store is what the workflow service reads from the app store.
type Store interface {
	Last() chain.Checkpoint
	View() store.View
}

// Submitter submits the workflow's records and reads their outcome
// (submit.Submitter).
type Submitter interface {
	Submit(ctx context.Context, tx []byte) (submit.Outcome, error)
	Result(ctx context.Context, h chain.Hash) (submit.Outcome, error)
}

// TxPool is the part of CometBFT's CListMempool the eviction check uses.
type TxPool interface {
	InMempool(key types.TxKey) bool
}

// AssembleFn assembles the evidence bundle of a subject (assemble.Bundle
// over the node's store and CometBFT's headers).
type AssembleFn func(ctx context.Context, s evidence.Subject) (*evidence.Bundle, error)

// Paths are the files the workflow keeps under the node's home.
type Paths struct {
	SubmitterCert, SubmitterKey string // this org's submitter credential
	CACert, CAKey               string // this org's CA
	VerifierKey, VerifierCert   string // the intent verifier credential
	Token                       string // the platform's bearer token (created when missing)
	DB, Files                   string // the workflow database and the document store
	FilesKEK, KEK               string // the document store's and the workflow's key-encryption keys
	// Search is the contract search index's directory (workflow/search);
	// empty: Search scans the workflow database.
	Search              string
	S3Credentials, S3CA string // [workflow.s3] credentials_file and ca_file, resolved
}

// Config is what Open needs; the node fills it at start.
type Config struct {
	Workflow     config.Workflow
	Genesis      *types.GenesisDoc
	GenesisState *chain.GenesisState
	Org          string
	Paths        Paths
	// PublicURL prefixes signing links ([workflow] public_url, else [api]
	// public_url, else the API's own address).
	PublicURL string
	Store     Store
	Submitter Submitter
	Pool      TxPool // nil: no eviction check
	Assemble  AssembleFn
	// API limits: [api] max_body_bytes and wait_timeout.
	MaxBody      int64
	Wait         time.Duration
	PebbleLogger pebble.Logger
	Metrics      prometheus.Registerer // nil: no metrics
	// Pages draws OFD pages for the signing page; nil: the page says the
	// picture cannot be shown.
	Pages     workflow.PageRenderer
	Logger    *slog.Logger // the workflow's
	APILogger *slog.Logger // the HTTP API's (request failures)

	// RevocationURLs, when set, gives the AIA (OCSP) and CRL distribution
	// point URLs of the party certificates the workflow issues ([pki]).
	RevocationURLs func() (ocsp, crl []string)
	// Resolve makes a relative path (a provider's key file) absolute under
	// the node's home; nil leaves paths as they are.
	Resolve func(string) string
}

// writeJSON and the three below keep the handlers' short names for the
// shared plumbing (node/httpjson).
func writeJSON(w http.ResponseWriter, status int, v any) { httpjson.Write(w, status, v) }

func writeError(w http.ResponseWriter, status int, code, msg string) {
	httpjson.WriteError(w, status, code, msg)
}

type (
	errorBody = httpjson.ErrorBody
	apiError  = httpjson.Error
)
