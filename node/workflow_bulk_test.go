package node

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sealchain/sealchain/workflow/identity"
)

// TestBulkSendAPI sends 1,000 rows as CSV through the API of a real node:
// every good row becomes a sent contract whose every party has its link in
// the outbox; the bad rows are listed with their row, field and message;
// the job posted again with the same rows' keys creates nothing new; the
// records reach the chain.
func TestBulkSendAPI(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("1,000 contracts on a real node (30-60 s): not under -short or the race detector")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	_, c := newWFCoreNet(ctx, t)
	zhang := c.person("张三", identity.DevPassIDNumber, identity.DevPassPhone)
	acme := c.company("北京某某科技有限公司")

	const rows = 1000
	bad := map[int]string{17: "fields.fee", 333: "parties.party_b", 640: "fields.start_date", 999: "title"}
	var csv strings.Builder
	csv.WriteString("key,title,party:party_a,party:party_b,contract_no,party_a,party_b,service,start_date,end_date,fee,city\n")
	for i := 1; i <= rows; i++ {
		title, b, start, fee := fmt.Sprintf("服务协议 %d", i), acme, "2026-12-01", "¥100000"
		switch bad[i] {
		case "fields.fee":
			fee = ""
		case "parties.party_b":
			b = "idn-nobody"
		case "fields.start_date":
			start = "next monday"
		case "title":
			title = ""
		}
		fmt.Fprintf(&csv, "row-%d,%s,%s,%s,SA-%05d,甲方,乙方,软件开发,%s,2027-11-30,%s,北京\n", i, title, zhang, b, i, start, fee)
	}
	started := time.Now()
	job := c.postCSV("/v1/wf/bulk-sends?template=service_agreement", csv.String())
	id := job["id"].(string)
	for job["status"] != "done" {
		if ctx.Err() != nil {
			t.Fatalf("bulk send not done: %v", job)
		}
		time.Sleep(100 * time.Millisecond)
		job = c.must(http.StatusOK, "GET", "/v1/wf/bulk-sends/"+id, nil)
	}
	took := time.Since(started)
	t.Logf("1,000 rows created and sent in %v (%.0f contracts/s)", took.Round(time.Millisecond), float64(rows-len(bad))/took.Seconds())
	if job["sent"].(float64) != rows-float64(len(bad)) || job["failed"].(float64) != float64(len(bad)) {
		t.Fatalf("job %v", job)
	}
	failed := c.must(http.StatusOK, "GET", "/v1/wf/bulk-sends/"+id+"/rows?status=failed", nil)["rows"].([]any)
	if len(failed) != len(bad) {
		t.Fatalf("failed rows %v", failed)
	}
	for _, f := range failed {
		r := f.(map[string]any)
		row := int(r["row"].(float64))
		errs := r["errors"].([]any)
		e0 := errs[0].(map[string]any)
		if len(errs) != 1 || e0["field"] != bad[row] || e0["message"] == "" || r["key"] != fmt.Sprintf("row-%d", row) {
			t.Errorf("row %d: %v, want field %s", row, r, bad[row])
		}
	}
	// Every party of every contract has its link, once.
	contracts := map[string]bool{}
	for after := 0; ; {
		page := c.must(http.StatusOK, "GET", fmt.Sprintf("/v1/wf/bulk-sends/%s/rows?after=%d&limit=1000", id, after), nil)
		for _, x := range page["rows"].([]any) {
			if r := x.(map[string]any); r["status"] == "sent" {
				contracts[r["contract_id"].(string)] = true
			}
		}
		if after = int(page["next_after"].(float64)); after == 0 {
			break
		}
	}
	// The notification queue hands the messages to the outbox after the
	// job: wait for all of them.
	var links map[string]int
	for {
		links = map[string]int{}
		for cursor := ""; ; {
			page := c.must(http.StatusOK, "GET", "/v1/wf/outbox?channel=sms&limit=1000&cursor="+cursor, nil)
			for _, x := range page["messages"].([]any) {
				m := x.(map[string]any)
				p := m["params"].(map[string]any)
				if m["template"] == "sign_link" && contracts[p["contract_id"].(string)] {
					if !strings.Contains(p["url"].(string), "/sign/") {
						t.Fatalf("link message without a link: %v", p)
					}
					links[p["contract_id"].(string)+"/"+p["party"].(string)]++
				}
			}
			if cursor, _ = page["next_cursor"].(string); cursor == "" {
				break
			}
		}
		if len(links) >= 2*len(contracts) || ctx.Err() != nil {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("every party's link in the outbox %v after the job started", time.Since(started).Round(time.Millisecond))
	if len(contracts) != rows-len(bad) || len(links) != 2*len(contracts) {
		t.Fatalf("%d contracts, %d distinct party links", len(contracts), len(links))
	}
	for k, n := range links {
		if n != 1 {
			t.Fatalf("party %s got %d links", k, n)
		}
	}
	// The same CSV again: every good row's key has its contract already.
	again := c.postCSV("/v1/wf/bulk-sends?template=service_agreement", csv.String())
	for again["status"] != "done" {
		time.Sleep(100 * time.Millisecond)
		again = c.must(http.StatusOK, "GET", "/v1/wf/bulk-sends/"+again["id"].(string), nil)
	}
	if again["existing"].(float64) != rows-float64(len(bad)) || again["sent"].(float64) != 0 {
		t.Fatalf("second job %v", again)
	}
	// The records reach the chain (batched): wait for the last contract.
	chainStart := time.Now()
	for id := range contracts {
		c.settled(id)
	}
	t.Logf("%d records committed %v after the job ended", 2*len(contracts), time.Since(chainStart).Round(time.Millisecond))
}

// postCSV posts a CSV body and returns the 202 answer.
func (c *wfCore) postCSV(path, body string) map[string]any {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.base+path, bytes.NewReader([]byte(body)))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "text/csv")
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set(idemHeader, fmt.Sprintf("csv-%d", time.Now().UnixNano()))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	a := &wfAnswer{status: res.StatusCode}
	buf := new(bytes.Buffer)
	buf.ReadFrom(res.Body)
	a.body = buf.Bytes()
	if a.status != http.StatusAccepted {
		c.t.Fatalf("POST %s: %d %s", path, a.status, a.body)
	}
	return a.json(c.t)
}
