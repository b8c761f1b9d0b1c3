package chain

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// MemState is a StateView and StateWriter in memory: the state the offline
// verifier rebuilds by replaying a bundle's records through their rules. It
// holds each value encoded, as the store does, so a read returns a fresh
// copy that a rule may change without touching the state, and a value reads
// back exactly as the chain would read it. It never returns an error.
type MemState struct {
	orgs       map[string][]byte
	certs      map[Fingerprint][]byte
	contracts  map[string][]byte
	cases      map[string][]byte
	numbers    map[string][]byte // issued document numbers, by institution "/" number
	txs        map[Hash]uint64
	seals      map[string][]byte
	identities map[string][]byte
	verifiers  map[Fingerprint][]byte
	proposals  map[string][]byte
	validators map[string][]byte // by public key
	params     []byte
	plan       []byte // the pending upgrade plan, nil when none
	anchors    map[uint64][]byte
	latest     uint64 // the latest anchored height
}

var (
	_ StateView   = (*MemState)(nil)
	_ StateWriter = (*MemState)(nil)
)

// NewMemState returns an empty state with default params.
func NewMemState() *MemState {
	return &MemState{
		orgs:       map[string][]byte{},
		certs:      map[Fingerprint][]byte{},
		contracts:  map[string][]byte{},
		cases:      map[string][]byte{},
		numbers:    map[string][]byte{},
		txs:        map[Hash]uint64{},
		seals:      map[string][]byte{},
		identities: map[string][]byte{},
		verifiers:  map[Fingerprint][]byte{},
		proposals:  map[string][]byte{},
		validators: map[string][]byte{},
		anchors:    map[uint64][]byte{},
		params:     EncodeState(&Params{}),
	}
}

// memGet decodes the value stored at k, if any.
func memGet[K comparable, V StateValue](m map[K][]byte, k K, v V, what string) (V, bool, error) {
	b, ok := m[k]
	if !ok {
		return v, false, nil
	}
	if err := DecodeState(b, v, what); err != nil {
		// Only MemState's own encoding is stored here.
		panic(err)
	}
	return v, true, nil
}

func (m *MemState) Org(id string) (*Org, bool, error) { return memGet(m.orgs, id, &Org{}, "org") }

// Orgs lists the organisations in id order, as the store does.
func (m *MemState) Orgs() ([]*Org, error) {
	ids := make([]string, 0, len(m.orgs))
	for id := range m.orgs {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, strings.Compare)
	out := make([]*Org, 0, len(ids))
	for _, id := range ids {
		o, _, _ := m.Org(id)
		out = append(out, o)
	}
	return out, nil
}

func (m *MemState) Cert(fp Fingerprint) (*CertState, bool, error) {
	return memGet(m.certs, fp, &CertState{}, "cert")
}

func (m *MemState) Contract(id string) (*ContractState, bool, error) {
	return memGet(m.contracts, id, &ContractState{}, "contract")
}

func (m *MemState) TxLogIndex(h Hash) (uint64, bool, error) {
	i, ok := m.txs[h]
	return i, ok, nil
}

func (m *MemState) Seal(h []byte) (*SealState, bool, error) {
	return memGet(m.seals, string(h), &SealState{}, "seal")
}

func (m *MemState) Identity(ref []byte) (*IdentityState, bool, error) {
	return memGet(m.identities, string(ref), &IdentityState{}, "identity")
}

func (m *MemState) Params() (*Params, error) {
	p := &Params{}
	if err := DecodeState(m.params, p, "params"); err != nil {
		panic(err)
	}
	return p, nil
}

func (m *MemState) Verifier(fp Fingerprint) (*VerifierState, bool, error) {
	return memGet(m.verifiers, fp, &VerifierState{}, "verifier")
}

func (m *MemState) Proposal(id string) (*ProposalState, bool, error) {
	return memGet(m.proposals, id, &ProposalState{}, "proposal")
}

// Validators lists the validators in key order, as the store does.
func (m *MemState) Validators() ([]*ValidatorState, error) {
	keys := make([]string, 0, len(m.validators))
	for k := range m.validators {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, strings.Compare)
	out := make([]*ValidatorState, 0, len(keys))
	for _, k := range keys {
		v, _, _ := memGet(m.validators, k, &ValidatorState{}, "validator")
		out = append(out, v)
	}
	return out, nil
}

