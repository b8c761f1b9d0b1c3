package app

import (
	"bytes"
	"context"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/smt"
	"github.com/sealchain/sealchain/chain/store"
	"github.com/sealchain/sealchain/internal/fixture"
	"github.com/sealchain/sealchain/signer"
)

// referenceCertRoot rebuilds the certificate status tree from the
// committed certificate states, in memory: what the app hash must commit.
func referenceCertRoot(t *testing.T, view store.View) []byte {
	t.Helper()
	ms := smt.NewMemStore()
	root := smt.Empty
	err := view.Certs(func(fp chain.Fingerprint, cs *chain.CertState) bool {
		k := chain.CertStatusKey(fp)
		var err error
		if root, err = smt.Update(ms, 1, &k, chain.CertStatusValue(cs)); err != nil {
			t.Fatal(err)
		}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	return root[:]
}

// certStatusAt proves fp's status at height from the store and decodes it
// (nil: not registered).
func certStatusAt(t *testing.T, st *store.Store, fp chain.Fingerprint, height int64) *chain.CertState {
	t.Helper()
	p, root, err := st.CertStatusProof(fp, height)
	if err != nil {
		t.Fatalf("proof of %s at %d: %v", fp, height, err)
	}
	k := chain.CertStatusKey(fp)
	v, present, err := p.Verify(smt.Hash(root), &k)
	if err != nil {
		t.Fatalf("proof of %s at %d does not verify: %v", fp, height, err)
	}
	if !present {
		return nil
	}
	cs, err := chain.DecodeCertStatus(v)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// TestCertStatusTreeUpgrade records a chain under rules version 1 with
// certificates issued, upgrades it to version 4 by a schedule_upgrade plan
// and checks that the app hash commits to no cert root before the
// activation height and to the certificate status tree from it on (built
// from every certificate registered before, then updated by each
// issuance and revocation); that the store proves each certificate's
// status at each height after; and that a fresh app replays every block to
// the same app hashes.
func TestCertStatusTreeUpgrade(t *testing.T) {
	net := fixture.New(t, testChain, fixture.Role{ID: "court", Role: chain.RoleCourt})
	court := net.Orgs[0] // the only org: its proposals pass at once
	alice := court.Signer(t, signer.AlgSM2, fixture.Epoch.AddDate(5, 0, 0))
	bob := court.Signer(t, signer.AlgECDSAP256, fixture.Epoch.AddDate(5, 0, 0))
	carol := court.Signer(t, signer.AlgSM2, fixture.Epoch.AddDate(5, 0, 0))
	c := newUpgradeChain(t, net)
	st := c.app.store
	c.one("alice issued", court.Tx(t, &chain.CertIssued{Cert: alice.Cert}, nil), CodeOK, "")
	c.one("bob issued", court.Tx(t, &chain.CertIssued{Cert: bob.Cert}, nil), CodeOK, "")
	const H = 3 + chain.MinUpgradeDelay
	c.one("schedule", court.Tx(t, upgradeProposal("v4", chain.ProposalScheduleUpgrade, chain.RulesVersion4, H, "v4"), nil), CodeOK, "")
	for int64(len(c.blocks)) < H-1 {
		c.block()
	}
	for h := int64(0); h < H; h++ {
		cp, err := st.View().Checkpoint(h)
		if err != nil {
			t.Fatal(err)
		}
		if cp.CertRoot != nil || !bytes.Equal(cp.AppHash, chain.AppHash(cp.LogSize, cp.LogRoot, cp.StateRoot)) {
			t.Fatalf("height %d under version 1: cert root %x, app hash not the version-1 form", h, cp.CertRoot)
		}
	}
	if _, _, err := st.CertStatusProof(alice.FP, H-1); err == nil {
		t.Fatal("a proof below the activation height")
	}
	// Height H: version 4 builds the tree from the certificates before the
	// block's own records (carol's issuance).
	c.one("carol issued at H", court.Tx(t, &chain.CertIssued{Cert: carol.Cert}, nil), CodeOK, "")
	cpH := st.Last()
	if cpH.Height != H || len(cpH.CertRoot) != 32 {
		t.Fatalf("height %d: cert root %x", cpH.Height, cpH.CertRoot)
	}
	if want := referenceCertRoot(t, st.View()); !bytes.Equal(cpH.CertRoot, want) {
		t.Fatalf("cert root %x, the certificate states give %x", cpH.CertRoot, want)
	}
	if !bytes.Equal(cpH.AppHash, chain.AppHashCerts(cpH.LogSize, cpH.LogRoot, cpH.StateRoot, cpH.CertRoot)) {
		t.Fatal("app hash at H is not the version-4 form")
	}
	c.one("alice revoked", court.Tx(t, &chain.CertRevoked{Cert: alice.FP, Reason: chain.ReasonKeyCompromise}, nil), CodeOK, "")
	revokedIn := st.Last().LogSize - 1
	c.block() // an empty block keeps the roots
	last := st.Last()
	if bytes.Equal(last.CertRoot, cpH.CertRoot) {
		t.Fatal("revocation did not change the cert root")
	}
	if want := referenceCertRoot(t, st.View()); !bytes.Equal(last.CertRoot, want) {
		t.Fatalf("cert root after revocation %x, the certificate states give %x", last.CertRoot, want)
	}
	tests := []struct {
		name    string
		fp      chain.Fingerprint
		height  int64
		present bool
		revoked bool
	}{
		{"alice at H: not revoked", alice.FP, H, true, false},
		{"alice after: revoked", alice.FP, last.Height, true, true},
		{"bob after: not revoked", bob.FP, last.Height, true, false},
		{"carol at H", carol.FP, H, true, false},
		{"genesis credential", chain.FingerprintOf(court.Submitter.Cert), last.Height, true, false},
		{"never registered", chain.FingerprintOf([]byte("nobody")), last.Height, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cs := certStatusAt(t, st, tc.fp, tc.height)
			if (cs != nil) != tc.present {
				t.Fatalf("present %v, want %v", cs != nil, tc.present)
			}
			if cs == nil {
				return
			}
			if cs.Revoked() != tc.revoked || cs.Org != "court" {
				t.Fatalf("status %+v", cs)
			}
			if tc.revoked && (cs.RevokedIn != revokedIn || cs.Reason != chain.ReasonKeyCompromise) {
				t.Fatalf("revoked in %d (%d), want %d", cs.RevokedIn, cs.Reason, revokedIn)
			}
		})
	}
	if h, err := c.replayOn(newUpgradeApp(t, nil)); err != nil {
		t.Fatalf("replay stopped at %d: %v", h, err)
	}
}

// TestCertStatusByRulesVersion: two apps fed the same blocks agree on every
// app hash; a chain whose genesis is at version 3 never commits a cert
// root (its app hashes are those of binaries without the tree), one at
// version 4 commits it from height 1, holding the genesis credentials.
func TestCertStatusByRulesVersion(t *testing.T) {
	for _, tc := range []struct {
		version uint32
		tree    bool
	}{{chain.CaseRulesVersion, false}, {chain.RulesVersion4, true}} {
		net := fixture.New(t, testChain, fixture.Role{ID: "court", Role: chain.RoleCourt}, fixture.Role{ID: "notary", Role: chain.RoleNotary})
		court := net.Orgs[0]
		alice := court.Signer(t, signer.AlgSM2, fixture.Epoch.AddDate(5, 0, 0))
		c := newUpgradeChainState(t, genesisRules(t, net, tc.version))
		c.one("alice issued", court.Tx(t, &chain.CertIssued{Cert: alice.Cert}, nil), CodeOK, "")
		c.one("alice revoked", court.Tx(t, &chain.CertRevoked{Cert: alice.FP}, nil), CodeOK, "")
		c.block()
		for h := int64(1); h <= c.app.store.Last().Height; h++ {
			cp, _ := c.app.store.View().Checkpoint(h)
			if got := cp.CertRoot != nil; got != tc.tree {
				t.Fatalf("version %d height %d: cert root %x", tc.version, h, cp.CertRoot)
			}
			if !bytes.Equal(cp.AppHash, cp.ComputeAppHash()) {
				t.Fatalf("version %d height %d: app hash", tc.version, h)
			}
		}
		if tc.tree {
			if want := referenceCertRoot(t, c.app.store.View()); !bytes.Equal(c.app.store.Last().CertRoot, want) {
				t.Fatalf("cert root %x, want %x", c.app.store.Last().CertRoot, want)
			}
			if cs := certStatusAt(t, c.app.store, chain.FingerprintOf(net.Orgs[1].Submitter.Cert), 1); cs == nil || cs.Revoked() || !cs.AtGenesis() {
				t.Fatalf("genesis credential at 1: %+v", cs)
			}
		}
		if h, err := c.replayOn(newUpgradeApp(t, nil)); err != nil {
			t.Fatalf("version %d: replay stopped at %d: %v", tc.version, h, err)
		}
	}
}

// BenchmarkCertIssuedTree measures what the certificate status tree costs
// per cert_issued record: FinalizeBlock and Commit of blocks of 100
// cert_issued txs on two apps in one run, one under rules version 3 (the
// baseline: no tree) and one under version 4 (the tree, over the
// certificates already registered), fed the same txs alternately, and
// prints the ratio. Both first register the same 1,000 certificates, so
// the tree has some depth.
func BenchmarkCertIssuedTree(b *testing.B) {
	const prefill, per = 1000, 100
	net := fixture.New(b, testChain)
	org := net.Orgs[0]
	newApp := func(version uint32) *benchChain {
		st, err := store.Open(b.TempDir(), nil)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { st.Close() })
		a, err := New(st, testChain)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := a.InitChain(context.Background(), &abci.InitChainRequest{ChainId: testChain, Time: fixture.Epoch,
			AppStateBytes: genesisRules(b, net, version)}); err != nil {
			b.Fatal(err)
		}
		return &benchChain{b: b, a: a, org: org}
	}
	issue := func(n int) [][]byte {
		txs := make([][]byte, n)
		for i := range txs {
			txs[i] = org.Tx(b, &chain.CertIssued{Cert: org.Signer(b, signer.AlgSM2, time.Time{}).Cert}, nil)
		}
		return txs
	}
	base, tree := newApp(chain.CaseRulesVersion), newApp(chain.RulesVersion4)
	pre := issue(prefill)
	for len(pre) > 0 {
		n := min(per, len(pre))
		base.block(pre[:n]...)
		tree.block(pre[:n]...)
		pre = pre[n:]
	}
	txs := issue(b.N)
	for _, tx := range txs { // warm both signature caches alike
		base.checkTx(tx)
		tree.checkTx(tx)
	}
	b.ResetTimer()
	var tBase, tTree time.Duration
	for len(txs) > 0 {
		n := min(per, len(txs))
		start := time.Now()
		base.block(txs[:n]...)
		tBase += time.Since(start)
		start = time.Now()
		tree.block(txs[:n]...)
		tTree += time.Since(start)
		txs = txs[n:]
	}
	b.StopTimer()
	n := float64(b.N)
	b.ReportMetric(float64(tBase.Nanoseconds())/n, "v3-ns/cert")
	b.ReportMetric(float64(tTree.Nanoseconds())/n, "v4-ns/cert")
	b.ReportMetric(float64(tTree)/float64(tBase), "v4/v3")
}
