package assemble

import (
	"fmt"
	"testing"
	"time"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/store"
	"github.com/sealchain/sealchain/evidence"
)

// TestCollectBatchedCredentials: a bundle holding batched records carries
// each distinct credential's registration (its cert_issued record; none
// for a genesis credential) and its revocation, and nothing of a
// credential no record in it names.
func TestCollectBatchedCredentials(t *testing.T) {
	s, err := store.Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	genesisDER, issuedDER, unusedDER := []byte("genesis credential"), []byte("issued credential"), []byte("unused credential")
	genesisFP, issuedFP, unusedFP := chain.FingerprintOf(genesisDER), chain.FingerprintOf(issuedDER), chain.FingerprintOf(unusedDER)
	h := int64(0)
	block := func(fill func(b *store.Block)) {
		h++
		b := s.NewBlock(h, time.Unix(1_767_600_000+h, 0).UTC())
		if h == 1 {
			if err := b.PutCert(genesisFP, &chain.CertState{DER: genesisDER, Org: "platform", IssuedIn: chain.IssuedAtGenesis}); err != nil {
				t.Fatal(err)
			}
		}
		fill(b)
		if _, err := b.Finish(); err != nil {
			t.Fatal(err)
		}
		if err := s.Commit(b); err != nil {
			t.Fatal(err)
		}
	}
	appendTx := func(b *store.Block, tx *chain.Tx) {
		raw := tx.Encode()
		dec, err := chain.DecodeRecord(raw)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.Append(0, raw, dec); err != nil {
			t.Fatal(err)
		}
	}
	standalone := func(b *store.Block, body chain.Body) {
		appendTx(b, &chain.Tx{Version: 1, ChainID: "test", Nonce: uint64(h), Body: body,
			Envelope: chain.Envelope{Org: "platform", Cert: []byte{1}, Sig: []byte{1}}})
	}
	batch := func(b *store.Block, cred chain.Fingerprint, bodies ...chain.Body) {
		var items []*chain.Tx
		for i, body := range bodies {
			items = append(items, &chain.Tx{Version: 1, ChainID: "test", Nonce: uint64(100*h) + uint64(i), Body: body})
		}
		bt, err := chain.NewBatch("test", "platform", cred, items, func([]byte) ([]byte, error) { return []byte{1}, nil })
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range bt.Records() {
			appendTx(b, r)
		}
	}
	block(func(b *store.Block) { // 0, 1
		standalone(b, &chain.CertIssued{Cert: issuedDER})
		standalone(b, &chain.CertIssued{Cert: unusedDER})
		for fp, der := range map[chain.Fingerprint][]byte{issuedFP: issuedDER, unusedFP: unusedDER} {
			if err := b.PutCert(fp, &chain.CertState{DER: der, Org: "platform", IssuedIn: map[bool]uint64{true: 0, false: 1}[fp == issuedFP]}); err != nil {
				t.Fatal(err)
			}
		}
	})
	block(func(b *store.Block) { batch(b, genesisFP, created("c-1"), created("c-2")) }) // 2, 3
	block(func(b *store.Block) { batch(b, issuedFP, created("c-3")) })                  // 4
	block(func(b *store.Block) { standalone(b, &chain.CertRevoked{Cert: issuedFP}) })   // 5
	block(func(b *store.Block) { standalone(b, &chain.CertRevoked{Cert: unusedFP}) })   // 6

	q := store.Query{Limit: evidence.MaxSubjectRecords, UpTo: s.Last().LogSize}
	for _, tc := range []struct {
		contract string
		want     []uint64
	}{
		{"c-1", []uint64{2}},       // a genesis credential: no record
		{"c-3", []uint64{0, 4, 5}}, // its cert_issued and its revocation
	} {
		idx, _, err := collect(s.View(), evidence.Subject{ContractID: tc.contract}, q)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(idx) != fmt.Sprint(tc.want) {
			t.Errorf("contract %s: collected %v, want %v", tc.contract, idx, tc.want)
		}
	}
}
