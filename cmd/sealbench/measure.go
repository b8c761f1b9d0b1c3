package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

const (
	// pollInterval is how often commit pollers look for newly committed txs.
	pollInterval = 10 * time.Millisecond
	// commitTimeout bounds the wait for commits after the last submission.
	commitTimeout = 2 * time.Minute
	// progressInterval is how often the progress line is redrawn.
	progressInterval = 250 * time.Millisecond
)

// phaseResult is what one timed phase measured.
type phaseResult struct {
	App string `json:"app"`
	// Txs counts the measured records (each its own CometBFT tx unless
	// batched); the per-second and latency figures are per record.
	Txs int `json:"txs"`
	// Batches is the number of batch txs carrying them, BatchSize the
	// records per batch (0: unbatched).
	Batches     int     `json:"batches,omitempty"`
	BatchSize   int     `json:"batch_size,omitempty"`
	Submitted   int     `json:"submitted"`
	Failed      int     `json:"failed"`
	Committed   int     `json:"committed"`
	TxBytesAvg  float64 `json:"tx_bytes_avg"` // wire bytes per record
	ElapsedSec  float64 `json:"elapsed_s"`    // first submit to last commit
	SubmitSec   float64 `json:"submit_s"`     // first submit to last submit returned
	TPS         float64 `json:"committed_tx_per_s"`
	P50Ms       float64 `json:"p50_ms"`
	P95Ms       float64 `json:"p95_ms"`
	P99Ms       float64 `json:"p99_ms"`
	MaxMs       float64 `json:"max_ms"`
	HeightFrom  int64   `json:"height_from"` // last committed height before the first submit
	HeightTo    int64   `json:"height_to"`   // last committed height the pollers covered
	Blocks      int64   `json:"blocks"`      // blocks in (HeightFrom, HeightTo] holding txs
	ChainTxs    int64   `json:"chain_txs"`   // the chain's own count (see chainCount)
	ChainSource string  `json:"chain_source"`
	BlockTxs    int64   `json:"block_txs"` // CometBFT txs in those blocks (batches count once)
	// AppTxs is the app's own count of committed txs over the phase: the
	// store's log size delta (Sealchain) or kvstore's Info size delta.
	AppTxs     int64  `json:"app_txs"`
	FirstError string `json:"first_error,omitempty"`
	// FirstSubmit is when the first tx was submitted.
	FirstSubmit time.Time   `json:"first_submit"`
	BlockLog    []blockInfo `json:"block_log,omitempty"`
}

// tracker holds per-tx submit and commit times of one phase.
type tracker struct {
	submit    []atomic.Int64 // unix ns before BroadcastTxSync; 0 not yet
	failed    []atomic.Bool
	commit    []int64 // unix ns first seen committed; written by the poller only
	committed atomic.Int64
	pending   []int // poller-owned: indices not yet seen committed
}

func newTracker(n int) *tracker {
	t := &tracker{submit: make([]atomic.Int64, n), failed: make([]atomic.Bool, n), commit: make([]int64, n)}
	t.pending = make([]int, n)
	for i := range t.pending {
		t.pending[i] = i
	}
	return t
}

// sweep calls seen for every submitted, not yet committed tx and marks those
// it reports committed at now. Only the poller goroutine calls it.
func (t *tracker) sweep(now time.Time, seen func(i int) bool) {
	keep := t.pending[:0]
	for _, i := range t.pending {
		if t.submit[i].Load() != 0 && !t.failed[i].Load() && seen(i) {
			t.commit[i] = now.UnixNano()
			t.committed.Add(1)
			continue
		}
		keep = append(keep, i)
	}
	t.pending = keep
}

// poller is called every pollInterval from one goroutine; it marks the txs
// committed since its last call.
type poller func(ctx context.Context, t *tracker) error

// work is what one phase submits: CometBFT txs, each carrying one record
// (standalone txs, kvstore) or a batch of records.
type work struct {
	txs [][]byte
	// recs[j] are the indices of the records tx j carries, in order; nil:
	// tx j is record j.
	recs    [][]int
	records int
}

// single is work of one record per tx.
func single(txs [][]byte) work { return work{txs: txs, records: len(txs)} }

func (w work) recordsOf(j int) []int {
	if w.recs == nil {
		return []int{j}
	}
	return w.recs[j]
}

func (w work) batched() bool { return w.recs != nil }

