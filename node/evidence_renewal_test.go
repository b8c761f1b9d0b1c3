package node

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/signer"
)

// TestEvidenceRenewalChain: a contract renewed twice (c-1 → c-2 → c-3).
// The bundles for the first contract's document, for each contract id and
// for a party's certificate all verify offline: each renewal brings in both
// of its contracts' contract_created records (issue #12 review: the bundle
// for c-1's document lacked c-2's, so honest evidence failed).
func TestEvidenceRenewalChain(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	n := newITNet(ctx, t)
	alice, _ := n.registerSigner(ctx, t, signer.AlgSM2, "sc-renew-alice")
	var docs [][]byte
	for i := 1; i <= 3; i++ {
		doc := fmt.Appendf(nil, "%%PDF-1.4\n%% renewal chain contract %d\n%%%%EOF\n", i)
		docs = append(docs, doc)
		n.commit(ctx, t, n.build(t, contractBody(fmt.Sprintf("renew-c-%d", i), doc, alice), nil))
	}
	n.commit(ctx, t, n.build(t, &chain.ContractRenewed{Contract: "renew-c-2", Previous: "renew-c-1"}, nil))
	n.commit(ctx, t, n.build(t, &chain.ContractRenewed{Contract: "renew-c-3", Previous: "renew-c-2"}, nil))

	_, b := n.evidenceFor(ctx, t, docs[0])
	n.verifyAll(t, b, docs[0])
	for _, q := range [][2]string{{"contract_id", "renew-c-1"}, {"contract_id", "renew-c-2"}, {"contract_id", "renew-c-3"}, {"cert", alice.Cert.String()}} {
		raw, err := n.c.Evidence(ctx, q[0], q[1])
		if err != nil {
			t.Fatalf("evidence %s=%s: %v", q[0], q[1], err)
		}
		b, err := evidence.DecodeBundle(raw)
		if err != nil {
			t.Fatal(err)
		}
		n.verifyAll(t, b, nil)
	}
}
