package chain

import (
	"bytes"
	"crypto/sha256"
	"fmt"

	"github.com/emmansun/gmsm/sm3"
	"google.golang.org/protobuf/encoding/protowire"
)

// TxVersion is the only transaction format version this code reads or writes.
const TxVersion = 1

// Domain-separation tags: each signature covers tag ‖ len(chain id) ‖ chain id ‖ canonical bytes,
// so a signature made for one purpose or one chain is useless for any other.
const (
	domainActor    = "sealchain/actor/v1"
	domainEnvelope = "sealchain/envelope/v1"
	domainIntent   = "sealchain/intent/v1"
)

// Limits on sizes. They bound the cost of decoding and of CheckTx; raising
// one is a consensus change.
const (
	MaxTxBytes       = 64 << 10
	MaxCertBytes     = 4096
	MaxSigBytes      = 160
	MaxIDBytes       = 64
	MaxParties       = 32
	fingerprintBytes = 32
	hashBytes        = 32
)

// Fingerprint names a certificate on chain: SM3 over its DER.
type Fingerprint [32]byte

// FingerprintOf returns SM3(der).
func FingerprintOf(der []byte) Fingerprint { return sm3.Sum(der) }

func (f Fingerprint) String() string { return fmt.Sprintf("%x", f[:]) }

// IsZero reports whether f is unset.
func (f Fingerprint) IsZero() bool { return f == Fingerprint{} }

// Signature is an actor's signature: the certificate it was made with, named
// by fingerprint (the certificate is on chain in a cert-issued record), and the
// signature over ActorSignBytes.
type Signature struct {
	Cert Fingerprint
	Sig  []byte
}

// Envelope is the submitting organisation's signature: the org, its submitter
// certificate (issued by the org's CA) and the signature over EnvelopeSignBytes.
type Envelope struct {
	Org  string
	Cert []byte // DER
	Sig  []byte
}

// Tx is one record: a record body with its actor and envelope signatures.
// Field numbers are part of the consensus encoding.
//
//	message Tx {
//	  uint32     version  = 1;  // TxVersion
//	  string     chain_id = 2;
//	  uint64     nonce    = 3;  // chosen by the submitter; makes otherwise equal txs distinct
//	  uint32     type     = 4;  // record type
//	  bytes      body     = 5;  // canonical encoding of the record body
//	  Signature  actor    = 6;  // { bytes cert = 1; bytes sig = 2; }
//	  Envelope   envelope = 7;  // { string org = 1; bytes cert = 2; bytes sig = 3; }
//	  BatchProof batch    = 8;  // { string org = 1; bytes cert = 2; bytes sig = 3;
//	                            //   uint32 size = 4; uint32 index = 5; repeated bytes path = 6; }
//	}
//
// A record comes in one of three forms. Fields 1–6 alone are its item, the
// part the actor signs and a batch carries (batch.go). With field 7 it is a
// standalone transaction, the only form before rules version 2. With field 8
// it is a batched record: the form the log stores for a record that came in
// a batch, which carries what checks it without the batch's other records
// (the envelope, and the record's path to the root the envelope signs).
type Tx struct {
	Version  uint32
	ChainID  string
	Nonce    uint64
	Body     Body
	Actor    *Signature // nil for records no person signs (e.g. cert issued)
	Envelope Envelope   // in the batched form, Org and Sig are the batch envelope's, Cert is nil
	Batched  *BatchProof
}

const (
	partActor = 1 << iota
	partEnvelope
)

func (tx *Tx) encode(parts int) []byte {
	var e encoder
	e.uint(1, uint64(tx.Version))
	e.string(2, tx.ChainID)
	e.uint(3, tx.Nonce)
	if tx.Body != nil {
		e.uint(4, uint64(tx.Body.Type()))
		var b encoder
		tx.Body.encode(&b)
		e.element(5, b.b) // written even when empty: a body with no fields is still a body
	}
	if parts&partActor != 0 && tx.Actor != nil {
		e.message(6, func(e *encoder) {
			e.bytes(1, tx.Actor.Cert[:])
			e.bytes(2, tx.Actor.Sig)
		})
	}
	switch {
	case parts&partEnvelope == 0:
	case tx.Batched != nil:
		e.message(8, func(e *encoder) {
			e.string(1, tx.Envelope.Org)
			e.bytes(2, tx.Batched.Cert[:])
			e.bytes(3, tx.Envelope.Sig)
			e.uint(4, uint64(tx.Batched.Size))
			e.uint(5, uint64(tx.Batched.Index))
			for _, p := range tx.Batched.Path {
				e.element(6, p)
			}
		})
	default:
		e.message(7, func(e *encoder) {
			e.string(1, tx.Envelope.Org)
			e.bytes(2, tx.Envelope.Cert)
			e.bytes(3, tx.Envelope.Sig)
		})
	}
	return e.b
}

