package submit

import (
	"bytes"
	"context"
	"crypto"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/cometbft/cometbft/types"

	"github.com/sealchain/sealchain/app"
	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/signer"
)

// Batching defaults and bounds.
const (
	DefaultBatchMaxRecords = 500
	DefaultBatchMaxWait    = 20 * time.Millisecond
	// MaxBatchWait bounds BatchConfig.MaxWait: every batched Submit waits
	// that long at worst before its CheckTx.
	MaxBatchWait = time.Second
	// maxBatchTries bounds how often a record is sent again after batches
	// refused because of other records.
	maxBatchTries = 16
	// rememberRecords bounds the record → batch memory Result reads.
	rememberRecords = 100_000
)

// ErrClosed is an Unavailable outcome's error once the submitter is closed.
var ErrClosed = errors.New("submitter closed")

// errTooManyTries is an Unavailable outcome's error for a record whose
// batches were refused maxBatchTries times because of other records.
var errTooManyTries = errors.New("batch refused too often because of other records; submit the record again")

// BatchConfig bounds the wait of a record for its batch: the batch goes when
// it holds MaxRecords records or its first record waited MaxWait, whichever
// comes first (and before it would exceed chain.MaxBatchBytes). A record
// that comes after MaxWait without a batch goes at once, with the records
// already queued: batching costs a lone record no latency.
type BatchConfig struct {
	MaxRecords int           // 0: DefaultBatchMaxRecords; at most chain.MaxBatchRecords
	MaxWait    time.Duration // 0: DefaultBatchMaxWait; at most MaxBatchWait
}

// Validate reports a bound out of range.
func (c BatchConfig) Validate() error {
	if c.MaxRecords < 0 || c.MaxRecords > chain.MaxBatchRecords {
		return fmt.Errorf("batch max records %d, want 1..%d (0: %d)", c.MaxRecords, chain.MaxBatchRecords, DefaultBatchMaxRecords)
	}
	if c.MaxWait < 0 || c.MaxWait > MaxBatchWait {
		return fmt.Errorf("batch max wait %s, want up to %s (0: %s)", c.MaxWait, MaxBatchWait, DefaultBatchMaxWait)
	}
	return nil
}

func (c BatchConfig) withDefaults() BatchConfig {
	if c.MaxRecords <= 0 {
		c.MaxRecords = DefaultBatchMaxRecords
	}
	c.MaxRecords = min(c.MaxRecords, chain.MaxBatchRecords)
	if c.MaxWait <= 0 {
		c.MaxWait = DefaultBatchMaxWait
	}
	c.MaxWait = min(c.MaxWait, MaxBatchWait)
	return c
}

// batcher gathers the records of the node's own credential into batches.
type batcher struct {
	cfg      BatchConfig
	maxBytes int
	key      *client.Submitter
	pub      crypto.PublicKey
	rules    func() uint32
	in       chan *queued
	cancel   context.CancelFunc
	done     chan struct{}
	closed   chan struct{}
}

// queued is a record waiting for its batch's CheckTx answer.
type queued struct {
	item   *chain.Tx
	raw    []byte
	hash   chain.Hash // item hash: the record hash
	txHash chain.Hash // of the standalone tx it came as
	tries  int
	out    chan Outcome // buffered 1: the batcher never blocks on a waiter
	dups   []chan Outcome
}

// EnableBatching makes Submit send the records of key's credential in
// batches while rules() (the rules version the next block runs under) is at
// least chain.BatchRulesVersion. It starts the goroutine that gathers them;
// Close stops it. A second call is ignored.
func (s *Submitter) EnableBatching(cfg BatchConfig, key *client.Submitter, rules func() uint32) {
	if key == nil || key.Key == nil || len(key.Cert) == 0 || rules == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.batch != nil || s.closed {
		return
	}
	cfg = cfg.withDefaults()
	ctx, cancel := context.WithCancel(context.Background())
	b := &batcher{
		cfg: cfg, key: key, pub: key.Key.Public(), rules: rules,
		maxBytes: chain.MaxBatchBytes,
		in:       make(chan *queued, 2*cfg.MaxRecords),
		cancel:   cancel, done: make(chan struct{}), closed: make(chan struct{}),
	}
	s.batch = b
	go func() {
		defer close(b.done)
		s.runBatcher(ctx, b)
	}()
}

