package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cometbft/cometbft/abci/example/kvstore"
	abcitypes "github.com/cometbft/cometbft/abci/types"
	cmtlog "github.com/cometbft/cometbft/libs/log"
	rpcclient "github.com/cometbft/cometbft/rpc/client"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/store"
	"github.com/sealchain/sealchain/config"
	"github.com/sealchain/sealchain/node"
	"github.com/sealchain/sealchain/node/comet"
	"github.com/sealchain/sealchain/node/nodehome"
)

const (
	sealChainID  = "sealbench"
	kvChainID    = "sealbench-kv"
	startTimeout = 2 * time.Minute
	setupChunk   = 3000
	// setupChunkBytes bounds a setup chunk's bytes, a quarter of the
	// node's mempool (64 MiB).
	setupChunkBytes = 16 << 20
)

// allOrgs are the network's orgs; the last one, the platform, takes the
// submissions. A network of n validators is the last n.
var allOrgs = []string{"court", "notary", "arbitration", "platform"}

// setupBatch is the records per batch of the untimed setup when batches are
// in use.
const setupBatch = 500

// result is one run: the phases and their ratios.
type result struct {
	Started       time.Time    `json:"started"`
	N             int          `json:"n"`
	Concurrency   int          `json:"concurrency"`
	Rate          float64      `json:"rate_limit_tx_per_s"`  // 0: unlimited
	DurationSec   float64      `json:"duration_s,omitempty"` // sustained mode: how long Rate was offered
	BlockInterval string       `json:"block_interval"`
	Timeouts      string       `json:"consensus_timeouts"` // propose/vote, both networks
	Validators    int          `json:"validators"`
	Quick         bool         `json:"quick"`
	Sealchain     *phaseResult `json:"sealchain,omitempty"` // standalone txs, one record each
	KVStore       *phaseResult `json:"kvstore,omitempty"`
	RatioTPS      float64      `json:"ratio_tps"` // Sealchain / kvstore committed tx/s
	RatioP50      float64      `json:"ratio_p50"` // Sealchain / kvstore p50 latency
	RatioP99      float64      `json:"ratio_p99"`

	// The batched phase: BatchN records in batches of Batch, on the same
	// network after the standalone phase.
	Batch           int          `json:"batch,omitempty"`
	BatchN          int          `json:"batch_n,omitempty"`
	Batched         *phaseResult `json:"sealchain_batched,omitempty"`
	RatioBatchedTPS float64      `json:"ratio_batched_tps,omitempty"` // batched records/s ÷ kvstore tx/s
	// StandaloneBytes is the average size of the measured records as
	// standalone txs: the kvstore txs' size.
	StandaloneBytes float64 `json:"standalone_tx_bytes"`

	// SM2 is this machine's verification rate, measured in the run, and
	// the limits derived from it (records/s; see sm2Result.limit).
	SM2             *sm2Result `json:"sm2,omitempty"`
	LimitStandalone float64    `json:"limit_standalone_records_per_s,omitempty"`
	LimitBatched    float64    `json:"limit_batched_records_per_s,omitempty"`
}

// inspectHook lets a test look at a network before it stops: c is the
// submitting node's client; store is the platform's store (nil for kvstore).
type inspectHook func(ctx context.Context, app string, c rpcclient.Client, store *store.Store, r *phaseResult) error

// run executes the phases. It returns the result so far with any error.
func run(ctx context.Context, o options) (*result, error) {
	return runInspect(ctx, o, nil)
}

