package chain_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/merklelog"
	"github.com/sealchain/sealchain/signer"
)

// The vectors in testdata/vectors.json are written once by
//
//	go run ./chain/internal/vectorgen -out chain/testdata/vectors.json
//
// and committed. They pin the consensus encoding: these tests never
// regenerate them, so any change to how a tx, body or entry is encoded,
// signed or rejected fails here.

type vectorFile struct {
	ChainID string        `json:"chain_id"`
	Txs     []txVector    `json:"txs"`
	Entries []entryVector `json:"entries"`
}

type txVector struct {
	Desc              string    `json:"desc"`
	Expect            string    `json:"expect"`
	Field             string    `json:"field"`
	Tx                string    `json:"tx"`
	Fields            *txFields `json:"fields"`
	Hash              string    `json:"hash"`
	ActorSignBytes    string    `json:"actor_sign_bytes"`
	EnvelopeSignBytes string    `json:"envelope_sign_bytes"`
	AttestationBytes  string    `json:"attestation_bytes"`
}

type txFields struct {
	Version uint32     `json:"version"`
	ChainID string     `json:"chain_id"`
	Nonce   uint64     `json:"nonce"`
	Type    string     `json:"type"`
	Body    bodyFields `json:"body"`
	Actor   *struct {
		Cert string `json:"cert"`
		Sig  string `json:"sig"`
	} `json:"actor"`
	Envelope struct {
		Org  string `json:"org"`
		Cert string `json:"cert"`
		Sig  string `json:"sig"`
	} `json:"envelope"`
}

type bodyFields struct {
	Cert          string   `json:"cert"`
	IdentityRef   string   `json:"identity_ref"`
	Reason        uint32   `json:"reason"`
	ContractID    string   `json:"contract_id"`
	DocSM3        string   `json:"doc_sm3"`
	DocSHA256     string   `json:"doc_sha256"`
	Parties       []string `json:"parties"`
	Order         uint32   `json:"order"`
	Deadline      int64    `json:"deadline"`
	Signer        string   `json:"signer"`
	Method        uint32   `json:"method"`
	ChallengeHash string   `json:"challenge_hash"`
	VerifiedAt    int64    `json:"verified_at"`
	VerifierCert  string   `json:"verifier_cert"`
	VerifierSig   string   `json:"verifier_sig"`
	SignedDocSM3  string   `json:"signed_doc_sm3"`
	Seal          string   `json:"seal"`
}

type entryVector struct {
	Desc     string `json:"desc"`
	Expect   string `json:"expect"`
	Field    string `json:"field"`
	Leaf     string `json:"leaf"`
	Index    uint64 `json:"index"`
	Height   int64  `json:"height"`
	Time     string `json:"time"`
	TxIndex  uint32 `json:"tx_index"`
	Tx       string `json:"tx"`
	LeafHash string `json:"leaf_hash"`
}

// classes maps each expected class to the sentinel its errors wrap.
var classes = map[string]error{
	"malformed":    chain.ErrMalformed,
	"version":      chain.ErrVersion,
	"unknown_type": chain.ErrUnknownType,
	"invalid":      chain.ErrInvalid,
	"too_large":    chain.ErrTooLarge,
}

func loadVectors(t testing.TB) *vectorFile {
	t.Helper()
	b, err := os.ReadFile("testdata/vectors.json")
	if err != nil {
		t.Fatalf("read vectors: %v", err)
	}
	var f vectorFile
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&f); err != nil {
		t.Fatalf("parse vectors: %v", err)
	}
	return &f
}

// unhex decodes a hex field, reporting (not failing on) bad hex so the rest
// of the vector still runs.
func unhex(t *testing.T, what, s string) []byte {
	t.Helper()
	if s == "" {
		return nil
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Errorf("%s: bad hex: %v", what, err)
	}
	return b
}

func fp(t *testing.T, what, s string) chain.Fingerprint {
	t.Helper()
	var f chain.Fingerprint
	if b := unhex(t, what, s); len(b) != len(f) {
		t.Errorf("%s: %d bytes, want %d", what, len(b), len(f))
	} else {
		copy(f[:], b)
	}
	return f
}

