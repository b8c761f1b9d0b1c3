package chain

import (
	"testing"
	"time"
)

// TestMemStateCopies: a rule changes what it read (rules.go); MemState must
// hand out copies, as the store's decoded values are, or a rejected rule
// would have changed the offline state.
func TestMemStateCopies(t *testing.T) {
	m := NewMemState()
	fp := Fingerprint{1}
	m.PutContract(&ContractState{ID: "c", Org: "o", DocSM3: make([]byte, 32), Parties: []Fingerprint{fp}, Order: OrderSequential,
		Status: StatusOpen, Signed: []bool{false}, Intent: []bool{false}})
	c, ok, err := m.Contract("c")
	if err != nil || !ok {
		t.Fatalf("Contract = %v, %v", ok, err)
	}
	c.Signed[0], c.Status = true, StatusSigned
	again, _, _ := m.Contract("c")
	if again.Signed[0] || again.Status != StatusOpen {
		t.Fatalf("a change to a read value reached the state: %+v", again)
	}
	m.PutCert(fp, &CertState{DER: []byte{1}, Org: "o", IssuedIn: 3})
	cs, _, _ := m.Cert(fp)
	cs.RevokedAt = time.Unix(5, 0)
	if again, _, _ := m.Cert(fp); again.Revoked() {
		t.Fatal("a change to a read certificate reached the state")
	}
	if _, ok, _ := m.Seal([]byte("none")); ok {
		t.Fatal("absent seal found")
	}
}

// TestMemStateOrgsOrder: Orgs lists by id, as the store's key scan does;
// the rules take the first CA subject match (distinctCA keeps it unique).
func TestMemStateOrgsOrder(t *testing.T) {
	m := NewMemState()
	for _, id := range []string{"zeta", "alpha", "mid"} {
		m.PutOrg(&Org{ID: id, Name: id, Role: RoleCourt, Weight: 1})
	}
	orgs, _ := m.Orgs()
	var got []string
	for _, o := range orgs {
		got = append(got, o.ID)
	}
	if want := []string{"alpha", "mid", "zeta"}; len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Fatalf("Orgs order %v, want %v", got, want)
	}
	if err := m.AddTx(Hash{1}, 0); err != nil {
		t.Fatal(err)
	}
	if err := m.AddTx(Hash{1}, 1); err == nil {
		t.Fatal("a tx added twice")
	}
	if i, ok, _ := m.TxLogIndex(Hash{1}); !ok || i != 0 {
		t.Fatalf("TxLogIndex = %d, %v", i, ok)
	}
}
