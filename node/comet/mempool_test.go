package comet

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	abcicli "github.com/cometbft/cometbft/abci/client"
	abci "github.com/cometbft/cometbft/abci/types"
	cfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/mempool"
	"github.com/cometbft/cometbft/proxy"
	"github.com/cometbft/cometbft/types"
)

// gatedCheckApp answers CheckTx by the tx's first byte: 'r' rejects with
// code 1, 'e' returns an error, 'p' panics, anything else is accepted. New
// txs (not rechecks) wait for gate to be closed; txs listed in invalid are
// rejected (as if a block had made them invalid).
type gatedCheckApp struct {
	abci.BaseApplication
	gate chan struct{}

	mu                    sync.Mutex
	invalid               map[string]bool
	calls                 int
	inFlight, maxInFlight int
}

func newGatedCheckApp() *gatedCheckApp {
	return &gatedCheckApp{gate: make(chan struct{}), invalid: make(map[string]bool)}
}

func (a *gatedCheckApp) CheckTx(ctx context.Context, req *abci.CheckTxRequest) (*abci.CheckTxResponse, error) {
	a.mu.Lock()
	a.calls++
	a.inFlight++
	a.maxInFlight = max(a.maxInFlight, a.inFlight)
	bad := a.invalid[string(req.Tx)]
	a.mu.Unlock()
	defer func() {
		a.mu.Lock()
		a.inFlight--
		a.mu.Unlock()
	}()
	if req.Type == abci.CHECK_TX_TYPE_CHECK {
		select {
		case <-a.gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	switch {
	case bad || bytes.HasPrefix(req.Tx, []byte("r")):
		return &abci.CheckTxResponse{Code: 1, Log: "rejected"}, nil
	case bytes.HasPrefix(req.Tx, []byte("e")):
		return nil, errors.New("store unavailable")
	case bytes.HasPrefix(req.Tx, []byte("p")):
		panic("malformed tx")
	}
	return &abci.CheckTxResponse{Code: abci.CodeTypeOK}, nil
}

func (a *gatedCheckApp) stats() (calls, maxInFlight int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.calls, a.maxInFlight
}

func startAsyncMempoolClient(t *testing.T, app abci.Application, workers, budget int) *asyncMempoolClient {
	t.Helper()
	c := newAsyncMempoolClient(app, workers, budget)
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Stop() })
	return c
}

// waitReqRes fails the test if rr is not completed within a few seconds.
func waitReqRes(t *testing.T, rr *abcicli.ReqRes) {
	t.Helper()
	done := make(chan struct{})
	go func() { rr.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("ReqRes not completed")
	}
}

func TestAsyncMempoolClientAnswers(t *testing.T) {
	tests := []struct {
		name     string
		tx       string
		wantCode uint32
		wantResp bool // a response (and the callback) is delivered
		wantErr  bool // the connection fails
	}{
		{"accepted", "ok", abci.CodeTypeOK, true, false},
		{"rejected", "rej", 1, true, false},
		{"app panic", "panic", 0, false, false},
		{"app error", "err", 0, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := newGatedCheckApp()
			close(app.gate)
			c := startAsyncMempoolClient(t, app, 2, mempoolQueueBytes)
			var globalCalls atomic.Int32
			c.SetResponseCallback(func(*abci.Request, *abci.Response) { globalCalls.Add(1) })

			rr, err := c.CheckTxAsync(context.Background(), &abci.CheckTxRequest{Tx: []byte(tt.tx), Type: abci.CHECK_TX_TYPE_CHECK})
			if err != nil {
				t.Fatal(err)
			}
			// As CListMempool does: the callback is set after the call
			// returns, possibly after the worker answered.
			var got []*abci.Response
			var mu sync.Mutex
			rr.SetCallback(func(r *abci.Response) error {
				mu.Lock()
				got = append(got, r)
				mu.Unlock()
				return nil
			})
			waitReqRes(t, rr)
			if err := c.Flush(context.Background()); err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			defer mu.Unlock()
			if !tt.wantResp {
				if len(got) != 0 || rr.Response != nil || globalCalls.Load() != 0 {
					t.Fatalf("callbacks %d, global %d, response %v; want none", len(got), globalCalls.Load(), rr.Response)
				}
			} else {
				if len(got) != 1 || globalCalls.Load() != 1 {
					t.Fatalf("callback ran %d times, global %d; want once each", len(got), globalCalls.Load())
				}
				if code := got[0].GetCheckTx().GetCode(); code != tt.wantCode {
					t.Fatalf("code %d, want %d", code, tt.wantCode)
				}
			}
			if !tt.wantErr {
				if err := c.Error(); err != nil {
					t.Fatalf("Error() = %v, want nil", err)
				}
				if !c.IsRunning() {
					t.Fatal("client stopped")
				}
				return
			}
			select {
			case <-c.Quit():
			case <-time.After(5 * time.Second):
				t.Fatal("client did not stop after an app error")
			}
			if err := c.Error(); err == nil || !strings.Contains(err.Error(), "store unavailable") {
				t.Fatalf("Error() = %v, want the app's error", err)
			}
			if _, err := c.CheckTxAsync(context.Background(), &abci.CheckTxRequest{Tx: []byte("ok2"), Type: abci.CHECK_TX_TYPE_CHECK}); err == nil {
				t.Fatal("CheckTxAsync after a failure succeeded")
			}
		})
	}
}

