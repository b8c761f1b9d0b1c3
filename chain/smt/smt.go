package smt

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/emmansun/gmsm/sm3"
)

// Domain-separation prefixes of the two node kinds (as in RFC 6962).
const (
	LeafPrefix = 0x00
	NodePrefix = 0x01
)

// Depth is the number of key bits: the deepest a leaf can sit.
const Depth = 256

// MaxValueBytes bounds a leaf's value, in the tree and in a proof.
const MaxValueBytes = 1024

// Hash is a node hash (SM3).
type Hash [32]byte

// Key is a leaf's 256-bit key.
type Key [32]byte

// Empty is the hash of an empty subtree, and the root of the empty tree.
var Empty Hash

// Bit returns bit d of k (0 is the most significant bit of k[0]).
func (k *Key) Bit(d int) int { return int(k[d/8]>>(7-d%8)) & 1 }

// Prefix returns k with every bit from d on cleared: the position of k's
// path at depth d.
func (k *Key) Prefix(d int) Key {
	var p Key
	copy(p[:], k[:d/8])
	if d%8 != 0 && d < Depth {
		p[d/8] = k[d/8] & (0xff << (8 - d%8))
	}
	return p
}

// LeafHash is SM3(0x00 ‖ key ‖ value).
func LeafHash(key *Key, value []byte) Hash {
	h := sm3.New()
	h.Write([]byte{LeafPrefix})
	h.Write(key[:])
	h.Write(value)
	var out Hash
	h.Sum(out[:0])
	return out
}

// NodeHash is SM3(0x01 ‖ left ‖ right).
func NodeHash(left, right *Hash) Hash {
	var buf [1 + 64]byte
	buf[0] = NodePrefix
	copy(buf[1:], left[:])
	copy(buf[33:], right[:])
	return sm3.Sum(buf[:])
}

// Node is a stored node: a leaf (Key, Value) or an inner node (Left, Right
// child hashes; Empty for an empty child).
type Node struct {
	Leaf        bool
	Key         Key
	Value       []byte
	Left, Right Hash
}

// Hash is the node's hash.
func (n *Node) Hash() Hash {
	if n.Leaf {
		return LeafHash(&n.Key, n.Value)
	}
	return NodeHash(&n.Left, &n.Right)
}

// Encode is the node's stored form: 0x00 ‖ key ‖ value for a leaf,
// 0x01 ‖ left ‖ right for an inner node.
func (n *Node) Encode() []byte {
	if n.Leaf {
		return append(append([]byte{LeafPrefix}, n.Key[:]...), n.Value...)
	}
	return append(append([]byte{NodePrefix}, n.Left[:]...), n.Right[:]...)
}

// DecodeNode reads a node's stored form.
func DecodeNode(b []byte) (Node, error) {
	var n Node
	switch {
	case len(b) >= 33 && b[0] == LeafPrefix && len(b)-33 <= MaxValueBytes:
		n.Leaf = true
		copy(n.Key[:], b[1:33])
		n.Value = bytes.Clone(b[33:])
	case len(b) == 65 && b[0] == NodePrefix:
		copy(n.Left[:], b[1:33])
		copy(n.Right[:], b[33:])
	default:
		return n, fmt.Errorf("smt: stored node of %d bytes is corrupt", len(b))
	}
	return n, nil
}

// NodeStore reads and writes nodes by position and version. path is the
// key's first depth bits (Key.Prefix). Get returns the node written at that
// position with the highest version at or below version, ok false if none.
// A position, once written, is never empty again: certificates are never
// removed from the tree, so the tree has no delete.
type NodeStore interface {
	Get(depth int, path *Key, version uint64) (n Node, ok bool, err error)
	Put(depth int, path *Key, version uint64, n *Node) error
}

// Root returns the tree's root hash as of version.
func Root(s NodeStore, version uint64) (Hash, error) {
	var zero Key
	n, ok, err := s.Get(0, &zero, version)
	if err != nil || !ok {
		return Empty, err
	}
	return n.Hash(), nil
}

// ErrCorrupt means the stored nodes do not form a tree.
var ErrCorrupt = errors.New("smt: stored tree is corrupt")

