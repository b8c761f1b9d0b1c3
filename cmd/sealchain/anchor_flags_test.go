package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/config"
	"github.com/sealchain/sealchain/node"
	"github.com/sealchain/sealchain/node/nodehome"
)

func TestAnchorFlagsGenesis(t *testing.T) {
	orgs := []string{"court", "platform"}
	full := anchorFlags{org: "court", network: "court-net", channel: "anchorchannel", chaincode: "anchor"}
	long := strings.Repeat("c", maxFabricName+1)
	tests := []struct {
		name    string
		f       anchorFlags
		want    *chain.GenesisAnchoring
		wantErr []string // substrings of the error; nil: no error
	}{
		{name: "none", f: anchorFlags{}},
		{name: "all", f: full, want: &chain.GenesisAnchoring{Org: "court", Network: "court-net", Channel: "anchorchannel", Chaincode: "anchor"}},
		{name: "all with profile", f: anchorFlags{org: "platform", network: "n", channel: "c", chaincode: "cc", profile: "fabric/p.yaml"},
			want: &chain.GenesisAnchoring{Org: "platform", Network: "n", Channel: "c", Chaincode: "cc"}},
		{name: "org only", f: anchorFlags{org: "court"}, wantErr: []string{"--anchor-network, --anchor-channel, --anchor-chaincode: required with --anchor-org"}},
		{name: "missing chaincode", f: anchorFlags{org: "court", network: "n", channel: "c"}, wantErr: []string{"--anchor-chaincode: required", "all or none"}},
		{name: "network without org", f: anchorFlags{network: "n"}, wantErr: []string{"--anchor-org, --anchor-channel, --anchor-chaincode: required with --anchor-network"}},
		{name: "profile alone", f: anchorFlags{profile: "p.yaml"}, wantErr: []string{"--anchor-profile: needs --anchor-org"}},
		{name: "unknown org", f: anchorFlags{org: "notary", network: "n", channel: "c", chaincode: "cc"}, wantErr: []string{"--anchor-org", `"notary"`, "court, platform"}},
		{name: "channel too long", f: anchorFlags{org: "court", network: "n", channel: long, chaincode: "cc"}, wantErr: []string{"--anchor-channel", "1..255 bytes"}},
		{name: "chaincode spaces", f: anchorFlags{org: "court", network: "n", channel: "c", chaincode: " cc"}, wantErr: []string{"--anchor-chaincode"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.f.genesis(orgs)
			if tt.wantErr != nil {
				if err == nil {
					t.Fatalf("got %+v, want an error", got)
				}
				for _, s := range tt.wantErr {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q does not contain %q", err, s)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (got == nil) != (tt.want == nil) || (got != nil && *got != *tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// execute runs the CLI in process.
func execute(t *testing.T, args ...string) (string, error) {
	t.Helper()
	root := newRoot()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(args)
	err := root.Execute()
	return out.String(), err
}

// genesisAnchoring decodes a home's genesis with the app's own parser.
func genesisAnchoring(t *testing.T, home string) *chain.GenesisAnchoring {
	t.Helper()
	data, err := os.ReadFile(nodehome.Home(home).Genesis())
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		AppState json.RawMessage `json:"app_state"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	gs, _, err := chain.ParseGenesisState(doc.AppState)
	if err != nil {
		t.Fatalf("genesis app_state refused: %v", err)
	}
	return gs.Anchoring
}

func TestInitTestnetAnchorFlags(t *testing.T) {
	dir := t.TempDir()
	want := chain.GenesisAnchoring{Org: "court", Network: "court-net", Channel: "anchorchannel", Chaincode: "anchor"}

	// A partial set is refused before anything is written.
	bad := filepath.Join(dir, "bad")
	if _, err := execute(t, "init", "--home", bad, "--org", "court", "--role", "court", "--anchor-org", "court"); err == nil ||
		!strings.Contains(err.Error(), "--anchor-network") {
		t.Fatalf("init with --anchor-org only: %v, want an error naming --anchor-network", err)
	}
	if _, err := execute(t, "init", "--home", bad, "--org", "court", "--role", "court",
		"--anchor-org", "platform", "--anchor-network", "n", "--anchor-channel", "c", "--anchor-chaincode", "cc"); err == nil ||
		!strings.Contains(err.Error(), "--anchor-org") {
		t.Fatalf("init anchoring another org: %v, want an error naming --anchor-org", err)
	}
	if _, err := os.Stat(bad); !os.IsNotExist(err) {
		t.Fatalf("refused init left %s behind (%v)", bad, err)
	}

	home := filepath.Join(dir, "court")
	out, err := execute(t, "init", "--home", home, "--chain-id", "anchor-init", "--org", "court", "--role", "court",
		"--anchor-org", "court", "--anchor-network", "court-net", "--anchor-channel", "anchorchannel", "--anchor-chaincode", "anchor",
		"--anchor-profile", "fabric/court.yaml")
	if err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}
	if got := genesisAnchoring(t, home); got == nil || *got != want {
		t.Fatalf("genesis anchoring %+v, want %+v", got, want)
	}
	c, err := config.Load(home)
	if err != nil {
		t.Fatalf("config of the anchoring home: %v", err)
	}
	if !c.Anchor.Enable || c.Anchor.Profile != "fabric/court.yaml" {
		t.Fatalf("[anchor] enable %t profile %q, want on with fabric/court.yaml", c.Anchor.Enable, c.Anchor.Profile)
	}

	// A node starts from such a genesis (node.New parses it, Start runs
	// InitChain). Without --anchor-profile [anchor] stays off, so no Fabric
	// is needed.
	plain := filepath.Join(dir, "plain")
	if out, err := execute(t, "init", "--home", plain, "--chain-id", "anchor-start", "--org", "court", "--role", "court",
		"--api-listen", freeAddr(t), "--p2p-listen", "tcp://"+freeAddr(t), "--rpc-listen", "tcp://"+freeAddr(t),
		"--anchor-org", "court", "--anchor-network", "court-net", "--anchor-channel", "anchorchannel", "--anchor-chaincode", "anchor"); err != nil {
		t.Fatalf("init without profile: %v\n%s", err, out)
	}
	if c, err := config.Load(plain); err != nil || c.Anchor.Enable {
		t.Fatalf("init without --anchor-profile: [anchor] enable %t, err %v", c.Anchor.Enable, err)
	}
	n, err := node.New(plain)
	if err != nil {
		t.Fatalf("node.New: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := n.Start(ctx); err != nil {
		t.Fatalf("start from the anchoring genesis: %v", err)
	}
	for {
		if _, err := n.Store().View().Checkpoint(1); err == nil {
			break
		}
		select {
		case <-ctx.Done():
			n.Stop()
			t.Fatal("no block committed on the anchoring genesis")
		case <-time.After(50 * time.Millisecond):
		}
	}
	if err := n.Stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}

	// testnet: one genesis for every home; only the anchoring org submits.
	net := filepath.Join(dir, "net")
	out, err = execute(t, "testnet", "--out", net, "--validators", "court,platform", "--base-port", "27600",
		"--anchor-org", "court", "--anchor-network", "court-net", "--anchor-channel", "anchorchannel", "--anchor-chaincode", "anchor",
		"--anchor-profile", "fabric/court.yaml")
	if err != nil {
		t.Fatalf("testnet: %v\n%s", err, out)
	}
	for _, org := range []string{"court", "platform"} {
		h := filepath.Join(net, org)
		if got := genesisAnchoring(t, h); got == nil || *got != want {
			t.Fatalf("%s: genesis anchoring %+v, want %+v", org, got, want)
		}
		c, err := config.Load(h)
		if err != nil {
			t.Fatal(err)
		}
		if c.Anchor.Enable != (org == "court") {
			t.Errorf("%s: [anchor] enable = %t", org, c.Anchor.Enable)
		}
	}
	if _, err := execute(t, "testnet", "--out", filepath.Join(dir, "net2"), "--validators", "court,platform",
		"--anchor-org", "notary", "--anchor-network", "n", "--anchor-channel", "c", "--anchor-chaincode", "cc"); err == nil ||
		!strings.Contains(err.Error(), "--anchor-org") {
		t.Fatalf("testnet anchoring a non-validator: %v, want an error naming --anchor-org", err)
	}
}
