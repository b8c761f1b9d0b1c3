package merklelog

import (
	"bytes"
	"crypto/sha256"
	"testing"

	"github.com/emmansun/gmsm/sm3"
	"github.com/sealchain/sealchain/chain/merklelog/internal/rfc6962"
)

func TestHasherDefinition(t *testing.T) {
	l := bytes.Repeat([]byte{0xaa}, 32)
	r := bytes.Repeat([]byte{0xbb}, 32)
	for _, tc := range []struct {
		desc string
		got  []byte
		want []byte
	}{
		{"SM3 empty root = SM3()", SM3().EmptyRoot(), rfc6962.SM3Sum(nil)},
		{"SM3 leaf = SM3(00||x)", SM3().HashLeaf([]byte("abc")), rfc6962.SM3Sum([]byte("\x00abc"))},
		{"SM3 node = SM3(01||l||r)", SM3().HashChildren(l, r), rfc6962.SM3Sum(append(append([]byte{1}, l...), r...))},
		{"SHA256 leaf = SHA256(00||x)", SHA256().HashLeaf([]byte("abc")), rfc6962.SHA256Sum([]byte("\x00abc"))},
		{"SHA256 node = SHA256(01||l||r)", SHA256().HashChildren(l, r), rfc6962.SHA256Sum(append(append([]byte{1}, l...), r...))},
		// SM3("abc") from GB/T 32905-2016 Appendix A.1, to pin the hash itself.
		{"SM3 abc test vector", rfc6962.SM3Sum([]byte("abc")), rfc6962.MustHex("66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0")},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			if !bytes.Equal(tc.got, tc.want) {
				t.Errorf("got %x, want %x", tc.got, tc.want)
			}
		})
	}
	for _, tc := range []struct {
		desc string
		h    *Hasher
		size int
	}{
		{"SM3", SM3(), sm3.Size},
		{"SHA256", SHA256(), sha256.Size},
		{"NewHasher(sm3.New)", NewHasher(sm3.New), sm3.Size},
	} {
		if got := tc.h.Size(); got != tc.size {
			t.Errorf("%s: Size = %d, want %d", tc.desc, got, tc.size)
		}
		if got := len(tc.h.HashLeaf(nil)); got != tc.size {
			t.Errorf("%s: len(HashLeaf) = %d, want %d", tc.desc, got, tc.size)
		}
	}
	// EmptyRoot must hand out a copy.
	e := SM3().EmptyRoot()
	e[0] ^= 0xff
	if bytes.Equal(e, SM3().EmptyRoot()) {
		t.Error("EmptyRoot returned shared storage")
	}
}

// TestSecondPreimage checks domain separation: a leaf whose content is the
// concatenation of two child hashes does not hash like the interior node of
// those children, so an interior node cannot be passed off as a leaf.
func TestSecondPreimage(t *testing.T) {
	for _, h := range []*Hasher{SM3(), SHA256()} {
		l, r := h.HashLeaf([]byte("left")), h.HashLeaf([]byte("right"))
		x := append(bytes.Clone(l), r...)
		node := h.HashChildren(l, r)
		if leaf := h.HashLeaf(x); bytes.Equal(leaf, node) {
			t.Errorf("size %d: HashLeaf(l||r) == HashChildren(l, r) = %x", h.Size(), leaf)
		}
		raw := h.newHash()
		raw.Write(x)
		if bytes.Equal(raw.Sum(nil), node) {
			t.Errorf("size %d: H(l||r) == HashChildren(l, r)", h.Size())
		}
		// So the one-leaf tree over x and the two-leaf tree over (left,
		// right) have different roots: pebblelog's TestSecondPreimageRoots
		// checks it through a stored log.
	}
}

func TestChildOrder(t *testing.T) {
	h := SM3()
	a, b := h.HashLeaf([]byte("a")), h.HashLeaf([]byte("b"))
	if bytes.Equal(h.HashChildren(a, b), h.HashChildren(b, a)) {
		t.Error("HashChildren(a, b) == HashChildren(b, a)")
	}
}
