package app

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/store"
	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/internal/fixture"
	"github.com/sealchain/sealchain/signer"
)

// genesisRules is net's genesis app_state with rules_version set; version 1
// leaves it as it always was (no rules_version).
func genesisRules(t testing.TB, net *fixture.Net, version uint32) []byte {
	t.Helper()
	raw := net.GenesisState(t)
	if version == chain.InitialRulesVersion {
		return raw
	}
	var gs chain.GenesisState
	if err := json.Unmarshal(raw, &gs); err != nil {
		t.Fatal(err)
	}
	gs.RulesVersion = version
	out, err := json.Marshal(gs)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// item builds body as a batch item of w's org, signed by actor (nil: none).
func (w *world) item(t testing.TB, body chain.Body, actor *fixture.Signer) *chain.Tx {
	t.Helper()
	var a *client.Actor
	if actor != nil {
		a = actor.Actor
	}
	it, err := w.org.Submitter.BuildItem(body, a)
	if err != nil {
		t.Fatal(err)
	}
	return it
}

// itemOf is a standalone tx's item: the same record without its envelope.
func itemOf(t testing.TB, raw []byte) *chain.Tx {
	t.Helper()
	tx, err := chain.DecodeTx(raw)
	if err != nil {
		t.Fatal(err)
	}
	tx.Envelope = chain.Envelope{}
	return tx
}

// batchOf signs items as one batch of w's org.
func (w *world) batchOf(t testing.TB, items ...*chain.Tx) []byte {
	t.Helper()
	raw, err := w.org.Submitter.BuildBatch(items)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// rawBatch encodes a batch field by field, without NewBatch's checks, for
// batches no honest submitter builds.
func rawBatch(chainID string, items [][]byte, org string, cert chain.Fingerprint, sig []byte) []byte {
	var b []byte
	b = protowire.AppendTag(b, 1, protowire.VarintType)
	b = protowire.AppendVarint(b, chain.BatchVersion)
	b = protowire.AppendTag(b, 2, protowire.BytesType)
	b = protowire.AppendString(b, chainID)
	for _, it := range items {
		b = protowire.AppendTag(b, 3, protowire.BytesType)
		b = protowire.AppendBytes(b, it)
	}
	var env []byte
	env = protowire.AppendTag(env, 1, protowire.BytesType)
	env = protowire.AppendString(env, org)
	env = protowire.AppendTag(env, 2, protowire.BytesType)
	env = protowire.AppendBytes(env, cert[:])
	env = protowire.AppendTag(env, 3, protowire.BytesType)
	env = protowire.AppendBytes(env, sig)
	b = protowire.AppendTag(b, 4, protowire.BytesType)
	return protowire.AppendBytes(b, env)
}

// batchResults decodes a batch's ExecTxResult.
func batchResults(t testing.TB, r *abci.ExecTxResult) []chain.RecordResult {
	t.Helper()
	if r.Code != CodeOK {
		t.Fatalf("batch result code %d: %s", r.Code, r.Log)
	}
	rs, err := chain.DecodeBatchResult(r.Data, r.Log)
	if err != nil {
		t.Fatalf("batch result data: %v", err)
	}
	return rs
}

func (h *harness) query(path string) *abci.QueryResponse {
	h.t.Helper()
	res, err := h.app.Query(context.Background(), &abci.QueryRequest{Path: path})
	if err != nil {
		h.t.Fatal(err)
	}
	return res
}

// TestBatchCommits: a batch carrying a whole signing round commits every
// record as its own leaf in the batched form, each found by its item hash.
func TestBatchCommits(t *testing.T) {
	w, hs := newWorldRules(t, chain.BatchRulesVersion, nil)
	items := []*chain.Tx{
		itemOf(t, w.aliceIntent), itemOf(t, w.aliceSigns), itemOf(t, w.bobIntent), itemOf(t, w.bobSigns),
		w.item(t, &chain.ContractCompleted{Contract: "c-1"}, nil),
	}
	batch := w.batchOf(t, items...)
	if r := hs.checkTx(batch); r.Code != CodeOK {
		t.Fatalf("CheckTx: %d %s", r.Code, r.Log)
	}
	before := hs.app.store.Last().LogSize
	res, _ := hs.block(batch)
	rs := batchResults(t, res[0])
	if len(rs) != len(items) {
		t.Fatalf("%d record results, want %d", len(rs), len(items))
	}
	if got := hs.app.store.Last().LogSize; got != before+uint64(len(items)) {
		t.Fatalf("log size %d, want %d", got, before+uint64(len(items)))
	}
	if len(res[0].Events) != 1 || res[0].Events[0].Type != "batch" {
		t.Fatalf("events %v, want one batch event", res[0].Events)
	}
	view := hs.app.store.View()
	for i, r := range rs {
		if r.Code != CodeOK || r.Index != before+uint64(i) {
			t.Fatalf("record %d: code %d index %d (%s)", i, r.Code, r.Index, r.Log)
		}
		leaf, err := view.Entry(r.Index)
		if err != nil {
			t.Fatal(err)
		}
		en, err := chain.DecodeEntry(leaf)
		if err != nil {
			t.Fatal(err)
		}
		rec, err := chain.DecodeRecord(en.Tx)
		if err != nil {
			t.Fatalf("leaf %d: %v", r.Index, err)
		}
		if rec.Batched == nil || rec.Batched.Index != uint32(i) || rec.Batched.Size != uint32(len(items)) || !bytes.Equal(rec.Item(), items[i].Item()) {
			t.Fatalf("leaf %d is not record %d in the batched form", r.Index, i)
		}
		// The leaf alone proves the envelope signed it.
		sub, _ := signer.ParseCertificate(w.org.Submitter.Cert)
		if err := signer.Verify(sub.PublicKey, rec.EnvelopeSignBytes(), rec.Envelope.Sig); err != nil {
			t.Fatalf("leaf %d: envelope signature: %v", r.Index, err)
		}
		q := hs.query("/tx/" + items[i].ItemHash().String())
		var got map[string]uint64
		if q.Code != 0 || json.Unmarshal(q.Value, &got) != nil || got["log_index"] != r.Index {
			t.Fatalf("query item hash of record %d: code %d %s %s", i, q.Code, q.Log, q.Value)
		}
	}
	if c, _, _ := view.Contract("c-1"); c.Status != chain.StatusCompleted {
		t.Fatalf("contract %s, want completed", c.Status)
	}
	// A standalone tx under version 2 is found by its tx hash and its item hash.
	tx := w.org.Tx(t, &chain.CertIssued{Cert: w.org.Signer(t, signer.AlgSM2, time.Time{}).Cert}, nil)
	hs.mustCommit(tx)
	for _, h := range []chain.Hash{chain.TxHash(tx), itemOf(t, tx).ItemHash()} {
		if q := hs.query("/tx/" + h.String()); q.Code != 0 {
			t.Fatalf("standalone tx by %s: %s", h, q.Log)
		}
	}
}

// TestBatchRecordFailure: a record failing a state rule gets its code in
// the batch's result and writes nothing; the others commit.
func TestBatchRecordFailure(t *testing.T) {
	w, hs := newWorldRules(t, chain.BatchRulesVersion, nil)
	unknown := w.item(t, &chain.ContractSigned{Contract: "c-404", DocSM3: w.contract.DocSM3}, w.alice)
	batch := w.batchOf(t, itemOf(t, w.aliceIntent), unknown, itemOf(t, w.aliceSigns))
	if r := hs.checkTx(batch); r.Code != CodeOK {
		t.Fatalf("CheckTx: %d %s", r.Code, r.Log)
	}
	before := hs.app.store.Last().LogSize
	res, _ := hs.block(batch)
	rs := batchResults(t, res[0])
	want := []uint32{CodeOK, CodeUnknownContract, CodeOK}
	for i, r := range rs {
		if r.Code != want[i] {
			t.Fatalf("record %d: code %d (%s), want %d", i, r.Code, r.Log, want[i])
		}
	}
	if !strings.Contains(rs[1].Log, "body.contract_id") {
		t.Errorf("record 1 log %q does not name the field", rs[1].Log)
	}
	if rs[2].Index != before+1 {
		t.Errorf("record 2 at log index %d, want %d", rs[2].Index, before+1)
	}
	if got := hs.app.store.Last().LogSize; got != before+2 {
		t.Fatalf("log size %d, want %d", got, before+2)
	}
	if q := hs.query("/tx/" + unknown.ItemHash().String()); q.Code == 0 {
		t.Fatalf("the failed record is recorded")
	}
}

// TestBatchRejectedWhole: a stateless or signature failure in any record
// refuses the whole batch, naming the record, in CheckTx, ProcessProposal
// and FinalizeBlock, and the block leaves the state as an empty one would.
func TestBatchRejectedWhole(t *testing.T) {
	cases := []struct {
		name  string
		batch func(t *testing.T, w *world) []byte
		code  uint32
		field string
	}{
		{"bad actor signature", func(t *testing.T, w *world) []byte {
			bad := itemOf(t, w.aliceSigns)
			bad.Actor.Sig[len(bad.Actor.Sig)-3] ^= 1
			return w.batchOf(t, itemOf(t, w.aliceIntent), itemOf(t, w.bobIntent), bad)
		}, CodeBadSignature, "records[2].actor.sig"},
		{"bad attestation signature", func(t *testing.T, w *world) []byte {
			body := w.org.Intent(t, "c-1", w.bob)
			body.VerifierSig[len(body.VerifierSig)-3] ^= 1
			return w.batchOf(t, itemOf(t, w.aliceIntent), w.item(t, body, w.bob))
		}, CodeBadSignature, "records[1].body.verifier_sig"},
		{"unknown actor certificate", func(t *testing.T, w *world) []byte {
			stranger := w.org.Signer(t, signer.AlgSM2, time.Time{})
			return w.batchOf(t, itemOf(t, w.aliceIntent), itemOf(t, w.bobIntent),
				w.item(t, &chain.ContractSigned{Contract: "c-1", DocSM3: w.contract.DocSM3}, stranger))
		}, CodeUnknownCert, "records[2].actor.cert"},
		{"record for another chain", func(t *testing.T, w *world) []byte {
			o := *w.org.Submitter
			o.ChainID = "other-chain"
			other, err := o.BuildItem(&chain.ContractCompleted{Contract: "c-1"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			items := [][]byte{itemOf(t, w.aliceIntent).Item(), itemOf(t, w.bobIntent).Item(), other.Item()}
			return rawBatch(testChain, items, w.org.ID, chain.FingerprintOf(w.org.Submitter.Cert), []byte{1})
		}, CodeInvalidField, "records[2].chain_id"},
		{"batch for another chain", func(t *testing.T, w *world) []byte {
			o := *w.org.Submitter
			o.ChainID = "other-chain"
			it, err := o.BuildItem(&chain.ContractCompleted{Contract: "c-1"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := o.BuildBatch([]*chain.Tx{it})
			if err != nil {
				t.Fatal(err)
			}
			return raw
		}, CodeChainID, "chain_id"},
		{"bad envelope signature", func(t *testing.T, w *world) []byte {
			b, err := chain.DecodeBatch(w.batchOf(t, itemOf(t, w.aliceIntent)), nil)
			if err != nil {
				t.Fatal(err)
			}
			b.Envelope.Sig[len(b.Envelope.Sig)-3] ^= 1
			return b.Encode()
		}, CodeBadSignature, "envelope.sig"},
		{"unregistered envelope credential", func(t *testing.T, w *world) []byte {
			var fp chain.Fingerprint
			fp[0] = 1
			return rawBatch(testChain, [][]byte{itemOf(t, w.aliceIntent).Item()}, w.org.ID, fp, []byte{1})
		}, CodeUnknownCredential, "envelope.cert"},
		{"envelope by a certificate without the submitter usage", func(t *testing.T, w *world) []byte {
			// alice's signer certificate is registered to the org, but it
			// signs records, not envelopes.
			b, err := chain.NewBatch(testChain, w.org.ID, w.alice.FP, []*chain.Tx{itemOf(t, w.aliceIntent)}, func(m []byte) ([]byte, error) {
				return w.alice.Key.Sign(rand.Reader, m)
			})
			if err != nil {
				t.Fatal(err)
			}
			return b.Encode()
		}, CodeCertIssuer, "envelope.cert"},
		{"duplicate item", func(t *testing.T, w *world) []byte {
			it := itemOf(t, w.aliceIntent).Item()
			return rawBatch(testChain, [][]byte{it, it}, w.org.ID, chain.FingerprintOf(w.org.Submitter.Cert), []byte{1})
		}, CodeInvalidField, "records[1]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w, hs := newWorldRules(t, chain.BatchRulesVersion, nil)
			raw := tc.batch(t, w)
			r := hs.checkTx(raw)
			checkRejection(t, "CheckTx", r.Code, r.Codespace, r.Log, tc.code, tc.field)
			pr, err := hs.app.ProcessProposal(context.Background(), &abci.ProcessProposalRequest{Txs: [][]byte{w.complete, raw}, Height: hs.height + 1})
			if err != nil || pr.Status != abci.PROCESS_PROPOSAL_STATUS_REJECT {
				t.Fatalf("ProcessProposal %v %v, want REJECT", pr.Status, err)
			}
			empty := newWorldHash(t, hs)
			res, hash := hs.block(raw)
			checkRejection(t, "FinalizeBlock", res[0].Code, res[0].Codespace, res[0].Log, tc.code, tc.field)
			if !bytes.Equal(hash, empty) {
				t.Fatalf("a refused batch changed the state")
			}
		})
	}
}

// newWorldHash is the app hash an empty next block gives hs: finalized
// and thrown away.
func newWorldHash(t *testing.T, hs *harness) []byte {
	t.Helper()
	res := hs.finalize()
	hs.height--
	hs.time = hs.time.Add(-time.Second)
	return res.AppHash
}

// TestBatchReplay: one signed item lands once, alone or in a batch.
func TestBatchReplay(t *testing.T) {
	t.Run("standalone then batch", func(t *testing.T) {
		w, hs := newWorldRules(t, chain.BatchRulesVersion, nil)
		hs.mustCommit(w.aliceIntent)
		batch := w.batchOf(t, itemOf(t, w.bobIntent), itemOf(t, w.aliceIntent))
		r := hs.checkTx(batch)
		checkRejection(t, "CheckTx", r.Code, r.Codespace, r.Log, CodeReplay, "records[1]")
		res, _ := hs.block(batch)
		rs := batchResults(t, res[0])
		if rs[0].Code != CodeOK || rs[1].Code != CodeReplay {
			t.Fatalf("record codes %d %d, want OK and replay", rs[0].Code, rs[1].Code)
		}
	})
	t.Run("batch then standalone", func(t *testing.T) {
		w, hs := newWorldRules(t, chain.BatchRulesVersion, nil)
		hs.mustCommit(w.batchOf(t, itemOf(t, w.aliceIntent)))
		r := hs.checkTx(w.aliceIntent)
		checkRejection(t, "CheckTx", r.Code, r.Codespace, r.Log, CodeReplay, "tx")
		res, _ := hs.block(w.aliceIntent)
		checkRejection(t, "FinalizeBlock", res[0].Code, res[0].Codespace, res[0].Log, CodeReplay, "tx")
	})
	t.Run("two batches in one block", func(t *testing.T) {
		w, hs := newWorldRules(t, chain.BatchRulesVersion, nil)
		one := w.batchOf(t, itemOf(t, w.aliceIntent))
		two := w.batchOf(t, itemOf(t, w.bobIntent), itemOf(t, w.aliceIntent))
		for _, b := range [][]byte{one, two} {
			if r := hs.checkTx(b); r.Code != CodeOK {
				t.Fatalf("CheckTx: %d %s", r.Code, r.Log)
			}
		}
		before := hs.app.store.Last().LogSize
		res, _ := hs.block(one, two)
		if rs := batchResults(t, res[1]); rs[0].Code != CodeOK || rs[1].Code != CodeReplay {
			t.Fatalf("second batch: codes %d %d, want OK and replay", rs[0].Code, rs[1].Code)
		}
		if got := hs.app.store.Last().LogSize; got != before+2 {
			t.Fatalf("log size %d, want %d", got, before+2)
		}
	})
}

// TestBatchUnderRules1: before version 2 a batch is answered exactly as the
// decoder of a binary without batches answers it.
func TestBatchUnderRules1(t *testing.T) {
	w, hs := newWorld(t)
	batch := w.batchOf(t, itemOf(t, w.aliceIntent))
	_, derr := chain.DecodeTxFor(batch, nil)
	if derr == nil {
		t.Fatal("the version 1 decoder reads a batch")
	}
	want := fromDecode(derr)
	r := hs.checkTx(batch)
	if r.Code != want.Code || r.Log != want.Error() {
		t.Fatalf("CheckTx: %d %q, want %d %q", r.Code, r.Log, want.Code, want.Error())
	}
	pr, err := hs.app.ProcessProposal(context.Background(), &abci.ProcessProposalRequest{Txs: [][]byte{batch}, Height: hs.height + 1})
	if err != nil || pr.Status != abci.PROCESS_PROPOSAL_STATUS_REJECT {
		t.Fatalf("ProcessProposal %v %v", pr.Status, err)
	}
	res, _ := hs.block(batch)
	if res[0].Code != want.Code || res[0].Log != want.Error() {
		t.Fatalf("FinalizeBlock: %d %q", res[0].Code, res[0].Log)
	}
	// Under version 1 the replay key is the tx hash only, as before.
	hs.mustCommit(w.aliceIntent)
	if q := hs.query("/tx/" + itemOf(t, w.aliceIntent).ItemHash().String()); q.Code == 0 {
		t.Fatal("under rules 1 a tx is keyed by its item hash")
	}
}

// TestBatchDeterminism: two apps fed the same blocks of batches, under
// different GOMAXPROCS, agree on the app hash and results at every height.
func TestBatchDeterminism(t *testing.T) {
	net := fixture.New(t, testChain)
	w := &world{net: net, org: net.Orgs[0]}
	signers := make([]*fixture.Signer, 6)
	var certs []*chain.Tx
	for i := range signers {
		alg := signer.AlgSM2
		if i%2 == 1 {
			alg = signer.AlgECDSAP256
		}
		signers[i] = w.org.Signer(t, alg, time.Time{})
		certs = append(certs, w.item(t, &chain.CertIssued{Cert: signers[i].Cert}, nil))
	}
	blocks := [][][]byte{{w.batchOf(t, certs...)}}
	for c := 0; c < 6; c++ {
		id := fmt.Sprintf("c-%d", c)
		a, b := signers[c], signers[(c+1)%6]
		cc := fixture.Contract(id, "doc "+id, chain.SigningOrder(1+c%2), a, b)
		blocks = append(blocks,
			[][]byte{w.org.Tx(t, cc, nil), []byte("garbage")},
			[][]byte{w.batchOf(t, w.item(t, w.org.Intent(t, id, a), a), w.item(t, w.org.Intent(t, id, b), b),
				w.item(t, &chain.ContractSigned{Contract: id, DocSM3: cc.DocSM3}, b), // rejected when sequential
				w.item(t, &chain.ContractSigned{Contract: id, DocSM3: cc.DocSM3}, a))},
		)
	}
	genesis := genesisRules(t, net, chain.BatchRulesVersion)
	one, two := newHarnessGenesis(t, genesis), newHarnessGenesis(t, genesis)
	prev := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(prev)
	for i, txs := range blocks {
		runtime.GOMAXPROCS(1)
		r1, h1 := one.block(txs...)
		runtime.GOMAXPROCS(max(2, prev))
		r2, h2 := two.block(txs...)
		if !bytes.Equal(h1, h2) {
			t.Fatalf("block %d: app hashes differ: %X vs %X", i+1, h1, h2)
		}
		for j := range r1 {
			if r1[j].Code != r2[j].Code || !bytes.Equal(r1[j].Data, r2[j].Data) {
				t.Fatalf("block %d tx %d: results differ", i+1, j)
			}
		}
	}
	if n := one.app.store.Last().LogSize; n < 24 {
		t.Fatalf("only %d records appended; the test exercises too little", n)
	}
}

// TestGenesisRulesVersion: a genesis with rules_version 2 batches from
// height 1; one without it, or with 1, gives the app hash it always gave;
// one the binary does not support is refused.
func TestGenesisRulesVersion(t *testing.T) {
	net := fixture.New(t, testChain)
	w := &world{net: net, org: net.Orgs[0]}
	hs := newHarnessGenesis(t, genesisRules(t, net, chain.BatchRulesVersion))
	if v, err := hs.app.nextRulesVersion(hs.app.store.View()); err != nil || v != chain.BatchRulesVersion {
		t.Fatalf("rules version for height 1: %d %v", v, err)
	}
	alice := w.org.Signer(t, signer.AlgSM2, time.Time{})
	hs.mustCommit(w.batchOf(t, w.item(t, &chain.CertIssued{Cert: alice.Cert}, nil)))
	if hs.height != 1 || hs.app.store.Last().LogSize != 1 {
		t.Fatalf("height %d size %d", hs.height, hs.app.store.Last().LogSize)
	}
	st, err := hs.app.upgradeStatus()
	if err != nil || st.Version != chain.BatchRulesVersion {
		t.Fatalf("upgrade status %+v %v", st, err)
	}

	init := func(appState []byte) ([]byte, error) {
		h := &harness{t: t, dir: t.TempDir()}
		h.open()
		r, err := h.app.InitChain(context.Background(), &abci.InitChainRequest{ChainId: testChain, Time: fixture.Epoch, AppStateBytes: appState, InitialHeight: 1})
		if err != nil {
			return nil, err
		}
		return r.AppHash, nil
	}
	plain, err := init(net.GenesisState(t))
	if err != nil {
		t.Fatal(err)
	}
	var gs chain.GenesisState
	json.Unmarshal(net.GenesisState(t), &gs)
	gs.RulesVersion = 1
	explicit, _ := json.Marshal(gs)
	if h, err := init(explicit); err != nil || !bytes.Equal(h, plain) {
		t.Fatalf("rules_version 1: app hash %X (%v), without it %X", h, err, plain)
	}
	if h, err := init(genesisRules(t, net, 2)); err != nil || bytes.Equal(h, plain) {
		t.Fatalf("rules_version 2: app hash %X (%v) should differ from version 1's", h, err)
	}
	if _, err := init(genesisRules(t, net, 9)); err == nil || !strings.Contains(err.Error(), "rules_version 9") {
		t.Fatalf("unsupported rules_version: %v", err)
	}
}

// TestSnapshotRestoreBatches: a snapshot of a chain under rules version 2,
// with batched records (one replay guard each, by item hash) and standalone
// txs (two each), restores, and the restored node refuses their replay.
func TestSnapshotRestoreBatches(t *testing.T) {
	ctx := context.Background()
	net := fixture.New(t, testChain)
	w := &world{net: net, org: net.Orgs[0]}
	src := newHarnessGenesis(t, genesisRules(t, net, chain.BatchRulesVersion))
	a, err := New(src.app.store, testChain, WithSnapshots(t.TempDir(), 3), WithSnapshotChunkSize(4<<10))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.StopSnapshots)
	src.app = a
	alice := w.org.Signer(t, signer.AlgSM2, time.Time{})
	src.mustCommit(w.org.Tx(t, &chain.CertIssued{Cert: alice.Cert}, nil))
	var items []*chain.Tx
	for src.height < 3 {
		var batch []*chain.Tx
		for i := range 10 {
			id := fmt.Sprintf("c-%d-%d", src.height, i)
			batch = append(batch, w.item(t, fixture.Contract(id, id, chain.OrderSequential, alice), nil))
		}
		items = append(items, batch...)
		src.mustCommit(w.batchOf(t, batch...), w.org.Tx(t, fixture.Contract(fmt.Sprintf("s-%d", src.height), "s", chain.OrderSequential, alice), nil))
		src.app.WaitSnapshots()
	}
	list, err := src.app.ListSnapshots(ctx, &abci.ListSnapshotsRequest{})
	if err != nil || len(list.Snapshots) == 0 || list.Snapshots[0].Height != 3 {
		t.Fatalf("ListSnapshots: %v %v", list, err)
	}
	snap := list.Snapshots[0]
	dst := emptyApp(t)
	if r, err := dst.OfferSnapshot(ctx, &abci.OfferSnapshotRequest{Snapshot: snap, AppHash: src.app.store.Last().AppHash}); err != nil || r.Result != abci.OFFER_SNAPSHOT_RESULT_ACCEPT {
		t.Fatalf("offer: %v %v", r, err)
	}
	for i := range snap.Chunks {
		c, err := src.app.LoadSnapshotChunk(ctx, &abci.LoadSnapshotChunkRequest{Height: snap.Height, Format: snap.Format, Chunk: i})
		if err != nil {
			t.Fatal(err)
		}
		r, err := dst.ApplySnapshotChunk(ctx, &abci.ApplySnapshotChunkRequest{Index: i, Chunk: c.Chunk, Sender: "peer"})
		if err != nil || r.Result != abci.APPLY_SNAPSHOT_CHUNK_RESULT_ACCEPT {
			t.Fatalf("chunk %d: %v %v", i, r, err)
		}
	}
	if got := dst.store.Last(); got.Height != 3 || !bytes.Equal(got.AppHash, src.app.store.Last().AppHash) {
		t.Fatalf("restored at %d %X", got.Height, got.AppHash)
	}
	r, err := dst.CheckTx(ctx, &abci.CheckTxRequest{Tx: w.batchOf(t, items[3])})
	if err != nil || r.Code != CodeReplay {
		t.Fatalf("replayed item on the restored node: %v %v", r, err)
	}
}

// TestBatchSizeLimits: a batch is bounded by chain.MaxBatchBytes, not by
// the node's standalone limit (WithMaxTxBytes), which still bounds a
// standalone tx.
func TestBatchSizeLimits(t *testing.T) {
	net := fixture.New(t, testChain)
	w := &world{net: net, org: net.Orgs[0]}
	st, err := store.Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	const limit = 4096
	a, err := New(st, testChain, WithMaxTxBytes(limit))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := a.InitChain(ctx, &abci.InitChainRequest{ChainId: testChain, Time: fixture.Epoch, AppStateBytes: genesisRules(t, net, chain.BatchRulesVersion)}); err != nil {
		t.Fatal(err)
	}
	var items []*chain.Tx
	for range 20 {
		items = append(items, w.item(t, &chain.CertIssued{Cert: w.org.Signer(t, signer.AlgSM2, time.Time{}).Cert}, nil))
	}
	batch := w.batchOf(t, items...)
	if len(batch) <= limit {
		t.Fatalf("batch of %d bytes: the test needs one above %d", len(batch), limit)
	}
	oversized := make([]byte, chain.MaxBatchBytes+1)
	oversized[0], oversized[1] = 0x08, chain.BatchVersion // field 1 (version), varint
	for _, tc := range []struct {
		name  string
		tx    []byte
		code  uint32
		field string
	}{
		{"batch above the standalone limit", batch, CodeOK, ""},
		{"standalone tx above the limit", make([]byte, limit+1), CodeTooLarge, "tx"},
		{"batch above MaxBatchBytes", oversized, CodeTooLarge, "batch"},
	} {
		r, err := a.CheckTx(ctx, &abci.CheckTxRequest{Tx: tc.tx})
		if err != nil {
			t.Fatal(err)
		}
		if tc.code == CodeOK {
			if r.Code != CodeOK {
				t.Errorf("%s: code %d %s", tc.name, r.Code, r.Log)
			}
			continue
		}
		checkRejection(t, tc.name, r.Code, r.Codespace, r.Log, tc.code, tc.field)
	}
}

// TestBatchFromUpgradeHeight: on a chain that started under version 1, a
// plan to version 2 makes batches valid exactly from its height: before
// it, a batch is refused as a binary without batches refuses it; CheckTx
// and ProcessProposal for the height admit it; and the chain replays on a
// fresh binary to the same app hashes.
func TestBatchFromUpgradeHeight(t *testing.T) {
	net := fixture.New(t, testChain, fixture.Role{ID: "court", Role: chain.RoleCourt})
	w := &world{net: net, org: net.Orgs[0]}
	c := newUpgradeChain(t, net)
	ctx := context.Background()
	batch := w.batchOf(t, w.item(t, &chain.CertIssued{Cert: w.org.Signer(t, signer.AlgSM2, time.Time{}).Cert}, nil),
		w.item(t, &chain.CertIssued{Cert: w.org.Signer(t, signer.AlgSM2, time.Time{}).Cert}, nil))
	_, derr := chain.DecodeTxFor(batch, nil)
	v1 := fromDecode(derr)

	c.block()
	const H = 2 + chain.MinUpgradeDelay // decided in block 2
	c.one("schedule version 2", w.org.Tx(t, upgradeProposal("up", chain.ProposalScheduleUpgrade, chain.BatchRulesVersion, H, "v2-batch"), nil), CodeOK, "")
	for int64(len(c.blocks)) < H-2 {
		c.block()
	}
	if r, _ := c.app.CheckTx(ctx, &abci.CheckTxRequest{Tx: batch}); r.Code != v1.Code {
		t.Fatalf("CheckTx for H-1: code %d %s, want %d", r.Code, r.Log, v1.Code)
	}
	c.one("batch at H-1", batch, v1.Code, v1.Field)
	if r, _ := c.app.CheckTx(ctx, &abci.CheckTxRequest{Tx: batch}); r.Code != CodeOK {
		t.Fatalf("CheckTx for H: code %d %s", r.Code, r.Log)
	}
	if r, _ := c.app.ProcessProposal(ctx, &abci.ProcessProposalRequest{Txs: [][]byte{batch}, Height: H}); r.Status != abci.PROCESS_PROPOSAL_STATUS_ACCEPT {
		t.Fatalf("ProcessProposal at H: %v", r.Status)
	}
	res := c.block(batch)
	for i, r := range batchResults(t, res[0]) {
		if r.Code != CodeOK {
			t.Fatalf("record %d at H: %d %s", i, r.Code, r.Log)
		}
	}
	if h, err := c.replayOn(newUpgradeApp(t, nil)); err != nil {
		t.Fatalf("replay stopped at %d: %v", h, err)
	}
}

// TestBatchRecheck: the mempool's recheck of an admitted batch (its
// cached path) refuses it once one of its records is committed, or once
// its envelope credential is revoked, as a fresh CheckTx would.
func TestBatchRecheck(t *testing.T) {
	w, hs := newWorldRules(t, chain.BatchRulesVersion, nil)
	fresh := newCredential(t, w.org, nil)
	hs.mustCommit(w.org.Tx(t, &chain.CertIssued{Cert: fresh.Cert}, nil))
	recheck := func(tx []byte) *abci.CheckTxResponse {
		t.Helper()
		r, err := hs.app.CheckTx(context.Background(), &abci.CheckTxRequest{Tx: tx, Type: abci.CHECK_TX_TYPE_RECHECK})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	batch := w.batchOf(t, itemOf(t, w.aliceIntent), itemOf(t, w.bobIntent))
	other, err := fresh.BuildBatch([]*chain.Tx{w.item(t, &chain.ContractCompleted{Contract: "c-1"}, nil)})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range [][]byte{batch, other} {
		if r := hs.checkTx(b); r.Code != CodeOK {
			t.Fatalf("CheckTx: %d %s", r.Code, r.Log)
		}
		if r := recheck(b); r.Code != CodeOK {
			t.Fatalf("recheck: %d %s", r.Code, r.Log)
		}
	}
	hs.mustCommit(w.bobIntent, w.org.Tx(t, &chain.CertRevoked{Cert: chain.FingerprintOf(fresh.Cert), Reason: chain.ReasonKeyCompromise}, nil))
	for _, tc := range []struct {
		name  string
		tx    []byte
		code  uint32
		field string
	}{
		{"a record committed", batch, CodeReplay, "records[1]"},
		{"envelope credential revoked", other, CodeCertRevoked, "envelope.cert"},
	} {
		r := recheck(tc.tx)
		checkRejection(t, tc.name+" (recheck)", r.Code, r.Codespace, r.Log, tc.code, tc.field)
		r = hs.checkTx(tc.tx)
		checkRejection(t, tc.name+" (check)", r.Code, r.Codespace, r.Log, tc.code, tc.field)
	}
}

// TestBatchPreverify: the batches of a proposal this node never saw in
// its mempool are verified once, by ProcessProposal (preverify, then its
// serial pass), so FinalizeBlock finds them in the cache.
func TestBatchPreverify(t *testing.T) {
	w, hs := newWorldRules(t, chain.BatchRulesVersion, nil)
	one := w.batchOf(t, itemOf(t, w.aliceIntent))
	two := w.batchOf(t, itemOf(t, w.bobIntent))
	r, err := hs.app.ProcessProposal(context.Background(), &abci.ProcessProposalRequest{Txs: [][]byte{one, two}, Height: hs.height + 1})
	if err != nil || r.Status != abci.PROCESS_PROPOSAL_STATUS_ACCEPT {
		t.Fatalf("ProcessProposal %v %v", r.Status, err)
	}
	for i, b := range [][]byte{one, two} {
		if _, ok := hs.app.ver.verified.get(chain.TxHash(b)); !ok {
			t.Errorf("batch %d is not in the verification cache", i)
		}
	}
}

// TestBatchItemCache: the records of a refused batch whose signatures
// verified are not verified again when they come in another batch; the
// record that failed is.
func TestBatchItemCache(t *testing.T) {
	w, hs := newWorldRules(t, chain.BatchRulesVersion, nil)
	bad := itemOf(t, w.aliceSigns)
	bad.Actor.Sig[len(bad.Actor.Sig)-3] ^= 1
	good := []*chain.Tx{itemOf(t, w.aliceIntent), itemOf(t, w.bobIntent)}
	r := hs.checkTx(w.batchOf(t, good[0], good[1], bad))
	checkRejection(t, "CheckTx", r.Code, r.Codespace, r.Log, CodeBadSignature, "records[2].actor.sig")
	for i, it := range good {
		if _, ok := hs.app.ver.items.get(it.ItemHash()); !ok {
			t.Errorf("record %d verified but not remembered", i)
		}
	}
	if _, ok := hs.app.ver.items.get(bad.ItemHash()); ok {
		t.Fatal("the record that failed is remembered")
	}
	// The bad record again, behind the good ones: still refused.
	r = hs.checkTx(w.batchOf(t, good[1], good[0], bad))
	checkRejection(t, "CheckTx again", r.Code, r.Codespace, r.Log, CodeBadSignature, "records[2].actor.sig")
	if r := hs.checkTx(w.batchOf(t, good...)); r.Code != CodeOK {
		t.Fatalf("re-sent records: %d %s", r.Code, r.Log)
	}
}

// TestBatchRevocationInsideBatch: a record that revokes a certificate
// changes what the later records of the same batch resolve to, exactly as
// consecutive standalone txs: alice's intent after her certificate's
// revocation in the same batch is refused, bob's is not. (The app reuses a
// batch's resolved signers only until a record writes certificates.)
func TestBatchRevocationInsideBatch(t *testing.T) {
	w, hs := newWorldRules(t, chain.BatchRulesVersion, nil)
	revoke := w.item(t, &chain.CertRevoked{Cert: w.alice.FP, Reason: chain.ReasonKeyCompromise}, nil)
	batch := w.batchOf(t, itemOf(t, w.bobIntent), revoke, itemOf(t, w.aliceIntent))
	if r := hs.checkTx(batch); r.Code != CodeOK {
		t.Fatalf("CheckTx: %d %s", r.Code, r.Log)
	}
	res, _ := hs.block(batch)
	rs := batchResults(t, res[0])
	want := []uint32{CodeOK, CodeOK, CodeCertRevoked}
	for i, r := range rs {
		if r.Code != want[i] {
			t.Fatalf("record %d: code %d (%s), want %d", i, r.Code, r.Log, want[i])
		}
	}
	if !strings.Contains(rs[2].Log, "actor.cert") {
		t.Errorf("record 2 log %q does not name actor.cert", rs[2].Log)
	}
}

// TestMaxTxBytesIsMempoolPolicy: a node's configured limit (WithMaxTxBytes)
// bounds what its CheckTx admits, never how it judges a block: a validator
// with a lower limit accepts the proposal and commits the tx to the same
// app hash as one with the consensus limit.
func TestMaxTxBytesIsMempoolPolicy(t *testing.T) {
	net := fixture.New(t, testChain)
	w := &world{net: net, org: net.Orgs[0]}
	alice := w.org.Signer(t, signer.AlgSM2, time.Time{})
	genesis := net.GenesisState(t)
	wide, narrow := newHarnessGenesis(t, genesis), newHarnessGenesis(t, genesis)
	const limit = 600
	small, err := New(narrow.app.store, testChain, WithMaxTxBytes(limit))
	if err != nil {
		t.Fatal(err)
	}
	narrow.app = small
	tx := w.org.Tx(t, &chain.CertIssued{Cert: alice.Cert}, nil)
	if len(tx) <= limit {
		t.Fatalf("tx of %d bytes: the test needs one above %d", len(tx), limit)
	}
	r := narrow.checkTx(tx)
	checkRejection(t, "CheckTx", r.Code, r.Codespace, r.Log, CodeTooLarge, "tx")
	pr, err := narrow.app.ProcessProposal(context.Background(), &abci.ProcessProposalRequest{Txs: [][]byte{tx}, Height: narrow.height + 1})
	if err != nil || pr.Status != abci.PROCESS_PROPOSAL_STATUS_ACCEPT {
		t.Fatalf("ProcessProposal %v %v, want ACCEPT", pr.Status, err)
	}
	r1, h1 := wide.block(tx)
	r2, h2 := narrow.block(tx)
	if r1[0].Code != CodeOK || r2[0].Code != CodeOK || !bytes.Equal(h1, h2) {
		t.Fatalf("codes %d and %d, app hashes %X and %X: want both committed alike", r1[0].Code, r2[0].Code, h1, h2)
	}
}

// TestBatchCacheBounded: the decoded-batch cache holds at most its byte
// budget, evicting the oldest, and never a batch larger than the budget;
// a batch that fails its checks is not kept.
func TestBatchCacheBounded(t *testing.T) {
	c := newBatchCache(100)
	h := func(i byte) chain.Hash { return chain.Hash{i} }
	for i := byte(1); i <= 5; i++ {
		c.put(h(i), &decodedBatch{}, 30)
	}
	if c.bytes > 100 || len(c.m) != 3 {
		t.Fatalf("%d bytes in %d entries, want ≤ 100 in 3", c.bytes, len(c.m))
	}
	if _, ok := c.get(h(2)); ok {
		t.Fatal("the oldest entries were not evicted")
	}
	if _, ok := c.get(h(5)); !ok {
		t.Fatal("the newest entry is missing")
	}
	c.put(h(9), &decodedBatch{}, 101)
	if _, ok := c.get(h(9)); ok {
		t.Fatal("an entry above the budget was kept")
	}

	w, hs := newWorldRules(t, chain.BatchRulesVersion, nil)
	bad := itemOf(t, w.aliceSigns)
	bad.Actor.Sig[len(bad.Actor.Sig)-3] ^= 1
	refused := w.batchOf(t, itemOf(t, w.aliceIntent), bad)
	if r := hs.checkTx(refused); r.Code == CodeOK {
		t.Fatal("a batch with a bad signature was admitted")
	}
	if _, ok := hs.app.ver.batches.get(chain.TxHash(refused)); ok {
		t.Fatal("a refused batch is cached")
	}
	good := w.batchOf(t, itemOf(t, w.aliceIntent))
	if r := hs.checkTx(good); r.Code != CodeOK {
		t.Fatalf("CheckTx: %d %s", r.Code, r.Log)
	}
	if _, ok := hs.app.ver.batches.get(chain.TxHash(good)); !ok {
		t.Fatal("an admitted batch is not cached")
	}
}
