package node

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/cockroachdb/pebble"
	dbm "github.com/cometbft/cometbft-db"
	abcicli "github.com/cometbft/cometbft/abci/client"
	abci "github.com/cometbft/cometbft/abci/types"
	cfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/crypto"
	"github.com/cometbft/cometbft/crypto/ed25519"
	"github.com/cometbft/cometbft/libs/cli/flags"
	cmtjson "github.com/cometbft/cometbft/libs/json"
	"github.com/cometbft/cometbft/libs/log"
	"github.com/cometbft/cometbft/libs/service"
	nm "github.com/cometbft/cometbft/node"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/privval"
	"github.com/cometbft/cometbft/proxy"
	rpcclient "github.com/cometbft/cometbft/rpc/client"
	"github.com/cometbft/cometbft/rpc/client/local"
	"github.com/cometbft/cometbft/types"
	cmttime "github.com/cometbft/cometbft/types/time"
)

const (
	cometDirPerm    = 0o700
	cometKeyPerm    = 0o600
	cometConfigPerm = 0o644

	// Sealchain transactions are small signing events, but the block must
	// still hold one mempool-sized transaction (1 MiB by default) plus
	// overhead, so CometBFT's 4 MiB default is kept.
	genesisBlockMaxBytes = 4 << 20
	// The application does not meter gas; -1 lets CometBFT skip the check.
	genesisBlockMaxGas = -1

	// validatorsPerPage is the largest page CometBFT's /validators serves;
	// asking for more is silently capped.
	validatorsPerPage = 100

	// heightPollInterval bounds how stale WaitForHeight can be; blocks are
	// at least tens of milliseconds apart, so polling is cheap and avoids
	// event-bus subscriptions that must be cleaned up.
	heightPollInterval = 20 * time.Millisecond
)

// ErrKeysExist is returned by InitCometHome when the home already holds a
// validator or node key and force is false.
var ErrKeysExist = errors.New("comet key files already exist")

// CometOptions are the CometBFT settings Sealchain exposes in its own config;
// everything else keeps CometBFT's defaults (written in full to
// <home>/config/config.toml so operators can read them).
//
// The options fully determine the fields they name: a zero value selects
// CometBFT's default, not whatever config.toml holds, except RPCListen where
// "" disables the RPC server.
type CometOptions struct {
	Home              string        // CometBFT root: config/ and data/ live below it
	Moniker           string        // "" means CometBFT's default (the host name)
	P2PListen         string        // e.g. "tcp://127.0.0.1:26656"; "" means "tcp://0.0.0.0:26656"
	RPCListen         string        // CometBFT's own RPC, e.g. "tcp://127.0.0.1:26657"; "" disables it
	PersistentPeers   string        // comma-separated id@host:port
	BlockInterval     time.Duration // consensus timeout_commit (the pause after a block); 0 means CometBFT's default (1s)
	TimeoutPropose    time.Duration // consensus timeout_propose; 0 means CometBFT's default (3s)
	TimeoutVote       time.Duration // consensus timeout_prevote and timeout_precommit; 0 means CometBFT's default (1s)
	CreateEmptyBlocks bool          // false: blocks only for txs, plus one proof block after each app hash change
	MaxTxBytes        int           // mempool max_tx_bytes; 0 means CometBFT's default (1 MiB)
	LogLevel          string        // "info", "debug", "error", "none" or CometBFT's "module:level,*:level"; "" means "info"
	// LocalNetwork lets peers share one IP and use non-routable addresses
	// (127.0.0.1): a localnet or a test. Production networks leave it off.
	LocalNetwork bool

	// StateSync restores a snapshot from peers on first start instead of
	// replaying blocks; it needs two or more RPC servers and a trusted
	// header (height and hash). StateSyncTrustPeriod 0 means CometBFT's
	// default (168h). The StateSync* fields other than StateSync apply only
	// when StateSync is true; otherwise config.toml's values are kept.
	StateSync            bool
	StateSyncRPCServers  []string
	StateSyncTrustHeight int64
	StateSyncTrustHash   string
	StateSyncTrustPeriod time.Duration
}

// GenesisValidator is one entry of the initial validator set.
type GenesisValidator struct {
	Name   string
	PubKey crypto.PubKey
	Power  int64
}

// InitCometHome creates config/config.toml (from opts), a validator key
// (config/priv_validator_key.json, mode 0600) with its double-sign state file
// (data/priv_validator_state.json), and a node key (config/node_key.json,
// 0600). It does not write the genesis. It returns the validator public key
// and the node ID.
//
// It refuses with ErrKeysExist when a key file exists unless force is true;
// forcing replaces both keys and resets the double-sign state.
func InitCometHome(opts CometOptions, force bool) (valPub crypto.PubKey, nodeID string, err error) {
	conf, err := cometConfigFromOptions(cfg.DefaultConfig(), opts)
	if err != nil {
		return nil, "", err
	}
	keyFile, stateFile, nodeKeyFile := conf.PrivValidatorKeyFile(), conf.PrivValidatorStateFile(), conf.NodeKeyFile()
	if !force {
		for _, f := range []string{keyFile, nodeKeyFile} {
			_, err := os.Stat(f)
			if err == nil {
				return nil, "", fmt.Errorf("%w: %s", ErrKeysExist, f)
			}
			if !errors.Is(err, fs.ErrNotExist) {
				return nil, "", fmt.Errorf("check %s: %w", f, err)
			}
		}
	}
	for _, d := range []string{
		conf.RootDir,
		filepath.Join(conf.RootDir, cfg.DefaultConfigDir),
		conf.DBDir(),
		filepath.Dir(keyFile), filepath.Dir(stateFile), filepath.Dir(nodeKeyFile),
	} {
		if err := os.MkdirAll(d, cometDirPerm); err != nil {
			return nil, "", fmt.Errorf("create %s: %w", d, err)
		}
	}
	if err := writeCometConfigFile(conf); err != nil {
		return nil, "", err
	}

	// The key files are written here rather than with privval.FilePV.Save
	// and NodeKey.SaveAs: Save panics on I/O errors and SaveAs keeps the
	// mode of an existing file, while these must always end up 0600.
	valKey := ed25519.GenPrivKey()
	valPub = valKey.PubKey()
	pvKey := privval.FilePVKey{Address: valPub.Address(), PubKey: valPub, PrivKey: valKey}
	if err := writeCometJSONFile(keyFile, pvKey); err != nil {
		return nil, "", err
	}
	if err := writeCometJSONFile(stateFile, privval.FilePVLastSignState{}); err != nil {
		return nil, "", err
	}
	nodeKey := p2p.NodeKey{PrivKey: ed25519.GenPrivKey()}
	if err := writeCometJSONFile(nodeKeyFile, nodeKey); err != nil {
		return nil, "", err
	}
	return valPub, string(nodeKey.ID()), nil
}

