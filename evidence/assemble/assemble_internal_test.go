package assemble

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/store"
	"github.com/sealchain/sealchain/evidence"
)

// testStore is a chain store holding the given bodies, one block each.
// Envelopes are not signed: collect reads only bodies and indexes.
func testStore(t *testing.T, bodies ...chain.Body) *store.Store {
	t.Helper()
	s, err := store.Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	for i, body := range bodies {
		h := int64(i + 1)
		b := s.NewBlock(h, time.Unix(1_767_600_000+h, 0).UTC())
		tx := &chain.Tx{Version: 1, ChainID: "test", Nonce: uint64(i), Body: body,
			Envelope: chain.Envelope{Org: "platform", Cert: []byte{1}, Sig: []byte{1}}}
		raw := tx.Encode()
		dec, err := chain.DecodeTx(raw)
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if _, err := b.Append(0, raw, dec); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Finish(); err != nil {
			t.Fatal(err)
		}
		if err := s.Commit(b); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func created(id string) *chain.ContractCreated {
	doc := bytes.Repeat([]byte(id[len(id)-1:]), 32)
	return &chain.ContractCreated{Contract: id, DocSM3: doc, DocSHA256: append([]byte{0xee}, doc[1:]...), Order: chain.OrderParallel,
		Parties: []chain.Fingerprint{{1}}}
}

// TestCollectRenewalClosure: a renewal is indexed under its previous
// contract but belongs to the new one; the bundle must carry the
// contract_created of every contract the renewals reach, whatever the
// subject (issue #12 review: honest bundles of renewed contracts failed).
func TestCollectRenewalClosure(t *testing.T) {
	s := testStore(t,
		created("c-1"), // 0
		created("c-2"), // 1
		created("c-3"), // 2
		&chain.ContractRenewed{Contract: "c-2", Previous: "c-1"}, // 3
		&chain.ContractRenewed{Contract: "c-3", Previous: "c-2"}, // 4
		created("c-9"), // 5: unrelated
	)
	q := store.Query{Limit: evidence.MaxSubjectRecords, UpTo: s.Last().LogSize}
	all := []uint64{0, 1, 2, 3, 4}
	for _, tc := range []struct {
		name string
		s    evidence.Subject
	}{
		{"doc_hash of c-1", evidence.Subject{DocHash: hex.EncodeToString(created("c-1").DocSM3)}},
		{"doc_hash of c-3", evidence.Subject{DocHash: hex.EncodeToString(created("c-3").DocSM3)}},
		{"contract_id c-1", evidence.Subject{ContractID: "c-1"}},
		{"contract_id c-2", evidence.Subject{ContractID: "c-2"}},
		{"contract_id c-3", evidence.Subject{ContractID: "c-3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			idx, _, err := collect(s.View(), tc.s, q)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(idx) != fmt.Sprint(all) {
				t.Fatalf("collected %v, want %v", idx, all)
			}
		})
	}
}

// TestCollectRenewalCap: a renewal chain reaching more than MaxContracts
// further contracts gives a clear bad-subject error, not an unbounded
// bundle; many contracts of the subject's own records are not capped.
func TestCollectRenewalCap(t *testing.T) {
	n := MaxContracts + 3 // the subject's contract, the one it renews, then MaxContracts+1 more
	var bodies []chain.Body
	for i := range n {
		bodies = append(bodies, created(fmt.Sprintf("c-%03d", i)))
	}
	for i := 1; i < n; i++ {
		bodies = append(bodies, &chain.ContractRenewed{Contract: fmt.Sprintf("c-%03d", i), Previous: fmt.Sprintf("c-%03d", i-1)})
	}
	s := testStore(t, bodies...)
	q := store.Query{Limit: evidence.MaxSubjectRecords, UpTo: s.Last().LogSize}
	_, _, err := collect(s.View(), evidence.Subject{ContractID: "c-000"}, q)
	if err == nil || !errors.Is(err, evidence.ErrBadSubject) {
		t.Fatalf("err = %v, want ErrBadSubject past %d contracts", err, MaxContracts)
	}
	t.Log(err)
}

// TestRegistrationLongSpan: a register_verifier proposal decided more than
// 100,000 records after it was made (a busy chain, a slow vote) still gives
// its proposal and votes; the scan reads back from the deciding vote only
// as far as the earliest vote the proposal state lists.
func TestRegistrationLongSpan(t *testing.T) {
	s, err := store.Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	der := []byte("verifier certificate")
	fp := chain.FingerprintOf(der)
	const filler = 100_050
	b := s.NewBlock(1, time.Unix(1_767_600_000, 0).UTC())
	appendTx := func(org string, body chain.Body) uint64 {
		tx := &chain.Tx{Version: 1, ChainID: "test", Nonce: b.NextIndex(), Body: body,
			Envelope: chain.Envelope{Org: org, Cert: []byte{1}, Sig: []byte{1}}}
		raw := tx.Encode()
		en, err := b.Append(uint32(b.NextIndex()), raw, tx)
		if err != nil {
			t.Fatal(err)
		}
		return en.Index
	}
	prop := appendTx("court", &chain.Proposal{ID: "reg", Kind: chain.ProposalRegisterVerifier, VerifierCert: der})
	early := appendTx("notary", &chain.Vote{Proposal: "reg", Choice: chain.VoteYes})
	for range filler {
		appendTx("platform", &chain.Vote{Proposal: "other", Choice: chain.VoteYes})
	}
	no := appendTx("arbitration", &chain.Vote{Proposal: "reg", Choice: chain.VoteNo})
	decided := appendTx("platform", &chain.Vote{Proposal: "reg", Choice: chain.VoteYes})
	if err := b.PutProposal(&chain.ProposalState{Proposal: &chain.Proposal{ID: "reg", Kind: chain.ProposalRegisterVerifier, VerifierCert: der},
		Proposer: "court", Yes: []string{"court", "notary", "platform"}, No: []string{"arbitration"}, Status: chain.ProposalPassed, CreatedIn: prop}); err != nil {
		t.Fatal(err)
	}
	if err := b.PutVerifier(fp, &chain.VerifierState{Cert: der, Org: "court", RegisteredIn: decided + 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Finish(); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(b); err != nil {
		t.Fatal(err)
	}
	regs := &registrations{view: s.View(), done: map[chain.Fingerprint][]uint64{}}
	for range 2 { // the second attestation of the same verifier reads nothing
		set := map[uint64]bool{}
		if err := regs.add(der, set); err != nil {
			t.Fatal(err)
		}
		want := map[uint64]bool{prop: true, early: true, no: true, decided: true}
		if fmt.Sprint(set) != fmt.Sprint(want) {
			t.Fatalf("registration records %v, want %v", set, want)
		}
	}
}

// TestCollectManyOwnContracts: the renewal cap does not limit the
// contracts of the subject's own records (bounded by its page).
func TestCollectManyOwnContracts(t *testing.T) {
	n := MaxContracts + 10
	var bodies []chain.Body
	for i := range n {
		c := created(fmt.Sprintf("c-%03d", i))
		c.DocSM3 = created("c-0").DocSM3 // one document, many contracts
		bodies = append(bodies, c)
	}
	s := testStore(t, bodies...)
	q := store.Query{Limit: evidence.MaxSubjectRecords, UpTo: s.Last().LogSize}
	idx, _, err := collect(s.View(), evidence.Subject{DocHash: hex.EncodeToString(created("c-0").DocSM3)}, q)
	if err != nil || len(idx) != n {
		t.Fatalf("collected %d records, err %v; want %d", len(idx), err, n)
	}
}
