package workflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/cockroachdb/pebble"

	"github.com/sealchain/sealchain/workflow/search"
)

// SearchIndex is the contract index Search uses when one is configured
// (workflow/search.Index). It lives outside the workflow DB and may lag
// it: the engine writes a change log entry in each state batch and the
// index records the last entry it applied (its mark), so on start the
// engine replays what a crash between the two left out, and rebuilds an
// index that is missing, of another version, under another key or
// further behind than the log reaches.
type SearchIndex interface {
	State() (mark uint64, err error) // search.ErrNeedsRebuild: rebuild it
	Apply(docs []*search.Doc, mark uint64, sync bool) error
	Rebuild(ctx context.Context, next func() (*search.Doc, error), mark uint64) (int, error)
	Search(ctx context.Context, q search.Query) (ids []string, next string, err error)
}

// SearchKey is the key the index hashes its terms under, derived from the
// KEK: an index file alone reveals no title, name or field value.
func SearchKey(k *KEK) []byte { return k.MAC("sealchain/workflow/search-key/v1") }

// Keys of the change log (see store.go).
const (
	pChange     = "wf/core/chg/" // <uint64be seq> → contract id
	kChangeTrim = "wf/core/chg-trimmed"
)

// trimEvery is how many sequence numbers pass between two trims of the
// change log; each trim syncs the index first.
const trimEvery = 4096

// indexDoc is what the index holds of c: the template fields are opened
// from the KEK (the index hashes every term).
func (e *Engine) indexDoc(c *Contract) (*search.Doc, error) {
	d := &search.Doc{ID: c.ID, Created: c.CreatedAt, Title: c.Title, Status: c.Status, Template: c.Template}
	for _, p := range c.Parties {
		d.Parties = append(d.Parties, search.Party{IdentityID: p.IdentityID, Name: p.DisplayName,
			FullName: e.fullName(p.IdentityID), Role: p.Role})
	}
	if len(c.FieldsSealed) > 0 {
		plain, err := e.cfg.KEK.Open(c.ID+"/fields", c.FieldsSealed)
		if err != nil {
			return nil, fmt.Errorf("contract %s fields: %w", c.ID, err)
		}
		if err := json.Unmarshal(plain, &d.Fields); err != nil {
			return nil, fmt.Errorf("contract %s fields: %w", c.ID, err)
		}
	}
	return d, nil
}

// fullName is the verified name of an identity (a person's or a
// company's), which the contract shows only masked: the index hashes it,
// so staff can find contracts by the name a party gave. "" when the
// identity cannot be read (its contracts are still found by the rest).
func (e *Engine) fullName(id string) string {
	e.namesMu.Lock()
	n, ok := e.names[id]
	e.namesMu.Unlock()
	if ok {
		return n
	}
	_, sec, err := e.loadIdentitySecrets(id)
	if err != nil {
		return ""
	}
	n = sec.Input.name()
	e.namesMu.Lock()
	defer e.namesMu.Unlock()
	if e.names == nil || len(e.names) >= 1<<16 {
		e.names = map[string]string{}
	}
	e.names[id] = n
	return n
}

// logChange notes in t that c changed, for the index.
func (t *txn) logChange(c *Contract) error {
	t.seq++
	if err := t.b.Set(seqKey(pChange, t.seq), []byte(c.ID), nil); err != nil {
		return err
	}
	if t.e.cfg.Index == nil {
		return nil
	}
	if t.changed == nil {
		t.changed = map[string]*Contract{}
	}
	cp := *c
	t.changed[c.ID] = &cp
	return nil
}

// afterCommit hands t's changed contracts to the index. A failure only
// leaves the index behind: the change log has the entries, and the next
// start (or the next successful apply's catch-up) replays them.
func (e *Engine) afterCommit(t *txn) {
	if e.cfg.Index == nil || len(t.changed) == 0 {
		return
	}
	e.ixMu.Lock()
	defer e.ixMu.Unlock()
	if !e.ixReady {
		return // the catch-up reads the log
	}
	docs := make([]*search.Doc, 0, len(t.changed))
	for _, c := range t.changed {
		d, err := e.indexDoc(c)
		if err != nil {
			e.logger.Error("search index: contract not indexed", "contract", c.ID, "err", err)
			e.ixReady = false
			return
		}
		docs = append(docs, d)
	}
	sync := t.seq/trimEvery != e.ixMark/trimEvery
	if err := e.cfg.Index.Apply(docs, t.seq, sync); err != nil {
		e.logger.Error("search index: update failed; searching the store until the next start", "err", err)
		e.ixReady = false
		return
	}
	e.ixMark = t.seq
	if sync {
		if err := e.trimChanges(t.seq); err != nil {
			e.logger.Warn("search index: trim change log", "err", err)
		}
	}
}

// trimChanges drops change log entries up to mark, which the index holds
// durably.
func (e *Engine) trimChanges(mark uint64) error {
	b := e.db.NewBatch()
	defer b.Close()
	if err := b.DeleteRange([]byte(pChange), seqKey(pChange, mark+1), nil); err != nil {
		return err
	}
	if err := b.Set([]byte(kChangeTrim), seqKey("", mark), nil); err != nil {
		return err
	}
	return b.Commit(pebble.NoSync)
}

