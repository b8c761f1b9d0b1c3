//go:build faults

// Package faults runs fault-injection tests against real Sealchain validator
// processes: the built binary (bin/sealchain, or $SEALCHAIN_BIN) started four
// times on a `sealchain testnet` network on 127.0.0.1, each in its own process
// group with its output in a per-node log file. The tests kill, stop, pause
// and restart validators under a continuous load of contract records and
// check that no acknowledged record is lost and that every node agrees on the
// app hash and block at every height. TestPartitions runs each node in its
// own network namespace when `ip netns add` works (see netnsNet) and falls
// back to pausing processes otherwise.
//
// Run them with `make test-faults` (they need the faults build tag and are
// not part of `make test`).
package faults

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sealchain/sealchain/config"
)

const chainID = "sealchain-faults"

// Validator order as `sealchain testnet` creates them; node i uses
// base+10i (P2P), +1 (CometBFT RPC), +2 (API).
var orgs = []string{"court", "notary", "arbitration", "platform"}

const (
	court = iota
	notary
	arbitration
	platform
)

var binPath string

func TestMain(m *testing.M) {
	binPath = os.Getenv("SEALCHAIN_BIN")
	if binPath == "" {
		p, err := filepath.Abs("../../bin/sealchain")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		binPath = p
	}
	if _, err := os.Stat(binPath); err != nil {
		fmt.Fprintf(os.Stderr, "faults: %s missing (run `make build` or use `make test-faults`)\n", binPath)
		os.Exit(2)
	}
	os.Exit(m.Run())
}

// clusterOptions tune the generated network.
type clusterOptions struct {
	BlockInterval     time.Duration // 0: 300ms
	CreateEmptyBlocks bool
	// Netns puts every node in its own network namespace (see netnsNet);
	// newCluster leaves netns nil when the machine does not allow it.
	Netns bool
}

// cluster is a 4-validator network of real processes.
type cluster struct {
	t       *testing.T
	dir     string // homes
	logDir  string
	base    int
	nodes   []*proc
	hc      *http.Client
	started time.Time
	netns   *netnsNet // nil: every node on the host's 127.0.0.1
}

// proc is one validator process.
type proc struct {
	c    *cluster
	idx  int
	org  string
	home string
	api  string // http://127.0.0.1:port
	rpc  string // http://127.0.0.1:port (CometBFT RPC)
	log  string

	mu     sync.Mutex
	cmd    *exec.Cmd
	done   chan struct{}
	paused bool
	starts int
}

