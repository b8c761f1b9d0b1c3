//go:build faults

package faults

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/node/nodehome"
	"github.com/sealchain/sealchain/signer"
)

// platformOrg holds the platform's credentials, loaded from its home the way
// the CLI loads them.
type platformOrg struct {
	home nodehome.Home
	sub  *client.Submitter
	ca   *signer.CA
}

func (c *cluster) platformOrg() *platformOrg {
	c.t.Helper()
	h := nodehome.Home(c.nodes[platform].home)
	sub, err := client.LoadSubmitter(chainID, "platform", h.SubmitterCert(), h.SubmitterKey())
	if err != nil {
		c.t.Fatalf("LoadSubmitter: %v", err)
	}
	ca, err := signer.LoadCA(h.CACert(), h.CAKey())
	if err != nil {
		c.t.Fatalf("LoadCA: %v", err)
	}
	return &platformOrg{home: h, sub: sub, ca: ca}
}

func (o *platformOrg) build(body chain.Body, actor *client.Actor) []byte {
	raw, err := o.sub.Build(body, actor)
	if err != nil {
		panic(fmt.Sprintf("build %s: %v", body.Type(), err))
	}
	return raw
}

// submitResult is the outcome of one POST /v1/txs.
type submitResult struct {
	Status  int
	Res     client.SubmitResult
	Err     *client.APIError // the JSON error, when Status >= 300
	Latency time.Duration
}

// acked reports whether the record is acknowledged: 200, committed, with a
// log index.
func (r submitResult) acked() bool {
	return r.Status == 200 && r.Res.Committed && r.Res.LogIndex != nil && r.Res.Height > 0
}

// submit posts tx to p's API (with ?wait=commit when wait).
func (c *cluster) submit(ctx context.Context, p *proc, tx []byte, wait bool) (submitResult, error) {
	url := p.api + "/v1/txs"
	if wait {
		url += "?wait=commit"
	}
	start := time.Now()
	code, body, err := c.post(ctx, url, tx)
	r := submitResult{Status: code, Latency: time.Since(start)}
	if err != nil {
		return r, err
	}
	if code >= 300 {
		var e struct {
			Error client.APIError `json:"error"`
		}
		if json.Unmarshal(body, &e) != nil || e.Error.Code == "" {
			return r, fmt.Errorf("HTTP %d without a JSON error: %.200s", code, body)
		}
		e.Error.Status = code
		r.Err = &e.Error
		return r, nil
	}
	if err := json.Unmarshal(body, &r.Res); err != nil {
		return r, fmt.Errorf("HTTP %d: decode: %w", code, err)
	}
	return r, nil
}

// commit submits with ?wait=commit and fails the test unless acknowledged.
func (c *cluster) commit(p *proc, tx []byte) submitResult {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	r, err := c.submit(ctx, p, tx, true)
	if err != nil || !r.acked() {
		c.t.Fatalf("submit %s to %s: %v %+v %v", chain.TxHash(tx), p.org, err, r.Res, r.Err)
	}
	return r
}

