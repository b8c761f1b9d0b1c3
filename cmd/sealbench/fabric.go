package main

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/big"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"
	gwclient "github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-gateway/pkg/hash"
	"github.com/hyperledger/fabric-gateway/pkg/identity"
	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/protobuf/proto"

	"github.com/sealchain/sealchain/internal/testport"
)

// The evidence chaincode's names (test/fabric/evidencecc) and its signing
// domain, which the records built here must match.
const (
	fabricChannel    = "evidencechannel"
	fabricChaincode  = "evidence"
	fabricCCBinary   = "sealchain-evidencecc"
	fabricSignDomain = "sealchain/bench-evidence/v1"
	fabricSM2UID     = "1234567812345678"
	// fabricPolicy is the channel's endorsement policy (test/fabric/configtx.yaml).
	fabricPolicy = "OR('Org1MSP.peer')"
	// gatewayLimit is the peer's Gateway concurrency limit in the benchmark.
	gatewayLimit = 20000
)

// fabricOptions are the settings of `sealbench fabric`.
type fabricOptions struct {
	N            int
	Concurrency  int
	Rate         float64
	Sweep        []float64
	Duration     time.Duration
	Out          string
	Scripts      string // test/fabric
	Dir          string
	BatchTimeout time.Duration
	BatchMax     int
	Keep         bool
	Progress     io.Writer
}

// fabricResult is one `sealbench fabric` run: a burst and/or a rate sweep on
// one network.
type fabricResult struct {
	Started     time.Time         `json:"started"`
	Network     fabricNetworkInfo `json:"network"`
	N           int               `json:"n"`
	Concurrency int               `json:"concurrency"`
	Rate        float64           `json:"rate_limit_tx_per_s"` // burst: 0 means unlimited
	Fabric      *phaseResult      `json:"fabric,omitempty"`    // the burst
	// CPU is the CPU time (user+system, seconds) each process spent during
	// the burst: peer, orderer, chaincode, and the clients (this process).
	CPU        map[string]float64 `json:"cpu_s,omitempty"`
	StepSec    float64            `json:"step_s,omitempty"`
	Steps      []fabricStep       `json:"steps,omitempty"`
	LoadBefore string             `json:"loadavg_before"` // /proc/loadavg when the run started
	LoadAfter  string             `json:"loadavg_after"`
}

// fabricNetworkInfo says what was measured.
type fabricNetworkInfo struct {
	Orderers          int    `json:"orderers"`
	Consensus         string `json:"consensus"`
	Peers             int    `json:"peers"`
	EndorsementPolicy string `json:"endorsement_policy"`
	BatchTimeout      string `json:"batch_timeout"`
	BatchMaxCount     int    `json:"batch_max_message_count"`
	BatchPreferred    string `json:"batch_preferred_max_bytes"`
	StateDB           string `json:"state_db"`
	Chaincode         string `json:"chaincode"`
	FabricVersion     string `json:"fabric_version"`
}

type fabricStep struct {
	OfferedTPS float64            `json:"offered_tx_per_s"`
	N          int                `json:"n"`
	Fabric     *phaseResult       `json:"fabric"`
	CPU        map[string]float64 `json:"cpu_s,omitempty"`
}

// cpuSeconds is a process's user+system CPU time from /proc/<pid>/stat.
func cpuSeconds(pid string) float64 {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0
	}
	// Fields after the command name (which may hold spaces): state is 3rd,
	// utime 14th and stime 15th of the whole line.
	rest := string(b)
	if i := strings.LastIndexByte(rest, ')'); i >= 0 {
		rest = rest[i+1:]
	}
	f := strings.Fields(rest)
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (u + st) / 100 // USER_HZ is 100 on Linux
}

// cpu reads the CPU time of the network's processes and of this one.
func (f *fabricNet) cpu() map[string]float64 {
	m := map[string]float64{"clients": cpuSeconds("self")}
	for _, p := range []string{"peer", "orderer", "chaincode"} {
		if b, err := os.ReadFile(filepath.Join(f.run, p+".pid")); err == nil {
			m[p] = cpuSeconds(strings.TrimSpace(string(b)))
		}
	}
	return m
}

func cpuDelta(before, after map[string]float64) map[string]float64 {
	d := map[string]float64{}
	for k, v := range after {
		d[k] = math.Round((v-before[k])*100) / 100
	}
	return d
}

