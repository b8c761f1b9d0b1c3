package node

import (
	"context"
	"encoding/asn1"
	"fmt"
	"log/slog"
	"time"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/client"

	"github.com/sealchain/sealchain/config"
	"github.com/sealchain/sealchain/node/httpjson"
	"github.com/sealchain/sealchain/node/pki"
	"github.com/sealchain/sealchain/node/submit"
	"github.com/sealchain/sealchain/signer"
)

// revocationURLs are the AIA and CRL distribution point URLs of the
// certificates this node issues: set with [pki] enable and base_url.
func (n *Node) revocationURLs() (ocsp, crl []string) {
	if !n.cfg.PKI.Enable {
		return nil, nil
	}
	return pki.RevocationURLs(n.cfg.PKI.BaseURL, n.cfg.Org)
}

// mountPKI serves [pki]: the TSA, OCSP and CRL routes (node/pki). Without
// the org CA key they stay off, said once in the log.
func (n *Node) mountPKI(rt *httpjson.Router, ca *signer.CA, auditor *client.Submitter) *pki.Service {
	log := n.logger.With("module", "pki")
	if ca == nil {
		log.Error("[pki] enable is set but this home holds no organisation CA key: TSA, OCSP and CRL are off")
		return nil
	}
	oid, err := config.ParseOID(n.cfg.PKI.PolicyOID)
	if err != nil { // Validate checked it
		log.Error("[pki] policy_oid", "err", err)
		return nil
	}
	p := n.cfg.PKI
	ocsp, crl := pki.RevocationURLs(p.BaseURL, n.cfg.Org)
	now := time.Now()
	resolve := func(f string) string {
		if f == "" {
			return ""
		}
		return n.home.Resolve(f)
	}
	ecdsa, err := pki.LoadOrIssueAuthority(ca, signer.AlgECDSAP256, resolve(p.TSAECDSAKeyFile), resolve(p.TSAECDSACertFile), n.home.Keys(), n.cfg.Org, ocsp, crl, now)
	if err != nil {
		log.Error("TSA: no ECDSA authority: SHA-256 requests are refused", "err", err)
	}
	sm2, err := pki.LoadOrIssueAuthority(ca, signer.AlgSM2, resolve(p.TSASM2KeyFile), resolve(p.TSASM2CertFile), n.home.Keys(), n.cfg.Org, ocsp, crl, now)
	if err != nil {
		log.Error("TSA: no SM2 authority: SM3 requests are refused", "err", err)
	}
	svc, err := pki.New(pki.Config{
		Chain: n.store, Org: n.cfg.Org, CA: ca, Policy: asn1.ObjectIdentifier(oid),
		ECDSA: ecdsa, SM2: sm2, BaseURL: p.BaseURL, Logger: log, MaxPDFBytes: n.cfg.API.PDFMaxBytes,
		Record: n.tokenRecorder(auditor, log), Request: n.stampRequester(auditor), QueueDir: n.home.TSAQueue(),
	})
	if err != nil {
		log.Error("[pki] off", "err", err)
		return nil
	}
	svc.Register(rt)
	n.bg.Go(func() { svc.Run(n.ctx) })
	return svc
}

// tokenRecorder submits the TSA's timestamp_issued records with the org's
// submitter credential through the node's batching submitter. Without the
// credential tokens go unrecorded (said once); below rules version 4 the
// chain cannot hold them.
func (n *Node) tokenRecorder(auditor *client.Submitter, log *slog.Logger) pki.Recorder {
	if auditor == nil {
		log.Error("TSA tokens will not be recorded on chain: no submitter credential")
		return nil
	}
	return func(ctx context.Context, b *chain.TimestampIssued) error {
		if n.nextRules() < chain.RulesVersion4 {
			return pki.ErrRecordingOff
		}
		_, err := n.submitAccepted(ctx, auditor, b)
		return err
	}
}

// submitAccepted builds body with the org's submitter credential, hands it
// to the batching submitter and fails unless the submitter accepted it. It
// returns the transaction so a caller may wait for its commit.
func (n *Node) submitAccepted(ctx context.Context, auditor *client.Submitter, body chain.Body) ([]byte, error) {
	tx, err := auditor.Build(body, nil)
	if err != nil {
		return nil, err
	}
	o, err := n.sub.Submit(ctx, tx)
	if err != nil {
		return nil, err
	}
	if !o.Accepted() {
		return nil, fmt.Errorf("%s: code %d %s: %w", o.Status, o.Code, o.Log, o.Err)
	}
	return tx, nil
}

// stampRequester submits the timestamp_requested records of POST
// /v1/tsa/document (and the workflow's archive time stamps) with the org's
// submitter credential through the batching submitter, and waits for the
// commit: the token's genTime is that block time.
func (n *Node) stampRequester(auditor *client.Submitter) pki.Requester {
	if auditor == nil {
		return nil
	}
	return func(ctx context.Context, b *chain.TimestampRequested) error {
		if n.nextRules() < chain.RulesVersion5 {
			return pki.ErrRequestsOff
		}
		tx, err := n.submitAccepted(ctx, auditor, b)
		if err != nil {
			return err
		}
		o, err := n.sub.Wait(ctx, n.sub.RecordHash(tx))
		if err != nil {
			return err
		}
		if o.Status != submit.Committed && o.Status != submit.Replay {
			return fmt.Errorf("timestamp_requested %s: code %d %s: %w", o.Status, o.Code, o.Log, o.Err)
		}
		return nil
	}
}
