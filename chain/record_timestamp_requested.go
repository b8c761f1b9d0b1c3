package chain

// TimestampPurpose says what a hash committed by timestamp_requested will
// be stamped as. Values are part of the encoding.
type TimestampPurpose uint32

const (
	// TimestampDocument: a PAdES document time stamp (/Type /DocTimeStamp,
	// /SubFilter /ETSI.RFC3161): hash is the digest of the PDF revision's
	// byte range, which ends with the time stamp's own empty /Contents.
	TimestampDocument TimestampPurpose = 1
)

func (p TimestampPurpose) String() string {
	if p == TimestampDocument {
		return "document"
	}
	return "unknown"
}

// TimestampRequested commits a hash so that the organisation's
// time-stamping authority (node/pki) can stamp it. The chain's TSA grants
// a token only for a hash the chain committed, with genTime the block time
// of that commit; a signature value is inside a committed signed PDF (B-T),
// but the digest of a new PDF revision (a document time stamp, PAdES
// B-LTA) is not in any record until this one commits it. The TSA then
// issues the token and records it with timestamp_issued as for any other
// hash.
//
//	message TimestampRequested {
//	  uint32 hash_alg    = 1; // TimestampHashAlg of hash: 1 SHA-256 (ECDSA token), 2 SM3 (SM2 token)
//	  bytes  hash        = 2; // the hash to be stamped (the message imprint), 32 bytes
//	  uint32 purpose     = 3; // TimestampPurpose: 1 PAdES document time stamp
//	  bytes  doc_sm3     = 4; // optional: SM3 of the committed document the stamped revision extends
//	  string contract_id = 5; // optional: the contract that document belongs to
//	}
//
// Submitted with an organisation's submitter credential (the node does it
// for POST /v1/tsa/document); it writes no state.
type TimestampRequested struct {
	HashAlg  TimestampHashAlg
	Hash     []byte
	Purpose  TimestampPurpose
	DocSM3   []byte
	Contract string
}

// TypeTimestampRequested is timestamp_requested's record type number.
const TypeTimestampRequested Type = 33

func (*TimestampRequested) Type() Type           { return TypeTimestampRequested }
func (b *TimestampRequested) ContractID() string { return b.Contract }
func (*TimestampRequested) actor() actorRule     { return actorNone }

func (*TimestampRequested) Name() string { return "timestamp_requested" }
func (*TimestampRequested) Label() (zh, en string) {
	return "时间戳申请", "Time stamp requested"
}

// IndexKeys: the hash, which is how the TSA finds its commit time (the
// document index, as for any committed document), and the document it
// extends, so that the document's evidence lists its archive time stamps.
func (b *TimestampRequested) IndexKeys() IndexKeys {
	k := IndexKeys{Docs: [][]byte{b.Hash}}
	if len(b.DocSM3) > 0 {
		k.Docs = append(k.Docs, b.DocSM3)
	}
	return k
}

func (b *TimestampRequested) Fields() map[string]any {
	f := map[string]any{"hash_alg": b.HashAlg.String(), "hash": hexOf(b.Hash), "purpose": b.Purpose.String()}
	if len(b.DocSM3) > 0 {
		f["doc_sm3"] = hexOf(b.DocSM3)
	}
	if b.Contract != "" {
		f["contract_id"] = b.Contract
	}
	return f
}

func (b *TimestampRequested) encode(e *encoder) {
	e.uint(1, uint64(b.HashAlg))
	e.bytes(2, b.Hash)
	e.uint(3, uint64(b.Purpose))
	e.bytes(4, b.DocSM3)
	e.string(5, b.Contract)
}

func (b *TimestampRequested) decode(d *decoder) {
	b.HashAlg = TimestampHashAlg(d.uint32(1, "hash_alg"))
	b.Hash = d.bytes(2, "hash")
	b.Purpose = TimestampPurpose(d.uint32(3, "purpose"))
	b.DocSM3 = d.bytes(4, "doc_sm3")
	b.Contract = d.string(5, "contract_id")
}

func (b *TimestampRequested) Validate() error {
	if b.HashAlg != TimestampSHA256 && b.HashAlg != TimestampSM3 {
		return invalid("body.hash_alg", "%d, want 1 (SHA-256) or 2 (SM3)", uint32(b.HashAlg))
	}
	if err := checkHash("body.hash", b.Hash, true); err != nil {
		return err
	}
	if b.Purpose != TimestampDocument {
		return invalid("body.purpose", "%d, want 1 (document time stamp)", uint32(b.Purpose))
	}
	if err := checkHash("body.doc_sm3", b.DocSM3, false); err != nil {
		return err
	}
	if b.Contract != "" {
		return checkID("body.contract_id", b.Contract)
	}
	return nil
}

// Apply: nothing to check against state. The hash is a digest nobody can
// tie to anything before it is stamped, and the submitter's credential
// (the envelope) says which organisation asked.
func (b *TimestampRequested) Apply(StateView, *RuleContext) (Effects, *TxError) {
	return nil, nil
}
