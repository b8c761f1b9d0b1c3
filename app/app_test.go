package app

import (
	"context"
	"encoding/hex"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/store"
	"github.com/sealchain/sealchain/internal/fixture"
	"github.com/sealchain/sealchain/signer"
)

const testChain = "sealchain-test"

// harness drives an App through ABCI calls the way CometBFT does.
type harness struct {
	t      *testing.T
	app    *App
	dir    string
	height int64
	time   time.Time
	reg    *prometheus.Registry
}

func newHarness(t *testing.T, net *fixture.Net) *harness {
	t.Helper()
	return newHarnessGenesis(t, net.GenesisState(t))
}

// newHarnessGenesis is newHarness with the genesis app_state given.
func newHarnessGenesis(t *testing.T, appState []byte) *harness {
	t.Helper()
	h := &harness{t: t, dir: t.TempDir(), time: fixture.Epoch.Add(time.Hour)}
	h.open()
	_, err := h.app.InitChain(context.Background(), &abci.InitChainRequest{
		ChainId: testChain, Time: fixture.Epoch, AppStateBytes: appState,
	})
	if err != nil {
		t.Fatalf("InitChain: %v", err)
	}
	return h
}

func (h *harness) open() {
	h.t.Helper()
	store, err := store.Open(h.dir, nil)
	if err != nil {
		h.t.Fatalf("open store: %v", err)
	}
	h.reg = prometheus.NewRegistry()
	a, err := New(store, testChain, WithMetrics(NewMetrics(h.reg)))
	if err != nil {
		h.t.Fatalf("New: %v", err)
	}
	h.app = a
	h.t.Cleanup(func() { store.Close() })
}

func (h *harness) reopen() {
	h.t.Helper()
	if err := h.app.store.Close(); err != nil {
		h.t.Fatal(err)
	}
	h.open()
}

func (h *harness) checkTx(tx []byte) *abci.CheckTxResponse {
	h.t.Helper()
	res, err := h.app.CheckTx(context.Background(), &abci.CheckTxRequest{Tx: tx, Type: abci.CHECK_TX_TYPE_CHECK})
	if err != nil {
		h.t.Fatalf("CheckTx: %v", err)
	}
	return res
}

// block finalizes and commits one block, returning the tx results and app hash.
func (h *harness) block(txs ...[]byte) ([]*abci.ExecTxResult, []byte) {
	h.t.Helper()
	res := h.finalize(txs...)
	if _, err := h.app.Commit(context.Background(), &abci.CommitRequest{}); err != nil {
		h.t.Fatalf("Commit: %v", err)
	}
	return res.TxResults, res.AppHash
}

func (h *harness) finalize(txs ...[]byte) *abci.FinalizeBlockResponse {
	h.t.Helper()
	h.height++
	h.time = h.time.Add(time.Second)
	res, err := h.app.FinalizeBlock(context.Background(), &abci.FinalizeBlockRequest{Height: h.height, Time: h.time, Txs: txs})
	if err != nil {
		h.t.Fatalf("FinalizeBlock %d: %v", h.height, err)
	}
	return res
}

// mustCommit submits txs in one block and fails unless each is accepted.
func (h *harness) mustCommit(txs ...[]byte) {
	h.t.Helper()
	for i, tx := range txs {
		if r := h.checkTx(tx); r.Code != CodeOK {
			h.t.Fatalf("CheckTx of tx %d: code %d: %s", i, r.Code, r.Log)
		}
	}
	res, _ := h.block(txs...)
	for i, r := range res {
		if r.Code != CodeOK {
			h.t.Fatalf("FinalizeBlock tx %d: code %d: %s", i, r.Code, r.Log)
		}
	}
}

// world is a network with two parties and an open sequential contract.
type world struct {
	net         *fixture.Net
	org         *fixture.Org
	alice, bob  *fixture.Signer
	carol       *fixture.Signer // registered, not a party
	contract    *chain.ContractCreated
	aliceIntent []byte
	aliceSigns  []byte
	bobIntent   []byte
	bobSigns    []byte
	complete    []byte
}

func newWorld(t *testing.T) (*world, *harness) {
	t.Helper()
	return newWorldWith(t, nil)
}

// newWorldWith is newWorld with edit applied to contract c-1 before it is
// committed (edit sees the harness, for its block time).
func newWorldWith(t *testing.T, edit func(c *chain.ContractCreated, hs *harness)) (*world, *harness) {
	t.Helper()
	return newWorldRules(t, chain.InitialRulesVersion, edit)
}

