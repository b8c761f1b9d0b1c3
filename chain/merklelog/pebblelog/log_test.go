package pebblelog

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/cockroachdb/pebble"

	"github.com/sealchain/sealchain/chain/merklelog"
	"github.com/sealchain/sealchain/chain/merklelog/internal/rfc6962"
)

// TestProofsProperty builds one SM3 log of random size N <= 300 in random
// batches, then checks, for every size n <= N: RootAt against the reference
// MTH; every inclusion proof (every index) against the reference PATH and
// VerifyInclusion; every consistency proof (every size1 <= n) against the
// reference PROOF and VerifyConsistency. A sample of proofs is then mutated
// and must be rejected with *RootMismatchError or ErrBadProof.
func TestProofsProperty(t *testing.T) {
	seed := uint64(0x5ea1c4a1)
	rnd := rand.New(rand.NewPCG(seed, seed))
	n := 200 + rnd.IntN(101)
	t.Logf("seed %#x, size %d", seed, n)
	h := merklelog.SM3()

	data := make([][]byte, n)
	for i := range data {
		data[i] = rfc6962.LeafData(i)
	}
	ref := rfc6962.NewTree(rfc6962.SM3Sum, data)

	db := memDB(t)
	l := openLog(t, db, h)
	for done := 0; done < n; {
		k := min(1+rnd.IntN(17), n-done)
		appendCommit(t, db, l, data[done:done+k]...)
		done += k
	}
	if got, want := l.Root(), ref.MTH(0, n); !bytes.Equal(got, want) {
		t.Fatalf("Root = %x, want %x", got, want)
	}

	roots := make([][]byte, n+1)
	for size := 0; size <= n; size++ {
		root, err := RootAt(db, h, testPrefix, uint64(size))
		if err != nil {
			t.Fatalf("RootAt(%d): %v", size, err)
		}
		if want := ref.MTH(0, size); !bytes.Equal(root, want) {
			t.Fatalf("RootAt(%d) = %x, want %x", size, root, want)
		}
		roots[size] = root
	}

	var failures int
	fail := func(format string, args ...any) {
		t.Helper()
		if failures++; failures <= 20 {
			t.Errorf(format, args...)
		}
	}
	for size := 1; size <= n; size++ {
		for i := 0; i < size; i++ {
			p, err := InclusionProof(db, h, testPrefix, uint64(i), uint64(size))
			if err != nil {
				t.Fatalf("InclusionProof(%d, %d): %v", i, size, err)
			}
			if want := ref.Path(i, 0, size); !rfc6962.EqualProofs(p, want) {
				fail("InclusionProof(%d, %d) = %x, reference %x", i, size, p, want)
			}
			if err := merklelog.VerifyInclusion(h, uint64(i), uint64(size), ref.LeafHash(i), p, roots[size]); err != nil {
				fail("VerifyInclusion(%d, %d): %v", i, size, err)
			}
		}
	}
	for size2 := 0; size2 <= n; size2++ {
		for size1 := 0; size1 <= size2; size1++ {
			p, err := ConsistencyProof(db, h, testPrefix, uint64(size1), uint64(size2))
			if err != nil {
				t.Fatalf("ConsistencyProof(%d, %d): %v", size1, size2, err)
			}
			if want := ref.Proof(size1, size2); !rfc6962.EqualProofs(p, want) {
				fail("ConsistencyProof(%d, %d) = %x, reference %x", size1, size2, p, want)
			}
			if err := merklelog.VerifyConsistency(h, uint64(size1), uint64(size2), p, roots[size1], roots[size2]); err != nil {
				fail("VerifyConsistency(%d, %d): %v", size1, size2, err)
			}
		}
	}

	// Mutations: every byte position class (first, middle, last) of every
	// element, and the root, for a sample of proofs.
	for k := 0; k < 300; k++ {
		size := 1 + rnd.IntN(n)
		i := rnd.IntN(size)
		p, _ := InclusionProof(db, h, testPrefix, uint64(i), uint64(size))
		for _, m := range mutations(p, roots[size]) {
			err := merklelog.VerifyInclusion(h, uint64(i), uint64(size), ref.LeafHash(i), m.proof, m.root)
			if !rejected(err) {
				fail("VerifyInclusion(%d, %d) with %s: got %v, want rejection", i, size, m.desc, err)
			}
		}
		size1 := 1 + rnd.IntN(size)
		p, _ = ConsistencyProof(db, h, testPrefix, uint64(size1), uint64(size))
		for _, m := range mutations(p, roots[size]) {
			if size1 == size && m.desc == "flip root" {
				continue // root2 mutated while root1 is intact: checked below
			}
			err := merklelog.VerifyConsistency(h, uint64(size1), uint64(size), m.proof, roots[size1], m.root)
			if !rejected(err) {
				fail("VerifyConsistency(%d, %d) with %s: got %v, want rejection", size1, size, m.desc, err)
			}
		}
		for _, m := range mutations(nil, roots[size1]) {
			if m.desc != "flip root" {
				continue
			}
			err := merklelog.VerifyConsistency(h, uint64(size1), uint64(size), p, m.root, roots[size])
			if !rejected(err) {
				fail("VerifyConsistency(%d, %d) with root1 %s: got %v, want rejection", size1, size, m.desc, err)
			}
		}
	}
	if failures > 20 {
		t.Errorf("... and %d more failures", failures-20)
	}
}

