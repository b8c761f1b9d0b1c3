package node

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/sealchain/sealchain/config"
	"github.com/sealchain/sealchain/workflow/identity"
)

// latencyBurstEnv sets the number of contracts TestWorkflowChainLatency
// signs at once (default 0: only the single contract). make
// bench-workflow runs it with 20.
const latencyBurstEnv = "SEALCHAIN_WF_BURST"

// TestWorkflowChainLatency measures, with production-like 500 ms blocks,
// the time from the last signature's answer until every record of the
// contract (contract_completed last) is committed. The chain queue
// pipelines its records, so that is a block or two, not one block per
// record.
func TestWorkflowChainLatency(t *testing.T) {
	if testing.Short() {
		t.Skip("500 ms blocks")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	_, c := newWFCoreNet(ctx, t, func(c *config.Config) {
		c.Consensus.BlockInterval = config.Duration{Duration: 500 * time.Millisecond}
	})
	zhang := c.person("张三", identity.DevPassIDNumber, identity.DevPassPhone)
	li := c.person("李四", identity.DevPassIDNumber2, "13800138001")

	id, toks := c.contract("sequential", nil, zhang, li)
	c.settled(id)
	c.sign(toks[0], id, 0)
	c.sign(toks[1], id, 1)
	start := time.Now()
	if m := c.settled(id); m["status"] != "completed" {
		t.Fatalf("status %v", m["status"])
	}
	single := time.Since(start)
	t.Logf("last signature -> contract_completed committed: %v", single.Round(time.Millisecond))
	// Four records follow the last signature (viewed, intent, signed,
	// completed); pipelined they share a block or two.
	if single > 3*time.Second {
		t.Errorf("contract completed on chain %v after the last signature, want under 3s", single)
	}

	n := 0
	if s := os.Getenv(latencyBurstEnv); s != "" {
		if _, err := fmt.Sscan(s, &n); err != nil {
			t.Fatalf("%s=%q: %v", latencyBurstEnv, s, err)
		}
	}
	if n == 0 {
		return
	}
	ids := make([]string, n)
	toksAll := make([][]string, n)
	for i := range n {
		ids[i], toksAll[i] = c.contract("parallel", nil, zhang, li)
	}
	for _, id := range ids {
		c.settled(id)
	}
	start = time.Now()
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.sign(toksAll[i][0], ids[i], 0)
			c.sign(toksAll[i][1], ids[i], 1)
		}()
	}
	wg.Wait()
	signed := time.Since(start)
	for _, id := range ids {
		if m := c.settled(id); m["status"] != "completed" {
			t.Fatalf("%s: status %v", id, m["status"])
		}
	}
	t.Logf("burst of %d contracts: signatures took %v, all on chain %v after the first signature, %v after the last",
		n, signed.Round(time.Millisecond), time.Since(start).Round(time.Millisecond), (time.Since(start) - signed).Round(time.Millisecond))
}
