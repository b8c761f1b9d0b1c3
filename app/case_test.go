package app

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/internal/fixture"
	"github.com/sealchain/sealchain/signer"
)

// caseNet is a rules-version-3 chain with a platform, a court, a notary
// office and an appraisal institution, and a signed contract c-1 of the
// platform. Staff act through their org's genesis credential (the notary's
// and the appraisal institution's submitters) or a registered certificate
// (a second examiner).
type caseNet struct {
	net                                *fixture.Net
	platform, court, notary, appraisal *fixture.Org
	examiner2                          *fixture.Signer
	// setup are the blocks that build the world, for another app.
	setup [][][]byte
}

func newCaseNet(t *testing.T) *caseNet {
	t.Helper()
	net := fixture.New(t, testChain, fixture.Role{ID: "platform", Role: chain.RolePlatform}, fixture.Role{ID: "court", Role: chain.RoleCourt},
		fixture.Role{ID: "notary", Role: chain.RoleNotary}, fixture.Role{ID: "appraisal", Role: chain.RoleAppraisal})
	c := &caseNet{net: net, platform: net.Orgs[0], court: net.Orgs[1], notary: net.Orgs[2], appraisal: net.Orgs[3]}
	p := c.platform
	alice, bob := p.Signer(t, signer.AlgSM2, time.Time{}), p.Signer(t, signer.AlgECDSAP256, time.Time{})
	c.examiner2 = c.appraisal.Signer(t, signer.AlgSM2, time.Time{})
	k := fixture.Contract("c-1", "the contract", chain.OrderParallel, alice, bob)
	c.setup = [][][]byte{
		{p.Tx(t, &chain.CertIssued{Cert: alice.Cert}, nil), p.Tx(t, &chain.CertIssued{Cert: bob.Cert}, nil),
			c.appraisal.Tx(t, &chain.CertIssued{Cert: c.examiner2.Cert}, nil)},
		{p.Tx(t, k, nil)},
		{p.Tx(t, p.Intent(t, "c-1", alice), alice), p.Tx(t, p.Intent(t, "c-1", bob), bob),
			p.Tx(t, &chain.ContractSigned{Contract: "c-1", DocSM3: k.DocSM3}, alice), p.Tx(t, &chain.ContractSigned{Contract: "c-1", DocSM3: k.DocSM3}, bob)},
		{p.Tx(t, &chain.ContractCompleted{Contract: "c-1"}, nil)},
	}
	return c
}

func (c *caseNet) genesis(t *testing.T) []byte { return genesisRules(t, c.net, chain.CaseRulesVersion) }

// fp is an org's genesis credential: the staff member acting through it.
func fp(o *fixture.Org) chain.Fingerprint { return chain.FingerprintOf(o.Submitter.Cert) }

// batch signs bodies as one batch of o.
func batch(t *testing.T, o *fixture.Org, bodies ...chain.Body) []byte {
	t.Helper()
	var items []*chain.Tx
	for _, b := range bodies {
		it, err := o.Submitter.BuildItem(b, nil)
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, it)
	}
	raw, err := o.Submitter.BuildBatch(items)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func hashOf(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }

