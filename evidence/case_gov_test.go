package evidence_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/internal/conformance"
	"github.com/sealchain/sealchain/signer"
)

// newGovernedCaseWorld is the case world on a chain whose genesis leaves
// the appraisal institution out (conformance.NewGovernedCaseSynth): its
// registration, recorded by register, comes first in the log.
func newGovernedCaseWorld(t testing.TB, register func(s *conformance.Synth) []uint64) *caseWorld {
	t.Helper()
	s := get(conformance.NewGovernedCaseSynth(conformance.ChainID))
	return newCaseWorldOn(t, s, func() []uint64 { return register(s) })
}

// registerAppraisal records a register_org proposal of the appraisal
// institution, with its credential, by the platform, and votes: each by
// its submitter, on its proposal id, with its choice.
func registerAppraisal(t testing.TB, s *conformance.Synth, votes ...vote) []uint64 {
	t.Helper()
	p := &chain.Proposal{ID: "add-appraisal", Kind: chain.ProposalRegisterOrg, Org: s.Appraisal.Org, Credentials: [][]byte{s.Appraisal.Sub.Cert}}
	idx := []uint64{s.AddTx(get(s.Sub.Build(p, nil)), false)}
	for _, v := range votes {
		id := v.proposal
		if id == "" {
			id = p.ID
		}
		idx = append(idx, s.AddTx(get(v.by.Build(&chain.Vote{Proposal: id, Choice: v.choice}, nil)), false))
	}
	return idx
}

type vote struct {
	by       *client.Submitter
	choice   chain.VoteChoice
	proposal string // "" for add-appraisal
}

