package comet

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cometbft/cometbft/abci/example/kvstore"
	abci "github.com/cometbft/cometbft/abci/types"
	cfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/crypto/ed25519"
	"github.com/cometbft/cometbft/libs/log"
	"github.com/cometbft/cometbft/types"

	"github.com/sealchain/sealchain/chain/checkpoint"
	"github.com/sealchain/sealchain/internal/nodetest"
)

const cometTestChainID = "sealchain-node-test"

func cometTestOptions(t *testing.T, home string) Options {
	t.Helper()
	return Options{
		Home:              home,
		Moniker:           "test-node",
		P2PListen:         nodetest.CometAddr(t),
		RPCListen:         "",
		BlockInterval:     100 * time.Millisecond,
		CreateEmptyBlocks: false,
		LogLevel:          "error",
	}
}

// startTestComet loads the config for opts and starts the node, stopping it
// when the test ends (Stop is idempotent, so tests may stop it earlier).
func startTestComet(ctx context.Context, t *testing.T, opts Options, app abci.Application) *Node {
	t.Helper()
	conf, err := LoadConfig(opts)
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	c, err := Start(ctx, conf, app, log.NewNopLogger())
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Stop(); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return c
}

// cometWaitForTx polls until tx is indexed and returns the height of its block.
func cometWaitForTx(ctx context.Context, t *testing.T, c *Node, tx types.Tx) int64 {
	t.Helper()
	for {
		res, err := c.Client().Tx(ctx, tx.Hash(), false)
		if err == nil {
			if res.TxResult.Code != abci.CodeTypeOK {
				t.Fatalf("tx %q failed with code %d: %s", tx, res.TxResult.Code, res.TxResult.Log)
			}
			return res.Height
		}
		select {
		case <-ctx.Done():
			t.Fatalf("tx %q not committed: %v (last error %v)", tx, ctx.Err(), err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func cometBroadcast(ctx context.Context, t *testing.T, c *Node, tx types.Tx) {
	t.Helper()
	res, err := c.Client().BroadcastTxSync(ctx, tx)
	if err != nil {
		t.Fatalf("BroadcastTxSync(%q): %v", tx, err)
	}
	if res.Code != abci.CodeTypeOK {
		t.Fatalf("BroadcastTxSync(%q): code %d: %s", tx, res.Code, res.Log)
	}
}

// kvstoreAppHash is what the kvstore example reports after n distinct keys:
// its app hash is the varint of its size in 8 bytes.
func kvstoreAppHash(n int64) []byte {
	h := make([]byte, 8)
	binary.PutVarint(h, n)
	return h
}

func TestCometCheckpointAndRestart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	home := t.TempDir()
	opts := cometTestOptions(t, home)
	valPub, nodeID, err := InitFiles(opts, false)
	if err != nil {
		t.Fatalf("InitFiles: %v", err)
	}
	if err := WriteGenesis(home, cometTestChainID, time.Now().Add(-time.Minute),
		[]GenesisValidator{{Name: "v0", PubKey: valPub, Power: 10}}, json.RawMessage(`{}`)); err != nil {
		t.Fatalf("WriteGenesis: %v", err)
	}
	trusted := types.NewValidatorSet([]*types.Validator{types.NewValidator(valPub, 10)})

	c := startTestComet(ctx, t, opts, kvstore.NewInMemoryApplication())
	if c.NodeID() != nodeID {
		t.Fatalf("NodeID = %s, InitFiles said %s", c.NodeID(), nodeID)
	}

	tx := types.Tx("k=v")
	cometBroadcast(ctx, t, c, tx)
	h := cometWaitForTx(ctx, t, c, tx)
	// With create_empty_blocks = false CometBFT still makes the next block
	// by itself, because the app hash changed at h and must be signed.
	if err := c.WaitForHeight(ctx, h+1); err != nil {
		t.Fatalf("WaitForHeight(%d): %v", h+1, err)
	}

	sh, vs, err := c.Checkpoint(ctx, h+1)
	if err != nil {
		t.Fatalf("Checkpoint(%d): %v", h+1, err)
	}
	header, err := checkpoint.VerifyCheckpoint(cometTestChainID, h+1, sh, vs, trusted)
	if err != nil {
		t.Fatalf("VerifyCheckpoint(%d): %v", h+1, err)
	}
	br, err := c.Client().BlockResults(ctx, &h)
	if err != nil {
		t.Fatalf("BlockResults(%d): %v", h, err)
	}
	if !bytes.Equal(br.AppHash, header.AppHash) {
		t.Fatalf("app hash after block %d is %X, header %d carries %X", h, br.AppHash, h+1, header.AppHash)
	}
	if want := kvstoreAppHash(1); !bytes.Equal(header.AppHash, want) {
		t.Fatalf("header %d AppHash = %X, want kvstore hash after one key %X", h+1, header.AppHash, want)
	}
	// Below the tip the commit comes from the next block rather than from
	// the node's seen commit; it must verify the same way.
	shPrev, vsPrev, err := c.Checkpoint(ctx, h)
	if err != nil {
		t.Fatalf("Checkpoint(%d): %v", h, err)
	}
	if _, err := checkpoint.VerifyCheckpoint(cometTestChainID, h, shPrev, vsPrev, trusted); err != nil {
		t.Fatalf("VerifyCheckpoint(%d): %v", h, err)
	}
	// The same bytes must not verify for another chain or another height.
	if _, err := checkpoint.VerifyCheckpoint("other-chain", h+1, sh, vs, trusted); !errors.Is(err, checkpoint.ErrChainID) {
		t.Fatalf("VerifyCheckpoint with wrong chain id: %v", err)
	}
	if _, err := checkpoint.VerifyCheckpoint(cometTestChainID, h, sh, vs, trusted); !errors.Is(err, checkpoint.ErrHeight) {
		t.Fatalf("VerifyCheckpoint with wrong height: %v", err)
	}

	stoppedAt := c.LatestHeight()
	if err := c.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := c.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}

	// Restart on the same home with fresh ports and a fresh in-memory app:
	// CometBFT must replay its blocks into the app instead of starting over.
	opts2 := cometTestOptions(t, home)
	app2 := kvstore.NewInMemoryApplication()
	c2 := startTestComet(ctx, t, opts2, app2)
	if got := c2.LatestHeight(); got < stoppedAt {
		t.Fatalf("after restart LatestHeight = %d, was %d before stop", got, stoppedAt)
	}
	q, err := c2.Client().ABCIQuery(ctx, "", []byte("k"))
	if err != nil {
		t.Fatalf("ABCIQuery: %v", err)
	}
	if string(q.Response.Value) != "v" {
		t.Fatalf("replayed app has k = %q, want %q", q.Response.Value, "v")
	}

	tx2 := types.Tx("k2=v2")
	cometBroadcast(ctx, t, c2, tx2)
	h2 := cometWaitForTx(ctx, t, c2, tx2)
	if h2 <= stoppedAt {
		t.Fatalf("tx after restart landed at height %d, not above %d", h2, stoppedAt)
	}
	if err := c2.WaitForHeight(ctx, h2+1); err != nil {
		t.Fatalf("WaitForHeight(%d): %v", h2+1, err)
	}
	sh2, vs2, err := c2.Checkpoint(ctx, h2+1)
	if err != nil {
		t.Fatalf("Checkpoint(%d): %v", h2+1, err)
	}
	header2, err := checkpoint.VerifyCheckpoint(cometTestChainID, h2+1, sh2, vs2, trusted)
	if err != nil {
		t.Fatalf("VerifyCheckpoint(%d): %v", h2+1, err)
	}
	if want := kvstoreAppHash(2); !bytes.Equal(header2.AppHash, want) {
		t.Fatalf("header %d AppHash = %X, want %X", h2+1, header2.AppHash, want)
	}
}

// TestCheckpointManyValidators uses a genesis set larger than one
// /validators page. The local validator holds nearly all the power, so it
// produces blocks alone while the other 100 stay offline.
func TestCheckpointManyValidators(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	home := t.TempDir()
	opts := cometTestOptions(t, home)
	valPub, _, err := InitFiles(opts, false)
	if err != nil {
		t.Fatalf("InitFiles: %v", err)
	}
	// Power this lopsided also keeps the offline validators from ever
	// being picked as proposer within the test's few heights.
	gvals := []GenesisValidator{{Name: "local", PubKey: valPub, Power: 1_000_000}}
	vals := []*types.Validator{types.NewValidator(valPub, 1_000_000)}
	for i := 0; i < validatorsPerPage; i++ {
		pk := ed25519.GenPrivKey().PubKey()
		gvals = append(gvals, GenesisValidator{Name: "offline", PubKey: pk, Power: 1})
		vals = append(vals, types.NewValidator(pk, 1))
	}
	if err := WriteGenesis(home, cometTestChainID, time.Now().Add(-time.Minute), gvals, nil); err != nil {
		t.Fatalf("WriteGenesis: %v", err)
	}
	trusted := types.NewValidatorSet(vals)

	c := startTestComet(ctx, t, opts, kvstore.NewInMemoryApplication())
	// Height 1 is always produced, even without transactions.
	if err := c.WaitForHeight(ctx, 1); err != nil {
		t.Fatalf("WaitForHeight(1): %v", err)
	}
	sh, vs, err := c.Checkpoint(ctx, 1)
	if err != nil {
		t.Fatalf("Checkpoint(1): %v", err)
	}
	if _, err := checkpoint.VerifyCheckpoint(cometTestChainID, 1, sh, vs, trusted); err != nil {
		t.Fatalf("VerifyCheckpoint: %v", err)
	}
	got, err := c.validators(ctx, 1)
	if err != nil {
		t.Fatalf("validators: %v", err)
	}
	if got.Size() != validatorsPerPage+1 {
		t.Fatalf("validator set has %d entries, want %d", got.Size(), validatorsPerPage+1)
	}
}

func TestInitFiles(t *testing.T) {
	home := t.TempDir()
	opts := cometTestOptions(t, home)
	pub1, id1, err := InitFiles(opts, false)
	if err != nil {
		t.Fatalf("InitFiles: %v", err)
	}
	if pub1 == nil || id1 == "" {
		t.Fatalf("InitFiles returned pub %v, id %q", pub1, id1)
	}
	for _, f := range []string{
		"config/priv_validator_key.json",
		"data/priv_validator_state.json",
		"config/node_key.json",
	} {
		fi, err := os.Stat(filepath.Join(home, f))
		if err != nil {
			t.Fatalf("stat %s: %v", f, err)
		}
		if mode := fi.Mode().Perm(); mode != 0o600 {
			t.Errorf("%s has mode %o, want 600", f, mode)
		}
	}
	if _, err := os.Stat(filepath.Join(home, "config", "genesis.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("InitFiles wrote a genesis (stat error %v)", err)
	}

	if _, _, err := InitFiles(opts, false); !errors.Is(err, ErrKeysExist) {
		t.Fatalf("second InitFiles without force: err = %v, want ErrKeysExist", err)
	}
	// Loosen a key file's mode: a forced re-init must tighten it again.
	keyFile := filepath.Join(home, "config", "priv_validator_key.json")
	if err := os.Chmod(keyFile, 0o644); err != nil {
		t.Fatalf("chmod: %v", err)
	}
	pub2, id2, err := InitFiles(opts, true)
	if err != nil {
		t.Fatalf("InitFiles with force: %v", err)
	}
	if bytes.Equal(pub1.Bytes(), pub2.Bytes()) || id1 == id2 {
		t.Fatalf("forced InitFiles kept the old keys")
	}
	fi, err := os.Stat(keyFile)
	if err != nil {
		t.Fatalf("stat: %v", err)
	}
	if mode := fi.Mode().Perm(); mode != 0o600 {
		t.Fatalf("key file mode after forced init = %o, want 600", mode)
	}

	pv, err := loadFilePV(keyFile, filepath.Join(home, "data", "priv_validator_state.json"))
	if err != nil {
		t.Fatalf("loadFilePV: %v", err)
	}
	if got, _ := pv.GetPubKey(); !bytes.Equal(got.Bytes(), pub2.Bytes()) {
		t.Fatalf("loaded validator key %X, InitFiles returned %X", got.Bytes(), pub2.Bytes())
	}
}

func TestLoadConfig(t *testing.T) {
	home := t.TempDir()
	opts := cometTestOptions(t, home)
	opts.RPCListen = nodetest.CometAddr(t)
	opts.PersistentPeers = "0123456789abcdef0123456789abcdef01234567@127.0.0.1:26656"
	opts.MaxTxBytes = 4096
	if _, _, err := InitFiles(opts, false); err != nil {
		t.Fatalf("InitFiles: %v", err)
	}
	path := filepath.Join(home, "config", "config.toml")

	// Settings Sealchain does not expose, including the ones CometBFT's
	// template writes with odd types, must survive a write and a load.
	want, err := configFromOptions(cfg.DefaultConfig(), opts)
	if err != nil {
		t.Fatalf("configFromOptions: %v", err)
	}
	want.StateSync.RPCServers = []string{"127.0.0.1:1", "127.0.0.1:2"}
	want.StateSync.ChunkFetchers = 7
	want.Storage.CompactionInterval = 33
	want.RPC.CORSAllowedOrigins = []string{"https://a.example", "https://b.example"}
	want.Consensus.TimeoutProposeDelta = 1234 * time.Millisecond
	want.Mempool.Size = 777
	want.P2P.MaxNumInboundPeers = 17 // AllowDuplicateIP is an option now (LocalNetwork)
	want.Instrumentation.Prometheus = true
	cfg.WriteConfigFile(path, want)

	got, err := LoadConfig(opts)
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	if r1, r2 := renderCometConfig(t, want), renderCometConfig(t, got); r1 != r2 {
		t.Fatalf("config changed across write and load:\nwrote:\n%s\nloaded:\n%s", r1, r2)
	}
	if got.Storage.CompactionInterval != 33 || got.StateSync.ChunkFetchers != 7 || len(got.StateSync.RPCServers) != 2 {
		t.Fatalf("weakly typed fields not decoded: %+v %+v", got.Storage, got.StateSync)
	}
	if got.RootDir != home || got.Consensus.RootDir != home {
		t.Fatalf("RootDir = %q / %q, want %q", got.RootDir, got.Consensus.RootDir, home)
	}

	// Options win over the file for the fields they name.
	opts2 := opts
	opts2.Moniker = "renamed"
	opts2.BlockInterval = 0
	opts2.RPCListen = ""
	opts2.CreateEmptyBlocks = true
	got2, err := LoadConfig(opts2)
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	def := cfg.DefaultConfig()
	if got2.Moniker != "renamed" || got2.RPC.ListenAddress != "" || !got2.Consensus.CreateEmptyBlocks ||
		got2.Consensus.TimeoutCommit != def.Consensus.TimeoutCommit {
		t.Fatalf("options not applied: moniker %q rpc %q empty blocks %v timeout_commit %s",
			got2.Moniker, got2.RPC.ListenAddress, got2.Consensus.CreateEmptyBlocks, got2.Consensus.TimeoutCommit)
	}
	if got2.Mempool.Size != 777 {
		t.Fatalf("file value lost when applying options: mempool size %d", got2.Mempool.Size)
	}

	tests := []struct {
		desc   string
		edit   func(string) string
		wantIn string
	}{
		{"unknown key", func(s string) string { return s + "\n[consensus2]\nfoo = 1\n" }, "consensus2"},
		{"misspelled key", func(s string) string {
			return strings.Replace(s, "timeout_propose =", "timeout_propse =", 1)
		}, "consensus.timeout_propse"},
		{"bad duration", func(s string) string {
			return strings.Replace(s, `timeout_propose_delta = "1.234s"`, `timeout_propose_delta = "soon"`, 1)
		}, "consensus.timeout_propose_delta"},
		{"wrong type", func(s string) string {
			return strings.Replace(s, "size = 777", `size = true`, 1)
		}, "mempool.size"},
		{"invalid value", func(s string) string {
			return strings.Replace(s, `timeout_propose_delta = "1.234s"`, `timeout_propose_delta = "-1s"`, 1)
		}, "timeout_propose"},
	}
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			edited := tc.edit(string(orig))
			if edited == string(orig) {
				t.Fatalf("edit did not change the file")
			}
			if err := os.WriteFile(path, []byte(edited), 0o644); err != nil {
				t.Fatalf("write: %v", err)
			}
			_, err := LoadConfig(opts)
			if err == nil || !strings.Contains(err.Error(), tc.wantIn) {
				t.Fatalf("LoadConfig error = %v, want one mentioning %q", err, tc.wantIn)
			}
		})
	}
}

