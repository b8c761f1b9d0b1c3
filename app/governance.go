package app

import (
	"fmt"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/emmansun/gmsm/smx509"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/store"
	"github.com/sealchain/sealchain/signer"
)

// Governance: an organisation proposes a change (register an org, set a
// validator's power, register an intent verifier) and organisations vote.
// The proposer's vote counts yes. A proposal passes in the block where the
// yes weight exceeds 2/3 of the total org weight, and takes effect in that
// block (a validator change through FinalizeBlock's validator updates, which
// CometBFT applies two heights later). It is rejected once that can no longer
// happen.

// checkProposal applies the stateless-with-state rules of a new proposal.
func (a *App) checkProposal(b *store.Block, p *chain.Proposal, t time.Time) *TxError {
	if _, exists, err := b.Proposal(p.ID); err != nil {
		panic(err)
	} else if exists {
		return reject(CodeDuplicate, "body.proposal_id", "proposal %q already exists", p.ID)
	}
	if p.Expires != 0 && t.Unix() >= p.Expires {
		return reject(CodeDeadlinePassed, "body.expires", "expiry is not after the block time %s", t.Format(time.RFC3339))
	}
	return a.checkEffect(b, p, "body.")
}

// checkEffect checks that a proposal's change can be applied to the current
// state; it runs when the proposal is made and again when it passes.
func (a *App) checkEffect(b *store.Block, p *chain.Proposal, prefix string) *TxError {
	switch p.Kind {
	case chain.ProposalRegisterOrg:
		if _, exists, err := b.Org(p.Org.ID); err != nil {
			panic(err)
		} else if exists {
			return reject(CodeDuplicate, prefix+"org.id", "organisation %q is already registered", p.Org.ID)
		}
		ca, _, terr := a.ver.parse(p.Org.CACert, prefix+"org.ca_cert")
		if terr != nil {
			return terr
		}
		if !ca.IsCA || ca.CheckSignatureFrom(ca) != nil {
			return reject(CodeBadCert, prefix+"org.ca_cert", "not a self-signed CA certificate")
		}
		if terr := a.distinctCA(b.View, ca, prefix+"org.ca_cert"); terr != nil {
			return terr
		}
		if terr := a.checkCredentials(b, p.Credentials, ca, prefix); terr != nil {
			return terr
		}
	case chain.ProposalRegisterCredentials:
		if _, terr := a.credentialsOrg(b, p.Credentials, prefix); terr != nil {
			return terr
		}
	case chain.ProposalSetValidator:
		v := p.Validator
		if _, ok, err := b.Org(v.Org); err != nil {
			panic(err)
		} else if !ok {
			return reject(CodeUnknownOrg, prefix+"validator.org", "organisation %q is not registered", v.Org)
		}
		vals, err := b.Validators()
		if err != nil {
			panic(err)
		}
		var total int64
		found := false
		for _, cur := range vals {
			if string(cur.PubKey) == string(v.PubKey) {
				found = true
				continue
			}
			total += cur.Power
		}
		if v.Power == 0 && !found {
			return reject(CodeBadValidator, prefix+"validator.pub_key", "no validator with this key to remove")
		}
		if total+v.Power == 0 {
			return reject(CodeBadValidator, prefix+"validator.power", "the change would leave no validator")
		}
	case chain.ProposalRegisterVerifier:
		c, fp, terr := a.ver.parse(p.VerifierCert, prefix+"verifier_cert")
		if terr != nil {
			return terr
		}
		if _, exists, err := b.Verifier(fp); err != nil {
			panic(err)
		} else if exists {
			return reject(CodeDuplicate, prefix+"verifier_cert", "verifier %s is already registered", fp)
		}
		if terr := hasUsage(c, signer.UsageIntentVerifier, prefix+"verifier_cert"); terr != nil {
			return terr
		}
		if _, _, terr := a.verifierOrg(b.View, c, fp, prefix+"verifier_cert"); terr != nil {
			return terr
		}
	case chain.ProposalScheduleUpgrade, chain.ProposalCancelUpgrade:
		return checkUpgrade(b, p, prefix)
	}
	return nil
}

