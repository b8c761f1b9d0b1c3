package comet

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"

	"github.com/cometbft/cometbft/libs/service"
)

func TestShutdownNoise(t *testing.T) {
	for _, tc := range []struct {
		msg   string
		kv    []any
		noise bool
	}{
		{"Not stopping Pruner service -- has not been started yet", []any{"impl", "Pruner"}, true},
		{"Not stopping P2P Switch service -- has not been started yet", nil, true},
		{"Error stopping the pruning service", []any{"err", service.ErrNotStarted}, true},
		{"Error closing switch", []any{"err", service.ErrNotStarted}, true},
		{"Error serving server", []any{"err", net.ErrClosed}, true},
		{"Error closing switch", []any{"err", errors.New("disk full")}, false},
		{"CONSENSUS FAILURE!!!", []any{"err", "boom"}, false},
	} {
		if got := shutdownNoise(tc.msg, tc.kv); got != tc.noise {
			t.Errorf("shutdownNoise(%q, %v) = %v, want %v", tc.msg, tc.kv, got, tc.noise)
		}
	}
	// A peer that closed its connection (another validator restarting) is
	// news, not an error; any other peer error stays an error.
	var out bytes.Buffer
	cl := NewLogger(slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelInfo})))
	cl.Error("Stopping peer for error", "peer", "Peer{...}", "err", io.EOF)
	cl.Error("Stopping peer for error", "peer", "Peer{...}", "err", errors.New("invalid vote"))
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "level=INFO") || !strings.Contains(lines[1], "level=ERROR") {
		t.Fatalf("peer errors logged as:\n%s", out.String())
	}
}
