package node

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	cmtjson "github.com/cometbft/cometbft/libs/json"
	"github.com/cometbft/cometbft/types"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/sealchain/sealchain/anchor"
	"github.com/sealchain/sealchain/app"
	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/store"
	"github.com/sealchain/sealchain/config"
	"github.com/sealchain/sealchain/node/anchoring"
	"github.com/sealchain/sealchain/node/chainapi"
	"github.com/sealchain/sealchain/node/comet"
	"github.com/sealchain/sealchain/node/flowapi"
	"github.com/sealchain/sealchain/node/httpjson"
	"github.com/sealchain/sealchain/node/nodehome"
	"github.com/sealchain/sealchain/node/submit"
	"github.com/sealchain/sealchain/node/witnessapi"
	"github.com/sealchain/sealchain/signer"
	"github.com/sealchain/sealchain/workflow"
)

// Lifecycle errors.
var (
	ErrAlreadyStarted = errors.New("node already started")
	ErrNotStarted     = errors.New("node not started")
)

// Node is a Sealchain validator: the app, CometBFT in the same process, and
// the HTTP API.
type Node struct {
	home    nodehome.Home
	cfg     *config.Config
	logger  *slog.Logger
	genesis *types.GenesisDoc
	gs      *chain.GenesisState

	store   *store.Store
	app     *app.App
	comet   *comet.Node
	sub     *submit.Submitter // every transaction this node submits goes through it
	reg     *prometheus.Registry
	metrics *httpjson.Metrics
	otp     *chainapi.DevOTP
	// tlsCert is the API's TLS certificate ([api] tls_cert_file); mtls
	// verifies client certificates ([api] auth has "mtls").
	tlsCert *tls.Certificate
	mtls    *chainapi.ClientVerifier
	// witness publishes checkpoints and keeps cosigned ones (witness.go).
	witness *witnessapi.API

	// lock is the home's lock file, held from Start to Stop.
	lock *nodehome.Lock

	mu      sync.Mutex
	started bool
	stopped bool
	http    *http.Server
	lis     net.Listener
	// handler is the API's handler: "starting" until Start has finished,
	// then the routes; tlsConf is the TLS configuration handshakes use,
	// swapped likewise once client certificates can be checked.
	handler *swapHandler
	tlsConf atomic.Pointer[tls.Config]
	// beforeReady, when set (tests), runs just before the routes go live.
	beforeReady func()
	// apiWrap, when set (tests), wraps the API's routes, given their
	// patterns: the tests validate every response against openapi.yaml.
	apiWrap func(h http.Handler, patterns []string) http.Handler
	quit    chan struct{}
	// ctx ends background work (report jobs) when the node stops; bg
	// counts that work, so Stop closes the store only after it returned.
	ctx    context.Context
	cancel context.CancelFunc
	bg     sync.WaitGroup

	// Anchoring to Fabric (node/anchoring); nil when [anchor] is off.
	anchorLedger anchor.Ledger
	anchorer     *anchoring.Anchorer
	anchorDone   chan struct{}

	// wf is the signing workflow (node/flowapi); nil when off.
	wf *flowapi.Service
	// ofdPages draws OFD pages for the signing page (WithOFDRenderer);
	// nil: the page says the picture cannot be shown.
	ofdPages workflow.PageRenderer
}

// Option configures a Node.
type Option func(*Node) error

// WithLogger sets the node's logger (default: text to stderr at the configured level).
func WithLogger(l *slog.Logger) Option {
	return func(n *Node) error {
		if l == nil {
			return errors.New("nil logger")
		}
		n.logger = l
		return nil
	}
}

// WithOFDRenderer sets what draws OFD pages for the workflow's signing
// page (GET /v1/sign/{token}/page/{n}), e.g.
// workflow.PageRendererFunc(render.PNG) of signer/ofd/render.
func WithOFDRenderer(r workflow.PageRenderer) Option {
	return func(n *Node) error {
		if r == nil {
			return errors.New("nil OFD renderer")
		}
		n.ofdPages = r
		return nil
	}
}

// WithConfig replaces the config read from home (tests use it to pick ports).
func WithConfig(c *config.Config) Option {
	return func(n *Node) error {
		if err := c.Validate(); err != nil {
			return err
		}
		n.cfg = c
		return nil
	}
}

