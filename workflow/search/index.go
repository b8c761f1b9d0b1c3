package search

import (
	"bytes"
	"context"
	"crypto/hmac"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cockroachdb/pebble"
	"github.com/emmansun/gmsm/sm3"
)

// Limits on a query. A query is a conjunction of terms and exact filters
// walked in one pass over posting lists, so these bound its cost; there
// are no wildcards, regular expressions or fuzzy terms to bound (the terms
// are keyed hashes, so the index could not answer them anyway).
const (
	MaxQueryBytes = 256 // Query.Text
	MaxTerms      = 16  // distinct terms of Query.Text
	MaxLimit      = 200 // Query.Limit
	MaxFilter     = 128 // bytes of Query.Status, Template and Party
	DefaultLimit  = 50
	// DefaultTimeout is how long a query may run when its context has no
	// earlier deadline.
	DefaultTimeout = 2 * time.Second
)

// formatVersion names the index layout and the tokeniser: an index of
// another version is rebuilt.
const formatVersion = 1

// macLen is the length of a term's keyed hash. 64 bits: a collision only
// adds a candidate the page would show wrongly, and at a million distinct
// terms it is one chance in 10^7.
const macLen = 8

// sortLen is a posting's sort key: ^created (unix ns) then ^doc number,
// both big-endian, so a forward scan lists newest first.
const sortLen = 12

// Keys of the index DB (its own pebble directory):
//
//	m                     meta: version byte, mark uint64be (written last by a rebuild)
//	k                     MAC of a fixed label: the key the index was built with
//	c                     next doc number, uint32be
//	d<contract id>        doc: sort key, then its terms' MACs
//	n<doc number>         contract id
//	p<term MAC><sort key> posting (empty value)
var (
	kMeta    = []byte("m")
	kKeyTag  = []byte("k")
	kCounter = []byte("c")
)

const (
	pDoc  = 'd'
	pNum  = 'n'
	pPost = 'p'
)

// Term kinds, hashed with the term so a status cannot match a title word.
const (
	kindText     = 't'
	kindStatus   = 's'
	kindTemplate = 'T'
	kindParty    = 'i'
	kindAll      = 'a'
)

// Party is a contract party as the index sees it.
type Party struct {
	IdentityID string
	Name       string // display name: a person's or a company's, as shown (masked)
	FullName   string // the verified name, which the platform keeps sealed
	Role       string
}

// Doc is what the index holds of one contract.
type Doc struct {
	ID       string
	Created  time.Time
	Title    string
	Status   string
	Template string
	Parties  []Party
	Fields   map[string]string // template field values (names, addresses, amounts)
}

// Query selects contracts: every term of Text (see tokens) and every
// filter given must match. Results are newest first.
type Query struct {
	Text     string
	Status   string
	Template string
	Party    string    // identity id of a party
	From     time.Time // created at or after
	To       time.Time // created before
	Limit    int
	Cursor   string // next from the previous page
}

// QueryError is a query the index refuses; Field names the part.
type QueryError struct {
	Field, Msg string
}

func (e *QueryError) Error() string { return "query " + e.Field + ": " + e.Msg }

// ErrTimeout is returned when a query runs out of time.
var ErrTimeout = errors.New("search: query took too long; narrow it with a date range, status or template")

// ErrNeedsRebuild is returned by Open's caller check (State) for an index
// that is missing, of another version or built under another key.
var ErrNeedsRebuild = errors.New("search: index needs a rebuild")

// Options tunes an index.
type Options struct {
	CacheBytes int64         // pebble block cache; 0: 64 MiB
	Timeout    time.Duration // per query; 0: DefaultTimeout
	Logger     pebble.Logger
}

// Index is a contract index in its own pebble DB. Terms are stored only
// as HMAC-SM3 under the key given to Open (derived from the workflow KEK),
// so the files hold no title, name or field value in clear: only
// contract ids, creation times and how often each (unknown) term occurs.
// It is safe for concurrent use; writes are serialised.
type Index struct {
	db      *pebble.DB
	cache   *pebble.Cache
	key     []byte
	timeout time.Duration

	mu    sync.Mutex // writes
	macMu sync.Mutex
	macs  map[string][macLen]byte // term → MAC, bounded
}

