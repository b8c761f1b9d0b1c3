package node

import (
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/config"
	"github.com/sealchain/sealchain/internal/nodetest"
	"github.com/sealchain/sealchain/node/nodehome"
)

// initLifecycleHome makes a single-node home on free ports, logging at info
// (the default an operator runs with).
func initLifecycleHome(t *testing.T) (string, *config.Config) {
	t.Helper()
	home := t.TempDir()
	cfg := config.Default()
	cfg.API.Listen = itFreeHostPort(t)
	cfg.Consensus.P2PListen = nodetest.CometAddr(t)
	cfg.Consensus.RPCListen = nodetest.CometAddr(t)
	cfg.Consensus.BlockInterval = config.Duration{Duration: 100 * time.Millisecond}
	if _, err := nodehome.Init(nodehome.InitOptions{
		Home: home, ChainID: itChainID, OrgID: "platform", OrgName: "Platform Ltd",
		Role: chain.RolePlatform, Config: cfg,
	}); err != nil {
		t.Fatalf("Init: %v", err)
	}
	return home, &cfg
}

// TestRestartLogQuiet starts a node, stops it and starts it again on the
// same home, as an operator's restart does, and checks that nothing in the
// log looks like a fault: no warning or error, no pebble WAL-replay line, no
// CometBFT "Not stopping ... service" line, and nothing written around the
// node's logger through the standard library's.
func TestRestartLogQuiet(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a CometBFT node twice")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	home, cfg := initLifecycleHome(t)

	var std nodetest.SyncBuffer
	prevOut, prevFlags := log.Writer(), log.Flags()
	log.SetOutput(&std)
	t.Cleanup(func() { log.SetOutput(prevOut); log.SetFlags(prevFlags) })

	var logs nodetest.SyncBuffer
	for round := range 2 {
		n, err := New(home, apiContract(t), WithLogger(NewLogger(&logs, cfg.Log)))
		if err != nil {
			t.Fatalf("round %d: New: %v", round, err)
		}
		if err := n.Start(ctx); err != nil {
			t.Fatalf("round %d: Start: %v", round, err)
		}
		if err := n.Comet().WaitForHeight(ctx, 1); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if err := n.Stop(); err != nil {
			t.Fatalf("round %d: Stop: %v", round, err)
		}
	}
	out := logs.String()
	if !strings.Contains(out, "node started") {
		t.Fatalf("the node's log is not captured:\n%s", out)
	}
	for _, line := range strings.Split(out, "\n") {
		for _, bad := range []string{"level=ERROR", "level=WARN", "stopped reading", "Not stopping"} {
			if strings.Contains(line, bad) {
				t.Errorf("alarming line on a clean restart (%q): %s", bad, line)
			}
		}
	}
	if s := std.String(); s != "" {
		t.Errorf("written to the standard logger, around the node's logger:\n%s", s)
	}
}

