package chain

import (
	"encoding/binary"
	"time"

	"github.com/emmansun/gmsm/sm3"
)

// The checkpoint and app hash are pure functions of the state, kept apart
// from the pebble store (package chain/store, not built for js/wasm) because
// the offline and browser verifiers recompute the app hash.

const domainAppHash = "sealchain/apphash/v1"

// Checkpoint is the app's state at the end of a height: what the app hash
// commits to. The header at Height+1 carries AppHash.
//
//	message Checkpoint { int64 height = 1; int64 time = 2; uint64 log_size = 3;
//	                     bytes log_root = 4; bytes state_root = 5; bytes app_hash = 6; }
type Checkpoint struct {
	Height    int64
	Time      time.Time
	LogSize   uint64
	LogRoot   []byte
	StateRoot []byte
	AppHash   []byte
}

func (c *Checkpoint) encode(e *encoder) {
	e.int(1, c.Height)
	if !c.Time.IsZero() {
		e.int(2, c.Time.UnixNano())
	}
	e.uint(3, c.LogSize)
	e.bytes(4, c.LogRoot)
	e.bytes(5, c.StateRoot)
	e.bytes(6, c.AppHash)
}

func (c *Checkpoint) decode(d *decoder) {
	c.Height = d.int(1, "height")
	if ns := d.int(2, "time"); ns != 0 {
		c.Time = time.Unix(0, ns).UTC()
	}
	c.LogSize = d.uint(3, "log_size")
	c.LogRoot = d.bytes(4, "log_root")
	c.StateRoot = d.bytes(5, "state_root")
	c.AppHash = d.bytes(6, "app_hash")
}

// AppHash is what the app reports to CometBFT:
// SM3("sealchain/apphash/v1" ‖ 0x00 ‖ log size (8 bytes, big-endian) ‖ log root ‖ state root).
func AppHash(logSize uint64, logRoot, stateRoot []byte) []byte {
	h := sm3.New()
	h.Write([]byte(domainAppHash))
	h.Write([]byte{0})
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], logSize)
	h.Write(n[:])
	h.Write(logRoot)
	h.Write(stateRoot)
	return h.Sum(nil)
}