func fabricMain(args []string) error {
	fs := flag.NewFlagSet("sealbench fabric", flag.ContinueOnError)
	var o fabricOptions
	fs.IntVar(&o.N, "n", 3000, "records in the burst (0: no burst)")
	fs.IntVar(&o.Concurrency, "concurrency", 32, "concurrent clients")
	fs.Float64Var(&o.Rate, "rate", 0, "burst submission rate limit in records/s over all clients (0: unlimited)")
	sweep := fs.String("sweep", "", "after the burst, offer each of these rates (records/s, e.g. 250,500,1000) for -duration")
	fs.DurationVar(&o.Duration, "duration", 4*time.Second, "with -sweep, the length of each step")
	fs.StringVar(&o.Out, "out", "fabric.json", "write the results as JSON to this file (\"\" or \"-\" for none)")
	fs.StringVar(&o.Scripts, "scripts", "test/fabric", "the Fabric test network's scripts")
	fs.StringVar(&o.Dir, "dir", "", "directory for the network's files (default: the system temp dir)")
	fs.DurationVar(&o.BatchTimeout, "batch-timeout", 100*time.Millisecond, "orderer BatchTimeout (block cutting)")
	fs.IntVar(&o.BatchMax, "batch-max", 500, "orderer BatchSize.MaxMessageCount")
	fs.BoolVar(&o.Keep, "keep", false, "leave the network running and its files in place (stop it with net-stop.sh)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *sweep != "" {
		var err error
		if o.Sweep, err = parseRates(*sweep); err != nil {
			return err
		}
	}
	if o.N < 0 || o.Concurrency < 1 || o.Rate < 0 || o.BatchMax < 1 || (o.N == 0 && len(o.Sweep) == 0) {
		return errors.New("want -n ≥ 0 (or a -sweep), -concurrency ≥ 1, -rate ≥ 0, -batch-max ≥ 1")
	}
	o.Progress = os.Stderr
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := runFabric(ctx, o)
	if res != nil {
		res.printTable(os.Stdout)
		if werr := writeJSON(o.Out, res); werr != nil {
			err = errors.Join(err, werr)
		}
	}
	return err
}

func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	return strings.TrimSpace(string(b))
}

// fabricNet is a network the test/fabric scripts run, on its own ports.
type fabricNet struct {
	scripts, run, bin string
	env               []string
	log               io.Writer
}

func (f *fabricNet) script(ctx context.Context, name string, args ...string) error {
	start := time.Now()
	cmd := exec.CommandContext(ctx, "sh", append([]string{filepath.Join(f.scripts, name)}, args...)...)
	cmd.Env = append(os.Environ(), f.env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		logs, _ := exec.Command("sh", "-c", "tail -n 20 "+f.run+"/logs/*.log").CombinedOutput()
		return fmt.Errorf("%s: %w\n%s\nlogs:\n%s", name, err, out, logs)
	}
	fmt.Fprintf(f.log, "%s (%s): %s\n", name, time.Since(start).Round(time.Millisecond), strings.TrimSpace(string(out)))
	return nil
}

func (f *fabricNet) get(name string) string {
	for _, e := range f.env {
		if v, ok := strings.CutPrefix(e, name+"="); ok {
			return v
		}
	}
	return ""
}