// newCluster creates the network's homes on free ports, starts every node
// and waits for the first blocks. Every process is killed when the test ends.
func newCluster(t *testing.T, opts clusterOptions) *cluster {
	t.Helper()
	if opts.BlockInterval == 0 {
		opts.BlockInterval = 300 * time.Millisecond
	}
	c := &cluster{t: t, dir: t.TempDir(), logDir: t.TempDir(), started: time.Now(),
		hc: &http.Client{Timeout: 40 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64, MaxConnsPerHost: 64}}}
	out := filepath.Join(c.dir, "net")
	var lastErr error
	for attempt := 0; attempt < 40; attempt++ {
		base := 20000 + 100*rand.IntN(118) // below the ephemeral range (32768+), which outgoing connections use
		if !portsFree(base, len(orgs)) {
			continue
		}
		cmd := exec.Command(binPath, "testnet", "--out", out, "--base-port", strconv.Itoa(base), "--chain-id", chainID, "--force")
		b, err := cmd.CombinedOutput()
		if err != nil {
			lastErr = fmt.Errorf("sealchain testnet: %v\n%s", err, b)
			continue
		}
		c.base = base
		break
	}
	if c.base == 0 {
		t.Fatalf("no testnet: %v", lastErr)
	}
	if opts.Netns {
		nn, err := newNetns(t, len(orgs))
		if err != nil {
			t.Logf("network namespaces unavailable (%v): nodes share the host's 127.0.0.1", err)
		} else {
			c.netns = nn
			t.Cleanup(nn.teardown) // after c.cleanup (LIFO): the processes are gone by then
			c.hc.Transport.(*http.Transport).DialContext = nn.dial
			for i := range orgs {
				nn.byPort[strconv.Itoa(c.base+10*i+1)] = nn.ns(i)
				nn.byPort[strconv.Itoa(c.base+10*i+2)] = nn.ns(i)
			}
		}
	}
	var p2pPorts []int
	for i := range orgs {
		p2pPorts = append(p2pPorts, c.base+10*i)
	}
	for i, org := range orgs {
		p := &proc{c: c, idx: i, org: org, home: filepath.Join(out, org),
			api: fmt.Sprintf("http://127.0.0.1:%d", c.base+10*i+2),
			rpc: fmt.Sprintf("http://127.0.0.1:%d", c.base+10*i+1),
			log: filepath.Join(c.logDir, org+".log")}
		editConfig(t, p.home, opts, func(s string) string {
			if c.netns != nil {
				return c.netns.rewrite(s, p2pPorts)
			}
			return s
		})
		c.nodes = append(c.nodes, p)
	}
	t.Cleanup(c.cleanup)
	for _, p := range c.nodes {
		p.start()
	}
	for _, p := range c.nodes {
		p.waitHealthy(90 * time.Second)
	}
	// Without empty blocks an idle chain stops after block 1 (the one that
	// signs the genesis app hash) until a record arrives.
	first := int64(1)
	if opts.CreateEmptyBlocks {
		first = 2
	}
	c.waitHeight(c.nodes, first, 90*time.Second)
	where := "127.0.0.1"
	if c.netns != nil {
		where = fmt.Sprintf("network namespaces %s-{0..3} (P2P on %v, API/RPC on their 127.0.0.1)", c.netns.prefix, c.netns.ips)
	}
	t.Logf("cluster up on %s base port %d in %s (block_interval %s, create_empty_blocks %v)",
		where, c.base, time.Since(c.started).Round(time.Millisecond), opts.BlockInterval, opts.CreateEmptyBlocks)
	return c
}

// portsFree reports whether every port node i of n would use can be bound.
func portsFree(base, n int) bool {
	for i := 0; i < n; i++ {
		for off := 0; off < 3; off++ {
			l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", base+10*i+off))
			if err != nil {
				return false
			}
			l.Close()
		}
	}
	return true
}

func editConfig(t *testing.T, home string, opts clusterOptions, more func(string) string) {
	t.Helper()
	path := filepath.Join(home, "config", "sealchain.toml")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	repl := func(old, new string) {
		if !strings.Contains(s, old) {
			t.Fatalf("%s: %q not found", path, old)
		}
		s = strings.Replace(s, old, new, 1)
	}
	// The generated file holds the default; replace whatever it is.
	repl(fmt.Sprintf("block_interval = %q", config.Default().Consensus.BlockInterval.String()), fmt.Sprintf("block_interval = %q", opts.BlockInterval.String()))
	repl(`create_empty_blocks = false`, fmt.Sprintf("create_empty_blocks = %v", opts.CreateEmptyBlocks))
	s = more(s)
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// cleanup kills every process still running and, when the test failed,
// logs the tail of each node's log and keeps a copy of the logs.
func (c *cluster) cleanup() {
	for _, p := range c.nodes {
		p.mu.Lock()
		cmd, done := p.cmd, p.done
		p.mu.Unlock()
		if cmd == nil {
			continue
		}
		syscall.Kill(-cmd.Process.Pid, syscall.SIGCONT)
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			c.t.Errorf("%s: process %d did not exit after SIGKILL", p.org, cmd.Process.Pid)
		}
	}
	if !c.t.Failed() {
		return
	}
	keep := filepath.Join(os.TempDir(), "sealchain-faults-logs", c.t.Name()+"-"+time.Now().Format("150405"))
	os.MkdirAll(keep, 0o755)
	for _, p := range c.nodes {
		b, _ := os.ReadFile(p.log)
		os.WriteFile(filepath.Join(keep, p.org+".log"), b, 0o644)
		lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
		if len(lines) > 25 {
			lines = lines[len(lines)-25:]
		}
		c.t.Logf("---- %s log tail (%s) ----\n%s", p.org, p.log, strings.Join(lines, "\n"))
	}
	c.t.Logf("node logs kept in %s", keep)
}

