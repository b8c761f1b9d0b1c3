//go:build faults

package faults

import (
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"
)

// verifyAll is the end-of-test check: the load is stopped, every node
// reaches a common height, the chain (block and app hash at every height) and
// the latest app hash agree, and every acknowledged record is on every node.
func (c *cluster) verifyAll(g *loadGen) (lost int, height int64) {
	c.t.Helper()
	g.stop()
	hs := c.heights(c.nodes)
	c.waitHeight(c.nodes, slices.Max(hs), 90*time.Second)
	height = c.checkChain(c.nodes, 1)
	c.checkLatestAppHash(c.nodes)
	recs := g.records()
	lost = c.checkRecords(recs, c.nodes)
	if bad := c.scanLogs(); len(bad) > 0 {
		c.t.Errorf("node logs report failures: %q", bad[:min(len(bad), 5)])
	}
	if lost != 0 {
		c.t.Fatalf("%d acknowledged records lost", lost)
	}
	return lost, height
}

// progress waits d and returns how many blocks nodes made meanwhile (the
// least of them).
func (c *cluster) progress(nodes []*proc, d time.Duration) (from, to []int64) {
	from = c.heights(nodes)
	time.Sleep(d)
	return from, c.heights(nodes)
}

func minDelta(from, to []int64) int64 {
	d := to[0] - from[0]
	for i := range from {
		d = min(d, to[i]-from[i])
	}
	return d
}

// TestKillOneValidatorUnderLoad: kill -9 one validator (court) while the
// platform receives load; blocks keep coming, nothing acknowledged is lost;
// the restarted node catches up with an identical chain.
func TestKillOneValidatorUnderLoad(t *testing.T) {
	c := newCluster(t, clusterOptions{CreateEmptyBlocks: true})
	g := c.startLoad(c.nodes[platform], 4)
	time.Sleep(5 * time.Second)
	victim := c.nodes[court]
	rest := c.others(court)

	before := g.count()
	victim.kill()
	killedAt := c.heights(rest)
	from, to := c.progress(rest, 15*time.Second)
	if d := minDelta(from, to); d < 3 {
		t.Fatalf("with %s down the other three made %d blocks in 15s (%v → %v)", victim.org, d, from, to)
	}
	ackedDown := g.count() - before
	if ackedDown == 0 {
		t.Fatalf("no record acknowledged while %s was down: %s", victim.org, g.summary())
	}

	restart := time.Now()
	victim.start()
	apiUp := victim.waitHealthy(90 * time.Second)
	rec, target := c.catchUp(victim, rest, 90*time.Second)
	recovery := time.Since(restart)
	time.Sleep(5 * time.Second)
	lost, h := c.verifyAll(g)
	t.Logf("RESULT kill-one: killed %s at heights %v; others made %d+ blocks in 15s down, %d records acknowledged while down; "+
		"restart → API up %s, caught up to height %d in %s (total recovery %s); load: %s; lost %d; chain identical on 4 nodes at heights 1..%d",
		victim.org, killedAt, minDelta(from, to), ackedDown, apiUp.Round(time.Millisecond), target, rec.Round(time.Millisecond),
		recovery.Round(time.Millisecond), g.summary(), lost, h)
}

// TestStopTwoOfFour: with two of four validators killed the chain halts (no
// block for several seconds, no fork between the two left); after restart
// it resumes and nothing acknowledged is lost.
func TestStopTwoOfFour(t *testing.T) {
	c := newCluster(t, clusterOptions{CreateEmptyBlocks: true})
	g := c.startLoad(c.nodes[platform], 4)
	time.Sleep(5 * time.Second)
	down := []*proc{c.nodes[court], c.nodes[notary]}
	up := c.others(court, notary)
	for _, p := range down {
		p.kill()
	}
	time.Sleep(3 * time.Second) // a block already voted may still commit
	ackedAtHalt := g.count()
	from, to := c.progress(up, 10*time.Second)
	if !slices.Equal(from, to) {
		t.Fatalf("with 2 of 4 validators down the others still made blocks: %v → %v", from, to)
	}
	if g.count() != ackedAtHalt {
		t.Fatalf("records acknowledged while the chain should be halted: %d → %d", ackedAtHalt, g.count())
	}
	haltH := c.checkChain(up, 1)

	for _, p := range down {
		p.start()
	}
	resume := c.waitHeight(c.nodes, slices.Max(to)+3, 120*time.Second)
	t.Logf("chain resumed (3 blocks past %d on all nodes) %s after the restart", slices.Max(to), resume.Round(time.Millisecond))
	afterResume := g.count()
	deadline := time.Now().Add(60 * time.Second)
	for g.count() < afterResume+5 && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
	}
	if g.count() < afterResume+5 {
		t.Fatalf("load does not commit after resuming: %s", g.summary())
	}
	lost, h := c.verifyAll(g)
	t.Logf("RESULT stop-two: halted at height %v (no block for 10s, %s and %s identical up to %d); resumed %s after restart; load: %s; lost %d; chain identical at heights 1..%d",
		to, up[0].org, up[1].org, haltH, resume.Round(time.Millisecond), g.summary(), lost, h)
}