func (o *options) check() error {
	if o.Validators == 0 {
		o.Validators = len(allOrgs)
	}
	if o.Validators < 1 || o.Validators > len(allOrgs) {
		return fmt.Errorf("-validators %d: want 1..%d", o.Validators, len(allOrgs))
	}
	if o.Batch > chain.MaxBatchRecords {
		return fmt.Errorf("-batch %d: at most %d records", o.Batch, chain.MaxBatchRecords)
	}
	if o.Concurrency < 1 {
		return fmt.Errorf("-concurrency %d: want at least 1", o.Concurrency)
	}
	if o.Rate < 0 {
		return fmt.Errorf("-rate %g: want 0 (unlimited) or more", o.Rate)
	}
	if o.BlockInterval <= 0 {
		o.BlockInterval = 100 * time.Millisecond
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	return nil
}

func (o options) timeoutString() string {
	p, v := o.timeouts()
	return fmt.Sprintf("propose %s, vote %s", p, v)
}

func (o options) orgs() []string { return allOrgs[len(allOrgs)-o.Validators:] }

// batched reports whether the run sends batches.
func (o options) batched() bool { return o.Batch > 1 }

// batchFor is the records per batch at rate records/s: o.Batch, or fewer
// when records arrive too slowly to fill one within o.BatchWait (a
// submitter's bounded wait).
func (o options) batchFor(rate float64) int {
	if rate <= 0 || o.BatchWait <= 0 {
		return o.Batch
	}
	return max(1, min(o.Batch, int(math.Ceil(rate*o.BatchWait.Seconds()))))
}

// kvN is the number of kvstore txs: -kv-n, else -n, else 3000.
func (o options) kvN() int {
	switch {
	case o.KVN > 0:
		return o.KVN
	case o.N > 0:
		return o.N
	}
	return 3000
}

func (o options) progressf(format string, args ...any) {
	if o.Progress != nil {
		fmt.Fprintf(o.Progress, format+"\n", args...)
	}
}

func runInspect(ctx context.Context, o options, inspect inspectHook) (*result, error) {
	if o.Quick {
		o.N = quickN
	}
	if err := o.check(); err != nil {
		return nil, err
	}
	if o.N < 0 || o.BatchN < 0 || o.N+o.BatchN < 1 {
		return nil, fmt.Errorf("-n %d, -batch-n %d: want at least 1 record", o.N, o.BatchN)
	}
	if o.BatchN > 0 && !o.batched() {
		return nil, fmt.Errorf("-batch-n %d needs -batch > 1", o.BatchN)
	}
	dir, err := os.MkdirTemp(o.Dir, "sealbench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	base, err := freeBasePort(o.Validators)
	if err != nil {
		return nil, err
	}
	res := &result{Started: time.Now().UTC(), N: o.N, Concurrency: o.Concurrency, Rate: o.Rate,
		BlockInterval: o.BlockInterval.String(), Timeouts: o.timeoutString(), Validators: o.Validators, Quick: o.Quick,
		DurationSec: o.Duration.Seconds(), BatchN: o.BatchN}
	if o.BatchN > 0 {
		res.Batch = o.batchFor(o.Rate)
	}
	if o.SM2Loop > 0 {
		res.SM2 = &sm2Result{}
	}
	if err := res.SM2.calibrate(ctx, o.SM2Loop, func(s string) { o.progressf("%s", s) }); err != nil {
		return res, err
	}

	sizes, err := runSealchain(ctx, o, filepath.Join(dir, "seal"), base, res, inspect)
	if err != nil {
		return res, fmt.Errorf("sealchain: %w", err)
	}
	if o.KV {
		if err := runKVStore(ctx, o, filepath.Join(dir, "kv"), base, cycle(sizes, o.kvN()), res, inspect); err != nil {
			return res, fmt.Errorf("kvstore: %w", err)
		}
	}
	if err := res.SM2.calibrate(ctx, o.SM2Loop, func(s string) { o.progressf("%s", s) }); err != nil {
		return res, err
	}
	res.RatioTPS, res.RatioP50, res.RatioP99 = ratios(res.Sealchain, res.KVStore)
	res.RatioBatchedTPS, _, _ = ratios(res.Batched, res.KVStore)
	res.LimitStandalone = res.SM2.limit(o.Validators, 1)
	if res.Batched != nil {
		res.LimitBatched = res.SM2.limit(o.Validators, res.Batch)
	}
	return res, nil
}

// cycle returns n sizes taken from sizes in turn.
func cycle(sizes []int, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = sizes[i%len(sizes)]
	}
	return out
}

// sealNet is a running Sealchain network; the platform (the last node)
// takes the submissions.
type sealNet struct {
	nodes    []*node.Node
	home     nodehome.Home
	store    *store.Store
	mc       rpcclient.Client
	interval time.Duration
	kit      *sealKit
	next     int // the next record id, so that records never repeat
}

// startSealNet creates and starts the network under dir.
func startSealNet(ctx context.Context, o options, dir string, base int) (_ *sealNet, err error) {
	tn, err := nodehome.Testnet(nodehome.TestnetOptions{Out: dir, ChainID: sealChainID, Validators: o.orgs(),
		BasePort: base, BlockInterval: o.BlockInterval})
	if err != nil {
		return nil, err
	}
	sn := &sealNet{interval: o.BlockInterval}
	defer func() {
		if err != nil {
			sn.stop(ctx)
		}
	}()
	sctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	for _, t := range tn {
		c, err := config.Load(t.Home)
		if err != nil {
			return nil, err
		}
		c.Consensus.BlockInterval = config.Duration{Duration: o.BlockInterval}
		c.Consensus.CreateEmptyBlocks = false
		propose, vote := o.timeouts()
		c.Consensus.TimeoutPropose = config.Duration{Duration: propose}
		c.Consensus.TimeoutVote = config.Duration{Duration: vote}
		c.Log.Level = o.logLevel()
		if err := c.Save(t.Home); err != nil {
			return nil, err
		}
		n, err := node.New(t.Home, node.WithConfig(c), node.WithLogger(node.NewLogger(o.Log, c.Log)))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", t.Org, err)
		}
		if err := n.Start(sctx); err != nil {
			return nil, fmt.Errorf("start %s: %w", t.Org, err)
		}
		sn.nodes = append(sn.nodes, n)
	}
	plat := sn.nodes[len(sn.nodes)-1]
	sn.home, sn.store, sn.mc = nodehome.Home(tn[len(tn)-1].Home), plat.Store(), plat.Comet().Client()
	if err := plat.Comet().WaitForHeight(sctx, 1); err != nil {
		return nil, fmt.Errorf("wait for the first block: %w", err)
	}
	if sn.kit, err = newSealKit(sn.home); err != nil {
		return nil, err
	}
	return sn, nil
}

