package search

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sealchain/sealchain/workflow/search/searchgen"
)

// BenchEnv turns the scale benchmark on; its value is the number of
// contracts ("1" means 1,000,000).
const BenchEnv = "SEALCHAIN_SEARCH_BENCH"

// baseline is the size the scale run compares itself with.
const baseline = 10_000

// BenchIndex opens, building once, the index of n generated contracts in
// a temp directory keyed by the generator's and the index's versions. It
// returns the index, the seconds the build took and the generator.
func BenchIndex(tb testing.TB, n int) (*Index, float64, *searchgen.Gen) {
	tb.Helper()
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("sealchain-search-bench-g%d-f%d-%d", searchgen.Version, formatVersion, n))
	x, err := Open(dir, testKey, Options{CacheBytes: 256 << 20})
	if err != nil {
		tb.Fatal(err)
	}
	g := searchgen.New(1, n)
	if mark, err := x.State(); err == nil && mark == uint64(n) {
		secs, _ := os.ReadFile(filepath.Join(dir, "build-seconds"))
		f, _ := strconv.ParseFloat(strings.TrimSpace(string(secs)), 64)
		return x, f, g
	}
	tb.Logf("building the index of %d contracts in %s", n, dir)
	gen := searchgen.New(1, n)
	i := 0
	start := time.Now()
	if _, err := x.Rebuild(context.Background(), func() (*Doc, error) {
		if i == n {
			return nil, nil
		}
		i++
		return FromGen(gen.Next(n)), nil
	}, uint64(n)); err != nil {
		tb.Fatal(err)
	}
	if err := x.Compact(); err != nil {
		tb.Fatal(err)
	}
	secs := time.Since(start).Seconds()
	os.WriteFile(filepath.Join(dir, "build-seconds"), fmt.Appendf(nil, "%.1f", secs), 0o600)
	return x, secs, g
}

type benchQuery struct {
	kind string
	q    Query
}

// benchQueries is the mix: what a platform's staff and API clients ask.
func benchQueries(g *searchgen.Gen, count int) []benchQuery {
	r := rand.New(rand.NewPCG(99, 99))
	statuses := []string{"completed", "signing", "draft", "voided", "expired"}
	tmpls := []string{"house_lease", "labor", "purchase", "loan", "nda"}
	month := func() (time.Time, time.Time) {
		from := searchgen.Start.AddDate(0, r.IntN(35), 0)
		return from, from.AddDate(0, 1, 0)
	}
	cities := searchgen.Cities()
	var out []benchQuery
	for len(out) < count {
		p, o := g.Person(r.IntN(g.People())), g.Org(r.IntN(g.Orgs()))
		from, to := month()
		st, tp := statuses[r.IntN(len(statuses))], tmpls[r.IntN(len(tmpls))]
		out = append(out,
			benchQuery{"name", Query{Text: p.Name, Limit: 20}},
			benchQuery{"name+status", Query{Text: p.Name, Status: st, Limit: 20}},
			benchQuery{"company+dates", Query{Text: o.Name, From: from, To: from.AddDate(0, 3, 0), Limit: 20}},
			benchQuery{"word+status+template+month", Query{Text: "租赁", Status: st, Template: "house_lease", From: from, To: to, Limit: 20}},
			benchQuery{"party", Query{Party: p.IdentityID, Limit: 20}},
			benchQuery{"status+month", Query{Status: st, From: from, To: to, Limit: 50}},
			benchQuery{"city+road+status", Query{Text: cities[r.IntN(len(cities))] + "人民路", Status: st, Limit: 20}},
			benchQuery{"newest", Query{Limit: 50}},
			benchQuery{"name+template", Query{Text: p.Name, Template: tp, Limit: 20}},
			benchQuery{"two broad words+status", Query{Text: "合同 人民币", Status: st, Limit: 20}},
		)
	}
	return out
}

type latencies struct {
	all, cpu    []time.Duration
	byKind, cpk map[string][]time.Duration
	steps       int
}

// threadCPU is the CPU time of the calling OS thread: on a machine whose
// cores other processes share, it is what a query would take on a core of
// its own (the index's pages are in memory after the warm-up).
func threadCPU() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return 0
	}
	return time.Duration(ts.Nano())
}

func runQueries(tb testing.TB, x *Index, qs []benchQuery) latencies {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	l := latencies{byKind: map[string][]time.Duration{}, cpk: map[string][]time.Duration{}}
	for _, bq := range qs {
		c0, t0 := threadCPU(), time.Now()
		_, _, st, err := x.SearchStats(context.Background(), bq.q)
		d, c := time.Since(t0), threadCPU()-c0
		if err != nil {
			tb.Fatalf("%s %+v: %v", bq.kind, bq.q, err)
		}
		l.all, l.cpu = append(l.all, d), append(l.cpu, c)
		l.byKind[bq.kind] = append(l.byKind[bq.kind], d)
		l.cpk[bq.kind] = append(l.cpk[bq.kind], c)
		l.steps += st.Steps
	}
	return l
}

