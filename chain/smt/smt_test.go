package smt

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/emmansun/gmsm/sm3"
)

// refRoot computes the root of the tree holding kv from the definition in
// doc.go, recursively and without storage: the reference Update and Prove
// are held to.
func refRoot(kv map[Key][]byte) Hash {
	keys := make([]Key, 0, len(kv))
	for k := range kv {
		keys = append(keys, k)
	}
	var rec func(keys []Key, d int) Hash
	rec = func(keys []Key, d int) Hash {
		switch len(keys) {
		case 0:
			return Empty
		case 1:
			return LeafHash(&keys[0], kv[keys[0]])
		}
		var l, r []Key
		for _, k := range keys {
			if k.Bit(d) == 0 {
				l = append(l, k)
			} else {
				r = append(r, k)
			}
		}
		lh, rh := rec(l, d+1), rec(r, d+1)
		return NodeHash(&lh, &rh)
	}
	return rec(keys, 0)
}

func keyOf(s string) Key { return Key(sm3.Sum([]byte(s))) }

// keyBits returns a key whose first bits are the given string of 0s and 1s
// and the rest zero.
func keyBits(bits string) Key {
	var k Key
	for i, c := range bits {
		if c == '1' {
			k[i/8] |= 0x80 >> (i % 8)
		}
	}
	return k
}

func mustUpdate(t *testing.T, s NodeStore, v uint64, k Key, val []byte) Hash {
	t.Helper()
	h, err := Update(s, v, &k, val)
	if err != nil {
		t.Fatalf("update %x: %v", k[:4], err)
	}
	return h
}

// TestTree: table-driven shapes (empty, one key, keys diverging at the
// first and at the last bit, a value changed), each checked against the
// reference root, with membership and non-membership proofs for every key
// in it and for keys not in it.
func TestTree(t *testing.T) {
	full := keyOf("a")
	last := full
	last[31] ^= 1 // shares 255 bits with full
	tests := []struct {
		name    string
		updates []struct {
			k Key
			v string
		}
		absent []Key
	}{
		{name: "empty", absent: []Key{keyOf("x"), {}}},
		{name: "one key", updates: []struct {
			k Key
			v string
		}{{keyOf("a"), "issued"}}, absent: []Key{keyOf("b"), {}}},
		{name: "first bit differs", updates: []struct {
			k Key
			v string
		}{{keyBits("0"), "l"}, {keyBits("1"), "r"}}, absent: []Key{keyBits("01"), keyBits("11")}},
		{name: "last bit differs (depth 256)", updates: []struct {
			k Key
			v string
		}{{full, "x"}, {last, "y"}}, absent: []Key{keyOf("b"), func() Key { k := full; k[31] ^= 2; return k }()}},
		{name: "deep shared prefix then a third key", updates: []struct {
			k Key
			v string
		}{{keyBits("0000000001"), "a"}, {keyBits("0000000000"), "b"}, {keyBits("1"), "c"}}, absent: []Key{keyBits("00000000011"), keyBits("01")}},
		{name: "revoked: value changed", updates: []struct {
			k Key
			v string
		}{{keyOf("a"), "issued"}, {keyOf("b"), "issued"}, {keyOf("a"), "revoked at 7"}}, absent: []Key{keyOf("c")}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := NewMemStore()
			kv := map[Key][]byte{}
			root := Empty
			for i, u := range tc.updates {
				root = mustUpdate(t, s, uint64(i+1), u.k, []byte(u.v))
				kv[u.k] = []byte(u.v)
				if want := refRoot(kv); root != want {
					t.Fatalf("after update %d: root %x, reference %x", i, root[:4], want[:4])
				}
			}
			if got, _ := Root(s, uint64(len(tc.updates))); got != root {
				t.Fatalf("Root %x, Update returned %x", got[:4], root[:4])
			}
			for k, v := range kv {
				p, err := Prove(s, uint64(len(tc.updates)), &k)
				if err != nil {
					t.Fatal(err)
				}
				p2, err := DecodeProof(p.Encode())
				if err != nil {
					t.Fatalf("decode own proof: %v", err)
				}
				got, present, err := p2.Verify(root, &k)
				if err != nil || !present || !bytes.Equal(got, v) {
					t.Fatalf("membership of %x: %q %v %v", k[:4], got, present, err)
				}
			}
			for _, k := range tc.absent {
				p, err := Prove(s, uint64(len(tc.updates)), &k)
				if err != nil {
					t.Fatal(err)
				}
				if _, present, err := p.Verify(root, &k); err != nil || present {
					t.Fatalf("non-membership of %x: present %v, %v", k[:4], present, err)
				}
			}
		})
	}
}

