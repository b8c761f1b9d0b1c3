package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"log/slog"
	"sync"
	"time"

	"github.com/cockroachdb/pebble"
	"github.com/cockroachdb/pebble/bloom"
	"github.com/emmansun/gmsm/sm3"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/merklelog"
	"github.com/sealchain/sealchain/chain/merklelog/pebblelog"
)

const domainState = "sealchain/state/v1"

// ErrNotFound means a record, height or key is not in the store.
var ErrNotFound = errors.New("not found")

// Store is the app's persistent state: the evidence log, the mutable state
// and the indexes, in one pebble database. Writes happen one block at a time
// through a Block; reads of committed data are safe from any goroutine.
type Store struct {
	db     *pebble.DB
	hasher *merklelog.Hasher
	log    *pebblelog.Log

	mu         sync.RWMutex
	last       chain.Checkpoint
	commitHook func(chain.Checkpoint) // see SetCommitHook (snapshot.go)

	closeOnce sync.Once
	closeErr  error
}

// Open opens (creating if needed) the store in dir. logger may be nil.
func Open(dir string, logger *slog.Logger) (*Store, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	// A block cache large enough for the proofs' upper tree levels and the
	// hot state keys, and bloom filters because every tx looks up a key that
	// is usually absent (the replay guard).
	cache := pebble.NewCache(256 << 20)
	defer cache.Unref()
	opts := &pebble.Options{Logger: pebbleLogger{logger}, Cache: cache}
	opts.Levels = make([]pebble.LevelOptions, 7)
	for i := range opts.Levels {
		opts.Levels[i].FilterPolicy = bloom.FilterPolicy(10)
		opts.Levels[i].FilterType = pebble.TableFilter
	}
	db, err := pebble.Open(dir, opts)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", dir, err)
	}
	s := &Store{db: db, hasher: merklelog.SM3()}
	if err := s.load(); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) load() error {
	l, err := pebblelog.Open(s.db, s.hasher, prefixLog)
	if err != nil {
		return fmt.Errorf("open log: %w", err)
	}
	s.log = l
	v, ok, err := get(s.db, keyLast)
	if err != nil {
		return err
	}
	if ok {
		if err := chain.DecodeState(v, &s.last, "checkpoint"); err != nil {
			return err
		}
	} else {
		s.last = chain.Checkpoint{LogRoot: s.hasher.EmptyRoot(), StateRoot: make([]byte, 32)}
		s.last.AppHash = chain.AppHash(0, s.last.LogRoot, s.last.StateRoot)
	}
	if l.Size() != s.last.LogSize {
		return fmt.Errorf("store inconsistent: log size %d but checkpoint at height %d says %d", l.Size(), s.last.Height, s.last.LogSize)
	}
	return s.ensureCaseIndex()
}

// Close closes the database. Calling it again is a no-op (pebble panics on
// a second close).
func (s *Store) Close() error {
	s.closeOnce.Do(func() { s.closeErr = s.db.Close() })
	return s.closeErr
}

// Hasher returns the log's hasher.
func (s *Store) Hasher() *merklelog.Hasher { return s.hasher }

// Last returns the checkpoint of the last committed height (height 0 before
// InitChain's state is committed).
func (s *Store) Last() chain.Checkpoint {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.last
}

// View reads committed state.
func (s *Store) View() View { return View{r: s.db} }

// NewBlock stages the writes of one height on top of the last committed state.
func (s *Store) NewBlock(height int64, t time.Time) *Block {
	last := s.Last()
	b := &Block{
		View:   View{},
		s:      s,
		batch:  s.db.NewIndexedBatch(),
		height: height,
		time:   t.UTC(),
		state:  sm3.New(),
	}
	b.View.r = b.batch
	b.certRoot = bytes.Clone(last.CertRoot)
	b.state.Write([]byte(domainState))
	b.state.Write([]byte{0})
	prev := last.StateRoot
	if height == 0 {
		// Genesis starts from nothing, so InitChain run twice (after a crash
		// before block 1) gives the same root.
		prev = make([]byte, 32)
	}
	b.state.Write(prev)
	b.prevState = prev
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(height))
	b.state.Write(n[:])
	return b
}