// tally decides a proposal if the votes allow and applies a passed one.
func (a *App) tally(b *store.Block, ps *chain.ProposalState, next uint64) {
	orgs, err := b.Orgs()
	if err != nil {
		panic(err)
	}
	var total, yes, no uint64
	for _, o := range orgs {
		total += o.Weight
		for _, y := range ps.Yes {
			if y == o.ID {
				yes += o.Weight
			}
		}
		for _, n := range ps.No {
			if n == o.ID {
				no += o.Weight
			}
		}
	}
	switch {
	case 3*yes > 2*total:
		if terr := a.checkEffect(b, ps.Proposal, "proposal."); terr != nil {
			// The state moved on since the proposal was made (say, another
			// proposal registered the same org): it cannot take effect.
			ps.Status = chain.ProposalRejected
			a.logger.Info("passed proposal cannot apply", "proposal", ps.Proposal.ID, "reason", terr.Error())
		} else {
			ps.Status = chain.ProposalPassed
			a.applyEffect(b, ps.Proposal, next)
		}
		ps.DecidedHeight = b.Height()
	case 3*(total-no) <= 2*total:
		ps.Status = chain.ProposalRejected
		ps.DecidedHeight = b.Height()
	}
}

func (a *App) applyEffect(b *store.Block, p *chain.Proposal, next uint64) {
	var err error
	switch p.Kind {
	case chain.ProposalRegisterOrg:
		err = b.PutOrg(p.Org)
		for _, der := range p.Credentials {
			if err != nil {
				break
			}
			// Issued in the record that passed the proposal.
			err = b.PutCert(chain.FingerprintOf(der), &chain.CertState{DER: der, Org: p.Org.ID, IssuedIn: next})
		}
	case chain.ProposalRegisterCredentials:
		org, terr := a.credentialsOrg(b, p.Credentials, "")
		if terr != nil {
			panic(terr) // checkEffect passed on the same state
		}
		for _, der := range p.Credentials {
			if err = b.PutCert(chain.FingerprintOf(der), &chain.CertState{DER: der, Org: org.ID, IssuedIn: next}); err != nil {
				break
			}
		}
	case chain.ProposalSetValidator:
		err = b.PutValidator(p.Validator)
		a.updates = setUpdate(a.updates, abci.ValidatorUpdate{Power: p.Validator.Power, PubKeyType: "ed25519", PubKeyBytes: p.Validator.PubKey})
	case chain.ProposalRegisterVerifier:
		c, fp, _ := a.ver.parse(p.VerifierCert, "")
		org, _, terr := a.verifierOrg(b.View, c, fp, "")
		if terr != nil {
			panic(terr) // checkEffect passed on the same state
		}
		err = b.PutVerifier(fp, &chain.VerifierState{Cert: p.VerifierCert, Org: org.ID, RegisteredIn: next + 1})
	case chain.ProposalScheduleUpgrade, chain.ProposalCancelUpgrade:
		err = a.applyUpgrade(b, p)
	}
	if err != nil {
		panic(err)
	}
}

// checkCredentials checks a proposal's credentials: each issued by ca, not a
// CA, submitter usage only, without identity, not registered yet, distinct.
func (a *App) checkCredentials(b *store.Block, creds [][]byte, ca *smx509.Certificate, prefix string) *TxError {
	seen := map[chain.Fingerprint]bool{}
	for i, der := range creds {
		field := fmt.Sprintf("%scredentials[%d]", prefix, i)
		c, fp, terr := a.ver.parse(der, field)
		if terr != nil {
			return terr
		}
		if c.IsCA {
			return reject(CodeCredentialShape, field, "a CA certificate is not a credential")
		}
		if terr := a.ver.issuedBy(c, fp, ca, field); terr != nil {
			return terr
		}
		if terr := checkCredentialRegistration(c, nil, field); terr != nil {
			return terr
		}
		if _, exists, err := b.Cert(fp); err != nil {
			panic(err)
		} else if exists || seen[fp] {
			return reject(CodeDuplicate, field, "certificate %s is already registered", fp)
		}
		seen[fp] = true
	}
	return nil
}

