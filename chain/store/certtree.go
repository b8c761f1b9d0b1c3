package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"github.com/cockroachdb/pebble"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/smt"
)

// The certificate status tree (chain/certstatus.go) in pebble, from rules
// version 4: every node version under
//
//	n/<depth:2><path:ceil(depth/8)><^version:8>   smt.Node.Encode()
//
// path being the key's first depth bits and version the height that wrote
// the node, bit-inverted so that a position's newest version sorts first. Nodes are never overwritten or deleted, so a proof at any height
// from the tree's first (its activation, or a restored snapshot's height)
// reads the tree as it was, while later blocks commit. The root is in each
// checkpoint (CertRoot), not under s/: the nodes are derived from the s/c/
// certificate states, and a snapshot carries the states, not the nodes
// (Import.Finish rebuilds the tree and checks its root).
var prefixCertTree = []byte("n/")

// ErrNoCertRoot means the checkpoint at a height has no certificate status
// tree: the height ran under rules older than version 4.
var ErrNoCertRoot = errors.New("no certificate status tree at this height (rules version below 4)")

// certTreePos is the key of a position without the version.
func certTreePos(depth int, path *smt.Key) []byte {
	k := make([]byte, 0, len(prefixCertTree)+2+(depth+7)/8+8)
	k = append(k, prefixCertTree...)
	k = binary.BigEndian.AppendUint16(k, uint16(depth))
	return append(k, path[:(depth+7)/8]...)
}

// nodeStore is smt.NodeStore over a pebble reader (the committed
// database, or a batch), read-only. It keeps one iterator over the tree's
// keys for all its reads: Close it when done.
type nodeStore struct {
	r  pebble.Reader
	it *pebble.Iterator
}

func (s *nodeStore) Get(depth int, path *smt.Key, version uint64) (smt.Node, bool, error) {
	if s.it == nil {
		it, err := s.r.NewIter(&pebble.IterOptions{LowerBound: prefixCertTree, UpperBound: prefixEnd(prefixCertTree)})
		if err != nil {
			return smt.Node{}, false, err
		}
		s.it = it
	}
	pos := certTreePos(depth, path)
	// Versions are stored inverted, newest first, so the newest at or below
	// version is the first key at or after pos ‖ ^version: a forward seek,
	// cheaper in pebble than a reverse one.
	if !s.it.SeekGE(binary.BigEndian.AppendUint64(pos, ^version)) || !bytes.HasPrefix(s.it.Key(), pos) {
		return smt.Node{}, false, s.it.Error()
	}
	if len(s.it.Key()) != len(pos)+8 {
		return smt.Node{}, false, fmt.Errorf("certificate tree key %x is corrupt", s.it.Key())
	}
	n, err := smt.DecodeNode(s.it.Value())
	return n, err == nil, err
}

func (s *nodeStore) Put(int, *smt.Key, uint64, *smt.Node) error {
	return errors.New("certificate tree: read-only")
}

// Close releases the iterator.
func (s *nodeStore) Close() error {
	if s.it == nil {
		return nil
	}
	err := s.it.Close()
	s.it = nil
	return err
}

// TrackCertStatus makes the block maintain the certificate status tree and
// commit its root (the app calls it for every block run under rules version
// 4 or later). At the first such height the tree is built from every
// registered certificate, in fingerprint order, before the block's own
// writes; after that each PutCert updates one leaf.
func (b *Block) TrackCertStatus() error {
	if b.certRoot != nil {
		return nil
	}
	root := smt.Empty
	var err error
	ns := b.certNodes()
	var ierr error
	err = b.View.Certs(func(fp chain.Fingerprint, cs *chain.CertState) bool {
		k := chain.CertStatusKey(fp)
		root, ierr = smt.Update(ns, uint64(b.height), &k, chain.CertStatusValue(cs))
		return ierr == nil
	})
	if err == nil {
		err = ierr
	}
	if err != nil {
		return fmt.Errorf("build certificate status tree: %w", err)
	}
	b.certRoot = bytes.Clone(root[:])
	return nil
}