func renderCometConfig(t *testing.T, conf *cfg.Config) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.toml")
	cfg.WriteConfigFile(p, conf)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("read rendered config: %v", err)
	}
	return string(b)
}

func TestWriteGenesis(t *testing.T) {
	home := t.TempDir()
	pub := ed25519.GenPrivKey().PubKey()
	genTime := time.Date(2025, 6, 1, 12, 0, 0, 123, time.FixedZone("X", 3600))
	vals := []GenesisValidator{{Name: "v0", PubKey: pub, Power: 5}}
	if err := WriteGenesis(home, cometTestChainID, genTime, vals, json.RawMessage(`{"contracts":[]}`)); err != nil {
		t.Fatalf("WriteGenesis: %v", err)
	}
	doc, err := types.GenesisDocFromFile(filepath.Join(home, "config", "genesis.json"))
	if err != nil {
		t.Fatalf("read genesis: %v", err)
	}
	if doc.ChainID != cometTestChainID || !doc.GenesisTime.Equal(genTime) || doc.InitialHeight != 1 {
		t.Fatalf("genesis header fields: %+v", doc)
	}
	if len(doc.Validators) != 1 || !bytes.Equal(doc.Validators[0].PubKey.Bytes(), pub.Bytes()) || doc.Validators[0].Power != 5 {
		t.Fatalf("genesis validators: %+v", doc.Validators)
	}
	var appState struct{ Contracts []any }
	if err := json.Unmarshal(doc.AppState, &appState); err != nil || appState.Contracts == nil {
		t.Fatalf("app_state = %s", doc.AppState)
	}
	p := doc.ConsensusParams
	// Vote extensions stay off; proposer-based timestamps are on from block 1
	// so a record's block time is when it was proposed (see consensusParams).
	if p.Feature.VoteExtensionsEnabled(1_000_000) || !p.Feature.PbtsEnabled(1) {
		t.Fatalf("want vote extensions off and PBTS on from height 1: %+v", p.Feature)
	}
	if p.Block.MaxBytes != genesisBlockMaxBytes || p.Block.MaxGas != genesisBlockMaxGas {
		t.Fatalf("block params: %+v", p.Block)
	}

	bad := []struct {
		desc string
		err  error
	}{
		{"no validators", WriteGenesis(home, cometTestChainID, genTime, nil, nil)},
		{"zero time", WriteGenesis(home, cometTestChainID, time.Time{}, vals, nil)},
		{"empty chain id", WriteGenesis(home, "", genTime, vals, nil)},
		{"bad app state", WriteGenesis(home, cometTestChainID, genTime, vals, json.RawMessage(`{`))},
		{"nil key", WriteGenesis(home, cometTestChainID, genTime, []GenesisValidator{{Name: "x", Power: 1}}, nil)},
		{"zero power", WriteGenesis(home, cometTestChainID, genTime, []GenesisValidator{{Name: "x", PubKey: pub}}, nil)},
	}
	for _, tc := range bad {
		if tc.err == nil {
			t.Errorf("%s: WriteGenesis succeeded", tc.desc)
		}
	}
}

