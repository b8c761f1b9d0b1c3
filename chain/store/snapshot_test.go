package store_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/merklelog"
	"github.com/sealchain/sealchain/chain/store"
	"github.com/sealchain/sealchain/internal/fixture"
)

// snapshotRecords is how many contract-created records the export test adds
// on top of the scenario.
const snapshotRecords = 3000

// exported is an export held in memory.
type exported struct {
	cp     chain.Checkpoint
	chunks [][]byte
	hashes [][]byte
}

func exportStore(t *testing.T, s *store.Store, chunkSize int) exported {
	t.Helper()
	e, err := s.Export()
	if err != nil {
		t.Fatalf("Export: %v", err)
	}
	defer e.Close()
	out := exported{cp: e.Checkpoint()}
	err = e.Chunks(context.Background(), chunkSize, func(i uint32, c []byte) error {
		if int(i) != len(out.chunks) {
			return fmt.Errorf("chunk %d out of order", i)
		}
		sum := sha256.Sum256(c)
		out.chunks = append(out.chunks, bytes.Clone(c))
		out.hashes = append(out.hashes, sum[:])
		return nil
	})
	if err != nil {
		t.Fatalf("Chunks: %v", err)
	}
	return out
}

func importInto(t *testing.T, s *store.Store, ex exported) error {
	t.Helper()
	im, err := s.NewImport(ex.cp.Height, ex.hashes)
	if err != nil {
		t.Fatalf("NewImport: %v", err)
	}
	for i, c := range ex.chunks {
		if err := im.Apply(uint32(i), c); err != nil {
			return err
		}
	}
	_, err = im.Finish(ex.cp.AppHash)
	return err
}

// bigScenario is the store scenario plus snapshotRecords one-party contracts
// over 30 more heights.
func bigScenario(t *testing.T) (*storeHarness, *scenario) {
	h, sc := buildScenario(t)
	per := snapshotRecords / 30
	height := sc.lastHeight
	for b := range 30 {
		var raws [][]byte
		for i := range per {
			id := fmt.Sprintf("snap-%d-%d", b, i)
			raws = append(raws, h.org.Tx(t, fixture.Contract(id, id, chain.OrderSequential, sc.alice), nil))
		}
		height++
		if b == 10 {
			// A validator-set change mark (derived data the snapshot carries).
			blk := h.stage(height, raws...)
			if err := blk.MarkValidatorChange(height + 1); err != nil {
				t.Fatal(err)
			}
			cp, err := blk.Finish()
			if err != nil {
				t.Fatal(err)
			}
			if err := h.s.Commit(blk); err != nil {
				t.Fatal(err)
			}
			for i, raw := range raws {
				h.entries = append(h.entries, committed{height: height, time: blockTime(height), txIndex: uint32(i), raw: raw})
			}
			h.cps[height] = cp
			continue
		}
		h.commit(height, raws...)
	}
	sc.lastHeight = height
	return h, sc
}

