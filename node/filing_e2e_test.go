package node

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/config"
	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/internal/nodetest"
	"github.com/sealchain/sealchain/node/nodehome"
	"github.com/sealchain/sealchain/signer"
)

// filingNet is a testnet of court, arbitration and platform validators,
// [api] auth = signed, the platform running its workflow (for webhooks).
type filingNet struct {
	nodes map[string]*judicialNode
	sub   *client.Submitter // the platform's credential, to record contracts
	ca    *signer.CA        // the platform's CA
}

func newFilingNet(ctx context.Context, t *testing.T, chainID, auth string, orgs ...string) *filingNet {
	t.Helper()
	dir := t.TempDir()
	homes, err := nodehome.Testnet(nodehome.TestnetOptions{Out: dir, ChainID: chainID, BasePort: freeBase(t, len(orgs)+1),
		BlockInterval: 50 * time.Millisecond, Validators: orgs})
	if err != nil {
		t.Fatal(err)
	}
	f := &filingNet{nodes: map[string]*judicialNode{}}
	apiOf := map[string]string{}
	for _, tn := range homes {
		apiOf[tn.Org] = "http://" + tn.API
		cfg, err := config.Load(tn.Home)
		if err != nil {
			t.Fatal(err)
		}
		cfg.API.Auth = auth
		cfg.Log.Level = "error"
		if tn.Org == "platform" {
			withWorkflow(cfg)
			cfg.Workflow.WebhookAllow = []string{"127.0.0.1/32"}
			cfg.Workflow.WebhookBackoff = config.Duration{Duration: 50 * time.Millisecond}
		}
		if err := cfg.Save(tn.Home); err != nil {
			t.Fatal(err)
		}
	}
	for _, tn := range homes {
		n, err := New(tn.Home, apiContract(t), WithLogger(NewLogger(discard{}, config.Log{Level: "error", Format: "text"})))
		if err != nil {
			t.Fatalf("%s: %v", tn.Org, err)
		}
		sctx, scancel := context.WithTimeout(ctx, time.Minute)
		err = n.Start(sctx)
		scancel()
		if err != nil {
			t.Fatalf("%s: start: %v", tn.Org, err)
		}
		t.Cleanup(func() { n.Stop() })
		h := nodehome.Home(tn.Home)
		sub, err := client.LoadSubmitter(chainID, tn.Org, h.SubmitterCert(), h.SubmitterKey())
		if err != nil {
			t.Fatal(err)
		}
		c, err := client.New(apiOf[tn.Org], nil)
		if err != nil {
			t.Fatal(err)
		}
		f.nodes[tn.Org] = &judicialNode{org: tn.Org, home: tn.Home, n: n, c: c.WithRequestSigner(chainID, sub.Cert, sub.Key)}
		if tn.Org == "platform" {
			f.sub = sub
			if f.ca, err = signer.LoadCA(h.CACert(), h.CAKey()); err != nil {
				t.Fatal(err)
			}
		}
	}
	return f
}

