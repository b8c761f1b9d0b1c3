package assemble_test

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtversion "github.com/cometbft/cometbft/api/cometbft/version/v1"
	"github.com/cometbft/cometbft/crypto/ed25519"
	"github.com/cometbft/cometbft/crypto/tmhash"
	cmtjson "github.com/cometbft/cometbft/libs/json"
	"github.com/cometbft/cometbft/types"
	"github.com/cometbft/cometbft/version"

	"github.com/sealchain/sealchain/app"
	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/smt"
	"github.com/sealchain/sealchain/chain/store"
	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/evidence/assemble"
	"github.com/sealchain/sealchain/internal/fixture"
	"github.com/sealchain/sealchain/signer"
)

const testChain = "nonrev-test"

// signingHeaders is assemble.Headers over a store: one validator signs, for
// each height, a header carrying the app hash the store committed at the
// height before (as CometBFT does).
type signingHeaders struct {
	t   *testing.T
	st  *store.Store
	pv  types.PrivValidator
	set *types.ValidatorSet
}

func (h *signingHeaders) LatestHeight() int64                        { return h.st.Last().Height + 1 }
func (h *signingHeaders) WaitForHeight(context.Context, int64) error { return nil }
func (h *signingHeaders) Hop(context.Context, int64) ([]byte, []byte, error) {
	h.t.Fatal("no validator changes in this test")
	return nil, nil, nil
}

func (h *signingHeaders) Checkpoint(_ context.Context, height int64) ([]byte, []byte, error) {
	cp, err := h.st.View().Checkpoint(height - 1)
	if err != nil {
		return nil, nil, err
	}
	sum := func(s string) []byte { return tmhash.Sum([]byte(s)) }
	tm := fixture.Epoch.Add(time.Duration(height) * time.Second)
	header := &types.Header{
		Version: cmtversion.Consensus{Block: version.BlockProtocol}, ChainID: testChain, Height: height, Time: tm,
		LastBlockID:    types.BlockID{Hash: sum("last"), PartSetHeader: types.PartSetHeader{Total: 1, Hash: sum("parts")}},
		LastCommitHash: sum("c"), DataHash: sum("d"), ValidatorsHash: h.set.Hash(), NextValidatorsHash: h.set.Hash(),
		ConsensusHash: sum("p"), AppHash: cp.AppHash, LastResultsHash: sum("r"), EvidenceHash: sum("e"),
		ProposerAddress: h.set.Validators[0].Address,
	}
	blockID := types.BlockID{Hash: header.Hash(), PartSetHeader: types.PartSetHeader{Total: 1, Hash: sum("parts")}}
	vote := &types.Vote{Type: types.PrecommitType, Height: height, BlockID: blockID, Timestamp: tm.Add(time.Second),
		ValidatorAddress: h.set.Validators[0].Address}
	pv := vote.ToProto()
	if err := h.pv.SignVote(testChain, pv, false); err != nil {
		return nil, nil, err
	}
	commit := &types.Commit{Height: height, BlockID: blockID, Signatures: []types.CommitSig{{BlockIDFlag: types.BlockIDFlagCommit,
		ValidatorAddress: vote.ValidatorAddress, Timestamp: vote.Timestamp, Signature: pv.Signature}}}
	sh, err := (&types.SignedHeader{Header: header, Commit: commit}).ToProto().Marshal()
	if err != nil {
		return nil, nil, err
	}
	vsp, err := h.set.ToProto()
	if err != nil {
		return nil, nil, err
	}
	vs, err := vsp.Marshal()
	return sh, vs, err
}