// Encode returns the canonical bytes of the whole transaction.
func (tx *Tx) Encode() []byte { return tx.encode(partActor | partEnvelope) }

// ActorSignBytes are what the actor signs: the version, chain id, nonce and body.
func (tx *Tx) ActorSignBytes() []byte { return signBytes(domainActor, tx.ChainID, tx.encode(0)) }

// Item returns the record's item: fields 1–6, what a batch carries and what
// its record hash is taken over.
func (tx *Tx) Item() []byte { return tx.encode(partActor) }

// ItemHash is the record hash of a batched record, SHA-256 of its item: the
// key the chain refuses a replay by and answers a lookup by, the same in
// whatever batch the item came. A standalone tx's lookup key is TxHash of
// its bytes.
func (tx *Tx) ItemHash() Hash { return TxHash(tx.Item()) }

// EnvelopeSignBytes are what the submitting organisation signs. For a
// standalone tx: everything but its own signature, including the actor's
// signature. For a batched record: the batch's envelope over the root its
// path leads to (BatchSignBytes); an error there means the path is not a
// path of a tree of that size.
func (tx *Tx) EnvelopeSignBytes() []byte {
	if tx.Batched != nil {
		root, err := tx.BatchRoot()
		if err != nil {
			// validate refuses such a record; nothing signs these bytes.
			return nil
		}
		return BatchSignBytes(tx.ChainID, tx.Envelope.Org, tx.Batched.Cert, tx.Batched.Size, root)
	}
	saved := tx.Envelope.Sig
	tx.Envelope.Sig = nil
	b := tx.encode(partActor | partEnvelope)
	tx.Envelope.Sig = saved
	return signBytes(domainEnvelope, tx.ChainID, b)
}

func signBytes(domain, chainID string, msg []byte) []byte {
	b := make([]byte, 0, len(domain)+1+protowire.SizeVarint(uint64(len(chainID)))+len(chainID)+len(msg))
	b = append(b, domain...)
	b = append(b, 0)
	b = protowire.AppendString(b, chainID)
	return append(b, msg...)
}

// DecodeTx parses canonical transaction bytes and checks every field's
// stateless rules. It never panics; any input that Encode could not have
// produced is rejected.
func DecodeTx(b []byte) (*Tx, error) { return DecodeTxFor(b, nil) }

// DecodeTxFor decodes b as a binary whose registry holds only the record
// types known reports (nil: every registered type) would: a type it does not
// know fails exactly where and how an unregistered type number fails
// (ErrUnknownType, before the body is read). The app passes the types of
// the rules version in force, so a type a later version introduces is
// answered as a binary without it answers.
func DecodeTxFor(b []byte, known func(Type) bool) (*Tx, error) {
	return decodeTx(b, known, formStandalone)
}

// DecodeRecord parses a log leaf's transaction (Entry.Tx): a standalone tx,
// or a record in the batched form (field 8) that a batch's expansion put in
// the log. Everything that reads leaves uses it; DecodeTx reads only what a
// submitter sends alone.
func DecodeRecord(b []byte) (*Tx, error) { return decodeTx(b, nil, formStandalone|formBatched) }

// Forms a decoder accepts: a standalone tx (field 7), a batched record
// (field 8), or an item (neither).
const (
	formStandalone = 1 << iota
	formBatched
	formItem
)

