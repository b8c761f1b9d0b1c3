package node

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/sealchain/sealchain/anchor"
	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/config"
	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/internal/nodetest"
	"github.com/sealchain/sealchain/node/anchoring"
	"github.com/sealchain/sealchain/node/nodehome"
	"github.com/sealchain/sealchain/signer"
)

// fakeLedger is an in-memory witness ledger that can be taken down.
type fakeLedger struct {
	mu      sync.Mutex
	down    bool
	anchors map[uint64]anchor.Anchor
	recs    map[uint64]anchor.Receipt
	latest  uint64
	block   uint64
}

func newFakeLedger() *fakeLedger {
	return &fakeLedger{anchors: map[uint64]anchor.Anchor{}, recs: map[uint64]anchor.Receipt{}}
}

func (f *fakeLedger) setDown(d bool) {
	f.mu.Lock()
	f.down = d
	f.mu.Unlock()
}

var errFakeDown = errors.New("fake fabric: connection refused")

func (f *fakeLedger) PutAnchor(_ context.Context, a anchor.Anchor) (anchor.Receipt, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		return anchor.Receipt{}, errFakeDown
	}
	if a.Height <= f.latest {
		return anchor.Receipt{}, fmt.Errorf("%w: %d", anchor.ErrNotAfterLatest, a.Height)
	}
	f.block++
	r := anchor.Receipt{Network: "court-net", Channel: "anchorchannel", Chaincode: "anchor",
		TxID: fmt.Sprintf("tx-%d", a.Height), Block: f.block, Time: time.Now().UTC()}
	f.anchors[a.Height], f.recs[a.Height], f.latest = a, r, a.Height
	return r, nil
}

func (f *fakeLedger) GetAnchor(_ context.Context, chainID string, h uint64) (anchor.Anchor, anchor.Receipt, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		return anchor.Anchor{}, anchor.Receipt{}, errFakeDown
	}
	a, ok := f.anchors[h]
	if !ok || a.ChainID != chainID {
		return anchor.Anchor{}, anchor.Receipt{}, anchor.ErrNotFound
	}
	return a, f.recs[h], nil
}

// anchorNet is a one-node chain whose org anchors to a fake ledger.
func anchorNet(ctx context.Context, t *testing.T, ledger anchor.Ledger) *itNet {
	t.Helper()
	home := t.TempDir()
	cfg := config.Default()
	cfg.API.Listen = itFreeHostPort(t)
	cfg.Consensus.P2PListen = nodetest.CometAddr(t)
	cfg.Consensus.RPCListen = nodetest.CometAddr(t)
	cfg.Consensus.BlockInterval = config.Duration{Duration: 50 * time.Millisecond}
	cfg.Log.Level = "error"
	cfg.Anchor.Enable = true
	cfg.Anchor.Profile = "unused-the-test-injects-a-ledger.yaml"
	cfg.Anchor.EveryBlocks = 2
	cfg.Anchor.Every = config.Duration{Duration: time.Second}
	cfg.Anchor.Verify = config.AnchorVerifyFabric
	cfg.Anchor.RetryMin = config.Duration{Duration: 50 * time.Millisecond}
	cfg.Anchor.RetryMax = config.Duration{Duration: 200 * time.Millisecond}
	if _, err := nodehome.Init(nodehome.InitOptions{Home: home, ChainID: itChainID, OrgID: "platform", OrgName: "Platform Ltd",
		Role: chain.RolePlatform, Config: cfg}); err != nil {
		t.Fatalf("Init: %v", err)
	}
	if err := SetGenesisAnchoring(home, &chain.GenesisAnchoring{Org: "platform", Network: "court-net", Channel: "anchorchannel", Chaincode: "anchor"}); err != nil {
		t.Fatalf("SetGenesisAnchoring: %v", err)
	}
	h := nodehome.Home(home)
	sub, err := client.LoadSubmitter(itChainID, "platform", h.SubmitterCert(), h.SubmitterKey())
	if err != nil {
		t.Fatal(err)
	}
	ca, err := signer.LoadCA(h.CACert(), h.CAKey())
	if err != nil {
		t.Fatal(err)
	}
	n := &itNet{home: h, sub: sub, ca: ca}
	startAnchorNode(ctx, t, n, ledger)
	return n
}

func startAnchorNode(ctx context.Context, t *testing.T, n *itNet, ledger anchor.Ledger) {
	t.Helper()
	nd, err := New(string(n.home), apiContract(t), WithAnchorLedger(ledger))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if err := nd.Start(ctx); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { nd.Stop() })
	n.node = nd
	n.base = "http://" + nd.APIAddr()
	if n.c, err = client.New(n.base, &http.Client{Timeout: 30 * time.Second}); err != nil {
		t.Fatal(err)
	}
}

type anchorStatusJSON struct {
	Anchoring struct {
		LatestAnchoredHeight uint64   `json:"latest_anchored_height"`
		LagBlocks            int64    `json:"lag_blocks"`
		QueueLength          int      `json:"queue_length"`
		LastError            string   `json:"last_error"`
		VerifiedUpTo         uint64   `json:"verified_up_to"`
		Alarms               []string `json:"alarms"`
	} `json:"anchoring"`
	AppHeight int64 `json:"app_height"`
}

