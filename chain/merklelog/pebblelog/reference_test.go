package pebblelog

import (
	"math/bits"

	"github.com/emmansun/gmsm/sm3"
)

// refTree is an independent, direct transcription of RFC 6962 section 2.1
// (MTH, PATH, SUBPROOF) used as a test oracle. It hashes with the raw
// function sum and spells out the 0x00/0x01 prefixes itself, sharing no code
// with Hasher, compact or proof. Subtree hashes are memoised by range.
type refTree struct {
	sum    func([]byte) []byte
	leaves [][]byte // leaf hashes
	memo   map[[2]int][]byte
}

func sm3Sum(b []byte) []byte { s := sm3.Sum(b); return s[:] }

func newRefTree(sum func([]byte) []byte, data [][]byte) *refTree {
	t := &refTree{sum: sum, memo: map[[2]int][]byte{}}
	for _, d := range data {
		t.leaves = append(t.leaves, sum(append([]byte{0x00}, d...)))
	}
	return t
}

// split returns the largest power of two smaller than n (n > 1).
func split(n int) int { return 1 << (bits.Len(uint(n-1)) - 1) }

// mth is MTH(D[lo:hi]).
func (t *refTree) mth(lo, hi int) []byte {
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
		b := append([]byte{0x01}, t.mth(lo, lo+k)...)
		h := t.sum(append(b, t.mth(lo+k, hi)...))
		t.memo[[2]int{lo, hi}] = h
		return h
	}
}

// path is PATH(m, D[lo:hi]), the inclusion proof for leaf lo+m.
func (t *refTree) path(m, lo, hi int) [][]byte {
	n := hi - lo
	if n <= 1 {
		return nil
	}
	k := split(n)
	if m < k {
		return append(t.path(m, lo, lo+k), t.mth(lo+k, hi))
	}
	return append(t.path(m-k, lo+k, hi), t.mth(lo, lo+k))
}

// proof is PROOF(m, D[0:n]), the consistency proof from size m to n.
func (t *refTree) proof(m, n int) [][]byte {
	if m == 0 || m == n {
		return nil
	}
	return t.subproof(m, 0, n, true)
}

func (t *refTree) subproof(m, lo, hi int, b bool) [][]byte {
	n := hi - lo
	if m == n {
		if b {
			return nil
		}
		return [][]byte{t.mth(lo, hi)}
	}
	k := split(n)
	if m <= k {
		return append(t.subproof(m, lo, lo+k, b), t.mth(lo+k, hi))
	}
	return append(t.subproof(m-k, lo+k, hi, false), t.mth(lo, lo+k))
}
