package chainapi

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/store"
	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/evidence/assemble"
	"github.com/sealchain/sealchain/internal/fixture"
	"github.com/sealchain/sealchain/internal/nodetest"
	"github.com/sealchain/sealchain/signer"
)

// countingHeaders is an assemble.Headers that counts calls and never
// answers: any use means a bundle was being assembled.
type countingHeaders struct{ calls atomic.Int64 }

var errNoHeaders = errors.New("test: no headers")

func (h *countingHeaders) LatestHeight() int64 { h.calls.Add(1); return 0 }
func (h *countingHeaders) WaitForHeight(context.Context, int64) error {
	h.calls.Add(1)
	return errNoHeaders
}
func (h *countingHeaders) Checkpoint(context.Context, int64) ([]byte, []byte, error) {
	h.calls.Add(1)
	return nil, nil, errNoHeaders
}
func (h *countingHeaders) Hop(context.Context, int64) ([]byte, []byte, error) {
	h.calls.Add(1)
	return nil, nil, errNoHeaders
}

// signedAPI is an API with [api] auth = "signed" over a store whose genesis
// holds a platform, a court and a second platform; the platform has a
// contract "c-1" with one registered party.
type signedAPI struct {
	a       *API
	app     *fakeMempool
	srv     *httptest.Server
	net     *fixture.Net
	headers *countingHeaders
	party   *fixture.Signer
	host    string // the server's host:port, as clients address it
}

func newSignedAPI(t *testing.T) *signedAPI {
	t.Helper()
	return newSignedAPIOn(t, fixture.New(t, apiTestChainID, fixture.Role{ID: "platform", Role: chain.RolePlatform},
		fixture.Role{ID: "court", Role: chain.RoleCourt}, fixture.Role{ID: "platform-2", Role: chain.RolePlatform}))
}

// newSignedAPIOn is newSignedAPI for net's chain: two of them are two
// nodes of one chain.
func newSignedAPIOn(t *testing.T, net *fixture.Net) *signedAPI {
	t.Helper()
	mp := &fakeMempool{}
	a := newTestAPI(t, net, mp, 2*time.Second)
	a.auth.signed = true
	a.auth.nonces = newNonceCache(maxNonces, maxNoncesPerCred)
	hs := &countingHeaders{}
	a.assemble = func(ctx context.Context, s evidence.Subject) (*evidence.Bundle, error) {
		return assemble.Bundle(ctx, a.store.(*store.Store), hs, s)
	}
	a.rep.jobs = newReportJobs() // not run: jobs stay queued
	p := net.Orgs[0]
	party := p.Signer(t, signer.AlgSM2, time.Time{})
	commitBlock(t, mp.app, p.Tx(t, &chain.CertIssued{Cert: party.Cert}, nil))
	commitBlock(t, mp.app, p.Tx(t, fixture.Contract("c-1", "the contract", chain.OrderParallel, party), nil))
	srv := httptest.NewServer(a)
	t.Cleanup(srv.Close)
	a.auth.hosts = apiHosts("", srv.Listener.Addr().String(), nil, false)
	return &signedAPI{a: a, app: mp, srv: srv, net: net, headers: hs, party: party, host: nodetest.HostOf(srv.URL)}
}

