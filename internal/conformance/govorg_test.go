package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"

	cmtjson "github.com/cometbft/cometbft/libs/json"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/store"
	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/evidence/assemble"
)

// synthHeaders are the consensus headers of a harness's chain: each
// height's header commits the app's checkpoint of the block before it,
// signed by the world's validators.
type synthHeaders struct {
	w  *world
	st *store.Store
}

func (s synthHeaders) LatestHeight() int64                        { return s.st.Last().Height + 1 }
func (s synthHeaders) WaitForHeight(context.Context, int64) error { return nil }
func (s synthHeaders) Checkpoint(_ context.Context, height int64) ([]byte, []byte, error) {
	cp, err := s.st.View().Checkpoint(height - 1)
	if err != nil {
		return nil, nil, err
	}
	return s.w.signHeader(height, chain.AppHash(cp.LogSize, cp.LogRoot, cp.StateRoot), 0, false, s.w.valSet)
}
func (s synthHeaders) Hop(context.Context, int64) ([]byte, []byte, error) {
	return nil, nil, errors.New("no validator changes")
}

// TestGovernedInstitutionBundle: on a real app whose genesis leaves the
// appraisal institution "lab" out, governance registers it (a register_org
// proposal with its credential, passed by the genesis organisations'
// votes); a court commissions it on a signed contract and it accepts and
// issues its opinion. The contract's bundle, as Assemble builds it from the
// app's store, carries the proposal and the votes that passed it and
// verifies offline against the genesis; without them it fails naming the
// institution's records and the commission.
func TestGovernedInstitutionBundle(t *testing.T) {
	d := newDiffWorld(t)
	var gs chain.GenesisState
	if err := json.Unmarshal(d.doc.AppState, &gs); err != nil {
		t.Fatal(err)
	}
	_, orgs, err := chain.ParseGenesisState(d.doc.AppState)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(orgs, func(o *chain.Org) bool { return o.ID == "lab" })
	lab := orgs[i]
	gs.Orgs = slices.DeleteFunc(gs.Orgs, func(o chain.GenesisOrg) bool { return o.ID == "lab" })
	if d.doc.AppState, err = json.Marshal(gs); err != nil {
		t.Fatal(err)
	}
	if d.genesis, err = cmtjson.Marshal(&d.doc); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, d) // records 0-3: the signers' registrations

	// Genesis weights: platform, bank and court, 1 each; 3 yes pass.
	p := &chain.Proposal{ID: "add-lab", Kind: chain.ProposalRegisterOrg, Org: lab, Credentials: [][]byte{d.labSub.Cert}}
	gov := []uint64{uint64(len(h.l.leaves))}
	h.ok(h.build(d.sub, p, nil))
	for _, by := range []string{"bank", "court"} {
		sub := d.bankSub
		if by == "court" {
			sub = d.courtSub
		}
		gov = append(gov, uint64(len(h.l.leaves)))
		h.ok(h.build(sub, &chain.Vote{Proposal: p.ID, Choice: chain.VoteYes}, nil))
	}
	const c1 = "c1"
	h.create(c1, 0, d.alice)
	h.signWithIntent(c1, d.alice)
	labFP := chain.FingerprintOf(d.labSub.Cert)
	h.ok(h.build(d.courtSub, commission("a1", c1, "lab", d.courtSub), nil))
	commissioned := uint64(len(h.l.leaves) - 1)
	h.ok(h.build(d.labSub, &chain.AppraisalDecided{Commission: "a1", Contract: c1, Decision: chain.DecisionAccept, Staff: labFP}, nil))
	h.ok(h.build(d.labSub, &chain.AppraisalIssued{Commission: "a1", Contract: c1, Number: "A-1", DocumentSM3: diffDoc[:], BundleSM3: diffDoc[:],
		Examiners: []chain.Fingerprint{labFP}, Conclusion: chain.ConclusionIntact}, nil))
	last := uint64(len(h.l.leaves) - 1)

	b, err := assemble.Bundle(context.Background(), h.st, synthHeaders{w: d.world, st: h.st}, evidence.Subject{ContractID: c1})
	if err != nil {
		t.Fatal(err)
	}
	var idx []uint64
	for _, r := range b.Records {
		idx = append(idx, r.Index)
	}
	for _, i := range gov {
		if !slices.Contains(idx, i) {
			t.Fatalf("bundle records %v lack the registration's record %d (registration %v)", idx, i, gov)
		}
	}
	v, err := evidence.NewVerifier(mustTrust(t, d.genesis))
	if err != nil {
		t.Fatal(err)
	}
	res := v.Verify(b, nil)
	for _, c := range res.Checks {
		if !c.OK {
			t.Logf("%s: %s", c.Name, c.Detail)
		}
	}
	if !res.OK {
		t.Fatalf("the assembled bundle failed: %v", res.Failed())
	}
	t.Logf("bundle records %v verify; registration %v", idx, gov)

	// The same bundle without the registration.
	b.Records = slices.DeleteFunc(b.Records, func(r evidence.Record) bool { return slices.Contains(gov, r.Index) })
	res = v.Verify(b, nil)
	got := res.Failed()
	for _, want := range []string{recordCheck(commissioned, "contract"), recordCheck(last-1, "signatures"), recordCheck(last, "signatures")} {
		if !slices.Contains(got, want) {
			t.Errorf("without the registration: failed %v, want %s among them", got, want)
		}
	}
}

func mustTrust(t *testing.T, genesis []byte) *evidence.Trust {
	t.Helper()
	trust, err := evidence.ParseTrust(genesis)
	if err != nil {
		t.Fatal(err)
	}
	return trust
}

func recordCheck(i uint64, check string) string { return fmt.Sprintf("record[%d].%s", i, check) }
