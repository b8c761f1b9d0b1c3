package app

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cmted25519 "github.com/cometbft/cometbft/crypto/ed25519"
	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/store"
	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/internal/fixture"
	"github.com/sealchain/sealchain/signer"
)

// The recorder of testdata/replay/chain.json. It drives today's app through
// a small chain that appends every record type (1..20, every proposal kind)
// and is refused with as many different codes as a block can produce, and
// writes what the app answered. Run it only on the commit the fixture names:
//
//	go test ./app/ -run TestReplayRecordedChain -record-replay

const (
	replayRecordedAt = "26d6d26"
	replayWarning    = "Recorded by the app of commit 26d6d26, before the issue #13 refactor. " +
		"TestReplayRecordedChain replays it on later code to prove the app hash, tx codes and validator updates did not change. " +
		"Do NOT re-record it after the refactor (go test -record-replay): a re-recorded fixture proves nothing."
	replayChainID = "sealchain-replay"
)

// replayRecorder builds the chain block by block against a live app, checking
// that each tx gets the code the script expects, so the fixture covers what
// the script says it covers.
type replayRecorder struct {
	t        *testing.T
	app      *App
	rng      *rand.ChaCha8 // serials, nonces: with derived keys a re-run differs only where a signature draws its own randomness
	fx       *replayFixture
	height   int64
	time     time.Time
	proposer []byte
}

// replayStep is one tx of a block with the code the script expects for it.
type replayStep struct {
	tx   []byte
	code uint32
	note string
}

// key derives a key from name: the recorder must give the same keys on every
// run (signatures may differ; the fixture keeps the tx bytes).
func (r *replayRecorder) key(alg signer.Algorithm, name string) *signer.PrivateKey {
	r.t.Helper()
	scalar := sha256.Sum256([]byte("sealchain replay fixture key " + name))
	var priv any
	var err error
	switch alg {
	case signer.AlgSM2:
		priv, err = sm2.NewPrivateKey(scalar[:])
	default:
		priv, err = ecdsa.ParseRawPrivateKey(elliptic.P256(), scalar[:])
	}
	if err != nil {
		r.t.Fatalf("key %s: %v", name, err)
	}
	der, err := smx509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		r.t.Fatalf("key %s: %v", name, err)
	}
	k, err := signer.ParsePrivateKeyPEM(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	if err != nil {
		r.t.Fatalf("key %s: %v", name, err)
	}
	return k
}

func (r *replayRecorder) validatorKey(name string) ed25519.PublicKey {
	seed := sha256.Sum256([]byte("sealchain replay fixture validator " + name))
	return ed25519.NewKeyFromSeed(seed[:]).Public().(ed25519.PublicKey)
}

func (r *replayRecorder) issue(ca *signer.CA, k *signer.PrivateKey, o signer.IssueOptions) []byte {
	r.t.Helper()
	if o.NotBefore.IsZero() {
		o.NotBefore = fixture.Epoch.Add(-time.Hour)
	}
	if o.NotAfter.IsZero() {
		o.NotAfter = fixture.Epoch.AddDate(2, 0, 0)
	}
	der, err := ca.Issue(k.Public(), o, r.rng)
	if err != nil {
		r.t.Fatalf("issue %s: %v", o.SubjectRef, err)
	}
	return der
}

// org is fixture.New's organisation with derived keys.
func (r *replayRecorder) org(id string, role chain.Role) *fixture.Org {
	r.t.Helper()
	ca, err := signer.NewCA(r.key(signer.AlgSM2, id+"/ca"), signer.CAOptions{OrgID: id, OrgName: id + " org", Role: string(role),
		NotBefore: fixture.Epoch.Add(-time.Hour), NotAfter: fixture.Epoch.AddDate(10, 0, 0)}, r.rng)
	if err != nil {
		r.t.Fatal(err)
	}
	o := &fixture.Org{ID: id, Role: role, CA: ca}
	subKey := r.key(signer.AlgSM2, id+"/submitter")
	sub := r.issue(ca, subKey, signer.IssueOptions{SubjectRef: id + "-submitter", Usage: signer.UsageSubmitter, NotAfter: fixture.Epoch.AddDate(5, 0, 0)})
	o.Submitter = &client.Submitter{ChainID: replayChainID, Org: id, Cert: sub, Key: subKey, Rand: r.rng}
	o.VerifierKey = r.key(signer.AlgSM2, id+"/verifier")
	o.VerifierCert = r.issue(ca, o.VerifierKey, signer.IssueOptions{SubjectRef: id + "-otp", Usage: signer.UsageIntentVerifier, NotAfter: fixture.Epoch.AddDate(5, 0, 0)})
	return o
}

func (r *replayRecorder) signer(o *fixture.Org, alg signer.Algorithm, name string, opts signer.IssueOptions) *fixture.Signer {
	r.t.Helper()
	k := r.key(alg, o.ID+"/signer/"+name)
	if opts.SubjectRef == "" {
		opts.SubjectRef = "sc-" + name
	}
	if opts.Usage == 0 {
		opts.Usage = signer.UsageSigner
	}
	der := r.issue(o.CA, k, opts)
	fp := chain.FingerprintOf(der)
	return &fixture.Signer{Key: k, Cert: der, FP: fp, Actor: &client.Actor{Cert: fp, Key: k}}
}