// Close stops batching: records waiting for a batch are answered
// Unavailable (ErrClosed), later Submits of batchable records too. It waits
// for the batcher goroutine and is safe to call more than once.
func (s *Submitter) Close() error {
	s.mu.Lock()
	b := s.batch
	first := !s.closed
	s.closed = true
	s.mu.Unlock()
	if b == nil {
		return nil
	}
	if first {
		close(b.closed)
		b.cancel()
	}
	<-b.done
	return nil
}

// batchable returns the item of tx when batching is on, the rules admit
// batches and tx is a standalone tx of the batcher's credential with a valid
// envelope signature. The signature is checked here because the batch drops
// it: the batcher's own signature must not vouch for a record that the
// credential did not sign.
func (s *Submitter) batchable(tx []byte) (*batcher, *chain.Tx) {
	s.mu.Lock()
	b := s.batch
	s.mu.Unlock()
	if b == nil || b.rules() < chain.BatchRulesVersion {
		return nil, nil
	}
	t, err := chain.DecodeTx(tx)
	if err != nil || t.Envelope.Org != b.key.Org || !bytes.Equal(t.Envelope.Cert, b.key.Cert) || t.ChainID != b.key.ChainID {
		return nil, nil
	}
	if signer.Verify(b.pub, t.EnvelopeSignBytes(), t.Envelope.Sig) != nil {
		return nil, nil
	}
	item := *t
	item.Envelope = chain.Envelope{}
	return b, &item
}

// submitBatched queues item (of standalone tx) for the next batch and waits
// for its outcome.
func (s *Submitter) submitBatched(ctx context.Context, b *batcher, tx []byte, item *chain.Tx) (Outcome, error) {
	raw := item.Item()
	h := chain.TxHash(raw)
	if i, seen, err := s.store.View().TxLogIndex(h); err != nil {
		return Outcome{}, fmt.Errorf("look up record %s: %w", h, err)
	} else if seen {
		return Outcome{Status: Replay, Index: i, Indexed: true, Code: app.CodeReplay, Codespace: app.Codespace,
			Log: fmt.Sprintf("record %s was already committed at log index %d", h, i)}, nil
	}
	if ref, ok := s.mem.get(h); ok && s.poolHas(ref.tx) {
		// Its batch waits in the mempool: a retry, as for the same bytes.
		return Outcome{Status: Replay}, nil
	}
	if s.mempool == nil {
		return Outcome{Status: Unavailable, Err: ErrNotStarted}, nil
	}
	q := &queued{item: item, raw: raw, hash: h, txHash: chain.TxHash(tx), out: make(chan Outcome, 1)}
	select {
	case <-b.closed:
		return Outcome{Status: Unavailable, Err: ErrClosed}, nil
	default:
	}
	select {
	case b.in <- q:
	case <-b.closed:
		return Outcome{Status: Unavailable, Err: ErrClosed}, nil
	case <-ctx.Done():
		return Outcome{Status: Unavailable, Err: ctx.Err()}, nil
	}
	select {
	case o := <-q.out:
		return o, nil
	case <-b.done:
		// Queued as the batcher stopped: answered by its drain, or never.
		select {
		case o := <-q.out:
			return o, nil
		default:
			return Outcome{Status: Unavailable, Err: ErrClosed}, nil
		}
	case <-ctx.Done():
		// The record may still go in a batch; Result tells.
		return Outcome{Status: Unavailable, Err: ctx.Err()}, nil
	}
}

// batchOverhead bounds a batch's bytes besides its records': version, chain
// id, the envelope (org, fingerprint, signature) and their tags.
func (b *batcher) batchOverhead() int {
	return 32 + len(b.key.ChainID) + len(b.key.Org) + 40 + chain.MaxSigBytes
}

// recordBytes bounds what one item adds to a batch: tag, length, bytes.
func recordBytes(raw []byte) int { return len(raw) + 4 }