// WriteGenesis writes <home>/config/genesis.json with the chain ID, genesis
// time, validators, Sealchain's consensus parameters and appState as
// app_state. Every validator must write byte-identical files, so
// genesisTime is required rather than defaulted to now.
func WriteGenesis(home, chainID string, genesisTime time.Time, vals []GenesisValidator, appState json.RawMessage) error {
	if home == "" {
		return errors.New("write genesis: empty home")
	}
	if genesisTime.IsZero() {
		return errors.New("write genesis: genesis time is required")
	}
	if len(vals) == 0 {
		return errors.New("write genesis: no validators")
	}
	if len(appState) > 0 && !json.Valid(appState) {
		return errors.New("write genesis: app state is not valid JSON")
	}
	doc := types.GenesisDoc{
		GenesisTime:     cmttime.Canonical(genesisTime),
		ChainID:         chainID,
		InitialHeight:   1,
		ConsensusParams: cometConsensusParams(),
		AppState:        appState,
	}
	for i, v := range vals {
		if v.PubKey == nil {
			return fmt.Errorf("write genesis: validator %d (%q) has no public key", i, v.Name)
		}
		doc.Validators = append(doc.Validators, types.GenesisValidator{
			Address: v.PubKey.Address(),
			PubKey:  v.PubKey,
			Power:   v.Power,
			Name:    v.Name,
		})
	}
	if err := doc.ValidateAndComplete(); err != nil {
		return fmt.Errorf("write genesis: %w", err)
	}
	b, err := cmtjson.MarshalIndent(&doc, "", "  ")
	if err != nil {
		return fmt.Errorf("write genesis: encode: %w", err)
	}
	conf := cfg.DefaultConfig().SetRoot(home)
	if err := os.MkdirAll(filepath.Dir(conf.GenesisFile()), cometDirPerm); err != nil {
		return fmt.Errorf("write genesis: %w", err)
	}
	if err := cometWriteFileAtomic(conf.GenesisFile(), b, cometConfigPerm); err != nil {
		return fmt.Errorf("write genesis: %w", err)
	}
	return nil
}

// cometConsensusParams are CometBFT's defaults with the choices Sealchain depends
// on made explicit: vote extensions stay off, and only ed25519 validator keys
// are accepted. Proposer-based timestamps are on from the first block: a
// record's block time is the time the block was proposed, checked by every
// validator against its own clock (within the synchrony bounds). BFT time
// would stamp the first block after an idle spell with the time the previous
// block was committed, which can be hours before the signing it records.
func cometConsensusParams() *types.ConsensusParams {
	p := types.DefaultConsensusParams()
	p.Block.MaxBytes = genesisBlockMaxBytes
	p.Block.MaxGas = genesisBlockMaxGas
	p.Feature.VoteExtensionsEnableHeight = 0
	p.Feature.PbtsEnableHeight = 1
	p.Validator.PubKeyTypes = []string{types.ABCIPubKeyTypeEd25519}
	return p
}

// LoadCometConfig reads <home>/config/config.toml and applies opts on top
// (opts win for the fields they name), then validates the result. Keys in
// the file that CometBFT does not know are rejected, since a silently
// ignored typo in a consensus setting is worse than a refusal to start.
func LoadCometConfig(opts CometOptions) (*cfg.Config, error) {
	if opts.Home == "" {
		return nil, errors.New("load comet config: empty home")
	}
	path := filepath.Join(opts.Home, cfg.DefaultConfigDir, cfg.DefaultConfigFileName)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load comet config: %w", err)
	}
	conf := cfg.DefaultConfig()
	if err := decodeConfigTOML(b, conf); err != nil {
		return nil, fmt.Errorf("load comet config %s: %w", path, err)
	}
	return cometConfigFromOptions(conf, opts)
}

