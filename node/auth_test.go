package node

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/merklelog"
	"github.com/sealchain/sealchain/chain/store"
	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/config"
	"github.com/sealchain/sealchain/internal/nodetest"
	"github.com/sealchain/sealchain/node/comet"
	"github.com/sealchain/sealchain/node/nodehome"
	"github.com/sealchain/sealchain/signer"
)

// TestJudicialAuth runs a node with [api] auth = "signed" in a network of a
// court, the platform that runs the node, and a second platform: unsigned
// and badly signed queries get 401, the other platform 403, the court and
// the owning platform the evidence.
func TestJudicialAuth(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dir := t.TempDir()
	mk := func(org string, role chain.Role) (string, *nodehome.Member) {
		home := filepath.Join(dir, org)
		c := config.Default()
		c.API.Listen = itFreeHostPort(t)
		c.Consensus.P2PListen, c.Consensus.RPCListen = nodetest.CometAddr(t), ""
		c.Consensus.BlockInterval = config.Duration{Duration: 100 * time.Millisecond}
		c.API.Auth = "signed"
		c.Log.Level = "error"
		c.Intent.DevOTP = role == chain.RolePlatform
		m, err := nodehome.InitHome(nodehome.InitOptions{Home: home, ChainID: "auth-test", OrgID: org, OrgName: org, Role: role, Config: c})
		if err != nil {
			t.Fatal(err)
		}
		return home, m
	}
	platformHome, platform := mk("platform", chain.RolePlatform)
	courtHome, court := mk("court", chain.RoleCourt)
	otherHome, other := mk("platform-2", chain.RolePlatform)
	// One validator (the platform's); all three organisations in genesis.
	gs := chain.GenesisState{Orgs: []chain.GenesisOrg{platform.Org, court.Org, other.Org},
		Verifiers: []chain.GenesisVerifier{{Org: "platform", Cert: platform.Verifier}}}
	appState, _ := jsonMarshal(gs)
	if err := comet.WriteGenesis(platformHome, "auth-test", time.Now(), []comet.GenesisValidator{{Name: "platform", PubKey: platform.Validator, Power: 10}}, appState); err != nil {
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
	base := "http://" + n.APIAddr()

	signed := func(home string) *client.Client {
		h := nodehome.Home(home)
		sub, err := client.LoadSubmitter("auth-test", filepath.Base(home), h.SubmitterCert(), h.SubmitterKey())
		if err != nil {
			t.Fatal(err)
		}
		c, _ := client.New(base, nil)
		return c.WithRequestSigner("auth-test", sub.Cert, sub.Key)
	}
	// The platform records a certificate and a contract (submitting is not a query: no auth needed).
	g := &govNode{org: "platform", home: platformHome, n: n, c: signed(platformHome)}
	g.net = &[]*govNode{g}
	g.sub, _ = client.LoadSubmitter("auth-test", "platform", nodehome.Home(platformHome).SubmitterCert(), nodehome.Home(platformHome).SubmitterKey())
	fp := registerCert(t, g)
	doc, _ := docHashes([]byte("auth test contract"))
	sha := make([]byte, 32)
	g.submit(t, &chain.ContractCreated{Contract: "auth-1", DocSM3: doc, DocSHA256: sha, Parties: []chain.Fingerprint{fp}, Order: chain.OrderSequential})

	paths := []string{"/v1/evidence?contract_id=auth-1", "/v1/contracts/auth-1", "/v1/certs/" + fp.String(), "/v1/records/0"}
	for _, p := range paths {
		t.Run(p, func(t *testing.T) {
			status, hdr, body := itDo(ctx, t, http.MethodGet, base+p, "", nil)
			requireAPIError(t, "unsigned", status, hdr, body, http.StatusUnauthorized, "unauthenticated")
			for _, tc := range []struct {
				who  string
				c    *client.Client
				want int
			}{
				{"owning platform", signed(platformHome), http.StatusOK},
				{"court", signed(courtHome), http.StatusOK},
				{"another platform", signed(otherHome), http.StatusForbidden},
			} {
				_, err := tc.c.Get(ctx, p)
				switch {
				case tc.want == http.StatusOK && err != nil:
					t.Errorf("%s: %v", tc.who, err)
				case tc.want != http.StatusOK:
					ae, ok := err.(*client.APIError)
					if !ok || ae.Status != tc.want || ae.Code != "forbidden" {
						t.Errorf("%s: %v, want %d forbidden", tc.who, err, tc.want)
					}
				}
			}
		})
	}

	// Time range, paginated, with proofs against one checkpoint.
	type page struct {
		Checkpoint struct {
			LogSize uint64 `json:"log_size"`
			LogRoot string `json:"log_root"`
		} `json:"checkpoint"`
		Records []struct {
			Record struct {
				Index uint64 `json:"index"`
			} `json:"record"`
			Leaf  []byte   `json:"leaf"`
			Proof [][]byte `json:"proof"`
		} `json:"records"`
		Next *uint64 `json:"next"`
	}
	span := fmt.Sprintf("/v1/records?from=%s&to=%s&limit=1", time.Now().Add(-time.Hour).UTC().Format(time.RFC3339), time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
	var seen []uint64
	next := ""
	for i := 0; i < 10; i++ {
		raw, err := signed(courtHome).Get(ctx, span+next)
		if err != nil {
			t.Fatal(err)
		}
		var pg page
		if err := json.Unmarshal(raw, &pg); err != nil {
			t.Fatal(err)
		}
		root, _ := hexDecode(pg.Checkpoint.LogRoot)
		for _, r := range pg.Records {
			h := merklelog.SM3()
			if err := merklelog.VerifyInclusion(h, r.Record.Index, pg.Checkpoint.LogSize, h.HashLeaf(r.Leaf), r.Proof, root); err != nil {
				t.Fatalf("record %d: proof does not verify: %v", r.Record.Index, err)
			}
			seen = append(seen, r.Record.Index)
		}
		if pg.Next == nil {
			break
		}
		next = fmt.Sprintf("&after=%d", *pg.Next)
	}
	if len(seen) < 2 || seen[0] != 0 || seen[1] != 1 {
		t.Fatalf("time-range pages returned %v, want 0, 1, ... one per page", seen)
	}
	if raw, err := signed(otherHome).Get(ctx, strings.Replace(span, "limit=1", "limit=100", 1)); err != nil || strings.Contains(string(raw), `"index"`) {
		t.Fatalf("another platform sees records by time: %v %s", err, raw)
	}

	// Every answered query is on chain: the court made 4, the owning platform 4
	// (each path once per caller); refused ones are not recorded.
	courtSub, _ := client.LoadSubmitter("auth-test", "court", nodehome.Home(courtHome).SubmitterCert(), nodehome.Home(courtHome).SubmitterKey())
	courtFP := chain.FingerprintOf(courtSub.Cert)
	nodetest.WaitFor(t, 20*time.Second, "the court's queries are recorded", func() bool {
		p, err := n.Store().View().ByCert(courtFP, store.Query{Limit: 100, UpTo: n.Store().Last().LogSize})
		return err == nil && len(p.Indexes) >= len(paths)+len(seen)
	})
	otherSub, _ := client.LoadSubmitter("auth-test", "platform-2", nodehome.Home(otherHome).SubmitterCert(), nodehome.Home(otherHome).SubmitterKey())
	// platform-2: its four refused queries are not recorded, its (filtered,
	// empty) time-range query is.
	nodetest.WaitFor(t, 20*time.Second, "platform-2's answered query is recorded", func() bool {
		p, _ := n.Store().View().ByCert(chain.FingerprintOf(otherSub.Cert), store.Query{Limit: 100, UpTo: n.Store().Last().LogSize})
		return len(p.Indexes) == 1
	})

	// A bad signature, a stale or future request time, a swapped body and a
	// replay are refused.
	h := nodehome.Home(courtHome)
	sub, _ := client.LoadSubmitter("auth-test", "court", h.SubmitterCert(), h.SubmitterKey())
	good := nodetest.SignRequest(t, sub, nodetest.HostOf(base), http.MethodGet, "/v1/contracts/auth-1", time.Now().Unix(), nil, nil)
	for _, tc := range []struct {
		name string
		hdr  string
		want int
	}{
		{"stale", nodetest.SignRequest(t, sub, nodetest.HostOf(base), http.MethodGet, "/v1/contracts/auth-1", time.Now().Add(-61*time.Second).Unix(), nil, nil), http.StatusUnauthorized},
		{"future", nodetest.SignRequest(t, sub, nodetest.HostOf(base), http.MethodGet, "/v1/contracts/auth-1", time.Now().Add(40*time.Second).Unix(), nil, nil), http.StatusUnauthorized},
		{"bad signature", tamperSig(nodetest.SignRequest(t, sub, nodetest.HostOf(base), http.MethodGet, "/v1/contracts/auth-1", time.Now().Unix(), nil, nil)), http.StatusUnauthorized},
		{"first use", good, http.StatusOK},
		{"replay", good, http.StatusUnauthorized},
	} {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/v1/contracts/auth-1", nil)
		req.Header.Set("Authorization", tc.hdr)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Errorf("%s: status %d, want %d JSON", tc.name, resp.StatusCode, tc.want)
		}
	}
	// The replay added no second query_logged: the one request is recorded once.
	nodetest.WaitFor(t, 20*time.Second, "the court's last query is recorded", func() bool { return countQueries(t, n, courtFP, "/v1/contracts/auth-1") >= 1 })
	h0 := n.Store().Last().Height
	nodetest.WaitFor(t, 20*time.Second, "two more blocks", func() bool { return n.Store().Last().Height >= h0+2 })
	// Each of the court's four GETs of this path above was answered once
	// (TestJudicialAuth's role loop and the "first use"): replays add none.
	if got := countQueries(t, n, courtFP, "/v1/contracts/auth-1"); got != 2 {
		t.Errorf("the court's /v1/contracts/auth-1 queries recorded %d times, want 2 (role check, first use; not the replays)", got)
	}

	// The documented Go client's signed POST (its body signed) is accepted.
	job, err := signed(courtHome).CreateReport(ctx, "auth-1", nil, "")
	if err != nil {
		t.Fatalf("signed POST /v1/reports: %v", err)
	}
	// Let the job finish: the report runner outlives a stopped node's store.
	nodetest.WaitFor(t, 30*time.Second, "the report job ends", func() bool {
		raw, err := signed(courtHome).Get(ctx, "/v1/reports/"+job.ID)
		var j client.ReportJob
		return err == nil && json.Unmarshal(raw, &j) == nil && (j.Status == "done" || j.Status == "failed")
	})

	// A credential of a registered CA that was never recorded gets 401;
	// recorded by cert_issued it is accepted; revoked, it gets 401 from the
	// block that commits the revocation on.
	ca, err := signer.LoadCA(h.CACert(), h.CAKey())
	if err != nil {
		t.Fatal(err)
	}
	k, _ := signer.GenerateKey(signer.AlgSM2, nil)
	nb := time.Now().Add(-time.Minute).UTC().Truncate(time.Second)
	der, err := ca.Issue(k.Public(), signer.IssueOptions{SubjectRef: "court-api-2", Usage: signer.UsageSubmitter, NotBefore: nb, NotAfter: nb.AddDate(1, 0, 0)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	fresh, _ := client.New(base, nil)
	fresh.WithRequestSigner("auth-test", der, k)
	if _, err := fresh.Get(ctx, "/v1/contracts/auth-1"); !isStatus(err, http.StatusUnauthorized) {
		t.Fatalf("unrecorded credential: %v, want 401", err)
	}
	courtGov := &govNode{org: "court", home: courtHome, n: n, c: signed(platformHome), sub: sub}
	courtGov.net = &[]*govNode{courtGov}
	courtGov.submit(t, &chain.CertIssued{Cert: der})
	if _, err := fresh.Get(ctx, "/v1/contracts/auth-1"); err != nil {
		t.Fatalf("recorded credential: %v", err)
	}
	courtGov.submit(t, &chain.CertRevoked{Cert: chain.FingerprintOf(der), Reason: chain.ReasonKeyCompromise})
	if _, err := fresh.Get(ctx, "/v1/contracts/auth-1"); !isStatus(err, http.StatusUnauthorized) || !strings.Contains(err.Error(), "revoked") {
		t.Fatalf("revoked credential, right after the revocation committed: %v, want 401 naming it", err)
	}
	// And the chain refuses its envelopes.
	revoked := &client.Submitter{ChainID: "auth-test", Org: "court", Cert: der, Key: k}
	tx, _ := revoked.Build(&chain.CertRevoked{Cert: courtFP}, nil)
	if _, err := signed(platformHome).Submit(ctx, tx, true); !isStatus(err, http.StatusUnprocessableEntity) {
		t.Fatalf("envelope of a revoked credential: %v, want 422", err)
	}
}

func isStatus(err error, status int) bool {
	ae, ok := err.(*client.APIError)
	return ok && ae.Status == status
}

// countQueries counts the query_logged records of caller's certificate for uri.
func countQueries(t *testing.T, n *Node, caller chain.Fingerprint, uri string) int {
	t.Helper()
	want := sm3.Sum([]byte(uri))
	p, err := n.Store().View().ByCert(caller, store.Query{Limit: 1000, UpTo: n.Store().Last().LogSize})
	if err != nil {
		t.Fatal(err)
	}
	count := 0
	for _, i := range p.Indexes {
		raw, err := n.Store().View().Entry(i)
		if err != nil {
			t.Fatal(err)
		}
		e, err := chain.DecodeEntry(raw)
		if err != nil {
			t.Fatal(err)
		}
		tx, err := chain.DecodeRecord(e.Tx)
		if err != nil {
			t.Fatal(err)
		}
		if q, ok := tx.Body.(*chain.QueryLogged); ok && string(q.QuerySM3) == string(want[:]) {
			count++
		}
	}
	return count
}

// tamperSig flips a bit in the header's signature.
func tamperSig(hdr string) string {
	i := strings.LastIndex(hdr, "sig=")
	sig, _ := base64.StdEncoding.DecodeString(hdr[i+4:])
	sig[len(sig)-2] ^= 1
	return hdr[:i+4] + base64.StdEncoding.EncodeToString(sig)
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

func hexDecode(s string) ([]byte, error) { return hex.DecodeString(s) }