// buildTx makes the Tx from a vector's structured fields alone, without
// looking at the tx bytes.
func buildTx(t *testing.T, f *txFields) *chain.Tx {
	t.Helper()
	b := &f.Body
	var body chain.Body
	switch f.Type {
	case "cert_issued":
		body = &chain.CertIssued{Cert: unhex(t, "body.cert", b.Cert), IdentityRef: unhex(t, "body.identity_ref", b.IdentityRef)}
	case "cert_revoked":
		body = &chain.CertRevoked{Cert: fp(t, "body.cert", b.Cert), Reason: chain.RevocationReason(b.Reason)}
	case "contract_created":
		c := &chain.ContractCreated{Contract: b.ContractID, DocSM3: unhex(t, "body.doc_sm3", b.DocSM3),
			DocSHA256: unhex(t, "body.doc_sha256", b.DocSHA256), Order: chain.SigningOrder(b.Order), Deadline: b.Deadline}
		for _, p := range b.Parties {
			c.Parties = append(c.Parties, fp(t, "body.parties", p))
		}
		body = c
	case "intent_verified":
		body = &chain.IntentVerified{Contract: b.ContractID, Signer: fp(t, "body.signer", b.Signer),
			Method: chain.IntentMethod(b.Method), ChallengeHash: unhex(t, "body.challenge_hash", b.ChallengeHash),
			VerifiedAt: b.VerifiedAt, VerifierCert: unhex(t, "body.verifier_cert", b.VerifierCert),
			VerifierSig: unhex(t, "body.verifier_sig", b.VerifierSig)}
	case "contract_signed":
		body = &chain.ContractSigned{Contract: b.ContractID, DocSM3: unhex(t, "body.doc_sm3", b.DocSM3),
			SignedDocSM3: unhex(t, "body.signed_doc_sm3", b.SignedDocSM3), Seal: unhex(t, "body.seal", b.Seal)}
	case "contract_completed":
		body = &chain.ContractCompleted{Contract: b.ContractID}
	default:
		t.Fatalf("unknown type %q in vector", f.Type)
	}
	tx := &chain.Tx{Version: f.Version, ChainID: f.ChainID, Nonce: f.Nonce, Body: body,
		Envelope: chain.Envelope{Org: f.Envelope.Org, Cert: unhex(t, "envelope.cert", f.Envelope.Cert),
			Sig: unhex(t, "envelope.sig", f.Envelope.Sig)}}
	if f.Actor != nil {
		tx.Actor = &chain.Signature{Cert: fp(t, "actor.cert", f.Actor.Cert), Sig: unhex(t, "actor.sig", f.Actor.Sig)}
	}
	return tx
}

func TestVectorsCoverEveryClassAndType(t *testing.T) {
	f := loadVectors(t)
	types := map[string]bool{}
	expects := map[string]int{}
	for _, v := range f.Txs {
		expects[v.Expect]++
		if v.Fields != nil {
			types[v.Fields.Type] = true
		}
	}
	for _, typ := range []chain.Type{chain.TypeCertIssued, chain.TypeCertRevoked, chain.TypeContractCreated,
		chain.TypeIntentVerified, chain.TypeContractSigned, chain.TypeContractCompleted} {
		if !types[typ.String()] {
			t.Errorf("no positive vector for %s", typ)
		}
	}
	for class := range classes {
		if expects[class] == 0 {
			t.Errorf("no negative vector of class %s", class)
		}
	}
	if expects["ok"] == 0 || len(f.Entries) == 0 {
		t.Errorf("vectors: %d positive txs, %d entries", expects["ok"], len(f.Entries))
	}
}

func TestTxVectors(t *testing.T) {
	f := loadVectors(t)
	for _, v := range f.Txs {
		t.Run(v.Desc, func(t *testing.T) {
			raw := unhex(t, "tx", v.Tx)
			tx, err := chain.DecodeTx(raw)
			if v.Expect != "ok" {
				checkRejected(t, err, v.Expect, v.Field)
				return
			}
			if err != nil {
				t.Fatalf("DecodeTx: %v", err)
			}
			if got := tx.Encode(); !bytes.Equal(got, raw) {
				t.Errorf("re-Encode differs from the vector:\n got %x\nwant %x", got, raw)
			}
			if v.Fields == nil {
				t.Fatal("positive vector without fields")
			}
			if tx.ChainID != f.ChainID {
				t.Errorf("chain id %q, file says %q", tx.ChainID, f.ChainID)
			}
			want := buildTx(t, v.Fields)
			// The decoded tx has the vector's fields: compare canonical
			// encodings of the parts, then the whole.
			if tx.Version != want.Version || tx.ChainID != want.ChainID || tx.Nonce != want.Nonce {
				t.Errorf("header = (%d, %q, %d), want (%d, %q, %d)", tx.Version, tx.ChainID, tx.Nonce, want.Version, want.ChainID, want.Nonce)
			}
			if tx.Body.Type() != want.Body.Type() {
				t.Errorf("type = %s, want %s", tx.Body.Type(), want.Body.Type())
			} else if got, w := chain.EncodeBody(tx.Body), chain.EncodeBody(want.Body); !bytes.Equal(got, w) {
				t.Errorf("body fields differ:\n got %x\nwant %x", got, w)
			}
			if (tx.Actor == nil) != (want.Actor == nil) {
				t.Errorf("actor present = %v, want %v", tx.Actor != nil, want.Actor != nil)
			} else if tx.Actor != nil && (tx.Actor.Cert != want.Actor.Cert || !bytes.Equal(tx.Actor.Sig, want.Actor.Sig)) {
				t.Errorf("actor = %+v, want %+v", tx.Actor, want.Actor)
			}
			if tx.Envelope.Org != want.Envelope.Org || !bytes.Equal(tx.Envelope.Cert, want.Envelope.Cert) ||
				!bytes.Equal(tx.Envelope.Sig, want.Envelope.Sig) {
				t.Errorf("envelope differs from the vector's fields")
			}
			// Built from the fields alone, Encode gives the pinned bytes.
			if got := want.Encode(); !bytes.Equal(got, raw) {
				t.Errorf("Encode of the structured fields is not the pinned tx:\n got %x\nwant %x", got, raw)
			}
			if h := chain.TxHash(raw); hex.EncodeToString(h[:]) != v.Hash {
				t.Errorf("TxHash = %x, want %s", h, v.Hash)
			}
			if got := hex.EncodeToString(want.EnvelopeSignBytes()); got != v.EnvelopeSignBytes {
				t.Errorf("EnvelopeSignBytes:\n got %s\nwant %s", got, v.EnvelopeSignBytes)
			}
			if want.Actor != nil {
				if got := hex.EncodeToString(want.ActorSignBytes()); got != v.ActorSignBytes {
					t.Errorf("ActorSignBytes:\n got %s\nwant %s", got, v.ActorSignBytes)
				}
			} else if v.ActorSignBytes != "" {
				t.Errorf("actor_sign_bytes given for a tx without an actor")
			}
			if iv, ok := want.Body.(*chain.IntentVerified); ok {
				if got := hex.EncodeToString(iv.AttestationBytes(want.ChainID)); got != v.AttestationBytes {
					t.Errorf("AttestationBytes:\n got %s\nwant %s", got, v.AttestationBytes)
				}
			}
			// The vectors are real signed txs: the envelope signature
			// verifies under the envelope certificate.
			cert, err := signer.ParseCertificate(tx.Envelope.Cert)
			if err != nil {
				t.Errorf("envelope cert: %v", err)
			} else if err := signer.Verify(cert.PublicKey, tx.EnvelopeSignBytes(), tx.Envelope.Sig); err != nil {
				t.Errorf("envelope signature: %v", err)
			}
		})
	}
}

