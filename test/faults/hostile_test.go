//go:build faults

package faults

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/node/nodehome"
	"github.com/sealchain/sealchain/signer"
)

// verifyEvidence fetches /v1/evidence?contract_id=id from p and verifies it
// offline against the genesis. It returns the failed checks (nil when the
// bundle verifies) or an error when no bundle could be had.
func (c *cluster) verifyEvidence(p *proc, id string) ([]string, map[string]string, error) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	code, body, err := c.get(ctx, p.api+"/v1/evidence?contract_id="+id)
	if err != nil {
		return nil, nil, err
	}
	if code != 200 {
		return nil, nil, fmt.Errorf("HTTP %d: %.300s", code, body)
	}
	b, err := evidence.DecodeBundle(body)
	if err != nil {
		return nil, nil, fmt.Errorf("decode bundle: %w", err)
	}
	trust, err := evidence.LoadTrust(nodehome.Home(c.nodes[platform].home).Genesis())
	if err != nil {
		c.t.Fatalf("LoadTrust: %v", err)
	}
	v, err := evidence.NewVerifier(trust)
	if err != nil {
		c.t.Fatalf("NewVerifier: %v", err)
	}
	res := v.Verify(b, nil)
	details := map[string]string{}
	for _, ch := range res.Checks {
		if !ch.OK {
			details[ch.Name] = ch.Detail
		}
	}
	return res.Failed(), details, nil
}

// TestTamperedStore: one byte of a record (an "e/" leaf) in a stopped
// validator's pebble store is flipped; after restart the alteration must be
// detected — the node halts on an app-hash mismatch, or the evidence it
// serves for that record fails offline verification — while the other three
// go on committing.
func TestTamperedStore(t *testing.T) {
	c := newCluster(t, clusterOptions{CreateEmptyBlocks: true})
	o := c.platformOrg()
	party := c.newParty(o, "sc-faults-tamper")
	var recs []ack
	for i := 0; i < 5; i++ {
		id := fmt.Sprintf("tamper-%d-%d", time.Now().UnixNano(), i)
		r := c.commit(c.nodes[platform], o.build(contractCreated(id, party.Cert), nil))
		recs = append(recs, ack{Hash: r.Res.TxHash, Contract: id, LogIndex: *r.Res.LogIndex, Height: r.Res.Height})
	}
	target := recs[2]
	victim := c.nodes[notary]
	honest := c.others(notary)
	c.waitHeight(c.nodes, target.Height+2, 60*time.Second)
	if failed, d, err := c.verifyEvidence(victim, target.Contract); err != nil || failed != nil {
		t.Fatalf("before tampering, %s's evidence for %s: failed %v %v err %v", victim.org, target.Contract, failed, d, err)
	}

	victim.stop()
	stoppedAt := c.heights(honest)
	dbPath := nodehome.Home(victim.home).Store()
	db, err := pebble.Open(dbPath, &pebble.Options{Logger: pebbleLogger{t}})
	if err != nil {
		t.Fatalf("open %s: %v", dbPath, err)
	}
	key := binary.BigEndian.AppendUint64([]byte("e/"), target.LogIndex)
	v, closer, err := db.Get(key)
	if err != nil {
		db.Close()
		t.Fatalf("get %q: %v", key, err)
	}
	val := bytes.Clone(v)
	closer.Close()
	pos := len(val) - 1 // the last byte of the tx: inside the envelope signature
	val[pos] ^= 0x01
	if err := db.Set(key, val, pebble.Sync); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	t.Logf("flipped byte %d of %d of key e/%d (record of contract %s) in %s's store", pos, len(val), target.LogIndex, target.Contract, victim.org)

	victim.start()
	victim.waitHealthy(90 * time.Second)
	g := c.startLoad(c.nodes[platform], 3)

	// Does the victim keep following the chain, or halt?
	time.Sleep(8 * time.Second)
	others := c.heights(honest)
	took, vh, following := c.tryWaitHeight([]*proc{victim}, slices.Max(others), 45*time.Second)
	halted := !following || victim.exited()
	var detections []string
	if halted {
		detections = append(detections, fmt.Sprintf("halted (height %v while the others are at %v)", vh, others))
	}
	if bad := c.scanLogs(); len(bad) > 0 {
		detections = append(detections, fmt.Sprintf("log: %q", bad[0]))
	}
	failed, details, err := c.verifyEvidence(victim, target.Contract)
	switch {
	case err != nil:
		detections = append(detections, "evidence refused: "+err.Error())
	case len(failed) > 0:
		detections = append(detections, fmt.Sprintf("evidence verification failed: %v %v", failed, details))
	}
	if fh, fd, err := c.verifyEvidence(c.nodes[platform], target.Contract); err != nil || fh != nil {
		t.Errorf("the honest platform's evidence for %s does not verify: %v %v %v", target.Contract, fh, fd, err)
	}
	if len(detections) == 0 {
		t.Fatalf("the altered record was NOT detected: %s follows the chain and its evidence verifies", victim.org)
	}

	// The three honest validators go on committing.
	before := g.count()
	from, to := c.progress(honest, 8*time.Second)
	if minDelta(from, to) < 3 || g.count() <= before {
		t.Fatalf("honest validators stalled: %v → %v, %s", from, to, g.summary())
	}
	g.stop()
	c.checkChain(honest, 1)
	lost := c.checkRecords(append(recs, g.records()...), honest)
	chainWithVictim := "not compared (halted)"
	if !halted {
		chainWithVictim = fmt.Sprintf("identical at 1..%d", c.checkChain(c.nodes, 1))
	}
	t.Logf("RESULT tamper: detection on %s: %s; follows the chain: %v (caught up in %s); honest nodes %v → %v while it ran, load: %s; lost on the honest nodes %d; chain with %s: %s",
		victim.org, strings.Join(detections, "; "), following, took.Round(time.Millisecond), stoppedAt, to, g.summary(), lost, victim.org, chainWithVictim)
	if lost != 0 {
		t.Fatalf("%d records lost", lost)
	}
}

