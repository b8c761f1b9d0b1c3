package node

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/config"
	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/evidence/casepkg"
	"github.com/sealchain/sealchain/internal/nodetest"
	"github.com/sealchain/sealchain/node/comet"
	"github.com/sealchain/sealchain/node/nodehome"
	"github.com/sealchain/sealchain/workflow/identity"
)

// TestCasePackagesE2E: a platform node whose genesis has a court and an
// arbitration commission signs loan notes through its workflow, then builds
// case packages with POST /v1/cases: the completed contract is built and
// verifies offline against the genesis; a borrower without an address for
// service and a voided contract are skipped with the reason; bad requests
// get JSON errors naming the field.
func TestCasePackagesE2E(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir := t.TempDir()
	mk := func(org string, role chain.Role) (string, *nodehome.Member) {
		home := filepath.Join(dir, org)
		c := config.Default()
		c.API.Listen = itFreeHostPort(t)
		c.Consensus.P2PListen, c.Consensus.RPCListen = nodetest.CometAddr(t), ""
		c.Consensus.BlockInterval = config.Duration{Duration: 20 * time.Millisecond}
		c.Workflow.OTPCooldown = config.Duration{}
		c.Log.Level = "error"
		m, err := nodehome.InitHome(nodehome.InitOptions{Home: home, ChainID: "casepkg-test", OrgID: org, OrgName: org + " 机构", Role: role, Config: c})
		if err != nil {
			t.Fatal(err)
		}
		return home, m
	}
	platformHome, platform := mk("platform", chain.RolePlatform)
	_, court := mk("court", chain.RoleCourt)
	_, arb := mk("arbitration", chain.RoleArbitration)
	gs := chain.GenesisState{Orgs: []chain.GenesisOrg{platform.Org, court.Org, arb.Org},
		Verifiers: []chain.GenesisVerifier{{Org: "platform", Cert: platform.Verifier}}, RulesVersion: chain.LatestRulesVersion}
	appState, _ := json.Marshal(gs)
	if err := comet.WriteGenesis(platformHome, "casepkg-test", time.Now(), []comet.GenesisValidator{{Name: "platform", PubKey: platform.Validator, Power: 10}}, appState); err != nil {
		t.Fatal(err)
	}
	n, err := New(platformHome, apiContract(t), WithLogger(NewLogger(discard{}, config.Log{Level: "error", Format: "text"})))
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Stop() })
	base := "http://" + n.APIAddr()
	c := newWFCore(t, base, nodehome.Home(platformHome))

	lender := c.must(http.StatusCreated, "POST", "/v1/wf/identities", map[string]any{"kind": "enterprise", "method": "agent_check",
		"enterprise": map[string]any{"name": "北京示例小额贷款有限公司", "credit_code": identity.DevPassCreditCode, "address": "北京市海淀区中关村大街1号",
			"agent": map[string]any{"name": "王五", "id_number": identity.DevPassIDNumber2, "phone": identity.DevPassPhone}}})["id"].(string)
	person := func(name, id, addr string) string {
		return c.must(http.StatusCreated, "POST", "/v1/wf/identities", map[string]any{"kind": "person", "method": "carrier_3factor",
			"person": map[string]any{"name": name, "id_number": id, "phone": "13800138011", "address": addr}})["id"].(string)
	}
	zhang := person("张三", identity.DevPassIDNumber, "上海市浦东新区世纪大道100号")
	li := person("李四", "440304198510101240", "")
	loan := func(borrower, name, idNo string) (string, []string) {
		fields := map[string]string{"lender": "北京示例小额贷款有限公司", "borrower": name, "borrower_id": idNo, "amount": "50,000.00",
			"amount_words": "伍万元整", "purpose": "经营周转", "annual_rate": "7.2%", "due_date": "2026-06-30", "date": "2025-12-01"}
		m := c.must(http.StatusCreated, "POST", "/v1/wf/contracts", map[string]any{"title": "借条 Loan Note", "order": "sequential",
			"template": map[string]any{"id": "loan_note", "fields": fields},
			"parties":  []map[string]any{{"identity_id": borrower, "role": "borrower"}, {"identity_id": lender, "role": "lender"}}})
		id := m["id"].(string)
		sent := c.must(http.StatusOK, "POST", "/v1/wf/contracts/"+id+"/send", map[string]any{})
		var toks []string
		for _, l := range sent["links"].([]any) {
			toks = append(toks, l.(map[string]any)["token"].(string))
		}
		return id, toks
	}
	signed := func(borrower, name, idNo string) string {
		id, toks := loan(borrower, name, idNo)
		for i, tok := range toks {
			c.sign(tok, id, i)
		}
		for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			if c.settled(id)["status"] == "completed" {
				return id
			}
			if time.Now().After(deadline) {
				t.Fatalf("contract %s not completed", id)
			}
		}
	}
	good := signed(zhang, "张三", identity.DevPassIDNumber)
	noAddr := signed(li, "李四", "440304198510101240")
	voided, _ := loan(zhang, "张三", identity.DevPassIDNumber)
	c.must(http.StatusOK, "POST", "/v1/wf/contracts/"+voided+"/void", map[string]any{"reason": "借款人已还款"})

	// Bad requests: JSON errors naming the field.
	for _, tc := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"contracts": []string{good}, "kind": "appeal", "institution": "court"}, "field kind"},
		{map[string]any{"contracts": []string{good}, "kind": "litigation", "institution": "arbitration"}, "field institution"},
		{map[string]any{"kind": "litigation", "institution": "court"}, "field contracts"},
		{map[string]any{"contracts": []string{good}, "kind": "litigation", "institution": "court", "extra": 1}, "unknown field"},
	} {
		r := c.call("POST", "/v1/cases", tc.body, "")
		if r.status != http.StatusBadRequest || !strings.Contains(string(r.body), tc.field) || !strings.Contains(string(r.body), `"code"`) {
			t.Errorf("%v: %d %s", tc.body, r.status, r.body)
		}
	}

	job := c.must(http.StatusAccepted, "POST", "/v1/cases", map[string]any{"contracts": []string{good, noAddr, voided, "wf-nosuch"},
		"kind": "litigation", "institution": "court", "batch_id": "B-E2E"})
	jobID := job["id"].(string)
	if r := c.call("POST", "/v1/cases", map[string]any{"contracts": []string{good}, "kind": "litigation", "institution": "court", "batch_id": "B-E2E"}, ""); r.status != http.StatusConflict {
		t.Errorf("same batch id again: %d %s", r.status, r.body)
	}
	var batch map[string]any
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		j := c.must(http.StatusOK, "GET", "/v1/case-jobs/"+jobID, nil)
		if j["status"] == "failed" {
			t.Fatalf("job failed: %v", j["error"])
		}
		if j["status"] == "done" {
			batch = j["batch"].(map[string]any)
			if p := j["progress"].(map[string]any); p["done"] != 4.0 || p["built"] != 1.0 || p["skipped"] != 3.0 {
				t.Errorf("progress %v", p)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s: %v", jobID, j)
		}
	}
	skipped := fmt.Sprint(batch["skipped"])
	for _, want := range []string{noAddr, "lacks identity data: no address for service", voided, "voided (借款人已还款)", "wf-nosuch", "no such contract"} {
		if !strings.Contains(skipped, want) {
			t.Errorf("skipped %s, want %q", skipped, want)
		}
	}
	cases := batch["cases"].([]any)
	if len(cases) != 1 {
		t.Fatalf("cases %v", cases)
	}
	cs := cases[0].(map[string]any)
	r := c.call("GET", "/v1/case-jobs/"+jobID+"/files/"+cs["package"].(string), nil, "")
	if r.status != http.StatusOK {
		t.Fatalf("download: %d %s", r.status, r.body)
	}
	trust, err := evidence.LoadTrust(nodehome.Home(platformHome).Genesis())
	if err != nil {
		t.Fatal(err)
	}
	res, err := casepkg.Verify(r.body, trust, time.Now())
	if err != nil || !res.OK {
		t.Fatalf("verify: %v %v %v", err, res.Failed(), res.Err())
	}
	if res.SM3 != cs["sm3"] || res.Manifest.Contracts[0] != good {
		t.Errorf("sm3 %s vs %v, contracts %v", res.SM3, cs["sm3"], res.Manifest.Contracts)
	}
	stored, err := os.ReadFile(nodehome.Home(platformHome).Path("data", "casepkg", cs["case_id"].(string)+".zip"))
	if err != nil || string(stored) != string(r.body) {
		t.Errorf("stored package: %v", err)
	}
	for _, p := range []string{"../../config/genesis.json", "cases/x/../../a.zip"} {
		if r := c.call("GET", "/v1/case-jobs/"+jobID+"/files/"+p, nil, ""); r.status == http.StatusOK {
			t.Errorf("%s served", p)
		}
	}

	// The batch the job built files as it is (POST /v1/filings takes
	// batch.json's shape; the packages are where the builder put them),
	// and the case is the platform's, pending at the court, its package
	// SM3 the one the builder wrote.
	filed := c.must(http.StatusCreated, "POST", "/v1/filings", map[string]any{"batch_id": batch["batch_id"], "filer": batch["filer"], "cases": batch["cases"]})
	if f, _ := filed["filed"].([]any); len(f) != 1 {
		t.Fatalf("filing the built batch: %v", filed)
	}
	got := c.must(http.StatusOK, "GET", "/v1/cases/"+cs["case_id"].(string), nil)
	fc, _ := got["case"].(map[string]any)
	if fc["status"] != "pending" || fc["institution"] != "court" || fc["package_sm3"] != cs["sm3"] {
		t.Errorf("filed case %v, want pending at the court with package SM3 %v", fc, cs["sm3"])
	}
}
