package pebblelog

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/sealchain/sealchain/chain/merklelog"
	"github.com/sealchain/sealchain/chain/merklelog/internal/rfc6962"
)

// The published RFC 6962 / Certificate Transparency SHA-256 vectors (package
// rfc6962, whose doc cites [C] and [V]), run through the same Log, storage and
// proof code as SM3, with SHA256().

// rootCase is one expected root for the tree over the first size leaves.
type rootCase struct {
	desc string
	size uint64
	want []byte
}

func rootCases(roots [][]byte) []rootCase {
	var cs []rootCase
	for n, r := range roots {
		cs = append(cs, rootCase{desc: fmt.Sprintf("size %d", n), size: uint64(n), want: r})
	}
	return cs
}

// checkRoots appends leaves one by one (one committed batch each), checking
// Log.Root at every size, then RootAt from storage and after reopening.
func checkRoots(t *testing.T, h *merklelog.Hasher, leaves [][]byte, cases []rootCase) {
	t.Helper()
	db := memDB(t)
	l := openLog(t, db, h)
	live := map[uint64][]byte{0: l.Root()}
	for _, leaf := range leaves {
		appendCommit(t, db, l, leaf)
		live[l.Size()] = l.Root()
	}
	reopened := openLog(t, db, h)
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			if got := live[tc.size]; !bytes.Equal(got, tc.want) {
				t.Errorf("Log.Root at size %d = %x, want %x", tc.size, got, tc.want)
			}
			got, err := RootAt(db, h, testPrefix, tc.size)
			if err != nil {
				t.Fatalf("RootAt(%d): %v", tc.size, err)
			}
			if !bytes.Equal(got, tc.want) {
				t.Errorf("RootAt(%d) = %x, want %x", tc.size, got, tc.want)
			}
		})
	}
	if got, want := reopened.Root(), cases[len(cases)-1].want; !bytes.Equal(got, want) {
		t.Errorf("reopened Root = %x, want %x", got, want)
	}
}

func TestRFC6962Roots(t *testing.T) {
	if got, want := merklelog.SHA256().EmptyRoot(), rfc6962.Roots[0]; !bytes.Equal(got, want) {
		t.Errorf("EmptyRoot = %x, want %x", got, want)
	}
	checkRoots(t, merklelog.SHA256(), rfc6962.Leaves, rootCases(rfc6962.Roots))
}

func TestSM3Roots(t *testing.T) {
	ref := rfc6962.NewTree(rfc6962.SM3Sum, rfc6962.Leaves)
	for n, want := range rfc6962.SM3Roots {
		if got := ref.MTH(0, n); !bytes.Equal(got, want) {
			t.Errorf("reference MTH(size %d) = %x, pinned %x", n, got, want)
		}
	}
	checkRoots(t, merklelog.SM3(), rfc6962.Leaves, rootCases(rfc6962.SM3Roots))
}

// rfcLog returns a store holding the 8-leaf SHA-256 reference tree.
func rfcLog(t *testing.T) Reader {
	t.Helper()
	db := memDB(t)
	appendCommit(t, db, openLog(t, db, merklelog.SHA256()), rfc6962.Leaves...)
	return db
}

func TestRFC6962InclusionProofs(t *testing.T) {
	r := rfcLog(t)
	for _, tc := range rfc6962.InclusionProofs {
		t.Run(tc.Desc, func(t *testing.T) {
			got, err := InclusionProof(r, merklelog.SHA256(), testPrefix, tc.Index, tc.Size)
			if err != nil {
				t.Fatalf("InclusionProof: %v", err)
			}
			if !rfc6962.EqualProofs(got, tc.Proof) {
				t.Errorf("InclusionProof = %x, want %x", got, tc.Proof)
			}
			leafHash := merklelog.SHA256().HashLeaf(rfc6962.Leaves[tc.Index])
			if err := merklelog.VerifyInclusion(merklelog.SHA256(), tc.Index, tc.Size, leafHash, tc.Proof, rfc6962.Roots[tc.Size]); err != nil {
				t.Errorf("VerifyInclusion(published proof): %v", err)
			}
		})
	}
}

func TestRFC6962ConsistencyProofs(t *testing.T) {
	r := rfcLog(t)
	for _, tc := range rfc6962.ConsistencyProofs {
		t.Run(tc.Desc, func(t *testing.T) {
			got, err := ConsistencyProof(r, merklelog.SHA256(), testPrefix, tc.Size1, tc.Size2)
			if err != nil {
				t.Fatalf("ConsistencyProof: %v", err)
			}
			if !rfc6962.EqualProofs(got, tc.Proof) {
				t.Errorf("ConsistencyProof = %x, want %x", got, tc.Proof)
			}
			if err := merklelog.VerifyConsistency(merklelog.SHA256(), tc.Size1, tc.Size2, tc.Proof, rfc6962.Roots[tc.Size1], rfc6962.Roots[tc.Size2]); err != nil {
				t.Errorf("VerifyConsistency(published proof): %v", err)
			}
		})
	}
}
