package workflow

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cockroachdb/pebble"

	"github.com/sealchain/sealchain/chain"
)

// The chain queue is pipelined: up to txWindow queued records are in
// flight at once, sent without waiting for each commit. CometBFT's mempool
// is FIFO per node and proposers reap in that order, and a batch's records
// are applied in its order, so records from this node land in the order
// they entered the mempool; a record that depends on an earlier one (the
// signature after its intent, completion after the last signature) sees it.
//
// Submissions run concurrently, so that the submitter can gather records
// into batches (a batchable Broadcast waits up to the batch wait, ~20 ms).
// Order is kept where it matters, by lanes: a record is sent only once
// every earlier record of its lane is in the mempool (its Broadcast
// answered). A contract's records are one lane, an identity's another;
// a contract record also waits for earlier identity records (its party's
// certificate and seal), and a record of neither waits for everything
// before it and holds back everything after it. Records of different
// contracts go in parallel and share batches.
//
// Order can still break: an earlier record is rejected, or dropped from
// the mempool and sent again later, and a later one lands without it. A
// record is therefore only taken as rejected when it was sent as the head
// of the queue (everything before it settled, so it saw its
// predecessors). Otherwise it is sent again, same bytes (the mempool
// forgets a tx that failed, and the app only refuses bytes it committed),
// and only a later attempt's outcome counts: after a CheckTx rejection
// (it may be signed with a certificate an earlier record registers) once
// it is the head; after a FinalizeBlock rejection once no earlier record
// is missing from the mempool, so the earlier ones are ahead of it again.
// Records behind one that waits are not sent, so order holds. The head is
// always sent and its outcome is final, so the queue always moves.
//
// A record queued under its tx hash (before rules version 2, or by an
// older version) is sent standalone (not batchable): only the standalone
// form is found by that hash. If the chain still answers nothing under it,
// its record hash is asked as well.
//
// A record accepted but then neither in the mempool nor committed nor
// rejected for stuckBlocks blocks (evicted, e.g. by a recheck, while
// CometBFT's cache still holds its hash, so sending it again is a silent
// no-op) is sent again; if that does not bring it back it is marked stuck
// (ChainRef.Stuck, Engine.StuckTxs for a metric, an error log) and tried
// again every stuckBlocks blocks. It is not rebuilt with a fresh nonce:
// the original bytes may still sit in a peer's mempool and commit later,
// and a rebuilt copy would then put the record on chain twice; the
// workflow state also names records by hash. An operator clears the cache
// by restarting the node (the cache is not persisted), after which the
// queue sends the record again.

// txWindow bounds the records in flight: enough to fill batches and
// several blocks of a busy platform, few enough that a broken order costs
// little.
const txWindow = 256

// stuckBlocks is how many blocks an accepted record may be missing from
// the mempool before it is sent again, and then marked stuck.
const stuckBlocks = 5

// pollInterval is how often the queue looks for a new block; in-flight
// records are read on a new height, and every pollEvery in any case
// (CometBFT indexes a rejection a moment after the block).
const (
	pollInterval = 30 * time.Millisecond
	pollEvery    = 250 * time.Millisecond
)

// flight is a queued record's in-memory submission state.
type flight struct {
	key  []byte
	it   txItem
	hash chain.Hash
	// lane orders it among the records in flight (see above).
	lane string
	// batchable: queued under its record hash, not its tx hash.
	batchable bool
	// submitting: its Broadcast has not answered yet.
	submitting bool
	// checked: its outcome before this process sent it has been read.
	checked bool
	sent    bool
	asHead  bool // sent with nothing earlier unsettled
	// waitHead: CheckTx rejected it while earlier records were in
	// flight; send it again as the head.
	waitHead bool
	// retry: FinalizeBlock rejected it while earlier records were in
	// flight; send it again once none of them is missing.
	retry bool
	// stale: an index entry at or below this height is an earlier
	// attempt's rejection, not this one's.
	stale      int64
	sentHeight int64
	missing    int64 // height since which it is not in the mempool; 0 if it is
	resent     bool  // sent again after going missing
	stuck      bool
}

// pipe is the chain queue's state, owned by runTxQueue's goroutine.
type pipe struct {
	e       *Engine
	flights []*flight
	backoff time.Duration
	// results are the answers of the Broadcasts in progress (at most one
	// per flight, so txWindow never blocks a sender); wg counts them.
	results chan sendResult
	wg      sync.WaitGroup
	// polledHeight and polledAt: the last read of the in-flight records.
	polledHeight int64
	polledAt     time.Time
}

// sendResult is a Broadcast's answer for flight f.
type sendResult struct {
	f   *flight
	res TxResult
	err error
}

// Lane kinds.
const (
	laneContract = "c/"
	laneIdentity = "i/"
)

func (e *Engine) runTxQueue(ctx context.Context) {
	p := &pipe{e: e, backoff: 100 * time.Millisecond, results: make(chan sendResult, txWindow)}
	defer p.wg.Wait()
	for ctx.Err() == nil {
		wait, err := p.step(ctx)
		if err != nil && ctx.Err() == nil {
			e.logger.Info("chain submission will be retried", "err", err, "in", p.backoff)
			e.sleep(ctx, p.backoff)
			p.backoff = min(2*p.backoff, 5*time.Second)
			continue
		}
		p.backoff = 100 * time.Millisecond
		e.sleep(ctx, wait)
	}
}

