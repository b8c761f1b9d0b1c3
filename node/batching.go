package node

import (
	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/node/submit"
)

// newSubmitter is the node's one submitter: over CometBFT's mempool, and
// batching the records of this org's submitter credential (the one the
// workflow, anchoring and the audit records sign with) once the rules
// version admits batches.
func (n *Node) newSubmitter() *submit.Submitter {
	var opts []submit.Option
	if pool, ok := n.comet.Mempool().(submit.Pool); ok {
		opts = append(opts, submit.WithPool(pool))
	}
	s := submit.New(n.store, n.comet.Client(), opts...)
	key, err := client.LoadSubmitter(n.genesis.ChainID, n.cfg.Org, n.home.SubmitterCert(), n.home.SubmitterKey())
	if err != nil {
		n.logger.Info("batching off: no submitter credential in this home", "err", err)
		return s
	}
	c := n.cfg.Submit
	s.EnableBatching(submit.BatchConfig{MaxRecords: c.BatchMaxRecords, MaxWait: c.BatchMaxWait.Duration}, key, n.nextRules)
	return s
}

// nextRules is the rules version the next block runs under. On a store
// error it answers the initial version: the record then goes alone, which
// every version accepts.
func (n *Node) nextRules() uint32 {
	v, err := n.app.NextRulesVersion()
	if err != nil {
		return chain.InitialRulesVersion
	}
	return v
}