func pct(ds []time.Duration, p float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, int(p*float64(len(s))))]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// BenchmarkSearchScale builds (once, cached) an index of a million
// generated contracts and one of 10,000, runs the same query mix on both
// and reports p50/p95/p99 and the ratio of the p99s. Off unless
// SEALCHAIN_SEARCH_BENCH is set:
//
//	SEALCHAIN_SEARCH_BENCH=1 nice -n 10 go test -run '^$' -bench SearchScale -benchtime 1x -timeout 3h ./workflow/search/
func BenchmarkSearchScale(b *testing.B) {
	v := os.Getenv(BenchEnv)
	if v == "" {
		b.Skip("set " + BenchEnv + "=1 (a million contracts) or a number of contracts")
	}
	n := 1_000_000
	if v != "1" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			b.Fatal(err)
		}
	}
	base, baseSecs, bg := BenchIndex(b, baseline)
	defer base.Close()
	big, bigSecs, g := BenchIndex(b, n)
	defer big.Close()
	const count = 2000
	bqs, qs := benchQueries(bg, count), benchQueries(g, count)
	runQueries(b, base, bqs[:200]) // warm the caches
	runQueries(b, big, qs[:200])
	b.ResetTimer()
	var lb, lx latencies
	for range b.N {
		lb, lx = runQueries(b, base, bqs), runQueries(b, big, qs)
	}
	b.StopTimer()
	p99b, p99 := pct(lb.all, 0.99), pct(lx.all, 0.99)
	b.ReportMetric(ms(pct(lx.all, 0.50)), "p50-ms")
	b.ReportMetric(ms(pct(lx.all, 0.95)), "p95-ms")
	b.ReportMetric(ms(p99), "p99-ms")
	b.ReportMetric(float64(p99)/float64(p99b), "p99-ratio-to-10k")
	b.ReportMetric(ms(pct(lx.cpu, 0.99)), "p99-cpu-ms")
	fmt.Printf("index of %d: built in %.0f s, %.0f MiB; baseline %d: %.1f s, %.1f MiB\n",
		n, bigSecs, float64(big.Size())/(1<<20), baseline, baseSecs, float64(base.Size())/(1<<20))
	fmt.Printf("%-28s %9s %9s %9s | %9s %9s | %9s %9s %9s %9s\n", "query (20-50 per page)", "p50 ms", "p95 ms", "p99 ms", "10k p99", "ratio",
		"cpu p50", "cpu p95", "cpu p99", "10k cpu99")
	kinds := make([]string, 0, len(lx.byKind))
	for k := range lx.byKind {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	for _, k := range append(kinds, "all") {
		d, db, c, cb := lx.byKind[k], lb.byKind[k], lx.cpk[k], lb.cpk[k]
		if k == "all" {
			d, db, c, cb = lx.all, lb.all, lx.cpu, lb.cpu
		}
		fmt.Printf("%-28s %9.2f %9.2f %9.2f | %9.2f %9.1f | %9.2f %9.2f %9.2f %9.2f\n", k, ms(pct(d, 0.5)), ms(pct(d, 0.95)), ms(pct(d, 0.99)),
			ms(pct(db, 0.99)), float64(pct(d, 0.99))/float64(pct(db, 0.99)),
			ms(pct(c, 0.5)), ms(pct(c, 0.95)), ms(pct(c, 0.99)), ms(pct(cb, 0.99)))
	}
	fmt.Printf("posting positions visited per query: %d (10k: %d)\n", lx.steps/len(lx.all), lb.steps/len(lb.all))
	worst(b, big)
}

// worst runs the most expensive queries we could build against the big
// index, without its time limit, to measure what the limit cuts off.
func worst(b *testing.B, x *Index) {
	for _, q := range []Query{
		{Text: "出租方 劳动者", Limit: MaxLimit},                              // two lists of 25% each that never meet
		{Text: "出租方 劳动者 借款人 供货方", Status: "completed", Limit: MaxLimit}, // more of them
		{Text: strings.Repeat("合同", MaxTerms/2), Limit: MaxLimit},
	} {
		old := x.timeout
		x.timeout = time.Hour
		t0 := time.Now()
		ids, _, st, err := x.SearchStats(context.Background(), q)
		fmt.Printf("worst %q status=%q: %v, %d hits, %d steps, err %v\n", q.Text, q.Status, time.Since(t0).Round(time.Millisecond), len(ids), st.Steps, err)
		x.timeout = old
	}
}
