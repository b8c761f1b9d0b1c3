package main

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"
	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	pb "github.com/hyperledger/fabric-protos-go-apiv2/peer"
)

const (
	objSigner   = "signer"
	objEvidence = "evidence"
	maxIDBytes  = 64
	maxSigBytes = 160
	// signDomain separates these signatures from any other use of the key.
	signDomain = "sealchain/bench-evidence/v1"
	// defaultUID is the SM2 signer id of GB/T 35276, as in Sealchain's signer package.
	defaultUID = "1234567812345678"
)

// Evidence is the stored form of a contract_signed record: the same facts
// Sealchain's log leaf carries (contract, document SM3, signer certificate
// fingerprint, the intent it rests on, the signer's signature, the time).
type Evidence struct {
	Contract string `json:"contract"`
	DocSM3   string `json:"doc_sm3"`
	Signer   string `json:"signer"`    // SM3 fingerprint of the signer's certificate DER
	Intent   string `json:"intent"`    // record hash of the intent this signature rests on
	SignedAt int64  `json:"signed_at"` // the signer's clock, unix ms (signed)
	Sig      string `json:"sig"`       // SM2 (ASN.1) over SignBytes, hex
	TxID     string `json:"tx_id"`
	Time     int64  `json:"time"` // the transaction's timestamp, unix ns
}

// SignBytes are what the signer signs: the domain and every field but the
// signature, length-prefixed so no two records share them. The record hash
// is SHA-256 of them, so a record cannot land twice, whatever its signature
// encoding.
func SignBytes(contract string, doc, signer, intent []byte, signedAt int64) []byte {
	var b []byte
	for _, f := range [][]byte{[]byte(signDomain), []byte(contract), doc, signer, intent} {
		b = binary.BigEndian.AppendUint32(b, uint32(len(f)))
		b = append(b, f...)
	}
	return binary.BigEndian.AppendUint64(b, uint64(signedAt))
}

// Contract implements shim.Chaincode.
type Contract struct {
	// keys caches parsed signer keys by certificate fingerprint. The
	// fingerprint names the certificate's bytes, so a cached key cannot go
	// stale; whether the signer is registered is still read from the ledger
	// on every call (Sealchain's verifier caches parsed certificates the
	// same way).
	keys sync.Map // fingerprint hex -> *ecdsa.PublicKey (SM2)
}

// NewContract returns a contract with an empty key cache.
func NewContract() *Contract { return &Contract{} }

// Init does nothing: the ledger starts empty.
func (*Contract) Init(shim.ChaincodeStubInterface) *pb.Response { return shim.Success(nil) }

// Invoke dispatches on the function name.
func (c *Contract) Invoke(stub shim.ChaincodeStubInterface) *pb.Response {
	fn, args := stub.GetFunctionAndParameters()
	var out []byte
	var err error
	switch fn {
	case "RegisterSigner":
		out, err = registerSigner(stub, args)
	case "PutEvidence":
		out, err = c.putEvidence(stub, args)
	case "GetEvidence":
		out, err = getEvidence(stub, args)
	default:
		err = fmt.Errorf("unknown function %q (RegisterSigner, PutEvidence, GetEvidence)", fn)
	}
	if err != nil {
		return shim.Error(err.Error())
	}
	return shim.Success(out)
}

// parseSM2Cert returns the SM2 key of a certificate.
func parseSM2Cert(der []byte) (*ecdsa.PublicKey, error) {
	cert, err := smx509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("certificate: %w", err)
	}
	pub, ok := cert.PublicKey.(*ecdsa.PublicKey)
	if !ok || !sm2.IsSM2PublicKey(pub) {
		return nil, errors.New("certificate: not an SM2 key")
	}
	return pub, nil
}

// registerSigner stores a signer certificate under its SM3 fingerprint and
// returns the fingerprint (hex).
func registerSigner(stub shim.ChaincodeStubInterface, args []string) ([]byte, error) {
	if len(args) != 1 {
		return nil, errors.New("RegisterSigner(certificate DER hex)")
	}
	der, err := hex.DecodeString(args[0])
	if err != nil {
		return nil, fmt.Errorf("certificate: %w", err)
	}
	if _, err := parseSM2Cert(der); err != nil {
		return nil, err
	}
	fp := sm3.Sum(der)
	k, err := stub.CreateCompositeKey(objSigner, []string{hex.EncodeToString(fp[:])})
	if err != nil {
		return nil, err
	}
	if err := stub.PutState(k, der); err != nil {
		return nil, err
	}
	return []byte(hex.EncodeToString(fp[:])), nil
}