// identity is fixture's Org.Identity with a derived salt.
func (r *replayRecorder) identity(o *fixture.Org, name string) (*chain.IdentityVerified, []byte) {
	r.t.Helper()
	salt := sha256.Sum256([]byte("sealchain replay fixture salt " + name))
	ref, err := signer.IdentityCommitment(salt[:], name, "110101199001011234")
	if err != nil {
		r.t.Fatal(err)
	}
	b := &chain.IdentityVerified{IdentityRef: ref[:], Subject: chain.SubjectPerson, Method: chain.IdentityCarrier3Factor,
		VerifiedAt: fixture.Epoch.UnixMilli(), VerifierCert: o.VerifierCert}
	if b.VerifierSig, err = o.VerifierKey.Sign(r.rng, b.AttestationBytes(replayChainID)); err != nil {
		r.t.Fatal(err)
	}
	return b, ref[:]
}

// block finalizes and commits one block, checks each tx's code against the
// script and records the request and the answers.
func (r *replayRecorder) block(steps ...replayStep) {
	r.t.Helper()
	r.height++
	r.time = r.time.Add(5 * time.Second)
	txs := make([][]byte, len(steps))
	for i, s := range steps {
		txs[i] = s.tx
	}
	ctx := context.Background()
	res, err := r.app.FinalizeBlock(ctx, &abci.FinalizeBlockRequest{Height: r.height, Time: r.time, ProposerAddress: r.proposer, Txs: txs})
	if err != nil {
		r.t.Fatalf("height %d: FinalizeBlock: %v", r.height, err)
	}
	blk := replayBlock{Height: r.height, Time: r.time, ProposerAddress: r.proposer, AppHash: res.AppHash,
		ValidatorUpdates: replayValidators(res.ValidatorUpdates), Txs: []replayTx{}}
	for i, s := range steps {
		got := res.TxResults[i]
		if got.Code != s.code {
			r.t.Fatalf("height %d tx %d (%s): code %d (%s), the script expects %d", r.height, i, s.note, got.Code, got.Log, s.code)
		}
		typ := "undecodable"
		if tx, err := chain.DecodeTx(s.tx); err == nil {
			typ = tx.Body.Type().String()
		}
		blk.Txs = append(blk.Txs, replayTx{Type: typ, Note: s.note, Code: got.Code, Tx: s.tx})
	}
	if _, err := r.app.Commit(ctx, &abci.CommitRequest{}); err != nil {
		r.t.Fatalf("height %d: Commit: %v", r.height, err)
	}
	r.fx.Blocks = append(r.fx.Blocks, blk)
}

// anchored is the court's receipt for the checkpoint at height h.
func (r *replayRecorder) anchored(h int64) *chain.Anchored {
	r.t.Helper()
	cp, err := r.app.Store().View().Checkpoint(h)
	if err != nil {
		r.t.Fatal(err)
	}
	return &chain.Anchored{ChainID: replayChainID, Height: uint64(h), AppHash: cp.AppHash, LogSize: cp.LogSize, LogRoot: cp.LogRoot,
		Network: "court-net", Channel: "anchorchannel", Chaincode: "anchor", TxID: fmt.Sprintf("fabric-tx-%d", h), Block: uint64(h), AnchoredAt: fixture.Epoch.UnixMilli()}
}

// replayRawTx encodes tx fields by hand, for bytes no builder makes.
func replayRawTx(version uint32, typ uint64, body []byte) []byte {
	return rawTx(version, replayChainID, typ, body)
}

