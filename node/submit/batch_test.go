package submit

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cometbft/cometbft/mempool"
	coretypes "github.com/cometbft/cometbft/rpc/core/types"
	"github.com/cometbft/cometbft/types"

	"github.com/sealchain/sealchain/app"
	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/signer"
)

// batchMempool decodes what it is sent and answers batches through answer.
type batchMempool struct {
	mu      sync.Mutex
	batches []*chain.Batch
	hashes  []chain.Hash
	singles int
	answer  func(call int, b *chain.Batch) (*coretypes.ResultBroadcastTx, error)
	txRes   map[chain.Hash]*coretypes.ResultTx
	inPool  map[types.TxKey]bool
}

func (m *batchMempool) BroadcastTxSync(_ context.Context, tx types.Tx) (*coretypes.ResultBroadcastTx, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !chain.IsBatch(tx) {
		m.singles++
		return &coretypes.ResultBroadcastTx{}, nil
	}
	b, err := chain.DecodeBatch(tx, nil)
	if err != nil {
		return &coretypes.ResultBroadcastTx{Code: app.CodeMalformed, Codespace: app.Codespace, Log: err.Error()}, nil
	}
	m.batches = append(m.batches, b)
	m.hashes = append(m.hashes, chain.TxHash(tx))
	if m.answer != nil {
		return m.answer(len(m.batches)-1, b)
	}
	return &coretypes.ResultBroadcastTx{}, nil
}

func (m *batchMempool) Tx(_ context.Context, h []byte, _ bool) (*coretypes.ResultTx, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if r, ok := m.txRes[chain.Hash(h)]; ok {
		return r, nil
	}
	return nil, errors.New("tx not found")
}

func (m *batchMempool) InMempool(k types.TxKey) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.inPool[k]
}

func (m *batchMempool) sent() (batches []*chain.Batch, singles int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]*chain.Batch(nil), m.batches...), m.singles
}

