//go:build fabric

package fabric

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sealchain/sealchain/anchor"
	"github.com/sealchain/sealchain/anchor/fabricsdkexec"
	"github.com/sealchain/sealchain/anchor/gateway"
	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/config"
	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/internal/testport"
	"github.com/sealchain/sealchain/node"
	"github.com/sealchain/sealchain/node/nodehome"
	"github.com/sealchain/sealchain/signer"
)

const (
	chainID     = "sealchain-fabric-test"
	networkName = "court-fabric-test"
)

// fabricNet is the network the scripts run, with its ports.
type fabricNet struct {
	dir, run, bin string
	env           []string
}

func (f *fabricNet) script(t *testing.T, name string, args ...string) time.Duration {
	t.Helper()
	start := time.Now()
	cmd := exec.Command("sh", append([]string{filepath.Join(f.dir, name)}, args...)...)
	cmd.Env = append(os.Environ(), f.env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		logs, _ := exec.Command("sh", "-c", "tail -n 30 "+f.run+"/logs/*.log").CombinedOutput()
		t.Fatalf("%s: %v\n%s\nlogs:\n%s", name, err, out, logs)
	}
	t.Logf("%s (%s): %s", name, time.Since(start).Round(time.Millisecond), strings.TrimSpace(string(out)))
	return time.Since(start)
}

func startFabric(t *testing.T) *fabricNet {
	t.Helper()
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	base, err := testport.Block(7)
	if err != nil {
		t.Fatal(err)
	}
	f := &fabricNet{dir: dir, run: filepath.Join(t.TempDir(), "run")}
	names := []string{"ORDERER_PORT", "ADMIN_PORT", "ORDERER_OPS_PORT", "PEER_PORT", "PEER_CC_PORT", "PEER_OPS_PORT", "CC_PORT"}
	f.env = []string{"RUN=" + f.run}
	for i, n := range names {
		f.env = append(f.env, fmt.Sprintf("%s=%d", n, base+i))
	}
	out, err := exec.Command("sh", filepath.Join(dir, "env.sh")).Output()
	if err != nil {
		t.Fatal(err)
	}
	f.bin = strings.TrimSpace(string(out))
	if _, err := os.Stat(filepath.Join(f.bin, "peer")); err != nil {
		t.Fatalf("Fabric binaries missing in %s: run test/fabric/build.sh (make test-fabric does)", f.bin)
	}
	t.Cleanup(func() {
		cmd := exec.Command("sh", filepath.Join(dir, "net-stop.sh"))
		cmd.Env = append(os.Environ(), f.env...)
		cmd.Run()
	})
	f.script(t, "net-up.sh")
	f.script(t, "cc-deploy.sh")
	return f
}

func (f *fabricNet) port(name string) string {
	for _, e := range f.env {
		if v, ok := strings.CutPrefix(e, name+"="); ok {
			return v
		}
	}
	return ""
}

