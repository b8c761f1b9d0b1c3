package chain

import (
	"encoding/binary"
	"time"

	"github.com/emmansun/gmsm/sm3"
)

// The checkpoint and app hash are pure functions of the state, kept apart
// from the pebble store (package chain/store, not built for js/wasm) because
// the offline and browser verifiers recompute the app hash.

const (
	domainAppHash = "sealchain/apphash/v1"
	// domainAppHashCerts is the app hash from rules version 4 on, when it
	// also commits to the certificate status tree (certstatus.go).
	domainAppHashCerts = "sealchain/apphash/v2"
)

// Checkpoint is the app's state at the end of a height: what the app hash
// commits to. The header at Height+1 carries AppHash.
//
//	message Checkpoint { int64 height = 1; int64 time = 2; uint64 log_size = 3;
//	                     bytes log_root = 4; bytes state_root = 5; bytes app_hash = 6;
//	                     bytes cert_root = 7; }
type Checkpoint struct {
	Height    int64
	Time      time.Time
	LogSize   uint64
	LogRoot   []byte
	StateRoot []byte
	AppHash   []byte
	// CertRoot is the root of the certificate status tree (certstatus.go),
	// set from the first height run under rules version 4 (RulesVersion4);
	// nil before, and then the checkpoint encodes as it always did.
	CertRoot []byte
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
	e.bytes(7, c.CertRoot)
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
	c.CertRoot = d.bytes(7, "cert_root")
}

// ComputeAppHash is the app hash the checkpoint's fields give: AppHash
// before rules version 4 (no CertRoot), AppHashCerts from it.
func (c *Checkpoint) ComputeAppHash() []byte {
	if c.CertRoot == nil {
		return AppHash(c.LogSize, c.LogRoot, c.StateRoot)
	}
	return AppHashCerts(c.LogSize, c.LogRoot, c.StateRoot, c.CertRoot)
}

// AppHash is what the app reports to CometBFT:
// SM3("sealchain/apphash/v1" ‖ 0x00 ‖ log size (8 bytes, big-endian) ‖ log root ‖ state root).
func AppHash(logSize uint64, logRoot, stateRoot []byte) []byte {
	return appHash(domainAppHash, logSize, logRoot, stateRoot, nil)
}

// AppHashCerts is the app hash from rules version 4 (RulesVersion4) on:
// SM3("sealchain/apphash/v2" ‖ 0x00 ‖ log size (8 bytes, big-endian) ‖
// log root ‖ state root ‖ cert root). The new domain keeps the two forms
// apart even for a cert root of zero length.
func AppHashCerts(logSize uint64, logRoot, stateRoot, certRoot []byte) []byte {
	return appHash(domainAppHashCerts, logSize, logRoot, stateRoot, certRoot)
}

func appHash(domain string, logSize uint64, logRoot, stateRoot, certRoot []byte) []byte {
	h := sm3.New()
	h.Write([]byte(domain))
	h.Write([]byte{0})
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], logSize)
	h.Write(n[:])
	h.Write(logRoot)
	h.Write(stateRoot)
	h.Write(certRoot)
	return h.Sum(nil)
}
