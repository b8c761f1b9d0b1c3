package node

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/config"
	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/internal/nodetest"
	"github.com/sealchain/sealchain/node/nodehome"
	"github.com/sealchain/sealchain/signer"
)

const itChainID = "sealchain-it"

// itNet is a single-node Sealchain network running in the test process, with
// the org's credentials loaded from its home the way the CLI loads them.
type itNet struct {
	home nodehome.Home
	node *Node
	c    *client.Client
	base string // http://host:port of the API
	sub  *client.Submitter
	ca   *signer.CA
	// opts are given to every New of start (e.g. WithOFDRenderer).
	opts []Option
}

// itFreeHostPort returns 127.0.0.1:port with a port that was free a moment ago.
func itFreeHostPort(t *testing.T) string {
	t.Helper()
	return strings.TrimPrefix(nodetest.CometAddr(t), "tcp://")
}

// newITNet initialises a single-node home in a temporary directory (free
// ports, 100ms blocks, error logging) and starts a node on it.
func newITNet(ctx context.Context, t *testing.T, mods ...func(*config.Config)) *itNet {
	t.Helper()
	return newITNetAlg(ctx, t, 0, mods...)
}

// newITNetAlg is newITNet with an organisation CA of alg (0: init's
// default, SM2).
func newITNetAlg(ctx context.Context, t *testing.T, alg signer.Algorithm, mods ...func(*config.Config)) *itNet {
	t.Helper()
	home := t.TempDir()
	cfg := config.Default()
	cfg.API.Listen = itFreeHostPort(t)
	cfg.Consensus.P2PListen = nodetest.CometAddr(t)
	cfg.Consensus.RPCListen = nodetest.CometAddr(t)
	cfg.Consensus.BlockInterval = config.Duration{Duration: 100 * time.Millisecond}
	cfg.Log.Level = "error"
	for _, m := range mods {
		m(&cfg)
	}
	if _, err := nodehome.Init(nodehome.InitOptions{
		Home: home, ChainID: itChainID, OrgID: "platform", OrgName: "Platform Ltd",
		Role: chain.RolePlatform, Config: cfg, Alg: alg,
	}); err != nil {
		t.Fatalf("Init: %v", err)
	}
	h := nodehome.Home(home)
	sub, err := client.LoadSubmitter(itChainID, "platform", h.SubmitterCert(), h.SubmitterKey())
	if err != nil {
		t.Fatalf("LoadSubmitter: %v", err)
	}
	ca, err := signer.LoadCA(h.CACert(), h.CAKey())
	if err != nil {
		t.Fatalf("LoadCA: %v", err)
	}
	n := &itNet{home: h, sub: sub, ca: ca}
	n.start(ctx, t)
	return n
}