func hash32(name, s string) ([]byte, error) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 32 || hex.EncodeToString(b) != s {
		return nil, fmt.Errorf("%s: want 64 lower-case hex digits", name)
	}
	return b, nil
}

// signerKey reads the signer's registration from the ledger and returns its
// key, parsed once per process.
func (c *Contract) signerKey(stub shim.ChaincodeStubInterface, fp string) (*ecdsa.PublicKey, error) {
	k, err := stub.CreateCompositeKey(objSigner, []string{fp})
	if err != nil {
		return nil, err
	}
	der, err := stub.GetState(k)
	if err != nil {
		return nil, err
	}
	if der == nil {
		return nil, fmt.Errorf("signer %s: not registered", fp)
	}
	if pub, ok := c.keys.Load(fp); ok {
		return pub.(*ecdsa.PublicKey), nil
	}
	pub, err := parseSM2Cert(der)
	if err != nil {
		return nil, fmt.Errorf("stored signer %s: %w", fp, err)
	}
	c.keys.Store(fp, pub)
	return pub, nil
}

// putEvidence verifies and stores one record; it returns the stored record.
func (c *Contract) putEvidence(stub shim.ChaincodeStubInterface, args []string) ([]byte, error) {
	if len(args) != 6 {
		return nil, errors.New("PutEvidence(contract, doc SM3 hex, signer fingerprint hex, intent ref hex, signed at ms, SM2 signature hex)")
	}
	e := Evidence{Contract: args[0], DocSM3: args[1], Signer: args[2], Intent: args[3], Sig: args[5]}
	if e.Contract == "" || len(e.Contract) > maxIDBytes {
		return nil, errors.New("contract: want 1..64 bytes")
	}
	doc, err1 := hash32("doc_sm3", e.DocSM3)
	signer, err2 := hash32("signer", e.Signer)
	intent, err3 := hash32("intent", e.Intent)
	at, err4 := strconv.ParseInt(args[4], 10, 64)
	sig, err5 := hex.DecodeString(e.Sig)
	if err := errors.Join(err1, err2, err3, err4, err5); err != nil {
		return nil, err
	}
	if len(sig) == 0 || len(sig) > maxSigBytes {
		return nil, errors.New("sig: want 1..160 bytes")
	}
	e.SignedAt = at
	msg := SignBytes(e.Contract, doc, signer, intent, at)
	rh := sha256.Sum256(msg)
	key, err := stub.CreateCompositeKey(objEvidence, []string{hex.EncodeToString(rh[:])})
	if err != nil {
		return nil, err
	}
	// The duplicate check reads the key, so two racing copies of one record
	// also collide at commit (MVCC), not only here.
	prev, err := stub.GetState(key)
	if err != nil {
		return nil, err
	}
	if prev != nil {
		return nil, fmt.Errorf("record %x: already stored", rh)
	}
	pub, err := c.signerKey(stub, e.Signer)
	if err != nil {
		return nil, err
	}
	if !sm2.VerifyASN1WithSM2(pub, []byte(defaultUID), msg, sig) {
		return nil, fmt.Errorf("record %x: signature does not verify under signer %s", rh, e.Signer)
	}
	ts, err := stub.GetTxTimestamp()
	if err != nil {
		return nil, err
	}
	e.TxID, e.Time = stub.GetTxID(), ts.AsTime().UnixNano()
	b, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	if err := stub.PutState(key, b); err != nil {
		return nil, err
	}
	return []byte(hex.EncodeToString(rh[:])), nil
}

func getEvidence(stub shim.ChaincodeStubInterface, args []string) ([]byte, error) {
	if len(args) != 1 {
		return nil, errors.New("GetEvidence(record hash hex)")
	}
	if _, err := hash32("record hash", args[0]); err != nil {
		return nil, err
	}
	key, err := stub.CreateCompositeKey(objEvidence, []string{args[0]})
	if err != nil {
		return nil, err
	}
	b, err := stub.GetState(key)
	if err != nil {
		return nil, err
	}
	if b == nil {
		return nil, fmt.Errorf("record %s: not found", args[0])
	}
	return b, nil
}