// cometConfigFromOptions roots conf at opts.Home, applies opts and validates.
func cometConfigFromOptions(conf *cfg.Config, opts CometOptions) (*cfg.Config, error) {
	if opts.Home == "" {
		return nil, errors.New("comet config: empty home")
	}
	if opts.BlockInterval < 0 {
		return nil, fmt.Errorf("comet config: negative block interval %s", opts.BlockInterval)
	}
	if opts.TimeoutPropose < 0 || opts.TimeoutVote < 0 {
		return nil, fmt.Errorf("comet config: negative consensus timeout (propose %s, vote %s)", opts.TimeoutPropose, opts.TimeoutVote)
	}
	if opts.MaxTxBytes < 0 {
		return nil, fmt.Errorf("comet config: negative max tx bytes %d", opts.MaxTxBytes)
	}
	home, err := filepath.Abs(opts.Home)
	if err != nil {
		return nil, fmt.Errorf("comet config: %w", err)
	}
	def := cfg.DefaultConfig()
	conf.SetRoot(home)
	conf.Moniker = cmp.Or(opts.Moniker, def.Moniker)
	conf.P2P.ListenAddress = cmp.Or(opts.P2PListen, def.P2P.ListenAddress)
	conf.RPC.ListenAddress = opts.RPCListen
	conf.P2P.PersistentPeers = opts.PersistentPeers
	conf.Consensus.TimeoutCommit = cmp.Or(opts.BlockInterval, def.Consensus.TimeoutCommit)
	conf.Consensus.TimeoutPropose = cmp.Or(opts.TimeoutPropose, def.Consensus.TimeoutPropose)
	conf.Consensus.TimeoutPrevote = cmp.Or(opts.TimeoutVote, def.Consensus.TimeoutPrevote)
	conf.Consensus.TimeoutPrecommit = cmp.Or(opts.TimeoutVote, def.Consensus.TimeoutPrecommit)
	conf.Consensus.CreateEmptyBlocks = opts.CreateEmptyBlocks
	conf.Mempool.MaxTxBytes = cmp.Or(opts.MaxTxBytes, def.Mempool.MaxTxBytes)
	conf.LogLevel = cmp.Or(opts.LogLevel, def.LogLevel)
	conf.P2P.AllowDuplicateIP = opts.LocalNetwork
	conf.P2P.AddrBookStrict = !opts.LocalNetwork
	conf.StateSync.Enable = opts.StateSync
	if opts.StateSync {
		conf.StateSync.RPCServers = opts.StateSyncRPCServers
		conf.StateSync.TrustHeight = opts.StateSyncTrustHeight
		conf.StateSync.TrustHash = opts.StateSyncTrustHash
		conf.StateSync.TrustPeriod = cmp.Or(opts.StateSyncTrustPeriod, def.StateSync.TrustPeriod)
	}

	if err := conf.ValidateBasic(); err != nil {
		return nil, fmt.Errorf("comet config: %w", err)
	}
	if _, err := flags.ParseLogLevel(conf.LogLevel, log.NewNopLogger(), cfg.DefaultLogLevel); err != nil {
		return nil, fmt.Errorf("comet config: log level: %w", err)
	}
	return conf, nil
}

// Comet is a running in-process CometBFT node.
type Comet struct {
	node   *nm.Node
	client *local.Local
	dbs    *dbTracker
	nodeID string

	stopOnce sync.Once
	stopErr  error
}

// StartComet creates and starts the node with app via a local ABCI client.
// The home must have been initialised with InitCometHome and WriteGenesis.
// ctx bounds node creation (including block replay against app) and the
// wait for a future genesis time; it does not bound the node's lifetime,
// which ends with Stop.
func StartComet(ctx context.Context, conf *cfg.Config, app abci.Application, logger log.Logger) (*Comet, error) {
	if conf == nil {
		return nil, errors.New("start comet: nil config")
	}
	if app == nil {
		return nil, errors.New("start comet: nil application")
	}
	if logger == nil {
		logger = log.NewNopLogger()
	}
	if err := conf.ValidateBasic(); err != nil {
		return nil, fmt.Errorf("start comet: %w", err)
	}
	logger, err := flags.ParseLogLevel(conf.LogLevel, logger, cfg.DefaultLogLevel)
	if err != nil {
		return nil, fmt.Errorf("start comet: log level: %w", err)
	}
	// Load keys ourselves: privval.LoadFilePV calls os.Exit on a missing or
	// corrupt file, and LoadOrGen* would silently mint new keys.
	nodeKey, err := p2p.LoadNodeKey(conf.NodeKeyFile())
	if err != nil {
		return nil, fmt.Errorf("start comet: node key: %w", err)
	}
	pv, err := loadCometFilePV(conf.PrivValidatorKeyFile(), conf.PrivValidatorStateFile())
	if err != nil {
		return nil, fmt.Errorf("start comet: %w", err)
	}

	dbs := &dbTracker{logger: logger}
	n, err := nm.NewNode(ctx, conf, pv, nodeKey,
		// Consensus calls are serialised by CometBFT; mempool and query calls
		// run concurrently so CheckTx verifies signatures on every core. The
		// app is safe for that (see app.App). Mempool CheckTx is answered by
		// a worker pool, not on the caller's goroutine (asyncMempoolClient).
		asyncMempoolCreator{
			ClientCreator: proxy.NewConsensusSyncLocalClientCreator(app),
			app:           app,
			workers:       runtime.GOMAXPROCS(0),
			queueBytes:    mempoolQueueBytes,
		},
		nm.DefaultGenesisDocProviderFunc(conf),
		dbs.provider,
		nm.DefaultMetricsProvider(conf.Instrumentation),
		logger,
	)
	if err != nil {
		// NewNode does not clean up after itself; without this the DBs stay
		// locked and the home cannot be reopened in this process.
		return nil, errors.Join(fmt.Errorf("start comet: create node: %w", err), dbs.closeAll())
	}

	// Node.OnStart sleeps until the genesis time without looking at any
	// context, so wait here where ctx can cut it short.
	if wait := time.Until(n.GenesisDoc().GenesisTime); wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, errors.Join(fmt.Errorf("start comet: waiting for genesis time: %w", ctx.Err()), abandonComet(n, dbs))
		case <-t.C:
		}
	}
	// local.New only logs a ConfigureRPC failure and returns a client that
	// panics on first use; surface the error instead.
	if _, err := n.ConfigureRPC(); err != nil {
		return nil, errors.Join(fmt.Errorf("start comet: configure rpc: %w", err), abandonComet(n, dbs))
	}
	if err := n.Start(); err != nil {
		return nil, errors.Join(fmt.Errorf("start comet: %w", err), abandonComet(n, dbs))
	}
	return &Comet{
		node:   n,
		client: local.New(n),
		dbs:    dbs,
		nodeID: string(nodeKey.ID()),
	}, nil
}