func testKey(t *testing.T, org string) *client.Submitter {
	t.Helper()
	k, err := signer.GenerateKey(signer.AlgSM2, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &client.Submitter{ChainID: "batch-test", Org: org, Cert: []byte("cert of " + org), Key: k}
}

func build(t *testing.T, key *client.Submitter, n int) [][]byte {
	t.Helper()
	txs := make([][]byte, n)
	for i := range txs {
		tx, err := key.Build(&chain.ContractCompleted{Contract: fmt.Sprintf("c-%d", i)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		txs[i] = tx
	}
	return txs
}

// batching returns a batching submitter over mp, closed at the test's end.
func batching(t *testing.T, mp *batchMempool, cfg BatchConfig, key *client.Submitter, rules uint32) *Submitter {
	t.Helper()
	s := New(emptyStore(t), mp, WithPool(mp))
	s.EnableBatching(cfg, key, func() uint32 { return rules })
	t.Cleanup(func() { s.Close() })
	return s
}

// warm sends one record, so that the batcher is in a stream (a batch went
// within MaxWait) and the next records gather instead of going at once.
func warm(t *testing.T, s *Submitter, key *client.Submitter) {
	t.Helper()
	if o, err := s.Submit(context.Background(), build(t, key, 1)[0]); err != nil || o.Status != Pending {
		t.Fatalf("warm-up Submit = %+v, %v", o, err)
	}
}

// sentAfterWarm is what mp received after the warm-up batch.
func sentAfterWarm(t *testing.T, mp *batchMempool) []*chain.Batch {
	t.Helper()
	bs, _ := mp.sent()
	if len(bs) == 0 || len(bs[0].Items) != 1 {
		t.Fatalf("no warm-up batch of one record first")
	}
	return bs[1:]
}

// submitAll submits txs concurrently and returns their outcomes in order.
func submitAll(t *testing.T, ctx context.Context, s *Submitter, txs [][]byte) []Outcome {
	t.Helper()
	out := make([]Outcome, len(txs))
	var wg sync.WaitGroup
	for i, tx := range txs {
		wg.Go(func() {
			o, err := s.Submit(ctx, tx)
			if err != nil {
				t.Errorf("Submit %d: %v", i, err)
			}
			out[i] = o
		})
	}
	wg.Wait()
	return out
}

func itemHash(t *testing.T, tx []byte) chain.Hash {
	t.Helper()
	d, err := chain.DecodeTx(tx)
	if err != nil {
		t.Fatal(err)
	}
	return d.ItemHash()
}

func batchHas(b *chain.Batch, h chain.Hash) int {
	for i, it := range b.Items {
		if it.ItemHash() == h {
			return i
		}
	}
	return -1
}

func TestBatchByCount(t *testing.T) {
	mp := &batchMempool{}
	key := testKey(t, "platform")
	s := batching(t, mp, BatchConfig{MaxRecords: 10, MaxWait: time.Second}, key, chain.BatchRulesVersion)
	warm(t, s, key)
	start := time.Now()
	for i, o := range submitAll(t, context.Background(), s, build(t, key, 10)) {
		if o.Status != Pending {
			t.Fatalf("record %d: %+v, want pending", i, o)
		}
	}
	if d := time.Since(start); d > 900*time.Millisecond {
		t.Fatalf("a full batch waited %s, as long as MaxWait", d)
	}
	bs := sentAfterWarm(t, mp)
	if _, singles := mp.sent(); len(bs) != 1 || len(bs[0].Items) != 10 || singles != 0 {
		t.Fatalf("sent %d batches, %d singles; want one batch of 10", len(bs), singles)
	}
}

func TestBatchByTime(t *testing.T) {
	mp := &batchMempool{}
	key := testKey(t, "platform")
	s := batching(t, mp, BatchConfig{MaxWait: 300 * time.Millisecond}, key, chain.BatchRulesVersion)
	// After a quiet spell a record goes at once.
	start := time.Now()
	warm(t, s, key)
	if d := time.Since(start); d >= 300*time.Millisecond {
		t.Fatalf("a record after a quiet spell waited %s, as long as MaxWait", d)
	}
	// Within MaxWait of a batch, a record waits MaxWait for others.
	tx := build(t, key, 1)[0]
	start = time.Now()
	o, err := s.Submit(context.Background(), tx)
	if err != nil || o.Status != Pending {
		t.Fatalf("Submit = %+v, %v; want pending", o, err)
	}
	if d := time.Since(start); d < 200*time.Millisecond || d > 5*time.Second {
		t.Fatalf("a record in a stream waited %s, want about MaxWait (300ms)", d)
	}
	bs := sentAfterWarm(t, mp)
	if len(bs) != 1 || len(bs[0].Items) != 1 {
		t.Fatalf("sent %d batches, want one of one record", len(bs))
	}
	if got, want := s.RecordHash(tx), itemHash(t, tx); got != want {
		t.Fatalf("RecordHash = %s, want the item hash %s", got, want)
	}
	// The same record again while its batch waits in the mempool: a replay.
	mp.mu.Lock()
	mp.inPool = map[types.TxKey]bool{types.TxKey(mp.hashes[1]): true}
	mp.mu.Unlock()
	if !s.InMempool(tx) {
		t.Fatal("InMempool = false for a record whose batch is in the mempool")
	}
	if o, _ := s.Submit(context.Background(), tx); o.Status != Replay {
		t.Fatalf("second Submit = %+v, want replay", o)
	}
}

func TestBatchRejectionNamesRecord(t *testing.T) {
	for _, tc := range []struct {
		name string
		code uint32
		want Status
	}{
		{"bad actor signature", app.CodeBadSignature, Rejected},
		{"replay", app.CodeReplay, Replay},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key := testKey(t, "platform")
			txs := build(t, key, 8)
			bad := itemHash(t, txs[5])
			mp := &batchMempool{}
			mp.answer = func(call int, b *chain.Batch) (*coretypes.ResultBroadcastTx, error) {
				if i := batchHas(b, bad); i >= 0 {
					return nil, mempool.ErrInvalidTx{Code: tc.code, Codespace: app.Codespace, Log: fmt.Sprintf("field records[%d].actor.sig: no", i)}
				}
				return &coretypes.ResultBroadcastTx{}, nil
			}
			s := batching(t, mp, BatchConfig{MaxRecords: 8, MaxWait: time.Second}, key, chain.BatchRulesVersion)
			warm(t, s, key)
			out := submitAll(t, context.Background(), s, txs)
			for i, o := range out {
				want := Pending
				if i == 5 {
					want = tc.want
				}
				if o.Status != want {
					t.Fatalf("record %d: %+v, want %s", i, o, want)
				}
			}
			if out[5].Code != tc.code || out[5].Log == "" {
				t.Fatalf("the named record: %+v, want code %d with the log", out[5], tc.code)
			}
			bs := sentAfterWarm(t, mp)
			if len(bs) != 2 || len(bs[0].Items) != 8 || len(bs[1].Items) != 7 || batchHas(bs[1], bad) >= 0 {
				t.Fatalf("sent %d batches; want 8 records, then the 7 others", len(bs))
			}
		})
	}
}

func TestBatchMempoolFull(t *testing.T) {
	key := testKey(t, "platform")
	mp := &batchMempool{answer: func(int, *chain.Batch) (*coretypes.ResultBroadcastTx, error) {
		return nil, mempool.ErrMempoolIsFull{NumTxs: 10, MaxTxs: 10}
	}}
	s := batching(t, mp, BatchConfig{MaxRecords: 4, MaxWait: time.Second}, key, chain.BatchRulesVersion)
	for i, o := range submitAll(t, context.Background(), s, build(t, key, 4)) {
		if o.Status != MempoolFull || o.Err == nil {
			t.Fatalf("record %d: %+v, want mempool_full with its error", i, o)
		}
	}
}

func TestBatchWholeRejection(t *testing.T) {
	key := testKey(t, "platform")
	mp := &batchMempool{answer: func(int, *chain.Batch) (*coretypes.ResultBroadcastTx, error) {
		return &coretypes.ResultBroadcastTx{Code: app.CodeCertRevoked, Codespace: app.Codespace, Log: "field envelope.cert: revoked"}, nil
	}}
	s := batching(t, mp, BatchConfig{MaxRecords: 3, MaxWait: time.Second}, key, chain.BatchRulesVersion)
	for i, o := range submitAll(t, context.Background(), s, build(t, key, 3)) {
		if o.Status != Rejected || o.Code != app.CodeCertRevoked {
			t.Fatalf("record %d: %+v, want rejected with the envelope's code", i, o)
		}
	}
	var n int
	bs, _ := mp.sent()
	for _, b := range bs {
		n += len(b.Items)
	}
	if n != 3 {
		t.Fatalf("sent %d records in %d batches, want each once", n, len(bs))
	}
}

func TestBatchStandalone(t *testing.T) {
	key := testKey(t, "platform")
	other := testKey(t, "court")
	forged := *key
	forged.Key = other.Key // the batcher's org and certificate, another key
	for _, tc := range []struct {
		name  string
		rules uint32
		tx    []byte
	}{
		{"rules 1", 1, build(t, key, 1)[0]},
		{"another credential", chain.BatchRulesVersion, build(t, other, 1)[0]},
		{"envelope not signed by the credential", chain.BatchRulesVersion, build(t, &forged, 1)[0]},
		{"not a tx", chain.BatchRulesVersion, []byte("tx")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mp := &batchMempool{}
			s := batching(t, mp, BatchConfig{MaxWait: time.Second}, key, tc.rules)
			o, err := s.Submit(context.Background(), tc.tx)
			if err != nil || o.Status != Pending {
				t.Fatalf("Submit = %+v, %v", o, err)
			}
			if bs, singles := mp.sent(); len(bs) != 0 || singles != 1 {
				t.Fatalf("sent %d batches, %d singles; want it alone", len(bs), singles)
			}
		})
	}
	mp := &batchMempool{}
	s := batching(t, mp, BatchConfig{}, key, chain.BatchRulesVersion)
	if o, err := s.SubmitAlone(context.Background(), build(t, key, 1)[0]); err != nil || o.Status != Pending {
		t.Fatalf("SubmitAlone = %+v, %v", o, err)
	}
	if bs, singles := mp.sent(); len(bs) != 0 || singles != 1 {
		t.Fatalf("SubmitAlone sent %d batches, %d singles; want it alone", len(bs), singles)
	}
	s = batching(t, &batchMempool{}, BatchConfig{}, key, 1)
	tx := build(t, key, 1)[0]
	if s.RecordHash(tx) != chain.TxHash(tx) {
		t.Fatal("RecordHash under rules 1 is not the tx hash")
	}
}

