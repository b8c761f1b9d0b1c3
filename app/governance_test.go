package app

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"strings"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/internal/fixture"
	"github.com/sealchain/sealchain/signer"
)

// govWorld: four orgs of weight 1 and one genesis validator.
func govWorld(t *testing.T) (*fixture.Net, *harness, []byte) {
	t.Helper()
	net := fixture.New(t, testChain,
		fixture.Role{ID: "court", Role: chain.RoleCourt}, fixture.Role{ID: "notary", Role: chain.RoleNotary},
		fixture.Role{ID: "arbitration", Role: chain.RoleArbitration}, fixture.Role{ID: "platform", Role: chain.RolePlatform})
	h := &harness{t: t, dir: t.TempDir(), time: fixture.Epoch.Add(time.Hour)}
	h.open()
	genesisVal := make([]byte, 32)
	genesisVal[0] = 1
	if _, err := h.app.InitChain(context.Background(), &abci.InitChainRequest{ChainId: testChain, Time: fixture.Epoch,
		AppStateBytes: net.GenesisState(t), Validators: []abci.ValidatorUpdate{{Power: 10, PubKeyType: "ed25519", PubKeyBytes: genesisVal}}}); err != nil {
		t.Fatal(err)
	}
	return net, h, genesisVal
}

func (h *harness) one(tx []byte) *abci.ExecTxResult {
	h.t.Helper()
	res := h.finalize(tx)
	if _, err := h.app.Commit(context.Background(), &abci.CommitRequest{}); err != nil {
		h.t.Fatal(err)
	}
	return res.TxResults[0]
}

