package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/cockroachdb/pebble"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/merklelog/pebblelog"
)

// Snapshots copy the whole store at one committed height, for CometBFT state
// sync. Format 1 is every key/value pair of the pebble database in key order,
// each framed as
//
//	uvarint(len key) ‖ key ‖ uvarint(len value) ‖ value
//
// cut into chunks at frame boundaries (each chunk decodes on its own). A
// snapshot is identified by its chunks' SHA-256 hashes; the same height gives
// byte-identical chunks on every node, because the store's contents are a
// deterministic function of the blocks.
//
// On disk (Export.WriteDir) a snapshot is a directory holding
// chunk-NNNNNN files and manifest.json (SnapshotManifest).
const (
	// SnapshotFormat is the chunk format Export writes and Import reads.
	SnapshotFormat uint32 = 1
	// DefaultSnapshotChunkSize is the chunk size Export aims for. CometBFT
	// accepts chunks up to 16 MB.
	DefaultSnapshotChunkSize = 4 << 20

	snapshotManifestFile = "manifest.json"
)

var (
	// ErrSnapshotChunk means a chunk does not match the hash the snapshot's
	// metadata gives for it: fetch it again (from another peer).
	ErrSnapshotChunk = errors.New("snapshot chunk does not match its hash")
	// ErrSnapshotInvalid means a snapshot is malformed or does not verify
	// against the trusted app hash: reject it.
	ErrSnapshotInvalid = errors.New("invalid snapshot")
	// ErrNotEmpty means a snapshot was offered to a store that already
	// holds committed heights or records.
	ErrNotEmpty = errors.New("store is not empty")
)

// snapshotKeyFamilies are the key families a snapshot may carry (see the key
// layout in keys.go); anything else is refused.
var snapshotKeyFamilies = [][]byte{prefixH, prefixLog, prefixEntry, prefixValChange, []byte("s/"), []byte(chain.IndexKeyFamily)}

// SetCommitHook registers fn to run synchronously inside Commit, after the
// block is durable and before Commit returns, with the new checkpoint. No
// other block commits while fn runs, so Export called from fn captures
// exactly that height. fn must be quick (start work in the background). A nil
// fn removes the hook.
func (s *Store) SetCommitHook(fn func(chain.Checkpoint)) {
	s.mu.Lock()
	s.commitHook = fn
	s.mu.Unlock()
}

// Reload re-reads the last checkpoint and the log's in-memory edge from the
// database, after the database was written other than through Commit (a
// snapshot import).
func (s *Store) Reload() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.load()
}

// wipe deletes every key and reloads: an empty store.
func (s *Store) wipe() error {
	if err := s.db.DeleteRange([]byte{0x00}, []byte{0xff}, pebble.Sync); err != nil {
		return fmt.Errorf("wipe store: %w", err)
	}
	return s.Reload()
}

// SnapshotManifest describes one exported snapshot.
type SnapshotManifest struct {
	Format      uint32
	Height      int64
	Checkpoint  chain.Checkpoint // the store's last checkpoint: its AppHash is in header Height+1
	ChunkHashes [][]byte         // SHA-256 of each chunk
	Size        int64            // total bytes of the chunks
}

// Hash is SHA-256 over the concatenated chunk hashes: the snapshot's identity.
func (m *SnapshotManifest) Hash() []byte {
	h := sha256.New()
	for _, c := range m.ChunkHashes {
		h.Write(c)
	}
	return h.Sum(nil)
}

// Metadata encodes the chunk hashes for CometBFT: their concatenation.
func (m *SnapshotManifest) Metadata() []byte {
	return bytes.Join(m.ChunkHashes, nil)
}

// DecodeSnapshotMetadata returns the chunk hashes in metadata, checking that
// there are chunks of them and that they hash to hash. Metadata comes from
// untrusted peers; errors wrap ErrSnapshotInvalid.
func DecodeSnapshotMetadata(metadata []byte, chunks uint32, hash []byte) ([][]byte, error) {
	if chunks == 0 || len(metadata) != int(chunks)*sha256.Size {
		return nil, fmt.Errorf("%w: metadata is %d bytes for %d chunks", ErrSnapshotInvalid, len(metadata), chunks)
	}
	m := &SnapshotManifest{}
	for i := range int(chunks) {
		m.ChunkHashes = append(m.ChunkHashes, bytes.Clone(metadata[i*sha256.Size:(i+1)*sha256.Size]))
	}
	if !bytes.Equal(m.Hash(), hash) {
		return nil, fmt.Errorf("%w: chunk hashes do not hash to the snapshot hash", ErrSnapshotInvalid)
	}
	return m.ChunkHashes, nil
}