// as is a client of org's credential calling target's node.
func (f *filingNet) as(t *testing.T, org, target string) *client.Client {
	t.Helper()
	h := nodehome.Home(f.nodes[org].home)
	sub, err := client.LoadSubmitter("", org, h.SubmitterCert(), h.SubmitterKey())
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(f.nodes[target].home)
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.New("http://"+cfg.API.Listen, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c.WithRequestSigner(f.nodes[org].n.genesis.ChainID, sub.Cert, sub.Key)
}

// contracts records n one-party contracts of the platform (ids prefix-0..),
// in batches, and waits for them on every node.
func (f *filingNet) contracts(ctx context.Context, t *testing.T, prefix string, n int) []string {
	t.Helper()
	p := f.nodes["platform"]
	k, err := signer.GenerateKey(signer.AlgSM2, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().Add(-time.Hour)
	der, err := f.ca.Issue(k.Public(), signer.IssueOptions{SubjectRef: "sc-" + prefix, Usage: signer.UsageSigner, NotBefore: now, NotAfter: now.AddDate(1, 0, 0)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := f.sub.Build(&chain.CertIssued{Cert: der}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The nodes leave catching up (and take txs) once they see each other.
	for {
		_, err := p.c.Submit(ctx, raw, true)
		var ae *client.APIError
		if errors.As(err, &ae) && ae.Code == "mempool_unavailable" && ctx.Err() == nil {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		if err != nil {
			t.Fatalf("cert_issued: %v", err)
		}
		break
	}
	var ids []string
	var items []*chain.Tx
	for i := range n {
		id := fmt.Sprintf("%s-%03d", prefix, i)
		doc := sm3.Sum([]byte(id))
		it, err := f.sub.BuildItem(&chain.ContractCreated{Contract: id, DocSM3: doc[:], DocSHA256: doc[:],
			Parties: []chain.Fingerprint{chain.FingerprintOf(der)}, Order: chain.OrderSequential}, nil)
		if err != nil {
			t.Fatal(err)
		}
		ids, items = append(ids, id), append(items, it)
	}
	batch, err := f.sub.BuildBatch(items)
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.c.Submit(ctx, batch, true)
	if err != nil {
		t.Fatalf("contracts: %v", err)
	}
	for i, r := range res.Results {
		if r.Code != 0 {
			t.Fatalf("contract %s: code %d %s", ids[i], r.Code, r.Log)
		}
	}
	for _, j := range f.nodes {
		nodetest.WaitFor(t, 30*time.Second, j.org+" has the contracts", func() bool {
			_, ok, _ := j.n.Store().View().Contract(ids[n-1])
			return ok
		})
	}
	return ids
}

// testPackage is a small case zip: a manifest and a statement of claim.
func testPackage(t *testing.T, caseID string, contracts []string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range map[string]string{
		"manifest.json":      fmt.Sprintf(`{"format":"sealchain-case-package","case_id":%q,"contracts":%q}`, caseID, contracts),
		"statement.txt":      "起诉状\n原告请求判令被告偿还借款本金及利息。\n" + caseID,
		"contracts/ids.json": fmt.Sprintf("%q", contracts),
	} {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, body)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// batchOf builds the packages of a batch on the filer's node, in its
// package directory, and returns the batch.
func batchOf(t *testing.T, home, batchID, inst, kind string, contracts []string) client.FilingBatch {
	t.Helper()
	dir := nodehome.Home(home).Path("data", "casepkg")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	b := client.FilingBatch{BatchID: batchID, Filer: "platform"}
	for i, k := range contracts {
		id := fmt.Sprintf("%s-%03d", batchID, i)
		z := testPackage(t, id, []string{k})
		if err := os.WriteFile(filepath.Join(dir, id+".zip"), z, 0o600); err != nil {
			t.Fatal(err)
		}
		h := sm3.Sum(z)
		b.Cases = append(b.Cases, client.FilingCase{CaseID: id, Institution: inst, Kind: kind, Contracts: []string{k},
			Package: "cases/" + id + ".zip", SM3: hex.EncodeToString(h[:]), Size: int64(len(z))})
	}
	return b
}

// TestFiling files cases on a testnet of court, arbitration and platform:
// 200 litigation cases to the court in one batch (with two more refused,
// named: a package the node lacks, one whose SM3 differs) and a separate
// arbitration batch; the court's inbox pages them; the court fetches every
// package through its own node (SM3 checked against the chain), dockets
// 199 and returns 1 with a reason; the package is served to the filer and
// the court only (403 to arbitration), resumes with a Range; an edited
// package is refused naming its case, fetched or imported; a correct
// offline import is taken; the filer's webhook receives the status changes.
func TestFiling(t *testing.T) {
	if testing.Short() {
		t.Skip("three in-process nodes")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	start := time.Now()
	f := newFilingNet(ctx, t, "filing-test", config.AuthSigned, "court", "arbitration", "platform")
	platform, court, arb := f.nodes["platform"], f.nodes["court"], f.nodes["arbitration"]

	// The filer's webhook receiver.
	var hookMu sync.Mutex
	hooks := map[string]client.CaseEvent{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev client.CaseEvent
		body, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(body, &ev); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		hookMu.Lock()
		hooks[ev.CaseID+" "+ev.Status] = ev
		hookMu.Unlock()
	}))
	defer srv.Close()
	wf := newWFCore(t, "http://"+platform.n.lis.Addr().String(), nodehome.Home(platform.home))
	wf.must(http.StatusCreated, "POST", "/v1/wf/webhooks", map[string]any{"url": srv.URL, "secret": "0123456789abcdef0123456789abcdef",
		"events": []string{"case.pending", "case.accepted", "case.rejected"}})

	loans := f.contracts(ctx, t, "loan", 230)
	t.Logf("setup: %v", time.Since(start))

	// 200 to the court, plus a case without a package on the node and
	// one whose package differs from the batch's SM3.
	lit := batchOf(t, platform.home, "lit", "court", "litigation", loans[:202])
	pkgDir := nodehome.Home(platform.home).Path("data", "casepkg")
	os.Remove(filepath.Join(pkgDir, lit.Cases[200].CaseID+".zip"))
	lit.Cases[201].SM3 = strings.Repeat("ab", 32)
	t0 := time.Now()
	res, err := platform.c.FileCases(ctx, lit)
	if err != nil {
		t.Fatalf("file: %v", err)
	}
	t.Logf("filed %d cases in %v", len(res.Filed), time.Since(t0))
	if len(res.Filed) != 200 || len(res.Refused) != 2 || res.Refused[0].CaseID != lit.Cases[200].CaseID || res.Refused[0].Code != "package_missing" ||
		res.Refused[1].CaseID != lit.Cases[201].CaseID || res.Refused[1].Code != "package_mismatch" || !strings.Contains(res.Refused[1].Message, lit.Cases[201].CaseID) {
		t.Fatalf("filing: %d filed, refused %+v", len(res.Filed), res.Refused)
	}
	// The same case again: refused by the chain, named.
	again, err := platform.c.FileCases(ctx, client.FilingBatch{BatchID: "lit", Cases: lit.Cases[:1]})
	if err != nil || len(again.Refused) != 1 || again.Refused[0].ABCICode != chain.CodeCaseExists {
		t.Fatalf("filing again: %+v %v", again, err)
	}
	// The arbitration commission's batch.
	arbBatch := batchOf(t, platform.home, "arb", "arbitration", "arbitration", loans[202:230])
	if res, err := platform.c.FileCases(ctx, arbBatch); err != nil || len(res.Filed) != 28 {
		t.Fatalf("arbitration filing: %+v %v", res, err)
	}

	// The court's inbox: 200 pending litigation cases, paged; none of the
	// arbitration batch.
	ids := map[string]bool{}
	nodetest.WaitFor(t, 30*time.Second, "court has the cases", func() bool {
		_, ok, _ := court.n.Store().View().Case(lit.Cases[199].CaseID)
		return ok
	})
	var after uint64
	for {
		page, err := court.c.Cases(ctx, client.CaseQuery{Status: "pending", Limit: 64, After: after})
		if err != nil {
			t.Fatalf("court's inbox: %v", err)
		}
		for _, c := range page.Cases {
			if c.Kind != "litigation" || c.Institution != "court" || c.Applicant != "platform" || c.BatchID != "lit" || len(c.Contracts) != 1 || c.PackageHeld {
				t.Fatalf("inbox case %+v", c)
			}
			ids[c.ID] = true
		}
		if !page.More {
			break
		}
		after = page.Next
	}
	if len(ids) != 200 {
		t.Fatalf("court's inbox pages: %d cases, want 200", len(ids))
	}
	// The arbitration node may still be a block behind the filer's.
	nodetest.WaitFor(t, 30*time.Second, "arbitration has its cases", func() bool {
		_, ok, _ := arb.n.Store().View().Case(arbBatch.Cases[len(arbBatch.Cases)-1].CaseID)
		return ok
	})
	if page, err := arb.c.Cases(ctx, client.CaseQuery{Kind: "arbitration"}); err != nil || len(page.Cases) != 28 {
		n := -1
		if page != nil {
			n = len(page.Cases)
		}
		t.Fatalf("arbitration's inbox: %d cases, %v; want 28", n, err)
	}

	// Access to a package: the filer and the institution only.
	c0 := lit.Cases[0]
	_, _, _, err = f.as(t, "arbitration", "platform").PackageRange(ctx, c0.CaseID, 0, nil)
	wantAPIStatus(t, "arbitration fetches a court case's package from the filer", err, http.StatusForbidden)
	_, _, _, err = f.as(t, "court", "platform").PackageRange(ctx, arbBatch.Cases[0].CaseID, 0, nil)
	wantAPIStatus(t, "the court fetches an arbitration case's package", err, http.StatusForbidden)
	_, err = arb.c.FetchPackage(ctx, c0.CaseID)
	wantAPIStatus(t, "arbitration's node fetches a court case", err, http.StatusForbidden)
	// The filer reads its own, resumed from byte 10.
	body, status, total, err := platform.c.PackageRange(ctx, c0.CaseID, 10, nil)
	if err != nil || status != http.StatusPartialContent || total != c0.Size {
		t.Fatalf("filer's ranged read: %d %d %v", status, total, err)
	}
	tail, _ := io.ReadAll(body)
	body.Close()
	whole, _ := os.ReadFile(filepath.Join(pkgDir, c0.CaseID+".zip"))
	if !bytes.Equal(tail, whole[10:]) {
		t.Fatal("ranged read differs from the package")
	}

	// An edited package: the court's node refuses it, naming the case, and
	// keeps nothing; docketing without the package is refused.
	edited := lit.Cases[5]
	ep := filepath.Join(pkgDir, edited.CaseID+".zip")
	orig, _ := os.ReadFile(ep)
	bad := bytes.Clone(orig)
	bad[len(bad)/2] ^= 1
	os.WriteFile(ep, bad, 0o600)
	_, err = court.c.FetchPackage(ctx, edited.CaseID)
	var ae *client.APIError
	if !errors.As(err, &ae) || ae.Code != "package_mismatch" || !strings.Contains(ae.Message, edited.CaseID) {
		t.Fatalf("edited package fetched: %v", err)
	}
	_, err = court.c.UploadPackage(ctx, edited.CaseID, bad)
	if !errors.As(err, &ae) || ae.Code != "package_mismatch" || !strings.Contains(ae.Message, edited.CaseID) {
		t.Fatalf("edited package imported: %v", err)
	}
	_, err = court.c.DocketCase(ctx, edited.CaseID, "accept", "", "")
	wantAPIStatus(t, "docket without the package", err, http.StatusConflict)
	// The filer hands the right zip over offline: taken.
	if cs, err := court.c.UploadPackage(ctx, edited.CaseID, orig); err != nil || !cs.PackageHeld {
		t.Fatalf("offline import: %+v %v", cs, err)
	}
	os.WriteFile(ep, orig, 0o600)

	// A download that broke after 100 bytes resumes from there (Range);
	// one whose first bytes were corrupted fails the SM3 check, naming
	// the case, is deleted, and the next fetch starts afresh.
	courtPkg := nodehome.Home(court.home).Path("data", "casepkg")
	os.MkdirAll(courtPkg, 0o700)
	for i, corrupt := range []bool{false, true} {
		c := lit.Cases[10+i]
		z, _ := os.ReadFile(filepath.Join(pkgDir, c.CaseID+".zip"))
		head := bytes.Clone(z[:100])
		if corrupt {
			head[0] ^= 0xff
		}
		part := filepath.Join(courtPkg, c.CaseID+".zip.part")
		os.WriteFile(part, head, 0o600)
		cs, err := court.c.FetchPackage(ctx, c.CaseID)
		switch {
		case !corrupt && (err != nil || !cs.PackageHeld):
			t.Fatalf("resumed fetch: %+v %v", cs, err)
		case corrupt && (!errors.As(err, &ae) || ae.Code != "package_mismatch" || !strings.Contains(ae.Message, c.CaseID)):
			t.Fatalf("fetch resumed from corrupt bytes: %v", err)
		}
		if _, err := os.Stat(part); !os.IsNotExist(err) {
			t.Fatalf("%s left behind: %v", part, err)
		}
	}

	// The court fetches every package through its own node and dockets
	// 199; returns one with a reason.
	t1 := time.Now()
	returned := lit.Cases[7].CaseID
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	work := make(chan client.FilingCase)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range work {
				if c.CaseID == returned {
					if _, err := court.c.DocketCase(ctx, c.CaseID, "reject", "诉讼请求不明确，请补正后重新提交", ""); err != nil {
						errs <- fmt.Errorf("return %s: %w", c.CaseID, err)
					}
					continue
				}
				if cs, err := court.c.FetchPackage(ctx, c.CaseID); err != nil || !cs.PackageHeld {
					errs <- fmt.Errorf("fetch %s: %+v %w", c.CaseID, cs, err)
					continue
				}
				if cs, err := court.c.DocketCase(ctx, c.CaseID, "accept", "", "(2026)京0491民初"+strings.TrimPrefix(c.CaseID, "lit-")+"号"); err != nil || cs.Status != "accepted" {
					errs <- fmt.Errorf("docket %s: %+v %w", c.CaseID, cs, err)
				}
			}
		}()
	}
	for _, c := range lit.Cases[:200] {
		work <- c
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	t.Logf("court fetched and decided 200 cases in %v", time.Since(t1))
	// The court's own copy is served from its node (no peer), whole.
	z, err := court.c.Download(ctx, "/v1/cases/"+c0.CaseID+"/package", 1<<20, nil)
	if h := sm3.Sum(z); err != nil || hex.EncodeToString(h[:]) != c0.SM3 {
		t.Fatalf("court's copy: %v", err)
	}
	if page, err := court.c.Cases(ctx, client.CaseQuery{Status: "accepted", Kind: "litigation", Limit: 1000}); err != nil || len(page.Cases) != 199 {
		t.Fatalf("accepted: %v", err)
	}
	page, err := platform.c.Cases(ctx, client.CaseQuery{Role: "applicant", Status: "rejected"})
	if err != nil || len(page.Cases) != 1 || page.Cases[0].ID != returned || page.Cases[0].Reason == "" {
		t.Fatalf("the filer's returned case: %+v %v", page, err)
	}
	if cs, _ := platform.c.CaseView(ctx, c0.CaseID); cs == nil || cs.Case.Number == "" || cs.Case.Status != "accepted" {
		t.Fatalf("docketed case on the filer's node: %+v", cs)
	}
	// The case's contract's evidence bundle holds case_filed and
	// case_docketed, and verifies offline against the genesis.
	raw, err := court.c.CaseBundle(ctx, c0.CaseID)
	if err != nil {
		t.Fatalf("bundle: %v", err)
	}
	var bundle evidence.Bundle
	if err := json.Unmarshal(raw, &bundle); err != nil {
		t.Fatal(err)
	}
	types := map[string]bool{}
	for _, r := range bundle.Records {
		rv, _, err := evidence.Describe(r.Leaf)
		if err != nil {
			t.Fatal(err)
		}
		types[rv.Type] = true
	}
	if !types["case_filed"] || !types["case_docketed"] {
		t.Fatalf("bundle record types %v", types)
	}
	trust, err := evidence.LoadTrust(nodehome.Home(court.home).Genesis())
	if err != nil {
		t.Fatal(err)
	}
	v, err := evidence.NewVerifier(trust)
	if err != nil {
		t.Fatal(err)
	}
	if failed := v.Verify(&bundle, nil).Failed(); len(failed) > 0 {
		t.Fatalf("the case's bundle fails offline: %v", failed)
	}

	// Another organisation may not withdraw; the filer may not withdraw a
	// docketed case.
	_, err = platform.c.WithdrawFiling(ctx, c0.CaseID, "和解")
	wantAPIStatus(t, "withdraw a docketed case", err, http.StatusConflict)

	// Webhooks: every case filed, 199 docketed, 1 returned.
	nodetest.WaitFor(t, 30*time.Second, "webhooks delivered", func() bool {
		hookMu.Lock()
		defer hookMu.Unlock()
		return len(hooks) >= 200+28+200
	})
	hookMu.Lock()
	ev, ok := hooks[returned+" rejected"]
	_, acc := hooks[c0.CaseID+" accepted"]
	hookMu.Unlock()
	if !ok || ev.Reason == "" || ev.Type != "case.rejected" || !acc {
		t.Fatalf("webhook of the returned case: %+v %v", ev, acc)
	}
	t.Logf("total %v", time.Since(start))
}
