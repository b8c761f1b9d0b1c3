package casepkg

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sealchain/sealchain/evidence"
)

const testVerifyURL = "https://platform.example/verify"

func newBuilder(t testing.TB, w *world, opts ...BuilderOption) *Builder {
	t.Helper()
	s := w.s
	opts = append([]BuilderOption{WithClock(func() time.Time { return w.now }), WithFont(testFont(t))}, opts...)
	return must(NewBuilder(w, w.trust, s.PlatformCA(), "platform", testVerifyURL, opts...))
}

// TestBuildVerifyBatch builds loan-note cases for the court (30; 10 with
// -short; SEALCHAIN_CASEPKG_CASES=200 in make test-faults), verifies the
// batch directory, and checks skips are listed.
func TestBuildVerifyBatch(t *testing.T) {
	n := 30
	if testing.Short() {
		n = 10
	}
	if v, err := strconv.Atoi(os.Getenv("SEALCHAIN_CASEPKG_CASES")); err == nil && v >= 5 {
		n = v
	}
	start := time.Now()
	w := newWorld(t, n)
	t.Logf("fixture: %d contracts in %s", n, time.Since(start))
	// One voided, one whose borrower has no address for service, one unknown.
	w.contracts[w.order[1]].Status, w.contracts[w.order[1]].StatusReason = "voided", "withdrawn by the lender"
	w.contracts[w.order[2]].Parties[0].Identity = &Identity{Kind: "person", Name: "借款人2", IDNumber: "110105199001000002"}
	ids := append(append([]string{}, w.order...), "no-such-contract")
	dir := t.TempDir()
	var last Progress
	start = time.Now()
	b := newBuilder(t, w)
	batch, err := b.Build(context.Background(), Request{Contracts: ids, Kind: KindLitigation, Institution: "court", BatchID: "B-TEST"}, dir,
		func(p Progress) { last = p })
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("built %d cases in %s", len(batch.Cases), time.Since(start))
	if len(batch.Cases) != n-2 || len(batch.Skipped) != 3 {
		t.Fatalf("%d cases, %d skipped (%v), want %d and 3", len(batch.Cases), len(batch.Skipped), batch.Skipped, n-2)
	}
	if last.Done != n+1 || last.Built != n-2 || last.Skipped != 3 {
		t.Errorf("last progress %+v", last)
	}
	for i, want := range []string{"voided (withdrawn by the lender)", "party 0 (borrower, the defendant) lacks identity data: no address for service", "no such contract"} {
		s := batch.Skipped[i]
		if s.Contract != ids[[]int{1, 2, n}[i]] || !strings.Contains(s.Reason, want) {
			t.Errorf("skipped[%d] = %+v, want %s: %q", i, s, ids[[]int{1, 2, n}[i]], want)
		}
	}
	csv := must(os.ReadFile(filepath.Join(dir, "batch.csv")))
	if !strings.Contains(string(csv), "no-such-contract") || strings.Count(string(csv), "\n") != n+2 {
		t.Errorf("batch.csv:\n%s", csv)
	}
	start = time.Now()
	res := must(VerifyBatch(dir, w.trust, w.now.Add(time.Hour), 0))
	t.Logf("verified %d packages in %s", len(res.Cases), time.Since(start))
	if !res.OK {
		for _, c := range res.Cases {
			if c.Err != "" || !c.Result.OK {
				t.Fatalf("case %s: %s %v %v", c.CaseID, c.Err, c.Result.Failed(), c.Result.Err())
			}
		}
		t.Fatalf("batch: %s", res.Err)
	}
	// An altered package fails in the batch, naming it.
	p := filepath.Join(dir, batch.Cases[0].Package)
	z := must(os.ReadFile(p))
	z[len(z)/2] ^= 1
	if err := os.WriteFile(p, z, 0o644); err != nil {
		t.Fatal(err)
	}
	res = must(VerifyBatch(dir, w.trust, w.now.Add(time.Hour), 0))
	if res.OK || !strings.Contains(res.Cases[0].Err, batch.Cases[0].Package) {
		t.Fatalf("altered package: ok %v, %q", res.OK, res.Cases[0].Err)
	}
}

