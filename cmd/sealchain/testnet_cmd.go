package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sealchain/sealchain/node/nodehome"
)

func newTestnetCmd() *cobra.Command {
	var (
		out, chainID string
		validators   []string
		observers    []string
		basePort     int
		force        bool
		anchorF      anchorFlags
	)
	cmd := &cobra.Command{
		Use:   "testnet",
		Short: "Create the homes of a local multi-institution network (one per organisation, shared genesis)",
		Long: `Creates one node home per institution under --out, each with its own org CA,
validator key and node key, one shared genesis naming every organisation and
validator, persistent peers, and distinct ports on 127.0.0.1: node i uses
base+10i (P2P), base+10i+1 (CometBFT RPC) and base+10i+2 (API), validators
first, then observers. An observer's organisation is in the genesis (CA,
credentials, weight) and its node is a full node, not a validator. Start them
with 'make localnet' or 'sealchain start --home DIR/ORG'.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			anchoring, err := anchorF.genesis(append(slices.Clip(validators), observers...))
			if err != nil {
				return err
			}
			nodes, err := nodehome.Testnet(nodehome.TestnetOptions{Out: out, ChainID: chainID, Validators: validators, Observers: observers, BasePort: basePort, Force: force,
				Anchoring: anchoring, AnchorProfile: anchorF.profile})
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "testnet %s: %d validators, %d observers in %s\n", chainID, len(validators), len(observers), out)
			for _, n := range nodes {
				otp := ""
				if n.Role == "platform" {
					otp = "  (dev OTP verifier)"
				}
				if n.Observer {
					otp += "  (observer: full node)"
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
	f.StringSliceVar(&observers, "observers", []string{"appraisal"}, "organisations in the genesis whose nodes are full nodes, not validators; named as --validators (empty: none)")
	f.IntVar(&basePort, "base-port", 26600, "first port; node i uses base+10i .. base+10i+2")
	f.BoolVar(&force, "force", false, "replace existing homes")
	anchorF.register(cmd)
	return cmd
}
