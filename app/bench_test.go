package app

import (
	"context"
	"fmt"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/store"
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