func recordReplayFixture(t *testing.T, path string) {
	t.Helper()
	r := &replayRecorder{t: t, rng: rand.NewChaCha8(sha256.Sum256([]byte("sealchain replay fixture"))), fx: &replayFixture{
		Warning: replayWarning, RecordedAt: replayRecordedAt, ChainID: replayChainID}}
	doc := func(s string) []byte { d, _ := fixture.Doc(s); return d }
	ok := func(note string, tx []byte) replayStep { return replayStep{tx: tx, code: CodeOK, note: note} }
	bad := func(code uint32, note string, tx []byte) replayStep {
		return replayStep{tx: tx, code: code, note: note}
	}

	platform := r.org("platform", chain.RolePlatform)
	court := r.org("court", chain.RoleCourt)
	notary := r.org("notary", chain.RoleNotary)
	arbitration := r.org("arbitration", chain.RoleArbitration)
	orgs := []*fixture.Org{platform, court, notary, arbitration}
	gs := chain.GenesisState{Anchoring: &chain.GenesisAnchoring{Org: "court", Network: "court-net", Channel: "anchorchannel", Chaincode: "anchor"}}
	for _, o := range orgs {
		gs.Orgs = append(gs.Orgs, chain.GenesisOrg{ID: o.ID, Name: o.ID + " org", Role: string(o.Role), Weight: 1,
			CACert:      string(signer.EncodeCertificatePEM(o.CA.Cert.Raw)),
			Credentials: []string{string(signer.EncodeCertificatePEM(o.Submitter.Cert))}})
		gs.Verifiers = append(gs.Verifiers, chain.GenesisVerifier{Org: o.ID, Cert: string(signer.EncodeCertificatePEM(o.VerifierCert))})
	}
	appState, err := json.Marshal(gs)
	if err != nil {
		t.Fatal(err)
	}
	genesisVal := r.validatorKey("genesis")
	r.proposer = cmted25519.PubKey(genesisVal).Address()
	r.fx.InitChain = replayInit{ChainID: replayChainID, Time: fixture.Epoch, InitialHeight: 1, AppStateBytes: appState,
		Validators: []replayValidator{{PubKeyType: "ed25519", PubKeyBytes: hexBytes(genesisVal), Power: 10}}}

	dir := t.TempDir()
	store, err := store.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if r.app, err = New(store, replayChainID, WithAnchoring(gs.Anchoring)); err != nil {
		t.Fatal(err)
	}
	init, err := r.app.InitChain(context.Background(), &abci.InitChainRequest{ChainId: replayChainID, Time: fixture.Epoch, InitialHeight: 1,
		AppStateBytes: appState, Validators: []abci.ValidatorUpdate{{PubKeyType: "ed25519", PubKeyBytes: genesisVal, Power: 10}}})
	if err != nil {
		t.Fatal(err)
	}
	r.fx.InitAppHash = init.AppHash
	r.time = fixture.Epoch.Add(time.Hour)

	// People. Alice and Carol sign with SM2, Bob and Dave with ECDSA P-256.
	alice := r.signer(platform, signer.AlgSM2, "alice", signer.IssueOptions{})
	bob := r.signer(platform, signer.AlgECDSAP256, "bob", signer.IssueOptions{})
	carol := r.signer(platform, signer.AlgSM2, "carol", signer.IssueOptions{})
	dave := r.signer(platform, signer.AlgECDSAP256, "dave", signer.IssueOptions{})
	erinID, erinRef := r.identity(platform, "erin")
	erin := r.signer(platform, signer.AlgSM2, "erin", signer.IssueOptions{IdentityRef: erinRef})
	_, ghostRef := r.identity(platform, "ghost")
	ghost := r.signer(platform, signer.AlgSM2, "ghost", signer.IssueOptions{IdentityRef: ghostRef}) // identity never verified
	stranger := r.signer(platform, signer.AlgSM2, "stranger", signer.IssueOptions{})                // never registered
	expired := r.signer(platform, signer.AlgSM2, "expired", signer.IssueOptions{NotAfter: fixture.Epoch})
	courtClerk := r.signer(court, signer.AlgSM2, "clerk", signer.IssueOptions{})
	tlsKey := r.key(signer.AlgECDSAP256, "platform/tls")
	tlsCert, err := platform.CA.IssueTLS(tlsKey.Public(), signer.TLSOptions{SubjectRef: "platform-api-client", Role: signer.TLSClient,
		NotBefore: fixture.Epoch.Add(-time.Hour), NotAfter: fixture.Epoch.AddDate(1, 0, 0)}, r.rng)
	if err != nil {
		t.Fatal(err)
	}
	tlsFP := chain.FingerprintOf(tlsCert)
	tlsActor := &fixture.Signer{Key: tlsKey, Cert: tlsCert, FP: tlsFP, Actor: &client.Actor{Cert: tlsFP, Key: tlsKey}}
	cred2Key := r.key(signer.AlgSM2, "platform/submitter-2")
	cred2 := r.issue(platform.CA, cred2Key, signer.IssueOptions{SubjectRef: "platform-submitter-2", Usage: signer.UsageSubmitter})
	unregKey := r.key(signer.AlgSM2, "platform/submitter-unregistered")
	unregCred := r.issue(platform.CA, unregKey, signer.IssueOptions{SubjectRef: "platform-submitter-3", Usage: signer.UsageSubmitter})
	unregistered := &fixture.Org{ID: "platform", Role: chain.RolePlatform, CA: platform.CA,
		Submitter: &client.Submitter{ChainID: replayChainID, Org: "platform", Cert: unregCred, Key: unregKey, Rand: r.rng}}
	otherChain := &fixture.Org{ID: "platform", Role: chain.RolePlatform, CA: platform.CA,
		Submitter: &client.Submitter{ChainID: "another-chain", Org: "platform", Cert: platform.Submitter.Cert, Key: platform.Submitter.Key, Rand: r.rng}}
	nobody := &fixture.Org{ID: "nobody", Role: chain.RolePlatform, CA: platform.CA,
		Submitter: &client.Submitter{ChainID: replayChainID, Org: "nobody", Cert: platform.Submitter.Cert, Key: platform.Submitter.Key, Rand: r.rng}}
	tx := func(o *fixture.Org, b chain.Body, actor *fixture.Signer) []byte { return o.Tx(t, b, actor) }

	// 1: certificates and an identity; malformed bytes are refused.
	r.block(
		ok("register alice", tx(platform, &chain.CertIssued{Cert: alice.Cert}, nil)),
		ok("register bob", tx(platform, &chain.CertIssued{Cert: bob.Cert}, nil)),
		ok("register carol", tx(platform, &chain.CertIssued{Cert: carol.Cert}, nil)),
		ok("register dave", tx(platform, &chain.CertIssued{Cert: dave.Cert}, nil)),
		ok("verify erin's identity", tx(platform, erinID, nil)),
		bad(CodeDuplicate, "verify erin's identity again", tx(platform, erinID, nil)),
		bad(CodeMalformed, "garbage bytes", []byte("garbage")),
		bad(CodeMalformed, "empty tx", []byte{}),
	)
	// 2: identity-bound, TLS and credential certificates, and refused ones.
	r.block(
		ok("register erin, bound to her verified identity", tx(platform, &chain.CertIssued{Cert: erin.Cert, IdentityRef: erinRef}, nil)),
		ok("register a TLS client certificate", tx(platform, &chain.CertIssued{Cert: tlsCert}, nil)),
		ok("register a second submitter credential", tx(platform, &chain.CertIssued{Cert: cred2}, nil)),
		ok("register the court's clerk", tx(court, &chain.CertIssued{Cert: courtClerk.Cert}, nil)),
		bad(CodeUnknownIdentity, "identity never verified", tx(platform, &chain.CertIssued{Cert: ghost.Cert}, nil)),
		bad(CodeCertIssuer, "certificate of another org's CA", tx(platform, &chain.CertIssued{Cert: courtClerk.Cert}, nil)),
		bad(CodeDuplicate, "alice again", tx(platform, &chain.CertIssued{Cert: alice.Cert}, nil)),
		bad(CodeCertNotValid, "certificate expired before the block", tx(platform, &chain.CertIssued{Cert: expired.Cert}, nil)),
		bad(CodeCredentialShape, "credential with an identity", tx(platform, &chain.CertIssued{Cert: unregCred, IdentityRef: erinRef}, nil)),
		bad(CodeTLSCertShape, "TLS certificate with an identity", tx(platform, &chain.CertIssued{Cert: tlsCert, IdentityRef: erinRef}, nil)),
		bad(CodeBadCert, "certificate bytes that do not parse", tx(platform, &chain.CertIssued{Cert: []byte("not a certificate")}, nil)),
	)
	// 3: empty.
	r.block()
	// 4: contracts and seals; the same bytes twice in a block.
	c1 := fixture.Contract("c-1", "the lease", chain.OrderSequential, alice, bob)
	c2 := fixture.Contract("c-2", "the loan", chain.OrderParallel, carol, dave)
	c2.Deadline = r.time.Add(time.Minute).Unix()
	orgSeal, aliceSeal := doc("platform seal"), doc("alice's seal")
	year := fixture.Epoch.AddDate(1, 0, 0).Unix()
	sealTx := tx(platform, &chain.SealRegistered{Seal: orgSeal, Kind: chain.SealOrganization, ValidFrom: fixture.Epoch.Unix(), ValidTo: year}, nil)
	r.block(
		ok("create c-1 (sequential: alice, bob)", tx(platform, c1, nil)),
		ok("create c-2 (parallel: carol, dave; deadline in a minute)", tx(platform, c2, nil)),
		ok("register the platform's seal", sealTx),
		bad(CodeReplay, "the same bytes again in the same block", sealTx),
		ok("register alice's personal seal", tx(platform, &chain.SealRegistered{Seal: aliceSeal, Kind: chain.SealPersonal, Owner: alice.FP,
			ValidFrom: fixture.Epoch.Unix(), ValidTo: year}, nil)),
		bad(CodeDuplicate, "the platform's seal again, new bytes", tx(platform, &chain.SealRegistered{Seal: orgSeal, Kind: chain.SealOrganization,
			ValidFrom: fixture.Epoch.Unix(), ValidTo: year}, nil)),
		bad(CodeUnknownCert, "personal seal of an unregistered certificate", tx(platform, &chain.SealRegistered{Seal: doc("s"), Kind: chain.SealPersonal,
			Owner: stranger.FP, ValidFrom: fixture.Epoch.Unix(), ValidTo: year}, nil)),
		bad(CodePermission, "a court creates a contract", tx(court, fixture.Contract("c-x", "x", chain.OrderParallel, alice), nil)),
		bad(CodeUnknownCert, "unregistered party", tx(platform, fixture.Contract("c-y", "y", chain.OrderParallel, stranger), nil)),
		bad(CodeDuplicate, "c-1 again", tx(platform, fixture.Contract("c-1", "z", chain.OrderParallel, alice), nil)),
		bad(CodeDeadlinePassed, "deadline before the block", tx(platform, &chain.ContractCreated{Contract: "c-z", DocSM3: c1.DocSM3, DocSHA256: c1.DocSHA256,
			Order: chain.OrderParallel, Parties: []chain.Fingerprint{alice.FP}, Deadline: fixture.Epoch.Unix()}, nil)),
	)
	// 5: the workflow on c-1; bob is refused before alice signs, alice
	// signs with her seal.
	aliceIntent := tx(platform, platform.Intent(t, "c-1", alice), alice)
	r.block(
		ok("send c-1", tx(platform, &chain.ContractSent{Contract: "c-1"}, nil)),
		ok("alice views c-1", tx(platform, &chain.ContractViewed{Contract: "c-1", Party: alice.FP}, nil)),
		ok("remind bob", tx(platform, &chain.ContractReminded{Contract: "c-1", Party: bob.FP}, nil)),
		bad(CodeNoIntent, "alice signs c-1 before her intent", tx(platform, &chain.ContractSigned{Contract: "c-1", DocSM3: c1.DocSM3}, alice)),
		ok("bob's intent", tx(platform, platform.Intent(t, "c-1", bob), bob)),
		bad(CodeOutOfOrder, "bob signs sequential c-1 before alice", tx(platform, &chain.ContractSigned{Contract: "c-1", DocSM3: c1.DocSM3}, bob)),
		ok("alice's intent", aliceIntent),
		bad(CodeDocMismatch, "alice signs another document", tx(platform, &chain.ContractSigned{Contract: "c-1", DocSM3: doc("other")}, alice)),
		bad(CodeUnknownSeal, "alice signs with an unregistered seal", tx(platform, &chain.ContractSigned{Contract: "c-1", DocSM3: c1.DocSM3, Seal: doc("fake seal")}, alice)),
		ok("alice signs c-1 with her seal", tx(platform, &chain.ContractSigned{Contract: "c-1", DocSM3: c1.DocSM3, Seal: aliceSeal}, alice)),
		bad(CodeAlreadyViewed, "alice views c-1 again", tx(platform, &chain.ContractViewed{Contract: "c-1", Party: alice.FP}, nil)),
		bad(CodeAlreadySent, "send c-1 again", tx(platform, &chain.ContractSent{Contract: "c-1"}, nil)),
		bad(CodeNotSent, "remind on c-2, never sent", tx(platform, &chain.ContractReminded{Contract: "c-2", Party: carol.FP}, nil)),
		bad(CodeNotParty, "carol signs c-1", tx(platform, &chain.ContractSigned{Contract: "c-1", DocSM3: c1.DocSM3}, carol)),
		bad(CodeAlreadySigned, "alice signs c-1 again", tx(platform, &chain.ContractSigned{Contract: "c-1", DocSM3: c1.DocSM3}, alice)),
		bad(CodeReplay, "alice's intent again", aliceIntent),
		bad(CodeUnknownContract, "sign an unknown contract", tx(platform, &chain.ContractSigned{Contract: "c-404", DocSM3: c1.DocSM3}, alice)),
		bad(CodeInvalidField, "alice submits bob's intent", tx(platform, platform.Intent(t, "c-1", bob), alice)),
	)
	// 6: c-1 completes; a report and a query are logged.
	r.block(
		ok("bob signs c-1", tx(platform, &chain.ContractSigned{Contract: "c-1", DocSM3: c1.DocSM3}, bob)),
		ok("complete c-1", tx(platform, &chain.ContractCompleted{Contract: "c-1"}, nil)),
		ok("the court issues a report on c-1", tx(court, &chain.ReportIssued{Contract: "c-1", ReportSM3: doc("report"), BundleSM3: doc("bundle")}, nil)),
		ok("the platform logs the court's query", tx(platform, &chain.QueryLogged{CallerOrg: "court", CallerCert: chain.FingerprintOf(court.Submitter.Cert),
			Subject: chain.QueryContract, QuerySM3: doc("c-1"), At: fixture.Epoch.UnixMilli()}, nil)),
		bad(CodeNoIntent, "carol signs c-2 without intent", tx(platform, &chain.ContractSigned{Contract: "c-2", DocSM3: c2.DocSM3}, carol)),
		bad(CodeContractClosed, "complete c-1 again", tx(platform, &chain.ContractCompleted{Contract: "c-1"}, nil)),
		bad(CodeNotAllSigned, "complete c-2", tx(platform, &chain.ContractCompleted{Contract: "c-2"}, nil)),
		bad(CodeUnknownOrg, "query by an unknown org", tx(platform, &chain.QueryLogged{CallerOrg: "ghost-org", CallerCert: alice.FP,
			Subject: chain.QueryDocHash, QuerySM3: doc("q"), At: fixture.Epoch.UnixMilli()}, nil)),
		bad(CodeUnknownContract, "report on an unknown contract", tx(court, &chain.ReportIssued{Contract: "c-404", ReportSM3: doc("r"), BundleSM3: doc("b")}, nil)),
		bad(CodeContractClosed, "view completed c-1", tx(platform, &chain.ContractViewed{Contract: "c-1", Party: bob.FP}, nil)),
	)
	// 7: empty.
	r.block()
	// 8: the court anchors height 7; wrong receipts are refused first.
	r.block(
		bad(CodeAnchorMismatch, "anchored app hash differs", tx(court, func() *chain.Anchored {
			a := r.anchored(7)
			a.AppHash = doc("not the app hash")
			return a
		}(), nil)),
		bad(CodeAnchorReceipt, "anchored to another channel", tx(court, func() *chain.Anchored { a := r.anchored(7); a.Channel = "other"; return a }(), nil)),
		bad(CodeAnchorOrg, "the platform anchors", tx(platform, r.anchored(7), nil)),
		ok("the court anchors height 7", tx(court, r.anchored(7), nil)),
		bad(CodeAnchorOrder, "the court anchors height 6 after 7", tx(court, r.anchored(6), nil)),
	)
	// 9: voided, declined and renewed contracts.
	c5 := fixture.Contract("c-5", "the lease, renewed", chain.OrderParallel, alice, bob)
	r.block(
		ok("create c-3", tx(platform, fixture.Contract("c-3", "a sale", chain.OrderParallel, alice, bob), nil)),
		ok("void c-3", tx(platform, &chain.ContractVoided{Contract: "c-3", ReasonSM3: doc("wrong price")}, nil)),
		ok("create c-4", tx(platform, fixture.Contract("c-4", "a gift", chain.OrderParallel, alice, bob), nil)),
		ok("alice declines c-4", tx(platform, &chain.ContractDeclined{Contract: "c-4", ReasonSM3: doc("no thanks")}, alice)),
		ok("create c-5", tx(platform, c5, nil)),
		ok("c-5 renews c-1", tx(platform, &chain.ContractRenewed{Contract: "c-5", Previous: "c-1"}, nil)),
		bad(CodeContractVoided, "alice's intent on voided c-3", tx(platform, platform.Intent(t, "c-3", alice), alice)),
		bad(CodeContractDeclined, "bob's intent on declined c-4", tx(platform, platform.Intent(t, "c-4", bob), bob)),
		bad(CodeContractClosed, "void completed c-1", tx(platform, &chain.ContractVoided{Contract: "c-1", ReasonSM3: doc("too late")}, nil)),
		bad(CodeAlreadyRenewed, "c-5 renews c-3 too", tx(platform, &chain.ContractRenewed{Contract: "c-5", Previous: "c-3"}, nil)),
		bad(CodeNotExpired, "expire c-5, which has no deadline", tx(platform, &chain.ContractExpired{Contract: "c-5"}, nil)),
		bad(CodeNotExpired, "expire c-2 before its deadline", tx(platform, &chain.ContractExpired{Contract: "c-2"}, nil)),
	)
	// 10: a revocation, and txs refused before any rule runs.
	version2 := tx(platform, &chain.ContractSent{Contract: "c-2"}, nil)
	version2[1] = 2 // field 1 (version) is the first varint
	r.block(
		ok("revoke dave", tx(platform, &chain.CertRevoked{Cert: dave.FP, Reason: chain.ReasonKeyCompromise}, nil)),
		bad(CodeCertRevoked, "revoke dave again", tx(platform, &chain.CertRevoked{Cert: dave.FP, Reason: chain.ReasonSuperseded}, nil)),
		bad(CodeCertRevoked, "dave's intent after his revocation", tx(platform, platform.Intent(t, "c-2", dave), dave)),
		bad(CodePermission, "the court revokes alice", tx(court, &chain.CertRevoked{Cert: alice.FP}, nil)),
		bad(CodeUnknownCert, "revoke an unregistered certificate", tx(platform, &chain.CertRevoked{Cert: stranger.FP}, nil)),
		bad(CodeUnknownCert, "an unregistered signer", tx(platform, &chain.ContractSigned{Contract: "c-2", DocSM3: c2.DocSM3}, stranger)),
		bad(CodeTLSCert, "a TLS key signs", tx(platform, &chain.ContractDeclined{Contract: "c-2", ReasonSM3: doc("tls")}, tlsActor)),
		bad(CodeUnknownCredential, "an unregistered credential", tx(unregistered, &chain.ContractSent{Contract: "c-2"}, nil)),
		bad(CodeChainID, "a tx for another chain", tx(otherChain, &chain.ContractSent{Contract: "c-2"}, nil)),
		bad(CodeUnknownOrg, "an unknown envelope org", tx(nobody, &chain.ContractSent{Contract: "c-2"}, nil)),
		bad(CodeBadSignature, "envelope signature flipped", flipSig(t, tx(platform, &chain.ContractSent{Contract: "c-2"}, nil), false)),
		bad(CodeBadSignature, "actor signature flipped", flipSig(t, tx(platform, platform.Intent(t, "c-2", carol), carol), true)),
		bad(CodeVersion, "tx version 2", version2),
		bad(CodeUnknownType, "record type 99", replayRawTx(1, 99, nil)),
		bad(CodeTooLarge, "one byte over the size limit", make([]byte, chain.MaxTxBytes+1)),
	)
	// 11: past c-2's deadline.
	r.time = r.time.Add(2 * time.Minute)
	r.block(
		bad(CodeDeadlinePassed, "carol's intent after c-2's deadline", tx(platform, platform.Intent(t, "c-2", carol), carol)),
		ok("expire c-2", tx(platform, &chain.ContractExpired{Contract: "c-2"}, nil)),
		bad(CodeContractExpired, "carol's intent on expired c-2", tx(platform, platform.Intent(t, "c-2", carol), carol)),
		bad(CodeContractExpired, "expire c-2 again", tx(platform, &chain.ContractExpired{Contract: "c-2"}, nil)),
	)

	// Governance: four orgs of weight 1, so a proposal passes with 3 yes
	// (more than 2/3); with five after register_org, with 4.
	registry := r.org("registry", chain.RoleArbitration)
	regKey2 := r.key(signer.AlgSM2, "registry/submitter-2")
	regCred2 := r.issue(registry.CA, regKey2, signer.IssueOptions{SubjectRef: "registry-submitter-2", Usage: signer.UsageSubmitter})
	yes := func(o *fixture.Org, id string) []byte {
		return tx(o, &chain.Vote{Proposal: id, Choice: chain.VoteYes}, nil)
	}
	no := func(o *fixture.Org, id string) []byte {
		return tx(o, &chain.Vote{Proposal: id, Choice: chain.VoteNo}, nil)
	}
	addOrg := &chain.Proposal{ID: "p-registry", Kind: chain.ProposalRegisterOrg,
		Org:         &chain.Org{ID: "registry", Name: "registry org", Role: chain.RoleArbitration, CACert: registry.CA.Cert.Raw, Weight: 1},
		Credentials: [][]byte{registry.Submitter.Cert}}
	unknownVal := r.validatorKey("unknown")
	// 12
	r.block(
		ok("propose registering the registry org with a credential", tx(platform, addOrg, nil)),
		ok("court votes yes", yes(court, "p-registry")),
		bad(CodeAlreadyVoted, "the proposer votes again", yes(platform, "p-registry")),
		bad(CodeUnknownProposal, "vote on an unknown proposal", yes(notary, "p-404")),
		bad(CodeDuplicate, "the same proposal id again", tx(court, addOrg, nil)),
		bad(CodeDuplicate, "register the court again", tx(platform, &chain.Proposal{ID: "p-court", Kind: chain.ProposalRegisterOrg,
			Org: &chain.Org{ID: "court", Name: "x", Role: chain.RoleCourt, CACert: court.CA.Cert.Raw, Weight: 1}}, nil)),
		bad(CodeDeadlinePassed, "a proposal expired at once", tx(platform, &chain.Proposal{ID: "p-old", Kind: chain.ProposalSetValidator, Expires: fixture.Epoch.Unix(),
			Validator: &chain.ValidatorChange{PubKey: unknownVal, Power: 1, Org: "court"}}, nil)),
		bad(CodeBadValidator, "remove an unknown validator", tx(platform, &chain.Proposal{ID: "p-rm", Kind: chain.ProposalSetValidator,
			Validator: &chain.ValidatorChange{PubKey: unknownVal, Power: 0, Org: "court"}}, nil)),
		bad(CodeUnknownOrg, "a validator of an unknown org", tx(platform, &chain.Proposal{ID: "p-ghost", Kind: chain.ProposalSetValidator,
			Validator: &chain.ValidatorChange{PubKey: unknownVal, Power: 1, Org: "ghost-org"}}, nil)),
	)
	// 13: the third yes passes it.
	r.block(
		ok("notary votes yes: register_org passes", yes(notary, "p-registry")),
		bad(CodeProposalClosed, "arbitration votes after it passed", yes(arbitration, "p-registry")),
	)
	// 14: the new org submits with the credential the proposal registered,
	// and registers a second one.
	r.block(
		ok("registry logs a query with its proposal-registered credential", tx(registry, &chain.QueryLogged{CallerOrg: "notary", CallerCert: chain.FingerprintOf(notary.Submitter.Cert),
			Subject: chain.QueryCert, QuerySM3: doc("cert"), At: fixture.Epoch.UnixMilli()}, nil)),
		ok("registry proposes a second credential", tx(registry, &chain.Proposal{ID: "p-cred", Kind: chain.ProposalRegisterCredentials, Credentials: [][]byte{regCred2}}, nil)),
		ok("platform yes", yes(platform, "p-cred")),
		ok("court yes", yes(court, "p-cred")),
		ok("notary yes: register_credentials passes (4 of 5)", yes(notary, "p-cred")),
	)
	// 15-16: a validator is added; the update is in the block where the
	// proposal passes.
	newVal := r.validatorKey("notary-1")
	r.block(
		ok("propose validator notary-1, power 5", tx(platform, &chain.Proposal{ID: "p-val-add", Kind: chain.ProposalSetValidator,
			Validator: &chain.ValidatorChange{PubKey: newVal, Power: 5, Org: "notary"}}, nil)),
		ok("court yes", yes(court, "p-val-add")),
		ok("notary yes (3 of 5: not yet)", yes(notary, "p-val-add")),
	)
	r.block(ok("arbitration yes: the validator is added", yes(arbitration, "p-val-add")))
	// 17: empty.
	r.block()
	// 18: and removed.
	r.block(
		ok("propose removing notary-1", tx(platform, &chain.Proposal{ID: "p-val-rm", Kind: chain.ProposalSetValidator,
			Validator: &chain.ValidatorChange{PubKey: newVal, Power: 0, Org: "notary"}}, nil)),
		ok("court yes", yes(court, "p-val-rm")),
		ok("notary yes", yes(notary, "p-val-rm")),
		ok("arbitration yes: notary-1 is removed", yes(arbitration, "p-val-rm")),
	)
	// 19: a proposal voted down.
	r.block(
		ok("propose a court validator", tx(platform, &chain.Proposal{ID: "p-val-no", Kind: chain.ProposalSetValidator,
			Validator: &chain.ValidatorChange{PubKey: r.validatorKey("court-1"), Power: 1, Org: "court"}}, nil)),
		ok("court no", no(court, "p-val-no")),
		ok("notary no: rejected", no(notary, "p-val-no")),
		bad(CodeProposalClosed, "arbitration votes on the rejected proposal", yes(arbitration, "p-val-no")),
	)
	// 20: an intent verifier is registered by governance.
	faceKey := r.key(signer.AlgSM2, "platform/face-provider")
	faceCert := r.issue(platform.CA, faceKey, signer.IssueOptions{SubjectRef: "face-provider", Usage: signer.UsageIntentVerifier, NotAfter: fixture.Epoch.AddDate(1, 0, 0)})
	c6 := fixture.Contract("c-6", "erin's contract", chain.OrderParallel, carol, erin)
	faceIntent := func() []byte {
		iv := platform.Intent(t, "c-6", carol)
		iv.VerifierCert = faceCert
		var err error
		if iv.VerifierSig, err = faceKey.Sign(r.rng, iv.AttestationBytes(replayChainID)); err != nil {
			t.Fatal(err)
		}
		return tx(platform, iv, carol)
	}
	r.block(
		ok("create c-6 (carol, erin)", tx(platform, c6, nil)),
		bad(CodeUnknownVerifier, "carol's intent attested by an unregistered verifier", faceIntent()),
		bad(CodeUnknownVerifier, "an identity attested by the unregistered verifier", tx(platform, func() *chain.IdentityVerified {
			iv, _ := r.identity(platform, "frank")
			iv.VerifierCert = faceCert
			var err error
			if iv.VerifierSig, err = faceKey.Sign(r.rng, iv.AttestationBytes(replayChainID)); err != nil {
				t.Fatal(err)
			}
			return iv
		}(), nil)),
		ok("propose the face provider as a verifier", tx(platform, &chain.Proposal{ID: "p-face", Kind: chain.ProposalRegisterVerifier, VerifierCert: faceCert}, nil)),
		ok("court yes", yes(court, "p-face")),
		ok("notary yes", yes(notary, "p-face")),
		ok("arbitration yes: the verifier is registered", yes(arbitration, "p-face")),
	)
	// 21: c-6 signed through both verifiers, with the organisation's seal.
	r.block(
		ok("carol's intent by the face provider", faceIntent()),
		ok("carol signs c-6 with the platform's seal", tx(platform, &chain.ContractSigned{Contract: "c-6", DocSM3: c6.DocSM3, Seal: orgSeal}, carol)),
		ok("erin's intent", tx(platform, platform.Intent(t, "c-6", erin), erin)),
		bad(CodeUnknownSeal, "erin signs with alice's personal seal", tx(platform, &chain.ContractSigned{Contract: "c-6", DocSM3: c6.DocSM3, Seal: aliceSeal}, erin)),
		ok("erin (identity-bound) signs c-6", tx(platform, &chain.ContractSigned{Contract: "c-6", DocSM3: c6.DocSM3}, erin)),
		ok("complete c-6", tx(platform, &chain.ContractCompleted{Contract: "c-6"}, nil)),
		ok("send c-5", tx(platform, &chain.ContractSent{Contract: "c-5"}, nil)),
	)
	// 22: empty; 23: the court anchors it.
	r.block()
	r.block(
		ok("the court anchors height 22", tx(court, r.anchored(22), nil)),
		bad(CodeAnchorOrder, "and height 7 again", tx(court, r.anchored(7), nil)),
	)

	writeReplayFixture(t, path, r.fx)
}

