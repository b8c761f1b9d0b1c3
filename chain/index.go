//go:build !js

package chain

import (
	"encoding/binary"
	"fmt"
	"math"
	"time"
)

// Index prefixes. Index keys end in the 8-byte log index so a prefix scan
// returns records in log order and a cursor is just the last index seen.
var (
	prefixByDoc      = []byte("x/d/")
	prefixByContract = []byte("x/k/")
	prefixByCert     = []byte("x/c/")
	prefixByTime     = []byte("x/t/")
)

func docIndexPrefix(h []byte) []byte { return append(append([]byte(nil), prefixByDoc...), h...) }

func contractIndexPrefix(id string) []byte {
	k := append([]byte(nil), prefixByContract...)
	k = append(k, byte(len(id)))
	return append(k, id...)
}

func certIndexPrefix(fp Fingerprint) []byte {
	return append(append([]byte(nil), prefixByCert...), fp[:]...)
}

// indexKeys lists the index entries of one record.
func indexKeys(tx *Tx, en *Entry) [][]byte {
	idx := u64(en.Index)
	var keys [][]byte
	add := func(prefix []byte) { keys = append(keys, append(prefix, idx...)) }
	if id := tx.Body.ContractID(); id != "" {
		add(contractIndexPrefix(id))
	}
	if tx.Actor != nil {
		add(certIndexPrefix(tx.Actor.Cert))
	}
	k := tx.Body.IndexKeys()
	for _, h := range k.Docs {
		add(docIndexPrefix(h))
	}
	for _, id := range k.Contracts {
		add(contractIndexPrefix(id))
	}
	for _, fp := range k.Certs {
		add(certIndexPrefix(fp))
	}
	add(u64key(prefixByTime, uint64(en.Time.UnixNano())))
	return keys
}

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
	return v.indexScan(docIndexPrefix(hash), q.After, q.HaveAfter, q.Limit, q.UpTo)
}

// ByContract lists a contract's records in order: its timeline.
func (v View) ByContract(id string, q Query) (Page, error) {
	return v.indexScan(contractIndexPrefix(id), q.After, q.HaveAfter, q.Limit, q.UpTo)
}

// ByCert lists records that issued, revoked or were signed with a certificate.
func (v View) ByCert(fp Fingerprint, q Query) (Page, error) {
	return v.indexScan(certIndexPrefix(fp), q.After, q.HaveAfter, q.Limit, q.UpTo)
}

// ByTime lists records whose block time is in [from, to).
func (v View) ByTime(from, to time.Time, q Query) (Page, error) {
	var p Page
	lower := u64key(prefixByTime, uint64(from.UnixNano()))
	upper := u64key(prefixByTime, uint64(to.UnixNano()))
	it, err := v.r.NewIter(nil)
	if err != nil {
		return p, err
	}
	defer it.Close()
	for ok := it.SeekGE(lower); ok; ok = it.Next() {
		k := it.Key()
		if string(k[:min(len(k), len(upper))]) >= string(upper) || len(k) != len(prefixByTime)+16 {
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