// nonrevChain runs an app whose genesis is at rules version `rules` and
// commits: alice's certificate, a contract she signs, then (revoke) the
// revocation of her certificate, then an empty block. It returns the store,
// the headers, the trust and alice.
func nonrevChain(t *testing.T, rules uint32, revoke bool) (*store.Store, *signingHeaders, *evidence.Trust, *fixture.Signer) {
	t.Helper()
	net := fixture.New(t, testChain, fixture.Role{ID: "platform", Role: chain.RolePlatform})
	org := net.Orgs[0]
	alice := org.Signer(t, signer.AlgSM2, time.Time{})
	var gs chain.GenesisState
	if err := json.Unmarshal(net.GenesisState(t), &gs); err != nil {
		t.Fatal(err)
	}
	gs.RulesVersion = rules
	appState, err := json.Marshal(gs)
	if err != nil {
		t.Fatal(err)
	}
	pv := types.NewMockPVWithParams(ed25519.GenPrivKey(), false, false)
	pub, err := pv.GetPubKey()
	if err != nil {
		t.Fatal(err)
	}
	doc := types.GenesisDoc{ChainID: testChain, GenesisTime: fixture.Epoch, AppState: appState,
		Validators: []types.GenesisValidator{{PubKey: pub, Power: 10, Name: "v"}}}
	docJSON, err := cmtjson.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	trust, err := evidence.ParseTrust(docJSON)
	if err != nil {
		t.Fatal(err)
	}

	st, err := store.Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	a, err := app.New(st, testChain)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := a.InitChain(ctx, &abci.InitChainRequest{ChainId: testChain, Time: fixture.Epoch, AppStateBytes: appState,
		Validators: []abci.ValidatorUpdate{{Power: 10, PubKeyType: "ed25519", PubKeyBytes: pub.Bytes()}}}); err != nil {
		t.Fatal(err)
	}
	height := int64(0)
	block := func(txs ...[]byte) {
		t.Helper()
		height++
		res, err := a.FinalizeBlock(ctx, &abci.FinalizeBlockRequest{Height: height, Time: fixture.Epoch.Add(time.Hour + time.Duration(height)*time.Second), Txs: txs})
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range res.TxResults {
			if r.Code != 0 {
				t.Fatalf("block %d tx %d: %d %s", height, i, r.Code, r.Log)
			}
		}
		if _, err := a.Commit(ctx, &abci.CommitRequest{}); err != nil {
			t.Fatal(err)
		}
	}
	c := fixture.Contract("c-1", "a contract", chain.OrderSequential, alice)
	block(org.Tx(t, &chain.CertIssued{Cert: alice.Cert}, nil))
	block(org.Tx(t, c, nil), org.Tx(t, org.Intent(t, "c-1", alice), alice))
	block(org.Tx(t, &chain.ContractSigned{Contract: "c-1", DocSM3: c.DocSM3}, alice))
	if revoke {
		block(org.Tx(t, &chain.CertRevoked{Cert: alice.FP, Reason: chain.ReasonKeyCompromise}, nil))
	}
	block()
	return st, &signingHeaders{t: t, st: st, pv: pv, set: trust.Validators}, trust, alice
}

func failedChecks(res *evidence.Result) []string { return res.Failed() }

func checkDetail(res *evidence.Result, name string) string {
	for _, c := range res.Checks {
		if c.Name == name {
			return c.Detail
		}
	}
	return ""
}

