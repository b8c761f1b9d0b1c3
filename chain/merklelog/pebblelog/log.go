package pebblelog

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/cockroachdb/pebble"
	"github.com/transparency-dev/merkle/compact"

	"github.com/sealchain/sealchain/chain/merklelog"
)

// Key families under the log prefix; see the package documentation.
const (
	nodeKeyTag = 'n'
	sizeKeyTag = 's'
)

var (
	// ErrNotFound is wrapped by errors for data the store does not hold: a
	// tree size beyond the stored size, or a leaf index beyond a tree size.
	ErrNotFound = errors.New("merklelog: not found")
	// ErrCorrupt is wrapped when the store contradicts itself, for example a
	// node that must exist for the stored size is missing or has the wrong
	// length for the hasher. It is a storage failure, not a bad request.
	ErrCorrupt = errors.New("merklelog: store corrupt")
)

// Reader is the subset of pebble that the log reads through. *pebble.DB,
// indexed *pebble.Batch and *pebble.Snapshot satisfy it. Other
// implementations must report a missing key as pebble.ErrNotFound. Reading
// through the indexed batch that Append writes into sees uncommitted appends.
type Reader interface {
	Get(key []byte) (value []byte, closer io.Closer, err error)
}

// Writer is the subset of pebble that the log writes through. *pebble.Batch
// satisfies it.
type Writer interface {
	Set(key, value []byte, opts *pebble.WriteOptions) error
}

var (
	_ Reader = (*pebble.DB)(nil)
	_ Reader = (*pebble.Batch)(nil)
	_ Reader = (*pebble.Snapshot)(nil)
	_ Writer = (*pebble.Batch)(nil)
)

// Log is the append-only tree stored under one prefix. It keeps the right
// edge of the tree (the compact range [0, Size())) in memory, so Append and
// Root cost O(log n) hashes and Append writes amortised O(1) nodes.
//
// A Log is not safe for concurrent use. Its in-memory state runs ahead of
// storage until the caller commits the batch passed to Append; if the batch
// is discarded, call Reload.
type Log struct {
	h      *merklelog.Hasher
	prefix []byte
	rf     *compact.RangeFactory
	rng    *compact.Range
	root   []byte // cached Root(); nil when stale
	key    []byte // scratch buffer for node keys
}

// Open loads the log stored under prefix from r. A prefix with no stored
// size is an empty log. It reads O(log n) keys.
func Open(r Reader, h *merklelog.Hasher, prefix []byte) (*Log, error) {
	if h == nil {
		return nil, errors.New("merklelog: nil hasher")
	}
	l := &Log{
		h:      h,
		prefix: append([]byte(nil), prefix...),
		rf:     &compact.RangeFactory{Hash: h.HashChildren},
	}
	if err := l.Reload(r); err != nil {
		return nil, err
	}
	return l, nil
}

// Reload replaces the in-memory state with the state stored in r, discarding
// appends whose batch was never committed. On error the Log is unchanged.
func (l *Log) Reload(r Reader) error {
	size, err := readSize(r, l.prefix)
	if err != nil {
		return err
	}
	hashes, err := readNodes(r, l.h, l.prefix, compact.RangeNodes(0, size, nil))
	if err != nil {
		return fmt.Errorf("merklelog: load tree of size %d: %w", size, err)
	}
	rng, err := l.rf.NewRange(0, size, hashes)
	if err != nil {
		return fmt.Errorf("merklelog: load tree of size %d: %v: %w", size, err, ErrCorrupt)
	}
	l.rng, l.root = rng, nil
	return nil
}

// Size returns the number of leaves in the log.
func (l *Log) Size() uint64 { return l.rng.End() }

// Root returns the root hash of the tree at Size(), or the hasher's
// EmptyRoot for an empty log.
func (l *Log) Root() []byte {
	if l.root == nil {
		root, err := l.rng.GetRootHash(nil)
		if err != nil { // Only possible if begin != 0, which Log never builds.
			panic(fmt.Sprintf("merklelog: root of compact range: %v", err))
		}
		if root == nil {
			root = l.h.EmptyRoot()
		}
		l.root = root
	}
	return append([]byte(nil), l.root...)
}

// Append hashes leaf with HashLeaf and appends it; see AppendHash.
func (l *Log) Append(w Writer, leaf []byte) (index uint64, err error) {
	return l.AppendHash(w, l.h.HashLeaf(leaf))
}

