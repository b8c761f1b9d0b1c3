package app

import (
	"fmt"
	"maps"
	"slices"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/store"
)

// Versioned rules (chain/upgrade.go has the state). The binary supports a
// small table of rules versions; FinalizeBlock looks up the version in force
// at the block's height from state and runs that version's rules. At the
// activation height of a scheduled plan the version switches, or, in a
// binary that does not support it, FinalizeBlock returns an error and
// CometBFT halts: the node stops at exactly that height instead of running
// the block under the wrong rules.

// ruleSet is what differs between rules versions. Version 2 adds batch
// transactions (chain.BatchRulesVersion) and keys every record against
// replay by its item hash too (chain.RecordKeys); both read the version
// number, so its ruleSet has no extra check. Version 3 adds institution
// cases (record types 21-28) and the appraisal role (chain.CaseRulesVersion):
// the types by their Since, the role by Role.Since in checkTx, so neither
// needs an extra check either. Version 4 (chain.RulesVersion4) bundles the
// features docs/operations.md lists under "Rules versions": an
// institution's unique document numbers are in the issue rule, which reads
// the version (chain/case.go), and the certificate status tree in the app
// hash is turned on by startRules, so neither needs an extra check.
type ruleSet struct {
	version uint32
	// check, if set, runs after the rules every version shares (checkCommon)
	// and before the record's own rules.
	check func(tx *chain.Tx) *TxError
}

// productionRules are the versions a production binary supports.
func productionRules() map[uint32]ruleSet {
	return map[uint32]ruleSet{
		chain.InitialRulesVersion: {version: chain.InitialRulesVersion},
		chain.BatchRulesVersion:   {version: chain.BatchRulesVersion},
		chain.CaseRulesVersion:    {version: chain.CaseRulesVersion},
		chain.RulesVersion4:       {version: chain.RulesVersion4},
		chain.RulesVersion5:       {version: chain.RulesVersion5},
	}
}

// withRules adds rules versions to the supported table: for tests, which
// inject a test-only version (upgrade_test.go). Production binaries never
// call it.
func withRules(rs ...ruleSet) Option {
	return func(a *App) error {
		if a.versions == nil {
			a.versions = productionRules()
		}
		for _, r := range rs {
			if r.version <= chain.InitialRulesVersion {
				return fmt.Errorf("rules version %d: want more than %d", r.version, chain.InitialRulesVersion)
			}
			a.versions[r.version] = r
		}
		return nil
	}
}

// supportedRules returns the table (production's when no option set one).
func (a *App) supportedRules() map[uint32]ruleSet {
	if a.versions == nil {
		return productionRules()
	}
	return a.versions
}

// SupportedRulesVersions lists the rules versions this binary can run.
func (a *App) SupportedRulesVersions() []uint32 {
	return slices.Sorted(maps.Keys(a.supportedRules()))
}

// UnsupportedRulesError is FinalizeBlock's error at a height whose rules
// version this binary does not have. CometBFT halts on it.
type UnsupportedRulesError struct {
	Height    int64
	Version   uint32
	Plan      string // the plan's name; "" when no plan names it
	Supported []uint32
}

func (e *UnsupportedRulesError) Error() string {
	plan := ""
	if e.Plan != "" {
		plan = fmt.Sprintf(" (upgrade plan %q)", e.Plan)
	}
	return fmt.Sprintf("rules version %d is in force at height %d%s, and this binary supports rules versions %v only: "+
		"stop this binary, install one that supports rules version %d and start it again (docs/operations.md, Upgrading the rules)",
		e.Version, e.Height, plan, e.Supported, e.Version)
}

// rulesVersionAt returns the rules version height runs under, read from
// view, the state committed before height: the version of a plan that
// activates at height (returned as activating), or the latest activated
// one, or version 1. name is the plan's, "" for version 1. FinalizeBlock
// uses it through startRules; ProcessProposal with the committed view and
// the proposal's height, CheckTx through nextRulesVersion.
func rulesVersionAt(view store.View, height int64) (version uint32, name string, activating *chain.PendingUpgrade, err error) {
	plan, pending, err := view.UpgradePlan()
	if err != nil {
		return 0, "", nil, err
	}
	if pending && plan.Plan.Height < height {
		// Activation writes the switch and deletes the plan in one block.
		return 0, "", nil, fmt.Errorf("upgrade plan %s was not activated at its height: state is corrupt", &plan.Plan)
	}
	if pending && plan.Plan.Height == height {
		return plan.Plan.Version, plan.Plan.Name, plan, nil
	}
	acts, err := view.UpgradeActivations()
	if err != nil {
		return 0, "", nil, err
	}
	version = chain.RulesVersionAt(acts, height)
	for _, a := range acts {
		if a.Height <= height && a.Version == version {
			name = a.Name
		}
	}
	return version, name, nil, nil
}

// heightVersion is a rules version and the last committed height it was
// read after.
type heightVersion struct {
	height  int64
	version uint32
}

// nextRulesVersion is the rules version of the height after view's last
// committed one: what CheckTx admits txs for. It is cached per committed
// height, so CheckTx reads the plan from state once a block.
func (a *App) nextRulesVersion(view store.View) (uint32, error) {
	last := a.store.Last().Height
	if c := a.nextRules.Load(); c != nil && c.height == last {
		return c.version, nil
	}
	v, _, _, err := rulesVersionAt(view, last+1)
	if err != nil {
		return 0, err
	}
	a.nextRules.Store(&heightVersion{height: last, version: v})
	return v, nil
}

