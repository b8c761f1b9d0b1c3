package app

import (
	"bytes"
	"context"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/internal/fixture"
)

// caseBodies are one well-formed record of each case type (21-28), naming
// contract c-1 and staff certificate fp: enough to pass decoding; the state
// rules refuse them without a contract.
func caseBodies(fp chain.Fingerprint) []chain.Body {
	h := func(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }
	return []chain.Body{
		&chain.NotarizationApplied{Application: "n-1", Contract: "c-1", NotaryOrg: "notary", Scope: chain.ScopeContract, Purpose: chain.PurposeLitigation},
		&chain.NotarizationWithdrawn{Application: "n-1", Contract: "c-1", ReasonSM3: h(1)},
		&chain.NotarizationDecided{Application: "n-1", Contract: "c-1", Decision: chain.DecisionAccept, Staff: fp},
		&chain.NotarizationIssued{Application: "n-1", Contract: "c-1", Number: "N-1", DocumentSM3: h(2), BundleSM3: h(3), Notary: fp},
		&chain.AppraisalCommissioned{Commission: "a-1", Contract: "c-1", AppraisalOrg: "appraisal", Items: chain.ItemBundle, MattersSM3: h(4), Judge: fp},
		&chain.AppraisalWithdrawn{Commission: "a-1", Contract: "c-1", ReasonSM3: h(5)},
		&chain.AppraisalDecided{Commission: "a-1", Contract: "c-1", Decision: chain.DecisionReject, Reason: "材料不全", Staff: fp},
		&chain.AppraisalIssued{Commission: "a-1", Contract: "c-1", Number: "A-1", DocumentSM3: h(6), BundleSM3: h(7), Examiners: []chain.Fingerprint{fp}, Conclusion: chain.ConclusionIntact},
	}
}

// TestTypeIntroducedByVersion: a record type that a later rules version
// introduces is answered, until that version is in force, exactly as a
// binary without the type answers an unknown type number: CheckTx refuses
// it (CodeUnknownType), ProcessProposal rejects a block carrying it, and
// FinalizeBlock gives it CodeUnknownType and leaves the app hash as it was.
// From the activation height it is an ordinary record. The case types
// 21-28 of rules version 3 are the production instance: a chain at version
// 2 upgrades to 3.
func TestTypeIntroducedByVersion(t *testing.T) {
	net := fixture.New(t, testChain, fixture.Role{ID: "court", Role: chain.RoleCourt})
	court := net.Orgs[0] // the only org: its proposals pass at once
	c := newUpgradeChainState(t, genesisRules(t, net, chain.BatchRulesVersion))
	ctx := context.Background()

	fp := chain.FingerprintOf(court.Submitter.Cert)
	var cases [][]byte
	var names []string
	for _, b := range caseBodies(fp) {
		if since, _ := b.Type().Since(); since != chain.CaseRulesVersion {
			t.Fatalf("%s comes with rules version %d, want %d", b.Type(), since, chain.CaseRulesVersion)
		}
		cases = append(cases, court.Tx(t, b, nil))
		names = append(names, b.Type().String())
	}
	unknown := rawTx(1, testChain, 99, nil)
	// A binary without the type never reads its body: a malformed one gets
	// the unknown-type answer too.
	malformed := rawTx(1, testChain, uint64(chain.TypeNotarizationApplied), []byte{0xff})

	answers := func(tx []byte, height int64) (check uint32, proposal abci.ProcessProposalStatus) {
		t.Helper()
		cr, err := c.app.CheckTx(ctx, &abci.CheckTxRequest{Tx: tx})
		if err != nil {
			t.Fatal(err)
		}
		pr, err := c.app.ProcessProposal(ctx, &abci.ProcessProposalRequest{Txs: [][]byte{tx}, Height: height})
		if err != nil {
			t.Fatal(err)
		}
		return cr.Code, pr.Status
	}

	c.block()
	all := append([][]byte{unknown, malformed}, cases...)
	allNames := append([]string{"type 99 (unknown to every binary)", "malformed notarization_applied"}, names...)
	for i, tx := range all {
		check, proposal := answers(tx, 2)
		if check != CodeUnknownType || proposal != abci.PROCESS_PROPOSAL_STATUS_REJECT {
			t.Errorf("%s under version 2: CheckTx code %d, ProcessProposal %s; want %d and REJECT", allNames[i], check, proposal, CodeUnknownType)
		}
	}
	prev := c.blocks[len(c.blocks)-1].hash
	res := c.block(all...)
	for i, r := range res {
		if r.Code != CodeUnknownType {
			t.Errorf("FinalizeBlock %s under version 2: code %d (%s), want %d", allNames[i], r.Code, r.Log, CodeUnknownType)
		}
	}
	if got := c.blocks[len(c.blocks)-1].hash; !bytes.Equal(got, prev) {
		t.Errorf("a block of refused txs changed the app hash: %X, before %X", got, prev)
	}

	const H = 3 + chain.MinUpgradeDelay // decided in block 3
	c.one("schedule version 3", court.Tx(t, upgradeProposal("up", chain.ProposalScheduleUpgrade, chain.CaseRulesVersion, H, "v3"), nil), CodeOK, "")
	for int64(len(c.blocks)) < H-2 {
		c.block()
	}
	c.one("notarization_applied at H-1, version 2", cases[0], CodeUnknownType, "type")
	// CheckTx now admits for height H, where version 3 is in force.
	for i, tx := range cases {
		if check, proposal := answers(tx, H); check != CodeOK || proposal != abci.PROCESS_PROPOSAL_STATUS_ACCEPT {
			t.Errorf("%s for height %d: CheckTx code %d, ProcessProposal %s; want OK and ACCEPT", names[i], H, check, proposal)
		}
	}
	if check, _ := answers(unknown, H); check != CodeUnknownType {
		t.Fatalf("type 99 at version 3: CheckTx code %d", check)
	}
	if check, _ := answers(malformed, H); check == CodeUnknownType || check == CodeOK {
		t.Fatalf("malformed notarization_applied at version 3: CheckTx code %d, want a decoding error", check)
	}
	// At H the records reach their rules: without a contract, the
	// application finds none and every later step no case.
	res = c.block(cases...)
	for i, r := range res {
		want := uint32(CodeUnknownCase)
		if i == 0 || i == 4 {
			want = CodeUnknownContract
		}
		if r.Code != want {
			t.Errorf("FinalizeBlock %s at version 3: code %d (%s), want %d", names[i], r.Code, r.Log, want)
		}
	}

	if h, err := c.replayOn(newUpgradeApp(t, nil)); err != nil {
		t.Fatalf("replay stopped at %d: %v", h, err)
	}
}

// rawTx is a tx of record type typ with body, unsigned: enough to reach the
// record type check.
func rawTx(version uint32, chainID string, typ uint64, body []byte) []byte {
	var b []byte
	b = protowire.AppendTag(b, 1, protowire.VarintType)
	b = protowire.AppendVarint(b, uint64(version))
	b = protowire.AppendTag(b, 2, protowire.BytesType)
	b = protowire.AppendString(b, chainID)
	b = protowire.AppendTag(b, 3, protowire.VarintType)
	b = protowire.AppendVarint(b, 7)
	b = protowire.AppendTag(b, 4, protowire.VarintType)
	b = protowire.AppendVarint(b, typ)
	b = protowire.AppendTag(b, 5, protowire.BytesType)
	b = protowire.AppendBytes(b, body)
	return b
}
