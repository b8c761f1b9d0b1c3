package node

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	cmtjson "github.com/cometbft/cometbft/libs/json"
	"github.com/cometbft/cometbft/types"

	"github.com/sealchain/sealchain/anchor"
	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/config"
	"github.com/sealchain/sealchain/node/anchoring"
	"github.com/sealchain/sealchain/node/nodehome"
)

// SetGenesisAnchoring writes app_state.anchoring into the genesis file of an
// initialised home, before the chain starts: for a home made without the
// init/testnet --anchor-* flags. Every validator needs the same genesis.
func SetGenesisAnchoring(home string, g *chain.GenesisAnchoring) error {
	path := nodehome.Home(home).Genesis()
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var doc types.GenesisDoc
	if err := cmtjson.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("parse genesis: %w", err)
	}
	gs, _, err := chain.ParseGenesisState(doc.AppState)
	if err != nil {
		return err
	}
	gs.Anchoring = g
	raw, err := json.Marshal(gs)
	if err != nil {
		return err
	}
	if _, _, err := chain.ParseGenesisState(raw); err != nil {
		return err
	}
	doc.AppState = raw
	out, err := cmtjsonMarshal(&doc)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Clean(path), out, 0o644)
}

// WithAnchorLedger replaces the Fabric client the [anchor] profile names
// (tests use a fake ledger).
func WithAnchorLedger(l anchor.Ledger) Option {
	return func(n *Node) error {
		if l == nil {
			return errors.New("nil anchor ledger")
		}
		n.anchorLedger = l
		return nil
	}
}

// startAnchoring starts the anchoring loop when [anchor] asks for it: enable
// (this node submits) or verify = "fabric" (this node checks).
func (n *Node) startAnchoring() error {
	c := n.cfg.Anchor
	if !c.Enable && c.Verify != config.AnchorVerifyFabric {
		return nil
	}
	if g := n.gs.Anchoring; c.Enable && (g == nil || g.Org != n.cfg.Org) {
		return &config.KeyError{Key: "anchor.enable", Err: fmt.Errorf("org %q is not genesis app_state.anchoring.org", n.cfg.Org)}
	}
	ac := anchoring.Config{Anchor: c, ChainID: n.genesis.ChainID, Store: n.store, Ledger: n.anchorLedger,
		ProfilePath: c.Profile, Submitter: n.sub, QueueDir: n.home.AnchorQueue(), Metrics: n.reg,
		Logger: n.logger.With("module", "anchor")}
	if !filepath.IsAbs(ac.ProfilePath) {
		ac.ProfilePath = filepath.Join(string(n.home), ac.ProfilePath)
	}
	if c.Enable {
		sub, err := client.LoadSubmitter(n.genesis.ChainID, n.cfg.Org, n.home.SubmitterCert(), n.home.SubmitterKey())
		if err != nil {
			return fmt.Errorf("anchoring needs this org's submitter credential: %w", err)
		}
		ac.Build = func(b chain.Body) ([]byte, error) { return sub.Build(b, nil) }
	}
	a, err := anchoring.New(ac)
	if err != nil {
		return err
	}
	n.anchorer, n.anchorDone = a, make(chan struct{})
	go func() {
		defer close(n.anchorDone)
		a.Run(n.ctx)
	}()
	n.logger.Info("anchoring started", "submits", c.Enable, "verify", c.Verify)
	return nil
}

// stopAnchoring waits for the loop (its context is already cancelled) and
// releases the queue and the Fabric client.
func (n *Node) stopAnchoring() {
	if n.anchorDone != nil {
		<-n.anchorDone
		n.anchorDone = nil
	}
	if n.anchorer != nil {
		if err := n.anchorer.Close(); err != nil {
			n.logger.Error("stop anchoring", "err", err)
		}
	}
}

// anchorStatus is the "anchoring" part of the status, nil when off.
func (n *Node) anchorStatus() map[string]any {
	if n.anchorer == nil {
		return nil
	}
	return n.anchorer.Status()
}
