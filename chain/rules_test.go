package chain

import "testing"

// TestRulesComplete: every registered record type has its state rule
// (Ruled, in its record file) except anchored, whose rule reads the app's
// genesis anchoring setting and checkpoints (app/anchored.go). A new type
// without a rule would be refused by FinalizeBlock with CodeUnknownType.
func TestRulesComplete(t *testing.T) {
	for n, mk := range types() {
		if mk == nil {
			continue
		}
		b := mk()
		_, ruled := b.(Ruled)
		switch {
		case b.Type() == TypeAnchored && ruled:
			t.Errorf("type %d (%s) has a chain rule: remove its case from app/anchored.go", n, b.Name())
		case b.Type() != TypeAnchored && !ruled:
			t.Errorf("type %d (%s) has no state rule: give it Apply(StateView, *RuleContext) in record_%s.go", n, b.Name(), b.Name())
		}
	}
}
