package nodehome

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/config"
)

// TestnetOptions describe a local multi-institution network: one home per
// organisation under Out, all on 127.0.0.1.
type TestnetOptions struct {
	Out     string
	ChainID string
	// Validators are org ids; each must be a role name (court, notary,
	// arbitration, appraisal, platform), optionally with a suffix after a
	// dash ("notary-2"), which sets the org's role.
	Validators []string
	// Observers are org ids named as Validators are: organisations in the
	// genesis (CA, credentials, weight) whose node is a full node, not a
	// validator. Their nodes come after the validators' (ports, order).
	Observers []string
	// BasePort: node i uses BasePort+10i (P2P), +1 (CometBFT RPC), +2 (API).
	BasePort      int
	BlockInterval time.Duration
	Force         bool
	Now           time.Time
	// Anchoring, when set, is the genesis app_state.anchoring; its org must
	// be one of Validators.
	Anchoring *chain.GenesisAnchoring
	// AnchorProfile, when set with Anchoring, turns [anchor] enable on in
	// the anchoring org's config with this Fabric connection profile
	// (relative paths are under that node's home).
	AnchorProfile string
}

// TestnetNode is one generated node.
type TestnetNode struct {
	Org    string
	Role   chain.Role
	Home   string
	API    string // host:port
	P2P    string // tcp://host:port
	RPC    string // tcp://host:port
	NodeID string
	// Observer marks a full node whose org is in the genesis but which is
	// not a validator (TestnetOptions.Observers).
	Observer bool
}

// Testnet writes the homes of a local network with one shared genesis and
// every node a persistent peer of every other. Only platform nodes run the
// development OTP verifier: a court or notary validates and answers queries.
func Testnet(opts TestnetOptions) ([]TestnetNode, error) {
	if len(opts.Validators) == 0 {
		return nil, errors.New("testnet: no validators")
	}
	orgs := append(slices.Clip(opts.Validators), opts.Observers...)
	if opts.BasePort <= 0 || opts.BasePort+10*len(orgs) > 65535 {
		return nil, fmt.Errorf("testnet: base port %d out of range", opts.BasePort)
	}
	if err := checkAnchoring(opts.Anchoring, orgs); err != nil {
		return nil, fmt.Errorf("testnet: %w", err)
	}
	if opts.AnchorProfile != "" && opts.Anchoring == nil {
		return nil, errors.New("testnet: an anchor profile needs the genesis anchoring section")
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	seen := map[string]bool{}
	var nodes []TestnetNode
	var members []*Member
	var homes []string
	for i, v := range orgs {
		observer := i >= len(opts.Validators)
		what := "validator"
		if observer {
			what = "observer"
		}
		if seen[v] {
			return nil, fmt.Errorf("testnet: %s %q: organisation named twice", what, v)
		}
		seen[v] = true
		role, err := chain.ParseRole(strings.SplitN(v, "-", 2)[0])
		if err != nil {
			return nil, fmt.Errorf("testnet: %s %q: %w", what, v, err)
		}
		p := opts.BasePort + 10*i
		n := TestnetNode{
			Org: v, Role: role, Home: filepath.Join(opts.Out, v),
			P2P: fmt.Sprintf("tcp://127.0.0.1:%d", p), RPC: fmt.Sprintf("tcp://127.0.0.1:%d", p+1),
			API: fmt.Sprintf("127.0.0.1:%d", p+2), Observer: observer,
		}
		c := config.Default()
		c.API.Listen = n.API
		c.Consensus.P2PListen = n.P2P
		c.Consensus.RPCListen = n.RPC
		c.Consensus.LocalNetwork = true
		if opts.BlockInterval > 0 {
			c.Consensus.BlockInterval = config.Duration{Duration: opts.BlockInterval}
		}
		c.Intent.DevOTP = role == chain.RolePlatform
		if opts.AnchorProfile != "" && v == opts.Anchoring.Org {
			c.Anchor.Enable, c.Anchor.Profile = true, opts.AnchorProfile
		}
		m, err := InitHome(InitOptions{
			Home: n.Home, ChainID: opts.ChainID, OrgID: v, OrgName: orgDisplayName(role, v),
			Role: role, Config: c, Force: opts.Force, Now: opts.Now,
		})
		if err != nil {
			return nil, fmt.Errorf("testnet: %s: %w", v, err)
		}
		if observer {
			m.Power = 0 // in the genesis orgs, not its validators
		}
		n.NodeID = m.NodeID
		nodes = append(nodes, n)
		members = append(members, m)
		homes = append(homes, n.Home)
	}
	if err := writeNetworkGenesis(homes, opts.ChainID, opts.Now.UTC(), false, members, opts.Anchoring); err != nil {
		return nil, err
	}
	for i, n := range nodes {
		var peers []string
		for j, o := range nodes {
			if i != j {
				peers = append(peers, o.NodeID+"@"+strings.TrimPrefix(o.P2P, "tcp://"))
			}
		}
		c, err := config.Load(n.Home)
		if err != nil {
			return nil, err
		}
		c.Consensus.PersistentPeers = strings.Join(peers, ",")
		// Every other org's API, for institution cases' PDFs (config.Institution).
		c.Institution.Peers = map[string]string{}
		for j, o := range nodes {
			if i != j {
				c.Institution.Peers[o.Org] = "http://" + o.API
			}
		}
		if err := c.Save(n.Home); err != nil {
			return nil, err
		}
	}
	return nodes, nil
}

func orgDisplayName(r chain.Role, id string) string {
	names := map[chain.Role]string{
		// Chinese, as an institution's registered name is: the documents it
		// issues print it and its seal carries it (docs/judicial-services.md).
		chain.RoleCourt:       "示范人民法院",
		chain.RoleNotary:      "示范公证处",
		chain.RoleArbitration: "示范仲裁委员会",
		chain.RolePlatform:    "示范电子签约平台有限公司",
		chain.RoleAppraisal:   "示范司法鉴定所",
	}
	if _, suffix, ok := strings.Cut(id, "-"); ok {
		return names[r] + " " + suffix
	}
	return names[r]
}
