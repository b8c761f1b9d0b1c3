package node

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/config"
	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/internal/nodetest"
	"github.com/sealchain/sealchain/node/nodehome"
	"github.com/sealchain/sealchain/workflow"
	"github.com/sealchain/sealchain/workflow/identity"
)

// The kill -9 test runs the node in a child process, has it SIGKILL itself
// at a named step of a signing (CrashEnv), restarts it on the same home and
// checks that the signed PDF and its chain record exist together or not at
// all. The child is the sealchain binary named by $SEALCHAIN_BIN (e.g.
// bin/sealchain after make build) running `start`, or else this test binary
// re-executed in node mode (TestWorkflowKillChild), which needs no build.

const (
	childHomeEnv = "SEALCHAIN_WF_CHILD_HOME"
	binEnv       = "SEALCHAIN_BIN"
)

// TestWorkflowKillChild is the child: it runs a node until killed.
func TestWorkflowKillChild(t *testing.T) {
	home := os.Getenv(childHomeEnv)
	if home == "" {
		t.Skip("child process of TestWorkflowKill")
	}
	nd, err := New(home, apiContract(t))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if err := nd.Start(context.Background()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
	<-sig
	if err := nd.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
}

type killChild struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when the process exited; err is then set
	err  error
}

func startChild(ctx context.Context, t *testing.T, home nodehome.Home, crashAt string) *killChild {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestWorkflowKillChild$", "-test.count=1")
	if bin := os.Getenv(binEnv); bin != "" {
		cmd = exec.Command(bin, "start", "--home", string(home))
	}
	cmd.Env = append(os.Environ(), childHomeEnv+"="+string(home))
	if crashAt != "" {
		cmd.Env = append(cmd.Env, CrashEnv+"="+crashAt)
	}
	logf, err := os.OpenFile(filepath.Join(string(home), "child.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("start child: %v", err)
	}
	k := &killChild{cmd: cmd, done: make(chan struct{})}
	go func() { k.err = cmd.Wait(); logf.Close(); close(k.done) }()
	t.Cleanup(func() {
		select {
		case <-k.done:
		default:
			_ = cmd.Process.Kill()
			<-k.done
		}
	})
	cfg, err := config.Load(string(home))
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + cfg.API.Listen
	for {
		if res, err := http.Get(base + "/healthz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return k
			}
		}
		select {
		case <-k.done:
			log, _ := os.ReadFile(filepath.Join(string(home), "child.log"))
			t.Fatalf("child exited before serving: %v\n%s", k.err, log)
		case <-ctx.Done():
			t.Fatal("child did not start in time")
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// killed waits for the child to die by SIGKILL.
func (k *killChild) killed(ctx context.Context, t *testing.T) {
	t.Helper()
	select {
	case <-k.done:
		err := k.err
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("child exit: %v, want killed", err)
		}
		if ws, ok := ee.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
			t.Fatalf("child exit: %v, want SIGKILL", err)
		}
	case <-ctx.Done():
		t.Fatal("the child did not kill itself at the crash step")
	}
}

func (k *killChild) stop(t *testing.T) {
	t.Helper()
	_ = k.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-k.done:
	case <-time.After(20 * time.Second):
		_ = k.cmd.Process.Kill()
		<-k.done
	}
}