// TestRandomAgainstReference inserts and updates random keys over many
// versions, checking the root against the reference after each version,
// and the proofs of every key at an old version against that version's
// root.
func TestRandomAgainstReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	s := NewMemStore()
	kv := map[Key][]byte{}
	var keys []Key
	roots := map[uint64]Hash{0: Empty}
	snaps := map[uint64]map[Key][]byte{0: {}}
	for v := uint64(1); v <= 60; v++ {
		for range rng.IntN(8) {
			var k Key
			if len(keys) > 0 && rng.IntN(3) == 0 {
				k = keys[rng.IntN(len(keys))] // a status change
			} else {
				for i := range k {
					k[i] = byte(rng.Uint32())
				}
				keys = append(keys, k)
			}
			val := []byte(fmt.Sprintf("v%d-%d", v, rng.IntN(1000)))
			mustUpdate(t, s, v, k, val)
			kv[k] = val
		}
		root, _ := Root(s, v)
		if want := refRoot(kv); root != want {
			t.Fatalf("version %d: root %x, reference %x", v, root[:4], want[:4])
		}
		roots[v] = root
		snap := map[Key][]byte{}
		for k, val := range kv {
			snap[k] = val
		}
		snaps[v] = snap
	}
	for _, v := range []uint64{0, 1, 17, 33, 60} {
		for _, k := range keys {
			p, err := Prove(s, v, &k)
			if err != nil {
				t.Fatal(err)
			}
			val, present, err := p.Verify(roots[v], &k)
			want, ok := snaps[v][k]
			if err != nil || present != ok || !bytes.Equal(val, want) {
				t.Fatalf("version %d key %x: %q %v %v, want %q %v", v, k[:4], val, present, err, want, ok)
			}
		}
	}
	t.Logf("%d keys, %d stored node versions", len(keys), s.Len())
}

// TestProofMutations: every byte of every proof, mutated (each single bit
// flipped, and the byte replaced by 0x00 and 0xff), fails to decode or to
// verify; so do truncations and trailing bytes. Membership (with a value),
// non-membership at an empty subtree and at another key's leaf are all
// covered.
func TestProofMutations(t *testing.T) {
	s := NewMemStore()
	kv := map[Key][]byte{}
	for i := range 40 {
		k := keyOf(fmt.Sprint(i))
		kv[k] = []byte(fmt.Sprintf("status %d", i))
		mustUpdate(t, s, 1, k, kv[k])
	}
	root, _ := Root(s, 1)
	cases := map[string]Key{"member": keyOf("7")}
	for i := 100; len(cases) < 3 && i < 10000; i++ {
		k := keyOf(fmt.Sprint(i))
		p, _ := Prove(s, 1, &k)
		if p.Leaf == nil {
			cases["absent at empty"] = k
		} else if _, ok := cases["absent at leaf"]; !ok {
			cases["absent at leaf"] = k
		}
	}
	if len(cases) != 3 {
		t.Fatalf("found only %d proof kinds", len(cases))
	}
	check := func(name string, k Key, enc []byte) {
		t.Helper()
		p, err := DecodeProof(enc)
		if err != nil {
			if !errors.Is(err, ErrBadProof) {
				t.Fatalf("%s: decode error %v is not ErrBadProof", name, err)
			}
			return
		}
		if _, _, err := p.Verify(root, &k); err == nil {
			t.Fatalf("%s: mutated proof %x verifies", name, enc)
		}
	}
	for name, k := range cases {
		p, err := Prove(s, 1, &k)
		if err != nil {
			t.Fatal(err)
		}
		enc := p.Encode()
		if _, _, err := p.Verify(root, &k); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		n := 0
		for i := range enc {
			for _, m := range []func(byte) byte{
				func(b byte) byte { return b ^ 0x01 }, func(b byte) byte { return b ^ 0x02 }, func(b byte) byte { return b ^ 0x04 },
				func(b byte) byte { return b ^ 0x08 }, func(b byte) byte { return b ^ 0x10 }, func(b byte) byte { return b ^ 0x20 },
				func(b byte) byte { return b ^ 0x40 }, func(b byte) byte { return b ^ 0x80 },
				func(byte) byte { return 0x00 }, func(byte) byte { return 0xff },
			} {
				c := bytes.Clone(enc)
				if c[i] = m(c[i]); c[i] == enc[i] {
					continue
				}
				check(fmt.Sprintf("%s byte %d", name, i), k, c)
				n++
			}
		}
		for l := range enc {
			check(fmt.Sprintf("%s truncated to %d", name, l), k, enc[:l])
		}
		check(name+" trailing byte", k, append(bytes.Clone(enc), 0))
		// The proof of one key does not prove another.
		other := keyOf("8")
		check(name+" for another key", other, enc)
		t.Logf("%s: %d bytes, %d siblings, %d mutations all refused", name, len(enc), len(p.Siblings), n)
	}
}

