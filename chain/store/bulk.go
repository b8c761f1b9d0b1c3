package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/cockroachdb/pebble"
	"github.com/emmansun/gmsm/sm3"

	"github.com/sealchain/sealchain/chain"
)

// BulkLoader fills a store block by block without consensus, signature
// checks or a durable write per block: it exists to build large stores for
// benchmarks and tests quickly. Each block goes through the same Block
// methods FinalizeBlock uses (Append, PutContract, Finish), so the log,
// entries, replay guard, indexes, state-root folds and checkpoints are the
// bytes the app would write for the same txs in the same blocks; only the
// pebble batching differs (many blocks per batch, one fsync at Flush).
// Nothing is validated: the caller supplies committed-quality txs and the
// state writes the app's rules make for them (see BulkContractCreated). The
// equality with the app's path is proven by TestBulkMatchesApp.
//
// A store must not serve the app while a loader is open on it.
type BulkLoader struct {
	s        *Store
	batch    *pebble.Batch
	maxBytes int
}

// DefaultBulkBatchBytes is how large a batch grows before it is written.
const DefaultBulkBatchBytes = 64 << 20

// NewBulkLoader starts bulk loading on top of the store's last checkpoint.
func (s *Store) NewBulkLoader() *BulkLoader {
	return &BulkLoader{s: s, batch: s.db.NewBatch(), maxBytes: DefaultBulkBatchBytes}
}

// Block stages one height: fill makes the block's writes (it must not read
// state through b: the loader's batch is write-only), then the block is
// finished and its checkpoint becomes the store's last.
func (l *BulkLoader) Block(height int64, t time.Time, fill func(b *Block) error) (chain.Checkpoint, error) {
	last := l.s.Last()
	if height != last.Height+1 {
		return chain.Checkpoint{}, fmt.Errorf("bulk block %d: last height is %d", height, last.Height)
	}
	b := &Block{s: l.s, batch: l.batch, height: height, time: t.UTC(), state: sm3.New(), prevState: last.StateRoot, certRoot: last.CertRoot}
	b.View.r = l.s.db // reads would miss the staged writes; fill must not read
	// The state-root preamble of Store.NewBlock (height > 0).
	b.state.Write([]byte(domainState))
	b.state.Write([]byte{0})
	b.state.Write(last.StateRoot)
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(height))
	b.state.Write(n[:])
	if err := fill(b); err != nil {
		return chain.Checkpoint{}, fmt.Errorf("bulk block %d: %w", height, err)
	}
	cp, err := b.Finish()
	if err != nil {
		return chain.Checkpoint{}, fmt.Errorf("bulk block %d: %w", height, err)
	}
	l.s.mu.Lock()
	l.s.last = cp
	l.s.mu.Unlock()
	if l.batch.Len() >= l.maxBytes {
		if err := l.write(pebble.NoSync); err != nil {
			return chain.Checkpoint{}, err
		}
	}
	return cp, nil
}

// Flush writes what is staged durably. Call it once at the end; the loader
// can be used again afterwards.
func (l *BulkLoader) Flush() error { return l.write(pebble.Sync) }

func (l *BulkLoader) write(opt *pebble.WriteOptions) error {
	if err := l.batch.Commit(opt); err != nil {
		return fmt.Errorf("bulk write: %w", err)
	}
	if err := l.batch.Close(); err != nil {
		return fmt.Errorf("bulk write: %w", err)
	}
	l.batch = l.s.db.NewBatch()
	return nil
}

// BulkContractCreated makes in b the writes the app's rules make for a valid
// contract_created tx submitted by org: the new contract's state, then the
// log entry with its replay guard and indexes.
func BulkContractCreated(b *Block, txIndex uint32, raw []byte, tx *chain.Tx) error {
	body, ok := tx.Body.(*chain.ContractCreated)
	if !ok {
		return errors.New("bulk: not a contract_created tx")
	}
	n := len(body.Parties)
	if err := b.PutContract(&chain.ContractState{
		ID: body.Contract, Org: tx.Envelope.Org, DocSM3: body.DocSM3, Parties: body.Parties,
		Order: body.Order, Deadline: body.Deadline, Status: chain.StatusOpen,
		Signed: make([]bool, n), Intent: make([]bool, n), CreatedIn: b.NextIndex(),
	}); err != nil {
		return err
	}
	_, err := b.Append(txIndex, raw, tx)
	return err
}

// Compact compacts the whole key space, so disk use can be measured settled.
func (s *Store) Compact() error {
	return s.db.Compact([]byte{0}, []byte{0xff}, true)
}
