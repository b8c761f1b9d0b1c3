package main

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/sealchain/sealchain/config"
)

// execRoot runs the CLI in process and returns its exit status and output.
func execRoot(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	root := newRoot()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	if err == nil {
		return 0, out.String(), ""
	}
	code, msg := exitStatus(err)
	return code, out.String(), msg
}

// TestUsageErrorsExit2 checks that every kind of bad command line exits 2,
// as the root's help says, and names what was wrong.
func TestUsageErrorsExit2(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown flag", []string{"verify", "--bogus"}, "unknown flag: --bogus"},
		{"unknown root flag", []string{"--bogus"}, "unknown flag: --bogus"},
		{"flag without value", []string{"verify", "--genesis"}, "flag needs an argument: --genesis"},
		{"bad flag value", []string{"init", "--force=maybe"}, "invalid argument"},
		{"unknown command", []string{"nosuch"}, `unknown command "nosuch"`},
		{"missing argument", []string{"pdf", "verify"}, "accepts 1 arg(s), received 0"},
		{"extra argument", []string{"report", "verify", "a.pdf", "b.pdf"}, "accepts 1 arg(s), received 2"},
		{"unknown flag of a nested command", []string{"wf", "outbox", "--nope"}, "unknown flag: --nope"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, msg := execRoot(t, tc.args...)
			if code != exitUsage || !strings.Contains(msg, tc.want) || !strings.Contains(msg, "--help") {
				t.Fatalf("%v: exit %d %q, want exit 2 naming %q and pointing at --help", tc.args, code, msg, tc.want)
			}
		})
	}
	// A command that runs and fails is status 1, not 2.
	if code, _, msg := execRoot(t, "start", "--home", t.TempDir()); code != exitFailure {
		t.Fatalf("start on an empty home: exit %d (%s), want 1", code, msg)
	}
}

func TestVersion(t *testing.T) {
	code, out, msg := execRoot(t, "--version")
	if code != 0 || !strings.HasPrefix(out, "sealchain ") || !strings.Contains(out, "commit") || !strings.Contains(out, runtime.Version()) {
		t.Fatalf("--version: exit %d %q %q", code, out, msg)
	}
	stamped := &debug.BuildInfo{
		GoVersion: "go1.99.1",
		Main:      debug.Module{Path: "github.com/sealchain/sealchain", Version: "v1.2.3"},
		Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
			{Key: "vcs.time", Value: "2026-12-01T10:00:00Z"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	for _, tc := range []struct {
		name string
		info *debug.BuildInfo
		ok   bool
		want []string
	}{
		{"stamped", stamped, true, []string{"sealchain v1.2.3\n", "commit     0123456789abcdef0123456789abcdef01234567 (2026-12-01T10:00:00Z, with uncommitted changes)", "go1.99.1"}},
		{"devel without vcs", &debug.BuildInfo{GoVersion: "go1.99.2", Main: debug.Module{Version: "(devel)"}}, true, []string{"sealchain devel\n", "commit     unknown", "go1.99.2"}},
		{"no build info", nil, false, []string{"sealchain devel\n", runtime.Version()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := buildVersion(tc.info, tc.ok)
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("buildVersion = %q, want it to contain %q", got, w)
				}
			}
		})
	}
}

func TestExitStatusPassesThrough(t *testing.T) {
	if code, msg := exitStatus(&exitError{1, nil}); code != 1 || msg != "" {
		t.Fatalf("exitError{1,nil}: %d %q", code, msg)
	}
	if code, msg := exitStatus(errors.New("boom")); code != exitFailure || msg != "boom" {
		t.Fatalf("plain error: %d %q", code, msg)
	}
}

// TestInitRPCDefault: CometBFT's RPC answers abci_query with no
// authentication and no audit, so `init` for a court, notary or arbitration
// body leaves it off unless --rpc-listen asks for it; a platform keeps it on
// loopback.
func TestInitRPCDefault(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"court", []string{"--role", "court", "--org", "court-1"}, ""},
		{"notary", []string{"--role", "notary", "--org", "notary-1"}, ""},
		{"arbitration", []string{"--role", "arbitration", "--org", "arb-1"}, ""},
		{"platform", []string{"--role", "platform"}, config.Default().Consensus.RPCListen},
		{"court asking for it", []string{"--role", "court", "--org", "court-1", "--rpc-listen", "tcp://127.0.0.1:36657"}, "tcp://127.0.0.1:36657"},
		{"platform turning it off", []string{"--role", "platform", "--rpc-listen", ""}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			home := filepath.Join(t.TempDir(), "home")
			code, out, msg := execRoot(t, append([]string{"init", "--home", home}, tc.args...)...)
			if code != 0 {
				t.Fatalf("init: exit %d %s %s", code, out, msg)
			}
			c, err := config.Load(home)
			if err != nil {
				t.Fatal(err)
			}
			if c.Consensus.RPCListen != tc.want {
				t.Fatalf("rpc_listen %q, want %q", c.Consensus.RPCListen, tc.want)
			}
			if off := strings.Contains(out, "CometBFT RPC off"); off != (tc.want == "") {
				t.Fatalf("init output does not say whether the RPC is off:\n%s", out)
			}
		})
	}
}
