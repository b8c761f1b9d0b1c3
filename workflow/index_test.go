package workflow

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/cockroachdb/pebble"

	"github.com/sealchain/sealchain/workflow/search"
	"github.com/sealchain/sealchain/workflow/search/searchgen"
)

// indexEngine is an engine with a DB, a KEK and, in dir, a search index;
// enough to store contracts and search them.
func indexEngine(t *testing.T, db *pebble.DB, kek *KEK, dir string) (*Engine, *search.Index) {
	t.Helper()
	ix, err := search.Open(dir, SearchKey(kek), search.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	e, err := New(Config{ChainID: "x", Submitter: nil, DB: db, KEK: kek, Index: ix})
	if err == nil || e != nil {
		t.Fatal("New accepted a config without a submitter")
	}
	e = &Engine{cfg: Config{DB: db, KEK: kek, Index: ix}, db: db, now: time.Now, rand: rand.Reader,
		logger: slog.New(slog.DiscardHandler), kick: make(chan struct{}, 1)}
	v, closer, err := db.Get([]byte(kSeq))
	if err == nil {
		e.seq = beUint64(v)
		closer.Close()
	}
	return e, ix
}

// storeContracts writes generated contracts as the engine does.
func storeContracts(t *testing.T, e *Engine, cs []searchgen.Contract) {
	t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, g := range cs {
		c := &Contract{ID: g.ID, Title: g.Title, Status: g.Status, Template: g.Template, CreatedAt: g.Created}
		for i, p := range g.Parties {
			c.Parties = append(c.Parties, Party{Index: i, IdentityID: p.IdentityID, DisplayName: p.Name, Role: p.Role})
		}
		fj, _ := json.Marshal(g.Fields)
		var err error
		if c.FieldsSealed, err = e.cfg.KEK.Seal(e.rand, c.ID+"/fields", fj); err != nil {
			t.Fatal(err)
		}
		tx := e.begin()
		if err := tx.b.Set(indexKey(c), nil, nil); err != nil {
			t.Fatal(err)
		}
		if err := e.putContract(tx, c); err != nil {
			t.Fatal(err)
		}
		if err := tx.commit(); err != nil {
			t.Fatal(err)
		}
		tx.close()
	}
}

func setStatus(t *testing.T, e *Engine, id, status string) {
	t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	c, err := e.loadContract(id)
	if err != nil {
		t.Fatal(err)
	}
	c.Status = status
	tx := e.begin()
	defer tx.close()
	if err := e.putContract(tx, c); err != nil {
		t.Fatal(err)
	}
	if err := tx.commit(); err != nil {
		t.Fatal(err)
	}
}

func searchAll(t *testing.T, e *Engine, q Query) []string {
	t.Helper()
	var ids []string
	for range 100 {
		cs, next, err := e.Search(context.Background(), q)
		if err != nil {
			t.Fatalf("%+v: %v", q, err)
		}
		for _, c := range cs {
			ids = append(ids, c.ID)
		}
		if next == "" {
			return ids
		}
		q.Cursor = next
	}
	t.Fatal("no last page")
	return nil
}

// TestSearchIndexInStep stores contracts, builds the index from the
// store, checks it answers as the scan does, follows state changes, and
// catches up (or rebuilds) after changes it missed.
func TestSearchIndexInStep(t *testing.T) {
	ctx := context.Background()
	db, err := pebble.Open(t.TempDir(), &pebble.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	kek, err := NewKEK(bytes.Repeat([]byte{3}, 16))
	if err != nil {
		t.Fatal(err)
	}
	const n = 300
	g := searchgen.New(5, n)
	cs := make([]searchgen.Contract, n)
	for i := range cs {
		cs[i] = g.Next(n)
	}
	ixDir := t.TempDir()
	e, _ := indexEngine(t, db, kek, ixDir)
	storeContracts(t, e, cs[:200]) // before the index starts: a rebuild
	if e.IndexReady() {
		t.Fatal("index ready before start")
	}
	if err := e.startIndex(ctx); err != nil {
		t.Fatal(err)
	}
	if !e.IndexReady() {
		t.Fatal("index not ready after start")
	}
	storeContracts(t, e, cs[200:]) // live
	mid := searchgen.Start.Add(searchgen.Span / 2)
	queries := []Query{
		{},
		{Status: "completed", Limit: 13},
		{Template: "labor", From: mid},
		{Party: cs[10].Parties[0].IdentityID},
		{Text: cs[20].Parties[1].Name, Status: cs[20].Status},
		{Text: cs[250].Parties[0].Name},
		{To: mid, Status: "signing", Limit: 7},
	}
	compare := func(when string) {
		t.Helper()
		for _, q := range queries {
			got := searchAll(t, e, q)
			e.ixMu.Lock()
			e.ixReady = false
			e.ixMu.Unlock()
			want := searchAll(t, e, q)
			e.ixMu.Lock()
			e.ixReady = true
			e.ixMu.Unlock()
			if !slices.Equal(got, want) || len(want) == 0 {
				t.Errorf("%s: %+v: index %d hits, scan %d", when, q, len(got), len(want))
			}
		}
	}
	compare("built and live")

	// Searches while contracts change (for -race).
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 50 {
			if _, _, err := e.Search(ctx, Query{Status: "signing", Limit: 20}); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	for _, c := range cs[100:130] {
		setStatus(t, e, c.ID, c.Status) // same status: a change log entry and an index update
	}
	<-done

	setStatus(t, e, cs[20].ID, "voided")
	if got := searchAll(t, e, Query{Text: cs[20].Parties[1].Name, Status: "voided"}); !slices.Contains(got, cs[20].ID) {
		t.Fatalf("status change not searchable: %v", got)
	}
	queries = append(queries, Query{Status: "voided"})

	// Changes the index never saw (as after a crash between the store's
	// batch and the index's): the next start replays the change log.
	e.ixMu.Lock()
	e.ixReady = false
	e.ixMu.Unlock()
	for _, c := range cs[:40] {
		setStatus(t, e, c.ID, "expired")
	}
	queries = append(queries, Query{Status: "expired"})
	if mark, _ := e.cfg.Index.State(); mark >= e.seq {
		t.Fatalf("index mark %d, store %d: nothing to replay", mark, e.seq)
	}
	if err := e.startIndex(ctx); err != nil {
		t.Fatal(err)
	}
	compare("replayed")

	// A log trimmed past the index's mark, or a missing index: rebuilt.
	e.ixMu.Lock()
	e.ixReady = false
	e.ixMu.Unlock()
	setStatus(t, e, cs[41].ID, "declined")
	if err := e.trimChanges(e.seq); err != nil {
		t.Fatal(err)
	}
	queries = append(queries, Query{Status: "declined"})
	if err := e.startIndex(ctx); err != nil {
		t.Fatal(err)
	}
	compare("rebuilt after trim")
	e2, _ := indexEngine(t, db, kek, t.TempDir())
	if err := e2.startIndex(ctx); err != nil {
		t.Fatal(err)
	}
	e = e2
	compare("rebuilt when missing")

	// Hostile queries are refused with the field named.
	for _, q := range []Query{{Text: string(make([]byte, 300))}, {Cursor: "nope"}, {Limit: 500}} {
		_, _, err := e.Search(ctx, q)
		if werr, ok := err.(*Error); !ok || werr.Code != "bad_request" && werr.Status != 400 {
			t.Errorf("%+v: %v, want 400", q, err)
		}
	}
}
