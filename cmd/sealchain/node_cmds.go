package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/config"
	"github.com/sealchain/sealchain/node"
	"github.com/sealchain/sealchain/node/nodehome"
	"github.com/sealchain/sealchain/signer"
	"github.com/sealchain/sealchain/signer/ofd/render"
	"github.com/sealchain/sealchain/workflow"
)

func newInitCmd() *cobra.Command {
	var (
		home, chainID, org, orgName, role, alg string
		force, production                      bool
		apiListen, p2p, rpc                    string
		tlsHosts, peers                        []string
		anchorF                                anchorFlags
	)
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Create a node home: config, keys, org CA and a single-validator genesis",
		RunE: func(cmd *cobra.Command, _ []string) error {
			r, err := chain.ParseRole(role)
			if err != nil {
				return err
			}
			a, err := signer.ParseAlgorithm(alg)
			if err != nil {
				return err
			}
			anchoring, err := anchorF.genesis([]string{org})
			if err != nil {
				return err
			}
			c := config.Default()
			if anchorF.profile != "" {
				c.Anchor.Enable, c.Anchor.Profile = true, anchorF.profile
			}
			if apiListen != "" {
				c.API.Listen = apiListen
			}
			if p2p != "" {
				c.Consensus.P2PListen = p2p
			}
			switch {
			case cmd.Flags().Changed("rpc-listen"):
				c.Consensus.RPCListen = rpc // "" turns it off
			case r != chain.RolePlatform:
				// CometBFT's RPC answers abci_query, /block and /tx_search
				// with no authentication and no query_logged record: a
				// judicial node keeps it off unless it serves state sync
				// (docs/operations.md).
				c.Consensus.RPCListen = ""
			}
			if production {
				c.Intent.DevOTP = false
				c.API.Auth = "signed"
			}
			if c.Institution.Peers, err = parsePeers(peers); err != nil {
				return err
			}
			// Checked here too, before nodehome.Init, which with --force
			// removes the old home before it checks the config.
			c.Org = org
			if err := c.Validate(); err != nil {
				return err
			}
			if orgName == "" {
				orgName = org
			}
			m, err := nodehome.Init(nodehome.InitOptions{
				Home: home, ChainID: chainID, OrgID: org, OrgName: orgName, Role: r,
				Config: c, Alg: a, Production: production, Force: force, TLSHosts: tlsHosts,
				Anchoring: anchoring,
			})
			if err != nil {
				return err
			}
			scheme := "http"
			if len(tlsHosts) > 0 {
				scheme = "https"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "initialised %s\n  chain id   %s\n  org        %s (%s)\n  node id    %s\n  API        %s://%s\n  config     %s\n",
				home, chainID, org, r, m.NodeID, scheme, c.API.Listen, config.Path(home))
			if c.Consensus.RPCListen == "" {
				fmt.Fprintf(cmd.OutOrStdout(), "  CometBFT RPC off (set [consensus] rpc_listen to serve state sync: docs/operations.md)\n")
			}
			for _, id := range slices.Sorted(maps.Keys(c.Institution.Peers)) {
				fmt.Fprintf(cmd.OutOrStdout(), "  peer       %s = %s\n", id, c.Institution.Peers[id])
			}
			if anchoring != nil {
				fmt.Fprintf(cmd.OutOrStdout(), "  anchoring  %s -> %s/%s/%s (submits: %t)\n",
					anchoring.Org, anchoring.Network, anchoring.Channel, anchoring.Chaincode, c.Anchor.Enable)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&home, "home", "./data", "node home directory")
	f.StringVar(&chainID, "chain-id", "sealchain-dev", "chain id")
	f.StringVar(&org, "org", "platform", "organisation id")
	f.StringVar(&orgName, "org-name", "", "organisation's display name (default: the id)")
	f.StringVar(&role, "role", "platform", "organisation role: platform, court, notary, arbitration or appraisal")
	f.StringVar(&alg, "alg", "sm2", "key algorithm of the org's CA and credentials: sm2 or ecdsa-p256")
	f.BoolVar(&force, "force", false, "replace an existing home, deleting its keys and chain data")
	f.BoolVar(&production, "production", false, "mark the genesis production: development providers are refused")
	f.StringVar(&apiListen, "api-listen", "", "HTTP API host:port (default 127.0.0.1:8080)")
	f.StringVar(&p2p, "p2p-listen", "", "CometBFT P2P tcp://host:port")
	f.StringVar(&rpc, "rpc-listen", "", `CometBFT RPC tcp://host:port; "" turns it off (default tcp://127.0.0.1:26657, off for court, notary and arbitration)`)
	f.StringArrayVar(&peers, "peer", nil, "another organisation's node API, ORG=URL (repeatable): [institution] peers, where case documents are fetched from (docs/configuration.md)")
	f.StringArrayVar(&tlsHosts, "tls-host", nil, "serve the API over HTTPS: issue a TLS server certificate for this DNS name or IP (repeatable) with the org CA")
	anchorF.register(cmd)
	return cmd
}

func newStartCmd() *cobra.Command {
	var home string
	cmd := &cobra.Command{
		Use:   "start",
		Short: "Run the node: CometBFT, the app and the HTTP API in one process (SIGTERM stops it cleanly)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			n, err := node.New(home, node.WithOFDRenderer(workflow.PageRendererFunc(render.PNG)))
			if err != nil {
				return err
			}
			startCtx, cancel := context.WithTimeout(cmd.Context(), 10*time.Minute)
			defer cancel()
			if err := n.Start(startCtx); err != nil {
				return err
			}
			fmt.Fprintf(os.Stderr, "sealchain: API on %s (Ctrl-C to stop)\n", n.APIURL())
			select {
			case <-cmd.Context().Done():
			case <-n.Quit():
			}
			if err := n.Stop(); err != nil && !errors.Is(err, node.ErrNotStarted) {
				return err
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&home, "home", "./data", "node home directory")
	return cmd
}

// parsePeers reads --peer ORG=URL values into [institution] peers. The URL
// is checked with the rest of the config (config.Validate); the org id
// here, since the config accepts any non-empty key.
func parsePeers(vals []string) (map[string]string, error) {
	if len(vals) == 0 {
		return nil, nil
	}
	peers := make(map[string]string, len(vals))
	for _, v := range vals {
		id, u, ok := strings.Cut(v, "=")
		if !ok || u == "" {
			return nil, fmt.Errorf("--peer %q: want ORG=URL, e.g. notary=http://10.0.0.3:8080", v)
		}
		if err := chain.ValidateID("--peer organisation", id); err != nil {
			return nil, fmt.Errorf("--peer %q: %w", v, err)
		}
		if _, dup := peers[id]; dup {
			return nil, fmt.Errorf("--peer %q: organisation %s given twice", v, id)
		}
		peers[id] = u
	}
	return peers, nil
}
