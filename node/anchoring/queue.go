package anchoring

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/cockroachdb/pebble"

	"github.com/sealchain/sealchain/anchor"
)

// anchorJob is one checkpoint on its way to Fabric and back onto the chain.
// It is saved after every step, so a restart resumes where it stopped: a job
// with a receipt is not submitted to Fabric again.
type anchorJob struct {
	Height    uint64    `json:"height"`
	AppHash   []byte    `json:"app_hash"`
	LogSize   uint64    `json:"log_size"`
	LogRoot   []byte    `json:"log_root"`
	BlockTime time.Time `json:"block_time"` // the checkpoint's block time
	Enqueued  time.Time `json:"enqueued"`
	Attempts  int       `json:"attempts"`
	NextTry   time.Time `json:"next_try"`
	LastError string    `json:"last_error,omitempty"`
	// Receipt is set once Fabric committed the anchor.
	Receipt *anchor.Receipt `json:"receipt,omitempty"`
	// Latency is submit-to-receipt time of the Fabric call that succeeded.
	Latency time.Duration `json:"latency,omitempty"`
	// Submitted is when the anchored record went to the mempool.
	Submitted time.Time `json:"submitted,omitzero"`
}

func (j *anchorJob) anchor(chainID string) anchor.Anchor {
	return anchor.Anchor{ChainID: chainID, Height: j.Height, AppHash: j.AppHash, LogSize: j.LogSize, LogRoot: j.LogRoot}
}

// anchorQueue is the durable queue: a pebble database of its own under the
// node's data directory (not the chain store: nothing here is consensus
// state, and it must never be hashed or snapshotted).
//
//	q/<height:8>  anchorJob (JSON)
//	m/last        height of the last job ever enqueued
type anchorQueue struct {
	db *pebble.DB
}

var (
	prefixJob   = []byte("q/")
	keyLastJob  = []byte("m/last")
	errQueueEnd = errors.New("end")
)

func openAnchorQueue(dir string, logger *slog.Logger) (*anchorQueue, error) {
	db, err := pebble.Open(dir, &pebble.Options{Logger: queueLogger{logger}})
	if err != nil {
		return nil, fmt.Errorf("open anchor queue %s: %w", dir, err)
	}
	return &anchorQueue{db: db}, nil
}

func (q *anchorQueue) Close() error { return q.db.Close() }

func jobKey(h uint64) []byte {
	return binary.BigEndian.AppendUint64(append([]byte(nil), prefixJob...), h)
}

// Enqueue adds a job (and records its height as the last enqueued) in one
// synced write.
func (q *anchorQueue) Enqueue(j *anchorJob) error {
	v, err := json.Marshal(j)
	if err != nil {
		return err
	}
	b := q.db.NewBatch()
	defer b.Close()
	if err := b.Set(jobKey(j.Height), v, nil); err != nil {
		return err
	}
	if err := b.Set(keyLastJob, binary.BigEndian.AppendUint64(nil, j.Height), nil); err != nil {
		return err
	}
	return b.Commit(pebble.Sync)
}

// Save rewrites a job after a step.
func (q *anchorQueue) Save(j *anchorJob) error {
	v, err := json.Marshal(j)
	if err != nil {
		return err
	}
	return q.db.Set(jobKey(j.Height), v, pebble.Sync)
}

// Delete removes a finished job.
func (q *anchorQueue) Delete(h uint64) error { return q.db.Delete(jobKey(h), pebble.Sync) }

// LastEnqueued is the height of the newest job ever enqueued (0: none).
func (q *anchorQueue) LastEnqueued() (uint64, error) {
	v, closer, err := q.db.Get(keyLastJob)
	if errors.Is(err, pebble.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	defer closer.Close()
	if len(v) != 8 {
		return 0, fmt.Errorf("anchor queue: last height of %d bytes", len(v))
	}
	return binary.BigEndian.Uint64(v), nil
}

// Jobs returns up to limit jobs in height order (0: all).
func (q *anchorQueue) Jobs(limit int) ([]*anchorJob, error) {
	it, err := q.db.NewIter(&pebble.IterOptions{LowerBound: prefixJob, UpperBound: []byte("q0")})
	if err != nil {
		return nil, err
	}
	defer it.Close()
	var out []*anchorJob
	for it.First(); it.Valid() && (limit <= 0 || len(out) < limit); it.Next() {
		var j anchorJob
		if err := json.Unmarshal(it.Value(), &j); err != nil {
			return nil, fmt.Errorf("anchor queue job %x: %w", it.Key(), err)
		}
		out = append(out, &j)
	}
	return out, it.Error()
}

// Len counts the queued jobs.
func (q *anchorQueue) Len() (int, error) {
	jobs, err := q.Jobs(0)
	return len(jobs), err
}

// backoff is the wait before attempt n+1 after n failures: min doubling up
// to max.
func backoff(failures int, min, max time.Duration) time.Duration {
	d := min
	for i := 1; i < failures && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	return d
}

// queueLogger keeps pebble's chatter at debug level.
type queueLogger struct{ l *slog.Logger }

func (q queueLogger) Infof(format string, args ...any)  { q.l.Debug(fmt.Sprintf(format, args...)) }
func (q queueLogger) Errorf(format string, args ...any) { q.l.Error(fmt.Sprintf(format, args...)) }
func (q queueLogger) Fatalf(format string, args ...any) {
	q.l.Error(fmt.Sprintf(format, args...))
	panic(fmt.Sprintf(format, args...))
}
