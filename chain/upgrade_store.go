//go:build !js

package chain

import (
	"encoding/binary"
	"fmt"
)

// The View and Block accessors of the upgrade state (upgrade.go), in a !js
// file like state_store.go's.

// UpgradePlan returns the scheduled plan, if any.
func (v View) UpgradePlan() (*PendingUpgrade, bool, error) {
	p := &PendingUpgrade{}
	ok, err := v.load(keyUpgradePlan, p, "upgrade plan")
	return p, ok, err
}

// UpgradeActivations lists the rules versions that took effect, in
// increasing height order; none on a chain that never upgraded.
func (v View) UpgradeActivations() ([]UpgradeActivation, error) {
	var out []UpgradeActivation
	err := v.scan(prefixUpgradeActivation, func(k, val []byte) error {
		if len(k) != len(prefixUpgradeActivation)+8 {
			return fmt.Errorf("stored upgrade activation key %q is corrupt", k)
		}
		a := UpgradeActivation{Height: int64(binary.BigEndian.Uint64(k[len(prefixUpgradeActivation):]))}
		if err := decodeState(val, &a, "upgrade activation"); err != nil {
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
	return RulesVersionAt(acts, height), nil
}

// PutUpgradePlan schedules a plan (a schedule_upgrade proposal passed).
func (b *Block) PutUpgradePlan(p *PendingUpgrade) error {
	return b.setState(keyUpgradePlan, encodeState(p))
}

// DeleteUpgradePlan removes the scheduled plan (cancelled or activated).
func (b *Block) DeleteUpgradePlan() error { return b.deleteState(keyUpgradePlan) }

// PutUpgradeActivation records that a rules version took effect at a.Height.
func (b *Block) PutUpgradeActivation(a *UpgradeActivation) error {
	return b.setState(u64key(prefixUpgradeActivation, uint64(a.Height)), encodeState(a))
}
