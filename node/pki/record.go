package pki

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/cockroachdb/pebble"
	"github.com/emmansun/gmsm/sm3"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/signer/tsa"
)

// Recorder submits a timestamp_issued record (chain.TimestampIssued) and
// returns once the chain has accepted it for a block (the node's batching
// submitter), or with why not.
type Recorder func(ctx context.Context, b *chain.TimestampIssued) error

// ErrRecordingOff is what a Recorder returns when the chain cannot hold
// the record (rules version below chain.RulesVersion4): the token is
// issued unrecorded.
var ErrRecordingOff = errors.New("pki: the chain's rules version does not record time stamps yet")

// recordQueue bounds the tokens issued but not yet handed to the
// submitter. A full queue refuses new tokens (failInfo systemFailure): the
// TSA never releases a token it cannot record, and an unauthenticated
// client cannot grow the backlog without bound.
const recordQueue = 4096

// recordWorkers is how many records are in the submitter at once: enough
// to fill a batch while one is being sent.
const recordWorkers = 64

type recorder struct {
	rec   Recorder
	queue chan *chain.TimestampIssued
	wg    sync.WaitGroup
	// db keeps the queued records across restarts (Config.QueueDir):
	// t/<token SM3> = the record as JSON, written with pebble.Sync before
	// the token is released and deleted once submitted. nil: memory only.
	// dbMu guards it against the close at shutdown (requests may still
	// arrive then): a closed queue refuses tokens.
	dbMu   sync.Mutex
	db     *pebble.DB
	closed bool
}

func (r *recorder) close() {
	r.dbMu.Lock()
	defer r.dbMu.Unlock()
	if r.db != nil && !r.closed {
		r.db.Close()
	}
	r.closed = true
}

var prefixQueued = []byte("t/")

func newRecorder(r Recorder, dir string, logger *slog.Logger) (*recorder, error) {
	if r == nil {
		return nil, nil
	}
	rc := &recorder{rec: r, queue: make(chan *chain.TimestampIssued, recordQueue)}
	if dir == "" {
		return rc, nil
	}
	db, err := pebble.Open(dir, &pebble.Options{Logger: pebbleLogger{logger}})
	if err != nil {
		return nil, fmt.Errorf("pki: open time stamp record queue %s: %w", dir, err)
	}
	rc.db = db
	// Records a previous run queued and did not submit: first in line.
	it, err := db.NewIter(&pebble.IterOptions{LowerBound: prefixQueued, UpperBound: []byte("t0")})
	if err != nil {
		db.Close()
		return nil, err
	}
	defer it.Close()
	for it.First(); it.Valid(); it.Next() {
		var b chain.TimestampIssued
		if err := json.Unmarshal(it.Value(), &b); err != nil || b.Validate() != nil {
			logger.Error("dropping an unreadable queued timestamp_issued", "key", fmt.Sprintf("%x", it.Key()))
			db.Delete(bytes.Clone(it.Key()), pebble.Sync)
			continue
		}
		select {
		case rc.queue <- &b:
		default: // more than the queue holds: the rest waits for the next start
		}
	}
	if n := len(rc.queue); n > 0 {
		logger.Info("resuming timestamp_issued records queued before the last stop", "records", n)
	}
	return rc, it.Error()
}

func queuedKey(b *chain.TimestampIssued) []byte {
	return append(append([]byte(nil), prefixQueued...), b.TokenSM3...)
}

// enqueue is false when the queue is full or the record could not be
// made durable: the token is then not released.
func (r *recorder) enqueue(b *chain.TimestampIssued) bool {
	r.dbMu.Lock()
	defer r.dbMu.Unlock()
	if r.closed {
		return false
	}
	if r.db != nil {
		v, err := json.Marshal(b)
		if err != nil || r.db.Set(queuedKey(b), v, pebble.Sync) != nil {
			return false
		}
	}
	select {
	case r.queue <- b:
		return true
	default:
		if r.db != nil {
			r.db.Delete(queuedKey(b), pebble.Sync)
		}
		return false
	}
}

