// Command vectorgen writes chain/testdata/vectors.json: canonical encodings
// of every record type, signed with real keys, plus negative vectors made by
// mutating them, each naming the error class and field the decoder must
// report.
//
//	go run ./chain/internal/vectorgen -out chain/testdata/vectors.json
//
// Keys are fresh on every run, so the output differs from run to run; the
// file is generated once and committed, and chain's tests only read it.
// Regenerate only on a deliberate change of the encoding, and say so in
// review: every vector is a consensus-encoding pin.
package main

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/signer"
)

// ChainID is the chain id every vector is built for.
const ChainID = "sealchain-vectors"

// Expected outcome classes.
const (
	ClassOK          = "ok"
	ClassMalformed   = "malformed"
	ClassVersion     = "version"
	ClassUnknownType = "unknown_type"
	ClassInvalid     = "invalid"
	ClassTooLarge    = "too_large"
)

// File is the JSON document.
type File struct {
	Comment string        `json:"comment"`
	ChainID string        `json:"chain_id"`
	Txs     []TxVector    `json:"txs"`
	Entries []EntryVector `json:"entries"`
}

// TxVector is one transaction probe. Positive vectors carry the structured
// fields and sign bytes; negative ones the error class and field.
type TxVector struct {
	Desc   string `json:"desc"`
	Expect string `json:"expect"`
	Field  string `json:"field,omitempty"`
	From   string `json:"from,omitempty"` // desc of the positive vector a negative was derived from
	Tx     string `json:"tx"`

	Fields            *TxFields `json:"fields,omitempty"`
	Hash              string    `json:"hash,omitempty"` // CometBFT tx hash, SHA-256
	ActorSignBytes    string    `json:"actor_sign_bytes,omitempty"`
	EnvelopeSignBytes string    `json:"envelope_sign_bytes,omitempty"`
	AttestationBytes  string    `json:"attestation_bytes,omitempty"` // intent_verified only
}

// TxFields are a transaction's fields; bytes are hex.
type TxFields struct {
	Version  uint32     `json:"version"`
	ChainID  string     `json:"chain_id"`
	Nonce    uint64     `json:"nonce"`
	Type     string     `json:"type"`
	Body     BodyFields `json:"body"`
	Actor    *SigFields `json:"actor,omitempty"`
	Envelope EnvFields  `json:"envelope"`
}

// BodyFields is the union of every record body's fields, named as in the
// message definitions.
type BodyFields struct {
	Cert          string   `json:"cert,omitempty"` // DER (cert_issued) or fingerprint (cert_revoked)
	IdentityRef   string   `json:"identity_ref,omitempty"`
	Reason        uint32   `json:"reason,omitempty"`
	ContractID    string   `json:"contract_id,omitempty"`
	DocSM3        string   `json:"doc_sm3,omitempty"`
	DocSHA256     string   `json:"doc_sha256,omitempty"`
	Parties       []string `json:"parties,omitempty"`
	Order         uint32   `json:"order,omitempty"`
	Deadline      int64    `json:"deadline,omitempty"`
	Signer        string   `json:"signer,omitempty"`
	Method        uint32   `json:"method,omitempty"`
	ChallengeHash string   `json:"challenge_hash,omitempty"`
	VerifiedAt    int64    `json:"verified_at,omitempty"`
	VerifierCert  string   `json:"verifier_cert,omitempty"`
	VerifierSig   string   `json:"verifier_sig,omitempty"`
	SignedDocSM3  string   `json:"signed_doc_sm3,omitempty"`
	Seal          string   `json:"seal,omitempty"`
}

// SigFields is an actor signature.
type SigFields struct {
	Cert string `json:"cert"`
	Sig  string `json:"sig"`
}

// EnvFields is an envelope.
type EnvFields struct {
	Org  string `json:"org"`
	Cert string `json:"cert"`
	Sig  string `json:"sig"`
}

// EntryVector is one leaf probe. Positive vectors carry the fields and the
// RFC 6962 leaf hash SM3(0x00 ‖ leaf).
type EntryVector struct {
	Desc   string `json:"desc"`
	Expect string `json:"expect"`
	Field  string `json:"field,omitempty"`
	From   string `json:"from,omitempty"`
	Leaf   string `json:"leaf"`

	Index    uint64 `json:"index,omitempty"`
	Height   int64  `json:"height,omitempty"`
	Time     string `json:"time,omitempty"` // RFC 3339, UTC, nanoseconds
	TxIndex  uint32 `json:"tx_index,omitempty"`
	Tx       string `json:"tx,omitempty"`
	LeafHash string `json:"leaf_hash,omitempty"`
}

