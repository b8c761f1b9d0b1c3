package node

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/evidence/report"
	"github.com/sealchain/sealchain/internal/nodetest"
	"github.com/sealchain/sealchain/signer"
)

// TestReportJob asks the node for an evidence report on a completed
// contract, waits for the job, checks the PDF verifies offline and that a
// report_issued record with its hash joined the contract's timeline.
func TestReportJob(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	n := newITNet(ctx, t)
	alice, _ := n.registerSigner(ctx, t, signer.AlgSM2, "sc-rep-alice")
	bob, _ := n.registerSigner(ctx, t, signer.AlgECDSAP256, "sc-rep-bob")
	doc := []byte("%PDF-1.4 report job contract")
	n.commit(ctx, t, n.build(t, contractBody("rep-1", doc, alice, bob), nil))
	n.signContract(ctx, t, "rep-1", doc, alice, bob)

	status, _, body := itDo(ctx, t, http.MethodPost, n.base+"/v1/reports", "application/json",
		[]byte(`{"contract_id":"rep-1","names":{"`+alice.Cert.String()+`":"张三"}}`))
	if status != http.StatusAccepted {
		t.Fatalf("POST /v1/reports: %d %s", status, body)
	}
	var j map[string]any
	json.Unmarshal(body, &j)
	id, _ := j["id"].(string)
	var st map[string]any
	nodetest.WaitFor(t, 60*time.Second, "the report job finishes", func() bool {
		_, _, b := itDo(ctx, t, http.MethodGet, n.base+"/v1/reports/"+id, "", nil)
		json.Unmarshal(b, &st)
		return st["status"] == "done" || st["status"] == "failed"
	})
	if st["status"] != "done" {
		t.Fatalf("report job: %v", st)
	}
	status, hdr, pdf := itDo(ctx, t, http.MethodGet, n.base+"/v1/reports/"+id+"/pdf", "", nil)
	if status != http.StatusOK || hdr.Get("Content-Type") != "application/pdf" {
		t.Fatalf("GET pdf: %d %s", status, hdr.Get("Content-Type"))
	}
	sum := sm3.Sum(pdf)
	if st["report_sm3"] != hex.EncodeToString(sum[:]) {
		t.Fatalf("report_sm3 %v, PDF SM3 %x", st["report_sm3"], sum)
	}
	trust, err := evidence.LoadTrust(n.home.Genesis())
	if err != nil {
		t.Fatal(err)
	}
	res, err := report.Verify(pdf, trust, time.Now().Add(time.Minute))
	if err != nil || !res.OK {
		t.Fatalf("report verify: %v %+v", err, res)
	}
	// The timeline now ends with the report_issued record.
	var c struct {
		Timeline []struct {
			Type string         `json:"type"`
			Body map[string]any `json:"body"`
		} `json:"timeline"`
	}
	n.getJSON(ctx, t, "/v1/contracts/rep-1", &c)
	last := c.Timeline[len(c.Timeline)-1]
	if last.Type != "report_issued" || last.Body["report_sm3"] != st["report_sm3"] {
		t.Fatalf("last timeline record %+v, want report_issued with the report's SM3", last)
	}
	if s, _, _ := itDo(ctx, t, http.MethodPost, n.base+"/v1/reports", "application/json", []byte(`{"contract_id":"nope"}`)); s != http.StatusNotFound {
		t.Fatalf("report on an unknown contract: %d", s)
	}

	// Consistency: a verifier that trusts an earlier checkpoint's log asks
	// for a proof that the new log extends it.
	raw1, err := n.c.Evidence(ctx, "contract_id", "rep-1")
	if err != nil {
		t.Fatal(err)
	}
	b1, _ := evidence.DecodeBundle(raw1)
	n.registerSigner(ctx, t, signer.AlgSM2, "sc-rep-carol") // the log grows
	var b2 *evidence.Bundle
	nodetest.WaitFor(t, 20*time.Second, "a checkpoint past the new record", func() bool {
		raw2, err := n.c.Evidence(ctx, "contract_id", "rep-1", "since_size", fmt.Sprint(b1.Checkpoint.LogSize))
		if err != nil {
			t.Fatal(err)
		}
		b2, _ = evidence.DecodeBundle(raw2)
		return b2.Checkpoint.LogSize > b1.Checkpoint.LogSize
	})
	if b2.Checkpoint.LogSize <= b1.Checkpoint.LogSize || b2.Consistency == nil {
		t.Fatalf("second bundle: size %d (first %d), consistency %v", b2.Checkpoint.LogSize, b1.Checkpoint.LogSize, b2.Consistency)
	}
	for _, tc := range []struct {
		name string
		root []byte
		ok   bool
	}{
		{"trusted root", b1.Checkpoint.LogRoot, true},
		{"another root", b2.Checkpoint.LogRoot, false},
	} {
		v, err := evidence.NewVerifier(trust, evidence.WithTrustedLog(b1.Checkpoint.LogSize, tc.root))
		if err != nil {
			t.Fatal(err)
		}
		res := v.Verify(b2, nil)
		if res.OK != tc.ok {
			t.Errorf("%s: verify OK=%v (failed %v), want %v", tc.name, res.OK, res.Failed(), tc.ok)
		}
	}
	// Paging a busy certificate: alice's records one at a time; every page
	// verifies and together they cover her records.
	var pages, seen int
	after := ""
	for {
		raw, err := n.c.Evidence(ctx, "cert", alice.Cert.String(), append([]string{"limit", "1"}, splitKV(after)...)...)
		if err != nil {
			t.Fatal(err)
		}
		b, err := evidence.DecodeBundle(raw)
		if err != nil {
			t.Fatal(err)
		}
		if res := v0(t, trust).Verify(b, nil); !res.OK {
			t.Fatalf("page %d does not verify: %v", pages, res.Failed())
		}
		pages++
		seen += len(b.Records)
		if b.Next == nil {
			break
		}
		after = fmt.Sprint(*b.Next)
		if pages > 20 {
			t.Fatal("paging does not end")
		}
	}
	if pages < 3 {
		t.Fatalf("alice's records came in %d pages of 1; want one per record (cert, intent, signature, ...)", pages)
	}

	// Without the proof, a verifier that trusts a log refuses.
	v, _ := evidence.NewVerifier(trust, evidence.WithTrustedLog(b1.Checkpoint.LogSize, b1.Checkpoint.LogRoot))
	if res := v.Verify(b1, nil); res.OK {
		t.Error("a bundle without a consistency proof passed a verifier that requires one")
	}

	// Stopping the node while report jobs are queued or running waits for
	// the runner before the store closes (it used to panic: pebble closed).
	for range 3 {
		if s, _, b := itDo(ctx, t, http.MethodPost, n.base+"/v1/reports", "application/json", []byte(`{"contract_id":"rep-1"}`)); s != http.StatusAccepted {
			t.Fatalf("POST /v1/reports: %d %s", s, b)
		}
	}
	if err := n.node.Stop(); err != nil {
		t.Fatalf("stop with report jobs queued: %v", err)
	}
}

func splitKV(after string) []string {
	if after == "" {
		return nil
	}
	return []string{"after", after}
}

func v0(t *testing.T, trust *evidence.Trust) *evidence.Verifier {
	t.Helper()
	v, err := evidence.NewVerifier(trust)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
