package chainapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cometbft/cometbft/mempool"

	abci "github.com/cometbft/cometbft/abci/types"
	coretypes "github.com/cometbft/cometbft/rpc/core/types"
	"github.com/cometbft/cometbft/types"

	"github.com/sealchain/sealchain/app"
	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/store"
	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/evidence/assemble"
	"github.com/sealchain/sealchain/internal/fixture"
	"github.com/sealchain/sealchain/node/httpjson"
	"github.com/sealchain/sealchain/node/submit"
	"github.com/sealchain/sealchain/signer"
)

const apiTestChainID = "sealchain-api-test"

// apiTestMaxBody is the body limit of test APIs: large enough for any
// fixture tx, small enough to test the limit cheaply.
const apiTestMaxBody = 16 << 10

// fakeMempool stands in for CometBFT: BroadcastTxSync runs the real app's
// CheckTx, and Tx knows no transaction unless told otherwise.
type fakeMempool struct {
	app *app.App
	// broadcastErr, when set, is returned by BroadcastTxSync.
	broadcastErr error
	// txResult, when set, is returned by Tx (a FinalizeBlock rejection).
	txResult *coretypes.ResultTx
	// commitOnBroadcast puts each accepted tx in a block of its own at once.
	commitOnBroadcast bool
	// acceptAll answers every broadcast code 0 without CheckTx.
	acceptAll bool
	t         testing.TB
}

var _ submit.Mempool = (*fakeMempool)(nil)

func (m *fakeMempool) BroadcastTxSync(ctx context.Context, tx types.Tx) (*coretypes.ResultBroadcastTx, error) {
	if m.broadcastErr != nil {
		return nil, m.broadcastErr
	}
	if m.acceptAll {
		return &coretypes.ResultBroadcastTx{Hash: tx.Hash()}, nil
	}
	res, err := m.app.CheckTx(ctx, &abci.CheckTxRequest{Tx: tx, Type: abci.CHECK_TX_TYPE_CHECK})
	if err != nil {
		return nil, err
	}
	if res.Code == abci.CodeTypeOK && m.commitOnBroadcast {
		commitBlock(m.t, m.app, tx)
	}
	return &coretypes.ResultBroadcastTx{Code: res.Code, Data: res.Data, Log: res.Log, Codespace: res.Codespace, Hash: tx.Hash()}, nil
}

func (m *fakeMempool) Tx(_ context.Context, hash []byte, _ bool) (*coretypes.ResultTx, error) {
	if m.txResult != nil {
		return m.txResult, nil
	}
	return nil, errors.New("tx not found")
}

// commitBlock runs one block holding txs through FinalizeBlock and Commit,
// failing unless every tx is accepted.
func commitBlock(t testing.TB, a *app.App, txs ...[]byte) {
	t.Helper()
	ctx := context.Background()
	h := a.Store().Last().Height + 1
	res, err := a.FinalizeBlock(ctx, &abci.FinalizeBlockRequest{
		Height: h, Time: fixture.Epoch.Add(time.Duration(h) * time.Second), Txs: txs,
	})
	if err != nil {
		t.Fatalf("FinalizeBlock(%d): %v", h, err)
	}
	for i, r := range res.TxResults {
		if r.Code != app.CodeOK {
			t.Fatalf("FinalizeBlock(%d): tx %d rejected with code %d: %s", h, i, r.Code, r.Log)
		}
	}
	if _, err := a.Commit(ctx, &abci.CommitRequest{}); err != nil {
		t.Fatalf("Commit(%d): %v", h, err)
	}
}

// newTestAPI builds the API over a fresh store in a temporary directory and
// a real app whose genesis holds net's organisations. The mempool's app is
// filled in.
func newTestAPI(t testing.TB, net *fixture.Net, mp *fakeMempool, wait time.Duration) *API {
	t.Helper()
	return newTestAPIWith(t, net, net.GenesisState(t), mp, wait)
}