// checkRejected reports whether err has the class and names the field.
func checkRejected(t *testing.T, err error, class, field string) {
	t.Helper()
	if err == nil {
		t.Errorf("decoded, want a %s error naming %q", class, field)
		return
	}
	sentinel, ok := classes[class]
	if !ok {
		t.Errorf("vector has unknown class %q", class)
		return
	}
	if !errors.Is(err, sentinel) {
		t.Errorf("error %q is not class %s", err, class)
	}
	for c, s := range classes {
		if c != class && errors.Is(err, s) {
			t.Errorf("error %q is also class %s", err, c)
		}
	}
	var fe *chain.FieldError
	if !errors.As(err, &fe) {
		t.Errorf("error %q is not a *chain.FieldError", err)
	} else if fe.Field != field {
		t.Errorf("error names field %q, want %q (%v)", fe.Field, field, err)
	}
}

func TestEntryVectors(t *testing.T) {
	f := loadVectors(t)
	for _, v := range f.Entries {
		t.Run(v.Desc, func(t *testing.T) {
			leaf := unhex(t, "leaf", v.Leaf)
			en, err := chain.DecodeEntry(leaf)
			if v.Expect != "ok" {
				checkRejected(t, err, v.Expect, v.Field)
				return
			}
			if err != nil {
				t.Fatalf("DecodeEntry: %v", err)
			}
			tm, err := time.Parse(time.RFC3339Nano, v.Time)
			if err != nil {
				t.Fatalf("vector time: %v", err)
			}
			want := &chain.Entry{Index: v.Index, Height: v.Height, Time: tm, TxIndex: v.TxIndex, Tx: unhex(t, "tx", v.Tx)}
			if en.Index != want.Index || en.Height != want.Height || !en.Time.Equal(want.Time) ||
				en.TxIndex != want.TxIndex || !bytes.Equal(en.Tx, want.Tx) {
				t.Errorf("decoded %+v, want %+v", en, want)
			}
			if en.Time.Location() != time.UTC {
				t.Errorf("decoded time in %v, want UTC", en.Time.Location())
			}
			if got := en.Encode(); !bytes.Equal(got, leaf) {
				t.Errorf("re-Encode differs:\n got %x\nwant %x", got, leaf)
			}
			if got := want.Encode(); !bytes.Equal(got, leaf) {
				t.Errorf("Encode of the structured fields is not the pinned leaf:\n got %x\nwant %x", got, leaf)
			}
			// RFC 6962 leaf hash: SM3(0x00 ‖ leaf).
			lh := sm3.Sum(append([]byte{0x00}, leaf...))
			if got := hex.EncodeToString(lh[:]); got != v.LeafHash {
				t.Errorf("SM3(0x00||leaf) = %s, want %s", got, v.LeafHash)
			}
			if got := merklelog.SM3().HashLeaf(leaf); !bytes.Equal(got, lh[:]) {
				t.Errorf("merklelog HashLeaf = %x, want %x", got, lh)
			}
			if _, err := chain.DecodeTx(en.Tx); err != nil {
				t.Errorf("entry tx does not decode: %v", err)
			}
		})
	}
}