// start launches the node in its own process group, appending its output to
// its log file.
func (p *proc) start() {
	t := p.c.t
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil {
		t.Fatalf("%s: already running", p.org)
	}
	f, err := os.OpenFile(p.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	p.starts++
	fmt.Fprintf(f, "==== faults harness: start #%d at %s ====\n", p.starts, time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(binPath, "start", "--home", p.home)
	if nn := p.c.netns; nn != nil {
		// ip netns exec enters the namespace and execs the node: same pid.
		cmd = exec.Command("ip", "netns", "exec", nn.ns(p.idx), binPath, "start", "--home", p.home)
	}
	cmd.Stdout, cmd.Stderr = f, f
	// Own process group (signals reach the whole node); SIGKILL if the test
	// binary dies without running its cleanups (panic, timeout).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		f.Close()
		t.Fatalf("%s: start: %v", p.org, err)
	}
	done := make(chan struct{})
	go func() {
		cmd.Wait()
		f.Close()
		close(done)
	}()
	p.cmd, p.done, p.paused = cmd, done, false
}

// signal sends sig to the node's process group.
func (p *proc) signal(sig syscall.Signal) {
	p.c.t.Helper()
	p.mu.Lock()
	cmd := p.cmd
	p.mu.Unlock()
	if cmd == nil {
		p.c.t.Fatalf("%s: not running", p.org)
	}
	if err := syscall.Kill(-cmd.Process.Pid, sig); err != nil {
		p.c.t.Fatalf("%s: kill -%d: %v", p.org, sig, err)
	}
}

// wait waits for the process to exit and forgets it.
func (p *proc) wait(d time.Duration) bool {
	p.mu.Lock()
	done := p.done
	p.mu.Unlock()
	select {
	case <-done:
		p.mu.Lock()
		p.cmd, p.done, p.paused = nil, nil, false
		p.mu.Unlock()
		return true
	case <-time.After(d):
		return false
	}
}

// kill sends SIGKILL (kill -9) and waits for the exit.
func (p *proc) kill() {
	p.c.t.Helper()
	p.signal(syscall.SIGKILL)
	if !p.wait(30 * time.Second) {
		p.c.t.Fatalf("%s: still running 30s after SIGKILL", p.org)
	}
}

// stop sends SIGTERM (a clean shutdown) and waits; SIGKILL after 30 s.
func (p *proc) stop() {
	p.c.t.Helper()
	p.signal(syscall.SIGCONT)
	p.signal(syscall.SIGTERM)
	if !p.wait(30 * time.Second) {
		p.c.t.Errorf("%s: no exit 30s after SIGTERM; killing", p.org)
		p.kill()
	}
}

// pause freezes the node (SIGSTOP); resume lets it run again (SIGCONT).
func (p *proc) pause() {
	p.c.t.Helper()
	p.signal(syscall.SIGSTOP)
	p.mu.Lock()
	p.paused = true
	p.mu.Unlock()
}

func (p *proc) resume() {
	p.c.t.Helper()
	p.signal(syscall.SIGCONT)
	p.mu.Lock()
	p.paused = false
	p.mu.Unlock()
}

func (p *proc) exited() bool {
	p.mu.Lock()
	done := p.done
	p.mu.Unlock()
	if done == nil {
		return true
	}
	select {
	case <-done:
		return true
	default:
		return false
	}
}

// waitHealthy waits until GET /healthz answers 200.
func (p *proc) waitHealthy(d time.Duration) time.Duration {
	t := p.c.t
	t.Helper()
	start := time.Now()
	for time.Since(start) < d {
		if p.exited() {
			t.Fatalf("%s: exited while starting; see %s", p.org, p.log)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		code, _, err := p.c.get(ctx, p.api+"/healthz")
		cancel()
		if err == nil && code == 200 {
			return time.Since(start)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s: not healthy after %s", p.org, d)
	return 0
}

// nodeStatus is the part of GET /v1/status the tests use.
type nodeStatus struct {
	Height     int64  `json:"latest_block_height"`
	AppHeight  int64  `json:"app_height"`
	AppHash    string `json:"app_hash"`
	LogSize    uint64 `json:"log_size"`
	CatchingUp bool   `json:"catching_up"`
}

func (p *proc) status(ctx context.Context) (nodeStatus, error) {
	var st nodeStatus
	code, body, err := p.c.get(ctx, p.api+"/v1/status")
	if err != nil {
		return st, err
	}
	if code != 200 {
		return st, fmt.Errorf("%s /v1/status: %d %s", p.org, code, body)
	}
	return st, json.Unmarshal(body, &st)
}

// height is the node's latest block height, or -1 when it does not answer.
func (p *proc) height() int64 {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	st, err := p.status(ctx)
	if err != nil {
		return -1
	}
	return st.Height
}

func (c *cluster) get(ctx context.Context, url string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, nil, err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

func (c *cluster) post(ctx context.Context, url string, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// heights returns each node's latest height (-1 for a node that does not answer).
func (c *cluster) heights(nodes []*proc) []int64 {
	out := make([]int64, len(nodes))
	var wg sync.WaitGroup
	for i, p := range nodes {
		wg.Add(1)
		go func() { defer wg.Done(); out[i] = p.height() }()
	}
	wg.Wait()
	return out
}

// waitHeight waits until every node in nodes reports a height of at least h.
func (c *cluster) waitHeight(nodes []*proc, h int64, d time.Duration) time.Duration {
	c.t.Helper()
	took, hs, ok := c.tryWaitHeight(nodes, h, d)
	if !ok {
		c.t.Fatalf("height %d not reached within %s: %v at %v", h, d, names(nodes), hs)
	}
	return took
}

// tryWaitHeight is waitHeight that reports instead of failing.
func (c *cluster) tryWaitHeight(nodes []*proc, h int64, d time.Duration) (time.Duration, []int64, bool) {
	start := time.Now()
	for {
		hs := c.heights(nodes)
		if slices.Min(hs) >= h {
			return time.Since(start), hs, true
		}
		if time.Since(start) > d {
			return time.Since(start), hs, false
		}
		time.Sleep(150 * time.Millisecond)
	}
}

// catchUp waits until p reaches the highest height the others report now
// and returns how long it took.
func (c *cluster) catchUp(p *proc, others []*proc, d time.Duration) (time.Duration, int64) {
	c.t.Helper()
	target := slices.Max(c.heights(others))
	return c.waitHeight([]*proc{p}, target, d), target
}

func (c *cluster) others(skip ...int) []*proc {
	var out []*proc
	for _, p := range c.nodes {
		if !slices.Contains(skip, p.idx) {
			out = append(out, p)
		}
	}
	return out
}

func names(nodes []*proc) []string {
	var out []string
	for _, p := range nodes {
		out = append(out, p.org)
	}
	return out
}

// jint is an int64 that CometBFT's JSON writes as a string.
type jint int64

func (j *jint) UnmarshalJSON(b []byte) error {
	v, err := strconv.ParseInt(strings.Trim(string(b), `"`), 10, 64)
	*j = jint(v)
	return err
}

// blockMeta is what the chain check compares at each height.
type blockMeta struct {
	BlockHash string
	AppHash   string
}

// blockMetas fetches the headers of heights lo..hi (at most 20) from the
// node's CometBFT RPC.
func (p *proc) blockMetas(ctx context.Context, lo, hi int64) (map[int64]blockMeta, error) {
	code, body, err := p.c.get(ctx, fmt.Sprintf("%s/blockchain?minHeight=%d&maxHeight=%d", p.rpc, lo, hi))
	if err != nil {
		return nil, err
	}
	if code != 200 {
		return nil, fmt.Errorf("%s /blockchain: %d %s", p.org, code, body)
	}
	var r struct {
		Result struct {
			BlockMetas []struct {
				BlockID struct {
					Hash string `json:"hash"`
				} `json:"block_id"`
				Header struct {
					Height  jint   `json:"height"`
					AppHash string `json:"app_hash"`
				} `json:"header"`
			} `json:"block_metas"`
		} `json:"result"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("%s /blockchain: %w", p.org, err)
	}
	out := map[int64]blockMeta{}
	for _, m := range r.Result.BlockMetas {
		out[int64(m.Header.Height)] = blockMeta{BlockHash: m.BlockID.Hash, AppHash: m.Header.AppHash}
	}
	for h := lo; h <= hi; h++ {
		if _, ok := out[h]; !ok {
			return nil, fmt.Errorf("%s /blockchain: height %d missing", p.org, h)
		}
	}
	return out, nil
}

// checkChain compares the block hash and the header's app hash at every
// height from..min(latest heights) across nodes; the header at H+1 carries
// the app hash each node computed after H, and every node checked it against
// its own before accepting the block. It returns the last height compared.
func (c *cluster) checkChain(nodes []*proc, from int64) int64 {
	c.t.Helper()
	if from < 1 {
		from = 1
	}
	hs := c.heights(nodes)
	to := slices.Min(hs)
	if to < 1 {
		c.t.Fatalf("checkChain: a node does not answer: %v %v", names(nodes), hs)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	mismatches := 0
	for lo := from; lo <= to; lo += 20 {
		hi := min(lo+19, to)
		var ref map[int64]blockMeta
		for i, p := range nodes {
			var m map[int64]blockMeta
			var err error
			for try := 0; try < 5; try++ {
				if m, err = p.blockMetas(ctx, lo, hi); err == nil {
					break
				}
				time.Sleep(500 * time.Millisecond)
			}
			if err != nil {
				c.t.Fatalf("checkChain: %v", err)
			}
			if i == 0 {
				ref = m
				continue
			}
			for h := lo; h <= hi; h++ {
				if m[h] != ref[h] {
					mismatches++
					if mismatches <= 10 {
						c.t.Errorf("FORK/APP HASH MISMATCH at height %d: %s has block %s app hash %s, %s has block %s app hash %s",
							h, nodes[0].org, ref[h].BlockHash, ref[h].AppHash, p.org, m[h].BlockHash, m[h].AppHash)
					}
				}
			}
		}
	}
	if mismatches > 0 {
		c.t.Fatalf("checkChain: %d mismatches in heights %d..%d", mismatches, from, to)
	}
	return to
}

// checkLatestAppHash compares /v1/status app_hash among nodes that report
// the same app height (the latest app hash is not in any header yet).
func (c *cluster) checkLatestAppHash(nodes []*proc) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for ctx.Err() == nil {
		byHeight := map[int64]map[string][]string{}
		for _, p := range nodes {
			st, err := p.status(ctx)
			if err != nil {
				continue
			}
			if byHeight[st.AppHeight] == nil {
				byHeight[st.AppHeight] = map[string][]string{}
			}
			byHeight[st.AppHeight][st.AppHash] = append(byHeight[st.AppHeight][st.AppHash], p.org)
		}
		for h, hashes := range byHeight {
			if len(hashes) > 1 {
				c.t.Fatalf("app hash mismatch at app height %d: %v", h, hashes)
			}
			for _, who := range hashes {
				if len(who) == len(nodes) {
					return
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// scanLogs reports lines in the node logs that mean a node gave up.
func (c *cluster) scanLogs() []string {
	var bad []string
	for _, p := range c.nodes {
		b, _ := os.ReadFile(p.log)
		for _, line := range strings.Split(string(b), "\n") {
			l := strings.ToLower(line)
			if strings.Contains(l, "consensus failure") || strings.Contains(l, "wrong block.header.apphash") ||
				strings.Contains(l, "panic:") || strings.Contains(l, "conflicting votes") {
				bad = append(bad, p.org+": "+line)
			}
		}
	}
	return bad
}

func percentile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(q*float64(len(s)-1) + 0.5)
	return s[i]
}

var errNotAcked = errors.New("not acknowledged")
