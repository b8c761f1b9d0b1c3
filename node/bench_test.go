package node

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/cometbft/cometbft/abci/example/kvstore"
	cmtlog "github.com/cometbft/cometbft/libs/log"
	"github.com/cometbft/cometbft/types"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/config"
	"github.com/sealchain/sealchain/internal/testport"
	"github.com/sealchain/sealchain/node/comet"
	"github.com/sealchain/sealchain/node/nodehome"
	"github.com/sealchain/sealchain/signer"
)

func benchAddr(tb testing.TB) string {
	tb.Helper()
	a, err := testport.Free()
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

// benchNode starts a single-validator Sealchain node with a 100 ms block
// interval (the setting DESIGN.md's kvstore figures use).
func benchNode(tb testing.TB) (*Node, nodehome.Home) {
	tb.Helper()
	home := filepath.Join(tb.TempDir(), "home")
	c := config.Default()
	c.API.Listen = benchAddr(tb)
	c.Consensus.P2PListen = "tcp://" + benchAddr(tb)
	c.Consensus.RPCListen = ""
	c.Consensus.BlockInterval = config.Duration{Duration: 100 * time.Millisecond}
	c.Log.Level = "error"
	if _, err := nodehome.Init(nodehome.InitOptions{Home: home, ChainID: "bench", OrgID: "platform", OrgName: "Bench Platform",
		Role: chain.RolePlatform, Config: c}); err != nil {
		tb.Fatal(err)
	}
	n, err := New(home, withoutAPIContract("a benchmark: validation would be in the measured latency"), WithConfig(&c), WithLogger(NewLogger(discard{}, c.Log)))
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := n.Start(ctx); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { n.Stop() })
	return n, nodehome.Home(home)
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// pump broadcasts txs from workers goroutines and waits until done reports
// them all committed. It returns the elapsed time.
func pump(tb testing.TB, bc func(context.Context, types.Tx) error, txs [][]byte, done func() bool) time.Duration {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, 1)
	const workers = 8
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < len(txs); i += workers {
				if err := bc(ctx, txs[i]); err != nil {
					select {
					case errs <- err:
					default:
					}
					return
				}
			}
		}(w)
	}
	wg.Wait()
	select {
	case err := <-errs:
		tb.Fatalf("broadcast: %v", err)
	default:
	}
	for !done() {
		if ctx.Err() != nil {
			tb.Fatal("not all txs committed in time")
		}
		time.Sleep(5 * time.Millisecond)
	}
	return time.Since(start)
}