func (e *Engine) trimmed() (uint64, error) {
	v, closer, err := e.db.Get([]byte(kChangeTrim))
	if errors.Is(err, pebble.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	defer closer.Close()
	return beUint64(v), nil
}

// IndexReady reports whether Search uses the index (false while it is
// being built or caught up, or when none is configured).
func (e *Engine) IndexReady() bool {
	e.ixMu.Lock()
	defer e.ixMu.Unlock()
	return e.ixReady
}

// startIndex brings the index in step with the store: a rebuild if it
// needs one, then a replay of the change log past its mark. Searches scan
// the store until it returns. Without an index it only trims the log.
func (e *Engine) startIndex(ctx context.Context) error {
	if e.cfg.Index == nil {
		e.mu.Lock()
		defer e.mu.Unlock()
		return e.trimChanges(e.seq)
	}
	mark, err := e.cfg.Index.State()
	e.mu.Lock()
	seq := e.seq
	e.mu.Unlock()
	floor, terr := e.trimmed()
	if terr != nil {
		return terr
	}
	switch {
	case errors.Is(err, search.ErrNeedsRebuild):
	case err != nil:
		e.logger.Warn("search index unreadable; rebuilding", "err", err)
	case mark > seq:
		e.logger.Warn("search index is ahead of the store (a restored backup?); rebuilding", "index", mark, "store", seq)
		err = search.ErrNeedsRebuild
	case mark < floor:
		e.logger.Warn("search index is behind the change log; rebuilding", "index", mark, "log_from", floor)
		err = search.ErrNeedsRebuild
	}
	if err != nil {
		if mark, err = e.rebuildIndex(ctx, seq); err != nil {
			return err
		}
	}
	// Replay without the lock, then the last entries with it, so that
	// commits go on while a long log is replayed.
	if mark, err = e.replayChanges(ctx, mark); err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if mark, err = e.replayChanges(ctx, mark); err != nil {
		return err
	}
	e.ixMu.Lock()
	e.ixReady, e.ixMark = true, mark
	e.ixMu.Unlock()
	if err := e.cfg.Index.Apply(nil, mark, true); err != nil {
		return err
	}
	return e.trimChanges(mark)
}

// rebuildIndex fills the index from every contract in the store; mark is
// the sequence read before the scan (later changes are in the log).
func (e *Engine) rebuildIndex(ctx context.Context, mark uint64) (uint64, error) {
	start := time.Now()
	e.logger.Info("search index: rebuilding from the store")
	snap := e.db.NewSnapshot()
	defer snap.Close()
	it, err := snap.NewIter(&pebble.IterOptions{LowerBound: []byte(pContract), UpperBound: prefixEnd([]byte(pContract))})
	if err != nil {
		return 0, err
	}
	defer it.Close()
	it.First()
	n, err := e.cfg.Index.Rebuild(ctx, func() (*search.Doc, error) {
		if !it.Valid() {
			return nil, it.Error()
		}
		var c Contract
		if err := json.Unmarshal(it.Value(), &c); err != nil {
			return nil, fmt.Errorf("decode %s: %w", it.Key(), err)
		}
		it.Next()
		return e.indexDoc(&c)
	}, mark)
	if err != nil {
		return 0, fmt.Errorf("search index: rebuild: %w", err)
	}
	e.logger.Info("search index: rebuilt", "contracts", n, "took", time.Since(start).Round(time.Millisecond))
	return mark, nil
}

// replayChanges applies the change log past mark and returns the new mark.
func (e *Engine) replayChanges(ctx context.Context, mark uint64) (uint64, error) {
	it, err := e.db.NewIter(&pebble.IterOptions{LowerBound: seqKey(pChange, mark+1), UpperBound: prefixEnd([]byte(pChange))})
	if err != nil {
		return 0, err
	}
	defer it.Close()
	var docs []*search.Doc
	seen := map[string]bool{}
	last := mark
	flush := func() error {
		if len(docs) == 0 && last == mark {
			return nil
		}
		if err := e.cfg.Index.Apply(docs, last, false); err != nil {
			return fmt.Errorf("search index: %w", err)
		}
		docs, mark = docs[:0], last
		clear(seen)
		return ctx.Err()
	}
	for it.First(); it.Valid(); it.Next() {
		last = beUint64(it.Key()[len(pChange):])
		id := string(it.Value())
		if seen[id] {
			continue
		}
		seen[id] = true
		c, err := e.loadContract(id)
		if err != nil {
			return 0, err
		}
		d, err := e.indexDoc(c)
		if err != nil {
			return 0, err
		}
		docs = append(docs, d)
		if len(docs) == 1000 {
			if err := flush(); err != nil {
				return 0, err
			}
		}
	}
	if err := it.Error(); err != nil {
		return 0, err
	}
	return last, flush()
}

// searchIndex answers q from the index.
func (e *Engine) searchIndex(ctx context.Context, q Query) ([]*Contract, string, error) {
	ids, next, err := e.cfg.Index.Search(ctx, search.Query{Text: q.Text, Status: q.Status, Template: q.Template,
		Party: q.Party, From: q.From, To: q.To, Limit: q.Limit, Cursor: q.Cursor})
	var qe *search.QueryError
	switch {
	case errors.As(err, &qe):
		return nil, "", badField(qe.Field, "%s", qe.Msg)
	case errors.Is(err, search.ErrTimeout):
		return nil, "", newErr(http.StatusServiceUnavailable, "search_timeout", "%v", err)
	case err != nil:
		return nil, "", err
	}
	out := make([]*Contract, 0, len(ids))
	for _, id := range ids {
		c, err := e.loadContract(id)
		if err != nil {
			return nil, "", err
		}
		// The index follows the store a moment later: a contract that
		// changed status since is left out rather than shown wrongly.
		if q.Status != "" && c.Status != q.Status {
			continue
		}
		out = append(out, c)
	}
	return out, next, nil
}