func (sn *sealNet) clients() []rpcclient.Client {
	var cs []rpcclient.Client
	for _, n := range sn.nodes {
		cs = append(cs, n.Comet().Client())
	}
	return cs
}

func (sn *sealNet) stop(ctx context.Context) {
	quiesce(ctx, sn.interval, sn.clients())
	for i := len(sn.nodes) - 1; i >= 0; i-- {
		sn.nodes[i].Stop()
	}
}

func (sn *sealNet) broadcast(ctx context.Context, tx []byte) error {
	r, err := sn.mc.BroadcastTxSync(ctx, tx)
	if err != nil {
		return err
	}
	if r.Code != abcitypes.CodeTypeOK {
		return fmt.Errorf("CheckTx code %d (%s): %s", r.Code, r.Codespace, r.Log)
	}
	return nil
}

// records are measured contract_signed records, ready to send.
type records struct {
	standalone [][]byte    // as standalone txs, for an unbatched phase
	items      []*chain.Tx // as items, for a batched phase
	// sizes are the records' sizes as standalone txs (both kinds): the
	// kvstore txs' sizes.
	sizes []int
}

// prepare builds standalone records (as standalone txs) and batched
// records (as items), and commits what they need first (a signer certificate, a
// contract and an intent per record), in batches when batched.
func (sn *sealNet) prepare(ctx context.Context, o options, standalone, batched int) (*records, error) {
	n := standalone + batched
	b, err := sn.kit.build(sn.next, n, o.Progress)
	if err != nil {
		return nil, err
	}
	sn.next += n
	recs := &records{sizes: make([]int, n)}
	// Every record is also encoded standalone, envelope signed, for its
	// size; the first standalone ones are sent that way.
	stand := make([][]byte, n)
	if err := parallel(n, newBar(o.Progress, "standalone forms", n), func(i int) error {
		var err error
		stand[i], err = sn.kit.standalone(b.signs[i])
		return err
	}); err != nil {
		return nil, err
	}
	for i, tx := range stand {
		recs.sizes[i] = len(tx)
	}
	recs.standalone = stand[:standalone]
	recs.items = b.signs[standalone:]

	setup := []struct {
		label string
		items []*chain.Tx
	}{{"setup contracts", b.contracts}, {"setup intents", b.intents}}
	if !sn.kit.certDone {
		setup = append([]struct {
			label string
			items []*chain.Tx
		}{{"setup cert", []*chain.Tx{sn.kit.cert}}}, setup...)
	}
	for _, s := range setup {
		var w work
		var hashes []chain.Hash
		if o.batched() && s.label != "setup cert" {
			w, hashes, err = sn.kit.batches(s.items, setupBatch)
		} else {
			w, hashes, err = sn.kit.standalones(s.items)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.label, err)
		}
		// In chunks, so an unthrottled burst never overflows the mempool
		// (CometBFT's default holds 5000 txs; the node's, 64 MiB).
		for off, end := 0, 0; off < len(w.txs); off = end {
			end = chunkEnd(w.txs, off)
			part := w.slice(off, end)
			r, _, err := pump(ctx, "sealchain "+s.label, part.work, max(o.Concurrency, 32), 0, sn.broadcast,
				sealPoller(sn.store, hashes[part.from:part.to]), o.Progress)
			if err == nil && r.Committed != part.records {
				err = fmt.Errorf("%w: %d of %d (%s)", errNotAllCommitted, r.Committed, part.records, r.FirstError)
			}
			if err != nil {
				return nil, fmt.Errorf("%s: %w", s.label, err)
			}
		}
	}
	sn.kit.certDone = true
	return recs, nil
}