const (
	// mempoolQueueBytes bounds what waits for a CheckTx worker: when it is
	// used up, CheckTxAsync blocks its caller (a peer's receive loop or an
	// RPC handler) until workers catch up, as the synchronous client did
	// for every tx. 4 MiB is about 2,300 Sealchain txs, ~0.15 s of work on
	// two cores.
	mempoolQueueBytes = 4 << 20
	// mempoolRequestCost is charged per queued request on top of its tx
	// bytes, so the byte budget also bounds the number of requests (and the
	// job channel's capacity).
	mempoolRequestCost = 1 << 10
)

// asyncMempoolCreator is CometBFT's consensus-synchronised local client
// creator with the mempool connection answered by asyncMempoolClient.
type asyncMempoolCreator struct {
	proxy.ClientCreator
	app        abci.Application
	workers    int
	queueBytes int
}

func (c asyncMempoolCreator) NewABCIMempoolClient() (abcicli.Client, error) {
	return newAsyncMempoolClient(c.app, c.workers, c.queueBytes), nil
}

// asyncMempoolClient is the mempool's ABCI connection. CometBFT's local
// clients answer CheckTxAsync on the caller's goroutine, and the caller of
// a gossiped tx is the peer connection's receive loop: a validator then
// verifies one peer's txs one at a time, and that peer's consensus messages
// (proposals, votes) wait behind them. Here CheckTxAsync queues the request
// and returns; a fixed pool of workers calls the app and completes the
// ReqRes, as CometBFT's socket client does from its response loop.
//
// What CListMempool relies on, and how it is kept:
//   - Flush returns once every queued request has been answered and its
//     callback has run. BlockExecutor.Commit flushes with the mempool
//     locked before Update, so no CheckTx callback runs during a recheck
//     (the mempool panics if one does).
//   - Recheck responses must arrive in mempool order (the mempool walks its
//     list with a cursor and skips what arrives out of order), so rechecks
//     are answered synchronously on the caller, which holds the mempool
//     lock; their signatures are in the app's verification cache.
//   - New-tx callbacks may run concurrently and in any order: the local
//     clients already run them on concurrent callers.
//   - A ReqRes is always completed (Done), also when the app fails or
//     panics or the client stops with requests queued; those get no
//     response, as with the socket client. An app error ends the
//     connection (Error, Stop); a panic drops only its tx.
//
// Every other ABCI call goes straight to the app, as with CometBFT's
// unsynchronised local client.
type asyncMempoolClient struct {
	service.BaseService
	abci.Application

	workers int
	budget  int
	jobs    chan checkTxJob
	done    chan struct{} // closed by OnStop: workers exit
	wg      sync.WaitGroup

	mu       sync.Mutex
	stopped  bool
	err      error            // first app error; the connection is dead after it
	queued   int              // cost of requests not yet answered
	pending  int              // requests not yet answered
	idle     chan struct{}    // closed while pending == 0
	space    chan struct{}    // closed when budget is released and waiters > 0
	waiters  int              // callers blocked on space
	callback abcicli.Callback // deprecated global callback, kept for the interface
}

type checkTxJob struct {
	ctx  context.Context
	req  *abci.CheckTxRequest
	rr   *abcicli.ReqRes
	cost int
}

var _ abcicli.Client = (*asyncMempoolClient)(nil)

func newAsyncMempoolClient(app abci.Application, workers, budget int) *asyncMempoolClient {
	workers = max(workers, 1)
	budget = max(budget, mempoolRequestCost)
	idle := make(chan struct{})
	close(idle)
	c := &asyncMempoolClient{
		Application: app,
		workers:     workers,
		budget:      budget,
		// One slot per request the budget admits, plus the one admitted
		// with an empty queue whatever its size, so a send never blocks.
		jobs:  make(chan checkTxJob, budget/mempoolRequestCost+1),
		done:  make(chan struct{}),
		idle:  idle,
		space: make(chan struct{}),
	}
	c.BaseService = *service.NewBaseService(nil, "asyncMempoolClient", c)
	return c
}

func (c *asyncMempoolClient) OnStart() error {
	c.wg.Add(c.workers)
	for range c.workers {
		go c.work()
	}
	return nil
}

// OnStop stops the workers after their current request and completes the
// queued requests without a response. Later requests are answered on the
// caller's goroutine.
func (c *asyncMempoolClient) OnStop() {
	c.mu.Lock()
	c.stopped = true
	c.wakeLocked()
	c.mu.Unlock()
	close(c.done)
	c.wg.Wait()
	for {
		select {
		case j := <-c.jobs:
			j.rr.Done()
			c.release(j.cost)
		default:
			return
		}
	}
}

// Error reports the app error that ended the connection, if any; the
// mempool then refuses new txs.
func (c *asyncMempoolClient) Error() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Flush waits until every queued request has been answered and its
// callback has run.
func (c *asyncMempoolClient) Flush(ctx context.Context) error {
	c.mu.Lock()
	idle := c.idle
	c.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("flush mempool connection: %w", ctx.Err())
	}
}

func (*asyncMempoolClient) Echo(_ context.Context, msg string) (*abci.EchoResponse, error) {
	return &abci.EchoResponse{Message: msg}, nil
}

func (c *asyncMempoolClient) SetResponseCallback(cb abcicli.Callback) {
	c.mu.Lock()
	c.callback = cb
	c.mu.Unlock()
}

