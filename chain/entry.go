package chain

import (
	"bytes"
	"fmt"
	"time"
)

// EntryVersion is the leaf format version.
const EntryVersion = 1

// Entry is one leaf of the evidence log: a committed transaction with the
// facts the chain adds to it. The leaf hash is SM3(0x00 ‖ Encode()).
//
//	message Entry {
//	  uint32 version  = 1; // EntryVersion
//	  uint64 index    = 2; // position in the log, from 0
//	  int64  height   = 3; // block height
//	  int64  time     = 4; // block time from the header, unix nanoseconds, UTC
//	  uint32 tx_index = 5; // position of the tx in its block
//	  bytes  tx       = 6; // the transaction's canonical bytes
//	}
type Entry struct {
	Index   uint64
	Height  int64
	Time    time.Time
	TxIndex uint32
	Tx      []byte
}

// Encode returns the canonical leaf bytes.
func (en *Entry) Encode() []byte {
	var e encoder
	e.uint(1, EntryVersion)
	e.uint(2, en.Index)
	e.int(3, en.Height)
	e.int(4, en.Time.UnixNano())
	e.uint(5, uint64(en.TxIndex))
	e.bytes(6, en.Tx)
	return e.b
}

// DecodeEntry parses leaf bytes. It does not decode the transaction; use
// DecodeRecord on Entry.Tx for that.
func DecodeEntry(b []byte) (*Entry, error) {
	d := newDecoder(b, "entry")
	v := d.uint32(1, "version")
	en := &Entry{}
	en.Index = d.uint(2, "index")
	en.Height = d.int(3, "height")
	ns := d.int(4, "time")
	en.TxIndex = d.uint32(5, "tx_index")
	en.Tx = d.bytes(6, "tx")
	d.finish()
	if d.err != nil {
		return nil, d.err
	}
	if v != EntryVersion {
		return nil, fieldErr("entry.version", fmt.Errorf("%w: %d", ErrVersion, v))
	}
	if en.Height <= 0 {
		return nil, invalid("entry.height", "must be positive")
	}
	if ns <= 0 {
		return nil, invalid("entry.time", "must be after 1970")
	}
	if len(en.Tx) == 0 {
		return nil, invalid("entry.tx", "missing")
	}
	en.Time = time.Unix(0, ns).UTC()
	if !bytes.Equal(en.Encode(), b) {
		return nil, malformed("entry", "not in canonical form")
	}
	return en, nil
}