// newWorldRules is newWorldWith on a chain whose genesis sets rules
// version (1: no rules_version, as before versioned genesis).
func newWorldRules(t *testing.T, version uint32, edit func(c *chain.ContractCreated, hs *harness)) (*world, *harness) {
	t.Helper()
	net := fixture.New(t, testChain, fixture.Role{ID: "platform", Role: chain.RolePlatform}, fixture.Role{ID: "court", Role: chain.RoleCourt})
	w := &world{net: net, org: net.Orgs[0]}
	w.alice = w.org.Signer(t, signer.AlgSM2, time.Time{})
	w.bob = w.org.Signer(t, signer.AlgECDSAP256, time.Time{})
	w.carol = w.org.Signer(t, signer.AlgSM2, time.Time{})
	w.contract = fixture.Contract("c-1", "the contract", chain.OrderSequential, w.alice, w.bob)
	w.aliceIntent = w.org.Tx(t, w.org.Intent(t, "c-1", w.alice), w.alice)
	w.aliceSigns = w.org.Tx(t, &chain.ContractSigned{Contract: "c-1", DocSM3: w.contract.DocSM3}, w.alice)
	w.bobIntent = w.org.Tx(t, w.org.Intent(t, "c-1", w.bob), w.bob)
	w.bobSigns = w.org.Tx(t, &chain.ContractSigned{Contract: "c-1", DocSM3: w.contract.DocSM3}, w.bob)
	w.complete = w.org.Tx(t, &chain.ContractCompleted{Contract: "c-1"}, nil)
	hs := newHarnessGenesis(t, genesisRules(t, net, version))
	hs.mustCommit(
		w.org.Tx(t, &chain.CertIssued{Cert: w.alice.Cert}, nil),
		w.org.Tx(t, &chain.CertIssued{Cert: w.bob.Cert}, nil),
		w.org.Tx(t, &chain.CertIssued{Cert: w.carol.Cert}, nil),
	)
	if edit != nil {
		edit(w.contract, hs)
	}
	hs.mustCommit(w.org.Tx(t, w.contract, nil))
	return w, hs
}

func TestFullCycle(t *testing.T) {
	w, hs := newWorld(t)
	hs.mustCommit(w.aliceIntent, w.aliceSigns)
	hs.mustCommit(w.bobIntent, w.bobSigns)
	hs.mustCommit(w.complete)

	c, ok, err := hs.app.store.View().Contract("c-1")
	if err != nil || !ok {
		t.Fatalf("contract: %v %v", ok, err)
	}
	if c.Status != chain.StatusCompleted || !c.AllSigned() {
		t.Fatalf("contract status %s signed %v", c.Status, c.Signed)
	}
	last := hs.app.store.Last()
	if last.LogSize != 9 {
		t.Fatalf("log size %d, want 9", last.LogSize)
	}
	info, _ := hs.app.Info(context.Background(), &abci.InfoRequest{})
	if info.LastBlockHeight != hs.height || hex.EncodeToString(info.LastBlockAppHash) != hex.EncodeToString(last.AppHash) {
		t.Fatalf("Info %d %X, want %d %X", info.LastBlockHeight, info.LastBlockAppHash, hs.height, last.AppHash)
	}
	// Query: entry with proof, contract, cert, tx, checkpoint.
	for _, q := range []struct {
		path  string
		prove bool
	}{
		{"/entry/4", true}, {"/contract/c-1", false}, {"/cert/" + w.alice.FP.String(), false},
		{"/tx/" + chain.TxHash(w.complete).String(), false}, {"/checkpoint", false}, {"/checkpoint/2", false},
	} {
		res, err := hs.app.Query(context.Background(), &abci.QueryRequest{Path: q.path, Prove: q.prove})
		if err != nil || res.Code != 0 || len(res.Value) == 0 {
			t.Errorf("Query %s: code %d log %q err %v", q.path, res.Code, res.Log, err)
		}
		if q.prove && (res.ProofOps == nil || len(res.ProofOps.Ops) != 1) {
			t.Errorf("Query %s: no proof", q.path)
		}
	}
	if res, _ := hs.app.Query(context.Background(), &abci.QueryRequest{Path: "/nope"}); res.Code == 0 {
		t.Errorf("unknown query path accepted")
	}
	// Signatures verified in CheckTx are not verified again in FinalizeBlock.
	if hits := testutil.ToFloat64(hs.app.metrics.cacheHits); hits < 9 {
		t.Errorf("signature cache hits %v, want at least one per committed tx (9)", hits)
	}
}

