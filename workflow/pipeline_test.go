package workflow

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble"
	"github.com/cockroachdb/pebble/vfs"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/signer"
)

// fakeChain is a one-node chain with CometBFT's mempool behaviour as far
// as the queue sees it: FIFO, a cache that makes a repeat broadcast a
// silent no-op until the tx fails in a block, and blocks that take the
// whole mempool in order. A tx may depend on another: it fails (in
// CheckTx if checkDep, else in FinalizeBlock) unless that one is
// committed. Its maps are keyed by tx hash.
//
// With rules2 it answers as a chain at rules version 2 with the node's
// submitter batching: RecordHash is the item hash (here SHA-256 of
// "item:" ‖ tx), a batchable Broadcast waits up to batchWait to share a
// batch (whose records enter the mempool together, in order), a batched
// record is found by its item hash only, a standalone one by both.
type fakeChain struct {
	mu        sync.Mutex
	height    int64
	pool      []pooled
	cache     map[chain.Hash]bool
	committed map[chain.Hash]uint64
	rejected  map[chain.Hash]TxResult
	landed    []chain.Hash // commit order
	dep       map[chain.Hash]chain.Hash
	checkDep  map[chain.Hash]bool
	bad       map[chain.Hash]bool // always rejected in FinalizeBlock
	// evict drops a tx from the mempool on its first broadcast; keepCache
	// leaves its hash in the cache (so it is stuck until clearCache).
	evict     map[chain.Hash]bool
	keepCache bool
	maxPool   int
	// full answers a tx's first broadcast with an error (mempool full).
	full map[chain.Hash]bool
	// byKey maps the hashes Result answers for to tx hashes.
	byKey map[chain.Hash]chain.Hash
	// finalRejects counts FinalizeBlock rejections.
	finalRejects int

	rules2    bool
	batchWait time.Duration
	// ignoreAlone batches a batchable-or-not record alike (a submitter
	// that cannot be told to send one standalone).
	ignoreAlone bool
	pending     *fakeBatch
	batches     []int               // sizes of the batches sent
	alone       map[chain.Hash]bool // tx hashes broadcast not batchable
	inflight    int                 // Broadcasts in progress
	maxInflight int
}

type pooled struct {
	tx      []byte
	batched bool
}

type fakeBatch struct {
	txs  [][]byte
	res  []TxResult
	done chan struct{}
}

func newFakeChain() *fakeChain {
	return &fakeChain{cache: map[chain.Hash]bool{}, committed: map[chain.Hash]uint64{}, rejected: map[chain.Hash]TxResult{},
		dep: map[chain.Hash]chain.Hash{}, checkDep: map[chain.Hash]bool{}, bad: map[chain.Hash]bool{}, evict: map[chain.Hash]bool{},
		byKey: map[chain.Hash]chain.Hash{}, alone: map[chain.Hash]bool{}, full: map[chain.Hash]bool{}}
}

func itemHash(tx []byte) chain.Hash { return chain.TxHash(append([]byte("item:"), tx...)) }

func (c *fakeChain) RecordHash(tx []byte) chain.Hash {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rules2 {
		return itemHash(tx)
	}
	return chain.TxHash(tx)
}

func (c *fakeChain) Broadcast(ctx context.Context, tx []byte, batchable bool) (TxResult, error) {
	c.mu.Lock()
	c.inflight++
	c.maxInflight = max(c.maxInflight, c.inflight)
	defer func() {
		c.mu.Lock()
		c.inflight--
		c.mu.Unlock()
	}()
	if !batchable {
		c.alone[chain.TxHash(tx)] = true
	}
	if h := chain.TxHash(tx); c.full[h] {
		delete(c.full, h)
		c.mu.Unlock()
		return TxResult{}, errors.New("mempool is full")
	}
	if !c.rules2 || c.batchWait == 0 || !batchable && !c.ignoreAlone {
		defer c.mu.Unlock()
		return c.check(tx, false), nil
	}
	b := c.pending
	if b == nil {
		b = &fakeBatch{done: make(chan struct{})}
		c.pending = b
		time.AfterFunc(c.batchWait, func() { c.flush(b) })
	}
	i := len(b.txs)
	b.txs = append(b.txs, tx)
	c.mu.Unlock()
	select {
	case <-b.done:
		return b.res[i], nil
	case <-ctx.Done():
		return TxResult{}, ctx.Err()
	}
}

