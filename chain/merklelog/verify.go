package merklelog

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/transparency-dev/merkle/proof"
)

// ErrBadProof is wrapped by verification errors for malformed input: a proof
// of the wrong length or with elements of the wrong size, a leaf hash of the
// wrong size, or impossible tree sizes. A well-formed proof that does not
// lead to the expected root returns *RootMismatchError instead.
var ErrBadProof = errors.New("merklelog: malformed proof")

// RootMismatchError reports a well-formed proof that does not lead to the
// expected root.
type RootMismatchError struct {
	Expected   []byte
	Calculated []byte
}

func (e *RootMismatchError) Error() string {
	return fmt.Sprintf("merklelog: calculated root %x does not match expected root %x", e.Calculated, e.Expected)
}

// VerifyInclusion checks that leafHash is the leaf at index in the tree of
// the given size with the given root. Requires index < size. It returns, in
// order of the checks:
//
//	a) ErrBadProof (wrapped) if index >= size, or leafHash or any proof
//	   element is not h.Size() bytes, or the proof has the wrong length;
//	b) *RootMismatchError if the proof leads to a different root.
func VerifyInclusion(h *Hasher, index, size uint64, leafHash []byte, p [][]byte, root []byte) error {
	if err := checkElems(h, p); err != nil {
		return err
	}
	calc, err := proof.RootFromInclusionProof(h, index, size, leafHash, p)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadProof, err)
	}
	return match(calc, root)
}

// VerifyConsistency checks that the tree of size2 with root2 extends the tree
// of size1 with root1. Requires size1 <= size2. It returns, in order of the
// checks:
//
//	a) ErrBadProof (wrapped) if size1 > size2, any proof element is not
//	   h.Size() bytes, or the proof has the wrong length (it must be empty
//	   when size1 is 0 or equals size2);
//	b) *RootMismatchError if size1 is 0 and root1 is not h.EmptyRoot(), if
//	   size1 equals size2 and the roots differ, or if the proof leads to a
//	   root1 or root2 other than the given one (root1 is checked first).
func VerifyConsistency(h *Hasher, size1, size2 uint64, p [][]byte, root1, root2 []byte) error {
	if size1 > size2 {
		return fmt.Errorf("%w: size1 %d > size2 %d", ErrBadProof, size1, size2)
	}
	if err := checkElems(h, p); err != nil {
		return err
	}
	if size1 == 0 {
		// The library accepts any root1 here; the empty tree's root is fixed,
		// so an offline verifier should not.
		if len(p) != 0 {
			return fmt.Errorf("%w: proof from size 0 has %d elements, want 0", ErrBadProof, len(p))
		}
		if err := match(h.EmptyRoot(), root1); err != nil || size2 != 0 {
			return err
		}
		return match(h.EmptyRoot(), root2)
	}
	err := proof.VerifyConsistency(h, size1, size2, p, root1, root2)
	var rm proof.RootMismatchError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &rm):
		return &RootMismatchError{Expected: rm.ExpectedRoot, Calculated: rm.CalculatedRoot}
	default:
		return fmt.Errorf("%w: %v", ErrBadProof, err)
	}
}

func checkElems(h *Hasher, p [][]byte) error {
	for i, e := range p {
		if got, want := len(e), h.Size(); got != want {
			return fmt.Errorf("%w: proof element %d is %d bytes, want %d", ErrBadProof, i, got, want)
		}
	}
	return nil
}

func match(calculated, expected []byte) error {
	if !bytes.Equal(calculated, expected) {
		return &RootMismatchError{Expected: expected, Calculated: calculated}
	}
	return nil
}
