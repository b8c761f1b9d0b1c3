package search

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sealchain/sealchain/workflow/search/searchgen"
)

var testKey = []byte("0123456789abcdef0123456789abcdef")

func genDocs(n int) ([]*Doc, *searchgen.Gen) {
	g := searchgen.New(7, n)
	docs := make([]*Doc, n)
	for i := range n {
		docs[i] = FromGen(g.Next(n))
	}
	return docs, g
}

// FromGen converts a generated contract (tests and benchmarks).
func FromGen(c searchgen.Contract) *Doc {
	d := &Doc{ID: c.ID, Created: c.Created, Title: c.Title, Status: c.Status, Template: c.Template, Fields: c.Fields}
	for _, p := range c.Parties {
		d.Parties = append(d.Parties, Party{IdentityID: p.IdentityID, Name: p.Name, Role: p.Role})
	}
	return d
}

// want is the brute-force answer: every term of the query among the
// document's, every filter equal, newest first.
func want(docs []*Doc, q Query) []string {
	qt := dedupe(tokens(nil, q.Text))
	if strings.TrimSpace(q.Text) != "" && len(qt) == 0 {
		return nil
	}
	var hit []*Doc
	for _, d := range docs {
		var dt []string
		dt = tokens(dt, d.Title)
		dt = tokens(dt, d.ID)
		for _, p := range d.Parties {
			dt = tokens(tokens(tokens(dt, p.Name), p.FullName), p.Role)
		}
		for _, v := range d.Fields {
			dt = tokens(dt, v)
		}
		ok := true
		for _, t := range qt {
			ok = ok && slices.Contains(dt, t)
		}
		ok = ok && (q.Status == "" || d.Status == q.Status) && (q.Template == "" || d.Template == q.Template)
		ok = ok && (q.Party == "" || slices.ContainsFunc(d.Parties, func(p Party) bool { return p.IdentityID == q.Party }))
		ok = ok && (q.From.IsZero() || !d.Created.Before(q.From)) && (q.To.IsZero() || d.Created.Before(q.To))
		if ok {
			hit = append(hit, d)
		}
	}
	slices.SortStableFunc(hit, func(a, b *Doc) int { return b.Created.Compare(a.Created) })
	ids := make([]string, len(hit))
	for i, d := range hit {
		ids[i] = d.ID
	}
	return ids
}

// all pages through a query.
func all(t *testing.T, x *Index, q Query) []string {
	t.Helper()
	var out []string
	for range 1000 {
		ids, next, err := x.Search(context.Background(), q)
		if err != nil {
			t.Fatalf("%+v: %v", q, err)
		}
		out = append(out, ids...)
		if next == "" {
			return out
		}
		q.Cursor = next
	}
	t.Fatal("no end of pages")
	return nil
}