// as is a client signing with sub's credential.
func (s *signedAPI) as(t *testing.T, sub *client.Submitter) *client.Client {
	t.Helper()
	c, err := client.New(s.srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c.WithRequestSigner(sub.ChainID, sub.Cert, sub.Key)
}

func (s *signedAPI) do(t *testing.T, method, path, auth string, body []byte) int {
	t.Helper()
	req, _ := http.NewRequest(method, s.srv.URL+path, bytes.NewReader(body))
	req.Header.Set("Authorization", auth)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Errorf("%s %s: status %d, Content-Type %q, want JSON", method, path, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	return resp.StatusCode
}

func apiStatus(err error) int {
	var ae *client.APIError
	if errors.As(err, &ae) {
		return ae.Status
	}
	if err == nil {
		return http.StatusOK
	}
	return -1
}

// TestSignedRequestCoversBody: the documented client's signed POST is
// accepted (the old server verified every signature over an empty body,
// so it answered 401), and a header signed over one body does not carry
// another.
func TestSignedRequestCoversBody(t *testing.T) {
	s := newSignedAPI(t)
	platform := s.net.Orgs[0].Submitter
	job, err := s.as(t, platform).CreateReport(t.Context(), "c-1", nil, "https://verify.example/")
	if err != nil {
		t.Fatalf("signed POST /v1/reports from the Go client: %v", err)
	}
	if job.Status != "queued" {
		t.Fatalf("job %+v", job)
	}
	body := []byte(`{"contract_id":"c-1","verify_url":"https://good.example/"}`)
	swapped := []byte(`{"contract_id":"c-1","verify_url":"https://attacker.example/"}`)
	hdr := nodetest.SignRequest(t, platform, s.host, http.MethodPost, "/v1/reports", time.Now().Unix(), nil, body)
	if got := s.do(t, http.MethodPost, "/v1/reports", hdr, swapped); got != http.StatusUnauthorized {
		t.Errorf("header signed over another body: %d, want 401", got)
	}
	if got := s.do(t, http.MethodPost, "/v1/reports", hdr, body); got != http.StatusAccepted {
		t.Errorf("header with its own body: %d, want 202", got)
	}
	// Over the body limit: 413, before any signature work.
	big := bytes.Repeat([]byte("x"), apiTestMaxBody+1)
	hdr = nodetest.SignRequest(t, platform, s.host, http.MethodPost, "/v1/reports", time.Now().Unix(), nil, big)
	if got := s.do(t, http.MethodPost, "/v1/reports", hdr, big); got != http.StatusRequestEntityTooLarge {
		t.Errorf("body over the limit: %d, want 413", got)
	}
}

// TestSignedRequestReplay: a signed request is accepted once; its time must
// be at most 60 s old and at most 30 s ahead.
func TestSignedRequestReplay(t *testing.T) {
	s := newSignedAPI(t)
	court := s.net.Orgs[1].Submitter
	now := time.Now()
	path := "/v1/contracts/c-1"
	once := nodetest.SignRequest(t, court, s.host, http.MethodGet, path, now.Unix(), nil, nil)
	for _, tc := range []struct {
		name string
		hdr  string
		want int
	}{
		{"first", once, http.StatusOK},
		{"identical again", once, http.StatusUnauthorized},
		{"identical a third time", once, http.StatusUnauthorized},
		{"55 s old", nodetest.SignRequest(t, court, s.host, http.MethodGet, path, now.Add(-55*time.Second).Unix(), nil, nil), http.StatusOK},
		{"65 s old", nodetest.SignRequest(t, court, s.host, http.MethodGet, path, now.Add(-65*time.Second).Unix(), nil, nil), http.StatusUnauthorized},
		{"20 s ahead", nodetest.SignRequest(t, court, s.host, http.MethodGet, path, now.Add(20*time.Second).Unix(), nil, nil), http.StatusOK},
		{"40 s ahead", nodetest.SignRequest(t, court, s.host, http.MethodGet, path, now.Add(40*time.Second).Unix(), nil, nil), http.StatusUnauthorized},
	} {
		if got := s.do(t, http.MethodGet, path, tc.hdr, nil); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
	// The same nonce under another credential is another request.
	nonce := bytes.Repeat([]byte{7}, client.NonceBytes)
	for _, sub := range []*client.Submitter{court, s.net.Orgs[0].Submitter} {
		if got := s.do(t, http.MethodGet, path, nodetest.SignRequest(t, sub, s.host, http.MethodGet, path, now.Unix(), nonce, nil), nil); got != http.StatusOK {
			t.Errorf("%s with a nonce another credential used: %d", sub.Org, got)
		}
	}
}

// TestNonceCacheBounded: the cache refuses rather than forgets a nonce
// still in its window, and frees entries as they expire.
func TestNonceCacheBounded(t *testing.T) {
	c := newNonceCache(3, 2)
	now := time.Now().Round(0)
	exp := now.Add(maxRequestAge)
	a, b := chain.Fingerprint{1}, chain.Fingerprint{2}
	n := func(i byte) []byte { return bytes.Repeat([]byte{i}, client.NonceBytes) }
	steps := []struct {
		fp   chain.Fingerprint
		n    byte
		at   time.Time
		want error
	}{
		{a, 1, now, nil},
		{a, 1, now, nil}, // replaced below: a replay
		{a, 2, now, nil},
		{a, 3, now, errTooManyRequests}, // a's share is full
		{b, 1, now, nil},
		{b, 2, now, errTooManyRequests}, // the whole cache (the org's share) is full
		{a, 1, exp, errTooManyRequests}, // still remembered at its expiry
		{a, 1, exp.Add(time.Nanosecond), nil},
	}
	for i, st := range steps {
		err := c.use("org", 1, st.fp, n(st.n), exp, st.at)
		if i == 1 || i == 6 {
			if err == nil || errors.Is(err, errTooManyRequests) {
				t.Fatalf("step %d: replay accepted: %v", i, err)
			}
			continue
		}
		if !errors.Is(err, st.want) || (st.want == nil && err != nil) {
			t.Fatalf("step %d: %v, want %v", i, err, st.want)
		}
	}
	if len(c.seen) != 1 || len(c.heap) != 1 || len(c.perFP) != 1 || len(c.perOrg) != 1 {
		t.Fatalf("after expiry: %d seen, %d queued, %d credentials, %d orgs", len(c.seen), len(c.heap), len(c.perFP), len(c.perOrg))
	}
}

// TestNonceCacheWallClock: a nonce is remembered until its request's time
// is maxRequestAge old by the wall clock, the clock the window uses. The
// old cache forgot it replayWindow after acceptance by the monotonic
// clock, so after a wall-clock step back (here: a request accepted at
// T = its ts, the clock then set back 60 s after 90 s, now reading T+30)
// the request was inside the window again and its nonce forgotten.
func TestNonceCacheWallClock(t *testing.T) {
	c := newNonceCache(10, 10)
	ts := time.Unix(time.Now().Unix(), 0)
	fp, nonce := chain.Fingerprint{1}, bytes.Repeat([]byte{9}, client.NonceBytes)
	if err := c.use("org", 1, fp, nonce, ts.Add(maxRequestAge), ts); err != nil {
		t.Fatal(err)
	}
	// Requests accepted later with later times expire later: the heap, not
	// arrival order, decides.
	if err := c.use("org", 1, fp, bytes.Repeat([]byte{8}, client.NonceBytes), ts.Add(-10*time.Second+maxRequestAge), ts); err != nil {
		t.Fatal(err)
	}
	if err := c.use("org", 1, fp, nonce, ts.Add(maxRequestAge), ts.Add(30*time.Second)); err == nil {
		t.Fatal("replay accepted at T+30 s wall clock, inside the window")
	}
	if err := c.use("org", 1, fp, nonce, ts.Add(maxRequestAge), ts.Add(maxRequestAge+time.Second)); err != nil {
		t.Fatalf("after the window: %v", err)
	}
}

// TestNonceCacheOrgShare: one organisation filling its share of the nonce
// memory gets 429 with Retry-After; the others are still served. Before,
// credentials could fill the whole cache (four at 50 000 each) and lock
// every caller out, with no Retry-After.
func TestNonceCacheOrgShare(t *testing.T) {
	s := newSignedAPI(t)
	s.a.auth.nonces = newNonceCache(6, 6) // three organisations: two each
	path := "/v1/contracts/c-1"
	court := s.net.Orgs[1].Submitter
	var codes []int
	var retry string
	for range 6 {
		req, _ := http.NewRequest(http.MethodGet, s.srv.URL+path, nil)
		req.Header.Set("Authorization", nodetest.SignRequest(t, court, s.host, http.MethodGet, path, time.Now().Unix(), nil, nil))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		codes = append(codes, resp.StatusCode)
		if resp.StatusCode == http.StatusTooManyRequests {
			retry = resp.Header.Get("Retry-After")
			break
		}
	}
	if len(codes) != 3 || codes[2] != http.StatusTooManyRequests {
		t.Fatalf("court's requests: %v, want 200 200 429", codes)
	}
	if n, err := strconv.Atoi(retry); err != nil || n < 1 || n > 90 {
		t.Errorf("Retry-After %q, want 1..90 seconds", retry)
	}
	for _, sub := range []*client.Submitter{s.net.Orgs[0].Submitter, s.net.Orgs[2].Submitter} {
		if got := s.do(t, http.MethodGet, path, nodetest.SignRequest(t, sub, s.host, http.MethodGet, path, time.Now().Unix(), nil, nil), nil); got == http.StatusTooManyRequests {
			t.Errorf("%s locked out by the court's requests: %d", sub.Org, got)
		}
	}
}

// TestSignedRequestBoundToNode: a signed request names the chain and the
// node (host) it is for. Captured on node A, it is refused by node B of the
// same chain (whose nonce cache never saw it; before, B accepted it once and
// logged a query in the victim's name), by A with a forged Host, by A after
// a restart emptied its cache, and a request signed for another chain id is
// refused.
func TestSignedRequestBoundToNode(t *testing.T) {
	s := newSignedAPI(t)
	court := s.net.Orgs[1].Submitter
	path := "/v1/contracts/c-1"
	nodeB := newSignedAPIOn(t, s.net)
	for _, tc := range []struct {
		name string
		to   *signedAPI
		host string // the Host header sent; "" for to's own
		hdr  string
		want int
	}{
		{"signed for A, sent to B", nodeB, "", nodetest.SignRequest(t, court, s.host, http.MethodGet, path, time.Now().Unix(), nil, nil), http.StatusUnauthorized},
		{"signed for B's name, sent to A", s, nodeB.host, nodetest.SignRequest(t, court, nodeB.host, http.MethodGet, path, time.Now().Unix(), nil, nil), http.StatusUnauthorized},
		{"signed for another chain", s, "", nodetest.SignRequest(t, &client.Submitter{ChainID: "other-chain", Cert: court.Cert, Key: court.Key}, s.host, http.MethodGet, path, time.Now().Unix(), nil, nil), http.StatusUnauthorized},
		{"signed for B, sent to B", nodeB, "", nodetest.SignRequest(t, court, nodeB.host, http.MethodGet, path, time.Now().Unix(), nil, nil), http.StatusOK},
	} {
		req, _ := http.NewRequest(http.MethodGet, tc.to.srv.URL+path, nil)
		req.Header.Set("Authorization", tc.hdr)
		if tc.host != "" {
			req.Host = tc.host
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, resp.StatusCode, tc.want)
		}
	}

	// A restart empties the nonce cache: requests from before the start are refused.
	hdr := nodetest.SignRequest(t, court, s.host, http.MethodGet, path, time.Now().Add(-2*time.Second).Unix(), nil, nil)
	if got := s.do(t, http.MethodGet, path, hdr, nil); got != http.StatusOK {
		t.Fatalf("first use: %d", got)
	}
	s.a.auth.nonces, s.a.auth.notBefore = newNonceCache(maxNonces, maxNoncesPerCred), time.Now().Unix()
	if got := s.do(t, http.MethodGet, path, hdr, nil); got != http.StatusUnauthorized {
		t.Errorf("replayed after a restart: %d, want 401", got)
	}
	if got := s.do(t, http.MethodGet, path, nodetest.SignRequest(t, court, s.host, http.MethodGet, path, time.Now().Unix(), nil, nil), nil); got != http.StatusOK {
		t.Errorf("fresh request after the restart: %d, want 200", got)
	}
}

// TestSignedRequestCanonical: the header must spell ts and nonce as they
// are signed (%d, %x); other spellings of the same values got 200 before.
func TestSignedRequestCanonical(t *testing.T) {
	s := newSignedAPI(t)
	court := s.net.Orgs[1].Submitter
	path := "/v1/contracts/c-1"
	for _, tc := range []struct {
		name, param string
		edit        func(ts, nonce string) (string, string)
	}{
		{"upper-case nonce", "nonce", func(ts, n string) (string, string) { return ts, strings.ToUpper(n) }},
		{"ts with +", "ts", func(ts, n string) (string, string) { return "+" + ts, n }},
		{"ts with a leading zero", "ts", func(ts, n string) (string, string) { return "0" + ts, n }},
		{"short nonce", "nonce", func(ts, n string) (string, string) { return ts, n[2:] }},
	} {
		ts := time.Now().Unix()
		nonce := make([]byte, client.NonceBytes)
		if _, err := rand.Read(nonce); err != nil {
			t.Fatal(err)
		}
		nonce[0] = 0xab // a letter to upper-case
		hdr := nodetest.SignRequest(t, court, s.host, http.MethodGet, path, ts, nonce, nil)
		nts, nn := tc.edit(fmt.Sprint(ts), fmt.Sprintf("%x", nonce))
		hdr = strings.Replace(hdr, fmt.Sprintf("ts=%d,nonce=%x", ts, nonce), "ts="+nts+",nonce="+nn, 1)
		req, _ := http.NewRequest(http.MethodGet, s.srv.URL+path, nil)
		req.Header.Set("Authorization", hdr)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var e errorBody
		_ = json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(e.Error.Message, "authorization: "+tc.param+" ") {
			t.Errorf("%s: %d %q, want 401 naming %s", tc.name, resp.StatusCode, e.Error.Message, tc.param)
		}
	}
}

// TestSignedRequestCredentialOnChain: a credential issued by a registered
// organisation's CA but never recorded gets 401 (it got 200 before);
// recorded by cert_issued it is accepted; revoked, it gets 401 from the
// block that commits the revocation.
func TestSignedRequestCredentialOnChain(t *testing.T) {
	s := newSignedAPI(t)
	court := s.net.Orgs[1]
	k, err := signer.GenerateKey(signer.AlgSM2, nil)
	if err != nil {
		t.Fatal(err)
	}
	der, err := court.CA.Issue(k.Public(), signer.IssueOptions{SubjectRef: "court-api-2", Usage: signer.UsageSubmitter,
		NotBefore: fixture.Epoch.Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	fresh := &client.Submitter{ChainID: apiTestChainID, Org: court.ID, Cert: der, Key: k}
	get := func() error { _, err := s.as(t, fresh).Get(t.Context(), "/v1/contracts/c-1"); return err }
	if got := apiStatus(get()); got != http.StatusUnauthorized {
		t.Fatalf("unrecorded credential: %d, want 401", got)
	}
	commitBlock(t, s.app.app, court.Tx(t, &chain.CertIssued{Cert: der}, nil))
	if err := get(); err != nil {
		t.Fatalf("recorded credential: %v", err)
	}
	commitBlock(t, s.app.app, court.Tx(t, &chain.CertRevoked{Cert: chain.FingerprintOf(der), Reason: chain.ReasonKeyCompromise}, nil))
	err = get()
	if apiStatus(err) != http.StatusUnauthorized || !strings.Contains(err.Error(), "revoked") {
		t.Fatalf("revoked credential: %v, want 401 naming the revocation", err)
	}
}

// TestEvidenceRoleFirst: a platform asking for another organisation's
// evidence gets 403 before anything is assembled (no header is asked for).
func TestEvidenceRoleFirst(t *testing.T) {
	s := newSignedAPI(t)
	other := s.as(t, s.net.Orgs[2].Submitter)
	doc, _ := fixture.Doc("the contract")
	for _, q := range [][2]string{{"contract_id", "c-1"}, {"cert", s.party.FP.String()}, {"doc_hash", hex.EncodeToString(doc)}} {
		s.headers.calls.Store(0)
		_, err := other.Evidence(t.Context(), q[0], q[1])
		if apiStatus(err) != http.StatusForbidden {
			t.Errorf("%s: %v, want 403", q[0], err)
		}
		if n := s.headers.calls.Load(); n != 0 {
			t.Errorf("%s: %d header calls before the 403: the bundle was being assembled", q[0], n)
		}
	}
	// The owner gets past the role check (to the headers this test lacks).
	s.headers.calls.Store(0)
	_, _ = s.as(t, s.net.Orgs[0].Submitter).Evidence(t.Context(), "contract_id", "c-1")
	if s.headers.calls.Load() == 0 {
		t.Error("the owner's query never reached the assembly")
	}
}

// TestReportJobOrg: a report job is readable by the organisation that asked
// for it and by the roles that see all evidence, not by another platform.
func TestReportJobOrg(t *testing.T) {
	s := newSignedAPI(t)
	job, err := s.as(t, s.net.Orgs[0].Submitter).CreateReport(t.Context(), "c-1", nil, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		org  int
		want int
	}{{0, http.StatusOK}, {1, http.StatusOK}, {2, http.StatusForbidden}} {
		c := s.as(t, s.net.Orgs[tc.org].Submitter)
		_, err := c.Get(t.Context(), "/v1/reports/"+job.ID)
		if got := apiStatus(err); got != tc.want {
			t.Errorf("%s: status: %d (%v), want %d", s.net.Orgs[tc.org].ID, got, err, tc.want)
		}
		want := tc.want
		if want == http.StatusOK {
			want = http.StatusConflict // queued: no PDF yet
		}
		_, err = c.Get(t.Context(), "/v1/reports/"+job.ID+"/pdf")
		if got := apiStatus(err); got != want {
			t.Errorf("%s: pdf: %d (%v), want %d", s.net.Orgs[tc.org].ID, got, err, want)
		}
	}
}

// TestAPIHosts: the hosts a signed request may name.
func TestAPIHosts(t *testing.T) {
	for _, tc := range []struct {
		name           string
		public, listen string
		extra          []string
		tls            bool
		accept, refuse []string
	}{
		{"loopback", "", "127.0.0.1:8080", nil, false,
			[]string{"127.0.0.1:8080", "localhost:8080", "[::1]:8080"}, []string{"127.0.0.1:8081", "10.0.0.2:8080", "127.0.0.1"}},
		{"public URL on the default port", "https://Evidence.Court.Example/base", "10.0.0.1:8443", nil, true,
			[]string{"evidence.court.example", "evidence.court.example:443", "10.0.0.1:8443"}, []string{"evidence.court.example:8443", "localhost:8443", "node-b.court.example"}},
		{"proxy names", "https://a.example:8443", "127.0.0.1:8080", []string{"b.example", "c.example:9000"}, false,
			[]string{"a.example:8443", "b.example", "b.example:80", "c.example:9000"}, []string{"a.example", "c.example"}},
		{"unspecified listen", "", "0.0.0.0:8080", nil, false,
			[]string{"127.0.0.1:8080", "localhost:8080"}, []string{"0.0.0.0:8080", "evil.example:8080"}},
	} {
		hosts := apiHosts(tc.public, tc.listen, tc.extra, tc.tls)
		for _, h := range tc.accept {
			if !hosts[h] {
				t.Errorf("%s: %q refused; hosts %v", tc.name, h, sortedKeys(hosts))
			}
		}
		for _, h := range tc.refuse {
			if hosts[h] {
				t.Errorf("%s: %q accepted", tc.name, h)
			}
		}
	}
}

// sortedKeys lists a set in order, for messages.
func sortedKeys(m map[string]bool) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