// Commit writes a finished block durably (fsync) and makes it the last
// committed state. A crash before Commit returns leaves the previous height
// intact; CometBFT then replays the block.
func (s *Store) Commit(b *Block) error {
	if b.cp == nil {
		return errors.New("commit: block not finished")
	}
	if err := b.batch.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("commit height %d: %w", b.height, err)
	}
	b.batch.Close()
	s.mu.Lock()
	s.last = *b.cp
	hook := s.commitHook
	s.mu.Unlock()
	if hook != nil {
		hook(*b.cp)
	}
	return nil
}

// Discard drops a block's staged writes and rolls the in-memory log back.
func (s *Store) Discard(b *Block) error {
	if b.certPending != nil {
		b.certPending.base.Close()
	}
	b.batch.Close()
	return s.log.Reload(s.db)
}

// Block is the staged writes of one height.
type Block struct {
	View
	s      *Store
	batch  *pebble.Batch
	height int64
	time   time.Time
	state  hash.Hash
	writes int
	// prevState is the last committed state root: kept when the block writes
	// no state, so an empty block leaves the app hash unchanged and CometBFT
	// can stop making blocks while idle (create_empty_blocks = false).
	prevState []byte
	// certRoot is the certificate status tree's root (certtree.go), nil
	// while the block does not track it (rules version below 4).
	certRoot    []byte
	certPending *blockNodes // the tree nodes the block wrote (certtree.go)
	cp          *chain.Checkpoint
}

// Height and Time are the block's, from its header.
func (b *Block) Height() int64   { return b.height }
func (b *Block) Time() time.Time { return b.time }

// setState writes a state key and folds it into the state root as
// 0x01 ‖ uvarint(len key) ‖ key ‖ uvarint(len value) ‖ value.
func (b *Block) setState(key, value []byte) error {
	b.foldState(1, key, value)
	return b.batch.Set(key, value, nil)
}

// foldState hashes one state operation (1 set, 2 delete) into the root.
func (b *Block) foldState(op byte, key, value []byte) {
	b.writes++
	var n [binary.MaxVarintLen64]byte
	b.state.Write([]byte{op})
	b.state.Write(n[:binary.PutUvarint(n[:], uint64(len(key)))])
	b.state.Write(key)
	if op == 1 {
		b.state.Write(n[:binary.PutUvarint(n[:], uint64(len(value)))])
		b.state.Write(value)
	}
}

// deleteState removes a state key, folding 0x02 ‖ uvarint(len key) ‖ key
// into the state root.
func (b *Block) deleteState(key []byte) error {
	b.foldState(2, key, nil)
	return b.batch.Delete(key, nil)
}

// PutOrg, PutCert, PutContract write state.
func (b *Block) PutOrg(o *chain.Org) error { return b.setState(orgKey(o.ID), chain.EncodeState(o)) }
func (b *Block) PutCert(fp chain.Fingerprint, c *chain.CertState) error {
	if err := b.updateCertStatus(fp, c); err != nil {
		return err
	}
	return b.setState(certKey(fp), chain.EncodeState(c))
}
func (b *Block) PutContract(c *chain.ContractState) error {
	return b.setState(contractKey(c.ID), chain.EncodeState(c))
}

// MarkValidatorChange records that the header at height names a new
// validator set (its NextValidatorsHash changes), so evidence can carry the
// hop a verifier needs. Derived data: not part of the state root.
func (b *Block) MarkValidatorChange(height int64) error {
	return b.batch.Set(u64key(prefixValChange, uint64(height)), nil, nil)
}

// ValidatorChanges lists the header heights, up to and including upTo, at
// which the validator set changed, in increasing order.
func (v View) ValidatorChanges(upTo int64) ([]int64, error) {
	var out []int64
	err := v.scan(prefixValChange, func(k, _ []byte) error {
		h := int64(binary.BigEndian.Uint64(k[len(prefixValChange):]))
		if h <= upTo {
			out = append(out, h)
		}
		return nil
	})
	return out, err
}

