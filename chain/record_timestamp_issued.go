package chain

import "time"

// TimestampHashAlg is the hash a time stamp token stamps, which also fixes
// its signature: SHA-256 tokens are signed with ECDSA P-256, SM3 tokens
// with SM2 (node/pki). Values are part of the encoding.
type TimestampHashAlg uint32

const (
	TimestampSHA256 TimestampHashAlg = 1
	TimestampSM3    TimestampHashAlg = 2
)

func (a TimestampHashAlg) String() string {
	switch a {
	case TimestampSHA256:
		return "sha256"
	case TimestampSM3:
		return "sm3"
	}
	return "unknown"
}

// TimestampIssued records that the submitting organisation's time-stamping
// authority (node/pki, RFC 3161) issued a token: the token's SM3, what it
// stamps and the commit it vouches for. A TSA on a Sealchain node grants a
// token only for a hash the chain committed, with genTime the block time of
// that commit, so the chain holds both ends: the commit, and the token that
// cites it. Anyone holding a token finds this record by the token's SM3
// (the document index) and learns which node issued it and when; a token
// without a record was not issued by the chain's TSA (or its record is
// still in flight: the node records every token it releases, in the next
// batches).
//
//	message TimestampIssued {
//	  bytes  token_sm3      = 1; // SM3 of the TimeStampToken (DER ContentInfo)
//	  uint32 hash_alg       = 2; // TimestampHashAlg of the message imprint: 1 SHA-256 (ECDSA token), 2 SM3 (SM2 token)
//	  bytes  stamped_hash   = 3; // the message imprint's hashed message, 32 bytes
//	  bytes  committed_hash = 4; // the document hash whose first commit's block time is gen_time
//	  int64  gen_time       = 5; // unix ns, the token's genTime
//	  bytes  tsa_cert       = 6; // fingerprint (SM3) of the TSA certificate that signed the token
//	}
//
// committed_hash equals stamped_hash for a token over a document hash
// (POST /v1/tsa); for a PAdES signature time stamp (POST /v1/tsa/signature)
// stamped_hash is the hash of the signature value and committed_hash the
// signed PDF's, the file that contains that value.
type TimestampIssued struct {
	TokenSM3      []byte
	HashAlg       TimestampHashAlg
	StampedHash   []byte
	CommittedHash []byte
	GenTime       int64
	TSACert       Fingerprint
}

// TypeTimestampIssued is timestamp_issued's record type number.
const TypeTimestampIssued Type = 32

func (*TimestampIssued) Type() Type         { return TypeTimestampIssued }
func (*TimestampIssued) ContractID() string { return "" }
func (*TimestampIssued) actor() actorRule   { return actorNone }

func (*TimestampIssued) Name() string { return "timestamp_issued" }
func (*TimestampIssued) Label() (zh, en string) {
	return "时间戳签发", "Time stamp issued"
}

// IndexKeys: the token's SM3, so that a token leads to its record, and the
// committed document, so that the document's evidence lists its tokens.
func (b *TimestampIssued) IndexKeys() IndexKeys {
	return IndexKeys{Docs: [][]byte{b.TokenSM3, b.CommittedHash}}
}

func (b *TimestampIssued) Fields() map[string]any {
	return map[string]any{"token_sm3": hexOf(b.TokenSM3), "hash_alg": b.HashAlg.String(), "stamped_hash": hexOf(b.StampedHash),
		"committed_hash": hexOf(b.CommittedHash), "gen_time": time.Unix(0, b.GenTime).UTC(), "tsa_cert": b.TSACert.String()}
}

func (b *TimestampIssued) encode(e *encoder) {
	e.bytes(1, b.TokenSM3)
	e.uint(2, uint64(b.HashAlg))
	e.bytes(3, b.StampedHash)
	e.bytes(4, b.CommittedHash)
	e.int(5, b.GenTime)
	e.bytes(6, b.TSACert[:])
}

func (b *TimestampIssued) decode(d *decoder) {
	b.TokenSM3 = d.bytes(1, "token_sm3")
	b.HashAlg = TimestampHashAlg(d.uint32(2, "hash_alg"))
	b.StampedHash = d.bytes(3, "stamped_hash")
	b.CommittedHash = d.bytes(4, "committed_hash")
	b.GenTime = d.int(5, "gen_time")
	copy(b.TSACert[:], d.fixed(6, "tsa_cert", fingerprintBytes))
}

func (b *TimestampIssued) Validate() error {
	if err := checkHash("body.token_sm3", b.TokenSM3, true); err != nil {
		return err
	}
	if b.HashAlg != TimestampSHA256 && b.HashAlg != TimestampSM3 {
		return invalid("body.hash_alg", "%d, want 1 (SHA-256) or 2 (SM3)", uint32(b.HashAlg))
	}
	if err := checkHash("body.stamped_hash", b.StampedHash, true); err != nil {
		return err
	}
	if err := checkHash("body.committed_hash", b.CommittedHash, true); err != nil {
		return err
	}
	if b.GenTime <= 0 {
		return invalid("body.gen_time", "missing")
	}
	if b.TSACert.IsZero() {
		return invalid("body.tsa_cert", "missing")
	}
	return nil
}

// Apply: a token's genTime is the block time of an earlier commit, so it
// is never after the block that records the token. Whether the committed
// hash is on chain is the TSA's check, against the document index, which is
// not consensus state; the record writes no state.
func (b *TimestampIssued) Apply(_ StateView, c *RuleContext) (Effects, *TxError) {
	if b.GenTime > c.Time.UnixNano() {
		return nil, Reject(CodeInvalidField, "body.gen_time", "%s is after the block time %s", time.Unix(0, b.GenTime).UTC(), c.Time)
	}
	return nil, nil
}
