package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtjson "github.com/cometbft/cometbft/libs/json"
	"github.com/cometbft/cometbft/types"
	"github.com/emmansun/gmsm/sm3"

	"github.com/sealchain/sealchain/app"
	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/store"
	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/signer"
)

// The differential test: every kind of transaction FinalizeBlock rejects,
// forced into a bundle as if the chain had committed it, fails offline
// verification with the matching check. Both sides run the same rules
// (chain, each record type's Apply); this test holds them to it.
//
// Not in the table, because offline verification cannot decide them from
// a bundle (evidence/rules.go): an unregistered envelope credential
// (CodeUnknownCredential: bundles do not carry the genesis entry,
// cert_issued or passed proposal and votes that registered a submitter's
// credential), a cert_revoked of a certificate the bundle does not hold (the
// same), query_logged's caller organisation (CodeUnknownOrg: governance may
// have added it), a cert_issued whose identity_verified record, or a
// personal seal_registered whose owner's cert_issued, the bundle lacks
// (CodeUnknownIdentity, CodeUnknownCert: Assemble carries those only for
// the certificates records act with, and checkSignatures fails closed for
// an actor whose identity record is missing), anchored records (checked
// against Fabric by anchors.go) and proposals and votes (governance: a
// bundle holds neither every organisation nor the validator set).

// diffWorld is a synthetic chain with two organisations, "platform" and
// the notary "bank", each with a genesis credential, and five signers:
// alice, bob and carol registered by the platform, dave by the bank (a
// notary's staff member in the case rows). For institution cases (rules
// version 3, the genesis's) there are the court "court" and the appraisal
// institution "lab", each with a genesis credential.
type diffWorld struct {
	*world
	bankCA   *signer.CA
	bankSub  *client.Submitter
	courtSub *client.Submitter
	labSub   *client.Submitter
	alice    *party
	bob      *party
	carol    *party
	dave     *party
	genesis  []byte
	doc      types.GenesisDoc
}

