package node

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/store"
	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/config"
	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/internal/nodetest"
	"github.com/sealchain/sealchain/node/comet"
	"github.com/sealchain/sealchain/node/nodehome"
	"github.com/sealchain/sealchain/signer"
)

const ssChainID = "sealchain-statesync"

// ssRecords is how many records TestStateSyncJoin fills the network with:
// SEALCHAIN_STATESYNC_RECORDS (e.g. 100000 for the full-size run), else 3000.
func ssRecords(t *testing.T) int {
	t.Helper()
	if v := os.Getenv("SEALCHAIN_STATESYNC_RECORDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 10 {
			t.Fatalf("SEALCHAIN_STATESYNC_RECORDS=%q: want a number of records (at least 10)", v)
		}
		return n
	}
	return 3000
}

func ssConfig(t *testing.T) config.Config {
	t.Helper()
	c := config.Default()
	c.API.Listen = itFreeHostPort(t)
	c.Consensus.P2PListen = nodetest.CometAddr(t)
	c.Consensus.RPCListen = nodetest.CometAddr(t)
	c.Consensus.BlockInterval = config.Duration{Duration: 100 * time.Millisecond}
	c.Consensus.LocalNetwork = true
	c.Log.Level = "error"
	return c
}

func ssStart(ctx context.Context, t *testing.T, home string) *Node {
	t.Helper()
	n, err := New(home, apiContract(t))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if err := n.Start(ctx); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := n.Stop(); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return n
}