type manifestJSON struct {
	Format      uint32   `json:"format"`
	Height      int64    `json:"height"`
	Chunks      int      `json:"chunks"`
	ChunkHashes []string `json:"chunk_sha256"`
	Size        int64    `json:"size_bytes"`
	Hash        string   `json:"hash"`
	LogSize     uint64   `json:"log_size"`
	LogRoot     string   `json:"log_root"`
	StateRoot   string   `json:"state_root"`
	AppHash     string   `json:"app_hash"`
	Checkpoint  []byte   `json:"checkpoint"` // canonical encoding
}

// Save writes dir/manifest.json.
func (m *SnapshotManifest) Save(dir string) error {
	j := manifestJSON{
		Format: m.Format, Height: m.Height, Chunks: len(m.ChunkHashes), Size: m.Size,
		Hash: hex.EncodeToString(m.Hash()), LogSize: m.Checkpoint.LogSize,
		LogRoot:    hex.EncodeToString(m.Checkpoint.LogRoot),
		StateRoot:  hex.EncodeToString(m.Checkpoint.StateRoot),
		AppHash:    hex.EncodeToString(m.Checkpoint.AppHash),
		Checkpoint: chain.EncodeState(&m.Checkpoint),
	}
	for _, c := range m.ChunkHashes {
		j.ChunkHashes = append(j.ChunkHashes, hex.EncodeToString(c))
	}
	b, err := json.MarshalIndent(j, "", "  ")
	if err != nil {
		return err
	}
	return writeFileSync(filepath.Join(dir, snapshotManifestFile), b)
}

// LoadSnapshotManifest reads dir/manifest.json.
func LoadSnapshotManifest(dir string) (*SnapshotManifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, snapshotManifestFile))
	if err != nil {
		return nil, err
	}
	var j manifestJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return nil, fmt.Errorf("snapshot manifest %s: %w", dir, err)
	}
	m := &SnapshotManifest{Format: j.Format, Height: j.Height, Size: j.Size}
	if err := chain.DecodeState(j.Checkpoint, &m.Checkpoint, "checkpoint"); err != nil {
		return nil, fmt.Errorf("snapshot manifest %s: %w", dir, err)
	}
	for _, c := range j.ChunkHashes {
		h, err := hex.DecodeString(c)
		if err != nil || len(h) != sha256.Size {
			return nil, fmt.Errorf("snapshot manifest %s: bad chunk hash %q", dir, c)
		}
		m.ChunkHashes = append(m.ChunkHashes, h)
	}
	if len(m.ChunkHashes) != j.Chunks || m.Checkpoint.Height != m.Height {
		return nil, fmt.Errorf("snapshot manifest %s: inconsistent", dir)
	}
	return m, nil
}

// SnapshotChunkPath is the file of chunk index in a snapshot directory.
func SnapshotChunkPath(dir string, index uint32) string {
	return filepath.Join(dir, fmt.Sprintf("chunk-%06d", index))
}

// Export is a consistent, read-only view of the store at one committed
// height (a pebble snapshot), to be written out while blocks keep
// committing. Close it when done.
type Export struct {
	snap *pebble.Snapshot
	cp   chain.Checkpoint
}

// Export captures the committed store as it is now. The checkpoint is read
// from the captured view itself, so it always matches the data.
func (s *Store) Export() (*Export, error) {
	snap := s.db.NewSnapshot()
	v, ok, err := get(snap, keyLast)
	if err == nil && !ok {
		err = fmt.Errorf("export: no committed height: %w", ErrNotFound)
	}
	var cp chain.Checkpoint
	if err == nil {
		err = chain.DecodeState(v, &cp, "checkpoint")
	}
	if err != nil {
		snap.Close()
		return nil, err
	}
	return &Export{snap: snap, cp: cp}, nil
}

// Checkpoint is the exported height's checkpoint.
func (e *Export) Checkpoint() chain.Checkpoint { return e.cp }

// Close releases the pebble snapshot.
func (e *Export) Close() error { return e.snap.Close() }

