package chain_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/sealchain/sealchain/chain"
)

// seedVectors adds every tx (or leaf) of testdata/vectors.json, positive and
// negative, to the fuzz corpus.
func seedVectors(f *testing.F, leaves bool) {
	v := loadVectors(f)
	if leaves {
		for _, e := range v.Entries {
			if b, err := hex.DecodeString(e.Leaf); err == nil {
				f.Add(b)
			}
		}
		return
	}
	for _, x := range v.Txs {
		if b, err := hex.DecodeString(x.Tx); err == nil && len(b) <= chain.MaxTxBytes {
			f.Add(b)
		}
	}
}

// decodeErrorWellFormed checks the error contract: a *FieldError naming a
// field, wrapping exactly one of the sentinels.
func decodeErrorWellFormed(t *testing.T, err error) {
	var fe *chain.FieldError
	if !errors.As(err, &fe) || fe.Field == "" {
		t.Fatalf("error %q is not a *chain.FieldError with a field", err)
	}
	n := 0
	for _, s := range []error{chain.ErrMalformed, chain.ErrInvalid, chain.ErrVersion, chain.ErrUnknownType, chain.ErrTooLarge} {
		if errors.Is(err, s) {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("error %q wraps %d sentinels, want 1", err, n)
	}
}

// FuzzDecodeTx: DecodeTx never panics; what it accepts is exactly what
// Encode produces, passes validation, and decodes again to the same bytes.
func FuzzDecodeTx(f *testing.F) {
	seedVectors(f, false)
	f.Fuzz(func(t *testing.T, b []byte) {
		tx, err := chain.DecodeTx(b)
		if err != nil {
			decodeErrorWellFormed(t, err)
			return
		}
		if got := tx.Encode(); !bytes.Equal(got, b) {
			t.Fatalf("accepted non-canonical bytes:\n  in %x\n out %x", b, got)
		}
		if tx.Version != chain.TxVersion || tx.Body == nil {
			t.Fatalf("accepted version %d, body %v", tx.Version, tx.Body)
		}
		if err := tx.Body.Validate(); err != nil {
			t.Fatalf("accepted a body that fails Validate: %v", err)
		}
		if err := chain.ValidateID("chain_id", tx.ChainID); err != nil {
			t.Fatalf("accepted chain id: %v", err)
		}
		if err := chain.ValidateID("envelope.org", tx.Envelope.Org); err != nil {
			t.Fatalf("accepted org: %v", err)
		}
		if id := tx.Body.ContractID(); id != "" {
			if err := chain.ValidateID("contract_id", id); err != nil {
				t.Fatalf("accepted contract id: %v", err)
			}
		}
		if len(tx.Envelope.Cert) == 0 || len(tx.Envelope.Sig) == 0 || len(tx.Envelope.Sig) > chain.MaxSigBytes {
			t.Fatalf("accepted envelope cert %d bytes, sig %d bytes", len(tx.Envelope.Cert), len(tx.Envelope.Sig))
		}
		if tx.Actor != nil && (tx.Actor.Cert.IsZero() || len(tx.Actor.Sig) == 0) {
			t.Fatalf("accepted empty actor signature")
		}
		// Sign bytes are defined for anything accepted and do not change it.
		_ = tx.ActorSignBytes()
		_ = tx.EnvelopeSignBytes()
		if again, err := chain.DecodeTx(tx.Encode()); err != nil || !bytes.Equal(again.Encode(), b) {
			t.Fatalf("re-decode: %v", err)
		}
		if !bytes.Equal(chain.EncodeBody(tx.Body), chain.EncodeBody(mustBody(t, tx))) {
			t.Fatal("EncodeBody not deterministic")
		}
	})
}

func mustBody(t *testing.T, tx *chain.Tx) chain.Body {
	again, err := chain.DecodeTx(tx.Encode())
	if err != nil {
		t.Fatal(err)
	}
	return again.Body
}

// FuzzDecodeEntry: DecodeEntry never panics, and accepts only canonical
// leaves with a positive height and time and a tx.
func FuzzDecodeEntry(f *testing.F) {
	seedVectors(f, true)
	f.Fuzz(func(t *testing.T, b []byte) {
		en, err := chain.DecodeEntry(b)
		if err != nil {
			decodeErrorWellFormed(t, err)
			return
		}
		if got := en.Encode(); !bytes.Equal(got, b) {
			t.Fatalf("accepted non-canonical leaf:\n  in %x\n out %x", b, got)
		}
		if en.Height <= 0 || en.Time.UnixNano() <= 0 || len(en.Tx) == 0 {
			t.Fatalf("accepted entry %+v", en)
		}
	})
}

// FuzzDecodeBatch: whatever the bytes, DecodeBatch returns a well-formed
// field error or a batch that re-encodes to the same bytes, whose records
// each decode in the batched form and lead to its root.
func FuzzDecodeBatch(f *testing.F) {
	seedVectors(f, false)
	// Batches of the vectors' positive txs, as items.
	var items []*chain.Tx
	for _, x := range loadVectors(f).Txs {
		raw, err := hex.DecodeString(x.Tx)
		if err != nil {
			continue
		}
		if tx, err := chain.DecodeTx(raw); err == nil {
			tx.Envelope = chain.Envelope{}
			items = append(items, tx)
		}
	}
	for _, n := range []int{1, 2, 3, len(items)} {
		if n > len(items) {
			continue
		}
		b, err := chain.NewBatch(items[0].ChainID, "platform", chain.Fingerprint{1}, items[:n], func([]byte) ([]byte, error) { return []byte{1}, nil })
		if err == nil {
			f.Add(b.Encode())
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		bt, err := chain.DecodeBatch(b, nil)
		if err != nil {
			decodeErrorWellFormed(t, err)
			return
		}
		if got := bt.Encode(); !bytes.Equal(got, b) {
			t.Fatalf("accepted non-canonical bytes:\n  in %x\n out %x", b, got)
		}
		want := bt.SignBytes()
		for i, r := range bt.Records() {
			back, err := chain.DecodeRecord(r.Encode())
			if err != nil {
				t.Fatalf("record %d: batched form does not decode: %v", i, err)
			}
			if !bytes.Equal(back.EnvelopeSignBytes(), want) {
				t.Fatalf("record %d: path does not lead to the batch root", i)
			}
		}
	})
}
