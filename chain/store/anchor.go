package store

import (
	"encoding/binary"
	"fmt"

	"github.com/sealchain/sealchain/chain"
)

// Anchored checkpoints in the state (hashed into the state root, carried by
// snapshots): the app writes them when an anchored record passes its rules.

// State keys: one per anchored height (in height order), and the latest.
var (
	prefixAnchor    = []byte("s/anchor/")
	keyAnchorLatest = []byte("s/anchor-latest")
)

// PutAnchor stages an anchored checkpoint (the app, after its rules held).
func (b *Block) PutAnchor(a *chain.AnchorState) error {
	if err := b.setState(u64key(prefixAnchor, a.Height), chain.EncodeState(a)); err != nil {
		return err
	}
	return b.setState(keyAnchorLatest, u64(a.Height))
}

// LatestAnchor returns the newest anchored height, 0 if none.
func (v View) LatestAnchor() (uint64, error) {
	b, ok, err := get(v.r, keyAnchorLatest)
	if err != nil || !ok {
		return 0, err
	}
	if len(b) != 8 {
		return 0, fmt.Errorf("%w: latest anchor value of %d bytes", ErrCorrupt, len(b))
	}
	return binary.BigEndian.Uint64(b), nil
}

// Anchors lists anchored checkpoints above height after, in height order, at
// most limit of them (0: no limit).
func (v View) Anchors(after uint64, limit int) ([]chain.AnchorState, error) {
	var out []chain.AnchorState
	errStop := fmt.Errorf("stop")
	err := v.scan(prefixAnchor, func(k, val []byte) error {
		if len(k) != len(prefixAnchor)+8 {
			return fmt.Errorf("%w: anchor key %x", ErrCorrupt, k)
		}
		h := binary.BigEndian.Uint64(k[len(prefixAnchor):])
		if h <= after {
			return nil
		}
		var a chain.AnchorState
		if err := chain.DecodeState(val, &a, "anchor"); err != nil {
			return err
		}
		a.Height = h
		out = append(out, a)
		if limit > 0 && len(out) >= limit {
			return errStop
		}
		return nil
	})
	if err == errStop {
		err = nil
	}
	return out, err
}

// AnchorCovering returns the first anchored checkpoint whose log contains the
// record at index (log size above index), false when none does yet.
func (v View) AnchorCovering(index uint64) (chain.AnchorState, bool, error) {
	var found chain.AnchorState
	ok := false
	errStop := fmt.Errorf("stop")
	err := v.scan(prefixAnchor, func(k, val []byte) error {
		var a chain.AnchorState
		if err := chain.DecodeState(val, &a, "anchor"); err != nil {
			return err
		}
		if a.LogSize > index {
			a.Height = binary.BigEndian.Uint64(k[len(prefixAnchor):])
			found, ok = a, true
			return errStop
		}
		return nil
	})
	if err == errStop {
		err = nil
	}
	return found, ok, err
}