// rejection classifies a hostile submission's answer.
type rejection struct {
	status int
	code   string
	abci   uint32
	msg    string
}

// TestHostileSubmitter: replays, conflicting signatures, invalid and
// oversized transactions are rejected at bounded cost without filling the
// mempool, while honest records still commit with their usual latency.
func TestHostileSubmitter(t *testing.T) {
	c := newCluster(t, clusterOptions{CreateEmptyBlocks: true})
	o := c.platformOrg()
	api := c.nodes[platform]
	party := c.newParty(o, "sc-faults-hostile")

	honestRound := func(n int, tag string) ([]time.Duration, []ack) {
		var lat []time.Duration
		var recs []ack
		for i := 0; i < n; i++ {
			id := fmt.Sprintf("honest-%s-%d-%d", tag, time.Now().UnixNano(), i)
			r := c.commit(api, o.build(contractCreated(id, party.Cert), nil))
			lat = append(lat, r.Latency)
			recs = append(recs, ack{Hash: r.Res.TxHash, Contract: id, LogIndex: *r.Res.LogIndex, Height: r.Res.Height})
		}
		return lat, recs
	}
	const honestN = 40
	baseLat, recs := honestRound(honestN, "quiet")

	// Two conflicting contract_signed for one party: exactly one commits.
	// Two parties, so the contract stays open after the first signature.
	party2 := c.newParty(o, "sc-faults-hostile-2")
	cid := fmt.Sprintf("conflict-%d", time.Now().UnixNano())
	c.commit(api, o.build(contractCreated(cid, party.Cert, party2.Cert), nil))
	c.recordIntent(o, api, cid, party)
	doc := contractCreated(cid).DocSM3
	signA := o.build(&chain.ContractSigned{Contract: cid, DocSM3: doc}, party)
	signB := o.build(&chain.ContractSigned{Contract: cid, DocSM3: doc}, party)
	var ra, rb submitResult
	var ea, eb error
	var wg sync.WaitGroup
	wg.Add(2)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	go func() { defer wg.Done(); ra, ea = c.submit(ctx, api, signA, true) }()
	go func() { defer wg.Done(); rb, eb = c.submit(ctx, api, signB, true) }()
	wg.Wait()
	cancel()
	if ea != nil || eb != nil {
		t.Fatalf("conflicting signatures: %v / %v", ea, eb)
	}
	if ra.acked() == rb.acked() {
		t.Fatalf("conflicting signatures: want exactly one committed, got %d %+v %v / %d %+v %v", ra.Status, ra.Res, ra.Err, rb.Status, rb.Res, rb.Err)
	}
	loser := rb
	if rb.acked() {
		loser = ra
		recs = append(recs, ack{Hash: rb.Res.TxHash, LogIndex: *rb.Res.LogIndex, Height: rb.Res.Height})
	} else {
		recs = append(recs, ack{Hash: ra.Res.TxHash, LogIndex: *ra.Res.LogIndex, Height: ra.Res.Height})
	}
	if loser.Err == nil || loser.Err.ABCICode != 16 || loser.Status != 422 {
		t.Fatalf("second conflicting signature: HTTP %d %+v, want 422 with ABCI code 16 (already signed)", loser.Status, loser.Err)
	}
	third := o.build(&chain.ContractSigned{Contract: cid, DocSM3: doc}, party)

	// The flood.
	wrongKey, _ := signer.GenerateKey(signer.AlgSM2, nil)
	forger := &client.Submitter{ChainID: chainID, Org: "platform", Cert: o.sub.Cert, Key: wrongKey}
	kinds := []string{"replay", "conflicting-sign", "bad-signature", "garbage", "oversized"}
	hostile := func(kind string, r *rand.Rand) []byte {
		switch kind {
		case "replay":
			return nil // picked from replayPool
		case "conflicting-sign":
			return third
		case "bad-signature":
			raw, _ := forger.Build(contractCreated(fmt.Sprintf("forged-%d", r.Int64()), party.Cert), nil)
			return raw // nil on a build error: the empty body is rejected too
		case "garbage":
			b := make([]byte, 16+r.IntN(4000))
			for i := range b {
				b[i] = byte(r.Uint32())
			}
			return b
		default: // oversized: just over 64 KiB
			b := make([]byte, 64<<10+1+r.IntN(8<<10))
			for i := range b {
				b[i] = byte(r.Uint32())
			}
			return b
		}
	}
	// Replays: committed contract creations and the winning signature.
	var replayPool [][]byte
	for i := 0; i < 5; i++ {
		tx := o.build(contractCreated(fmt.Sprintf("replayed-%d-%d", time.Now().UnixNano(), i), party.Cert), nil)
		r := c.commit(api, tx)
		recs = append(recs, ack{Hash: r.Res.TxHash, LogIndex: *r.Res.LogIndex, Height: r.Res.Height})
		replayPool = append(replayPool, tx)
	}
	if ra.acked() {
		replayPool = append(replayPool, signA)
	} else {
		replayPool = append(replayPool, signB)
	}

	type stat struct {
		n        int
		lat      []time.Duration
		statuses map[string]int
		hashes   []string
	}
	var mu sync.Mutex
	stats := map[string]*stat{}
	for _, k := range kinds {
		stats[k] = &stat{statuses: map[string]int{}}
	}
	floodCtx, stopFlood := context.WithCancel(context.Background())
	var fwg sync.WaitGroup
	var floodErrs []string
	for w := 0; w < 4; w++ {
		fwg.Add(1)
		go func(w int) {
			defer fwg.Done()
			r := rand.New(rand.NewPCG(uint64(w), uint64(time.Now().UnixNano())))
			for i := 0; floodCtx.Err() == nil; i++ {
				kind := kinds[(i+w)%len(kinds)]
				tx := hostile(kind, r)
				if kind == "replay" {
					tx = replayPool[r.IntN(len(replayPool))]
				}
				wait := r.IntN(2) == 0
				res, err := c.submit(floodCtx, api, tx, wait)
				if floodCtx.Err() != nil {
					return
				}
				mu.Lock()
				s := stats[kind]
				s.n++
				s.lat = append(s.lat, res.Latency)
				if len(s.hashes) < 50 && kind != "replay" && kind != "conflicting-sign" {
					s.hashes = append(s.hashes, chain.TxHash(tx).String())
				}
				rj, ok := classify(res, err)
				if kind == "conflicting-sign" && !wait && err == nil && res.Status == 202 {
					// CheckTx is stateless: a second signature passes it and
					// is rejected in FinalizeBlock (checked after the flood).
					ok = true
				}
				key := fmt.Sprintf("%d/%s/%d", rj.status, rj.code, rj.abci)
				s.statuses[key]++
				if !ok && len(floodErrs) < 10 {
					floodErrs = append(floodErrs, fmt.Sprintf("%s: %s %v", kind, key, err))
				}
				mu.Unlock()
			}
		}(w)
	}
	// Mempool watch on the platform and the court.
	var maxMempool atomic.Int64
	mwCtx, stopWatch := context.WithCancel(context.Background())
	var mwg sync.WaitGroup
	mwg.Add(1)
	go func() {
		defer mwg.Done()
		for mwCtx.Err() == nil {
			for _, p := range []*proc{api, c.nodes[court]} {
				code, body, err := c.get(mwCtx, p.rpc+"/num_unconfirmed_txs")
				var r struct {
					Result struct {
						N jint `json:"n_txs"`
					} `json:"result"`
				}
				if err == nil && code == 200 && json.Unmarshal(body, &r) == nil && int64(r.Result.N) > maxMempool.Load() {
					maxMempool.Store(int64(r.Result.N))
				}
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
	time.Sleep(2 * time.Second)
	floodLat, floodRecs := honestRound(honestN, "flood")
	recs = append(recs, floodRecs...)
	stopFlood()
	fwg.Wait()
	stopWatch()
	mwg.Wait()

	if len(floodErrs) > 0 {
		t.Errorf("hostile submissions not rejected as expected: %q", floodErrs)
	}
	// None of the invalid txs was committed.
	leaked := 0
	for _, k := range []string{"bad-signature", "garbage", "oversized"} {
		for _, h := range stats[k].hashes {
			code, _, err := c.get(context.Background(), api.api+"/v1/txs/"+h)
			if err == nil && code == 200 {
				leaked++
			}
		}
	}
	if leaked > 0 {
		t.Errorf("%d invalid txs were committed", leaked)
	}
	// The conflicting signature never made it into the log: CometBFT's
	// index has it rejected with code 16.
	{
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		r, err := c.submit(ctx, api, third, true)
		cancel()
		if err != nil || r.Err == nil || r.Err.ABCICode != 16 {
			t.Errorf("conflicting signature after the flood: HTTP %d %+v %v, want 422 with ABCI code 16", r.Status, r.Err, err)
		}
	}
	var lines []string
	var hostileLat []time.Duration
	total := 0
	for _, k := range kinds {
		s := stats[k]
		total += s.n
		hostileLat = append(hostileLat, s.lat...)
		var st []string
		for key, n := range s.statuses {
			st = append(st, fmt.Sprintf("%s×%d", key, n))
		}
		sort.Strings(st)
		lines = append(lines, fmt.Sprintf("%s: %d sent, latency p50 %s p99 %s, answers (HTTP/code/abci) %v", k, s.n,
			percentile(s.lat, 0.5).Round(time.Microsecond), percentile(s.lat, 0.99).Round(time.Microsecond), st))
	}
	t.Logf("hostile flood (4 workers, %s):\n  %s", floodDuration(floodLat), strings.Join(lines, "\n  "))
	bp50, bp99 := percentile(baseLat, 0.5), percentile(baseLat, 0.99)
	fp50, fp99 := percentile(floodLat, 0.5), percentile(floodLat, 0.99)
	lost := c.checkRecords(recs, c.nodes)
	h := c.checkChain(c.nodes, 1)
	t.Logf("RESULT hostile: %d hostile submissions, all rejected, hostile answer latency p50 %s p99 %s; max mempool size %d; "+
		"honest commit latency quiet p50 %s p99 %s, under flood p50 %s p99 %s (%d records each); %d invalid committed; lost %d; chain identical at 1..%d",
		total, percentile(hostileLat, 0.5).Round(time.Microsecond), percentile(hostileLat, 0.99).Round(time.Microsecond), maxMempool.Load(),
		bp50.Round(time.Millisecond), bp99.Round(time.Millisecond), fp50.Round(time.Millisecond), fp99.Round(time.Millisecond), honestN, leaked, lost, h)
	t.Logf("rejections by stage on the platform (sealchain_tx_rejections_total): %s", c.rejectionMetrics(api))
	if p := percentile(hostileLat, 0.99); p > 2*time.Second {
		t.Errorf("hostile answers p99 %s: rejection is not cheap", p)
	}
	if m := maxMempool.Load(); m > 10 {
		t.Errorf("mempool reached %d txs during the flood", m)
	}
	if fp99 > max(5*time.Second, 4*bp99) {
		t.Errorf("honest p99 under flood %s vs %s quiet", fp99, bp99)
	}
	if lost != 0 {
		t.Fatalf("%d records lost", lost)
	}
}

func floodDuration(lat []time.Duration) time.Duration {
	var d time.Duration
	for _, l := range lat {
		d += l
	}
	return (d + 2*time.Second).Round(time.Millisecond)
}

// classify checks a hostile answer: a JSON error with 409, 413 or 422 is
// what the API promises; ok is false for anything else (accepted, 5xx,
// transport errors).
func classify(r submitResult, err error) (rj rejection, ok bool) {
	if err != nil {
		return rejection{status: r.Status, code: "transport"}, false
	}
	if r.Err == nil {
		return rejection{status: r.Status, code: "ACCEPTED"}, false
	}
	rj = rejection{status: r.Status, code: r.Err.Code, abci: r.Err.ABCICode, msg: r.Err.Message}
	switch r.Status {
	case 409, 413, 422:
		return rj, true
	}
	return rj, false
}

// recordIntent runs the platform's development OTP for party on contract
// and records the intent.
func (c *cluster) recordIntent(o *platformOrg, p *proc, contract string, party *client.Actor) {
	c.t.Helper()
	cl, err := client.New(p.api, c.hc)
	if err != nil {
		c.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ch, err := cl.StartOTP(ctx, contract, party.Cert.String())
	if err != nil {
		c.t.Fatalf("StartOTP: %v", err)
	}
	at, err := cl.VerifyOTP(ctx, ch.ChallengeID, contract, party.Cert.String(), ch.Code)
	if err != nil {
		c.t.Fatalf("VerifyOTP: %v", err)
	}
	chash, err := hex.DecodeString(at.ChallengeHash)
	if err != nil {
		c.t.Fatal(err)
	}
	c.commit(p, o.build(&chain.IntentVerified{Contract: contract, Signer: party.Cert, Method: chain.IntentSMSOTP,
		ChallengeHash: chash, VerifiedAt: at.VerifiedAtMS, VerifierCert: at.VerifierCert, VerifierSig: at.VerifierSig}, party))
}

// rejectionMetrics returns the node's sealchain_tx_rejections_total lines.
func (c *cluster) rejectionMetrics(p *proc) string {
	code, body, err := c.get(context.Background(), p.api+"/metrics")
	if err != nil || code != 200 {
		return fmt.Sprintf("metrics unavailable: %v %d", err, code)
	}
	var out []string
	for _, l := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(l, "sealchain_tx_rejections_total{") {
			out = append(out, strings.TrimPrefix(l, "sealchain_tx_rejections_total"))
		}
	}
	return strings.Join(out, ", ")
}

// pebbleLogger sends pebble's messages to the test log.
type pebbleLogger struct{ t *testing.T }

func (l pebbleLogger) Infof(format string, args ...any)  { l.t.Logf("pebble: "+format, args...) }
func (l pebbleLogger) Errorf(format string, args ...any) { l.t.Logf("pebble: "+format, args...) }
func (l pebbleLogger) Fatalf(format string, args ...any) { l.t.Fatalf("pebble: "+format, args...) }
