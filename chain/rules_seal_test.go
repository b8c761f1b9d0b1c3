package chain

import (
	"testing"
	"time"
)

// TestContractSignedSeal runs the contract_signed rule over a MemState, as
// the offline verifier does: an organisation's seal is usable only by a
// signer whose certificate that organisation registered (the rule the
// offline verifier once lacked), a personal seal only by its owner.
func TestContractSignedSeal(t *testing.T) {
	now := time.Unix(1_800_000_000, 0).UTC()
	signerFP, otherFP := Fingerprint{1}, Fingerprint{2}
	doc := make([]byte, 32)
	orgSeal, ownSeal := make([]byte, 32), make([]byte, 32)
	orgSeal[0], ownSeal[0] = 1, 2
	state := func() *MemState {
		m := NewMemState()
		m.PutContract(&ContractState{ID: "c", Org: "platform", DocSM3: doc, Parties: []Fingerprint{signerFP}, Order: OrderSequential,
			Status: StatusOpen, Signed: []bool{false}, Intent: []bool{true}})
		m.PutSeal(orgSeal, &SealState{Org: "platform", Kind: SealOrganization, ValidFrom: now.Unix() - 10, ValidTo: now.Unix() + 10})
		m.PutSeal(ownSeal, &SealState{Org: "platform", Kind: SealPersonal, Owner: otherFP, ValidFrom: now.Unix() - 10, ValidTo: now.Unix() + 10})
		return m
	}
	for _, tc := range []struct {
		name      string
		seal      []byte
		signerOrg string // the organisation that registered the signer's certificate
		code      uint32 // 0: the rule holds
	}{
		{"organisation seal, signer of that organisation", orgSeal, "platform", 0},
		{"organisation seal, signer of another organisation", orgSeal, "bank", CodeUnknownSeal},
		{"another signer's personal seal", ownSeal, "platform", CodeUnknownSeal},
		{"no seal", nil, "bank", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := state()
			rc := &RuleContext{Version: InitialRulesVersion, Time: now, Org: "platform", Next: 7,
				Signers: &Signers{ActorFP: signerFP, ActorState: &CertState{Org: tc.signerOrg}}}
			effects, terr := (&ContractSigned{Contract: "c", DocSM3: doc, Seal: tc.seal}).Apply(m, rc)
			switch {
			case tc.code != 0 && (terr == nil || terr.Code != tc.code):
				t.Fatalf("Apply = %v, want code %d", terr, tc.code)
			case tc.code == 0 && terr != nil:
				t.Fatalf("Apply = %v, want the rule to hold", terr)
			case tc.code != 0:
				return
			}
			// The rule wrote nothing itself: the state changes only when
			// its effects are applied.
			if c, _, _ := m.Contract("c"); c.Signed[0] {
				t.Fatal("Apply changed the state it read")
			}
			if err := effects.Apply(m); err != nil {
				t.Fatal(err)
			}
			if c, _, _ := m.Contract("c"); !c.Signed[0] || c.Status != StatusSigned {
				t.Fatalf("after the effects: %+v", c)
			}
		})
	}
}