type mutation struct {
	desc  string
	proof [][]byte
	root  []byte
}

// mutations returns copies of (proof, root) with one byte flipped, one
// element truncated, dropped or added.
func mutations(p [][]byte, root []byte) []mutation {
	clone := func() [][]byte {
		c := make([][]byte, len(p))
		for i := range p {
			c[i] = bytes.Clone(p[i])
		}
		return c
	}
	var ms []mutation
	for _, pos := range []int{0, 15, 31} {
		r := bytes.Clone(root)
		r[pos] ^= 0x01
		ms = append(ms, mutation{"flip root", p, r})
		for i := range p {
			c := clone()
			c[i][pos] ^= 0x80
			ms = append(ms, mutation{"flip element", c, root})
		}
	}
	if len(p) > 0 {
		c := clone()
		c[len(c)-1] = c[len(c)-1][:31]
		ms = append(ms,
			mutation{"truncated element", c, root},
			mutation{"dropped element", p[:len(p)-1], root})
	}
	ms = append(ms, mutation{"extra element", append(clone(), root), root})
	return ms
}

// rejected reports whether err is one of the two documented rejections.
func rejected(err error) bool {
	var rm *merklelog.RootMismatchError
	return errors.As(err, &rm) || errors.Is(err, merklelog.ErrBadProof)
}