// chunkEnd is the end of the setup chunk starting at txs[off]: at most
// setupChunk txs and setupChunkBytes bytes (at least one tx).
func chunkEnd(txs [][]byte, off int) int {
	end, bytes := off, 0
	for end < len(txs) && end-off < setupChunk && (end == off || bytes+len(txs[end]) <= setupChunkBytes) {
		bytes += len(txs[end])
		end++
	}
	return end
}

// measure times w (whose record i has hash hashes[i]) at rate records/s
// (0: unlimited) and counts the records on the chain.
func (sn *sealNet) measure(ctx context.Context, o options, label string, w work, hashes []chain.Hash, rate float64, inspect inspectHook) (*phaseResult, error) {
	before := sn.store.Last()
	stopProf, err := o.profiler().start(strings.NewReplacer(" ", "-", "/", "").Replace(label))
	if err != nil {
		return nil, err
	}
	r, _, err := pump(ctx, label, w, o.Concurrency, rate, sn.broadcast, sealPoller(sn.store, hashes), o.Progress)
	err = errors.Join(err, stopProf())
	// The log may still grow by records the pollers did not see (a batch
	// committed after a timeout); wait for the chain to go idle first.
	waitStable(ctx, o.BlockInterval, sn.clients())
	after := sn.store.Last()
	r.App = "sealchain"
	if w.batched() {
		r.App = "sealchain batched"
	}
	r.HeightFrom, r.HeightTo = before.Height, after.Height
	r.ChainTxs = int64(after.LogSize - before.LogSize)
	r.ChainSource = "platform store log size delta"
	r.AppTxs = r.ChainTxs
	if err != nil {
		return r, err
	}
	blocks, txs, blog, err := blockTxCounts(ctx, sn.mc, r.HeightFrom, r.HeightTo)
	if err != nil {
		return r, err
	}
	r.Blocks, r.BlockTxs = blocks, txs
	r.setBlockLog(blog)
	if inspect != nil {
		if err := inspect(ctx, r.App, sn.mc, sn.store, r); err != nil {
			return r, err
		}
	}
	return r, nil
}

// measureStandalone times recs as standalone txs.
func (sn *sealNet) measureStandalone(ctx context.Context, o options, label string, txs [][]byte, rate float64, inspect inspectHook) (*phaseResult, error) {
	hashes := make([]chain.Hash, len(txs))
	for i, tx := range txs {
		hashes[i] = chain.TxHash(tx)
	}
	return sn.measure(ctx, o, label, single(txs), hashes, rate, inspect)
}

// measureBatched times items in batches of size at rate records/s.
func (sn *sealNet) measureBatched(ctx context.Context, o options, label string, items []*chain.Tx, size int, rate float64, inspect inspectHook) (*phaseResult, error) {
	w, hashes, err := sn.kit.batches(items, size)
	if err != nil {
		return nil, err
	}
	return sn.measure(ctx, o, label, w, hashes, rate, inspect)
}

// runSealchain starts the network, commits the setup, times the standalone
// then the batched contract_signed records and stops the network. It
// returns the records' standalone sizes for the kvstore phase.
func runSealchain(ctx context.Context, o options, dir string, base int, res *result, inspect inspectHook) ([]int, error) {
	sn, err := startSealNet(ctx, o, dir, base)
	if err != nil {
		return nil, err
	}
	defer sn.stop(ctx)
	recs, err := sn.prepare(ctx, o, o.N, o.BatchN)
	if err != nil {
		return nil, err
	}
	res.StandaloneBytes = mean(recs.sizes)
	if o.N > 0 {
		if res.Sealchain, err = sn.measureStandalone(ctx, o, "sealchain", recs.standalone, o.Rate, inspect); err != nil {
			return nil, err
		}
		waitStable(ctx, o.BlockInterval, sn.clients())
	}
	if o.BatchN > 0 {
		label := fmt.Sprintf("sealchain batched %d", res.Batch)
		if res.Batched, err = sn.measureBatched(ctx, o, label, recs.items, res.Batch, o.Rate, inspect); err != nil {
			return nil, err
		}
	}
	return recs.sizes, nil
}

