package node

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/evidence/report"
	"github.com/sealchain/sealchain/internal/nodetest"
	"github.com/sealchain/sealchain/signer"
)

// TestReportTypePreservation asks the node for a 存证证明 (POST /v1/reports
// type preservation) and verifies it offline as an issued document, its
// issue record fetched by the file's SM3 (GET /v1/evidence?doc_hash=).
func TestReportTypePreservation(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	n := newITNet(ctx, t)
	alice, _ := n.registerSigner(ctx, t, signer.AlgSM2, "sc-pres-alice")
	doc := []byte("%PDF-1.4 preservation contract")
	n.commit(ctx, t, n.build(t, contractBody("pres-1", doc, alice), nil))
	n.signContract(ctx, t, "pres-1", doc, alice)

	for _, bad := range []string{`{"contract_id":"pres-1","type":"nope"}`, `{"contract_id":"pres-1","type":"signature_verification"}`,
		`{"contract_id":"pres-1","type":"preservation","signed_pdf":"JVBERg=="}`} {
		if s, _, b := itDo(ctx, t, http.MethodPost, n.base+"/v1/reports", "application/json", []byte(bad)); s != http.StatusBadRequest {
			t.Errorf("POST %s: %d %s, want 400", bad, s, b)
		}
	}
	status, _, body := itDo(ctx, t, http.MethodPost, n.base+"/v1/reports", "application/json", []byte(`{"contract_id":"pres-1","type":"preservation"}`))
	if status != http.StatusAccepted {
		t.Fatalf("POST /v1/reports: %d %s", status, body)
	}
	var j map[string]any
	json.Unmarshal(body, &j)
	id, _ := j["id"].(string)
	if j["type"] != "preservation" {
		t.Errorf("job type %v", j["type"])
	}
	var st map[string]any
	nodetest.WaitFor(t, 60*time.Second, "the report job finishes", func() bool {
		_, _, b := itDo(ctx, t, http.MethodGet, n.base+"/v1/reports/"+id, "", nil)
		json.Unmarshal(b, &st)
		return st["status"] == "done" || st["status"] == "failed"
	})
	if st["status"] != "done" {
		t.Fatalf("report job: %v", st)
	}
	_, _, pdf := itDo(ctx, t, http.MethodGet, n.base+"/v1/reports/"+id+"/pdf", "", nil)
	trust, err := evidence.LoadTrust(n.home.Genesis())
	if err != nil {
		t.Fatal(err)
	}
	sum := sm3.Sum(pdf)
	var ib *evidence.Bundle
	nodetest.WaitFor(t, 20*time.Second, "a checkpoint past the issue record", func() bool {
		raw, err := n.c.Evidence(ctx, "doc_hash", hex.EncodeToString(sum[:]))
		if err != nil {
			return false
		}
		ib, _ = evidence.DecodeBundle(raw)
		return ib != nil && len(ib.Records) > 0
	})
	res, err := report.VerifyDocument(pdf, trust, time.Now().Add(time.Minute), report.WithIssuance(ib))
	if err != nil {
		t.Fatal(err)
	}
	if res.Kind != report.KindPreservation || !res.OK {
		for _, c := range res.Checks {
			t.Logf("%s %v %s", c.Name, c.OK, c.Detail)
		}
		t.Fatalf("kind %s, failed %v", res.Kind, res.Failed())
	}
}
