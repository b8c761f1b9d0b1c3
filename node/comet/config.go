package comet

import (
	"cmp"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	cfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/libs/cli/flags"
	"github.com/cometbft/cometbft/libs/log"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/config"
)

// Options are the CometBFT settings Sealchain exposes in its own config;
// everything else keeps CometBFT's defaults (written in full to
// <home>/config/config.toml so operators can read them).
//
// The options fully determine the fields they name: a zero value selects
// CometBFT's default, not whatever config.toml holds, except RPCListen where
// "" disables the RPC server.
type Options struct {
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

// LoadConfig reads <home>/config/config.toml ([config.LoadComet], which
// rejects keys CometBFT does not know) and applies opts on top (opts win for
// the fields they name), then validates the result.
func LoadConfig(opts Options) (*cfg.Config, error) {
	if opts.Home == "" {
		return nil, errors.New("load comet config: empty home")
	}
	conf, err := config.LoadComet(opts.Home)
	if err != nil {
		return nil, err
	}
	return configFromOptions(conf, opts)
}

// configFromOptions roots conf at opts.Home, applies opts and validates.
func configFromOptions(conf *cfg.Config, opts Options) (*cfg.Config, error) {
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
	// broadcast_tx over CometBFT's HTTP RPC carries the tx base64 in JSON:
	// a batch of chain.MaxBatchBytes needs more than the default 1 MB body.
	conf.RPC.MaxBodyBytes = max(def.RPC.MaxBodyBytes, 2*chain.MaxBatchBytes)
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

// OptionsFromConfig maps a node's Sealchain config (the [consensus],
// [limits], [log] and [statesync] keys) onto the CometBFT options for home.
func OptionsFromConfig(home string, c *config.Config) Options {
	return Options{
		Home:              home,
		Moniker:           c.Moniker,
		P2PListen:         c.Consensus.P2PListen,
		RPCListen:         c.Consensus.RPCListen,
		PersistentPeers:   c.Consensus.PersistentPeers,
		BlockInterval:     c.Consensus.BlockInterval.Duration,
		TimeoutPropose:    c.Consensus.TimeoutPropose.Duration,
		TimeoutVote:       c.Consensus.TimeoutVote.Duration,
		CreateEmptyBlocks: c.Consensus.CreateEmptyBlocks,
		// The mempool must carry a batch up to its consensus limit; the
		// app refuses a standalone tx above limits.max_tx_bytes itself
		// (app.WithMaxTxBytes), so that limit still holds for one.
		MaxTxBytes:   chain.MaxBatchBytes,
		LogLevel:     logLevel(c.Log.Level),
		LocalNetwork: c.Consensus.LocalNetwork,

		StateSync:            c.StateSync.Enable,
		StateSyncRPCServers:  c.StateSync.RPCServerList(),
		StateSyncTrustHeight: c.StateSync.TrustHeight,
		StateSyncTrustHash:   c.StateSync.TrustHash,
		StateSyncTrustPeriod: c.StateSync.TrustPeriod.Duration,
	}
}

func logLevel(l string) string {
	switch l {
	case "debug":
		return "debug"
	case "info":
		// CometBFT at info logs every block and peer event; keep it to
		// errors unless asked for debug.
		return "*:error"
	}
	return "*:error"
}