// runBatcher gathers records into batches until ctx ends, then answers
// every waiting record Unavailable.
func (s *Submitter) runBatcher(ctx context.Context, b *batcher) {
	var (
		carry    []*queued // records of a refused batch, sent first again
		lastSent time.Time // when the last batch's CheckTx answered
	)
	for {
		var batch []*queued
		size := b.batchOverhead()
		seen := map[chain.Hash]*queued{}
		add := func(q *queued) bool {
			if first, dup := seen[q.hash]; dup {
				first.dups = append(first.dups, q.out)
				return true
			}
			if n := recordBytes(q.raw); len(batch) > 0 && size+n > b.maxBytes {
				return false
			}
			seen[q.hash] = q
			batch = append(batch, q)
			size += recordBytes(q.raw)
			return true
		}
		var next []*queued
		for i, q := range carry {
			if len(batch) == b.cfg.MaxRecords || !add(q) {
				next = carry[i:]
				break
			}
		}
		carry = next
		if len(batch) == 0 {
			select {
			case q := <-b.in:
				add(q)
			case <-ctx.Done():
				drain(b, nil, ErrClosed)
				return
			}
		}
		// After a quiet spell (no batch for MaxWait) the first record goes
		// at once, with whatever is queued already: waiting would only add
		// to its latency, as nothing says more records are coming. Records
		// arriving within MaxWait of a batch are a stream: they gather.
		wait := b.cfg.MaxWait
		if len(carry) == 0 && time.Since(lastSent) >= b.cfg.MaxWait {
			wait = 0
		}
		timer := time.NewTimer(wait)
	gather:
		for len(batch) < b.cfg.MaxRecords {
			var q *queued
			if wait == 0 {
				select {
				case q = <-b.in:
				default:
					break gather
				}
			} else {
				select {
				case q = <-b.in:
				case <-timer.C:
					break gather
				case <-ctx.Done():
					timer.Stop()
					drain(b, append(batch, carry...), ErrClosed)
					return
				}
			}
			if !add(q) {
				carry = append(carry, q)
				break gather
			}
		}
		timer.Stop()
		if ctx.Err() != nil {
			drain(b, append(batch, carry...), ErrClosed)
			return
		}
		carry = append(s.sendBatch(ctx, b, batch), carry...)
		lastSent = time.Now()
	}
}

// drain answers the given records, and every one still queued, Unavailable.
func drain(b *batcher, qs []*queued, err error) {
	o := Outcome{Status: Unavailable, Err: err}
	for _, q := range qs {
		q.answer(o)
	}
	for {
		select {
		case q := <-b.in:
			q.answer(o)
		default:
			return
		}
	}
}

func (q *queued) answer(o Outcome) {
	q.out <- o
	dup := o
	if o.Status == Pending {
		// The same item twice in one gathering went once.
		dup = Outcome{Status: Replay}
	}
	for _, d := range q.dups {
		d <- dup
	}
	q.dups = nil
}

// recordIndex reads the record a batch's CheckTx log names
// ("field records[3].actor.sig: ...").
var recordIndex = regexp.MustCompile(`records\[(\d+)\]`)

// sendBatch builds and broadcasts batch, answers its records and returns the
// ones to send again (a batch refused because of one record).
func (s *Submitter) sendBatch(ctx context.Context, b *batcher, batch []*queued) []*queued {
	items := make([]*chain.Tx, len(batch))
	for i, q := range batch {
		items[i] = q.item
	}
	raw, err := b.key.BuildBatch(items)
	if err != nil {
		for _, q := range batch {
			q.answer(Outcome{Status: Unavailable, Err: fmt.Errorf("build batch: %w", err)})
		}
		return nil
	}
	res, err := s.mempool.BroadcastTxSync(ctx, raw)
	o := broadcastOutcome(ctx, res, err)
	switch o.Status {
	case Pending:
		bh := chain.TxHash(raw)
		for i, q := range batch {
			ref := recordRef{tx: bh, index: i}
			s.mem.put(q.hash, ref)
			ref.item = q.hash
			s.mem.put(q.txHash, ref)
			q.answer(o)
		}
		return nil
	case Rejected, Replay:
		if o.Log == "" {
			break
		}
		m := recordIndex.FindStringSubmatch(o.Log)
		if m == nil {
			break
		}
		i, err := strconv.Atoi(m[1])
		if err != nil || i >= len(batch) {
			break
		}
		// The record the batch was refused for gets the answer; the others
		// go in the next batch.
		batch[i].answer(o)
		var again []*queued
		for j, q := range batch {
			if j == i {
				continue
			}
			q.tries++
			if q.tries >= maxBatchTries {
				q.answer(Outcome{Status: Unavailable, Err: errTooManyTries})
				continue
			}
			again = append(again, q)
		}
		return again
	}
	// Refused as a whole (its envelope, the mempool, the node): every record
	// gets the answer.
	for _, q := range batch {
		q.answer(o)
	}
	return nil
}

