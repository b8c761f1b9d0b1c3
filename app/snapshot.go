package app

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/store"
)

// State sync. Every snapshot interval heights, Commit captures the store
// (a pebble snapshot, taken inside Commit so it is exactly that height) and a
// background goroutine writes it to <dir>/<height>/ in store.SnapshotFormat;
// the last snapshotKeep are kept and offered to peers. A fresh node restores
// one through OfferSnapshot and ApplySnapshotChunk and verifies it against
// the app hash CometBFT's light client trusts (store.Import.Finish).

const (
	// snapshotKeep is how many snapshots are kept: two, so the newest can be
	// replaced while a peer is still fetching the previous one.
	snapshotKeep = 2
	// chunkRetries is how often one chunk may fail its hash before the
	// snapshot is rejected.
	chunkRetries = 3
)

// snapshotter takes, serves and restores snapshots.
type snapshotter struct {
	a         *App
	dir       string // "" disables taking and serving snapshots
	interval  int64
	chunkSize int

	mu      sync.Mutex
	list    []*store.SnapshotManifest // newest first
	running bool                      // an export is being written
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	restore *restore
}

// restore is a snapshot being applied.
type restore struct {
	snap    *abci.Snapshot
	appHash []byte
	imp     *store.Import
	retries map[uint32]int
}

func newSnapshotter() *snapshotter {
	ctx, cancel := context.WithCancel(context.Background())
	return &snapshotter{chunkSize: store.DefaultSnapshotChunkSize, ctx: ctx, cancel: cancel}
}

// WithSnapshots takes a snapshot every interval heights into dir (one
// directory per height) and serves the newest two to peers that state sync.
// interval 0 takes none (restoring still works).
func WithSnapshots(dir string, interval int64) Option {
	return func(a *App) error {
		if interval < 0 {
			return fmt.Errorf("snapshot interval %d: want 0 or more", interval)
		}
		if interval == 0 {
			return nil
		}
		if dir == "" {
			return errors.New("snapshot directory: empty")
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("snapshot directory: %w", err)
		}
		sn := a.snap
		sn.a, sn.dir, sn.interval = a, dir, interval
		if err := sn.load(); err != nil {
			return err
		}
		a.store.SetCommitHook(sn.committed)
		return nil
	}
}

// WithSnapshotChunkSize sets the snapshot chunk size (default 4 MiB).
func WithSnapshotChunkSize(n int) Option {
	return func(a *App) error {
		if n < 1024 || n > 16<<20 {
			return fmt.Errorf("snapshot chunk size %d: want 1 KiB..16 MiB", n)
		}
		a.snap.chunkSize = n
		return nil
	}
}

// StopSnapshots cancels a snapshot being written and waits for it. Call it
// before closing the store.
func (a *App) StopSnapshots() {
	a.snap.cancel()
	a.store.SetCommitHook(nil)
	a.snap.wg.Wait()
}