func main() {
	out := flag.String("out", "chain/testdata/vectors.json", "output file")
	flag.Parse()
	f, err := generate()
	if err != nil {
		fmt.Fprintln(os.Stderr, "vectorgen:", err)
		os.Exit(1)
	}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		fmt.Fprintln(os.Stderr, "vectorgen:", err)
		os.Exit(1)
	}
	if err := os.WriteFile(*out, append(b, '\n'), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "vectorgen:", err)
		os.Exit(1)
	}
	fmt.Printf("wrote %s: %d tx vectors, %d entry vectors\n", *out, len(f.Txs), len(f.Entries))
}

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

type party struct {
	key  *signer.PrivateKey
	cert []byte
	fp   chain.Fingerprint
}

type positive struct {
	desc  string
	body  chain.Body
	actor *party
}

func generate() (*File, error) {
	caKey, err := signer.GenerateKey(signer.AlgSM2, nil)
	if err != nil {
		return nil, err
	}
	ca, err := signer.NewCA(caKey, signer.CAOptions{OrgID: "platform", OrgName: "platform org", Role: "platform",
		NotBefore: epoch.Add(-time.Hour), NotAfter: epoch.AddDate(10, 0, 0)}, nil)
	if err != nil {
		return nil, err
	}
	issue := func(alg signer.Algorithm, u signer.Usage, ref string) (*party, error) {
		k, err := signer.GenerateKey(alg, nil)
		if err != nil {
			return nil, err
		}
		der, err := ca.Issue(k.Public(), signer.IssueOptions{SubjectRef: ref, Usage: u,
			NotBefore: epoch.Add(-time.Hour), NotAfter: epoch.AddDate(2, 0, 0)}, nil)
		if err != nil {
			return nil, err
		}
		return &party{key: k, cert: der, fp: chain.FingerprintOf(der)}, nil
	}
	sub, err := issue(signer.AlgSM2, signer.UsageSubmitter, "platform-submitter")
	if err != nil {
		return nil, err
	}
	verifier, err := issue(signer.AlgSM2, signer.UsageIntentVerifier, "platform-otp")
	if err != nil {
		return nil, err
	}
	alice, err := issue(signer.AlgSM2, signer.UsageSigner, "sc-alice")
	if err != nil {
		return nil, err
	}
	bob, err := issue(signer.AlgECDSAP256, signer.UsageSigner, "sc-bob")
	if err != nil {
		return nil, err
	}
	submitter := &client.Submitter{ChainID: ChainID, Org: "platform", Cert: sub.cert, Key: sub.key}

	docSM3, docSHA := doc("contract c-001")
	doc2SM3, doc2SHA := doc("contract c-002")
	signedSM3, _ := doc("contract c-001 signed by bob")
	seal, _ := doc("seal of bob")
	idRef, _ := doc("identity of bob")
	intent := func(contract string, p *party, m chain.IntentMethod, at int64) (*chain.IntentVerified, error) {
		ch := sm3.Sum([]byte("challenge " + contract + p.fp.String()))
		b := &chain.IntentVerified{Contract: contract, Signer: p.fp, Method: m, ChallengeHash: ch[:],
			VerifiedAt: at, VerifierCert: verifier.cert}
		sig, err := verifier.key.Sign(nil, b.AttestationBytes(ChainID))
		b.VerifierSig = sig
		return b, err
	}
	aliceIntent, err := intent("c-001", alice, chain.IntentSMSOTP, epoch.UnixMilli()+1500)
	if err != nil {
		return nil, err
	}
	bobIntent, err := intent("c-001", bob, chain.IntentFace, epoch.UnixMilli()+2500)
	if err != nil {
		return nil, err
	}

	positives := []positive{
		{"cert_issued: SM2 signer certificate, no identity_ref", &chain.CertIssued{Cert: alice.cert}, nil},
		{"cert_issued: P-256 signer certificate with identity_ref", &chain.CertIssued{Cert: bob.cert, IdentityRef: idRef}, nil},
		{"cert_revoked: reason key_compromise", &chain.CertRevoked{Cert: bob.fp, Reason: chain.ReasonKeyCompromise}, nil},
		{"cert_revoked: reason unspecified (0, omitted)", &chain.CertRevoked{Cert: alice.fp, Reason: chain.ReasonUnspecified}, nil},
		{"contract_created: sequential, two parties, deadline", &chain.ContractCreated{Contract: "c-001", DocSM3: docSM3, DocSHA256: docSHA,
			Parties: []chain.Fingerprint{alice.fp, bob.fp}, Order: chain.OrderSequential, Deadline: epoch.AddDate(0, 1, 0).Unix()}, nil},
		{"contract_created: parallel, one party, no deadline", &chain.ContractCreated{Contract: "c-002", DocSM3: doc2SM3, DocSHA256: doc2SHA,
			Parties: []chain.Fingerprint{bob.fp}, Order: chain.OrderParallel}, nil},
		{"intent_verified: sms_otp, SM2 actor", aliceIntent, alice},
		{"intent_verified: face, P-256 actor", bobIntent, bob},
		{"contract_signed: doc_sm3 only, SM2 actor", &chain.ContractSigned{Contract: "c-001", DocSM3: docSM3}, alice},
		{"contract_signed: with signed_doc_sm3 and seal, P-256 actor", &chain.ContractSigned{Contract: "c-001", DocSM3: docSM3,
			SignedDocSM3: signedSM3, Seal: seal}, bob},
		{"contract_completed", &chain.ContractCompleted{Contract: "c-001"}, nil},
	}

	f := &File{
		Comment: "Generated by `go run ./chain/internal/vectorgen -out chain/testdata/vectors.json`; do not edit. " +
			"Keys are random per run: regenerate only on a deliberate encoding change.",
		ChainID: ChainID,
	}
	var raws [][]byte
	for i, p := range positives {
		var actor *client.Actor
		if p.actor != nil {
			actor = &client.Actor{Cert: p.actor.fp, Key: p.actor.key}
		}
		raw, err := submitter.BuildWithNonce(p.body, actor, uint64(1000+i))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p.desc, err)
		}
		tx, err := chain.DecodeTx(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p.desc, err)
		}
		v := TxVector{Desc: p.desc, Expect: ClassOK, Tx: hx(raw), Fields: txFields(tx),
			EnvelopeSignBytes: hx(tx.EnvelopeSignBytes())}
		h := chain.TxHash(raw)
		v.Hash = hx(h[:])
		if tx.Actor != nil {
			v.ActorSignBytes = hx(tx.ActorSignBytes())
		}
		if iv, ok := tx.Body.(*chain.IntentVerified); ok {
			v.AttestationBytes = hx(iv.AttestationBytes(ChainID))
		}
		f.Txs = append(f.Txs, v)
		raws = append(raws, raw)
	}
	seen := map[chain.Type]bool{}
	for i, raw := range raws {
		tx, _ := chain.DecodeTx(raw)
		// The envelope-level mutations go on the first vector of each type;
		// body mutations on every vector.
		first := !seen[tx.Body.Type()]
		seen[tx.Body.Type()] = true
		for _, m := range txMutations(tx, first) {
			mut := m.fn(raw)
			if mut == nil {
				continue
			}
			if err := check(chain.DecodeTx, mut, m.class, m.field); err != nil {
				return nil, fmt.Errorf("%s / %s: %w", positives[i].desc, m.desc, err)
			}
			f.Txs = append(f.Txs, TxVector{Desc: positives[i].desc + ": " + m.desc, Expect: m.class, Field: m.field,
				From: positives[i].desc, Tx: hx(mut)})
		}
	}
	// One oversized tx is enough: the size check comes before any parsing.
	big := append([]byte(nil), raws[0]...)
	for len(big) <= chain.MaxTxBytes {
		big = append(big, 0)
	}
	if err := check(chain.DecodeTx, big, ClassTooLarge, "tx"); err != nil {
		return nil, err
	}
	f.Txs = append(f.Txs, TxVector{Desc: positives[0].desc + ": padded to MaxTxBytes+1", Expect: ClassTooLarge, Field: "tx",
		From: positives[0].desc, Tx: hx(big)})

	base := epoch.Add(90 * time.Second)
	var leaves [][]byte
	for i, raw := range raws {
		h := int64(1 + i/4)
		en := &chain.Entry{Index: uint64(i), Height: h, Time: base.Add(time.Duration(h)*time.Second + 123456789),
			TxIndex: uint32(i % 4), Tx: raw}
		leaf := en.Encode()
		if _, err := chain.DecodeEntry(leaf); err != nil {
			return nil, fmt.Errorf("entry %d: %w", i, err)
		}
		lh := sm3.Sum(append([]byte{0}, leaf...))
		f.Entries = append(f.Entries, EntryVector{Desc: fmt.Sprintf("entry %d: %s", i, positives[i].desc), Expect: ClassOK,
			Leaf: hx(leaf), Index: en.Index, Height: en.Height, Time: en.Time.Format(time.RFC3339Nano), TxIndex: en.TxIndex,
			Tx: hx(raw), LeafHash: hx(lh[:])})
		leaves = append(leaves, leaf)
	}
	for _, i := range []int{0, 5} {
		for _, m := range entryMutations() {
			mut := m.fn(leaves[i])
			if mut == nil {
				continue
			}
			if err := check(chain.DecodeEntry, mut, m.class, m.field); err != nil {
				return nil, fmt.Errorf("%s / %s: %w", f.Entries[i].Desc, m.desc, err)
			}
			f.Entries = append(f.Entries, EntryVector{Desc: f.Entries[i].Desc + ": " + m.desc, Expect: m.class, Field: m.field,
				From: f.Entries[i].Desc, Leaf: hx(mut)})
		}
	}
	return f, nil
}