// newTestAPIWith is newTestAPI with the genesis app state appState.
func newTestAPIWith(t testing.TB, net *fixture.Net, appState []byte, mp *fakeMempool, wait time.Duration) *API {
	t.Helper()
	logger := slog.New(slog.DiscardHandler)
	store, err := store.Open(t.TempDir(), logger)
	if err != nil {
		t.Fatalf("OpenStore: %v", err)
	}
	t.Cleanup(func() {
		if err := store.Close(); err != nil {
			t.Errorf("close store: %v", err)
		}
	})
	a, err := app.New(store, net.ChainID)
	if err != nil {
		t.Fatalf("app.New: %v", err)
	}
	if _, err := a.InitChain(context.Background(), &abci.InitChainRequest{
		ChainId: net.ChainID, Time: fixture.Epoch, AppStateBytes: appState, InitialHeight: 1,
	}); err != nil {
		t.Fatalf("InitChain: %v", err)
	}
	mp.app, mp.t = a, t
	api := &API{
		store: store, chainID: net.ChainID, sub: submit.New(store, mp), assemble: func(ctx context.Context, s evidence.Subject) (*evidence.Bundle, error) {
			return assemble.Bundle(ctx, store, nil, s)
		},
		wait: wait, maxBody: apiTestMaxBody, logger: logger, metrics: httpjson.NewMetrics(nil),
		status:  func(context.Context) (map[string]any, error) { return map[string]any{}, nil },
		genesis: []byte("{}"),
	}
	api.handler()
	return api
}

// postTx sends body to POST /v1/txs through the API's router.
func postTx(a *API, body []byte, ctype, wait string) *httptest.ResponseRecorder {
	target := "/v1/txs"
	if wait != "" {
		target += "?wait=" + url.QueryEscape(wait)
	}
	req := httptest.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	w := httptest.NewRecorder()
	a.ServeHTTP(w, req)
	return w
}

// checkJSONAnswer asserts the API's contract for any answer to POST /v1/txs:
// JSON; errors as {"error": {"code", "message", ...}} with a code and a
// message; successes as a SubmitResult naming the tx.
func checkJSONAnswer(t *testing.T, w *httptest.ResponseRecorder) (errorBody, client.SubmitResult) {
	t.Helper()
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("status %d: Content-Type %q, want JSON; body %q", w.Code, ct, w.Body.Bytes())
	}
	if !json.Valid(w.Body.Bytes()) {
		t.Fatalf("status %d: body is not JSON: %q", w.Code, w.Body.Bytes())
	}
	dec := json.NewDecoder(bytes.NewReader(w.Body.Bytes()))
	dec.DisallowUnknownFields()
	var e errorBody
	var ok client.SubmitResult
	if w.Code >= 400 {
		if err := dec.Decode(&e); err != nil {
			t.Fatalf("status %d: body is not an error object: %v: %s", w.Code, err, w.Body.Bytes())
		}
		if e.Error.Code == "" || e.Error.Message == "" {
			t.Fatalf("status %d: error without code or message: %s", w.Code, w.Body.Bytes())
		}
		return e, ok
	}
	if err := dec.Decode(&ok); err != nil {
		t.Fatalf("status %d: body is not a submit result: %v: %s", w.Code, err, w.Body.Bytes())
	}
	if len(ok.TxHash) != 64 {
		t.Fatalf("status %d: tx_hash %q", w.Code, ok.TxHash)
	}
	return e, ok
}

// apiTxs are fixture transactions for the submit tests.
type apiTxs struct {
	valid     []byte // cert_issued by the genesis org: passes CheckTx
	valid2    []byte
	committed []byte // committed before the test
	otherNet  []byte // signed for another chain
	batch     []byte // a batch of two records by the genesis org
}

func newAPITxs(t testing.TB, net *fixture.Net) apiTxs {
	t.Helper()
	org := net.Orgs[0]
	other := fixture.New(t, "other-chain")
	return apiTxs{
		valid:     org.Tx(t, &chain.CertIssued{Cert: org.Signer(t, signer.AlgSM2, time.Time{}).Cert}, nil),
		valid2:    org.Tx(t, &chain.CertIssued{Cert: org.Signer(t, signer.AlgECDSAP256, time.Time{}).Cert}, nil),
		committed: org.Tx(t, &chain.CertIssued{Cert: org.Signer(t, signer.AlgSM2, time.Time{}).Cert}, nil),
		otherNet:  other.Orgs[0].Tx(t, &chain.CertIssued{Cert: other.Orgs[0].Signer(t, signer.AlgSM2, time.Time{}).Cert}, nil),
		batch:     batchOf(t, org, 2),
	}
}

