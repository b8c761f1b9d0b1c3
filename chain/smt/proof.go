package smt

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// ProofVersion is the first byte of an encoded proof.
const ProofVersion = 0x01

// MaxProofBytes bounds an encoded proof: the header, a full bitmap, 256
// siblings and the largest leaf.
const MaxProofBytes = 1 + 2 + Depth/8 + Depth*32 + 1 + 32 + binary.MaxVarintLen64 + MaxValueBytes

// Leaf is a proof's terminal leaf.
type Leaf struct {
	Key   Key
	Value []byte
}

// Proof is the path of one key: the siblings from the root down (Empty for
// an empty sibling), then the leaf the path ends at, or nil when it ends at
// an empty subtree.
type Proof struct {
	Siblings []Hash
	Leaf     *Leaf
}

// ErrBadProof means a proof is malformed or does not lead to the root.
var ErrBadProof = errors.New("smt: bad proof")

// RootMismatchError is Verify's error when a well-formed proof leads to
// another root.
type RootMismatchError struct {
	ExpectedRoot, CalculatedRoot Hash
}

func (e *RootMismatchError) Error() string {
	return fmt.Sprintf("smt: proof leads to root %x, want %x", e.CalculatedRoot[:], e.ExpectedRoot[:])
}

// Unwrap makes a mismatch an ErrBadProof too.
func (e *RootMismatchError) Unwrap() error { return ErrBadProof }

// RootFor folds the proof for key back to a root. It checks the proof's
// shape: at most Depth siblings, and a terminal leaf on key's path (its key
// shares key's first len(Siblings) bits).
func (p *Proof) RootFor(key *Key) (Hash, error) {
	depth := len(p.Siblings)
	if depth > Depth {
		return Empty, fmt.Errorf("%w: %d siblings, at most %d", ErrBadProof, depth, Depth)
	}
	h := Empty
	if p.Leaf != nil {
		if len(p.Leaf.Value) > MaxValueBytes {
			return Empty, fmt.Errorf("%w: leaf value of %d bytes", ErrBadProof, len(p.Leaf.Value))
		}
		if p.Leaf.Key.Prefix(depth) != key.Prefix(depth) {
			return Empty, fmt.Errorf("%w: the leaf at depth %d is not on the key's path", ErrBadProof, depth)
		}
		if p.Leaf.Key != *key && depth == Depth {
			return Empty, fmt.Errorf("%w: another key's leaf at full depth", ErrBadProof)
		}
		h = LeafHash(&p.Leaf.Key, p.Leaf.Value)
	}
	for i := depth - 1; i >= 0; i-- {
		if key.Bit(i) == 0 {
			h = NodeHash(&h, &p.Siblings[i])
		} else {
			h = NodeHash(&p.Siblings[i], &h)
		}
	}
	return h, nil
}

// Verify checks the proof for key against root and returns key's value
// and whether key is in the tree (present false: no leaf for key).
func (p *Proof) Verify(root Hash, key *Key) (value []byte, present bool, err error) {
	got, err := p.RootFor(key)
	if err != nil {
		return nil, false, err
	}
	if got != root {
		return nil, false, &RootMismatchError{ExpectedRoot: root, CalculatedRoot: got}
	}
	if p.Leaf != nil && p.Leaf.Key == *key {
		return p.Leaf.Value, true, nil
	}
	return nil, false, nil
}

// Encode is the proof's canonical binary form:
//
//	0x01                        version
//	uint16 big-endian           depth: the number of siblings, 0..256
//	ceil(depth/8) bytes         bitmap, most significant bit first: bit i set
//	                            when sibling i is not empty; unused bits zero
//	32 bytes per set bit        the non-empty siblings, root first
//	0x00                        the path ends at an empty subtree, or
//	0x01 ‖ key (32) ‖ uvarint(len value) ‖ value
//	                            the path ends at a leaf
func (p *Proof) Encode() []byte {
	depth := len(p.Siblings)
	out := make([]byte, 0, 3+(depth+7)/8+32*depth+1)
	out = append(out, ProofVersion, byte(depth>>8), byte(depth))
	bitmap := make([]byte, (depth+7)/8)
	for i, s := range p.Siblings {
		if s != Empty {
			bitmap[i/8] |= 0x80 >> (i % 8)
		}
	}
	out = append(out, bitmap...)
	for _, s := range p.Siblings {
		if s != Empty {
			out = append(out, s[:]...)
		}
	}
	if p.Leaf == nil {
		return append(out, 0x00)
	}
	out = append(out, 0x01)
	out = append(out, p.Leaf.Key[:]...)
	out = binary.AppendUvarint(out, uint64(len(p.Leaf.Value)))
	return append(out, p.Leaf.Value...)
}

// DecodeProof reads Encode's form, refusing any other: another version, a
// depth above 256, set unused bitmap bits, an all-zero sibling written out,
// an unknown terminal, a non-minimal or oversized value length, and
// trailing bytes.
func DecodeProof(b []byte) (*Proof, error) {
	bad := func(format string, args ...any) (*Proof, error) {
		return nil, fmt.Errorf("%w: %s", ErrBadProof, fmt.Sprintf(format, args...))
	}
	if len(b) > MaxProofBytes {
		return bad("%d bytes, at most %d", len(b), MaxProofBytes)
	}
	if len(b) < 4 {
		return bad("%d bytes is too short", len(b))
	}
	if b[0] != ProofVersion {
		return bad("version %d, want %d", b[0], ProofVersion)
	}
	depth := int(b[1])<<8 | int(b[2])
	if depth > Depth {
		return bad("depth %d, at most %d", depth, Depth)
	}
	b = b[3:]
	nb := (depth + 7) / 8
	if len(b) < nb {
		return bad("truncated bitmap")
	}
	bitmap := b[:nb]
	b = b[nb:]
	if depth%8 != 0 && bitmap[nb-1]&(0xff>>(depth%8)) != 0 {
		return bad("bitmap bits beyond depth %d are set", depth)
	}
	p := &Proof{Siblings: make([]Hash, depth)}
	for i := range depth {
		if bitmap[i/8]&(0x80>>(i%8)) == 0 {
			continue
		}
		if len(b) < 32 {
			return bad("truncated sibling %d", i)
		}
		copy(p.Siblings[i][:], b[:32])
		b = b[32:]
		if p.Siblings[i] == Empty {
			return bad("sibling %d is empty but written out", i)
		}
	}
	if len(b) == 0 {
		return bad("missing terminal")
	}
	switch b[0] {
	case 0x00:
		b = b[1:]
	case 0x01:
		b = b[1:]
		if len(b) < 32 {
			return bad("truncated leaf key")
		}
		l := &Leaf{}
		copy(l.Key[:], b[:32])
		b = b[32:]
		n, k := binary.Uvarint(b)
		if k <= 0 || k != len(binary.AppendUvarint(nil, n)) {
			return bad("bad leaf value length")
		}
		b = b[k:]
		if n > MaxValueBytes || n > uint64(len(b)) {
			return bad("leaf value of %d bytes (%d left, at most %d)", n, len(b), MaxValueBytes)
		}
		l.Value = bytes.Clone(b[:n])
		b = b[n:]
		p.Leaf = l
	default:
		return bad("terminal %#x, want 0x00 (empty) or 0x01 (leaf)", b[0])
	}
	if len(b) != 0 {
		return bad("%d trailing bytes", len(b))
	}
	return p, nil
}