// caseBlocks are blocks of case records after the setup: standalone and
// batched, accepted and refused.
func (c *caseNet) caseBlocks(t *testing.T) [][][]byte {
	p, court, notary, ap := c.platform, c.court, c.notary, c.appraisal
	apply := func(id string) []byte {
		return p.Tx(t, &chain.NotarizationApplied{Application: id, Contract: "c-1", NotaryOrg: "notary", Scope: chain.ScopeContract | chain.ScopeTimeline,
			Purpose: chain.PurposeLitigation}, nil)
	}
	nIssue := func(id string) *chain.NotarizationIssued {
		return &chain.NotarizationIssued{Application: id, Contract: "c-1", Number: "N-" + id, DocumentSM3: hashOf(0x51), BundleSM3: hashOf(0x52), Notary: fp(notary)}
	}
	commission := func(id string) *chain.AppraisalCommissioned {
		return &chain.AppraisalCommissioned{Commission: id, Contract: "c-1", AppraisalOrg: "appraisal", Items: chain.ItemBundle | chain.ItemPDFSignature,
			MattersSM3: hashOf(0x61), Judge: fp(court)}
	}
	return [][][]byte{
		// Standalone: n-1 applied, accepted, issued; n-2 rejected; n-3 withdrawn.
		{apply("n-1"), apply("n-2"), apply("n-3")},
		{notary.Tx(t, &chain.NotarizationDecided{Application: "n-1", Contract: "c-1", Decision: chain.DecisionAccept, Staff: fp(notary)}, nil),
			notary.Tx(t, &chain.NotarizationDecided{Application: "n-2", Contract: "c-1", Decision: chain.DecisionReject, Reason: "申请材料不全", Staff: fp(notary)}, nil),
			p.Tx(t, &chain.NotarizationWithdrawn{Application: "n-3", Contract: "c-1", ReasonSM3: hashOf(0x41)}, nil)},
		{notary.Tx(t, nIssue("n-1"), nil),
			notary.Tx(t, nIssue("n-2"), nil), // refused: rejected
			court.Tx(t, commission("a-1"), nil)},
		{ap.Tx(t, &chain.AppraisalDecided{Commission: "a-1", Contract: "c-1", Decision: chain.DecisionAccept, Staff: fp(ap)}, nil)},
		{ap.Tx(t, &chain.AppraisalIssued{Commission: "a-1", Contract: "c-1", Number: "A-1", DocumentSM3: hashOf(0x71), BundleSM3: hashOf(0x72),
			Examiners: []chain.Fingerprint{fp(ap), c.examiner2.FP}, Conclusion: chain.ConclusionIntact}, nil)},
		// Batched: a whole notarisation in the notary's batch after the
		// application; a commission and its withdrawal in the court's.
		{apply("n-4"), batch(t, court, commission("a-2"), &chain.AppraisalWithdrawn{Commission: "a-2", Contract: "c-1", ReasonSM3: hashOf(0x42)})},
		{batch(t, notary, &chain.NotarizationDecided{Application: "n-4", Contract: "c-1", Decision: chain.DecisionAccept, Staff: fp(notary)}, nIssue("n-4"),
			nIssue("n-4"))}, // the second issue is refused: already issued
	}
}