// batchOf is a batch of n cert_issued records by org.
func batchOf(t testing.TB, org *fixture.Org, n int) []byte {
	t.Helper()
	items := make([]*chain.Tx, n)
	for i := range items {
		it, err := org.Submitter.BuildItem(&chain.CertIssued{Cert: org.Signer(t, signer.AlgSM2, time.Time{}).Cert}, nil)
		if err != nil {
			t.Fatalf("BuildItem: %v", err)
		}
		items[i] = it
	}
	b, err := org.Submitter.BuildBatch(items)
	if err != nil {
		t.Fatalf("BuildBatch: %v", err)
	}
	return b
}

func jsonTx(tx []byte) []byte {
	b, _ := json.Marshal(map[string]string{"tx": base64.StdEncoding.EncodeToString(tx)})
	return b
}

func TestSubmit(t *testing.T) {
	net := fixture.New(t, apiTestChainID)
	txs := newAPITxs(t, net)
	tests := []struct {
		name       string
		mempool    fakeMempool
		body       []byte
		ctype      string
		wait       string
		wantStatus int
		wantCode   string // error code; "" for a success
		wantABCI   uint32
		wantCommit bool
	}{
		{name: "raw tx accepted", body: txs.valid, ctype: "application/octet-stream", wantStatus: http.StatusAccepted},
		{name: "raw tx without content type", body: txs.valid, wantStatus: http.StatusAccepted},
		{name: "raw tx wait none", body: txs.valid, ctype: "application/octet-stream", wait: "none", wantStatus: http.StatusAccepted},
		{name: "JSON tx accepted", body: jsonTx(txs.valid), ctype: "application/json; charset=utf-8", wantStatus: http.StatusAccepted},
		{name: "already in the mempool cache", mempool: fakeMempool{broadcastErr: mempool.ErrTxInCache},
			body: txs.valid, wantStatus: http.StatusAccepted},
		{name: "committed while waiting", mempool: fakeMempool{commitOnBroadcast: true},
			body: txs.valid, wait: "commit", wantStatus: http.StatusOK, wantCommit: true},
		{name: "unsupported media type", body: txs.valid, ctype: "text/plain", wantStatus: http.StatusUnsupportedMediaType, wantCode: "unsupported_media_type"},
		{name: "JSON not an object", body: []byte(`"tx"`), ctype: "application/json", wantStatus: http.StatusBadRequest, wantCode: "bad_json"},
		{name: "JSON unknown field", body: []byte(`{"tx":"AA==","wait":true}`), ctype: "application/json", wantStatus: http.StatusBadRequest, wantCode: "bad_json"},
		{name: "JSON tx not base64", body: []byte(`{"tx":"not base64!"}`), ctype: "application/json", wantStatus: http.StatusBadRequest, wantCode: "bad_field"},
		{name: "JSON tx empty", body: []byte(`{"tx":""}`), ctype: "application/json", wantStatus: http.StatusBadRequest, wantCode: "bad_field"},
		{name: "empty body", body: nil, ctype: "application/octet-stream", wantStatus: http.StatusBadRequest, wantCode: "bad_field"},
		{name: "body over the batch limit", body: make([]byte, chain.MaxBatchBytes+1), wantStatus: http.StatusRequestEntityTooLarge, wantCode: "too_large"},
		{name: "JSON body over the batch limit", body: make([]byte, base64.StdEncoding.EncodedLen(chain.MaxBatchBytes)+65), ctype: "application/json",
			wantStatus: http.StatusRequestEntityTooLarge, wantCode: "too_large"},
		{name: "bad wait", body: txs.valid, wait: "soon", wantStatus: http.StatusBadRequest, wantCode: "bad_query"},
		{name: "garbage rejected by CheckTx", body: []byte("garbage"), wantStatus: http.StatusUnprocessableEntity, wantCode: "tx_rejected", wantABCI: app.CodeMalformed},
		{name: "tx for another chain", body: txs.otherNet, wantStatus: http.StatusUnprocessableEntity, wantCode: "tx_rejected", wantABCI: app.CodeChainID},
		{name: "replay of a committed tx", body: txs.committed, wait: "commit", wantStatus: http.StatusConflict, wantCode: "tx_rejected", wantABCI: app.CodeReplay},
		{name: "mempool unavailable", mempool: fakeMempool{broadcastErr: errors.New("mempool is full")},
			body: txs.valid, wantStatus: http.StatusServiceUnavailable, wantCode: "mempool_unavailable"},
		{name: "not committed in time", body: txs.valid, wait: "commit", wantStatus: http.StatusGatewayTimeout, wantCode: "timeout"},
		{name: "rejected by FinalizeBlock while waiting",
			mempool: fakeMempool{txResult: &coretypes.ResultTx{TxResult: abci.ExecTxResult{Code: app.CodeNotParty, Codespace: app.Codespace, Log: "field actor.cert: not a party"}}},
			body:    txs.valid, wait: "commit", wantStatus: http.StatusUnprocessableEntity, wantCode: "tx_rejected", wantABCI: app.CodeNotParty},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mp := tc.mempool
			a := newTestAPI(t, net, &mp, 150*time.Millisecond)
			commitBlock(t, mp.app, txs.committed)

			w := postTx(a, tc.body, tc.ctype, tc.wait)
			if w.Code != tc.wantStatus {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.wantStatus, w.Body.Bytes())
			}
			e, res := checkJSONAnswer(t, w)
			if tc.wantCode == "" {
				if res.TxHash != chain.TxHash(tc.body).String() && !strings.HasPrefix(tc.ctype, "application/json") {
					t.Fatalf("tx_hash %s, want %s", res.TxHash, chain.TxHash(tc.body))
				}
				if res.Committed != tc.wantCommit {
					t.Fatalf("committed = %v, want %v", res.Committed, tc.wantCommit)
				}
				if tc.wantCommit && (res.LogIndex == nil || *res.LogIndex != 1 || res.Height != 2 || res.BlockTime == nil) {
					t.Fatalf("committed result %+v, want log index 1 at height 2 with a block time", res)
				}
				return
			}
			if e.Error.Code != tc.wantCode || e.Error.ABCICode != tc.wantABCI {
				t.Fatalf("error %+v, want code %q abci_code %d", e.Error, tc.wantCode, tc.wantABCI)
			}
			if tc.wantABCI != 0 && (e.Error.Codespace != app.Codespace || e.Error.TxHash == "") {
				t.Fatalf("rejection %+v lacks codespace or tx hash", e.Error)
			}
		})
	}
}

