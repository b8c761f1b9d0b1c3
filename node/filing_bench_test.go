package node

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/store"
	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/config"
	"github.com/sealchain/sealchain/internal/nodetest"
	"github.com/sealchain/sealchain/internal/testport"
	"github.com/sealchain/sealchain/node/nodehome"
	"github.com/sealchain/sealchain/signer"
)

// BenchmarkFiling10k files 10,000 cases with a court from a platform that
// is the only validator (100 ms blocks), as `sealchain case file` does:
// ten POST /v1/filings of 1000 cases, each one batch transaction, each
// answered once committed. The baseline, in the same run, is the same
// node committing the 10,000 contracts the cases name: ten batches of
// 1000 contract_created records through POST /v1/txs?wait=commit.
//
// Then the court's node (an observer that follows the chain) pages its
// inbox of 10,000 cases over HTTP, 100 a page, and reports the p50 and p99
// of a page; the baseline is what the inbox did before the case index: a
// scan of every case, filtered by institution and status, then sorted.
//
// Run once: go test ./node -run '^$' -bench BenchmarkFiling10k -benchtime 1x
func BenchmarkFiling10k(b *testing.B) {
	const n = 10000
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	homes, err := nodehome.Testnet(nodehome.TestnetOptions{Out: b.TempDir(), ChainID: "filing-bench", BasePort: freeBaseB(b, 3),
		BlockInterval: 100 * time.Millisecond, Validators: []string{"platform"}, Observers: []string{"court"}})
	if err != nil {
		b.Fatal(err)
	}
	nodes := map[string]*Node{}
	api := map[string]*client.Client{}
	for _, tn := range homes {
		cfg, err := config.Load(tn.Home)
		if err != nil {
			b.Fatal(err)
		}
		cfg.API.Auth = config.AuthOpen // no query_logged records in the measurement
		cfg.Log.Level = "error"
		if err := cfg.Save(tn.Home); err != nil {
			b.Fatal(err)
		}
		nd, err := New(tn.Home, withoutAPIContract("a benchmark: validation would be in the measured time"), WithLogger(NewLogger(discard{}, config.Log{Level: "error", Format: "text"})))
		if err != nil {
			b.Fatal(err)
		}
		sctx, scancel := context.WithTimeout(ctx, time.Minute)
		err = nd.Start(sctx)
		scancel()
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { nd.Stop() })
		nodes[tn.Org] = nd
		if api[tn.Org], err = client.New("http://"+tn.API, &http.Client{Timeout: 5 * time.Minute}); err != nil {
			b.Fatal(err)
		}
	}
	ph := nodehome.Home(homes[slices.IndexFunc(homes, func(h nodehome.TestnetNode) bool { return h.Org == "platform" })].Home)
	sub, err := client.LoadSubmitter("filing-bench", "platform", ph.SubmitterCert(), ph.SubmitterKey())
	if err != nil {
		b.Fatal(err)
	}
	ca, err := signer.LoadCA(ph.CACert(), ph.CAKey())
	if err != nil {
		b.Fatal(err)
	}
	k, _ := signer.GenerateKey(signer.AlgSM2, nil)
	now := time.Now().Add(-time.Hour)
	der, err := ca.Issue(k.Public(), signer.IssueOptions{SubjectRef: "sc-bench", Usage: signer.UsageSigner, NotBefore: now, NotAfter: now.AddDate(1, 0, 0)}, nil)
	if err != nil {
		b.Fatal(err)
	}
	pc := api["platform"]
	raw, _ := sub.Build(&chain.CertIssued{Cert: der}, nil)
	if _, err := pc.Submit(ctx, raw, true); err != nil {
		b.Fatal(err)
	}
	// Baseline: the contracts, 1000 a batch.
	b.ResetTimer()
	t0 := time.Now()
	for from := 0; from < n; from += 1000 {
		var items []*chain.Tx
		for i := from; i < from+1000; i++ {
			id := fmt.Sprintf("loan-%05d", i)
			doc := sm3.Sum([]byte(id))
			it, err := sub.BuildItem(&chain.ContractCreated{Contract: id, DocSM3: doc[:], DocSHA256: doc[:],
				Parties: []chain.Fingerprint{chain.FingerprintOf(der)}, Order: chain.OrderSequential}, nil)
			if err != nil {
				b.Fatal(err)
			}
			items = append(items, it)
		}
		raw, err := sub.BuildBatch(items)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := pc.Submit(ctx, raw, true); err != nil {
			b.Fatal(err)
		}
	}
	contracts := time.Since(t0)
	b.StopTimer()

	// The packages, on the filer's node (untimed: building them is the
	// package builder's benchmark).
	dir := ph.Path("data", "casepkg")
	os.MkdirAll(dir, 0o700)
	var cases []client.FilingCase
	for i := range n {
		id := fmt.Sprintf("lit-%05d", i)
		z := []byte(fmt.Sprintf("PK\x05\x06 case %s: a stand-in for its zip, %0500d", id, i))
		if err := os.WriteFile(filepath.Join(dir, id+".zip"), z, 0o600); err != nil {
			b.Fatal(err)
		}
		h := sm3.Sum(z)
		cases = append(cases, client.FilingCase{CaseID: id, Institution: "court", Kind: "litigation",
			Contracts: []string{fmt.Sprintf("loan-%05d", i)}, SM3: fmt.Sprintf("%x", h[:]), Size: int64(len(z))})
	}
	b.StartTimer()
	t1 := time.Now()
	filed := 0
	for from := 0; from < n; from += client.MaxFilingRequest {
		res, err := pc.FileCases(ctx, client.FilingBatch{BatchID: "bench", Filer: "platform", Cases: cases[from : from+client.MaxFilingRequest]})
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Refused) > 0 {
			b.Fatalf("refused: %+v", res.Refused[0])
		}
		filed += len(res.Filed)
	}
	filing := time.Since(t1)
	b.StopTimer()
	if filed != n {
		b.Fatalf("filed %d", filed)
	}

	// The court's inbox, on its own node.
	court := nodes["court"]
	nodetest.WaitFor(b, 2*time.Minute, "the court's node has every case", func() bool {
		_, ok, _ := court.Store().View().Case(cases[n-1].CaseID)
		return ok
	})
	cc := api["court"]
	var pages []time.Duration
	for round := 0; round < 3; round++ {
		var after uint64
		seen := 0
		for {
			t := time.Now()
			p, err := cc.Cases(ctx, client.CaseQuery{Status: "pending", Limit: 100, After: after})
			if err != nil {
				b.Fatal(err)
			}
			pages = append(pages, time.Since(t))
			seen += len(p.Cases)
			if !p.More {
				break
			}
			after = p.Next
		}
		if seen != n {
			b.Fatalf("inbox pages hold %d cases", seen)
		}
	}
	sort.Slice(pages, func(i, j int) bool { return pages[i] < pages[j] })
	p50, p99 := pages[len(pages)/2], pages[len(pages)*99/100]
	// Baseline: the scan the inbox made before the index, for one page.
	var scans []time.Duration
	for range 10 {
		t := time.Now()
		var list []*chain.CaseState
		court.Store().View().Cases(func(cs *chain.CaseState) bool {
			if cs.Institution == "court" && cs.Status == chain.CasePending {
				list = append(list, cs)
			}
			return true
		})
		sort.Slice(list, func(i, j int) bool { return list[i].OpenedIn > list[j].OpenedIn })
		scans = append(scans, time.Since(t))
	}
	sort.Slice(scans, func(i, j int) bool { return scans[i] < scans[j] })
	var idx []time.Duration
	for range 100 {
		t := time.Now()
		if _, err := court.Store().View().ListCases(store.CaseFilter{Org: "court", Status: chain.CasePending, Limit: 100}); err != nil {
			b.Fatal(err)
		}
		idx = append(idx, time.Since(t))
	}
	sort.Slice(idx, func(i, j int) bool { return idx[i] < idx[j] })

	b.ReportMetric(filing.Seconds(), "filing-s")
	b.ReportMetric(float64(n)/filing.Seconds(), "cases/s")
	b.ReportMetric(float64(n)/contracts.Seconds(), "baseline-contracts/s")
	b.ReportMetric(contracts.Seconds()/filing.Seconds(), "ratio-filing/contracts")
	b.ReportMetric(float64(p50.Microseconds())/1000, "page-p50-ms")
	b.ReportMetric(float64(p99.Microseconds())/1000, "page-p99-ms")
	b.ReportMetric(float64(idx[len(idx)/2].Microseconds())/1000, "index-page-ms")
	b.ReportMetric(float64(scans[len(scans)/2].Microseconds())/1000, "scan-page-ms")
	b.ReportMetric(float64(scans[len(scans)/2])/float64(idx[len(idx)/2]), "ratio-scan/index")
}

// freeBaseB is freeBase for a benchmark.
func freeBaseB(tb testing.TB, n int) int {
	tb.Helper()
	base, err := testport.Block(10 * n)
	if err != nil {
		tb.Fatal(err)
	}
	return base
}
