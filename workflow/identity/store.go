package identity

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cockroachdb/pebble"

	"github.com/sealchain/sealchain/workflow/internal/seal"
)

// DepositPrefix is the pebble key prefix of the micro-deposit challenges
// stored by [WithDepositStore]. Under it:
//
//	c/<challenge id>                             the challenge, JSON (depositRecord)
//	x/<expiry, unix ns, 8 bytes big-endian><id>  empty: the expiry index
const DepositPrefix = "wf/identity/deposit/"

// depositStore keeps open challenges. Verifier.mu serialises every call.
type depositStore interface {
	// load returns the challenge, or nil when there is none.
	load(id string) (*deposit, error)
	add(id string, d *deposit) error
	// update saves a changed attempts-left count.
	update(id string, d *deposit) error
	remove(id string, d *deposit) error
	// sweep removes the challenges expired at now.
	sweep(now time.Time) error
	count() int
}

var (
	_ depositStore = memStore{}
	_ depositStore = (*pebbleStore)(nil)
)

// memStore is the default: challenges live as long as the Verifier.
type memStore map[string]*deposit

func (m memStore) load(id string) (*deposit, error) {
	if d, ok := m[id]; ok {
		c := *d // callers change their copy; update writes it back
		return &c, nil
	}
	return nil, nil
}

func (m memStore) add(id string, d *deposit) error { c := *d; m[id] = &c; return nil }

func (m memStore) update(id string, d *deposit) error { c := *d; m[id] = &c; return nil }

func (m memStore) remove(id string, _ *deposit) error { delete(m, id); return nil }

func (m memStore) sweep(now time.Time) error {
	for id, d := range m {
		if !now.Before(d.expires) {
			delete(m, id)
		}
	}
	return nil
}

func (m memStore) count() int { return len(m) }

// depositRecord is a challenge as stored. V is the format version: 1 holds
// the fields and amount in clear (older versions; still read), 2 holds
// them sealed (depositSecret under the Sealer, AAD "deposit/<id>").
type depositRecord struct {
	V         int      `json:"v"`
	Fields    []string `json:"fields,omitempty"`
	AmountFen int64    `json:"amount_fen,omitempty"`
	Sealed    []byte   `json:"sealed,omitempty"`
	Expires   int64    `json:"expires_unix_ns"`
	Left      int      `json:"attempts_left"`
}

// depositSecret is what a challenge keeps secret: the company's fields
// (name, credit code, ...) and the amount sent, which is the answer.
type depositSecret struct {
	Fields    []string `json:"fields"`
	AmountFen int64    `json:"amount_fen"`
}

const (
	depositRecordV1 = 1
	depositRecordV2 = 2
)

// pebbleStore keeps challenges in a pebble database under DepositPrefix,
// every write with pebble.Sync so that a confirmed wrong amount is counted
// before the caller hears of it. The count of open challenges is read once
// and then kept in memory: one Verifier per database.
type pebbleStore struct {
	db     *pebble.DB
	sealer seal.Sealer // nil: version 1 records, in clear
	n      int
}

func newPebbleStore(db *pebble.DB) (*pebbleStore, error) {
	s := &pebbleStore{db: db}
	// Challenge keys are DepositPrefix+"c/"+id; "c0" sorts right after them
	// ('0' follows '/').
	it, err := db.NewIter(&pebble.IterOptions{LowerBound: []byte(DepositPrefix + "c/"), UpperBound: []byte(DepositPrefix + "c0")})
	if err != nil {
		return nil, fmt.Errorf("identity: deposit store: %w", err)
	}
	for ok := it.First(); ok; ok = it.Next() {
		s.n++
	}
	if err := it.Close(); err != nil {
		return nil, fmt.Errorf("identity: deposit store: %w", err)
	}
	return s, nil
}

func challengeKey(id string) []byte { return []byte(DepositPrefix + "c/" + id) }

func expiryKey(id string, expires time.Time) []byte {
	k := binary.BigEndian.AppendUint64([]byte(DepositPrefix+"x/"), uint64(expires.UnixNano()))
	return append(k, id...)
}

func (s *pebbleStore) load(id string) (*deposit, error) {
	v, closer, err := s.db.Get(challengeKey(id))
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("identity: load deposit challenge: %w", err)
	}
	defer closer.Close()
	var r depositRecord
	if err := json.Unmarshal(v, &r); err != nil {
		return nil, fmt.Errorf("identity: decode deposit challenge %s: %w", id, err)
	}
	d := &deposit{expires: time.Unix(0, r.Expires), left: r.Left}
	switch {
	case r.V == depositRecordV1:
		d.fields, d.amountFen = r.Fields, r.AmountFen
	case r.V == depositRecordV2 && s.sealer != nil:
		plain, err := s.sealer.Open("deposit/"+id, r.Sealed)
		if err != nil {
			return nil, fmt.Errorf("identity: open deposit challenge %s: %w", id, err)
		}
		var sec depositSecret
		if err := json.Unmarshal(plain, &sec); err != nil {
			return nil, fmt.Errorf("identity: decode deposit challenge %s: %w", id, err)
		}
		d.fields, d.amountFen = sec.Fields, sec.AmountFen
	case r.V == depositRecordV2:
		return nil, fmt.Errorf("identity: deposit challenge %s is sealed and no key is configured (WithDepositSealer)", id)
	default:
		return nil, fmt.Errorf("identity: deposit challenge %s: format version %d, want %d or %d", id, r.V, depositRecordV1, depositRecordV2)
	}
	return d, nil
}