func TestAsyncMempoolClientQueuesAndFlushes(t *testing.T) {
	app := newGatedCheckApp()
	c := startAsyncMempoolClient(t, app, 2, mempoolQueueBytes)

	const n = 20
	var answered atomic.Int32
	rrs := make([]*abcicli.ReqRes, n)
	for i := range rrs {
		// The app is gated: a synchronous client would block here.
		rr, err := c.CheckTxAsync(context.Background(), &abci.CheckTxRequest{Tx: []byte{'t', byte(i)}, Type: abci.CHECK_TX_TYPE_CHECK})
		if err != nil {
			t.Fatal(err)
		}
		rr.SetCallback(func(*abci.Response) error { answered.Add(1); return nil })
		rrs[i] = rr
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := c.Flush(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Flush with the app blocked = %v, want deadline exceeded", err)
	}
	close(app.gate)
	if err := c.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Flush returns only after every callback has run.
	if got := answered.Load(); got != n {
		t.Fatalf("%d callbacks after Flush, want %d", got, n)
	}
	for _, rr := range rrs {
		waitReqRes(t, rr)
	}
	if calls, maxIn := app.stats(); calls != n || maxIn < 2 {
		t.Fatalf("app calls %d (want %d), at most %d at once (want 2 workers)", calls, n, maxIn)
	}
}

func TestAsyncMempoolClientRecheckIsSynchronous(t *testing.T) {
	app := newGatedCheckApp() // gate stays shut: workers would never answer
	c := startAsyncMempoolClient(t, app, 1, mempoolQueueBytes)
	for i, tx := range []string{"a", "rej", "b"} {
		rr, err := c.CheckTxAsync(context.Background(), &abci.CheckTxRequest{Tx: []byte(tx), Type: abci.CHECK_TX_TYPE_RECHECK})
		if err != nil {
			t.Fatal(err)
		}
		// Answered in call order, before the call returns.
		var code uint32 = 99
		rr.SetCallback(func(r *abci.Response) error { code = r.GetCheckTx().GetCode(); return nil })
		if want := map[bool]uint32{true: 1, false: 0}[tx == "rej"]; code != want {
			t.Fatalf("recheck %d: code %d, want %d", i, code, want)
		}
	}
	if err := c.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	close(app.gate)
}

func TestAsyncMempoolClientBackpressure(t *testing.T) {
	app := newGatedCheckApp()
	tx := []byte("tx-0")
	cost := len(tx) + mempoolRequestCost
	c := startAsyncMempoolClient(t, app, 1, 2*cost)

	for i := range 2 {
		if _, err := c.CheckTxAsync(context.Background(), &abci.CheckTxRequest{Tx: []byte{'t', byte(i), 0, 0}, Type: abci.CHECK_TX_TYPE_CHECK}); err != nil {
			t.Fatal(err)
		}
	}
	// The budget is used up: the next call waits, and gives up with its ctx.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := c.CheckTxAsync(ctx, &abci.CheckTxRequest{Tx: tx, Type: abci.CHECK_TX_TYPE_CHECK}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("CheckTxAsync over budget = %v, want deadline exceeded", err)
	}
	admitted := make(chan *abcicli.ReqRes, 1)
	go func() {
		rr, err := c.CheckTxAsync(context.Background(), &abci.CheckTxRequest{Tx: tx, Type: abci.CHECK_TX_TYPE_CHECK})
		if err != nil {
			t.Error(err)
		}
		admitted <- rr
	}()
	select {
	case <-admitted:
		t.Fatal("request over budget admitted while the app is blocked")
	case <-time.After(50 * time.Millisecond):
	}
	close(app.gate)
	select {
	case rr := <-admitted:
		waitReqRes(t, rr)
	case <-time.After(5 * time.Second):
		t.Fatal("waiting request not admitted after the app answered")
	}
	if err := c.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if calls, _ := app.stats(); calls != 3 {
		t.Fatalf("app calls %d, want 3", calls)
	}
}