// TestHomeLock runs two nodes on one home: the second is refused with an
// error naming the home, and starts once the first has stopped (the lock is
// released on Stop).
func TestHomeLock(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a CometBFT node")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	home, cfg := initLifecycleHome(t)
	quiet := config.Log{Level: "error", Format: "text"}

	first, err := New(home, apiContract(t), WithLogger(NewLogger(&nodetest.SyncBuffer{}, quiet)))
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Start(ctx); err != nil {
		t.Fatal(err)
	}
	second, err := New(home, apiContract(t), WithLogger(NewLogger(&nodetest.SyncBuffer{}, quiet)))
	if err != nil {
		t.Fatal(err)
	}
	err = second.Start(ctx)
	want := "home " + home + " is in use by another sealchain process"
	if !errors.Is(err, nodehome.ErrInUse) || !strings.Contains(err.Error(), want) {
		t.Fatalf("second node on the same home: %v, want %q", err, want)
	}
	// The refused node touched nothing: the first still answers.
	if err := first.Comet().WaitForHeight(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if err := first.Stop(); err != nil {
		t.Fatal(err)
	}
	third, err := New(home, apiContract(t), WithLogger(NewLogger(&nodetest.SyncBuffer{}, quiet)), WithConfig(cfg))
	if err != nil {
		t.Fatal(err)
	}
	if err := third.Start(ctx); err != nil {
		t.Fatalf("start after the first node stopped: %v", err)
	}
	if err := third.Stop(); err != nil {
		t.Fatal(err)
	}
}

// TestPortInUseNamesKey occupies each listen address in turn and checks that
// Start names the address and its config key, and leaves the home unlocked.
func TestPortInUseNamesKey(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a CometBFT node")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	home, cfg := initLifecycleHome(t)
	for _, tc := range []struct {
		key, addr, hint string
	}{
		{"api.listen", cfg.API.Listen, "[api] listen"},
		{"consensus.p2p_listen", strings.TrimPrefix(cfg.Consensus.P2PListen, "tcp://"), "[consensus] p2p_listen"},
		{"consensus.rpc_listen", strings.TrimPrefix(cfg.Consensus.RPCListen, "tcp://"), "[consensus] rpc_listen"},
	} {
		t.Run(tc.key, func(t *testing.T) {
			busy, err := net.Listen("tcp", tc.addr)
			if err != nil {
				t.Fatal(err)
			}
			defer busy.Close()
			n, err := New(home, apiContract(t), WithLogger(NewLogger(&nodetest.SyncBuffer{}, config.Log{Level: "error", Format: "text"})))
			if err != nil {
				t.Fatal(err)
			}
			err = n.Start(ctx)
			var ke *config.KeyError
			if !errors.As(err, &ke) || ke.Key != tc.key || !strings.Contains(err.Error(), tc.addr+" is already in use") ||
				!strings.Contains(err.Error(), tc.hint) {
				t.Fatalf("Start with %s taken: %v, want a %s error naming %s and %q", tc.addr, err, tc.key, tc.addr, tc.hint)
			}
		})
	}
	// Every failed start released the lock.
	lock, err := nodehome.Acquire(nodehome.Home(home))
	if err != nil {
		t.Fatalf("home still locked after failed starts: %v", err)
	}
	lock.Release()
}

func TestLoopbackListen(t *testing.T) {
	for _, tc := range []struct {
		addr string
		want bool
	}{
		{"tcp://127.0.0.1:26657", true},
		{"tcp://localhost:26657", true},
		{"[::1]:26657", true},
		{"tcp://0.0.0.0:26657", false},
		{"tcp://:26657", false},
		{"tcp://10.0.0.5:26657", false},
		{"tcp://rpc.court.example:26657", false},
		{"garbage", false},
	} {
		if got := loopbackListen(tc.addr); got != tc.want {
			t.Errorf("loopbackListen(%q) = %v, want %v", tc.addr, got, tc.want)
		}
	}
}

// TestAPIStartingUntilReady holds a node's start just before its routes go
// live (as a long CometBFT replay does) and checks that the API port
// answers at once, every route and /healthz with 503 "starting" and
// Retry-After, and serves the routes once Start has returned.
func TestAPIStartingUntilReady(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a CometBFT node")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	home, cfg := initLifecycleHome(t)
	n, err := New(home, apiContract(t), WithLogger(NewLogger(&nodetest.SyncBuffer{}, config.Log{Level: "error", Format: "text"})))
	if err != nil {
		t.Fatal(err)
	}
	held, release := make(chan struct{}), make(chan struct{})
	var releaseOnce sync.Once
	let := func() { releaseOnce.Do(func() { close(release) }) }
	n.beforeReady = func() { close(held); <-release }
	started := make(chan error, 1)
	go func() { started <- n.Start(ctx) }()
	defer func() {
		let() // Stop waits for Start
		<-started
		if err := n.Stop(); err != nil {
			t.Error(err)
		}
	}()
	select {
	case <-held:
	case err := <-started:
		started <- err
		t.Fatalf("Start returned before its routes went live: %v", err)
	case <-ctx.Done():
		t.Fatal(ctx.Err())
	}

	// A client that waits no longer than a health check would.
	hc := &http.Client{Timeout: 5 * time.Second}
	get := func(path string) (int, http.Header, string) {
		t.Helper()
		resp, err := hc.Get("http://" + cfg.API.Listen + path)
		if err != nil {
			t.Fatalf("GET %s while starting: %v", path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, string(b)
	}
	for _, path := range []string{"/healthz", "/v1/status", "/", "/no/such/route"} {
		status, hdr, body := get(path)
		if status != http.StatusServiceUnavailable || hdr.Get("Retry-After") == "" ||
			!strings.HasPrefix(hdr.Get("Content-Type"), "application/json") || !strings.Contains(body, `"code": "starting"`) {
			t.Errorf("GET %s while starting: %d %v %s, want 503 starting with Retry-After", path, status, hdr, body)
		}
	}

	let()
	if err := <-started; err != nil {
		t.Fatalf("Start: %v", err)
	}
	started <- nil // for the deferred Stop
	if status, _, body := get("/healthz"); status != http.StatusOK || !strings.Contains(body, `"ok": true`) {
		t.Fatalf("GET /healthz once started: %d %s", status, body)
	}
}

// TestBuildWasmFreshness runs scripts/build-wasm.sh in a copy of the
// repository's layout with a stand-in go command and verifier build, and
// checks what counts as up to date: the output is rebuilt after a change
// to wasm_exec.js, to either build script, or to `go version`; and a
// "building" marker naming a live pid counts only while it is younger than
// 30 minutes (the pid may have been reused since).
func TestBuildWasmFreshness(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	script, err := os.ReadFile("../scripts/build-wasm.sh")
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	write := func(rel, content string, mode os.FileMode) {
		t.Helper()
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
	}
	write("scripts/build-wasm.sh", string(script), 0o755)
	write("cmd/sealchain-wasm/build.sh", "#!/bin/sh\necho wasm > \"$1\"\n", 0o755)
	write("node/web/wasm_exec.js", "// wasm_exec\n", 0o644)
	write("go.mod", "module x\n", 0o644)
	write("x.go", "package x\n", 0o644)
	write("fakego", "#!/bin/sh\necho \"go version $FAKE_GO_VERSION linux/amd64\"\n", 0o755)
	bin := filepath.Join(root, "bin")
	out := filepath.Join(bin, "sealchain.wasm.gz")
	run := func(goVersion string, args ...string) (string, error) {
		t.Helper()
		cmd := exec.Command(sh, append([]string{filepath.Join(root, "scripts/build-wasm.sh")}, args...)...)
		cmd.Env = append(os.Environ(), "GO="+filepath.Join(root, "fakego"), "FAKE_GO_VERSION="+goVersion)
		b, err := cmd.CombinedOutput()
		return string(b), err
	}
	// build builds in the foreground and dates the sources an hour before
	// the output, so that "newer" below is unambiguous.
	old := time.Now().Add(-2 * time.Hour)
	build := func() {
		t.Helper()
		if msg, err := run("go1.A", bin); err != nil {
			t.Fatalf("build: %v\n%s", err, msg)
		}
		for _, rel := range []string{"scripts/build-wasm.sh", "cmd/sealchain-wasm/build.sh", "node/web/wasm_exec.js", "go.mod", "x.go"} {
			if err := os.Chtimes(filepath.Join(root, rel), old, old); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Chtimes(out, old.Add(time.Hour), old.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	build()
	if v, err := os.ReadFile(out + ".version"); err != nil || strings.TrimSpace(string(v)) != "go version go1.A linux/amd64" {
		t.Fatalf("version beside the output: %q, %v", v, err)
	}
	if msg, err := run("go1.A", "--check", bin); err != nil {
		t.Fatalf("fresh build not up to date: %v\n%s", err, msg)
	}
	if msg, err := run("go1.B", "--check", bin); err == nil || !strings.Contains(msg, "go1.B") {
		t.Errorf("up to date after a Go upgrade: %v\n%s", err, msg)
	}
	for _, rel := range []string{"node/web/wasm_exec.js", "cmd/sealchain-wasm/build.sh", "scripts/build-wasm.sh", "x.go"} {
		now := time.Now()
		if err := os.Chtimes(filepath.Join(root, rel), now, now); err != nil {
			t.Fatal(err)
		}
		if msg, err := run("go1.A", "--check", bin); err == nil || !strings.Contains(msg, rel) {
			t.Errorf("up to date after %s changed: %v\n%s", rel, err, msg)
		}
		build()
	}

	// A marker naming a live process (this one): "already being built"
	// while recent, stale after 30 minutes, and then a build starts.
	marker := out + ".building"
	if err := os.Remove(out); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(marker, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if msg, err := run("go1.A", "--background", bin); err != nil || !strings.Contains(msg, "already being built") {
		t.Fatalf("live recent marker: %v\n%s", err, msg)
	}
	stale := time.Now().Add(-31 * time.Minute)
	if err := os.Chtimes(marker, stale, stale); err != nil {
		t.Fatal(err)
	}
	if msg, err := run("go1.A", "--background", bin); err != nil || !strings.Contains(msg, "building the browser verifier in the background") {
		t.Fatalf("marker 31 minutes old: %v\n%s", err, msg)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, errOut := os.Stat(out)
		_, errMarker := os.Stat(marker)
		if errOut == nil && errors.Is(errMarker, os.ErrNotExist) {
			break
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(bin, "wasm.log"))
			t.Fatalf("background build did not finish (output: %v, marker: %v)\n%s", errOut, errMarker, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
