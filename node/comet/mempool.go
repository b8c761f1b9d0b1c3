package comet

import (
	"context"
	"errors"
	"fmt"
	"sync"

	abcicli "github.com/cometbft/cometbft/abci/client"
	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cometbft/cometbft/libs/service"
	"github.com/cometbft/cometbft/proxy"
	"github.com/cometbft/cometbft/types"
)

const (
	// mempoolQueueBytes bounds what waits for a CheckTx worker: when it is
	// used up, CheckTxAsync blocks its caller (a peer's receive loop or an
	// RPC handler) until workers catch up, as the synchronous client did
	// for every tx. 4 MiB is about 2,300 Sealchain txs, ~0.15 s of work on
	// two cores.
	mempoolQueueBytes = 4 << 20
	// mempoolRequestCost is charged per queued request on top of its tx
	// bytes, so the byte budget also bounds the number of requests (and the
	// job channel's capacity).
	mempoolRequestCost = 1 << 10
)

// asyncMempoolCreator is CometBFT's consensus-synchronised local client
// creator with the mempool connection answered by asyncMempoolClient.
type asyncMempoolCreator struct {
	proxy.ClientCreator
	app        abci.Application
	workers    int
	queueBytes int
}

func (c asyncMempoolCreator) NewABCIMempoolClient() (abcicli.Client, error) {
	return newAsyncMempoolClient(c.app, c.workers, c.queueBytes), nil
}

// asyncMempoolClient is the mempool's ABCI connection. CometBFT's local
// clients answer CheckTxAsync on the caller's goroutine, and the caller of
// a gossiped tx is the peer connection's receive loop: a validator then
// verifies one peer's txs one at a time, and that peer's consensus messages
// (proposals, votes) wait behind them. Here CheckTxAsync queues the request
// and returns; a fixed pool of workers calls the app and completes the
// ReqRes, as CometBFT's socket client does from its response loop.
//
// What CListMempool relies on, and how it is kept:
//   - Flush returns once every queued request has been answered and its
//     callback has run. BlockExecutor.Commit flushes with the mempool
//     locked before Update, so no CheckTx callback runs during a recheck
//     (the mempool panics if one does).
//   - Recheck responses must arrive in mempool order (the mempool walks its
//     list with a cursor and skips what arrives out of order), so rechecks
//     are answered synchronously on the caller, which holds the mempool
//     lock; their signatures are in the app's verification cache.
//   - New-tx callbacks may run concurrently and in any order: the local
//     clients already run them on concurrent callers.
//   - A ReqRes is always completed (Done), also when the app fails or
//     panics or the client stops with requests queued; those get no
//     response, as with the socket client. An app error ends the
//     connection (Error, Stop); a panic drops only its tx.
//
// Every other ABCI call goes straight to the app, as with CometBFT's
// unsynchronised local client.
type asyncMempoolClient struct {
	service.BaseService
	abci.Application

	workers int
	budget  int
	jobs    chan checkTxJob
	done    chan struct{} // closed by OnStop: workers exit
	wg      sync.WaitGroup

	mu       sync.Mutex
	stopped  bool
	err      error            // first app error; the connection is dead after it
	queued   int              // cost of requests not yet answered
	pending  int              // requests not yet answered
	idle     chan struct{}    // closed while pending == 0
	space    chan struct{}    // closed when budget is released and waiters > 0
	waiters  int              // callers blocked on space
	callback abcicli.Callback // deprecated global callback, kept for the interface
}

type checkTxJob struct {
	ctx  context.Context
	req  *abci.CheckTxRequest
	rr   *abcicli.ReqRes
	cost int
}

var _ abcicli.Client = (*asyncMempoolClient)(nil)

func newAsyncMempoolClient(app abci.Application, workers, budget int) *asyncMempoolClient {
	workers = max(workers, 1)
	budget = max(budget, mempoolRequestCost)
	idle := make(chan struct{})
	close(idle)
	c := &asyncMempoolClient{
		Application: app,
		workers:     workers,
		budget:      budget,
		// One slot per request the budget admits, plus the one admitted
		// with an empty queue whatever its size, so a send never blocks.
		jobs:  make(chan checkTxJob, budget/mempoolRequestCost+1),
		done:  make(chan struct{}),
		idle:  idle,
		space: make(chan struct{}),
	}
	c.BaseService = *service.NewBaseService(nil, "asyncMempoolClient", c)
	return c
}

func (c *asyncMempoolClient) OnStart() error {
	c.wg.Add(c.workers)
	for range c.workers {
		go c.work()
	}
	return nil
}

// OnStop stops the workers after their current request and completes the
// queued requests without a response. Later requests are answered on the
// caller's goroutine.
func (c *asyncMempoolClient) OnStop() {
	c.mu.Lock()
	c.stopped = true
	c.wakeLocked()
	c.mu.Unlock()
	close(c.done)
	c.wg.Wait()
	for {
		select {
		case j := <-c.jobs:
			j.rr.Done()
			c.release(j.cost)
		default:
			return
		}
	}
}

// Error reports the app error that ended the connection, if any; the
// mempool then refuses new txs.
func (c *asyncMempoolClient) Error() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Flush waits until every queued request has been answered and its
// callback has run.
func (c *asyncMempoolClient) Flush(ctx context.Context) error {
	c.mu.Lock()
	idle := c.idle
	c.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("flush mempool connection: %w", ctx.Err())
	}
}

func (*asyncMempoolClient) Echo(_ context.Context, msg string) (*abci.EchoResponse, error) {
	return &abci.EchoResponse{Message: msg}, nil
}