// start runs a new Node on the net's home (the config is read from the home)
// and points the client at it. The node is stopped when the test ends.
func (n *itNet) start(ctx context.Context, t *testing.T) {
	t.Helper()
	nd, err := New(string(n.home), append([]Option{apiContract(t)}, n.opts...)...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if err := nd.Start(ctx); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := nd.Stop(); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	n.node = nd
	n.base = "http://" + nd.APIAddr()
	c, err := client.New(n.base, &http.Client{Timeout: 30 * time.Second})
	if err != nil {
		t.Fatalf("client.New: %v", err)
	}
	n.c = c
}

// issueSigner creates a key of alg, has the org CA certify it for signing
// and returns the signer; the certificate is not yet on chain.
func (n *itNet) issueSigner(t *testing.T, alg signer.Algorithm, ref string) (*client.Actor, []byte) {
	t.Helper()
	k, err := signer.GenerateKey(alg, nil)
	if err != nil {
		t.Fatalf("GenerateKey(%s): %v", alg, err)
	}
	nb := time.Now().Add(-5 * time.Minute).UTC().Truncate(time.Second)
	der, err := n.ca.Issue(k.Public(), signer.IssueOptions{
		SubjectRef: ref, Usage: signer.UsageSigner, NotBefore: nb, NotAfter: nb.AddDate(1, 0, 0),
	}, nil)
	if err != nil {
		t.Fatalf("Issue(%s): %v", ref, err)
	}
	return &client.Actor{Cert: chain.FingerprintOf(der), Key: k}, der
}

// build signs body as a transaction (with actor, if any).
func (n *itNet) build(t *testing.T, body chain.Body, actor *client.Actor) []byte {
	t.Helper()
	tx, err := n.sub.Build(body, actor)
	if err != nil {
		t.Fatalf("build %s: %v", body.Type(), err)
	}
	return tx
}

// commit submits tx with ?wait=commit and fails unless it is committed.
func (n *itNet) commit(ctx context.Context, t *testing.T, tx []byte) *client.SubmitResult {
	t.Helper()
	res, err := n.c.Submit(ctx, tx, true)
	if err != nil {
		t.Fatalf("submit %s: %v", chain.TxHash(tx), err)
	}
	if !res.Committed || res.LogIndex == nil || res.Height <= 0 {
		t.Fatalf("submit %s: not committed: %+v", chain.TxHash(tx), res)
	}
	return res
}

// registerSigner issues a signer certificate and records it on chain.
func (n *itNet) registerSigner(ctx context.Context, t *testing.T, alg signer.Algorithm, ref string) (*client.Actor, []byte) {
	t.Helper()
	a, der := n.issueSigner(t, alg, ref)
	n.commit(ctx, t, n.build(t, &chain.CertIssued{Cert: der}, nil))
	return a, der
}

// intent runs the development OTP challenge for party on contract through
// the API and records the attestation.
func (n *itNet) intent(ctx context.Context, t *testing.T, contract string, party *client.Actor) {
	t.Helper()
	ch, err := n.c.StartOTP(ctx, contract, party.Cert.String())
	if err != nil {
		t.Fatalf("StartOTP: %v", err)
	}
	if ch.ChallengeID == "" || ch.Code == "" || !ch.DevOnly {
		t.Fatalf("StartOTP = %+v, want an id, a code and dev_only", ch)
	}
	at, err := n.c.VerifyOTP(ctx, ch.ChallengeID, contract, party.Cert.String(), ch.Code)
	if err != nil {
		t.Fatalf("VerifyOTP: %v", err)
	}
	chash, err := hex.DecodeString(at.ChallengeHash)
	if err != nil {
		t.Fatalf("attestation challenge hash %q: %v", at.ChallengeHash, err)
	}
	body := &chain.IntentVerified{Contract: contract, Signer: party.Cert, Method: chain.IntentSMSOTP,
		ChallengeHash: chash, VerifiedAt: at.VerifiedAtMS, VerifierCert: at.VerifierCert, VerifierSig: at.VerifierSig}
	n.commit(ctx, t, n.build(t, body, party))
}

// signContract records intent then a signature for each party in order, then
// completes the contract: six records.
func (n *itNet) signContract(ctx context.Context, t *testing.T, contract string, doc []byte, parties ...*client.Actor) {
	t.Helper()
	d3 := sm3.Sum(doc)
	for _, p := range parties {
		n.intent(ctx, t, contract, p)
		n.commit(ctx, t, n.build(t, &chain.ContractSigned{Contract: contract, DocSM3: d3[:]}, p))
	}
	n.commit(ctx, t, n.build(t, &chain.ContractCompleted{Contract: contract}, nil))
}

func contractBody(contract string, doc []byte, parties ...*client.Actor) *chain.ContractCreated {
	d3, d2 := docHashes(doc)
	body := &chain.ContractCreated{Contract: contract, DocSM3: d3, DocSHA256: d2, Order: chain.OrderSequential}
	for _, p := range parties {
		body.Parties = append(body.Parties, p.Cert)
	}
	return body
}

// evidenceFor fetches the bundle for doc's SM3 and decodes it.
func (n *itNet) evidenceFor(ctx context.Context, t *testing.T, doc []byte) ([]byte, *evidence.Bundle) {
	t.Helper()
	d3 := sm3.Sum(doc)
	raw, err := n.c.Evidence(ctx, "doc_hash", hex.EncodeToString(d3[:]))
	if err != nil {
		t.Fatalf("Evidence: %v", err)
	}
	b, err := evidence.DecodeBundle(raw)
	if err != nil {
		t.Fatalf("DecodeBundle: %v", err)
	}
	return raw, b
}

// verifyAll verifies b against the home's genesis and fails on any failed check.
func (n *itNet) verifyAll(t *testing.T, b *evidence.Bundle, doc []byte) *evidence.Result {
	t.Helper()
	trust, err := evidence.LoadTrust(n.home.Genesis())
	if err != nil {
		t.Fatalf("LoadTrust: %v", err)
	}
	v, err := evidence.NewVerifier(trust)
	if err != nil {
		t.Fatalf("NewVerifier: %v", err)
	}
	res := v.Verify(b, doc)
	for _, c := range res.Checks {
		if !c.OK {
			t.Errorf("check %s failed: %s", c.Name, c.Detail)
		}
	}
	if !res.OK {
		t.Fatalf("Verify: not OK, failed %v", res.Failed())
	}
	return res
}

// itDo sends a request and returns the status, headers and body.
func itDo(ctx context.Context, t *testing.T, method, url, ctype string, body []byte) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, url, err)
	}
	return resp.StatusCode, resp.Header, data
}