// BenchmarkSingleNodeContractSigned measures committed contract-signed
// records per second on one validator, and CometBFT's kvstore example app
// with transactions of the same size on the same settings in the same run,
// reporting the ratio.
func BenchmarkSingleNodeContractSigned(b *testing.B) {
	n, home := benchNode(b)
	ca, err := signer.LoadCA(home.CACert(), home.CAKey())
	if err != nil {
		b.Fatal(err)
	}
	sub, err := client.LoadSubmitter("bench", "platform", home.SubmitterCert(), home.SubmitterKey())
	if err != nil {
		b.Fatal(err)
	}
	k, _ := signer.GenerateKey(signer.AlgSM2, nil)
	now := time.Now().Add(-time.Hour)
	der, err := ca.Issue(k.Public(), signer.IssueOptions{SubjectRef: "sc-bench", Usage: signer.UsageSigner, NotBefore: now, NotAfter: now.AddDate(1, 0, 0)}, nil)
	if err != nil {
		b.Fatal(err)
	}
	actor := &client.Actor{Cert: chain.FingerprintOf(der), Key: k}
	verKey, err := signer.LoadPrivateKey(home.VerifierKey())
	if err != nil {
		b.Fatal(err)
	}
	verCert, _ := readCert(home.VerifierCert())
	mc := n.Comet().Client()
	bc := func(ctx context.Context, tx types.Tx) error {
		res, err := mc.BroadcastTxSync(ctx, tx)
		if err != nil {
			return err
		}
		if res.Code != 0 {
			return fmt.Errorf("CheckTx code %d: %s", res.Code, res.Log)
		}
		return nil
	}
	logSize := func(want uint64) func() bool {
		return func() bool { return n.Store().Last().LogSize >= want }
	}
	build := func(body chain.Body, a *client.Actor) []byte {
		raw, err := sub.Build(body, a)
		if err != nil {
			b.Fatal(err)
		}
		return raw
	}
	pump(b, bc, [][]byte{build(&chain.CertIssued{Cert: der}, nil)}, logSize(1))

	// Setup, untimed: b.N one-party contracts with the party's intent.
	var setup1, setup2, signs [][]byte
	for i := 0; i < b.N; i++ {
		id := fmt.Sprintf("bench-%d", i)
		doc := chain.FingerprintOf([]byte(id))
		setup1 = append(setup1, build(&chain.ContractCreated{Contract: id, DocSM3: doc[:], DocSHA256: doc[:],
			Parties: []chain.Fingerprint{actor.Cert}, Order: chain.OrderSequential}, nil))
		iv := &chain.IntentVerified{Contract: id, Signer: actor.Cert, Method: chain.IntentSMSOTP, ChallengeHash: doc[:],
			VerifiedAt: time.Now().UnixMilli(), VerifierCert: verCert}
		if iv.VerifierSig, err = verKey.Sign(nil, iv.AttestationBytes("bench")); err != nil {
			b.Fatal(err)
		}
		setup2 = append(setup2, build(iv, actor))
		signs = append(signs, build(&chain.ContractSigned{Contract: id, DocSM3: doc[:]}, actor))
	}
	base := uint64(1)
	pump(b, bc, setup1, logSize(base+uint64(b.N)))
	pump(b, bc, setup2, logSize(base+2*uint64(b.N)))
	size := len(signs[0])

	b.ResetTimer()
	elapsed := pump(b, bc, signs, logSize(base+3*uint64(b.N)))
	b.StopTimer()
	sealTPS := float64(b.N) / elapsed.Seconds()
	n.Stop()

	// Baseline: kvstore, same settings, same tx size.
	kvHome := filepath.Join(b.TempDir(), "kv")
	opts := comet.Options{Home: kvHome, Moniker: "kv", P2PListen: "tcp://" + benchAddr(b), BlockInterval: 100 * time.Millisecond,
		CreateEmptyBlocks: true, LogLevel: "none"}
	pub, _, err := comet.InitFiles(opts, false)
	if err != nil {
		b.Fatal(err)
	}
	if err := comet.WriteGenesis(kvHome, "kv-bench", time.Now(), []comet.GenesisValidator{{Name: "kv", PubKey: pub, Power: 10}}, nil); err != nil {
		b.Fatal(err)
	}
	conf, err := comet.LoadConfig(opts)
	if err != nil {
		b.Fatal(err)
	}
	kv := kvstore.NewInMemoryApplication()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := comet.Start(ctx, conf, kv, cmtlog.NewNopLogger())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Stop()
	kvTxs := make([][]byte, b.N)
	for i := range kvTxs {
		tx := fmt.Appendf(nil, "k%08d=", i)
		for len(tx) < size {
			tx = append(tx, 'v')
		}
		kvTxs[i] = tx
	}
	kc := c.Client()
	kbc := func(ctx context.Context, tx types.Tx) error {
		res, err := kc.BroadcastTxSync(ctx, tx)
		if err != nil {
			return err
		}
		if res.Code != 0 {
			return fmt.Errorf("kvstore CheckTx code %d: %s", res.Code, res.Log)
		}
		return nil
	}
	// Count committed kvstore txs from the blocks: kvstore itself is not
	// safe to query while blocks execute.
	counted, next := 0, int64(1)
	kvElapsed := pump(b, kbc, kvTxs, func() bool {
		st, err := kc.Status(context.Background())
		if err != nil {
			return false
		}
		for ; next <= st.SyncInfo.LatestBlockHeight; next++ {
			h := next
			blk, err := kc.Block(context.Background(), &h)
			if err != nil {
				return false
			}
			counted += len(blk.Block.Txs)
		}
		return counted >= b.N
	})
	kvTPS := float64(b.N) / kvElapsed.Seconds()
	b.ReportMetric(sealTPS, "records/s")
	b.ReportMetric(kvTPS, "kvstore-tx/s")
	b.ReportMetric(sealTPS/kvTPS, "ratio")
	b.ReportMetric(float64(size), "tx-bytes")
	b.Logf("N=%d tx=%dB: sealchain %.0f records/s, kvstore %.0f tx/s, ratio %.2f", b.N, size, sealTPS, kvTPS, sealTPS/kvTPS)
}

func readCert(path string) ([]byte, error) {
	pemBytes, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c, err := signer.ParseCertificatePEM(pemBytes)
	if err != nil {
		return nil, err
	}
	return c.Raw, nil
}
