package chainapi

import (
	"context"
	"log/slog"
	"time"

	"github.com/cometbft/cometbft/types"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/store"
	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/config"
	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/evidence/casepkg"
	"github.com/sealchain/sealchain/evidence/report"
	"github.com/sealchain/sealchain/node/httpjson"
	"github.com/sealchain/sealchain/node/submit"
	"github.com/sealchain/sealchain/signer"
)

// Store is what the chain API reads from the app store.
type Store interface {
	Last() chain.Checkpoint
	View() store.View
	InclusionProof(index, size uint64) ([][]byte, error)
}

// AssembleFn assembles the evidence bundle of a subject (assemble.Bundle
// over the node's store and CometBFT's headers).
type AssembleFn func(ctx context.Context, s evidence.Subject) (*evidence.Bundle, error)

// DevOTP is the development OTP intent verifier ([intent] dev_otp): codes
// come back in the API response instead of by SMS.
type DevOTP struct {
	OTP  *signer.DevOTP
	Key  *signer.PrivateKey
	Cert []byte
}

// Config is what New needs; the node fills it at start.
type Config struct {
	Store     Store
	Assemble  AssembleFn
	Submitter *submit.Submitter
	Genesis   *types.GenesisDoc
	GenesisJS []byte // the genesis as GET /v1/genesis serves it
	Org       string
	API       config.API
	Listen    string // the address the API listens on
	// Production: genesis app_state.production.
	Production bool
	DevOTP     *DevOTP         // nil: the /v1/dev/ routes answer 404
	MTLS       *ClientVerifier // nil: no client certificates ([api] auth has no "mtls")
	Auditor    *client.Submitter
	CA         *signer.CA // nil: no evidence reports
	Status     func(ctx context.Context) (map[string]any, error)
	Metrics    *httpjson.Metrics
	Gatherer   prometheus.Gatherer // nil: no GET /metrics
	Logger     *slog.Logger
	// SignedPDFs gives the signed PDFs of this node's workflow; nil when it
	// runs none. Peers ([institution] peers) are the other organisations'
	// nodes; DocumentsDir keeps the documents this node's institution
	// issues. All three serve institution cases (cases.go).
	SignedPDFs   SignedPDFSource
	Peers        map[string]string
	DocumentsDir string
	// CaseSource is this node's workflow as case packages read it (nil:
	// no workflow); CaseDir keeps the packages built: <dir>/<case_id>.zip
	// and <dir>/batches/<batch_id>/.
	CaseSource casepkg.Source
	CaseDir    string
	// PackagesDir keeps filed cases' packages: the filer's, and the
	// copies its institution received (filing.go); Packages opens them,
	// PackageDir(PackagesDir) when nil. CaseNotifier, when set, is told
	// of the changes of the cases this node's organisation opened
	// (RunCaseEvents).
	PackagesDir  string
	Packages     PackageSource
	CaseNotifier CaseNotifier
	// OFDPages draws OFD pages (signer/ofd/render) into evidence reports
	// on this node's workflow contracts whose file is an OFD; nil: the
	// reports show no pages.
	OFDPages report.PageRenderer
	// ProcessAlive tells whether a pid runs: the browser verifier's build
	// marker names its builder's.
	ProcessAlive func(pid int) bool
}

// New builds the chain API; Register adds its routes, RunReports runs its
// report jobs.
func New(c Config) *API {
	a := &API{
		store: c.Store, assemble: c.Assemble, chainID: c.Genesis.ChainID, org: c.Org, sub: c.Submitter, otp: c.DevOTP,
		wait: c.API.WaitTimeout.Duration, maxBody: c.API.MaxBodyBytes, logger: c.Logger, metrics: c.Metrics,
		status: c.Status, genesis: c.GenesisJS, reg: c.Gatherer,
		wasm:  verifierFile{path: c.API.VerifierWasm, alive: c.ProcessAlive},
		heavy: newHeavy(c.API), auditor: c.Auditor,
		auth: judicialAuth{signed: c.API.SignedAuth(), nonces: newNonceCache(maxNonces, maxNoncesPerCred)},
		rep:  reporting{ca: c.CA, jobs: newReportJobs(), publicURLSet: c.API.PublicURL != "", production: c.Production, pages: c.OFDPages},
	}
	a.caseJobs = newCaseBuilds(c.CaseSource, c.CaseDir)
	a.files = caseFiles{signed: c.SignedPDFs, peers: c.Peers, dir: c.DocumentsDir, maxPDF: c.API.PDFMaxBytes}
	a.pkgs = packages{src: c.Packages, dir: PackageDir(c.PackagesDir)}
	if a.pkgs.src == nil {
		a.pkgs.src = a.pkgs.dir
	}
	a.notifier = c.CaseNotifier
	a.rep.publicURL = c.API.PublicBase(c.Listen)
	a.auth.hosts = apiHosts(a.rep.publicURL, c.Listen, c.API.Hosts, c.API.TLS())
	// The start's second: a previous run cannot have accepted a request
	// from a second this run started in (stopping, reopening the store and
	// CometBFT take longer).
	a.auth.notBefore = time.Now().Unix()
	if msg := publicURLWarning(c.API.PublicURL, c.Listen); msg != "" {
		// A warning where it matters (a production chain, whose reports
		// then need it); on a development chain, `make run` on loopback is
		// the normal case and each start would print an alarming line.
		level := slog.LevelInfo
		if a.rep.production {
			level = slog.LevelWarn
		}
		a.logger.Log(context.Background(), level, msg, "public_url", a.rep.publicURL, "config", "api.public_url")
	}
	a.genesisValOrgs = genesisValidatorNames(c.Genesis)
	if c.API.MTLSAuth() {
		a.auth.mtls = c.MTLS
	}
	return a
}

// RunReports makes the report jobs queued by POST /v1/reports until ctx ends.
func (a *API) RunReports(ctx context.Context) { a.runReports(ctx) }

// ValidatorOrgs names the organisations that run this chain's validators
// (the signing pages' footer).
func (a *API) ValidatorOrgs() ([]string, error) { return a.validatorOrgs() }
