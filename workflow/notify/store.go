package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble"
)

// errStop ends a scan early without an error.
var errStop = errors.New("stop")

// scan calls fn for keys under prefix from lower (nil: the prefix) in
// order, at most limit (0: all).
func scan(ctx context.Context, db *pebble.DB, prefix, lower []byte, limit int, fn func(k, v []byte) error) error {
	if lower == nil {
		lower = prefix
	}
	it, err := db.NewIterWithContext(ctx, &pebble.IterOptions{LowerBound: lower, UpperBound: upperBound(prefix)})
	if err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	n := 0
	for ok := it.First(); ok; ok = it.Next() {
		if err := ctx.Err(); err != nil {
			it.Close()
			return err
		}
		if err := fn(it.Key(), it.Value()); err != nil {
			it.Close()
			if errors.Is(err, errStop) {
				return nil
			}
			return fmt.Errorf("notify: %w", err)
		}
		if n++; limit > 0 && n >= limit {
			break
		}
	}
	if err := it.Close(); err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	return nil
}

// upperBound is the first key after every key with prefix p.
func upperBound(p []byte) []byte {
	u := append([]byte(nil), p...)
	for i := len(u) - 1; i >= 0; i-- {
		if u[i] < 0xff {
			u[i]++
			return u[:i+1]
		}
	}
	return nil
}

func putJSON(db *pebble.DB, k []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	if err := db.Set(k, data, pebble.Sync); err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	return nil
}

func batchJSON(b *pebble.Batch, k []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	return b.Set(k, data, nil)
}

func getJSON(db *pebble.DB, k []byte, v any) error {
	data, closer, err := db.Get(k)
	if errors.Is(err, pebble.ErrNotFound) {
		return fmt.Errorf("%w: %s", ErrNotFound, k)
	}
	if err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	defer closer.Close()
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("notify: decode %s: %w", k, err)
	}
	return nil
}
