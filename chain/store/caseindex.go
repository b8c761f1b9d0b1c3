package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble"

	"github.com/sealchain/sealchain/chain"
)

// The case index: cases by institution (an inbox) and by applicant (a
// filer's cases), each by status and kind, newest first. It is derived
// from the s/case/ state, not part of the state root: PutCase keeps it in
// step within the block, and a store without it (written by an older
// binary, or just imported from a snapshot, which carries state but not
// this index) rebuilds it when it opens.
//
//	q/i/<institution> 0x00 <status:1> <kind:1> <^opened_in:8>   case id
//	q/a/<applicant>   0x00 <status:1> <kind:1> <^opened_in:8>   case id
//	m/caseidx                                                 caseIndexVersion
//
// Every case has four keys under each of the two: status 0 and kind 0 mean
// "any", so a listing by any combination is one prefix scan that stops at
// a page. opened_in (the log index of the case's first record) is unique;
// inverted, it orders newest first.
var (
	prefixCaseByInstitution = []byte("q/i/")
	prefixCaseByApplicant   = []byte("q/a/")
	keyCaseIndexVersion     = []byte("m/caseidx")
)

const caseIndexVersion = 1

// caseIndexKey reports whether key is the case index's: local, derived
// data that snapshots leave out.
func caseIndexKey(key []byte) bool {
	return bytes.HasPrefix(key, prefixCaseByInstitution) || bytes.HasPrefix(key, prefixCaseByApplicant) ||
		bytes.Equal(key, keyCaseIndexVersion)
}

// CaseRole says whose cases a listing is: those to an institution, or
// those an organisation opened (applied for, commissioned, filed).
type CaseRole int

const (
	CasesToInstitution CaseRole = iota
	CasesByApplicant
)

// CaseFilter selects cases for a listing. Status and Kind 0 mean any.
// After is the cursor: the opened_in of the last case of the previous
// page; HaveAfter says it is set.
type CaseFilter struct {
	Role      CaseRole
	Org       string
	Status    chain.CaseStatus
	Kind      chain.CaseKind
	After     uint64
	HaveAfter bool
	Limit     int
}

// CasePage is one page of a case listing, newest first. Next is the
// cursor of the following page when More.
type CasePage struct {
	Cases []*chain.CaseState
	Next  uint64
	More  bool
}

func caseIndexPrefix(role CaseRole, org string, status chain.CaseStatus, kind chain.CaseKind) []byte {
	p := prefixCaseByInstitution
	if role == CasesByApplicant {
		p = prefixCaseByApplicant
	}
	k := make([]byte, 0, len(p)+len(org)+3+8)
	k = append(append(append(k, p...), org...), 0)
	return append(k, byte(status), byte(kind))
}

// caseIndexKeys are the eight index keys of c.
func caseIndexKeys(c *chain.CaseState) [][]byte {
	var out [][]byte
	for _, r := range []struct {
		role CaseRole
		org  string
	}{{CasesToInstitution, c.Institution}, {CasesByApplicant, c.Applicant}} {
		for _, st := range []chain.CaseStatus{0, c.Status} {
			for _, kd := range []chain.CaseKind{0, c.Kind} {
				out = append(out, append(caseIndexPrefix(r.role, r.org, st, kd), u64(^c.OpenedIn)...))
			}
		}
	}
	return out
}

// indexCase moves c's index keys from old's (nil for a new case).
func indexCase(w pebble.Writer, old, c *chain.CaseState) error {
	if old != nil {
		for _, k := range caseIndexKeys(old) {
			if err := w.Delete(k, nil); err != nil {
				return err
			}
		}
	}
	for _, k := range caseIndexKeys(c) {
		if err := w.Set(k, []byte(c.ID), nil); err != nil {
			return err
		}
	}
	return nil
}

// ListCases answers one page of cases matching f, newest first. A limit
// outside 1..1000 is 1000.
func (v View) ListCases(f CaseFilter) (CasePage, error) {
	var p CasePage
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 1000
	}
	prefix := caseIndexPrefix(f.Role, f.Org, f.Status, f.Kind)
	lower := prefix
	if f.HaveAfter {
		if f.After == 0 {
			return p, nil // nothing is older than the first record
		}
		lower = append(append([]byte(nil), prefix...), u64(^f.After+1)...)
	}
	it, err := v.r.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: prefixEnd(prefix)})
	if err != nil {
		return p, err
	}
	defer it.Close()
	for ok := it.First(); ok; ok = it.Next() {
		if len(p.Cases) == f.Limit {
			p.More = true
			break
		}
		k := it.Key()
		if len(k) != len(prefix)+8 {
			return p, fmt.Errorf("case index key %x: bad length", k)
		}
		id := string(it.Value())
		c, ok, err := v.Case(id)
		if err != nil {
			return p, err
		}
		if !ok || c.OpenedIn != ^binary.BigEndian.Uint64(k[len(prefix):]) {
			return p, fmt.Errorf("case index key %x names case %q, which the state does not match", k, id)
		}
		p.Cases = append(p.Cases, c)
	}
	if len(p.Cases) > 0 {
		p.Next = p.Cases[len(p.Cases)-1].OpenedIn
	}
	return p, it.Error()
}

// ensureCaseIndex builds the case index from the state when the store
// lacks it (see above), in one synced batch.
func (s *Store) ensureCaseIndex() error {
	v, ok, err := get(s.db, keyCaseIndexVersion)
	if err != nil {
		return err
	}
	if ok && len(v) == 1 && v[0] == caseIndexVersion {
		return nil
	}
	b := s.db.NewBatch()
	defer b.Close()
	for _, p := range [][]byte{prefixCaseByInstitution, prefixCaseByApplicant} {
		if err := b.DeleteRange(p, prefixEnd(p), nil); err != nil {
			return err
		}
	}
	var werr error
	if err := (View{r: s.db}).Cases(func(c *chain.CaseState) bool {
		werr = indexCase(b, nil, c)
		return werr == nil
	}); err != nil || werr != nil {
		return fmt.Errorf("rebuild the case index: %w", errors.Join(err, werr))
	}
	if err := b.Set(keyCaseIndexVersion, []byte{caseIndexVersion}, nil); err != nil {
		return err
	}
	return b.Commit(pebble.Sync)
}
