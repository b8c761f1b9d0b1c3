package app

import (
	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/emmansun/gmsm/smx509"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/store"
	"github.com/sealchain/sealchain/signer"
)

// Governance's rules are chain's (record_proposal.go, record_vote.go): a
// proposal or vote returns its writes like every record. What stays here is
// what is not state: a passed validator change becomes a CometBFT validator
// update (governanceHooks), and the decisions are logged.

// governanceHooks does, after a record's writes are staged, what they ask
// of the app beyond state.
func (a *App) governanceHooks(effects chain.Effects) {
	for _, e := range effects {
		switch e := e.(type) {
		case chain.ValidatorWrite:
			v := e.Validator
			a.updates = setUpdate(a.updates, abci.ValidatorUpdate{Power: v.Power, PubKeyType: "ed25519", PubKeyBytes: v.PubKey})
		case chain.ProposalWrite:
			if e.Refused != nil {
				a.logger.Info("passed proposal cannot apply", "proposal", e.State.Proposal.ID, "reason", e.Refused.Error())
			}
			if p := e.State.Proposal; e.State.Status == chain.ProposalPassed &&
				(p.Kind == chain.ProposalScheduleUpgrade || p.Kind == chain.ProposalCancelUpgrade) {
				a.logUpgradeDecision(p)
			}
		}
	}
}

// setUpdate adds u, replacing an earlier update of the same key in the block
// (CometBFT refuses two updates of one validator in one block).
func setUpdate(us []abci.ValidatorUpdate, u abci.ValidatorUpdate) []abci.ValidatorUpdate {
	for i := range us {
		if string(us[i].PubKeyBytes) == string(u.PubKeyBytes) {
			us[i] = u
			return us
		}
	}
	return append(us, u)
}

// verifierOrg is chain.VerifierOrg with the app's certificate cache.
func (a *App) verifierOrg(view chain.StateView, c *smx509.Certificate, fp chain.Fingerprint, field string) (*chain.Org, *smx509.Certificate, *TxError) {
	return chain.VerifierOrg(view, a.ver, c, fp, field)
}

// verifierOrgIn checks a genesis verifier certificate: parseable, with the
// intent-verifier usage, issued by a genesis org's CA.
func (a *App) verifierOrgIn(view store.View, der []byte) (*chain.Org, *smx509.Certificate, *TxError) {
	c, fp, terr := a.ver.Parse(der, "cert")
	if terr != nil {
		return nil, nil, terr
	}
	if terr := chain.HasUsage(c, signer.UsageIntentVerifier, "cert"); terr != nil {
		return nil, nil, terr
	}
	return a.verifierOrg(view, c, fp, "cert")
}