// Update sets key's value as of version (the version's earlier writes are
// visible through s) and returns the new root. It reads the nodes on key's
// path, then writes the changed ones at version: O(depth) reads, writes and
// hashes.
func Update(s NodeStore, version uint64, key *Key, value []byte) (Hash, error) {
	if len(value) > MaxValueBytes {
		return Empty, fmt.Errorf("smt: value of %d bytes exceeds %d", len(value), MaxValueBytes)
	}
	var path []Node // inner nodes from the root down
	d := 0
	var h Hash // the new subtree hash at depth d, once known
	for {
		if d > Depth {
			return Empty, fmt.Errorf("%w: path of %x deeper than %d", ErrCorrupt, key[:], Depth)
		}
		p := key.Prefix(d)
		n, ok, err := s.Get(d, &p, version)
		if err != nil {
			return Empty, err
		}
		if ok && !n.Leaf {
			path = append(path, n)
			d++
			continue
		}
		leaf := Node{Leaf: true, Key: *key, Value: bytes.Clone(value)}
		if !ok || n.Key == *key {
			// An empty position, or key's own leaf: the leaf goes here.
			if err := s.Put(d, &p, version, &leaf); err != nil {
				return Empty, err
			}
			h = leaf.Hash()
			break
		}
		// Another key's leaf: both move down to the depth below their
		// first differing bit, with inner nodes over the shared bits.
		other := n
		b := firstDiff(key, &other.Key)
		if b < d {
			return Empty, fmt.Errorf("%w: leaf %x at depth %d is off its path", ErrCorrupt, other.Key[:], d)
		}
		po, pk := other.Key.Prefix(b+1), key.Prefix(b+1)
		if err := s.Put(b+1, &po, version, &other); err != nil {
			return Empty, err
		}
		if err := s.Put(b+1, &pk, version, &leaf); err != nil {
			return Empty, err
		}
		ho, hk := other.Hash(), leaf.Hash()
		split := Node{}
		if key.Bit(b) == 0 {
			split.Left, split.Right = hk, ho
		} else {
			split.Left, split.Right = ho, hk
		}
		pb := key.Prefix(b)
		if err := s.Put(b, &pb, version, &split); err != nil {
			return Empty, err
		}
		h = split.Hash()
		for i := b - 1; i >= d; i-- {
			var in Node
			if key.Bit(i) == 0 {
				in.Left = h
			} else {
				in.Right = h
			}
			pi := key.Prefix(i)
			if err := s.Put(i, &pi, version, &in); err != nil {
				return Empty, err
			}
			h = in.Hash()
		}
		break
	}
	for i := len(path) - 1; i >= 0; i-- {
		n := path[i]
		if key.Bit(i) == 0 {
			n.Left = h
		} else {
			n.Right = h
		}
		pi := key.Prefix(i)
		if err := s.Put(i, &pi, version, &n); err != nil {
			return Empty, err
		}
		h = n.Hash()
	}
	return h, nil
}

// Prove returns the proof for key in the tree as of version.
func Prove(s NodeStore, version uint64, key *Key) (*Proof, error) {
	p := &Proof{}
	for d := 0; d <= Depth; d++ {
		pos := key.Prefix(d)
		n, ok, err := s.Get(d, &pos, version)
		if err != nil {
			return nil, err
		}
		if !ok {
			return p, nil
		}
		if n.Leaf {
			p.Leaf = &Leaf{Key: n.Key, Value: n.Value}
			return p, nil
		}
		if key.Bit(d) == 0 {
			p.Siblings = append(p.Siblings, n.Right)
		} else {
			p.Siblings = append(p.Siblings, n.Left)
		}
	}
	return nil, fmt.Errorf("%w: path of %x deeper than %d", ErrCorrupt, key[:], Depth)
}

// firstDiff is the first bit at which a and b differ; a != b.
func firstDiff(a, b *Key) int {
	for i := range a {
		if x := a[i] ^ b[i]; x != 0 {
			d := i * 8
			for x&0x80 == 0 {
				x <<= 1
				d++
			}
			return d
		}
	}
	return Depth
}