func newDiffWorld(t *testing.T) *diffWorld {
	t.Helper()
	w, err := newWorld("differential", 1)
	if err != nil {
		t.Fatal(err)
	}
	d := &diffWorld{world: w}
	caKey, err := signer.GenerateKey(signer.AlgSM2, nil)
	if err != nil {
		t.Fatal(err)
	}
	d.bankCA, err = signer.NewCA(caKey, signer.CAOptions{OrgID: "bank", OrgName: "Differential Notary", Role: "notary",
		NotBefore: epoch.AddDate(-1, 0, 0), NotAfter: epoch.AddDate(2, 0, 0)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	newCA := func(id, name, role string) *signer.CA {
		k, err := signer.GenerateKey(signer.AlgSM2, nil)
		if err != nil {
			t.Fatal(err)
		}
		ca, err := signer.NewCA(k, signer.CAOptions{OrgID: id, OrgName: name, Role: role,
			NotBefore: epoch.AddDate(-1, 0, 0), NotAfter: epoch.AddDate(2, 0, 0)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return ca
	}
	courtCA, labCA := newCA("court", "Differential Court", "court"), newCA("lab", "Differential Appraisal", "appraisal")
	issue := func(ca *signer.CA, name string, u signer.Usage) *party {
		k, err := signer.GenerateKey(signer.AlgSM2, nil)
		if err != nil {
			t.Fatal(err)
		}
		der, err := ca.Issue(k.Public(), signer.IssueOptions{SubjectRef: name, Usage: u,
			NotBefore: epoch.AddDate(0, -1, 0), NotAfter: epoch.AddDate(1, 0, 0)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return &party{key: k, der: der, fp: chain.FingerprintOf(der), name: name}
	}
	bs := issue(d.bankCA, "bank-submitter", signer.UsageSubmitter)
	d.bankSub = &client.Submitter{ChainID: w.chainID, Org: "bank", Cert: bs.der, Key: bs.key}
	cs, ls := issue(courtCA, "court-submitter", signer.UsageSubmitter), issue(labCA, "lab-submitter", signer.UsageSubmitter)
	d.courtSub = &client.Submitter{ChainID: w.chainID, Org: "court", Cert: cs.der, Key: cs.key}
	d.labSub = &client.Submitter{ChainID: w.chainID, Org: "lab", Cert: ls.der, Key: ls.key}
	d.alice, d.bob, d.carol = issue(w.ca, "alice", signer.UsageSigner), issue(w.ca, "bob", signer.UsageSigner), issue(w.ca, "carol", signer.UsageSigner)
	d.dave = issue(d.bankCA, "dave", signer.UsageSigner)

	pem := func(der []byte) string { return string(signer.EncodeCertificatePEM(der)) }
	gs := chain.GenesisState{
		Orgs: []chain.GenesisOrg{
			{ID: "platform", Name: "Conformance Platform Ltd", Role: "platform", Weight: 1,
				CACert: pem(w.ca.Cert.Raw), Credentials: []string{pem(w.sub.Cert)}},
			{ID: "bank", Name: "Differential Notary", Role: "notary", Weight: 1,
				CACert: pem(d.bankCA.Cert.Raw), Credentials: []string{pem(d.bankSub.Cert)}},
			{ID: "court", Name: "Differential Court", Role: "court", Weight: 1,
				CACert: pem(courtCA.Cert.Raw), Credentials: []string{pem(d.courtSub.Cert)}},
			{ID: "lab", Name: "Differential Appraisal", Role: "appraisal", Weight: 1,
				CACert: pem(labCA.Cert.Raw), Credentials: []string{pem(d.labSub.Cert)}},
		},
		Verifiers:    []chain.GenesisVerifier{{Org: "platform", Cert: pem(w.verifiers[0].der)}},
		RulesVersion: chain.CaseRulesVersion,
	}
	appState, err := json.Marshal(gs)
	if err != nil {
		t.Fatal(err)
	}
	doc := types.GenesisDoc{GenesisTime: epoch.Add(-time.Hour), ChainID: w.chainID, InitialHeight: 1,
		ConsensusParams: types.DefaultConsensusParams(), AppState: appState}
	for i, v := range w.valSet.Validators {
		doc.Validators = append(doc.Validators, types.GenesisValidator{Address: v.Address, PubKey: v.PubKey, Power: v.VotingPower, Name: fmt.Sprintf("validator-%d", i)})
	}
	if err := doc.ValidateAndComplete(); err != nil {
		t.Fatal(err)
	}
	d.doc = doc
	if d.genesis, err = cmtjson.Marshal(&doc); err != nil {
		t.Fatal(err)
	}
	return d
}

// harness runs one case: a real app that commits each tx in its own block,
// and the synthetic log holding the same txs at the same heights and times.
type harness struct {
	t   *testing.T
	d   *diffWorld
	l   *log
	app *app.App
	st  *store.Store // the app's store
}

func newHarness(t *testing.T, d *diffWorld) *harness {
	t.Helper()
	st, err := store.Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	a, err := app.New(st, d.chainID)
	if err != nil {
		t.Fatal(err)
	}
	doc := d.doc
	req := &abci.InitChainRequest{ChainId: d.chainID, Time: doc.GenesisTime, AppStateBytes: doc.AppState}
	for _, v := range d.valSet.Validators {
		req.Validators = append(req.Validators, abci.ValidatorUpdate{PubKeyType: "ed25519", PubKeyBytes: v.PubKey.Bytes(), Power: v.VotingPower})
	}
	if _, err := a.InitChain(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, d: d, l: &log{w: d.world}, app: a, st: st}
	// Every case starts from the four signers' registrations (records 0-3).
	for _, p := range []*party{d.alice, d.bob, d.carol} {
		h.add(&chain.CertIssued{Cert: p.der}, nil)
	}
	h.ok(h.build(d.bankSub, &chain.CertIssued{Cert: d.dave.der}, nil))
	return h
}

// finalize runs tx alone in the next block, at the height and time the
// synthetic log gives the next record, and returns its code.
func (h *harness) finalize(tx []byte) uint32 {
	h.t.Helper()
	i := uint64(len(h.l.leaves))
	resp, err := h.app.FinalizeBlock(context.Background(), &abci.FinalizeBlockRequest{Height: int64(i) + 1, Time: h.l.timeAt(i), Txs: [][]byte{tx}})
	if err != nil {
		h.t.Fatal(err)
	}
	if _, err := h.app.Commit(context.Background(), &abci.CommitRequest{}); err != nil {
		h.t.Fatal(err)
	}
	r := resp.TxResults[0]
	if r.Code != 0 {
		h.t.Logf("record %d rejected: code %d: %s", i, r.Code, r.Log)
	}
	return r.Code
}

func (h *harness) build(sub *client.Submitter, body chain.Body, actor *party) []byte {
	h.t.Helper()
	var a *client.Actor
	if actor != nil {
		a = &client.Actor{Cert: actor.fp, Key: actor.key}
	}
	tx, err := sub.Build(body, a)
	if err != nil {
		h.t.Fatal(err)
	}
	return tx
}

// ok commits tx, which the chain must accept.
func (h *harness) ok(tx []byte) {
	h.t.Helper()
	if code := h.finalize(tx); code != 0 {
		h.t.Fatalf("setup tx rejected with code %d", code)
	}
	h.l.addTx(tx)
}

// add commits body from the platform, signed by actor when not nil.
func (h *harness) add(body chain.Body, actor *party) { h.ok(h.build(h.d.sub, body, actor)) }

// intent is p's intent attestation on contract by verifier v.
func (h *harness) intent(contract string, p, v *party) []byte {
	h.t.Helper()
	ch := sm3.Sum([]byte("challenge " + contract + p.name))
	b := &chain.IntentVerified{Contract: contract, Signer: p.fp, Method: chain.IntentSMSOTP, ChallengeHash: ch[:],
		VerifiedAt: h.l.timeAt(uint64(len(h.l.leaves))).Add(-500 * time.Millisecond).UnixMilli(), VerifierCert: v.der}
	sig, err := v.key.Sign(nil, b.AttestationBytes(h.d.chainID))
	if err != nil {
		h.t.Fatal(err)
	}
	b.VerifierSig = sig
	return h.build(h.d.sub, b, p)
}

var diffDoc = sm3.Sum([]byte("%PDF-1.4\n% differential\n%%EOF\n"))

// newContract is contract id between parties (sequential) with deadline.
func newContract(id string, deadline int64, parties ...*party) *chain.ContractCreated {
	b := &chain.ContractCreated{Contract: id, DocSM3: diffDoc[:], DocSHA256: diffDoc[:], Order: chain.OrderSequential, Deadline: deadline}
	for _, p := range parties {
		b.Parties = append(b.Parties, p.fp)
	}
	return b
}

// create commits newContract(id, deadline, parties...).
func (h *harness) create(id string, deadline int64, parties ...*party) {
	h.add(newContract(id, deadline, parties...), nil)
}

func (h *harness) sign(id string, p *party) []byte {
	return h.build(h.d.sub, &chain.ContractSigned{Contract: id, DocSM3: diffDoc[:]}, p)
}

// signWithIntent commits p's intent and signature on id.
func (h *harness) signWithIntent(id string, p *party) {
	h.ok(h.intent(id, p, h.d.verifiers[0]))
	h.ok(h.sign(id, p))
}

// verify checks the whole log offline and returns the failed checks.
func (h *harness) verify() []string {
	h.t.Helper()
	idx := make([]uint64, len(h.l.leaves))
	for i := range idx {
		idx[i] = uint64(i)
	}
	b, err := h.l.bundle(evidence.Subject{Cert: h.d.alice.fp.String()}, idx, checkpointOpts{})
	if err != nil {
		h.t.Fatal(err)
	}
	trust, err := evidence.ParseTrust(h.d.genesis)
	if err != nil {
		h.t.Fatal(err)
	}
	v, err := evidence.NewVerifier(trust)
	if err != nil {
		h.t.Fatal(err)
	}
	res := v.Verify(b, nil)
	for _, c := range res.Checks {
		if !c.OK {
			h.t.Logf("offline: %s failed: %s", c.Name, c.Detail)
		}
	}
	return res.Failed()
}

// TestDifferentialRejections: for each code, a setup the chain accepts
// (which must verify offline) and a tx FinalizeBlock rejects with that code;
// the tx forced into the bundle fails the named check of its record.
func TestDifferentialRejections(t *testing.T) {
	d := newDiffWorld(t)
	const c1 = "c1"
	seal := sm3.Sum([]byte("platform seal"))
	dayAfter := epoch.Add(24 * time.Hour).Unix()
	tests := []struct {
		name  string
		code  uint32
		check string // the failed check of the forced record: record[N].<check>
		setup func(h *harness)
		bad   func(h *harness) []byte
	}{
		{
			name: "UnknownSeal/organisation seal of another organisation", code: chain.CodeUnknownSeal, check: "signatures",
			setup: func(h *harness) {
				h.add(&chain.SealRegistered{Seal: seal[:], Kind: chain.SealOrganization, ValidFrom: epoch.Add(-time.Hour).Unix(), ValidTo: dayAfter}, nil)
				h.create(c1, 0, d.dave)
				h.ok(h.intent(c1, d.dave, d.verifiers[0]))
			},
			bad: func(h *harness) []byte {
				return h.build(d.sub, &chain.ContractSigned{Contract: c1, DocSM3: diffDoc[:], Seal: seal[:]}, d.dave)
			},
		},
		{
			name: "UnknownSeal/not registered", code: chain.CodeUnknownSeal, check: "signatures",
			setup: func(h *harness) { h.create(c1, 0, d.alice); h.ok(h.intent(c1, d.alice, d.verifiers[0])) },
			bad: func(h *harness) []byte {
				return h.build(d.sub, &chain.ContractSigned{Contract: c1, DocSM3: diffDoc[:], Seal: seal[:]}, d.alice)
			},
		},
		{
			name: "UnknownContract", code: chain.CodeUnknownContract, check: "contract",
			bad: func(h *harness) []byte { return h.build(d.sub, &chain.ContractSent{Contract: c1}, nil) },
		},
		{
			name: "NotParty", code: chain.CodeNotParty, check: "contract",
			setup: func(h *harness) { h.create(c1, 0, d.alice, d.bob) },
			bad:   func(h *harness) []byte { return h.sign(c1, d.carol) },
		},
		{
			name: "AlreadySigned", code: chain.CodeAlreadySigned, check: "contract",
			setup: func(h *harness) { h.create(c1, 0, d.alice, d.bob); h.signWithIntent(c1, d.alice) },
			bad:   func(h *harness) []byte { return h.sign(c1, d.alice) },
		},
		{
			name: "OutOfOrder", code: chain.CodeOutOfOrder, check: "contract",
			setup: func(h *harness) { h.create(c1, 0, d.alice, d.bob); h.ok(h.intent(c1, d.bob, d.verifiers[0])) },
			bad:   func(h *harness) []byte { return h.sign(c1, d.bob) },
		},
		{
			name: "NoIntent", code: chain.CodeNoIntent, check: "intent",
			setup: func(h *harness) { h.create(c1, 0, d.alice, d.bob) },
			bad:   func(h *harness) []byte { return h.sign(c1, d.alice) },
		},
		{
			name: "DocMismatch", code: chain.CodeDocMismatch, check: "contract",
			setup: func(h *harness) { h.create(c1, 0, d.alice); h.ok(h.intent(c1, d.alice, d.verifiers[0])) },
			bad: func(h *harness) []byte {
				other := sm3.Sum([]byte("another document"))
				return h.build(d.sub, &chain.ContractSigned{Contract: c1, DocSM3: other[:]}, d.alice)
			},
		},
		{
			name: "ContractVoided", code: chain.CodeContractVoided, check: "open",
			setup: func(h *harness) {
				h.create(c1, 0, d.alice)
				h.ok(h.intent(c1, d.alice, d.verifiers[0]))
				h.add(&chain.ContractVoided{Contract: c1, ReasonSM3: diffDoc[:]}, nil)
			},
			bad: func(h *harness) []byte { return h.sign(c1, d.alice) },
		},
		{
			name: "ContractDeclined", code: chain.CodeContractDeclined, check: "open",
			setup: func(h *harness) {
				h.create(c1, 0, d.alice, d.bob)
				h.ok(h.intent(c1, d.alice, d.verifiers[0]))
				h.add(&chain.ContractDeclined{Contract: c1, ReasonSM3: diffDoc[:]}, d.bob)
			},
			bad: func(h *harness) []byte { return h.sign(c1, d.alice) },
		},
		{
			name: "ContractExpired", code: chain.CodeContractExpired, check: "open",
			setup: func(h *harness) {
				h.create(c1, epoch.Unix()+30, d.alice)
				h.ok(h.intent(c1, d.alice, d.verifiers[0]))
				h.l.skew = time.Minute
				h.add(&chain.ContractExpired{Contract: c1}, nil)
			},
			bad: func(h *harness) []byte { return h.sign(c1, d.alice) },
		},
		{
			name: "DeadlinePassed", code: chain.CodeDeadlinePassed, check: "contract",
			setup: func(h *harness) {
				h.create(c1, epoch.Unix()+30, d.alice)
				h.ok(h.intent(c1, d.alice, d.verifiers[0]))
				h.l.skew = time.Minute
			},
			bad: func(h *harness) []byte { return h.sign(c1, d.alice) },
		},
		{
			name: "NotAllSigned", code: chain.CodeNotAllSigned, check: "contract",
			setup: func(h *harness) { h.create(c1, 0, d.alice, d.bob); h.signWithIntent(c1, d.alice) },
			bad:   func(h *harness) []byte { return h.build(d.sub, &chain.ContractCompleted{Contract: c1}, nil) },
		},
		{
			name: "ContractClosed/completed twice", code: chain.CodeContractClosed, check: "contract",
			setup: func(h *harness) {
				h.create(c1, 0, d.alice)
				h.signWithIntent(c1, d.alice)
				h.add(&chain.ContractCompleted{Contract: c1}, nil)
			},
			bad: func(h *harness) []byte { return h.build(d.sub, &chain.ContractCompleted{Contract: c1}, nil) },
		},
		{
			name: "Duplicate/contract", code: chain.CodeDuplicate, check: "contract",
			setup: func(h *harness) { h.create(c1, 0, d.alice) },
			bad: func(h *harness) []byte {
				return h.build(d.sub, newContract(c1, 0, d.bob), nil)
			},
		},
		{
			name: "Duplicate/seal", code: chain.CodeDuplicate, check: "signatures",
			setup: func(h *harness) {
				h.add(&chain.SealRegistered{Seal: seal[:], Kind: chain.SealOrganization, ValidFrom: epoch.Unix(), ValidTo: dayAfter}, nil)
			},
			bad: func(h *harness) []byte {
				return h.build(d.sub, &chain.SealRegistered{Seal: seal[:], Kind: chain.SealOrganization, ValidFrom: epoch.Unix(), ValidTo: dayAfter + 1}, nil)
			},
		},
		{
			name: "Permission/contract created by a notary", code: chain.CodePermission, check: "contract",
			bad: func(h *harness) []byte {
				return h.build(d.bankSub, newContract(c1, 0, d.dave), nil)
			},
		},
		{
			name: "Permission/seal owner of another organisation", code: chain.CodePermission, check: "signatures",
			bad: func(h *harness) []byte {
				return h.build(d.sub, &chain.SealRegistered{Seal: seal[:], Kind: chain.SealPersonal, Owner: d.dave.fp, ValidFrom: epoch.Unix(), ValidTo: dayAfter}, nil)
			},
		},
		{
			name: "UnknownCert/party not registered", code: chain.CodeUnknownCert, check: "contract",
			bad: func(h *harness) []byte {
				return h.build(d.sub, newContract(c1, 0, d.verifiers[1]), nil)
			},
		},
		{
			name: "DeadlinePassed/created with a past deadline", code: chain.CodeDeadlinePassed, check: "contract",
			bad: func(h *harness) []byte {
				return h.build(d.sub, newContract(c1, epoch.Unix(), d.alice), nil)
			},
		},
		{
			name: "NotSent", code: chain.CodeNotSent, check: "contract",
			setup: func(h *harness) { h.create(c1, 0, d.alice) },
			bad: func(h *harness) []byte {
				return h.build(d.sub, &chain.ContractViewed{Contract: c1, Party: d.alice.fp}, nil)
			},
		},
		{
			name: "AlreadySent", code: chain.CodeAlreadySent, check: "contract",
			setup: func(h *harness) { h.create(c1, 0, d.alice); h.add(&chain.ContractSent{Contract: c1}, nil) },
			bad:   func(h *harness) []byte { return h.build(d.sub, &chain.ContractSent{Contract: c1}, nil) },
		},
		{
			name: "AlreadyViewed", code: chain.CodeAlreadyViewed, check: "contract",
			setup: func(h *harness) {
				h.create(c1, 0, d.alice)
				h.add(&chain.ContractSent{Contract: c1}, nil)
				h.add(&chain.ContractViewed{Contract: c1, Party: d.alice.fp}, nil)
			},
			bad: func(h *harness) []byte {
				return h.build(d.sub, &chain.ContractViewed{Contract: c1, Party: d.alice.fp}, nil)
			},
		},
		{
			name: "NotExpired", code: chain.CodeNotExpired, check: "contract",
			setup: func(h *harness) { h.create(c1, 0, d.alice) },
			bad:   func(h *harness) []byte { return h.build(d.sub, &chain.ContractExpired{Contract: c1}, nil) },
		},
		{
			name: "AlreadyRenewed", code: chain.CodeAlreadyRenewed, check: "contract",
			setup: func(h *harness) {
				h.create(c1, 0, d.alice)
				h.create("c2", 0, d.alice)
				h.create("c3", 0, d.alice)
				h.add(&chain.ContractRenewed{Contract: "c3", Previous: c1}, nil)
			},
			bad: func(h *harness) []byte {
				return h.build(d.sub, &chain.ContractRenewed{Contract: "c3", Previous: "c2"}, nil)
			},
		},
		{
			name: "InvalidField/intent for another signer", code: chain.CodeInvalidField, check: "contract",
			setup: func(h *harness) { h.create(c1, 0, d.alice, d.bob) },
			bad: func(h *harness) []byte {
				tx := h.intent(c1, d.alice, d.verifiers[0])
				t, err := chain.DecodeTx(tx)
				if err != nil {
					h.t.Fatal(err)
				}
				// Bob signs Alice's intent record.
				return h.build(d.sub, t.Body, d.bob)
			},
		},
		{
			name: "CertRevoked/signer revoked", code: chain.CodeCertRevoked, check: "signatures",
			setup: func(h *harness) {
				h.create(c1, 0, d.alice)
				h.ok(h.intent(c1, d.alice, d.verifiers[0]))
				h.add(&chain.CertRevoked{Cert: d.alice.fp}, nil)
			},
			bad: func(h *harness) []byte { return h.sign(c1, d.alice) },
		},
		{
			name: "CertRevoked/revoked twice", code: chain.CodeCertRevoked, check: "signatures",
			setup: func(h *harness) { h.add(&chain.CertRevoked{Cert: d.carol.fp}, nil) },
			bad:   func(h *harness) []byte { return h.build(d.sub, &chain.CertRevoked{Cert: d.carol.fp}, nil) },
		},
		{
			name: "Permission/revoking another organisation's certificate", code: chain.CodePermission, check: "signatures",
			bad: func(h *harness) []byte { return h.build(d.sub, &chain.CertRevoked{Cert: d.dave.fp}, nil) },
		},
		{
			name: "Duplicate/certificate", code: chain.CodeDuplicate, check: "signatures",
			bad: func(h *harness) []byte { return h.build(d.sub, &chain.CertIssued{Cert: d.alice.der}, nil) },
		},
		{
			name: "CertIssuer/certificate of another organisation's CA", code: chain.CodeCertIssuer, check: "signatures",
			bad: func(h *harness) []byte {
				p := d.newBankParty(h.t, "erin")
				return h.build(d.sub, &chain.CertIssued{Cert: p.der}, nil)
			},
		},
		{
			name: "CertNotValid/expired certificate registered", code: chain.CodeCertNotValid, check: "signatures",
			bad: func(h *harness) []byte {
				k, err := signer.GenerateKey(signer.AlgSM2, nil)
				if err != nil {
					h.t.Fatal(err)
				}
				der, err := d.ca.Issue(k.Public(), signer.IssueOptions{SubjectRef: "old", Usage: signer.UsageSigner,
					NotBefore: epoch.AddDate(0, -2, 0), NotAfter: epoch.AddDate(0, -1, 0)}, nil)
				if err != nil {
					h.t.Fatal(err)
				}
				return h.build(d.sub, &chain.CertIssued{Cert: der}, nil)
			},
		},
		{
			name: "InvalidField/CA certificate registered", code: chain.CodeInvalidField, check: "signatures",
			bad: func(h *harness) []byte { return h.build(d.sub, &chain.CertIssued{Cert: d.ca.Cert.Raw}, nil) },
		},
		{
			name: "CredentialShape/credential with an identity", code: chain.CodeCredentialShape, check: "signatures",
			bad: func(h *harness) []byte {
				p, err := d.newParty("api-client", signer.UsageSubmitter)
				if err != nil {
					h.t.Fatal(err)
				}
				ref := sm3.Sum([]byte("api-client identity"))
				return h.build(d.sub, &chain.CertIssued{Cert: p.der, IdentityRef: ref[:]}, nil)
			},
		},
		{
			name: "TLSCertShape/TLS certificate with an identity", code: chain.CodeTLSCertShape, check: "signatures",
			bad: func(h *harness) []byte {
				k, err := signer.GenerateKey(signer.AlgECDSAP256, nil)
				if err != nil {
					h.t.Fatal(err)
				}
				der, err := d.ca.IssueTLS(k.Public(), signer.TLSOptions{SubjectRef: "tls-client", Role: signer.TLSClient,
					NotBefore: epoch.AddDate(0, -1, 0), NotAfter: epoch.AddDate(1, 0, 0)}, nil)
				if err != nil {
					h.t.Fatal(err)
				}
				ref := sm3.Sum([]byte("tls identity"))
				return h.build(d.sub, &chain.CertIssued{Cert: der, IdentityRef: ref[:]}, nil)
			},
		},
		{
			name: "Replay", code: chain.CodeReplay, check: "signatures",
			setup: func(h *harness) {
				tx := h.build(d.sub, newContract(c1, 0, d.alice), nil)
				h.ok(tx)
			},
			bad: func(h *harness) []byte { return h.mustTx(len(h.l.leaves) - 1) },
		},
		{
			name: "UnknownVerifier", code: chain.CodeUnknownVerifier, check: "verifier",
			setup: func(h *harness) { h.create(c1, 0, d.alice) },
			bad:   func(h *harness) []byte { return h.intent(c1, d.alice, d.verifiers[1]) },
		},
		// Institution cases (rules version 3). dave is the bank's staff
		// member, registered by cert_issued; the genesis credentials act
		// for the court and the appraisal institution.
		{
			name: "CaseExists/application id in use", code: chain.CodeCaseExists, check: "contract",
			setup: func(h *harness) { h.create(c1, 0, d.alice); h.apply("n1", c1) },
			bad:   func(h *harness) []byte { return h.build(d.sub, application("n1", c1), nil) },
		},
		{
			name: "CaseExists/commission id of an application", code: chain.CodeCaseExists, check: "contract",
			setup: func(h *harness) { h.create(c1, 0, d.alice); h.apply("n1", c1) },
			bad:   func(h *harness) []byte { return h.build(d.courtSub, commission("n1", c1, "lab", d.courtSub), nil) },
		},
		{
			name: "UnknownCase/decision on no case", code: chain.CodeUnknownCase, check: "contract",
			setup: func(h *harness) { h.create(c1, 0, d.alice) },
			bad: func(h *harness) []byte {
				return h.build(d.bankSub, decision("n1", c1, chain.DecisionAccept, d.dave.fp), nil)
			},
		},
		{
			name: "UnknownCase/case of another contract", code: chain.CodeUnknownCase, check: "contract",
			setup: func(h *harness) { h.create(c1, 0, d.alice); h.create("c2", 0, d.bob); h.apply("n1", c1) },
			bad: func(h *harness) []byte {
				return h.build(d.bankSub, decision("n1", "c2", chain.DecisionAccept, d.dave.fp), nil)
			},
		},
		{
			name: "CaseStatus/issued before acceptance", code: chain.CodeCaseStatus, check: "contract",
			setup: func(h *harness) { h.create(c1, 0, d.alice); h.apply("n1", c1) },
			bad:   func(h *harness) []byte { return h.build(d.bankSub, notarial("n1", c1, d.dave.fp), nil) },
		},
		{
			name: "CaseStatus/decided twice", code: chain.CodeCaseStatus, check: "contract",
			setup: func(h *harness) {
				h.create(c1, 0, d.alice)
				h.apply("n1", c1)
				h.ok(h.build(d.bankSub, decision("n1", c1, chain.DecisionAccept, d.dave.fp), nil))
			},
			bad: func(h *harness) []byte {
				return h.build(d.bankSub, decision("n1", c1, chain.DecisionReject, d.dave.fp), nil)
			},
		},
		{
			name: "CaseStatus/withdrawal of an issued certificate's case", code: chain.CodeCaseStatus, check: "contract",
			setup: func(h *harness) {
				h.create(c1, 0, d.alice)
				h.apply("n1", c1)
				h.ok(h.build(d.bankSub, decision("n1", c1, chain.DecisionAccept, d.dave.fp), nil))
				h.ok(h.build(d.bankSub, notarial("n1", c1, chain.FingerprintOf(d.bankSub.Cert)), nil))
			},
			bad: func(h *harness) []byte {
				return h.build(d.sub, &chain.NotarizationWithdrawn{Application: "n1", Contract: c1, ReasonSM3: diffDoc[:]}, nil)
			},
		},
		{
			name: "CaseStatus/appraisal opinion of a rejected commission", code: chain.CodeCaseStatus, check: "contract",
			setup: func(h *harness) {
				h.create(c1, 0, d.alice)
				h.ok(h.build(d.courtSub, commission("a1", c1, "lab", d.courtSub), nil))
				h.ok(h.build(d.labSub, &chain.AppraisalDecided{Commission: "a1", Contract: c1, Decision: chain.DecisionReject, Reason: "超出鉴定范围",
					Staff: chain.FingerprintOf(d.labSub.Cert)}, nil))
			},
			bad: func(h *harness) []byte {
				return h.build(d.labSub, &chain.AppraisalIssued{Commission: "a1", Contract: c1, Number: "A-1", DocumentSM3: diffDoc[:], BundleSM3: diffDoc[:],
					Examiners: []chain.Fingerprint{chain.FingerprintOf(d.labSub.Cert)}, Conclusion: chain.ConclusionIntact}, nil)
			},
		},
		{
			name: "NotInstitution/application to a platform", code: chain.CodeNotInstitution, check: "contract",
			setup: func(h *harness) { h.create(c1, 0, d.alice) },
			bad: func(h *harness) []byte {
				b := application("n1", c1)
				b.NotaryOrg = "platform"
				return h.build(d.sub, b, nil)
			},
		},
		{
			name: "NotInstitution/commission by a notary office", code: chain.CodeNotInstitution, check: "contract",
			setup: func(h *harness) { h.create(c1, 0, d.alice) },
			bad:   func(h *harness) []byte { return h.build(d.bankSub, commission("a1", c1, "lab", d.bankSub), nil) },
		},
		{
			name: "NotInstitution/commission to a notary office", code: chain.CodeNotInstitution, check: "contract",
			setup: func(h *harness) { h.create(c1, 0, d.alice) },
			bad:   func(h *harness) []byte { return h.build(d.courtSub, commission("a1", c1, "bank", d.courtSub), nil) },
		},
		{
			name: "Permission/application for another organisation's contract", code: chain.CodePermission, check: "contract",
			setup: func(h *harness) { h.create(c1, 0, d.alice) },
			bad:   func(h *harness) []byte { return h.build(d.courtSub, application("n1", c1), nil) },
		},
		{
			name: "Permission/decision by another institution", code: chain.CodePermission, check: "contract",
			setup: func(h *harness) { h.create(c1, 0, d.alice); h.apply("n1", c1) },
			bad: func(h *harness) []byte {
				return h.build(d.labSub, decision("n1", c1, chain.DecisionAccept, chain.FingerprintOf(d.labSub.Cert)), nil)
			},
		},
		{
			name: "Permission/withdrawal by the institution", code: chain.CodePermission, check: "contract",
			setup: func(h *harness) { h.create(c1, 0, d.alice); h.apply("n1", c1) },
			bad: func(h *harness) []byte {
				return h.build(d.bankSub, &chain.NotarizationWithdrawn{Application: "n1", Contract: c1, ReasonSM3: diffDoc[:]}, nil)
			},
		},
		{
			name: "Permission/staff of another organisation", code: chain.CodePermission, check: "contract",
			setup: func(h *harness) { h.create(c1, 0, d.alice); h.apply("n1", c1) },
			bad: func(h *harness) []byte {
				return h.build(d.bankSub, decision("n1", c1, chain.DecisionAccept, d.alice.fp), nil)
			},
		},
		{
			name: "UnknownCert/staff not registered", code: chain.CodeUnknownCert, check: "contract",
			setup: func(h *harness) { h.create(c1, 0, d.alice); h.apply("n1", c1) },
			bad: func(h *harness) []byte {
				return h.build(d.bankSub, decision("n1", c1, chain.DecisionAccept, d.newBankParty(t, "eve").fp), nil)
			},
		},
		{
			name: "CertRevoked/staff revoked", code: chain.CodeCertRevoked, check: "signatures",
			setup: func(h *harness) {
				h.create(c1, 0, d.alice)
				h.apply("n1", c1)
				h.ok(h.build(d.bankSub, &chain.CertRevoked{Cert: d.dave.fp, Reason: chain.ReasonKeyCompromise}, nil))
			},
			bad: func(h *harness) []byte {
				return h.build(d.bankSub, decision("n1", c1, chain.DecisionAccept, d.dave.fp), nil)
			},
		},
		{
			name: "NotParty/notarisation naming a stranger as party", code: chain.CodeNotParty, check: "contract",
			setup: func(h *harness) { h.create(c1, 0, d.alice) },
			bad: func(h *harness) []byte {
				b := application("n1", c1)
				b.Party = d.bob.fp
				return h.build(d.sub, b, nil)
			},
		},
		{
			name: "UnknownContract/application for no contract", code: chain.CodeUnknownContract, check: "contract",
			bad: func(h *harness) []byte { return h.build(d.sub, application("n1", c1), nil) },
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, d)
			if tc.setup != nil {
				tc.setup(h)
			}
			if failed := h.verify(); len(failed) > 0 {
				t.Fatalf("the committed setup fails offline: %v", failed)
			}
			tx := tc.bad(h)
			if code := h.finalize(tx); code != tc.code {
				t.Fatalf("FinalizeBlock code %d, want %d", code, tc.code)
			}
			i := h.l.addTx(tx) // forced: as if the chain had committed it
			want := fmt.Sprintf("record[%d].%s", i, tc.check)
			if failed := h.verify(); !slices.Contains(failed, want) {
				t.Fatalf("offline verification of the forced record: failed %v, want %s", failed, want)
			}
		})
	}
}

// application is the platform's notarisation application id on contract.
func application(id, contract string) *chain.NotarizationApplied {
	return &chain.NotarizationApplied{Application: id, Contract: contract, NotaryOrg: "bank", Scope: chain.ScopeContract, Purpose: chain.PurposeLitigation}
}

// apply commits the platform's application id on contract.
func (h *harness) apply(id, contract string) { h.add(application(id, contract), nil) }

// decision is an institution's decision on notarisation case id by staff.
func decision(id, contract string, d chain.Decision, staff chain.Fingerprint) *chain.NotarizationDecided {
	b := &chain.NotarizationDecided{Application: id, Contract: contract, Decision: d, Staff: staff}
	if d == chain.DecisionReject {
		b.Reason = "申请材料不全"
	}
	return b
}

// notarial is the notarial certificate of case id, signed by notary.
func notarial(id, contract string, notary chain.Fingerprint) *chain.NotarizationIssued {
	return &chain.NotarizationIssued{Application: id, Contract: contract, Number: "N-" + id, DocumentSM3: diffDoc[:], BundleSM3: diffDoc[:], Notary: notary}
}

// commission is a court's appraisal commission id to institution, the judge
// acting through judge's credential.
func commission(id, contract, institution string, judge *client.Submitter) *chain.AppraisalCommissioned {
	return &chain.AppraisalCommissioned{Commission: id, Contract: contract, AppraisalOrg: institution, Items: chain.ItemBundle,
		MattersSM3: diffDoc[:], Judge: chain.FingerprintOf(judge.Cert)}
}

// newBankParty is a signer certificate issued by the bank's CA.
func (d *diffWorld) newBankParty(t *testing.T, name string) *party {
	t.Helper()
	k, err := signer.GenerateKey(signer.AlgSM2, nil)
	if err != nil {
		t.Fatal(err)
	}
	der, err := d.bankCA.Issue(k.Public(), signer.IssueOptions{SubjectRef: name, Usage: signer.UsageSigner,
		NotBefore: epoch.AddDate(0, -1, 0), NotAfter: epoch.AddDate(1, 0, 0)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &party{key: k, der: der, fp: chain.FingerprintOf(der), name: name}
}

// mustTx is the tx of the record at log index i.
func (h *harness) mustTx(i int) []byte { return h.d.mustTxOf(h.l, uint64(i)) }