// flush runs CheckTx on a batch's records, in order (a refused record
// is left out, as the submitter re-batches the others).
func (c *fakeChain) flush(b *fakeBatch) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pending = nil
	for _, tx := range b.txs {
		b.res = append(b.res, c.check(tx, true))
	}
	c.batches = append(c.batches, len(b.txs))
	close(b.done)
}

// check is CheckTx. The caller holds c.mu.
func (c *fakeChain) check(tx []byte, batched bool) TxResult {
	h := chain.TxHash(tx)
	if _, ok := c.committed[h]; ok {
		return TxResult{Replay: true}
	}
	if c.cache[h] {
		return TxResult{Replay: true} // ErrTxInCache
	}
	if d, ok := c.dep[h]; ok && c.checkDep[h] {
		if _, ok := c.committed[d]; !ok {
			return TxResult{Rejected: true, Code: 40, Log: "signer certificate unknown"}
		}
	}
	c.cache[h] = true
	if c.evict[h] {
		delete(c.evict, h)
		if !c.keepCache {
			delete(c.cache, h)
		}
		return TxResult{}
	}
	c.pool = append(c.pool, pooled{tx: tx, batched: batched})
	c.maxPool = max(c.maxPool, len(c.pool))
	return TxResult{}
}

// index makes a landed or rejected record findable by the hashes its form
// is keyed by. The caller holds c.mu.
func (c *fakeChain) index(p pooled) {
	h := chain.TxHash(p.tx)
	if !p.batched {
		c.byKey[h] = h
	}
	if p.batched || c.rules2 {
		c.byKey[itemHash(p.tx)] = h
	}
}

// block commits the mempool's txs in order.
func (c *fakeChain) block() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.height++
	for _, p := range c.pool {
		h := chain.TxHash(p.tx)
		d, hasDep := c.dep[h]
		_, depOK := c.committed[d]
		switch {
		case c.bad[h]:
			c.rejected[h] = TxResult{Rejected: true, Code: 41, Log: "bad record", Height: c.height}
			delete(c.cache, h)
			c.finalRejects++
		case hasDep && !depOK:
			c.rejected[h] = TxResult{Rejected: true, Code: 42, Log: "contract not found", Height: c.height}
			delete(c.cache, h)
			c.finalRejects++
		default:
			c.committed[h] = uint64(len(c.landed))
			c.landed = append(c.landed, h)
		}
		c.index(p)
	}
	c.pool = nil
}

func (c *fakeChain) clearCache() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.cache)
}

func (c *fakeChain) Result(_ context.Context, k chain.Hash) (TxResult, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	h, ok := c.byKey[k]
	if !ok {
		return TxResult{}, nil
	}
	if i, ok := c.committed[h]; ok {
		return TxResult{Committed: true, Index: i}, nil
	}
	return c.rejected[h], nil
}

func (c *fakeChain) BlockTime() time.Time { return time.Now() }

func (c *fakeChain) Height() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.height
}

func (c *fakeChain) InMempool(tx []byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.ContainsFunc(c.pool, func(p pooled) bool { return string(p.tx) == string(tx) })
}

// queued is a record for queueEngine: its lane and the hash it is queued
// under (nil: the chain's RecordHash).
type queued struct {
	contract, identity string
	key                func(tx []byte) chain.Hash
}

// queueEngine is an engine with only what the chain queue needs, and n
// queued txs of no lane, keyed by tx hash.
func queueEngine(t *testing.T, c *fakeChain, n int) (*Engine, []chain.Hash) {
	t.Helper()
	recs := make([]queued, n)
	for i := range recs {
		recs[i].key = chain.TxHash
	}
	e, hs, _ := queueRecords(t, c, recs)
	return e, hs
}

