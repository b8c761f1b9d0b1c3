package chain

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/transparency-dev/merkle/proof"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/sealchain/sealchain/chain/merklelog"
)

// A batch is one CometBFT transaction carrying up to MaxBatchRecords
// records under one envelope. Each record keeps its own actor signature;
// the submitting organisation signs once, over the SM3 Merkle root
// (RFC 6962) of the records' items, and names its credential by
// fingerprint, since the credential is on chain. That shares the two costs
// a stream of records repeats: the envelope signature every validator
// verifies, and the submitter's certificate in every transaction.
//
//	message Batch {
//	  uint32        version  = 1;  // BatchVersion
//	  string        chain_id = 2;
//	  repeated bytes records = 3;  // items: Tx fields 1–6 (Tx.Item)
//	  BatchEnvelope envelope = 4;  // { string org = 1; bytes cert = 2; bytes sig = 3; }
//	}
//
// The envelope signs BatchSignBytes: "sealchain/batch/v1" ‖ 0x00 ‖
// len(chain id) ‖ chain id ‖ { string org = 1; bytes cert = 2;
// uint32 size = 3; bytes root = 4; }. The root is over the items, leaf i
// hashed SM3(0x00 ‖ records[i]), so a record is checked against it with its
// index, the size and an RFC 6962 inclusion path, without the others.
//
// In the log each record is its own leaf, in the batched form (Tx field 8,
// see Tx): its item, the envelope, its index, the size and its path.
// Records returns those forms.

// BatchVersion is the wire version of a batch. A standalone Tx has version
// TxVersion in the same field, which is how a decoder tells them apart.
const BatchVersion = 2

// BatchRulesVersion is the rules version that introduces batches and the
// batched form; under earlier versions both are refused as a binary without
// them refuses them.
const BatchRulesVersion uint32 = 2

// Limits of a batch. Raising one is a consensus change.
const (
	// MaxBatchRecords bounds the records in a batch.
	MaxBatchRecords = 1000
	// MaxBatchBytes bounds a batch's encoding (CometBFT's default mempool
	// limit on one transaction).
	MaxBatchBytes = 1 << 20
	// MaxItemBytes bounds one item, so that its batched form, which adds
	// the envelope and a path of at most maxBatchDepth hashes (under 700
	// bytes), stays within MaxTxBytes like every leaf's transaction.
	MaxItemBytes = MaxTxBytes - 1024
	// maxBatchDepth is the longest path in a tree of MaxBatchRecords leaves.
	maxBatchDepth = 10
)

const domainBatch = "sealchain/batch/v1"

// BatchEnvelope is the submitting organisation's signature over a batch:
// the org, its submitter credential by fingerprint and the signature over
// BatchSignBytes.
type BatchEnvelope struct {
	Org  string
	Cert Fingerprint
	Sig  []byte
}

// BatchProof is what a batched record carries of its batch besides the
// envelope's org and signature (in Tx.Envelope): the credential, the
// batch's size, the record's index in it, and its path to the root.
type BatchProof struct {
	Cert  Fingerprint
	Size  uint32
	Index uint32
	Path  [][]byte
}

// Batch is a decoded batch: its records as items (Envelope zero, Batched
// nil) and the envelope.
type Batch struct {
	ChainID  string
	Items    []*Tx
	Envelope BatchEnvelope

	raw    [][]byte // the items' bytes, as carried
	hashes []Hash   // their record hashes, SHA-256 of each
	root   []byte
	paths  [][][]byte
}

// BatchSignBytes are what a batch's envelope signs.
func BatchSignBytes(chainID, org string, cert Fingerprint, size uint32, root []byte) []byte {
	var e encoder
	e.string(1, org)
	e.bytes(2, cert[:])
	e.uint(3, uint64(size))
	e.bytes(4, root)
	return signBytes(domainBatch, chainID, e.b)
}

