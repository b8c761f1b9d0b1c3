package anchoring

import (
	"io"

	"github.com/sealchain/sealchain/anchor"
	"github.com/sealchain/sealchain/anchor/open"
)

func openLedger(p *anchor.Profile, helper string) (anchor.Ledger, io.Closer, error) {
	return open.Ledger(p, helper)
}