// check confirms that decode rejects b as the vector says, so a vector never
// disagrees with the code it was generated against.
func check[T any](decode func([]byte) (T, error), b []byte, class, field string) error {
	_, err := decode(b)
	if err == nil {
		return fmt.Errorf("decoded, want %s error in %s", class, field)
	}
	sentinel := map[string]error{ClassMalformed: chain.ErrMalformed, ClassVersion: chain.ErrVersion,
		ClassUnknownType: chain.ErrUnknownType, ClassInvalid: chain.ErrInvalid, ClassTooLarge: chain.ErrTooLarge}[class]
	if !errors.Is(err, sentinel) {
		return fmt.Errorf("error %v, want class %s", err, class)
	}
	var fe *chain.FieldError
	if !errors.As(err, &fe) || fe.Field != field {
		return fmt.Errorf("error %v, want field %q", err, field)
	}
	return nil
}

func txFields(tx *chain.Tx) *TxFields {
	f := &TxFields{Version: tx.Version, ChainID: tx.ChainID, Nonce: tx.Nonce, Type: tx.Body.Type().String(),
		Envelope: EnvFields{Org: tx.Envelope.Org, Cert: hx(tx.Envelope.Cert), Sig: hx(tx.Envelope.Sig)}}
	if tx.Actor != nil {
		f.Actor = &SigFields{Cert: hx(tx.Actor.Cert[:]), Sig: hx(tx.Actor.Sig)}
	}
	b := &f.Body
	switch v := tx.Body.(type) {
	case *chain.CertIssued:
		b.Cert, b.IdentityRef = hx(v.Cert), hx(v.IdentityRef)
	case *chain.CertRevoked:
		b.Cert, b.Reason = hx(v.Cert[:]), uint32(v.Reason)
	case *chain.ContractCreated:
		b.ContractID, b.DocSM3, b.DocSHA256 = v.Contract, hx(v.DocSM3), hx(v.DocSHA256)
		for _, p := range v.Parties {
			b.Parties = append(b.Parties, hx(p[:]))
		}
		b.Order, b.Deadline = uint32(v.Order), v.Deadline
	case *chain.IntentVerified:
		b.ContractID, b.Signer, b.Method, b.ChallengeHash = v.Contract, hx(v.Signer[:]), uint32(v.Method), hx(v.ChallengeHash)
		b.VerifiedAt, b.VerifierCert, b.VerifierSig = v.VerifiedAt, hx(v.VerifierCert), hx(v.VerifierSig)
	case *chain.ContractSigned:
		b.ContractID, b.DocSM3, b.SignedDocSM3, b.Seal = v.Contract, hx(v.DocSM3), hx(v.SignedDocSM3), hx(v.Seal)
	case *chain.ContractCompleted:
		b.ContractID = v.Contract
	}
	return f
}