// CheckTxAsync queues a new tx for a worker, blocking while the queue's
// budget is used up. Rechecks, and requests before Start or after Stop,
// are answered before it returns.
func (c *asyncMempoolClient) CheckTxAsync(ctx context.Context, req *abci.CheckTxRequest) (*abcicli.ReqRes, error) {
	if req.Type == abci.CHECK_TX_TYPE_RECHECK {
		return c.checkNow(ctx, req)
	}
	cost := len(req.Tx) + mempoolRequestCost
	c.mu.Lock()
	for {
		if c.err != nil {
			err := c.err
			c.mu.Unlock()
			return nil, err
		}
		if c.stopped || !c.IsRunning() {
			c.mu.Unlock()
			return c.checkNow(ctx, req)
		}
		// An empty queue admits any request, so a tx larger than the
		// budget cannot wait forever.
		if c.queued == 0 || c.queued+cost <= c.budget {
			break
		}
		space := c.space
		c.waiters++
		c.mu.Unlock()
		select {
		case <-space:
		case <-ctx.Done():
			c.mu.Lock()
			c.waiters--
			c.mu.Unlock()
			return nil, fmt.Errorf("mempool check tx: %w", ctx.Err())
		}
		c.mu.Lock()
		c.waiters--
	}
	rr := abcicli.NewReqRes(abci.ToCheckTxRequest(req))
	c.queued += cost
	if c.pending == 0 {
		c.idle = make(chan struct{})
	}
	c.pending++
	// Sent under mu so that OnStop, which sets stopped under mu before
	// draining, cannot miss a job; the channel has room for every
	// admitted request, so this never blocks.
	c.jobs <- checkTxJob{ctx: ctx, req: req, rr: rr, cost: cost}
	c.mu.Unlock()
	return rr, nil
}

// checkNow answers req on the caller's goroutine, like CometBFT's
// unsynchronised local client.
func (c *asyncMempoolClient) checkNow(ctx context.Context, req *abci.CheckTxRequest) (*abcicli.ReqRes, error) {
	res, err := c.Application.CheckTx(ctx, req)
	if err != nil {
		return nil, err
	}
	rr := abcicli.NewReqRes(abci.ToCheckTxRequest(req))
	c.respond(rr, res)
	rr.Done()
	return rr, nil
}

func (c *asyncMempoolClient) work() {
	defer c.wg.Done()
	for {
		// Checked first so that a stop is not delayed by a full queue.
		select {
		case <-c.done:
			return
		default:
		}
		select {
		case <-c.done:
			return
		case j := <-c.jobs:
			c.answer(j)
		}
	}
}

// answer runs one queued request. The callback runs before Done, so a
// waiter on the ReqRes (broadcast_tx_sync) sees the callback's outcome,
// and before the request leaves pending, so Flush covers it.
func (c *asyncMempoolClient) answer(j checkTxJob) {
	defer c.release(j.cost)
	defer j.rr.Done()
	res, err := c.checkTx(j.ctx, j.req)
	switch {
	case errors.Is(err, errCheckTxPanicked):
		c.Logger.Error("mempool CheckTx panicked; tx dropped", "tx", fmt.Sprintf("%X", types.Tx(j.req.Tx).Hash()), "err", err)
	case err != nil:
		c.fail(err)
	default:
		c.respond(j.rr, res)
	}
}

var errCheckTxPanicked = errors.New("check tx panicked")

// checkTx calls the app, turning a panic into errCheckTxPanicked: on the
// caller's goroutine a panic on one tx would have ended that peer's
// connection or that RPC request (both recover), not the process.
func (c *asyncMempoolClient) checkTx(ctx context.Context, req *abci.CheckTxRequest) (res *abci.CheckTxResponse, err error) {
	defer func() {
		if r := recover(); r != nil {
			res, err = nil, fmt.Errorf("%w: %v", errCheckTxPanicked, r)
		}
	}()
	res, err = c.Application.CheckTx(ctx, req)
	if err == nil && res == nil {
		err = errors.New("check tx: app returned no response")
	}
	return res, err
}

func (c *asyncMempoolClient) respond(rr *abcicli.ReqRes, res *abci.CheckTxResponse) {
	resp := abci.ToCheckTxResponse(res)
	c.mu.Lock()
	cb := c.callback
	c.mu.Unlock()
	if cb != nil {
		cb(rr.Request, resp)
	}
	rr.Response = resp
	rr.InvokeCallback()
}

// fail records the first app error and stops the client, which is how
// CometBFT's socket client reports a broken application: the node's
// proxy then shuts the node down. The synchronous local client would have
// panicked on the caller's goroutine instead.
func (c *asyncMempoolClient) fail(err error) {
	c.mu.Lock()
	first := c.err == nil
	if first {
		c.err = err
	}
	c.mu.Unlock()
	if !first {
		return
	}
	c.Logger.Error("mempool CheckTx failed; stopping the mempool connection", "err", err)
	// Stop waits for the workers, this one included, so it cannot run here.
	go func() { _ = c.Stop() }()
}

// release returns a request's cost to the budget and marks it answered.
func (c *asyncMempoolClient) release(cost int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.queued -= cost
	c.pending--
	if c.pending == 0 {
		close(c.idle)
	}
	c.wakeLocked()
}

func (c *asyncMempoolClient) wakeLocked() {
	if c.waiters > 0 {
		close(c.space)
		c.space = make(chan struct{})
	}
}

// abandonComet releases a node that was created but is not running. A failed
// Start leaves the service marked not started, so Stop would refuse and the
// RPC listeners and stores it opened would leak; OnStop tolerates stopping
// parts that never started.
func abandonComet(n *nm.Node, dbs *dbTracker) error {
	n.OnStop()
	var errs []error
	if err := n.ProxyApp().Stop(); err != nil {
		errs = append(errs, fmt.Errorf("stop abci connections: %w", err))
	}
	errs = append(errs, dbs.closeAll())
	return errors.Join(errs...)
}