func TestGovernance(t *testing.T) {
	net, h, genesisVal := govWorld(t)
	court, notary, arbitration, platform := net.Orgs[0], net.Orgs[1], net.Orgs[2], net.Orgs[3]
	newKey, _, _ := ed25519.GenerateKey(nil)

	step := func(name string, tx []byte, want uint32, field string) *abci.ExecTxResult {
		t.Helper()
		r := h.one(tx)
		if want == CodeOK && r.Code != CodeOK {
			t.Fatalf("%s: code %d %s", name, r.Code, r.Log)
		}
		if want != CodeOK {
			checkRejection(t, name, r.Code, r.Codespace, r.Log, want, field)
		}
		return r
	}
	addVal := &chain.Proposal{ID: "add", Kind: chain.ProposalSetValidator, Validator: &chain.ValidatorChange{PubKey: newKey, Power: 5, Org: "notary"}}
	step("propose", platform.Tx(t, addVal, nil), CodeOK, "")
	step("same id again", court.Tx(t, addVal, nil), CodeDuplicate, "body.proposal_id")
	step("vote on unknown", court.Tx(t, &chain.Vote{Proposal: "nope", Choice: chain.VoteYes}, nil), CodeUnknownProposal, "body.proposal_id")
	step("proposer votes again", platform.Tx(t, &chain.Vote{Proposal: "add", Choice: chain.VoteYes}, nil), CodeAlreadyVoted, "envelope.org")
	step("court yes", court.Tx(t, &chain.Vote{Proposal: "add", Choice: chain.VoteYes}, nil), CodeOK, "")
	// 2 of 4 is not more than 2/3: no validator update yet.
	res := h.finalize()
	h.app.Commit(context.Background(), &abci.CommitRequest{})
	if len(res.ValidatorUpdates) != 0 {
		t.Fatalf("validator update before the threshold: %v", res.ValidatorUpdates)
	}
	h.height++
	h.time = h.time.Add(time.Second)
	fin, err := h.app.FinalizeBlock(context.Background(), &abci.FinalizeBlockRequest{Height: h.height, Time: h.time,
		Txs: [][]byte{notary.Tx(t, &chain.Vote{Proposal: "add", Choice: chain.VoteYes}, nil)}})
	if err != nil || fin.TxResults[0].Code != 0 {
		t.Fatalf("third vote: %v %v", err, fin.TxResults[0].Log)
	}
	h.app.Commit(context.Background(), &abci.CommitRequest{})
	if len(fin.ValidatorUpdates) != 1 || fin.ValidatorUpdates[0].Power != 5 || string(fin.ValidatorUpdates[0].PubKeyBytes) != string(newKey) {
		t.Fatalf("validator updates %v, want the new key with power 5", fin.ValidatorUpdates)
	}
	step("vote after it passed", arbitration.Tx(t, &chain.Vote{Proposal: "add", Choice: chain.VoteYes}, nil), CodeProposalClosed, "body.proposal_id")
	vals, _ := h.app.store.View().Validators()
	if len(vals) != 2 {
		t.Fatalf("%d validators in state, want 2", len(vals))
	}

	// Rejection by votes: 2 no of 4 means yes can never exceed 2/3.
	other, _, _ := ed25519.GenerateKey(nil)
	step("propose 2", platform.Tx(t, &chain.Proposal{ID: "p2", Kind: chain.ProposalSetValidator, Validator: &chain.ValidatorChange{PubKey: other, Power: 1, Org: "court"}}, nil), CodeOK, "")
	step("court no", court.Tx(t, &chain.Vote{Proposal: "p2", Choice: chain.VoteNo}, nil), CodeOK, "")
	step("notary no", notary.Tx(t, &chain.Vote{Proposal: "p2", Choice: chain.VoteNo}, nil), CodeOK, "")
	if ps, _, _ := h.app.store.View().Proposal("p2"); ps.Status != chain.ProposalRejected {
		t.Fatalf("p2 is %s, want rejected", ps.Status)
	}

	// Bad proposals.
	unknown, _, _ := ed25519.GenerateKey(nil)
	step("remove unknown validator", platform.Tx(t, &chain.Proposal{ID: "p3", Kind: chain.ProposalSetValidator, Validator: &chain.ValidatorChange{PubKey: unknown, Power: 0, Org: "court"}}, nil), CodeBadValidator, "body.validator.pub_key")
	step("validator of unknown org", platform.Tx(t, &chain.Proposal{ID: "p4", Kind: chain.ProposalSetValidator, Validator: &chain.ValidatorChange{PubKey: unknown, Power: 1, Org: "ghost"}}, nil), CodeUnknownOrg, "body.validator.org")
	step("register an existing org", platform.Tx(t, &chain.Proposal{ID: "p5", Kind: chain.ProposalRegisterOrg, Org: &chain.Org{ID: "court", Name: "x", Role: chain.RoleCourt, CACert: court.CA.Cert.Raw, Weight: 1}}, nil), CodeDuplicate, "body.org.id")
	step("expired at once", platform.Tx(t, &chain.Proposal{ID: "p6", Kind: chain.ProposalSetValidator, Expires: fixture.Epoch.Unix(), Validator: &chain.ValidatorChange{PubKey: unknown, Power: 1, Org: "court"}}, nil), CodeDeadlinePassed, "body.expires")
	step("propose removing the genesis validator (another remains)", platform.Tx(t, &chain.Proposal{ID: "p7", Kind: chain.ProposalSetValidator, Validator: &chain.ValidatorChange{PubKey: genesisVal, Power: 0, Org: "court"}}, nil), CodeOK, "")

	// Intent verifiers: an unregistered one is refused; governance registers it.
	verKey, _ := signer.GenerateKey(signer.AlgSM2, nil)
	verCert, err := platform.CA.Issue(verKey.Public(), signer.IssueOptions{SubjectRef: "face-provider", Usage: signer.UsageIntentVerifier,
		NotBefore: fixture.Epoch.Add(-time.Hour), NotAfter: fixture.Epoch.AddDate(1, 0, 0)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	alice := platform.Signer(t, signer.AlgSM2, time.Time{})
	step("register alice", platform.Tx(t, &chain.CertIssued{Cert: alice.Cert}, nil), CodeOK, "")
	step("contract", platform.Tx(t, fixture.Contract("g-1", "doc", chain.OrderParallel, alice), nil), CodeOK, "")
	iv := platform.Intent(t, "g-1", alice)
	iv.VerifierCert = verCert
	iv.VerifierSig, _ = verKey.Sign(nil, iv.AttestationBytes(testChain))
	intent := platform.Tx(t, iv, alice)
	if r := h.checkTx(intent); r.Code != CodeUnknownVerifier {
		t.Fatalf("unregistered verifier: CheckTx code %d %s", r.Code, r.Log)
	}
	step("propose verifier", platform.Tx(t, &chain.Proposal{ID: "ver", Kind: chain.ProposalRegisterVerifier, VerifierCert: verCert}, nil), CodeOK, "")
	for _, o := range []*fixture.Org{court, notary} { // with the proposer: 3 of 4
		step("verifier vote "+o.ID, o.Tx(t, &chain.Vote{Proposal: "ver", Choice: chain.VoteYes}, nil), CodeOK, "")
	}
	step("intent with the registered verifier", intent, CodeOK, "")
}

// TestRegisterOrgDistinctCA: register_org refuses a CA whose subject name or
// key is already a registered org's CA's. On the old code both passed, and
// the second org could never authenticate or register credentials: every
// lookup from a certificate's issuer to its org stops at the first match.
func TestRegisterOrgDistinctCA(t *testing.T) {
	net, h, _ := govWorld(t)
	court := net.Orgs[0]
	// A CA named exactly as the court's, with its own key.
	twin := fixture.New(t, testChain, fixture.Role{ID: "court", Role: chain.RoleCourt}).Orgs[0]
	// A CA with the court CA's key, under another name.
	sameKey, err := signer.NewCA(court.CA.Key, signer.CAOptions{OrgID: "court-2", OrgName: "court-2 org", Role: "court",
		NotBefore: fixture.Epoch.Add(-time.Hour), NotAfter: fixture.Epoch.AddDate(10, 0, 0)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	newcomer := fixture.New(t, testChain, fixture.Role{ID: "court-2", Role: chain.RoleCourt}).Orgs[0]
	tests := []struct {
		name  string
		ca    []byte
		creds [][]byte
		code  uint32
	}{
		{"another org's CA subject", twin.CA.Cert.Raw, [][]byte{twin.Submitter.Cert}, CodeDuplicate},
		{"another org's CA key", sameKey.Cert.Raw, nil, CodeDuplicate},
		{"a CA of its own", newcomer.CA.Cert.Raw, [][]byte{newcomer.Submitter.Cert}, CodeOK},
	}
	for i, tc := range tests {
		org := &chain.Org{ID: "court-2", Name: "court-2 org", Role: chain.RoleCourt, CACert: tc.ca, Weight: 1}
		p := &chain.Proposal{ID: fmt.Sprintf("org-%d", i), Kind: chain.ProposalRegisterOrg, Org: org, Credentials: tc.creds}
		r := h.one(court.Tx(t, p, nil))
		if tc.code == CodeOK {
			if r.Code != CodeOK {
				t.Errorf("%s: code %d %s", tc.name, r.Code, r.Log)
			}
			continue
		}
		checkRejection(t, tc.name, r.Code, r.Codespace, r.Log, tc.code, "body.org.ca_cert")
		if !strings.Contains(r.Log, `"court"`) {
			t.Errorf("%s: log %q does not name the org that has the CA", tc.name, r.Log)
		}
	}
}