func doc(s string) (sm3sum, sha []byte) {
	a := sm3.Sum([]byte(s))
	h := chain.TxHash([]byte(s)) // SHA-256
	return a[:], h[:]
}

func hx(b []byte) string { return hex.EncodeToString(b) }

// --- wire-level editing -----------------------------------------------------

// wf is one field of a canonical message. raw, when set, is written verbatim
// instead of the tag and value, for encodings the encoder cannot produce.
type wf struct {
	num protowire.Number
	typ protowire.Type
	v   uint64
	b   []byte
	raw []byte
}

func parse(b []byte) []wf {
	var out []wf
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			panic("parse: bad tag")
		}
		b = b[n:]
		f := wf{num: num, typ: typ}
		switch typ {
		case protowire.VarintType:
			f.v, n = protowire.ConsumeVarint(b)
		case protowire.BytesType:
			f.b, n = protowire.ConsumeBytes(b)
		default:
			panic("parse: wire type")
		}
		if n < 0 {
			panic("parse: bad value")
		}
		b = b[n:]
		out = append(out, f)
	}
	return out
}

func ser(fs []wf) []byte {
	var b []byte
	for _, f := range fs {
		switch {
		case f.raw != nil:
			b = append(b, f.raw...)
		case f.typ == protowire.VarintType:
			b = protowire.AppendTag(b, f.num, f.typ)
			b = protowire.AppendVarint(b, f.v)
		default:
			b = protowire.AppendTag(b, f.num, protowire.BytesType)
			b = protowire.AppendBytes(b, f.b)
		}
	}
	return b
}