// step loads the window, sends what may be sent and settles what landed.
// It returns how long to wait before the next step.
func (p *pipe) step(ctx context.Context) (time.Duration, error) {
	if err := p.collect(); err != nil {
		return 0, err
	}
	if err := p.load(); err != nil {
		return 0, err
	}
	if len(p.flights) == 0 {
		return time.Second, nil
	}
	wait := pollInterval
	if d, err := p.send(ctx); err != nil {
		return 0, err
	} else if d > 0 && d < wait {
		wait = d
	}
	if err := p.poll(ctx); err != nil {
		return 0, err
	}
	return wait, nil
}

// load reads the first txWindow queue items, keeping the state of those
// already in flight.
func (p *pipe) load() error {
	e := p.e
	known := make(map[string]*flight, len(p.flights))
	for _, f := range p.flights {
		known[string(f.key)] = f
	}
	next := p.flights[:0:0]
	it, err := e.db.NewIter(&pebble.IterOptions{LowerBound: []byte(pTxQueue), UpperBound: prefixEnd([]byte(pTxQueue))})
	if err != nil {
		return err
	}
	defer it.Close()
	for ok := it.First(); ok && len(next) < txWindow; ok = it.Next() {
		if f := known[string(it.Key())]; f != nil {
			next = append(next, f)
			continue
		}
		f := &flight{key: bytes.Clone(it.Key())}
		val, err := it.ValueAndErr()
		if err != nil {
			return err
		}
		if err := jsonUnmarshal(val, &f.it); err != nil {
			return fmt.Errorf("decode %x: %w", f.key, err)
		}
		hb, err := hex.DecodeString(f.it.Hash)
		if err != nil || len(hb) != 32 {
			return fmt.Errorf("queued tx hash %q", f.it.Hash)
		}
		f.hash = chain.Hash(hb)
		f.batchable = f.hash != chain.TxHash(f.it.Tx)
		var ref ChainRef
		if _, err := getJSON(e.db, pRef+f.it.Hash, &ref); err != nil {
			return err
		}
		switch {
		case ref.Contract != "":
			f.lane = laneContract + ref.Contract
		case ref.Identity != "":
			f.lane = laneIdentity + ref.Identity
		}
		next = append(next, f)
	}
	if err := it.Error(); err != nil {
		return err
	}
	p.flights = next
	return nil
}

// send starts, in queue order, the Broadcasts of the records not in
// flight whose lane is clear, up to the first that may not go yet. It
// returns the wait for a not-before time (a record sent again a second
// later, see requeueExpiry).
func (p *pipe) send(ctx context.Context) (time.Duration, error) {
	earlierMissing := false
	var lanes lanes
	for i := 0; i < len(p.flights); i++ {
		f := p.flights[i]
		if f.sent {
			earlierMissing = earlierMissing || f.missing != 0
			continue
		}
		if f.submitting || lanes.held(f.lane) {
			if !lanes.hold(f.lane) {
				return 0, nil
			}
			continue
		}
		head := i == 0
		if f.waitHead && !head || f.retry && earlierMissing {
			return 0, nil
		}
		if d := time.Until(f.it.NotBefore); d > 0 {
			return d, nil
		}
		if !f.checked {
			// After a restart a record may have landed already, or
			// been rejected before this process saw it.
			res, err := p.result(ctx, f)
			if err != nil {
				return 0, err
			}
			if res.Committed {
				if err := p.settle(i, res); err != nil {
					return 0, err
				}
				i--
				continue
			}
			if res.Rejected {
				f.stale = res.Height
			}
			f.checked = true
		}
		p.launch(ctx, f, head)
		if !lanes.hold(f.lane) {
			return 0, nil
		}
	}
	return 0, nil
}

// lanes are the lanes held by an earlier record not yet in the mempool.
type lanes struct {
	byLane   map[string]bool
	identity bool // some identity lane is held
	any      bool
}

// held tells whether a record of lane must wait.
func (l *lanes) held(lane string) bool {
	switch {
	case lane == "":
		return l.any
	case strings.HasPrefix(lane, laneContract):
		return l.identity || l.byLane[lane]
	}
	return l.byLane[lane]
}

// hold marks lane held by a record not yet in the mempool; false means
// every later record waits too (a record of no lane).
func (l *lanes) hold(lane string) bool {
	if lane == "" {
		return false
	}
	if l.byLane == nil {
		l.byLane = map[string]bool{}
	}
	l.byLane[lane], l.any = true, true
	l.identity = l.identity || strings.HasPrefix(lane, laneIdentity)
	return true
}

