package submit

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/cometbft/cometbft/mempool"
	coretypes "github.com/cometbft/cometbft/rpc/core/types"
	"github.com/cometbft/cometbft/types"

	"github.com/sealchain/sealchain/app"
	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/store"
)

// ErrNotStarted is an Unavailable outcome's error when the node has no
// mempool yet.
var ErrNotStarted = errors.New("mempool not started")

// Status is the kind of an Outcome.
type Status int

const (
	// Pending: accepted into the mempool (Submit), or neither committed nor
	// rejected yet (Result).
	Pending Status = iota
	// Committed: in the log at Index, in the block at Height.
	Committed
	// Rejected: CheckTx or FinalizeBlock refused it with Code.
	Rejected
	// Replay: the same bytes are already committed (Indexed, or CheckTx
	// answered app.CodeReplay) or already in the mempool's cache; Result
	// tells what became of them.
	Replay
	// MempoolFull: the mempool has no room now; retry later.
	MempoolFull
	// TooLarge: the tx exceeds the mempool's size limit (Err says by how much).
	TooLarge
	// Unavailable: the node is not started or stopping, or ctx ended.
	Unavailable
)

var statusNames = [...]string{"pending", "committed", "rejected", "replay", "mempool_full", "too_large", "unavailable"}

func (s Status) String() string {
	if int(s) < len(statusNames) {
		return statusNames[s]
	}
	return fmt.Sprintf("status(%d)", int(s))
}

// Outcome is what became of a transaction.
type Outcome struct {
	Status Status
	// Committed, and Replay when Indexed: where the tx is.
	Height    int64
	Index     uint64
	Indexed   bool
	BlockTime time.Time
	// Rejected, and Replay answered by CheckTx: the app's answer. Height
	// is the block of a FinalizeBlock rejection (0 for CheckTx).
	Code      uint32
	Codespace string
	Log       string
	// MempoolFull, TooLarge, Unavailable: CometBFT's error.
	Err error
}

// Accepted reports whether the mempool holds the tx or the chain already
// has it: the caller waits for it rather than sending it again.
func (o Outcome) Accepted() bool {
	return o.Status == Pending || o.Status == Replay || o.Status == Committed
}

// Mempool is what the submitter needs from CometBFT (its local RPC client).
type Mempool interface {
	BroadcastTxSync(ctx context.Context, tx types.Tx) (*coretypes.ResultBroadcastTx, error)
	Tx(ctx context.Context, hash []byte, prove bool) (*coretypes.ResultTx, error)
}

// Store is what the submitter reads from the app store.
type Store interface {
	Last() chain.Checkpoint
	View() store.View
}

// Pool is the part of CometBFT's mempool InMempool reads.
type Pool interface {
	InMempool(key types.TxKey) bool
}

// Submitter submits transactions and reports their outcome.
type Submitter struct {
	store   Store
	mempool Mempool
	pool    Pool // nil: InMempool answers true

	mu     sync.Mutex
	batch  *batcher // nil until EnableBatching
	closed bool
	// mem remembers which tx carried each record this submitter sent under
	// batch rules, so Result reads a batch's per-record answer.
	mem recordMemory
}

// Option configures a Submitter.
type Option func(*Submitter)

// WithPool gives InMempool the mempool to look in.
func WithPool(p Pool) Option { return func(s *Submitter) { s.pool = p } }