// NextIndex is the log index the next Append will get.
func (b *Block) NextIndex() uint64 { return b.s.log.Size() }

// Append adds a committed transaction to the log, records it against replay
// by its tx hash and indexes it: a record under rules version 1. tx must be
// the decoded form of raw.
func (b *Block) Append(txIndex uint32, raw []byte, tx *chain.Tx) (*chain.Entry, error) {
	return b.AppendKeyed(txIndex, raw, tx, []chain.Hash{chain.TxHash(raw)})
}

// AppendKeyed is Append with the replay-guard keys to write, in order
// (chain.RecordKeys): raw is the record's leaf form (a standalone tx, or a
// batched record).
func (b *Block) AppendKeyed(txIndex uint32, raw []byte, tx *chain.Tx, keys []chain.Hash) (*chain.Entry, error) {
	en := &chain.Entry{Index: b.s.log.Size(), Height: b.height, Time: b.time, TxIndex: txIndex, Tx: raw}
	leaf := en.Encode()
	idx, err := b.s.log.Append(b.batch, leaf)
	if err != nil {
		return nil, fmt.Errorf("append to log: %w", err)
	}
	if idx != en.Index {
		return nil, fmt.Errorf("log index %d, expected %d", idx, en.Index)
	}
	if err := b.batch.Set(u64key(prefixEntry, idx), leaf, nil); err != nil {
		return nil, err
	}
	for _, h := range keys {
		if err := b.setState(txKey(h), u64(idx)); err != nil {
			return nil, err
		}
	}
	for _, k := range chain.EncodeIndexKeys(tx, en) {
		if err := b.batch.Set(k, nil, nil); err != nil {
			return nil, err
		}
	}
	return en, nil
}

// Finish computes the roots and the app hash and stages the checkpoint.
func (b *Block) Finish() (chain.Checkpoint, error) {
	cp := chain.Checkpoint{
		Height:    b.height,
		Time:      b.time,
		LogSize:   b.s.log.Size(),
		LogRoot:   b.s.log.Root(),
		StateRoot: b.state.Sum(nil),
	}
	if b.writes == 0 {
		cp.StateRoot = b.prevState
	}
	cp.CertRoot = b.certRoot
	cp.AppHash = cp.ComputeAppHash()
	if err := b.flushCertNodes(); err != nil {
		return chain.Checkpoint{}, err
	}
	v := chain.EncodeState(&cp)
	if err := b.batch.Set(u64key(prefixH, uint64(b.height)), v, nil); err != nil {
		return chain.Checkpoint{}, err
	}
	if err := b.batch.Set(keyLast, v, nil); err != nil {
		return chain.Checkpoint{}, err
	}
	b.cp = &cp
	return cp, nil
}

// View reads state through a pebble reader: the committed database, or a
// block's batch (which sees the block's own writes).
type View struct{ r pebble.Reader }

func get(r pebble.Reader, key []byte) ([]byte, bool, error) {
	v, closer, err := r.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read %q: %w", key, err)
	}
	out := append([]byte(nil), v...)
	closer.Close()
	return out, true, nil
}

func (v View) load(key []byte, val chain.StateValue, what string) (bool, error) {
	b, ok, err := get(v.r, key)
	if err != nil || !ok {
		return false, err
	}
	return true, chain.DecodeState(b, val, what)
}

// Org returns a registered organisation.
func (v View) Org(id string) (*chain.Org, bool, error) {
	o := &chain.Org{}
	ok, err := v.load(orgKey(id), o, "org")
	return o, ok, err
}

// Orgs lists every registered organisation in id order.
func (v View) Orgs() ([]*chain.Org, error) {
	var out []*chain.Org
	err := v.scan([]byte("s/o/"), func(_, val []byte) error {
		o := &chain.Org{}
		if err := chain.DecodeState(val, o, "org"); err != nil {
			return err
		}
		out = append(out, o)
		return nil
	})
	return out, err
}

// Cert returns a registered certificate's state.
func (v View) Cert(fp chain.Fingerprint) (*chain.CertState, bool, error) {
	c := &chain.CertState{}
	ok, err := v.load(certKey(fp), c, "cert")
	return c, ok, err
}

