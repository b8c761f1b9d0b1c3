//go:build faults

package faults

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"golang.org/x/sys/unix"
)

// netnsNet puts each validator in its own network namespace, joined by veth
// pairs to a bridge in a hub namespace, so links can be cut for real while
// every process keeps running. Nothing is created in the host's namespace:
// the veth pairs are made inside the hub namespace and one end moved into
// the node's. Each node's P2P listens on its 10.x address; its API and
// CometBFT RPC stay on 127.0.0.1 inside its namespace, and the harness dials
// them from a thread switched into that namespace (dial). A cut is a pair of
// blackhole routes (packets silently dropped, as on a broken link).
type netnsNet struct {
	t      *testing.T
	prefix string   // namespace names: prefix-hub, prefix-0 ..
	ips    []string // node i's address
	byPort map[string]string
	mu     sync.Mutex
	cuts   [][2]int
}

// newNetns creates the namespaces for n nodes, or returns an error when the
// machine does not allow it (not root, no iproute2, no netns support).
func newNetns(t *testing.T, n int) (*netnsNet, error) {
	if os.Geteuid() != 0 {
		return nil, fmt.Errorf("not root")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return nil, err
	}
	nn := &netnsNet{t: t, prefix: fmt.Sprintf("scf%d%d", os.Getpid()%10000, rand.IntN(100)), byPort: map[string]string{}}
	sub := fmt.Sprintf("10.213.%d", 1+rand.IntN(250))
	hub := nn.prefix + "-hub"
	cmds := [][]string{{"netns", "add", hub}, {"-n", hub, "link", "set", "lo", "up"},
		{"-n", hub, "link", "add", "br0", "type", "bridge"}, {"-n", hub, "link", "set", "br0", "up"}}
	for i := 0; i < n; i++ {
		ns := nn.ns(i)
		ip := fmt.Sprintf("%s.%d", sub, i+1)
		nn.ips = append(nn.ips, ip)
		h, v := fmt.Sprintf("h%d", i), fmt.Sprintf("v%d", i)
		cmds = append(cmds,
			[]string{"netns", "add", ns},
			[]string{"-n", ns, "link", "set", "lo", "up"},
			[]string{"-n", hub, "link", "add", h, "type", "veth", "peer", "name", v, "netns", ns},
			[]string{"-n", hub, "link", "set", h, "master", "br0"},
			[]string{"-n", hub, "link", "set", h, "up"},
			[]string{"-n", ns, "addr", "add", ip + "/24", "dev", v},
			[]string{"-n", ns, "link", "set", v, "up"},
		)
	}
	for _, args := range cmds {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			nn.teardown()
			return nil, fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	return nn, nil
}

func (nn *netnsNet) ns(i int) string { return fmt.Sprintf("%s-%d", nn.prefix, i) }

// teardown deletes the namespaces (their veths and bridge go with them).
// Run it after the processes inside have exited.
func (nn *netnsNet) teardown() {
	for _, ns := range append([]string{nn.prefix + "-hub"}, nn.allNS()...) {
		exec.Command("ip", "netns", "del", ns).Run()
	}
}

func (nn *netnsNet) allNS() []string {
	var out []string
	for i := range nn.ips {
		out = append(out, nn.ns(i))
	}
	return out
}

// cut drops all traffic between every node of a and every node of b.
func (nn *netnsNet) cut(a, b []int) {
	nn.t.Helper()
	for _, i := range a {
		for _, j := range b {
			nn.ip("-n", nn.ns(i), "route", "add", "blackhole", nn.ips[j]+"/32")
			nn.ip("-n", nn.ns(j), "route", "add", "blackhole", nn.ips[i]+"/32")
			nn.mu.Lock()
			nn.cuts = append(nn.cuts, [2]int{i, j})
			nn.mu.Unlock()
		}
	}
}

// heal removes every cut.
func (nn *netnsNet) heal() {
	nn.t.Helper()
	nn.mu.Lock()
	cuts := nn.cuts
	nn.cuts = nil
	nn.mu.Unlock()
	for _, c := range cuts {
		nn.ip("-n", nn.ns(c[0]), "route", "del", "blackhole", nn.ips[c[1]]+"/32")
		nn.ip("-n", nn.ns(c[1]), "route", "del", "blackhole", nn.ips[c[0]]+"/32")
	}
}

func (nn *netnsNet) ip(args ...string) {
	nn.t.Helper()
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		nn.t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
	}
}

// rewrite moves node i's P2P address and its peers' from 127.0.0.1 to the
// namespace addresses.
func (nn *netnsNet) rewrite(cfg string, p2pPorts []int) string {
	for j, port := range p2pPorts {
		cfg = strings.ReplaceAll(cfg, "127.0.0.1:"+strconv.Itoa(port), nn.ips[j]+":"+strconv.Itoa(port))
	}
	return cfg
}

// dial opens a TCP connection from inside the namespace that serves addr's
// port (127.0.0.1 in a node's namespace), or from the host otherwise.
func (nn *netnsNet) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	_, port, _ := net.SplitHostPort(addr)
	ns, ok := nn.byPort[port]
	if !ok {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
	type result struct {
		c   net.Conn
		err error
	}
	ch := make(chan result, 1)
	go func() {
		// The socket is created in the namespace of the thread that makes
		// it; this goroutine owns its thread until it has switched back.
		runtime.LockOSThread()
		orig, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			runtime.UnlockOSThread()
			ch <- result{nil, err}
			return
		}
		defer orig.Close()
		target, err := os.Open("/var/run/netns/" + ns)
		if err != nil {
			runtime.UnlockOSThread()
			ch <- result{nil, err}
			return
		}
		defer target.Close()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			ch <- result{nil, fmt.Errorf("setns %s: %w", ns, err)}
			return
		}
		var d net.Dialer
		c, err := d.DialContext(ctx, network, addr)
		if unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET) == nil {
			runtime.UnlockOSThread()
		} // else the thread stays locked and exits with this goroutine
		ch <- result{c, err}
	}()
	r := <-ch
	return r.c, r.err
}
