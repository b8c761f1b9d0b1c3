package chain

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func upgradeTx(p *Proposal) []byte {
	return (&Tx{Version: TxVersion, ChainID: "c", Nonce: 1, Body: p,
		Envelope: Envelope{Org: "court", Cert: []byte{0x30, 2}, Sig: []byte{1}}}).Encode()
}

// TestUpgradeProposalEncoding: schedule_upgrade and cancel_upgrade
// proposals round-trip; a plan breaking a stateless rule, or set beside
// another change, or on another kind, is invalid and names the field.
func TestUpgradeProposalEncoding(t *testing.T) {
	plan := UpgradePlan{Version: 2, Height: 500, Name: "v2-batch", Info: "https://example.org/sealchain/v2 sha256:00ff"}
	for _, kind := range []ProposalKind{ProposalScheduleUpgrade, ProposalCancelUpgrade} {
		pl := plan
		p := &Proposal{ID: "up", Kind: kind, Upgrade: &pl}
		got, err := DecodeTx(upgradeTx(p))
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		if !reflect.DeepEqual(got.Body, p) {
			t.Fatalf("%s: decoded %+v, want %+v", kind, got.Body, p)
		}
	}
	if s := ProposalScheduleUpgrade.String(); s != "schedule_upgrade" {
		t.Errorf("kind 5 is %q", s)
	}
	if s := ProposalCancelUpgrade.String(); s != "cancel_upgrade" {
		t.Errorf("kind 6 is %q", s)
	}
	org := &Org{ID: "o", Name: "O", Role: RoleCourt, CACert: []byte{0x30, 1}, Weight: 1}
	with := func(edit func(*UpgradePlan)) *UpgradePlan {
		p := plan
		edit(&p)
		return &p
	}
	tests := []struct {
		name  string
		p     *Proposal
		field string
	}{
		{"no plan", &Proposal{ID: "up", Kind: ProposalScheduleUpgrade}, "body.kind"},
		{"plan and org", &Proposal{ID: "up", Kind: ProposalScheduleUpgrade, Upgrade: &plan, Org: org}, "body.kind"},
		{"plan on register_org", &Proposal{ID: "up", Kind: ProposalRegisterOrg, Upgrade: &plan}, "body.org"},
		{"org on schedule_upgrade", &Proposal{ID: "up", Kind: ProposalScheduleUpgrade, Org: org}, "body.upgrade"},
		{"version 1", &Proposal{ID: "up", Kind: ProposalScheduleUpgrade, Upgrade: with(func(p *UpgradePlan) { p.Version = 1 })}, "body.upgrade.version"},
		{"version 0", &Proposal{ID: "up", Kind: ProposalCancelUpgrade, Upgrade: with(func(p *UpgradePlan) { p.Version = 0 })}, "body.upgrade.version"},
		{"negative height", &Proposal{ID: "up", Kind: ProposalScheduleUpgrade, Upgrade: with(func(p *UpgradePlan) { p.Height = -5 })}, "body.upgrade.height"},
		{"no height", &Proposal{ID: "up", Kind: ProposalScheduleUpgrade, Upgrade: with(func(p *UpgradePlan) { p.Height = 0 })}, "body.upgrade.height"},
		{"no name", &Proposal{ID: "up", Kind: ProposalScheduleUpgrade, Upgrade: with(func(p *UpgradePlan) { p.Name = "" })}, "body.upgrade.name"},
		{"name with a space", &Proposal{ID: "up", Kind: ProposalScheduleUpgrade, Upgrade: with(func(p *UpgradePlan) { p.Name = "v 2" })}, "body.upgrade.name"},
		{"long info", &Proposal{ID: "up", Kind: ProposalScheduleUpgrade, Upgrade: with(func(p *UpgradePlan) { p.Info = strings.Repeat("x", MaxUpgradeInfoBytes+1) })}, "body.upgrade.info"},
		{"info not UTF-8", &Proposal{ID: "up", Kind: ProposalScheduleUpgrade, Upgrade: with(func(p *UpgradePlan) { p.Info = "\xff" })}, "body.upgrade.info"},
		{"kind 7", &Proposal{ID: "up", Kind: 7, Upgrade: &plan}, "body.kind"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeTx(upgradeTx(tt.p))
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field || !errors.Is(err, ErrInvalid) {
				t.Fatalf("got %v, want an invalid %s", err, tt.field)
			}
		})
	}
}

// TestUpgradeStateEncoding: the stored plan and activation round-trip
// canonically.
func TestUpgradeStateEncoding(t *testing.T) {
	stateRoundTrip(t, &PendingUpgrade{Plan: UpgradePlan{Version: 2, Height: 300, Name: "v2", Info: "i"}, Proposal: "up", DecidedHeight: 12}, &PendingUpgrade{})
	stateRoundTrip(t, &UpgradeActivation{Version: 2, Name: "v2", Proposal: "up"}, &UpgradeActivation{})
}

func TestRulesVersionAt(t *testing.T) {
	acts := []UpgradeActivation{{Height: 100, Version: 2}, {Height: 250, Version: 4}}
	for h, want := range map[int64]uint32{0: 1, 1: 1, 99: 1, 100: 2, 249: 2, 250: 4, 1 << 40: 4} {
		if got := RulesVersionAt(acts, h); got != want {
			t.Errorf("height %d: version %d, want %d", h, got, want)
		}
	}
	if got := RulesVersionAt(nil, 7); got != InitialRulesVersion {
		t.Errorf("no activations: version %d", got)
	}
}