// NewBatch assembles a batch of items (each a Tx with its actor signature,
// without envelope) for org's credential cert, and has sign sign it. It
// checks what DecodeBatch checks, so a batch it returns decodes.
func NewBatch(chainID, org string, cert Fingerprint, items []*Tx, sign func(msg []byte) ([]byte, error)) (*Batch, error) {
	b := &Batch{ChainID: chainID, Items: items, Envelope: BatchEnvelope{Org: org, Cert: cert}}
	b.raw = make([][]byte, len(items))
	b.hashes = make([]Hash, len(items))
	for i, it := range items {
		if it.Batched != nil || it.Envelope.Org != "" || it.Envelope.Cert != nil || it.Envelope.Sig != nil {
			return nil, fmt.Errorf("batch record %d: an item carries no envelope", i)
		}
		b.raw[i] = it.Item()
		b.hashes[i] = TxHash(b.raw[i])
	}
	sig, err := sign(b.SignBytes())
	if err != nil {
		return nil, fmt.Errorf("batch envelope signature: %w", err)
	}
	b.Envelope.Sig = sig
	enc := b.Encode()
	if _, err := DecodeBatch(enc, nil); err != nil {
		return nil, fmt.Errorf("build batch: %w", err)
	}
	return b, nil
}

// ItemHash is record i's record hash, SHA-256 of its item (as
// Items[i].ItemHash(), without encoding the item again).
func (b *Batch) ItemHash(i int) Hash { return b.hashes[i] }

// Root is the SM3 Merkle root of the batch's items.
func (b *Batch) Root() []byte {
	if b.root == nil {
		b.root, b.paths = batchTree(b.raw)
	}
	return b.root
}

// SignBytes are what the batch's envelope signs.
func (b *Batch) SignBytes() []byte {
	return BatchSignBytes(b.ChainID, b.Envelope.Org, b.Envelope.Cert, uint32(len(b.raw)), b.Root())
}

// Encode returns the batch's canonical bytes.
func (b *Batch) Encode() []byte {
	var e encoder
	e.uint(1, BatchVersion)
	e.string(2, b.ChainID)
	for _, r := range b.raw {
		e.element(3, r)
	}
	e.message(4, func(e *encoder) {
		e.string(1, b.Envelope.Org)
		e.bytes(2, b.Envelope.Cert[:])
		e.bytes(3, b.Envelope.Sig)
	})
	return e.b
}

// Records returns the batch's records in the batched form, in order: each
// the item with the envelope, its index, the size and its path. They are
// what the log stores, one leaf each.
func (b *Batch) Records() []*Tx {
	b.Root()
	out := make([]*Tx, len(b.Items))
	for i, it := range b.Items {
		r := *it
		r.Envelope = Envelope{Org: b.Envelope.Org, Sig: b.Envelope.Sig}
		r.Batched = &BatchProof{Cert: b.Envelope.Cert, Size: uint32(len(b.Items)), Index: uint32(i), Path: b.paths[i]}
		out[i] = &r
	}
	return out
}

// IsBatch reports whether b is encoded as a batch (its version field is
// BatchVersion) rather than as a standalone Tx. It reads only the first
// field; DecodeBatch checks the rest.
func IsBatch(b []byte) bool {
	num, typ, n := protowire.ConsumeTag(b)
	if n < 0 || num != 1 || typ != protowire.VarintType {
		return false
	}
	v, m := protowire.ConsumeVarint(b[n:])
	return m > 0 && v == BatchVersion
}

// DecodeWire decodes a transaction as CometBFT carries it, under rules
// version: a standalone Tx (field 7; never the batched form, which only the
// log holds), or from BatchRulesVersion on a Batch. Under an earlier
// version it is exactly DecodeTxFor as binaries before batches had it, so
// a batch, or a record in the batched form, is refused there as those
// binaries refuse it. Exactly one of the results is non-nil on success.
func DecodeWire(b []byte, known func(Type) bool, version uint32) (*Tx, *Batch, error) {
	if version >= BatchRulesVersion && IsBatch(b) {
		batch, err := DecodeBatch(b, known)
		return nil, batch, err
	}
	tx, err := decodeTx(b, known, formStandalone)
	return tx, nil, err
}

