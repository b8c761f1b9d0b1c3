package node

import (
	"errors"
	"io"
	"log/slog"
	"net"

	cmtlog "github.com/cometbft/cometbft/libs/log"

	"github.com/sealchain/sealchain/config"
)

// NewLogger builds the node's slog logger from the [log] config.
func NewLogger(w io.Writer, c config.Log) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.Level))
	opts := &slog.HandlerOptions{Level: level}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// cometLogger lets CometBFT log through the node's slog logger, so one
// process writes one log format.
type cometLogger struct{ l *slog.Logger }

var _ cmtlog.Logger = cometLogger{}

func (c cometLogger) Debug(msg string, kv ...any) { c.l.Debug(msg, kv...) }
func (c cometLogger) Info(msg string, kv ...any)  { c.l.Info(msg, kv...) }
func (c cometLogger) Error(msg string, kv ...any) {
	if shutdownNoise(msg, kv) {
		c.l.Debug(msg, kv...)
		return
	}
	c.l.Error(msg, kv...)
}

// shutdownNoise reports CometBFT errors that only say a listener closed
// during a clean stop; operators should not see "ERROR" for every SIGTERM.
func shutdownNoise(msg string, kv []any) bool {
	switch msg {
	case "Stopped accept routine, as transport is closed", "Error stopping pool":
		return true
	case "Error serving server":
		for i := 1; i < len(kv); i += 2 {
			if err, ok := kv[i].(error); ok && errors.Is(err, net.ErrClosed) {
				return true
			}
		}
	}
	return false
}
func (c cometLogger) With(kv ...any) cmtlog.Logger {
	return cometLogger{c.l.With(kv...)}
}