func TestSubmitBatch(t *testing.T) {
	net := fixture.New(t, apiTestChainID)
	txs := newAPITxs(t, net)
	b, err := chain.DecodeBatch(txs.batch, nil)
	if err != nil {
		t.Fatal(err)
	}
	mp := &fakeMempool{acceptAll: true}
	a := newTestAPI(t, net, mp, 150*time.Millisecond)
	commitBlock(t, mp.app, txs.committed)

	for _, body := range [][]byte{txs.batch, jsonTx(txs.batch)} {
		ctype := "application/octet-stream"
		if body[0] == '{' {
			ctype = "application/json"
		}
		w := postTx(a, body, ctype, "")
		if w.Code != http.StatusAccepted {
			t.Fatalf("%s: status %d: %s", ctype, w.Code, w.Body.Bytes())
		}
		_, res := checkJSONAnswer(t, w)
		if res.TxHash != chain.TxHash(txs.batch).String() || len(res.Records) != 2 ||
			res.Records[0] != b.Items[0].ItemHash().String() || res.Records[1] != b.Items[1].ItemHash().String() {
			t.Fatalf("%s: answer %+v, want the batch hash and its two record hashes", ctype, res)
		}
	}

	get := func() *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		a.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/v1/txs/"+chain.TxHash(txs.batch).String(), nil))
		return w
	}
	if w := get(); w.Code != http.StatusNotFound {
		t.Fatalf("GET of a pending batch: status %d: %s", w.Code, w.Body.Bytes())
	}
	// Committed: record 0 at log index 0, record 1 refused by a state rule.
	committed := []chain.RecordResult{{Index: 0}, {Code: app.CodeDuplicate, Log: "field body.cert: already registered"}}
	mp.txResult = &coretypes.ResultTx{Height: 2, Tx: txs.batch, TxResult: abci.ExecTxResult{
		Data: chain.EncodeBatchResult(committed), Log: chain.BatchResultLog(committed)}}
	w := get()
	if w.Code != http.StatusOK {
		t.Fatalf("GET of a committed batch: status %d: %s", w.Code, w.Body.Bytes())
	}
	_, res := checkJSONAnswer(t, w)
	if !res.Committed || res.Height != 2 || len(res.Results) != 2 ||
		res.Results[0].Code != 0 || res.Results[0].LogIndex == nil || *res.Results[0].LogIndex != 0 || res.Results[0].RecordHash != b.Items[0].ItemHash().String() ||
		res.Results[1].Code != app.CodeDuplicate || res.Results[1].LogIndex != nil || res.Results[1].Log == "" {
		t.Fatalf("batch answer %+v", res)
	}
	if w := postTx(a, txs.batch, "", "commit"); w.Code != http.StatusOK {
		t.Fatalf("POST with wait=commit: status %d: %s", w.Code, w.Body.Bytes())
	}
	// Refused whole in FinalizeBlock.
	mp.txResult = &coretypes.ResultTx{Height: 2, Tx: txs.batch, TxResult: abci.ExecTxResult{Code: app.CodeUnknownCert, Codespace: app.Codespace, Log: "field envelope.cert: unknown"}}
	if w := get(); w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("GET of a refused batch: status %d: %s", w.Code, w.Body.Bytes())
	}
}

