package workflow

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble"

	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/signer"
	"github.com/sealchain/sealchain/workflow/filestore"
	"github.com/sealchain/sealchain/workflow/template"
)

// testTemplates renders the built-in templates with the CJK font.
type testTemplates struct {
	once sync.Once
	font *template.Font
	err  error
}

func (tt *testTemplates) Render(_ context.Context, id string, fields map[string]string) ([]byte, []RoleArea, error) {
	tt.once.Do(func() { tt.font, tt.err = template.LoadFont(template.DefaultFontPath) })
	if tt.err != nil {
		return nil, nil, tt.err
	}
	t, err := template.Builtin(id)
	if err != nil {
		return nil, nil, err
	}
	doc, err := t.Render(fields, template.WithFont(tt.font))
	if err != nil {
		return nil, nil, err
	}
	areas := make([]RoleArea, len(doc.Areas))
	for i, a := range doc.Areas {
		areas[i] = RoleArea{Role: a.Role, Area: Area{Page: a.Page, X: a.X, Y: a.Y, W: a.W, H: a.H}}
	}
	return doc.PDF, areas, nil
}

// bulkEngine is an engine on disk (pebble and the file store, so syncs
// cost what they cost) over the fake chain, with two verified identities
// put straight into its database. It is not started.
func bulkEngine(tb testing.TB) (*Engine, []string) {
	tb.Helper()
	if _, err := os.Stat(template.DefaultFontPath); err != nil {
		tb.Skipf("CJK font %s: %v", template.DefaultFontPath, err)
	}
	dir := tb.TempDir()
	db, err := pebble.Open(filepath.Join(dir, "db"), &pebble.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	fkek, err := filestore.NewKEK(bytes.Repeat([]byte{3}, 16))
	if err != nil {
		tb.Fatal(err)
	}
	files, err := filestore.Open(filepath.Join(dir, "files"), fkek)
	if err != nil {
		tb.Fatal(err)
	}
	kek, err := NewKEK(bytes.Repeat([]byte{2}, 16))
	if err != nil {
		tb.Fatal(err)
	}
	key, err := signer.GenerateKey(signer.AlgSM2, rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	ca, err := signer.NewCA(key, signer.CAOptions{OrgID: "platform", OrgName: "Platform", Role: "platform",
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}, nil)
	if err != nil {
		tb.Fatal(err)
	}
	c := newFakeChain()
	c.rules2 = true
	e, err := New(Config{ChainID: "bulk-test", Submitter: &client.Submitter{ChainID: "bulk-test", Org: "platform", Cert: ca.Cert.Raw, Key: key},
		CA: ca, VerifierKey: key, VerifierCert: ca.Cert.Raw, Identity: noIdentity{}, Files: files, Templates: &testTemplates{},
		Chain: c, DB: db, KEK: kek, PublicURL: "https://sign.example"})
	if err != nil {
		tb.Fatal(err)
	}
	var ids []string
	for i, name := range []string{"张三", "北京某某科技有限公司"} {
		rec := &Identity{ID: fmt.Sprintf("idn-%d", i), Kind: "person", Status: IdentityVerified, DisplayName: name,
			CertDER: fmt.Appendf(nil, "cert %d", i), CreatedAt: time.Now()}
		if err := e.saveIdentity(rec, &identitySecrets{Phone: fmt.Sprintf("1380013800%d", i)}); err != nil {
			tb.Fatal(err)
		}
		ids = append(ids, rec.ID)
	}
	return e, ids
}

type noIdentity struct{ IdentityVerifier }

func serviceRow(i int, a, b string) BulkRow {
	return BulkRow{Key: fmt.Sprintf("cust-%05d", i), Title: fmt.Sprintf("服务协议 %d", i),
		Fields: map[string]string{"contract_no": fmt.Sprintf("SA-%05d", i), "party_a": "甲方", "party_b": "乙方", "service": "软件开发",
			"start_date": "2026-12-01", "end_date": "2027-11-30", "fee": "¥100000", "city": "北京"},
		Parties: map[string]string{"party_a": a, "party_b": b}}
}

// runBulkSync runs the job's rows in the caller's goroutine.
func runBulkSync(t testing.TB, e *Engine, in *BulkInput) *BulkJob {
	t.Helper()
	job, err := e.StartBulk(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.runBulkJob(context.Background(), job.ID); err != nil {
		t.Fatal(err)
	}
	job, err = e.BulkJob(job.ID)
	if err != nil {
		t.Fatal(err)
	}
	return job
}

// TestBulkSend: good rows become sent contracts with a link message per
// party; bad rows are listed with their field; a row key used again, in
// the same job or a later one, gives the same contract, not a second.
func TestBulkSend(t *testing.T) {
	e, ids := bulkEngine(t)
	rows := []BulkRow{serviceRow(1, ids[0], ids[1]), serviceRow(2, ids[0], ids[1])}
	bad := serviceRow(3, ids[0], ids[1])
	delete(bad.Fields, "fee")
	bad.Fields["start_date"] = "tomorrow"
	rows = append(rows, bad)
	unknown := serviceRow(4, ids[0], "idn-nobody")
	rows = append(rows, unknown)
	noRole := serviceRow(5, ids[0], ids[1])
	delete(noRole.Parties, "party_b")
	rows = append(rows, noRole, serviceRow(1, ids[0], ids[1])) // row 6 repeats row 1's key
	noTitle := serviceRow(7, ids[0], ids[1])
	noTitle.Title = ""
	rows = append(rows, noTitle)

	job := runBulkSync(t, e, &BulkInput{Template: "service_agreement", Rows: rows})
	if job.Status != BulkDone || job.Total != 7 || job.Processed != 7 || job.Sent != 2 || job.Existing != 1 || job.Failed != 4 {
		t.Fatalf("job %+v", job)
	}
	res, next, err := e.BulkResults(job.ID, 0, 100, false)
	if err != nil || next != 0 || len(res) != 7 {
		t.Fatalf("results %d next %d err %v", len(res), next, err)
	}
	want := []struct {
		status string
		fields []string
	}{
		{RowSent, nil}, {RowSent, nil},
		{RowFailed, []string{"fields.fee", "fields.start_date"}},
		{RowFailed, []string{"parties.party_b"}},
		{RowFailed, []string{"parties"}},
		{RowExisting, nil},
		{RowFailed, []string{"title"}},
	}
	for i, w := range want {
		r := res[i]
		var got []string
		for _, re := range r.Errors {
			got = append(got, re.Field)
			if re.Row != i+1 || re.Message == "" {
				t.Errorf("row %d error %+v", i+1, re)
			}
		}
		if r.Row != i+1 || r.Status != w.status || strings.Join(got, ",") != strings.Join(w.fields, ",") {
			t.Errorf("row %d: %+v, want %s %v", i+1, r, w.status, w.fields)
		}
	}
	if res[5].ContractID != res[0].ContractID {
		t.Errorf("row 6 (row 1's key again) got %s, row 1 %s", res[5].ContractID, res[0].ContractID)
	}
	for _, r := range res[:2] {
		c, err := e.Contract(r.ContractID)
		if err != nil || c.Status != StatusSigning || len(c.Txs) != 2 || c.Template != "service_agreement" {
			t.Fatalf("contract %s: %+v %v", r.ContractID, c, err)
		}
	}
	failed, _, err := e.BulkResults(job.ID, 0, 100, true)
	if err != nil || len(failed) != 4 {
		t.Fatalf("failed rows %d %v", len(failed), err)
	}
	// Two contracts, two parties each: four link messages, one per party.
	if n := countMessages(t, e, "sign_link"); n != 4 {
		t.Fatalf("%d sign_link messages, want 4", n)
	}
	// The same rows again in a new job: nothing new.
	again := runBulkSync(t, e, &BulkInput{Template: "service_agreement", Rows: rows[:2]})
	if again.Existing != 2 || again.Sent != 0 {
		t.Fatalf("second job %+v", again)
	}
	if n := countMessages(t, e, "sign_link"); n != 4 {
		t.Fatalf("%d sign_link messages after the repeat, want 4", n)
	}
}

// TestBulkResumes: a job stopped after its first chunk goes on from there
// when run again (as after a crash), and never makes a contract twice.
func TestBulkResumes(t *testing.T) {
	e, ids := bulkEngine(t)
	var rows []BulkRow
	for i := range bulkChunk + 5 {
		r := serviceRow(i, ids[0], ids[1])
		r.Key = "" // ids from the job and row number
		rows = append(rows, r)
	}
	job, err := e.StartBulk(context.Background(), &BulkInput{Template: "service_agreement", Title: "批量 bulk", Rows: rows})
	if err != nil {
		t.Fatal(err)
	}
	in := &BulkInput{Template: "service_agreement", Title: "批量 bulk", Rows: rows}
	if _, err := e.bulkChunk(context.Background(), job, in, 0, bulkChunk, &identityCache{}); err != nil {
		t.Fatal(err)
	}
	mid, _ := e.BulkJob(job.ID)
	if mid.Processed != bulkChunk || mid.Status != BulkRunning {
		t.Fatalf("after one chunk: %+v", mid)
	}
	// Run the whole job from the start of its input: the stored progress
	// says where to go on.
	if err := e.runBulkJob(context.Background(), job.ID); err != nil {
		t.Fatal(err)
	}
	end, _ := e.BulkJob(job.ID)
	if end.Status != BulkDone || end.Sent != len(rows) || end.Existing != 0 {
		t.Fatalf("end: %+v", end)
	}
	if n := countMessages(t, e, "sign_link"); n != 2*len(rows) {
		t.Fatalf("%d links, want %d", n, 2*len(rows))
	}
}

func TestParseBulkCSV(t *testing.T) {
	in := "\ufeffkey,title,party:party_a,party:party_b,fee\nk1,T1,idn-0,idn-1,¥1\n,,idn-0,,\n"
	rows, err := ParseBulkCSV(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(rows)
	want := `[{"key":"k1","title":"T1","fields":{"fee":"¥1"},"parties":{"party_a":"idn-0","party_b":"idn-1"}},{"fields":{},"parties":{"party_a":"idn-0"}}]`
	if string(got) != want {
		t.Fatalf("rows %s\nwant %s", got, want)
	}
	for _, bad := range []string{"", "a,a\n1,2\n", "a,,b\n", "a,b\n1,2,3\n"} {
		if _, err := ParseBulkCSV(strings.NewReader(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func countMessages(t testing.TB, e *Engine, tmpl string) int {
	t.Helper()
	it, err := e.db.NewIter(&pebble.IterOptions{LowerBound: []byte(pNoteQ), UpperBound: prefixEnd([]byte(pNoteQ))})
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	n := 0
	for it.First(); it.Valid(); it.Next() {
		var ni noteItem
		if err := json.Unmarshal(it.Value(), &ni); err != nil {
			t.Fatal(err)
		}
		m, err := ni.message(e.cfg.KEK)
		if err != nil {
			t.Fatal(err)
		}
		if m != nil && m.Template == tmpl {
			n++
		}
	}
	return n
}

// BenchmarkBulkSend: contracts created and sent per second, through a bulk
// job (chunks of bulkChunk rows prepared in parallel, one synced batch
// each) and, as the baseline in the same process, through CreateContract
// and Send one contract at a time as the API does them. The chain is the
// fake one: this measures the workflow node's work, not consensus.
func BenchmarkBulkSend(b *testing.B) {
	e, ids := bulkEngine(b)
	const n = 256
	rows := make([]BulkRow, n)
	for i := range rows {
		rows[i] = serviceRow(i, ids[0], ids[1])
		rows[i].Key = ""
	}
	var base, bulk time.Duration
	for b.Loop() {
		start := time.Now()
		for i := range n / 4 { // the baseline is slower: a quarter of the rows
			r := rows[i]
			c, err := e.CreateContract(context.Background(), &ContractInput{Title: r.Title,
				Template: &TemplateInput{ID: "service_agreement", Fields: r.Fields},
				Parties:  []PartyInput{{IdentityID: ids[0], Role: "party_a"}, {IdentityID: ids[1], Role: "party_b"}}})
			if err != nil {
				b.Fatal(err)
			}
			if _, _, err := e.Send(context.Background(), c.ID); err != nil {
				b.Fatal(err)
			}
		}
		base += time.Since(start) * 4
		start = time.Now()
		job := runBulkSync(b, e, &BulkInput{Template: "service_agreement", Rows: rows})
		bulk += time.Since(start)
		if job.Sent != n {
			b.Fatalf("job %+v", job)
		}
	}
	perS := func(d time.Duration) float64 { return float64(n*b.N) / d.Seconds() }
	b.ReportMetric(perS(bulk), "contracts/s")
	b.ReportMetric(perS(base), "baseline-contracts/s")
	b.ReportMetric(perS(bulk)/perS(base), "x-baseline")
}
