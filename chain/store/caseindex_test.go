package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"github.com/cockroachdb/pebble"

	"github.com/sealchain/sealchain/chain"
)

// TestCaseIndex: listings by institution and applicant, by status and
// kind, newest first, paged; a status change moves a case between
// listings; a store without the index rebuilds it on open, to the same
// answers.
func TestCaseIndex(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	commit := func(h int64, cs ...*chain.CaseState) {
		t.Helper()
		b := s.NewBlock(h, time.Unix(1_767_600_000+h, 0).UTC())
		for _, c := range cs {
			if err := b.PutCase(c); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := b.Finish(); err != nil {
			t.Fatal(err)
		}
		if err := s.Commit(b); err != nil {
			t.Fatal(err)
		}
	}
	// 25 litigation cases to the court by the platform, 5 arbitration
	// cases, 3 notarisations (another institution).
	var lit []*chain.CaseState
	for i := range 25 {
		lit = append(lit, &chain.CaseState{ID: fmt.Sprintf("f-%02d", i), Kind: chain.CaseLitigation, Contract: "c-1", Applicant: "platform",
			Institution: "court", Status: chain.CasePending, OpenedIn: uint64(10 + i), PackageSM3: make([]byte, 32), PackageSize: 9})
	}
	commit(1, lit...)
	var arb []*chain.CaseState
	for i := range 5 {
		arb = append(arb, &chain.CaseState{ID: fmt.Sprintf("a-%d", i), Kind: chain.CaseArbitration, Contract: "c-1", Applicant: "platform",
			Institution: "arbitration", Status: chain.CasePending, OpenedIn: uint64(100 + i)})
	}
	commit(2, arb...)
	commit(3, &chain.CaseState{ID: "n-1", Kind: chain.CaseNotarization, Contract: "c-1", Applicant: "platform", Institution: "notary", Status: chain.CasePending, OpenedIn: 200})
	// Docket 20, return 1 (f-03), all in one block, one of them twice.
	var moved []*chain.CaseState
	for i, c := range lit[:21] {
		d := *c
		d.Status, d.DecidedIn, d.ClosedIn = chain.CaseAccepted, uint64(300+i), uint64(300+i)
		if i == 3 {
			d.Status = chain.CaseRejected
		}
		moved = append(moved, &d)
	}
	moved = append(moved, moved[5]) // a second write of the same state
	commit(4, moved...)

	ids := func(f CaseFilter) (out []string) {
		t.Helper()
		for {
			p, err := s.View().ListCases(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range p.Cases {
				out = append(out, c.ID)
			}
			if !p.More {
				return out
			}
			f.After, f.HaveAfter = p.Next, true
		}
	}
	check := func(when string) {
		t.Helper()
		for _, tc := range []struct {
			name string
			f    CaseFilter
			want int
			head string
		}{
			{"court, all", CaseFilter{Org: "court", Limit: 7}, 25, "f-24"},
			{"court, pending", CaseFilter{Org: "court", Status: chain.CasePending, Limit: 3}, 4, "f-24"},
			{"court, accepted", CaseFilter{Org: "court", Status: chain.CaseAccepted, Limit: 6}, 20, "f-20"},
			{"court, rejected", CaseFilter{Org: "court", Status: chain.CaseRejected}, 1, "f-03"},
			{"court, litigation", CaseFilter{Org: "court", Kind: chain.CaseLitigation, Limit: 25}, 25, "f-24"},
			{"court, arbitration kind", CaseFilter{Org: "court", Kind: chain.CaseArbitration}, 0, ""},
			{"arbitration", CaseFilter{Org: "arbitration", Limit: 2}, 5, "a-4"},
			{"notary", CaseFilter{Org: "notary"}, 1, "n-1"},
			{"platform filed, all", CaseFilter{Role: CasesByApplicant, Org: "platform", Limit: 4}, 31, "n-1"},
			{"platform filed, litigation pending", CaseFilter{Role: CasesByApplicant, Org: "platform", Status: chain.CasePending, Kind: chain.CaseLitigation}, 4, "f-24"},
			{"court filed nothing", CaseFilter{Role: CasesByApplicant, Org: "court"}, 0, ""},
			{"an org that is a prefix", CaseFilter{Org: "cour"}, 0, ""},
		} {
			got := ids(tc.f)
			if len(got) != tc.want || len(got) > 0 && got[0] != tc.head {
				t.Errorf("%s: %s: %d cases %v, want %d from %s", when, tc.name, len(got), got, tc.want, tc.head)
			}
		}
	}
	check("built")
	// Newest first: opened_in descending, through pages.
	p1, _ := s.View().ListCases(CaseFilter{Org: "court", Limit: 10})
	p2, _ := s.View().ListCases(CaseFilter{Org: "court", Limit: 10, After: p1.Next, HaveAfter: true})
	if p1.Cases[0].OpenedIn != 34 || p1.Next != 25 || !p1.More || p2.Cases[0].OpenedIn != 24 {
		t.Errorf("pages: first %d next %d more %v; second from %d", p1.Cases[0].OpenedIn, p1.Next, p1.More, p2.Cases[0].OpenedIn)
	}
	// An old store: no index, no version key. Reopening rebuilds it.
	if err := s.db.DeleteRange([]byte("q/"), []byte("q0"), pebble.Sync); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Delete(keyCaseIndexVersion, pebble.Sync); err != nil {
		t.Fatal(err)
	}
	if got := ids(CaseFilter{Org: "court"}); len(got) != 0 {
		t.Fatalf("index not deleted: %v", got)
	}
	s.Close()
	if s, err = Open(dir, nil); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	check("rebuilt")

	// A snapshot leaves the index out; the importing store builds it.
	ex, err := s.Export()
	if err != nil {
		t.Fatal(err)
	}
	defer ex.Close()
	var chunks [][]byte
	var hashes [][]byte
	if err := ex.Chunks(context.Background(), 1<<10, func(_ uint32, c []byte) error {
		for _, k := range [][]byte{[]byte("q/i/"), []byte("q/a/"), keyCaseIndexVersion} {
			if bytes.Contains(c, k) {
				t.Errorf("snapshot chunk carries %q", k)
			}
		}
		h := sha256.Sum256(c)
		chunks, hashes = append(chunks, bytes.Clone(c)), append(hashes, h[:])
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	dst, err := Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	im, err := dst.NewImport(ex.Checkpoint().Height, hashes)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range chunks {
		if err := im.Apply(uint32(i), c); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := im.Finish(ex.Checkpoint().AppHash); err != nil {
		t.Fatal(err)
	}
	s = dst
	check("imported")
}
