package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/config"
	"github.com/sealchain/sealchain/internal/testport"
	"github.com/sealchain/sealchain/node"
	"github.com/sealchain/sealchain/node/nodehome"
)

// TestCaseCommands drives the case commands against an in-process platform
// node (the whole flow runs in node.TestJudicial): an empty inbox, the
// errors a user sees for an unknown case and contract, and bad usage.
func TestCaseCommands(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	home := t.TempDir()
	cfg := config.Default()
	addr := func() string {
		a, err := testport.Free()
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	cfg.API.Listen = addr()
	cfg.Consensus.P2PListen = "tcp://" + addr()
	cfg.Consensus.RPCListen = "tcp://" + addr()
	cfg.Consensus.BlockInterval = config.Duration{Duration: 50 * time.Millisecond}
	cfg.Log.Level = "error"
	cfg.API.Auth = config.AuthSigned // the commands sign with the home's credential
	if _, err := nodehome.Init(nodehome.InitOptions{Home: home, ChainID: "case-cli", OrgID: "platform", OrgName: "Platform Ltd",
		Role: chain.RolePlatform, Config: cfg}); err != nil {
		t.Fatal(err)
	}
	nd, err := node.New(home)
	if err != nil {
		t.Fatal(err)
	}
	if err := nd.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = nd.Stop() })
	base := "http://" + nd.APIAddr()

	cli := func(args ...string) (string, error) {
		t.Helper()
		root := newRoot()
		var out bytes.Buffer
		root.SetOut(&out)
		root.SetErr(&bytes.Buffer{})
		root.SetArgs(append(args, "--node", base, "--home", home))
		err := root.ExecuteContext(ctx)
		return out.String(), err
	}
	out, err := cli("inbox", "--status", "pending")
	if err != nil {
		t.Fatalf("inbox: %v", err)
	}
	var inbox struct {
		Cases []client.Case `json:"cases"`
	}
	if err := json.Unmarshal([]byte(out), &inbox); err != nil || len(inbox.Cases) != 0 {
		t.Fatalf("inbox: %v %s", err, out)
	}
	apiStatus := func(err error) int {
		var ae *client.APIError
		if errors.As(err, &ae) {
			return ae.Status
		}
		return 0
	}
	if _, err := cli("case", "show", "na-none"); apiStatus(err) != 404 {
		t.Errorf("case show of an unknown case: %v, want HTTP 404", err)
	}
	if _, err := cli("notary", "apply", "--contract", "no-such-contract", "--notary", "notary"); apiStatus(err) != 404 {
		t.Errorf("notary apply on an unknown contract: %v, want HTTP 404", err)
	}
	if _, err := cli("inbox", "--status", "lost"); apiStatus(err) != 400 {
		t.Errorf("inbox --status lost: %v, want HTTP 400", err)
	}
	var ee *exitError
	if _, err := cli("case", "decide", "na-x"); !errors.As(err, &ee) || ee.code != exitUsage || !strings.Contains(err.Error(), "--accept") {
		t.Errorf("case decide without a decision: %v, want a usage error", err)
	}
}