// blockNodes is the tree as a block changes it: the nodes the block wrote,
// in memory, over the stored ones. A block rewrites the upper nodes once
// per update; written to the batch each time they would pile up as
// versions of one key that every later read steps over, so they are
// written once, by flush, when the block finishes.
type blockNodes struct {
	base    nodeStore // the committed tree: the block writes none until flush
	version uint64
	pending map[string]smt.Node
	// read caches the committed nodes the block read: the upper levels are
	// on every path.
	read map[string]readNode
}

type readNode struct {
	n  smt.Node
	ok bool
}

func (s *blockNodes) Get(depth int, path *smt.Key, version uint64) (smt.Node, bool, error) {
	if version != s.version {
		return s.base.Get(depth, path, version)
	}
	pos := string(certTreePos(depth, path))
	if n, ok := s.pending[pos]; ok {
		return n, true, nil
	}
	if r, ok := s.read[pos]; ok {
		return r.n, r.ok, nil
	}
	n, ok, err := s.base.Get(depth, path, version)
	if err == nil {
		s.read[pos] = readNode{n, ok}
	}
	return n, ok, err
}

func (s *blockNodes) Put(depth int, path *smt.Key, version uint64, n *smt.Node) error {
	if version != s.version {
		return fmt.Errorf("certificate tree: write at version %d in block %d", version, s.version)
	}
	s.pending[string(certTreePos(depth, path))] = *n
	return nil
}

// flush writes the pending nodes at the block's version, in key order.
func (s *blockNodes) flush(w interface {
	Set(key, value []byte, _ *pebble.WriteOptions) error
}) error {
	keys := make([]string, 0, len(s.pending))
	for k := range s.pending {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		n := s.pending[k]
		if err := w.Set(binary.BigEndian.AppendUint64([]byte(k), ^s.version), n.Encode(), nil); err != nil {
			return err
		}
	}
	clear(s.pending)
	clear(s.read)
	return s.base.Close()
}

func (b *Block) certNodes() *blockNodes {
	if b.certPending == nil {
		// The committed tree; a block without a store (a snapshot's
		// rebuild) reads its batch, which holds no tree nodes.
		var r pebble.Reader = b.batch
		if b.s != nil {
			r = b.s.db
		}
		b.certPending = &blockNodes{base: nodeStore{r: r}, version: uint64(b.height), pending: map[string]smt.Node{}, read: map[string]readNode{}}
	}
	return b.certPending
}

// flushCertNodes writes the block's tree nodes to its batch.
func (b *Block) flushCertNodes() error {
	if b.certPending == nil {
		return nil
	}
	return b.certPending.flush(b.batch)
}

// updateCertStatus puts a certificate's new state in the tree, when the
// block tracks it.
func (b *Block) updateCertStatus(fp chain.Fingerprint, c *chain.CertState) error {
	if b.certRoot == nil {
		return nil
	}
	k := chain.CertStatusKey(fp)
	root, err := smt.Update(b.certNodes(), uint64(b.height), &k, chain.CertStatusValue(c))
	if err != nil {
		return fmt.Errorf("certificate status tree: %w", err)
	}
	b.certRoot = bytes.Clone(root[:])
	return nil
}

// CertStatusProof proves certificate fp's status (or its absence) in the
// tree as of height, against the checkpoint's CertRoot, which it returns
// too. The proof is checked against the root before it is returned, so a
// node never serves one from an altered store or from below its tree's
// first height (a node restored from a snapshot).
func (s *Store) CertStatusProof(fp chain.Fingerprint, height int64) (*smt.Proof, []byte, error) {
	cp, err := s.View().Checkpoint(height)
	if err != nil {
		return nil, nil, err
	}
	if cp.CertRoot == nil {
		return nil, nil, fmt.Errorf("height %d: %w", height, ErrNoCertRoot)
	}
	k := chain.CertStatusKey(fp)
	ns := &nodeStore{r: s.db}
	defer ns.Close()
	p, err := smt.Prove(ns, uint64(height), &k)
	if err != nil {
		return nil, nil, fmt.Errorf("certificate status proof of %s at %d: %w", fp, height, err)
	}
	if _, _, err := p.Verify(smt.Hash(cp.CertRoot), &k); err != nil {
		return nil, nil, fmt.Errorf("%w: certificate status tree at height %d does not give the checkpoint's root (%v); a node restored from a snapshot proves only from its snapshot's height", ErrCorrupt, height, err)
	}
	return p, cp.CertRoot, nil
}