// queueRecords is an engine with recs queued in order. It returns the
// hashes they are queued under and their tx hashes.
func queueRecords(t *testing.T, c *fakeChain, recs []queued) (*Engine, []chain.Hash, []chain.Hash) {
	t.Helper()
	db, err := pebble.Open("", &pebble.Options{FS: vfs.NewMem()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e := &Engine{cfg: Config{Chain: c}, db: db, now: time.Now, logger: slog.New(slog.DiscardHandler), kick: make(chan struct{}, 1)}
	var hs, txs []chain.Hash
	b := db.NewBatch()
	for i, r := range recs {
		tx := fmt.Appendf(nil, "record %d", i)
		key := r.key
		if key == nil {
			key = c.RecordHash
		}
		h := key(tx)
		hs, txs = append(hs, h), append(txs, chain.TxHash(tx))
		seq := uint64(i + 1)
		if err := setJSON(b, seqKey(pTxQueue, seq), &txItem{Seq: seq, Tx: tx, Hash: h.String()}); err != nil {
			t.Fatal(err)
		}
		ref := &ChainRef{Type: "record", Tx: h.String(), Status: RefQueued, Contract: r.contract, Identity: r.identity}
		if err := setJSON(b, []byte(pRef+h.String()), ref); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Commit(pebble.Sync); err != nil {
		t.Fatal(err)
	}
	e.seq = uint64(len(recs))
	return e, hs, txs
}

func (e *Engine) ref(t *testing.T, h chain.Hash) ChainRef {
	t.Helper()
	var r ChainRef
	if ok, err := getJSON(e.db, pRef+h.String(), &r); err != nil || !ok {
		t.Fatalf("ref %s: %v %v", h, ok, err)
	}
	return r
}

// TestChainQueuePipeline runs the queue against fakeChain with blocks every
// 10 ms and checks that every record ends committed (or, when bad,
// rejected) and that dependent records landed in queue order.
func TestChainQueuePipeline(t *testing.T) {
	const n = 12
	tests := []struct {
		name string
		// set up faults on the fake chain; hs are the queued txs' hashes.
		setup func(c *fakeChain, hs []chain.Hash)
		// rejected lists the txs that must end rejected, with their codes.
		rejected map[int]uint32
		// stuck: tx 3 is evicted with its hash left in the cache.
		stuck bool
	}{
		{name: "in order", setup: func(*fakeChain, []chain.Hash) {}},
		{name: "earlier record evicted, later ones fail in the block and are sent again", setup: func(c *fakeChain, hs []chain.Hash) {
			c.evict[hs[3]] = true
		}},
		{name: "no answer (mempool full): sent again", setup: func(c *fakeChain, hs []chain.Hash) {
			c.full[hs[4]] = true
		}},
		{name: "CheckTx needs an earlier record committed", setup: func(c *fakeChain, hs []chain.Hash) {
			c.checkDep[hs[5]] = true
		}},
		{name: "a bad record and the one that needs it are rejected, the rest committed", setup: func(c *fakeChain, hs []chain.Hash) {
			c.bad[hs[2]] = true
			// 4 onwards do not need 2 or 3.
			delete(c.dep, hs[4])
		}, rejected: map[int]uint32{2: 41, 3: 42}},
		{name: "evicted but in CometBFT's cache: stuck until the cache clears", setup: func(c *fakeChain, hs []chain.Hash) {
			c.evict[hs[3]] = true
			c.keepCache = true
		}, stuck: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			c := newFakeChain()
			e, hs := queueEngine(t, c, n)
			for i := 1; i < n; i++ {
				c.dep[hs[i]] = hs[i-1] // each record needs the one before it
			}
			tc.setup(c, hs)
			runCtx, stop := context.WithCancel(ctx)
			var wg sync.WaitGroup
			wg.Add(2)
			go func() { defer wg.Done(); e.runTxQueue(runCtx) }()
			go func() {
				defer wg.Done()
				tick := time.NewTicker(10 * time.Millisecond)
				defer tick.Stop()
				for {
					select {
					case <-runCtx.Done():
						return
					case <-tick.C:
						c.block()
					}
				}
			}()
			defer func() { stop(); wg.Wait() }()

			if tc.stuck {
				waitFor(ctx, t, "tx 3 marked stuck", func() bool { return e.StuckTxs() == 1 && e.ref(t, hs[3]).Stuck })
				if r := e.ref(t, hs[3]); r.Status != RefQueued {
					t.Fatalf("stuck record status %s", r.Status)
				}
				c.clearCache() // what a node restart does
			}
			waitFor(ctx, t, "queue empty", func() bool { q, err := e.PendingTxs(); return err == nil && q == 0 })
			var order []int
			for i, h := range hs {
				r := e.ref(t, h)
				if code, ok := tc.rejected[i]; ok {
					if r.Status != RefRejected || r.Code != code {
						t.Errorf("tx %d: %s code %d, want rejected with %d", i, r.Status, r.Code, code)
					}
					continue
				}
				if r.Status != RefCommitted || r.Stuck {
					t.Errorf("tx %d: %+v, want committed", i, r)
					continue
				}
				order = append(order, int(*r.Index))
			}
			if !slices.IsSorted(order) {
				t.Errorf("log indexes %v: records landed out of queue order", order)
			}
			if e.StuckTxs() != 0 {
				t.Errorf("StuckTxs = %d after every record landed", e.StuckTxs())
			}
			if c.maxPool < 2 {
				t.Errorf("at most %d record in the mempool at once: not pipelined", c.maxPool)
			}
		})
	}
}

func waitFor(ctx context.Context, t *testing.T, what string, ok func() bool) {
	t.Helper()
	for !ok() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s", what)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// runQueue runs the chain queue against c with a block every interval
// until the queue is empty.
func runQueue(ctx context.Context, t *testing.T, e *Engine, c *fakeChain, interval time.Duration) {
	t.Helper()
	runCtx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); e.runTxQueue(runCtx) }()
	go func() {
		defer wg.Done()
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-runCtx.Done():
				return
			case <-tick.C:
				c.block()
			}
		}
	}()
	defer func() { stop(); wg.Wait() }()
	waitFor(ctx, t, "queue empty", func() bool { q, err := e.PendingTxs(); return err == nil && q == 0 })
}