func (c *asyncMempoolClient) SetResponseCallback(cb abcicli.Callback) {
	c.mu.Lock()
	c.callback = cb
	c.mu.Unlock()
}

// CheckTxAsync queues a new tx for a worker, blocking while the queue's
// budget is used up. Rechecks, and requests before Start or after Stop,
// are answered before it returns.
func (c *asyncMempoolClient) CheckTxAsync(ctx context.Context, req *abci.CheckTxRequest) (*abcicli.ReqRes, error) {
	if req.Type == abci.CHECK_TX_TYPE_RECHECK {
		return c.checkNow(ctx, req)
	}
	cost := len(req.Tx) + mempoolRequestCost
	c.mu.Lock()
	for {
		if c.err != nil {
			err := c.err
			c.mu.Unlock()
			return nil, err
		}
		if c.stopped || !c.IsRunning() {
			c.mu.Unlock()
			return c.checkNow(ctx, req)
		}
		// An empty queue admits any request, so a tx larger than the
		// budget cannot wait forever.
		if c.queued == 0 || c.queued+cost <= c.budget {
			break
		}
		space := c.space
		c.waiters++
		c.mu.Unlock()
		select {
		case <-space:
		case <-ctx.Done():
			c.mu.Lock()
			c.waiters--
			c.mu.Unlock()
			return nil, fmt.Errorf("mempool check tx: %w", ctx.Err())
		}
		c.mu.Lock()
		c.waiters--
	}
	rr := abcicli.NewReqRes(abci.ToCheckTxRequest(req))
	c.queued += cost
	if c.pending == 0 {
		c.idle = make(chan struct{})
	}
	c.pending++
	// Sent under mu so that OnStop, which sets stopped under mu before
	// draining, cannot miss a job; the channel has room for every
	// admitted request, so this never blocks.
	c.jobs <- checkTxJob{ctx: ctx, req: req, rr: rr, cost: cost}
	c.mu.Unlock()
	return rr, nil
}

// checkNow answers req on the caller's goroutine, like CometBFT's
// unsynchronised local client.
func (c *asyncMempoolClient) checkNow(ctx context.Context, req *abci.CheckTxRequest) (*abcicli.ReqRes, error) {
	res, err := c.Application.CheckTx(ctx, req)
	if err != nil {
		return nil, err
	}
	rr := abcicli.NewReqRes(abci.ToCheckTxRequest(req))
	c.respond(rr, res)
	rr.Done()
	return rr, nil
}

func (c *asyncMempoolClient) work() {
	defer c.wg.Done()
	for {
		// Checked first so that a stop is not delayed by a full queue.
		select {
		case <-c.done:
			return
		default:
		}
		select {
		case <-c.done:
			return
		case j := <-c.jobs:
			c.answer(j)
		}
	}
}

// answer runs one queued request. The callback runs before Done, so a
// waiter on the ReqRes (broadcast_tx_sync) sees the callback's outcome,
// and before the request leaves pending, so Flush covers it.
func (c *asyncMempoolClient) answer(j checkTxJob) {
	defer c.release(j.cost)
	defer j.rr.Done()
	res, err := c.checkTx(j.ctx, j.req)
	switch {
	case errors.Is(err, errCheckTxPanicked):
		c.Logger.Error("mempool CheckTx panicked; tx dropped", "tx", fmt.Sprintf("%X", types.Tx(j.req.Tx).Hash()), "err", err)
	case err != nil:
		c.fail(err)
	default:
		c.respond(j.rr, res)
	}
}

var errCheckTxPanicked = errors.New("check tx panicked")

// checkTx calls the app, turning a panic into errCheckTxPanicked: on the
// caller's goroutine a panic on one tx would have ended that peer's
// connection or that RPC request (both recover), not the process.
func (c *asyncMempoolClient) checkTx(ctx context.Context, req *abci.CheckTxRequest) (res *abci.CheckTxResponse, err error) {
	defer func() {
		if r := recover(); r != nil {
			res, err = nil, fmt.Errorf("%w: %v", errCheckTxPanicked, r)
		}
	}()
	res, err = c.Application.CheckTx(ctx, req)
	if err == nil && res == nil {
		err = errors.New("check tx: app returned no response")
	}
	return res, err
}

func (c *asyncMempoolClient) respond(rr *abcicli.ReqRes, res *abci.CheckTxResponse) {
	resp := abci.ToCheckTxResponse(res)
	c.mu.Lock()
	cb := c.callback
	c.mu.Unlock()
	if cb != nil {
		cb(rr.Request, resp)
	}
	rr.Response = resp
	rr.InvokeCallback()
}

// fail records the first app error and stops the client, which is how
// CometBFT's socket client reports a broken application: the node's
// proxy then shuts the node down. The synchronous local client would have
// panicked on the caller's goroutine instead.
func (c *asyncMempoolClient) fail(err error) {
	c.mu.Lock()
	first := c.err == nil
	if first {
		c.err = err
	}
	c.mu.Unlock()
	if !first {
		return
	}
	c.Logger.Error("mempool CheckTx failed; stopping the mempool connection", "err", err)
	// Stop waits for the workers, this one included, so it cannot run here.
	go func() { _ = c.Stop() }()
}

// release returns a request's cost to the budget and marks it answered.
func (c *asyncMempoolClient) release(cost int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.queued -= cost
	c.pending--
	if c.pending == 0 {
		close(c.idle)
	}
	c.wakeLocked()
}

func (c *asyncMempoolClient) wakeLocked() {
	if c.waiters > 0 {
		close(c.space)
		c.space = make(chan struct{})
	}
}