// TestStateSyncJoin fills a single-validator network with records, then
// starts a fresh non-validator node that joins by state sync from the
// validator's snapshot, catches up, follows new blocks, and serves evidence
// that verifies and matches the validator's.
func TestStateSyncJoin(t *testing.T) {
	records := ssRecords(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()

	// The validator: a snapshot every 10 heights.
	valHome := filepath.Join(t.TempDir(), "validator")
	vc := ssConfig(t)
	vc.StateSync.SnapshotInterval = 10
	if _, err := nodehome.Init(nodehome.InitOptions{Home: valHome, ChainID: ssChainID, OrgID: "platform", OrgName: "Platform Ltd",
		Role: chain.RolePlatform, Config: vc}); err != nil {
		t.Fatalf("Init: %v", err)
	}
	val := ssStart(ctx, t, valHome)
	vh := nodehome.Home(valHome)
	sub, err := client.LoadSubmitter(ssChainID, "platform", vh.SubmitterCert(), vh.SubmitterKey())
	if err != nil {
		t.Fatal(err)
	}
	ca, err := signer.LoadCA(vh.CACert(), vh.CAKey())
	if err != nil {
		t.Fatal(err)
	}
	key, err := signer.GenerateKey(signer.AlgSM2, nil)
	if err != nil {
		t.Fatal(err)
	}
	nb := time.Now().Add(-5 * time.Minute).UTC().Truncate(time.Second)
	der, err := ca.Issue(key.Public(), signer.IssueOptions{SubjectRef: "sc-ss", Usage: signer.UsageSigner, NotBefore: nb, NotAfter: nb.AddDate(1, 0, 0)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	party := chain.FingerprintOf(der)
	build := func(body chain.Body) []byte {
		raw, err := sub.Build(body, nil)
		if err != nil {
			panic(err) // only called with bodies that build
		}
		return raw
	}
	contract := func(id string) []byte {
		doc := chain.FingerprintOf([]byte(id))
		sha := chain.TxHash([]byte(id))
		return build(&chain.ContractCreated{Contract: id, DocSM3: doc[:], DocSHA256: sha[:],
			Parties: []chain.Fingerprint{party}, Order: chain.OrderSequential})
	}

	// Fill: one certificate, then the records, built on every core and
	// broadcast with at most a mempool's worth in flight.
	start := time.Now()
	txs := make([][]byte, records)
	txs[0] = build(&chain.CertIssued{Cert: der})
	var wg sync.WaitGroup
	const workers = 8
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 1 + w; i < records; i += workers {
				txs[i] = contract(fmt.Sprintf("ss-%d", i))
			}
		}()
	}
	wg.Wait()
	built := time.Since(start)
	mc := val.Comet().Client()
	broadcast := func(tx []byte) error {
		res, err := mc.BroadcastTxSync(ctx, tx)
		if err != nil {
			return err
		}
		if res.Code != 0 {
			return fmt.Errorf("CheckTx code %d: %s", res.Code, res.Log)
		}
		return nil
	}
	if err := broadcast(txs[0]); err != nil {
		t.Fatal(err)
	}
	waitLog := func(n *Node, size uint64) {
		t.Helper()
		for n.Store().Last().LogSize < size {
			if ctx.Err() != nil {
				t.Fatalf("log size %d, want %d: %v", n.Store().Last().LogSize, size, ctx.Err())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitLog(val, 1)
	var sent atomic.Int64
	sent.Store(1)
	errs := make(chan error, workers)
	fillStart := time.Now()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 1 + w; i < records; i += workers {
				for sent.Load()-int64(val.Store().Last().LogSize) > 4000 && ctx.Err() == nil {
					time.Sleep(5 * time.Millisecond)
				}
				if err := broadcast(txs[i]); err != nil {
					errs <- fmt.Errorf("tx %d: %w", i, err)
					return
				}
				sent.Add(1)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	waitLog(val, uint64(records))
	t.Logf("filled %d records in %s (built in %s), height %d", records, time.Since(fillStart).Round(time.Millisecond),
		built.Round(time.Millisecond), val.Store().Last().Height)

	// A snapshot at H needs headers H+1 and H+2 for the light client, and
	// should hold every record; the chain makes blocks only for txs, so add
	// records until one qualifies.
	var snap *abci.Snapshot
	for extra := 0; snap == nil; extra++ {
		val.app.WaitSnapshots()
		list, err := val.app.ListSnapshots(ctx, &abci.ListSnapshotsRequest{})
		if err != nil {
			t.Fatal(err)
		}
		if len(list.Snapshots) > 0 && val.Comet().LatestHeight() >= int64(list.Snapshots[0].Height)+2 &&
			snapshotLogSize(t, vh, list.Snapshots[0].Height) >= uint64(records) {
			snap = list.Snapshots[0]
			break
		}
		if extra > 40 {
			t.Fatalf("no usable snapshot after %d extra records (height %d, snapshots %v)", extra, val.Comet().LatestHeight(), list.Snapshots)
		}
		if err := broadcast(contract(fmt.Sprintf("extra-%d", extra))); err != nil {
			t.Fatal(err)
		}
		waitLog(val, uint64(records+extra+1))
		if err := val.Comet().WaitForHeight(ctx, val.Store().Last().Height+1); err != nil {
			t.Fatal(err)
		}
	}
	m, err := store.LoadSnapshotManifest(filepath.Join(vh.Snapshots(), strconv.FormatUint(snap.Height, 10)))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("snapshot at height %d: %d records, %d chunks, %.1f MiB", snap.Height, m.Checkpoint.LogSize, snap.Chunks, float64(m.Size)/(1<<20))

	// The joining node: its own home and keys, the network's genesis, the
	// validator as peer and twice as RPC server, trusting the snapshot
	// height's header as read from the validator's RPC.
	valRPC := strings.TrimPrefix(vc.Consensus.RPCListen, "tcp://")
	tp, err := comet.FetchTrustPoint(ctx, valRPC, int64(snap.Height))
	if err != nil {
		t.Fatal(err)
	}
	joinHome := filepath.Join(t.TempDir(), "joiner")
	jc := ssConfig(t)
	jc.Intent.DevOTP = false
	jc.Consensus.PersistentPeers = val.Comet().NodeID() + "@" + strings.TrimPrefix(vc.Consensus.P2PListen, "tcp://")
	jc.StateSync = config.StateSync{
		SnapshotInterval: 10, Enable: true, RPCServers: valRPC + "," + valRPC,
		TrustHeight: tp.Height, TrustHash: tp.Hash, TrustPeriod: config.Duration{Duration: 168 * time.Hour},
	}
	if _, err := nodehome.InitHome(nodehome.InitOptions{Home: joinHome, ChainID: ssChainID, OrgID: "notary", OrgName: "Notary",
		Role: chain.RoleNotary, Config: jc}); err != nil {
		t.Fatalf("InitHome: %v", err)
	}
	gen, err := os.ReadFile(vh.Genesis())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(nodehome.Home(joinHome).Genesis(), gen, 0o644); err != nil {
		t.Fatal(err)
	}
	// CometBFT waits discovery_time (default 15s) for snapshot offers; the
	// minimum is 5s.
	conf, err := comet.LoadConfig(comet.OptionsFromConfig(joinHome, &jc))
	if err != nil {
		t.Fatal(err)
	}
	conf.StateSync.DiscoveryTime = 5 * time.Second
	if err := comet.WriteConfigFile(conf); err != nil {
		t.Fatal(err)
	}

	joinStart := time.Now()
	joiner := ssStart(ctx, t, joinHome)
	var restored time.Duration
	for {
		jl, vl := joiner.Store().Last(), val.Store().Last()
		if restored == 0 && jl.Height >= int64(snap.Height) {
			restored = time.Since(joinStart)
		}
		if jl.Height == vl.Height && bytes.Equal(jl.AppHash, vl.AppHash) && joiner.Comet().LatestHeight() >= val.Comet().LatestHeight() {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("joiner at height %d (block %d), validator at %d (block %d): %v", jl.Height, joiner.Comet().LatestHeight(),
				vl.Height, val.Comet().LatestHeight(), ctx.Err())
		}
		time.Sleep(50 * time.Millisecond)
	}
	joined := time.Since(joinStart)
	t.Logf("JOIN: %d records, snapshot %.1f MiB in %d chunks: restored height %d after %s, caught up (height %d) after %s (includes CometBFT's 5s snapshot discovery)",
		m.Checkpoint.LogSize, float64(m.Size)/(1<<20), snap.Chunks, snap.Height, restored.Round(time.Millisecond),
		joiner.Store().Last().Height, joined.Round(time.Millisecond))
	if _, err := joiner.Comet().Client().Block(ctx, ptr(int64(snap.Height))); err == nil {
		t.Logf("note: the joiner has block %d (state sync does not backfill; expected none)", snap.Height)
	}

	// It follows new blocks.
	before := val.Store().Last().LogSize
	for i := range 5 {
		if err := broadcast(contract(fmt.Sprintf("after-%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	waitLog(val, before+5)
	waitLog(joiner, val.Store().Last().LogSize)
	// And the proof block after them, on both.
	proofBlock := func() bool {
		h := val.Store().Last().Height
		a, err1 := val.Store().View().Checkpoint(h)
		b, err2 := val.Store().View().Checkpoint(h - 1)
		return err1 == nil && err2 == nil && bytes.Equal(a.AppHash, b.AppHash)
	}
	for !proofBlock() || joiner.Store().Last().Height < val.Store().Last().Height {
		if ctx.Err() != nil {
			t.Fatalf("joiner at block %d, validator at block %d: %v", joiner.Comet().LatestHeight(), val.Comet().LatestHeight(), ctx.Err())
		}
		time.Sleep(20 * time.Millisecond)
	}

	// Both serve evidence that verifies, under the same checkpoint.
	trust, err := evidence.LoadTrust(vh.Genesis())
	if err != nil {
		t.Fatal(err)
	}
	verifier, err := evidence.NewVerifier(trust)
	if err != nil {
		t.Fatal(err)
	}
	fetch := func(n *Node, id string) *evidence.Bundle {
		t.Helper()
		c, err := client.New("http://"+n.APIAddr(), &http.Client{Timeout: 30 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		raw, err := c.Evidence(ctx, "contract_id", id)
		if err != nil {
			t.Fatalf("evidence for %s from %s: %v", id, n.APIAddr(), err)
		}
		b, err := evidence.DecodeBundle(raw)
		if err != nil {
			t.Fatal(err)
		}
		if res := verifier.Verify(b, nil); !res.OK {
			t.Fatalf("bundle for %s from %s does not verify: %v", id, n.APIAddr(), res.Failed())
		}
		return b
	}
	for _, id := range []string{"ss-1", fmt.Sprintf("ss-%d", records/2), fmt.Sprintf("ss-%d", records-1), "after-4"} {
		bv, bj := fetch(val, id), fetch(joiner, id)
		if bv.Checkpoint.Height != bj.Checkpoint.Height || !bytes.Equal(bv.Checkpoint.LogRoot, bj.Checkpoint.LogRoot) {
			t.Fatalf("evidence for %s: validator checkpoint %d %x, joiner %d %x", id,
				bv.Checkpoint.Height, bv.Checkpoint.LogRoot, bj.Checkpoint.Height, bj.Checkpoint.LogRoot)
		}
		if len(bv.Records) == 0 || len(bv.Records) != len(bj.Records) {
			t.Fatalf("evidence for %s: %d and %d records", id, len(bv.Records), len(bj.Records))
		}
	}
}

func snapshotLogSize(t *testing.T, h nodehome.Home, height uint64) uint64 {
	t.Helper()
	m, err := store.LoadSnapshotManifest(filepath.Join(h.Snapshots(), strconv.FormatUint(height, 10)))
	if err != nil {
		t.Fatal(err)
	}
	return m.Checkpoint.LogSize
}

func ptr[T any](v T) *T { return &v }
