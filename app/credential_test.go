package app

import (
	"encoding/json"
	"strings"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	"time"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/internal/fixture"
	"github.com/sealchain/sealchain/signer"
)

// newCredential issues a submitter credential with o's CA (not registered).
func newCredential(t *testing.T, o *fixture.Org, identityRef []byte) *client.Submitter {
	t.Helper()
	k, err := signer.GenerateKey(signer.AlgSM2, nil)
	if err != nil {
		t.Fatal(err)
	}
	der, err := o.CA.Issue(k.Public(), signer.IssueOptions{SubjectRef: o.ID + "-api-2", IdentityRef: identityRef, Usage: signer.UsageSubmitter,
		NotBefore: fixture.Epoch.Add(-time.Hour), NotAfter: fixture.Epoch.AddDate(2, 0, 0)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &client.Submitter{ChainID: o.Submitter.ChainID, Org: o.ID, Cert: der, Key: k}
}

func buildWith(t *testing.T, s *client.Submitter, body chain.Body) []byte {
	t.Helper()
	raw, err := s.Build(body, nil)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// TestCredentials: an envelope must be signed by a credential registered on
// chain (genesis or cert_issued) and not revoked; a credential cannot
// register itself. On the old code any certificate of the org's CA with the
// submitter usage was accepted.
func TestCredentials(t *testing.T) {
	ref := make([]byte, 32)
	ref[0] = 1
	cases := []struct {
		name  string
		setup func(t *testing.T, w *world, h *harness, fresh *client.Submitter)
		tx    func(t *testing.T, w *world, fresh *client.Submitter) []byte
		code  uint32
		field string
		check bool // CheckTx refuses it too
	}{
		{name: "genesis credential", tx: func(t *testing.T, w *world, _ *client.Submitter) []byte {
			return w.org.Tx(t, w.complete2(), nil)
		}, code: CodeOK},
		{name: "unregistered credential", tx: func(t *testing.T, w *world, fresh *client.Submitter) []byte {
			return buildWith(t, fresh, w.complete2())
		}, code: CodeUnknownCredential, field: "envelope.cert", check: true},
		{name: "a credential registers itself", tx: func(t *testing.T, w *world, fresh *client.Submitter) []byte {
			return buildWith(t, fresh, &chain.CertIssued{Cert: fresh.Cert})
		}, code: CodeUnknownCredential, field: "envelope.cert", check: true},
		{name: "registered by cert_issued", setup: func(t *testing.T, w *world, h *harness, fresh *client.Submitter) {
			h.mustCommit(w.org.Tx(t, &chain.CertIssued{Cert: fresh.Cert}, nil))
		}, tx: func(t *testing.T, w *world, fresh *client.Submitter) []byte {
			return buildWith(t, fresh, w.complete2())
		}, code: CodeOK},
		{name: "registered, then revoked", setup: func(t *testing.T, w *world, h *harness, fresh *client.Submitter) {
			h.mustCommit(w.org.Tx(t, &chain.CertIssued{Cert: fresh.Cert}, nil))
			h.mustCommit(w.org.Tx(t, &chain.CertRevoked{Cert: chain.FingerprintOf(fresh.Cert), Reason: chain.ReasonKeyCompromise}, nil))
		}, tx: func(t *testing.T, w *world, fresh *client.Submitter) []byte {
			return buildWith(t, fresh, w.complete2())
		}, code: CodeCertRevoked, field: "envelope.cert", check: true},
		{name: "genesis credential revoked by a second one", setup: func(t *testing.T, w *world, h *harness, fresh *client.Submitter) {
			h.mustCommit(w.org.Tx(t, &chain.CertIssued{Cert: fresh.Cert}, nil))
			h.mustCommit(buildWith(t, fresh, &chain.CertRevoked{Cert: chain.FingerprintOf(w.org.Submitter.Cert)}))
		}, tx: func(t *testing.T, w *world, _ *client.Submitter) []byte {
			return w.org.Tx(t, w.complete2(), nil)
		}, code: CodeCertRevoked, field: "envelope.cert", check: true},
		{name: "another org's credential", tx: func(t *testing.T, w *world, _ *client.Submitter) []byte {
			s := *w.net.Orgs[1].Submitter
			s.Org = w.org.ID // the court's registered credential, claiming the platform
			return buildWith(t, &s, w.complete2())
		}, code: CodeUnknownCredential, field: "envelope.cert", check: true},
		{name: "credential with an identity commitment", tx: func(t *testing.T, w *world, _ *client.Submitter) []byte {
			return w.org.Tx(t, &chain.CertIssued{Cert: newCredential(t, w.org, ref).Cert}, nil)
		}, code: CodeCredentialShape, field: "body.identity_ref"},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			w, h := newWorld(t)
			h.mustCommit(w.aliceIntent, w.aliceSigns, w.bobIntent, w.bobSigns)
			fresh := newCredential(t, w.org, nil)
			if tt.setup != nil {
				tt.setup(t, w, h, fresh)
			}
			tx := tt.tx(t, w, fresh)
			if tt.check {
				r := h.checkTx(tx)
				checkRejection(t, "CheckTx", r.Code, r.Codespace, r.Log, tt.code, tt.field)
			}
			res, _ := h.block(tx)
			r := res[0]
			if tt.code == CodeOK {
				if r.Code != CodeOK {
					t.Fatalf("code %d: %s", r.Code, r.Log)
				}
				return
			}
			checkRejection(t, "FinalizeBlock", r.Code, r.Codespace, r.Log, tt.code, tt.field)
		})
	}
}

// complete2 is a contract_completed for the world's contract.
func (w *world) complete2() chain.Body { return &chain.ContractCompleted{Contract: "c-1"} }

// TestGenesisCredentialsState: InitChain registers each org's genesis
// credentials under the org, marked as from genesis; a credential that is
// not the org CA's, or is a signer certificate, fails genesis.
func TestGenesisCredentialsState(t *testing.T) {
	net := fixture.New(t, testChain, fixture.Role{ID: "platform", Role: chain.RolePlatform}, fixture.Role{ID: "court", Role: chain.RoleCourt})
	h := newHarness(t, net)
	for _, o := range net.Orgs {
		cs, ok, err := h.app.store.View().Cert(chain.FingerprintOf(o.Submitter.Cert))
		if err != nil || !ok {
			t.Fatalf("%s credential not registered: %v %v", o.ID, ok, err)
		}
		if cs.Org != o.ID || !cs.AtGenesis() || cs.Revoked() {
			t.Fatalf("%s credential state %+v", o.ID, cs)
		}
	}
	// A genesis naming the court's credential under the platform, or a
	// signer certificate as a credential, is refused.
	var gs chain.GenesisState
	if err := json.Unmarshal(net.GenesisState(t), &gs); err != nil {
		t.Fatal(err)
	}
	gs.Orgs[0].Credentials = gs.Orgs[1].Credentials
	raw, _ := json.Marshal(gs)
	if _, _, err := chain.ParseGenesisState(raw); err == nil || !strings.Contains(err.Error(), "orgs[0].credentials[0]") {
		t.Errorf("another org's credential in genesis: %v", err)
	}
	s := net.Orgs[0].Signer(t, signer.AlgSM2, time.Time{})
	gs.Orgs[0].Credentials = []string{string(signer.EncodeCertificatePEM(s.Cert))}
	raw, _ = json.Marshal(gs)
	h2 := &harness{t: t, dir: t.TempDir(), time: fixture.Epoch}
	h2.open()
	if _, err := h2.app.InitChain(t.Context(), initReq(raw)); err == nil || !strings.Contains(err.Error(), "credentials[0]") {
		t.Errorf("a signer certificate as a genesis credential: %v", err)
	}
}

func initReq(appState []byte) *abci.InitChainRequest {
	return &abci.InitChainRequest{ChainId: testChain, Time: fixture.Epoch, AppStateBytes: appState}
}

// TestRegisterOrgCredentials: a register_org proposal carries the new org's
// credentials, registered when it passes, so the new org can submit; a
// credential its CA did not issue is refused when proposed.
func TestRegisterOrgCredentials(t *testing.T) {
	net, h, _ := govWorld(t)
	court, notary, arbitration := net.Orgs[0], net.Orgs[1], net.Orgs[2]
	newcomer := fixture.New(t, testChain, fixture.Role{ID: "notary-2", Role: chain.RoleNotary}).Orgs[0]
	org := &chain.Org{ID: "notary-2", Name: "notary-2 org", Role: chain.RoleNotary, CACert: newcomer.CA.Cert.Raw, Weight: 1}
	cases := []struct {
		name  string
		creds [][]byte
		code  uint32
		field string
	}{
		{"another CA's credential", [][]byte{court.Submitter.Cert}, CodeCertIssuer, "body.credentials[0]"},
		{"a signer certificate", [][]byte{newcomer.Signer(t, signer.AlgSM2, time.Time{}).Cert}, CodeCredentialShape, "body.credentials[0]"},
	}
	for _, tc := range cases {
		r := h.one(court.Tx(t, &chain.Proposal{ID: "bad", Kind: chain.ProposalRegisterOrg, Org: org, Credentials: tc.creds}, nil))
		checkRejection(t, tc.name, r.Code, r.Codespace, r.Log, tc.code, tc.field)
	}
	// Before it is registered, the newcomer's envelopes are refused.
	tx := newcomer.Tx(t, &chain.CertIssued{Cert: newcomer.Signer(t, signer.AlgSM2, time.Time{}).Cert}, nil)
	if r := h.checkTx(tx); r.Code == CodeOK {
		t.Fatal("an unregistered org's tx passed CheckTx")
	}
	for i, tx := range [][]byte{
		court.Tx(t, &chain.Proposal{ID: "org", Kind: chain.ProposalRegisterOrg, Org: org, Credentials: [][]byte{newcomer.Submitter.Cert}}, nil),
		notary.Tx(t, &chain.Vote{Proposal: "org", Choice: chain.VoteYes}, nil),
		arbitration.Tx(t, &chain.Vote{Proposal: "org", Choice: chain.VoteYes}, nil),
	} {
		if r := h.one(tx); r.Code != CodeOK {
			t.Fatalf("step %d: code %d %s", i, r.Code, r.Log)
		}
	}
	cs, ok, err := h.app.store.View().Cert(chain.FingerprintOf(newcomer.Submitter.Cert))
	if err != nil || !ok || cs.Org != "notary-2" {
		t.Fatalf("newcomer's credential after the proposal passed: %+v %v %v", cs, ok, err)
	}
	if r := h.one(tx); r.Code != CodeOK {
		t.Fatalf("the registered newcomer's tx: code %d %s", r.Code, r.Log)
	}
}

// TestRegisterCredentialsProposal: an org that revoked its only credential
// can submit nothing, and cert_issued cannot help it; a register_credentials
// proposal passed by the others records a new one.
func TestRegisterCredentialsProposal(t *testing.T) {
	net, h, _ := govWorld(t)
	court, notary, arbitration, platform := net.Orgs[0], net.Orgs[1], net.Orgs[2], net.Orgs[3]
	fresh := newCredential(t, court, nil)
	if r := h.one(court.Tx(t, &chain.CertRevoked{Cert: chain.FingerprintOf(court.Submitter.Cert), Reason: chain.ReasonKeyCompromise}, nil)); r.Code != CodeOK {
		t.Fatalf("revoke: %d %s", r.Code, r.Log)
	}
	r := h.one(court.Tx(t, &chain.CertIssued{Cert: fresh.Cert}, nil))
	checkRejection(t, "cert_issued through the revoked credential", r.Code, r.Codespace, r.Log, CodeCertRevoked, "envelope.cert")
	r = h.one(buildWith(t, fresh, &chain.CertIssued{Cert: fresh.Cert}))
	checkRejection(t, "the new credential records itself", r.Code, r.Codespace, r.Log, CodeUnknownCredential, "envelope.cert")
	r = h.one(notary.Tx(t, &chain.Proposal{ID: "mixed", Kind: chain.ProposalRegisterCredentials,
		Credentials: [][]byte{fresh.Cert, newCredential(t, platform, nil).Cert}}, nil))
	checkRejection(t, "credentials of two orgs", r.Code, r.Codespace, r.Log, CodeCertIssuer, "body.credentials[1]")
	for i, tx := range [][]byte{
		notary.Tx(t, &chain.Proposal{ID: "court-cred", Kind: chain.ProposalRegisterCredentials, Credentials: [][]byte{fresh.Cert}}, nil),
		arbitration.Tx(t, &chain.Vote{Proposal: "court-cred", Choice: chain.VoteYes}, nil),
		platform.Tx(t, &chain.Vote{Proposal: "court-cred", Choice: chain.VoteYes}, nil),
		buildWith(t, fresh, &chain.Vote{Proposal: "court-cred", Choice: chain.VoteYes}),
	} {
		r := h.one(tx)
		if i < 3 && r.Code != CodeOK {
			t.Fatalf("step %d: code %d %s", i, r.Code, r.Log)
		}
		if i == 3 && r.Code == CodeUnknownCredential {
			t.Fatalf("the court's recorded credential was refused: %s", r.Log)
		}
	}
	cs, ok, _ := h.app.store.View().Cert(chain.FingerprintOf(fresh.Cert))
	if !ok || cs.Org != "court" || cs.AtGenesis() {
		t.Fatalf("state %+v %v", cs, ok)
	}
}