func TestBatchResultFromBatch(t *testing.T) {
	key := testKey(t, "platform")
	mp := &batchMempool{}
	s := batching(t, mp, BatchConfig{MaxRecords: 3, MaxWait: time.Second}, key, chain.BatchRulesVersion)
	warm(t, s, key)
	txs := build(t, key, 3)
	submitAll(t, context.Background(), s, txs)
	bs := sentAfterWarm(t, mp)
	if len(bs) != 1 {
		t.Fatalf("sent %d batches, want 1", len(bs))
	}
	rs := make([]chain.RecordResult, 3)
	rejected := batchHas(bs[0], itemHash(t, txs[1]))
	rs[rejected] = chain.RecordResult{Code: app.CodeUnknownContract, Log: "field body.contract_id: no such contract"}
	mp.mu.Lock()
	mp.txRes = map[chain.Hash]*coretypes.ResultTx{mp.hashes[1]: {Height: 9, TxResult: abci.ExecTxResult{Data: chain.EncodeBatchResult(rs), Log: chain.BatchResultLog(rs)}}}
	mp.mu.Unlock()
	for i, tx := range txs {
		o, err := s.Result(context.Background(), s.RecordHash(tx))
		want := Pending
		if i == 1 {
			want = Rejected
		}
		if err != nil || o.Status != want {
			t.Fatalf("Result of record %d = %+v, %v; want %s", i, o, err, want)
		}
		if i == 1 && (o.Code != app.CodeUnknownContract || o.Height != 9 || o.Log == "") {
			t.Fatalf("Result of the rejected record = %+v", o)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if o, err := s.Wait(ctx, s.RecordHash(txs[1])); err != nil || o.Status != Rejected {
		t.Fatalf("Wait = %+v, %v; want rejected", o, err)
	}
	// By the hash of the standalone tx it came as, too.
	if o, err := s.Wait(ctx, chain.TxHash(txs[1])); err != nil || o.Status != Rejected || o.Code != app.CodeUnknownContract {
		t.Fatalf("Wait by tx hash = %+v, %v; want rejected", o, err)
	}
}

func TestBatchCtxCancel(t *testing.T) {
	key := testKey(t, "platform")
	mp := &batchMempool{}
	s := batching(t, mp, BatchConfig{MaxWait: time.Second}, key, chain.BatchRulesVersion)
	warm(t, s, key)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	o, err := s.Submit(ctx, build(t, key, 1)[0])
	if err != nil || o.Status != Unavailable || !errors.Is(o.Err, context.DeadlineExceeded) {
		t.Fatalf("Submit = %+v, %v; want unavailable with the deadline", o, err)
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Fatalf("Submit returned %s after its context ended", d)
	}
}

func TestBatchCloseNoLeak(t *testing.T) {
	key := testKey(t, "platform")
	mp := &batchMempool{}
	st := emptyStore(t)
	before := runtime.NumGoroutine()
	s := New(st, mp)
	s.EnableBatching(BatchConfig{MaxWait: time.Second}, key, func() uint32 { return chain.BatchRulesVersion })
	warm(t, s, key)
	txs := build(t, key, 2)
	done := make(chan Outcome)
	go func() {
		o, _ := s.Submit(context.Background(), txs[0])
		done <- o
	}()
	time.Sleep(50 * time.Millisecond) // queued, its batch waits for MaxWait
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case o := <-done:
		if o.Status != Unavailable || !errors.Is(o.Err, ErrClosed) {
			t.Fatalf("waiting Submit = %+v, want unavailable (closed)", o)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close left a Submit waiting")
	}
	if o, _ := s.Submit(context.Background(), txs[1]); o.Status != Unavailable || !errors.Is(o.Err, ErrClosed) {
		t.Fatalf("Submit after Close = %+v, want unavailable (closed)", o)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Fatalf("%d goroutines after Close, %d before", n, before)
	}
	if bs := sentAfterWarm(t, mp); len(bs) != 0 {
		t.Fatalf("a closed batcher sent %d batches", len(bs))
	}
}

func TestBatchConfigValidate(t *testing.T) {
	for _, c := range []BatchConfig{{}, {MaxRecords: 1, MaxWait: time.Millisecond}, {MaxRecords: chain.MaxBatchRecords, MaxWait: MaxBatchWait}} {
		if err := c.Validate(); err != nil {
			t.Errorf("%+v: %v", c, err)
		}
	}
	for _, c := range []BatchConfig{{MaxRecords: -1}, {MaxRecords: chain.MaxBatchRecords + 1}, {MaxWait: -1}, {MaxWait: MaxBatchWait + 1}} {
		if c.Validate() == nil {
			t.Errorf("%+v: no error", c)
		}
	}
}
