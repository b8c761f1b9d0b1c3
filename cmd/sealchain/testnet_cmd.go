package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sealchain/sealchain/node/nodehome"
)

func newTestnetCmd() *cobra.Command {
	var (
		out, chainID string
		validators   []string
		basePort     int
		force        bool
		anchorF      anchorFlags
	)
	cmd := &cobra.Command{
		Use:   "testnet",
		Short: "Create the homes of a local multi-institution network (one per validator, shared genesis)",
		Long: `Creates one node home per institution under --out, each with its own org CA,
validator key and node key, one shared genesis naming every organisation and
validator, persistent peers, and distinct ports on 127.0.0.1: node i uses
base+10i (P2P), base+10i+1 (CometBFT RPC) and base+10i+2 (API). Start them with
'make localnet' or 'sealchain start --home DIR/ORG'.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			anchoring, err := anchorF.genesis(validators)
			if err != nil {
				return err
			}
			nodes, err := nodehome.Testnet(nodehome.TestnetOptions{Out: out, ChainID: chainID, Validators: validators, BasePort: basePort, Force: force,
				Anchoring: anchoring, AnchorProfile: anchorF.profile})
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "testnet %s: %d validators in %s\n", chainID, len(nodes), out)
			for _, n := range nodes {
				otp := ""
				if n.Role == "platform" {
					otp = "  (dev OTP verifier)"
				}
				fmt.Fprintf(w, "  %-12s %-12s API http://%s  p2p %s  home %s%s\n", n.Org, n.Role, n.API, strings.TrimPrefix(n.P2P, "tcp://"), n.Home, otp)
			}
			if anchoring != nil {
				fmt.Fprintf(w, "  anchoring    %s -> %s/%s/%s (submits: %t)\n",
					anchoring.Org, anchoring.Network, anchoring.Channel, anchoring.Chaincode, anchorF.profile != "")
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&out, "out", "./localnet", "output directory")
	f.StringVar(&chainID, "chain-id", "sealchain-localnet", "chain id")
	f.StringSliceVar(&validators, "validators", []string{"court", "notary", "arbitration", "platform"}, "validator organisations; each a role, optionally with a -suffix (notary-2)")
	f.IntVar(&basePort, "base-port", 26600, "first port; node i uses base+10i .. base+10i+2")
	f.BoolVar(&force, "force", false, "replace existing homes")
	anchorF.register(cmd)
	return cmd
}
