//go:build faults

package faults

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/sealchain/sealchain/config"
)

// latencyRecords is how many sequential records each phase of
// TestLatencyOneValidatorDown commits: with one of four proposers down about
// every fourth height meets it, so this many records meet it a few dozen times.
const latencyRecords = 80

// degradedP99Limit is the goal for commit latency with one of four
// validators down (issue #12 item 17; about 1.9 s a record before the
// consensus timeouts were tuned, with a 3 s propose timeout).
const degradedP99Limit = 1500 * time.Millisecond

// TestLatencyOneValidatorDown measures the commit latency of sequential
// records (one at a time, ?wait=commit, to the platform's node) on a healthy
// 4-validator network with Sealchain's default consensus settings, then with
// the court's validator killed: every height whose proposer is the dead
// validator waits out timeout_propose and a nil-precommit round
// (timeout_vote) before the next proposer commits it. It prints both and
// requires p99 ≤ 1.5 s with one down.
func TestLatencyOneValidatorDown(t *testing.T) {
	def := config.Default().Consensus
	c := newCluster(t, clusterOptions{BlockInterval: def.BlockInterval.Duration})
	o := c.platformOrg()
	api := c.nodes[platform]
	party := c.newParty(o, "sc-faults-latency")

	phase := func(tag string) []time.Duration {
		var lat []time.Duration
		for i := 0; i < latencyRecords; i++ {
			id := fmt.Sprintf("latency-%s-%d-%d", tag, time.Now().UnixNano(), i)
			r := c.commit(api, o.build(contractCreated(id, party.Cert), nil))
			lat = append(lat, r.Latency)
		}
		return lat
	}
	describe := func(lat []time.Duration) string {
		return fmt.Sprintf("p50 %s p90 %s p99 %s max %s", percentile(lat, 0.5).Round(time.Millisecond),
			percentile(lat, 0.9).Round(time.Millisecond), percentile(lat, 0.99).Round(time.Millisecond),
			slices.Max(lat).Round(time.Millisecond))
	}

	healthy := phase("healthy")
	victim := c.nodes[court]
	victim.kill()
	degraded := phase("court-down")
	rest := c.others(court)
	h := c.checkChain(rest, 1)
	if bad := c.scanLogs(); len(bad) > 0 {
		t.Errorf("node logs report failures: %q", bad[:min(len(bad), 5)])
	}
	t.Logf("RESULT latency: %d sequential records each; block_interval %s, timeout_propose %s, timeout_vote %s; "+
		"healthy %s; with %s down %s; chain identical on the other 3 at heights 1..%d",
		latencyRecords, def.BlockInterval, def.TimeoutPropose, def.TimeoutVote,
		describe(healthy), victim.org, describe(degraded), h)
	if p99 := percentile(degraded, 0.99); p99 > degradedP99Limit {
		t.Errorf("commit latency p99 with one of four validators down is %s, want ≤ %s", p99.Round(time.Millisecond), degradedP99Limit)
	}
}
