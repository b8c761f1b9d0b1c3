package nodehome

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cmtjson "github.com/cometbft/cometbft/libs/json"
	"github.com/cometbft/cometbft/types"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/config"
)

func TestAcquire(t *testing.T) {
	h := Home(filepath.Join(t.TempDir(), "home"))
	first, err := Acquire(h)
	if err != nil {
		t.Fatalf("Acquire: %v", err)
	}
	b, err := os.ReadFile(h.Lock())
	if err != nil || strings.TrimSpace(string(b)) != fmt.Sprint(os.Getpid()) {
		t.Fatalf("lock file holds %q (%v), want this pid", b, err)
	}
	_, err = Acquire(h)
	if lockSupported {
		want := fmt.Sprintf("home %s is in use by another sealchain process (pid %d)", h, os.Getpid())
		if !errors.Is(err, ErrInUse) || !strings.Contains(err.Error(), want) {
			t.Fatalf("second Acquire: %v, want ErrInUse naming %q", err, want)
		}
	}
	if err := first.Release(); err != nil {
		t.Fatalf("Release: %v", err)
	}
	if err := first.Release(); err != nil {
		t.Fatalf("second Release: %v", err)
	}
	again, err := Acquire(h)
	if err != nil {
		t.Fatalf("Acquire after Release: %v", err)
	}
	again.Release()
	var none *Lock
	if err := none.Release(); err != nil {
		t.Fatalf("Release on nil: %v", err)
	}
}

func TestResolve(t *testing.T) {
	h := Home("/srv/node")
	for in, want := range map[string]string{
		"":               "",
		"keys/tls.crt":   "/srv/node/keys/tls.crt",
		"/etc/tls.crt":   "/etc/tls.crt",
		"../x/tls.crt":   "/srv/x/tls.crt",
		"./keys/tls.key": "/srv/node/keys/tls.key",
	} {
		if got := h.Resolve(in); got != want {
			t.Errorf("Resolve(%q) = %q, want %q", in, got, want)
		}
	}
}

func readGenesis(t *testing.T, h Home) (*types.GenesisDoc, *chain.GenesisState) {
	t.Helper()
	b, err := os.ReadFile(h.Genesis())
	if err != nil {
		t.Fatal(err)
	}
	var doc types.GenesisDoc
	if err := cmtjson.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if err := doc.ValidateAndComplete(); err != nil {
		t.Fatal(err)
	}
	gs, _, err := chain.ParseGenesisState(doc.AppState)
	if err != nil {
		t.Fatal(err)
	}
	return &doc, gs
}

func TestInit(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "home")
	h := Home(dir)
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	opts := InitOptions{Home: dir, ChainID: "home-test", OrgID: "platform", OrgName: "Platform Ltd",
		Role: chain.RolePlatform, Config: config.Default(), TLSHosts: []string{"localhost", "127.0.0.1"}, Now: now}
	opts.Config.Intent.DevOTP = true
	m, err := Init(opts)
	if err != nil {
		t.Fatalf("Init: %v", err)
	}
	if m.Validator == nil || m.NodeID == "" || m.Power != 10 || m.Verifier == "" || len(m.Org.Credentials) != 1 {
		t.Fatalf("member: %+v", m)
	}
	for _, f := range []string{h.CAKey(), h.SubmitterKey(), h.VerifierKey(), h.Resolve(TLSKeyPath),
		h.Path("config", "priv_validator_key.json"), h.Path("config", "node_key.json")} {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %o, want 600", f, fi.Mode().Perm())
		}
	}
	for _, f := range []string{h.CACert(), h.SubmitterCert(), h.VerifierCert(), h.Resolve(TLSCertPath), config.CometPath(dir)} {
		if _, err := os.Stat(f); err != nil {
			t.Error(err)
		}
	}
	c, err := config.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if c.Org != "platform" || c.Moniker != "platform" || c.API.TLSCertFile != TLSCertPath || c.API.TLSKeyFile != TLSKeyPath {
		t.Fatalf("saved config: org %q moniker %q tls %q %q", c.Org, c.Moniker, c.API.TLSCertFile, c.API.TLSKeyFile)
	}
	doc, gs := readGenesis(t, h)
	if doc.ChainID != "home-test" || !doc.GenesisTime.Equal(now) || len(doc.Validators) != 1 || doc.Validators[0].Name != "platform" {
		t.Fatalf("genesis: %+v", doc)
	}
	if len(gs.Orgs) != 1 || gs.Orgs[0].ID != "platform" || len(gs.Verifiers) != 1 || gs.Production || gs.RulesVersion != chain.LatestRulesVersion {
		t.Fatalf("app_state: %+v", gs)
	}

	if _, err := Init(opts); !errors.Is(err, ErrExists) {
		t.Fatalf("second Init: %v, want ErrExists", err)
	}
	opts.Force = true
	m2, err := Init(opts)
	if err != nil {
		t.Fatalf("forced Init: %v", err)
	}
	if m2.NodeID == m.NodeID {
		t.Fatal("forced Init kept the node key")
	}
}

