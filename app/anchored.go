package app

import (
	"errors"

	"github.com/sealchain/sealchain/chain"
)

// WithAnchoring sets the genesis anchoring setting (app_state.anchoring);
// nil, the default, refuses anchored records. The rule is chain's
// (Anchored.Apply); the app passes the setting in each RuleContext.
func WithAnchoring(g *chain.GenesisAnchoring) Option {
	return func(a *App) error {
		if g != nil && g.Org == "" {
			return errors.New("anchoring: org is required")
		}
		a.anchoring = g
		return nil
	}
}