// Stop stops the node, waits for it and closes its databases, so the same
// home can be started again in this process. It is idempotent: later calls
// return the first call's result.
func (c *Comet) Stop() error {
	c.stopOnce.Do(func() {
		var errs []error
		if err := c.node.Stop(); err != nil {
			errs = append(errs, fmt.Errorf("stop node: %w", err))
		} else {
			c.node.Wait()
		}
		// Node.OnStop leaves the ABCI connections running and never closes
		// the tx index DB.
		if err := c.node.ProxyApp().Stop(); err != nil {
			errs = append(errs, fmt.Errorf("stop abci connections: %w", err))
		}
		if err := c.dbs.closeAll(); err != nil {
			errs = append(errs, err)
		}
		c.stopErr = errors.Join(errs...)
	})
	return c.stopErr
}

// Client returns an in-process RPC client for broadcast, blocks, commits and
// validators. Note that the local client ignores the contexts passed to its
// methods.
func (c *Comet) Client() rpcclient.Client { return c.client }

// NodeID is the node's P2P ID, as used in id@host:port peer addresses.
func (c *Comet) NodeID() string { return c.nodeID }

// LatestHeight is the height of the last block in the local block store.
func (c *Comet) LatestHeight() int64 { return c.node.BlockStore().Height() }

// WaitForHeight blocks until the local block store reaches height, ctx ends
// or the node stops.
func (c *Comet) WaitForHeight(ctx context.Context, height int64) error {
	t := time.NewTicker(heightPollInterval)
	defer t.Stop()
	for {
		if c.LatestHeight() >= height {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for height %d (at %d): %w", height, c.LatestHeight(), ctx.Err())
		case <-c.node.Quit():
			return fmt.Errorf("wait for height %d: node stopped at %d", height, c.LatestHeight())
		case <-t.C:
		}
	}
}

// Checkpoint returns the signed header (header and commit) at height and the
// validator set that signed it, as protobuf bytes (cometbft SignedHeader and
// ValidatorSet) for chain/checkpoint.VerifyCheckpoint. For the latest height
// the commit is the node's own seen commit rather than the one in the next
// block; both carry +2/3 of the signatures.
// Hop returns the signed header at height and the validator set of the next
// height (the set its NextValidatorsHash names), for a verifier to move its
// trust across a validator-set change.
func (c *Comet) Hop(ctx context.Context, height int64) (signedHeader []byte, nextValSet []byte, err error) {
	signedHeader, _, err = c.Checkpoint(ctx, height)
	if err != nil {
		return nil, nil, err
	}
	vals, err := c.validators(ctx, height+1)
	if err != nil {
		return nil, nil, fmt.Errorf("hop %d: next validators: %w", height, err)
	}
	pvs, err := vals.ToProto()
	if err != nil {
		return nil, nil, fmt.Errorf("hop %d: validator set: %w", height, err)
	}
	nextValSet, err = pvs.Marshal()
	if err != nil {
		return nil, nil, fmt.Errorf("hop %d: encode validator set: %w", height, err)
	}
	return signedHeader, nextValSet, nil
}

func (c *Comet) Checkpoint(ctx context.Context, height int64) (signedHeader []byte, valSet []byte, err error) {
	if height <= 0 {
		return nil, nil, fmt.Errorf("checkpoint: invalid height %d", height)
	}
	rc, err := c.client.Commit(ctx, &height)
	if err != nil {
		return nil, nil, fmt.Errorf("checkpoint %d: commit: %w", height, err)
	}
	// /commit answers (nil, nil) for a pruned height.
	if rc == nil || rc.Header == nil || rc.Commit == nil {
		return nil, nil, fmt.Errorf("checkpoint %d: no commit stored", height)
	}
	vals, err := c.validators(ctx, height)
	if err != nil {
		return nil, nil, fmt.Errorf("checkpoint %d: %w", height, err)
	}
	if !bytes.Equal(vals.Hash(), rc.Header.ValidatorsHash) {
		return nil, nil, fmt.Errorf("checkpoint %d: validator set does not hash to header's validators hash", height)
	}

	signedHeader, err = rc.SignedHeader.ToProto().Marshal()
	if err != nil {
		return nil, nil, fmt.Errorf("checkpoint %d: encode signed header: %w", height, err)
	}
	pvs, err := vals.ToProto()
	if err != nil {
		return nil, nil, fmt.Errorf("checkpoint %d: validator set: %w", height, err)
	}
	valSet, err = pvs.Marshal()
	if err != nil {
		return nil, nil, fmt.Errorf("checkpoint %d: encode validator set: %w", height, err)
	}
	return signedHeader, valSet, nil
}

// validators fetches every page of the validator set at height.
func (c *Comet) validators(ctx context.Context, height int64) (*types.ValidatorSet, error) {
	var all []*types.Validator
	perPage := validatorsPerPage
	for page := 1; ; page++ {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("validators: %w", err)
		}
		rv, err := c.client.Validators(ctx, &height, &page, &perPage)
		if err != nil {
			return nil, fmt.Errorf("validators page %d: %w", page, err)
		}
		all = append(all, rv.Validators...)
		if len(all) >= rv.Total || len(rv.Validators) == 0 {
			if len(all) != rv.Total {
				return nil, fmt.Errorf("validators: got %d of %d", len(all), rv.Total)
			}
			break
		}
	}
	// FromExisting keeps the stored order, which is the order commit
	// signatures refer to.
	vals, err := types.ValidatorSetFromExistingValidators(all)
	if err != nil {
		return nil, fmt.Errorf("validators: %w", err)
	}
	return vals, nil
}

