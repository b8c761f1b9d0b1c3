package node

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cometbft/cometbft/types"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/config"
	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/internal/nodetest"
	"github.com/sealchain/sealchain/node/nodehome"
	"github.com/sealchain/sealchain/signer"
)

type govNode struct {
	org  string
	home string
	n    *Node
	c    *client.Client
	sub  *client.Submitter
	net  *[]*govNode // every running node, for submit to wait on
}

func startHome(t *testing.T, org, home, chainID string) *govNode {
	t.Helper()
	n, err := New(home, apiContract(t), WithLogger(NewLogger(discard{}, config.Log{Level: "error", Format: "text"})))
	if err != nil {
		t.Fatalf("%s: %v", org, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := n.Start(ctx); err != nil {
		t.Fatalf("%s: start: %v", org, err)
	}
	t.Cleanup(func() { n.Stop() })
	c, err := client.New("http://"+n.APIAddr(), nil)
	if err != nil {
		t.Fatal(err)
	}
	h := nodehome.Home(home)
	sub, err := client.LoadSubmitter(chainID, org, h.SubmitterCert(), h.SubmitterKey())
	if err != nil {
		t.Fatal(err)
	}
	return &govNode{org: org, home: home, n: n, c: c, sub: sub}
}

// submit commits body through g's node and waits until every node in
// g.net has committed that height, so later reads from any node see it.
func (g *govNode) submit(t *testing.T, body chain.Body) {
	t.Helper()
	tx, err := g.sub.Build(body, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := g.c.Submit(ctx, tx, true)
	if err != nil {
		t.Fatalf("%s submits %s: %v", g.org, body.Type(), err)
	}
	for _, o := range *g.net {
		nodetest.WaitFor(t, 30*time.Second, o.org+" commits height of "+g.org+"'s tx", func() bool { return o.n.Store().Last().Height >= res.Height })
	}
}

func (g *govNode) proposalStatus(t *testing.T, id string) string {
	t.Helper()
	b, err := g.c.Get(context.Background(), "/v1/proposals/"+id)
	if err != nil {
		t.Fatal(err)
	}
	var st struct{ Status string }
	json.Unmarshal(b, &st)
	return st.Status
}

// TestGovernanceValidatorInAndOut votes a fifth validator (a second notary)
// into a four-institution network, checks that it syncs and signs blocks,
// then votes it out.
func TestGovernanceValidatorInAndOut(t *testing.T) {
	if testing.Short() {
		t.Skip("five in-process validators")
	}
	dir := t.TempDir()
	base := freeBase(t, 5)
	nodes, err := nodehome.Testnet(nodehome.TestnetOptions{Out: dir, ChainID: "gov-test", BasePort: base, BlockInterval: 200 * time.Millisecond,
		Validators: []string{"court", "notary", "arbitration", "platform"}})
	if err != nil {
		t.Fatal(err)
	}
	var net []*govNode
	for _, tn := range nodes {
		setEmptyBlocks(t, tn.Home)
		g := startHome(t, tn.Org, tn.Home, "gov-test")
		g.net = &net
		net = append(net, g)
	}
	court, notary, arbitration, platform := net[0], net[1], net[2], net[3]

	// The newcomer: its own home and keys, the network's genesis, peers.
	newHome := filepath.Join(dir, "notary-2")
	c := config.Default()
	p := base + 40
	c.API.Listen = addr(p + 2)
	c.Consensus.P2PListen, c.Consensus.RPCListen = "tcp://"+addr(p), "tcp://"+addr(p+1)
	c.Consensus.LocalNetwork, c.Intent.DevOTP = true, false
	var peers []string
	for _, tn := range nodes {
		peers = append(peers, tn.NodeID+"@"+tn.P2P[len("tcp://"):])
	}
	c.Consensus.PersistentPeers = joinComma(peers)
	if _, err := nodehome.InitHome(nodehome.InitOptions{Home: newHome, ChainID: "gov-test", OrgID: "notary-2", OrgName: "Second Notary", Role: chain.RoleNotary, Config: c}); err != nil {
		t.Fatal(err)
	}
	gen, err := os.ReadFile(nodehome.Home(nodes[0].Home).Genesis())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(nodehome.Home(newHome).Genesis(), gen, 0o644); err != nil {
		t.Fatal(err)
	}
	setEmptyBlocks(t, newHome)
	newcomer := startHome(t, "notary-2", newHome, "gov-test")
	newcomer.net = &net
	nodetest.WaitFor(t, 60*time.Second, "newcomer syncs", func() bool {
		return newcomer.n.Store().Last().Height >= platform.n.Store().Last().Height-1 && newcomer.n.Store().Last().Height > 2
	})

	// 1. Register the organisation: platform proposes, court and notary agree (3 of 4).
	caPEM, _ := os.ReadFile(nodehome.Home(newHome).CACert())
	caDER, _ := decodePEM(caPEM)
	platform.submit(t, &chain.Proposal{ID: "org-notary-2", Kind: chain.ProposalRegisterOrg,
		Org: &chain.Org{ID: "notary-2", Name: "Second Notary", Role: chain.RoleNotary, CACert: caDER, Weight: 1}})
	if s := platform.proposalStatus(t, "org-notary-2"); s != "open" {
		t.Fatalf("after one vote: %s", s)
	}
	court.submit(t, &chain.Vote{Proposal: "org-notary-2", Choice: chain.VoteYes})
	if s := platform.proposalStatus(t, "org-notary-2"); s != "open" {
		t.Fatalf("after 2 of 4: %s, want open (needs more than 2/3)", s)
	}
	notary.submit(t, &chain.Vote{Proposal: "org-notary-2", Choice: chain.VoteYes})
	if s := platform.proposalStatus(t, "org-notary-2"); s != "passed" {
		t.Fatalf("after 3 of 4: %s, want passed", s)
	}

	// 2. Add its validator: now 5 orgs, so 4 yes votes are needed.
	valPub, err := readValidatorKey(newHome)
	if err != nil {
		t.Fatal(err)
	}
	platform.submit(t, &chain.Proposal{ID: "add-notary-2", Kind: chain.ProposalSetValidator,
		Validator: &chain.ValidatorChange{PubKey: valPub.Bytes(), Power: 10, Org: "notary-2"}})
	court.submit(t, &chain.Vote{Proposal: "add-notary-2", Choice: chain.VoteYes})
	notary.submit(t, &chain.Vote{Proposal: "add-notary-2", Choice: chain.VoteYes})
	if s := platform.proposalStatus(t, "add-notary-2"); s != "open" {
		t.Fatalf("after 3 of 5: %s, want open", s)
	}
	arbitration.submit(t, &chain.Vote{Proposal: "add-notary-2", Choice: chain.VoteYes})
	if s := platform.proposalStatus(t, "add-notary-2"); s != "passed" {
		t.Fatalf("after 4 of 5: %s, want passed", s)
	}
	addr5 := valPub.Address()
	nodetest.WaitFor(t, 60*time.Second, "the fifth validator signs a commit", func() bool {
		return signedLatest(t, court.n, addr5)
	})
	if n := valSetSize(t, court.n); n != 5 {
		t.Fatalf("validator set has %d validators, want 5", n)
	}

	// 3. Vote it out.
	platform.submit(t, &chain.Proposal{ID: "remove-notary-2", Kind: chain.ProposalSetValidator,
		Validator: &chain.ValidatorChange{PubKey: valPub.Bytes(), Power: 0, Org: "notary-2"}})
	for _, g := range []*govNode{court, notary, arbitration} {
		g.submit(t, &chain.Vote{Proposal: "remove-notary-2", Choice: chain.VoteYes})
	}
	nodetest.WaitFor(t, 60*time.Second, "the validator set shrinks back to 4", func() bool { return valSetSize(t, court.n) == 4 })
	h := court.n.Comet().LatestHeight()
	nodetest.WaitFor(t, 30*time.Second, "blocks go on without it", func() bool { return court.n.Comet().LatestHeight() > h+3 })
	if signedLatest(t, court.n, addr5) {
		t.Fatal("removed validator still signs")
	}
	// Every node agrees on the app hash.
	want := court.n.Store().Last()
	nodetest.WaitFor(t, 30*time.Second, "all nodes at the same height", func() bool {
		for _, g := range append(net, newcomer) {
			if g.n.Store().Last().Height < want.Height {
				return false
			}
		}
		return true
	})
	for _, g := range append(net, newcomer) {
		cp, err := g.n.Store().View().Checkpoint(want.Height)
		if err != nil || !bytes.Equal(cp.AppHash, want.AppHash) {
			t.Fatalf("%s: app hash at %d differs: %X vs %X (%v)", g.org, want.Height, cp.AppHash, want.AppHash, err)
		}
	}

	// Evidence committed after two validator-set changes still verifies
	// against the genesis alone: the bundle carries both hops.
	fp := registerCert(t, platform)
	trust, err := evidence.LoadTrust(nodehome.Home(court.home).Genesis())
	if err != nil {
		t.Fatal(err)
	}
	v, err := evidence.NewVerifier(trust)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := court.c.Evidence(context.Background(), "cert", fp.String())
	if err != nil {
		t.Fatal(err)
	}
	b, err := evidence.DecodeBundle(raw)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.ValidatorHops) != 2 {
		t.Fatalf("bundle has %d validator hops, want 2 (in and out)", len(b.ValidatorHops))
	}
	if res := v.Verify(b, nil); !res.OK {
		t.Fatalf("evidence after validator changes does not verify: %v", res.Failed())
	}
	b.ValidatorHops = b.ValidatorHops[:1]
	if res := v.Verify(b, nil); res.OK {
		t.Fatal("evidence verified with a validator hop missing")
	}
}

// registerCert records a fresh signer certificate through g and returns its fingerprint.
func registerCert(t *testing.T, g *govNode) chain.Fingerprint {
	t.Helper()
	h := nodehome.Home(g.home)
	ca, err := signer.LoadCA(h.CACert(), h.CAKey())
	if err != nil {
		t.Fatal(err)
	}
	k, _ := signer.GenerateKey(signer.AlgSM2, nil)
	now := time.Now().Add(-time.Minute).UTC().Truncate(time.Second)
	der, err := ca.Issue(k.Public(), signer.IssueOptions{SubjectRef: "sc-gov", Usage: signer.UsageSigner, NotBefore: now, NotAfter: now.AddDate(1, 0, 0)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	g.submit(t, &chain.CertIssued{Cert: der})
	return chain.FingerprintOf(der)
}

func signedLatest(t *testing.T, n *Node, address []byte) bool {
	t.Helper()
	h := n.Comet().LatestHeight()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := n.Comet().Client().Commit(ctx, &h)
	if err != nil {
		return false
	}
	for _, s := range res.Commit.Signatures {
		if s.BlockIDFlag == types.BlockIDFlagCommit && bytes.Equal(s.ValidatorAddress, address) {
			return true
		}
	}
	return false
}

func valSetSize(t *testing.T, n *Node) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	h := n.Comet().LatestHeight()
	res, err := n.Comet().Client().Validators(ctx, &h, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return res.Total
}

func setEmptyBlocks(t *testing.T, home string) {
	t.Helper()
	c, err := config.Load(home)
	if err != nil {
		t.Fatal(err)
	}
	c.Consensus.CreateEmptyBlocks = true
	c.Log.Level = "error"
	if err := c.Save(home); err != nil {
		t.Fatal(err)
	}
}
