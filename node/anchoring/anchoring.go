package anchoring

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sealchain/sealchain/anchor"
	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/store"
	"github.com/sealchain/sealchain/config"
	"github.com/sealchain/sealchain/node/submit"
)

// Anchoring runs beside consensus, never inside it: the loop reads committed
// checkpoints, talks to Fabric with its own timeouts and submits anchored
// records through the mempool like any client. A slow or dead Fabric network
// only makes the queue grow.

// anchorTick is how often the loop looks at the chain and the queue.
const anchorTick = 200 * time.Millisecond

// resubmitAfter is how long an anchored record may sit in the mempool before
// the loop submits it again.
const resubmitAfter = 30 * time.Second

// Submitter submits a tx to the mempool (submit.Submitter). From rules
// version 2 it batches the anchored record with the node's other records
// (Submit then waits up to the batch wait); the loop never looks the
// record up by hash, only at the chain's latest anchor, so either form
// settles the job.
type Submitter interface {
	Submit(ctx context.Context, tx []byte) (submit.Outcome, error)
}

// Store is what anchoring reads from the app store.
type Store interface {
	Last() chain.Checkpoint
	View() store.View
}

// anchorMetrics are the anchoring metrics.
type anchorMetrics struct {
	lagBlocks  prometheus.Gauge
	lagSeconds prometheus.Gauge
	queueLen   prometheus.Gauge
	failures   *prometheus.CounterVec
	latency    prometheus.Histogram
	anchored   prometheus.Counter
	verified   *prometheus.CounterVec
}

func newAnchorMetrics(reg prometheus.Registerer) *anchorMetrics {
	m := &anchorMetrics{
		lagBlocks: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "sealchain", Subsystem: "anchor", Name: "lag_blocks",
			Help: "Committed height minus the newest height anchored on chain."}),
		lagSeconds: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "sealchain", Subsystem: "anchor", Name: "lag_seconds",
			Help: "Age of the oldest committed checkpoint not covered by an anchored record (0 when none)."}),
		queueLen: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "sealchain", Subsystem: "anchor", Name: "queue_length",
			Help: "Checkpoints waiting to be anchored."}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "sealchain", Subsystem: "anchor", Name: "failures_total",
			Help: "Failed anchoring attempts, by stage (fabric, chain)."}, []string{"stage"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: "sealchain", Subsystem: "anchor", Name: "latency_seconds",
			Help:    "Fabric PutAnchor, submit to committed receipt.",
			Buckets: []float64{.05, .1, .2, .3, .5, 1, 2, 5, 10, 30}}),
		anchored: prometheus.NewCounter(prometheus.CounterOpts{Namespace: "sealchain", Subsystem: "anchor", Name: "anchored_total",
			Help: "Checkpoints anchored on Fabric and recorded on chain."}),
		verified: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "sealchain", Subsystem: "anchor", Name: "verifications_total",
			Help: "Anchored records read back from Fabric, by result (ok, mismatch, unreachable)."}, []string{"result"}),
	}
	if reg != nil {
		reg.MustRegister(m.lagBlocks, m.lagSeconds, m.queueLen, m.failures, m.latency, m.anchored, m.verified)
	}
	return m
}

// Anchorer is the anchoring loop and, with verify = fabric, the checker of
// anchored records.
type Anchorer struct {
	cfg     config.Anchor
	chainID string
	store   Store
	ledger  anchor.Ledger
	closer  io.Closer // the ledger's, when New opened it
	submit  bool      // this node's org anchors
	build   func(chain.Body) ([]byte, error)
	sub     Submitter
	queue   *anchorQueue
	metrics *anchorMetrics
	logger  *slog.Logger
	now     func() time.Time

	mu           sync.Mutex
	lastEnqueue  time.Time
	lastErr      string
	lastReceipt  *anchor.Receipt
	lastLatency  time.Duration
	verifiedUpTo uint64
	verifyNext   time.Time
	verifyFails  int
	alarms       []string
	lagBlocks    int64
	lagSeconds   float64
	queueLen     int
}

