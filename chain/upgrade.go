package chain

import (
	"fmt"
	"unicode/utf8"
)

// Versioned rules. The consensus rules a block runs under have a version.
// Every chain starts at version 1, today's rules; governance moves a chain to
// a later version at a height (a schedule_upgrade proposal, like a Cosmos
// upgrade plan), and from that height on every node runs the new rules or
// stops. The version in force at each height is state, so the app hash
// commits to it and replay finds the rules each block was made with.
//
// A chain that never upgrades writes no upgrade state at all: absent means
// version 1, so its state root, and its app hash at every height, are the
// ones binaries from before versioned rules computed.
//
// State keys (hashed into the state root like every s/ key):
//
//	s/u/plan               PendingUpgrade: the one scheduled plan, if any
//	s/u/a/<height:8>       UpgradeActivation: the version that took effect at height

// InitialRulesVersion is the rules version of every chain at genesis.
const InitialRulesVersion uint32 = 1

// RulesVersion4 is the consensus change after CaseRulesVersion. It bundles
// several features, each of which names it where it starts (the record
// types by their Since, rules by a version check); docs/operations.md,
// "Rules versions", lists them. New chains start at the latest version
// (sealchain init and testnet).
const RulesVersion4 uint32 = 4

// RulesVersion5 is the consensus change after RulesVersion4; like it, a
// bundle of features, each naming it where it starts (docs/operations.md,
// "Rules versions").
const RulesVersion5 uint32 = 5

// LatestRulesVersion is the newest rules version: new genesis files carry
// it.
const LatestRulesVersion = RulesVersion5

// Proposal kinds of the upgrade plans.
const (
	// ProposalScheduleUpgrade schedules rules version Upgrade.Version at
	// height Upgrade.Height.
	ProposalScheduleUpgrade ProposalKind = 5
	// ProposalCancelUpgrade removes the scheduled plan, named exactly by
	// Upgrade, before its height.
	ProposalCancelUpgrade ProposalKind = 6
)

// MinUpgradeDelay is how many heights after the block that decides a
// schedule_upgrade proposal its activation height must be, at least. The
// plan must be committed, queryable and logged well before any node has to
// act on it; and one height is not enough even for the machinery (CometBFT
// proposes height H+1 while H commits). 100 heights is a floor against an
// activation height typed as "now": it is minutes at the busiest block rate
// (250 ms), so operators choose the height from the expected block rate and
// the time they need to install the binary and, if needed, to pass a
// cancel_upgrade proposal (docs/operations.md).
const MinUpgradeDelay = 100

// MaxUpgradeInfoBytes bounds an upgrade plan's info text.
const MaxUpgradeInfoBytes = 1024

// UpgradePlan is a rules version to switch to at a height.
//
//	message UpgradePlan {
//	  uint32 version = 1; // rules version, > the active one
//	  int64  height  = 2; // first height run under the new rules
//	  string name    = 3; // short name operators and logs use, an ID
//	  string info    = 4; // optional: where the binary is, its checksum (UTF-8, up to 1024 bytes)
//	}
type UpgradePlan struct {
	Version uint32
	Height  int64
	Name    string
	Info    string
}

func (p *UpgradePlan) encode(e *encoder) {
	e.uint(1, uint64(p.Version))
	e.int(2, p.Height)
	e.string(3, p.Name)
	e.string(4, p.Info)
}

func (p *UpgradePlan) decode(d *decoder) {
	p.Version = d.uint32(1, "version")
	p.Height = d.int(2, "height")
	p.Name = d.string(3, "name")
	p.Info = d.string(4, "info")
}

// validate checks the plan's own fields; prefix names the enclosing field.
func (p *UpgradePlan) validate(prefix string) error {
	if p.Version <= InitialRulesVersion {
		return invalid(prefix+"version", "%d, want more than %d", p.Version, InitialRulesVersion)
	}
	if p.Height <= 0 {
		return invalid(prefix+"height", "%d, want a positive height", p.Height)
	}
	if err := checkID(prefix+"name", p.Name); err != nil {
		return err
	}
	if len(p.Info) > MaxUpgradeInfoBytes || !utf8.ValidString(p.Info) {
		return invalid(prefix+"info", "want UTF-8 text of up to %d bytes", MaxUpgradeInfoBytes)
	}
	return nil
}

func (p *UpgradePlan) String() string {
	return fmt.Sprintf("%q (rules version %d at height %d)", p.Name, p.Version, p.Height)
}

// validateUpgrade is Proposal.Validate's part for the upgrade kinds: the
// plan is set (Validate has checked it is the only change set).
func (b *Proposal) validateUpgrade() error {
	if b.Upgrade == nil {
		return invalid("body.upgrade", "missing for %s", b.Kind)
	}
	return b.Upgrade.validate("body.upgrade.")
}

// PendingUpgrade is the scheduled plan as stored: the plan, the proposal
// that scheduled it and the height that decided it.
//
//	message PendingUpgrade { UpgradePlan plan = 1; string proposal_id = 2; int64 decided_height = 3; }
type PendingUpgrade struct {
	Plan          UpgradePlan
	Proposal      string
	DecidedHeight int64
}

func (p *PendingUpgrade) encode(e *encoder) {
	e.message(1, p.Plan.encode)
	e.string(2, p.Proposal)
	e.int(3, p.DecidedHeight)
}

func (p *PendingUpgrade) decode(d *decoder) {
	d.message(1, "plan", p.Plan.decode)
	p.Proposal = d.string(2, "proposal_id")
	p.DecidedHeight = d.int(3, "decided_height")
}

// UpgradeActivation is a rules version that took effect, keyed in state by
// the height it took effect at (Height is filled from the key).
//
//	message UpgradeActivation { uint32 version = 1; string name = 2; string proposal_id = 3; }
type UpgradeActivation struct {
	Height   int64
	Version  uint32
	Name     string
	Proposal string
}

func (a *UpgradeActivation) encode(e *encoder) {
	e.uint(1, uint64(a.Version))
	e.string(2, a.Name)
	e.string(3, a.Proposal)
}

func (a *UpgradeActivation) decode(d *decoder) {
	a.Version = d.uint32(1, "version")
	a.Name = d.string(2, "name")
	a.Proposal = d.string(3, "proposal_id")
}

// RulesVersionAt is the rules version in force at height, given the
// activations in increasing height order: the latest activated at or below
// height, or InitialRulesVersion.
func RulesVersionAt(acts []UpgradeActivation, height int64) uint32 {
	v := InitialRulesVersion
	for _, a := range acts {
		if a.Height > height {
			break
		}
		v = a.Version
	}
	return v
}