// startFabricNet brings up one orderer and one peer on free 127.0.0.1 ports
// and deploys the evidence chaincode; stop undoes it.
func startFabricNet(ctx context.Context, o fabricOptions, run string) (*fabricNet, error) {
	scripts, err := filepath.Abs(o.Scripts)
	if err != nil {
		return nil, err
	}
	f := &fabricNet{scripts: scripts, run: run, log: o.Progress}
	if f.log == nil {
		f.log = io.Discard
	}
	out, err := exec.Command("sh", filepath.Join(scripts, "env.sh")).Output()
	if err != nil {
		return nil, fmt.Errorf("env.sh: %w", err)
	}
	f.bin = strings.TrimSpace(string(out))
	for _, b := range []string{"peer", "orderer", fabricCCBinary} {
		if _, err := os.Stat(filepath.Join(f.bin, b)); err != nil {
			return nil, fmt.Errorf("%s missing in %s: run test/fabric/build.sh (make bench-fabric does)", b, f.bin)
		}
	}
	base, err := testport.Block(7)
	if err != nil {
		return nil, err
	}
	f.env = []string{"RUN=" + run, "CHANNEL=" + fabricChannel, "CC_NAME=" + fabricChaincode, "CC_BIN=" + fabricCCBinary,
		"BATCH_TIMEOUT=" + o.BatchTimeout.String(), fmt.Sprintf("BATCH_MAX_COUNT=%d", o.BatchMax),
		// Large enough that MaxMessageCount, not bytes, cuts the blocks
		// (a record's transaction is about 4 KB).
		fmt.Sprintf("BATCH_PREFERRED_BYTES=%d KB", max(512, o.BatchMax*8)),
		// Each record's client holds a CommitStatus call open until its
		// block commits, and the Gateway counts those against its limit
		// (500 by default): a backlog of 500 commits would refuse new
		// endorsements. The peer inherits this from net-start.sh.
		fmt.Sprintf("CORE_PEER_LIMITS_CONCURRENCY_GATEWAYSERVICE=%d", gatewayLimit)}
	for i, n := range []string{"ORDERER_PORT", "ADMIN_PORT", "ORDERER_OPS_PORT", "PEER_PORT", "PEER_CC_PORT", "PEER_OPS_PORT", "CC_PORT"} {
		f.env = append(f.env, fmt.Sprintf("%s=%d", n, base+i))
	}
	if err := f.script(ctx, "net-up.sh"); err != nil {
		f.stop(o.Keep)
		return nil, err
	}
	if err := f.script(ctx, "cc-deploy.sh"); err != nil {
		f.stop(o.Keep)
		return nil, err
	}
	return f, nil
}

func (f *fabricNet) stop(keep bool) {
	if keep {
		var env []string
		for _, e := range f.env {
			env = append(env, "'"+e+"'")
		}
		fmt.Fprintf(f.log, "network left running: RUN=%s; stop it with: env %s sh %s/net-stop.sh clean\n",
			f.run, strings.Join(env, " "), f.scripts)
		return
	}
	cmd := exec.Command("sh", filepath.Join(f.scripts, "net-stop.sh"), "clean")
	cmd.Env = append(os.Environ(), f.env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(f.log, "net-stop.sh: %v\n%s", err, out)
	}
}

// fabricConn is a Gateway connection as User1 of Org1.
type fabricConn struct {
	conn     *grpc.ClientConn
	gw       *gwclient.Gateway
	contract *gwclient.Contract
	qscc     *gwclient.Contract
}

func (f *fabricNet) connect() (*fabricConn, error) {
	org := filepath.Join(f.run, "crypto-config/peerOrganizations/org1.example.com")
	user := filepath.Join(org, "users/User1@org1.example.com/msp")
	keys, _ := filepath.Glob(filepath.Join(user, "keystore/*"))
	certs, _ := filepath.Glob(filepath.Join(user, "signcerts/*"))
	if len(keys) != 1 || len(certs) != 1 {
		return nil, fmt.Errorf("user credentials under %s: %d keys, %d certs", user, len(keys), len(certs))
	}
	caPEM, err := os.ReadFile(filepath.Join(org, "peers/peer0.org1.example.com/tls/ca.crt"))
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, errors.New("peer tls: no CA certificate")
	}
	certPEM, err1 := os.ReadFile(certs[0])
	keyPEM, err2 := os.ReadFile(keys[0])
	if err := errors.Join(err1, err2); err != nil {
		return nil, err
	}
	cert, err := identity.CertificateFromPEM(certPEM)
	if err != nil {
		return nil, err
	}
	id, err := identity.NewX509Identity("Org1MSP", cert)
	if err != nil {
		return nil, err
	}
	key, err := identity.PrivateKeyFromPEM(keyPEM)
	if err != nil {
		return nil, err
	}
	sign, err := identity.NewPrivateKeySign(key)
	if err != nil {
		return nil, err
	}
	conn, err := grpc.NewClient("127.0.0.1:"+f.get("PEER_PORT"), grpc.WithTransportCredentials(credentials.NewClientTLSFromCert(pool, "")))
	if err != nil {
		return nil, err
	}
	gw, err := gwclient.Connect(id, gwclient.WithSign(sign), gwclient.WithHash(hash.SHA256), gwclient.WithClientConnection(conn),
		gwclient.WithEvaluateTimeout(30*time.Second), gwclient.WithEndorseTimeout(30*time.Second),
		gwclient.WithSubmitTimeout(30*time.Second), gwclient.WithCommitStatusTimeout(commitTimeout))
	if err != nil {
		conn.Close()
		return nil, err
	}
	nw := gw.GetNetwork(fabricChannel)
	return &fabricConn{conn: conn, gw: gw, contract: nw.GetContract(fabricChaincode), qscc: nw.GetContract("qscc")}, nil
}