// Chunks streams the export as format-1 chunks of about chunkSize bytes (a
// chunk ends after the frame that reaches chunkSize). emit must not keep
// chunk after it returns. There is always at least one chunk.
func (e *Export) Chunks(ctx context.Context, chunkSize int, emit func(index uint32, chunk []byte) error) error {
	if chunkSize <= 0 {
		return fmt.Errorf("export: chunk size %d", chunkSize)
	}
	it, err := e.snap.NewIter(nil)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	defer it.Close()
	buf := make([]byte, 0, chunkSize+64<<10)
	var n uint32
	for it.First(); it.Valid(); it.Next() {
		if bytes.HasPrefix(it.Key(), prefixCertTree) {
			// Derived from the certificate states; Import.Finish rebuilds
			// the tree at the snapshot's height.
			continue
		}
		if caseIndexKey(it.Key()) {
			continue // derived locally (caseindex.go), rebuilt on import
		}
		buf = binary.AppendUvarint(buf, uint64(len(it.Key())))
		buf = append(buf, it.Key()...)
		buf = binary.AppendUvarint(buf, uint64(len(it.Value())))
		buf = append(buf, it.Value()...)
		if len(buf) >= chunkSize {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := emit(n, buf); err != nil {
				return err
			}
			n++
			buf = buf[:0]
		}
	}
	if err := it.Error(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if len(buf) > 0 || n == 0 {
		return emit(n, buf)
	}
	return nil
}

// WriteDir writes the export into dir (which must not exist) as chunk files
// and a manifest. It writes into dir+".tmp" and renames, so dir, once
// present, is complete.
func (e *Export) WriteDir(ctx context.Context, dir string, chunkSize int) (*SnapshotManifest, error) {
	tmp := dir + ".tmp"
	if err := os.RemoveAll(tmp); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return nil, err
	}
	m := &SnapshotManifest{Format: SnapshotFormat, Height: e.cp.Height, Checkpoint: e.cp}
	err := e.Chunks(ctx, chunkSize, func(i uint32, chunk []byte) error {
		sum := sha256.Sum256(chunk)
		m.ChunkHashes = append(m.ChunkHashes, sum[:])
		m.Size += int64(len(chunk))
		return writeFileSync(SnapshotChunkPath(tmp, i), chunk)
	})
	if err == nil {
		err = m.Save(tmp)
	}
	if err == nil {
		err = os.Rename(tmp, dir)
	}
	if err != nil {
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("write snapshot %s: %w", dir, err)
	}
	return m, nil
}

