package app

import (
	"context"
	"fmt"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/store"
	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/internal/fixture"
	"github.com/sealchain/sealchain/signer"
)

// BenchmarkContractSigned measures, per contract-signed tx, CheckTx (cold
// signature cache) and FinalizeBlock+Commit (warm cache, blocks of 500), and
// as a baseline in the same run the bare cost of the tx's two signature
// verifications, printing the ratios.
func BenchmarkContractSigned(b *testing.B) {
	net := fixture.New(b, testChain)
	org := net.Orgs[0]
	alice := org.Signer(b, signer.AlgSM2, time.Time{})
	store, err := store.Open(b.TempDir(), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	a, err := New(store, testChain)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := a.InitChain(ctx, &abci.InitChainRequest{ChainId: testChain, Time: fixture.Epoch, AppStateBytes: net.GenesisState(b)}); err != nil {
		b.Fatal(err)
	}
	height := int64(0)
	block := func(txs [][]byte) {
		for len(txs) > 0 {
			n := min(500, len(txs))
			height++
			res, err := a.FinalizeBlock(ctx, &abci.FinalizeBlockRequest{Height: height, Time: fixture.Epoch.Add(time.Duration(height) * time.Second), Txs: txs[:n]})
			if err != nil {
				b.Fatal(err)
			}
			for i, r := range res.TxResults {
				if r.Code != 0 {
					b.Fatalf("tx %d: %d %s", i, r.Code, r.Log)
				}
			}
			if _, err := a.Commit(ctx, &abci.CommitRequest{}); err != nil {
				b.Fatal(err)
			}
			txs = txs[n:]
		}
	}
	block([][]byte{org.Tx(b, &chain.CertIssued{Cert: alice.Cert}, nil)})
	var creates, intents, signs [][]byte
	for i := 0; i < b.N; i++ {
		id := fmt.Sprintf("b-%d", i)
		c := fixture.Contract(id, id, chain.OrderSequential, alice)
		creates = append(creates, org.Tx(b, c, nil))
		intents = append(intents, org.Tx(b, org.Intent(b, id, alice), alice))
		signs = append(signs, org.Tx(b, &chain.ContractSigned{Contract: id, DocSM3: c.DocSM3}, alice))
	}
	for _, tx := range append(append([][]byte{}, creates...), intents...) {
		a.CheckTx(ctx, &abci.CheckTxRequest{Tx: tx}) // warm the cache so the profile shows only the timed phase's crypto
	}
	block(creates)
	block(intents)

	b.ResetTimer()
	start := time.Now()
	for _, tx := range signs {
		if r, _ := a.CheckTx(ctx, &abci.CheckTxRequest{Tx: tx}); r.Code != 0 {
			b.Fatalf("CheckTx %d %s", r.Code, r.Log)
		}
	}
	check := time.Since(start)
	start = time.Now()
	block(signs)
	fin := time.Since(start)
	b.StopTimer()

	// Baseline: the two signature verifications of each tx, nothing else.
	start = time.Now()
	for _, raw := range signs {
		tx, _ := chain.DecodeTx(raw)
		sub, _ := signer.ParseCertificate(tx.Envelope.Cert)
		act, _ := signer.ParseCertificate(alice.Cert)
		if signer.Verify(act.PublicKey, tx.ActorSignBytes(), tx.Actor.Sig) != nil || signer.Verify(sub.PublicKey, tx.EnvelopeSignBytes(), tx.Envelope.Sig) != nil {
			b.Fatal("baseline verify failed")
		}
	}
	base := time.Since(start)
	n := float64(b.N)
	b.ReportMetric(float64(check.Nanoseconds())/n, "checktx-ns/tx")
	b.ReportMetric(float64(fin.Nanoseconds())/n, "finalize-ns/tx")
	b.ReportMetric(float64(base.Nanoseconds())/n, "2verify-ns/tx")
	b.ReportMetric(float64(check)/float64(base), "checktx/verify")
	b.ReportMetric(float64(fin)/float64(base), "finalize/verify")
	b.ReportMetric(n/(check+fin).Seconds(), "tx/s-1core")
}

// benchChain is an app under rules version 2 with a registered signer, for
// the batch benchmarks.
type benchChain struct {
	b      *testing.B
	a      *App
	org    *fixture.Org
	alice  *fixture.Signer
	height int64
}

func newBenchChain(b *testing.B) *benchChain {
	net := fixture.New(b, testChain)
	st, err := store.Open(b.TempDir(), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	a, err := New(st, testChain)
	if err != nil {
		b.Fatal(err)
	}
	c := &benchChain{b: b, a: a, org: net.Orgs[0], alice: net.Orgs[0].Signer(b, signer.AlgSM2, time.Time{})}
	if _, err := a.InitChain(context.Background(), &abci.InitChainRequest{ChainId: testChain, Time: fixture.Epoch,
		AppStateBytes: genesisRules(b, net, chain.BatchRulesVersion)}); err != nil {
		b.Fatal(err)
	}
	c.block(c.org.Tx(b, &chain.CertIssued{Cert: c.alice.Cert}, nil))
	return c
}

// block finalizes and commits txs, every tx and record accepted.
func (c *benchChain) block(txs ...[]byte) {
	ctx := context.Background()
	c.height++
	res, err := c.a.FinalizeBlock(ctx, &abci.FinalizeBlockRequest{Height: c.height, Time: fixture.Epoch.Add(time.Duration(c.height) * time.Second), Txs: txs})
	if err != nil {
		c.b.Fatal(err)
	}
	for i, r := range res.TxResults {
		if r.Code != 0 {
			c.b.Fatalf("tx %d: %d %s", i, r.Code, r.Log)
		}
		if rs, err := chain.DecodeBatchResult(r.Data, r.Log); err == nil {
			for j, rr := range rs {
				if rr.Code != 0 {
					c.b.Fatalf("tx %d record %d: %d %s", i, j, rr.Code, rr.Log)
				}
			}
		}
	}
	if _, err := c.a.Commit(ctx, &abci.CommitRequest{}); err != nil {
		c.b.Fatal(err)
	}
}

func (c *benchChain) checkTx(tx []byte) {
	if r, _ := c.a.CheckTx(context.Background(), &abci.CheckTxRequest{Tx: tx}); r.Code != 0 {
		c.b.Fatalf("CheckTx %d %s", r.Code, r.Log)
	}
}

// records builds n records of kind as items and as standalone txs (each
// item signed once: the standalone tx is the item with an envelope).
func (c *benchChain) records(n int, body func(i int) (chain.Body, *fixture.Signer)) (items []*chain.Tx, txs [][]byte) {
	for i := range n {
		bd, s := body(i)
		var actor *client.Actor
		if s != nil {
			actor = s.Actor
		}
		it, err := c.org.Submitter.BuildItem(bd, actor)
		if err != nil {
			c.b.Fatal(err)
		}
		items = append(items, it)
		tx := *it
		tx.Envelope = chain.Envelope{Org: c.org.ID, Cert: c.org.Submitter.Cert}
		sig, err := c.org.Submitter.Key.Sign(nil, tx.EnvelopeSignBytes())
		if err != nil {
			c.b.Fatal(err)
		}
		tx.Envelope.Sig = sig
		txs = append(txs, tx.Encode())
	}
	return items, txs
}

// BenchmarkBatchCheckTx measures CheckTx of a worst-case batch: 1,000
// intent_verified records, each with an actor signature and a verifier's
// attestation (two verifications a record, plus the envelope once), with
// a cold signature cache; and as the baseline in the same run, CheckTx of
// the same records sent one by one.
func BenchmarkBatchCheckTx(b *testing.B) {
	c := newBenchChain(b)
	var batchT, singleT, verifyT, recheckT time.Duration
	var size int
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		items, txs := c.records(chain.MaxBatchRecords, func(j int) (chain.Body, *fixture.Signer) {
			return c.org.Intent(b, fmt.Sprintf("k-%d-%d", i, j), c.alice), c.alice
		})
		raw, err := c.org.Submitter.BuildBatch(items)
		if err != nil {
			b.Fatal(err)
		}
		size = len(raw)
		b.StartTimer()
		start := time.Now()
		c.checkTx(raw)
		batchT += time.Since(start)
		b.StopTimer()
		// Again, as the mempool's recheck after a block does: verified.
		start = time.Now()
		if r, _ := c.a.CheckTx(context.Background(), &abci.CheckTxRequest{Tx: raw, Type: abci.CHECK_TX_TYPE_RECHECK}); r.Code != 0 {
			b.Fatalf("recheck %d %s", r.Code, r.Log)
		}
		recheckT += time.Since(start)
		start = time.Now()
		for _, tx := range txs {
			c.checkTx(tx)
		}
		singleT += time.Since(start)
		// The bare verifications, one core: actor and attestation per
		// record, the envelope once.
		start = time.Now()
		bt, err := chain.DecodeBatch(raw, nil)
		if err != nil {
			b.Fatal(err)
		}
		sub, _ := signer.ParseCertificate(c.org.Submitter.Cert)
		act, _ := signer.ParseCertificate(c.alice.Cert)
		ok := signer.Verify(sub.PublicKey, bt.SignBytes(), bt.Envelope.Sig) == nil
		for _, it := range bt.Items {
			att := attestationOf(it)
			ver, _ := signer.ParseCertificate(att.VerifierCert)
			ok = ok && signer.Verify(act.PublicKey, it.ActorSignBytes(), it.Actor.Sig) == nil && signer.Verify(ver.PublicKey, att.Signed, att.Sig) == nil
		}
		if !ok {
			b.Fatal("baseline verify failed")
		}
		verifyT += time.Since(start)
		b.StartTimer()
	}
	n := float64(b.N)
	b.ReportMetric(float64(verifyT.Milliseconds())/n, "serial-verify-ms")
	b.ReportMetric(float64(batchT)/float64(verifyT), "batch/serial-verify")
	b.ReportMetric(float64(batchT.Milliseconds())/n, "batch-checktx-ms")
	b.ReportMetric(float64(recheckT.Microseconds())/n/1000, "batch-recheck-ms")
	b.ReportMetric(float64(batchT.Nanoseconds())/n/chain.MaxBatchRecords, "batch-ns/record")
	b.ReportMetric(float64(singleT.Nanoseconds())/n/chain.MaxBatchRecords, "single-ns/record")
	b.ReportMetric(float64(batchT)/float64(singleT), "batch/single")
	b.ReportMetric(float64(size), "batch-bytes")
}

// BenchmarkFinalizeBatch measures FinalizeBlock+Commit per record of
// contract_created records (signatures already verified, as after CheckTx):
// blocks of one 1,000-record batch, and as the baseline in the same run
// blocks of the same records as 1,000 standalone txs.
func BenchmarkFinalizeBatch(b *testing.B) {
	c := newBenchChain(b)
	var batchT, singleT time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		contract := func(prefix string) func(int) (chain.Body, *fixture.Signer) {
			return func(j int) (chain.Body, *fixture.Signer) {
				id := fmt.Sprintf("%s-%d-%d", prefix, i, j)
				return fixture.Contract(id, id, chain.OrderSequential, c.alice), nil
			}
		}
		items, _ := c.records(chain.MaxBatchRecords, contract("b"))
		_, txs := c.records(chain.MaxBatchRecords, contract("s"))
		raw, err := c.org.Submitter.BuildBatch(items)
		if err != nil {
			b.Fatal(err)
		}
		c.checkTx(raw)
		for _, tx := range txs {
			c.checkTx(tx)
		}
		b.StartTimer()
		start := time.Now()
		c.block(raw)
		batchT += time.Since(start)
		b.StopTimer()
		start = time.Now()
		c.block(txs...)
		singleT += time.Since(start)
		b.StartTimer()
	}
	n := float64(b.N) * chain.MaxBatchRecords
	b.ReportMetric(float64(batchT.Nanoseconds())/n, "batch-finalize-ns/record")
	b.ReportMetric(float64(singleT.Nanoseconds())/n, "single-finalize-ns/record")
	b.ReportMetric(float64(batchT)/float64(singleT), "batch/single")
}