// pump submits w's txs with conc workers (records arriving at rate/s
// overall when rate > 0) through bc while poll records commits, and returns
// when every accepted record is committed, ctx ends or commitTimeout passes
// after the last submission. A record's submit time is taken just before
// its tx is broadcast, except for batches at a rate: a batch goes out when
// its last record arrives, and each record's submit time is its own
// arrival, so the wait for the batch to fill counts in its latency.
func pump(ctx context.Context, label string, w work, conc int, rate float64,
	bc func(context.Context, []byte) error, poll poller, progress io.Writer) (*phaseResult, *tracker, error) {
	n := w.records
	units := len(w.txs)
	t := newTracker(n)
	if conc < 1 {
		conc = 1
	}
	var (
		next       atomic.Int64
		nFailed    atomic.Int64
		nSubmitted atomic.Int64
		errOnce    sync.Once
		firstErr   error
		lastSubmit atomic.Int64
		wg         sync.WaitGroup
	)
	var interval time.Duration
	if rate > 0 {
		interval = time.Duration(float64(time.Second) / rate)
	}
	start := time.Now()
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				j := int(next.Add(1) - 1)
				if j >= units || ctx.Err() != nil {
					return
				}
				recs := w.recordsOf(j)
				if interval > 0 {
					if d := time.Until(start.Add(time.Duration(recs[len(recs)-1]) * interval)); d > 0 {
						select {
						case <-time.After(d):
						case <-ctx.Done():
							return
						}
					}
				}
				now := time.Now().UnixNano()
				for _, i := range recs {
					s := now
					if interval > 0 && w.batched() {
						s = start.Add(time.Duration(i) * interval).UnixNano()
					}
					t.submit[i].Store(s)
				}
				nSubmitted.Add(int64(len(recs)))
				if err := bc(ctx, w.txs[j]); err != nil {
					for _, i := range recs {
						t.failed[i].Store(true)
					}
					nFailed.Add(int64(len(recs)))
					errOnce.Do(func() { firstErr = fmt.Errorf("tx %d: %w", j, err) })
				}
				for now, old := time.Now().UnixNano(), lastSubmit.Load(); now > old && !lastSubmit.CompareAndSwap(old, now); old = lastSubmit.Load() {
				}
			}
		}()
	}
	submitted := make(chan struct{})
	go func() { wg.Wait(); close(submitted) }()

	var pollErr error
	ticker := time.NewTicker(pollInterval)
	defer ticker.Stop()
	lastDraw := time.Time{}
	var deadline <-chan time.Time
	done := false
	for !done {
		select {
		case <-ctx.Done():
			pollErr = ctx.Err()
			done = true
			continue
		case <-submitted:
			submitted = nil
			deadline = time.After(commitTimeout)
		case <-deadline:
			pollErr = fmt.Errorf("%s: %d of %d accepted records not committed %s after the last submission",
				label, int64(n)-nFailed.Load()-t.committed.Load(), int64(n)-nFailed.Load(), commitTimeout)
			done = true
			continue
		case <-ticker.C:
		}
		if err := poll(ctx, t); err != nil {
			pollErr = fmt.Errorf("%s: poll commits: %w", label, err)
			break
		}
		c := t.committed.Load()
		if progress != nil && time.Since(lastDraw) >= progressInterval {
			lastDraw = time.Now()
			fmt.Fprintf(progress, "\r%-26s committed %s  submitted %d", label, barString(int(c), n, 30), nSubmitted.Load())
		}
		if submitted == nil && c+nFailed.Load() >= int64(n) {
			done = true
		}
	}
	if progress != nil {
		c := t.committed.Load()
		fmt.Fprintf(progress, "\r%-26s committed %s  submitted %d\n", label, barString(int(c), n, 30), nSubmitted.Load())
	}
	<-waitOr(&wg)
	res := summarize(label, w, t, lastSubmit.Load())
	res.Failed = int(nFailed.Load())
	if firstErr != nil {
		res.FirstError = firstErr.Error()
	}
	return res, t, pollErr
}

func waitOr(wg *sync.WaitGroup) <-chan struct{} {
	ch := make(chan struct{})
	go func() { wg.Wait(); close(ch) }()
	return ch
}

// summarize computes throughput and nearest-rank latency percentiles over
// w's records.
func summarize(label string, w work, t *tracker, lastSubmit int64) *phaseResult {
	r := &phaseResult{App: label, Txs: w.records}
	var bytes int
	for _, tx := range w.txs {
		bytes += len(tx)
	}
	if w.batched() {
		r.Batches = len(w.txs)
		if len(w.txs) > 0 {
			r.BatchSize = w.records / len(w.txs)
		}
	}
	var lat []float64
	first, last := int64(math.MaxInt64), int64(0)
	for i := 0; i < w.records; i++ {
		s := t.submit[i].Load()
		if s == 0 {
			continue
		}
		r.Submitted++
		first = min(first, s)
		if c := t.commit[i]; c != 0 {
			r.Committed++
			last = max(last, c)
			lat = append(lat, float64(c-s)/1e6)
		}
	}
	if w.records > 0 {
		r.TxBytesAvg = float64(bytes) / float64(w.records)
	}
	if r.Committed > 0 {
		r.ElapsedSec = float64(last-first) / 1e9
		if r.ElapsedSec > 0 {
			r.TPS = float64(r.Committed) / r.ElapsedSec
		}
		slices.Sort(lat)
		r.P50Ms, r.P95Ms, r.P99Ms, r.MaxMs = pct(lat, 0.50), pct(lat, 0.95), pct(lat, 0.99), lat[len(lat)-1]
	}
	if first != math.MaxInt64 {
		r.FirstSubmit = time.Unix(0, first)
	}
	if lastSubmit > 0 && first != math.MaxInt64 {
		r.SubmitSec = float64(lastSubmit-first) / 1e9
	}
	return r
}

// pct is the nearest-rank percentile of sorted values.
func pct(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	k := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(0, min(k, len(sorted)-1))]
}

var errNotAllCommitted = errors.New("not every transaction was committed")