func mean(xs []int) float64 {
	if len(xs) == 0 {
		return 0
	}
	var s int
	for _, x := range xs {
		s += x
	}
	return float64(s) / float64(len(xs))
}

// sealPoller marks records committed when their hashes appear in the
// platform store's TxLogIndex; it looks only when the store's committed
// height has changed.
func sealPoller(store *store.Store, hashes []chain.Hash) poller {
	last := int64(-1)
	return func(ctx context.Context, t *tracker) error {
		h := store.Last().Height
		if h == last {
			return nil
		}
		last = h
		now := time.Now()
		view := store.View()
		var err error
		t.sweep(now, func(i int) bool {
			if err != nil {
				return false
			}
			_, ok, e := view.TxLogIndex(hashes[i])
			err = e
			return ok
		})
		return err
	}
}

// kvNet is CometBFT's kvstore on 4 in-process validators with the same
// ports and settings as the Sealchain network.
type kvNet struct {
	comets   []*comet.Node
	kc       rpcclient.Client // the submitting (last) node's client
	clients  []rpcclient.Client
	interval time.Duration
	next     int // index of the next generated tx, so keys never repeat
}

func startKVNet(ctx context.Context, o options, dir string, base int) (_ *kvNet, err error) {
	type kvNode struct {
		opts comet.Options
		id   string
	}
	orgs := o.orgs()
	propose, vote := o.timeouts()
	kns := make([]kvNode, len(orgs))
	var vals []comet.GenesisValidator
	for i, v := range orgs {
		p := base + 10*i
		kns[i].opts = comet.Options{Home: filepath.Join(dir, v), Moniker: v,
			P2PListen: fmt.Sprintf("tcp://127.0.0.1:%d", p), RPCListen: fmt.Sprintf("tcp://127.0.0.1:%d", p+1),
			BlockInterval: o.BlockInterval, CreateEmptyBlocks: false, LogLevel: o.logLevel(), LocalNetwork: true,
			TimeoutPropose: propose, TimeoutVote: vote}
		pub, id, err := comet.InitFiles(kns[i].opts, false)
		if err != nil {
			return nil, err
		}
		kns[i].id = id
		vals = append(vals, comet.GenesisValidator{Name: v, PubKey: pub, Power: 10})
	}
	genTime := time.Now()
	kn := &kvNet{interval: o.BlockInterval}
	defer func() {
		if err != nil {
			kn.stop(ctx)
		}
	}()
	sctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	logger := cmtlog.NewNopLogger()
	if o.Log != io.Discard {
		logger = cmtlog.NewTMLogger(cmtlog.NewSyncWriter(o.Log))
	}
	for i := range kns {
		var peers []string
		for j := range kns {
			if i != j {
				peers = append(peers, kns[j].id+"@"+strings.TrimPrefix(kns[j].opts.P2PListen, "tcp://"))
			}
		}
		kns[i].opts.PersistentPeers = strings.Join(peers, ",")
		if err := comet.WriteGenesis(kns[i].opts.Home, kvChainID, genTime, vals, nil); err != nil {
			return nil, err
		}
		conf, err := comet.LoadConfig(kns[i].opts)
		if err != nil {
			return nil, err
		}
		c, err := comet.Start(sctx, conf, kvstore.NewInMemoryApplication(), logger)
		if err != nil {
			return nil, fmt.Errorf("start %s: %w", orgs[i], err)
		}
		kn.comets = append(kn.comets, c)
		kn.clients = append(kn.clients, c.Client())
	}
	sub := kn.comets[len(kn.comets)-1]
	if err := sub.WaitForHeight(sctx, 1); err != nil {
		return nil, fmt.Errorf("wait for the first block: %w", err)
	}
	kn.kc = sub.Client()
	// kvstore is not safe for concurrent use and the node's ABCI client
	// lets Info run beside FinalizeBlock, so Info is asked only while the
	// chain is idle.
	waitStable(sctx, o.BlockInterval, kn.clients)
	return kn, nil
}

