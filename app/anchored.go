package app

import (
	"bytes"
	"errors"
	"math"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/store"
)

// WithAnchoring sets the genesis anchoring setting (app_state.anchoring);
// nil, the default, refuses anchored records.
func WithAnchoring(g *chain.GenesisAnchoring) Option {
	return func(a *App) error {
		if g != nil && g.Org == "" {
			return errors.New("anchoring: org is required")
		}
		a.anchoring = g
		return nil
	}
}

// applyAnchored checks an anchored record against genesis and the chain's own
// history. Everything here is committed state or genesis: whether the Fabric
// ledger really holds the receipt is checked outside consensus by nodes that
// can reach it (node/anchor_verify.go), so an unreachable or lagging Fabric
// peer can never make validators disagree.
func (a *App) applyAnchored(b *store.Block, org string, body *chain.Anchored, next uint64) (func() error, *TxError) {
	g := a.anchoring
	switch {
	case g == nil:
		return nil, reject(CodeAnchorDisabled, "type", "this chain's genesis configures no anchoring (app_state.anchoring)")
	case org != g.Org:
		return nil, reject(CodeAnchorOrg, "envelope.org", "organisation %q may not anchor; genesis names %q", org, g.Org)
	case body.Network != g.Network:
		return nil, reject(CodeAnchorReceipt, "body.network", "%q, genesis anchors to network %q", body.Network, g.Network)
	case body.Channel != g.Channel:
		return nil, reject(CodeAnchorReceipt, "body.channel", "%q, genesis anchors to channel %q", body.Channel, g.Channel)
	case body.Chaincode != g.Chaincode:
		return nil, reject(CodeAnchorReceipt, "body.chaincode", "%q, genesis anchors with chaincode %q", body.Chaincode, g.Chaincode)
	case body.ChainID != a.chainID:
		return nil, reject(CodeAnchorMismatch, "body.chain_id", "%q, this chain is %q", body.ChainID, a.chainID)
	case body.Height > math.MaxInt64 || int64(body.Height) >= b.Height():
		return nil, reject(CodeAnchorMismatch, "body.height", "%d is not a height committed before block %d", body.Height, b.Height())
	}
	latest, err := b.LatestAnchor()
	if err != nil {
		panic(err)
	}
	if body.Height <= latest {
		return nil, reject(CodeAnchorOrder, "body.height", "%d is not above the latest anchored height %d", body.Height, latest)
	}
	cp, err := b.Checkpoint(int64(body.Height))
	if errors.Is(err, store.ErrNotFound) {
		return nil, reject(CodeAnchorMismatch, "body.height", "no checkpoint at height %d", body.Height)
	} else if err != nil {
		panic(err)
	}
	switch {
	case !bytes.Equal(cp.AppHash, body.AppHash):
		return nil, reject(CodeAnchorMismatch, "body.app_hash", "%x, the chain's app hash at height %d is %x", body.AppHash, body.Height, cp.AppHash)
	case cp.LogSize != body.LogSize:
		return nil, reject(CodeAnchorMismatch, "body.log_size", "%d, the chain's log size at height %d is %d", body.LogSize, body.Height, cp.LogSize)
	case !bytes.Equal(cp.LogRoot, body.LogRoot):
		return nil, reject(CodeAnchorMismatch, "body.log_root", "%x, the chain's log root at height %d is %x", body.LogRoot, body.Height, cp.LogRoot)
	}
	return func() error {
		return b.PutAnchor(&chain.AnchorState{Height: body.Height, LogSize: body.LogSize, RecordIndex: next})
	}, nil
}