// New prepares a node from its home; Start runs it.
func New(home string, opts ...Option) (*Node, error) {
	n := &Node{home: nodehome.Home(home), quit: make(chan struct{})}
	for _, o := range opts {
		if err := o(n); err != nil {
			return nil, fmt.Errorf("node option: %w", err)
		}
	}
	if n.cfg == nil {
		c, err := config.Load(home)
		if err != nil {
			return nil, err
		}
		n.cfg = c
	}
	if n.logger == nil {
		n.logger = NewLogger(os.Stderr, n.cfg.Log)
	}
	data, err := os.ReadFile(n.home.Genesis())
	if err != nil {
		return nil, fmt.Errorf("read genesis: %w", err)
	}
	var doc types.GenesisDoc
	if err := cmtjson.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("parse genesis %s: %w", n.home.Genesis(), err)
	}
	if err := doc.ValidateAndComplete(); err != nil {
		return nil, fmt.Errorf("genesis %s: %w", n.home.Genesis(), err)
	}
	gs, _, err := chain.ParseGenesisState(doc.AppState)
	if err != nil {
		return nil, err
	}
	n.genesis, n.gs = &doc, gs
	if n.cfg.API.TLS() {
		_, orgs, err := chain.ParseGenesisState(doc.AppState)
		if err != nil {
			return nil, err
		}
		cert, err := loadServerCert(n.home, n.cfg.API, orgs, time.Now())
		if err != nil {
			return nil, err
		}
		n.tlsCert = &cert
	}
	if n.cfg.Intent.DevOTP {
		if gs.Production {
			return nil, &config.KeyError{Key: "intent.dev_otp", Err: errors.New("the development OTP verifier is refused on a production chain (genesis app_state.production)")}
		}
		v, err := loadDevVerifier(n.home)
		if err != nil {
			return nil, fmt.Errorf("intent.dev_otp: %w", err)
		}
		n.otp = v
	}
	return n, nil
}

// Start opens the store, starts CometBFT with the app, and serves the API.
// ctx bounds start-up (including replay of blocks the app missed).
func (n *Node) Start(ctx context.Context) (err error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.started {
		return ErrAlreadyStarted
	}
	defer func() {
		if err != nil {
			n.closeParts()
		}
	}()
	// First the home's lock, so a second node on this home is told so
	// instead of failing somewhere in pebble or CometBFT.
	if n.lock, err = nodehome.Acquire(n.home); err != nil {
		return err
	}
	// Then the ports, before anything starts: a port in use is named with
	// its config key, and CometBFT does not come half up first.
	if n.lis, err = n.listenAPI(); err != nil {
		return err
	}
	if err := n.checkCometPorts(); err != nil {
		return err
	}
	// The API answers from here on: 503 "starting" (with Retry-After) until
	// CometBFT has started and replayed, then the real routes. A port that
	// accepts and never answers would look up to a TCP health check and
	// hang clients for the whole replay.
	n.serveStarting()
	n.reg = prometheus.NewRegistry()
	n.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	n.metrics = httpjson.NewMetrics(n.reg)

	if n.store, err = store.Open(n.home.Store(), n.logger.With("module", "store")); err != nil {
		return err
	}
	n.app, err = app.New(n.store, n.genesis.ChainID,
		app.WithAnchoring(n.gs.Anchoring),
		app.WithLogger(n.logger.With("module", "app")),
		app.WithMetrics(app.NewMetrics(n.reg)),
		app.WithMaxTxBytes(n.cfg.Limits.MaxTxBytes),
		app.WithCacheSize(n.cfg.Limits.CacheSize),
		app.WithSnapshots(n.home.Snapshots(), n.cfg.StateSync.SnapshotInterval),
	)
	if err != nil {
		return err
	}
	conf, err := comet.LoadConfig(comet.OptionsFromConfig(string(n.home), n.cfg))
	if err != nil {
		return err
	}
	if n.comet, err = comet.Start(ctx, conf, n.app, comet.NewLogger(n.logger.With("module", "cometbft"))); err != nil {
		return err
	}
	n.sub = n.newSubmitter()
	if addr := n.cfg.Consensus.RPCListen; addr != "" && !loopbackListen(addr) {
		n.logger.Warn("CometBFT RPC listens beyond this host: it answers abci_query, /block and /tx_search "+
			"(contracts, certificates, records) with no authentication and no query_logged record; "+
			"open it only to the nodes that state-sync from this one (docs/operations.md)", "rpc_listen", addr)
	}
	n.ctx, n.cancel = context.WithCancel(context.Background())
	if err := n.startAnchoring(); err != nil {
		return err
	}
	if n.tlsCert != nil && n.cfg.API.MTLSAuth() {
		// Client certificates are checked against the store, open only now.
		n.mtls = chainapi.NewClientVerifier(n.store)
		n.tlsConf.Store(chainapi.ServerTLSConfig(*n.tlsCert, n.mtls))
	}
	if err := n.startWorkflow(); err != nil {
		return err
	}
	if err := n.startWitnessAPI(); err != nil {
		return err
	}
	if n.beforeReady != nil {
		n.beforeReady()
	}
	n.handler.ready(n.routes())
	n.started = true
	last := n.store.Last()
	n.logger.Info("node started", "chain_id", n.genesis.ChainID, "org", n.cfg.Org,
		"api", n.lis.Addr().String(), "height", last.Height, "log_size", last.LogSize, "node_id", n.comet.NodeID())
	return nil
}

