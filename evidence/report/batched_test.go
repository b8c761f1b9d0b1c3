package report

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/internal/conformance"
)

// batchedFixture is a synthetic chain's bundle of a contract whose
// timeline came in one batch (conformance.Synth), verified.
func batchedFixture(t *testing.T) (*fixture, *evidence.Bundle) {
	t.Helper()
	genesis, b, err := conformance.BatchedContract("batched-report-contract")
	if err != nil {
		t.Fatal(err)
	}
	trust, err := evidence.ParseTrust(genesis)
	if err != nil {
		t.Fatal(err)
	}
	v, err := evidence.NewVerifier(trust)
	if err != nil {
		t.Fatal(err)
	}
	res := v.Verify(b, nil)
	if !res.OK {
		t.Fatalf("batched bundle does not verify: %v", res.Failed())
	}
	raw, err := b.Encode()
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t)
	// The synthetic chain's genesis, plus the issuer newFixture made.
	tr := *trust
	tr.Orgs = append(slices.Clone(trust.Orgs), f.trust.Orgs[len(f.trust.Orgs)-1])
	f.raw, f.bundle, f.res, f.trust = raw, b, res, &tr
	return f, b
}

// TestBatchedRecordReport: a record that came in a batch shows, in the
// report's text, its place in the batch, the batch's root and the
// credential that signed the envelope, in Chinese and English.
func TestBatchedRecordReport(t *testing.T) {
	f, b := batchedFixture(t)
	out := f.make(t)
	if p := os.Getenv("SEALCHAIN_REPORT_OUT"); p != "" {
		if err := os.WriteFile(p, out, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rv, _, err := evidence.Describe(b.Records[2].Leaf)
	if err != nil || rv.Batch == nil {
		t.Fatalf("record 2 describes without its batch: %v", err)
	}
	want := []string{"批次 Batch", "第 2 条，共 4 条", "record 2 of 4", "envelope by platform", rv.Batch.Root, rv.Batch.Credential, "信封凭证 Credential"}
	for name, text := range map[string]string{"pdftotext": pdftotext(t, out), "own": ownText(t, out)} {
		for _, s := range want {
			if !strings.Contains(text, s) {
				t.Errorf("%s output lacks %q", name, s)
			}
		}
	}
	l := rv.Batch.Label()
	if !strings.Contains(l.En, "batch: record 2 of 4, root "+rv.Batch.Root+", envelope by platform credential "+rv.Batch.Credential) || !strings.Contains(l.Zh, "批次：第 2 条") {
		t.Errorf("label %+v", l)
	}
}
