package node

import (
	"context"
	"net/http"

	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/evidence/assemble"
	"github.com/sealchain/sealchain/node/chainapi"
	"github.com/sealchain/sealchain/node/httpjson"
	"github.com/sealchain/sealchain/node/nodehome"
	"github.com/sealchain/sealchain/node/openapi"
	"github.com/sealchain/sealchain/signer"
)

// routes builds the API: the chain and judicial API (node/chainapi) and,
// when it runs, the workflow's (node/flowapi) on one router.
func (n *Node) routes() http.Handler {
	gen, _ := cmtjsonMarshal(n.genesis)
	c := chainapi.Config{
		Store: n.store, Assemble: n.assemble, Submitter: n.sub, Genesis: n.genesis, GenesisJS: gen,
		Org: n.cfg.Org, API: n.cfg.API, Listen: n.lis.Addr().String(), Production: n.gs.Production,
		DevOTP: n.otp, MTLS: n.mtls, Status: n.statusInfo, Metrics: n.metrics, Gatherer: n.reg,
		Logger: n.logger.With("module", "api"), ProcessAlive: nodehome.ProcessAlive,
		Peers: n.cfg.Institution.Peers, DocumentsDir: n.home.Path("data", "documents"),
		CaseDir: n.home.Path("data", "casepkg"), PackagesDir: n.home.Path("data", "casepkg"),
	}
	if n.ofdPages != nil {
		c.OFDPages = n.ofdPages // the workflow's renderer draws report pages too
	}
	if n.wf != nil {
		c.SignedPDFs = n.wf
		c.CaseSource = n.wf.CaseSource()
		c.CaseNotifier = n.wf
	}
	if sub, err := client.LoadSubmitter(n.genesis.ChainID, n.cfg.Org, n.home.SubmitterCert(), n.home.SubmitterKey()); err != nil {
		n.logger.Error("queries and reports will not be recorded on chain: no submitter credential", "err", err)
	} else {
		c.Auditor = sub
	}
	if ca, err := signer.LoadCA(n.home.CACert(), n.home.CAKey()); err != nil {
		n.logger.Info("evidence reports disabled: no organisation CA in this home", "err", err)
	} else {
		ca.OCSPServer, ca.CRLDistributionPoints = n.revocationURLs()
		c.CA = ca
	}
	a := chainapi.New(c)
	n.bg.Go(func() { a.RunReports(n.ctx) })
	n.bg.Go(func() { a.RunCaseBuilds(n.ctx) })
	n.bg.Go(func() { a.RunCaseEvents(n.ctx) })
	rt := httpjson.NewRouter(n.metrics)
	rt.Route(openapi.Route, openapi.Serve)
	a.Register(rt)
	if n.witness != nil {
		n.witness.Register(rt.Route)
	}
	if n.wf != nil {
		n.wf.Register(rt, a.ValidatorOrgs)
	}
	if n.cfg.PKI.Enable {
		if svc := n.mountPKI(rt, c.CA, c.Auditor); svc != nil && n.wf != nil {
			n.wf.SetLTV(svc) // the workflow's PDFs become PAdES B-T, then B-LT
		}
	}
	if n.apiWrap != nil {
		return n.apiWrap(rt, rt.Patterns())
	}
	return rt
}

// assemble is assemble.Bundle over this node's store and CometBFT's headers.
// The best cosigned checkpoint covering the records goes in too, when
// witnesses sent one (witnessapi.API.Attach).
func (n *Node) assemble(ctx context.Context, s evidence.Subject) (*evidence.Bundle, error) {
	b, err := assemble.Bundle(ctx, n.store, n.comet, s)
	if err != nil || n.witness == nil {
		return b, err
	}
	if err := n.witness.Attach(b); err != nil {
		n.logger.Error("bundle without its witnessed checkpoint", "err", err)
	}
	return b, nil
}
