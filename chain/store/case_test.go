package store_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/store"
)

// TestStoreCases: cases read back by id and scan in id order (Cases stops
// when fn says so), apart from the certificates under s/c/; writing one
// moves the state root.
func TestStoreCases(t *testing.T) {
	s, err := store.Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	cases := []*chain.CaseState{
		{ID: "n-2", Kind: chain.CaseNotarization, Contract: "c-1", Applicant: "platform", Institution: "notary", Status: chain.CasePending, OpenedIn: 7},
		{ID: "a-1", Kind: chain.CaseAppraisal, Contract: "c-1", Applicant: "court", Institution: "appraisal", Status: chain.CaseIssued,
			OpenedIn: 3, DecidedIn: 5, ClosedIn: 6, DocumentSM3: make([]byte, 32), Number: "示司鉴〔2026〕1号"},
		{ID: "n-1", Kind: chain.CaseNotarization, Contract: "c-1", Applicant: "platform", Institution: "notary", Status: chain.CaseRejected,
			OpenedIn: 0, DecidedIn: 2, ClosedIn: 2},
	}
	var roots [][]byte
	for h, c := range cases {
		b := s.NewBlock(int64(h+1), time.Unix(1_767_600_000+int64(h), 0).UTC())
		if err := b.PutCase(c); err != nil {
			t.Fatal(err)
		}
		if h == 0 {
			fp := chain.Fingerprint{'a'} // a certificate key near the cases'
			if err := b.PutCert(fp, &chain.CertState{DER: []byte{1}, Org: "notary", IssuedIn: 1}); err != nil {
				t.Fatal(err)
			}
		}
		cp, err := b.Finish()
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Commit(b); err != nil {
			t.Fatal(err)
		}
		roots = append(roots, cp.StateRoot)
	}
	if reflect.DeepEqual(roots[1], roots[2]) {
		t.Error("a case write left the state root as it was")
	}
	v := s.View()
	for _, want := range cases {
		got, ok, err := v.Case(want.ID)
		if err != nil || !ok || !reflect.DeepEqual(got, want) {
			t.Errorf("Case(%s) = %+v, %v, %v; want %+v", want.ID, got, ok, err, want)
		}
	}
	if _, ok, err := v.Case("n-9"); ok || err != nil {
		t.Errorf("Case(n-9): %v %v", ok, err)
	}
	var ids []string
	if err := v.Cases(func(c *chain.CaseState) bool { ids = append(ids, c.ID); return true }); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ids, []string{"a-1", "n-1", "n-2"}) {
		t.Errorf("Cases scanned %v", ids)
	}
	ids = nil
	if err := v.Cases(func(c *chain.CaseState) bool { ids = append(ids, c.ID); return false }); err != nil || len(ids) != 1 {
		t.Errorf("Cases after fn said stop: %v %v", ids, err)
	}
}
