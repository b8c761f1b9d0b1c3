package rfc6962

import (
	"crypto/sha256"
	"math/bits"

	"github.com/emmansun/gmsm/sm3"
)

// Tree is the RFC 6962 reference tree over a fixed list of leaves, used as a
// test oracle. Subtree hashes are memoised by range.
type Tree struct {
	sum    func([]byte) []byte
	leaves [][]byte // leaf hashes
	memo   map[[2]int][]byte
}

// SM3Sum is the raw SM3 digest of b.
func SM3Sum(b []byte) []byte { s := sm3.Sum(b); return s[:] }

// SHA256Sum is the raw SHA-256 digest of b.
func SHA256Sum(b []byte) []byte { s := sha256.Sum256(b); return s[:] }

// NewTree returns the reference tree over data, hashing with sum.
func NewTree(sum func([]byte) []byte, data [][]byte) *Tree {
	t := &Tree{sum: sum, memo: map[[2]int][]byte{}}
	for _, d := range data {
		t.leaves = append(t.leaves, sum(append([]byte{0x00}, d...)))
	}
	return t
}

// Size is the number of leaves.
func (t *Tree) Size() int { return len(t.leaves) }

// LeafHash is the leaf hash of leaf i.
func (t *Tree) LeafHash(i int) []byte { return t.leaves[i] }

// split returns the largest power of two smaller than n (n > 1).
func split(n int) int { return 1 << (bits.Len(uint(n-1)) - 1) }

// MTH is MTH(D[lo:hi]).
func (t *Tree) MTH(lo, hi int) []byte {
	switch n := hi - lo; n {
	case 0:
		return t.sum(nil)
	case 1:
		return t.leaves[lo]
	default:
		if h, ok := t.memo[[2]int{lo, hi}]; ok {
			return h
		}
		k := split(n)
		b := append([]byte{0x01}, t.MTH(lo, lo+k)...)
		h := t.sum(append(b, t.MTH(lo+k, hi)...))
		t.memo[[2]int{lo, hi}] = h
		return h
	}
}

// Path is PATH(m, D[lo:hi]), the inclusion proof for leaf lo+m.
func (t *Tree) Path(m, lo, hi int) [][]byte {
	n := hi - lo
	if n <= 1 {
		return nil
	}
	k := split(n)
	if m < k {
		return append(t.Path(m, lo, lo+k), t.MTH(lo+k, hi))
	}
	return append(t.Path(m-k, lo+k, hi), t.MTH(lo, lo+k))
}

// Proof is PROOF(m, D[0:n]), the consistency proof from size m to n.
func (t *Tree) Proof(m, n int) [][]byte {
	if m == 0 || m == n {
		return nil
	}
	return t.subproof(m, 0, n, true)
}

func (t *Tree) subproof(m, lo, hi int, b bool) [][]byte {
	n := hi - lo
	if m == n {
		if b {
			return nil
		}
		return [][]byte{t.MTH(lo, hi)}
	}
	k := split(n)
	if m <= k {
		return append(t.subproof(m, lo, lo+k, b), t.MTH(lo+k, hi))
	}
	return append(t.subproof(m-k, lo+k, hi, false), t.MTH(lo, lo+k))
}
