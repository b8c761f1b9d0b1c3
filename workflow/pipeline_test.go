package workflow

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble"
	"github.com/cockroachdb/pebble/vfs"

	"github.com/sealchain/sealchain/chain"
)

// fakeChain is a one-node chain with CometBFT's mempool behaviour as far
// as the queue sees it: FIFO, a cache that makes a repeat broadcast a
// silent no-op until the tx fails in a block, and blocks that take the
// whole mempool in order. A tx may depend on another: it fails (in
// CheckTx if checkDep, else in FinalizeBlock) unless that one is
// committed.
type fakeChain struct {
	mu        sync.Mutex
	height    int64
	pool      [][]byte
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
}

func newFakeChain() *fakeChain {
	return &fakeChain{cache: map[chain.Hash]bool{}, committed: map[chain.Hash]uint64{}, rejected: map[chain.Hash]TxResult{},
		dep: map[chain.Hash]chain.Hash{}, checkDep: map[chain.Hash]bool{}, bad: map[chain.Hash]bool{}, evict: map[chain.Hash]bool{}}
}

func (c *fakeChain) Broadcast(_ context.Context, tx []byte) (TxResult, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	h := chain.TxHash(tx)
	if _, ok := c.committed[h]; ok {
		return TxResult{Replay: true}, nil
	}
	if c.cache[h] {
		return TxResult{Replay: true}, nil // ErrTxInCache
	}
	if d, ok := c.dep[h]; ok && c.checkDep[h] {
		if _, ok := c.committed[d]; !ok {
			return TxResult{Rejected: true, Code: 40, Log: "signer certificate unknown"}, nil
		}
	}
	c.cache[h] = true
	if c.evict[h] {
		delete(c.evict, h)
		if !c.keepCache {
			delete(c.cache, h)
		}
		return TxResult{}, nil
	}
	c.pool = append(c.pool, tx)
	c.maxPool = max(c.maxPool, len(c.pool))
	return TxResult{}, nil
}

// block commits the mempool's txs in order.
func (c *fakeChain) block() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.height++
	for _, tx := range c.pool {
		h := chain.TxHash(tx)
		d, hasDep := c.dep[h]
		_, depOK := c.committed[d]
		switch {
		case c.bad[h]:
			c.rejected[h] = TxResult{Rejected: true, Code: 41, Log: "bad record", Height: c.height}
			delete(c.cache, h)
		case hasDep && !depOK:
			c.rejected[h] = TxResult{Rejected: true, Code: 42, Log: "contract not found", Height: c.height}
			delete(c.cache, h)
		default:
			c.committed[h] = uint64(len(c.landed))
			c.landed = append(c.landed, h)
		}
	}
	c.pool = nil
}

func (c *fakeChain) clearCache() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.cache)
}

func (c *fakeChain) Result(_ context.Context, h chain.Hash) (TxResult, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
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
	return slices.ContainsFunc(c.pool, func(p []byte) bool { return string(p) == string(tx) })
}

// queueEngine is an engine with only what the chain queue needs, and n
// queued txs.
func queueEngine(t *testing.T, c *fakeChain, n int) (*Engine, []chain.Hash) {
	t.Helper()
	db, err := pebble.Open("", &pebble.Options{FS: vfs.NewMem()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e := &Engine{cfg: Config{Chain: c}, db: db, now: time.Now, logger: slog.New(slog.DiscardHandler), kick: make(chan struct{}, 1)}
	var hs []chain.Hash
	b := db.NewBatch()
	for i := range n {
		tx := fmt.Appendf(nil, "record %d", i)
		h := chain.TxHash(tx)
		hs = append(hs, h)
		seq := uint64(i + 1)
		if err := setJSON(b, seqKey(pTxQueue, seq), &txItem{Seq: seq, Tx: tx, Hash: h.String()}); err != nil {
			t.Fatal(err)
		}
		if err := setJSON(b, []byte(pRef+h.String()), &ChainRef{Type: "record", Tx: h.String(), Status: RefQueued}); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Commit(pebble.Sync); err != nil {
		t.Fatal(err)
	}
	e.seq = uint64(n)
	return e, hs
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
