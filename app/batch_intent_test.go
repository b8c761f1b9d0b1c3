package app

import (
	"strings"
	"testing"

	"github.com/emmansun/gmsm/sm3"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/internal/fixture"
)

// batchIntent is a batch intent of s over contracts, attested by the org's
// intent verifier.
func batchIntent(t *testing.T, o *fixture.Org, s *fixture.Signer, contracts ...string) *chain.BatchIntentVerified {
	t.Helper()
	ch := sm3.Sum([]byte("batch challenge"))
	b := &chain.BatchIntentVerified{Contracts: contracts, Signer: s.FP, Method: chain.IntentSMSOTP,
		ChallengeHash: ch[:], VerifiedAt: fixture.Epoch.UnixMilli(), VerifierCert: o.VerifierCert}
	sig, err := o.VerifierKey.Sign(nil, b.AttestationBytes(o.Submitter.ChainID))
	if err != nil {
		t.Fatal(err)
	}
	b.VerifierSig = sig
	return b
}

// TestBatchIntent: from rules version 5 one batch_intent_verified gives its
// signer intent on every contract it names, each contract_signed after it
// passes, and a contract it does not name still needs its own intent; a
// set with a contract the signer is no party of is refused, naming it;
// the verifier's signature covers the set. Below version 5 the type is
// unknown, as to a binary without it.
func TestBatchIntent(t *testing.T) {
	w, hs := newWorldRules(t, chain.RulesVersion5, nil)
	c2 := fixture.Contract("c-2", "second", chain.OrderParallel, w.alice, w.carol)
	c3 := fixture.Contract("c-3", "third", chain.OrderParallel, w.alice)
	hs.mustCommit(w.org.Tx(t, c2, nil), w.org.Tx(t, c3, nil))

	one := func(tx []byte) (uint32, string) {
		t.Helper()
		if r := hs.checkTx(tx); r.Code != CodeOK {
			return r.Code, r.Log
		}
		res, _ := hs.block(tx)
		return res[0].Code, res[0].Log
	}
	// Bob is no party of c-2: the whole set is refused, naming c-2.
	if code, log := one(w.org.Tx(t, batchIntent(t, w.org, w.bob, "c-1", "c-2"), w.bob)); code != chain.CodeNotParty || !strings.Contains(log, "body.signer") {
		t.Fatalf("bob's batch over c-1, c-2: code %d %s", code, log)
	}
	// A set whose verifier signature is over another set.
	forged := batchIntent(t, w.org, w.alice, "c-1")
	forged.Contracts = []string{"c-1", "c-3"}
	if code, _ := one(w.org.Tx(t, forged, w.alice)); code == CodeOK {
		t.Fatal("a batch intent whose attestation names another set was accepted")
	}
	// A contract the set leaves out gets no intent.
	hs.mustCommit(w.org.Tx(t, batchIntent(t, w.org, w.alice, "c-1", "c-2"), w.alice))
	signs := func(c *chain.ContractCreated) []byte {
		return w.org.Tx(t, &chain.ContractSigned{Contract: c.Contract, DocSM3: c.DocSM3}, w.alice)
	}
	hs.mustCommit(signs(w.contract), signs(c2))
	if code, log := one(signs(c3)); code != chain.CodeNoIntent {
		t.Fatalf("c-3, not in the set: code %d %s", code, log)
	}
	for _, id := range []string{"c-1", "c-2"} {
		k, _, _ := hs.app.store.View().Contract(id)
		if !k.Signed[0] || !k.Intent[0] {
			t.Fatalf("%s: alice intent %v signed %v", id, k.Intent, k.Signed)
		}
	}

	// Rules version 4: the type does not exist yet.
	w4, hs4 := newWorldRules(t, chain.RulesVersion4, nil)
	tx := w4.org.Tx(t, batchIntent(t, w4.org, w4.alice, "c-1"), w4.alice)
	if r := hs4.checkTx(tx); r.Code != chain.CodeUnknownType {
		t.Fatalf("v4 CheckTx: code %d %s", r.Code, r.Log)
	}
	if res, _ := hs4.block(tx); res[0].Code != chain.CodeUnknownType {
		t.Fatalf("v4 FinalizeBlock: code %d %s", res[0].Code, res[0].Log)
	}
}