// serveStarting serves the API's listener with the "starting" handler, over
// TLS when configured. Until the store is open, TLS asks for no client
// certificate: nothing but "starting" is answered then anyway.
func (n *Node) serveStarting() {
	if n.tlsCert != nil {
		n.tlsConf.Store(chainapi.ServerTLSConfig(*n.tlsCert, nil))
		n.lis = tls.NewListener(n.lis, &tls.Config{
			GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) { return n.tlsConf.Load(), nil },
		})
	}
	n.handler = newSwapHandler()
	n.http = &http.Server{
		Handler:           n.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		WriteTimeout:      n.cfg.API.WaitTimeout.Duration + 30*time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(n.logger.Handler(), slog.LevelWarn),
	}
	srv, lis := n.http, n.lis
	go func() {
		if err := srv.Serve(lis); err != nil && !errors.Is(err, http.ErrServerClosed) {
			n.logger.Error("api server stopped", "err", err)
		}
	}()
}

// swapHandler answers 503 "starting" until ready installs the real routes;
// the switch is one atomic store, so no request sees a half-built handler.
type swapHandler struct{ h atomic.Pointer[http.Handler] }

func newSwapHandler() *swapHandler {
	s := &swapHandler{}
	var h http.Handler = http.HandlerFunc(startingHandler)
	s.h.Store(&h)
	return s
}

func (s *swapHandler) ready(h http.Handler) { s.h.Store(&h) }

func (s *swapHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	(*s.h.Load()).ServeHTTP(w, r)
}

// startingHandler answers every route, /healthz included (health checks
// must wait too), while the node starts.
func startingHandler(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Retry-After", "5")
	// A fresh connection for the retry: one kept from now carries no client
	// certificate, as the handshake asked for none (serveStarting).
	w.Header().Set("Connection", "close")
	httpjson.WriteError(w, http.StatusServiceUnavailable, "starting",
		"the node is starting (CometBFT is starting and replaying blocks); retry in a few seconds")
}

// listenAPI opens the API's listener ([api] listen).
func (n *Node) listenAPI() (net.Listener, error) {
	lis, err := net.Listen("tcp", n.cfg.API.Listen)
	if err != nil {
		return nil, n.portError("api.listen", n.cfg.API.Listen, err)
	}
	return lis, nil
}

// checkCometPorts tries CometBFT's P2P and RPC addresses before CometBFT
// starts, so that a port in use is reported with its key rather than as a
// bare bind error after CometBFT logged a page of shutdown errors.
func (n *Node) checkCometPorts() error {
	for _, p := range []struct{ key, addr string }{
		{"consensus.p2p_listen", n.cfg.Consensus.P2PListen},
		{"consensus.rpc_listen", n.cfg.Consensus.RPCListen},
	} {
		if p.addr == "" {
			continue
		}
		hostPort := strings.TrimPrefix(p.addr, "tcp://")
		lis, err := net.Listen("tcp", hostPort)
		if err != nil {
			return n.portError(p.key, hostPort, err)
		}
		lis.Close()
	}
	return nil
}

// loopbackListen reports whether a listen address (tcp://host:port or
// host:port) is reachable from this host only.
func loopbackListen(addr string) bool {
	host, _, err := net.SplitHostPort(strings.TrimPrefix(addr, "tcp://"))
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// portError names the address and the config key that set it.
func (n *Node) portError(key, addr string, err error) error {
	if errors.Is(err, syscall.EADDRINUSE) {
		table, name, _ := strings.Cut(key, ".")
		err = fmt.Errorf("%s is already in use by another process: stop it, or set [%s] %s in %s to a free host:port", addr, table, name, config.Path(string(n.home)))
	}
	return &config.KeyError{Key: key, Err: err}
}

// APIAddr is the address the API listens on (useful with port 0).
func (n *Node) APIAddr() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.lis == nil {
		return ""
	}
	return n.lis.Addr().String()
}