// writeProfile writes a connection profile for the given client.
func (f *fabricNet) writeProfile(t *testing.T, clientName, host string) string {
	t.Helper()
	org := filepath.Join(f.run, "crypto-config/peerOrganizations/org1.example.com")
	user := filepath.Join(org, "users/User1@org1.example.com/msp")
	keys, _ := filepath.Glob(filepath.Join(user, "keystore/*"))
	certs, _ := filepath.Glob(filepath.Join(user, "signcerts/*"))
	if len(keys) != 1 || len(certs) != 1 {
		t.Fatalf("user credentials: %v %v", keys, certs)
	}
	// No orderers under the channel: fabric-sdk-go needs them there, and
	// the helper fills them in from the top-level list.
	p := fmt.Sprintf(`name: %s
version: 1.0.0
client:
  organization: Org1
  logging: {level: warning}
organizations:
  Org1:
    mspid: Org1MSP
    peers: [peer0.org1.example.com]
peers:
  peer0.org1.example.com:
    url: grpcs://%s:%s
    tlsCACerts: {path: %s}
orderers:
  orderer.example.com:
    url: grpcs://%s:%s
    tlsCACerts: {path: %s}
channels:
  anchorchannel:
    peers:
      peer0.org1.example.com: {endorsingPeer: true, chaincodeQuery: true, ledgerQuery: true, eventSource: true}
sealchain:
  channel: anchorchannel
  chaincode: anchor
  client: %s
  identity: {cert: %s, key: %s}
`, networkName, host, f.port("PEER_PORT"), filepath.Join(org, "peers/peer0.org1.example.com/tls/ca.crt"),
		host, f.port("ORDERER_PORT"), filepath.Join(f.run, "crypto-config/ordererOrganizations/example.com/orderers/orderer.example.com/tls/ca.crt"),
		clientName, certs[0], keys[0])
	path := filepath.Join(f.run, "profile-"+clientName+".yaml")
	if err := os.WriteFile(path, []byte(p), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

type stats struct{ v []float64 }

func (s *stats) add(x float64) { s.v = append(s.v, x) }
func (s *stats) String() string {
	if len(s.v) == 0 {
		return "n=0"
	}
	c := slices.Clone(s.v)
	slices.Sort(c)
	sum := 0.0
	for _, x := range c {
		sum += x
	}
	p := func(q float64) float64 { return c[int(math.Ceil(q*float64(len(c))))-1] }
	return fmt.Sprintf("n=%d mean=%.1f p50=%.1f p95=%.1f max=%.1f", len(c), sum/float64(len(c)), p(.5), p(.95), c[len(c)-1])
}

func TestFabricAnchoring(t *testing.T) {
	buildCLI(t) // before the deadline starts: a cold build takes minutes
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	f := startFabric(t)
	gwProfile, err := anchor.LoadProfile(f.writeProfile(t, anchor.ClientGateway, "127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	sdkProfile, err := anchor.LoadProfile(f.writeProfile(t, anchor.ClientFabricSDK, "localhost"))
	if err != nil {
		t.Fatal(err)
	}
	gw, err := gateway.Open(gwProfile)
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	sdk, err := fabricsdkexec.New(filepath.Join(f.bin, "sealchain-fabricsdk"), sdkProfile)
	if err != nil {
		t.Fatal(err)
	}
	clients := map[string]anchor.Ledger{"gateway": gw, "fabric-sdk": sdk}

	if !t.Run("clients", func(t *testing.T) { testClients(ctx, t, gw, sdk) }) {
		t.FailNow()
	}

	// A Sealchain node anchoring every 3 heights through the gateway client.
	home := t.TempDir()
	cfg := config.Default()
	free := func() string {
		a, err := testport.Free()
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	cfg.API.Listen = free()
	cfg.Consensus.P2PListen = "tcp://" + free()
	cfg.Consensus.RPCListen = "tcp://" + free()
	cfg.Consensus.BlockInterval = config.Duration{Duration: 100 * time.Millisecond}
	cfg.Log.Level = "warn"
	cfg.Anchor.Enable = true
	cfg.Anchor.Profile = gwProfile.Path
	cfg.Anchor.EveryBlocks = 3
	cfg.Anchor.Every = config.Duration{Duration: 2 * time.Second}
	cfg.Anchor.Verify = config.AnchorVerifyFabric
	cfg.Anchor.RetryMin = config.Duration{Duration: 200 * time.Millisecond}
	cfg.Anchor.RetryMax = config.Duration{Duration: 2 * time.Second}
	cfg.Anchor.Timeout = config.Duration{Duration: 15 * time.Second}
	if _, err := nodehome.Init(nodehome.InitOptions{Home: home, ChainID: chainID, OrgID: "court", OrgName: "Court",
		Role: chain.RoleCourt, Config: cfg}); err != nil {
		t.Fatal(err)
	}
	if err := node.SetGenesisAnchoring(home, &chain.GenesisAnchoring{Org: "court", Network: networkName, Channel: "anchorchannel", Chaincode: "anchor"}); err != nil {
		t.Fatal(err)
	}
	nd, err := node.New(home)
	if err != nil {
		t.Fatal(err)
	}
	if err := nd.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer nd.Stop()
	c := newChainClient(t, home, "http://"+nd.APIAddr())

	// Load: records from 8 workers while sampling the anchoring lag.
	lagBlocks, lagSeconds, latency := &stats{}, &stats{}, &stats{}
	sample := func(ctx context.Context, every time.Duration) (stop func()) {
		ctx, cancel := context.WithCancel(ctx)
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			seen := ""
			for ctx.Err() == nil {
				if st, err := c.anchorStatus(ctx); err == nil {
					lagBlocks.add(float64(st.LagBlocks))
					lagSeconds.add(st.LagSeconds)
					if r := st.LastReceipt; r != nil && r.TxID != seen {
						seen = r.TxID
						latency.add(float64(r.LatencyMS))
					}
				}
				select {
				case <-ctx.Done():
				case <-time.After(every):
				}
			}
		}()
		return func() { cancel(); wg.Wait() }
	}
	stop := sample(ctx, 100*time.Millisecond)
	start := time.Now()
	const loadRecords, loadWorkers = 400, 16
	firstFP := c.load(ctx, t, loadRecords, loadWorkers, "load")
	loadTime := time.Since(start)
	drainStart := time.Now()
	c.waitDrained(ctx, t, nd)
	stop()
	t.Logf("MEASURE load: %d records by %d workers in %s (%.0f records/s, %d heights); drained %s after the last commit",
		loadRecords, loadWorkers, loadTime.Round(time.Millisecond), loadRecords/loadTime.Seconds(), nd.Store().Last().Height,
		time.Since(drainStart).Round(time.Millisecond))
	t.Logf("MEASURE anchor latency (Fabric submit to committed receipt, ms, node): %s", latency)
	t.Logf("MEASURE anchoring lag under load: blocks %s; seconds %s", lagBlocks, lagSeconds)
	checkBothSides(ctx, t, nd, clients)

	// Evidence: the bundle carries the anchors; offline they are "not
	// verified"; with each client they are verified.
	raw, err := c.http.Evidence(ctx, "cert", firstFP)
	if err != nil {
		t.Fatal(err)
	}
	b, err := evidence.DecodeBundle(raw)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Anchors) == 0 {
		t.Fatal("bundle carries no anchor")
	}
	trust, err := evidence.LoadTrust(filepath.Join(home, "config", "genesis.json"))
	if err != nil {
		t.Fatal(err)
	}
	v, err := evidence.NewVerifier(trust)
	if err != nil {
		t.Fatal(err)
	}
	res := v.Verify(b, nil)
	if !res.OK || len(res.Anchors) == 0 {
		t.Fatalf("offline verification: ok=%v failed=%v anchors=%d", res.OK, res.Failed(), len(res.Anchors))
	}
	for _, a := range res.Anchors {
		if a.Fabric != evidence.FabricNotVerified {
			t.Fatalf("offline anchor status %q, want %q", a.Fabric, evidence.FabricNotVerified)
		}
	}
	for name, l := range clients {
		res := v.Verify(b, nil)
		evidence.VerifyFabric(ctx, l, res)
		if !res.OK {
			t.Fatalf("%s: verify with Fabric failed: %v", name, res.Failed())
		}
		for _, a := range res.Anchors {
			if a.Fabric != evidence.FabricVerified {
				t.Fatalf("%s: anchor %d: %s %s", name, a.Height, a.Fabric, a.FabricDetail)
			}
		}
	}

	// The CLI: offline the anchors are "not verified"; --fabric asks.
	bundleFile := filepath.Join(t.TempDir(), "bundle.json")
	if err := os.WriteFile(bundleFile, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	genesisFile := filepath.Join(home, "config", "genesis.json")
	out := runCLI(ctx, t, "verify", "--bundle", bundleFile, "--genesis", genesisFile)
	if !strings.Contains(out, "fabric: "+evidence.FabricNotVerified) || strings.Contains(out, "fabric: "+evidence.FabricVerified) {
		t.Fatalf("offline CLI output:\n%s", out)
	}
	for _, p := range []string{gwProfile.Path, sdkProfile.Path} {
		out := runCLI(ctx, t, "verify", "--bundle", bundleFile, "--genesis", genesisFile, "--fabric", p,
			"--fabric-sdk-helper", filepath.Join(f.bin, "sealchain-fabricsdk"))
		if !strings.Contains(out, "fabric: "+evidence.FabricVerified) || strings.Contains(out, evidence.FabricNotVerified) {
			t.Fatalf("CLI with --fabric %s:\n%s", p, out)
		}
	}

	// Fabric goes away mid-run: the chain keeps committing, anchors queue.
	f.script(t, "net-stop.sh")
	commitTimes := &stats{}
	for i := range 15 {
		t0 := time.Now()
		c.register(ctx, t, fmt.Sprintf("outage-%d", i))
		commitTimes.add(float64(time.Since(t0).Milliseconds()))
	}
	st, err := c.anchorStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.QueueLength == 0 || st.LagBlocks == 0 || st.LastError == "" {
		t.Fatalf("while Fabric is down: %+v", st)
	}
	t.Logf("MEASURE with Fabric down: commit latency ms %s; queue %d, lag %d blocks / %.1f s; last error %q",
		commitTimes, st.QueueLength, st.LagBlocks, st.LagSeconds, st.LastError)
	down := f.script(t, "net-start.sh")
	t.Logf("Fabric restarted in %s", down.Round(time.Millisecond))
	restart := time.Now()
	c.waitDrained(ctx, t, nd)
	t.Logf("MEASURE queue drained %s after Fabric restarted", time.Since(restart).Round(time.Millisecond))
	checkBothSides(ctx, t, nd, clients)
	st, _ = c.anchorStatus(ctx)
	if len(st.Alarms) > 0 {
		t.Fatalf("alarms: %v", st.Alarms)
	}
}

// testClients exercises the chaincode through both clients on scratch chain
// ids: put, read back across clients, append-only refusals, not found,
// Latest and History.
func testClients(ctx context.Context, t *testing.T, gw *gateway.Ledger, sdk anchor.Ledger) {
	lat := map[string]*stats{"gateway": {}, "fabric-sdk": {}}
	for name, l := range map[string]anchor.Ledger{"gateway": gw, "fabric-sdk": sdk} {
		id := "scratch-" + name
		for h := uint64(1); h <= 5; h++ {
			a := anchor.Anchor{ChainID: id, Height: h * 10, AppHash: fill(byte(h)), LogSize: h, LogRoot: fill(byte(h + 100))}
			t0 := time.Now()
			rc, err := l.PutAnchor(ctx, a)
			if err != nil {
				t.Fatalf("%s PutAnchor(%d): %v", name, a.Height, err)
			}
			lat[name].add(float64(time.Since(t0).Milliseconds()))
			if rc.TxID == "" || rc.Block == 0 || rc.Channel != "anchorchannel" || rc.Time.IsZero() {
				t.Fatalf("%s receipt: %+v", name, rc)
			}
			// Read back through the other client too.
			for other, o := range map[string]anchor.Ledger{"gateway": gw, "fabric-sdk": sdk} {
				got, orc, err := o.GetAnchor(ctx, id, a.Height)
				if err != nil {
					t.Fatalf("%s GetAnchor of %s's anchor: %v", other, name, err)
				}
				if err := errors.Join(anchor.Compare(a, got), anchor.CompareReceipt(rc, orc)); err != nil {
					t.Fatalf("%s reads %s's anchor: %v", other, name, err)
				}
			}
		}
		for _, h := range []uint64{50, 20} {
			_, err := l.PutAnchor(ctx, anchor.Anchor{ChainID: id, Height: h, AppHash: fill(9), LogRoot: fill(9)})
			if !errors.Is(err, anchor.ErrNotAfterLatest) {
				t.Fatalf("%s PutAnchor(%d) after 50: %v, want ErrNotAfterLatest", name, h, err)
			}
		}
		if _, _, err := l.GetAnchor(ctx, id, 11); !errors.Is(err, anchor.ErrNotFound) {
			t.Fatalf("%s GetAnchor(11): %v, want ErrNotFound", name, err)
		}
		latest, err := gw.Latest(ctx, id)
		if err != nil || latest.Height != 50 {
			t.Fatalf("Latest(%s) = %+v, %v", id, latest, err)
		}
		hist, err := gw.History(ctx, id, 20, 0)
		if err != nil || len(hist) != 3 || hist[0].Height != 30 || hist[2].Height != 50 {
			t.Fatalf("History(%s, after 20) = %+v, %v", id, hist, err)
		}
	}
	for name, s := range lat {
		t.Logf("MEASURE %s client PutAnchor latency ms (submit to commit): %s", name, s)
	}
}

func fill(b byte) []byte {
	out := make([]byte, 32)
	for i := range out {
		out[i] = b
	}
	return out
}

// checkBothSides reads every anchored record on chain back from Fabric
// through both clients.
func checkBothSides(ctx context.Context, t *testing.T, nd *node.Node, clients map[string]anchor.Ledger) {
	t.Helper()
	view := nd.Store().View()
	states, err := view.Anchors(0, 0)
	if err != nil || len(states) == 0 {
		t.Fatalf("anchors on chain: %d, %v", len(states), err)
	}
	for _, st := range states {
		leaf, err := view.Entry(st.RecordIndex)
		if err != nil {
			t.Fatal(err)
		}
		en, err := chain.DecodeEntry(leaf)
		if err != nil {
			t.Fatal(err)
		}
		tx, err := chain.DecodeRecord(en.Tx)
		if err != nil {
			t.Fatal(err)
		}
		b := tx.Body.(*chain.Anchored)
		want := anchor.Anchor{ChainID: b.ChainID, Height: b.Height, AppHash: b.AppHash, LogSize: b.LogSize, LogRoot: b.LogRoot}
		wantRc := anchor.Receipt{Channel: b.Channel, Chaincode: b.Chaincode, TxID: b.TxID, Block: b.Block}
		for name, l := range clients {
			got, rc, err := l.GetAnchor(ctx, chainID, st.Height)
			if err == nil {
				err = errors.Join(anchor.Compare(want, got), anchor.CompareReceipt(wantRc, rc))
			}
			if err != nil {
				t.Fatalf("%s: anchored record %d (height %d): %v", name, st.RecordIndex, st.Height, err)
			}
		}
	}
	t.Logf("%d anchored records match Fabric through both clients", len(states))
}

// chainClient submits records to the node.
type chainClient struct {
	http *client.Client
	sub  *client.Submitter
	ca   *signer.CA
}

func newChainClient(t *testing.T, home, base string) *chainClient {
	t.Helper()
	h := nodehome.Home(home)
	sub, err := client.LoadSubmitter(chainID, "court", h.SubmitterCert(), h.SubmitterKey())
	if err != nil {
		t.Fatal(err)
	}
	ca, err := signer.LoadCA(h.CACert(), h.CAKey())
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.New(base, &http.Client{Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return &chainClient{http: c, sub: sub, ca: ca}
}

// register records a new signer certificate and returns its fingerprint.
func (c *chainClient) register(ctx context.Context, t *testing.T, ref string) string {
	k, err := signer.GenerateKey(signer.AlgSM2, nil)
	if err != nil {
		t.Error(err)
		return ""
	}
	nb := time.Now().Add(-5 * time.Minute).UTC().Truncate(time.Second)
	der, err := c.ca.Issue(k.Public(), signer.IssueOptions{SubjectRef: ref, Usage: signer.UsageSigner, NotBefore: nb, NotAfter: nb.AddDate(1, 0, 0)}, nil)
	if err != nil {
		t.Error(err)
		return ""
	}
	tx, err := c.sub.Build(&chain.CertIssued{Cert: der}, nil)
	if err != nil {
		t.Error(err)
		return ""
	}
	res, err := c.http.Submit(ctx, tx, true)
	if err != nil || !res.Committed {
		t.Errorf("submit %s: %v %+v", ref, err, res)
		return ""
	}
	return chain.FingerprintOf(der).String()
}

// load registers n signers from workers goroutines; it returns the first
// one's fingerprint.
func (c *chainClient) load(ctx context.Context, t *testing.T, n, workers int, prefix string) string {
	t.Helper()
	first := c.register(ctx, t, prefix+"-first")
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				c.register(ctx, t, prefix+"-"+strconv.Itoa(i))
			}
		}()
	}
	for i := 1; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	return first
}

type anchorStatus struct {
	LatestAnchoredHeight uint64   `json:"latest_anchored_height"`
	LagBlocks            int64    `json:"lag_blocks"`
	LagSeconds           float64  `json:"lag_seconds"`
	QueueLength          int      `json:"queue_length"`
	LastError            string   `json:"last_error"`
	VerifiedUpTo         uint64   `json:"verified_up_to"`
	Alarms               []string `json:"alarms"`
	LastReceipt          *struct {
		TxID      string `json:"tx_id"`
		LatencyMS int64  `json:"latency_ms"`
	} `json:"last_receipt"`
}

func (c *chainClient) anchorStatus(ctx context.Context) (*anchorStatus, error) {
	b, err := c.http.Get(ctx, "/v1/status")
	if err != nil {
		return nil, err
	}
	var st struct {
		Anchoring *anchorStatus `json:"anchoring"`
	}
	if err := json.Unmarshal(b, &st); err != nil || st.Anchoring == nil {
		return nil, fmt.Errorf("status without anchoring: %v %s", err, b)
	}
	return st.Anchoring, nil
}

// waitDrained waits until the queue is empty, the newest checkpoint with
// records is anchored on chain and every anchored record was read back.
func (c *chainClient) waitDrained(ctx context.Context, t *testing.T, nd *node.Node) {
	t.Helper()
	target := uint64(nd.Store().Last().Height)
	for {
		st, err := c.anchorStatus(ctx)
		if err == nil && st.QueueLength == 0 && st.LatestAnchoredHeight >= target && st.VerifiedUpTo == st.LatestAnchoredHeight {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("anchoring did not drain: %+v %v", st, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// runCLI runs the sealchain command (built once per test run) and returns
// its output; it fails the test on a non-zero exit.
func runCLI(ctx context.Context, t *testing.T, args ...string) string {
	t.Helper()
	buildCLI(t)
	out, err := exec.CommandContext(ctx, cliBin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("sealchain %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// buildCLI builds the sealchain command once per test run.
func buildCLI(t *testing.T) {
	t.Helper()
	cliOnce.Do(func() {
		// Not under the caller's deadline (a cold build takes minutes) nor
		// in its TempDir (later tests use the binary too); one fixed place,
		// overwritten by each run, so runs leave no binaries behind.
		dir := filepath.Join(os.TempDir(), "sealchain-fabric-cli")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			cliErr = err
			return
		}
		cliBin = filepath.Join(dir, "sealchain")
		bctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
		defer cancel()
		out, err := exec.CommandContext(bctx, "go", "build", "-o", cliBin, "../../cmd/sealchain").CombinedOutput()
		if err != nil {
			cliErr = fmt.Errorf("build cmd/sealchain: %v\n%s", err, out)
		}
	})
	if cliErr != nil {
		t.Fatal(cliErr)
	}
}

var (
	cliOnce sync.Once
	cliBin  string
	cliErr  error
)