func (c *fabricConn) close() { c.gw.Close(); c.conn.Close() }

// fabricRecords holds n signed contract_signed records for the evidence
// chaincode, and the signer certificate to register first.
type fabricRecords struct {
	certDER []byte
	args    [][]string // PutEvidence's arguments
}

// evidenceSignBytes mirrors SignBytes in test/fabric/evidencecc.
func evidenceSignBytes(contract string, doc, signer, intent []byte, signedAt int64) []byte {
	var b []byte
	for _, f := range [][]byte{[]byte(fabricSignDomain), []byte(contract), doc, signer, intent} {
		b = binary.BigEndian.AppendUint32(b, uint32(len(f)))
		b = append(b, f...)
	}
	return binary.BigEndian.AppendUint64(b, uint64(signedAt))
}

func buildFabricRecords(n int, progress io.Writer) (*fabricRecords, error) {
	key, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "sc-sealbench-fabric"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(1, 0, 0), KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := smx509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, err
	}
	fp := sm3.Sum(der)
	r := &fabricRecords{certDER: der}
	bar := newBar(progress, "signing fabric records", n)
	defer bar.done()
	run := now.UnixNano()
	for i := 0; i < n; i++ {
		bar.set(i)
		id := fmt.Sprintf("sealbench-%d-%d", run, i)
		doc, intent := sm3.Sum([]byte(id)), sm3.Sum([]byte("intent/"+id))
		at := now.UnixMilli()
		sig, err := key.SignWithSM2(rand.Reader, []byte(fabricSM2UID), evidenceSignBytes(id, doc[:], fp[:], intent[:], at))
		if err != nil {
			return nil, err
		}
		r.args = append(r.args, []string{id, hex.EncodeToString(doc[:]), hex.EncodeToString(fp[:]),
			hex.EncodeToString(intent[:]), strconv.FormatInt(at, 10), hex.EncodeToString(sig)})
	}
	return r, nil
}

func runFabric(ctx context.Context, o fabricOptions) (*fabricResult, error) {
	res := &fabricResult{Started: time.Now().UTC(), N: o.N, Concurrency: o.Concurrency, Rate: o.Rate, LoadBefore: loadavg(),
		Network: fabricNetworkInfo{Orderers: 1, Consensus: "etcdraft", Peers: 1, EndorsementPolicy: fabricPolicy,
			BatchTimeout: o.BatchTimeout.String(), BatchMaxCount: o.BatchMax, BatchPreferred: fmt.Sprintf("%d KB", max(512, o.BatchMax*8)),
			StateDB: "goleveldb", Chaincode: "test/fabric/evidencecc (chaincode-as-a-service)"}}
	defer func() { res.LoadAfter = loadavg() }()
	total := o.N
	for _, r := range o.Sweep {
		n := max(1, int(r*o.Duration.Seconds()))
		res.Steps = append(res.Steps, fabricStep{OfferedTPS: r, N: n})
		total += n
	}
	if len(o.Sweep) > 0 {
		res.StepSec = o.Duration.Seconds()
	}
	recs, err := buildFabricRecords(total, o.Progress)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(o.Dir, "sealbench-fabric-")
	if err != nil {
		return nil, err
	}
	if !o.Keep {
		defer os.RemoveAll(dir)
	}
	if v, err := exec.Command("sh", "-c", "sed -n 's|^require github.com/hyperledger/fabric ||p' "+filepath.Join(o.Scripts, "tools/go.mod")).Output(); err == nil {
		res.Network.FabricVersion = strings.TrimSpace(string(v))
	}
	fn, err := startFabricNet(ctx, o, filepath.Join(dir, "run"))
	if err != nil {
		return nil, err
	}
	defer fn.stop(o.Keep)
	c, err := fn.connect()
	if err != nil {
		return nil, err
	}
	defer c.close()
	// Registering the signer is the setup (and warms the chaincode's
	// connection); it commits before anything is timed.
	if _, err := c.contract.SubmitWithContext(ctx, "RegisterSigner", gwclient.WithArguments(hex.EncodeToString(recs.certDER))); err != nil {
		return nil, fmt.Errorf("RegisterSigner: %w", err)
	}
	off := 0
	if o.N > 0 {
		cpu := fn.cpu()
		res.Fabric, err = c.measure(ctx, "fabric", recs.args[:o.N], o.Concurrency, o.Rate, o.Progress)
		res.CPU = cpuDelta(cpu, fn.cpu())
		if err != nil {
			return res, err
		}
		off = o.N
	}
	for i := range res.Steps {
		st := &res.Steps[i]
		cpu := fn.cpu()
		st.Fabric, err = c.measure(ctx, fmt.Sprintf("fabric %g/s", st.OfferedTPS), recs.args[off:off+st.N], o.Concurrency, st.OfferedTPS, o.Progress)
		st.CPU = cpuDelta(cpu, fn.cpu())
		off += st.N
		if err != nil {
			return res, fmt.Errorf("fabric at %g records/s: %w", st.OfferedTPS, err)
		}
	}
	return res, nil
}

