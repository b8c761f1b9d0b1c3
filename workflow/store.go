package workflow

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cockroachdb/pebble"
)

// Keys in the workflow DB. Everything the engine keeps is under "wf/core/";
// workflow/notify keeps its own under "wf/notify/" in the same DB. Values
// are JSON: this state is off chain and local to the platform's node.
//
//	wf/core/idn/<identity id>           Identity
//	wf/core/ctr/<contract id>           Contract
//	wf/core/idx/<created unix ns, 16 hex>/<contract id>   scan order for Search without an index (newest last)
//	wf/core/chg/<uint64be seq>          contract id: changed, for the search index (index.go)
//	wf/core/chg-trimmed                 uint64be: change log entries up to here are deleted
//	wf/core/tok/<sm3(token) hex>        "<contract id>/<party index>"
//	wf/core/ref/<tx hash>               ChainRef
//	wf/core/seq                         uint64be: last queue sequence
//	wf/core/qtx/<uint64be seq>          txItem: chain submission, in order
//	wf/core/qnt/<uint64be seq>          noteItem: webhook event or message
//	wf/core/idem/<scope>/<key>          IdemEntry
//	wf/core/blk/<job id>                BulkJob
//	wf/core/bin/<job id>                the bulk send's input, sealed
//	wf/core/brs/<job id>/<row uint32be> BulkResult
//	wf/core/bat/<batch id>              BatchSign
//	wf/core/btk/<sm3(token) hex>        batch id
//	wf/core/at-rest                     uint64be: at-rest format version (migrate.go)
const (
	pIdentity   = "wf/core/idn/"
	pContract   = "wf/core/ctr/"
	pIndex      = "wf/core/idx/"
	pToken      = "wf/core/tok/"
	pRef        = "wf/core/ref/"
	kSeq        = "wf/core/seq"
	pTxQueue    = "wf/core/qtx/"
	pNoteQ      = "wf/core/qnt/"
	pIdem       = "wf/core/idem/"
	pBulk       = "wf/core/blk/"
	pBulkIn     = "wf/core/bin/"
	pBulkRow    = "wf/core/brs/"
	pBatch      = "wf/core/bat/"
	pBatchToken = "wf/core/btk/"
)

func seqKey(prefix string, seq uint64) []byte {
	k := append([]byte(prefix), 0, 0, 0, 0, 0, 0, 0, 0)
	binary.BigEndian.PutUint64(k[len(prefix):], seq)
	return k
}

func indexKey(c *Contract) []byte {
	return fmt.Appendf(nil, "%s%016x/%s", pIndex, c.CreatedAt.UnixNano(), c.ID)
}

func prefixEnd(p []byte) []byte {
	end := append([]byte(nil), p...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// getJSON loads key into v; ok is false when the key is absent.
func getJSON(db *pebble.DB, key string, v any) (bool, error) {
	val, closer, err := db.Get([]byte(key))
	if errors.Is(err, pebble.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read %s: %w", key, err)
	}
	defer closer.Close()
	if err := json.Unmarshal(val, v); err != nil {
		return false, fmt.Errorf("decode %s: %w", key, err)
	}
	return true, nil
}

func setJSON(b *pebble.Batch, key []byte, v any) error {
	val, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", key, err)
	}
	return b.Set(key, val, nil)
}

// IdemEntry is a remembered answer to a request with an Idempotency-Key.
// The body is stored sealed under the KEK: answers carry signing links
// (send) and deposit amounts (development identities).
type IdemEntry struct {
	Fingerprint string    `json:"fingerprint"` // hex SHA-256 of method, path and body
	Status      int       `json:"status"`
	Body        []byte    `json:"-"`
	Sealed      []byte    `json:"sealed_body,omitempty"`
	ContentType string    `json:"content_type"`
	At          time.Time `json:"at"`
}

// IdemTTL is how long idempotency keys are kept.
const IdemTTL = 7 * 24 * time.Hour

// LoadIdem returns the answer remembered for (scope, key), if any and not expired.
func (e *Engine) LoadIdem(scope, key string) (*IdemEntry, bool, error) {
	var ent IdemEntry
	ok, err := getJSON(e.db, pIdem+scope+"/"+key, &ent)
	if err != nil || !ok {
		return nil, false, err
	}
	if e.now().Sub(ent.At) > IdemTTL {
		return nil, false, nil
	}
	if len(ent.Sealed) == 0 {
		// Stored in clear by an older version: MigrateAtRest seals those
		// at startup, so this is an entry it could not read.
		return nil, false, fmt.Errorf("remembered answer %s/%s is not sealed", scope, key)
	}
	if ent.Body, err = e.cfg.KEK.Open("idem/"+scope+"/"+key, ent.Sealed); err != nil {
		return nil, false, err
	}
	return &ent, true, nil
}

// SaveIdem remembers an answer.
func (e *Engine) SaveIdem(scope, key string, ent *IdemEntry) error {
	b := e.db.NewBatch()
	defer b.Close()
	ent.At = e.now()
	sealed, err := e.cfg.KEK.Seal(e.rand, "idem/"+scope+"/"+key, ent.Body)
	if err != nil {
		return err
	}
	stored := *ent
	stored.Sealed = sealed
	if err := setJSON(b, []byte(pIdem+scope+"/"+key), &stored); err != nil {
		return err
	}
	return b.Commit(pebble.Sync)
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// pruneIdem deletes remembered answers older than IdemTTL.
func (e *Engine) pruneIdem() error {
	it, err := e.db.NewIter(&pebble.IterOptions{LowerBound: []byte(pIdem), UpperBound: prefixEnd([]byte(pIdem))})
	if err != nil {
		return err
	}
	defer it.Close()
	b := e.db.NewBatch()
	defer b.Close()
	for it.First(); it.Valid(); it.Next() {
		var ent struct {
			At time.Time `json:"at"`
		}
		v, err := it.ValueAndErr()
		if err != nil {
			return err
		}
		if json.Unmarshal(v, &ent) == nil && e.now().Sub(ent.At) <= IdemTTL {
			continue
		}
		if err := b.Delete(append([]byte(nil), it.Key()...), nil); err != nil {
			return err
		}
	}
	if err := it.Error(); err != nil {
		return err
	}
	return b.Commit(pebble.Sync)
}