// oneCase builds one package for the court.
func oneCase(t testing.TB, w *world, kind, inst string) ([]byte, *BatchCase) {
	t.Helper()
	dir := t.TempDir()
	b := newBuilder(t, w)
	batch := must(b.Build(context.Background(), Request{Contracts: w.order[:1], Kind: kind, Institution: inst, BatchID: "B1"}, dir, nil))
	if len(batch.Cases) != 1 {
		t.Fatalf("skipped: %v", batch.Skipped)
	}
	return must(os.ReadFile(filepath.Join(dir, batch.Cases[0].Package))), &batch.Cases[0]
}

// rezip rewrites a package with fn applied to its files.
func rezip(t testing.TB, pkg []byte, fn func(name string, data []byte) []byte) []byte {
	t.Helper()
	zr := must(zip.NewReader(bytes.NewReader(pkg), int64(len(pkg))))
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		rc := must(f.Open())
		var data bytes.Buffer
		if _, err := data.ReadFrom(rc); err != nil {
			t.Fatal(err)
		}
		rc.Close()
		out := fn(f.Name, data.Bytes())
		if out == nil {
			continue
		}
		wr := must(zw.Create(f.Name))
		wr.Write(out)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestEveryFileAltered changes one byte of each file of a package in turn
// (first, middle and last) and expects Verify to fail naming that file.
func TestEveryFileAltered(t *testing.T) {
	w := newWorld(t, 1)
	pkg, _ := oneCase(t, w, KindLitigation, "court")
	now := w.now.Add(time.Hour)
	res := must(Verify(pkg, w.trust, now))
	if !res.OK {
		t.Fatalf("honest package: %v %v", res.Failed(), res.Err())
	}
	files := must(ReadZip(pkg))
	if len(files) < 10 {
		t.Fatalf("%d files", len(files))
	}
	for name, data := range files {
		for _, at := range []int{0, len(data) / 2, len(data) - 1} {
			bad := rezip(t, pkg, func(n string, d []byte) []byte {
				if n != name {
					return d
				}
				d = bytes.Clone(d)
				d[at] ^= 0x20
				return d
			})
			r := must(Verify(bad, w.trust, now))
			err := r.Err()
			if r.OK || err == nil || !strings.Contains(err.Error(), name) {
				t.Errorf("%s altered at %d: ok %v, error %v", name, at, r.OK, err)
			}
		}
	}
	// A file added or removed fails too, naming it.
	extra := rezip(t, pkg, func(n string, d []byte) []byte { return d })
	extra = addEntry(t, extra, "claim/extra.pdf", []byte("%PDF-1.7"))
	if r := must(Verify(extra, w.trust, now)); r.OK || !strings.Contains(r.Err().Error(), "claim/extra.pdf") {
		t.Errorf("extra file: %v", r.Err())
	}
	gone := rezip(t, pkg, func(n string, d []byte) []byte {
		if n == PathStatement {
			return nil
		}
		return d
	})
	if r := must(Verify(gone, w.trust, now)); r.OK || !strings.Contains(r.Err().Error(), PathStatement) {
		t.Errorf("missing file: %v", r.Err())
	}
}

func addEntry(t testing.TB, pkg []byte, name string, data []byte) []byte {
	t.Helper()
	zr := must(zip.NewReader(bytes.NewReader(pkg), int64(len(pkg))))
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		if err := zw.Copy(f); err != nil {
			t.Fatal(err)
		}
	}
	wr := must(zw.Create(name))
	wr.Write(data)
	zw.Close()
	return buf.Bytes()
}

