package node

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
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

// TestMTLSNode runs a node initialised with a TLS server certificate
// (nodehome.InitOptions.TLSHosts) and [api] auth = "signed,mtls" in a network of a
// court, the platform that runs it and a second platform: the court's TLS
// client certificate gets the evidence, the other platform's a 403, no
// credential a 401, a signed request over HTTPS still works, and the
// court's TLS query is recorded on chain under its TLS certificate.
func TestMTLSNode(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a CometBFT node")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dir := t.TempDir()
	mk := func(org string, role chain.Role) (string, *nodehome.Member) {
		home := filepath.Join(dir, org)
		c := config.Default()
		c.API.Listen = itFreeHostPort(t)
		c.Consensus.P2PListen, c.Consensus.RPCListen = nodetest.CometAddr(t), ""
		c.Consensus.BlockInterval = config.Duration{Duration: 100 * time.Millisecond}
		c.Log.Level = "error"
		c.Intent.DevOTP = role == chain.RolePlatform
		opts := nodehome.InitOptions{Home: home, ChainID: "mtls-test", OrgID: org, OrgName: org, Role: role, Config: c}
		if org == "platform" {
			opts.Config.API.Auth = "signed,mtls"
			opts.TLSHosts = []string{"127.0.0.1", "localhost"}
		}
		m, err := nodehome.InitHome(opts)
		if err != nil {
			t.Fatal(err)
		}
		return home, m
	}
	platformHome, platform := mk("platform", chain.RolePlatform)
	courtHome, court := mk("court", chain.RoleCourt)
	otherHome, other := mk("platform-2", chain.RolePlatform)
	cfg, err := config.Load(platformHome)
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.API.TLS() || !cfg.API.MTLSAuth() || !cfg.API.SignedAuth() {
		t.Fatalf("init wrote [api] %+v, want TLS files and auth signed,mtls", cfg.API)
	}
	if fi, err := os.Stat(nodehome.Home(platformHome).Resolve(cfg.API.TLSKeyFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("TLS key file: %v %v, want mode 0600", fi, err)
	}
	gs := chain.GenesisState{Orgs: []chain.GenesisOrg{platform.Org, court.Org, other.Org},
		Verifiers: []chain.GenesisVerifier{{Org: "platform", Cert: platform.Verifier}}}
	appState, _ := jsonMarshal(gs)
	if err := comet.WriteGenesis(platformHome, "mtls-test", time.Now(), []comet.GenesisValidator{{Name: "platform", PubKey: platform.Validator, Power: 10}}, appState); err != nil {
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
	// tlsClient is an org's client with a fresh TLS client certificate from
	// its CA (as `sealchain cert issue --tls client` makes), or none.
	tlsClient := func(home string) (*client.Client, chain.Fingerprint) {
		opts := client.TLSOptions{CAs: cas}
		var fp chain.Fingerprint
		if home != "" {
			h := nodehome.Home(home)
			ca, err := signer.LoadCA(h.CACert(), h.CAKey())
			if err != nil {
				t.Fatal(err)
			}
			now := time.Now().Add(-time.Minute).UTC().Truncate(time.Second)
			opts.CertFile, opts.KeyFile = filepath.Join(t.TempDir(), "tls.crt"), filepath.Join(t.TempDir(), "tls.key")
			if err := nodehome.IssueTLSFiles(ca, opts.CertFile, opts.KeyFile, signer.TLSOptions{SubjectRef: filepath.Base(home) + "-api-client",
				Role: signer.TLSClient, NotBefore: now, NotAfter: now.Add(24 * time.Hour)}, nil, nil); err != nil {
				t.Fatal(err)
			}
			fp, err = certFingerprintFile(opts.CertFile)
			if err != nil {
				t.Fatal(err)
			}
			// Every chain accepts only recorded client certificates: the
			// org records it (cert_issued) with its submitter credential.
			sub, err := client.LoadSubmitter("mtls-test", filepath.Base(home), h.SubmitterCert(), h.SubmitterKey())
			if err != nil {
				t.Fatal(err)
			}
			tx, err := sub.Build(&chain.CertIssued{Cert: mustPEMCert(t, opts.CertFile)}, nil)
			if err != nil {
				t.Fatal(err)
			}
			anon, _ := client.New(base, &http.Client{Timeout: 30 * time.Second})
			tcfg, err := client.TLSConfig(client.TLSOptions{CAs: cas})
			if err != nil {
				t.Fatal(err)
			}
			if res, err := anon.WithTLS(tcfg).Submit(ctx, tx, true); err != nil || !res.Committed {
				t.Fatalf("register the TLS client certificate: %v %+v", err, res)
			}
		}
		tc, err := client.TLSConfig(opts)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := client.New(base, nil)
		return c.WithTLS(tc), fp
	}

	// The platform records a certificate and a contract over HTTPS (submitting needs no client certificate).
	pc, _ := tlsClient("")
	g := &govNode{org: "platform", home: platformHome, n: n, c: pc}
	g.net = &[]*govNode{g}
	g.sub, _ = client.LoadSubmitter("mtls-test", "platform", nodehome.Home(platformHome).SubmitterCert(), nodehome.Home(platformHome).SubmitterKey())
	fp := registerCert(t, g)
	doc, _ := docHashes([]byte("mtls test contract"))
	g.submit(t, &chain.ContractCreated{Contract: "mtls-1", DocSM3: doc, DocSHA256: make([]byte, 32), Parties: []chain.Fingerprint{fp}, Order: chain.OrderSequential})

	courtTLS, courtFP := tlsClient(courtHome)
	otherTLS, _ := tlsClient(otherHome)
	anonTLS, _ := tlsClient("")
	courtSub, err := client.LoadSubmitter("mtls-test", "court", nodehome.Home(courtHome).SubmitterCert(), nodehome.Home(courtHome).SubmitterKey())
	if err != nil {
		t.Fatal(err)
	}
	courtSigned, _ := tlsClient("")
	courtSigned.WithRequestSigner("mtls-test", courtSub.Cert, courtSub.Key)

	path := "/v1/evidence?contract_id=mtls-1"
	for _, tc := range []struct {
		name   string
		c      *client.Client
		status int
		code   string
	}{
		{"court, TLS client certificate", courtTLS, http.StatusOK, ""},
		{"court, signed request over HTTPS", courtSigned, http.StatusOK, ""},
		{"another platform, TLS client certificate", otherTLS, http.StatusForbidden, "forbidden"},
		{"no credential", anonTLS, http.StatusUnauthorized, "unauthenticated"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw, err := tc.c.Get(ctx, path)
			if tc.status == http.StatusOK {
				if err != nil || !strings.Contains(string(raw), `"records"`) {
					t.Fatalf("%v %.200s", err, raw)
				}
				return
			}
			ae, ok := err.(*client.APIError)
			if !ok || ae.Status != tc.status || ae.Code != tc.code {
				t.Fatalf("%v, want %d %s", err, tc.status, tc.code)
			}
		})
	}

	// Plain HTTP to the HTTPS port gets nothing.
	if resp, err := http.Get("http://" + n.APIAddr() + "/healthz"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Error("plain HTTP answered on the HTTPS listener")
		}
	}

	// The court's TLS query is on chain under its TLS certificate.
	nodetest.WaitFor(t, 20*time.Second, "the court's TLS query is recorded", func() bool {
		p, err := n.Store().View().ByCert(courtFP, store.Query{Limit: 10, UpTo: n.Store().Last().LogSize})
		if err != nil {
			return false
		}
		// The certificate's own cert_issued is indexed under it too.
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
			if q, ok := tx.Body.(*chain.QueryLogged); ok && q.CallerOrg == "court" && q.CallerCert == courtFP {
				return true
			}
		}
		return false
	})
}

func certFingerprintFile(path string) (chain.Fingerprint, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return chain.Fingerprint{}, err
	}
	c, err := signer.ParseCertificatePEM(b)
	if err != nil {
		return chain.Fingerprint{}, err
	}
	return chain.FingerprintOf(c.Raw), nil
}