// WaitSnapshots waits until no snapshot is being written (tests). It polls
// rather than calling wg.Wait, which may not run concurrently with the
// wg.Add of a commit that starts the next snapshot.
func (a *App) WaitSnapshots() {
	for {
		a.snap.mu.Lock()
		running := a.snap.running
		a.snap.mu.Unlock()
		if !running {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// ListSnapshots offers the kept snapshots, newest first.
func (a *App) ListSnapshots(context.Context, *abci.ListSnapshotsRequest) (*abci.ListSnapshotsResponse, error) {
	sn := a.snap
	sn.mu.Lock()
	defer sn.mu.Unlock()
	resp := &abci.ListSnapshotsResponse{}
	for _, m := range sn.list {
		resp.Snapshots = append(resp.Snapshots, &abci.Snapshot{
			Height: uint64(m.Height), Format: m.Format, Chunks: uint32(len(m.ChunkHashes)),
			Hash: m.Hash(), Metadata: m.Metadata(),
		})
	}
	return resp, nil
}

// LoadSnapshotChunk serves a chunk of a kept snapshot; an unknown one is
// answered with no bytes, which CometBFT reports to the peer as missing.
func (a *App) LoadSnapshotChunk(_ context.Context, req *abci.LoadSnapshotChunkRequest) (*abci.LoadSnapshotChunkResponse, error) {
	sn := a.snap
	sn.mu.Lock()
	var m *store.SnapshotManifest
	for _, s := range sn.list {
		if uint64(s.Height) == req.Height && s.Format == req.Format {
			m = s
		}
	}
	sn.mu.Unlock()
	if m == nil || int(req.Chunk) >= len(m.ChunkHashes) {
		return &abci.LoadSnapshotChunkResponse{}, nil
	}
	b, err := os.ReadFile(store.SnapshotChunkPath(sn.heightDir(m.Height), req.Chunk))
	if err != nil {
		// Pruned meanwhile: missing, not a node failure.
		a.logger.Info("snapshot chunk unavailable", "height", req.Height, "chunk", req.Chunk, "err", err)
		return &abci.LoadSnapshotChunkResponse{}, nil
	}
	return &abci.LoadSnapshotChunkResponse{Chunk: b}, nil
}

// OfferSnapshot accepts a format-1 snapshot when the store is empty (a node
// that has never committed a block), remembering the app hash CometBFT
// verified with the light client and the chunk hashes from the metadata.
func (a *App) OfferSnapshot(_ context.Context, req *abci.OfferSnapshotRequest) (*abci.OfferSnapshotResponse, error) {
	result := func(r abci.OfferSnapshotResult) (*abci.OfferSnapshotResponse, error) {
		return &abci.OfferSnapshotResponse{Result: r}, nil
	}
	s := req.Snapshot
	if s == nil || s.Height == 0 || s.Height > 1<<62 || len(req.AppHash) == 0 {
		return result(abci.OFFER_SNAPSHOT_RESULT_REJECT)
	}
	if s.Format != store.SnapshotFormat {
		return result(abci.OFFER_SNAPSHOT_RESULT_REJECT_FORMAT)
	}
	hashes, err := store.DecodeSnapshotMetadata(s.Metadata, s.Chunks, s.Hash)
	if err != nil {
		a.logger.Info("snapshot rejected", "height", s.Height, "err", err)
		return result(abci.OFFER_SNAPSHOT_RESULT_REJECT)
	}
	sn := a.snap
	sn.mu.Lock()
	defer sn.mu.Unlock()
	sn.restore = nil
	imp, err := a.store.NewImport(int64(s.Height), hashes)
	if errors.Is(err, store.ErrNotEmpty) {
		// Restoring over committed state would destroy it: stop state sync.
		a.logger.Error("snapshot refused: the store already holds state", "err", err)
		return result(abci.OFFER_SNAPSHOT_RESULT_ABORT)
	}
	if err != nil {
		return nil, fmt.Errorf("offer snapshot: %w", err)
	}
	sn.restore = &restore{snap: s, appHash: bytes.Clone(req.AppHash), imp: imp, retries: map[uint32]int{}}
	a.logger.Info("restoring snapshot", "height", s.Height, "chunks", s.Chunks)
	return result(abci.OFFER_SNAPSHOT_RESULT_ACCEPT)
}

// ApplySnapshotChunk checks a chunk against its hash (a mismatch is fetched
// again from another peer, and the sender is rejected), writes it, and after
// the last chunk verifies the whole store against the trusted app hash.
func (a *App) ApplySnapshotChunk(_ context.Context, req *abci.ApplySnapshotChunkRequest) (*abci.ApplySnapshotChunkResponse, error) {
	result := func(r abci.ApplySnapshotChunkResult) (*abci.ApplySnapshotChunkResponse, error) {
		return &abci.ApplySnapshotChunkResponse{Result: r}, nil
	}
	sn := a.snap
	sn.mu.Lock()
	defer sn.mu.Unlock()
	r := sn.restore
	if r == nil {
		a.logger.Error("snapshot chunk without an accepted snapshot", "chunk", req.Index)
		return result(abci.APPLY_SNAPSHOT_CHUNK_RESULT_ABORT)
	}
	reject := func(err error) (*abci.ApplySnapshotChunkResponse, error) {
		a.logger.Error("snapshot rejected", "height", r.snap.Height, "err", err)
		sn.restore = nil
		if err := r.imp.Abort(); err != nil {
			return nil, err
		}
		return result(abci.APPLY_SNAPSHOT_CHUNK_RESULT_REJECT_SNAPSHOT)
	}
	err := r.imp.Apply(req.Index, req.Chunk)
	switch {
	case errors.Is(err, store.ErrSnapshotChunk):
		r.retries[req.Index]++
		if r.retries[req.Index] > chunkRetries {
			return reject(err)
		}
		a.logger.Info("snapshot chunk refetched", "height", r.snap.Height, "chunk", req.Index, "sender", req.Sender, "err", err)
		resp := &abci.ApplySnapshotChunkResponse{Result: abci.APPLY_SNAPSHOT_CHUNK_RESULT_RETRY, RefetchChunks: []uint32{req.Index}}
		if req.Sender != "" {
			resp.RejectSenders = []string{req.Sender}
		}
		return resp, nil
	case errors.Is(err, store.ErrSnapshotInvalid):
		return reject(err)
	case err != nil:
		return nil, fmt.Errorf("apply snapshot chunk %d: %w", req.Index, err)
	}
	if !r.imp.Complete() {
		return result(abci.APPLY_SNAPSHOT_CHUNK_RESULT_ACCEPT)
	}
	cp, err := r.imp.Finish(r.appHash)
	if errors.Is(err, store.ErrSnapshotInvalid) {
		return reject(err)
	}
	if err != nil {
		return nil, fmt.Errorf("finish snapshot: %w", err)
	}
	sn.restore = nil
	a.metrics.committed(cp.Height, cp.LogSize)
	a.logger.Info("snapshot restored", "height", cp.Height, "log_size", cp.LogSize, "app_hash", fmt.Sprintf("%X", cp.AppHash))
	return result(abci.APPLY_SNAPSHOT_CHUNK_RESULT_ACCEPT)
}

// committed runs inside Store.Commit: at a snapshot height it captures the
// store and writes it in the background. A snapshot still being written
// makes it skip this one rather than queue.
func (sn *snapshotter) committed(cp chain.Checkpoint) {
	if cp.Height <= 0 || cp.Height%sn.interval != 0 || sn.ctx.Err() != nil {
		return
	}
	sn.mu.Lock()
	defer sn.mu.Unlock()
	if sn.running {
		sn.a.logger.Info("snapshot skipped: the previous one is still being written", "height", cp.Height)
		return
	}
	e, err := sn.a.store.Export()
	if err != nil {
		sn.a.logger.Error("snapshot", "height", cp.Height, "err", err)
		return
	}
	if e.Checkpoint().Height != cp.Height {
		e.Close()
		sn.a.logger.Error("snapshot captured the wrong height", "height", e.Checkpoint().Height, "want", cp.Height)
		return
	}
	sn.running = true
	sn.wg.Add(1)
	go sn.write(e)
}

func (sn *snapshotter) write(e *store.Export) {
	defer sn.wg.Done()
	defer e.Close()
	h := e.Checkpoint().Height
	dir := sn.heightDir(h)
	var m *store.SnapshotManifest
	err := os.RemoveAll(dir)
	if err == nil {
		m, err = e.WriteDir(sn.ctx, dir, sn.chunkSize)
	}
	sn.mu.Lock()
	defer sn.mu.Unlock()
	sn.running = false
	if err != nil {
		if sn.ctx.Err() == nil {
			sn.a.logger.Error("snapshot", "height", h, "err", err)
		}
		return
	}
	sn.list = slices.DeleteFunc(sn.list, func(o *store.SnapshotManifest) bool { return o.Height == h })
	sn.list = append([]*store.SnapshotManifest{m}, sn.list...)
	sn.sortAndPrune()
	sn.a.logger.Info("snapshot taken", "height", h, "chunks", len(m.ChunkHashes), "bytes", m.Size)
}

// load lists the snapshots already in dir and deletes unfinished ones.
func (sn *snapshotter) load() error {
	ents, err := os.ReadDir(sn.dir)
	if err != nil {
		return fmt.Errorf("snapshot directory: %w", err)
	}
	sn.mu.Lock()
	defer sn.mu.Unlock()
	for _, e := range ents {
		h, err := strconv.ParseInt(e.Name(), 10, 64)
		if err != nil || !e.IsDir() {
			// Unfinished writes (<height>.tmp) and strays.
			os.RemoveAll(filepath.Join(sn.dir, e.Name()))
			continue
		}
		m, err := store.LoadSnapshotManifest(sn.heightDir(h))
		if err != nil || m.Height != h {
			os.RemoveAll(sn.heightDir(h))
			continue
		}
		sn.list = append(sn.list, m)
	}
	sn.sortAndPrune()
	return nil
}

// sortAndPrune orders the list newest first and deletes all but the newest
// snapshotKeep. Call with mu held.
func (sn *snapshotter) sortAndPrune() {
	slices.SortFunc(sn.list, func(x, y *store.SnapshotManifest) int { return cmp.Compare(y.Height, x.Height) })
	for len(sn.list) > snapshotKeep {
		old := sn.list[len(sn.list)-1]
		sn.list = sn.list[:len(sn.list)-1]
		if err := os.RemoveAll(sn.heightDir(old.Height)); err != nil {
			sn.a.logger.Error("prune snapshot", "height", old.Height, "err", err)
		}
	}
}

func (sn *snapshotter) heightDir(h int64) string {
	return filepath.Join(sn.dir, strconv.FormatInt(h, 10))
}