// Comet exposes the consensus engine (tests and tools).
func (n *Node) Comet() *comet.Node { return n.comet }

// Store exposes the app store (tests and tools).
func (n *Node) Store() *store.Store { return n.store }

// Quit is closed when the node has stopped.
func (n *Node) Quit() <-chan struct{} { return n.quit }

// Stop shuts down the API, then CometBFT, then the store, logging each error
// and going on, so a failure in one part does not leave the others running.
func (n *Node) Stop() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if !n.started {
		return ErrNotStarted
	}
	if n.stopped {
		return nil
	}
	n.stopped = true
	err := n.closeParts()
	close(n.quit)
	n.logger.Info("node stopped")
	return err
}

func (n *Node) closeParts() error {
	var errs []error
	if n.cancel != nil {
		n.cancel()
	}
	n.stopAnchoring()
	if n.http != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := n.http.Shutdown(ctx); err != nil {
			n.logger.Error("stop api", "err", err)
			errs = append(errs, err)
		}
		cancel()
	} else if n.lis != nil {
		n.lis.Close()
	}
	// A report job still running reads the store; ctx is cancelled above.
	n.bg.Wait()
	if n.wf != nil {
		// Before CometBFT and the store: its queue reads both.
		if err := n.wf.Close(); err != nil {
			n.logger.Error("stop workflow", "err", err)
			errs = append(errs, err)
		}
		n.wf = nil
	}
	if n.sub != nil {
		// After its users (API, workflow, anchoring), before CometBFT.
		n.sub.Close()
	}
	if n.comet != nil {
		if err := n.comet.Stop(); err != nil {
			n.logger.Error("stop cometbft", "err", err)
			errs = append(errs, err)
		}
	}
	if n.app != nil {
		n.app.StopSnapshots() // before the store closes under the export
	}
	if n.store != nil {
		if err := n.store.Close(); err != nil {
			n.logger.Error("close store", "err", err)
			errs = append(errs, err)
		}
	}
	// Last: everything that used the home is closed.
	if err := n.lock.Release(); err != nil {
		errs = append(errs, fmt.Errorf("release home lock: %w", err))
	}
	return errors.Join(errs...)
}

// loadDevVerifier loads the development OTP intent verifier's credential.
func loadDevVerifier(h nodehome.Home) (*chainapi.DevOTP, error) {
	key, err := signer.LoadPrivateKey(h.VerifierKey())
	if err != nil {
		return nil, err
	}
	pemBytes, err := os.ReadFile(h.VerifierCert())
	if err != nil {
		return nil, err
	}
	cert, err := signer.ParseCertificatePEM(pemBytes)
	if err != nil {
		return nil, err
	}
	return &chainapi.DevOTP{OTP: signer.NewDevOTP(signer.DevOTPOptions{}), Key: key, Cert: cert.Raw}, nil
}

func cmtjsonMarshal(doc *types.GenesisDoc) ([]byte, error) {
	return cmtjson.MarshalIndent(doc, "", "  ")
}

// statusInfo is the node status for GET /v1/status.
func (n *Node) statusInfo(ctx context.Context) (map[string]any, error) {
	last := n.store.Last()
	st, err := n.comet.Client().Status(ctx)
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"chain_id": n.genesis.ChainID, "org": n.cfg.Org, "moniker": n.cfg.Moniker, "node_id": n.comet.NodeID(),
		"latest_block_height": st.SyncInfo.LatestBlockHeight, "latest_block_time": st.SyncInfo.LatestBlockTime,
		"catching_up": st.SyncInfo.CatchingUp, "app_height": last.Height, "app_hash": fmt.Sprintf("%X", last.AppHash),
		"log_size": last.LogSize, "log_root": fmt.Sprintf("%x", last.LogRoot),
		"validator_address": st.ValidatorInfo.Address.String(), "voting_power": st.ValidatorInfo.VotingPower,
		"dev_otp": n.otp != nil, "production": n.gs.Production,
		"anchoring": n.anchorStatus(),
	}, nil
}
