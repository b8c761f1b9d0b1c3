//go:build !js

package chain

// The View and Block accessors of the state kept beside the records
// (governance, identities, seals). They live in this file rather than next
// to their types because View and Block read and write pebble, which does
// not build for js/wasm: the browser verifier imports this package for the
// record types and encodings only. Add new accessors to a !js file too.

// From governance_state.go.

func (b *Block) PutProposal(p *ProposalState) error {
	return b.setState(proposalKey(p.Proposal.ID), encodeState(p))
}

// PutValidator writes a validator; power 0 deletes it.
func (b *Block) PutValidator(v *ValidatorState) error {
	if v.Power == 0 {
		return b.deleteState(validatorKey(v.PubKey))
	}
	return b.setState(validatorKey(v.PubKey), encodeState(v))
}

// PutVerifier registers an intent verifier certificate.
func (b *Block) PutVerifier(fp Fingerprint, v *VerifierState) error {
	return b.setState(verifierKey(fp), encodeState(v))
}

// Proposal returns a proposal's state.
func (v View) Proposal(id string) (*ProposalState, bool, error) {
	p := &ProposalState{}
	ok, err := v.load(proposalKey(id), p, "proposal")
	return p, ok, err
}

// Validators lists the validators in key order.
func (v View) Validators() ([]*ValidatorState, error) {
	var out []*ValidatorState
	err := v.scan([]byte("s/v/"), func(_, val []byte) error {
		s := &ValidatorState{}
		if err := decodeState(val, s, "validator"); err != nil {
			return err
		}
		out = append(out, s)
		return nil
	})
	return out, err
}

// Validator returns one validator by key.
func (v View) Validator(pub []byte) (*ValidatorState, bool, error) {
	s := &ValidatorState{}
	ok, err := v.load(validatorKey(pub), s, "validator")
	return s, ok, err
}

// Verifier returns a registered intent verifier.
func (v View) Verifier(fp Fingerprint) (*VerifierState, bool, error) {
	s := &VerifierState{}
	ok, err := v.load(verifierKey(fp), s, "verifier")
	return s, ok, err
}

// PutParams writes the chain parameters (InitChain).
func (b *Block) PutParams(p *Params) error { return b.setState(keyParams, encodeState(p)) }

// Params returns the chain parameters (zero before InitChain).
func (v View) Params() (*Params, error) {
	p := &Params{}
	_, err := v.load(keyParams, p, "params")
	return p, err
}

// From record_identity_verified.go.

// PutIdentity records a verified identity.
func (b *Block) PutIdentity(ref []byte, s *IdentityState) error {
	return b.setState(identityKey(ref), encodeState(s))
}

// Identity returns a verified identity by its commitment.
func (v View) Identity(ref []byte) (*IdentityState, bool, error) {
	s := &IdentityState{}
	ok, err := v.load(identityKey(ref), s, "identity")
	return s, ok, err
}

// From record_seal_registered.go.

// PutSeal registers a seal.
func (b *Block) PutSeal(h []byte, s *SealState) error { return b.setState(sealKey(h), encodeState(s)) }

// Seal returns a registered seal by hash.
func (v View) Seal(h []byte) (*SealState, bool, error) {
	s := &SealState{}
	ok, err := v.load(sealKey(h), s, "seal")
	return s, ok, err
}