// Contract returns a contract's state.
func (v View) Contract(id string) (*chain.ContractState, bool, error) {
	c := &chain.ContractState{}
	ok, err := v.load(contractKey(id), c, "contract")
	return c, ok, err
}

// TxLogIndex returns the log index of a committed transaction.
func (v View) TxLogIndex(h chain.Hash) (uint64, bool, error) {
	b, ok, err := get(v.r, txKey(h))
	if err != nil || !ok {
		return 0, ok, err
	}
	if len(b) != 8 {
		return 0, false, fmt.Errorf("stored tx index for %s is corrupt", h)
	}
	return binary.BigEndian.Uint64(b), true, nil
}

// Entry returns the leaf bytes at index.
func (v View) Entry(index uint64) ([]byte, error) {
	b, ok, err := get(v.r, u64key(prefixEntry, index))
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("entry %d: %w", index, ErrNotFound)
	}
	return b, nil
}

// Checkpoint returns the checkpoint at height.
func (v View) Checkpoint(height int64) (chain.Checkpoint, error) {
	var cp chain.Checkpoint
	ok, err := v.load(u64key(prefixH, uint64(height)), &cp, "checkpoint")
	if err != nil {
		return cp, err
	}
	if !ok {
		return cp, fmt.Errorf("checkpoint at height %d: %w", height, ErrNotFound)
	}
	return cp, nil
}

// CheckpointAt is Checkpoint for the rules (chain.StateView): a height with
// no checkpoint is ok=false, a storage failure an error.
func (v View) CheckpointAt(height int64) (*chain.Checkpoint, bool, error) {
	cp, err := v.Checkpoint(height)
	if errors.Is(err, ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return &cp, true, nil
}

func (v View) scan(prefix []byte, fn func(k, v []byte) error) error {
	it, err := v.r.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: prefixEnd(prefix)})
	if err != nil {
		return err
	}
	defer it.Close()
	for it.First(); it.Valid(); it.Next() {
		// The iterator reuses its buffers: callers keep decoded values, which
		// alias the bytes, so hand them copies.
		if err := fn(bytes.Clone(it.Key()), bytes.Clone(it.Value())); err != nil {
			return err
		}
	}
	return it.Error()
}

func prefixEnd(p []byte) []byte {
	end := append([]byte(nil), p...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// pebbleLogger passes pebble's errors to the node's logger and drops its
// informational chatter.
type pebbleLogger struct{ l *slog.Logger }

func (pebbleLogger) Infof(string, ...interface{}) {}
func (p pebbleLogger) Errorf(format string, args ...interface{}) {
	p.l.Error("pebble", "msg", fmt.Sprintf(format, args...))
}
func (pebbleLogger) Fatalf(format string, args ...interface{}) {
	panic(fmt.Sprintf("pebble: "+format, args...))
}

// InclusionProof returns the audit path of the leaf at index in the log of
// the given size, read from committed storage.
func (s *Store) InclusionProof(index, size uint64) ([][]byte, error) {
	return pebblelog.InclusionProof(s.db, s.hasher, prefixLog, index, size)
}

// ErrCorrupt means stored data does not match the Merkle log that commits it.
var ErrCorrupt = errors.New("store corrupt")

// CheckLeaf re-hashes leaf bytes read from the store against the log's own
// leaf node, so a node never serves evidence from an altered store.
func (s *Store) CheckLeaf(index uint64, leaf []byte) error {
	want, err := pebblelog.LeafHashAt(s.db, prefixLog, index)
	if err != nil {
		return fmt.Errorf("leaf hash %d: %w", index, err)
	}
	if !bytes.Equal(s.hasher.HashLeaf(leaf), want) {
		return fmt.Errorf("%w: entry %d does not hash to its Merkle leaf", ErrCorrupt, index)
	}
	return nil
}

// ConsistencyProof proves that the log of size1 is a prefix of the log of size2.
func (s *Store) ConsistencyProof(size1, size2 uint64) ([][]byte, error) {
	return pebblelog.ConsistencyProof(s.db, s.hasher, prefixLog, size1, size2)
}