// Open opens (creating if needed) the index in dir.
func Open(dir string, key []byte, o Options) (*Index, error) {
	if len(key) < 16 {
		return nil, errors.New("search: key shorter than 16 bytes")
	}
	if o.CacheBytes <= 0 {
		o.CacheBytes = 64 << 20
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Logger == nil {
		o.Logger = quiet{}
	}
	cache := pebble.NewCache(o.CacheBytes)
	opts := &pebble.Options{Cache: cache, MemTableSize: 32 << 20, Logger: o.Logger}
	db, err := pebble.Open(dir, opts)
	if err != nil {
		cache.Unref()
		return nil, fmt.Errorf("search: open %s: %w", dir, err)
	}
	return &Index{db: db, cache: cache, key: slices.Clone(key), timeout: o.Timeout, macs: map[string][macLen]byte{}}, nil
}

// quiet drops pebble's informational lines (tests, tools).
type quiet struct{}

func (quiet) Infof(string, ...any)           {}
func (quiet) Fatalf(format string, a ...any) { panic(fmt.Sprintf(format, a...)) }

// Close closes the DB.
func (x *Index) Close() error {
	err := x.db.Close()
	x.cache.Unref()
	return err
}

// State returns the mark of the last change applied, or ErrNeedsRebuild
// when the index is empty, unfinished, of another layout or built under
// another key.
func (x *Index) State() (uint64, error) {
	v, closer, err := x.db.Get(kMeta)
	if errors.Is(err, pebble.ErrNotFound) {
		return 0, ErrNeedsRebuild
	}
	if err != nil {
		return 0, fmt.Errorf("search: read meta: %w", err)
	}
	meta := slices.Clone(v)
	closer.Close()
	if len(meta) != 9 || meta[0] != formatVersion {
		return 0, ErrNeedsRebuild
	}
	tag, closer, err := x.db.Get(kKeyTag)
	if err != nil {
		return 0, ErrNeedsRebuild
	}
	ok := hmac.Equal(tag, x.keyTag())
	closer.Close()
	if !ok {
		return 0, ErrNeedsRebuild
	}
	return binary.BigEndian.Uint64(meta[1:]), nil
}

func (x *Index) keyTag() []byte {
	m := hmac.New(sm3.New, x.key)
	m.Write([]byte("sealchain search index key check"))
	return m.Sum(nil)
}

func metaValue(mark uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte{formatVersion}, mark)
}

// mac is the keyed hash of a term of a kind. The map saves the HMAC for
// the terms that recur (most bigrams do); it is dropped when it grows.
func (x *Index) mac(kind byte, term string) [macLen]byte {
	k := string(kind) + term
	x.macMu.Lock()
	defer x.macMu.Unlock()
	if m, ok := x.macs[k]; ok {
		return m
	}
	h := hmac.New(sm3.New, x.key)
	h.Write([]byte(k))
	var m [macLen]byte
	copy(m[:], h.Sum(nil))
	if len(x.macs) >= 1<<20 {
		clear(x.macs)
	}
	x.macs[k] = m
	return m
}

// terms lists the MACs a document is indexed under, sorted and distinct.
func (x *Index) terms(d *Doc) [][macLen]byte {
	var ts []string
	ts = tokens(ts, d.Title)
	ts = tokens(ts, d.ID)
	for _, p := range d.Parties {
		ts = tokens(ts, p.Name)
		ts = tokens(ts, p.FullName)
		ts = tokens(ts, p.Role)
	}
	for _, k := range sortedKeys(d.Fields) {
		ts = tokens(ts, d.Fields[k])
	}
	ts = dedupe(ts)
	out := make([][macLen]byte, 0, len(ts)+4+len(d.Parties))
	for _, t := range ts {
		out = append(out, x.mac(kindText, t))
	}
	out = append(out, x.mac(kindAll, ""), x.mac(kindStatus, d.Status))
	if d.Template != "" {
		out = append(out, x.mac(kindTemplate, d.Template))
	}
	for _, p := range d.Parties {
		if p.IdentityID != "" {
			out = append(out, x.mac(kindParty, p.IdentityID))
		}
	}
	slices.SortFunc(out, func(a, b [macLen]byte) int { return bytes.Compare(a[:], b[:]) })
	return slices.Compact(out)
}

