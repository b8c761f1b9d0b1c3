package merklelog

import (
	"bytes"
	"errors"
	"testing"

	"github.com/sealchain/sealchain/chain/merklelog/internal/rfc6962"
)

// outcome is the expected class of a verification result.
type outcome int

const (
	ok outcome = iota
	mismatch
	bad
)

func (o outcome) String() string { return [...]string{"ok", "mismatch", "bad"}[o] }

func classify(err error) (outcome, bool) {
	var rm *RootMismatchError
	switch {
	case err == nil:
		return ok, true
	case errors.As(err, &rm):
		return mismatch, true
	case errors.Is(err, ErrBadProof):
		return bad, true
	}
	return 0, false
}

func checkOutcome(t *testing.T, err error, want outcome) {
	t.Helper()
	got, known := classify(err)
	if !known {
		t.Fatalf("unclassified error %v (want %v)", err, want)
	}
	if got != want {
		t.Errorf("got %v (%v), want %v", got, err, want)
	}
}

// The RFC 6962 index-5 size-8 inclusion proof and the 6->8 consistency proof
// from proof/verify_test.go ([V] in package rfc6962), with mutations in the
// style of its corruptInclusionProof / corruptConsistencyProof.
var (
	incl58 = rfc6962.Inclusion(5, 8)
	cons68 = rfc6962.Consistency(6, 8)
)

func flipped(p [][]byte, i int) [][]byte {
	c := append([][]byte(nil), p...)
	c[i] = bytes.Clone(c[i])
	c[i][0] ^= 8
	return c
}

func TestVerifyInclusionOutcomes(t *testing.T) {
	h := SHA256()
	leaf := h.HashLeaf(rfc6962.Leaves[5])
	root := rfc6962.Roots[8]
	for _, tc := range []struct {
		desc        string
		index, size uint64
		leaf        []byte
		proof       [][]byte
		root        []byte
		want        outcome
	}{
		{"valid", 5, 8, leaf, incl58, root, ok},
		{"index - 1", 4, 8, leaf, incl58, root, mismatch},
		{"index + 1", 6, 8, leaf, incl58, root, mismatch},
		{"index ^ 2", 7, 8, leaf, incl58, root, mismatch},
		{"index == size", 8, 8, leaf, incl58, root, bad},
		{"size * 2", 5, 16, leaf, incl58, root, bad},
		{"size / 2", 5, 4, leaf, incl58, root, bad},
		{"size 0", 0, 0, leaf, nil, h.EmptyRoot(), bad},
		{"wrong leaf", 5, 8, h.HashLeaf([]byte("WrongLeaf")), incl58, root, mismatch},
		{"short leaf hash", 5, 8, leaf[:31], incl58, root, bad},
		{"empty root", 5, 8, leaf, incl58, h.EmptyRoot(), mismatch},
		{"root of size 7", 5, 8, leaf, incl58, rfc6962.Roots[7], mismatch},
		{"short root", 5, 8, leaf, incl58, root[:31], mismatch},
		{"trailing empty", 5, 8, leaf, append(incl58[:3:3], []byte{}), root, bad},
		{"trailing root", 5, 8, leaf, append(incl58[:3:3], root), root, bad},
		{"preceding root", 5, 8, leaf, append([][]byte{root}, incl58...), root, bad},
		{"removed component", 5, 8, leaf, incl58[:2], root, bad},
		{"nil proof", 5, 8, leaf, nil, root, bad},
		{"short element", 5, 8, leaf, [][]byte{incl58[0], incl58[1][:31], incl58[2]}, root, bad},
		{"long element", 5, 8, leaf, [][]byte{incl58[0], append(bytes.Clone(incl58[1]), 0), incl58[2]}, root, bad},
		{"flip proof[0]", 5, 8, leaf, flipped(incl58, 0), root, mismatch},
		{"flip proof[1]", 5, 8, leaf, flipped(incl58, 1), root, mismatch},
		{"flip proof[2]", 5, 8, leaf, flipped(incl58, 2), root, mismatch},
		{"swapped components", 5, 8, leaf, [][]byte{incl58[1], incl58[0], incl58[2]}, root, mismatch},
		{"SM3 hasher on SHA-256 proof", 5, 8, SM3().HashLeaf(rfc6962.Leaves[5]), incl58, root, mismatch},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			hh := h
			if tc.desc == "SM3 hasher on SHA-256 proof" {
				hh = SM3()
			}
			checkOutcome(t, VerifyInclusion(hh, tc.index, tc.size, tc.leaf, tc.proof, tc.root), tc.want)
		})
	}
}