// launch broadcasts f in a goroutine of its own; collect takes its answer.
func (p *pipe) launch(ctx context.Context, f *flight, head bool) {
	f.submitting, f.asHead = true, head
	tx, batchable := f.it.Tx, f.batchable
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		res, err := p.e.cfg.Chain.Broadcast(ctx, tx, batchable)
		p.results <- sendResult{f: f, res: res, err: err}
		p.e.wake()
	}()
}

// collect applies the Broadcast answers that arrived. It returns the
// first error (no answer: the queue backs off and sends again).
func (p *pipe) collect() error {
	var first error
	for {
		select {
		case r := <-p.results:
			if err := p.answered(r); err != nil && first == nil {
				first = err
			}
		default:
			return first
		}
	}
}

func (p *pipe) answered(r sendResult) error {
	e, f := p.e, r.f
	f.submitting = false
	if r.err != nil {
		return r.err
	}
	if !r.res.Rejected {
		// Replay: committed or in the mempool; the poll settles it.
		f.sent, f.waitHead, f.retry = true, false, false
		f.sentHeight, f.missing, f.resent = e.cfg.Chain.Height(), 0, false
		if !r.res.Replay {
			e.crash(StepOutboxBroadcast, txType(f.it.Tx))
		}
		return nil
	}
	if !f.asHead {
		// Maybe it needs an earlier record that is not committed
		// yet (a certificate it is signed with).
		f.waitHead = true
		return nil
	}
	i := slices.Index(p.flights, f)
	if i < 0 {
		return nil
	}
	return p.settle(i, r.res)
}

// result reads f's outcome under its queued hash and, for a record queued
// under its tx hash that the chain knows nothing of, under its record hash
// (the form it landed in if it went batched after all).
func (p *pipe) result(ctx context.Context, f *flight) (TxResult, error) {
	c := p.e.cfg.Chain
	res, err := c.Result(ctx, f.hash)
	if err != nil || res.Committed || f.batchable {
		return res, err
	}
	rh := c.RecordHash(f.it.Tx)
	if rh == f.hash {
		return res, nil
	}
	alt, err := c.Result(ctx, rh)
	if err != nil {
		return TxResult{}, err
	}
	if alt.Committed || alt.Rejected && !res.Rejected {
		return alt, nil
	}
	return res, nil
}

// poll reads the outcome of the records in flight, in queue order.
func (p *pipe) poll(ctx context.Context) error {
	e := p.e
	height := e.cfg.Chain.Height()
	if height == p.polledHeight && time.Since(p.polledAt) < pollEvery {
		return nil
	}
	p.polledHeight, p.polledAt = height, time.Now()
	for i := 0; i < len(p.flights); i++ {
		f := p.flights[i]
		if !f.sent {
			continue
		}
		res, err := p.result(ctx, f)
		if err != nil {
			return err
		}
		switch {
		case res.Committed:
			if err := p.settle(i, res); err != nil {
				return err
			}
			i--
		case res.Rejected && res.Height > f.stale:
			if f.asHead || res.NotYetDue {
				// It saw every earlier record: the rejection is its
				// own. (Not-expired is about block time, not order.)
				if err := p.settle(i, res); err != nil {
					return err
				}
				i--
				continue
			}
			e.logger.Info("record rejected while earlier ones were in flight; sending it again after them",
				"tx", f.it.Hash, "code", res.Code, "log", res.Log)
			f.sent, f.retry, f.stale = false, true, res.Height
		case e.cfg.Chain.InMempool(f.it.Tx):
			f.missing = 0
		case f.missing == 0:
			f.missing = height
		case height-f.missing >= stuckBlocks:
			if f.resent && !f.stuck {
				f.stuck = true
				e.logger.Error("record accepted but neither in the mempool nor on chain; CometBFT's cache may hold it (restart the node to clear it)",
					"tx", f.it.Hash, "type", txType(f.it.Tx), "since_height", f.sentHeight)
				if err := e.markStuck(f.it.Hash, true); err != nil {
					return err
				}
			}
			// Send it again (in place: order no longer holds for it anyway).
			if _, err := e.cfg.Chain.Broadcast(ctx, f.it.Tx, f.batchable); err != nil {
				return err
			}
			f.missing, f.resent = height, true
		}
	}
	return nil
}

// settle records flight i's outcome and drops it from the window.
func (p *pipe) settle(i int, res TxResult) error {
	f := p.flights[i]
	if err := p.e.settle(f.key, &f.it, res); err != nil {
		return err
	}
	if f.stuck {
		p.e.stuck.Add(-1)
	}
	p.flights = append(p.flights[:i], p.flights[i+1:]...)
	return nil
}

// markStuck sets or clears a record's stuck flag.
func (e *Engine) markStuck(hash string, stuck bool) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	var ref ChainRef
	if ok, err := getJSON(e.db, pRef+hash, &ref); err != nil || !ok {
		return err
	}
	ref.Stuck = stuck
	if stuck {
		e.stuck.Add(1)
	}
	t := e.begin()
	defer t.close()
	if err := t.set(pRef+hash, &ref); err != nil {
		return err
	}
	return t.commit()
}

// StuckTxs counts the records this process marked stuck that have not
// landed since (for a metric).
func (e *Engine) StuckTxs() int64 { return e.stuck.Load() }
