package comet

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/libs/cli/flags"
	"github.com/cometbft/cometbft/libs/log"
	"github.com/cometbft/cometbft/mempool"
	nm "github.com/cometbft/cometbft/node"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/proxy"
	rpcclient "github.com/cometbft/cometbft/rpc/client"
	"github.com/cometbft/cometbft/rpc/client/local"
	"github.com/cometbft/cometbft/types"
)

const (
	// validatorsPerPage is the largest page CometBFT's /validators serves;
	// asking for more is silently capped.
	validatorsPerPage = 100

	// heightPollInterval bounds how stale WaitForHeight can be; blocks are
	// at least tens of milliseconds apart, so polling is cheap and avoids
	// event-bus subscriptions that must be cleaned up.
	heightPollInterval = 20 * time.Millisecond
)

// Node is a running in-process CometBFT node.
type Node struct {
	node   *nm.Node
	client *local.Local
	dbs    *dbTracker
	nodeID string

	stopOnce sync.Once
	stopErr  error
}

// Start creates and starts the node with app via a local ABCI client.
// The home must have been initialised with InitFiles and WriteGenesis.
// ctx bounds node creation (including block replay against app) and the
// wait for a future genesis time; it does not bound the node's lifetime,
// which ends with Stop.
func Start(ctx context.Context, conf *cfg.Config, app abci.Application, logger log.Logger) (*Node, error) {
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
	pv, err := loadFilePV(conf.PrivValidatorKeyFile(), conf.PrivValidatorStateFile())
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
			return nil, errors.Join(fmt.Errorf("start comet: waiting for genesis time: %w", ctx.Err()), abandon(n, dbs))
		case <-t.C:
		}
	}
	// local.New only logs a ConfigureRPC failure and returns a client that
	// panics on first use; surface the error instead.
	if _, err := n.ConfigureRPC(); err != nil {
		return nil, errors.Join(fmt.Errorf("start comet: configure rpc: %w", err), abandon(n, dbs))
	}
	if err := n.Start(); err != nil {
		return nil, errors.Join(fmt.Errorf("start comet: %w", err), abandon(n, dbs))
	}
	return &Node{
		node:   n,
		client: local.New(n),
		dbs:    dbs,
		nodeID: string(nodeKey.ID()),
	}, nil
}

// abandon releases a node that was created but is not running. A failed
// Start leaves the service marked not started, so Stop would refuse and the
// RPC listeners and stores it opened would leak; OnStop tolerates stopping
// parts that never started.
func abandon(n *nm.Node, dbs *dbTracker) error {
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
func (c *Node) Stop() error {
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
func (c *Node) Client() rpcclient.Client { return c.client }

// Mempool is CometBFT's mempool, for checks the RPC client does not offer
// (whether a tx is still pending).
func (c *Node) Mempool() mempool.Mempool { return c.node.Mempool() }

// NodeID is the node's P2P ID, as used in id@host:port peer addresses.
func (c *Node) NodeID() string { return c.nodeID }

// LatestHeight is the height of the last block in the local block store.
func (c *Node) LatestHeight() int64 { return c.node.BlockStore().Height() }

// WaitForHeight blocks until the local block store reaches height, ctx ends
// or the node stops.
func (c *Node) WaitForHeight(ctx context.Context, height int64) error {
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

// Hop returns the signed header at height and the validator set of the next
// height (the set its NextValidatorsHash names), for a verifier to move its
// trust across a validator-set change.
func (c *Node) Hop(ctx context.Context, height int64) (signedHeader []byte, nextValSet []byte, err error) {
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

// Checkpoint returns the signed header (header and commit) at height and the
// validator set that signed it, as protobuf bytes (cometbft SignedHeader and
// ValidatorSet) for chain/checkpoint.VerifyCheckpoint. For the latest height
// the commit is the node's own seen commit rather than the one in the next
// block; both carry +2/3 of the signatures.
func (c *Node) Checkpoint(ctx context.Context, height int64) (signedHeader []byte, valSet []byte, err error) {
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
func (c *Node) validators(ctx context.Context, height int64) (*types.ValidatorSet, error) {
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