// DecodeBatch parses canonical batch bytes and checks every stateless rule of
// the batch and of each record (as DecodeTxFor does for a standalone tx);
// an error names the record (records[i].actor.sig). It does not verify
// signatures.
func DecodeBatch(b []byte, known func(Type) bool) (*Batch, error) {
	if len(b) > MaxBatchBytes {
		return nil, fieldErr("batch", fmt.Errorf("%w: %d bytes exceeds the limit of %d", ErrTooLarge, len(b), MaxBatchBytes))
	}
	d := newDecoder(b, "")
	v := d.uint32(1, "version")
	bt := &Batch{}
	bt.ChainID = d.string(2, "chain_id")
	bt.raw = d.elements(3, "records", MaxBatchRecords)
	d.message(4, "envelope", func(d *decoder) {
		bt.Envelope.Org = d.string(1, "org")
		copy(bt.Envelope.Cert[:], d.fixed(2, "cert", fingerprintBytes))
		bt.Envelope.Sig = d.bytes(3, "sig")
	})
	d.finish()
	if d.err != nil {
		return nil, d.err
	}
	if v != BatchVersion {
		return nil, fieldErr("version", fmt.Errorf("%w: %d, want batch version %d", ErrVersion, v, BatchVersion))
	}
	if err := checkID("chain_id", bt.ChainID); err != nil {
		return nil, err
	}
	if len(bt.raw) == 0 {
		return nil, invalid("records", "a batch has at least one record")
	}
	if err := checkID("envelope.org", bt.Envelope.Org); err != nil {
		return nil, err
	}
	if bt.Envelope.Cert.IsZero() {
		return nil, invalid("envelope.cert", "missing")
	}
	if n := len(bt.Envelope.Sig); n == 0 || n > MaxSigBytes {
		return nil, invalid("envelope.sig", "length %d, want 1..%d", n, MaxSigBytes)
	}
	bt.Items = make([]*Tx, len(bt.raw))
	bt.hashes = make([]Hash, len(bt.raw))
	seen := make(map[Hash]int, len(bt.raw))
	for i, r := range bt.raw {
		prefix := fmt.Sprintf("records[%d]", i)
		if len(r) > MaxItemBytes {
			return nil, fieldErr(prefix, fmt.Errorf("%w: %d bytes exceeds the limit of %d", ErrTooLarge, len(r), MaxItemBytes))
		}
		if len(r) == 0 {
			return nil, invalid(prefix, "empty")
		}
		it, err := decodeTx(r, known, formItem)
		if err != nil {
			return nil, prefixErr(prefix, err)
		}
		if it.ChainID != bt.ChainID {
			return nil, invalid(prefix+".chain_id", "%q, the batch's is %q", it.ChainID, bt.ChainID)
		}
		h := TxHash(r)
		if j, dup := seen[h]; dup {
			return nil, invalid(prefix, "the same item as records[%d]", j)
		}
		seen[h] = i
		bt.Items[i], bt.hashes[i] = it, h
	}
	if !bytes.Equal(bt.Encode(), b) {
		return nil, malformed("batch", "not in canonical form")
	}
	return bt, nil
}

// prefixErr puts a record's position in front of the field an error names.
func prefixErr(prefix string, err error) error {
	var fe *FieldError
	if errors.As(err, &fe) {
		return &FieldError{Field: prefix + "." + fe.Field, Err: fe.Err}
	}
	return fieldErr(prefix, err)
}

// validateBatched checks a batched record's proof: the envelope fields, and
// a path that is one of a tree of its size (its root is what the envelope
// signature is verified against).
func (tx *Tx) validateBatched() error {
	bp := tx.Batched
	if err := checkID("batch.org", tx.Envelope.Org); err != nil {
		return err
	}
	if bp.Cert.IsZero() {
		return invalid("batch.cert", "missing")
	}
	if n := len(tx.Envelope.Sig); n == 0 || n > MaxSigBytes {
		return invalid("batch.sig", "length %d, want 1..%d", n, MaxSigBytes)
	}
	if bp.Size == 0 || bp.Size > MaxBatchRecords {
		return invalid("batch.size", "%d, want 1..%d", bp.Size, MaxBatchRecords)
	}
	if bp.Index >= bp.Size {
		return invalid("batch.index", "%d, beyond the batch's %d records", bp.Index, bp.Size)
	}
	if len(tx.Item()) > MaxItemBytes {
		return fieldErr("tx", fmt.Errorf("%w: the item is %d bytes, the limit is %d", ErrTooLarge, len(tx.Item()), MaxItemBytes))
	}
	for i, p := range bp.Path {
		if len(p) != hashBytes {
			return invalid(fmt.Sprintf("batch.path[%d]", i), "length %d, want %d", len(p), hashBytes)
		}
	}
	if _, err := tx.BatchRoot(); err != nil {
		return invalid("batch.path", "%v", err)
	}
	return nil
}

