package chain

// VoteChoice is yes or no.
type VoteChoice uint32

const (
	VoteYes VoteChoice = 1
	VoteNo  VoteChoice = 2
)

// Vote is an organisation's vote on a proposal; each org votes once.
//
//	message Vote { string proposal_id = 1; uint32 choice = 2; /* 1 yes, 2 no */ }
type Vote struct {
	Proposal string
	Choice   VoteChoice
}

// TypeVote is vote's record type number.
const TypeVote Type = 8

func (*Vote) Type() Type         { return TypeVote }
func (*Vote) ContractID() string { return "" }
func (*Vote) actor() actorRule   { return actorNone }

func (*Vote) Name() string           { return "vote" }
func (*Vote) Label() (zh, en string) { return "治理投票", "Governance vote" }
func (*Vote) IndexKeys() IndexKeys   { return IndexKeys{} }

func (b *Vote) Fields() map[string]any {
	choice := "yes"
	if b.Choice == VoteNo {
		choice = "no"
	}
	return map[string]any{"proposal_id": b.Proposal, "choice": choice}
}

func (b *Vote) encode(e *encoder) {
	e.string(1, b.Proposal)
	e.uint(2, uint64(b.Choice))
}

func (b *Vote) decode(d *decoder) {
	b.Proposal = d.string(1, "proposal_id")
	b.Choice = VoteChoice(d.uint32(2, "choice"))
}

func (b *Vote) Validate() error {
	if err := checkID("body.proposal_id", b.Proposal); err != nil {
		return err
	}
	if b.Choice != VoteYes && b.Choice != VoteNo {
		return invalid("body.choice", "%d, want 1 (yes) or 2 (no)", b.Choice)
	}
	return nil
}
