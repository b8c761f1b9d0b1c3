package open

import (
	"io"

	"github.com/sealchain/sealchain/anchor"
	"github.com/sealchain/sealchain/anchor/fabricsdkexec"
	"github.com/sealchain/sealchain/anchor/gateway"
)

// DefaultHelper is the fabric-sdk helper's name, looked up in PATH.
const DefaultHelper = "sealchain-fabricsdk"

type nopCloser struct{}

func (nopCloser) Close() error { return nil }

// Ledger opens the client the profile names. helper is the fabric-sdk
// helper binary ("" for DefaultHelper).
func Ledger(p *anchor.Profile, helper string) (anchor.Ledger, io.Closer, error) {
	if p.Sealchain.Client == anchor.ClientFabricSDK {
		if helper == "" {
			helper = DefaultHelper
		}
		l, err := fabricsdkexec.New(helper, p)
		return l, nopCloser{}, err
	}
	l, err := gateway.Open(p)
	if err != nil {
		return nil, nil, err
	}
	return l, l, nil
}
