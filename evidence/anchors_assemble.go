//go:build !js

package evidence

import (
	"fmt"
	"slices"

	"github.com/sealchain/sealchain/chain"
)

// anchorsFor finds, for each record index, the first anchored checkpoint
// that covers it (its log contains the record) and whose anchored record is
// inside the bundle's log of size logSize. It returns the bundle anchors
// (each with a consistency proof from the anchored log to logSize) and idx
// extended with the anchored records' indexes, which the bundle carries with
// inclusion proofs like any record.
func anchorsFor(store *chain.Store, idx []uint64, logSize uint64) ([]Anchor, []uint64, error) {
	view := store.View()
	seen := map[uint64]bool{}
	var out []Anchor
	for _, i := range idx {
		if i >= logSize {
			continue
		}
		st, ok, err := view.AnchorCovering(i)
		if err != nil {
			return nil, nil, err
		}
		if !ok || st.RecordIndex >= logSize || seen[st.Height] {
			continue
		}
		seen[st.Height] = true
		proof, err := store.ConsistencyProof(st.LogSize, logSize)
		if err != nil {
			return nil, nil, fmt.Errorf("anchor at height %d: consistency proof %d → %d: %w", st.Height, st.LogSize, logSize, err)
		}
		out = append(out, Anchor{RecordIndex: st.RecordIndex, Consistency: proof})
		if !slices.Contains(idx, st.RecordIndex) {
			idx = append(idx, st.RecordIndex)
		}
	}
	slices.Sort(idx)
	slices.SortFunc(out, func(a, b Anchor) int { return cmpU64(a.RecordIndex, b.RecordIndex) })
	return out, idx, nil
}
