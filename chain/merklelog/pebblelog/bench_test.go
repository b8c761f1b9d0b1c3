package pebblelog

import (
	"fmt"
	"math/rand/v2"
	"os"
	"sync"
	"testing"

	"github.com/cockroachdb/pebble"

	"github.com/sealchain/sealchain/chain/merklelog"
	"github.com/sealchain/sealchain/chain/merklelog/internal/rfc6962"
)

// BenchmarkAppend appends b.N leaves to an on-disk SM3 log, committing a
// pebble batch every 1000 appends (roughly one block), without fsync.
func BenchmarkAppend(b *testing.B) {
	db, err := pebble.Open(b.TempDir(), &pebble.Options{Logger: quietLogger{}})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	l := openLog(b, db, merklelog.SM3())
	leaf := make([]byte, 256) // about the size of a signing-event record
	batch := db.NewBatch()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		leaf[0], leaf[1], leaf[2], leaf[3] = byte(i), byte(i>>8), byte(i>>16), byte(i>>24)
		if _, err := l.Append(batch, leaf); err != nil {
			b.Fatal(err)
		}
		if (i+1)%1000 == 0 {
			if err := batch.Commit(pebble.NoSync); err != nil {
				b.Fatal(err)
			}
			batch.Close()
			batch = db.NewBatch()
		}
	}
	if err := batch.Commit(pebble.NoSync); err != nil {
		b.Fatal(err)
	}
	batch.Close()
}

const bigSize = 1 << 20

var big struct {
	once sync.Once
	dir  string
	db   *pebble.DB
	err  error
}

// bigLog returns an on-disk SM3 log of bigSize leaves, built once per run.
func bigLog(b *testing.B) *pebble.DB {
	b.Helper()
	big.once.Do(func() {
		big.dir, big.err = os.MkdirTemp("", "merklelog-bench-")
		if big.err != nil {
			return
		}
		big.db, big.err = pebble.Open(big.dir, &pebble.Options{Logger: quietLogger{}})
		if big.err != nil {
			return
		}
		l, err := Open(big.db, merklelog.SM3(), testPrefix)
		if err != nil {
			big.err = err
			return
		}
		for done := 0; done < bigSize && big.err == nil; {
			batch := big.db.NewBatch()
			for end := done + 4096; done < end; done++ {
				if _, big.err = l.Append(batch, rfc6962.LeafData(done)); big.err != nil {
					break
				}
			}
			if big.err == nil {
				big.err = batch.Commit(pebble.NoSync)
			}
			batch.Close()
		}
	})
	if big.err != nil {
		b.Fatalf("build %d-leaf log: %v", bigSize, big.err)
	}
	return big.db
}

func TestMain(m *testing.M) {
	code := m.Run()
	if big.db != nil {
		big.db.Close()
	}
	if big.dir != "" {
		os.RemoveAll(big.dir)
	}
	os.Exit(code)
}

// BenchmarkInclusionProof serves random inclusion proofs from a stored tree of
// 1<<20 leaves, at the full size and at an odd size that needs rehashing.
func BenchmarkInclusionProof(b *testing.B) {
	db := bigLog(b)
	h := merklelog.SM3()
	for _, size := range []uint64{bigSize, bigSize - 12345} {
		b.Run(fmt.Sprintf("size=%d", size), func(b *testing.B) {
			rnd := rand.New(rand.NewPCG(1, 2))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := InclusionProof(db, h, testPrefix, rnd.Uint64N(size), size); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkOpen loads the right edge of the 1<<20-leaf tree.
func BenchmarkOpen(b *testing.B) {
	db := bigLog(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Open(db, merklelog.SM3(), testPrefix); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkConsistencyProof serves random consistency proofs up to 1<<20.
func BenchmarkConsistencyProof(b *testing.B) {
	db := bigLog(b)
	h := merklelog.SM3()
	rnd := rand.New(rand.NewPCG(3, 4))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		size1 := 1 + rnd.Uint64N(bigSize)
		if _, err := ConsistencyProof(db, h, testPrefix, size1, bigSize); err != nil {
			b.Fatal(err)
		}
	}
}
