package app

import (
	"bytes"
	"context"
	"strings"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/internal/fixture"
)

// TestRoleIntroducedByVersion: under rules version 2 a register_org
// proposal naming the appraisal role gets what a binary without the role
// answers, the answer it gives any role it does not know (code 5 at
// body.org.role; a batch carrying one is refused whole at
// records[i].body.org.role), in CheckTx, ProcessProposal (block rejected)
// and FinalizeBlock (app hash unchanged). From rules version 3 the
// proposal is accepted and the org registered with the role.
func TestRoleIntroducedByVersion(t *testing.T) {
	net := fixture.New(t, testChain, fixture.Role{ID: "court", Role: chain.RoleCourt})
	court := net.Orgs[0] // the only org: its proposals pass at once
	c := newUpgradeChainState(t, genesisRules(t, net, chain.BatchRulesVersion))
	ctx := context.Background()
	appraisalCA := fixture.New(t, testChain, fixture.Role{ID: "appraisal", Role: chain.RoleAppraisal}).Orgs[0].CA.Cert.Raw
	register := func(id string, role chain.Role) *chain.Proposal {
		return &chain.Proposal{ID: "reg-" + id, Kind: chain.ProposalRegisterOrg,
			Org: &chain.Org{ID: id, Name: "Demo Judicial Appraisal Institution", Role: role, CACert: appraisalCA, Weight: 1}}
	}
	appraisal := court.Tx(t, register("appraisal", chain.RoleAppraisal), nil)
	// A role no binary knows: the old binary's answer to "appraisal". No
	// builder makes one; decoding refuses it before any signature is read.
	judgeTx := &chain.Tx{Version: chain.TxVersion, ChainID: testChain, Nonce: 7, Body: register("judge", chain.Role("judge")),
		Envelope: chain.Envelope{Org: court.ID, Cert: court.Submitter.Cert, Sig: []byte{1}}}
	judge := judgeTx.Encode()
	batchOf := func(bodies ...chain.Body) []byte {
		t.Helper()
		var items []*chain.Tx
		for _, b := range bodies {
			it, err := court.Submitter.BuildItem(b, nil)
			if err != nil {
				t.Fatal(err)
			}
			items = append(items, it)
		}
		raw, err := court.Submitter.BuildBatch(items)
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	other := &chain.Proposal{ID: "val", Kind: chain.ProposalSetValidator, Validator: &chain.ValidatorChange{PubKey: make([]byte, 32), Power: 1, Org: "court"}}
	batch := batchOf(other, register("appraisal", chain.RoleAppraisal))
	otherItem, err := court.Submitter.BuildItem(other, nil)
	if err != nil {
		t.Fatal(err)
	}
	judgeItem := *judgeTx
	judgeItem.Envelope = chain.Envelope{}
	judgeBatch := rawBatch(testChain, [][]byte{otherItem.Item(), judgeItem.Item()}, court.ID, chain.FingerprintOf(court.Submitter.Cert), []byte{1})

	type answer struct {
		check, final uint32
		proposal     abci.ProcessProposalStatus
		field        string
	}
	fieldOf := func(log string) string {
		_, rest, ok := strings.Cut(log, "field ")
		if !ok {
			return ""
		}
		f, _, _ := strings.Cut(rest, ":")
		return f
	}
	// answers runs tx through CheckTx and ProcessProposal for the next
	// height and through FinalizeBlock there.
	answers := func(tx []byte) answer {
		t.Helper()
		cr, err := c.app.CheckTx(ctx, &abci.CheckTxRequest{Tx: tx})
		if err != nil {
			t.Fatal(err)
		}
		pr, err := c.app.ProcessProposal(ctx, &abci.ProcessProposalRequest{Txs: [][]byte{tx}, Height: int64(len(c.blocks)) + 1})
		if err != nil {
			t.Fatal(err)
		}
		prev := c.blocks[len(c.blocks)-1].hash
		r := c.block(tx)[0]
		if r.Code != CodeOK && !bytes.Equal(c.blocks[len(c.blocks)-1].hash, prev) {
			t.Errorf("a block of one refused tx changed the app hash")
		}
		if fc := fieldOf(cr.Log); fc != fieldOf(r.Log) {
			t.Errorf("CheckTx names field %q, FinalizeBlock %q", fc, fieldOf(r.Log))
		}
		return answer{check: cr.Code, final: r.Code, proposal: pr.Status, field: fieldOf(r.Log)}
	}

	c.block()
	for _, tc := range []struct {
		name      string
		tx, old   []byte
		wantField string
	}{
		{"register_org appraisal", appraisal, judge, "body.org.role"},
		{"batch with register_org appraisal", batch, judgeBatch, "records[1].body.org.role"},
	} {
		got, old := answers(tc.tx), answers(tc.old)
		want := answer{check: CodeInvalidField, final: CodeInvalidField, proposal: abci.PROCESS_PROPOSAL_STATUS_REJECT, field: tc.wantField}
		if old != want {
			t.Errorf("%s: an unknown role is answered %+v, want %+v", tc.name, old, want)
		}
		if got != old {
			t.Errorf("%s under version 2: answered %+v, a binary without the role %+v", tc.name, got, old)
		}
	}
	if _, ok, _ := c.app.store.View().Org("appraisal"); ok {
		t.Fatal("appraisal registered under version 2")
	}

	H := int64(len(c.blocks)) + 1 + chain.MinUpgradeDelay
	c.one("schedule version 3", court.Tx(t, upgradeProposal("up", chain.ProposalScheduleUpgrade, chain.CaseRulesVersion, H, "v3"), nil), CodeOK, "")
	for int64(len(c.blocks)) < H-1 {
		c.block()
	}
	if cr, err := c.app.CheckTx(ctx, &abci.CheckTxRequest{Tx: batch}); err != nil || cr.Code != CodeOK {
		t.Fatalf("batch with register_org appraisal under version 3: CheckTx %v %d %s", err, cr.GetCode(), cr.GetLog())
	}
	if a := answers(appraisal); a.check != CodeOK || a.proposal != abci.PROCESS_PROPOSAL_STATUS_ACCEPT || a.final != CodeOK {
		t.Fatalf("register_org appraisal under version 3: %+v", a)
	}
	if o, ok, err := c.app.store.View().Org("appraisal"); err != nil || !ok || o.Role != chain.RoleAppraisal {
		t.Fatalf("appraisal org after version 3: %+v %v %v", o, ok, err)
	}
	if a := answers(judge); a.check != CodeInvalidField || a.field != "body.org.role" {
		t.Fatalf("an unknown role under version 3: %+v", a)
	}
	if h, err := c.replayOn(newUpgradeApp(t, nil)); err != nil {
		t.Fatalf("replay stopped at %d: %v", h, err)
	}
}
