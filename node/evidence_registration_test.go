package node

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/signer"
)

// TestEvidenceGovernanceVerifier: an intent attestation by a verifier
// registered by governance (not in genesis) gives a bundle that carries the
// register_verifier proposal, and verifies offline; without the proposal
// the attestation's record[i].verifier check fails.
func TestEvidenceGovernanceVerifier(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	n := newITNet(ctx, t)

	vk, err := signer.GenerateKey(signer.AlgSM2, nil)
	if err != nil {
		t.Fatal(err)
	}
	nb := time.Now().Add(-5 * time.Minute).UTC().Truncate(time.Second)
	vder, err := n.ca.Issue(vk.Public(), signer.IssueOptions{SubjectRef: "gov-face-verifier", Usage: signer.UsageIntentVerifier,
		NotBefore: nb, NotAfter: nb.AddDate(1, 0, 0)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// One organisation: its proposal passes at once.
	n.commit(ctx, t, n.build(t, &chain.Proposal{ID: "register-face", Kind: chain.ProposalRegisterVerifier, VerifierCert: vder}, nil))

	alice, _ := n.registerSigner(ctx, t, signer.AlgSM2, "sc-gov-alice")
	doc := []byte("%PDF-1.4\n% governance verifier contract\n%%EOF\n")
	const contract = "gov-verifier-contract"
	n.commit(ctx, t, n.build(t, contractBody(contract, doc, alice), nil))
	ch := sm3.Sum([]byte("face challenge"))
	iv := &chain.IntentVerified{Contract: contract, Signer: alice.Cert, Method: chain.IntentFace, ChallengeHash: ch[:],
		VerifiedAt: time.Now().UnixMilli(), VerifierCert: vder}
	if iv.VerifierSig, err = vk.Sign(nil, iv.AttestationBytes(itChainID)); err != nil {
		t.Fatal(err)
	}
	n.commit(ctx, t, n.build(t, iv, alice))
	d3 := sm3.Sum(doc)
	n.commit(ctx, t, n.build(t, &chain.ContractSigned{Contract: contract, DocSM3: d3[:]}, alice))

	_, b := n.evidenceFor(ctx, t, doc)
	res := n.verifyAll(t, b, doc)
	var proposal, intent = -1, uint64(0)
	for i, r := range b.Records {
		v, _, err := evidence.Describe(r.Leaf)
		if err != nil {
			t.Fatal(err)
		}
		switch v.Type {
		case chain.TypeProposal.String():
			proposal = i
		case chain.TypeIntentVerified.String():
			intent = v.Index
		}
	}
	if proposal < 0 {
		t.Fatalf("the bundle lacks the register_verifier proposal; records %+v", res.Records)
	}
	b.Records = slices.Delete(b.Records, proposal, proposal+1)
	trust, err := evidence.LoadTrust(n.home.Genesis())
	if err != nil {
		t.Fatal(err)
	}
	v, err := evidence.NewVerifier(trust)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("record[%d].verifier", intent)
	if failed := v.Verify(b, doc).Failed(); !slices.Contains(failed, want) {
		t.Fatalf("without the proposal, failed %v, want %s", failed, want)
	}
}
