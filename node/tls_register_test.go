package node

import (
	"context"
	"crypto/tls"
	"net/http"
	"net/http/httptrace"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/store"
	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/config"
	"github.com/sealchain/sealchain/internal/nodetest"
	"github.com/sealchain/sealchain/node/comet"
	"github.com/sealchain/sealchain/node/nodehome"
	"github.com/sealchain/sealchain/signer"
)

// TestMTLSRegisteredCertNode runs a node of a production network (genesis
// "production": true) with [api] auth = "mtls": a court's TLS client
// certificate is refused until the court registers it on chain
// (cert_issued), then answers, and once the court revokes it (cert_revoked)
// the next query on the same kept-alive connection gets a 401 naming the
// revocation.
func TestMTLSRegisteredCertNode(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a CometBFT node")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	dir := t.TempDir()
	const chainID = "mtls-registered"
	mk := func(org string, role chain.Role) (string, *nodehome.Member) {
		home := filepath.Join(dir, org)
		c := config.Default()
		c.API.Listen = itFreeHostPort(t)
		c.Consensus.P2PListen, c.Consensus.RPCListen = nodetest.CometAddr(t), ""
		c.Consensus.BlockInterval = config.Duration{Duration: 100 * time.Millisecond}
		c.Log.Level = "error"
		c.Intent.DevOTP, c.Workflow.DevProviders, c.Workflow.Enabled = false, false, false // dev providers are refused on a production chain
		opts := nodehome.InitOptions{Home: home, ChainID: chainID, OrgID: org, OrgName: org, Role: role, Config: c, Production: true}
		if org == "platform" {
			opts.Config.API.Auth = "mtls"
			opts.TLSHosts = []string{"127.0.0.1"}
		}
		m, err := nodehome.InitHome(opts)
		if err != nil {
			t.Fatal(err)
		}
		return home, m
	}
	platformHome, platform := mk("platform", chain.RolePlatform)
	courtHome, court := mk("court", chain.RoleCourt)
	appState, _ := jsonMarshal(chain.GenesisState{Production: true, Orgs: []chain.GenesisOrg{platform.Org, court.Org}})
	if err := comet.WriteGenesis(platformHome, chainID, time.Now(), []comet.GenesisValidator{{Name: "platform", PubKey: platform.Validator, Power: 10}}, appState); err != nil {
		t.Fatal(err)
	}
	n, err := New(platformHome, apiContract(t), WithLogger(NewLogger(discard{}, config.Log{Level: "error", Format: "text"})))
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Stop() })
	base := "https://" + n.APIAddr()
	genesis, err := os.ReadFile(nodehome.Home(platformHome).Genesis())
	if err != nil {
		t.Fatal(err)
	}
	cas, err := client.GenesisOrgCAs(genesis)
	if err != nil {
		t.Fatal(err)
	}

	// Submitting needs no client certificate: txs carry their own signatures.
	anonTLS, err := client.TLSConfig(client.TLSOptions{CAs: cas})
	if err != nil {
		t.Fatal(err)
	}
	submitter := func(home, org string) *govNode {
		c, _ := client.New(base, nil)
		g := &govNode{org: org, home: home, n: n, c: c.WithTLS(anonTLS)}
		g.net = &[]*govNode{g}
		if g.sub, err = client.LoadSubmitter(chainID, org, nodehome.Home(home).SubmitterCert(), nodehome.Home(home).SubmitterKey()); err != nil {
			t.Fatal(err)
		}
		return g
	}
	pg, cg := submitter(platformHome, "platform"), submitter(courtHome, "court")
	fp := registerCert(t, pg)
	doc, _ := docHashes([]byte("registered mTLS test contract"))
	pg.submit(t, &chain.ContractCreated{Contract: "reg-1", DocSM3: doc, DocSHA256: make([]byte, 32), Parties: []chain.Fingerprint{fp}, Order: chain.OrderSequential})

	// The court's TLS client certificate, as `sealchain cert issue --tls client` makes it.
	ca, err := signer.LoadCA(nodehome.Home(courtHome).CACert(), nodehome.Home(courtHome).CAKey())
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := filepath.Join(dir, "court-tls.crt"), filepath.Join(dir, "court-tls.key")
	now := time.Now().Add(-time.Minute).UTC().Truncate(time.Second)
	if err := nodehome.IssueTLSFiles(ca, certFile, keyFile, signer.TLSOptions{SubjectRef: "court-api-client", Role: signer.TLSClient,
		NotBefore: now, NotAfter: now.Add(24 * time.Hour)}, nil, nil); err != nil {
		t.Fatal(err)
	}
	courtFP, err := certFingerprintFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	courtTLS, err := client.TLSConfig(client.TLSOptions{CAs: cas, CertFile: certFile, KeyFile: keyFile})
	if err != nil {
		t.Fatal(err)
	}
	// One transport, keep-alives on: reused counts requests that went over
	// an existing connection.
	var reused atomic.Int32
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: dialling127(courtTLS), MaxConnsPerHost: 1}}
	t.Cleanup(hc.CloseIdleConnections)
	query := func() (int, map[string]any) {
		t.Helper()
		tctx := httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) {
			if i.Reused {
				reused.Add(1)
			}
		}})
		status, body, err := nodetest.GetJSON(tctx, hc, base+"/v1/evidence?contract_id=reg-1")
		if err != nil {
			t.Fatal(err)
		}
		return status, body
	}
	errMessage := func(body map[string]any) (string, string) {
		e, _ := body["error"].(map[string]any)
		code, _ := e["code"].(string)
		msg, _ := e["message"].(string)
		return code, msg
	}

	// A production network refuses an unregistered certificate, saying so.
	if status, body := query(); status != http.StatusUnauthorized {
		t.Fatalf("unregistered certificate: %d %v, want 401", status, body)
	} else if code, msg := errMessage(body); code != "unauthenticated" || !strings.Contains(msg, "not registered on chain") {
		t.Fatalf("unregistered certificate: %v", body)
	}

	cg.submit(t, &chain.CertIssued{Cert: mustPEMCert(t, certFile)})
	if status, body := query(); status != http.StatusOK || body["records"] == nil {
		t.Fatalf("registered certificate: %d %.300v, want 200 with the evidence", status, body)
	}

	cg.submit(t, &chain.CertRevoked{Cert: courtFP, Reason: chain.ReasonKeyCompromise})
	before := reused.Load()
	status, body := query()
	if reused.Load() == before {
		t.Fatal("the query after revocation opened a new connection; the test needs the kept-alive one")
	}
	code, msg := errMessage(body)
	if status != http.StatusUnauthorized || code != "unauthenticated" ||
		!strings.Contains(msg, courtFP.String()) || !strings.Contains(msg, "was revoked at") || !strings.Contains(msg, "keyCompromise") {
		t.Fatalf("after revocation, on the kept-alive connection: %d %v, want 401 naming the revocation", status, body)
	}

	// A new connection completes the handshake and gets the same answer.
	hc.CloseIdleConnections()
	fresh := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: dialling127(courtTLS), DisableKeepAlives: true}}
	status, body, err = nodetest.GetJSON(ctx, fresh, base+"/v1/evidence?contract_id=reg-1")
	if _, msg := errMessage(body); err != nil || status != http.StatusUnauthorized || !strings.Contains(msg, "was revoked at") {
		t.Fatalf("after revocation, new connection: %d %v %v", status, body, err)
	}

	// The court can list the credential's whole history by its fingerprint:
	// registration, the query it answered, revocation.
	nodetest.WaitFor(t, 20*time.Second, "the court's TLS certificate history is indexed", func() bool {
		p, err := n.Store().View().ByCert(courtFP, store.Query{Limit: 10, UpTo: n.Store().Last().LogSize})
		if err != nil {
			return false
		}
		seen := map[chain.Type]bool{}
		for _, i := range p.Indexes {
			raw, err := n.Store().View().Entry(i)
			if err != nil {
				return false
			}
			e, err := chain.DecodeEntry(raw)
			if err != nil {
				return false
			}
			tx, err := chain.DecodeRecord(e.Tx)
			if err != nil {
				return false
			}
			seen[tx.Body.Type()] = true
		}
		return seen[chain.TypeCertIssued] && seen[chain.TypeQueryLogged] && seen[chain.TypeCertRevoked]
	})
}

func mustPEMCert(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c, err := signer.ParseCertificatePEM(b)
	if err != nil {
		t.Fatal(err)
	}
	return c.Raw
}

// dialling127 is cfg for a raw http.Transport to 127.0.0.1: what
// client.Client.WithTLS does per connection, so the node's certificate is
// checked against the address dialled.
func dialling127(cfg *tls.Config) *tls.Config {
	c := cfg.Clone()
	c.ServerName = "127.0.0.1"
	verify := c.VerifyConnection
	c.VerifyConnection = func(cs tls.ConnectionState) error {
		cs.ServerName = c.ServerName
		return verify(cs)
	}
	return c
}
