package smt

import "sort"

// MemStore is an in-memory NodeStore, for tests and for verifiers that
// rebuild a small tree. It keeps every version of every position.
type MemStore struct {
	nodes map[memPos][]memVersion
}

type memPos struct {
	depth int
	path  Key
}

type memVersion struct {
	version uint64
	node    Node
}

// NewMemStore returns an empty tree.
func NewMemStore() *MemStore { return &MemStore{nodes: map[memPos][]memVersion{}} }

// Get implements NodeStore.
func (m *MemStore) Get(depth int, path *Key, version uint64) (Node, bool, error) {
	vs := m.nodes[memPos{depth, *path}]
	i := sort.Search(len(vs), func(i int) bool { return vs[i].version > version })
	if i == 0 {
		return Node{}, false, nil
	}
	return vs[i-1].node, true, nil
}

// Put implements NodeStore; a write at a version already stored replaces it.
func (m *MemStore) Put(depth int, path *Key, version uint64, n *Node) error {
	pos := memPos{depth, *path}
	vs := m.nodes[pos]
	c := *n
	c.Value = append([]byte(nil), n.Value...)
	i := sort.Search(len(vs), func(i int) bool { return vs[i].version > version })
	if i > 0 && vs[i-1].version == version {
		vs[i-1].node = c
		return nil
	}
	vs = append(vs, memVersion{})
	copy(vs[i+1:], vs[i:])
	vs[i] = memVersion{version, c}
	m.nodes[pos] = vs
	return nil
}

// Len is the number of stored node versions.
func (m *MemStore) Len() int {
	n := 0
	for _, vs := range m.nodes {
		n += len(vs)
	}
	return n
}