// TestStartFailureReleasesHome checks that a node which fails to start,
// or is cancelled while waiting for its genesis time, leaves nothing open:
// the same home starts afterwards in the same process.
func TestStartFailureReleasesHome(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	home := t.TempDir()
	opts := cometTestOptions(t, home)
	opts.RPCListen = nodetest.CometAddr(t)
	valPub, _, err := InitFiles(opts, false)
	if err != nil {
		t.Fatalf("InitFiles: %v", err)
	}
	vals := []GenesisValidator{{Name: "v0", PubKey: valPub, Power: 1}}

	// Genesis slightly in the future: Start must give up when ctx
	// ends. The genesis cannot be rewritten afterwards (the node stored its
	// hash), so it is near enough for the later starts to wait it out.
	if err := WriteGenesis(home, cometTestChainID, time.Now().Add(2*time.Second), vals, nil); err != nil {
		t.Fatalf("WriteGenesis: %v", err)
	}
	conf, err := LoadConfig(opts)
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	shortCtx, shortCancel := context.WithTimeout(ctx, 200*time.Millisecond)
	_, err = Start(shortCtx, conf, kvstore.NewInMemoryApplication(), log.NewNopLogger())
	shortCancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Start before genesis time: err = %v, want deadline exceeded", err)
	}

	// P2P port taken: Start fails after the RPC server is already up.
	blocker, err := net.Listen("tcp", strings.TrimPrefix(opts.P2PListen, "tcp://"))
	if err != nil {
		t.Fatalf("occupy p2p port: %v", err)
	}
	_, err = Start(ctx, conf, kvstore.NewInMemoryApplication(), log.NewNopLogger())
	if cerr := blocker.Close(); cerr != nil {
		t.Fatalf("close blocker: %v", cerr)
	}
	if err == nil {
		t.Fatalf("Start with p2p port in use succeeded")
	}
	// The failed start must have closed its RPC listener.
	rpc, err := net.Listen("tcp", strings.TrimPrefix(opts.RPCListen, "tcp://"))
	if err != nil {
		t.Fatalf("RPC port still held after failed start: %v", err)
	}
	if err := rpc.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}

	c := startTestComet(ctx, t, opts, kvstore.NewInMemoryApplication())
	if err := c.WaitForHeight(ctx, 1); err != nil {
		t.Fatalf("WaitForHeight(1): %v", err)
	}
}