func find(fs []wf, num protowire.Number) int {
	for i, f := range fs {
		if f.num == num {
			return i
		}
	}
	return -1
}

// insert puts f after every field numbered at most f.num.
func insert(fs []wf, f wf) []wf {
	i := 0
	for i < len(fs) && fs[i].num <= f.num {
		i++
	}
	out := append(append(append([]wf(nil), fs[:i]...), f), fs[i:]...)
	return out
}

func clone(fs []wf) []wf { return append([]wf(nil), fs...) }

// paddedVarint encodes v in one byte more than needed.
func paddedVarint(v uint64) []byte {
	b := protowire.AppendVarint(nil, v)
	b[len(b)-1] |= 0x80
	return append(b, 0)
}

// editTx applies fn to the tx's top-level fields; nil from fn skips the vector.
func editTx(fn func([]wf) []wf) func([]byte) []byte {
	return func(raw []byte) []byte {
		fs := fn(clone(parse(raw)))
		if fs == nil {
			return nil
		}
		return ser(fs)
	}
}

// editSub applies fn to the fields of the nested message at num.
func editSub(num protowire.Number, fn func([]wf) []wf) func([]byte) []byte {
	return editTx(func(fs []wf) []wf {
		i := find(fs, num)
		if i < 0 {
			return nil
		}
		sub := fn(clone(parse(fs[i].b)))
		if sub == nil {
			return nil
		}
		fs[i].b = ser(sub)
		return fs
	})
}

// setBytes replaces (or inserts) a bytes field.
func setBytes(num protowire.Number, v []byte) func([]wf) []wf {
	return func(fs []wf) []wf {
		if i := find(fs, num); i >= 0 {
			fs[i].b = v
			return fs
		}
		return insert(fs, wf{num: num, typ: protowire.BytesType, b: v})
	}
}

func setUint(num protowire.Number, v uint64) func([]wf) []wf {
	return func(fs []wf) []wf {
		if i := find(fs, num); i >= 0 {
			fs[i].v = v
			return fs
		}
		return insert(fs, wf{num: num, typ: protowire.VarintType, v: v})
	}
}

// setRaw replaces field num's encoding with raw bytes.
func setRaw(num protowire.Number, raw func(f wf) []byte) func([]wf) []wf {
	return func(fs []wf) []wf {
		i := find(fs, num)
		if i < 0 {
			return nil
		}
		fs[i].raw = raw(fs[i])
		return fs
	}
}

func repeat(num protowire.Number) func([]wf) []wf {
	return func(fs []wf) []wf {
		i := find(fs, num)
		if i < 0 {
			return nil
		}
		return append(fs[:i+1], append([]wf{fs[i]}, fs[i+1:]...)...)
	}
}

func remove(num protowire.Number) func([]wf) []wf {
	return func(fs []wf) []wf {
		i := find(fs, num)
		if i < 0 {
			return nil
		}
		return append(fs[:i], fs[i+1:]...)
	}
}

func swapFirstTwo(fs []wf) []wf {
	if len(fs) < 2 || fs[0].num == fs[1].num {
		return nil
	}
	fs[0], fs[1] = fs[1], fs[0]
	return fs
}

func bytesWithLen(f wf, lenBytes []byte) []byte {
	b := protowire.AppendTag(nil, f.num, protowire.BytesType)
	return append(append(b, lenBytes...), f.b...)
}

// --- mutations ----------------------------------------------------------------

type mutation struct {
	desc  string
	class string
	field string
	fn    func([]byte) []byte
}