func sortedKeys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func sortKey(created time.Time, num uint32) []byte {
	k := binary.BigEndian.AppendUint64(make([]byte, 0, sortLen), ^uint64(created.UnixNano()))
	return binary.BigEndian.AppendUint32(k, ^num)
}

func postingKey(m [macLen]byte, sk []byte) []byte {
	k := make([]byte, 0, 1+macLen+sortLen)
	k = append(append(append(k, pPost), m[:]...), sk...)
	return k
}

func docKey(id string) []byte { return append([]byte{pDoc}, id...) }
func numKey(n uint32) []byte  { return binary.BigEndian.AppendUint32([]byte{pNum}, n) }
func numOf(sk []byte) uint32  { return ^binary.BigEndian.Uint32(sk[8:sortLen]) }
func prefixEnd(p []byte) []byte {
	end := slices.Clone(p)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// Apply indexes docs (new or changed contracts) and records mark, the
// position of the last change they carry, in one batch. sync makes the
// batch durable before Apply returns; without it a crash may lose the
// batch, and the caller replays from the previous mark.
func (x *Index) Apply(docs []*Doc, mark uint64, sync bool) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	b := x.db.NewIndexedBatch()
	defer b.Close()
	next, err := x.counter(b)
	if err != nil {
		return err
	}
	for _, d := range docs {
		if err := x.put(b, d, &next, false); err != nil {
			return err
		}
	}
	if err := b.Set(kCounter, binary.BigEndian.AppendUint32(nil, next), nil); err != nil {
		return err
	}
	if err := b.Set(kMeta, metaValue(mark), nil); err != nil {
		return err
	}
	opt := pebble.NoSync
	if sync {
		opt = pebble.Sync
	}
	if err := b.Commit(opt); err != nil {
		return fmt.Errorf("search: commit: %w", err)
	}
	return nil
}

func (x *Index) counter(r pebble.Reader) (uint32, error) {
	v, closer, err := r.Get(kCounter)
	if errors.Is(err, pebble.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("search: read counter: %w", err)
	}
	defer closer.Close()
	if len(v) != 4 {
		return 0, errors.New("search: bad counter")
	}
	return binary.BigEndian.Uint32(v), nil
}

// put writes d's postings into b. fresh skips the look-up of an older
// version (a rebuild into an empty index).
func (x *Index) put(b *pebble.Batch, d *Doc, next *uint32, fresh bool) error {
	terms := x.terms(d)
	var sk []byte
	var old [][macLen]byte
	if !fresh {
		v, closer, err := b.Get(docKey(d.ID))
		switch {
		case errors.Is(err, pebble.ErrNotFound):
		case err != nil:
			return fmt.Errorf("search: read doc %s: %w", d.ID, err)
		default:
			if len(v) < sortLen || (len(v)-sortLen)%macLen != 0 {
				closer.Close()
				return fmt.Errorf("search: doc %s: bad entry", d.ID)
			}
			sk = slices.Clone(v[:sortLen])
			for r := v[sortLen:]; len(r) > 0; r = r[macLen:] {
				old = append(old, [macLen]byte(r[:macLen]))
			}
			closer.Close()
		}
	}
	if sk == nil {
		if *next == ^uint32(0) {
			return errors.New("search: doc numbers exhausted; rebuild the index")
		}
		sk = sortKey(d.Created, *next)
		if err := b.Set(numKey(*next), []byte(d.ID), nil); err != nil {
			return err
		}
		*next++
	}
	for _, m := range old {
		if _, found := slices.BinarySearchFunc(terms, m, cmpMAC); !found {
			if err := b.Delete(postingKey(m, sk), nil); err != nil {
				return err
			}
		}
	}
	val := slices.Clone(sk)
	for _, m := range terms {
		val = append(val, m[:]...)
		if _, found := slices.BinarySearchFunc(old, m, cmpMAC); found {
			continue
		}
		if err := b.Set(postingKey(m, sk), nil, nil); err != nil {
			return err
		}
	}
	return b.Set(docKey(d.ID), val, nil)
}