func TestInitRefusesBadInput(t *testing.T) {
	base := InitOptions{ChainID: "home-test", OrgID: "court", OrgName: "Court", Role: chain.RoleCourt, Config: config.Default()}
	for _, tc := range []struct {
		desc string
		edit func(*InitOptions)
	}{
		{"bad chain id", func(o *InitOptions) { o.ChainID = "a b" }},
		{"bad org", func(o *InitOptions) { o.OrgID = "" }},
		{"bad role", func(o *InitOptions) { o.Role = "judge" }},
		{"anchoring org not in genesis", func(o *InitOptions) {
			o.Anchoring = &chain.GenesisAnchoring{Org: "notary", Network: "n", Channel: "c", Chaincode: "cc"}
		}},
		{"anchoring without channel", func(o *InitOptions) {
			o.Anchoring = &chain.GenesisAnchoring{Org: "court", Network: "n", Chaincode: "cc"}
		}},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			o := base
			o.Home = filepath.Join(t.TempDir(), "home")
			tc.edit(&o)
			if _, err := Init(o); err == nil {
				t.Fatal("Init succeeded")
			}
			if _, err := os.Stat(config.Path(o.Home)); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("a refused Init left a config behind (%v)", err)
			}
		})
	}
}

func TestTestnet(t *testing.T) {
	out := t.TempDir()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	nodes, err := Testnet(TestnetOptions{Out: out, ChainID: "net-test", Validators: []string{"court", "notary-2", "platform"},
		BasePort: 30000, BlockInterval: 300 * time.Millisecond, Now: now})
	if err != nil {
		t.Fatalf("Testnet: %v", err)
	}
	if len(nodes) != 3 {
		t.Fatalf("%d nodes", len(nodes))
	}
	var first []byte
	for i, n := range nodes {
		p := 30000 + 10*i
		if n.P2P != fmt.Sprintf("tcp://127.0.0.1:%d", p) || n.RPC != fmt.Sprintf("tcp://127.0.0.1:%d", p+1) || n.API != fmt.Sprintf("127.0.0.1:%d", p+2) {
			t.Errorf("node %d addresses: %+v", i, n)
		}
		if n.Home != filepath.Join(out, n.Org) || n.NodeID == "" {
			t.Errorf("node %d: %+v", i, n)
		}
		c, err := config.Load(n.Home)
		if err != nil {
			t.Fatal(err)
		}
		peers := strings.Split(c.Consensus.PersistentPeers, ",")
		if len(peers) != 2 || strings.Contains(c.Consensus.PersistentPeers, n.NodeID) {
			t.Errorf("%s peers %q", n.Org, c.Consensus.PersistentPeers)
		}
		if c.Intent.DevOTP != (n.Role == chain.RolePlatform) || !c.Consensus.LocalNetwork || c.Consensus.BlockInterval.Duration != 300*time.Millisecond {
			t.Errorf("%s config: dev otp %v local %v interval %s", n.Org, c.Intent.DevOTP, c.Consensus.LocalNetwork, c.Consensus.BlockInterval)
		}
		b, err := os.ReadFile(Home(n.Home).Genesis())
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = b
		} else if string(b) != string(first) {
			t.Errorf("%s has another genesis", n.Org)
		}
	}
	if nodes[1].Role != chain.RoleNotary {
		t.Errorf("notary-2 role %q", nodes[1].Role)
	}
	doc, gs := readGenesis(t, Home(nodes[0].Home))
	if len(doc.Validators) != 3 || len(gs.Orgs) != 3 || len(gs.Verifiers) != 1 || gs.Orgs[1].Name != "示范公证处 2" || gs.RulesVersion != chain.LatestRulesVersion {
		t.Fatalf("genesis: %d validators, app_state %+v", len(doc.Validators), gs)
	}

	if _, err := Testnet(TestnetOptions{Out: out, ChainID: "net-test", Validators: []string{"court"}, BasePort: 30000}); !errors.Is(err, ErrExists) {
		t.Fatalf("Testnet over existing homes: %v, want ErrExists", err)
	}
	for _, bad := range []TestnetOptions{
		{Out: t.TempDir(), ChainID: "x"},
		{Out: t.TempDir(), ChainID: "x", Validators: []string{"court"}, BasePort: 65530},
		{Out: t.TempDir(), ChainID: "x", Validators: []string{"court", "court"}, BasePort: 30000},
		{Out: t.TempDir(), ChainID: "x", Validators: []string{"judge"}, BasePort: 30000},
		{Out: t.TempDir(), ChainID: "x", Validators: []string{"court"}, BasePort: 30000, AnchorProfile: "p.yaml"},
		{Out: t.TempDir(), ChainID: "x", Validators: []string{"court"}, Observers: []string{"court"}, BasePort: 30000},
		{Out: t.TempDir(), ChainID: "x", Validators: []string{"court"}, Observers: []string{"judge"}, BasePort: 30000},
		{Out: t.TempDir(), ChainID: "x", Observers: []string{"appraisal"}, BasePort: 30000},
		{Out: t.TempDir(), ChainID: "x", Validators: []string{"court"}, Observers: []string{"appraisal"}, BasePort: 65525},
	} {
		if _, err := Testnet(bad); err == nil {
			t.Errorf("Testnet(%+v) succeeded", bad)
		}
	}
}

