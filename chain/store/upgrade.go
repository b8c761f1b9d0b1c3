package store

import (
	"encoding/binary"
	"fmt"

	"github.com/sealchain/sealchain/chain"
)

// The View and Block accessors of the upgrade state (chain/upgrade.go).

// UpgradePlan returns the scheduled plan, if any.
func (v View) UpgradePlan() (*chain.PendingUpgrade, bool, error) {
	p := &chain.PendingUpgrade{}
	ok, err := v.load(keyUpgradePlan, p, "upgrade plan")
	return p, ok, err
}

// UpgradeActivations lists the rules versions that took effect, in
// increasing height order; none on a chain that never upgraded.
func (v View) UpgradeActivations() ([]chain.UpgradeActivation, error) {
	var out []chain.UpgradeActivation
	err := v.scan(prefixUpgradeActivation, func(k, val []byte) error {
		if len(k) != len(prefixUpgradeActivation)+8 {
			return fmt.Errorf("stored upgrade activation key %q is corrupt", k)
		}
		a := chain.UpgradeActivation{Height: int64(binary.BigEndian.Uint64(k[len(prefixUpgradeActivation):]))}
		if err := chain.DecodeState(val, &a, "upgrade activation"); err != nil {
			return err
		}
		out = append(out, a)
		return nil
	})
	return out, err
}

// RulesVersionAt returns the rules version in force at height, as far as
// the view's state knows: a plan activating above the view's height is not
// counted.
func (v View) RulesVersionAt(height int64) (uint32, error) {
	acts, err := v.UpgradeActivations()
	if err != nil {
		return 0, err
	}
	return chain.RulesVersionAt(acts, height), nil
}

// PutUpgradePlan schedules a plan (a schedule_upgrade proposal passed).
func (b *Block) PutUpgradePlan(p *chain.PendingUpgrade) error {
	return b.setState(keyUpgradePlan, chain.EncodeState(p))
}

// DeleteUpgradePlan removes the scheduled plan (cancelled or activated).
func (b *Block) DeleteUpgradePlan() error { return b.deleteState(keyUpgradePlan) }

// PutUpgradeActivation records that a rules version took effect at a.Height.
func (b *Block) PutUpgradeActivation(a *chain.UpgradeActivation) error {
	return b.setState(u64key(prefixUpgradeActivation, uint64(a.Height)), chain.EncodeState(a))
}
