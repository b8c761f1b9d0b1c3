package store_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/smt"
	"github.com/sealchain/sealchain/chain/store"
	"github.com/sealchain/sealchain/internal/fixture"
)

// certTreeStore commits blocks 1..3 tracking the certificate status tree:
// 50 certificates at 1, 50 more at 2, five revoked at 3.
func certTreeStore(t *testing.T) (*store.Store, []chain.Fingerprint) {
	t.Helper()
	s, err := store.Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	var fps []chain.Fingerprint
	for h := int64(1); h <= 3; h++ {
		b := s.NewBlock(h, fixture.Epoch.Add(time.Duration(h)*time.Second))
		if err := b.TrackCertStatus(); err != nil {
			t.Fatal(err)
		}
		for i := range 50 {
			if h == 3 {
				if i < 5 {
					cs := &chain.CertState{DER: []byte{byte(i)}, Org: "court", IssuedIn: uint64(i), RevokedAt: b.Time(), RevokedIn: 1000 + uint64(i)}
					if err := b.PutCert(fps[i], cs); err != nil {
						t.Fatal(err)
					}
				}
				continue
			}
			fp := chain.FingerprintOf([]byte(fmt.Sprint(h, "-", i)))
			fps = append(fps, fp)
			if err := b.PutCert(fp, &chain.CertState{DER: []byte{byte(i)}, Org: "court", IssuedIn: uint64(len(fps))}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := b.Finish(); err != nil {
			t.Fatal(err)
		}
		if err := s.Commit(b); err != nil {
			t.Fatal(err)
		}
	}
	return s, fps
}

func proveStatus(s *store.Store, fp chain.Fingerprint, h int64) (*chain.CertState, error) {
	p, root, err := s.CertStatusProof(fp, h)
	if err != nil {
		return nil, err
	}
	k := chain.CertStatusKey(fp)
	v, ok, err := p.Verify(smt.Hash(root), &k)
	if err != nil || !ok {
		return nil, fmt.Errorf("present %v: %v", ok, err)
	}
	return chain.DecodeCertStatus(v)
}

// TestCertTreeVersions: the store proves every certificate's status at
// every height as it was then (revoked only from height 3).
func TestCertTreeVersions(t *testing.T) {
	s, fps := certTreeStore(t)
	for h := int64(1); h <= 3; h++ {
		for i, fp := range fps {
			cs, err := proveStatus(s, fp, h)
			switch {
			case h == 1 && i >= 50:
				if err == nil {
					t.Fatalf("height 1: certificate %d (issued at 2) proven present", i)
				}
			case err != nil:
				t.Fatalf("height %d certificate %d: %v", h, i, err)
			case cs.Revoked() != (h == 3 && i < 5):
				t.Fatalf("height %d certificate %d: revoked %v", h, i, cs.Revoked())
			}
		}
	}
}

// TestCertTreeSnapshot: a snapshot carries the certificate states, not the
// tree; the import rebuilds the tree at the snapshot's height, so the
// restored store proves from there (not below), and refuses a snapshot
// whose certificate states do not give the checkpoint's cert root.
func TestCertTreeSnapshot(t *testing.T) {
	s, fps := certTreeStore(t)
	ex := exportStore(t, s, 1<<20)
	for _, c := range ex.chunks {
		if bytes.Contains(c, []byte("n/\x00")) {
			t.Fatal("the snapshot carries tree nodes")
		}
	}
	dst, err := store.Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	if err := importInto(t, dst, ex); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(dst.Last().CertRoot, s.Last().CertRoot) {
		t.Fatal("cert root differs after import")
	}
	if cs, err := proveStatus(dst, fps[0], 3); err != nil || !cs.Revoked() {
		t.Fatalf("restored proof at 3: %+v %v", cs, err)
	}
	if _, err := proveStatus(dst, fps[0], 2); !errors.Is(err, store.ErrCorrupt) {
		t.Fatalf("restored proof below the snapshot: %v", err)
	}

	// A certificate state altered in the snapshot (revocation dropped).
	bad := ex
	bad.chunks = append([][]byte(nil), ex.chunks...)
	bad.hashes = append([][]byte(nil), ex.hashes...)
	revoked := chain.EncodeState(&chain.CertState{DER: []byte{0}, Org: "court", IssuedIn: 0, RevokedAt: fixture.Epoch.Add(3 * time.Second), RevokedIn: 1000})
	good := chain.EncodeState(&chain.CertState{DER: []byte{0}, Org: "court", IssuedIn: 0, RevokedAt: fixture.Epoch.Add(3 * time.Second), RevokedIn: 1001})
	found := false
	for i, c := range bad.chunks {
		if j := bytes.Index(c, revoked); j >= 0 && len(good) == len(revoked) {
			c = bytes.Clone(c)
			copy(c[j:], good)
			bad.chunks[i] = c
			sum := sha256.Sum256(c)
			bad.hashes[i] = sum[:]
			found = true
		}
	}
	if !found {
		t.Fatal("revoked state not found in the snapshot")
	}
	other, err := store.Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := importInto(t, other, bad); !errors.Is(err, store.ErrSnapshotInvalid) {
		t.Fatalf("altered certificate state imported: %v", err)
	}
}

// BenchmarkCertTree measures one status update in a block's pebble batch
// over a tree of 10,000 certificates.
func BenchmarkCertTree(b *testing.B) {
	s, err := store.Open(b.TempDir(), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	blk := s.NewBlock(1, fixture.Epoch)
	if err := blk.TrackCertStatus(); err != nil {
		b.Fatal(err)
	}
	for i := range 10000 {
		if err := blk.PutCert(chain.FingerprintOf([]byte(fmt.Sprint(i))), &chain.CertState{Org: "o"}); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := blk.Finish(); err != nil {
		b.Fatal(err)
	}
	if err := s.Commit(blk); err != nil {
		b.Fatal(err)
	}
	blk = s.NewBlock(2, fixture.Epoch)
	b.ResetTimer()
	for i := range b.N {
		if err := blk.PutCert(chain.FingerprintOf([]byte(fmt.Sprint("n", i))), &chain.CertState{Org: "o"}); err != nil {
			b.Fatal(err)
		}
	}
}