func writeFileSync(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Import restores a snapshot into an empty store, one chunk at a time, and
// verifies the result against a trusted app hash before the store adopts it.
// It is not safe for concurrent use.
type Import struct {
	s       *Store
	height  int64
	hashes  [][]byte
	applied []bool
	// The last checkpoint and the log size are held back until Finish has
	// verified everything, so a restore interrupted by a crash never leaves
	// a store that claims a height.
	last, logSize []byte
}

// NewImport prepares to restore the snapshot of the given height whose chunks
// hash to chunkHashes. The store must be empty (nothing committed beyond
// genesis state, no records); leftovers of an earlier interrupted import or
// of InitChain are deleted.
func (s *Store) NewImport(height int64, chunkHashes [][]byte) (*Import, error) {
	if last := s.Last(); last.Height != 0 || last.LogSize != 0 {
		return nil, fmt.Errorf("import: %w (height %d, %d records)", ErrNotEmpty, last.Height, last.LogSize)
	}
	if height <= 0 {
		return nil, fmt.Errorf("%w: height %d", ErrSnapshotInvalid, height)
	}
	if len(chunkHashes) == 0 {
		return nil, fmt.Errorf("%w: no chunks", ErrSnapshotInvalid)
	}
	for i, h := range chunkHashes {
		if len(h) != sha256.Size {
			return nil, fmt.Errorf("%w: chunk hash %d is %d bytes", ErrSnapshotInvalid, i, len(h))
		}
	}
	if err := s.wipe(); err != nil {
		return nil, err
	}
	return &Import{s: s, height: height, hashes: chunkHashes, applied: make([]bool, len(chunkHashes))}, nil
}

// Apply checks chunk index against its hash and writes its pairs. Chunks
// may come in any order and again. A chunk that does not match its hash
// wraps ErrSnapshotChunk and writes nothing; a malformed one wraps
// ErrSnapshotInvalid.
func (im *Import) Apply(index uint32, chunk []byte) error {
	if int(index) >= len(im.hashes) {
		return fmt.Errorf("%w: chunk %d of %d", ErrSnapshotInvalid, index, len(im.hashes))
	}
	if sum := sha256.Sum256(chunk); !bytes.Equal(sum[:], im.hashes[index]) {
		return fmt.Errorf("chunk %d: %w", index, ErrSnapshotChunk)
	}
	b := im.s.db.NewBatch()
	defer b.Close()
	sizeKey := logSizeKey()
	for p := chunk; len(p) > 0; {
		key, rest, err := readFrame(p)
		if err != nil {
			return fmt.Errorf("%w: chunk %d: key: %v", ErrSnapshotInvalid, index, err)
		}
		val, rest, err := readFrame(rest)
		if err != nil {
			return fmt.Errorf("%w: chunk %d: value of %q: %v", ErrSnapshotInvalid, index, key, err)
		}
		p = rest
		switch {
		case bytes.Equal(key, keyLast):
			im.last = bytes.Clone(val)
		case bytes.Equal(key, sizeKey):
			im.logSize = bytes.Clone(val)
		case !knownSnapshotKey(key):
			return fmt.Errorf("%w: chunk %d: unknown key %q", ErrSnapshotInvalid, index, key)
		default:
			if err := b.Set(key, val, nil); err != nil {
				return err
			}
		}
	}
	if err := b.Commit(pebble.NoSync); err != nil {
		return fmt.Errorf("import chunk %d: %w", index, err)
	}
	im.applied[index] = true
	return nil
}

// Complete reports whether every chunk has been applied.
func (im *Import) Complete() bool {
	for _, ok := range im.applied {
		if !ok {
			return false
		}
	}
	return true
}

// Finish verifies the restored store against appHash, the app hash that the
// header after the snapshot's height carries (verified by the light client),
// and makes it the store's committed state. It checks that:
//
//   - the last checkpoint is at the snapshot's height, its app hash is
//     chain.AppHash(log size, log root, state root) (with the cert root from
//     rules version 4: Checkpoint.ComputeAppHash) and equals appHash;
//   - from rules version 4, the certificate status tree rebuilt from the
//     certificate states at the snapshot's height has the checkpoint's
//     cert root (the tree's nodes are not in the snapshot; the restored
//     node proves certificate status from that height on);
//   - the log, rebuilt from the stored entries, has exactly the stored nodes
//     and the checkpoint's root (pebblelog.RootAt agrees), so every
//     inclusion and consistency proof the node serves is sound;
//   - every stored checkpoint's log root is the log's root at its size;
//   - the replay guard and the indexes hold exactly the keys the entries
//     imply.
//
// State values (organisations, certificates, contracts) are committed only
// through the state root hash chain and cannot be recomputed; a wrong value
// changes the app hash of the next block that reads it, which CometBFT then
// refuses. On failure the store is wiped and the error wraps
// ErrSnapshotInvalid.
func (im *Import) Finish(appHash []byte) (chain.Checkpoint, error) {
	if !im.Complete() {
		return chain.Checkpoint{}, fmt.Errorf("%w: not every chunk applied", ErrSnapshotInvalid)
	}
	b := im.s.db.NewIndexedBatch()
	defer b.Close()
	if im.last != nil {
		b.Set(keyLast, im.last, nil)
	}
	if im.logSize != nil {
		b.Set(logSizeKey(), im.logSize, nil)
	}
	// A snapshot carries no case index: Reload rebuilds it from the
	// imported cases.
	b.Delete(keyCaseIndexVersion, nil)
	cp, err := im.verify(b, appHash)
	if err == nil && cp.CertRoot != nil {
		err = im.rebuildCertTree(b, cp)
	}
	if err == nil {
		err = b.Commit(pebble.Sync)
	}
	if err == nil {
		err = im.s.Reload()
	}
	if err != nil {
		return chain.Checkpoint{}, errors.Join(err, im.Abort())
	}
	return cp, nil
}

// rebuildCertTree builds the certificate status tree from the restored
// certificate states at the snapshot's height, into b, and checks its root
// against the checkpoint's.
func (im *Import) rebuildCertTree(b *pebble.Batch, cp chain.Checkpoint) error {
	blk := &Block{View: View{r: b}, batch: b, height: cp.Height}
	if err := blk.TrackCertStatus(); err != nil {
		return fmt.Errorf("%w: %v", ErrSnapshotInvalid, err)
	}
	if err := blk.flushCertNodes(); err != nil {
		return err
	}
	if !bytes.Equal(blk.certRoot, cp.CertRoot) {
		return fmt.Errorf("%w: the certificate states give cert root %x, the checkpoint says %x", ErrSnapshotInvalid, blk.certRoot, cp.CertRoot)
	}
	return nil
}

// Abort wipes whatever the import wrote.
func (im *Import) Abort() error { return im.s.wipe() }

func (im *Import) verify(r pebble.Reader, appHash []byte) (chain.Checkpoint, error) {
	bad := func(format string, args ...any) (chain.Checkpoint, error) {
		return chain.Checkpoint{}, fmt.Errorf("%w: %s", ErrSnapshotInvalid, fmt.Sprintf(format, args...))
	}
	if im.last == nil {
		return bad("no last checkpoint")
	}
	var cp chain.Checkpoint
	if err := chain.DecodeState(im.last, &cp, "checkpoint"); err != nil {
		return bad("last checkpoint: %v", err)
	}
	if cp.Height != im.height {
		return bad("last checkpoint is at height %d, snapshot says %d", cp.Height, im.height)
	}
	if !bytes.Equal(cp.AppHash, cp.ComputeAppHash()) {
		return bad("checkpoint app hash does not commit to its log size and roots")
	}
	if !bytes.Equal(cp.AppHash, appHash) {
		return bad("app hash %X, the chain's is %X", cp.AppHash, appHash)
	}
	var size uint64
	if im.logSize != nil {
		if len(im.logSize) != 8 {
			return bad("log size is %d bytes", len(im.logSize))
		}
		size = binary.BigEndian.Uint64(im.logSize)
	}
	if size != cp.LogSize {
		return bad("log size %d, checkpoint says %d", size, cp.LogSize)
	}
	root, err := pebblelog.RootAt(r, im.s.hasher, prefixLog, cp.LogSize)
	if err != nil {
		return bad("log root: %v", err)
	}
	if !bytes.Equal(root, cp.LogRoot) {
		return bad("log root at size %d is %x, checkpoint says %x", cp.LogSize, root, cp.LogRoot)
	}

	// Checkpoints, by log size, to compare with the rebuilt log.
	bySize := map[uint64][]chain.Checkpoint{}
	view := View{r: r}
	err = view.scan(prefixH, func(k, v []byte) error {
		var c chain.Checkpoint
		if err := chain.DecodeState(v, &c, "checkpoint"); err != nil {
			return err
		}
		if len(k) != len(prefixH)+8 || int64(binary.BigEndian.Uint64(k[len(prefixH):])) != c.Height {
			return fmt.Errorf("checkpoint key %x holds height %d", k, c.Height)
		}
		if c.Height > cp.Height || c.LogSize > cp.LogSize {
			return fmt.Errorf("checkpoint at height %d is beyond the snapshot", c.Height)
		}
		if !bytes.Equal(c.AppHash, c.ComputeAppHash()) {
			return fmt.Errorf("checkpoint at height %d: app hash does not commit to its roots", c.Height)
		}
		if c.Height == cp.Height && !bytes.Equal(v, im.last) {
			return fmt.Errorf("checkpoint at height %d differs from the last checkpoint", c.Height)
		}
		bySize[c.LogSize] = append(bySize[c.LogSize], c)
		return nil
	})
	if err != nil {
		return bad("%v", err)
	}
	if _, err := view.Checkpoint(cp.Height); err != nil {
		return bad("%v", err)
	}

	// Rebuild the log from the entries; the checker compares every node the
	// rebuild writes with the stored one.
	log, err := pebblelog.Open(emptyReader{}, im.s.hasher, prefixLog)
	if err != nil {
		return chain.Checkpoint{}, err
	}
	nodes := &nodeChecker{r: r, skip: logSizeKey()}
	checkRoots := func(n uint64) error {
		for _, c := range bySize[n] {
			if !bytes.Equal(log.Root(), c.LogRoot) {
				return fmt.Errorf("checkpoint at height %d: log root at size %d is %x, checkpoint says %x", c.Height, n, log.Root(), c.LogRoot)
			}
		}
		return nil
	}
	if err := checkRoots(0); err != nil {
		return bad("%v", err)
	}
	var next uint64
	indexKeysWant, guardsWant := 0, 0
	// The replay guards an entry has depend on the rules version it was
	// committed under (chain.RecordKeys).
	acts, err := view.UpgradeActivations()
	if err != nil {
		return bad("%v", err)
	}
	err = view.scan(prefixEntry, func(k, leaf []byte) error {
		if len(k) != len(prefixEntry)+8 || binary.BigEndian.Uint64(k[len(prefixEntry):]) != next {
			return fmt.Errorf("entry key %x: want index %d", k, next)
		}
		if _, err := log.Append(nodes, leaf); err != nil {
			return err
		}
		if nodes.err != nil {
			return nodes.err
		}
		en, err := chain.DecodeEntry(leaf)
		if err != nil {
			return fmt.Errorf("entry %d: %w", next, err)
		}
		if en.Index != next || en.Height > cp.Height {
			return fmt.Errorf("entry %d: index %d, height %d", next, en.Index, en.Height)
		}
		tx, err := chain.DecodeRecord(en.Tx)
		if err != nil {
			return fmt.Errorf("entry %d: %w", next, err)
		}
		for _, h := range chain.RecordKeys(en.Tx, tx, chain.RulesVersionAt(acts, en.Height)) {
			v, ok, err := get(r, txKey(h))
			if err != nil {
				return err
			}
			if !ok || !bytes.Equal(v, u64(next)) {
				return fmt.Errorf("entry %d: replay guard missing or wrong", next)
			}
			guardsWant++
		}
		seen := map[string]bool{}
		for _, ik := range chain.EncodeIndexKeys(tx, en) {
			if seen[string(ik)] {
				continue
			}
			seen[string(ik)] = true
			if _, ok, err := get(r, ik); err != nil {
				return err
			} else if !ok {
				return fmt.Errorf("entry %d: index key %x missing", next, ik)
			}
		}
		indexKeysWant += len(seen)
		next++
		return checkRoots(next)
	})
	if err != nil {
		return bad("%v", err)
	}
	if next != cp.LogSize {
		return bad("%d entries, log size %d", next, cp.LogSize)
	}
	if !bytes.Equal(log.Root(), cp.LogRoot) {
		return bad("rebuilt log root %x, checkpoint says %x", log.Root(), cp.LogRoot)
	}
	count := func(prefix []byte) (int, error) {
		n := 0
		err := view.scan(prefix, func(_, _ []byte) error { n++; return nil })
		return n, err
	}
	if n, err := count([]byte(chain.IndexKeyFamily)); err != nil {
		return chain.Checkpoint{}, err
	} else if n != indexKeysWant {
		return bad("%d index keys, the entries imply %d", n, indexKeysWant)
	}
	if n, err := count([]byte("s/t/")); err != nil {
		return chain.Checkpoint{}, err
	} else if n != guardsWant {
		return bad("%d replay guard keys, the %d entries imply %d", n, cp.LogSize, guardsWant)
	}
	return cp, nil
}

// logSizeKey is where pebblelog stores the log's size (its documented
// layout: prefix ‖ 's').
func logSizeKey() []byte { return append(bytes.Clone(prefixLog), 's') }

func knownSnapshotKey(key []byte) bool {
	for _, p := range snapshotKeyFamilies {
		if bytes.HasPrefix(key, p) {
			return true
		}
	}
	return false
}

func readFrame(p []byte) (frame, rest []byte, err error) {
	n, k := binary.Uvarint(p)
	if k <= 0 {
		return nil, nil, errors.New("bad length")
	}
	p = p[k:]
	if n > uint64(len(p)) {
		return nil, nil, fmt.Errorf("length %d beyond the chunk", n)
	}
	return p[:n], p[n:], nil
}

// emptyReader is an empty store, to rebuild a log from nothing.
type emptyReader struct{}

func (emptyReader) Get([]byte) ([]byte, io.Closer, error) { return nil, nil, pebble.ErrNotFound }

// nodeChecker is a pebblelog.Writer that, instead of writing, compares each
// node with the stored one and remembers the first difference.
type nodeChecker struct {
	r    pebble.Reader
	skip []byte
	err  error
}

func (c *nodeChecker) Set(key, value []byte, _ *pebble.WriteOptions) error {
	if c.err != nil || bytes.Equal(key, c.skip) {
		return nil
	}
	v, ok, err := get(c.r, key)
	switch {
	case err != nil:
		c.err = err
	case !ok:
		c.err = fmt.Errorf("log node %x missing", key)
	case !bytes.Equal(v, value):
		c.err = fmt.Errorf("log node %x is %x, the entries give %x", key, v, value)
	}
	return nil
}
