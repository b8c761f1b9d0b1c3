package app

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/store"
	"github.com/sealchain/sealchain/internal/fixture"
	"github.com/sealchain/sealchain/signer"
)

// newSnapshotHarness is a harness whose app takes a snapshot every interval
// heights, in small chunks.
func newSnapshotHarness(t *testing.T, net *fixture.Net, interval int64) *harness {
	t.Helper()
	h := newHarness(t, net)
	store := h.app.store
	a, err := New(store, testChain, WithSnapshots(filepath.Join(t.TempDir(), "snapshots"), interval), WithSnapshotChunkSize(4<<10))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(a.StopSnapshots)
	h.app = a
	return h
}

// emptyApp is a node that has never committed anything: what state sync
// starts from.
func emptyApp(t *testing.T) *App {
	t.Helper()
	store, err := store.Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	a, err := New(store, testChain)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestSnapshotRestoreCycle(t *testing.T) {
	ctx := context.Background()
	net := fixture.New(t, testChain)
	org := net.Orgs[0]
	src := newSnapshotHarness(t, net, 5)
	alice := org.Signer(t, signer.AlgSM2, time.Time{})
	src.mustCommit(org.Tx(t, &chain.CertIssued{Cert: alice.Cert}, nil))
	for src.height < 12 {
		var txs [][]byte
		for i := range 20 {
			id := fmt.Sprintf("c-%d-%d", src.height, i)
			txs = append(txs, org.Tx(t, fixture.Contract(id, id, chain.OrderSequential, alice), nil))
		}
		src.mustCommit(txs...)
		src.app.WaitSnapshots()
	}
	list, err := src.app.ListSnapshots(ctx, &abci.ListSnapshotsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Snapshots) != 2 || list.Snapshots[0].Height != 10 || list.Snapshots[1].Height != 5 {
		t.Fatalf("ListSnapshots: want heights 10 and 5 (the last two), got %v", list.Snapshots)
	}
	snap := list.Snapshots[0]
	if snap.Chunks < 3 {
		t.Fatalf("snapshot of %d chunks; want several", snap.Chunks)
	}
	cp10, err := src.app.store.View().Checkpoint(10)
	if err != nil {
		t.Fatal(err)
	}
	chunk := func(i uint32) []byte {
		t.Helper()
		r, err := src.app.LoadSnapshotChunk(ctx, &abci.LoadSnapshotChunkRequest{Height: snap.Height, Format: snap.Format, Chunk: i})
		if err != nil || len(r.Chunk) == 0 {
			t.Fatalf("LoadSnapshotChunk %d: %v", i, err)
		}
		return r.Chunk
	}
	offer := func(a *App, s *abci.Snapshot, appHash []byte) abci.OfferSnapshotResult {
		t.Helper()
		r, err := a.OfferSnapshot(ctx, &abci.OfferSnapshotRequest{Snapshot: s, AppHash: appHash})
		if err != nil {
			t.Fatalf("OfferSnapshot: %v", err)
		}
		return r.Result
	}
	apply := func(a *App, i uint32, c []byte) *abci.ApplySnapshotChunkResponse {
		t.Helper()
		r, err := a.ApplySnapshotChunk(ctx, &abci.ApplySnapshotChunkRequest{Index: i, Chunk: c, Sender: "peer-a"})
		if err != nil {
			t.Fatalf("ApplySnapshotChunk %d: %v", i, err)
		}
		return r
	}

	t.Run("offers", func(t *testing.T) {
		dst := emptyApp(t)
		other := *snap
		other.Format = 2
		if r := offer(dst, &other, cp10.AppHash); r != abci.OFFER_SNAPSHOT_RESULT_REJECT_FORMAT {
			t.Errorf("format 2: %v", r)
		}
		other = *snap
		other.Hash = make([]byte, 32)
		if r := offer(dst, &other, cp10.AppHash); r != abci.OFFER_SNAPSHOT_RESULT_REJECT {
			t.Errorf("metadata not matching the hash: %v", r)
		}
		if r := offer(src.app, snap, cp10.AppHash); r != abci.OFFER_SNAPSHOT_RESULT_ABORT {
			t.Errorf("offer to a node with state: %v", r)
		}
		if r, _ := dst.ApplySnapshotChunk(ctx, &abci.ApplySnapshotChunkRequest{Index: 0, Chunk: chunk(0)}); r.Result != abci.APPLY_SNAPSHOT_CHUNK_RESULT_ABORT {
			t.Errorf("chunk without an accepted snapshot: %v", r.Result)
		}
	})

	t.Run("wrong app hash is rejected", func(t *testing.T) {
		dst := emptyApp(t)
		wrong := bytes.Clone(cp10.AppHash)
		wrong[0] ^= 1
		if r := offer(dst, snap, wrong); r != abci.OFFER_SNAPSHOT_RESULT_ACCEPT {
			t.Fatalf("offer: %v", r)
		}
		var last *abci.ApplySnapshotChunkResponse
		for i := range snap.Chunks {
			last = apply(dst, i, chunk(i))
			if i < snap.Chunks-1 && last.Result != abci.APPLY_SNAPSHOT_CHUNK_RESULT_ACCEPT {
				t.Fatalf("chunk %d: %v", i, last.Result)
			}
		}
		if last.Result != abci.APPLY_SNAPSHOT_CHUNK_RESULT_REJECT_SNAPSHOT {
			t.Fatalf("last chunk under a wrong app hash: %v, want REJECT_SNAPSHOT", last.Result)
		}
		info, _ := dst.Info(ctx, &abci.InfoRequest{})
		if info.LastBlockHeight != 0 {
			t.Fatalf("rejected snapshot left height %d", info.LastBlockHeight)
		}
	})

	t.Run("restore with a bad chunk", func(t *testing.T) {
		dst := emptyApp(t)
		if r := offer(dst, snap, cp10.AppHash); r != abci.OFFER_SNAPSHOT_RESULT_ACCEPT {
			t.Fatalf("offer: %v", r)
		}
		for i := range snap.Chunks {
			if i == 1 {
				bad := bytes.Clone(chunk(1))
				bad[len(bad)/2] ^= 0xff
				r := apply(dst, 1, bad)
				if r.Result != abci.APPLY_SNAPSHOT_CHUNK_RESULT_RETRY || len(r.RefetchChunks) != 1 || r.RefetchChunks[0] != 1 ||
					len(r.RejectSenders) != 1 || r.RejectSenders[0] != "peer-a" {
					t.Fatalf("bad chunk: %+v, want RETRY refetching chunk 1 and rejecting the sender", r)
				}
			}
			if r := apply(dst, i, chunk(i)); r.Result != abci.APPLY_SNAPSHOT_CHUNK_RESULT_ACCEPT {
				t.Fatalf("chunk %d: %v", i, r.Result)
			}
		}
		info, err := dst.Info(ctx, &abci.InfoRequest{})
		if err != nil {
			t.Fatal(err)
		}
		if info.LastBlockHeight != 10 || !bytes.Equal(info.LastBlockAppHash, cp10.AppHash) {
			t.Fatalf("Info after restore: height %d app hash %X, want 10 %X", info.LastBlockHeight, info.LastBlockAppHash, cp10.AppHash)
		}
		// The restored app replays height 11 to the same app hash.
		blk, err := src.app.store.View().Checkpoint(11)
		if err != nil {
			t.Fatal(err)
		}
		var txs [][]byte
		for i := range 20 {
			leaf, err := src.app.store.View().Entry(cp10.LogSize + uint64(i))
			if err != nil {
				t.Fatal(err)
			}
			en, err := chain.DecodeEntry(leaf)
			if err != nil {
				t.Fatal(err)
			}
			txs = append(txs, en.Tx)
		}
		res, err := dst.FinalizeBlock(ctx, &abci.FinalizeBlockRequest{Height: 11, Time: blk.Time, Txs: txs})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(res.AppHash, blk.AppHash) {
			t.Fatalf("height 11 after restore: app hash %X, want %X", res.AppHash, blk.AppHash)
		}
	})
}
