package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	cmtcfg "github.com/cometbft/cometbft/config"
)

// TestLoadComet writes CometBFT's own template, including its weakly typed
// values (quoted integers, a comma-separated list), and reads it back.
// node/comet's TestLoadConfig covers the overrides on top.
func TestLoadComet(t *testing.T) {
	home := t.TempDir()
	if err := os.MkdirAll(filepath.Dir(CometPath(home)), 0o700); err != nil {
		t.Fatal(err)
	}
	want := cmtcfg.DefaultConfig()
	want.StateSync.RPCServers = []string{"127.0.0.1:1", "127.0.0.1:2"}
	want.StateSync.ChunkFetchers = 7
	want.Storage.CompactionInterval = 33
	want.Mempool.Size = 777
	cmtcfg.WriteConfigFile(CometPath(home), want)

	got, err := LoadComet(home)
	if err != nil {
		t.Fatalf("LoadComet: %v", err)
	}
	if !reflect.DeepEqual(got.StateSync.RPCServers, want.StateSync.RPCServers) || got.StateSync.ChunkFetchers != 7 ||
		got.Storage.CompactionInterval != 33 || got.Mempool.Size != 777 || got.Consensus.TimeoutCommit != want.Consensus.TimeoutCommit {
		t.Fatalf("decoded %+v %+v %+v", got.StateSync, got.Storage, got.Mempool)
	}

	for _, tc := range []struct{ desc, toml, wantIn string }{
		{"unknown table", "[consensus2]\nfoo = 1\n", "unknown keys: consensus2"},
		{"unknown key", "[mempool]\nsise = 1\n", "unknown keys: mempool.sise"},
		{"wrong type", "[mempool]\nsize = true\n", "mempool.size"},
		{"bad duration", "[consensus]\ntimeout_propose = \"soon\"\n", "consensus.timeout_propose"},
		{"overflow", "[mempool]\nsize = 99999999999999999999\n", "parse toml"},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			err := DecodeComet([]byte(tc.toml), cmtcfg.DefaultConfig())
			if err == nil || !strings.Contains(err.Error(), tc.wantIn) {
				t.Fatalf("DecodeComet: %v, want an error mentioning %q", err, tc.wantIn)
			}
		})
	}
	if _, err := LoadComet(t.TempDir()); err == nil || !strings.Contains(err.Error(), "load comet config") {
		t.Fatalf("LoadComet without a file: %v", err)
	}
}