// TestArbitrationAndRequests: an arbitration case carries an application,
// and bad requests are refused with the field.
func TestArbitrationAndRequests(t *testing.T) {
	w := newWorld(t, 1)
	pkg, c := oneCase(t, w, KindArbitration, "arbitration")
	res := must(Verify(pkg, w.trust, w.now.Add(time.Hour)))
	if !res.OK || c.Kind != KindArbitration || res.Manifest.Institution != "arbitration" {
		t.Fatalf("arbitration: %v %v", res.Failed(), res.Err())
	}
	if _, ok := res.Manifest.file(PathApplication); !ok {
		t.Fatal("no arbitration application")
	}
	b := newBuilder(t, w)
	for _, tc := range []struct {
		req   Request
		field string
	}{
		{Request{Contracts: w.order, Kind: "appeal", Institution: "court"}, "kind"},
		{Request{Contracts: w.order, Kind: KindLitigation, Institution: "arbitration"}, "institution"},
		{Request{Contracts: w.order, Kind: KindArbitration, Institution: "court"}, "institution"},
		{Request{Contracts: w.order, Kind: KindLitigation, Institution: "nobody"}, "institution"},
		{Request{Kind: KindLitigation, Institution: "court"}, "contracts"},
		{Request{Contracts: w.order, Query: &Query{}, Kind: KindLitigation, Institution: "court"}, "query"},
		{Request{Contracts: w.order, Kind: KindLitigation, Institution: "court", BatchID: "../x"}, "batch_id"},
	} {
		_, err := b.Build(context.Background(), tc.req, t.TempDir(), nil)
		var re *RequestError
		if !errors.As(err, &re) || re.Field != tc.field {
			t.Errorf("%+v: %v, want field %s", tc.req, err, tc.field)
		}
	}
	// A query selects by template and counterparty.
	batch := must(b.Build(context.Background(), Request{Query: &Query{Template: "loan_note", Counterparty: "借款人0"}, Kind: KindLitigation, Institution: "court"}, t.TempDir(), nil))
	if len(batch.Cases) != 1 || batch.Cases[0].Contracts[0] != w.order[0] {
		t.Fatalf("query: %+v", batch)
	}
}

// TestSignatureTrust: a package signed by another organisation's CA, or
// claiming another filer, fails the signature check.
func TestSignatureTrust(t *testing.T) {
	w := newWorld(t, 1)
	pkg, _ := oneCase(t, w, KindLitigation, "court")
	now := w.now.Add(time.Hour)
	files := must(ReadZip(pkg))
	m := must(DecodeManifest(files[PathManifest]))
	m.Filer = "other"
	mj := must(m.Encode())
	bad := rezip(t, pkg, func(n string, d []byte) []byte {
		switch n {
		case PathManifest:
			return mj
		case PathManifestCSV:
			return m.CSV()
		}
		return d
	})
	r := must(Verify(bad, w.trust, now))
	if r.OK || !strings.Contains(r.Err().Error(), PathSignature) {
		t.Fatalf("other filer: %v", r.Err())
	}
	// Re-signed by a certificate of the court's CA with the platform's CN.
	f := must(NewFiler(w.s.Court.CA, "platform", "x", w.now))
	mj = must(files[PathManifest], nil)
	sig := must(f.Key.Sign(nil, append([]byte(SignatureDomain), mj...)))
	sj := []byte(`{"format":"` + SignatureFormat + `","algorithm":"sm2-sm3","cert":"` + b64(f.Cert) + `","signature":"` + b64(sig) + `"}`)
	bad = rezip(t, pkg, func(n string, d []byte) []byte {
		if n == PathSignature {
			return sj
		}
		return d
	})
	r = must(Verify(bad, w.trust, now))
	if r.OK || !strings.Contains(r.Err().Error(), "not the filer platform's") {
		t.Fatalf("court-signed: %v", r.Err())
	}
}

// TestWriteTestdata writes testdata/case.zip and testdata/genesis.json
// (the CLI's offline tests read them) when SEALCHAIN_CASEPKG_TESTDATA=1.
func TestWriteTestdata(t *testing.T) {
	if os.Getenv("SEALCHAIN_CASEPKG_TESTDATA") != "1" {
		t.Skip("set SEALCHAIN_CASEPKG_TESTDATA=1 to rewrite testdata/")
	}
	w := newWorld(t, 1)
	pkg, _ := oneCase(t, w, KindLitigation, "court")
	if err := os.MkdirAll("testdata", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("testdata/case.zip", pkg, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("testdata/genesis.json", w.s.Genesis(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestCheckedInPackage: the checked-in package still verifies.
func TestCheckedInPackage(t *testing.T) {
	pkg := must(os.ReadFile("testdata/case.zip"))
	trust := must(evidence.LoadTrust("testdata/genesis.json"))
	if r := must(Verify(pkg, trust, time.Now())); !r.OK {
		t.Fatalf("%v %v", r.Failed(), r.Err())
	}
}