// TestChainQueueBatchedLanes: at rules version 2 with a batching
// submitter, records of different contracts are submitted concurrently
// and share batches, while each contract's records, and the identity
// records a contract needs, enter the mempool in queue order: no record
// is ever refused for a missing predecessor.
func TestChainQueueBatchedLanes(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c := newFakeChain()
	c.rules2, c.batchWait = true, 20*time.Millisecond
	// Two identities (3 records each), then 4 contracts of 4 records
	// each, interleaved as concurrent signings queue them.
	var recs []queued
	for i := range 2 {
		for range 3 {
			recs = append(recs, queued{identity: fmt.Sprint("id", i)})
		}
	}
	for range 4 {
		for k := range 4 {
			recs = append(recs, queued{contract: fmt.Sprint("c", k)})
		}
	}
	e, hs, txs := queueRecords(t, c, recs)
	lane := func(r queued) string { return r.contract + r.identity }
	last := map[string]int{}
	for i, r := range recs {
		if j, ok := last[lane(r)]; ok {
			c.dep[txs[i]] = txs[j] // each record needs the one before it in its lane
		} else if r.contract != "" {
			c.dep[txs[i]] = txs[3*(len(last)%2)+2] // a contract's first needs an identity's last
		}
		last[lane(r)] = i
	}
	runQueue(ctx, t, e, c, 50*time.Millisecond)

	pos := map[chain.Hash]int{}
	for i, h := range c.landed {
		pos[h] = i
	}
	for i, h := range hs {
		if r := e.ref(t, h); r.Status != RefCommitted {
			t.Errorf("record %d: %+v, want committed", i, r)
		}
		if d, ok := c.dep[txs[i]]; ok && pos[d] > pos[txs[i]] {
			t.Errorf("record %d landed before the record it needs", i)
		}
	}
	if c.finalRejects != 0 {
		t.Errorf("%d records refused in a block: lane order broke", c.finalRejects)
	}
	if len(c.alone) != 0 {
		t.Errorf("%d records sent standalone, want all batchable", len(c.alone))
	}
	if m := slices.Max(c.batches); m < 4 || c.maxInflight < 4 {
		t.Errorf("largest batch %d, %d Broadcasts at once: want the 4 contracts' records together", m, c.maxInflight)
	}
}