// done forgets a record after its submission: unless it failed while
// the node is stopping, or for lack of time (it is then submitted after
// the restart).
func (r *recorder) done(b *chain.TimestampIssued, err error, stopping bool) {
	r.dbMu.Lock()
	defer r.dbMu.Unlock()
	if r.db == nil || r.closed || err != nil && (stopping || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		return
	}
	r.db.Delete(queuedKey(b), pebble.Sync)
}

// pebbleLogger sends pebble's messages to slog.
type pebbleLogger struct{ l *slog.Logger }

func (p pebbleLogger) Infof(format string, args ...any)  { p.l.Debug(fmt.Sprintf(format, args...)) }
func (p pebbleLogger) Errorf(format string, args ...any) { p.l.Error(fmt.Sprintf(format, args...)) }
func (p pebbleLogger) Fatalf(format string, args ...any) { p.l.Error(fmt.Sprintf(format, args...)) }

// Run submits the queued records until ctx ends, then drains what is
// queued with a short deadline. The node runs it in the background.
func (s *Service) Run(ctx context.Context) {
	r := s.rec
	if r == nil {
		return
	}
	sem := make(chan struct{}, recordWorkers)
	send := func(b *chain.TimestampIssued) {
		defer r.wg.Done()
		defer func() { <-sem }()
		// Without a queue on disk a submission outlives the stop (drained
		// for up to a minute); with one it ends with the run and the record
		// waits on disk for the next start.
		parent := context.WithoutCancel(ctx)
		if r.db != nil {
			parent = ctx
		}
		c, cancel := context.WithTimeout(parent, time.Minute)
		defer cancel()
		err := r.rec(c, b)
		if err != nil && !errors.Is(err, ErrRecordingOff) {
			s.c.Logger.Error("timestamp_issued not recorded", "token_sm3", fmt.Sprintf("%x", b.TokenSM3), "err", err)
		}
		r.done(b, err, ctx.Err() != nil)
	}
	for {
		select {
		case b := <-r.queue:
			sem <- struct{}{}
			r.wg.Add(1)
			go send(b)
		case <-ctx.Done():
			if r.db != nil { // what is queued is on disk: the next start submits it
				r.wg.Wait()
				r.close()
				return
			}
			for {
				select {
				case b := <-r.queue:
					sem <- struct{}{}
					r.wg.Add(1)
					go send(b)
				default:
					r.wg.Wait()
					return
				}
			}
		}
	}
}

// grant issues a token for req with genTime at, the block time of the
// commit of committed, and queues its timestamp_issued record. With a
// recorder whose queue is full the answer is a rejection (systemFailure)
// and the token is dropped.
func (s *Service) grant(req *tsa.Request, a *tsa.Authority, at time.Time, committed []byte) ([]byte, error) {
	serial, err := randSerial(s.c.Rand)
	if err != nil {
		return nil, err
	}
	resp, err := tsa.Grant(req, a, tsa.Issue{Policy: s.c.Policy, GenTime: at, Serial: serial}, s.c.Rand)
	if err != nil || s.rec == nil {
		return resp, err
	}
	token, err := TokenOf(resp)
	if err != nil {
		return nil, err
	}
	alg := chain.TimestampSHA256
	if req.HashAlg.Equal(tsa.OIDSM3) {
		alg = chain.TimestampSM3
	}
	ts := sm3.Sum(token)
	b := &chain.TimestampIssued{TokenSM3: ts[:], HashAlg: alg, StampedHash: req.Hash, CommittedHash: committed,
		GenTime: at.UnixNano(), TSACert: chain.FingerprintOf(a.Certs[0].Raw)}
	if !s.rec.enqueue(b) {
		return tsa.Rejection(tsa.FailSystemFailure, "too many time stamps waiting to be recorded on chain; retry shortly")
	}
	return resp, nil
}
