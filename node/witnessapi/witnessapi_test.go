package witnessapi

import (
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/transparency-dev/merkle/testonly"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/merklelog"
	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/evidence/witness"
)

type treeStore struct{ t *testonly.Tree }

func (s treeStore) Last() chain.Checkpoint {
	return chain.Checkpoint{LogSize: s.t.Size(), LogRoot: s.t.Hash()}
}
func (s treeStore) ConsistencyProof(a, b uint64) ([][]byte, error) {
	if a == 0 {
		return nil, nil
	}
	return s.t.ConsistencyProof(a, b)
}

// TestKeepMergeAttach: cosignatures of one size merge, other witnesses'
// and other nodes' are refused, the kept set survives a restart and is
// bounded, and Attach's proof links the bundle's log and the witnessed one
// in either direction.
func TestKeepMergeAttach(t *testing.T) {
	tree := testonly.New(merklelog.SM3())
	add := func(n int) {
		for range n {
			tree.AppendData([]byte(fmt.Sprint("r", tree.Size())))
		}
	}
	add(10)
	const origin = "sealchain/t"
	skey, _, _ := witness.GenerateLogKey(rand.Reader, origin)
	var cos []*witness.Cosigner
	var vkeys []string
	for _, n := range []string{"a.example/w", "b.example/w"} {
		sk, vk, _ := witness.GenerateCosignerKey(rand.Reader, n)
		c, _ := witness.NewCosigner(sk)
		cos, vkeys = append(cos, c), append(vkeys, vk)
	}
	file := filepath.Join(t.TempDir(), "cosigned.json")
	cfg := Config{Store: treeStore{tree}, Origin: origin, SignerKey: skey, Witnesses: vkeys, File: file, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	a, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cosign := func(c *witness.Cosigner) []byte {
		msg, err := a.Signed()
		if err != nil {
			t.Fatal(err)
		}
		text, _, _ := witness.SplitNote(msg)
		l, _ := witness.Cosign(c, text)
		return append(msg, l.String()...)
	}
	if _, _, err := a.Add(cosign(cos[0])); err != nil {
		t.Fatal(err)
	}
	if _, names, err := a.Add(cosign(cos[1])); err != nil || len(names) != 2 {
		t.Fatalf("merge: %v %v", names, err)
	}
	// A stranger's cosignature, and another node's checkpoint.
	sk, _, _ := witness.GenerateCosignerKey(rand.Reader, "c.example/w")
	stranger, _ := witness.NewCosigner(sk)
	if _, _, err := a.Add(cosign(stranger)); err == nil || !strings.Contains(err.Error(), "no valid cosignature") {
		t.Errorf("stranger: %v", err)
	}
	other, _, _ := witness.GenerateLogKey(rand.Reader, origin)
	b, _ := New(Config{Store: treeStore{tree}, Origin: origin, SignerKey: other, Witnesses: vkeys, File: filepath.Join(t.TempDir(), "x"), Logger: cfg.Logger})
	msg, _ := b.Signed()
	text, _, _ := witness.SplitNote(msg)
	l, _ := witness.Cosign(cos[0], text)
	if _, _, err := a.Add(append(msg, l.String()...)); err == nil || !strings.Contains(err.Error(), "this node's key") {
		t.Errorf("other node: %v", err)
	}

	// Restart: the kept checkpoint is back.
	a2, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	best := a2.Best(0)
	if best == nil || strings.Count(string(best), "\n— ") != 3 {
		t.Fatalf("after restart: %q", best)
	}

	// Attach, witnessed size 10: a bundle at 6 (proof 6 -> 10) and at 14
	// (proof 10 -> 14).
	for _, bsize := range []uint64{6, 14} {
		if tree.Size() < bsize {
			add(int(bsize - tree.Size()))
		}
		bd := &evidence.Bundle{Records: []evidence.Record{{Index: 5}}, Checkpoint: evidence.Checkpoint{LogSize: bsize, LogRoot: tree.HashAt(bsize)}}
		if err := a2.Attach(bd); err != nil || bd.Witnessed == nil {
			t.Fatalf("attach at %d: %v", bsize, err)
		}
		lo, hi := min(bsize, 10), max(bsize, 10)
		if err := merklelog.VerifyConsistency(merklelog.SM3(), lo, hi, bd.Witnessed.Consistency, tree.HashAt(lo), tree.HashAt(hi)); err != nil {
			t.Errorf("bundle at %d: %v", bsize, err)
		}
	}
	// A record the witnesses have not seen: nothing attached.
	bd := &evidence.Bundle{Records: []evidence.Record{{Index: 12}}, Checkpoint: evidence.Checkpoint{LogSize: 14, LogRoot: tree.HashAt(14)}}
	if a2.Attach(bd); bd.Witnessed != nil {
		t.Error("attached a checkpoint that does not cover record 12")
	}

	// At most MaxKept sizes.
	for range MaxKept + 3 {
		add(1)
		if _, _, err := a2.Add(cosign(cos[0])); err != nil {
			t.Fatal(err)
		}
	}
	if len(a2.kept) != MaxKept {
		t.Errorf("kept %d, want %d", len(a2.kept), MaxKept)
	}
}