// TestTestnetObservers: an observer's organisation is in the genesis (CA,
// credentials, weight) and its node a peer of every other, but not a
// validator; the appraisal role may be a validator's or an observer's.
func TestTestnetObservers(t *testing.T) {
	out := t.TempDir()
	nodes, err := Testnet(TestnetOptions{Out: out, ChainID: "net-test", Validators: []string{"court", "appraisal-2"},
		Observers: []string{"appraisal"}, BasePort: 30000, Now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)})
	if err != nil {
		t.Fatalf("Testnet: %v", err)
	}
	if len(nodes) != 3 || nodes[2].Org != "appraisal" || !nodes[2].Observer || nodes[0].Observer || nodes[1].Observer ||
		nodes[2].Role != chain.RoleAppraisal || nodes[1].Role != chain.RoleAppraisal || nodes[2].API != "127.0.0.1:30022" {
		t.Fatalf("nodes %+v", nodes)
	}
	c, err := config.Load(nodes[2].Home)
	if err != nil {
		t.Fatal(err)
	}
	if peers := strings.Split(c.Consensus.PersistentPeers, ","); len(peers) != 2 {
		t.Errorf("observer peers %q", c.Consensus.PersistentPeers)
	}
	doc, gs := readGenesis(t, Home(nodes[0].Home))
	if len(doc.Validators) != 2 || doc.Validators[0].Name != "court" || doc.Validators[1].Name != "appraisal-2" {
		t.Fatalf("genesis validators %+v", doc.Validators)
	}
	if len(gs.Orgs) != 3 || gs.Orgs[2].ID != "appraisal" || gs.Orgs[2].Role != string(chain.RoleAppraisal) || gs.Orgs[2].Weight != 1 ||
		len(gs.Orgs[2].Credentials) != 1 || gs.Orgs[2].Name != "示范司法鉴定所" || gs.RulesVersion != chain.LatestRulesVersion {
		t.Fatalf("genesis app_state %+v", gs)
	}
}
