package comet

import (
	"errors"
	"fmt"
	"sync"

	"github.com/cockroachdb/pebble"
	dbm "github.com/cometbft/cometbft-db"
	cfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/libs/log"
)

// dbTracker opens databases through CometBFT's default provider and
// remembers them, because Node.OnStop closes the block, state and evidence
// stores but not the tx index; a still-open pebble DB keeps its lock and a
// restart in the same process fails.
//
// Pebble databases are opened here too, to route pebble's own logging (which
// otherwise goes to the standard library logger, e.g. on every WAL replay)
// through the node's logger.
type dbTracker struct {
	logger log.Logger

	mu  sync.Mutex
	dbs []*onceDB
}

func (t *dbTracker) provider(ctx *cfg.DBContext) (dbm.DB, error) {
	var (
		db  dbm.DB
		err error
	)
	if dbm.BackendType(ctx.Config.DBBackend) == dbm.PebbleDBBackend {
		db, err = dbm.NewPebbleDBWithOpts(ctx.ID, ctx.Config.DBDir(),
			&pebble.Options{Logger: pebbleLogger{t.logger.With("module", "pebble", "db", ctx.ID)}})
	} else {
		db, err = cfg.DefaultDBProvider(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s db: %w", ctx.ID, err)
	}
	o := &onceDB{DB: db, id: ctx.ID}
	t.mu.Lock()
	t.dbs = append(t.dbs, o)
	t.mu.Unlock()
	return o, nil
}

// closeAll closes every database not yet closed by CometBFT itself.
func (t *dbTracker) closeAll() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	var errs []error
	for _, db := range t.dbs {
		if err := db.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close %s db: %w", db.id, err))
		}
	}
	return errors.Join(errs...)
}

// pebbleLogger adapts a CometBFT logger to pebble's. Pebble's informational
// messages are routine (compactions, WAL replay), hence Debug.
type pebbleLogger struct{ l log.Logger }

func (p pebbleLogger) Infof(format string, args ...any) { p.l.Debug(fmt.Sprintf(format, args...)) }

// Fatalf is called by pebble on corruption it cannot continue from; pebble's
// default exits the process, a panic at least lets the caller see where.
func (p pebbleLogger) Fatalf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	p.l.Error(msg)
	panic("pebble: " + msg)
}

// onceDB makes Close idempotent (pebble panics when closed twice) and makes
// reads after Close harmless: CometBFT's per-peer gossip goroutines can wake
// from a sleep after the node stopped and read the block store once more,
// which on a closed pebble DB is a panic that takes the process down. Close
// waits for reads in flight; later reads find nothing.
type onceDB struct {
	dbm.DB
	id     string
	once   sync.Once
	err    error
	mu     sync.RWMutex
	closed bool
}

var errDBClosed = errors.New("database closed")

func (d *onceDB) Get(key []byte) ([]byte, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		return nil, nil
	}
	return d.DB.Get(key)
}

func (d *onceDB) Has(key []byte) (bool, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		return false, nil
	}
	return d.DB.Has(key)
}

func (d *onceDB) Iterator(start, end []byte) (dbm.Iterator, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		return nil, errDBClosed
	}
	return d.DB.Iterator(start, end)
}

func (d *onceDB) ReverseIterator(start, end []byte) (dbm.Iterator, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		return nil, errDBClosed
	}
	return d.DB.ReverseIterator(start, end)
}

// Writes after Close (CometBFT's indexer can still be catching up after a
// burst when the node stops) fail with an error instead of a panic.
func (d *onceDB) Set(key, value []byte) error {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		return errDBClosed
	}
	return d.DB.Set(key, value)
}

func (d *onceDB) SetSync(key, value []byte) error {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		return errDBClosed
	}
	return d.DB.SetSync(key, value)
}

func (d *onceDB) Delete(key []byte) error {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		return errDBClosed
	}
	return d.DB.Delete(key)
}

func (d *onceDB) DeleteSync(key []byte) error {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		return errDBClosed
	}
	return d.DB.DeleteSync(key)
}

func (d *onceDB) NewBatch() dbm.Batch {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return &onceBatch{Batch: d.DB.NewBatch(), db: d}
}

// onceBatch writes only while its DB is open.
type onceBatch struct {
	dbm.Batch
	db *onceDB
}

func (b *onceBatch) Write() error {
	b.db.mu.RLock()
	defer b.db.mu.RUnlock()
	if b.db.closed {
		return errDBClosed
	}
	return b.Batch.Write()
}

func (b *onceBatch) WriteSync() error {
	b.db.mu.RLock()
	defer b.db.mu.RUnlock()
	if b.db.closed {
		return errDBClosed
	}
	return b.Batch.WriteSync()
}

func (d *onceDB) Close() error {
	d.once.Do(func() {
		d.mu.Lock()
		d.closed = true
		d.err = d.DB.Close()
		d.mu.Unlock()
	})
	return d.err
}