// distinctCA refuses a CA whose subject name or key is already a registered
// org's CA's. Certificates name their issuer by subject, and every lookup
// from a certificate to its org (verifierOrg, the node's request
// authentication) takes the org whose CA subject matches: a second org with
// the same subject could never be found. Genesis refuses the same
// (chain.ParseGenesisState), so subjects are unique on every chain.
func (a *App) distinctCA(view store.View, ca *smx509.Certificate, field string) *TxError {
	orgs, err := view.Orgs()
	if err != nil {
		panic(err)
	}
	for _, o := range orgs {
		other, _, terr := a.ver.parse(o.CACert, "org.ca_cert")
		if terr != nil {
			continue
		}
		if string(other.RawSubject) == string(ca.RawSubject) {
			return reject(CodeDuplicate, field, "subject %q is already the CA subject of organisation %q", ca.Subject, o.ID)
		}
		if string(other.RawSubjectPublicKeyInfo) == string(ca.RawSubjectPublicKeyInfo) {
			return reject(CodeDuplicate, field, "the CA key is already organisation %q's CA key", o.ID)
		}
	}
	return nil
}

// credentialsOrg finds the registered org whose CA issued the first
// credential and checks every credential against that CA.
func (a *App) credentialsOrg(b *store.Block, creds [][]byte, prefix string) (*chain.Org, *TxError) {
	field := prefix + "credentials[0]"
	c, fp, terr := a.ver.parse(creds[0], field)
	if terr != nil {
		return nil, terr
	}
	org, ca, terr := a.verifierOrg(b.View, c, fp, field)
	if terr != nil {
		return nil, terr
	}
	return org, a.checkCredentials(b, creds, ca, prefix)
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

// verifierOrg finds the registered org whose CA issued a verifier
// certificate, and checks that CA's signature on it. The first subject
// match is the only one (distinctCA).
func (a *App) verifierOrg(view store.View, c *smx509.Certificate, fp chain.Fingerprint, field string) (*chain.Org, *smx509.Certificate, *TxError) {
	orgs, err := view.Orgs()
	if err != nil {
		panic(err)
	}
	for _, o := range orgs {
		ca, _, terr := a.ver.parse(o.CACert, "org.ca_cert")
		if terr == nil && string(ca.RawSubject) == string(c.RawIssuer) {
			if terr := a.ver.issuedBy(c, fp, ca, field); terr != nil {
				return nil, nil, terr
			}
			return o, ca, nil
		}
	}
	return nil, nil, reject(CodeCertIssuer, field, "issuer %q is not a registered organisation's CA", c.Issuer)
}

func (a *App) applyProposal(b *store.Block, org string, p *chain.Proposal, next uint64) (func() error, *TxError) {
	if terr := a.checkProposal(b, p, b.Time()); terr != nil {
		return nil, terr
	}
	return func() error {
		ps := &chain.ProposalState{Proposal: p, Proposer: org, Yes: []string{org}, Status: chain.ProposalOpen, CreatedIn: next}
		a.tally(b, ps, next)
		return b.PutProposal(ps)
	}, nil
}

func (a *App) applyVote(b *store.Block, org string, v *chain.Vote, next uint64) (func() error, *TxError) {
	ps, ok, err := b.Proposal(v.Proposal)
	if err != nil {
		panic(err)
	}
	if !ok {
		return nil, reject(CodeUnknownProposal, "body.proposal_id", "proposal %q does not exist", v.Proposal)
	}
	if ps.Status != chain.ProposalOpen {
		return nil, reject(CodeProposalClosed, "body.proposal_id", "proposal %q is %s", v.Proposal, ps.Status)
	}
	if e := ps.Proposal.Expires; e != 0 && b.Time().Unix() >= e {
		return nil, reject(CodeProposalClosed, "body.proposal_id", "proposal %q expired at %s", v.Proposal, time.Unix(e, 0).UTC().Format(time.RFC3339))
	}
	if ps.Voted(org) {
		return nil, reject(CodeAlreadyVoted, "envelope.org", "organisation %q already voted on %q", org, v.Proposal)
	}
	return func() error {
		ps.AddVote(org, v.Choice)
		a.tally(b, ps, next)
		return b.PutProposal(ps)
	}, nil
}

// verifierOrgIn checks a genesis verifier certificate: parseable, with the
// intent-verifier usage, issued by a genesis org's CA.
func (a *App) verifierOrgIn(view store.View, der []byte) (*chain.Org, *smx509.Certificate, *TxError) {
	c, fp, terr := a.ver.parse(der, "cert")
	if terr != nil {
		return nil, nil, terr
	}
	if terr := hasUsage(c, signer.UsageIntentVerifier, "cert"); terr != nil {
		return nil, nil, terr
	}
	return a.verifierOrg(view, c, fp, "cert")
}