// newParty issues a fresh signer certificate with the platform CA, records
// it on chain and returns the signer.
func (c *cluster) newParty(o *platformOrg, ref string) *client.Actor {
	c.t.Helper()
	k, err := signer.GenerateKey(signer.AlgSM2, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	nb := time.Now().Add(-5 * time.Minute).UTC().Truncate(time.Second)
	der, err := o.ca.Issue(k.Public(), signer.IssueOptions{SubjectRef: ref, Usage: signer.UsageSigner, NotBefore: nb, NotAfter: nb.AddDate(1, 0, 0)}, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	c.commit(c.nodes[platform], o.build(&chain.CertIssued{Cert: der}, nil))
	return &client.Actor{Cert: chain.FingerprintOf(der), Key: k}
}

func contractCreated(id string, parties ...chain.Fingerprint) *chain.ContractCreated {
	d3 := sm3.Sum([]byte("faults document " + id))
	d2 := chain.FingerprintOf([]byte("sha " + id)) // any 32 bytes: the document is never checked here
	return &chain.ContractCreated{Contract: id, DocSM3: d3[:], DocSHA256: d2[:], Parties: parties, Order: chain.OrderSequential}
}

// ack is an acknowledged record.
type ack struct {
	Hash     string
	Contract string
	LogIndex uint64
	Height   int64
}

// loadGen submits contract_created records continuously to one node, each
// with ?wait=commit, from a few workers.
type loadGen struct {
	c      *cluster
	org    *platformOrg
	party  chain.Fingerprint
	prefix string
	target atomic.Pointer[proc]

	seq      atomic.Int64
	mu       sync.Mutex
	acked    []ack
	attempts int
	failures map[string]int
	lat      []time.Duration

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// startLoad issues one signer certificate and starts workers submitting
// contracts naming it as party to target.
func (c *cluster) startLoad(target *proc, workers int) *loadGen {
	c.t.Helper()
	o := c.platformOrg()
	party := c.newParty(o, "sc-faults-load")
	g := &loadGen{c: c, org: o, party: party.Cert, prefix: fmt.Sprintf("load-%d", time.Now().UnixNano()), failures: map[string]int{}}
	g.target.Store(target)
	ctx, cancel := context.WithCancel(context.Background())
	g.cancel = cancel
	for w := 0; w < workers; w++ {
		g.wg.Add(1)
		go g.run(ctx)
	}
	c.t.Cleanup(g.stop)
	return g
}

func (g *loadGen) run(ctx context.Context) {
	defer g.wg.Done()
	for ctx.Err() == nil {
		id := fmt.Sprintf("%s-%d", g.prefix, g.seq.Add(1))
		tx := g.org.build(contractCreated(id, g.party), nil)
		r, err := g.c.submit(ctx, g.target.Load(), tx, true)
		g.mu.Lock()
		g.attempts++
		switch {
		case err != nil:
			if ctx.Err() == nil {
				g.failures[errKind(err)]++
			}
		case r.acked():
			g.acked = append(g.acked, ack{Hash: r.Res.TxHash, Contract: id, LogIndex: *r.Res.LogIndex, Height: r.Res.Height})
			g.lat = append(g.lat, r.Latency)
		case r.Err != nil:
			g.failures[fmt.Sprintf("HTTP %d %s", r.Status, r.Err.Code)]++
		default:
			g.failures[fmt.Sprintf("HTTP %d", r.Status)]++
		}
		g.mu.Unlock()
		if err != nil || !r.acked() {
			select {
			case <-ctx.Done():
			case <-time.After(200 * time.Millisecond):
			}
		}
	}
}

func errKind(err error) string {
	s := err.Error()
	switch {
	case strings.Contains(s, "connection refused"):
		return "connection refused"
	case strings.Contains(s, "Timeout") || strings.Contains(s, "deadline"):
		return "client timeout"
	case strings.Contains(s, "EOF") || strings.Contains(s, "reset"):
		return "connection closed"
	}
	return s
}

// stop ends the load and waits for the workers.
func (g *loadGen) stop() {
	if g.cancel != nil {
		g.cancel()
	}
	g.wg.Wait()
}

func (g *loadGen) count() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.acked)
}

// summary describes the load for t.Logf.
func (g *loadGen) summary() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	var fs []string
	for k, v := range g.failures {
		fs = append(fs, fmt.Sprintf("%s×%d", k, v))
	}
	sort.Strings(fs)
	return fmt.Sprintf("%d submitted, %d acknowledged, commit latency p50 %s p99 %s, not acknowledged: %v",
		g.attempts, len(g.acked), percentile(g.lat, 0.5).Round(time.Millisecond), percentile(g.lat, 0.99).Round(time.Millisecond), fs)
}

func (g *loadGen) records() []ack {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]ack(nil), g.acked...)
}

// checkRecords confirms every acknowledged record is committed on every
// node with the same height and log index (GET /v1/txs/{hash}) and that no
// two records share a log index. It returns the number lost.
func (c *cluster) checkRecords(recs []ack, nodes []*proc) int {
	c.t.Helper()
	seen := map[uint64]string{}
	for _, r := range recs {
		if other, dup := seen[r.LogIndex]; dup {
			c.t.Errorf("log index %d acknowledged for two records: %s and %s", r.LogIndex, other, r.Hash)
		}
		seen[r.LogIndex] = r.Hash
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var mu sync.Mutex
	lost := map[string]string{}
	jobs := make(chan ack)
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range jobs {
				for _, p := range nodes {
					var why string
					for try := 0; try < 3; try++ {
						why = ""
						code, body, err := c.get(ctx, p.api+"/v1/txs/"+r.Hash)
						var got client.SubmitResult
						switch {
						case err != nil:
							why = err.Error()
						case code != 200:
							why = fmt.Sprintf("HTTP %d %.150s", code, body)
						case json.Unmarshal(body, &got) != nil || got.LogIndex == nil:
							why = fmt.Sprintf("bad answer %.150s", body)
						case *got.LogIndex != r.LogIndex || got.Height != r.Height:
							why = fmt.Sprintf("log index %d height %d, acknowledged %d at %d", *got.LogIndex, got.Height, r.LogIndex, r.Height)
							try = 3
						}
						if why == "" {
							break
						}
						time.Sleep(300 * time.Millisecond)
					}
					if why != "" {
						mu.Lock()
						lost[r.Hash] = p.org + ": " + why
						mu.Unlock()
					}
				}
			}
		}()
	}
	for _, r := range recs {
		jobs <- r
	}
	close(jobs)
	wg.Wait()
	n := 0
	for h, why := range lost {
		if n < 10 {
			c.t.Errorf("LOST acknowledged record %s: %s", h, why)
		}
		n++
	}
	return n
}
