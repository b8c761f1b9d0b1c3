package chain

import (
	"fmt"
	"slices"
)

// ProposalStatus is where a proposal is.
type ProposalStatus uint32

const (
	ProposalOpen     ProposalStatus = 1
	ProposalPassed   ProposalStatus = 2
	ProposalRejected ProposalStatus = 3
)

func (s ProposalStatus) String() string {
	switch s {
	case ProposalOpen:
		return "open"
	case ProposalPassed:
		return "passed"
	case ProposalRejected:
		return "rejected"
	}
	return fmt.Sprintf("status(%d)", uint32(s))
}

// ProposalState tracks a proposal and its votes.
//
//	message ProposalState {
//	  bytes  proposal = 1;  // canonical Proposal body
//	  string proposer = 2;
//	  repeated string yes = 3; // org ids, sorted
//	  repeated string no  = 4; // org ids, sorted
//	  uint32 status = 5;
//	  int64  decided_height = 6;
//	  uint64 created_in = 7; // log index plus one
//	}
type ProposalState struct {
	Proposal      *Proposal
	Proposer      string
	Yes, No       []string
	Status        ProposalStatus
	DecidedHeight int64
	CreatedIn     uint64
}

func (p *ProposalState) encode(e *encoder) {
	var b encoder
	p.Proposal.encode(&b)
	e.bytes(1, b.b)
	e.string(2, p.Proposer)
	for _, o := range p.Yes {
		e.element(3, []byte(o))
	}
	for _, o := range p.No {
		e.element(4, []byte(o))
	}
	e.uint(5, uint64(p.Status))
	e.int(6, p.DecidedHeight)
	e.uint(7, p.CreatedIn+1)
}

func (p *ProposalState) decode(d *decoder) {
	raw := d.bytes(1, "proposal")
	p.Proposal = &Proposal{}
	sub := newDecoder(raw, "proposal")
	p.Proposal.decode(sub)
	sub.finish()
	d.fail(sub.err)
	p.Proposer = d.string(2, "proposer")
	for _, o := range d.elements(3, "yes", 1024) {
		p.Yes = append(p.Yes, string(o))
	}
	for _, o := range d.elements(4, "no", 1024) {
		p.No = append(p.No, string(o))
	}
	p.Status = ProposalStatus(d.uint32(5, "status"))
	p.DecidedHeight = d.int(6, "decided_height")
	p.CreatedIn = d.uint(7, "created_in") - 1
}

// Voted reports whether org has voted.
func (p *ProposalState) Voted(org string) bool {
	return slices.Contains(p.Yes, org) || slices.Contains(p.No, org)
}

// AddVote records org's vote, keeping the lists sorted.
func (p *ProposalState) AddVote(org string, c VoteChoice) {
	if c == VoteYes {
		p.Yes = append(p.Yes, org)
		slices.Sort(p.Yes)
	} else {
		p.No = append(p.No, org)
		slices.Sort(p.No)
	}
}

// ValidatorState is a validator the app knows, keyed by its ed25519 key.
//
//	message ValidatorState { bytes pub_key = 1; int64 power = 2; string org = 3; }
type ValidatorState = ValidatorChange

// VerifierState is a registered intent verifier.
//
//	message VerifierState { bytes cert = 1; string org = 2; uint64 registered_in = 3; /* log index plus one, 0 = genesis */ }
type VerifierState struct {
	Cert         []byte
	Org          string
	RegisteredIn uint64 // log index + 1; 0 for genesis
}

func (v *VerifierState) encode(e *encoder) {
	e.bytes(1, v.Cert)
	e.string(2, v.Org)
	e.uint(3, v.RegisteredIn)
}

func (v *VerifierState) decode(d *decoder) {
	v.Cert = d.bytes(1, "cert")
	v.Org = d.string(2, "org")
	v.RegisteredIn = d.uint(3, "registered_in")
}

// Params are chain-wide settings from genesis.
//
//	message Params { uint32 require_identity = 1; /* 1 = true */ uint32 production = 2; }
type Params struct {
	RequireIdentity bool
	Production      bool
}

func boolU(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

func (p *Params) encode(e *encoder) {
	e.uint(1, boolU(p.RequireIdentity))
	e.uint(2, boolU(p.Production))
}

func (p *Params) decode(d *decoder) {
	p.RequireIdentity = d.uint(1, "require_identity") == 1
	p.Production = d.uint(2, "production") == 1
}
