package anchoring

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/sealchain/sealchain/anchor"
	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/config"
	"github.com/sealchain/sealchain/node/submit"
)

func TestBackoff(t *testing.T) {
	tests := []struct {
		failures int
		want     time.Duration
	}{
		{1, time.Second}, {2, 2 * time.Second}, {3, 4 * time.Second}, {6, 32 * time.Second}, {7, time.Minute}, {50, time.Minute},
	}
	for _, tc := range tests {
		if got := backoff(tc.failures, time.Second, time.Minute); got != tc.want {
			t.Errorf("backoff(%d) = %s, want %s", tc.failures, got, tc.want)
		}
	}
}

func TestAnchorDue(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cfg := config.DefaultAnchor()
	cfg.EveryBlocks, cfg.Every = 10, config.Duration{Duration: time.Minute}
	cp := func(h int64, size uint64) chain.Checkpoint { return chain.Checkpoint{Height: h, LogSize: size} }
	tests := []struct {
		name          string
		now           time.Time
		prevH, prevSz uint64
		last          chain.Checkpoint
		want          bool
	}{
		{"first checkpoint with records", t0, 0, 0, cp(3, 2), true},
		{"first checkpoint, empty log", t0, 0, 0, cp(3, 0), false},
		{"not grown", t0, 5, 4, cp(5, 4), false},
		{"enough blocks", t0, 5, 4, cp(15, 9), true},
		{"too few blocks, too soon", t0.Add(time.Second), 5, 4, cp(14, 9), false},
		{"too few blocks, period passed", t0.Add(time.Minute), 5, 4, cp(6, 9), true},
		{"only the anchored record was added", t0.Add(time.Hour), 5, 4, cp(30, 5), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := anchorDue(cfg, tc.now, t0, tc.prevH, tc.prevSz, tc.last); got != tc.want {
				t.Errorf("anchorDue = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestAnchorQueueDurable(t *testing.T) {
	dir := t.TempDir()
	q, err := openAnchorQueue(dir, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []uint64{7, 3, 300} {
		if err := q.Enqueue(&anchorJob{Height: h, LogSize: h}); err != nil {
			t.Fatal(err)
		}
	}
	j := &anchorJob{Height: 3, LogSize: 3, Attempts: 2, Receipt: &anchor.Receipt{TxID: "tx3", Block: 9}}
	if err := q.Save(j); err != nil {
		t.Fatal(err)
	}
	if err := q.Delete(7); err != nil {
		t.Fatal(err)
	}
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	q, err = openAnchorQueue(dir, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	jobs, err := q.Jobs(0)
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 2 || jobs[0].Height != 3 || jobs[1].Height != 300 {
		t.Fatalf("jobs after reopen: %+v", jobs)
	}
	if jobs[0].Attempts != 2 || jobs[0].Receipt == nil || jobs[0].Receipt.TxID != "tx3" {
		t.Fatalf("job 3 lost its state: %+v", jobs[0])
	}
	if last, err := q.LastEnqueued(); err != nil || last != 300 {
		t.Fatalf("LastEnqueued = %d, %v; want 300 (the last enqueued, not the highest queued)", last, err)
	}
}

// batchingSubmitter answers like the node's submitter when it batches:
// the record waits for its batch, then gets its own outcome.
type batchingSubmitter struct {
	wait time.Duration
	out  submit.Outcome
	txs  [][]byte
}

func (s *batchingSubmitter) Submit(ctx context.Context, tx []byte) (submit.Outcome, error) {
	s.txs = append(s.txs, tx)
	select {
	case <-time.After(s.wait):
	case <-ctx.Done():
		return submit.Outcome{Status: submit.Unavailable, Err: ctx.Err()}, nil
	}
	return s.out, nil
}

// TestRecordOnChainBatched: the anchored record goes through the
// submitter whatever form it takes there (batched from rules version 2);
// the job is marked submitted on a batch's acceptance and retried on its
// record's own rejection. (The loop tracks the record by the chain's
// latest anchor, not by a hash, so the record's form does not matter.)
func TestRecordOnChainBatched(t *testing.T) {
	for _, tc := range []struct {
		name      string
		out       submit.Outcome
		submitted bool
	}{
		{"batch accepted", submit.Outcome{Status: submit.Pending}, true},
		{"already there", submit.Outcome{Status: submit.Replay}, true},
		{"record refused in its batch", submit.Outcome{Status: submit.Rejected, Code: 7, Log: "records[0]: bad"}, false},
		{"mempool full", submit.Outcome{Status: submit.MempoolFull, Err: errors.New("full")}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q, err := openAnchorQueue(t.TempDir(), slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			defer q.Close()
			sub := &batchingSubmitter{wait: 20 * time.Millisecond, out: tc.out}
			var built []chain.Body
			a := &Anchorer{cfg: config.DefaultAnchor(), chainID: "c", queue: q, sub: sub, metrics: newAnchorMetrics(nil),
				logger: slog.New(slog.DiscardHandler), now: time.Now,
				build: func(b chain.Body) ([]byte, error) { built = append(built, b); return []byte("anchored"), nil }}
			j := &anchorJob{Height: 5, LogSize: 9, Receipt: &anchor.Receipt{TxID: "f1", Time: time.Unix(1, 0)}}
			if err := q.Enqueue(j); err != nil {
				t.Fatal(err)
			}
			a.recordOnChain(context.Background(), j)
			if len(sub.txs) != 1 || len(built) != 1 {
				t.Fatalf("%d submitted, %d built; want 1", len(sub.txs), len(built))
			}
			jobs, err := q.Jobs(0)
			if err != nil || len(jobs) != 1 {
				t.Fatalf("jobs %v, %v", jobs, err)
			}
			if got := !jobs[0].Submitted.IsZero(); got != tc.submitted {
				t.Errorf("submitted %v, want %v (%+v)", got, tc.submitted, jobs[0])
			}
			if !tc.submitted && (jobs[0].Attempts != 1 || jobs[0].LastError == "") {
				t.Errorf("failure not recorded for a retry: %+v", jobs[0])
			}
		})
	}
}