// TestCaseFlow: cases through FinalizeBlock, standalone and batched, and
// the state in store.View.Case and Cases.
func TestCaseFlow(t *testing.T) {
	c := newCaseNet(t)
	hs := newHarnessGenesis(t, c.genesis(t))
	for _, b := range c.setup {
		hs.mustCommit(b...)
	}
	blocks := c.caseBlocks(t)
	want := [][]uint32{{0, 0, 0}, {0, 0, 0}, {0, CodeCaseStatus, 0}, {0}, {0}, {0, 0}, {0}}
	var results [][]*abci.ExecTxResult
	for i, txs := range blocks {
		res, _ := hs.block(txs...)
		for j, r := range res {
			if r.Code != want[i][j] {
				t.Fatalf("block %d tx %d: code %d (%s), want %d", i, j, r.Code, r.Log, want[i][j])
			}
		}
		results = append(results, res)
	}
	// The batches: every record of the court's holds; in the notary's the
	// second issue is refused, the others hold.
	for _, b := range []struct {
		res   *abci.ExecTxResult
		codes []uint32
	}{{results[5][1], []uint32{0, 0}}, {results[6][0], []uint32{0, 0, CodeCaseStatus}}} {
		rs := batchResults(t, b.res)
		if len(rs) != len(b.codes) {
			t.Fatalf("batch results %+v", rs)
		}
		for i, r := range rs {
			if r.Code != b.codes[i] {
				t.Errorf("batch record %d: code %d, want %d", i, r.Code, b.codes[i])
			}
		}
	}
	view := hs.app.store.View()
	get := func(id string) *chain.CaseState {
		t.Helper()
		cs, ok, err := view.Case(id)
		if err != nil || !ok {
			t.Fatalf("case %s: %v %v", id, ok, err)
		}
		return cs
	}
	for _, w := range []struct {
		id          string
		kind        chain.CaseKind
		applicant   string
		institution string
		status      chain.CaseStatus
		number      string
	}{
		{"a-1", chain.CaseAppraisal, "court", "appraisal", chain.CaseIssued, "A-1"},
		{"a-2", chain.CaseAppraisal, "court", "appraisal", chain.CaseWithdrawn, ""},
		{"n-1", chain.CaseNotarization, "platform", "notary", chain.CaseIssued, "N-n-1"},
		{"n-2", chain.CaseNotarization, "platform", "notary", chain.CaseRejected, ""},
		{"n-3", chain.CaseNotarization, "platform", "notary", chain.CaseWithdrawn, ""},
		{"n-4", chain.CaseNotarization, "platform", "notary", chain.CaseIssued, "N-n-4"},
	} {
		cs := get(w.id)
		if cs.Kind != w.kind || cs.Contract != "c-1" || cs.Applicant != w.applicant || cs.Institution != w.institution || cs.Status != w.status || cs.Number != w.number {
			t.Errorf("case %s: %+v", w.id, cs)
		}
		if (w.status == chain.CaseIssued) != (len(cs.DocumentSM3) == 32) {
			t.Errorf("case %s: document_sm3 %x", w.id, cs.DocumentSM3)
		}
		closed := w.status != chain.CasePending && w.status != chain.CaseAccepted
		if closed != (cs.ClosedIn > cs.OpenedIn) || (w.status != chain.CaseWithdrawn && w.status != chain.CasePending) != (cs.DecidedIn > cs.OpenedIn) {
			t.Errorf("case %s: opened %d decided %d closed %d", w.id, cs.OpenedIn, cs.DecidedIn, cs.ClosedIn)
		}
		// opened_in is the application's log index.
		leaf, err := view.Entry(cs.OpenedIn)
		if err != nil {
			t.Fatal(err)
		}
		en, err := chain.DecodeEntry(leaf)
		if err != nil {
			t.Fatal(err)
		}
		tx, err := chain.DecodeRecord(en.Tx)
		if err != nil {
			t.Fatal(err)
		}
		if typ := tx.Body.Type(); typ != chain.TypeNotarizationApplied && typ != chain.TypeAppraisalCommissioned {
			t.Errorf("case %s: opened_in %d is a %s", w.id, cs.OpenedIn, typ)
		}
	}
	var ids []string
	if err := view.Cases(func(cs *chain.CaseState) bool { ids = append(ids, cs.ID); return true }); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(ids, ","); got != "a-1,a-2,n-1,n-2,n-3,n-4" {
		t.Errorf("Cases scanned %v", ids)
	}
	ids = ids[:0]
	if err := view.Cases(func(cs *chain.CaseState) bool { ids = append(ids, cs.ID); return len(ids) < 2 }); err != nil || len(ids) != 2 {
		t.Errorf("Cases did not stop when fn returned false: %v %v", ids, err)
	}
}

