package app

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/store"
	"github.com/sealchain/sealchain/internal/fixture"
)

// testRulesV6 is a test-only rules version 6, on top of version 5, that
// changes one observable rule: every proposal must carry an expiry.
// Production binaries do not have it (productionRules); the real version 6
// is the next consensus change.
func testRulesV6() ruleSet {
	return ruleSet{version: 6, check: func(tx *chain.Tx) *TxError {
		if p, ok := tx.Body.(*chain.Proposal); ok && p.Expires == 0 {
			return reject(CodeInvalidField, "body.expires", "rules version 6 requires a proposal expiry")
		}
		return nil
	}}
}

// recordedBlock is a block as CometBFT hands it over, with the app hash the
// recording node computed.
type recordedBlock struct {
	height int64
	time   time.Time
	txs    [][]byte
	hash   []byte
}

// upgradeChain drives one app through ABCI, recording every block so it can
// be fed to other apps (other binaries) afterwards.
type upgradeChain struct {
	t       *testing.T
	app     *App
	genesis *abci.InitChainRequest
	blocks  []recordedBlock
}

func newUpgradeApp(t *testing.T, logger *slog.Logger, opts ...Option) *App {
	t.Helper()
	store, err := store.Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if logger != nil {
		opts = append(opts, WithLogger(logger))
	}
	a, err := New(store, testChain, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func newUpgradeChain(t *testing.T, net *fixture.Net, opts ...Option) *upgradeChain {
	t.Helper()
	return newUpgradeChainState(t, net.GenesisState(t), opts...)
}

// newUpgradeChainState starts an upgradeChain from the genesis app_state
// state (genesisRules sets its rules version).
func newUpgradeChainState(t *testing.T, state []byte, opts ...Option) *upgradeChain {
	t.Helper()
	val := make([]byte, 32)
	val[0] = 1
	c := &upgradeChain{t: t, app: newUpgradeApp(t, nil, opts...), genesis: &abci.InitChainRequest{ChainId: testChain, Time: fixture.Epoch,
		AppStateBytes: state, Validators: []abci.ValidatorUpdate{{Power: 10, PubKeyType: "ed25519", PubKeyBytes: val}}}}
	if _, err := c.app.InitChain(context.Background(), c.genesis); err != nil {
		t.Fatal(err)
	}
	return c
}

// block finalizes and commits the next block and returns its tx results.
func (c *upgradeChain) block(txs ...[]byte) []*abci.ExecTxResult {
	c.t.Helper()
	b := recordedBlock{height: int64(len(c.blocks)) + 1, time: fixture.Epoch.Add(time.Hour + time.Duration(len(c.blocks))*time.Second), txs: txs}
	res, err := finalizeCommit(c.app, b)
	if err != nil {
		c.t.Fatalf("block %d: %v", b.height, err)
	}
	b.hash = res.AppHash
	c.blocks = append(c.blocks, b)
	return res.TxResults
}

// one commits a block of one tx and checks its code and, for a rejection, field.
func (c *upgradeChain) one(name string, tx []byte, want uint32, field string) {
	c.t.Helper()
	r := c.block(tx)[0]
	if want == CodeOK {
		if r.Code != CodeOK {
			c.t.Fatalf("%s: code %d %s", name, r.Code, r.Log)
		}
		return
	}
	checkRejection(c.t, name, r.Code, r.Codespace, r.Log, want, field)
}

func finalizeCommit(a *App, b recordedBlock) (*abci.FinalizeBlockResponse, error) {
	res, err := a.FinalizeBlock(context.Background(), &abci.FinalizeBlockRequest{Height: b.height, Time: b.time, Txs: b.txs})
	if err != nil {
		return nil, err
	}
	if _, err := a.Commit(context.Background(), &abci.CommitRequest{}); err != nil {
		return nil, err
	}
	return res, nil
}

// replayOn feeds the recorded chain to a fresh app, checking the app hash
// at every height, and returns the height and error of the first
// FinalizeBlock that failed (0, nil if none).
func (c *upgradeChain) replayOn(a *App) (int64, error) {
	c.t.Helper()
	if _, err := a.InitChain(context.Background(), c.genesis); err != nil {
		c.t.Fatal(err)
	}
	for _, b := range c.blocks {
		res, err := finalizeCommit(a, b)
		if err != nil {
			return b.height, err
		}
		if !bytes.Equal(res.AppHash, b.hash) {
			c.t.Fatalf("replay height %d: app hash %X, recorded %X", b.height, res.AppHash, b.hash)
		}
	}
	return 0, nil
}

func upgradeProposal(id string, kind chain.ProposalKind, version uint32, height int64, name string) *chain.Proposal {
	return &chain.Proposal{ID: id, Kind: kind, Upgrade: &chain.UpgradePlan{Version: version, Height: height, Name: name, Info: "test binary"}}
}

// TestUpgradeReplay records a chain under today's rules, passes a
// schedule_upgrade proposal, crosses the activation height under a binary
// that supports the test version 6 (the rule changes exactly there), then
// replays every block on a fresh app of the same binary (identical app
// hashes at every height) and on a binary without version 6 (production), which runs
// every block before the height and stops at it with an error naming the
// version, the height and the plan.
func TestUpgradeReplay(t *testing.T) {
	net := fixture.New(t, testChain,
		fixture.Role{ID: "court", Role: chain.RoleCourt}, fixture.Role{ID: "notary", Role: chain.RoleNotary},
		fixture.Role{ID: "arbitration", Role: chain.RoleArbitration}, fixture.Role{ID: "platform", Role: chain.RolePlatform})
	court, notary, platform := net.Orgs[0], net.Orgs[1], net.Orgs[3]
	c := newUpgradeChain(t, net, withRules(testRulesV6()))
	if got := c.app.SupportedRulesVersions(); len(got) != 6 || got[0] != 1 || got[1] != 2 || got[2] != 3 || got[3] != 4 || got[4] != 5 || got[5] != 6 {
		t.Fatalf("supported versions %v", got)
	}
	key := func() []byte { k, _, _ := ed25519.GenerateKey(nil); return k }
	noExpiry := func(id string) []byte {
		return court.Tx(t, &chain.Proposal{ID: id, Kind: chain.ProposalSetValidator, Validator: &chain.ValidatorChange{PubKey: key(), Power: 1, Org: "court"}}, nil)
	}

	// Today's rules: a proposal without expiry is fine.
	c.one("proposal without expiry under version 1", noExpiry("v1-a"), CodeOK, "")
	// Block 2 proposes; the plan must be at least MinUpgradeDelay above
	// the deciding block, checked when proposed and again when decided.
	c.one("height too close", court.Tx(t, upgradeProposal("up-close", chain.ProposalScheduleUpgrade, 6, 2+chain.MinUpgradeDelay-1, "v2"), nil), CodeUpgradeHeight, "body.upgrade.height")
	c.one("cancel with nothing scheduled", court.Tx(t, upgradeProposal("cancel-0", chain.ProposalCancelUpgrade, 6, 500, "v2"), nil), CodeNoUpgradePlan, "body.upgrade")
	const H = 4 + chain.MinUpgradeDelay + 6 // decided in block 6
	c.one("schedule", court.Tx(t, upgradeProposal("up", chain.ProposalScheduleUpgrade, 6, H, "v2"), nil), CodeOK, "")
	c.one("notary yes", notary.Tx(t, &chain.Vote{Proposal: "up", Choice: chain.VoteYes}, nil), CodeOK, "")
	c.one("platform yes: passes", platform.Tx(t, &chain.Vote{Proposal: "up", Choice: chain.VoteYes}, nil), CodeOK, "")
	if ps, _, _ := c.app.store.View().Proposal("up"); ps.Status != chain.ProposalPassed || ps.DecidedHeight != 6 {
		t.Fatalf("schedule proposal %s at %d, want passed at 6", ps.Status, ps.DecidedHeight)
	}
	plan, ok, err := c.app.store.View().UpgradePlan()
	if err != nil || !ok || plan.Plan.Version != 6 || plan.Plan.Height != H || plan.Proposal != "up" || plan.DecidedHeight != 6 {
		t.Fatalf("pending plan %+v %v %v", plan, ok, err)
	}
	c.one("a second plan while one is pending", court.Tx(t, upgradeProposal("up-3", chain.ProposalScheduleUpgrade, 6, H+500, "v3"), nil), CodeUpgradePending, "body.upgrade")
	c.one("cancel naming another plan", court.Tx(t, upgradeProposal("cancel-1", chain.ProposalCancelUpgrade, 6, H+1, "v2"), nil), CodeNoUpgradePlan, "body.upgrade")

	for int64(len(c.blocks)) < H-2 {
		c.block()
	}
	c.one("proposal without expiry at H-1, version 1", noExpiry("v1-b"), CodeOK, "")
	if v, _ := c.app.store.View().RulesVersionAt(H - 1); v != 1 {
		t.Fatalf("version %d at H-1", v)
	}
	// Height H: version 6's rule holds from the first tx of the block.
	res := c.block(noExpiry("v2-a"), platform.Tx(t, &chain.Proposal{ID: "v2-b", Kind: chain.ProposalSetValidator, Expires: fixture.Epoch.Add(48 * time.Hour).Unix(),
		Validator: &chain.ValidatorChange{PubKey: key(), Power: 1, Org: "court"}}, nil))
	if int64(len(c.blocks)) != H {
		t.Fatalf("at height %d, want %d", len(c.blocks), H)
	}
	checkRejection(t, "proposal without expiry at H, version 6", res[0].Code, res[0].Codespace, res[0].Log, CodeInvalidField, "body.expires")
	if res[1].Code != CodeOK {
		t.Fatalf("proposal with expiry at H: %d %s", res[1].Code, res[1].Log)
	}
	view := c.app.store.View()
	if _, ok, _ := view.UpgradePlan(); ok {
		t.Fatal("plan still pending after its height")
	}
	acts, err := view.UpgradeActivations()
	if err != nil || len(acts) != 1 || acts[0] != (chain.UpgradeActivation{Height: H, Version: 6, Name: "v2", Proposal: "up"}) {
		t.Fatalf("activations %+v %v", acts, err)
	}
	c.one("version 6 again", court.Tx(t, &chain.Proposal{ID: "up-again", Kind: chain.ProposalScheduleUpgrade, Expires: fixture.Epoch.Add(48 * time.Hour).Unix(),
		Upgrade: &chain.UpgradePlan{Version: 6, Height: H + 1000, Name: "v2-again"}}, nil), CodeUpgradeVersion, "body.upgrade.version")
	c.block()

	q, err := c.app.Query(context.Background(), &abci.QueryRequest{Path: "/upgrade"})
	if err != nil || q.Code != 0 {
		t.Fatalf("query /upgrade: %v %+v", err, q)
	}
	var st UpgradeStatus
	if err := json.Unmarshal(q.Value, &st); err != nil || st.Version != 6 || st.Plan != nil || len(st.Activations) != 1 {
		t.Fatalf("/upgrade answered %s (%v)", q.Value, err)
	}

	// The same binary replays the whole chain to the same app hashes.
	if h, err := c.replayOn(newUpgradeApp(t, nil, withRules(testRulesV6()))); err != nil {
		t.Fatalf("replay on a binary with version 6 stopped at %d: %v", h, err)
	}
	// A binary without version 6 runs every block before H, then stops.
	var logs bytes.Buffer
	old := newUpgradeApp(t, slog.New(slog.NewTextHandler(&logs, nil)))
	h, err := c.replayOn(old)
	var ue *UnsupportedRulesError
	if h != H || !errors.As(err, &ue) || ue.Height != H || ue.Version != 6 || ue.Plan != "v2" {
		t.Fatalf("binary without version 6 stopped at %d with %v, want height %d and an UnsupportedRulesError", h, err, H)
	}
	for _, want := range []string{"rules version 6", "height 110", `"v2"`, "supports rules versions [1 2 3 4 5]"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %s", err, want)
		}
	}
	t.Logf("the old binary stopped with: %v", err)
	if old.store.Last().Height != H-1 {
		t.Fatalf("the old binary committed height %d", old.store.Last().Height)
	}
	// Restarted (CometBFT's handshake calls Info), it warns of the plan.
	if _, err := old.Info(context.Background(), &abci.InfoRequest{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "does NOT support it") {
		t.Errorf("Info logged no warning of the unsupported plan:\n%s", logs.String())
	}
}

// TestUpgradeCancel: a cancel_upgrade proposal removes the pending plan
// before its height; a binary without the version then runs past it, and
// a new plan can be scheduled.
func TestUpgradeCancel(t *testing.T) {
	net := fixture.New(t, testChain, fixture.Role{ID: "court", Role: chain.RoleCourt})
	court := net.Orgs[0] // the only org: its proposals pass at once
	c := newUpgradeChain(t, net)
	const H = 1 + chain.MinUpgradeDelay
	c.one("schedule", court.Tx(t, upgradeProposal("up", chain.ProposalScheduleUpgrade, 5, H, "v2"), nil), CodeOK, "")
	c.one("cancel", court.Tx(t, upgradeProposal("cancel", chain.ProposalCancelUpgrade, 5, H, "v2"), nil), CodeOK, "")
	if _, ok, _ := c.app.store.View().UpgradePlan(); ok {
		t.Fatal("plan pending after the cancel passed")
	}
	for int64(len(c.blocks)) < H+1 {
		c.block()
	}
	if v, _ := c.app.store.View().RulesVersionAt(H + 1); v != 1 {
		t.Fatalf("version %d after a cancelled plan", v)
	}
	c.one("schedule again", court.Tx(t, upgradeProposal("up-2", chain.ProposalScheduleUpgrade, 5, H+2+chain.MinUpgradeDelay, "v2b"), nil), CodeOK, "")
	if h, err := c.replayOn(newUpgradeApp(t, nil)); err != nil {
		t.Fatalf("replay stopped at %d: %v", h, err)
	}
}

// TestNoUpgradeWritesNothing: a chain that never schedules a plan has no
// upgrade state, so its app hashes are the ones binaries from before
// versioned rules computed.
func TestNoUpgradeWritesNothing(t *testing.T) {
	net := fixture.New(t, testChain, fixture.Role{ID: "court", Role: chain.RoleCourt})
	c := newUpgradeChain(t, net, withRules(testRulesV6()))
	c.block()
	c.block(net.Orgs[0].Tx(t, &chain.Proposal{ID: "p", Kind: chain.ProposalSetValidator, Validator: &chain.ValidatorChange{PubKey: make([]byte, 32), Power: 1, Org: "court"}}, nil))
	view := c.app.store.View()
	if acts, err := view.UpgradeActivations(); err != nil || len(acts) != 0 {
		t.Fatalf("activations %v %v", acts, err)
	}
	if _, ok, err := view.UpgradePlan(); err != nil || ok {
		t.Fatalf("plan %v %v", ok, err)
	}
	if h, err := c.replayOn(newUpgradeApp(t, nil)); err != nil {
		t.Fatalf("replay on a production binary stopped at %d: %v", h, err)
	}
}