func (kn *kvNet) stop(ctx context.Context) {
	var cs []rpcclient.Client
	for _, c := range kn.comets {
		cs = append(cs, c.Client())
	}
	quiesce(ctx, kn.interval, cs)
	for i := len(kn.comets) - 1; i >= 0; i-- {
		kn.comets[i].Stop()
	}
}

// txs makes kvstore txs of the given sizes with keys unique in this network.
func (kn *kvNet) txs(sizes []int) [][]byte {
	txs := make([][]byte, len(sizes))
	for i, size := range sizes {
		tx := fmt.Appendf(nil, "k%08d=", kn.next)
		kn.next++
		for len(tx) < size {
			tx = append(tx, 'v')
		}
		txs[i] = tx
	}
	return txs
}

// measure times txs of the given sizes at rate (0: unlimited).
func (kn *kvNet) measure(ctx context.Context, o options, label string, sizes []int, rate float64, inspect inspectHook) (*phaseResult, error) {
	kc := kn.kc
	txs := kn.txs(sizes)
	index := make(map[[32]byte]int, len(txs))
	for i, tx := range txs {
		index[sha256.Sum256(tx)] = i
	}
	bc := func(ctx context.Context, tx []byte) error {
		r, err := kc.BroadcastTxSync(ctx, tx)
		if err != nil {
			return err
		}
		if r.Code != abcitypes.CodeTypeOK {
			return fmt.Errorf("CheckTx code %d: %s", r.Code, r.Log)
		}
		return nil
	}
	info, err := kc.ABCIInfo(ctx)
	if err != nil {
		return nil, err
	}
	from := info.Response.LastBlockHeight
	sizeFrom := kvSize(info.Response.Data)
	last := from
	// The commit poll reads the block store's height: CometBFT saves a
	// block just before applying it, so a kvstore tx's commit time is early
	// by kvstore's FinalizeBlock + Commit of its block (well under a
	// millisecond per hundred txs), which favours the baseline.
	poll := func(ctx context.Context, t *tracker) error {
		st, err := kc.Status(ctx)
		if err != nil {
			return err
		}
		h := st.SyncInfo.LatestBlockHeight
		if h <= last {
			return nil
		}
		now := time.Now()
		seen := map[int]bool{}
		for hh := last + 1; hh <= h; hh++ {
			b, err := kc.Block(ctx, &hh)
			if err != nil {
				return fmt.Errorf("block %d: %w", hh, err)
			}
			for _, tx := range b.Block.Txs {
				if i, ok := index[sha256.Sum256(tx)]; ok {
					seen[i] = true
				}
			}
		}
		last = h
		t.sweep(now, func(i int) bool { return seen[i] })
		return nil
	}
	stopProf, err := o.profiler().start(label)
	if err != nil {
		return nil, err
	}
	r, _, err := pump(ctx, label, single(txs), o.Concurrency, rate, bc, poll, o.Progress)
	err = errors.Join(err, stopProf())
	r.App = "kvstore"
	r.HeightFrom, r.HeightTo = from, last
	// Counted by the chain once it is idle again: the blocks and the app's
	// size up to its final height (the pollers' last height or the proof
	// block after it).
	waitStable(ctx, o.BlockInterval, kn.clients)
	if info, ierr := kc.ABCIInfo(ctx); ierr == nil && info.Response.LastBlockHeight >= last {
		r.AppTxs = kvSize(info.Response.Data) - sizeFrom
		r.HeightTo = info.Response.LastBlockHeight
	}
	blocks, n, blog, berr := blockTxCounts(ctx, kc, from, r.HeightTo)
	r.Blocks, r.ChainTxs, r.BlockTxs = blocks, n, n
	r.setBlockLog(blog)
	r.ChainSource = "sum of block tx counts over (height_from, height_to]"
	if err != nil {
		return r, err
	}
	if berr != nil {
		return r, berr
	}
	if inspect != nil {
		if err := inspect(ctx, "kvstore", kc, nil, r); err != nil {
			return r, err
		}
	}
	return r, nil
}

// runKVStore runs the baseline: kvstore on 4 in-process validators with the
// same ports and settings, txs of the given sizes.
func runKVStore(ctx context.Context, o options, dir string, base int, sizes []int, res *result, inspect inspectHook) error {
	kn, err := startKVNet(ctx, o, dir, base)
	if err != nil {
		return err
	}
	defer kn.stop(ctx)
	res.KVStore, err = kn.measure(ctx, o, "kvstore", sizes, o.Rate, inspect)
	return err
}