// measure submits one PutEvidence per record through the Gateway: endorse
// (the peer runs the chaincode and signs), submit (the orderer accepts the
// envelope); a goroutine per transaction then waits for its commit status.
// The submitters do not wait for commits, as sealbench's Sealchain
// submitters do not (they return after CheckTx). Commit times are taken by
// pump's 10 ms poll, as for Sealchain.
func (c *fabricConn) measure(ctx context.Context, label string, records [][]string, conc int, rate float64, progress io.Writer) (*phaseResult, error) {
	from, err := c.height(ctx)
	if err != nil {
		return nil, err
	}
	n := len(records)
	txs := make([][]byte, n)
	index := make(map[string]int, n)
	for i, a := range records {
		txs[i] = []byte(a[0]) // the contract id: unique per record
		index[a[0]] = i
	}
	var (
		state   = make([]atomic.Int32, n) // 1 valid, 2 invalid
		blocks  = make([]uint64, n)
		sizes   = make([]atomic.Int64, n)
		invalid atomic.Pointer[string]
		waiters sync.WaitGroup
	)
	// The commit waiters outlive bc's call; they end with the phase.
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	bc := func(ctx context.Context, tx []byte) error {
		i := index[string(tx)]
		p, err := c.contract.NewProposal("PutEvidence", gwclient.WithArguments(records[i]...))
		if err != nil {
			return err
		}
		t, err := p.EndorseWithContext(ctx)
		if err != nil {
			return fmt.Errorf("endorse: %w", err)
		}
		if b, err := t.Bytes(); err == nil {
			sizes[i].Store(int64(len(b)))
		}
		commit, err := t.SubmitWithContext(ctx)
		if err != nil {
			return fmt.Errorf("submit: %w", err)
		}
		waiters.Add(1)
		go func() {
			defer waiters.Done()
			st, err := commit.StatusWithContext(wctx)
			switch {
			case err != nil:
				msg := fmt.Sprintf("commit status of %s: %v", commit.TransactionID(), err)
				invalid.CompareAndSwap(nil, &msg)
				state[i].Store(2)
			case !st.Successful:
				msg := fmt.Sprintf("transaction %s not valid: %s", st.TransactionID, st.Code)
				invalid.CompareAndSwap(nil, &msg)
				state[i].Store(2)
			default:
				blocks[i] = st.BlockNumber
				state[i].Store(1)
			}
		}()
		return nil
	}
	poll := func(ctx context.Context, t *tracker) error {
		t.sweep(time.Now(), func(i int) bool { return state[i].Load() == 1 })
		if m := invalid.Load(); m != nil {
			return errors.New(*m)
		}
		return nil
	}
	r, _, err := pump(ctx, label, single(txs), conc, rate, bc, poll, progress)
	if err != nil {
		cancel()
	}
	waiters.Wait()
	// The transaction a record travels in (the Gateway's prepared
	// transaction: envelope with proposal, endorsement and signatures).
	var bytes, nb int64
	seen := map[uint64]bool{}
	for i := range sizes {
		if s := sizes[i].Load(); s > 0 {
			bytes += s
			nb++
		}
		if state[i].Load() == 1 {
			seen[blocks[i]] = true
		}
	}
	if nb > 0 {
		r.TxBytesAvg = float64(bytes) / float64(nb)
	}
	r.Blocks = int64(len(seen))
	if err != nil {
		return r, err
	}
	// The ledger's own count: valid transactions in the blocks cut during
	// the phase, read back through qscc.
	to, err := c.height(ctx)
	if err != nil {
		return r, err
	}
	r.HeightFrom, r.HeightTo = int64(from), int64(to)
	valid, err := c.validTxs(ctx, from, to)
	if err != nil {
		return r, err
	}
	r.ChainTxs, r.AppTxs, r.ChainSource = valid, valid, "qscc: valid transactions in the phase's blocks"
	if valid != int64(r.Committed) {
		return r, fmt.Errorf("%s: the ledger holds %d valid transactions in blocks %d..%d, the clients saw %d commits",
			label, valid, from+1, to, r.Committed)
	}
	return r, nil
}

