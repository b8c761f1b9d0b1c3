package app

import (
	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/store"
)

// The stateful rules are chain's (chain/rules.go and each record type's
// Apply in chain/record_<kind>.go), shared with the offline verifier. Here
// the app feeds them the block's view (which sees earlier txs of the same
// block) and the block time from the header, and stages the state writes
// they return; governanceHooks turns a passed validator change into a
// CometBFT validator update. The anchored rule reads the genesis anchoring
// setting from the RuleContext and the chain's checkpoints by height
// through the StateView (store.View.CheckpointAt).

// The store's view and block are what the rules read and write.
var (
	_ chain.StateView   = store.View{}
	_ chain.StateView   = (*store.Block)(nil)
	_ chain.StateWriter = (*store.Block)(nil)
)

// registeredCredential looks up a submitter credential (the envelope's
// certificate): it must be registered on chain to org.
func registeredCredential(view store.View, fp chain.Fingerprint, org string) (*chain.CertState, *TxError) {
	cs, ok, err := view.Cert(fp)
	if err != nil {
		panic(err) // storage failure: CometBFT must stop
	}
	if !ok {
		return nil, reject(CodeUnknownCredential, "envelope.cert", "credential %s is not registered on chain (genesis credentials, or cert_issued from a registered credential of the organisation)", fp)
	}
	if cs.Org != org {
		return nil, reject(CodeUnknownCredential, "envelope.cert", "credential %s is registered to organisation %q, not %q", fp, cs.Org, org)
	}
	return cs, nil
}

// ruleContext is what the rules know of tx besides the state.
func (a *App) ruleContext(b *store.Block, tx *chain.Tx, s *signers) *chain.RuleContext {
	return &chain.RuleContext{
		Version: a.rules.version,
		ChainID: a.chainID,
		Height:  b.Height(),
		Time:    b.Time(),
		Next:    b.NextIndex(),
		Org:     tx.Envelope.Org,
		Signers: s,
		Certs:   a.ver,
		// Anchoring is set for every record: only Anchored.Apply reads it.
		Anchoring: a.anchoring,
	}
}

// apply checks the type's rules and, if they hold, stages its state changes
// and appends the record with its replay guards keys (chain.RecordKeys).
// It returns the log entry.
func (a *App) apply(b *store.Block, txIndex uint32, raw []byte, tx *chain.Tx, rc *chain.RuleContext, keys []chain.Hash) (*chain.Entry, chain.Effects, *TxError) {
	effects, terr := tx.Body.Apply(b, rc)
	if terr != nil {
		return nil, nil, terr
	}
	if err := effects.Apply(b); err != nil {
		panic(err)
	}
	a.governanceHooks(effects)
	en, err := b.AppendKeyed(txIndex, raw, tx, keys)
	if err != nil {
		panic(err)
	}
	return en, effects, nil
}