// blockTxCounts sums the tx counts of the blocks CometBFT stored at heights
// in (from, to] and counts the blocks holding any. It also returns, for each
// block with txs, its header time and the consensus round it was committed
// in: a round above 0 means round 0's proposal failed (a timeout).
func blockTxCounts(ctx context.Context, c rpcclient.Client, from, to int64) (blocks, txs int64, log []blockInfo, err error) {
	for h := from + 1; h <= to; h++ {
		b, err := c.Block(ctx, &h)
		if err != nil {
			return blocks, txs, log, fmt.Errorf("block %d: %w", h, err)
		}
		if n := len(b.Block.Txs); n > 0 {
			blocks++
			txs += int64(n)
			bi := blockInfo{Height: h, Txs: n, Time: b.Block.Time}
			if cm, err := c.Commit(ctx, &h); err == nil && cm.Commit != nil {
				bi.Round = cm.Commit.Round
			}
			log = append(log, bi)
		}
	}
	return blocks, txs, log, nil
}

// blockInfo describes one block of a phase.
type blockInfo struct {
	Height int64     `json:"height"`
	Txs    int       `json:"txs"`
	Time   time.Time `json:"time"`
	// AfterFirstSubmitMs is the header time less the phase's first submission.
	AfterFirstSubmitMs float64 `json:"after_first_submit_ms"`
	Round              int32   `json:"round"`
}

func (r *phaseResult) setBlockLog(log []blockInfo) {
	for i := range log {
		log[i].AfterFirstSubmitMs = float64(log[i].Time.Sub(r.FirstSubmit).Microseconds()) / 1e3
	}
	r.BlockLog = log
}

// freeBasePort finds a base port p such that p+10i, +1 and +2 are free on
// 127.0.0.1 for i < nodes (node.Testnet's layout).
func freeBasePort(nodes int) (int, error) {
	for try := 0; try < 100; try++ {
		base := 20000 + 10*rand.IntN(1150) // below the ephemeral range (32768+), which outgoing connections use
		ok := true
		for i := 0; i < nodes && ok; i++ {
			for d := 0; d < 3 && ok; d++ {
				l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", base+10*i+d))
				if err != nil {
					ok = false
					break
				}
				l.Close()
			}
		}
		if ok {
			return base, nil
		}
	}
	return 0, errors.New("no free base port found")
}

// kvSize reads kvstore's ABCI Info data, {"size":N}: the number of txs the
// app has committed.
func kvSize(data string) int64 {
	var n int64
	fmt.Sscanf(data, `{"size":%d}`, &n)
	return n
}

// quiesce waits until the chain stops growing and each node's indexer has
// indexed its latest block, then a little longer: stopping a node while
// CometBFT's tx indexer still works through a backlog panics with "pebble:
// closed" (node.Comet.Stop closes the index DB without waiting for the
// indexer goroutine). Best effort: it gives up after a timeout.
func quiesce(ctx context.Context, interval time.Duration, clients []rpcclient.Client) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	waitStable(ctx, interval, clients)
	for _, c := range clients {
		for ctx.Err() == nil {
			st, err := c.Status(ctx)
			if err != nil {
				break
			}
			h := st.SyncInfo.LatestBlockHeight
			r, err := c.BlockSearch(ctx, fmt.Sprintf("block.height = %d", h), nil, nil, "")
			if err != nil || r.TotalCount > 0 {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	time.Sleep(200 * time.Millisecond)
}

// waitStable waits until no client's block height has changed for five
// block intervals (at least 500 ms): with create_empty_blocks = false the
// chain is then idle, its last (proof) block applied.
func waitStable(ctx context.Context, interval time.Duration, clients []rpcclient.Client) {
	stable := max(5*interval, 500*time.Millisecond)
	height := func() int64 {
		var h int64
		for _, c := range clients {
			if st, err := c.Status(ctx); err == nil {
				h = max(h, st.SyncInfo.LatestBlockHeight)
			}
		}
		return h
	}
	last, since := height(), time.Now()
	for time.Since(since) < stable && ctx.Err() == nil {
		time.Sleep(50 * time.Millisecond)
		if h := height(); h != last {
			last, since = h, time.Now()
		}
	}
}