func cmpMAC(a, b [macLen]byte) int { return bytes.Compare(a[:], b[:]) }

// Rebuild empties the index and fills it with every document next yields,
// then records mark. Until it returns the index reads as needing a
// rebuild (State), so a crash half way starts it again.
func (x *Index) Rebuild(ctx context.Context, next func() (*Doc, error), mark uint64) (int, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if err := x.db.DeleteRange([]byte{0}, []byte{0xff}, pebble.Sync); err != nil {
		return 0, fmt.Errorf("search: clear: %w", err)
	}
	var num uint32
	n := 0
	b := x.db.NewBatch()
	defer func() { b.Close() }()
	for {
		d, err := next()
		if err != nil {
			return n, err
		}
		if d == nil {
			break
		}
		if err := x.put(b, d, &num, true); err != nil {
			return n, err
		}
		n++
		if b.Len() > 16<<20 {
			if err := ctx.Err(); err != nil {
				return n, err
			}
			if err := b.Commit(pebble.NoSync); err != nil {
				return n, fmt.Errorf("search: commit: %w", err)
			}
			b.Close()
			b = x.db.NewBatch()
		}
	}
	if err := b.Set(kCounter, binary.BigEndian.AppendUint32(nil, num), nil); err != nil {
		return n, err
	}
	if err := b.Set(kKeyTag, x.keyTag(), nil); err != nil {
		return n, err
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return n, fmt.Errorf("search: commit: %w", err)
	}
	// Everything on disk before the meta that says the index is whole.
	if err := x.db.Flush(); err != nil {
		return n, fmt.Errorf("search: flush: %w", err)
	}
	if err := x.db.Set(kMeta, metaValue(mark), pebble.Sync); err != nil {
		return n, fmt.Errorf("search: write meta: %w", err)
	}
	return n, nil
}

// Compact compacts the whole index (after a rebuild, for the smallest
// files and the fastest reads).
func (x *Index) Compact() error {
	return x.db.Compact([]byte{0}, []byte{0xff}, true)
}

// Size is the bytes the index's files take.
func (x *Index) Size() uint64 {
	m := x.db.Metrics()
	return m.DiskSpaceUsage()
}

// Stats of one query (benchmarks and logs).
type Stats struct {
	Steps int // posting list positions visited
}

// Search returns the ids of the contracts q matches, newest first, and the
// cursor of the next page ("" at the end).
func (x *Index) Search(ctx context.Context, q Query) ([]string, string, error) {
	ids, next, _, err := x.SearchStats(ctx, q)
	return ids, next, err
}