func waitAnchorStatus(ctx context.Context, t *testing.T, n *itNet, what string, ok func(*anchorStatusJSON) bool) *anchorStatusJSON {
	t.Helper()
	for {
		var st anchorStatusJSON
		n.getJSON(ctx, t, "/v1/status", &st)
		if ok(&st) {
			return &st
		}
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v; last status %+v", what, ctx.Err(), st)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// With the witness ledger down the node keeps committing, anchors queue up
// durably across a restart, and the queue drains once the ledger is back;
// every anchored record then matches the ledger.
func TestAnchoringSurvivesLedgerOutage(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	ledger := newFakeLedger()
	n := anchorNet(ctx, t, ledger)

	firstSigner, _ := n.registerSigner(ctx, t, signer.AlgSM2, "up-first")
	for i := range 2 {
		n.registerSigner(ctx, t, signer.AlgSM2, fmt.Sprintf("up-%d", i))
	}
	first := waitAnchorStatus(ctx, t, n, "a first anchor", func(s *anchorStatusJSON) bool {
		return s.Anchoring.LatestAnchoredHeight > 0 && s.Anchoring.QueueLength == 0
	})

	ledger.setDown(true)
	for i := range 6 {
		n.registerSigner(ctx, t, signer.AlgSM2, fmt.Sprintf("down-%d", i)) // commits while Fabric is down
	}
	down := waitAnchorStatus(ctx, t, n, "queued anchors and a lag", func(s *anchorStatusJSON) bool {
		return s.Anchoring.QueueLength > 0 && s.Anchoring.LagBlocks > 0 && s.Anchoring.LastError != ""
	})
	if down.Anchoring.LatestAnchoredHeight != first.Anchoring.LatestAnchoredHeight {
		t.Fatalf("anchored height moved while the ledger was down: %d -> %d", first.Anchoring.LatestAnchoredHeight, down.Anchoring.LatestAnchoredHeight)
	}

	// Restart with the ledger still down: the queue is on disk.
	if err := n.node.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	startAnchorNode(ctx, t, n, ledger)
	waitAnchorStatus(ctx, t, n, "the queue after restart", func(s *anchorStatusJSON) bool { return s.Anchoring.QueueLength > 0 })
	n.registerSigner(ctx, t, signer.AlgSM2, "after-restart")

	ledger.setDown(false)
	last := n.node.Store().Last().Height
	done := waitAnchorStatus(ctx, t, n, "the queue to drain", func(s *anchorStatusJSON) bool {
		return s.Anchoring.QueueLength == 0 && s.Anchoring.LatestAnchoredHeight >= uint64(last)-2 &&
			s.Anchoring.VerifiedUpTo == s.Anchoring.LatestAnchoredHeight
	})
	if len(done.Anchoring.Alarms) > 0 {
		t.Fatalf("alarms: %v", done.Anchoring.Alarms)
	}
	view := n.node.Store().View()
	states, err := view.Anchors(0, 0)
	if err != nil || len(states) < 2 {
		t.Fatalf("anchors on chain: %d, %v", len(states), err)
	}
	for _, st := range states {
		body, err := anchoring.AnchoredRecord(view, st.RecordIndex)
		if err != nil {
			t.Fatal(err)
		}
		got, rc, err := ledger.GetAnchor(ctx, itChainID, st.Height)
		if err != nil {
			t.Fatalf("height %d not on the ledger: %v", st.Height, err)
		}
		if err := anchoring.CompareRecord(body, got, rc); err != nil {
			t.Fatalf("height %d: %v", st.Height, err)
		}
	}

	// The bundle for the first signer carries the anchor covering it:
	// offline "not verified", verified against the ledger, failed when the
	// ledger holds something else.
	raw, err := n.c.Evidence(ctx, "cert", firstSigner.Cert.String())
	if err != nil {
		t.Fatal(err)
	}
	b, err := evidence.DecodeBundle(raw)
	if err != nil || len(b.Anchors) == 0 {
		t.Fatalf("bundle anchors: %v, %v", b, err)
	}
	trust, err := evidence.LoadTrust(n.home.Genesis())
	if err != nil {
		t.Fatal(err)
	}
	v, err := evidence.NewVerifier(trust)
	if err != nil {
		t.Fatal(err)
	}
	res := v.Verify(b, nil)
	if !res.OK || len(res.Anchors) == 0 || res.Anchors[0].Fabric != evidence.FabricNotVerified || len(res.Anchors[0].Covers) == 0 {
		t.Fatalf("offline: ok=%v failed=%v anchors=%+v", res.OK, res.Failed(), res.Anchors)
	}
	evidence.VerifyFabric(ctx, ledger, res)
	if !res.OK || res.Anchors[0].Fabric != evidence.FabricVerified {
		t.Fatalf("with the ledger: %v %+v", res.Failed(), res.Anchors)
	}
	ledger.mu.Lock()
	forged := ledger.anchors[res.Anchors[0].Height]
	forged.LogRoot = bytes.Repeat([]byte{7}, 32)
	ledger.anchors[res.Anchors[0].Height] = forged
	ledger.mu.Unlock()
	res = v.Verify(b, nil)
	evidence.VerifyFabric(ctx, ledger, res)
	if res.OK || res.Anchors[0].Fabric != evidence.FabricFailed {
		t.Fatalf("a ledger with another root: ok=%v %+v", res.OK, res.Anchors)
	}
	// A bundle whose anchor proof was tampered with fails offline.
	b.Anchors[0].Consistency = append(b.Anchors[0].Consistency, bytes.Repeat([]byte{1}, 32))
	if res := v.Verify(b, nil); res.OK {
		t.Fatal("tampered anchor consistency proof passed")
	}
}