// TestCaseDeterminism: two apps fed the same blocks of case records
// compute the same app hashes and results, and hold the same cases.
func TestCaseDeterminism(t *testing.T) {
	c := newCaseNet(t)
	one, two := newHarnessGenesis(t, c.genesis(t)), newHarnessGenesis(t, c.genesis(t))
	for i, txs := range append(c.setup, c.caseBlocks(t)...) {
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
	cases := func(h *harness) (out [][]byte) {
		t.Helper()
		if err := h.app.store.View().Cases(func(cs *chain.CaseState) bool { out = append(out, chain.EncodeState(cs)); return true }); err != nil {
			t.Fatal(err)
		}
		return out
	}
	c1, c2 := cases(one), cases(two)
	if len(c1) != 6 || len(c1) != len(c2) {
		t.Fatalf("cases: %d and %d, want 6", len(c1), len(c2))
	}
	for i := range c1 {
		if !bytes.Equal(c1[i], c2[i]) {
			t.Errorf("case %d differs", i)
		}
	}
}

// TestCaseNumberDeterminism: an institution's document numbers through
// FinalizeBlock. From rules version 4 a repeated number is refused
// (CodeDuplicateNumber), standalone and inside a batch, alike by two apps
// fed the same blocks (equal app hashes and results), and the numbers are
// registered; under rules version 3 the same blocks accept the repeated
// number and register nothing, as blocks made under 3 replay.
func TestCaseNumberDeterminism(t *testing.T) {
	c := newCaseNet(t)
	p, notary := c.platform, c.notary
	apply := func(id string) []byte {
		return p.Tx(t, &chain.NotarizationApplied{Application: id, Contract: "c-1", NotaryOrg: "notary", Scope: chain.ScopeContract,
			Purpose: chain.PurposeLitigation}, nil)
	}
	accept := func(id string) []byte {
		return notary.Tx(t, &chain.NotarizationDecided{Application: id, Contract: "c-1", Decision: chain.DecisionAccept, Staff: fp(notary)}, nil)
	}
	issue := func(id, number string) *chain.NotarizationIssued {
		return &chain.NotarizationIssued{Application: id, Contract: "c-1", Number: number, DocumentSM3: hashOf(0x51), BundleSM3: hashOf(0x52), Notary: fp(notary)}
	}
	const dup, status = CodeDuplicateNumber, CodeCaseStatus
	blocks := [][][]byte{
		{apply("n-1"), apply("n-2"), apply("n-3"), apply("n-4")},
		{accept("n-1"), accept("n-2"), accept("n-3"), accept("n-4")},
		{notary.Tx(t, issue("n-1", "N-1"), nil), notary.Tx(t, issue("n-2", "N-1"), nil)},
		{batch(t, notary, issue("n-3", "N-2"), issue("n-4", "N-2"))},
		{notary.Tx(t, issue("n-2", "N-3"), nil), notary.Tx(t, issue("n-4", "N-2"), nil)},
	}
	// Codes per block, the batch's by item; then the registered numbers.
	for _, v := range []struct {
		version uint32
		codes   [][]uint32
		numbers map[string]string // number → case
	}{
		{chain.RulesVersion4, [][]uint32{{0, 0, 0, 0}, {0, 0, 0, 0}, {0, dup}, {0, dup}, {0, dup}},
			map[string]string{"N-1": "n-1", "N-2": "n-3", "N-3": "n-2"}},
		{chain.CaseRulesVersion, [][]uint32{{0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0}, {0, 0}, {status, status}}, nil},
	} {
		t.Run(fmt.Sprintf("rules %d", v.version), func(t *testing.T) {
			gen := genesisRules(t, c.net, v.version)
			one, two := newHarnessGenesis(t, gen), newHarnessGenesis(t, gen)
			for _, b := range c.setup {
				one.mustCommit(b...)
				two.mustCommit(b...)
			}
			for i, txs := range blocks {
				r1, h1 := one.block(txs...)
				r2, h2 := two.block(txs...)
				if !bytes.Equal(h1, h2) {
					t.Fatalf("block %d: app hashes differ: %X vs %X", i, h1, h2)
				}
				var codes []uint32
				for j := range r1 {
					if r1[j].Code != r2[j].Code || !bytes.Equal(r1[j].Data, r2[j].Data) || r1[j].Log != r2[j].Log {
						t.Fatalf("block %d tx %d: results differ", i, j)
					}
					codes = append(codes, r1[j].Code)
				}
				if i == 3 {
					codes = codes[:0]
					for _, r := range batchResults(t, r1[0]) {
						codes = append(codes, r.Code)
					}
				}
				if !slices.Equal(codes, v.codes[i]) {
					t.Errorf("block %d: codes %v, want %v", i, codes, v.codes[i])
				}
			}
			view := one.app.store.View()
			for _, number := range []string{"N-1", "N-2", "N-3"} {
				n, ok, err := view.IssuedNumber("notary", number)
				if err != nil {
					t.Fatal(err)
				}
				if want, reg := v.numbers[number]; ok != reg || ok && n.Case != want {
					t.Errorf("number %s: registered %v (case %q), want %v (case %q)", number, ok, n.Case, reg, want)
				}
			}
		})
	}
}