func decodeTx(b []byte, known func(Type) bool, forms int) (*Tx, error) {
	if len(b) > MaxTxBytes {
		return nil, fieldErr("tx", fmt.Errorf("%w: %d bytes exceeds the limit of %d", ErrTooLarge, len(b), MaxTxBytes))
	}
	if len(b) == 0 {
		return nil, malformed("tx", "empty")
	}
	tx := &Tx{}
	d := newDecoder(b, "")
	tx.Version = d.uint32(1, "version")
	tx.ChainID = d.string(2, "chain_id")
	tx.Nonce = d.uint(3, "nonce")
	typ := Type(d.uint32(4, "type"))
	var body []byte
	hasBody := d.take(5, protowire.BytesType, "body")
	if hasBody {
		body = d.raw
		d.peek()
	}
	var actor Signature
	hasActor := d.message(6, "actor", func(d *decoder) {
		copy(actor.Cert[:], d.fixed(1, "cert", fingerprintBytes))
		actor.Sig = d.bytes(2, "sig")
	})
	if forms&formStandalone != 0 {
		d.message(7, "envelope", func(d *decoder) {
			tx.Envelope.Org = d.string(1, "org")
			tx.Envelope.Cert = d.bytes(2, "cert")
			tx.Envelope.Sig = d.bytes(3, "sig")
		})
	}
	if forms&formBatched != 0 {
		var bp BatchProof
		if d.message(8, "batch", func(d *decoder) {
			tx.Envelope.Org = d.string(1, "org")
			copy(bp.Cert[:], d.fixed(2, "cert", fingerprintBytes))
			tx.Envelope.Sig = d.bytes(3, "sig")
			bp.Size = d.uint32(4, "size")
			bp.Index = d.uint32(5, "index")
			bp.Path = d.elements(6, "path", maxBatchDepth)
		}) {
			tx.Batched = &bp
		}
	}
	d.finish()
	if d.err != nil {
		return nil, d.err
	}
	if tx.Batched != nil && tx.Envelope.Cert != nil {
		return nil, invalid("batch", "a record carries an envelope (field 7) or a batch proof (field 8), not both")
	}
	if tx.Version != TxVersion {
		return nil, fieldErr("version", fmt.Errorf("%w: %d (this node reads version %d)", ErrVersion, tx.Version, TxVersion))
	}
	if !hasBody || typ == 0 {
		return nil, invalid("type", "missing record type or body")
	}
	if known != nil && !known(typ) {
		return nil, unknownType(typ)
	}
	bd, err := decodeBody(typ, body)
	if err != nil {
		return nil, err
	}
	tx.Body = bd
	if hasActor {
		tx.Actor = &actor
	}
	if !bytes.Equal(tx.Encode(), b) {
		// Every rule above should make this unreachable; it is the last guard
		// that the bytes signed are the only bytes that decode.
		return nil, malformed("tx", "not in canonical form")
	}
	if err := tx.validate(forms); err != nil {
		return nil, err
	}
	return tx, nil
}

func (tx *Tx) validate(forms int) error {
	if err := checkID("chain_id", tx.ChainID); err != nil {
		return err
	}
	switch {
	case tx.Batched != nil:
		if err := tx.validateBatched(); err != nil {
			return err
		}
	case forms&formItem != 0:
		// An item has no envelope: its batch has one.
		if tx.Envelope.Org != "" || tx.Envelope.Cert != nil || tx.Envelope.Sig != nil {
			return invalid("envelope", "an item in a batch carries no envelope")
		}
	default:
		if err := checkID("envelope.org", tx.Envelope.Org); err != nil {
			return err
		}
		if n := len(tx.Envelope.Cert); n == 0 || n > MaxCertBytes {
			return invalid("envelope.cert", "length %d, want 1..%d", n, MaxCertBytes)
		}
		if n := len(tx.Envelope.Sig); n == 0 || n > MaxSigBytes {
			return invalid("envelope.sig", "length %d, want 1..%d", n, MaxSigBytes)
		}
	}
	needActor := tx.Body.actor() != actorNone
	switch {
	case needActor && tx.Actor == nil:
		return invalid("actor", "record type %s needs an actor signature", tx.Body.Type())
	case !needActor && tx.Actor != nil && tx.Body.actor() == actorNone:
		return invalid("actor", "record type %s takes no actor signature", tx.Body.Type())
	}
	if tx.Actor != nil {
		if tx.Actor.Cert.IsZero() {
			return invalid("actor.cert", "missing")
		}
		if n := len(tx.Actor.Sig); n == 0 || n > MaxSigBytes {
			return invalid("actor.sig", "length %d, want 1..%d", n, MaxSigBytes)
		}
	}
	return tx.Body.Validate()
}

// Hash is the transaction hash CometBFT reports: SHA-256 of the tx bytes.
type Hash [32]byte

func (h Hash) String() string { return fmt.Sprintf("%X", h[:]) }

// TxHash returns the CometBFT transaction hash of tx bytes.
func TxHash(b []byte) Hash { return sha256.Sum256(b) }