func (s *pebbleStore) encode(id string, d *deposit) ([]byte, error) {
	r := depositRecord{V: depositRecordV1, Fields: d.fields, AmountFen: d.amountFen, Expires: d.expires.UnixNano(), Left: d.left}
	if s.sealer != nil {
		plain, err := json.Marshal(depositSecret{Fields: d.fields, AmountFen: d.amountFen})
		if err != nil {
			return nil, fmt.Errorf("identity: encode deposit challenge: %w", err)
		}
		if r.Sealed, err = s.sealer.Seal("deposit/"+id, plain); err != nil {
			return nil, fmt.Errorf("identity: seal deposit challenge: %w", err)
		}
		r.V, r.Fields, r.AmountFen = depositRecordV2, nil, 0
	}
	data, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("identity: encode deposit challenge: %w", err)
	}
	return data, nil
}

func (s *pebbleStore) add(id string, d *deposit) error {
	data, err := s.encode(id, d)
	if err != nil {
		return err
	}
	b := s.db.NewBatch()
	defer b.Close()
	if err := b.Set(challengeKey(id), data, nil); err != nil {
		return fmt.Errorf("identity: save deposit challenge: %w", err)
	}
	if err := b.Set(expiryKey(id, d.expires), nil, nil); err != nil {
		return fmt.Errorf("identity: save deposit challenge: %w", err)
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("identity: save deposit challenge: %w", err)
	}
	s.n++
	return nil
}

func (s *pebbleStore) update(id string, d *deposit) error {
	data, err := s.encode(id, d)
	if err != nil {
		return err
	}
	if err := s.db.Set(challengeKey(id), data, pebble.Sync); err != nil {
		return fmt.Errorf("identity: save deposit challenge: %w", err)
	}
	return nil
}

func (s *pebbleStore) remove(id string, d *deposit) error {
	b := s.db.NewBatch()
	defer b.Close()
	if err := b.Delete(challengeKey(id), nil); err != nil {
		return fmt.Errorf("identity: remove deposit challenge: %w", err)
	}
	if err := b.Delete(expiryKey(id, d.expires), nil); err != nil {
		return fmt.Errorf("identity: remove deposit challenge: %w", err)
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("identity: remove deposit challenge: %w", err)
	}
	s.n--
	return nil
}

// sweep walks the expiry index up to now, so its cost is the number of
// expired challenges, not of open ones.
func (s *pebbleStore) sweep(now time.Time) error {
	prefix := []byte(DepositPrefix + "x/")
	// Keys for expiry <= now sort before prefix + (now+1ns).
	upper := binary.BigEndian.AppendUint64(append([]byte(nil), prefix...), uint64(now.UnixNano())+1)
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: upper})
	if err != nil {
		return fmt.Errorf("identity: sweep deposit challenges: %w", err)
	}
	b := s.db.NewBatch()
	defer b.Close()
	removed := 0
	for ok := it.First(); ok; ok = it.Next() {
		k := it.Key()
		if len(k) < len(prefix)+8 {
			continue
		}
		id := string(k[len(prefix)+8:])
		if err := b.Delete(challengeKey(id), nil); err != nil {
			it.Close()
			return fmt.Errorf("identity: sweep deposit challenges: %w", err)
		}
		if err := b.Delete(k, nil); err != nil {
			it.Close()
			return fmt.Errorf("identity: sweep deposit challenges: %w", err)
		}
		removed++
	}
	if err := it.Close(); err != nil {
		return fmt.Errorf("identity: sweep deposit challenges: %w", err)
	}
	if removed == 0 {
		return nil
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("identity: sweep deposit challenges: %w", err)
	}
	s.n -= removed
	return nil
}

func (s *pebbleStore) count() int { return s.n }

// SealDeposits rewrites, into b, the deposit challenges older versions
// stored in clear (format version 1) as sealed ones (version 2). It reads
// db and writes nothing itself; the caller commits b and compacts. It
// returns how many it sealed.
func SealDeposits(db *pebble.DB, b *pebble.Batch, sealer seal.Sealer) (int, error) {
	if sealer == nil {
		return 0, errors.New("identity: SealDeposits needs a sealer")
	}
	s := &pebbleStore{db: db}
	prefix := DepositPrefix + "c/"
	it, err := db.NewIter(&pebble.IterOptions{LowerBound: []byte(prefix), UpperBound: []byte(DepositPrefix + "c0")})
	if err != nil {
		return 0, fmt.Errorf("identity: deposit store: %w", err)
	}
	defer it.Close()
	n := 0
	for ok := it.First(); ok; ok = it.Next() {
		var r depositRecord
		if err := json.Unmarshal(it.Value(), &r); err != nil {
			return n, fmt.Errorf("identity: decode deposit challenge %s: %w", it.Key(), err)
		}
		if r.V != depositRecordV1 {
			continue
		}
		id := string(it.Key()[len(prefix):])
		d, err := s.load(id)
		if err != nil || d == nil {
			return n, fmt.Errorf("identity: deposit challenge %s: %w", id, err)
		}
		s.sealer = sealer
		data, err := s.encode(id, d)
		s.sealer = nil
		if err != nil {
			return n, err
		}
		if err := b.Set(append([]byte(nil), it.Key()...), data, nil); err != nil {
			return n, err
		}
		n++
	}
	return n, it.Error()
}