// TestDecodeRefusesNonCanonical: forms that would decode to a valid proof
// under a lenient reader are refused.
func TestDecodeRefusesNonCanonical(t *testing.T) {
	k := keyOf("a")
	leaf := append(append([]byte{0x01}, k[:]...), 0x01, 'x')
	tests := []struct {
		name string
		enc  []byte
	}{
		{"version 2", []byte{0x02, 0, 0, 0}},
		{"depth 257", append([]byte{0x01, 0x01, 0x01}, make([]byte, 34)...)},
		{"unused bitmap bit", []byte{0x01, 0, 1, 0x40, 0x00}},
		{"empty sibling written out", append(append([]byte{0x01, 0, 1, 0x80}, make([]byte, 32)...), 0x00)},
		{"unknown terminal", []byte{0x01, 0, 0, 0x02}},
		{"non-minimal value length", append(append([]byte{0x01, 0, 0, 0x01}, k[:]...), 0x81, 0x00, 'x')},
		{"value beyond the end", append(append(append([]byte{0x01, 0, 0, 0x01}, k[:]...), 0x05), 'x')},
		{"too short", []byte{0x01, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if p, err := DecodeProof(tc.enc); err == nil {
				t.Fatalf("decoded %+v", p)
			}
		})
	}
	ok := append([]byte{0x01, 0, 0}, leaf...)
	if _, err := DecodeProof(ok); err != nil {
		t.Fatalf("the canonical form: %v", err)
	}
}

// TestRootForRefusesOffPathLeaf: a leaf not on the key's path does not
// prove anything about the key.
func TestRootForRefusesOffPathLeaf(t *testing.T) {
	a, b := keyBits("0"), keyBits("1")
	p := &Proof{Siblings: []Hash{{1}}, Leaf: &Leaf{Key: b, Value: []byte("v")}}
	if _, err := p.RootFor(&a); !errors.Is(err, ErrBadProof) {
		t.Fatalf("off-path leaf: %v", err)
	}
}

func BenchmarkUpdate(b *testing.B) {
	s := NewMemStore()
	for i := range 10000 {
		k := keyOf(fmt.Sprint(i))
		if _, err := Update(s, 1, &k, []byte("issued")); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := range b.N {
		k := keyOf(fmt.Sprint("n", i))
		if _, err := Update(s, 2, &k, []byte("issued")); err != nil {
			b.Fatal(err)
		}
	}
}

// TestProofSize logs the encoded proof size of a certificate status value
// (about 50 bytes) in trees of 1,000 and 100,000 random keys (docs).
func TestProofSize(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a tree of 100,000 keys")
	}
	s := NewMemStore()
	value := make([]byte, 50)
	n := 0
	for _, size := range []int{1000, 100000} {
		for ; n < size; n++ {
			k := keyOf(fmt.Sprint(n))
			if _, err := Update(s, 1, &k, value); err != nil {
				t.Fatal(err)
			}
		}
		total, maxLen := 0, 0
		for i := range 200 {
			k := keyOf(fmt.Sprint(i))
			p, err := Prove(s, 1, &k)
			if err != nil {
				t.Fatal(err)
			}
			l := len(p.Encode())
			total += l
			maxLen = max(maxLen, l)
		}
		t.Logf("%d keys: proof %d bytes on average, %d at most", size, total/200, maxLen)
	}
}