func TestVerifyConsistencyOutcomes(t *testing.T) {
	h := SHA256()
	r6, r8 := rfc6962.Roots[6], rfc6962.Roots[8]
	for _, tc := range []struct {
		desc         string
		size1, size2 uint64
		proof        [][]byte
		root1, root2 []byte
		want         outcome
	}{
		{"valid", 6, 8, cons68, r6, r8, ok},
		{"size1 - 1", 5, 8, cons68, r6, r8, bad},
		{"size1 + 1", 7, 8, cons68, r6, r8, bad},
		{"size1 ^ 2", 4, 8, cons68, r6, r8, bad},
		{"size2 * 2", 6, 16, cons68, r6, r8, bad},
		{"size2 / 2", 6, 4, cons68, r6, r8, bad},
		{"wrong root1", 6, 8, cons68, rfc6962.Roots[5], r8, mismatch},
		{"wrong root2", 6, 8, cons68, r6, rfc6962.Roots[7], mismatch},
		{"swapped roots", 6, 8, cons68, r8, r6, mismatch},
		{"empty proof", 6, 8, [][]byte{}, r6, r8, bad},
		{"trailing root1", 6, 8, append(cons68[:3:3], r6), r6, r8, bad},
		{"preceding proof[0]", 6, 8, append([][]byte{cons68[0]}, cons68...), r6, r8, bad},
		{"truncated proof", 6, 8, cons68[:2], r6, r8, bad},
		{"short element", 6, 8, [][]byte{cons68[0], cons68[1], cons68[2][:31]}, r6, r8, bad},
		{"flip proof[0]", 6, 8, flipped(cons68, 0), r6, r8, mismatch},
		{"flip proof[1]", 6, 8, flipped(cons68, 1), r6, r8, mismatch},
		{"flip proof[2]", 6, 8, flipped(cons68, 2), r6, r8, mismatch},
		{"equal sizes equal roots", 8, 8, nil, r8, r8, ok},
		{"equal sizes different roots", 8, 8, nil, r8, r6, mismatch},
		{"equal sizes non-empty proof", 8, 8, cons68, r8, r8, bad},
		{"from 0", 0, 8, nil, h.EmptyRoot(), r8, ok},
		{"from 0 wrong root1", 0, 8, nil, r6, r8, mismatch},
		{"from 0 non-empty proof", 0, 8, cons68, h.EmptyRoot(), r8, bad},
		{"0 to 0", 0, 0, nil, h.EmptyRoot(), h.EmptyRoot(), ok},
		{"0 to 0 wrong root2", 0, 0, nil, h.EmptyRoot(), r8, mismatch},
		{"size1 > size2", 8, 6, cons68, r8, r6, bad},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			checkOutcome(t, VerifyConsistency(h, tc.size1, tc.size2, tc.proof, tc.root1, tc.root2), tc.want)
		})
	}
}

func TestRootMismatchErrorFields(t *testing.T) {
	h := SHA256()
	err := VerifyInclusion(h, 5, 8, h.HashLeaf(rfc6962.Leaves[5]), incl58, rfc6962.Roots[7])
	var rm *RootMismatchError
	if !errors.As(err, &rm) {
		t.Fatalf("got %v, want *RootMismatchError", err)
	}
	if !bytes.Equal(rm.Expected, rfc6962.Roots[7]) || !bytes.Equal(rm.Calculated, rfc6962.Roots[8]) {
		t.Errorf("fields = {Expected %x, Calculated %x}, want {%x, %x}", rm.Expected, rm.Calculated, rfc6962.Roots[7], rfc6962.Roots[8])
	}
	err = VerifyConsistency(h, 6, 8, cons68, r6Wrong(), rfc6962.Roots[8])
	if !errors.As(err, &rm) || !bytes.Equal(rm.Calculated, rfc6962.Roots[6]) {
		t.Errorf("consistency: got %v, want mismatch calculating root1 %x", err, rfc6962.Roots[6])
	}
}

func r6Wrong() []byte { return flipped([][]byte{rfc6962.Roots[6]}, 0)[0] }