// NextRulesVersion is the rules version the next block runs under, as
// CheckTx reads it: what a submitter builds txs for.
func (a *App) NextRulesVersion() (uint32, error) { return a.nextRulesVersion(a.store.View()) }

// withTypeSince makes record type t come with rules version v: for tests,
// which show a type gated by a version without adding a production type.
func withTypeSince(t chain.Type, v uint32) Option {
	return func(a *App) error {
		prev := a.typeSince
		a.typeSince = func(u chain.Type) uint32 {
			if u == t {
				return v
			}
			return prev(u)
		}
		return nil
	}
}

// startRules picks the rules of the block b is staging and, at a plan's
// activation height, records the switch in b. It is the only place the
// version in force changes. It returns an *UnsupportedRulesError when this
// binary lacks the version.
func (a *App) startRules(b *store.Block) error {
	h := b.Height()
	version, name, activating, err := rulesVersionAt(b.View, h)
	if err != nil {
		return err
	}
	rules, ok := a.supportedRules()[version]
	if !ok {
		err := &UnsupportedRulesError{Height: h, Version: version, Plan: name, Supported: a.SupportedRulesVersions()}
		a.logger.Error("cannot run this height: rules version not supported", "height", h, "rules_version", version, "plan", name,
			"supported", err.Supported, "err", err.Error())
		return err
	}
	if activating != nil {
		if err := b.PutUpgradeActivation(&chain.UpgradeActivation{Height: h, Version: version, Name: name, Proposal: activating.Proposal}); err != nil {
			return err
		}
		if err := b.DeleteUpgradePlan(); err != nil {
			return err
		}
		a.logger.Info("rules upgraded", "height", h, "rules_version", version, "plan", name)
	}
	a.rules = rules
	if version >= chain.RulesVersion4 {
		// The app hash commits to the certificate status set (chain/certstatus.go);
		// the first height under version 4 builds the tree.
		if err := b.TrackCertStatus(); err != nil {
			return err
		}
	}
	return nil
}

// versionRules applies the rules of the block's version that not every
// version shares.
func (a *App) versionRules(tx *chain.Tx) *TxError {
	if a.rules.check == nil {
		return nil
	}
	return a.rules.check(tx)
}

// logUpgradeDecision logs a passed schedule_upgrade or cancel_upgrade
// (chain.Proposal's rule writes the plan).
func (a *App) logUpgradeDecision(p *chain.Proposal) {
	if p.Kind == chain.ProposalCancelUpgrade {
		a.logger.Info("upgrade plan cancelled", "plan", p.Upgrade.Name, "rules_version", p.Upgrade.Version, "height", p.Upgrade.Height, "proposal", p.ID)
		return
	}
	_, supported := a.supportedRules()[p.Upgrade.Version]
	a.logger.Info("upgrade plan scheduled", "plan", p.Upgrade.Name, "rules_version", p.Upgrade.Version, "height", p.Upgrade.Height,
		"proposal", p.ID, "supported_by_this_binary", supported)
}

// UpgradeStatus is the rules version in force and the scheduled plan, as
// the /upgrade query answers it.
type UpgradeStatus struct {
	Height      int64                     `json:"height"` // last committed height
	Version     uint32                    `json:"rules_version"`
	Activations []chain.UpgradeActivation `json:"activations,omitempty"`
	Plan        *chain.PendingUpgrade     `json:"plan,omitempty"`
	// Supported are the versions this binary runs; PlanSupported says
	// whether the plan's is one of them.
	Supported     []uint32 `json:"supported_rules_versions"`
	PlanSupported bool     `json:"plan_supported,omitempty"`
}

// upgradeStatus reads the status from committed state.
func (a *App) upgradeStatus() (*UpgradeStatus, error) {
	view := a.store.View()
	h := a.store.Last().Height
	acts, err := view.UpgradeActivations()
	if err != nil {
		return nil, err
	}
	s := &UpgradeStatus{Height: h, Version: chain.RulesVersionAt(acts, h), Activations: acts, Supported: a.SupportedRulesVersions()}
	plan, pending, err := view.UpgradePlan()
	if err != nil {
		return nil, err
	}
	if pending {
		s.Plan = plan
		_, s.PlanSupported = a.supportedRules()[plan.Plan.Version]
	}
	return s, nil
}

// logUpgradeStatus logs the rules version and any scheduled plan (Info, at
// every start): an operator sees before the height whether this binary
// will stop there.
func (a *App) logUpgradeStatus() {
	s, err := a.upgradeStatus()
	if err != nil {
		a.logger.Error("read upgrade state", "err", err)
		return
	}
	if _, ok := a.supportedRules()[s.Version]; !ok {
		a.logger.Error("the rules version in force is not supported by this binary: it will stop at the next block",
			"rules_version", s.Version, "supported", s.Supported)
	}
	if s.Plan == nil {
		return
	}
	p := s.Plan.Plan
	if s.PlanSupported {
		a.logger.Info("upgrade plan scheduled; this binary supports it", "plan", p.Name, "rules_version", p.Version, "height", p.Height, "info", p.Info)
	} else {
		a.logger.Warn("upgrade plan scheduled; this binary does NOT support it and will stop at its height: install a binary that does before then",
			"plan", p.Name, "rules_version", p.Version, "height", p.Height, "info", p.Info, "supported", s.Supported)
	}
}
