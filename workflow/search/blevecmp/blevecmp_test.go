// Package blevecmp measures bleve (scorch) on the contracts and queries of
// workflow/search's benchmark, to compare with the pebble index that
// workflow/search is. It is a module of its own so that bleve and its
// dependencies stay out of sealchain's go.mod:
//
//	cd workflow/search/blevecmp && SEALCHAIN_SEARCH_BENCH=100000 nice -n 10 go test -run '^$' -bench Bleve -benchtime 1x -timeout 3h .
package blevecmp

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/cjk"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/sealchain/sealchain/workflow/search/searchgen"
)

type doc struct {
	Text     string   `json:"text"`
	Status   string   `json:"status"`
	Template string   `json:"template"`
	Party    []string `json:"party"`
	Created  float64  `json:"created"` // unix ms
}

func toDoc(c searchgen.Contract) doc {
	d := doc{Text: c.Title + " " + c.ID, Status: c.Status, Template: c.Template, Created: float64(c.Created.UnixMilli())}
	for _, p := range c.Parties {
		d.Text += " " + p.Name + " " + p.Role
		d.Party = append(d.Party, p.IdentityID)
	}
	keys := make([]string, 0, len(c.Fields))
	for k := range c.Fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		d.Text += " " + c.Fields[k]
	}
	return d
}

func newMapping() mapping.IndexMapping {
	m := bleve.NewIndexMapping()
	dm := bleve.NewDocumentStaticMapping()
	text := bleve.NewTextFieldMapping()
	text.Analyzer, text.Store, text.IncludeTermVectors, text.IncludeInAll, text.DocValues = cjk.AnalyzerName, false, false, false, false
	kw := bleve.NewKeywordFieldMapping()
	kw.Store, kw.IncludeTermVectors, kw.IncludeInAll, kw.DocValues = false, false, false, false
	num := bleve.NewNumericFieldMapping()
	num.Store, num.IncludeInAll = false, false // doc values on: sorting reads them
	dm.AddFieldMappingsAt("text", text)
	dm.AddFieldMappingsAt("status", kw)
	dm.AddFieldMappingsAt("template", kw)
	dm.AddFieldMappingsAt("party", kw)
	dm.AddFieldMappingsAt("created", num)
	m.DefaultMapping = dm
	m.DefaultAnalyzer = keyword.Name
	m.StoreDynamic, m.IndexDynamic, m.DocValuesDynamic = false, false, false
	return m
}

func open(tb testing.TB, n int) (bleve.Index, float64, *searchgen.Gen, uint64) {
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("sealchain-bleve-bench-g%d-%d", searchgen.Version, n))
	g := searchgen.New(1, n)
	if secs, err := os.ReadFile(filepath.Join(dir, "build-seconds")); err == nil {
		ix, err := bleve.Open(filepath.Join(dir, "idx"))
		if err != nil {
			tb.Fatal(err)
		}
		f, _ := strconv.ParseFloat(string(secs), 64)
		return ix, f, g, dirSize(filepath.Join(dir, "idx"))
	}
	os.RemoveAll(dir)
	os.MkdirAll(dir, 0o700)
	ix, err := bleve.New(filepath.Join(dir, "idx"), newMapping())
	if err != nil {
		tb.Fatal(err)
	}
	gen := searchgen.New(1, n)
	start := time.Now()
	b := ix.NewBatch()
	for range n {
		c := gen.Next(n)
		if err := b.Index(c.ID, toDoc(c)); err != nil {
			tb.Fatal(err)
		}
		if b.Size() == 2000 {
			if err := ix.Batch(b); err != nil {
				tb.Fatal(err)
			}
			b.Reset()
		}
	}
	if err := ix.Batch(b); err != nil {
		tb.Fatal(err)
	}
	if err := ix.Close(); err != nil { // persists the segments
		tb.Fatal(err)
	}
	secs := time.Since(start).Seconds()
	os.WriteFile(filepath.Join(dir, "build-seconds"), fmt.Appendf(nil, "%.1f", secs), 0o600)
	if ix, err = bleve.Open(filepath.Join(dir, "idx")); err != nil {
		tb.Fatal(err)
	}
	return ix, secs, g, dirSize(filepath.Join(dir, "idx"))
}

func dirSize(dir string) uint64 {
	var n uint64
	filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			n += uint64(fi.Size())
		}
		return nil
	})
	return n
}

type bq struct {
	kind             string
	text             string
	status, template string
	party            string
	from, to         time.Time
	limit            int
}