// writeReplayFixture writes fx and logs what it covers.
func writeReplayFixture(t *testing.T, path string, fx *replayFixture) {
	t.Helper()
	b, err := json.MarshalIndent(fx, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("recorded %d blocks to %s (%d bytes)", len(fx.Blocks), path, len(b)+1)
	t.Logf("coverage (type: accepted/rejected):\n%s", replayCoverage(fx))
}

// replayCoverage counts accepted and rejected txs by record type, and the
// codes seen.
func replayCoverage(fx *replayFixture) string {
	type count struct{ ok, bad int }
	byType := map[string]*count{}
	codes := map[uint32]int{}
	for _, blk := range fx.Blocks {
		for _, tx := range blk.Txs {
			c := byType[tx.Type]
			if c == nil {
				c = &count{}
				byType[tx.Type] = c
			}
			if tx.Code == CodeOK {
				c.ok++
			} else {
				c.bad++
				codes[tx.Code]++
			}
		}
	}
	var types []string
	for k := range byType {
		types = append(types, k)
	}
	sort.Strings(types)
	var sb strings.Builder
	for _, k := range types {
		fmt.Fprintf(&sb, "%-20s %3d / %3d\n", k, byType[k].ok, byType[k].bad)
	}
	var cs []int
	for c := range codes {
		cs = append(cs, int(c))
	}
	sort.Ints(cs)
	fmt.Fprintf(&sb, "rejection codes: %v", cs)
	return sb.String()
}