func TestIndexMatchesBruteForce(t *testing.T) {
	docs, g := genDocs(600)
	x, err := Open(t.TempDir(), testKey, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if _, err := x.State(); !errors.Is(err, ErrNeedsRebuild) {
		t.Fatalf("empty index: %v, want ErrNeedsRebuild", err)
	}
	if _, err := x.Rebuild(context.Background(), func() (*Doc, error) { return nil, nil }, 0); err != nil {
		t.Fatal(err)
	}
	// Incrementally in small batches, then status and title changes.
	for i := 0; i < len(docs); i += 50 {
		if err := x.Apply(docs[i:i+50], uint64(i+50), false); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < len(docs); i += 7 {
		d := *docs[i]
		d.Status, d.Title = "voided", d.Title+" 补充条款"
		docs[i] = &d
		if err := x.Apply([]*Doc{&d}, uint64(1000+i), false); err != nil {
			t.Fatal(err)
		}
	}
	if mark, err := x.State(); err != nil || mark != 1000+595 {
		t.Fatalf("state %d %v", mark, err)
	}
	mid := searchgen.Start.Add(searchgen.Span / 2)
	p := g.Person(3)
	queries := []Query{
		{},
		{Text: "租赁"},
		{Text: "租赁合同", Status: "completed"},
		{Text: "补充条款"},
		{Text: "补充条款", Status: "voided", Limit: 7},
		{Text: docs[10].Parties[1].Name},
		{Text: docs[20].Parties[0].Name + " " + docs[20].Title},
		{Status: "signing", From: mid},
		{Template: "labor", To: mid, Limit: 3},
		{Party: docs[30].Parties[0].IdentityID},
		{Party: p.IdentityID, Text: p.Name},
		{Text: "北京", Template: "house_lease", From: searchgen.Start.Add(searchgen.Span / 4), To: mid},
		{Text: strings.ToUpper(docs[40].ID)},
		{Text: "人民币"},
		{Text: "ＷＦ"},
		{Text: "没有这个词"},
		{Text: "，。！"},
		{Status: "nope"},
	}
	for _, q := range queries {
		got, w := all(t, x, q), want(docs, q)
		if !slices.Equal(got, w) {
			t.Errorf("%+v: %d hits, want %d", q, len(got), len(w))
		}
	}
	// A rebuild gives the same answers.
	i := 0
	n, err := x.Rebuild(context.Background(), func() (*Doc, error) {
		if i == len(docs) {
			return nil, nil
		}
		i++
		return docs[i-1], nil
	}, 42)
	if err != nil || n != len(docs) {
		t.Fatalf("rebuild: %d, %v", n, err)
	}
	if mark, err := x.State(); err != nil || mark != 42 {
		t.Fatalf("state after rebuild %d %v", mark, err)
	}
	for _, q := range queries {
		if got, w := all(t, x, q), want(docs, q); !slices.Equal(got, w) {
			t.Errorf("after rebuild %+v: %d hits, want %d", q, len(got), len(w))
		}
	}
}

func TestIndexOtherKeyNeedsRebuild(t *testing.T) {
	dir := t.TempDir()
	x, err := Open(dir, testKey, Options{})
	if err != nil {
		t.Fatal(err)
	}
	docs, _ := genDocs(10)
	i := 0
	if _, err := x.Rebuild(context.Background(), func() (*Doc, error) {
		if i == len(docs) {
			return nil, nil
		}
		i++
		return docs[i-1], nil
	}, 1); err != nil {
		t.Fatal(err)
	}
	x.Close()
	y, err := Open(dir, []byte("another key, also 32 bytes long."), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer y.Close()
	if _, err := y.State(); !errors.Is(err, ErrNeedsRebuild) {
		t.Fatalf("other key: %v, want ErrNeedsRebuild", err)
	}
}

func TestIndexHostileQueries(t *testing.T) {
	docs, _ := genDocs(300)
	x, err := Open(t.TempDir(), testKey, Options{Timeout: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if _, err := x.Rebuild(context.Background(), func() (*Doc, error) { return nil, nil }, 0); err != nil {
		t.Fatal(err)
	}
	if err := x.Apply(docs, 1, false); err != nil {
		t.Fatal(err)
	}
	many := ""
	for i := range MaxTerms + 1 {
		many += fmt.Sprintf("w%d ", i)
	}
	for _, c := range []struct {
		q     Query
		field string
	}{
		{Query{Text: strings.Repeat("合", MaxQueryBytes)}, "q"},
		{Query{Text: many}, "q"},
		{Query{Limit: MaxLimit + 1}, "limit"},
		{Query{Limit: -1}, "limit"},
		{Query{Cursor: "zz"}, "cursor"},
		{Query{Cursor: "00"}, "cursor"},
		{Query{Party: strings.Repeat("p", MaxFilter+1)}, "party"},
		{Query{Status: strings.Repeat("s", MaxFilter+1)}, "status"},
	} {
		_, _, err := x.Search(context.Background(), c.q)
		var qe *QueryError
		if !errors.As(err, &qe) || qe.Field != c.field {
			t.Errorf("%+v: %v, want a query error on %s", c.q, err, c.field)
		}
	}
	// A query whose lists barely meet runs out of its (here tiny) time.
	_, _, err = x.Search(context.Background(), Query{Text: "租赁 劳动", Limit: MaxLimit})
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("slow query: %v, want ErrTimeout", err)
	}
}

func TestTokens(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"房屋租赁合同", []string{"房屋", "屋租", "租赁", "赁合", "合同"}},
		{"张 伟", []string{"张", "伟"}},
		{"ＡＢＣ公司 Lease-2024", []string{"abc", "公司", "lease", "2024"}},
		{"wf-00ab", []string{"wf", "00ab"}},
		{"，。", nil},
		{strings.Repeat("x", 100), []string{strings.Repeat("x", maxTokenBytes)}},
	} {
		if got := tokens(nil, c.in); !slices.Equal(got, c.want) {
			t.Errorf("tokens(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