// TestNonRevocationProof: under rules version 4 a bundle proves, against
// the signed app hash, the status of every certificate its records rely
// on; the offline verifier accepts the honest bundle and catches a node
// that hides a revocation, whichever way it tries: leaving the
// cert_revoked record out, leaving the proof out, forging the proof, or
// dropping the cert root. Under rules version 3 the bundle is as before.
func TestNonRevocationProof(t *testing.T) {
	ctx := context.Background()
	subject := evidence.Subject{ContractID: "c-1"}

	st, headers, trust, alice := nonrevChain(t, chain.RulesVersion4, true)
	b, err := assemble.Bundle(ctx, st, headers, subject)
	if err != nil {
		t.Fatal(err)
	}
	if b.Checkpoint.CertRoot == nil || len(b.CertStatus) < 2 {
		t.Fatalf("bundle has cert root %x and %d status proofs", b.Checkpoint.CertRoot, len(b.CertStatus))
	}
	v, err := evidence.NewVerifier(trust)
	if err != nil {
		t.Fatal(err)
	}
	// The bundle survives its JSON form.
	enc, err := b.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if b, err = evidence.DecodeBundle(enc); err != nil {
		t.Fatal(err)
	}
	res := v.Verify(b, nil)
	if !res.OK {
		t.Fatalf("honest bundle failed %v", failedChecks(res))
	}
	aliceCheck := "cert_status[" + alice.FP.String() + "]"
	if d := checkDetail(res, aliceCheck); !strings.Contains(d, "revoked at") {
		t.Fatalf("%s: %q", aliceCheck, d)
	}
	t.Logf("%s: %s", aliceCheck, checkDetail(res, aliceCheck))
	var revIdx uint64
	for _, r := range b.Records {
		en, _ := chain.DecodeEntry(r.Leaf)
		tx, _ := chain.DecodeRecord(en.Tx)
		if _, ok := tx.Body.(*chain.CertRevoked); ok {
			revIdx = r.Index
		}
	}
	if revIdx == 0 {
		t.Fatal("the bundle lacks the revocation")
	}

	clone := func() *evidence.Bundle {
		enc, _ := b.Encode()
		c, err := evidence.DecodeBundle(enc)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	hidden := func(edit func(*evidence.Bundle)) *evidence.Bundle { c := clone(); edit(c); return c }
	proofOf := func(c *evidence.Bundle, fp chain.Fingerprint) *evidence.CertStatus {
		for i := range c.CertStatus {
			if c.CertStatus[i].Cert == fp.String() {
				return &c.CertStatus[i]
			}
		}
		t.Fatalf("no proof for %s", fp)
		return nil
	}
	// A proof claiming alice unrevoked: the real proof's leaf with the
	// status before the revocation.
	forged := hidden(func(c *evidence.Bundle) {
		cs := proofOf(c, alice.FP)
		p, err := smt.DecodeProof(cs.Proof)
		if err != nil {
			t.Fatal(err)
		}
		st, err := chain.DecodeCertStatus(p.Leaf.Value)
		if err != nil {
			t.Fatal(err)
		}
		st.RevokedAt, st.Reason, st.RevokedIn = time.Time{}, 0, 0
		p.Leaf.Value = chain.CertStatusValue(st)
		cs.Proof = p.Encode()
		c.Records = slices.DeleteFunc(c.Records, func(r evidence.Record) bool { return r.Index == revIdx })
	})
	tests := []struct {
		name string
		b    *evidence.Bundle
		want string // a failed check
		says string // in its detail
	}{
		{"revocation record left out", hidden(func(c *evidence.Bundle) {
			c.Records = slices.DeleteFunc(c.Records, func(r evidence.Record) bool { return r.Index == revIdx })
		}), aliceCheck, "leaves out"},
		{"proof left out", hidden(func(c *evidence.Bundle) {
			c.Records = slices.DeleteFunc(c.Records, func(r evidence.Record) bool { return r.Index == revIdx })
			c.CertStatus = slices.DeleteFunc(c.CertStatus, func(s evidence.CertStatus) bool { return s.Cert == alice.FP.String() })
		}), aliceCheck, "no proof"},
		{"every proof left out", hidden(func(c *evidence.Bundle) { c.CertStatus = nil }), aliceCheck, "no proof"},
		{"forged proof: not revoked", forged, aliceCheck, "cert root"},
		{"cert root dropped", hidden(func(c *evidence.Bundle) { c.Checkpoint.CertRoot = nil }), "app_hash", "no cert_root"},
		{"cert root changed", hidden(func(c *evidence.Bundle) { c.Checkpoint.CertRoot[0] ^= 1 }), "app_hash", "cert root"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := v.Verify(tc.b, nil)
			if res.OK || !slices.Contains(res.Failed(), tc.want) {
				t.Fatalf("failed %v, want %s", res.Failed(), tc.want)
			}
			if d := checkDetail(res, tc.want); !strings.Contains(d, tc.says) {
				t.Fatalf("%s: %q does not say %q", tc.want, d, tc.says)
			}
		})
	}

	// Every byte of alice's proof, flipped, fails the bundle.
	orig := proofOf(b, alice.FP).Proof
	for i := range orig {
		c := clone()
		p := proofOf(c, alice.FP)
		p.Proof = bytes.Clone(orig)
		p.Proof[i] ^= 0x01
		if res := v.Verify(c, nil); res.OK {
			t.Fatalf("proof byte %d flipped: verified", i)
		}
	}
	t.Logf("bundle %d bytes, %d status proofs of %d bytes (alice's) each at most", len(enc), len(b.CertStatus), len(orig))

	// A genesis at rules version 4 demands the cert root.
	if res := v.Verify(hidden(func(c *evidence.Bundle) { c.Checkpoint.CertRoot, c.CertStatus = nil, nil }), nil); !slices.Contains(res.Failed(), "app_hash") ||
		!strings.Contains(checkDetail(res, "app_hash"), "rules version 4") {
		t.Fatalf("no cert root on a version-4 genesis: %v %q", res.Failed(), checkDetail(res, "app_hash"))
	}

	// Rules version 3: no cert root, no proofs, verified as before.
	st3, headers3, trust3, _ := nonrevChain(t, chain.CaseRulesVersion, false)
	b3, err := assemble.Bundle(ctx, st3, headers3, subject)
	if err != nil {
		t.Fatal(err)
	}
	if b3.Checkpoint.CertRoot != nil || b3.CertStatus != nil {
		t.Fatal("a version-3 bundle carries certificate status")
	}
	v3, _ := evidence.NewVerifier(trust3)
	if res := v3.Verify(b3, nil); !res.OK {
		t.Fatalf("version-3 bundle failed %v", res.Failed())
	}
}