// TestCrashConsistency: kill -9 the court validator at a random moment
// (0–2 s after it caught up) under load, 30 times (FAULTS_CRASH_CYCLES;
// the issue asks for at least 20), restarting it each time: it always catches up, the chain never diverges, nothing
// acknowledged is lost.
func TestCrashConsistency(t *testing.T) {
	cycles := 30
	if s := os.Getenv("FAULTS_CRASH_CYCLES"); s != "" {
		cycles, _ = strconv.Atoi(s)
	}
	c := newCluster(t, clusterOptions{CreateEmptyBlocks: true})
	g := c.startLoad(c.nodes[platform], 4)
	victim := c.nodes[court]
	rest := c.others(court)
	budget := time.Now().Add(7 * time.Minute)
	var recs []time.Duration
	checked := int64(1)
	for i := 0; i < cycles; i++ {
		if time.Now().After(budget) {
			t.Fatalf("only %d of %d crash cycles within the time budget", i, cycles)
		}
		time.Sleep(time.Duration(rand.Int64N(int64(2 * time.Second))))
		victim.kill()
		start := time.Now()
		victim.start()
		c.catchUp(victim, rest, 90*time.Second)
		recs = append(recs, time.Since(start))
		if i%5 == 4 {
			checked = c.checkChain(c.nodes, checked)
		}
	}
	lost, h := c.verifyAll(g)
	t.Logf("RESULT crash: %d kill -9 cycles of %s; recovery (restart → caught up) p50 %s p99/max %s; load: %s; lost %d; chain identical on 4 nodes at heights 1..%d",
		cycles, victim.org, percentile(recs, 0.5).Round(time.Millisecond), slices.Max(recs).Round(time.Millisecond), g.summary(), lost, h)
}

// TestPartitions: a 2/2 split halts safely (no blocks, no fork) and heals;
// a 3/1 split goes on and the one catches up.
//
// Where `ip netns add` works (root, iproute2), each validator runs in its own
// network namespace and a partition is real: blackhole routes between the
// two sides while every process keeps running (netnsNet). Otherwise the
// split is emulated by pausing processes (SIGSTOP/SIGCONT): a paused
// validator neither sends nor answers, which to the others is a validator
// cut off; pausing 2 of 4 is the 2/2 split as seen from the running half,
// pausing 1 is the 3/1 split. The emulation cannot show the cut-off side
// running on its own (it is frozen), which the namespaces do.
func TestPartitions(t *testing.T) {
	c := newCluster(t, clusterOptions{CreateEmptyBlocks: true, Netns: true})
	mode := "SIGSTOP emulation (network namespaces unavailable)"
	if c.netns != nil {
		mode = "network namespaces, blackhole routes"
	}
	var paused []*proc
	split := func(minority ...int) {
		if c.netns != nil {
			var rest []int
			for _, p := range c.others(minority...) {
				rest = append(rest, p.idx)
			}
			c.netns.cut(minority, rest)
			return
		}
		for _, i := range minority {
			c.nodes[i].pause()
			paused = append(paused, c.nodes[i])
		}
	}
	heal := func() {
		if c.netns != nil {
			c.netns.heal()
			return
		}
		for _, p := range paused {
			p.resume()
		}
		paused = nil
	}
	// running are the nodes whose heights can be read during a split.
	running := func(minority ...int) []*proc {
		if c.netns != nil {
			return c.nodes
		}
		return c.others(minority...)
	}

	g := c.startLoad(c.nodes[platform], 4)
	time.Sleep(4 * time.Second)

	// 2/2: {court, notary} | {arbitration, platform}.
	split(court, notary)
	time.Sleep(3 * time.Second) // a block already voted may still commit
	acked := g.count()
	watch := running(court, notary)
	from, to := c.progress(watch, 12*time.Second)
	if !slices.Equal(from, to) {
		t.Fatalf("2/2 partition: %v made blocks %v → %v", names(watch), from, to)
	}
	if g.count() != acked {
		t.Fatalf("2/2 partition: records acknowledged during the halt: %d → %d", acked, g.count())
	}
	c.checkChain(watch, 1) // both sides agree on every block up to the halt: no fork
	healed := time.Now()
	heal()
	resume2 := c.waitHeight(c.nodes, slices.Max(to)+3, 120*time.Second)
	t.Logf("2/2 healed: 3 new blocks on every node %s after the heal", time.Since(healed).Round(time.Millisecond))

	// 3/1: {court} | the rest.
	lone := c.nodes[court]
	three := c.others(court)
	split(court)
	time.Sleep(2 * time.Second)
	before := g.count()
	loneFrom := c.heights([]*proc{lone})[0]
	from3, to3 := c.progress(three, 15*time.Second)
	if d := minDelta(from3, to3); d < 3 {
		t.Fatalf("3/1 partition: the three made only %d blocks in 15s (%v → %v)", d, from3, to3)
	}
	during := g.count() - before
	if during == 0 {
		t.Fatalf("3/1 partition: no record acknowledged: %s", g.summary())
	}
	loneTo := int64(-1)
	if c.netns != nil {
		loneTo = c.heights([]*proc{lone})[0]
		if loneTo > loneFrom+1 {
			t.Fatalf("3/1 partition: the isolated %s went on from %d to %d", lone.org, loneFrom, loneTo)
		}
	}
	heal()
	catch, target := c.catchUp(lone, three, 120*time.Second)
	lost, h := c.verifyAll(g)
	t.Logf("RESULT partitions (%s): 2/2 halted at %v for 12s on both sides, no fork, resumed %s after heal; "+
		"3/1 the three made %d+ blocks in 15s and acknowledged %d records while the isolated %s stayed at %d→%d, then caught up to %d in %s after heal; load: %s; lost %d; chain identical at 1..%d",
		mode, to, resume2.Round(time.Millisecond), minDelta(from3, to3), during, lone.org, loneFrom, loneTo, target, catch.Round(time.Millisecond), g.summary(), lost, h)
}
