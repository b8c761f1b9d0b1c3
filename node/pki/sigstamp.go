package pki

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/asn1"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"github.com/sealchain/sealchain/node/httpjson"
	"github.com/sealchain/sealchain/signer/pdf"
	"github.com/sealchain/sealchain/signer/tsa"
)

// DefaultMaxPDFBytes bounds the signed PDF POST /v1/tsa/signature reads
// when Config.MaxPDFBytes is 0 (the default of api.pdf_max_bytes).
const DefaultMaxPDFBytes = 64 << 20

// handleSignatureTSA answers POST /v1/tsa/signature: the body is a signed
// PDF exactly as a record committed it (its SM3 or SHA-256 in the document
// index, e.g. contract_signed's signed_doc_sm3); the answer is a
// TimeStampResp whose token stamps the hash of the last signature's value
// (PAdES B-T) with genTime = the block time of that commit.
func (s *Service) handleSignatureTSA(w http.ResponseWriter, r *http.Request) {
	if !contentType(r, "application/pdf") {
		httpjson.WriteError(w, http.StatusUnsupportedMediaType, "unsupported_media_type", "want Content-Type application/pdf")
		return
	}
	limit := s.c.MaxPDFBytes
	if limit <= 0 {
		limit = DefaultMaxPDFBytes
	}
	body, ok := readBounded(w, r, limit)
	if !ok {
		return
	}
	resp, err := s.signatureTimeStamp(body)
	if err != nil {
		httpjson.Internal(s.c.Logger, w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/timestamp-reply")
	w.Write(resp)
}

// signatureTimeStamp stamps the last signature value of a committed
// signed PDF. The chain does not hold the signature value, but it holds
// the hash of a file that contains it, so the value existed at that
// block time: the statement the token makes.
func (s *Service) signatureTimeStamp(signed []byte) ([]byte, error) {
	_, hashAlg, digest, err := pdf.SignatureValue(signed)
	if err != nil {
		return tsa.Rejection(tsa.FailBadDataFormat, "not a signed PDF this TSA can read")
	}
	a := s.c.ECDSA
	if hashAlg.Equal(tsa.OIDSM3) {
		a = s.c.SM2
	}
	if a == nil {
		return tsa.Rejection(tsa.FailBadAlg, "this TSA has no key for "+hashAlg.String())
	}
	s3, s2 := sm3.Sum(signed), sha256.Sum256(signed)
	committed := s3[:]
	at, found, err := s.commitTime(committed)
	if err == nil && !found {
		committed = s2[:]
		at, found, err = s.commitTime(committed)
	}
	if err != nil {
		return nil, err
	}
	if !found {
		return tsa.Rejection(tsa.FailAddInfoNotAvailable, "signed PDF not committed on chain")
	}
	return s.grant(&tsa.Request{HashAlg: hashAlg, Hash: digest, CertReq: true}, a, at, committed)
}

// ErrNotGranted is wrapped when the TSA answers with a rejection.
var ErrNotGranted = errors.New("pki: time stamp not granted")

// SignatureStamper returns a [pdf.TimeStamper] for [pdf.AddTimeStamp] that
// stamps signed, a committed signed PDF, in process (the node's own
// workflow; other clients POST the PDF to /v1/tsa/signature).
func (s *Service) SignatureStamper(signed []byte) pdf.TimeStamper {
	return sigStamper{s: s, pdf: signed}
}

type sigStamper struct {
	s   *Service
	pdf []byte
}

func (st sigStamper) TimeStamp(ctx context.Context, hashAlg asn1.ObjectIdentifier, digest []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	_, alg, want, err := pdf.SignatureValue(st.pdf)
	if err != nil {
		return nil, fmt.Errorf("pki: signature time stamp: %w", err)
	}
	if !alg.Equal(hashAlg) || !bytes.Equal(want, digest) {
		return nil, errors.New("pki: signature time stamp: asked for a hash other than the PDF's last signature value")
	}
	der, err := st.s.signatureTimeStamp(st.pdf)
	if err != nil {
		return nil, err
	}
	return TokenOf(der)
}

// TokenOf returns the token of a granted TimeStampResp, or an error
// wrapping ErrNotGranted with the TSA's status text.
func TokenOf(resp []byte) ([]byte, error) {
	r, err := tsa.ParseResponse(resp)
	if err != nil {
		return nil, err
	}
	if r.Status > 1 || r.Token == nil { // granted or grantedWithMods
		return nil, fmt.Errorf("%w: status %d %q", ErrNotGranted, r.Status, r.Text)
	}
	return r.Token, nil
}

// commitTimeFunc finds the block time of the first record that committed
// a document hash.
type commitTimeFunc func(hash []byte) (time.Time, bool, error)
