package store

import (
	"encoding/binary"
	"fmt"
	"math"
	"time"

	"github.com/sealchain/sealchain/chain"
)

// Index scans. The index keys and which records go under them are chain's
// (chain.EncodeIndexKeys); Block.Append writes them and these scans read them.

// Page is one page of log indexes from an index scan. Next is the cursor for
// the following page, 0 when there is none (log index 0 is never a cursor
// because cursors name the last index returned, exclusive).
type Page struct {
	Indexes []uint64
	Next    uint64
	More    bool
}

func (v View) indexScan(prefix []byte, after uint64, haveAfter bool, limit int, upTo uint64) (Page, error) {
	var p Page
	lower := prefix
	if haveAfter && after == math.MaxUint64 {
		return p, nil // nothing follows the last possible index; after+1 would wrap to 0
	}
	if haveAfter {
		lower = append(append([]byte(nil), prefix...), u64(after+1)...)
	}
	it, err := v.r.NewIter(nil)
	if err != nil {
		return p, err
	}
	defer it.Close()
	end := prefixEnd(prefix)
	for ok := it.SeekGE(lower); ok; ok = it.Next() {
		k := it.Key()
		if end != nil && string(k) >= string(end) {
			break
		}
		if len(k) < len(prefix)+8 {
			return p, fmt.Errorf("index key %x too short", k)
		}
		idx := binary.BigEndian.Uint64(k[len(k)-8:])
		if idx >= upTo {
			continue // committed after the height being answered for
		}
		if len(p.Indexes) == limit {
			p.More = true
			break
		}
		p.Indexes = append(p.Indexes, idx)
	}
	if len(p.Indexes) > 0 {
		p.Next = p.Indexes[len(p.Indexes)-1]
	}
	return p, it.Error()
}

// Query selects records by one key, up to the log size of one checkpoint so
// every answer is provable against that checkpoint.
type Query struct {
	After     uint64 // exclusive cursor: the last index of the previous page
	HaveAfter bool
	Limit     int
	UpTo      uint64 // log size of the checkpoint answered for
}

// ByDoc lists records indexed under a document hash (SM3 or SHA-256).
func (v View) ByDoc(hash []byte, q Query) (Page, error) {
	return v.indexScan(chain.DocIndexPrefix(hash), q.After, q.HaveAfter, q.Limit, q.UpTo)
}

// ByContract lists a contract's records in order: its timeline.
func (v View) ByContract(id string, q Query) (Page, error) {
	return v.indexScan(chain.ContractIndexPrefix(id), q.After, q.HaveAfter, q.Limit, q.UpTo)
}

// ByCert lists records that issued, revoked or were signed with a certificate.
func (v View) ByCert(fp chain.Fingerprint, q Query) (Page, error) {
	return v.indexScan(chain.CertIndexPrefix(fp), q.After, q.HaveAfter, q.Limit, q.UpTo)
}

// ByTime lists records whose block time is in [from, to).
func (v View) ByTime(from, to time.Time, q Query) (Page, error) {
	var p Page
	lower := chain.TimeIndexKey(from)
	upper := chain.TimeIndexKey(to)
	it, err := v.r.NewIter(nil)
	if err != nil {
		return p, err
	}
	defer it.Close()
	for ok := it.SeekGE(lower); ok; ok = it.Next() {
		k := it.Key()
		if string(k[:min(len(k), len(upper))]) >= string(upper) || len(k) != len(lower)+8 {
			break
		}
		idx := binary.BigEndian.Uint64(k[len(k)-8:])
		if idx >= q.UpTo || (q.HaveAfter && idx <= q.After) {
			continue
		}
		if len(p.Indexes) == q.Limit {
			p.More = true
			break
		}
		p.Indexes = append(p.Indexes, idx)
	}
	if len(p.Indexes) > 0 {
		p.Next = p.Indexes[len(p.Indexes)-1]
	}
	return p, it.Error()
}