// loadCometFilePV reads the validator key and its double-sign state, returning
// errors where privval.LoadFilePV would exit the process.
func loadCometFilePV(keyFile, stateFile string) (*privval.FilePV, error) {
	b, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, fmt.Errorf("validator key: %w", err)
	}
	var key privval.FilePVKey
	if err := cmtjson.Unmarshal(b, &key); err != nil {
		return nil, fmt.Errorf("validator key %s: %w", keyFile, err)
	}
	if key.PrivKey == nil {
		return nil, fmt.Errorf("validator key %s: no private key", keyFile)
	}
	b, err = os.ReadFile(stateFile)
	if err != nil {
		return nil, fmt.Errorf("validator state: %w", err)
	}
	var st privval.FilePVLastSignState
	if err := cmtjson.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("validator state %s: %w", stateFile, err)
	}
	// NewFilePV is the only way to set the unexported file paths that
	// FilePV writes its state back to.
	pv := privval.NewFilePV(key.PrivKey, keyFile, stateFile)
	pv.LastSignState.Height = st.Height
	pv.LastSignState.Round = st.Round
	pv.LastSignState.Step = st.Step
	pv.LastSignState.Signature = st.Signature
	pv.LastSignState.SignBytes = st.SignBytes
	return pv, nil
}

// dbTracker opens databases through CometBFT's default provider and
// remembers them, because Node.OnStop closes the block, state and evidence
// stores but not the tx index; a still-open pebble DB keeps its lock and a
// restart in the same process fails.
//
// Pebble databases are opened here too, to route pebble's own logging (which
// otherwise goes to the standard library logger, e.g. on every WAL replay)
// through the node's logger.
type dbTracker struct {
	logger log.Logger

	mu  sync.Mutex
	dbs []*onceDB
}

func (t *dbTracker) provider(ctx *cfg.DBContext) (dbm.DB, error) {
	var (
		db  dbm.DB
		err error
	)
	if dbm.BackendType(ctx.Config.DBBackend) == dbm.PebbleDBBackend {
		db, err = dbm.NewPebbleDBWithOpts(ctx.ID, ctx.Config.DBDir(),
			&pebble.Options{Logger: pebbleLogger{t.logger.With("module", "pebble", "db", ctx.ID)}})
	} else {
		db, err = cfg.DefaultDBProvider(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s db: %w", ctx.ID, err)
	}
	o := &onceDB{DB: db, id: ctx.ID}
	t.mu.Lock()
	t.dbs = append(t.dbs, o)
	t.mu.Unlock()
	return o, nil
}

// closeAll closes every database not yet closed by CometBFT itself.
func (t *dbTracker) closeAll() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	var errs []error
	for _, db := range t.dbs {
		if err := db.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close %s db: %w", db.id, err))
		}
	}
	return errors.Join(errs...)
}

// pebbleLogger adapts a CometBFT logger to pebble's. Pebble's informational
// messages are routine (compactions, WAL replay), hence Debug.
type pebbleLogger struct{ l log.Logger }

func (p pebbleLogger) Infof(format string, args ...any) { p.l.Debug(fmt.Sprintf(format, args...)) }

// Fatalf is called by pebble on corruption it cannot continue from; pebble's
// default exits the process, a panic at least lets the caller see where.
func (p pebbleLogger) Fatalf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	p.l.Error(msg)
	panic("pebble: " + msg)
}

// onceDB makes Close idempotent (pebble panics when closed twice) and makes
// reads after Close harmless: CometBFT's per-peer gossip goroutines can wake
// from a sleep after the node stopped and read the block store once more,
// which on a closed pebble DB is a panic that takes the process down. Close
// waits for reads in flight; later reads find nothing.
type onceDB struct {
	dbm.DB
	id     string
	once   sync.Once
	err    error
	mu     sync.RWMutex
	closed bool
}

var errDBClosed = errors.New("database closed")

func (d *onceDB) Get(key []byte) ([]byte, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		return nil, nil
	}
	return d.DB.Get(key)
}

func (d *onceDB) Has(key []byte) (bool, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		return false, nil
	}
	return d.DB.Has(key)
}

func (d *onceDB) Iterator(start, end []byte) (dbm.Iterator, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		return nil, errDBClosed
	}
	return d.DB.Iterator(start, end)
}

func (d *onceDB) ReverseIterator(start, end []byte) (dbm.Iterator, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		return nil, errDBClosed
	}
	return d.DB.ReverseIterator(start, end)
}

// Writes after Close (CometBFT's indexer can still be catching up after a
// burst when the node stops) fail with an error instead of a panic.
func (d *onceDB) Set(key, value []byte) error {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		return errDBClosed
	}
	return d.DB.Set(key, value)
}

func (d *onceDB) SetSync(key, value []byte) error {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		return errDBClosed
	}
	return d.DB.SetSync(key, value)
}

func (d *onceDB) Delete(key []byte) error {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		return errDBClosed
	}
	return d.DB.Delete(key)
}

func (d *onceDB) DeleteSync(key []byte) error {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		return errDBClosed
	}
	return d.DB.DeleteSync(key)
}

func (d *onceDB) NewBatch() dbm.Batch {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return &onceBatch{Batch: d.DB.NewBatch(), db: d}
}

// onceBatch writes only while its DB is open.
type onceBatch struct {
	dbm.Batch
	db *onceDB
}

func (b *onceBatch) Write() error {
	b.db.mu.RLock()
	defer b.db.mu.RUnlock()
	if b.db.closed {
		return errDBClosed
	}
	return b.Batch.Write()
}

func (b *onceBatch) WriteSync() error {
	b.db.mu.RLock()
	defer b.db.mu.RUnlock()
	if b.db.closed {
		return errDBClosed
	}
	return b.Batch.WriteSync()
}

func (d *onceDB) Close() error {
	d.once.Do(func() {
		d.mu.Lock()
		d.closed = true
		d.err = d.DB.Close()
		d.mu.Unlock()
	})
	return d.err
}

// writeCometConfigFile renders conf with CometBFT's own template, so the file
// documents every setting. cfg.WriteConfigFile calls os.Exit when the write
// fails, so the target is first proven writable and the rendering goes to a
// temporary file that is then renamed into place.
func writeCometConfigFile(conf *cfg.Config) error {
	path := filepath.Join(conf.RootDir, cfg.DefaultConfigDir, cfg.DefaultConfigFileName)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, nil, cometConfigPerm); err != nil {
		return fmt.Errorf("write comet config: %w", err)
	}
	cfg.WriteConfigFile(tmp, conf)
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write comet config: %w", err)
	}
	return nil
}

