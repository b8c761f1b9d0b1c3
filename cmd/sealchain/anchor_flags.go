package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sealchain/sealchain/chain"
)

// maxFabricName is chain's limit on the genesis anchoring names; checked
// here too so the error names the flag.
const maxFabricName = 255

// anchorFlags are the genesis anchoring flags of init and testnet
// (docs/anchoring.md): all four of org, network, channel and chaincode, or
// none; profile optionally turns [anchor] on in the anchoring org's node.
type anchorFlags struct {
	org, network, channel, chaincode, profile string
}

func (a *anchorFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&a.org, "anchor-org", "", "genesis app_state.anchoring: the organisation that anchors checkpoints to Fabric (with --anchor-network, --anchor-channel, --anchor-chaincode)")
	f.StringVar(&a.network, "anchor-network", "", "genesis app_state.anchoring: Fabric network name")
	f.StringVar(&a.channel, "anchor-channel", "", "genesis app_state.anchoring: Fabric channel")
	f.StringVar(&a.chaincode, "anchor-chaincode", "", "genesis app_state.anchoring: anchor chaincode name")
	f.StringVar(&a.profile, "anchor-profile", "", "Fabric connection profile for the anchoring org's node: writes [anchor] enable = true and this profile (relative to its home)")
}

// genesis returns the anchoring section the flags describe (nil when none is
// set); orgs are the genesis organisations, one of which must anchor.
func (a *anchorFlags) genesis(orgs []string) (*chain.GenesisAnchoring, error) {
	fields := []struct{ flag, v string }{
		{"--anchor-org", a.org}, {"--anchor-network", a.network},
		{"--anchor-channel", a.channel}, {"--anchor-chaincode", a.chaincode},
	}
	var set, missing []string
	for _, f := range fields {
		if f.v == "" {
			missing = append(missing, f.flag)
		} else {
			set = append(set, f.flag)
		}
	}
	if len(set) == 0 {
		if a.profile != "" {
			return nil, fmt.Errorf("--anchor-profile: needs %s", strings.Join(missing, ", "))
		}
		return nil, nil
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%s: required with %s (the genesis anchoring flags are all or none)", strings.Join(missing, ", "), strings.Join(set, ", "))
	}
	for _, f := range fields[1:] {
		if len(f.v) > maxFabricName || strings.TrimSpace(f.v) != f.v {
			return nil, fmt.Errorf("%s: %q, want 1..%d bytes without surrounding spaces", f.flag, f.v, maxFabricName)
		}
	}
	if !slices.Contains(orgs, a.org) {
		return nil, fmt.Errorf("--anchor-org: %q is not an organisation of this genesis (want one of: %s)", a.org, strings.Join(orgs, ", "))
	}
	return &chain.GenesisAnchoring{Org: a.org, Network: a.network, Channel: a.channel, Chaincode: a.chaincode}, nil
}
