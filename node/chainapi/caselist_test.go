package chainapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	coretypes "github.com/cometbft/cometbft/rpc/core/types"
	"github.com/cometbft/cometbft/types"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/store"
	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/internal/fixture"
	"github.com/sealchain/sealchain/node/submit"
	"github.com/sealchain/sealchain/signer"
)

// recordingMempool accepts every transaction without running it and keeps
// it: the query_logged records the API submits in the background.
type recordingMempool struct {
	mu  sync.Mutex
	txs [][]byte
}

func (m *recordingMempool) BroadcastTxSync(_ context.Context, tx types.Tx) (*coretypes.ResultBroadcastTx, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.txs = append(m.txs, tx)
	return &coretypes.ResultBroadcastTx{Hash: tx.Hash()}, nil
}

func (m *recordingMempool) Tx(context.Context, []byte, bool) (*coretypes.ResultTx, error) {
	return nil, context.DeadlineExceeded
}

// queries are the query_logged records submitted so far.
func (m *recordingMempool) queries(t *testing.T) []*chain.QueryLogged {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*chain.QueryLogged
	for _, raw := range m.txs {
		tx, err := chain.DecodeRecord(raw)
		if err != nil {
			t.Fatalf("submitted tx: %v", err)
		}
		if q, ok := tx.Body.(*chain.QueryLogged); ok {
			out = append(out, q)
		}
	}
	return out
}

// TestCaseListApplicant: GET /v1/cases?role=applicant lists the cases the
// node's organisation opened, newest first, filtered by status and kind;
// not another platform's, and not the cases to it (role=institution). Each
// answered list is recorded as a query_logged record with subject time;
// a bad role, status or kind is 400, another organisation's caller 403.
func TestCaseListApplicant(t *testing.T) {
	net := fixture.New(t, apiTestChainID, fixture.Role{ID: "platform", Role: chain.RolePlatform},
		fixture.Role{ID: "platform-2", Role: chain.RolePlatform}, fixture.Role{ID: "notary", Role: chain.RoleNotary})
	var gs chain.GenesisState
	if err := json.Unmarshal(net.GenesisState(t), &gs); err != nil {
		t.Fatal(err)
	}
	gs.RulesVersion = chain.CaseRulesVersion
	appState, _ := json.Marshal(gs)
	mp := &fakeMempool{}
	a := newTestAPIWith(t, net, appState, mp, time.Second)
	p, p2, notary := net.Orgs[0], net.Orgs[1], net.Orgs[2]
	for _, o := range []*fixture.Org{p, p2} {
		party := o.Signer(t, signer.AlgSM2, time.Time{})
		commitBlock(t, mp.app, o.Tx(t, &chain.CertIssued{Cert: party.Cert}, nil))
		commitBlock(t, mp.app, o.Tx(t, fixture.Contract("c-"+o.ID, "the contract", chain.OrderParallel, party), nil))
	}
	apply := func(o *fixture.Org, id string) {
		commitBlock(t, mp.app, o.Tx(t, &chain.NotarizationApplied{Application: id, Contract: "c-" + o.ID, NotaryOrg: "notary",
			Scope: chain.ScopeContract, Purpose: chain.PurposeLitigation, PurposeSM3: make([]byte, 32)}, nil))
	}
	apply(p, "na-1")
	apply(p2, "na-other")
	apply(p, "na-2")
	commitBlock(t, mp.app, notary.Tx(t, &chain.NotarizationDecided{Application: "na-1", Contract: "c-platform",
		Decision: chain.DecisionAccept, Staff: chain.FingerprintOf(notary.Submitter.Cert)}, nil))

	rec := &recordingMempool{}
	a.sub = submit.New(a.store.(*store.Store), rec)
	a.org, a.auditor = "platform", p.Submitter
	a.auth.signed = true
	a.auth.nonces = newNonceCache(maxNonces, maxNoncesPerCred)
	srv := httptest.NewServer(a)
	t.Cleanup(srv.Close)
	a.auth.hosts = apiHosts("", srv.Listener.Addr().String(), nil, false)
	as := func(sub *client.Submitter) *client.Client {
		c, err := client.New(srv.URL, nil)
		if err != nil {
			t.Fatal(err)
		}
		return c.WithRequestSigner(sub.ChainID, sub.Cert, sub.Key)
	}
	ids := func(cs []client.Case) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.ID+":"+c.Status)
		}
		return out
	}
	ctx := t.Context()
	for _, tc := range []struct {
		role, status, kind string
		want               []string
	}{
		{"applicant", "", "", []string{"na-2:pending", "na-1:accepted"}},
		{"applicant", "accepted", "", []string{"na-1:accepted"}},
		{"applicant", "", "notarization", []string{"na-2:pending", "na-1:accepted"}},
		{"applicant", "", "appraisal", nil},
		{"institution", "", "", nil},
	} {
		page, err := as(p.Submitter).Cases(ctx, client.CaseQuery{Role: tc.role, Status: tc.status, Kind: tc.kind})
		var got []client.Case
		if page != nil {
			got = page.Cases
		}
		if err != nil || !slices.Equal(ids(got), tc.want) {
			t.Errorf("role=%s status=%s kind=%s: %v, %v; want %v", tc.role, tc.status, tc.kind, ids(got), err, tc.want)
		}
	}
	for _, q := range []string{"?role=owner", "?role=applicant&status=open", "?role=applicant&kind=other"} {
		_, err := as(p.Submitter).Get(ctx, "/v1/cases"+q)
		if apiStatus(err) != http.StatusBadRequest {
			t.Errorf("GET /v1/cases%s: %v, want 400", q, err)
		}
	}
	if _, err := as(p2.Submitter).Cases(ctx, client.CaseQuery{Role: "applicant"}); apiStatus(err) != http.StatusForbidden {
		t.Errorf("another platform's caller on this node: %v, want 403", err)
	}
	// Five answered lists, five query_logged records of subject time.
	deadline := time.Now().Add(5 * time.Second)
	for len(rec.queries(t)) < 5 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	qs := rec.queries(t)
	if len(qs) != 5 {
		t.Fatalf("%d query_logged records, want 5 (one per answered list)", len(qs))
	}
	for _, q := range qs {
		if q.Subject != chain.QueryTime || q.CallerOrg != "platform" {
			t.Errorf("query_logged %+v: want subject time by platform", q)
		}
	}
}