// BatchRoot is the root a batched record's path leads to from its item:
// the root its envelope signature must verify against.
func (tx *Tx) BatchRoot() ([]byte, error) {
	bp := tx.Batched
	if bp == nil {
		return nil, errors.New("not a batched record")
	}
	h := merklelog.SM3()
	root, err := proof.RootFromInclusionProof(h, uint64(bp.Index), uint64(bp.Size), h.HashLeaf(tx.Item()), bp.Path)
	if err != nil {
		return nil, fmt.Errorf("path of record %d in a batch of %d: %w", bp.Index, bp.Size, err)
	}
	return root, nil
}

// batchTree returns the RFC 6962 SM3 root of items and every item's
// inclusion path (leaf to root), in one pass: O(n log n) hashes.
func batchTree(items [][]byte) ([]byte, [][][]byte) {
	h := merklelog.SM3()
	paths := make([][][]byte, len(items))
	if len(items) == 0 {
		return h.EmptyRoot(), paths
	}
	var build func(lo, hi int) []byte
	build = func(lo, hi int) []byte {
		if hi-lo == 1 {
			return h.HashLeaf(items[lo])
		}
		k := 1 // the largest power of two below hi-lo (RFC 6962 §2.1)
		for k<<1 < hi-lo {
			k <<= 1
		}
		l, r := build(lo, lo+k), build(lo+k, hi)
		for i := lo; i < lo+k; i++ {
			paths[i] = append(paths[i], r)
		}
		for i := lo + k; i < hi; i++ {
			paths[i] = append(paths[i], l)
		}
		return h.HashChildren(l, r)
	}
	return build(0, len(items)), paths
}

// RecordResult is FinalizeBlock's answer for one record of a batch: code 0
// and its log index, or the code and message of the rule it failed.
type RecordResult struct {
	Code  uint32
	Index uint64
	Log   string // not in EncodeBatchResult: see BatchResultLog
}

// EncodeBatchResult encodes the per-record results a batch's ExecTxResult
// carries as its data:
//
//	message BatchResult { repeated RecordResult records = 1; }
//	message RecordResult { uint32 code = 1; uint64 log_index = 2; }
//
// The data is part of CometBFT's LastResultsHash, which every validator must
// compute alike, so it holds codes and indexes only; the messages, whose
// wording may differ between releases and libraries (an x509 parse
// error), go to the result's log (BatchResultLog), which CometBFT does not
// hash, as it does not hash a standalone tx's log.
func EncodeBatchResult(rs []RecordResult) []byte {
	var e encoder
	for _, r := range rs {
		var m encoder
		m.uint(1, uint64(r.Code))
		m.uint(2, r.Index)
		e.element(1, m.b)
	}
	return e.b
}

// BatchResultLog is the log of a batch's ExecTxResult: a line
// "records[i]: message" for each refused record.
func BatchResultLog(rs []RecordResult) string {
	var b strings.Builder
	for i, r := range rs {
		if r.Code == CodeOK {
			continue
		}
		fmt.Fprintf(&b, "records[%d]: %s\n", i, strings.ReplaceAll(r.Log, "\n", " "))
	}
	return b.String()
}

// DecodeBatchResult decodes EncodeBatchResult's data and takes each refused
// record's message from log (BatchResultLog's lines; a record without a
// line keeps an empty message).
func DecodeBatchResult(data []byte, log string) ([]RecordResult, error) {
	d := newDecoder(data, "batch_result")
	els := d.elements(1, "records", MaxBatchRecords)
	d.finish()
	if d.err != nil {
		return nil, d.err
	}
	out := make([]RecordResult, len(els))
	for i, el := range els {
		m := newDecoder(el, fmt.Sprintf("batch_result.records[%d]", i))
		out[i].Code = m.uint32(1, "code")
		out[i].Index = m.uint(2, "log_index")
		m.finish()
		if m.err != nil {
			return nil, m.err
		}
	}
	for _, line := range strings.Split(log, "\n") {
		rest, ok := strings.CutPrefix(line, "records[")
		if !ok {
			continue
		}
		n, msg, ok := strings.Cut(rest, "]: ")
		i, err := strconv.Atoi(n)
		if ok && err == nil && i >= 0 && i < len(out) && out[i].Code != CodeOK {
			out[i].Log = msg
		}
	}
	return out, nil
}