// TestPersistence appends across batches into an on-disk pebble store,
// closes and reopens it, and keeps appending.
func TestPersistence(t *testing.T) {
	dir := t.TempDir()
	h := merklelog.SM3()
	const total = 1000
	data := make([][]byte, total)
	for i := range data {
		data[i] = rfc6962.LeafData(i)
	}
	ref := rfc6962.NewTree(rfc6962.SM3Sum, data)

	db, err := pebble.Open(dir, &pebble.Options{Logger: quietLogger{}})
	if err != nil {
		t.Fatalf("pebble.Open: %v", err)
	}
	l := openLog(t, db, h)
	done := 0
	for _, k := range []int{1, 2, 5, 64, 100, 333} {
		appendCommit(t, db, l, data[done:done+k]...)
		done += k
	}
	before := l.Root()
	if want := ref.MTH(0, done); !bytes.Equal(before, want) {
		t.Fatalf("Root before close = %x, want %x", before, want)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	db, err = pebble.Open(dir, &pebble.Options{Logger: quietLogger{}})
	if err != nil {
		t.Fatalf("pebble.Open (reopen): %v", err)
	}
	defer db.Close()
	l = openLog(t, db, h)
	if got, want := l.Size(), uint64(done); got != want {
		t.Fatalf("reopened Size = %d, want %d", got, want)
	}
	if got := l.Root(); !bytes.Equal(got, before) {
		t.Fatalf("reopened Root = %x, want %x", got, before)
	}
	for done < total {
		k := min(97, total-done)
		appendCommit(t, db, l, data[done:done+k]...)
		done += k
	}
	if got, want := l.Root(), ref.MTH(0, total); !bytes.Equal(got, want) {
		t.Errorf("Root after continuing = %x, want %x", got, want)
	}
	for _, size := range []uint64{1, 505, 506, 777, total} {
		got, err := RootAt(db, h, testPrefix, size)
		if err != nil {
			t.Fatalf("RootAt(%d): %v", size, err)
		}
		if want := ref.MTH(0, int(size)); !bytes.Equal(got, want) {
			t.Errorf("RootAt(%d) = %x, want %x", size, got, want)
		}
	}
	for _, i := range []uint64{0, 504, 505, 999} {
		got, err := LeafHashAt(db, testPrefix, i)
		if err != nil {
			t.Fatalf("LeafHashAt(%d): %v", i, err)
		}
		if !bytes.Equal(got, ref.LeafHash(int(i))) {
			t.Errorf("LeafHashAt(%d) = %x, want %x", i, got, ref.LeafHash(int(i)))
		}
	}
}

// TestReload discards an uncommitted batch and rolls the Log back, and checks
// that an indexed batch serves proofs for its uncommitted appends.
func TestReload(t *testing.T) {
	h := merklelog.SM3()
	db := memDB(t)
	l := openLog(t, db, h)
	for i := 0; i < 10; i++ {
		appendCommit(t, db, l, rfc6962.LeafData(i))
	}
	committedSize, committedRoot := l.Size(), l.Root()

	b := db.NewIndexedBatch()
	for i := 10; i < 25; i++ {
		if _, err := l.Append(b, rfc6962.LeafData(i)); err != nil {
			t.Fatalf("Append: %v", err)
		}
	}
	// Through the batch, the uncommitted tree is visible and provable.
	root, err := RootAt(b, h, testPrefix, 25)
	if err != nil {
		t.Fatalf("RootAt(batch, 25): %v", err)
	}
	if !bytes.Equal(root, l.Root()) {
		t.Errorf("RootAt(batch, 25) = %x, Log.Root = %x", root, l.Root())
	}
	p, err := InclusionProof(b, h, testPrefix, 17, 25)
	if err != nil {
		t.Fatalf("InclusionProof(batch): %v", err)
	}
	if err := merklelog.VerifyInclusion(h, 17, 25, h.HashLeaf(rfc6962.LeafData(17)), p, root); err != nil {
		t.Errorf("VerifyInclusion(batch proof): %v", err)
	}
	// Through the DB, it is not.
	if _, err := RootAt(db, h, testPrefix, 25); !errors.Is(err, ErrNotFound) {
		t.Errorf("RootAt(db, 25) before commit: got %v, want ErrNotFound", err)
	}
	if err := b.Close(); err != nil { // Discard.
		t.Fatalf("batch Close: %v", err)
	}

	if err := l.Reload(db); err != nil {
		t.Fatalf("Reload: %v", err)
	}
	if got := l.Size(); got != committedSize {
		t.Errorf("Size after Reload = %d, want %d", got, committedSize)
	}
	if got := l.Root(); !bytes.Equal(got, committedRoot) {
		t.Errorf("Root after Reload = %x, want %x", got, committedRoot)
	}
	// Appending resumes at the committed size and matches the reference.
	appendCommit(t, db, l, rfc6962.LeafData(10))
	data := make([][]byte, 11)
	for i := range data {
		data[i] = rfc6962.LeafData(i)
	}
	if got, want := l.Root(), rfc6962.NewTree(rfc6962.SM3Sum, data).MTH(0, 11); !bytes.Equal(got, want) {
		t.Errorf("Root after Reload+Append = %x, want %x", got, want)
	}
}

// TestPrefixIsolation checks that two logs under different prefixes in one
// store do not see each other.
func TestPrefixIsolation(t *testing.T) {
	h := merklelog.SM3()
	db := memDB(t)
	a, err := Open(db, h, []byte("a/"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Open(db, h, []byte("b/"))
	if err != nil {
		t.Fatal(err)
	}
	appendCommit(t, db, a, rfc6962.LeafData(0), rfc6962.LeafData(1), rfc6962.LeafData(2))
	appendCommit(t, db, b, rfc6962.LeafData(9))
	a2, _ := Open(db, h, []byte("a/"))
	b2, _ := Open(db, h, []byte("b/"))
	if a2.Size() != 3 || b2.Size() != 1 {
		t.Errorf("sizes = %d, %d; want 3, 1", a2.Size(), b2.Size())
	}
	if !bytes.Equal(a2.Root(), a.Root()) || !bytes.Equal(b2.Root(), b.Root()) {
		t.Errorf("reopened roots differ")
	}
}

// TestStoreErrors covers requests outside the stored tree and a corrupt store.
func TestStoreErrors(t *testing.T) {
	h := merklelog.SM3()
	db := memDB(t)
	l := openLog(t, db, h)
	for i := 0; i < 5; i++ {
		appendCommit(t, db, l, rfc6962.LeafData(i))
	}
	for _, tc := range []struct {
		desc string
		call func() error
		want error
	}{
		{"RootAt beyond size", func() error { _, err := RootAt(db, h, testPrefix, 6); return err }, ErrNotFound},
		{"Inclusion index == size", func() error { _, err := InclusionProof(db, h, testPrefix, 5, 5); return err }, ErrNotFound},
		{"Inclusion size beyond stored", func() error { _, err := InclusionProof(db, h, testPrefix, 1, 6); return err }, ErrNotFound},
		{"Inclusion size 0", func() error { _, err := InclusionProof(db, h, testPrefix, 0, 0); return err }, ErrNotFound},
		{"Consistency size2 beyond stored", func() error { _, err := ConsistencyProof(db, h, testPrefix, 2, 6); return err }, ErrNotFound},
		{"Consistency size1 > size2", func() error { _, err := ConsistencyProof(db, h, testPrefix, 3, 2); return err }, nil},
		{"LeafHashAt index == size", func() error { _, err := LeafHashAt(db, testPrefix, 5); return err }, ErrNotFound},
		{"LeafHashAt other prefix", func() error { _, err := LeafHashAt(db, []byte("x"), 0); return err }, ErrNotFound},
		{"AppendHash short hash", func() error { _, err := l.AppendHash(db.NewBatch(), make([]byte, 31)); return err }, nil},
		{"Open nil hasher", func() error { _, err := Open(db, nil, testPrefix); return err }, nil},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			err := tc.call()
			if err == nil {
				t.Fatal("got nil error")
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
			t.Log(err)
		})
	}
	if l.Size() != 5 {
		t.Errorf("failed AppendHash changed Size to %d", l.Size())
	}

	// A log opened with a hasher of another size sees a corrupt store.
	if _, err := Open(db, merklelog.NewHasher(shortHash), testPrefix); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Open with 16-byte hasher: got %v, want ErrCorrupt", err)
	}
	// A missing node under the stored size is corruption, not "not found".
	b := db.NewBatch()
	if err := b.Delete(appendNodeKey(nil, testPrefix, nodeID(2, 0)), nil); err != nil {
		t.Fatal(err)
	}
	if err := b.Commit(pebble.NoSync); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(db, h, testPrefix); !errors.Is(err, ErrCorrupt) || errors.Is(err, ErrNotFound) {
		t.Errorf("Open with missing node: got %v, want ErrCorrupt only", err)
	}
}

// TestAppendWriteFailure checks that a failing Writer leaves the Log as it was.
func TestAppendWriteFailure(t *testing.T) {
	h := merklelog.SM3()
	db := memDB(t)
	l := openLog(t, db, h)
	appendCommit(t, db, l, rfc6962.LeafData(0), rfc6962.LeafData(1), rfc6962.LeafData(2))
	size, root := l.Size(), l.Root()
	for failAt := 0; failAt < 4; failAt++ { // leaf 3 writes leaf, 2 nodes, size
		w := &failingWriter{failAt: failAt}
		if _, err := l.Append(w, rfc6962.LeafData(3)); !errors.Is(err, errWrite) {
			t.Fatalf("failAt %d: got %v, want errWrite", failAt, err)
		}
		if l.Size() != size || !bytes.Equal(l.Root(), root) {
			t.Fatalf("failAt %d: state changed to size %d", failAt, l.Size())
		}
	}
	appendCommit(t, db, l, rfc6962.LeafData(3))
	data := [][]byte{rfc6962.LeafData(0), rfc6962.LeafData(1), rfc6962.LeafData(2), rfc6962.LeafData(3)}
	if got, want := l.Root(), rfc6962.NewTree(rfc6962.SM3Sum, data).MTH(0, 4); !bytes.Equal(got, want) {
		t.Errorf("Root after failed appends = %x, want %x", got, want)
	}
}

var errWrite = errors.New("write failed")

type failingWriter struct{ n, failAt int }

func (w *failingWriter) Set(key, value []byte, _ *pebble.WriteOptions) error {
	defer func() { w.n++ }()
	if w.n == w.failAt {
		return errWrite
	}
	return nil
}

// TestSecondPreimageRoots: the one-leaf log over l‖r and the two-leaf log
// over (l, r) have different roots (merklelog's TestSecondPreimage checks the
// hashes themselves).
func TestSecondPreimageRoots(t *testing.T) {
	for _, h := range []*merklelog.Hasher{merklelog.SM3(), merklelog.SHA256()} {
		l, r := h.HashLeaf([]byte("left")), h.HashLeaf([]byte("right"))
		x := append(bytes.Clone(l), r...)
		db := memDB(t)
		one, two := openLog(t, db, h), must(Open(db, h, []byte("two/")))
		appendCommit(t, db, one, x)
		if _, err := two.AppendHash(db.NewBatch(), l); err != nil {
			t.Fatal(err)
		}
		if _, err := two.AppendHash(db.NewBatch(), r); err != nil {
			t.Fatal(err)
		}
		if bytes.Equal(one.Root(), two.Root()) {
			t.Errorf("size %d: root of [l||r] == root of [l, r]", h.Size())
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
