package node

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/signer"
)

// fixtureRecords is the number of records in the fixture bundle.
const fixtureRecords = 12

// evidenceTestdata is where the offline evidence tests read their vectors.
const evidenceTestdata = "../evidence/testdata"

// fixtureDoc is the contract document of the checked-in bundle. Any bytes
// do; these look like the start of a PDF.
var fixtureDoc = []byte("%PDF-1.4\n% Sealchain evidence fixture: a two-party contract.\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n")

// TestGenerateEvidenceFixture regenerates evidence/testdata from a real
// single-node network:
//
//	genesis.json   the chain's genesis (the verifier's trust anchor)
//	bundle.json    the evidence for contract.pdf: a completed sequential
//	               contract between an SM2 and an ECDSA P-256 signer, the
//	               first signing with a personal seal, the second's
//	               certificate revoked afterwards: 12 records of 9 types
//	contract.pdf   the document
//
// It runs only with SEALCHAIN_UPDATE_FIXTURES=1:
//
//	SEALCHAIN_UPDATE_FIXTURES=1 go test ./node -run TestGenerateEvidenceFixture
//
// Verification uses block times, not the wall clock, so the files stay valid
// after the certificates in them expire.
func TestGenerateEvidenceFixture(t *testing.T) {
	if os.Getenv("SEALCHAIN_UPDATE_FIXTURES") != "1" {
		t.Skip("set SEALCHAIN_UPDATE_FIXTURES=1 to regenerate evidence/testdata")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()
	n := newITNet(ctx, t)

	alice, _ := n.registerSigner(ctx, t, signer.AlgSM2, "sc-fixture-alice")
	bob, _ := n.registerSigner(ctx, t, signer.AlgECDSAP256, "sc-fixture-bob")
	// Alice signs with her personal seal, registered before the contract.
	seal := sm3.Sum([]byte("sc-fixture-alice personal seal image"))
	now := time.Now().Unix()
	n.commit(ctx, t, n.build(t, &chain.SealRegistered{Seal: seal[:], Kind: chain.SealPersonal, Owner: alice.Cert,
		ValidFrom: now - 3600, ValidTo: now + 365*24*3600}, nil))
	const contract = "fixture-contract-1"
	n.commit(ctx, t, n.build(t, contractBody(contract, fixtureDoc, alice, bob), nil))
	n.commit(ctx, t, n.build(t, &chain.ContractSent{Contract: contract}, nil))
	n.commit(ctx, t, n.build(t, &chain.ContractViewed{Contract: contract, Party: alice.Cert}, nil))
	d3 := sm3.Sum(fixtureDoc)
	n.intent(ctx, t, contract, alice)
	n.commit(ctx, t, n.build(t, &chain.ContractSigned{Contract: contract, DocSM3: d3[:], Seal: seal[:]}, alice))
	n.intent(ctx, t, contract, bob)
	n.commit(ctx, t, n.build(t, &chain.ContractSigned{Contract: contract, DocSM3: d3[:]}, bob))
	n.commit(ctx, t, n.build(t, &chain.ContractCompleted{Contract: contract}, nil))
	// Bob's certificate is revoked after the contract completed: the bundle
	// carries the revocation, and his earlier signature still holds.
	n.commit(ctx, t, n.build(t, &chain.CertRevoked{Cert: bob.Cert, Reason: chain.ReasonKeyCompromise}, nil))

	raw, b := n.evidenceFor(ctx, t, fixtureDoc)
	if len(b.Records) != fixtureRecords {
		t.Fatalf("bundle has %d records, want %d", len(b.Records), fixtureRecords)
	}
	n.verifyAll(t, b, fixtureDoc)

	genesis, err := os.ReadFile(n.home.Genesis())
	if err != nil {
		t.Fatalf("read genesis: %v", err)
	}
	if err := os.MkdirAll(evidenceTestdata, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		"genesis.json": genesis,
		"bundle.json":  raw,
		"contract.pdf": fixtureDoc,
	} {
		path := filepath.Join(evidenceTestdata, name)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatalf("write %s: %v", path, err)
		}
		t.Logf("wrote %s (%d bytes)", path, len(data))
	}
}