func TestSnapshotExportImport(t *testing.T) {
	h, sc := bigScenario(t)
	src := h.s
	ex := exportStore(t, src, 64<<10)
	if ex.cp.Height != sc.lastHeight || ex.cp.LogSize != uint64(len(h.entries)) {
		t.Fatalf("export checkpoint %+v, want height %d size %d", ex.cp, sc.lastHeight, len(h.entries))
	}
	if len(ex.chunks) < 10 {
		t.Fatalf("%d chunks; want many with 64 KiB chunks", len(ex.chunks))
	}
	// Deterministic: a second export of the same height is byte-identical.
	again := exportStore(t, src, 64<<10)
	for i := range ex.hashes {
		if !bytes.Equal(ex.hashes[i], again.hashes[i]) {
			t.Fatalf("chunk %d differs between two exports of one height", i)
		}
	}

	dst := openStore(t, t.TempDir())
	defer dst.Close()
	// Genesis state from InitChain is replaced by the snapshot.
	commitGenesis(t, dst, genesisOrgs(t, h.net))
	if err := importInto(t, dst, ex); err != nil {
		t.Fatalf("import: %v", err)
	}
	if got := dst.Last(); !sameCheckpoint(got, src.Last()) {
		t.Fatalf("imported Last %+v, want %+v", got, src.Last())
	}
	wantCh, _ := src.View().ValidatorChanges(1 << 40)
	gotCh, _ := dst.View().ValidatorChanges(1 << 40)
	if len(wantCh) != 1 || fmt.Sprint(gotCh) != fmt.Sprint(wantCh) {
		t.Fatalf("validator-change marks: imported %v, source %v", gotCh, wantCh)
	}
	for i := range h.entries {
		a, err := src.View().Entry(uint64(i))
		if err != nil {
			t.Fatal(err)
		}
		b, err := dst.View().Entry(uint64(i))
		if err != nil || !bytes.Equal(a, b) {
			t.Fatalf("entry %d differs after import: %v", i, err)
		}
	}
	last := dst.Last()
	for _, i := range []uint64{0, 1, 7, 1000, last.LogSize - 1} {
		for _, size := range []uint64{i + 1, last.LogSize} {
			p, err := dst.InclusionProof(i, size)
			if err != nil {
				t.Fatalf("InclusionProof(%d, %d): %v", i, size, err)
			}
			want, _ := src.InclusionProof(i, size)
			if len(p) != len(want) {
				t.Fatalf("proof for %d at %d: length %d, source has %d", i, size, len(p), len(want))
			}
			for k := range p {
				if !bytes.Equal(p[k], want[k]) {
					t.Fatalf("proof for %d at %d differs from the source's", i, size)
				}
			}
			if size == last.LogSize {
				leaf, _ := dst.View().Entry(i)
				if err := merklelog.VerifyInclusion(dst.Hasher(), i, size, dst.Hasher().HashLeaf(leaf), p, last.LogRoot); err != nil {
					t.Fatalf("imported proof for %d at %d: %v", i, size, err)
				}
			}
		}
	}
	for height, cp := range h.cps {
		got, err := dst.View().Checkpoint(height)
		if err != nil || !sameCheckpoint(got, cp) {
			t.Fatalf("checkpoint %d after import: %+v, %v", height, got, err)
		}
	}
	if c, ok, err := dst.View().Contract("snap-29-0"); err != nil || !ok || c.ID != "snap-29-0" {
		t.Fatalf("contract state after import: %v %v", ok, err)
	}
	page, err := dst.View().ByContract("c-1", store.Query{Limit: 10, UpTo: last.LogSize})
	if err != nil || len(page.Indexes) != 3 {
		t.Fatalf("contract index after import: %+v, %v", page, err)
	}

	// The imported store keeps going: same next block, same app hash.
	raw := h.org.Tx(t, fixture.Contract("after", "after", chain.OrderSequential, sc.alice), nil)
	want := h.commit(sc.lastHeight+1, raw)
	h.s = dst
	got := h.commit(sc.lastHeight+1, raw)
	h.s = src
	if !sameCheckpoint(got, want) {
		t.Fatalf("next block after import: %+v, want %+v", got, want)
	}
}

