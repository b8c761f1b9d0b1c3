package app

import (
	"bytes"
	"context"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/internal/fixture"
	"github.com/sealchain/sealchain/signer"
)

var testAnchoring = &chain.GenesisAnchoring{Org: "court", Network: "court-net", Channel: "anchorchannel", Chaincode: "anchor"}

// anchorHarness is a chain with a platform and a court, the court anchoring,
// and three committed heights with records.
func anchorHarness(t *testing.T, g *chain.GenesisAnchoring) (*harness, *fixture.Net) {
	t.Helper()
	net := fixture.New(t, testChain, fixture.Role{ID: "platform", Role: chain.RolePlatform}, fixture.Role{ID: "court", Role: chain.RoleCourt})
	h := newHarness(t, net)
	h.app.anchoring = g
	p := net.Orgs[0]
	for range 3 {
		s := p.Signer(t, signer.AlgSM2, time.Time{})
		h.mustCommit(p.Tx(t, &chain.CertIssued{Cert: s.Cert}, nil))
	}
	return h, net
}

func anchoredAt(t *testing.T, h *harness, height int64) *chain.Anchored {
	t.Helper()
	cp, err := h.app.store.View().Checkpoint(height)
	if err != nil {
		t.Fatal(err)
	}
	return &chain.Anchored{ChainID: testChain, Height: uint64(height), AppHash: cp.AppHash, LogSize: cp.LogSize, LogRoot: cp.LogRoot,
		Network: "court-net", Channel: "anchorchannel", Chaincode: "anchor", TxID: "f00d", Block: 7, AnchoredAt: 1}
}

func TestAnchoredRules(t *testing.T) {
	flip := func(b []byte) []byte { c := bytes.Clone(b); c[0] ^= 1; return c }
	tests := []struct {
		name    string
		genesis *chain.GenesisAnchoring
		org     int // 0 platform, 1 court
		mod     func(*chain.Anchored)
		want    uint32
		field   string
	}{
		{name: "accepted", genesis: testAnchoring, org: 1, want: CodeOK},
		{name: "no anchoring in genesis", genesis: nil, org: 1, want: CodeAnchorDisabled, field: "type"},
		{name: "not the anchoring org", genesis: testAnchoring, org: 0, want: CodeAnchorOrg, field: "envelope.org"},
		{name: "other channel", genesis: testAnchoring, org: 1, mod: func(a *chain.Anchored) { a.Channel = "other" }, want: CodeAnchorReceipt, field: "body.channel"},
		{name: "other network", genesis: testAnchoring, org: 1, mod: func(a *chain.Anchored) { a.Network = "x" }, want: CodeAnchorReceipt, field: "body.network"},
		{name: "other chaincode", genesis: testAnchoring, org: 1, mod: func(a *chain.Anchored) { a.Chaincode = "x" }, want: CodeAnchorReceipt, field: "body.chaincode"},
		{name: "other chain", genesis: testAnchoring, org: 1, mod: func(a *chain.Anchored) { a.ChainID = "other-chain" }, want: CodeAnchorMismatch, field: "body.chain_id"},
		{name: "future height", genesis: testAnchoring, org: 1, mod: func(a *chain.Anchored) { a.Height = 99 }, want: CodeAnchorMismatch, field: "body.height"},
		{name: "app hash differs", genesis: testAnchoring, org: 1, mod: func(a *chain.Anchored) { a.AppHash = flip(a.AppHash) }, want: CodeAnchorMismatch, field: "body.app_hash"},
		{name: "log size differs", genesis: testAnchoring, org: 1, mod: func(a *chain.Anchored) { a.LogSize++ }, want: CodeAnchorMismatch, field: "body.log_size"},
		{name: "log root differs", genesis: testAnchoring, org: 1, mod: func(a *chain.Anchored) { a.LogRoot = flip(a.LogRoot) }, want: CodeAnchorMismatch, field: "body.log_root"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, net := anchorHarness(t, tc.genesis)
			body := anchoredAt(t, h, 2)
			if tc.mod != nil {
				tc.mod(body)
			}
			res, _ := h.block(net.Orgs[tc.org].Tx(t, body, nil))
			if tc.want == CodeOK {
				if res[0].Code != CodeOK {
					t.Fatalf("code %d: %s", res[0].Code, res[0].Log)
				}
				return
			}
			checkRejection(t, tc.name, res[0].Code, res[0].Codespace, res[0].Log, tc.want, tc.field)
		})
	}
}

// Anchored heights only go up, like the chaincode's: the same or an older
// checkpoint is refused once a newer one is recorded.
func TestAnchoredAppendOnly(t *testing.T) {
	h, net := anchorHarness(t, testAnchoring)
	court := net.Orgs[1]
	h.mustCommit(court.Tx(t, anchoredAt(t, h, 2), nil))
	for _, height := range []int64{2, 1} {
		res, _ := h.block(court.Tx(t, anchoredAt(t, h, height), nil))
		checkRejection(t, "re-anchor", res[0].Code, res[0].Codespace, res[0].Log, CodeAnchorOrder, "body.height")
	}
	h.mustCommit(court.Tx(t, anchoredAt(t, h, 3), nil))
	view := h.app.store.View()
	latest, err := view.LatestAnchor()
	if err != nil || latest != 3 {
		t.Fatalf("LatestAnchor = %d, %v; want 3", latest, err)
	}
	got, err := view.Anchors(0, 0)
	if err != nil || len(got) != 2 || got[0].Height != 2 || got[1].Height != 3 {
		t.Fatalf("Anchors = %+v, %v", got, err)
	}
	// Record 0 is in the checkpoint at height 2 (log size 2): covered by it.
	cp2, _ := view.Checkpoint(2)
	cov, ok, err := view.AnchorCovering(cp2.LogSize - 1)
	if err != nil || !ok || cov.Height != 2 {
		t.Fatalf("AnchorCovering(%d) = %+v, %v, %v", cp2.LogSize-1, cov, ok, err)
	}
	if _, ok, _ := view.AnchorCovering(1000); ok {
		t.Fatal("AnchorCovering beyond the log found an anchor")
	}
	// CheckTx does not run the anchoring rules (they need block state), but
	// the replay guard and signatures apply as for any record.
	res, err := h.app.CheckTx(context.Background(), &abci.CheckTxRequest{Tx: court.Tx(t, anchoredAt(t, h, 4), nil)})
	if err != nil || res.Code != CodeOK {
		t.Fatalf("CheckTx: %v %+v", err, res)
	}
}