func (m *MemState) UpgradePlan() (*PendingUpgrade, bool, error) {
	if m.plan == nil {
		return nil, false, nil
	}
	p := &PendingUpgrade{}
	if err := DecodeState(m.plan, p, "upgrade plan"); err != nil {
		panic(err)
	}
	return p, true, nil
}

// RulesVersionAt is InitialRulesVersion: MemState does not record upgrade
// activations (the app does, at the activation height, outside the rules).
func (m *MemState) RulesVersionAt(int64) (uint32, error) { return InitialRulesVersion, nil }

// ErrNoCheckpoints is MemState's answer to CheckpointAt: it rebuilds state
// from records and holds no checkpoints (app hashes and log roots by
// height), so the anchored rule cannot run over it; the offline verifier
// checks anchors against a bundle's evidence instead (evidence/anchors.go).
var ErrNoCheckpoints = errors.New("memstate: no checkpoints: anchors are not checkable against a rebuilt state")

// CheckpointAt answers ErrNoCheckpoints (see there).
func (m *MemState) CheckpointAt(int64) (*Checkpoint, bool, error) {
	return nil, false, ErrNoCheckpoints
}

// LatestAnchor is the height of the last PutAnchor, 0 if none.
func (m *MemState) LatestAnchor() (uint64, error) { return m.latest, nil }

// PutAnchor records an anchored checkpoint and makes it the latest, as the
// store does.
func (m *MemState) PutAnchor(a *AnchorState) error {
	m.anchors[a.Height] = EncodeState(a)
	m.latest = a.Height
	return nil
}

func (m *MemState) PutProposal(p *ProposalState) error {
	m.proposals[p.Proposal.ID] = EncodeState(p)
	return nil
}

// PutValidator sets a validator; power 0 removes it.
func (m *MemState) PutValidator(v *ValidatorState) error {
	if v.Power == 0 {
		delete(m.validators, string(v.PubKey))
		return nil
	}
	m.validators[string(v.PubKey)] = EncodeState(v)
	return nil
}

func (m *MemState) PutUpgradePlan(p *PendingUpgrade) error { m.plan = EncodeState(p); return nil }
func (m *MemState) DeleteUpgradePlan() error               { m.plan = nil; return nil }

func (m *MemState) PutOrg(o *Org) error { m.orgs[o.ID] = EncodeState(o); return nil }
func (m *MemState) PutCert(fp Fingerprint, c *CertState) error {
	m.certs[fp] = EncodeState(c)
	return nil
}
func (m *MemState) PutContract(c *ContractState) error {
	m.contracts[c.ID] = EncodeState(c)
	return nil
}

func (m *MemState) Case(id string) (*CaseState, bool, error) {
	return memGet(m.cases, id, &CaseState{}, "case")
}

func (m *MemState) PutCase(c *CaseState) error {
	m.cases[c.ID] = EncodeState(c)
	return nil
}

// Organisation ids hold no "/" (checkID), so institution "/" number names
// one pair.
func (m *MemState) IssuedNumber(institution, number string) (*IssuedNumber, bool, error) {
	return memGet(m.numbers, institution+"/"+number, &IssuedNumber{}, "issued number")
}

func (m *MemState) PutIssuedNumber(institution, number string, n *IssuedNumber) error {
	m.numbers[institution+"/"+number] = EncodeState(n)
	return nil
}
func (m *MemState) PutSeal(h []byte, s *SealState) error {
	m.seals[string(h)] = EncodeState(s)
	return nil
}
func (m *MemState) PutIdentity(ref []byte, s *IdentityState) error {
	m.identities[string(ref)] = EncodeState(s)
	return nil
}
func (m *MemState) PutVerifier(fp Fingerprint, v *VerifierState) error {
	m.verifiers[fp] = EncodeState(v)
	return nil
}
func (m *MemState) PutParams(p *Params) error { m.params = EncodeState(p); return nil }

// AddTx records a committed tx at its log index: the replay guard, which
// the chain writes when it appends a record.
func (m *MemState) AddTx(h Hash, index uint64) error {
	if _, dup := m.txs[h]; dup {
		return fmt.Errorf("tx %s is already at log index %d", h, m.txs[h])
	}
	m.txs[h] = index
	return nil
}
