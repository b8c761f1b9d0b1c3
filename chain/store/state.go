package store

import (
	"errors"

	"github.com/sealchain/sealchain/chain"
)

// The View and Block accessors of the state kept beside the records
// (governance, identities, seals, params). Their value types and encodings
// are chain's (governance_state.go, record_*.go); their keys are in keys.go.

// From governance_state.go.

func (b *Block) PutProposal(p *chain.ProposalState) error {
	return b.setState(proposalKey(p.Proposal.ID), chain.EncodeState(p))
}

// PutValidator writes a validator; power 0 deletes it.
func (b *Block) PutValidator(v *chain.ValidatorState) error {
	if v.Power == 0 {
		return b.deleteState(validatorKey(v.PubKey))
	}
	return b.setState(validatorKey(v.PubKey), chain.EncodeState(v))
}

// PutVerifier registers an intent verifier certificate.
func (b *Block) PutVerifier(fp chain.Fingerprint, v *chain.VerifierState) error {
	return b.setState(verifierKey(fp), chain.EncodeState(v))
}

// Proposal returns a proposal's state.
func (v View) Proposal(id string) (*chain.ProposalState, bool, error) {
	p := &chain.ProposalState{}
	ok, err := v.load(proposalKey(id), p, "proposal")
	return p, ok, err
}

// Validators lists the validators in key order.
func (v View) Validators() ([]*chain.ValidatorState, error) {
	var out []*chain.ValidatorState
	err := v.scan([]byte("s/v/"), func(_, val []byte) error {
		s := &chain.ValidatorState{}
		if err := chain.DecodeState(val, s, "validator"); err != nil {
			return err
		}
		out = append(out, s)
		return nil
	})
	return out, err
}

// Validator returns one validator by key.
func (v View) Validator(pub []byte) (*chain.ValidatorState, bool, error) {
	s := &chain.ValidatorState{}
	ok, err := v.load(validatorKey(pub), s, "validator")
	return s, ok, err
}

// Verifier returns a registered intent verifier.
func (v View) Verifier(fp chain.Fingerprint) (*chain.VerifierState, bool, error) {
	s := &chain.VerifierState{}
	ok, err := v.load(verifierKey(fp), s, "verifier")
	return s, ok, err
}

// PutParams writes the chain parameters (InitChain).
func (b *Block) PutParams(p *chain.Params) error { return b.setState(keyParams, chain.EncodeState(p)) }

// Params returns the chain parameters (zero before InitChain).
func (v View) Params() (*chain.Params, error) {
	p := &chain.Params{}
	_, err := v.load(keyParams, p, "params")
	return p, err
}

// From record_identity_verified.go.

// PutIdentity records a verified identity.
func (b *Block) PutIdentity(ref []byte, s *chain.IdentityState) error {
	return b.setState(identityKey(ref), chain.EncodeState(s))
}

// Identity returns a verified identity by its commitment.
func (v View) Identity(ref []byte) (*chain.IdentityState, bool, error) {
	s := &chain.IdentityState{}
	ok, err := v.load(identityKey(ref), s, "identity")
	return s, ok, err
}

// From record_seal_registered.go.

// PutSeal registers a seal.
func (b *Block) PutSeal(h []byte, s *chain.SealState) error {
	return b.setState(sealKey(h), chain.EncodeState(s))
}

// Seal returns a registered seal by hash.
func (v View) Seal(h []byte) (*chain.SealState, bool, error) {
	s := &chain.SealState{}
	ok, err := v.load(sealKey(h), s, "seal")
	return s, ok, err
}

// From case.go: institution cases (rules version 3).

func (b *Block) PutCase(c *chain.CaseState) error {
	old, ok, err := b.View.Case(c.ID)
	if err != nil {
		return err
	}
	if !ok {
		old = nil
	}
	if err := indexCase(b.batch, old, c); err != nil {
		return err
	}
	return b.setState(caseKey(c.ID), chain.EncodeState(c))
}

// Case returns an institution case's state.
func (v View) Case(id string) (*chain.CaseState, bool, error) {
	c := &chain.CaseState{}
	ok, err := v.load(caseKey(id), c, "case")
	return c, ok, err
}

// PutIssuedNumber stores the case that issued an institution's document
// number (rules version 4).
func (b *Block) PutIssuedNumber(institution, number string, n *chain.IssuedNumber) error {
	return b.setState(numberKey(institution, number), chain.EncodeState(n))
}

// IssuedNumber returns the case that issued an institution's document
// number, if one did from rules version 4 on.
func (v View) IssuedNumber(institution, number string) (*chain.IssuedNumber, bool, error) {
	n := &chain.IssuedNumber{}
	ok, err := v.load(numberKey(institution, number), n, "issued number")
	return n, ok, err
}

// Cases calls fn for every institution case in id order until fn returns
// false. Listings by institution or applicant use ListCases (the case
// index) instead of a scan.
func (v View) Cases(fn func(*chain.CaseState) bool) error {
	stop := errors.New("stop")
	err := v.scan(prefixCase, func(_, val []byte) error {
		c := &chain.CaseState{}
		if err := chain.DecodeState(val, c, "case"); err != nil {
			return err
		}
		if !fn(c) {
			return stop
		}
		return nil
	})
	if err == stop {
		return nil
	}
	return err
}