// height is the number of the channel's newest block.
func (c *fabricConn) height(ctx context.Context) (uint64, error) {
	b, err := c.qscc.EvaluateWithContext(ctx, "GetChainInfo", gwclient.WithArguments(fabricChannel))
	if err != nil {
		return 0, fmt.Errorf("qscc GetChainInfo: %w", err)
	}
	var info common.BlockchainInfo
	if err := proto.Unmarshal(b, &info); err != nil {
		return 0, fmt.Errorf("qscc GetChainInfo: %w", err)
	}
	return info.Height - 1, nil
}

// validTxs counts the valid transactions in blocks (from, to].
func (c *fabricConn) validTxs(ctx context.Context, from, to uint64) (int64, error) {
	var n int64
	for h := from + 1; h <= to; h++ {
		b, err := c.qscc.EvaluateWithContext(ctx, "GetBlockByNumber", gwclient.WithArguments(fabricChannel, strconv.FormatUint(h, 10)))
		if err != nil {
			return 0, fmt.Errorf("qscc GetBlockByNumber %d: %w", h, err)
		}
		var blk common.Block
		if err := proto.Unmarshal(b, &blk); err != nil {
			return 0, fmt.Errorf("block %d: %w", h, err)
		}
		md := blk.GetMetadata().GetMetadata()
		if len(md) <= int(common.BlockMetadataIndex_TRANSACTIONS_FILTER) {
			return 0, fmt.Errorf("block %d: no transactions filter", h)
		}
		for _, code := range md[common.BlockMetadataIndex_TRANSACTIONS_FILTER] {
			if peer.TxValidationCode(code) == peer.TxValidationCode_VALID {
				n++
			}
		}
	}
	return n, nil
}

func (r *fabricResult) printTable(w io.Writer) {
	nw := r.Network
	fmt.Fprintf(w, "\nFabric %s on 127.0.0.1: %d orderer (%s), %d peer, endorsement %s, blocks of ≤ %d txs or %s, concurrency %d\n",
		nw.FabricVersion, nw.Orderers, nw.Consensus, nw.Peers, nw.EndorsementPolicy, nw.BatchMaxCount, nw.BatchTimeout, r.Concurrency)
	fmt.Fprintf(w, "load average before %s, after %s\n", r.LoadBefore, r.LoadAfter)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "run\ttx bytes\tcommitted\tfailed\tblocks\trecords/s\tp50 ms\tp95 ms\tp99 ms\tmax ms\t")
	row := func(name string, p *phaseResult) {
		fmt.Fprintf(tw, "%s\t%.0f\t%d/%d\t%d\t%d\t%.0f\t%.0f\t%.0f\t%.0f\t%.0f\t\n", name, p.TxBytesAvg, p.Committed, p.Txs,
			p.Failed, p.Blocks, p.TPS, p.P50Ms, p.P95Ms, p.P99Ms, p.MaxMs)
	}
	if r.Fabric != nil {
		row("burst, "+rateString(r.Rate), r.Fabric)
	}
	for _, st := range r.Steps {
		if st.Fabric != nil {
			row(fmt.Sprintf("offered %g/s for %gs", st.OfferedTPS, r.StepSec), st.Fabric)
		}
	}
	tw.Flush()
	if r.Fabric != nil && len(r.CPU) > 0 {
		fmt.Fprintf(w, "CPU during the burst (%.1f s × %d cores): peer %.1f s, orderer %.1f s, chaincode %.1f s, clients %.1f s\n",
			r.Fabric.ElapsedSec, runtime.NumCPU(), r.CPU["peer"], r.CPU["orderer"], r.CPU["chaincode"], r.CPU["clients"])
	}
}
