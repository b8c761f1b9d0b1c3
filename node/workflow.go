package node

import (
	"cmp"
	"errors"
	"fmt"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/config"
	"github.com/sealchain/sealchain/node/comet"
	"github.com/sealchain/sealchain/node/flowapi"
	"github.com/sealchain/sealchain/workflow"
	"github.com/sealchain/sealchain/workflow/filestore"
)

// CrashEnv names a workflow step at which the node kills itself (flowapi.CrashEnv).
const CrashEnv = flowapi.CrashEnv

// startWorkflow opens and starts the workflow when [workflow] enabled and
// this node's organisation is a platform. The API listener must be open
// (its address is the default link prefix).
func (n *Node) startWorkflow() error {
	wc := n.cfg.Workflow
	if !wc.Enabled {
		return nil
	}
	var role chain.Role
	for _, o := range n.gs.Orgs {
		if o.ID == n.cfg.Org {
			role = chain.Role(o.Role)
		}
	}
	if role != chain.RolePlatform {
		n.logger.Info("workflow off: this node's organisation is not a platform", "org", n.cfg.Org, "role", role)
		return nil
	}
	if wc.DevProviders && n.gs.Production {
		return &config.KeyError{Key: "workflow.dev_providers", Err: errors.New("development providers are refused on a production chain (genesis app_state.production)")}
	}
	if dev := wc.Providers.DevVendors(); len(dev) > 0 && (!wc.DevProviders || n.gs.Production) {
		// A production chain needs a vendor for each of SMS, identity and
		// bank ([workflow.providers], docs/workflow.md); the development
		// ones are for development chains with dev_providers on.
		return &config.KeyError{Key: dev[0] + ".vendor", Err: errors.New("no production provider configured (tencent, or aliyun for sms); the development provider needs workflow.dev_providers on a development chain")}
	}
	public := cmp.Or(wc.PublicURL, n.cfg.API.PublicURL) // links and report QR codes name one address
	if public == "" {
		scheme := "http"
		if n.tlsCert != nil {
			scheme = "https"
		}
		public = scheme + "://" + n.lis.Addr().String()
	}
	pool, _ := n.comet.Mempool().(flowapi.TxPool)
	h := n.home
	s, err := flowapi.Open(flowapi.Config{
		Workflow: wc, Genesis: n.genesis, GenesisState: n.gs, Org: n.cfg.Org, PublicURL: public,
		Paths: flowapi.Paths{SubmitterCert: h.SubmitterCert(), SubmitterKey: h.SubmitterKey(), CACert: h.CACert(), CAKey: h.CAKey(),
			VerifierKey: h.VerifierKey(), VerifierCert: h.VerifierCert(), Token: h.WorkflowToken(), DB: h.WorkflowDB(),
			Files: h.WorkflowFiles(), Search: h.WorkflowSearch(), FilesKEK: h.Path("config", filestore.DefaultKEKFile), KEK: h.Path("config", workflow.KEKFile),
			S3Credentials: h.Resolve(wc.S3.CredentialsFile), S3CA: h.Resolve(wc.S3.CAFile)},
		Store: n.store, Submitter: n.sub, Pool: pool, Assemble: n.assemble, RevocationURLs: n.revocationURLs,
		Resolve: n.home.Resolve,
		MaxBody: n.cfg.API.MaxBodyBytes, Wait: n.cfg.API.WaitTimeout.Duration, Metrics: n.reg, Pages: n.ofdPages,
		PebbleLogger: comet.PebbleLogger(n.logger.With("module", "workflow", "db", "workflow")),
		Logger:       n.logger.With("module", "workflow"), APILogger: n.logger.With("module", "api"),
	})
	if err != nil {
		return fmt.Errorf("workflow: %w", err)
	}
	n.wf = s
	return nil
}
