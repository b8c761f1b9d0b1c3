package report

import (
	"os"
	"strings"
	"testing"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/internal/conformance"
)

// batchedFixture is a synthetic chain's bundle of a contract whose
// timeline came in one batch (conformance.Synth), verified.
func batchedFixture(t *testing.T) (*fixture, *evidence.Bundle) {
	t.Helper()
	s, err := conformance.NewSynth(conformance.ChainID)
	if err != nil {
		t.Fatal(err)
	}
	alice, aliceDER, err := s.Signer("alice")
	if err != nil {
		t.Fatal(err)
	}
	tx, err := s.Sub.Build(&chain.CertIssued{Cert: aliceDER}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.AddTx(tx, false)
	const contract = "batched-report-contract"
	intent, err := s.Intent(contract, alice)
	if err != nil {
		t.Fatal(err)
	}
	created := conformance.Contract(contract, []byte("%PDF-1.4\n% batched\n%%EOF\n"), alice.Cert)
	bodies := []chain.Body{created, intent, &chain.ContractSigned{Contract: contract, DocSM3: created.DocSM3}, &chain.ContractCompleted{Contract: contract}}
	actors := []*client.Actor{nil, alice, alice, nil}
	var items []*chain.Tx
	for i, b := range bodies {
		it, err := s.Sub.BuildItem(b, actors[i])
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, it)
	}
	bt, err := chain.NewBatch(conformance.ChainID, "platform", chain.FingerprintOf(s.Sub.Cert), items, func(m []byte) ([]byte, error) { return s.Sub.Key.Sign(nil, m) })
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range bt.Records() {
		s.AddTx(r.Encode(), i > 0)
	}
	b, err := s.Bundle(evidence.Subject{ContractID: contract}, []uint64{0, 1, 2, 3, 4})
	if err != nil {
		t.Fatal(err)
	}
	trust, err := evidence.ParseTrust(s.Genesis())
	if err != nil {
		t.Fatal(err)
	}
	v, err := evidence.NewVerifier(trust)
	if err != nil {
		t.Fatal(err)
	}
	res := v.Verify(b, nil)
	if !res.OK {
		t.Fatalf("batched bundle does not verify: %v", res.Failed())
	}
	raw, err := b.Encode()
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t)
	f.raw, f.bundle, f.res = raw, b, res
	return f, b
}

// TestBatchedRecordReport: a record that came in a batch shows, in the
// report's text, its place in the batch, the batch's root and the
// credential that signed the envelope, in Chinese and English.
func TestBatchedRecordReport(t *testing.T) {
	f, b := batchedFixture(t)
	out := f.make(t)
	if p := os.Getenv("SEALCHAIN_REPORT_OUT"); p != "" {
		if err := os.WriteFile(p, out, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rv, _, err := evidence.Describe(b.Records[2].Leaf)
	if err != nil || rv.Batch == nil {
		t.Fatalf("record 2 describes without its batch: %v", err)
	}
	want := []string{"批次 Batch", "第 2 条，共 4 条", "record 2 of 4", "envelope by platform", rv.Batch.Root, rv.Batch.Credential, "信封凭证 Credential"}
	for name, text := range map[string]string{"pdftotext": pdftotext(t, out), "own": ownText(t, out)} {
		for _, s := range want {
			if !strings.Contains(text, s) {
				t.Errorf("%s output lacks %q", name, s)
			}
		}
	}
	l := rv.Batch.Label()
	if !strings.Contains(l.En, "batch: record 2 of 4, root "+rv.Batch.Root+", envelope by platform credential "+rv.Batch.Credential) || !strings.Contains(l.Zh, "批次：第 2 条") {
		t.Errorf("label %+v", l)
	}
}
