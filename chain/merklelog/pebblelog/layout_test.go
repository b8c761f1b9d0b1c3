package pebblelog

import (
	"bytes"
	"encoding/binary"
	"io"
	"math/bits"
	"testing"

	"github.com/cockroachdb/pebble"

	"github.com/sealchain/sealchain/chain/merklelog"
	"github.com/sealchain/sealchain/chain/merklelog/internal/rfc6962"
)

// TestKeyLayout pins the documented storage layout: after 5 appends the store
// holds exactly the 5 leaves, the 3 perfect interior nodes and the size, in
// level-major, index-ascending key order.
func TestKeyLayout(t *testing.T) {
	h := merklelog.SM3()
	db := memDB(t)
	l := openLog(t, db, h)
	data := make([][]byte, 5)
	for i := range data {
		data[i] = rfc6962.LeafData(i)
	}
	appendCommit(t, db, l, data...)
	ref := rfc6962.NewTree(rfc6962.SM3Sum, data)

	node := func(level byte, index uint64) []byte {
		k := append(bytes.Clone(testPrefix), 'n', level)
		return binary.BigEndian.AppendUint64(k, index)
	}
	want := []struct {
		key, value []byte
	}{
		{node(0, 0), ref.LeafHash(0)},
		{node(0, 1), ref.LeafHash(1)},
		{node(0, 2), ref.LeafHash(2)},
		{node(0, 3), ref.LeafHash(3)},
		{node(0, 4), ref.LeafHash(4)},
		{node(1, 0), ref.MTH(0, 2)},
		{node(1, 1), ref.MTH(2, 4)},
		{node(2, 0), ref.MTH(0, 4)},
		{append(bytes.Clone(testPrefix), 's'), []byte{0, 0, 0, 0, 0, 0, 0, 5}},
	}
	it, err := db.NewIter(&pebble.IterOptions{LowerBound: testPrefix, UpperBound: append(bytes.Clone(testPrefix), 0xff)})
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	i := 0
	for it.First(); it.Valid(); it.Next() {
		if i >= len(want) {
			t.Errorf("extra key %x", it.Key())
			continue
		}
		if !bytes.Equal(it.Key(), want[i].key) || !bytes.Equal(it.Value(), want[i].value) {
			t.Errorf("entry %d = %x -> %x, want %x -> %x", i, it.Key(), it.Value(), want[i].key, want[i].value)
		}
		i++
	}
	if i < len(want) {
		t.Errorf("got %d entries, want %d", i, len(want))
	}
}

// countingReader counts Gets.
type countingReader struct {
	Reader
	n int
}

func (c *countingReader) Get(key []byte) ([]byte, io.Closer, error) {
	c.n++
	return c.Reader.Get(key)
}

// countingWriter counts Sets and forwards them.
type countingWriter struct {
	Writer
	n int
}

func (c *countingWriter) Set(key, value []byte, o *pebble.WriteOptions) error {
	c.n++
	return c.Writer.Set(key, value, o)
}

// TestIOBounds checks the cost model: Append writes the leaf, the nodes it
// completes (trailing ones of the new index) and the size; Open reads the size
// and popcount(size) edge nodes; proofs read the size and O(log n) nodes.
func TestIOBounds(t *testing.T) {
	h := merklelog.SM3()
	db := memDB(t)
	l := openLog(t, db, h)
	totalWrites := 0
	const n = 1000
	for i := uint64(0); i < n; i++ {
		b := db.NewBatch()
		w := &countingWriter{Writer: b}
		if _, err := l.Append(w, rfc6962.LeafData(int(i))); err != nil {
			t.Fatal(err)
		}
		if want := 2 + bits.TrailingZeros64(^i); w.n != want {
			t.Fatalf("Append of leaf %d wrote %d keys, want %d", i, w.n, want)
		}
		totalWrites += w.n
		if err := b.Commit(pebble.NoSync); err != nil {
			t.Fatal(err)
		}
		b.Close()

		size := i + 1
		r := &countingReader{Reader: db}
		if _, err := Open(r, h, testPrefix); err != nil {
			t.Fatal(err)
		}
		if want := 1 + bits.OnesCount64(size); r.n != want {
			t.Fatalf("Open at size %d read %d keys, want %d", size, r.n, want)
		}
		limit := 1 + 2*bits.Len64(size)
		r.n = 0
		if _, err := InclusionProof(r, h, testPrefix, i/2, size); err != nil {
			t.Fatal(err)
		}
		if r.n > limit {
			t.Fatalf("InclusionProof(%d, %d) read %d keys, want <= %d", i/2, size, r.n, limit)
		}
		r.n = 0
		if _, err := ConsistencyProof(r, h, testPrefix, size/3, size); err != nil {
			t.Fatal(err)
		}
		if r.n > limit {
			t.Fatalf("ConsistencyProof(%d, %d) read %d keys, want <= %d", size/3, size, r.n, limit)
		}
	}
	if avg := float64(totalWrites) / n; avg > 3 {
		t.Errorf("average writes per Append = %.2f, want <= 3", avg)
	}
}
