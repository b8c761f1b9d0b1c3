package casepkg

import (
	"context"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/evidence/report"
)

// BenchmarkBuild builds b.N cases (from 50 loan notes, cycled) with
// GOMAXPROCS workers, and in the same process the baseline: one evidence
// report (evidence/report.Make) of the same bundles on one core, the
// largest part of a case. It reports cases/s and the ratio of a case's
// CPU cost to a report's; see docs/benchmarks.md.
func BenchmarkBuild(b *testing.B) {
	w := newWorld(b, 50)
	// Baseline: a report, single-threaded.
	c := w.contracts[w.order[0]]
	bundle := must(evidence.DecodeBundle(c.BundleJSON))
	res := must(evidence.NewVerifier(w.trust)).Verify(bundle, c.SignedPDF)
	f := must(NewFiler(w.s.PlatformCA(), "platform", "Platform", w.now))
	const baseN = 20
	start, cpu0 := time.Now(), cpuTime()
	for range baseN {
		must(report.Make(bundle, res, report.Options{IssuerOrg: report.Issuer{ID: "platform", Name: "Platform"}, Now: w.now,
			VerifyURL: testVerifyURL, FastCompression: true, Key: f.ReportKey, Cert: f.ReportCert, Chain: [][]byte{f.CACert}, BundleJSON: c.BundleJSON, Trust: w.trust}))
	}
	perReport := time.Since(start).Seconds() / baseN
	reportCPU := (cpuTime() - cpu0).Seconds() / baseN

	ids := make([]string, b.N)
	for i := range ids {
		ids[i] = w.order[i%len(w.order)]
	}
	bld := newBuilder(b, w)
	dir := b.TempDir()
	b.ResetTimer()
	start, cpu0 = time.Now(), cpuTime()
	batch, err := bld.Build(context.Background(), Request{Contracts: ids, Kind: KindLitigation, Institution: "court", BatchID: "B-BENCH"}, dir, nil)
	if err != nil {
		b.Fatal(err)
	}
	el := time.Since(start).Seconds()
	caseCPU := (cpuTime() - cpu0).Seconds() / float64(b.N)
	b.StopTimer()
	if len(batch.Cases) != b.N {
		b.Fatalf("%d cases built of %d: %v", len(batch.Cases), b.N, batch.Skipped[:min(3, len(batch.Skipped))])
	}
	rate := float64(b.N) / el
	b.ReportMetric(rate, "cases/s")
	b.ReportMetric(1/perReport, "baseline_reports/s")
	// CPU seconds, which a loaded machine does not inflate as it does the
	// wall clock: a case's CPU cost, its ratio to a report's, and the rate
	// the GOMAXPROCS cores reach when the build has them to itself (the
	// workers share nothing but the output directory).
	b.ReportMetric(caseCPU*1000, "cpu_ms/case")
	b.ReportMetric(caseCPU/reportCPU, "case/report_cpu")
	b.ReportMetric(float64(runtime.GOMAXPROCS(0))/caseCPU, "cases/s_on_idle_cores")
}

// cpuTime is the process's user and system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