func txMutations(tx *chain.Tx, envelope bool) []mutation {
	var ms []mutation
	if envelope {
		ms = envelopeMutations(tx)
	}
	body := func(desc, class, field string, fn func([]wf) []wf) mutation {
		return mutation{"body: " + desc, class, field, editSub(5, fn)}
	}
	first := map[chain.Type]string{chain.TypeCertIssued: "cert", chain.TypeCertRevoked: "cert"}[tx.Body.Type()]
	if first == "" {
		first = "contract_id"
	}
	ms = append(ms, body("field repeated ("+first+")", ClassMalformed, "body."+first, repeat(1)))
	if tx.Body.Type() != chain.TypeContractCompleted && tx.Body.Type() != chain.TypeCertRevoked {
		ms = append(ms, body("fields out of order (first two swapped)", ClassMalformed, "body.1", swapFirstTwo))
	}
	if tx.Body.ContractID() != "" {
		ms = append(ms, body("contract id with a space", ClassInvalid, "body.contract_id", setBytes(1, []byte("c 001"))))
		ms = append(ms, body("contract id longer than MaxIDBytes", ClassInvalid, "body.contract_id",
			setBytes(1, bytes.Repeat([]byte("c"), chain.MaxIDBytes+1))))
	}
	switch b := tx.Body.(type) {
	case *chain.CertIssued:
		if b.IdentityRef == nil {
			ms = append(ms, body("empty bytes field encoded (body.identity_ref)", ClassMalformed, "body.identity_ref", setBytes(2, []byte{})))
		} else {
			ms = append(ms, body("identity_ref of 31 bytes", ClassInvalid, "body.identity_ref", setBytes(2, b.IdentityRef[:31])))
		}
		ms = append(ms, body("cert longer than MaxCertBytes", ClassInvalid, "body.cert", setBytes(1, make([]byte, chain.MaxCertBytes+1))))
	case *chain.CertRevoked:
		ms = append(ms,
			body("wrong-length fingerprint (body.cert 31 bytes)", ClassInvalid, "body.cert", setBytes(1, b.Cert[:31])),
			body("wrong-length fingerprint (body.cert 33 bytes)", ClassInvalid, "body.cert", setBytes(1, append(b.Cert[:], 0))),
			body("reason 7 is not an RFC 5280 reason", ClassInvalid, "body.reason", setUint(2, 7)),
		)
		if b.Reason == 0 {
			ms = append(ms, body("zero scalar encoded (body.reason)", ClassMalformed, "body.reason", setUint(2, 0)))
		}
	case *chain.ContractCreated:
		ms = append(ms,
			body("wrong-length fingerprint (body.parties[0] 31 bytes)", ClassInvalid, "body.parties[0]", func(fs []wf) []wf {
				fs[find(fs, 4)].b = b.Parties[0][:31]
				return fs
			}),
			body("duplicate party", ClassInvalid, fmt.Sprintf("body.parties[%d]", len(b.Parties)), func(fs []wf) []wf {
				return insert(fs, wf{num: 4, typ: protowire.BytesType, b: b.Parties[0][:]})
			}),
			body("doc_sm3 of 31 bytes", ClassInvalid, "body.doc_sm3", setBytes(2, b.DocSM3[:31])),
			body("order 3", ClassInvalid, "body.order", setUint(5, 3)),
			body("negative deadline", ClassInvalid, "body.deadline", setUint(6, uint64(1<<64-1))),
		)
		if b.Deadline == 0 {
			ms = append(ms, body("zero scalar encoded (body.deadline)", ClassMalformed, "body.deadline", setUint(6, 0)))
		}
	case *chain.IntentVerified:
		ms = append(ms,
			body("wrong-length fingerprint (body.signer 31 bytes)", ClassInvalid, "body.signer", setBytes(2, b.Signer[:31])),
			body("method 3", ClassInvalid, "body.method", setUint(3, 3)),
			body("verifier_sig missing", ClassInvalid, "body.verifier_sig", remove(7)),
		)
	case *chain.ContractSigned:
		ms = append(ms, body("doc_sm3 missing", ClassInvalid, "body.doc_sm3", remove(2)))
		if b.Seal == nil {
			ms = append(ms, body("empty bytes field encoded (body.seal)", ClassMalformed, "body.seal", setBytes(4, []byte{})))
		} else {
			ms = append(ms, body("seal of 33 bytes", ClassInvalid, "body.seal", setBytes(4, append(append([]byte(nil), b.Seal...), 0))))
		}
	}
	return ms
}