// TestRejections feeds each bad tx to CheckTx and/or FinalizeBlock and
// checks its code, that the message names the field, and that the block
// leaves the state exactly as an empty block would.
func TestRejections(t *testing.T) {
	type stage int
	const (
		inCheck    stage = 1 << iota // CheckTx rejects it
		inFinalize                   // FinalizeBlock rejects it
	)
	cases := []struct {
		name  string
		setup func(t *testing.T, w *world, h *harness) // commits whatever must precede
		tx    func(t *testing.T, w *world) []byte
		code  uint32
		field string
		where stage
	}{
		{name: "malformed bytes", tx: func(*testing.T, *world) []byte { return []byte{0xff, 0x01, 0x02} },
			code: CodeMalformed, field: "", where: inCheck | inFinalize},
		{name: "empty tx", tx: func(*testing.T, *world) []byte { return nil }, code: CodeMalformed, field: "tx", where: inCheck | inFinalize},
		{name: "oversized tx", tx: func(*testing.T, *world) []byte { return make([]byte, chain.MaxTxBytes+1) },
			code: CodeTooLarge, field: "tx", where: inCheck | inFinalize},
		{name: "wrong chain id", tx: func(t *testing.T, w *world) []byte {
			o := *w.org.Submitter
			o.ChainID = "other-chain"
			raw, err := o.Build(&chain.ContractCompleted{Contract: "c-1"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			return raw
		}, code: CodeChainID, field: "chain_id", where: inCheck | inFinalize},
		{name: "bad envelope signature", tx: func(t *testing.T, w *world) []byte {
			return flipSig(t, w.aliceIntent, false)
		}, code: CodeBadSignature, field: "envelope.sig", where: inCheck | inFinalize},
		{name: "bad actor signature", tx: func(t *testing.T, w *world) []byte {
			return flipSig(t, w.aliceIntent, true)
		}, code: CodeBadSignature, field: "actor.sig", where: inCheck | inFinalize},
		{name: "unknown org", tx: func(t *testing.T, w *world) []byte {
			o := *w.org.Submitter
			o.Org = "nobody"
			raw, err := o.Build(&chain.ContractCompleted{Contract: "c-1"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			return raw
		}, code: CodeUnknownOrg, field: "envelope.org", where: inCheck | inFinalize},
		{name: "unknown certificate", tx: func(t *testing.T, w *world) []byte {
			stranger := w.org.Signer(t, signer.AlgSM2, time.Time{})
			return w.org.Tx(t, &chain.ContractSigned{Contract: "c-1", DocSM3: w.contract.DocSM3}, stranger)
		}, code: CodeUnknownCert, field: "actor.cert", where: inCheck | inFinalize},
		{name: "revoked certificate", setup: func(t *testing.T, w *world, h *harness) {
			h.mustCommit(w.org.Tx(t, &chain.CertRevoked{Cert: w.alice.FP, Reason: chain.ReasonKeyCompromise}, nil))
		}, tx: func(t *testing.T, w *world) []byte { return w.aliceIntent },
			code: CodeCertRevoked, field: "actor.cert", where: inFinalize},
		{name: "expired certificate", setup: func(t *testing.T, w *world, h *harness) {
			h.time = notAfter(t, w.alice.Cert).Add(time.Hour)
		}, tx: func(t *testing.T, w *world) []byte { return w.aliceIntent },
			code: CodeCertNotValid, field: "actor.cert", where: inFinalize},
		{name: "sign unknown contract", tx: func(t *testing.T, w *world) []byte {
			return w.org.Tx(t, &chain.ContractSigned{Contract: "c-404", DocSM3: w.contract.DocSM3}, w.alice)
		}, code: CodeUnknownContract, field: "body.contract_id", where: inFinalize},
		{name: "sign completed contract", setup: func(t *testing.T, w *world, h *harness) {
			h.mustCommit(w.aliceIntent, w.aliceSigns, w.bobIntent, w.bobSigns)
			h.mustCommit(w.complete)
		}, tx: func(t *testing.T, w *world) []byte {
			return w.org.Tx(t, &chain.ContractSigned{Contract: "c-1", DocSM3: w.contract.DocSM3}, w.alice)
		}, code: CodeContractClosed, field: "body.contract_id", where: inFinalize},
		{name: "non-party signs", tx: func(t *testing.T, w *world) []byte {
			return w.org.Tx(t, &chain.ContractSigned{Contract: "c-1", DocSM3: w.contract.DocSM3}, w.carol)
		}, code: CodeNotParty, field: "actor.cert", where: inFinalize},
		{name: "double signing", setup: func(t *testing.T, w *world, h *harness) {
			h.mustCommit(w.aliceIntent, w.aliceSigns)
		}, tx: func(t *testing.T, w *world) []byte {
			return w.org.Tx(t, &chain.ContractSigned{Contract: "c-1", DocSM3: w.contract.DocSM3}, w.alice)
		}, code: CodeAlreadySigned, field: "actor.cert", where: inFinalize},
		{name: "replayed tx", setup: func(t *testing.T, w *world, h *harness) {
			h.mustCommit(w.aliceIntent)
		}, tx: func(t *testing.T, w *world) []byte { return w.aliceIntent },
			code: CodeReplay, field: "tx", where: inCheck | inFinalize},
		{name: "out of order", setup: func(t *testing.T, w *world, h *harness) {
			h.mustCommit(w.bobIntent)
		}, tx: func(t *testing.T, w *world) []byte { return w.bobSigns },
			code: CodeOutOfOrder, field: "actor.cert", where: inFinalize},
		{name: "no intent", tx: func(t *testing.T, w *world) []byte { return w.aliceSigns },
			code: CodeNoIntent, field: "actor.cert", where: inFinalize},
		{name: "document mismatch", setup: func(t *testing.T, w *world, h *harness) {
			h.mustCommit(w.aliceIntent)
		}, tx: func(t *testing.T, w *world) []byte {
			other, _ := fixture.Doc("another document")
			return w.org.Tx(t, &chain.ContractSigned{Contract: "c-1", DocSM3: other}, w.alice)
		}, code: CodeDocMismatch, field: "body.doc_sm3", where: inFinalize},
		{name: "completion before all signed", tx: func(t *testing.T, w *world) []byte { return w.complete },
			code: CodeNotAllSigned, field: "body.contract_id", where: inFinalize},
		{name: "duplicate contract id", tx: func(t *testing.T, w *world) []byte {
			return w.org.Tx(t, fixture.Contract("c-1", "other", chain.OrderParallel, w.alice), nil)
		}, code: CodeDuplicate, field: "body.contract_id", where: inFinalize},
		{name: "court may not create contracts", tx: func(t *testing.T, w *world) []byte {
			return w.net.Orgs[1].Tx(t, fixture.Contract("c-2", "x", chain.OrderParallel, w.alice), nil)
		}, code: CodePermission, field: "envelope.org", where: inFinalize},
		{name: "deadline passed", tx: func(t *testing.T, w *world) []byte {
			c := fixture.Contract("c-3", "x", chain.OrderParallel, w.alice)
			c.Deadline = fixture.Epoch.Unix()
			return w.org.Tx(t, c, nil)
		}, code: CodeDeadlinePassed, field: "body.deadline", where: inFinalize},
		{name: "cert from another org's CA", tx: func(t *testing.T, w *world) []byte {
			other := w.net.Orgs[1].Signer(t, signer.AlgSM2, time.Time{})
			return w.org.Tx(t, &chain.CertIssued{Cert: other.Cert}, nil)
		}, code: CodeCertIssuer, field: "body.cert", where: inFinalize},
		{name: "register the same cert twice", tx: func(t *testing.T, w *world) []byte {
			return w.org.Tx(t, &chain.CertIssued{Cert: w.alice.Cert}, nil)
		}, code: CodeDuplicate, field: "body.cert", where: inFinalize},
		{name: "revoke another org's cert", tx: func(t *testing.T, w *world) []byte {
			return w.net.Orgs[1].Tx(t, &chain.CertRevoked{Cert: w.alice.FP}, nil)
		}, code: CodePermission, field: "envelope.org", where: inFinalize},
		{name: "intent for someone else", tx: func(t *testing.T, w *world) []byte {
			return w.org.Tx(t, w.org.Intent(t, "c-1", w.bob), w.alice)
		}, code: CodeInvalidField, field: "body.signer", where: inFinalize},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// Two identical worlds: one gets the bad tx, the other an empty
			// block at the same height and time. Their app hashes must match.
			w, bad := newWorld(t)
			ref := &harness{t: t, dir: t.TempDir()}
			ref.open()
			if _, err := ref.app.InitChain(context.Background(), &abci.InitChainRequest{ChainId: testChain, Time: fixture.Epoch, AppStateBytes: w.net.GenesisState(t)}); err != nil {
				t.Fatal(err)
			}
			replay(t, bad, ref)
			if tc.setup != nil {
				tc.setup(t, w, bad)
				replay(t, bad, ref)
			}
			tx := tc.tx(t, w)
			if tc.where&inCheck != 0 {
				r := bad.checkTx(tx)
				checkRejection(t, "CheckTx", r.Code, r.Codespace, r.Log, tc.code, tc.field)
			} else if r := bad.checkTx(tx); r.Code != CodeOK {
				// Stateful rules belong to FinalizeBlock; CheckTx should pass.
				t.Errorf("CheckTx rejected a tx only FinalizeBlock should: code %d %s", r.Code, r.Log)
			}
			ref.height, ref.time = bad.height, bad.time
			res, hash := bad.block(tx)
			_, want := ref.block()
			checkRejection(t, "FinalizeBlock", res[0].Code, res[0].Codespace, res[0].Log, tc.code, tc.field)
			if hex.EncodeToString(hash) != hex.EncodeToString(want) {
				t.Errorf("rejected tx changed the state: app hash %X, empty block gives %X", hash, want)
			}
		})
	}
}

// replay copies every committed block of src into dst so both have equal state.
func replay(t *testing.T, src, dst *harness) {
	t.Helper()
	for h := dst.height + 1; h <= src.height; h++ {
		var txs [][]byte
		view := src.app.store.View()
		cp, err := view.Checkpoint(h)
		if err != nil {
			t.Fatal(err)
		}
		prev, err := view.Checkpoint(h - 1)
		if err != nil {
			t.Fatal(err)
		}
		for i := prev.LogSize; i < cp.LogSize; i++ {
			leaf, err := view.Entry(i)
			if err != nil {
				t.Fatal(err)
			}
			en, err := chain.DecodeEntry(leaf)
			if err != nil {
				t.Fatal(err)
			}
			txs = append(txs, en.Tx)
		}
		dst.height, dst.time = h-1, cp.Time.Add(-time.Second)
		_, hash := dst.block(txs...)
		if hex.EncodeToString(hash) != hex.EncodeToString(cp.AppHash) {
			t.Fatalf("replay height %d: app hash %X, want %X", h, hash, cp.AppHash)
		}
	}
}

func checkRejection(t *testing.T, where string, code uint32, space, log string, want uint32, field string) {
	t.Helper()
	if code != want {
		t.Errorf("%s: code %d (%s), want %d", where, code, log, want)
		return
	}
	if space != Codespace {
		t.Errorf("%s: codespace %q", where, space)
	}
	if field != "" && !strings.Contains(log, "field "+field) {
		t.Errorf("%s: log %q does not name field %s", where, log, field)
	}
}

func flipSig(t *testing.T, raw []byte, actor bool) []byte {
	t.Helper()
	tx, err := chain.DecodeTx(raw)
	if err != nil {
		t.Fatal(err)
	}
	sig := tx.Envelope.Sig
	if actor {
		sig = tx.Actor.Sig
	}
	sig[len(sig)-3] ^= 0x01
	out := tx.Encode()
	if _, err := chain.DecodeTx(out); err != nil {
		// A flipped DER byte can break the encoding's length; flip elsewhere.
		sig[len(sig)-3] ^= 0x01
		sig[len(sig)-1] ^= 0x01
		out = tx.Encode()
	}
	return out
}

func notAfter(t *testing.T, der []byte) time.Time {
	t.Helper()
	c, err := signer.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c.NotAfter
}

// TestDeterminism runs the same blocks through two apps under different
// GOMAXPROCS and compares app hashes at every height.
func TestDeterminism(t *testing.T) {
	net := fixture.New(t, testChain)
	org := net.Orgs[0]
	var blocks [][][]byte
	signers := make([]*fixture.Signer, 6)
	var certTxs [][]byte
	for i := range signers {
		alg := signer.AlgSM2
		if i%2 == 1 {
			alg = signer.AlgECDSAP256
		}
		signers[i] = org.Signer(t, alg, time.Time{})
		certTxs = append(certTxs, org.Tx(t, &chain.CertIssued{Cert: signers[i].Cert}, nil))
	}
	blocks = append(blocks, certTxs, nil)
	for c := 0; c < 6; c++ {
		id := fmt.Sprintf("c-%d", c)
		a, b := signers[c], signers[(c+1)%6]
		cc := fixture.Contract(id, "doc "+id, chain.SigningOrder(1+c%2), a, b)
		blocks = append(blocks,
			[][]byte{org.Tx(t, cc, nil), []byte("garbage")},
			[][]byte{org.Tx(t, org.Intent(t, id, a), a), org.Tx(t, org.Intent(t, id, b), b),
				org.Tx(t, &chain.ContractSigned{Contract: id, DocSM3: cc.DocSM3}, b), // rejected when sequential
				org.Tx(t, &chain.ContractSigned{Contract: id, DocSM3: cc.DocSM3}, a)},
		)
	}
	one, two := newHarness(t, net), newHarness(t, net)
	prev := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(prev)
	for i, txs := range blocks {
		runtime.GOMAXPROCS(1)
		r1, h1 := one.block(txs...)
		runtime.GOMAXPROCS(max(2, prev))
		r2, h2 := two.block(txs...)
		if hex.EncodeToString(h1) != hex.EncodeToString(h2) {
			t.Fatalf("block %d: app hashes differ: %X vs %X", i+1, h1, h2)
		}
		for j := range r1 {
			if r1[j].Code != r2[j].Code || string(r1[j].Data) != string(r2[j].Data) {
				t.Fatalf("block %d tx %d: results differ", i+1, j)
			}
		}
	}
	if one.app.store.Last().LogSize < 20 {
		t.Fatalf("only %d records appended; the test exercises too little", one.app.store.Last().LogSize)
	}
}

// TestRestart checks crash recovery: a block finalized but not committed is
// absent after reopening, and finalizing it again gives the same app hash.
func TestRestart(t *testing.T) {
	w, hs := newWorld(t)
	before := hs.app.store.Last()
	res := hs.finalize(w.aliceIntent, w.aliceSigns)
	// Crash: no Commit.
	hs.reopen()
	info, _ := hs.app.Info(context.Background(), &abci.InfoRequest{})
	if info.LastBlockHeight != before.Height || hex.EncodeToString(info.LastBlockAppHash) != hex.EncodeToString(before.AppHash) {
		t.Fatalf("after crash Info says %d %X, want %d %X", info.LastBlockHeight, info.LastBlockAppHash, before.Height, before.AppHash)
	}
	hs.height--
	hs.time = hs.time.Add(-time.Second)
	_, hash := hs.block(w.aliceIntent, w.aliceSigns)
	if hex.EncodeToString(hash) != hex.EncodeToString(res.AppHash) {
		t.Fatalf("replayed block app hash %X, first attempt %X", hash, res.AppHash)
	}
	hs.reopen()
	if got := hs.app.store.Last(); got.Height != before.Height+1 || got.LogSize != before.LogSize+2 {
		t.Fatalf("after reopen: height %d size %d", got.Height, got.LogSize)
	}
	// InitChain again (CometBFT does this if it crashed before block 1) is harmless.
	fresh := newHarness(t, w.net)
	first := fresh.app.store.Last().AppHash
	fresh.reopen()
	r, err := fresh.app.InitChain(context.Background(), &abci.InitChainRequest{ChainId: testChain, Time: fixture.Epoch, AppStateBytes: w.net.GenesisState(t)})
	if err != nil || hex.EncodeToString(r.AppHash) != hex.EncodeToString(first) {
		t.Fatalf("InitChain twice: %X vs %X (%v)", r.AppHash, first, err)
	}
}

func TestProcessProposalRejectsBadSignature(t *testing.T) {
	w, hs := newWorld(t)
	for _, tc := range []struct {
		name string
		txs  [][]byte
		want abci.ProcessProposalStatus
	}{
		{"honest", [][]byte{w.aliceIntent}, abci.PROCESS_PROPOSAL_STATUS_ACCEPT},
		{"bad signature", [][]byte{w.aliceIntent, flipSig(t, w.bobIntent, true)}, abci.PROCESS_PROPOSAL_STATUS_REJECT},
		{"garbage", [][]byte{[]byte("x")}, abci.PROCESS_PROPOSAL_STATUS_REJECT},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := hs.app.ProcessProposal(context.Background(), &abci.ProcessProposalRequest{Txs: tc.txs, Height: hs.height + 1})
			if err != nil || r.Status != tc.want {
				t.Fatalf("status %v err %v, want %v", r.Status, err, tc.want)
			}
		})
	}
}
