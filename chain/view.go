package chain

// StateView is the read-only state the record rules consume (rules.go and
// each record_<kind>.go's Apply). The chain feeds them its store
// (store.Block, whose view sees earlier txs of the same block); the
// offline verifier feeds them MemState, the state it rebuilt from a bundle.
//
// A (value, false, nil) answer means the key is absent. An error means the
// state could not be read (a storage failure): the rules panic on it, as
// FinalizeBlock must stop; MemState never returns one.
type StateView interface {
	Org(id string) (*Org, bool, error)
	Orgs() ([]*Org, error)
	Cert(fp Fingerprint) (*CertState, bool, error)
	Contract(id string) (*ContractState, bool, error)
	TxLogIndex(h Hash) (uint64, bool, error)
	Seal(h []byte) (*SealState, bool, error)
	Identity(ref []byte) (*IdentityState, bool, error)
	Params() (*Params, error)
	Verifier(fp Fingerprint) (*VerifierState, bool, error)
	Proposal(id string) (*ProposalState, bool, error)
	Validators() ([]*ValidatorState, error)
	UpgradePlan() (*PendingUpgrade, bool, error)
	RulesVersionAt(height int64) (uint32, error)
	// LatestAnchor is the newest anchored checkpoint height, 0 if none.
	LatestAnchor() (uint64, error)
	// CheckpointAt is the chain's checkpoint at a committed height (the
	// anchored rule compares an anchor with it). MemState holds none and
	// answers ErrNoCheckpoints.
	CheckpointAt(height int64) (*Checkpoint, bool, error)
	// Case is an institution case (case.go), from rules version 3.
	Case(id string) (*CaseState, bool, error)
	// IssuedNumber is the case that issued institution's document numbered
	// number (case.go), from rules version 4.
	IssuedNumber(institution, number string) (*IssuedNumber, bool, error)
}

// StateWriter is where Effects land: the app's block (*store.Block) or
// MemState.
// The order of the calls is the order of the state writes, which the state
// root hashes.
type StateWriter interface {
	PutCert(fp Fingerprint, c *CertState) error
	PutContract(c *ContractState) error
	PutSeal(h []byte, s *SealState) error
	PutIdentity(ref []byte, s *IdentityState) error
	PutOrg(o *Org) error
	PutProposal(p *ProposalState) error
	PutValidator(v *ValidatorState) error
	PutVerifier(fp Fingerprint, v *VerifierState) error
	PutUpgradePlan(p *PendingUpgrade) error
	DeleteUpgradePlan() error
	PutAnchor(a *AnchorState) error
	PutCase(c *CaseState) error
	PutIssuedNumber(institution, number string, n *IssuedNumber) error
}
