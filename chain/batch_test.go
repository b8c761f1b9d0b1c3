package chain

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/sealchain/sealchain/chain/merklelog"
)

// sampleItems returns n distinct items made from the registry's samples.
func sampleItems(n int) []*Tx {
	samples := registrySamples()
	items := make([]*Tx, n)
	for i := range items {
		tx := sampleTx(samples[i%len(samples)].body)
		tx.Nonce = uint64(i + 1)
		tx.Envelope = Envelope{}
		items[i] = tx
	}
	return items
}

func sampleBatch(t testing.TB, n int) *Batch {
	t.Helper()
	b, err := NewBatch("test-chain", "platform", fpOf(40), sampleItems(n), func(msg []byte) ([]byte, error) {
		return []byte{byte(len(msg)), 1, 2}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestBatchRoundTrip: a batch decodes to itself, every record's batched
// form decodes as a log record, its path leads to the batch root, and its
// envelope signs the batch's sign bytes, for sizes around powers of two.
func TestBatchRoundTrip(t *testing.T) {
	for _, n := range []int{1, 2, 3, 4, 5, 7, 8, 9, 31, 64, 100, MaxBatchRecords} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			b := sampleBatch(t, n)
			raw := b.Encode()
			if !IsBatch(raw) {
				t.Fatal("IsBatch false on a batch")
			}
			got, err := DecodeBatch(raw, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Encode(), raw) || !bytes.Equal(got.Root(), b.Root()) {
				t.Fatal("decoded batch differs")
			}
			if _, _, err := DecodeWire(raw, nil, BatchRulesVersion-1); err == nil {
				t.Fatal("a batch decoded under the rules before batches")
			}
			if tx, bt, err := DecodeWire(raw, nil, BatchRulesVersion); err != nil || tx != nil || bt == nil {
				t.Fatalf("DecodeWire: %v", err)
			}
			want := b.SignBytes()
			for i, r := range got.Records() {
				enc := r.Encode()
				if len(enc) > MaxTxBytes {
					t.Fatalf("record %d: batched form %d bytes", i, len(enc))
				}
				back, err := DecodeRecord(enc)
				if err != nil {
					t.Fatalf("record %d: %v", i, err)
				}
				if !bytes.Equal(back.Encode(), enc) || !bytes.Equal(back.Item(), b.Items[i].Item()) {
					t.Fatalf("record %d: round trip differs", i)
				}
				if !bytes.Equal(back.EnvelopeSignBytes(), want) {
					t.Fatalf("record %d: envelope sign bytes differ from the batch's", i)
				}
				if back.ItemHash() != TxHash(b.Items[i].Item()) {
					t.Fatalf("record %d: item hash", i)
				}
				if _, err := DecodeTx(enc); err == nil {
					t.Fatalf("record %d: DecodeTx (standalone only) accepted the batched form", i)
				}
				if _, _, err := DecodeWire(enc, nil, BatchRulesVersion); err == nil {
					t.Fatalf("record %d: the wire accepted the batched form", i)
				}
			}
		})
	}
}

// TestBatchTreeMatchesLog: the batch root is the RFC 6962 root the log's
// own verifier accepts for each path.
func TestBatchTreeMatchesLog(t *testing.T) {
	h := merklelog.SM3()
	for n := 1; n <= 33; n++ {
		items := make([][]byte, n)
		for i := range items {
			items[i] = []byte{byte(i), byte(n)}
		}
		root, paths := batchTree(items)
		for i := range items {
			if err := merklelog.VerifyInclusion(h, uint64(i), uint64(n), h.HashLeaf(items[i]), paths[i], root); err != nil {
				t.Fatalf("n=%d i=%d: %v", n, i, err)
			}
		}
	}
}

// TestBatchedRecordTamper: changing any part of a batched record's proof or
// item either fails to decode or changes the root its envelope must sign.
func TestBatchedRecordTamper(t *testing.T) {
	b := sampleBatch(t, 9)
	want := b.SignBytes()
	r := b.Records()[4]
	mutants := map[string]func(tx *Tx){
		"sibling path element": func(tx *Tx) {
			tx.Batched.Path[0] = append([]byte(nil), tx.Batched.Path[0]...)
			tx.Batched.Path[0][0] ^= 1
		},
		"last path element": func(tx *Tx) { p := tx.Batched.Path; p[len(p)-1] = bytes.Repeat([]byte{7}, 32) },
		"index":             func(tx *Tx) { tx.Batched.Index = 5 },
		"size":              func(tx *Tx) { tx.Batched.Size = 10 },
		"cert":              func(tx *Tx) { tx.Batched.Cert = fpOf(41) },
		"org":               func(tx *Tx) { tx.Envelope.Org = "other" },
		"nonce":             func(tx *Tx) { tx.Nonce++ },
		"chain":             func(tx *Tx) { tx.ChainID = "other-chain" },
		"path dropped":      func(tx *Tx) { tx.Batched.Path = tx.Batched.Path[1:] },
		"path extended":     func(tx *Tx) { tx.Batched.Path = append(tx.Batched.Path, make([]byte, 32)) },
	}
	for name, mutate := range mutants {
		t.Run(name, func(t *testing.T) {
			m := *r
			bp := *r.Batched
			bp.Path = append([][]byte(nil), bp.Path...)
			m.Batched = &bp
			mutate(&m)
			back, err := DecodeRecord(m.Encode())
			if err != nil {
				return // refused at decoding: fine
			}
			if bytes.Equal(back.EnvelopeSignBytes(), want) {
				t.Fatal("mutant still matches the envelope's signed bytes")
			}
		})
	}
}

