package pebblelog

import (
	"fmt"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"

	"github.com/sealchain/sealchain/chain/merklelog"
)

// The functions below read a committed store. They are safe for concurrent
// use with a Log that appends (and commits) later sizes, because stored nodes
// are immutable and every node they read lies inside a size already stored.

// RootAt returns the root hash of the tree of the given size stored under
// prefix. It reads O(log n) keys. A size beyond the stored size wraps
// ErrNotFound.
func RootAt(r Reader, h *merklelog.Hasher, prefix []byte, size uint64) ([]byte, error) {
	if err := checkSize(r, prefix, size); err != nil {
		return nil, err
	}
	if size == 0 {
		return h.EmptyRoot(), nil
	}
	hashes, err := readNodes(r, h, prefix, compact.RangeNodes(0, size, nil))
	if err != nil {
		return nil, fmt.Errorf("merklelog: root at size %d: %w", size, err)
	}
	rf := &compact.RangeFactory{Hash: h.HashChildren}
	rng, err := rf.NewRange(0, size, hashes)
	if err != nil {
		return nil, fmt.Errorf("merklelog: root at size %d: %v: %w", size, err, ErrCorrupt)
	}
	return rng.GetRootHash(nil)
}

// InclusionProof returns the RFC 6962 inclusion proof (audit path) for the
// leaf at index in the tree of the given size. Requires index < size <= the
// stored size; otherwise the error wraps ErrNotFound.
func InclusionProof(r Reader, h *merklelog.Hasher, prefix []byte, index, size uint64) ([][]byte, error) {
	if index >= size {
		return nil, fmt.Errorf("merklelog: leaf index %d out of range for tree size %d: %w", index, size, ErrNotFound)
	}
	if err := checkSize(r, prefix, size); err != nil {
		return nil, err
	}
	nodes, err := proof.Inclusion(index, size)
	if err != nil {
		return nil, fmt.Errorf("merklelog: inclusion proof for leaf %d at size %d: %v", index, size, err)
	}
	return rehash(r, h, prefix, nodes)
}

// ConsistencyProof returns the RFC 6962 consistency proof between the trees
// of size1 and size2. Requires size1 <= size2 <= the stored size. The proof
// is empty when size1 is 0 or equal to size2.
func ConsistencyProof(r Reader, h *merklelog.Hasher, prefix []byte, size1, size2 uint64) ([][]byte, error) {
	if size1 > size2 {
		return nil, fmt.Errorf("merklelog: consistency proof from size %d to smaller size %d", size1, size2)
	}
	if err := checkSize(r, prefix, size2); err != nil {
		return nil, err
	}
	nodes, err := proof.Consistency(size1, size2)
	if err != nil {
		return nil, fmt.Errorf("merklelog: consistency proof %d -> %d: %v", size1, size2, err)
	}
	return rehash(r, h, prefix, nodes)
}

// LeafHashAt returns the stored hash of the leaf at index. An index at or
// beyond the stored size wraps ErrNotFound.
func LeafHashAt(r Reader, prefix []byte, index uint64) ([]byte, error) {
	size, err := readSize(r, prefix)
	if err != nil {
		return nil, err
	}
	if index >= size {
		return nil, fmt.Errorf("merklelog: leaf index %d out of range for stored size %d: %w", index, size, ErrNotFound)
	}
	hashes, err := readNodes(r, nil, prefix, []compact.NodeID{compact.NewNodeID(0, index)})
	if err != nil {
		return nil, fmt.Errorf("merklelog: leaf %d: %w", index, err)
	}
	return hashes[0], nil
}

// checkSize fails, wrapping ErrNotFound, if size exceeds the stored size.
func checkSize(r Reader, prefix []byte, size uint64) error {
	stored, err := readSize(r, prefix)
	if err != nil {
		return err
	}
	if size > stored {
		return fmt.Errorf("merklelog: tree size %d beyond stored size %d: %w", size, stored, ErrNotFound)
	}
	return nil
}

// rehash reads the nodes a proof needs and folds the ephemeral node, if any.
func rehash(r Reader, h *merklelog.Hasher, prefix []byte, nodes proof.Nodes) ([][]byte, error) {
	hashes, err := readNodes(r, h, prefix, nodes.IDs)
	if err != nil {
		return nil, fmt.Errorf("merklelog: read proof nodes: %w", err)
	}
	p, err := nodes.Rehash(hashes, h.HashChildren)
	if err != nil {
		return nil, fmt.Errorf("merklelog: rehash proof: %v: %w", err, ErrCorrupt)
	}
	return p, nil
}
