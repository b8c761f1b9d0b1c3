package node

import (
	"io"

	"github.com/sealchain/sealchain/anchor"
	"github.com/sealchain/sealchain/anchor/open"
	"github.com/sealchain/sealchain/client"
)

func openLedger(p *anchor.Profile, helper string) (anchor.Ledger, io.Closer, error) {
	return open.Ledger(p, helper)
}

func loadSubmitterFn(n *Node) (*client.Submitter, error) {
	return client.LoadSubmitter(n.genesis.ChainID, n.cfg.Org, n.home.SubmitterCert(), n.home.SubmitterKey())
}