// SearchStats is Search with the work it did.
func (x *Index) SearchStats(ctx context.Context, q Query) ([]string, string, Stats, error) {
	var st Stats
	if len(q.Text) > MaxQueryBytes {
		return nil, "", st, &QueryError{"q", fmt.Sprintf("%d bytes, at most %d", len(q.Text), MaxQueryBytes)}
	}
	switch {
	case q.Limit == 0:
		q.Limit = DefaultLimit
	case q.Limit < 0 || q.Limit > MaxLimit:
		return nil, "", st, &QueryError{"limit", fmt.Sprintf("%d, want 1..%d", q.Limit, MaxLimit)}
	}
	words := dedupe(tokens(nil, q.Text))
	if len(words) > MaxTerms {
		return nil, "", st, &QueryError{"q", fmt.Sprintf("%d terms, at most %d", len(words), MaxTerms)}
	}
	var macs [][macLen]byte
	for _, w := range words {
		macs = append(macs, x.mac(kindText, w))
	}
	for _, f := range []struct {
		kind  byte
		v     string
		field string
	}{{kindStatus, q.Status, "status"}, {kindTemplate, q.Template, "template"}, {kindParty, q.Party, "party"}} {
		if len(f.v) > MaxFilter {
			return nil, "", st, &QueryError{f.field, fmt.Sprintf("%d bytes, at most %d", len(f.v), MaxFilter)}
		}
		if f.v != "" {
			macs = append(macs, x.mac(f.kind, f.v))
		}
	}
	if strings.TrimSpace(q.Text) != "" && len(words) == 0 {
		return nil, "", st, nil // only punctuation: nothing can match
	}
	if len(macs) == 0 {
		macs = append(macs, x.mac(kindAll, ""))
	}
	// Sort-key bounds: the cursor or To (created before) is the low end,
	// From (created at or after) the high end.
	var lo, hi []byte
	if !q.To.IsZero() {
		lo = binary.BigEndian.AppendUint64(nil, ^uint64(q.To.UnixNano()-1))
	}
	if q.Cursor != "" {
		c, err := hex.DecodeString(q.Cursor)
		if err != nil || len(c) != sortLen {
			return nil, "", st, &QueryError{"cursor", "not a cursor this index gave"}
		}
		c = append(c, 0) // just after it
		if lo == nil || bytes.Compare(c, lo) > 0 {
			lo = c
		}
	}
	if !q.From.IsZero() {
		hi = binary.BigEndian.AppendUint64(nil, ^uint64(q.From.UnixNano()))
		hi = append(hi, 0xff, 0xff, 0xff, 0xff, 0xff)
	}
	ctx, cancel := context.WithTimeout(ctx, x.timeout)
	defer cancel()
	snap := x.db.NewSnapshot()
	defer snap.Close()
	lists := make([]*list, 0, len(macs))
	defer func() {
		for _, l := range lists {
			l.it.Close()
		}
	}()
	for _, m := range macs {
		p := append([]byte{pPost}, m[:]...)
		o := &pebble.IterOptions{LowerBound: append(slices.Clone(p), lo...), UpperBound: prefixEnd(p)}
		if hi != nil {
			o.UpperBound = append(slices.Clone(p), hi...)
		}
		it, err := snap.NewIter(o)
		if err != nil {
			return nil, "", st, fmt.Errorf("search: %w", err)
		}
		lists = append(lists, &list{it: it, plen: len(p), prefix: p})
	}
	hits, err := leapfrog(ctx, lists, q.Limit+1, &st)
	if err != nil {
		return nil, "", st, err
	}
	next := ""
	if len(hits) > q.Limit {
		hits = hits[:q.Limit]
		next = hex.EncodeToString(hits[len(hits)-1])
	}
	ids := make([]string, 0, len(hits))
	for _, sk := range hits {
		v, closer, err := snap.Get(numKey(numOf(sk)))
		if err != nil {
			return nil, "", st, fmt.Errorf("search: doc %d: %w", numOf(sk), err)
		}
		ids = append(ids, string(v))
		closer.Close()
	}
	return ids, next, st, nil
}

type list struct {
	it     *pebble.Iterator
	plen   int
	prefix []byte
	seek   []byte
}

func (l *list) key() []byte { return l.it.Key()[l.plen:] }

// seekGE moves l to its first sort key at or after sk.
func (l *list) seekGE(sk []byte) bool {
	l.seek = append(append(l.seek[:0], l.prefix...), sk...)
	return l.it.SeekGE(l.seek)
}

// leapfrog intersects sorted posting lists (Veldhuizen's leapfrog join):
// the lists are kept in cyclic order of their current key, and each in turn
// seeks to the largest key seen; when the one to move already holds it,
// every list does. Work is bounded by the shortest list times the number
// of lists, not by the longest.
func leapfrog(ctx context.Context, lists []*list, limit int, st *Stats) ([][]byte, error) {
	for _, l := range lists {
		if !l.it.First() {
			return nil, l.it.Error()
		}
	}
	slices.SortFunc(lists, func(a, b *list) int { return bytes.Compare(a.key(), b.key()) })
	var out [][]byte
	n := len(lists)
	max := slices.Clone(lists[n-1].key())
	for p := 0; ; p = (p + 1) % n {
		st.Steps++
		if st.Steps&255 == 1 && ctx.Err() != nil {
			return nil, ErrTimeout
		}
		l := lists[p]
		var ok bool
		if bytes.Equal(l.key(), max) {
			out = append(out, slices.Clone(max))
			if len(out) == limit {
				return out, nil
			}
			ok = l.it.Next()
		} else {
			ok = l.seekGE(max)
		}
		if !ok {
			return out, l.it.Error()
		}
		max = append(max[:0], l.key()...)
	}
}
