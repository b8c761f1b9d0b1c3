package node

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sealchain/sealchain/signer"
)

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
//	               contract between an SM2 and an ECDSA P-256 signer, 8 records
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
	const contract = "fixture-contract-1"
	n.commit(ctx, t, n.build(t, contractBody(contract, fixtureDoc, alice, bob), nil))
	n.signContract(ctx, t, contract, fixtureDoc, alice, bob)

	raw, b := n.evidenceFor(ctx, t, fixtureDoc)
	if len(b.Records) != 8 {
		t.Fatalf("bundle has %d records, want 8", len(b.Records))
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