// TestChainQueueTxHashKeyed: records queued under their tx hash (before
// rules version 2, or by an older version) still settle once the chain
// batches: they are sent standalone, which that hash finds; one committed
// before the restart is found without a broadcast; and with a submitter
// that cannot send standalone, the record hash finds the batched record.
func TestChainQueueTxHashKeyed(t *testing.T) {
	for _, ignoreAlone := range []bool{false, true} {
		t.Run(fmt.Sprint("ignoreAlone=", ignoreAlone), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			c := newFakeChain()
			recs := []queued{
				{contract: "old", key: chain.TxHash}, // committed before the restart
				{contract: "old", key: chain.TxHash},
				{contract: "old", key: chain.TxHash},
				{contract: "new"},
				{contract: "new"},
			}
			c.rules2 = true // RecordHash: item hashes for the new ones
			e, hs, txs := queueRecords(t, c, recs)
			// Record 0 landed standalone under rules version 1.
			c.rules2 = false
			c.pool = []pooled{{tx: fmt.Appendf(nil, "record 0")}}
			c.block()
			c.rules2, c.batchWait, c.ignoreAlone = true, 10*time.Millisecond, ignoreAlone
			runQueue(ctx, t, e, c, 20*time.Millisecond)

			for i, h := range hs {
				if r := e.ref(t, h); r.Status != RefCommitted {
					t.Errorf("record %d: %+v, want committed", i, r)
				}
			}
			if len(c.landed) != len(recs) {
				t.Errorf("%d records landed, want %d (each once)", len(c.landed), len(recs))
			}
			if c.alone[txs[0]] {
				t.Error("record 0, committed before the restart, was sent again")
			}
			for i := 1; i < len(recs); i++ {
				if want := recs[i].key != nil; c.alone[txs[i]] != want {
					t.Errorf("record %d: sent standalone %v, want %v", i, c.alone[txs[i]], want)
				}
			}
		})
	}
}

// TestEnqueueKeysByRecordHash: a queued record is named by the chain's
// record hash (the item hash at rules version 2), in the queue, its ref
// and what enqueueTx returns.
func TestEnqueueKeysByRecordHash(t *testing.T) {
	for _, rules2 := range []bool{false, true} {
		t.Run(fmt.Sprint("rules2=", rules2), func(t *testing.T) {
			c := newFakeChain()
			c.rules2 = rules2
			e, _, _ := queueRecords(t, c, nil)
			key, err := signer.GenerateKey(signer.AlgSM2, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			e.cfg.Submitter = &client.Submitter{ChainID: "c", Org: "o", Cert: []byte("cert"), Key: key}
			tx := e.begin()
			h, err := tx.enqueueTx(&chain.ContractCompleted{Contract: "k1"}, nil, "k1", "")
			if err != nil {
				t.Fatal(err)
			}
			if err := tx.commit(); err != nil {
				t.Fatal(err)
			}
			var it txItem
			if ok, _, err := e.first(pTxQueue, &it); err != nil || !ok {
				t.Fatalf("queue: %v %v", ok, err)
			}
			want := c.RecordHash(it.Tx)
			if h != want.String() || it.Hash != h {
				t.Fatalf("enqueueTx = %s, queued under %s; want the record hash %s", h, it.Hash, want)
			}
			if r := e.ref(t, want); r.Tx != h || r.Contract != "k1" {
				t.Fatalf("ref %+v", r)
			}
		})
	}
}