// Config is what New needs. Anchor, ChainID, Store and Logger are
// required; with Anchor.Enable also Build, Submitter and QueueDir.
type Config struct {
	Anchor  config.Anchor
	ChainID string
	Store   Store
	// Ledger is the Fabric client; nil: New opens the one ProfilePath
	// (the resolved [anchor] profile) names.
	Ledger      anchor.Ledger
	ProfilePath string
	// Build signs an anchored record with this org's submitter credential.
	Build     func(chain.Body) ([]byte, error)
	Submitter Submitter
	QueueDir  string
	Metrics   prometheus.Registerer // nil: metrics are not registered
	Logger    *slog.Logger
}

// New prepares the anchoring loop ([anchor] enable or verify = "fabric");
// Run runs it, Close releases its queue and Fabric client.
func New(c Config) (*Anchorer, error) {
	a := &Anchorer{cfg: c.Anchor, chainID: c.ChainID, store: c.Store, submit: c.Anchor.Enable, ledger: c.Ledger,
		build: c.Build, sub: c.Submitter, metrics: newAnchorMetrics(c.Metrics), logger: c.Logger, now: time.Now}
	if a.ledger == nil {
		p, err := anchor.LoadProfile(c.ProfilePath)
		if err != nil {
			return nil, &config.KeyError{Key: "anchor.profile", Err: err}
		}
		if a.ledger, a.closer, err = openLedger(p, c.Anchor.FabricSDKHelper); err != nil {
			return nil, &config.KeyError{Key: "anchor.profile", Err: err}
		}
	}
	if a.submit {
		if a.build == nil || a.sub == nil {
			a.Close()
			return nil, errors.New("anchoring submits but has no record builder or submitter")
		}
		q, err := openAnchorQueue(c.QueueDir, a.logger)
		if err != nil {
			a.Close()
			return nil, err
		}
		a.queue = q
	}
	return a, nil
}

// Close releases the queue and the Fabric client; call it after Run returned.
func (a *Anchorer) Close() error {
	var errs []error
	if a.queue != nil {
		if err := a.queue.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close anchor queue: %w", err))
		}
		a.queue = nil
	}
	if a.closer != nil {
		if err := a.closer.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close Fabric client: %w", err))
		}
		a.closer = nil
	}
	return errors.Join(errs...)
}