// TestWorkflowKill kills the node with SIGKILL at each step of a signing
// and checks consistency after a restart.
func TestWorkflowKill(t *testing.T) {
	steps := []struct {
		crashAt string
		// dies: the sign request itself never gets an answer. At the
		// outbox steps it may or may not: the pipelined chain queue
		// broadcasts the record within milliseconds of the state write,
		// racing the HTTP answer.
		dies bool
	}{
		{workflow.StepSignPDFStored, true},
		{workflow.StepSignStateSaved, true},
		{workflow.StepOutboxBroadcast + ":contract_signed", false},
		{workflow.StepOutboxCommitted + ":contract_signed", false},
	}
	for _, st := range steps {
		t.Run(st.crashAt, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			home := nodehome.Home(t.TempDir())
			cfg := config.Default()
			cfg.API.Listen = itFreeHostPort(t)
			cfg.Consensus.P2PListen = nodetest.CometAddr(t)
			cfg.Consensus.RPCListen = nodetest.CometAddr(t)
			cfg.Consensus.BlockInterval = config.Duration{Duration: 20 * time.Millisecond}
			cfg.Log.Level = "error"
			// After a crash the party asks for a new code at once.
			cfg.Workflow.OTPCooldown = config.Duration{}
			if _, err := nodehome.Init(nodehome.InitOptions{Home: string(home), ChainID: itChainID, OrgID: "platform", OrgName: "Platform Ltd",
				Role: chain.RolePlatform, Config: cfg}); err != nil {
				t.Fatalf("Init: %v", err)
			}
			child := startChild(ctx, t, home, st.crashAt)
			c := newWFCore(t, "http://"+cfg.API.Listen, home)
			zhang := c.person("张三", identity.DevPassIDNumber, identity.DevPassPhone)
			li := c.person("李四", identity.DevPassIDNumber2, "13800138001")
			id, toks := c.contract("sequential", nil, zhang, li)
			c.must(http.StatusOK, "GET", "/v1/sign/"+toks[0], nil)
			code := c.code(toks[0], id, 0)
			if st.dies {
				if r, err := c.tryCall("POST", "/v1/sign/"+toks[0]+"/sign", map[string]any{"method": "sms", "code": code}); err == nil {
					t.Fatalf("sign answered %d %s; the process should have died", r.status, r.body)
				}
			} else if r, err := c.tryCall("POST", "/v1/sign/"+toks[0]+"/sign", map[string]any{"method": "sms", "code": code}); err == nil && r.status != http.StatusOK {
				t.Fatalf("sign: %d %s", r.status, r.body)
			}
			child.killed(ctx, t)

			child = startChild(ctx, t, home, "")
			defer child.stop(t)
			m := c.settled(id)
			p0 := m["parties"].([]any)[0].(map[string]any)
			signedOnChain := chainSignatures(t, c, id)
			switch p0["status"] {
			case "signed":
				// The record names the stored PDF, and the PDF is there.
				want := p0["signed_sm3"].(string)
				if len(signedOnChain) != 1 || signedOnChain[0] != want {
					t.Fatalf("party signed with PDF %s; chain signatures %v", want, signedOnChain)
				}
				doc := c.call("GET", "/v1/wf/contracts/"+id+"/pdf", nil, "")
				if sum := sm3.Sum(doc.body); hex.EncodeToString(sum[:]) != want {
					t.Fatalf("stored PDF SM3 %x, record says %s", sum, want)
				}
			default:
				if st.crashAt != workflow.StepSignPDFStored {
					t.Fatalf("party status %v after a crash at %s, want signed", p0["status"], st.crashAt)
				}
				if len(signedOnChain) != 0 {
					t.Fatalf("chain has signatures %v but the workflow shows party 0 %v", signedOnChain, p0["status"])
				}
				// The party signs again.
				c.sign(toks[0], id, 0)
			}
			c.sign(toks[1], id, 1)
			m = c.settled(id)
			if m["status"] != "completed" || len(chainSignatures(t, c, id)) != 2 {
				t.Fatalf("after the restart: status %v, chain signatures %v", m["status"], chainSignatures(t, c, id))
			}
			// The restarted node's search index (reopened, replayed from its
			// mark) finds the contract by a party's name and its new status.
			for deadline := time.Now().Add(30 * time.Second); ; {
				r := c.must(http.StatusOK, "GET", "/v1/wf/contracts?status=completed&q="+url.QueryEscape("李四"), nil)
				if cs := r["contracts"].([]any); len(cs) == 1 && cs[0].(map[string]any)["id"] == id {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("search after the restart: %v", r)
				}
				time.Sleep(200 * time.Millisecond)
			}
		})
	}
}

// tryCall is call that reports transport errors instead of failing.
func (c *wfCore) tryCall(method, path string, body any) (r *wfAnswer, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%v", p)
		}
	}()
	raw, _ := json.Marshal(body)
	req, err := http.NewRequest(method, c.base+path, bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(idemHeader, fmt.Sprintf("try-%d", time.Now().UnixNano()))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b := make([]byte, 0, 512)
	buf := make([]byte, 512)
	for {
		n, rerr := res.Body.Read(buf)
		b = append(b, buf[:n]...)
		if rerr != nil {
			break
		}
	}
	return &wfAnswer{status: res.StatusCode, body: b}, nil
}

// chainSignatures lists signed_doc_sm3 of the contract's committed
// contract_signed records, from its evidence bundle.
func chainSignatures(t *testing.T, c *wfCore, id string) []string {
	t.Helper()
	r := c.call("GET", "/v1/wf/contracts/"+id+"/evidence", nil, "")
	if r.status != http.StatusOK {
		t.Fatalf("evidence: %d %s", r.status, r.body)
	}
	b, err := evidence.DecodeBundle(r.body)
	if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, rec := range b.Records {
		v, _, err := evidence.Describe(rec.Leaf)
		if err != nil {
			t.Fatal(err)
		}
		if v.Type == "contract_signed" {
			out = append(out, v.Body["signed_doc_sm3"].(string))
		}
	}
	return out
}
