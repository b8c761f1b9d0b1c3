package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/config"
	"github.com/sealchain/sealchain/internal/testport"
	"github.com/sealchain/sealchain/node"
	"github.com/sealchain/sealchain/node/nodehome"
)

// TestWFCommands drives `sealchain wf` against an in-process platform node:
// two identities, a contract from a template sent at once, its status, the
// outbox, and the errors a user sees.
func TestWFCommands(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	home := t.TempDir()
	cfg := config.Default()
	addr := func() string {
		a, err := testport.Free()
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	cfg.API.Listen = addr()
	cfg.Consensus.P2PListen = "tcp://" + addr()
	cfg.Consensus.RPCListen = "tcp://" + addr()
	cfg.Consensus.BlockInterval = config.Duration{Duration: 50 * time.Millisecond}
	cfg.Log.Level = "error"
	if _, err := nodehome.Init(nodehome.InitOptions{Home: home, ChainID: "wf-cli", OrgID: "platform", OrgName: "Platform Ltd",
		Role: chain.RolePlatform, Config: cfg}); err != nil {
		t.Fatal(err)
	}
	nd, err := node.New(home)
	if err != nil {
		t.Fatal(err)
	}
	if err := nd.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = nd.Stop() })
	base := "http://" + nd.APIAddr()

	// wf runs `sealchain wf ARGS --node --home` and decodes the JSON answer.
	wf := func(args ...string) (map[string]any, error) {
		t.Helper()
		root := newRoot()
		var out bytes.Buffer
		root.SetOut(&out)
		root.SetArgs(append(append([]string{"wf"}, args...), "--node", base, "--home", home))
		if err := root.ExecuteContext(ctx); err != nil {
			return nil, err
		}
		var m map[string]any
		if err := json.Unmarshal(out.Bytes(), &m); err != nil {
			t.Fatalf("wf %v: output is not JSON: %v\n%s", args, err, out.String())
		}
		return m, nil
	}
	must := func(args ...string) map[string]any {
		t.Helper()
		m, err := wf(args...)
		if err != nil {
			t.Fatalf("wf %v: %v", args, err)
		}
		return m
	}
	zhang := must("identity", "add", "--name", "张三", "--id-number", "11010519491231002X", "--phone", "13800138000")
	acme := must("identity", "add", "--company", "北京某某科技有限公司", "--credit-code", "91110000MA0000001L",
		"--agent-name", "王五", "--agent-id-number", "440304198510101232", "--agent-phone", "13800138001")
	for _, m := range []map[string]any{zhang, acme} {
		if m["status"] != "verified" {
			t.Fatalf("identity: %v", m)
		}
	}
	if m := must("identity", "show", zhang["id"].(string)); m["id"] != zhang["id"] {
		t.Fatalf("identity show: %v", m)
	}
	if m := must("template", "show", "loan_note"); len(m["roles"].([]any)) != 2 || len(m["fields"].([]any)) != 9 {
		t.Fatalf("template show: %v", m)
	}
	if m := must("template", "list"); len(m["templates"].([]any)) != 2 {
		t.Fatalf("template list: %v", m)
	}
	sent := must("contract", "create", "--title", "CLI 服务协议", "--template", "service_agreement",
		"--field", "contract_no=SA-CLI-1", "--field", "party_a=北京某某科技有限公司", "--field", "party_b=张三",
		"--field", "service=咨询", "--field", "start_date=2026-12-01", "--field", "end_date=2027-11-30",
		"--field", "fee=¥1000", "--field", "city=北京",
		"--party", acme["id"].(string)+":party_a", "--party", zhang["id"].(string)+":party_b", "--send")
	links, _ := sent["links"].([]any)
	if len(links) != 2 {
		t.Fatalf("contract create --send: %v", sent)
	}
	id := sent["contract"].(map[string]any)["id"].(string)
	if m := must("contract", "status", id); m["status"] != "signing" || len(m["parties"].([]any)) != 2 {
		t.Fatalf("contract status: %v", m)
	}
	must("contract", "remind", id)
	if m := must("outbox", "--limit", "1000"); m["messages"] == nil {
		t.Fatalf("outbox: %v", m)
	}

	// A bulk send from CSV, one row bad; then the company signs the two
	// good contracts in one batch.
	csvPath := filepath.Join(t.TempDir(), "rows.csv")
	csv := "key,title,party:party_a,party:party_b,contract_no,party_a,party_b,service,start_date,end_date,fee,city\n"
	for i, fee := range []string{"¥1", "", "¥3"} {
		csv += fmt.Sprintf("cli-%d,CLI 批量 %d,%s,%s,SA-B-%d,甲方,乙方,咨询,2026-12-01,2027-11-30,%s,北京\n", i, i, acme["id"], zhang["id"], i, fee)
	}
	if err := os.WriteFile(csvPath, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	bulk := must("bulk-send", "--template", "service_agreement", "--csv", csvPath, "--order", "parallel", "--wait")
	job := bulk["job"].(map[string]any)
	failed := bulk["failed_rows"].([]any)
	if job["sent"].(float64) != 2 || len(failed) != 1 || failed[0].(map[string]any)["row"].(float64) != 2 {
		t.Fatalf("bulk-send: %v", bulk)
	}
	var good []string
	rows := must("bulk-send", "status", job["id"].(string))
	if rows["status"] != "done" {
		t.Fatalf("bulk-send status: %v", rows)
	}
	page, err := wfGet(ctx, base, home, "/v1/wf/bulk-sends/"+job["id"].(string)+"/rows")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range page["rows"].([]any) {
		if r := r.(map[string]any); r["status"] == "sent" {
			good = append(good, r["contract_id"].(string))
		}
	}
	bs := must(append([]string{"batch-sign", "--identity", acme["id"].(string)}, good...)...)
	if l := bs["link"].(map[string]any); !strings.Contains(l["url"].(string), "/sign/batch/") {
		t.Fatalf("batch-sign: %v", bs)
	}
	if m := must("batch-sign", "status", bs["batch"].(map[string]any)["id"].(string)); len(m["contracts"].([]any)) != 2 || m["status"] != "open" {
		t.Fatalf("batch-sign status: %v", m)
	}

	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown contract", []string{"contract", "status", "wf-000000000000000000000000"}, "not_found"},
		{"sent twice", []string{"contract", "send", id}, "wrong_state"},
		{"unknown template", []string{"template", "show", "nope"}, "HTTP 404 not_found"},
		{"template party with a label for a role", []string{"contract", "create", "--title", "t", "--template", "service_agreement",
			"--field", "contract_no=SA-CLI-2", "--field", "party_a=北京某某科技有限公司", "--field", "party_b=张三",
			"--field", "service=咨询", "--field", "start_date=2026-12-01", "--field", "end_date=2027-11-30",
			"--field", "fee=¥1000", "--field", "city=北京",
			"--party", acme["id"].(string) + ":甲方", "--party", zhang["id"].(string) + ":party_b"},
			`parties[0].role: "甲方" is not a role of template service_agreement; its roles are party_a, party_b`},
		{"bulk send without rows", []string{"bulk-send", "--template", "service_agreement"}, "give --csv or --json"},
		{"batch of a contract the signer is no party of", []string{"batch-sign", "--identity", zhang["id"].(string), "wf-000000000000000000000000"}, "contract_ids[0]"},
		{"person and company at once", []string{"identity", "add", "--name", "x", "--company", "y"}, "not both"},
		{"bad area", []string{"contract", "create", "--file", "x.pdf", "--party", "idn@1,2"}, "PAGE,X,Y,W,H"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := wf(tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("wf %v: error %v, want one containing %q", tc.args, err, tc.want)
			}
		})
	}
}

// wfGet reads a platform API path with the node's token.
func wfGet(ctx context.Context, base, home, path string) (map[string]any, error) {
	w := &wfAPI{node: base, home: home}
	out, err := w.call(ctx, "GET", path, "", nil)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	return m, json.Unmarshal(out, &m)
}