// queries is workflow/search's benchQueries, in bleve's terms.
func queries(g *searchgen.Gen, count int) []bq {
	r := rand.New(rand.NewPCG(99, 99))
	statuses := []string{"completed", "signing", "draft", "voided", "expired"}
	tmpls := []string{"house_lease", "labor", "purchase", "loan", "nda"}
	month := func() (time.Time, time.Time) {
		from := searchgen.Start.AddDate(0, r.IntN(35), 0)
		return from, from.AddDate(0, 1, 0)
	}
	cities := searchgen.Cities()
	var out []bq
	for len(out) < count {
		p, o := g.Person(r.IntN(g.People())), g.Org(r.IntN(g.Orgs()))
		from, to := month()
		st, tp := statuses[r.IntN(len(statuses))], tmpls[r.IntN(len(tmpls))]
		out = append(out,
			bq{kind: "name", text: p.Name, limit: 20},
			bq{kind: "name+status", text: p.Name, status: st, limit: 20},
			bq{kind: "company+dates", text: o.Name, from: from, to: from.AddDate(0, 3, 0), limit: 20},
			bq{kind: "word+status+template+month", text: "租赁", status: st, template: "house_lease", from: from, to: to, limit: 20},
			bq{kind: "party", party: p.IdentityID, limit: 20},
			bq{kind: "status+month", status: st, from: from, to: to, limit: 50},
			bq{kind: "city+road+status", text: cities[r.IntN(len(cities))] + "人民路", status: st, limit: 20},
			bq{kind: "newest", limit: 50},
			bq{kind: "name+template", text: p.Name, template: tp, limit: 20},
			bq{kind: "two broad words+status", text: "合同 人民币", status: st, limit: 20},
		)
	}
	return out
}

func request(q bq) *bleve.SearchRequest {
	var qs []query.Query
	if q.text != "" {
		m := bleve.NewMatchQuery(q.text)
		m.SetField("text")
		m.Analyzer = cjk.AnalyzerName
		m.SetOperator(query.MatchQueryOperatorAnd)
		qs = append(qs, m)
	}
	for _, f := range []struct{ field, v string }{{"status", q.status}, {"template", q.template}, {"party", q.party}} {
		if f.v != "" {
			t := bleve.NewTermQuery(f.v)
			t.SetField(f.field)
			qs = append(qs, t)
		}
	}
	if !q.from.IsZero() {
		lo, hi := float64(q.from.UnixMilli()), float64(q.to.UnixMilli())
		incl, excl := true, false
		nr := bleve.NewNumericRangeInclusiveQuery(&lo, &hi, &incl, &excl)
		nr.SetField("created")
		qs = append(qs, nr)
	}
	var top query.Query = bleve.NewMatchAllQuery()
	if len(qs) > 0 {
		top = bleve.NewConjunctionQuery(qs...)
	}
	req := bleve.NewSearchRequestOptions(top, q.limit, 0, false)
	req.SortBy([]string{"-created", "_id"})
	return req
}

func run(tb testing.TB, ix bleve.Index, qs []bq) (all []time.Duration, by map[string][]time.Duration) {
	by = map[string][]time.Duration{}
	for _, q := range qs {
		t0 := time.Now()
		if _, err := ix.Search(request(q)); err != nil {
			tb.Fatalf("%+v: %v", q, err)
		}
		d := time.Since(t0)
		all = append(all, d)
		by[q.kind] = append(by[q.kind], d)
	}
	return all, by
}

func pct(ds []time.Duration, p float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, int(p*float64(len(s))))]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func BenchmarkBleve(b *testing.B) {
	v := os.Getenv("SEALCHAIN_SEARCH_BENCH")
	if v == "" {
		b.Skip("set SEALCHAIN_SEARCH_BENCH to a number of contracts")
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		b.Fatal(err)
	}
	base, baseSecs, bg, baseSize := open(b, 10_000)
	defer base.Close()
	big, bigSecs, g, bigSize := open(b, n)
	defer big.Close()
	bqs, qs := queries(bg, 2000), queries(g, 2000)
	run(b, base, bqs[:200])
	run(b, big, qs[:200])
	b.ResetTimer()
	var lb, lx []time.Duration
	var by, bby map[string][]time.Duration
	for range b.N {
		lb, bby = run(b, base, bqs)
		lx, by = run(b, big, qs)
	}
	b.StopTimer()
	b.ReportMetric(ms(pct(lx, 0.99)), "p99-ms")
	b.ReportMetric(float64(pct(lx, 0.99))/float64(pct(lb, 0.99)), "p99-ratio-to-10k")
	fmt.Printf("bleve index of %d: built in %.0f s, %.0f MiB; 10000: %.1f s, %.1f MiB\n", n, bigSecs, float64(bigSize)/(1<<20), baseSecs, float64(baseSize)/(1<<20))
	fmt.Printf("%-28s %9s %9s %9s | %9s %9s\n", "query", "p50 ms", "p95 ms", "p99 ms", "10k p99", "ratio")
	kinds := make([]string, 0, len(by))
	for k := range by {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	for _, k := range append(kinds, "all") {
		d, db := by[k], bby[k]
		if k == "all" {
			d, db = lx, lb
		}
		fmt.Printf("%-28s %9.2f %9.2f %9.2f | %9.2f %9.1f\n", k, ms(pct(d, 0.5)), ms(pct(d, 0.95)), ms(pct(d, 0.99)), ms(pct(db, 0.99)), float64(pct(d, 0.99))/float64(pct(db, 0.99)))
	}
	t0 := time.Now()
	res, err := big.Search(request(bq{text: "出租方 劳动者", limit: 200}))
	fmt.Printf("worst \"出租方 劳动者\": %v, %d hits, err %v\n", time.Since(t0).Round(time.Millisecond), res.Total, err)
}
