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

// TestTypeIntroducedByVersion: a record type that a later rules version
// introduces is answered, until that version is in force, exactly as a
// binary without the type answers an unknown type number: CheckTx refuses
// it (CodeUnknownType), ProcessProposal rejects a block carrying it, and
// FinalizeBlock gives it CodeUnknownType and leaves the app hash as it was.
// From the activation height it is an ordinary record. query_logged stands
// in for the new type (withTypeSince), so no test-only type enters the
// registry.
func TestTypeIntroducedByVersion(t *testing.T) {
	net := fixture.New(t, testChain, fixture.Role{ID: "court", Role: chain.RoleCourt})
	court := net.Orgs[0] // the only org: its proposals pass at once
	opts := []Option{withRules(testRulesV3()), withTypeSince(chain.TypeQueryLogged, 3)}
	c := newUpgradeChain(t, net, opts...)
	ctx := context.Background()

	query := court.Tx(t, &chain.QueryLogged{CallerOrg: "court", CallerCert: chain.FingerprintOf(court.Submitter.Cert),
		Subject: chain.QueryContract, QuerySM3: make([]byte, 32), At: fixture.Epoch.UnixMilli()}, nil)
	unknown := rawTx(1, testChain, 99, nil)
	// A binary without the type never reads its body: a malformed one gets
	// the unknown-type answer too.
	malformed := rawTx(1, testChain, uint64(chain.TypeQueryLogged), []byte{0xff})

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
	for _, tc := range []struct {
		name string
		tx   []byte
	}{{"type 99 (unknown to every binary)", unknown}, {"query_logged before version 3", query}, {"malformed query_logged before version 3", malformed}} {
		check, proposal := answers(tc.tx, 2)
		if check != CodeUnknownType || proposal != abci.PROCESS_PROPOSAL_STATUS_REJECT {
			t.Errorf("%s: CheckTx code %d, ProcessProposal %s; want %d and REJECT", tc.name, check, proposal, CodeUnknownType)
		}
	}
	prev := c.blocks[len(c.blocks)-1].hash
	res := c.block(unknown, query, malformed)
	for i, r := range res {
		if r.Code != CodeUnknownType {
			t.Errorf("FinalizeBlock tx %d: code %d (%s), want %d", i, r.Code, r.Log, CodeUnknownType)
		}
	}
	if got := c.blocks[len(c.blocks)-1].hash; !bytes.Equal(got, prev) {
		t.Errorf("a block of refused txs changed the app hash: %X, before %X", got, prev)
	}

	const H = 3 + chain.MinUpgradeDelay // decided in block 3
	c.one("schedule version 3", court.Tx(t, upgradeProposal("up", chain.ProposalScheduleUpgrade, 3, H, "v3"), nil), CodeOK, "")
	for int64(len(c.blocks)) < H-2 {
		c.block()
	}
	c.one("query_logged at H-1, version 1", query, CodeUnknownType, "type")
	// CheckTx now admits for height H, where version 3 is in force.
	if check, proposal := answers(query, H); check != CodeOK || proposal != abci.PROCESS_PROPOSAL_STATUS_ACCEPT {
		t.Fatalf("query_logged for height %d: CheckTx code %d, ProcessProposal %s; want OK and ACCEPT", H, check, proposal)
	}
	if check, _ := answers(unknown, H); check != CodeUnknownType {
		t.Fatalf("type 99 at version 3: CheckTx code %d", check)
	}
	if check, _ := answers(malformed, H); check == CodeUnknownType || check == CodeOK {
		t.Fatalf("malformed query_logged at version 3: CheckTx code %d, want a decoding error", check)
	}
	c.one("query_logged at H, version 3", query, CodeOK, "")

	if h, err := c.replayOn(newUpgradeApp(t, nil, opts...)); err != nil {
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