// Run loops until ctx ends.
func (a *Anchorer) Run(ctx context.Context) {
	t := time.NewTicker(anchorTick)
	defer t.Stop()
	for {
		if a.submit {
			if err := a.step(ctx); err != nil && ctx.Err() == nil {
				a.logger.Error("anchoring step", "err", err)
			}
		}
		if a.cfg.Verify == config.AnchorVerifyFabric {
			a.verify(ctx)
		}
		a.observe()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// step enqueues the newest checkpoint when it is due, then works the queue.
func (a *Anchorer) step(ctx context.Context) error {
	if err := a.maybeEnqueue(); err != nil {
		return err
	}
	jobs, err := a.queue.Jobs(0)
	if err != nil {
		return err
	}
	latest, err := a.store.View().LatestAnchor()
	if err != nil {
		return err
	}
	now := a.now()
	for _, j := range jobs {
		if ctx.Err() != nil {
			return nil
		}
		if latest >= j.Height {
			// Recorded on chain (by us, or superseded by a newer anchor).
			if j.Receipt != nil && j.Submitted.After(time.Time{}) {
				a.metrics.anchored.Inc()
			}
			if err := a.queue.Delete(j.Height); err != nil {
				return err
			}
			continue
		}
		if now.Before(j.NextTry) {
			// Fabric takes anchors in height order: a job waiting for its
			// retry holds back the ones after it.
			return nil
		}
		if j.Receipt == nil {
			if !a.putFabric(ctx, j) {
				return nil
			}
		}
		if j.Submitted.IsZero() || now.Sub(j.Submitted) > resubmitAfter {
			a.recordOnChain(ctx, j)
		}
	}
	return nil
}

// maybeEnqueue queues the last committed checkpoint when every_blocks heights
// or every seconds have passed since the last one queued, and the log grew by
// more than the anchored records themselves (so an idle chain stops
// anchoring its own anchors).
func (a *Anchorer) maybeEnqueue() error {
	last := a.store.Last()
	if last.Height <= 0 {
		return nil
	}
	prevH, err := a.queue.LastEnqueued()
	if err != nil {
		return err
	}
	var prevSize uint64
	if prevH > 0 {
		cp, err := a.store.View().Checkpoint(int64(prevH))
		if err != nil {
			return err
		}
		prevSize = cp.LogSize
	}
	a.mu.Lock()
	lastEnqueue := a.lastEnqueue
	a.mu.Unlock()
	if !anchorDue(a.cfg, a.now(), lastEnqueue, prevH, prevSize, last) {
		return nil
	}
	j := &anchorJob{Height: uint64(last.Height), AppHash: last.AppHash, LogSize: last.LogSize, LogRoot: last.LogRoot,
		BlockTime: last.Time, Enqueued: a.now()}
	if err := a.queue.Enqueue(j); err != nil {
		return err
	}
	a.mu.Lock()
	a.lastEnqueue = j.Enqueued
	a.mu.Unlock()
	a.logger.Debug("checkpoint queued for anchoring", "height", j.Height, "log_size", j.LogSize)
	return nil
}

// anchorDue decides whether the checkpoint last is due. prevH and prevSize
// are the last queued checkpoint's height and log size (0 when none).
func anchorDue(cfg config.Anchor, now, lastEnqueue time.Time, prevH, prevSize uint64, last chain.Checkpoint) bool {
	h := uint64(last.Height)
	if h <= prevH {
		return false
	}
	// One anchored record per anchor is the loop's own growth.
	if prevH > 0 && last.LogSize <= prevSize+1 {
		return false
	}
	if prevH == 0 {
		return last.LogSize > 0
	}
	if cfg.EveryBlocks > 0 && h >= prevH+uint64(cfg.EveryBlocks) {
		return true
	}
	return cfg.Every.Duration > 0 && now.Sub(lastEnqueue) >= cfg.Every.Duration
}

// putFabric writes the job's anchor to Fabric; false means not now.
func (a *Anchorer) putFabric(ctx context.Context, j *anchorJob) bool {
	cctx, cancel := context.WithTimeout(ctx, a.cfg.Timeout.Duration)
	defer cancel()
	start := a.now()
	rc, err := a.ledger.PutAnchor(cctx, j.anchor(a.chainID))
	if errors.Is(err, anchor.ErrNotAfterLatest) {
		// A previous run committed it but stopped before saving the
		// receipt, or a newer anchor is there already: read it back.
		var got anchor.Anchor
		got, rc, err = a.ledger.GetAnchor(cctx, a.chainID, j.Height)
		switch {
		case errors.Is(err, anchor.ErrNotFound):
			a.logger.Warn("checkpoint superseded on Fabric by a newer anchor; dropped", "height", j.Height)
			a.queue.Delete(j.Height)
			return false
		case err == nil:
			if cerr := anchor.Compare(j.anchor(a.chainID), got); cerr != nil {
				a.alarm(fmt.Sprintf("Fabric holds a different checkpoint at height %d: %v", j.Height, cerr))
				err = cerr
			}
		}
	}
	if err != nil {
		a.fail(j, "fabric", err)
		return false
	}
	j.Receipt, j.Latency, j.LastError, j.Attempts = &rc, a.now().Sub(start), "", 0
	if err := a.queue.Save(j); err != nil {
		a.logger.Error("save anchor receipt", "height", j.Height, "err", err)
		return false
	}
	a.metrics.latency.Observe(j.Latency.Seconds())
	a.mu.Lock()
	a.lastReceipt, a.lastLatency = &rc, j.Latency
	a.mu.Unlock()
	a.logger.Info("checkpoint anchored on Fabric", "height", j.Height, "tx_id", rc.TxID, "block", rc.Block, "latency", j.Latency)
	return true
}

// recordOnChain submits the anchored record for a job with a receipt.
func (a *Anchorer) recordOnChain(ctx context.Context, j *anchorJob) {
	rc := j.Receipt
	tx, err := a.build(&chain.Anchored{
		ChainID: a.chainID, Height: j.Height, AppHash: j.AppHash, LogSize: j.LogSize, LogRoot: j.LogRoot,
		Network: rc.Network, Channel: rc.Channel, Chaincode: rc.Chaincode, TxID: rc.TxID, Block: rc.Block,
		AnchoredAt: rc.Time.UnixNano(),
	})
	if err != nil {
		a.fail(j, "chain", fmt.Errorf("build anchored record: %w", err))
		return
	}
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	// A newer anchor on chain (app.CodeAnchorOrder) is FinalizeBlock's
	// answer, not CheckTx's: step sees it as LatestAnchor >= the job's
	// height and drops the job.
	o, err := a.sub.Submit(cctx, tx)
	switch {
	case err != nil:
		a.fail(j, "chain", fmt.Errorf("submit anchored record: %w", err))
		return
	case o.Status == submit.Rejected:
		a.fail(j, "chain", fmt.Errorf("anchored record refused: code %d: %s", o.Code, o.Log))
		return
	case !o.Accepted():
		a.fail(j, "chain", fmt.Errorf("submit anchored record: %s: %w", o.Status, o.Err))
		return
	}
	j.Submitted = a.now()
	if err := a.queue.Save(j); err != nil {
		a.logger.Error("save anchor job", "height", j.Height, "err", err)
	}
}

func (a *Anchorer) fail(j *anchorJob, stage string, err error) {
	j.Attempts++
	j.LastError = err.Error()
	j.NextTry = a.now().Add(backoff(j.Attempts, a.cfg.RetryMin.Duration, a.cfg.RetryMax.Duration))
	if serr := a.queue.Save(j); serr != nil {
		a.logger.Error("save anchor job", "height", j.Height, "err", serr)
	}
	a.metrics.failures.WithLabelValues(stage).Inc()
	a.mu.Lock()
	a.lastErr = fmt.Sprintf("%s: %s", stage, err)
	a.mu.Unlock()
	a.logger.Warn("anchoring attempt failed", "stage", stage, "height", j.Height, "attempt", j.Attempts,
		"retry_in", j.NextTry.Sub(a.now()).Round(time.Millisecond), "err", err)
}

func (a *Anchorer) alarm(msg string) {
	a.mu.Lock()
	if len(a.alarms) < 100 {
		a.alarms = append(a.alarms, msg)
	}
	a.mu.Unlock()
	a.logger.Error("ANCHOR ALARM", "detail", msg)
}

// observe updates the lag and queue metrics.
func (a *Anchorer) observe() {
	last := a.store.Last()
	view := a.store.View()
	latest, err := view.LatestAnchor()
	if err != nil {
		return
	}
	lagBlocks := last.Height - int64(latest)
	if latest > 0 {
		// Heights that only added the anchored record itself are not lag:
		// an idle chain whose newest records are anchored shows 0.
		if st, err := view.Anchors(latest-1, 1); err == nil && len(st) == 1 && last.LogSize <= st[0].LogSize+1 {
			lagBlocks = 0
		}
	}
	var lagSeconds float64
	if lagBlocks > 0 {
		if cp, err := view.Checkpoint(int64(latest) + 1); err == nil && !cp.Time.IsZero() {
			lagSeconds = max(0, a.now().Sub(cp.Time).Seconds())
		}
	}
	n := 0
	if a.queue != nil {
		n, _ = a.queue.Len()
	}
	a.metrics.lagBlocks.Set(float64(lagBlocks))
	a.metrics.lagSeconds.Set(lagSeconds)
	a.metrics.queueLen.Set(float64(n))
	a.mu.Lock()
	a.lagBlocks, a.lagSeconds, a.queueLen = lagBlocks, lagSeconds, n
	a.mu.Unlock()
}

// Status is the anchoring part of GET /v1/status.
func (a *Anchorer) Status() map[string]any {
	latest, _ := a.store.View().LatestAnchor()
	a.mu.Lock()
	defer a.mu.Unlock()
	st := map[string]any{
		"submits": a.submit, "verify": a.cfg.Verify, "latest_anchored_height": latest,
		"lag_blocks": a.lagBlocks, "lag_seconds": a.lagSeconds, "queue_length": a.queueLen,
		"last_error": a.lastErr, "alarms": append([]string{}, a.alarms...),
	}
	if a.cfg.Verify == config.AnchorVerifyFabric {
		st["verified_up_to"] = a.verifiedUpTo
	}
	if r := a.lastReceipt; r != nil {
		st["last_receipt"] = map[string]any{"network": r.Network, "channel": r.Channel, "chaincode": r.Chaincode,
			"tx_id": r.TxID, "block": r.Block, "time": r.Time, "latency_ms": a.lastLatency.Milliseconds()}
	}
	return st
}