func entryMutations() []mutation {
	ed := func(fn func([]wf) []wf) func([]byte) []byte { return editTx(fn) }
	return []mutation{
		{"version 2", ClassVersion, "entry.version", ed(setUint(1, 2))},
		{"version missing", ClassVersion, "entry.version", ed(remove(1))},
		{"zero scalar encoded (index 0)", ClassMalformed, "entry.index", ed(setUint(2, 0))},
		{"field repeated (height twice)", ClassMalformed, "entry.height", ed(repeat(3))},
		{"fields out of order (tx_index before time)", ClassMalformed, "entry.4", ed(func(fs []wf) []wf {
			i, j := find(fs, 4), find(fs, 5)
			if j < 0 {
				return nil
			}
			fs[i], fs[j] = fs[j], fs[i]
			return fs
		})},
		{"unknown field number 7", ClassMalformed, "entry.7", ed(func(fs []wf) []wf {
			return append(fs, wf{num: 7, typ: protowire.VarintType, v: 1})
		})},
		{"non-minimal varint (height)", ClassMalformed, "entry.height", ed(setRaw(3, func(f wf) []byte {
			return append(protowire.AppendTag(nil, 3, protowire.VarintType), paddedVarint(f.v)...)
		}))},
		{"non-minimal length (tx)", ClassMalformed, "entry.tx", ed(setRaw(6, func(f wf) []byte {
			return bytesWithLen(f, paddedVarint(uint64(len(f.b))))
		}))},
		{"wrong wire type (time as fixed64)", ClassMalformed, "entry.time", ed(setRaw(4, func(f wf) []byte {
			return binary.LittleEndian.AppendUint64(protowire.AppendTag(nil, 4, protowire.Fixed64Type), f.v)
		}))},
		{"truncated (last byte dropped)", ClassMalformed, "entry.tx", func(raw []byte) []byte { return raw[:len(raw)-1] }},
		{"trailing garbage (0x00)", ClassMalformed, "entry", func(raw []byte) []byte {
			return append(append([]byte(nil), raw...), 0)
		}},
		{"empty bytes field encoded (tx)", ClassMalformed, "entry.tx", ed(setBytes(6, []byte{}))},
		{"tx missing", ClassInvalid, "entry.tx", ed(remove(6))},
		{"height missing", ClassInvalid, "entry.height", ed(remove(3))},
		{"negative height", ClassInvalid, "entry.height", ed(setUint(3, 1<<64-1))},
		{"time missing", ClassInvalid, "entry.time", ed(remove(4))},
		{"tx_index overflows uint32", ClassMalformed, "entry.tx_index", ed(setUint(5, 1<<32))},
	}
}

