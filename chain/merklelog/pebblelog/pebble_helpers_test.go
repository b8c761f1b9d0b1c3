package pebblelog

import (
	"fmt"
	"testing"

	"github.com/cockroachdb/pebble"
	"github.com/cockroachdb/pebble/vfs"

	"github.com/sealchain/sealchain/chain/merklelog"
)

// Test helpers that need pebble, which does not build for js/wasm.

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
func openLog(t testing.TB, r Reader, h *merklelog.Hasher) *Log {
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

// quietLogger drops pebble's informational logs (WAL replay etc.).
type quietLogger struct{}

func (quietLogger) Infof(string, ...any) {}
func (quietLogger) Fatalf(format string, args ...any) {
	panic(fmt.Sprintf(format, args...))
}