// TestVerifyCasesInstitutionOutsideTrust: an appraisal institution that
// governance registered is not in the verifier's trust (the genesis). Its
// register_org proposal and the votes that passed it (genesis weights: 3
// of the 4 genesis organisations) in the bundle register it offline from
// the record that passed it: its CA checks its envelopes, its credential
// is registered to it, and the case rules find it with the appraisal role,
// so the contract's bundle verifies. Without them, with too few votes, or
// with votes that do not count, every record of the institution fails and
// so does the commission naming it.
func TestVerifyCasesInstitutionOutsideTrust(t *testing.T) {
	t.Run("registered", func(t *testing.T) {
		var s *conformance.Synth
		w := newGovernedCaseWorld(t, func(sy *conformance.Synth) []uint64 {
			s = sy
			return registerAppraisal(t, sy, vote{by: sy.Court.Sub, choice: chain.VoteYes}, vote{by: sy.Notary.Sub, choice: chain.VoteYes})
		})
		// A batched record of the institution, by the credential its
		// register_org proposal carried.
		examiner3 := get(s.Appraisal.Staff("examiner-3", signer.UsageSigner))
		batch, _ := addBatch(t, s, "appraisal", s.Appraisal.Sub, []chain.Body{&chain.CertIssued{Cert: examiner3.Cert}}, nil)
		res := w.v.Verify(w.bundle(t, slices.Concat(w.gov, batch)...), nil)
		if f := failed(t, res); len(f) > 0 || !res.OK {
			t.Fatalf("bundle with the institution's registration failed: %v", f)
		}
		var found bool
		for _, r := range res.Records {
			if r.Index == batch[0] {
				found = true
				if r.Batch == nil || r.Batch.Registration != evidence.RegisteredWithOrg || r.Batch.RegisteredIn != w.gov[2] {
					t.Errorf("batched record of the institution: batch %+v, want registered with its organisation in record %d", r.Batch, w.gov[2])
				}
			}
		}
		if !found {
			t.Errorf("batched record %d not among the verified records", batch[0])
		}
		// The bundle without the registration fails naming the records.
		assertFailsWithoutRegistration(t, w, w.bundle(t))
		// The registration alone, without the votes that passed it.
		assertFailsWithoutRegistration(t, w, w.bundle(t, w.gov[0]))
	})
	t.Run("too few votes", func(t *testing.T) {
		w := newGovernedCaseWorld(t, func(s *conformance.Synth) []uint64 {
			return registerAppraisal(t, s, vote{by: s.Court.Sub, choice: chain.VoteYes})
		})
		assertFailsWithoutRegistration(t, w, w.bundle(t, w.gov...))
	})
	t.Run("votes that do not count", func(t *testing.T) {
		// The proposer again, a no, the institution itself (weight 0:
		// not a genesis organisation), and a yes on another proposal: the
		// proposal never passed.
		w := newGovernedCaseWorld(t, func(s *conformance.Synth) []uint64 {
			return registerAppraisal(t, s,
				vote{by: s.Sub, choice: chain.VoteYes},
				vote{by: s.Court.Sub, choice: chain.VoteNo},
				vote{by: s.Appraisal.Sub, choice: chain.VoteYes},
				vote{by: s.Notary.Sub, choice: chain.VoteYes, proposal: "another"},
				vote{by: s.Court.Sub, choice: chain.VoteYes}) // the court's second vote
		})
		assertFailsWithoutRegistration(t, w, w.bundle(t, w.gov...))
	})
	t.Run("registered after the records", func(t *testing.T) {
		// The organisation is known only from the record after the one
		// that passed its registration, as on chain.
		var s *conformance.Synth
		w := newGovernedCaseWorld(t, func(sy *conformance.Synth) []uint64 { s = sy; return nil })
		late := registerAppraisal(t, s, vote{by: s.Court.Sub, choice: chain.VoteYes}, vote{by: s.Notary.Sub, choice: chain.VoteYes})
		assertFailsWithoutRegistration(t, w, w.bundle(t, late...))
	})
	t.Run("a CA no chain registers", func(t *testing.T) {
		// Passed, but naming the court's CA: the chain refuses a second
		// organisation with a registered CA's subject (distinctCA).
		w := newGovernedCaseWorld(t, func(s *conformance.Synth) []uint64 {
			org := *s.Appraisal.Org
			org.CACert = s.Court.Org.CACert
			p := &chain.Proposal{ID: "add-appraisal", Kind: chain.ProposalRegisterOrg, Org: &org}
			return []uint64{s.AddTx(get(s.Sub.Build(p, nil)), false),
				s.AddTx(get(s.Court.Sub.Build(&chain.Vote{Proposal: p.ID, Choice: chain.VoteYes}, nil)), false),
				s.AddTx(get(s.Notary.Sub.Build(&chain.Vote{Proposal: p.ID, Choice: chain.VoteYes}, nil)), false)}
		})
		assertFailsWithoutRegistration(t, w, w.bundle(t, w.gov...))
	})
	t.Run("genesis organisation removed from the trust", func(t *testing.T) {
		// A verifier whose trust lacks an organisation of the chain's
		// genesis: nothing in the bundle registers it.
		w := newCaseWorld(t)
		trust := get(evidence.ParseTrust(w.s.Genesis()))
		trust.Orgs = slices.DeleteFunc(trust.Orgs, func(o *chain.Org) bool { return o.ID == "appraisal" })
		w.v = get(evidence.NewVerifier(trust))
		assertFailsWithoutRegistration(t, w, w.bundle(t))
	})
}

// assertFailsWithoutRegistration: b (whose appraisal institution the
// verifier cannot know) fails the institution's records (the examiner's
// cert_issued, the decision, the opinion) and the commission naming it
// (code 67), and nothing of the contract or the notarisation.
func assertFailsWithoutRegistration(t *testing.T, w *caseWorld, b *evidence.Bundle) {
	t.Helper()
	res := w.v.Verify(b, nil)
	got := failed(t, res)
	want := []string{
		fmt.Sprintf("record[%d].signatures", w.staffCerts[1]),
		fmt.Sprintf("record[%d].contract", w.cases[3]),
		fmt.Sprintf("record[%d].signatures", w.cases[4]),
		fmt.Sprintf("record[%d].signatures", w.cases[5]),
	}
	slices.Sort(got)
	slices.Sort(want)
	if res.OK || !slices.Equal(got, want) {
		t.Fatalf("failed %v, want exactly %v", got, want)
	}
	for _, c := range res.Checks {
		if c.Name == fmt.Sprintf("record[%d].contract", w.cases[3]) && !strings.Contains(c.Detail, "appraisal role") {
			t.Errorf("%s: %s, want the institution refused", c.Name, c.Detail)
		}
	}
}
