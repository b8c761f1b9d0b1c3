package assemble

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/sealchain/sealchain/chain/store"
	"github.com/sealchain/sealchain/evidence"
)

// anchorsFor finds, for each record index, the first anchored checkpoint
// that covers it (its log contains the record) and whose anchored record is
// inside the bundle's log of size logSize. It returns the bundle anchors
// (each with a consistency proof from the anchored log to logSize) and idx
// extended with the anchored records' indexes, which the bundle carries with
// inclusion proofs like any record.
func anchorsFor(s *store.Store, idx []uint64, logSize uint64) ([]evidence.Anchor, []uint64, error) {
	view := s.View()
	seen := map[uint64]bool{}
	var out []evidence.Anchor
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
		proof, err := s.ConsistencyProof(st.LogSize, logSize)
		if err != nil {
			return nil, nil, fmt.Errorf("anchor at height %d: consistency proof %d → %d: %w", st.Height, st.LogSize, logSize, err)
		}
		out = append(out, evidence.Anchor{RecordIndex: st.RecordIndex, Consistency: proof})
		if !slices.Contains(idx, st.RecordIndex) {
			idx = append(idx, st.RecordIndex)
		}
	}
	slices.Sort(idx)
	slices.SortFunc(out, func(a, b evidence.Anchor) int { return cmp.Compare(a.RecordIndex, b.RecordIndex) })
	return out, idx, nil
}
