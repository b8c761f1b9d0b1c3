package merklelog

import (
	"bytes"
	"testing"

	"github.com/sealchain/sealchain/chain/merklelog/internal/rfc6962"
)

// fuzzTree is a 16-leaf SM3 tree built by the reference implementation.
var fuzzTree = func() *rfc6962.Tree {
	data := make([][]byte, 16)
	for i := range data {
		data[i] = rfc6962.LeafData(i)
	}
	return rfc6962.NewTree(rfc6962.SM3Sum, data)
}()

// splitProof cuts blob into 32-byte elements; a shorter tail becomes a final
// (malformed) element.
func splitProof(blob []byte) [][]byte {
	var p [][]byte
	for len(blob) > 0 {
		n := min(32, len(blob))
		p = append(p, blob[:n])
		blob = blob[n:]
	}
	return p
}

func joinProof(p [][]byte) []byte { return bytes.Join(p, nil) }

// FuzzVerifyInclusion feeds arbitrary proofs to VerifyInclusion. Invariants:
// it never panics; every error is *RootMismatchError or ErrBadProof; and a
// proof accepted for the true root of the reference tree must be the genuine
// proof for the genuine leaf (otherwise SM3 collided or the verifier is wrong).
func FuzzVerifyInclusion(f *testing.F) {
	t := fuzzTree
	for _, c := range []struct{ index, size uint64 }{{0, 1}, {0, 2}, {5, 8}, {2, 3}, {6, 7}, {15, 16}, {9, 13}} {
		p := t.Path(int(c.index), 0, int(c.size))
		root := t.MTH(0, int(c.size))
		leaf := t.LeafHash(int(c.index))
		f.Add(c.index, c.size, leaf, joinProof(p), root)   // genuine
		f.Add(c.index+1, c.size, leaf, joinProof(p), root) // wrong index
		if len(p) > 0 {
			f.Add(c.index, c.size, leaf, joinProof(p)[1:], root) // misaligned
		}
		f.Add(c.index, c.size, leaf, append(joinProof(p), 0), root) // trailing byte
	}
	f.Add(uint64(0), uint64(0), []byte{}, []byte{}, []byte{})
	f.Add(^uint64(0)-1, ^uint64(0), make([]byte, 32), make([]byte, 64*32), make([]byte, 32))
	f.Add(uint64(1)<<62, uint64(1)<<63, make([]byte, 32), make([]byte, 32), make([]byte, 32))

	h := SM3()
	f.Fuzz(func(tt *testing.T, index, size uint64, leafHash, blob, root []byte) {
		p := splitProof(blob)
		err := VerifyInclusion(h, index, size, leafHash, p, root)
		if _, known := classify(err); !known {
			tt.Fatalf("unclassified error: %v", err)
		}
		if err != nil || size == 0 || size > uint64(t.Size()) || !bytes.Equal(root, t.MTH(0, int(size))) {
			return
		}
		if !bytes.Equal(leafHash, t.LeafHash(int(index))) {
			tt.Fatalf("accepted leaf %x at index %d size %d, genuine %x", leafHash, index, size, t.LeafHash(int(index)))
		}
		if want := t.Path(int(index), 0, int(size)); !rfc6962.EqualProofs(p, want) {
			tt.Fatalf("accepted proof %x at index %d size %d, genuine %x", p, index, size, want)
		}
	})
}

// FuzzVerifyConsistency is the consistency counterpart of FuzzVerifyInclusion.
func FuzzVerifyConsistency(f *testing.F) {
	t := fuzzTree
	for _, c := range []struct{ size1, size2 uint64 }{{1, 2}, {6, 8}, {2, 5}, {6, 7}, {3, 16}, {0, 4}, {8, 8}} {
		p := t.Proof(int(c.size1), int(c.size2))
		r1, r2 := t.MTH(0, int(c.size1)), t.MTH(0, int(c.size2))
		f.Add(c.size1, c.size2, joinProof(p), r1, r2)
		f.Add(c.size1+1, c.size2, joinProof(p), r1, r2)
		f.Add(c.size1, c.size2, joinProof(p), r2, r1)
	}
	f.Add(^uint64(0), ^uint64(0), []byte{1}, []byte{}, []byte{})
	f.Add(uint64(1), ^uint64(0), make([]byte, 64*32), make([]byte, 32), make([]byte, 32))

	h := SM3()
	f.Fuzz(func(tt *testing.T, size1, size2 uint64, blob, root1, root2 []byte) {
		p := splitProof(blob)
		err := VerifyConsistency(h, size1, size2, p, root1, root2)
		if _, known := classify(err); !known {
			tt.Fatalf("unclassified error: %v", err)
		}
		n := uint64(t.Size())
		if err != nil || size2 > n || size1 > size2 ||
			!bytes.Equal(root1, t.MTH(0, int(size1))) || !bytes.Equal(root2, t.MTH(0, int(size2))) {
			return
		}
		if want := t.Proof(int(size1), int(size2)); !rfc6962.EqualProofs(p, want) {
			tt.Fatalf("accepted proof %x for %d -> %d, genuine %x", p, size1, size2, want)
		}
	})
}
