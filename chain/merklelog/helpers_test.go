package merklelog

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"slices"
	"testing"

	"github.com/cockroachdb/pebble"
	"github.com/cockroachdb/pebble/vfs"
	"github.com/transparency-dev/merkle/compact"
)

var testPrefix = []byte("test/log/")

// memDB opens an in-memory pebble store closed at the end of the test.
func memDB(t testing.TB) *pebble.DB {
	t.Helper()
	db, err := pebble.Open("", &pebble.Options{FS: vfs.NewMem()})
	if err != nil {
		t.Fatalf("pebble.Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// openLog opens the log under testPrefix, failing the test on error.
func openLog(t testing.TB, r Reader, h *Hasher) *Log {
	t.Helper()
	l, err := Open(r, h, testPrefix)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return l
}

// appendCommit appends leaves in one batch and commits it.
func appendCommit(t testing.TB, db *pebble.DB, l *Log, leaves ...[]byte) {
	t.Helper()
	b := db.NewBatch()
	defer b.Close()
	for _, leaf := range leaves {
		want := l.Size()
		got, err := l.Append(b, leaf)
		if err != nil {
			t.Fatalf("Append at size %d: %v", want, err)
		}
		if got != want {
			t.Fatalf("Append returned index %d, want %d", got, want)
		}
	}
	if err := b.Commit(pebble.NoSync); err != nil {
		t.Fatalf("Commit: %v", err)
	}
}

// leafData returns distinct deterministic leaf contents.
func leafData(i int) []byte { return []byte(fmt.Sprintf("sealchain test leaf %d", i)) }

// dh decodes hex or panics; inputs are test constants.
func dh(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func hexs(p [][]byte) []string {
	out := make([]string, len(p))
	for i, b := range p {
		out[i] = hex.EncodeToString(b)
	}
	return out
}

func equalProofs(a, b [][]byte) bool {
	return slices.EqualFunc(a, b, bytes.Equal)
}

// shortHash is a 16-byte hash for hasher-mismatch tests.
func shortHash() hash.Hash { return &truncated{sha256.New()} }

type truncated struct{ hash.Hash }

func (t *truncated) Size() int { return 16 }
func (t *truncated) Sum(b []byte) []byte {
	return append(b, t.Hash.Sum(nil)[:16]...)
}

func nodeID(level uint, index uint64) compact.NodeID { return compact.NewNodeID(level, index) }

// quietLogger drops pebble's informational logs (WAL replay etc.).
type quietLogger struct{}

func (quietLogger) Infof(string, ...any) {}
func (quietLogger) Fatalf(format string, args ...any) {
	panic(fmt.Sprintf(format, args...))
}