// AppendHash appends an already computed leaf hash. It writes the leaf, every
// perfect subtree node the leaf completes, and the new size into w, and
// returns the leaf's index. The in-memory state advances immediately; the
// caller commits w atomically with its other writes (or calls Reload if it
// discards w). If writing to w fails, the in-memory state is left unchanged,
// but w may hold some of the writes and should be discarded.
func (l *Log) AppendHash(w Writer, leafHash []byte) (uint64, error) {
	if got, want := len(leafHash), l.h.Size(); got != want {
		return 0, fmt.Errorf("merklelog: leaf hash is %d bytes, want %d", got, want)
	}
	index := l.rng.End()
	// compact.Range.Append rewrites its hash slice in place, so keep a copy of
	// the O(log n) edge to restore if a write fails.
	saved := append([][]byte(nil), l.rng.Hashes()...)
	var werr error
	visit := func(id compact.NodeID, hash []byte) {
		if werr == nil {
			l.key = appendNodeKey(l.key[:0], l.prefix, id)
			werr = w.Set(l.key, hash, nil)
		}
	}
	if err := l.rng.Append(bytes.Clone(leafHash), visit); err != nil {
		l.restore(index, saved)
		return 0, fmt.Errorf("merklelog: append leaf %d: %v: %w", index, err, ErrCorrupt)
	}
	if werr == nil {
		werr = w.Set(sizeKey(l.prefix), encodeSize(index+1), nil)
	}
	if werr != nil {
		l.restore(index, saved)
		return 0, fmt.Errorf("merklelog: append leaf %d: %w", index, werr)
	}
	l.root = nil
	return index, nil
}

func (l *Log) restore(size uint64, hashes [][]byte) {
	rng, err := l.rf.NewRange(0, size, hashes)
	if err != nil {
		panic(fmt.Sprintf("merklelog: restore compact range: %v", err))
	}
	l.rng = rng
}

// sizeKey returns prefix | 's'.
func sizeKey(prefix []byte) []byte {
	return append(append(make([]byte, 0, len(prefix)+1), prefix...), sizeKeyTag)
}

// appendNodeKey appends prefix | 'n' | level | index(BE) to dst.
func appendNodeKey(dst, prefix []byte, id compact.NodeID) []byte {
	dst = append(dst, prefix...)
	dst = append(dst, nodeKeyTag, byte(id.Level))
	return binary.BigEndian.AppendUint64(dst, id.Index)
}

func encodeSize(size uint64) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, 8), size)
}

// readSize returns the stored tree size under prefix, 0 if there is none.
func readSize(r Reader, prefix []byte) (uint64, error) {
	v, closer, err := r.Get(sizeKey(prefix))
	if errors.Is(err, pebble.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("merklelog: read size: %w", err)
	}
	defer closer.Close()
	if len(v) != 8 {
		return 0, fmt.Errorf("merklelog: stored size is %d bytes, want 8: %w", len(v), ErrCorrupt)
	}
	return binary.BigEndian.Uint64(v), nil
}

// readNodes reads the hashes of ids, which must all be stored. A missing node
// or one of the wrong length means the store is corrupt.
func readNodes(r Reader, h *merklelog.Hasher, prefix []byte, ids []compact.NodeID) ([][]byte, error) {
	hashes := make([][]byte, len(ids))
	var key []byte
	for i, id := range ids {
		key = appendNodeKey(key[:0], prefix, id)
		v, err := get(r, key)
		if err != nil {
			return nil, fmt.Errorf("node (level %d, index %d): %w", id.Level, id.Index, err)
		}
		if h != nil && len(v) != h.Size() {
			return nil, fmt.Errorf("node (level %d, index %d) is %d bytes, want %d: %w",
				id.Level, id.Index, len(v), h.Size(), ErrCorrupt)
		}
		hashes[i] = v
	}
	return hashes, nil
}

// get returns a copy of the value at key; a missing key is ErrCorrupt.
func get(r Reader, key []byte) ([]byte, error) {
	v, closer, err := r.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, fmt.Errorf("missing: %w", ErrCorrupt)
	}
	if err != nil {
		return nil, err
	}
	defer closer.Close()
	return bytes.Clone(v), nil
}
