package app

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/store"
)

func filed(id string, kind chain.CaseKind, inst string) *chain.CaseFiled {
	return &chain.CaseFiled{Case: id, Kind: kind, Institution: inst, Contracts: []string{"c-1"}, PackageSM3: hashOf(0x80), PackageSize: 1000, Batch: "b-1"}
}

// filingBlocks: a batch of 20 litigation filings, standalone steps, and
// refusals.
func (c *caseNet) filingBlocks(t *testing.T) [][][]byte {
	p, court := c.platform, c.court
	var bodies []chain.Body
	for i := range 20 {
		bodies = append(bodies, filed(fmt.Sprintf("f-%02d", i), chain.CaseLitigation, "court"))
	}
	return [][][]byte{
		{batch(t, p, bodies...)},
		{court.Tx(t, &chain.CaseDocketed{Case: "f-00", Contract: "c-1", Decision: chain.DecisionAccept, Staff: fp(court), Docket: "(2026)京0491民初1号"}, nil),
			court.Tx(t, &chain.CaseDocketed{Case: "f-01", Contract: "c-1", Decision: chain.DecisionReject, Reason: "诉讼请求不明确", Staff: fp(court)}, nil),
			p.Tx(t, &chain.CaseFilingWithdrawn{Case: "f-02", Contract: "c-1", ReasonSM3: hashOf(0x81)}, nil),
			p.Tx(t, filed("f-00", chain.CaseLitigation, "court"), nil),     // refused: case exists
			p.Tx(t, filed("x-1", chain.CaseArbitration, "court"), nil),     // refused: not an arbitration commission
			court.Tx(t, filed("x-2", chain.CaseLitigation, "court"), nil)}, // refused: not the court's contract
	}
}

// TestFilingFlow: filed cases through FinalizeBlock on rules version 4, in
// a batch and standalone; the case index lists them; under rules version 3
// case_filed is an unknown type, as a binary without it answers.
func TestFilingFlow(t *testing.T) {
	c := newCaseNet(t)
	hs := newHarnessGenesis(t, genesisRules(t, c.net, chain.RulesVersion4))
	for _, b := range c.setup {
		hs.mustCommit(b...)
	}
	blocks := c.filingBlocks(t)
	res, _ := hs.block(blocks[0]...)
	if res[0].Code != 0 {
		t.Fatalf("batch: code %d %s", res[0].Code, res[0].Log)
	}
	for i, r := range batchResults(t, res[0]) {
		if r.Code != 0 {
			t.Fatalf("batch record %d: code %d", i, r.Code)
		}
	}
	res, _ = hs.block(blocks[1]...)
	want := []uint32{0, 0, 0, chain.CodeCaseExists, chain.CodeNotInstitution, chain.CodePermission}
	for i, r := range res {
		if r.Code != want[i] {
			t.Errorf("tx %d: code %d (%s), want %d", i, r.Code, r.Log, want[i])
		}
	}
	view := hs.app.store.View()
	for id, st := range map[string]chain.CaseStatus{"f-00": chain.CaseAccepted, "f-01": chain.CaseRejected, "f-02": chain.CaseWithdrawn, "f-03": chain.CasePending} {
		cs, ok, err := view.Case(id)
		if err != nil || !ok || cs.Status != st || cs.Kind != chain.CaseLitigation || !bytes.Equal(cs.PackageSM3, hashOf(0x80)) {
			t.Errorf("case %s: %+v %v %v, want %s", id, cs, ok, err, st)
		}
	}
	page, err := view.ListCases(store.CaseFilter{Org: "court", Status: chain.CasePending, Limit: 100})
	if err != nil || len(page.Cases) != 17 || page.Cases[0].ID != "f-19" {
		t.Fatalf("court's pending: %d cases, %v", len(page.Cases), err)
	}
	page, err = view.ListCases(store.CaseFilter{Role: store.CasesByApplicant, Org: "platform", Kind: chain.CaseLitigation})
	if err != nil || len(page.Cases) != 20 {
		t.Fatalf("platform's filed: %d cases, %v", len(page.Cases), err)
	}

	// Rules version 3: refused as unknown, like an older binary.
	old := newHarnessGenesis(t, genesisRules(t, c.net, chain.CaseRulesVersion))
	for _, b := range c.setup {
		old.mustCommit(b...)
	}
	res, _ = old.block(c.platform.Tx(t, filed("f-1", chain.CaseLitigation, "court"), nil))
	if res[0].Code != chain.CodeUnknownType {
		t.Fatalf("case_filed under rules version 3: code %d, want %d", res[0].Code, chain.CodeUnknownType)
	}
}

// TestFilingDeterminism: two apps fed the same filing blocks compute the
// same app hashes and results.
func TestFilingDeterminism(t *testing.T) {
	c := newCaseNet(t)
	g := genesisRules(t, c.net, chain.RulesVersion4)
	one, two := newHarnessGenesis(t, g), newHarnessGenesis(t, g)
	for i, txs := range append(c.setup, c.filingBlocks(t)...) {
		r1, h1 := one.block(txs...)
		r2, h2 := two.block(txs...)
		if !bytes.Equal(h1, h2) {
			t.Fatalf("block %d: app hashes differ: %X vs %X", i+1, h1, h2)
		}
		for j := range r1 {
			if r1[j].Code != r2[j].Code || !bytes.Equal(r1[j].Data, r2[j].Data) {
				t.Fatalf("block %d tx %d: results differ", i+1, j)
			}
		}
	}
}