// envelopeMutations edit the transaction around the body: framing, the
// envelope and the actor signature.
func envelopeMutations(tx *chain.Tx) []mutation {
	ms := []mutation{
		{"fields out of order (nonce before chain_id)", ClassMalformed, "2", editTx(func(fs []wf) []wf {
			fs[1], fs[2] = fs[2], fs[1]
			return fs
		})},
		{"fields out of order (envelope moved before body)", ClassMalformed, "5", editTx(func(fs []wf) []wf {
			i, env := find(fs, 5), fs[len(fs)-1]
			rest := append([]wf{env}, fs[i:len(fs)-1]...)
			return append(fs[:i:i], rest...)
		})},
		{"field repeated (chain_id twice)", ClassMalformed, "chain_id", editTx(repeat(2))},
		{"field repeated (body twice)", ClassMalformed, "body", editTx(repeat(5))},
		{"nested field repeated (envelope.org twice)", ClassMalformed, "envelope.org", editSub(7, repeat(1))},
		{"unknown field number 8 after envelope", ClassMalformed, "8", editTx(func(fs []wf) []wf {
			return append(fs, wf{num: 8, typ: protowire.VarintType, v: 1})
		})},
		{"unknown field number 4 in envelope", ClassMalformed, "envelope.4", editSub(7, func(fs []wf) []wf {
			return append(fs, wf{num: 4, typ: protowire.VarintType, v: 1})
		})},
		{"unknown field number 15 in body", ClassMalformed, "body.15", editSub(5, func(fs []wf) []wf {
			return append(fs, wf{num: 15, typ: protowire.BytesType, b: []byte{1}})
		})},
		{"zero scalar encoded (nonce 0)", ClassMalformed, "nonce", editTx(setUint(3, 0))},
		{"zero scalar encoded (type 0)", ClassMalformed, "type", editTx(setUint(4, 0))},
		{"empty bytes field encoded (chain_id)", ClassMalformed, "chain_id", editTx(setBytes(2, []byte{}))},
		{"empty bytes field encoded (envelope.sig)", ClassMalformed, "envelope.sig", editSub(7, setBytes(3, []byte{}))},
		{"empty nested message encoded (envelope)", ClassMalformed, "envelope", editTx(setBytes(7, []byte{}))},
		{"non-minimal varint (version)", ClassMalformed, "version", editTx(setRaw(1, func(f wf) []byte {
			return append(protowire.AppendTag(nil, 1, protowire.VarintType), paddedVarint(f.v)...)
		}))},
		{"non-minimal varint (nonce)", ClassMalformed, "nonce", editTx(setRaw(3, func(f wf) []byte {
			return append(protowire.AppendTag(nil, 3, protowire.VarintType), paddedVarint(f.v)...)
		}))},
		{"non-minimal tag (chain_id)", ClassMalformed, "2", editTx(setRaw(2, func(f wf) []byte {
			return append([]byte{0x92, 0x00}, protowire.AppendBytes(nil, f.b)...)
		}))},
		{"non-minimal length (chain_id)", ClassMalformed, "chain_id", editTx(setRaw(2, func(f wf) []byte {
			return bytesWithLen(f, paddedVarint(uint64(len(f.b))))
		}))},
		{"non-minimal length (body)", ClassMalformed, "body", editTx(setRaw(5, func(f wf) []byte {
			return bytesWithLen(f, paddedVarint(uint64(len(f.b))))
		}))},
		{"truncated (last byte dropped)", ClassMalformed, "envelope", func(raw []byte) []byte { return raw[:len(raw)-1] }},
		{"truncated (inside body)", ClassMalformed, "body", func(raw []byte) []byte {
			fs := parse(raw)
			n := len(ser(fs[:find(fs, 5)])) + 4
			return append([]byte(nil), raw[:n]...)
		}},
		{"truncated (after version tag)", ClassMalformed, "version", func(raw []byte) []byte { return []byte{raw[0]} }},
		{"trailing garbage (0x00)", ClassMalformed, "tx", func(raw []byte) []byte {
			return append(append([]byte(nil), raw...), 0)
		}},
		{"trailing garbage (truncated tag 0xff)", ClassMalformed, "tx", func(raw []byte) []byte {
			return append(append([]byte(nil), raw...), 0xff)
		}},
		{"wrong wire type (nonce as fixed64)", ClassMalformed, "nonce", editTx(setRaw(3, func(f wf) []byte {
			b := protowire.AppendTag(nil, 3, protowire.Fixed64Type)
			return binary.LittleEndian.AppendUint64(b, f.v)
		}))},
		{"wrong wire type (chain_id as fixed32)", ClassMalformed, "chain_id", editTx(setRaw(2, func(f wf) []byte {
			return binary.LittleEndian.AppendUint32(protowire.AppendTag(nil, 2, protowire.Fixed32Type), 1)
		}))},
		{"wrong wire type (type as bytes)", ClassMalformed, "type", editTx(setRaw(4, func(f wf) []byte {
			return protowire.AppendBytes(protowire.AppendTag(nil, 4, protowire.BytesType), []byte{byte(f.v)})
		}))},
		{"wrong wire type (body as varint)", ClassMalformed, "body", editTx(setRaw(5, func(f wf) []byte {
			return protowire.AppendVarint(protowire.AppendTag(nil, 5, protowire.VarintType), 1)
		}))},
		{"version 2", ClassVersion, "version", editTx(setUint(1, 2))},
		{"version missing", ClassVersion, "version", editTx(remove(1))},
		{"unknown record type 99", ClassUnknownType, "type", editTx(setUint(4, 99))},
		{"record type overflows uint32", ClassMalformed, "type", editTx(setUint(4, 1<<32+uint64(tx.Body.Type())))},
		{"chain_id with a space", ClassInvalid, "chain_id", editTx(setBytes(2, []byte("sealchain vectors")))},
		{"envelope missing", ClassInvalid, "envelope.org", editTx(remove(7))},
		{"envelope.cert missing", ClassInvalid, "envelope.cert", editSub(7, remove(2))},
		{"envelope.sig longer than MaxSigBytes", ClassInvalid, "envelope.sig", editSub(7, setBytes(3, make([]byte, chain.MaxSigBytes+1)))},
	}
	if tx.Actor != nil {
		ms = append(ms,
			mutation{"actor missing", ClassInvalid, "actor", editTx(remove(6))},
			mutation{"wrong-length fingerprint (actor.cert 31 bytes)", ClassInvalid, "actor.cert", editSub(6, func(fs []wf) []wf {
				fs[0].b = fs[0].b[:31]
				return fs
			})},
			mutation{"zero fingerprint (actor.cert)", ClassInvalid, "actor.cert", editSub(6, setBytes(1, make([]byte, 32)))},
			mutation{"actor.sig missing", ClassInvalid, "actor.sig", editSub(6, remove(2))},
		)
	} else {
		ms = append(ms, mutation{"actor on a record type that takes none", ClassInvalid, "actor", editTx(func(fs []wf) []wf {
			a := ser([]wf{{num: 1, typ: protowire.BytesType, b: bytes.Repeat([]byte{7}, 32)}, {num: 2, typ: protowire.BytesType, b: []byte{1}}})
			return insert(fs, wf{num: 6, typ: protowire.BytesType, b: a})
		})})
	}
	return ms
}
