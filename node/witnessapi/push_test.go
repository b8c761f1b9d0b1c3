package witnessapi

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/transparency-dev/merkle/testonly"
	"golang.org/x/mod/sumdb/note"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/merklelog"
	"github.com/sealchain/sealchain/evidence/witness"
)

// lockedTree is treeStore safe for the pushing goroutine.
type lockedTree struct {
	mu sync.Mutex
	t  *testonly.Tree
}

func (s *lockedTree) Last() chain.Checkpoint {
	s.mu.Lock()
	defer s.mu.Unlock()
	return chain.Checkpoint{LogSize: s.t.Size(), LogRoot: s.t.Hash()}
}

func (s *lockedTree) ConsistencyProof(a, b uint64) ([][]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.t.ConsistencyProof(a, b)
}

func (s *lockedTree) add(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.t.AppendData([]byte(fmt.Sprint("r", s.t.Size())))
	}
}

// TestPush: the node pushes its checkpoints to a listen-only witness (the
// tlog-witness handler of evidence/witness, as sealchain witness run
// --listen serves it), which cosigns each size it is offered consistently;
// a second node process (a restart, or another node of the network with
// the same log) learns the witness's size from its 409 and continues.
func TestPush(t *testing.T) {
	tree := &lockedTree{t: testonly.New(merklelog.SM3())}
	tree.add(5)
	const origin = "sealchain/t"
	skey, vkey, _ := witness.GenerateLogKey(rand.Reader, origin)
	wsk, wvk, _ := witness.GenerateCosignerKey(rand.Reader, "w.example/witness")
	cos, _ := witness.NewCosigner(wsk)
	lv, _ := witness.NewLogVerifier(vkey)
	w, err := witness.New(cos, witness.FileStore{Dir: t.TempDir()}, witness.Log{Origin: origin, Keys: []note.Verifier{lv}})
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := httptest.NewServer(witness.Handler(w, logger))
	t.Cleanup(srv.Close)
	run := func(file string) (*API, func()) {
		a, err := New(Config{Store: tree, Origin: origin, SignerKey: skey, Witnesses: []string{wvk}, File: file, Logger: logger})
		if err != nil {
			t.Fatal(err)
		}
		ctx, stop := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { a.Push(ctx, srv.URL, 10*time.Millisecond, nil); close(done) }()
		return a, func() { stop(); <-done }
	}
	waitCosigned := func(a *API, size uint64) {
		t.Helper()
		for range 300 {
			if best := a.Best(size); best != nil {
				if _, sigs, _ := witness.SplitNote(best); len(sigs) == 2 {
					return
				}
			}
			time.Sleep(10 * time.Millisecond)
		}
		t.Fatalf("no cosigned checkpoint of size %d", size)
	}
	a, stop := run(filepath.Join(t.TempDir(), "a.json"))
	waitCosigned(a, 5)
	tree.add(7)
	waitCosigned(a, 12)
	stop()

	// Another process of the log: it starts from 0, the witness answers
	// 409 with 12, and the push continues from there.
	tree.add(3)
	b, stop2 := run(filepath.Join(t.TempDir(), "b.json"))
	waitCosigned(b, 15)
	stop2()
	if cp, err := w.Latest(origin); err != nil || cp == nil || cp.Size != 15 {
		t.Fatalf("witness latest %+v %v, want size 15", cp, err)
	}
}