// New returns a submitter over store and CometBFT's mempool (nil: every
// Submit is Unavailable, Result reads the store only).
func New(store Store, mp Mempool, opts ...Option) *Submitter {
	// Two entries a batched record: its record hash and its tx hash.
	s := &Submitter{store: store, mempool: mp, mem: recordMemory{max: 2 * rememberRecords}}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Submit runs CheckTx on tx through the mempool: alone, or, when batching is
// enabled and tx is a record of the batching credential, in the next batch
// (its outcome is then its record's). Only a store failure is an error;
// everything CometBFT answers is an Outcome.
func (s *Submitter) Submit(ctx context.Context, tx []byte) (Outcome, error) {
	if b, item := s.batchable(tx); b != nil {
		return s.submitBatched(ctx, b, tx, item)
	}
	return s.SubmitAlone(ctx, tx)
}

// SubmitAlone sends tx by itself, batching or not: for txs whose sender
// knows them by their tx hash (POST /v1/txs), which a batch would not
// carry.
func (s *Submitter) SubmitAlone(ctx context.Context, tx []byte) (Outcome, error) {
	h := chain.TxHash(tx)
	if i, seen, err := s.store.View().TxLogIndex(h); err != nil {
		return Outcome{}, fmt.Errorf("look up tx %s: %w", h, err)
	} else if seen {
		return Outcome{Status: Replay, Index: i, Indexed: true, Code: app.CodeReplay, Codespace: app.Codespace,
			Log: fmt.Sprintf("transaction %s was already committed at log index %d", h, i)}, nil
	}
	mp := s.mempool
	if mp == nil {
		return Outcome{Status: Unavailable, Err: ErrNotStarted}, nil
	}
	res, err := mp.BroadcastTxSync(ctx, tx)
	o := broadcastOutcome(ctx, res, err)
	if o.Status == Pending {
		if ih, ok := s.itemHash(tx); ok {
			// Result by record hash must find the tx in CometBFT's index.
			s.mem.put(ih, recordRef{tx: h, index: -1})
		}
	}
	return o, nil
}

// itemHash is tx's item hash when the rules in force key records by it.
func (s *Submitter) itemHash(tx []byte) (chain.Hash, bool) {
	s.mu.Lock()
	b := s.batch
	s.mu.Unlock()
	if b == nil || b.rules() < chain.BatchRulesVersion {
		return chain.Hash{}, false
	}
	t, err := chain.DecodeTx(tx)
	if err != nil {
		return chain.Hash{}, false
	}
	return t.ItemHash(), true
}

// RecordHash is the hash Result and Wait answer tx by: its item hash under
// batch rules, else its tx hash.
func (s *Submitter) RecordHash(tx []byte) chain.Hash {
	if ih, ok := s.itemHash(tx); ok {
		return ih
	}
	return chain.TxHash(tx)
}

// InMempool reports whether tx, or the batch that carries its record, waits
// in the mempool. Without a pool (WithPool) it answers true: the caller
// cannot tell an eviction.
func (s *Submitter) InMempool(tx []byte) bool {
	if s.pool == nil {
		return true
	}
	if s.pool.InMempool(types.Tx(tx).Key()) {
		return true
	}
	t, err := chain.DecodeTx(tx)
	if err != nil {
		return false
	}
	ref, ok := s.mem.get(t.ItemHash())
	return ok && s.poolHas(ref.tx)
}

// broadcastOutcome maps CometBFT's answer to a broadcast.
func broadcastOutcome(ctx context.Context, res *coretypes.ResultBroadcastTx, err error) Outcome {
	var (
		invalid  mempool.ErrInvalidTx
		full     mempool.ErrMempoolIsFull
		tooLarge mempool.ErrTxTooLarge
	)
	switch {
	case err == nil && res == nil:
		return Outcome{Status: Unavailable, Err: errors.New("empty broadcast answer")}
	case err == nil:
		return checkOutcome(res.Code, res.Codespace, res.Log)
	case errors.As(err, &invalid):
		// CometBFT v1 reports a CheckTx rejection as an error.
		return checkOutcome(invalid.Code, invalid.Codespace, invalid.Log)
	case errors.Is(err, mempool.ErrTxInCache), errors.Is(err, mempool.ErrTxInMempool):
		// The same bytes are in the mempool (or were lately): a retry.
		return Outcome{Status: Replay}
	case errors.As(err, &full):
		return Outcome{Status: MempoolFull, Err: err}
	case errors.As(err, &tooLarge):
		return Outcome{Status: TooLarge, Err: err}
	case ctx.Err() != nil:
		return Outcome{Status: Unavailable, Err: fmt.Errorf("%w: %w", ctx.Err(), err)}
	default:
		return Outcome{Status: Unavailable, Err: err}
	}
}

// checkOutcome maps a CheckTx code.
func checkOutcome(code uint32, codespace, log string) Outcome {
	switch {
	case code == app.CodeOK:
		return Outcome{Status: Pending}
	case code == app.CodeReplay && codespace == app.Codespace:
		return Outcome{Status: Replay, Code: code, Codespace: codespace, Log: log}
	default:
		return Outcome{Status: Rejected, Code: code, Codespace: codespace, Log: log}
	}
}

// Result reports a tx's outcome: Committed (from the app store), Rejected
// by FinalizeBlock (from CometBFT's tx index) or Pending while neither
// knows it. Only a store failure is an error.
func (s *Submitter) Result(ctx context.Context, h chain.Hash) (Outcome, error) {
	return s.result(ctx, h, true)
}

// result asks CometBFT's tx index only when askIndex: it is slower than
// the store and tells only about rejections.
func (s *Submitter) result(ctx context.Context, h chain.Hash, askIndex bool) (Outcome, error) {
	view := s.store.View()
	i, ok, err := view.TxLogIndex(h)
	if err != nil {
		return Outcome{}, fmt.Errorf("look up tx %s: %w", h, err)
	}
	ref, remembered := s.mem.get(h)
	if !ok && remembered && ref.item != (chain.Hash{}) {
		// The hash of a standalone tx this submitter batched: the log
		// knows its record by the item hash.
		if i, ok, err = view.TxLogIndex(ref.item); err != nil {
			return Outcome{}, fmt.Errorf("look up record %s: %w", ref.item, err)
		}
	}
	// The store's data is visible a moment before Last() moves past it;
	// answer only once every query sees the record.
	if ok && i < s.store.Last().LogSize {
		leaf, err := view.Entry(i)
		if err != nil {
			return Outcome{}, fmt.Errorf("read log entry %d: %w", i, err)
		}
		en, err := chain.DecodeEntry(leaf)
		if err != nil {
			return Outcome{}, fmt.Errorf("decode log entry %d: %w", i, err)
		}
		return Outcome{Status: Committed, Height: en.Height, Index: i, Indexed: true, BlockTime: en.Time}, nil
	}
	if askIndex {
		if mp := s.mempool; mp != nil {
			if remembered {
				return s.refResult(ctx, mp, ref), nil
			}
			if res, err := mp.Tx(ctx, h[:], false); err == nil && res.TxResult.Code != app.CodeOK {
				return Outcome{Status: Rejected, Height: res.Height, Code: res.TxResult.Code,
					Codespace: res.TxResult.Codespace, Log: res.TxResult.Log}, nil
			}
		}
	}
	return Outcome{Status: Pending}, nil
}

// refResult reads a remembered record's FinalizeBlock answer from its tx's:
// the tx's own code, or for a batch its record's entry in the batch result.
func (s *Submitter) refResult(ctx context.Context, mp Mempool, ref recordRef) Outcome {
	res, err := mp.Tx(ctx, ref.tx[:], false)
	if err != nil {
		return Outcome{Status: Pending}
	}
	r := res.TxResult
	if r.Code != app.CodeOK {
		return Outcome{Status: Rejected, Height: res.Height, Code: r.Code, Codespace: r.Codespace, Log: r.Log}
	}
	if ref.index < 0 {
		return Outcome{Status: Pending}
	}
	rs, err := chain.DecodeBatchResult(r.Data, r.Log)
	if err != nil || ref.index >= len(rs) {
		return Outcome{Status: Pending}
	}
	if rr := rs[ref.index]; rr.Code != app.CodeOK {
		return Outcome{Status: Rejected, Height: res.Height, Code: rr.Code, Codespace: app.Codespace, Log: rr.Log}
	}
	// Committed: the store shows it once Last moves past it.
	return Outcome{Status: Pending}
}

// Wait polls Result until the tx is committed or rejected, or ctx ends (an
// Unavailable outcome with ctx's error).
func (s *Submitter) Wait(ctx context.Context, h chain.Hash) (Outcome, error) {
	t := time.NewTicker(25 * time.Millisecond)
	defer t.Stop()
	for n := 0; ; n++ {
		// CometBFT's tx index is asked only every fourth round.
		o, err := s.result(ctx, h, n%4 == 3)
		if err != nil || o.Status != Pending {
			return o, err
		}
		select {
		case <-ctx.Done():
			return Outcome{Status: Unavailable, Err: ctx.Err()}, nil
		case <-t.C:
		}
	}
}
