// Package tsa is an RFC 3161 time-stamping authority: it parses
// TimeStampReq, makes TimeStampResp with a TSTInfo token signed as CMS
// SignedData, and verifies tokens.
//
// Two token profiles, chosen by the request's hash algorithm:
//   - SHA-256: ECDSA P-256 with SHA-256 (RFC 3161, RFC 5816: the signer is
//     named by an ESSCertIDv2 in a signing-certificate-v2 attribute);
//   - SM3: SM2 with SM3 (GB/T 20520 style), with the algorithm identifiers
//     of GM/T 0010 and gmsm's pkcs7 (digest 1.2.156.10197.1.401, signature
//     1.2.156.10197.1.301.1), inside a standard id-signedData ContentInfo so
//     that RFC 3161 clients can parse it.
//
// The time is always the caller's (Sealchain: the block time of the record
// that committed the hash); the package never reads the clock.
package tsa

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
)

// Object identifiers.
var (
	OIDSHA256 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	OIDSM3    = asn1.ObjectIdentifier{1, 2, 156, 10197, 1, 401}

	oidECDSAWithSHA256   = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidSM2Sign           = asn1.ObjectIdentifier{1, 2, 156, 10197, 1, 301, 1}
	oidSignedData        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidTSTInfo           = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 4}
	oidAttrContentType   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidAttrMessageDigest = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidAttrSigningCertV2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
)

// Bounds on what a request may carry.
const (
	// MaxRequestBytes bounds a DER TimeStampReq; a real one is under 200
	// bytes (hash, policy, 8-byte nonce).
	MaxRequestBytes = 4096
	// MaxNonceBytes bounds the nonce (RFC 3161 suggests 64 bits).
	MaxNonceBytes = 32
)

// ErrBadRequest is wrapped by every ParseRequest error.
var ErrBadRequest = errors.New("tsa: bad request")

// ErrBadAlg is wrapped when the hash algorithm is not SHA-256 or SM3.
var ErrBadAlg = errors.New("tsa: unsupported hash algorithm")

type messageImprint struct {
	HashAlgorithm pkix.AlgorithmIdentifier
	HashedMessage []byte
}

type timeStampReq struct {
	Version        int
	MessageImprint messageImprint
	ReqPolicy      asn1.ObjectIdentifier `asn1:"optional"`
	Nonce          *big.Int              `asn1:"optional"`
	CertReq        bool                  `asn1:"optional,default:false"`
	Extensions     []pkix.Extension      `asn1:"optional,tag:0"`
}

// Request is a parsed TimeStampReq.
type Request struct {
	HashAlg    asn1.ObjectIdentifier // OIDSHA256 or OIDSM3
	HashParams asn1.RawValue         // as sent (absent or NULL), echoed in the token
	Hash       []byte
	Policy     asn1.ObjectIdentifier // nil if none asked for
	Nonce      *big.Int              // nil if none
	CertReq    bool
	Extensions []pkix.Extension
}

// ParseRequest parses a DER TimeStampReq of at most MaxRequestBytes. A
// request with an unknown hash algorithm wraps ErrBadAlg (answered with
// failInfo badAlg), any other fault ErrBadRequest.
func ParseRequest(der []byte) (*Request, error) {
	if len(der) > MaxRequestBytes {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrBadRequest, len(der), MaxRequestBytes)
	}
	var r timeStampReq
	rest, err := asn1.Unmarshal(der, &r)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadRequest, err)
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes", ErrBadRequest, len(rest))
	}
	if r.Version != 1 {
		return nil, fmt.Errorf("%w: version %d, want 1", ErrBadRequest, r.Version)
	}
	if r.Nonce != nil && (r.Nonce.Sign() < 0 || len(r.Nonce.Bytes()) > MaxNonceBytes) {
		return nil, fmt.Errorf("%w: nonce negative or longer than %d bytes", ErrBadRequest, MaxNonceBytes)
	}
	ai := r.MessageImprint.HashAlgorithm
	if p := ai.Parameters; len(p.FullBytes) != 0 && !(p.Tag == asn1.TagNull && p.Class == asn1.ClassUniversal && len(p.Bytes) == 0) {
		return nil, fmt.Errorf("%w: hash algorithm parameters must be absent or NULL", ErrBadRequest)
	}
	if !ai.Algorithm.Equal(OIDSHA256) && !ai.Algorithm.Equal(OIDSM3) {
		return nil, fmt.Errorf("%w: %s", ErrBadAlg, ai.Algorithm)
	}
	if len(r.MessageImprint.HashedMessage) != 32 {
		return nil, fmt.Errorf("%w: hashed message is %d bytes, want 32", ErrBadRequest, len(r.MessageImprint.HashedMessage))
	}
	return &Request{
		HashAlg: ai.Algorithm, HashParams: ai.Parameters, Hash: r.MessageImprint.HashedMessage,
		Policy: r.ReqPolicy, Nonce: r.Nonce, CertReq: r.CertReq, Extensions: r.Extensions,
	}, nil
}
