package assemble

import (
	"fmt"
	"testing"
	"time"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/store"
	"github.com/sealchain/sealchain/evidence"
)

// TestCollectCaseCertificates: a contract's bundle carries the
// registration (cert_issued; none for a genesis credential) and the
// revocations of every certificate its case records name, which the case
// rules look up offline, and nothing of a certificate none names. A
// document's SM3 finds its issuance record and with it the contract's
// timeline.
func TestCollectCaseCertificates(t *testing.T) {
	s, err := store.Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	genesisDER, staffDER, examinerDER, unusedDER := []byte("notary genesis credential"), []byte("notary staff"), []byte("examiner"), []byte("unused")
	genesisFP, staffFP, examinerFP := chain.FingerprintOf(genesisDER), chain.FingerprintOf(staffDER), chain.FingerprintOf(examinerDER)
	doc := make([]byte, 32)
	doc[0] = 0xd0
	h := int64(0)
	record := func(body chain.Body, put func(b *store.Block, next uint64)) {
		h++
		b := s.NewBlock(h, time.Unix(1_767_600_000+h, 0).UTC())
		if h == 1 {
			if err := b.PutCert(genesisFP, &chain.CertState{DER: genesisDER, Org: "notary", IssuedIn: chain.IssuedAtGenesis}); err != nil {
				t.Fatal(err)
			}
		}
		if put != nil {
			put(b, uint64(h-1))
		}
		raw := (&chain.Tx{Version: 1, ChainID: "test", Nonce: uint64(h), Body: body,
			Envelope: chain.Envelope{Org: "org", Cert: []byte{1}, Sig: []byte{1}}}).Encode()
		dec, err := chain.DecodeTx(raw)
		if err != nil {
			t.Fatalf("record %d: %v", h-1, err)
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
	issued := func(der []byte, org string) func(b *store.Block, next uint64) {
		return func(b *store.Block, next uint64) {
			if err := b.PutCert(chain.FingerprintOf(der), &chain.CertState{DER: der, Org: org, IssuedIn: next}); err != nil {
				t.Fatal(err)
			}
		}
	}
	hash := func(b byte) []byte { d := make([]byte, 32); d[0] = b; return d }
	record(&chain.CertIssued{Cert: staffDER}, issued(staffDER, "notary"))                                                                                     // 0
	record(&chain.CertIssued{Cert: examinerDER}, issued(examinerDER, "appraisal"))                                                                            // 1
	record(&chain.CertIssued{Cert: unusedDER}, issued(unusedDER, "notary"))                                                                                   // 2
	record(created("c-1"), nil)                                                                                                                               // 3
	record(&chain.NotarizationApplied{Application: "n-1", Contract: "c-1", NotaryOrg: "notary", Scope: 1, Purpose: 1}, nil)                                   // 4
	record(&chain.NotarizationDecided{Application: "n-1", Contract: "c-1", Decision: chain.DecisionAccept, Staff: staffFP}, nil)                              // 5
	record(&chain.NotarizationIssued{Application: "n-1", Contract: "c-1", Number: "N-1", DocumentSM3: doc, BundleSM3: hash(2), Notary: genesisFP}, nil)       // 6
	record(&chain.AppraisalCommissioned{Commission: "a-1", Contract: "c-1", AppraisalOrg: "appraisal", Items: 1, MattersSM3: hash(3), Judge: genesisFP}, nil) // 7
	record(&chain.AppraisalDecided{Commission: "a-1", Contract: "c-1", Decision: chain.DecisionAccept, Staff: examinerFP}, nil)                               // 8
	record(&chain.CertRevoked{Cert: staffFP}, nil)                                                                                                            // 9
	record(&chain.CertRevoked{Cert: chain.FingerprintOf(unusedDER)}, nil)                                                                                     // 10

	q := store.Query{Limit: evidence.MaxSubjectRecords, UpTo: s.Last().LogSize}
	want := fmt.Sprint([]uint64{0, 1, 3, 4, 5, 6, 7, 8, 9})
	for _, subject := range []evidence.Subject{{ContractID: "c-1"}, {DocHash: fmt.Sprintf("%x", doc)}} {
		idx, _, err := collect(s.View(), subject, q)
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(idx); got != want {
			t.Errorf("subject %+v: collected %v, want %v", subject, got, want)
		}
	}
}

// TestCollectOrgRegistration: a contract's bundle carries the register_org
// proposal and the votes that passed it for an organisation governance
// added that a record names (a commission's institution) and that no
// credential leads to: found by reading the log backwards. A rejected
// proposal for the same organisation, and a passed one for an organisation
// no record needs, stay out.
func TestCollectOrgRegistration(t *testing.T) {
	s, err := store.Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	h := int64(0)
	record := func(org string, body chain.Body, put func(b *store.Block, next uint64)) {
		h++
		b := s.NewBlock(h, time.Unix(1_767_600_000+h, 0).UTC())
		if put != nil {
			put(b, uint64(h-1))
		}
		raw := (&chain.Tx{Version: 1, ChainID: "test", Nonce: uint64(h), Body: body,
			Envelope: chain.Envelope{Org: org, Cert: []byte{1}, Sig: []byte{1}}}).Encode()
		dec, err := chain.DecodeTx(raw)
		if err != nil {
			t.Fatalf("record %d: %v", h-1, err)
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
	proposal := func(id, org string) *chain.Proposal {
		return &chain.Proposal{ID: id, Kind: chain.ProposalRegisterOrg, Org: &chain.Org{ID: org, Name: org, Role: chain.RoleAppraisal, CACert: []byte(org), Weight: 1}}
	}
	state := func(p *chain.Proposal, created uint64, status chain.ProposalStatus, yes, no []string) func(b *store.Block, next uint64) {
		return func(b *store.Block, next uint64) {
			if err := b.PutProposal(&chain.ProposalState{Proposal: p, Proposer: "platform", Yes: yes, No: no, Status: status, CreatedIn: created}); err != nil {
				t.Fatal(err)
			}
		}
	}
	rejected, passed, unused := proposal("lab-1", "lab"), proposal("lab-2", "lab"), proposal("x-1", "x")
	record("platform", rejected, state(rejected, 0, chain.ProposalOpen, []string{"platform"}, nil))                                                            // 0
	record("court", &chain.Vote{Proposal: "lab-1", Choice: chain.VoteNo}, state(rejected, 0, chain.ProposalRejected, []string{"platform"}, []string{"court"})) // 1
	record("platform", passed, state(passed, 2, chain.ProposalOpen, []string{"platform"}, nil))                                                                // 2
	record("court", &chain.Vote{Proposal: "lab-2", Choice: chain.VoteYes}, state(passed, 2, chain.ProposalOpen, []string{"platform", "court"}, nil))           // 3
	record("platform", unused, state(unused, 4, chain.ProposalOpen, []string{"platform"}, nil))                                                                // 4
	record("bank", &chain.Vote{Proposal: "lab-2", Choice: chain.VoteYes}, state(passed, 2, chain.ProposalPassed, []string{"platform", "court", "bank"}, nil))  // 5
	record("bank", &chain.Vote{Proposal: "x-1", Choice: chain.VoteYes}, state(unused, 4, chain.ProposalPassed, []string{"platform", "bank"}, nil))             // 6
	record("platform", created("c-1"), nil)                                                                                                                    // 7
	record("court", &chain.AppraisalCommissioned{Commission: "a-1", Contract: "c-1", AppraisalOrg: "lab", Items: 1, MattersSM3: make([]byte, 32), Judge: chain.Fingerprint{1}}, func(b *store.Block, _ uint64) {
		if err := b.PutCert(chain.Fingerprint{1}, &chain.CertState{DER: []byte("judge"), Org: "court", IssuedIn: chain.IssuedAtGenesis}); err != nil {
			t.Fatal(err)
		}
	}) // 8

	q := store.Query{Limit: evidence.MaxSubjectRecords, UpTo: s.Last().LogSize}
	idx, _, err := collect(s.View(), evidence.Subject{ContractID: "c-1"}, q)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprint(idx), fmt.Sprint([]uint64{2, 3, 5, 7, 8}); got != want {
		t.Errorf("collected %v, want %v", got, want)
	}
}
