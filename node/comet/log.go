package comet

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"

	"github.com/cockroachdb/pebble"
	cmtlog "github.com/cometbft/cometbft/libs/log"
	"github.com/cometbft/cometbft/libs/service"
)

// NewLogger lets CometBFT log through the node's slog logger, so one process
// writes one log format. Errors that only report a clean shutdown or a peer
// that hung up are logged at a lower level (see [shutdownNoise], [peerClosed]).
func NewLogger(l *slog.Logger) cmtlog.Logger { return slogLogger{l} }

// slogLogger is the [cmtlog.Logger] NewLogger returns.
type slogLogger struct{ l *slog.Logger }

var _ cmtlog.Logger = slogLogger{}

func (c slogLogger) Debug(msg string, kv ...any) { c.l.Debug(msg, kv...) }
func (c slogLogger) Info(msg string, kv ...any)  { c.l.Info(msg, kv...) }
func (c slogLogger) Error(msg string, kv ...any) {
	switch {
	case shutdownNoise(msg, kv):
		c.l.Debug(msg, kv...)
	case peerClosed(msg, kv):
		c.l.Info(msg, kv...)
	default:
		c.l.Error(msg, kv...)
	}
}

func (c slogLogger) With(kv ...any) cmtlog.Logger {
	return slogLogger{c.l.With(kv...)}
}

// peerClosed reports CometBFT's "Stopping peer for error" when the error is
// only that the peer closed the connection (EOF): every restart of another
// validator does that, and it is not this node's fault.
func peerClosed(msg string, kv []any) bool {
	return msg == "Stopping peer for error" && kvErrIs(kv, io.EOF)
}

// shutdownNoise reports CometBFT errors that only say a listener closed
// during a clean stop, or that a service which never started (the pruner,
// the P2P switch, when start-up stopped early) was not stopped; operators
// should not see "ERROR" for every SIGTERM or restart.
func shutdownNoise(msg string, kv []any) bool {
	switch msg {
	case "Stopped accept routine, as transport is closed", "Error stopping pool":
		return true
	case "Error serving server":
		return kvErrIs(kv, net.ErrClosed)
	}
	if strings.HasPrefix(msg, "Not stopping ") && strings.HasSuffix(msg, "has not been started yet") {
		return true
	}
	if strings.HasPrefix(msg, "Error stopping ") || strings.HasPrefix(msg, "Error closing ") {
		return kvErrIs(kv, service.ErrNotStarted)
	}
	return false
}

// kvErrIs reports whether one of the logged values is an error matching target.
func kvErrIs(kv []any, target error) bool {
	for i := 1; i < len(kv); i += 2 {
		if err, ok := kv[i].(error); ok && errors.Is(err, target) {
			return true
		}
	}
	return false
}

// PebbleLogger routes a pebble database's own logging through the node's
// logger (CometBFT's databases here, and the workflow's). Without it pebble
// writes to the standard library's logger, in another format, lines such as
// "WAL file ... stopped reading at offset" on every open; those
// informational lines are routine, hence Debug.
func PebbleLogger(l *slog.Logger) pebble.Logger { return pebbleSlog{l} }

type pebbleSlog struct{ l *slog.Logger }

func (p pebbleSlog) Infof(format string, args ...any)  { p.l.Debug(fmt.Sprintf(format, args...)) }
func (p pebbleSlog) Errorf(format string, args ...any) { p.l.Error(fmt.Sprintf(format, args...)) }

// Fatalf is pebble's unrecoverable corruption; its default exits the
// process, a panic at least shows where.
func (p pebbleSlog) Fatalf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	p.l.Error(msg)
	panic("pebble: " + msg)
}