func TestAsyncMempoolClientStop(t *testing.T) {
	app := newGatedCheckApp()
	before := runtime.NumGoroutine()
	c := newAsyncMempoolClient(app, 4, mempoolQueueBytes)
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	var rrs []*abcicli.ReqRes
	for i := range 10 {
		rr, err := c.CheckTxAsync(context.Background(), &abci.CheckTxRequest{Tx: []byte{'t', byte(i)}, Type: abci.CHECK_TX_TYPE_CHECK})
		if err != nil {
			t.Fatal(err)
		}
		rrs = append(rrs, rr)
	}
	stopped := make(chan error, 1)
	go func() { stopped <- c.Stop() }()
	// Stop waits for the workers' current requests, which wait for the app.
	time.Sleep(20 * time.Millisecond)
	close(app.gate)
	select {
	case err := <-stopped:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Stop did not return")
	}
	// Every request is completed; the queued ones without a response.
	answered := 0
	for _, rr := range rrs {
		waitReqRes(t, rr)
		if rr.Response != nil {
			answered++
		}
	}
	if calls, _ := app.stats(); answered != calls || answered > 4 {
		t.Fatalf("%d answered, %d app calls; want equal and at most one per worker", answered, calls)
	}
	if err := c.Error(); err != nil {
		t.Fatalf("Error() after a clean stop = %v", err)
	}
	if err := c.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	// After Stop requests are answered on the caller's goroutine.
	rr, err := c.CheckTxAsync(context.Background(), &abci.CheckTxRequest{Tx: []byte("late"), Type: abci.CHECK_TX_TYPE_CHECK})
	if err != nil || rr.Response.GetCheckTx().GetCode() != abci.CodeTypeOK {
		t.Fatalf("CheckTxAsync after Stop = %v, %v", rr, err)
	}
	// The workers are gone (allow a moment for the last waitReqRes helpers).
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Fatalf("%d goroutines after Stop, %d before Start", n, before)
	}
}

// TestAsyncMempoolClientWithCListMempool runs CometBFT's mempool over the
// client: concurrent CheckTx, then the commit sequence (lock, flush,
// update with recheck) that BlockExecutor.Commit performs.
func TestAsyncMempoolClientWithCListMempool(t *testing.T) {
	app := newGatedCheckApp()
	close(app.gate)
	c := startAsyncMempoolClient(t, app, 2, mempoolQueueBytes)
	mp := mempool.NewCListMempool(cfg.DefaultMempoolConfig(), proxy.NewAppConnMempool(c, proxy.NopMetrics()), 0)

	const n = 200
	txs := make([]types.Tx, n)
	for i := range txs {
		txs[i] = types.Tx(fmt.Sprintf("tx-%03d", i))
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := w; i < n; i += 4 {
				if _, err := mp.CheckTx(txs[i], ""); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()

	mp.Lock()
	if err := mp.FlushAppConn(); err != nil {
		mp.Unlock()
		t.Fatal(err)
	}
	if got := mp.Size(); got != n {
		mp.Unlock()
		t.Fatalf("mempool holds %d txs after flush, want %d", got, n)
	}
	// A block commits the last 50; it makes the first 20 invalid, which the
	// recheck must evict.
	app.mu.Lock()
	for _, tx := range txs[:20] {
		app.invalid[string(tx)] = true
	}
	app.mu.Unlock()
	committed := txs[n-50:]
	wasCommitted := make(map[string]bool)
	for _, tx := range committed {
		wasCommitted[string(tx)] = true
	}
	results := make([]*abci.ExecTxResult, len(committed))
	for i := range results {
		results[i] = &abci.ExecTxResult{Code: abci.CodeTypeOK}
	}
	err := mp.Update(1, committed, results, nil, nil)
	mp.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	left := mp.ReapMaxTxs(-1)
	if len(left) != n-50-20 {
		t.Fatalf("mempool holds %d txs after update, want %d", len(left), n-50-20)
	}
	for _, tx := range left {
		if app.invalid[string(tx)] || wasCommitted[string(tx)] {
			t.Fatalf("tx %s should have left the mempool", tx)
		}
	}
}