// recordRef is where a record went: the batch tx hash and its index in it,
// or (index -1) the standalone tx hash of a record sent alone. Under the
// hash of the standalone tx a batched record came as, item is the record
// hash: callers that know the tx by that hash find the record.
type recordRef struct {
	tx    chain.Hash
	index int
	item  chain.Hash
}

// recordMemory maps record hashes to their txs, forgetting the oldest past
// a bound.
type recordMemory struct {
	mu   sync.Mutex
	m    map[chain.Hash]recordRef
	ring []chain.Hash
	next int
	max  int
}

func (r *recordMemory) put(h chain.Hash, ref recordRef) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.max = max(r.max, 2)
		r.m = make(map[chain.Hash]recordRef)
		r.ring = make([]chain.Hash, 0, min(r.max, 1024))
	}
	if _, ok := r.m[h]; ok {
		r.m[h] = ref
		return
	}
	if len(r.ring) < r.max {
		r.ring = append(r.ring, h)
	} else {
		delete(r.m, r.ring[r.next])
		r.ring[r.next] = h
		r.next = (r.next + 1) % r.max
	}
	r.m[h] = ref
}

func (r *recordMemory) get(h chain.Hash) (recordRef, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ref, ok := r.m[h]
	return ref, ok
}

// poolHas reports whether the tx of hash h waits in the mempool (false
// without a pool).
func (s *Submitter) poolHas(h chain.Hash) bool {
	return s.pool != nil && s.pool.InMempool(types.TxKey(h))
}

// BatchOutcome is what FinalizeBlock made of a batch tx: a code for the
// batch as a whole (non-zero: no record committed), else each record's.
type BatchOutcome struct {
	Height    int64
	Code      uint32
	Codespace string
	Log       string
	Records   []RecordOutcome // in the batch's order
}

// RecordOutcome is one record of a batch: its record hash and result.
type RecordOutcome struct {
	Hash chain.Hash
	chain.RecordResult
}

// BatchResult reads a batch tx's outcome by its tx hash from CometBFT's tx
// index. ok is false while the index knows no batch by that hash (pending,
// unknown, or not a batch), and until the store shows every record it
// committed, so a log index it answers can be read at once.
func (s *Submitter) BatchResult(ctx context.Context, h chain.Hash) (BatchOutcome, bool, error) {
	mp := s.mempool
	if mp == nil {
		return BatchOutcome{}, false, nil
	}
	res, err := mp.Tx(ctx, h[:], false)
	if err != nil || res == nil || !chain.IsBatch(res.Tx) {
		return BatchOutcome{}, false, nil
	}
	r := res.TxResult
	o := BatchOutcome{Height: res.Height, Code: r.Code, Codespace: r.Codespace, Log: r.Log}
	if r.Code != app.CodeOK {
		return o, true, nil
	}
	b, err := chain.DecodeBatch(res.Tx, nil)
	if err != nil {
		return BatchOutcome{}, false, fmt.Errorf("decode committed batch %s: %w", h, err)
	}
	rs, err := chain.DecodeBatchResult(r.Data, r.Log)
	if err != nil || len(rs) != len(b.Items) {
		return BatchOutcome{}, false, fmt.Errorf("batch %s: result of %d records for %d: %v", h, len(rs), len(b.Items), err)
	}
	size := s.store.Last().LogSize
	o.Records = make([]RecordOutcome, len(rs))
	for i, it := range b.Items {
		if rs[i].Code == app.CodeOK && rs[i].Index >= size {
			return BatchOutcome{}, false, nil
		}
		o.Records[i] = RecordOutcome{Hash: it.ItemHash(), RecordResult: rs[i]}
	}
	return o, true, nil
}