// writeCometJSONFile writes v in CometBFT's JSON encoding (which tags key types)
// with mode 0600.
func writeCometJSONFile(path string, v any) error {
	b, err := cmtjson.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", path, err)
	}
	if err := cometWriteFileAtomic(path, b, cometKeyPerm); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// cometWriteFileAtomic writes to a temporary file in the same directory and
// renames it, so readers never see a half-written key or genesis and the
// final mode is exactly perm whatever the old file's mode was.
func cometWriteFileAtomic(path string, data []byte, perm os.FileMode) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = os.Remove(f.Name())
		}
	}()
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Chmod(f.Name(), perm); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// decodeConfigTOML fills conf from a CometBFT config.toml. CometBFT itself
// loads the file with viper and mapstructure, which are not dependencies
// here, so this walks the `mapstructure` tags the same way, including the
// weak typing CometBFT's own template relies on: some integers are written
// as quoted strings (compaction_interval, chunk_fetchers) and
// statesync.rpc_servers is a comma-separated string for a []string field.
func decodeConfigTOML(data []byte, conf *cfg.Config) error {
	var raw map[string]any
	if err := toml.Unmarshal(data, &raw); err != nil {
		return fmt.Errorf("parse toml: %w", err)
	}
	return decodeTOMLTable(raw, reflect.ValueOf(conf).Elem(), "")
}

func decodeTOMLTable(table map[string]any, v reflect.Value, prefix string) error {
	known := make(map[string]bool)
	if err := decodeTOMLFields(table, v, prefix, known); err != nil {
		return err
	}
	var unknown []string
	for k := range table {
		if !known[k] {
			unknown = append(unknown, prefix+k)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return fmt.Errorf("unknown keys: %s", strings.Join(unknown, ", "))
	}
	return nil
}

func decodeTOMLFields(table map[string]any, v reflect.Value, prefix string, known map[string]bool) error {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		name, opt, _ := strings.Cut(f.Tag.Get("mapstructure"), ",")
		if opt == "squash" {
			if err := decodeTOMLFields(table, v.Field(i), prefix, known); err != nil {
				return err
			}
			continue
		}
		if !f.IsExported() || name == "" || name == "-" {
			continue
		}
		raw, ok := table[name]
		if !ok {
			continue
		}
		known[name] = true
		if err := decodeTOMLValue(raw, v.Field(i), prefix+name); err != nil {
			return err
		}
	}
	return nil
}

func decodeTOMLValue(raw any, v reflect.Value, key string) error {
	bad := func() error { return fmt.Errorf("%s: cannot use %T value %v as %s", key, raw, raw, v.Type()) }
	if v.Type() == reflect.TypeFor[time.Duration]() {
		switch r := raw.(type) {
		case string:
			d, err := time.ParseDuration(r)
			if err != nil {
				return fmt.Errorf("%s: %w", key, err)
			}
			v.SetInt(int64(d))
		case int64:
			v.SetInt(r)
		default:
			return bad()
		}
		return nil
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.Type().Elem().Kind() != reflect.Struct {
			return bad()
		}
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		return decodeTOMLValue(raw, v.Elem(), key)
	case reflect.Struct:
		table, ok := raw.(map[string]any)
		if !ok {
			return bad()
		}
		return decodeTOMLTable(table, v, key+".")
	case reflect.String:
		s, ok := raw.(string)
		if !ok {
			return bad()
		}
		v.SetString(s)
	case reflect.Bool:
		switch r := raw.(type) {
		case bool:
			v.SetBool(r)
		case string:
			b, err := strconv.ParseBool(r)
			if err != nil {
				return fmt.Errorf("%s: %w", key, err)
			}
			v.SetBool(b)
		default:
			return bad()
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		var n int64
		switch r := raw.(type) {
		case int64:
			n = r
		case string:
			var err error
			if n, err = strconv.ParseInt(strings.TrimSpace(r), 10, 64); err != nil {
				return fmt.Errorf("%s: %w", key, err)
			}
		default:
			return bad()
		}
		if v.OverflowInt(n) {
			return fmt.Errorf("%s: %d overflows %s", key, n, v.Type())
		}
		v.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		var n uint64
		switch r := raw.(type) {
		case int64:
			if r < 0 {
				return fmt.Errorf("%s: negative value %d", key, r)
			}
			n = uint64(r)
		case string:
			var err error
			if n, err = strconv.ParseUint(strings.TrimSpace(r), 10, 64); err != nil {
				return fmt.Errorf("%s: %w", key, err)
			}
		default:
			return bad()
		}
		if v.OverflowUint(n) {
			return fmt.Errorf("%s: %d overflows %s", key, n, v.Type())
		}
		v.SetUint(n)
	case reflect.Float32, reflect.Float64:
		switch r := raw.(type) {
		case float64:
			v.SetFloat(r)
		case int64:
			v.SetFloat(float64(r))
		default:
			return bad()
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() != reflect.String {
			return bad()
		}
		var out []string
		switch r := raw.(type) {
		case []any:
			for i, e := range r {
				s, ok := e.(string)
				if !ok {
					return fmt.Errorf("%s[%d]: cannot use %T as string", key, i, e)
				}
				out = append(out, s)
			}
		case string:
			for _, s := range strings.Split(r, ",") {
				if s = strings.TrimSpace(s); s != "" {
					out = append(out, s)
				}
			}
		default:
			return bad()
		}
		v.Set(reflect.ValueOf(out).Convert(v.Type()))
	default:
		return bad()
	}
	return nil
}