func TestSnapshotExportIsolated(t *testing.T) {
	h, sc := buildScenario(t)
	e, err := h.s.Export()
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	// A block committed after the export began is not in it.
	h.commit(sc.lastHeight+1, h.org.Tx(t, fixture.Contract("later", "later", chain.OrderSequential, sc.alice), nil))
	var chunks [][]byte
	if err := e.Chunks(context.Background(), 1<<20, func(_ uint32, c []byte) error {
		chunks = append(chunks, bytes.Clone(c))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if e.Checkpoint().Height != sc.lastHeight {
		t.Fatalf("export height %d, want %d", e.Checkpoint().Height, sc.lastHeight)
	}
	ex := exported{cp: e.Checkpoint(), chunks: chunks}
	for _, c := range chunks {
		s := sha256.Sum256(c)
		ex.hashes = append(ex.hashes, s[:])
	}
	dst := openStore(t, t.TempDir())
	defer dst.Close()
	if err := importInto(t, dst, ex); err != nil {
		t.Fatalf("import: %v", err)
	}
	if got := dst.Last(); !sameCheckpoint(got, h.cps[sc.lastHeight]) {
		t.Fatalf("imported %+v, want height %d", got, sc.lastHeight)
	}
}

func TestSnapshotImportRefuses(t *testing.T) {
	h, _ := buildScenario(t)
	ex := exportStore(t, h.s, 2<<10)
	if len(ex.chunks) < 3 {
		t.Fatalf("want several chunks, got %d", len(ex.chunks))
	}
	flip := func(c []byte, at int) []byte {
		c = bytes.Clone(c)
		c[at] ^= 0x01
		return c
	}
	tests := []struct {
		name string
		// mutate returns the chunks to apply, the hashes the import trusts
		// and the trusted app hash.
		mutate  func(ex exported) ([][]byte, [][]byte, []byte)
		wantErr error
	}{{
		name: "corrupted chunk does not match its hash",
		mutate: func(ex exported) ([][]byte, [][]byte, []byte) {
			cs := append([][]byte(nil), ex.chunks...)
			cs[1] = flip(cs[1], len(cs[1])/2)
			return cs, ex.hashes, ex.cp.AppHash
		},
		wantErr: store.ErrSnapshotChunk,
	}, {
		name: "wrong trusted app hash",
		mutate: func(ex exported) ([][]byte, [][]byte, []byte) {
			return ex.chunks, ex.hashes, flip(ex.cp.AppHash, 0)
		},
		wantErr: store.ErrSnapshotInvalid,
	}, {
		name: "tampered value with matching metadata (a lying peer)",
		mutate: func(ex exported) ([][]byte, [][]byte, []byte) {
			cs := append([][]byte(nil), ex.chunks...)
			hs := append([][]byte(nil), ex.hashes...)
			last := len(cs) - 1
			cs[last] = flip(cs[last], len(cs[last])-1)
			s := sha256.Sum256(cs[last])
			hs[last] = s[:]
			// Also flip a byte in the first chunk (entries and log nodes).
			cs[0] = flip(cs[0], len(cs[0])-1)
			s0 := sha256.Sum256(cs[0])
			hs[0] = s0[:]
			return cs, hs, ex.cp.AppHash
		},
		wantErr: store.ErrSnapshotInvalid,
	}, {
		name: "missing chunk",
		mutate: func(ex exported) ([][]byte, [][]byte, []byte) {
			return ex.chunks[:len(ex.chunks)-1], ex.hashes, ex.cp.AppHash
		},
		wantErr: store.ErrSnapshotInvalid,
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dst := openStore(t, t.TempDir())
			defer dst.Close()
			chunks, hashes, appHash := tc.mutate(ex)
			im, err := dst.NewImport(ex.cp.Height, hashes)
			if err != nil {
				t.Fatalf("NewImport: %v", err)
			}
			for i, c := range chunks {
				if err = im.Apply(uint32(i), c); err != nil {
					break
				}
			}
			if err == nil {
				_, err = im.Finish(appHash)
			} else if errors.Is(err, store.ErrSnapshotChunk) {
				// The right chunk, refetched, is accepted.
				if err2 := im.Apply(1, ex.chunks[1]); err2 != nil {
					t.Fatalf("refetched chunk: %v", err2)
				}
			}
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("error %v, want %v", err, tc.wantErr)
			}
			if errors.Is(err, store.ErrSnapshotInvalid) {
				if last := dst.Last(); last.Height != 0 || last.LogSize != 0 {
					t.Fatalf("store not wiped after a refused snapshot: %+v", last)
				}
				// The wiped store takes the genuine snapshot.
				if err := importInto(t, dst, ex); err != nil {
					t.Fatalf("genuine snapshot after refusal: %v", err)
				}
			}
		})
	}

	t.Run("store not empty", func(t *testing.T) {
		if _, err := h.s.NewImport(ex.cp.Height, ex.hashes); !errors.Is(err, store.ErrNotEmpty) {
			t.Fatalf("NewImport on a used store: %v", err)
		}
	})
}

func TestSnapshotWriteDir(t *testing.T) {
	h, _ := buildScenario(t)
	e, err := h.s.Export()
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	dir := filepath.Join(t.TempDir(), "5")
	m, err := e.WriteDir(context.Background(), dir, 4<<10)
	if err != nil {
		t.Fatalf("WriteDir: %v", err)
	}
	got, err := store.LoadSnapshotManifest(dir)
	if err != nil {
		t.Fatalf("LoadSnapshotManifest: %v", err)
	}
	if got.Height != m.Height || !bytes.Equal(got.Hash(), m.Hash()) || !sameCheckpoint(got.Checkpoint, h.s.Last()) || got.Size != m.Size {
		t.Fatalf("manifest round trip: %+v vs %+v", got, m)
	}
	hashes, err := store.DecodeSnapshotMetadata(m.Metadata(), uint32(len(m.ChunkHashes)), m.Hash())
	if err != nil || len(hashes) != len(m.ChunkHashes) {
		t.Fatalf("DecodeSnapshotMetadata: %v", err)
	}
	if _, err := store.DecodeSnapshotMetadata(m.Metadata(), uint32(len(m.ChunkHashes)), make([]byte, 32)); !errors.Is(err, store.ErrSnapshotInvalid) {
		t.Fatalf("metadata with a wrong hash: %v", err)
	}
	for i, want := range m.ChunkHashes {
		b, err := os.ReadFile(store.SnapshotChunkPath(dir, uint32(i)))
		if err != nil {
			t.Fatal(err)
		}
		if s := sha256.Sum256(b); !bytes.Equal(s[:], want) {
			t.Fatalf("chunk file %d does not match the manifest", i)
		}
	}
}