// TestBatchRejects: the whole batch is refused, naming the record and field.
func TestBatchRejects(t *testing.T) {
	good := sampleBatch(t, 3)
	sign := func([]byte) ([]byte, error) { return []byte{1}, nil }
	build := func(mutate func(b *Batch)) []byte {
		b := *good
		b.raw = append([][]byte(nil), good.raw...)
		b.root = nil
		mutate(&b)
		return b.Encode()
	}
	withEnvelope := sampleItems(2)
	withEnvelope[1].Envelope = Envelope{Org: "x", Cert: []byte{1}, Sig: []byte{1}}
	if _, err := NewBatch("test-chain", "platform", fpOf(40), withEnvelope, sign); err == nil {
		t.Error("NewBatch accepted an item with an envelope")
	}
	otherChain := sampleItems(1)[0]
	otherChain.ChainID = "other-chain"
	cases := []struct {
		name, field string
		sentinel    error
		raw         []byte
	}{
		{"no records", "records", ErrInvalid, build(func(b *Batch) { b.raw = nil })},
		{"duplicate record", "records[2]", ErrInvalid, build(func(b *Batch) { b.raw[2] = b.raw[0] })},
		{"record with envelope", "records[1].7", ErrMalformed, build(func(b *Batch) { b.raw[1] = sampleTx(&ContractCompleted{Contract: "c"}).Encode() })},
		{"record of another chain", "records[1].chain_id", ErrInvalid, build(func(b *Batch) { b.raw[1] = otherChain.Item() })},
		{"record garbage", "records[0]", ErrMalformed, build(func(b *Batch) { b.raw[0] = []byte{0xff} })},
		{"no envelope cert", "envelope.cert", ErrInvalid, build(func(b *Batch) { b.Envelope.Cert = Fingerprint{} })},
		{"no envelope sig", "envelope.sig", ErrInvalid, build(func(b *Batch) { b.Envelope.Sig = nil })},
		{"too many records", "records", ErrInvalid, build(func(b *Batch) {
			for len(b.raw) <= MaxBatchRecords {
				b.raw = append(b.raw, b.raw[0])
			}
		})},
		{"too large", "batch", ErrTooLarge, make([]byte, MaxBatchBytes+1)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := DecodeBatch(c.raw, nil)
			var fe *FieldError
			if !errors.As(err, &fe) || !errors.Is(err, c.sentinel) {
				t.Fatalf("error %v, want a field error wrapping %v", err, c.sentinel)
			}
			if !strings.HasPrefix(fe.Field, c.field) {
				t.Fatalf("field %q, want %q", fe.Field, c.field)
			}
		})
	}
}

func TestBatchResultRoundTrip(t *testing.T) {
	rs := []RecordResult{{Code: 0, Index: 0}, {Code: 0, Index: 17}, {Code: CodeReplay, Log: "field tx: replay"}, {},
		{Code: CodeBadCert, Log: "field cert: x509: two\nlines"}}
	data, log := EncodeBatchResult(rs), BatchResultLog(rs)
	got, err := DecodeBatchResult(data, log)
	if err != nil {
		t.Fatal(err)
	}
	rs[4].Log = "field cert: x509: two lines"
	if fmt.Sprint(got) != fmt.Sprint(rs) {
		t.Fatalf("got %v, want %v", got, rs)
	}
	// The hashed data holds no message: a release that words a refusal
	// differently computes the same LastResultsHash.
	reworded := append([]RecordResult(nil), rs...)
	reworded[2].Log, reworded[4].Log = "other words", ""
	if !bytes.Equal(EncodeBatchResult(reworded), data) {
		t.Fatal("the data depends on the messages")
	}
	if got, err := DecodeBatchResult(data, ""); err != nil || got[2].Log != "" || got[2].Code != CodeReplay {
		t.Fatalf("without a log: %v %v", got, err)
	}
}
