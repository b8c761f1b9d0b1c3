package pebblelog

import (
	"crypto/sha256"
	"hash"

	"github.com/transparency-dev/merkle/compact"
)

var testPrefix = []byte("test/log/")

// shortHash is a 16-byte hash for hasher-mismatch tests.
func shortHash() hash.Hash { return &truncated{sha256.New()} }

type truncated struct{ hash.Hash }

func (t *truncated) Size() int { return 16 }
func (t *truncated) Sum(b []byte) []byte {
	return append(b, t.Hash.Sum(nil)[:16]...)
}

func nodeID(level uint, index uint64) compact.NodeID { return compact.NewNodeID(level, index) }
