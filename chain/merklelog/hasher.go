package merklelog

import (
	"crypto/sha256"
	"hash"

	"github.com/emmansun/gmsm/sm3"
	"github.com/transparency-dev/merkle"
)

// Domain-separation prefixes from RFC 6962 section 2.1.
const (
	LeafHashPrefix = 0x00
	NodeHashPrefix = 0x01
)

var _ merkle.LogHasher = (*Hasher)(nil)

// Hasher is an RFC 6962 log hasher over any hash function: leaves are hashed
// as H(0x00 || leaf) and interior nodes as H(0x01 || left || right). It
// implements merkle.LogHasher and is safe for concurrent use.
type Hasher struct {
	newHash func() hash.Hash
	size    int
	empty   []byte
}

// NewHasher returns an RFC 6962 hasher over the hash function newHash.
func NewHasher(newHash func() hash.Hash) *Hasher {
	h := newHash()
	return &Hasher{newHash: newHash, size: h.Size(), empty: h.Sum(nil)}
}

var (
	sm3Hasher    = NewHasher(sm3.New)
	sha256Hasher = NewHasher(sha256.New)
)

// SM3 returns the hasher Sealchain uses: RFC 6962 over SM3 (GB/T 32905-2016).
func SM3() *Hasher { return sm3Hasher }

// SHA256 returns RFC 6962 over SHA-256. Sealchain uses it only to run the
// published RFC 6962 / Certificate Transparency vectors through the same code.
func SHA256() *Hasher { return sha256Hasher }

// EmptyRoot returns the root of the empty tree, H("").
func (h *Hasher) EmptyRoot() []byte {
	return append([]byte(nil), h.empty...)
}

// HashLeaf returns H(0x00 || leaf).
func (h *Hasher) HashLeaf(leaf []byte) []byte {
	d := h.newHash()
	d.Write([]byte{LeafHashPrefix})
	d.Write(leaf)
	return d.Sum(make([]byte, 0, h.size))
}

// HashChildren returns H(0x01 || l || r).
func (h *Hasher) HashChildren(l, r []byte) []byte {
	d := h.newHash()
	d.Write([]byte{NodeHashPrefix})
	d.Write(l)
	d.Write(r)
	return d.Sum(make([]byte, 0, h.size))
}

// Size returns the length in bytes of every hash the Hasher produces.
func (h *Hasher) Size() int { return h.size }