// itGetJSON GETs path, requires 200 and decodes the JSON body into out.
func (n *itNet) getJSON(ctx context.Context, t *testing.T, path string, out any) {
	t.Helper()
	status, hdr, body := itDo(ctx, t, http.MethodGet, n.base+path, "", nil)
	if status != http.StatusOK {
		t.Fatalf("GET %s: status %d: %s", path, status, body)
	}
	if ct := hdr.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("GET %s: Content-Type %q", path, ct)
	}
	if err := json.Unmarshal(body, out); err != nil {
		t.Fatalf("GET %s: decode: %v\n%s", path, err, body)
	}
}

// requireAPIError checks a JSON error answer and returns its body.
func requireAPIError(t *testing.T, what string, status int, hdr http.Header, body []byte, wantStatus int, wantCode string) apiError {
	t.Helper()
	if status != wantStatus {
		t.Fatalf("%s: status %d, want %d: %s", what, status, wantStatus, body)
	}
	if ct := hdr.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("%s: Content-Type %q, want JSON", what, ct)
	}
	var e errorBody
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		t.Fatalf("%s: body is not a JSON error: %v\n%s", what, err, body)
	}
	if e.Error.Code != wantCode || e.Error.Message == "" {
		t.Fatalf("%s: error %+v, want code %q and a message", what, e.Error, wantCode)
	}
	return e.Error
}

func docHashes(doc []byte) (sm3sum, sha []byte) {
	a := sm3.Sum(doc)
	h := sha256.Sum256(doc)
	return a[:], h[:]
}

func TestNodeEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a CometBFT node")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()
	n := newITNet(ctx, t)

	alice, aliceDER := n.registerSigner(ctx, t, signer.AlgSM2, "sc-it-alice")
	bob, _ := n.registerSigner(ctx, t, signer.AlgECDSAP256, "sc-it-bob")
	mallory, _ := n.registerSigner(ctx, t, signer.AlgSM2, "sc-it-mallory")

	const contract = "it-contract-1"
	doc := []byte("%PDF-1.4\n% Sealchain integration test contract\n")
	d3 := sm3.Sum(doc)
	createTx := n.build(t, contractBody(contract, doc, alice, bob), nil)
	n.commit(ctx, t, createTx)

	t.Run("non-party signature is rejected with 422", func(t *testing.T) {
		tx := n.build(t, &chain.ContractSigned{Contract: contract, DocSM3: d3[:]}, mallory)
		status, hdr, body := itDo(ctx, t, http.MethodPost, n.base+"/v1/txs?wait=commit", "application/octet-stream", tx)
		e := requireAPIError(t, "non-party sign", status, hdr, body, http.StatusUnprocessableEntity, "tx_rejected")
		if e.ABCICode != 15 || e.Codespace != "sealchain" || e.TxHash != chain.TxHash(tx).String() {
			t.Fatalf("non-party sign: %+v, want abci_code 15 in codespace sealchain for tx %s", e, chain.TxHash(tx))
		}
	})

	t.Run("CheckTx rejections reach the caller as 422 with the ABCI code", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			tx   []byte
			code uint32
		}{
			{"garbage", []byte("not a transaction"), 1},
			{"unknown signer certificate", n.build(t, &chain.ContractSigned{Contract: contract, DocSM3: d3[:]}, unregisteredSigner(t)), 9},
		} {
			status, hdr, body := itDo(ctx, t, http.MethodPost, n.base+"/v1/txs", "application/octet-stream", tc.tx)
			e := requireAPIError(t, tc.name, status, hdr, body, http.StatusUnprocessableEntity, "tx_rejected")
			if e.ABCICode != tc.code {
				t.Errorf("%s: abci_code %d, want %d (%s)", tc.name, e.ABCICode, tc.code, e.Message)
			}
		}
	})

	n.signContract(ctx, t, contract, doc, alice, bob)

	t.Run("replay of a committed tx", func(t *testing.T) {
		status, hdr, body := itDo(ctx, t, http.MethodPost, n.base+"/v1/txs?wait=commit", "application/octet-stream", createTx)
		e := requireAPIError(t, "replay", status, hdr, body, http.StatusConflict, "tx_rejected")
		if e.ABCICode != 17 {
			t.Fatalf("replay: abci_code %d, want 17", e.ABCICode)
		}
		// The client sees the same error as a typed value.
		_, err := n.c.Submit(ctx, createTx, true)
		var ae *client.APIError
		if !errors.As(err, &ae) || ae.ABCICode != 17 || ae.Status != http.StatusConflict {
			t.Fatalf("client replay: %v, want APIError with ABCI code 17 and HTTP 409", err)
		}
	})

	t.Run("contract", func(t *testing.T) {
		var got struct {
			ContractID string `json:"contract_id"`
			Status     string `json:"status"`
			DocSM3     string `json:"doc_sm3"`
			Order      string `json:"order"`
			Parties    []struct {
				Cert           string `json:"cert"`
				Signed         bool   `json:"signed"`
				IntentVerified bool   `json:"intent_verified"`
			} `json:"parties"`
			Timeline []evidence.RecordView `json:"timeline"`
		}
		n.getJSON(ctx, t, "/v1/contracts/"+contract, &got)
		if got.ContractID != contract || got.Status != "completed" || got.DocSM3 != hex.EncodeToString(d3[:]) {
			t.Fatalf("contract = %s %s doc %s, want %s completed doc %x", got.ContractID, got.Status, got.DocSM3, contract, d3)
		}
		if len(got.Parties) != 2 || got.Parties[0].Cert != alice.Cert.String() || got.Parties[1].Cert != bob.Cert.String() {
			t.Fatalf("parties = %+v", got.Parties)
		}
		for i, p := range got.Parties {
			if !p.Signed || !p.IntentVerified {
				t.Errorf("party %d: signed %v, intent %v", i, p.Signed, p.IntentVerified)
			}
		}
		// The contract's own timeline: the certificate records are not
		// indexed by contract (they are in the evidence bundle).
		want := []string{"contract_created", "intent_verified", "contract_signed", "intent_verified", "contract_signed", "contract_completed"}
		var types []string
		for _, r := range got.Timeline {
			types = append(types, r.Type)
		}
		if strings.Join(types, ",") != strings.Join(want, ",") {
			t.Fatalf("timeline types = %v, want %v", types, want)
		}
	})

	t.Run("record 0", func(t *testing.T) {
		var got struct {
			Record    evidence.RecordView `json:"record"`
			Leaf      []byte              `json:"leaf"`
			Inclusion struct {
				LogSize uint64   `json:"log_size"`
				LogRoot string   `json:"log_root"`
				Height  int64    `json:"height"`
				Proof   [][]byte `json:"proof"`
			} `json:"inclusion"`
		}
		n.getJSON(ctx, t, "/v1/records/0", &got)
		if got.Record.Index != 0 || got.Record.Type != "cert_issued" || got.Record.Org != "platform" {
			t.Fatalf("record 0 = %+v, want platform's cert_issued", got.Record)
		}
		if fp, _ := got.Record.Body["cert_fingerprint"].(string); fp != alice.Cert.String() {
			t.Fatalf("record 0 cert_fingerprint = %q, want %s", fp, alice.Cert)
		}
		if len(got.Leaf) == 0 || got.Inclusion.LogSize < 9 || len(got.Inclusion.Proof) == 0 || len(got.Inclusion.LogRoot) != 64 {
			t.Fatalf("record 0 inclusion = %+v (leaf %d bytes)", got.Inclusion, len(got.Leaf))
		}
	})

	t.Run("cert", func(t *testing.T) {
		var got map[string]any
		n.getJSON(ctx, t, "/v1/certs/"+alice.Cert.String(), &got)
		if got["fingerprint"] != alice.Cert.String() || got["status"] != "valid" || got["org"] != "platform" {
			t.Fatalf("cert = %v", got)
		}
		if pem, _ := got["cert_pem"].(string); pem != string(signer.EncodeCertificatePEM(aliceDER)) {
			t.Fatalf("cert_pem = %q", pem)
		}
	})

	t.Run("status healthz metrics", func(t *testing.T) {
		var st map[string]any
		n.getJSON(ctx, t, "/v1/status", &st)
		if st["chain_id"] != itChainID || st["org"] != "platform" || st["dev_otp"] != true {
			t.Fatalf("status = %v", st)
		}
		if h, _ := st["latest_block_height"].(float64); h < 1 {
			t.Fatalf("status latest_block_height = %v", st["latest_block_height"])
		}
		var hz map[string]any
		n.getJSON(ctx, t, "/healthz", &hz)
		if hz["ok"] != true {
			t.Fatalf("healthz = %v", hz)
		}
		status, _, body := itDo(ctx, t, http.MethodGet, n.base+"/metrics", "", nil)
		if status != http.StatusOK || !bytes.Contains(body, []byte("sealchain_records_appended_total")) {
			t.Fatalf("metrics: status %d, has records_appended_total: %v", status, bytes.Contains(body, []byte("sealchain_records_appended_total")))
		}
	})

	t.Run("API errors are JSON", func(t *testing.T) {
		tests := []struct {
			name, method, path string
			wantStatus         int
			wantCode           string
		}{
			{"unknown path", http.MethodGet, "/v1/nope", http.StatusNotFound, "not_found"},
			{"wrong method on a POST route", http.MethodGet, "/v1/txs", http.StatusMethodNotAllowed, "method_not_allowed"},
			{"wrong method on a GET route", http.MethodPut, "/v1/status", http.StatusMethodNotAllowed, "method_not_allowed"},
			{"evidence without a subject", http.MethodGet, "/v1/evidence", http.StatusBadRequest, "bad_query"},
			{"evidence with two subjects", http.MethodGet, "/v1/evidence?doc_hash=" + hex.EncodeToString(d3[:]) + "&contract_id=" + contract, http.StatusBadRequest, "bad_query"},
			{"evidence doc_hash not hex", http.MethodGet, "/v1/evidence?doc_hash=zz", http.StatusBadRequest, "bad_query"},
			{"evidence doc_hash too short", http.MethodGet, "/v1/evidence?doc_hash=abcd", http.StatusBadRequest, "bad_query"},
			{"evidence cert not hex", http.MethodGet, "/v1/evidence?cert=xyz", http.StatusBadRequest, "bad_query"},
			{"evidence unknown document", http.MethodGet, "/v1/evidence?doc_hash=" + strings.Repeat("00", 32), http.StatusNotFound, "not_found"},
			{"unknown contract", http.MethodGet, "/v1/contracts/nope", http.StatusNotFound, "not_found"},
			{"record past the log", http.MethodGet, "/v1/records/100000", http.StatusNotFound, "not_found"},
			{"bad fingerprint", http.MethodGet, "/v1/certs/xyz", http.StatusBadRequest, "bad_path"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				status, hdr, body := itDo(ctx, t, tc.method, n.base+tc.path, "", nil)
				requireAPIError(t, tc.method+" "+tc.path, status, hdr, body, tc.wantStatus, tc.wantCode)
			})
		}
	})

	_, b := n.evidenceFor(ctx, t, doc)
	if len(b.Records) != 8 {
		t.Fatalf("bundle has %d records, want 8 (2 certificates + 6 contract records)", len(b.Records))
	}
	if b.ChainID != itChainID || b.Subject.DocHash != hex.EncodeToString(d3[:]) {
		t.Fatalf("bundle chain %q subject %+v", b.ChainID, b.Subject)
	}
	res := n.verifyAll(t, b, doc)
	if got := len(res.Records); got != 8 {
		t.Fatalf("Result.Records has %d entries, want 8", got)
	}
	if last := res.Checks[len(res.Checks)-1]; last.Name != "file" {
		t.Fatalf("last check %q, want file", last.Name)
	}

	// Restart on the same home: the chain resumes where it stopped.
	stoppedAt := n.node.Comet().LatestHeight()
	logSize := n.node.Store().Last().LogSize
	if err := n.node.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	select {
	case <-n.node.Quit():
	default:
		t.Fatal("Quit not closed after Stop")
	}
	n.start(ctx, t)
	if got := n.node.Comet().LatestHeight(); got < stoppedAt {
		t.Fatalf("after restart height %d, was %d", got, stoppedAt)
	}
	if got := n.node.Store().Last().LogSize; got != logSize {
		t.Fatalf("after restart log size %d, was %d", got, logSize)
	}
	n.verifyAll(t, b, doc) // the bundle from before the restart, offline
	_, b2 := n.evidenceFor(ctx, t, doc)
	n.verifyAll(t, b2, doc)
	if len(b2.Records) != len(b.Records) {
		t.Fatalf("after restart bundle has %d records, want %d", len(b2.Records), len(b.Records))
	}
	for i := range b.Records {
		if b.Records[i].Index != b2.Records[i].Index || !bytes.Equal(b.Records[i].Leaf, b2.Records[i].Leaf) {
			t.Fatalf("after restart record %d differs", i)
		}
	}

	_, carolDER := n.issueSigner(t, signer.AlgECDSAP256, "sc-it-carol")
	res2 := n.commit(ctx, t, n.build(t, &chain.CertIssued{Cert: carolDER}, nil))
	if res2.Height <= stoppedAt || *res2.LogIndex != logSize {
		t.Fatalf("tx after restart: height %d (stopped at %d), log index %d (want %d)", res2.Height, stoppedAt, *res2.LogIndex, logSize)
	}
}

// unregisteredSigner is a signer whose certificate was never recorded on chain.
func unregisteredSigner(t *testing.T) *client.Actor {
	t.Helper()
	k, err := signer.GenerateKey(signer.AlgSM2, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &client.Actor{Cert: chain.FingerprintOf([]byte("never registered")), Key: k}
}