// FuzzSubmit feeds POST /v1/txs arbitrary bodies, content types and wait
// values. The handler must not panic and must always answer JSON; errors
// must be {"error": {"code", "message"}} with both set.
func FuzzSubmit(f *testing.F) {
	net := fixture.New(f, apiTestChainID)
	txs := newAPITxs(f, net)
	mp := &fakeMempool{}
	a := newTestAPI(f, net, mp, 20*time.Millisecond)
	commitBlock(f, mp.app, txs.committed)

	for _, s := range []struct {
		body        []byte
		ctype, wait string
	}{
		{txs.valid, "application/octet-stream", ""},
		{txs.valid, "application/octet-stream", "commit"},
		{txs.valid2, "", "none"},
		{jsonTx(txs.valid), "application/json", ""},
		{jsonTx(txs.valid), "application/json; charset=utf-8", "none"},
		{txs.committed, "application/octet-stream", "commit"},
		{txs.otherNet, "application/octet-stream", ""},
		{txs.valid[:len(txs.valid)/2], "application/octet-stream", ""},
		{[]byte("garbage"), "", ""},
		{[]byte(`{"tx":"AAAA"}`), "application/json", ""},
		{[]byte(`{"tx":"AAAA"} trailing`), "application/json", ""},
		{[]byte(`{"tx":null}`), "application/json", ""},
		{[]byte(`[1,2,3]`), "application/json", ""},
		{[]byte{}, "", "commit"},
		{[]byte("x"), "text/plain", ""},
		{[]byte("x"), "application/octet-stream", "forever"},
		{bytes.Repeat([]byte{0xff}, apiTestMaxBody+1), "", ""},
		{txs.batch, "application/octet-stream", ""},
		{txs.batch, "application/octet-stream", "commit"},
		{jsonTx(txs.batch), "application/json", ""},
		{txs.batch[:len(txs.batch)-3], "application/octet-stream", ""},
		{txs.batch[:len(txs.batch)/2], "", "none"},
	} {
		f.Add(s.body, s.ctype, s.wait)
	}

	f.Fuzz(func(t *testing.T, body []byte, ctype, wait string) {
		w := postTx(a, body, ctype, wait)
		if w.Code < 200 || w.Code >= 600 {
			t.Fatalf("status %d", w.Code)
		}
		checkJSONAnswer(t, w)
	})
}

// handler serves the chain API alone, as the tests do (the node adds the
// workflow's routes to the same router).
func (a *API) handler() http.Handler {
	a.Register(httpjson.NewRouter(a.metrics))
	return a
}

func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.router.ServeHTTP(w, r) }
