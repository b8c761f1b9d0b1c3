package pki

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/node/httpjson"
	"github.com/sealchain/sealchain/signer/pdf"
	"github.com/sealchain/sealchain/signer/tsa"
)

// Requester submits a timestamp_requested record (chain.TimestampRequested)
// and returns once a block committed it, or with why not.
type Requester func(ctx context.Context, b *chain.TimestampRequested) error

// ErrRequestsOff is what a Requester returns when the chain cannot hold
// the record (rules version below chain.RulesVersion5).
var ErrRequestsOff = errors.New("pki: the chain's rules version does not take time stamp requests yet")

// documentWait bounds how long POST /v1/tsa/document waits for the
// commit of its timestamp_requested record.
const documentWait = 30 * time.Second

// handleDocumentTSA answers POST /v1/tsa/document: the body is a PDF
// whose last revision ends with an empty document time stamp
// (pdf.PrepareDocTimeStamp) and one of whose signed revisions a record
// committed; ?hash=sha256 (default, an ECDSA token) or sm3 (an SM2 token).
// The node commits the digest of the time stamp's byte range with a
// timestamp_requested record, then answers a TimeStampResp whose token
// stamps it with genTime = that block time.
func (s *Service) handleDocumentTSA(w http.ResponseWriter, r *http.Request) {
	if !contentType(r, "application/pdf") {
		httpjson.WriteError(w, http.StatusUnsupportedMediaType, "unsupported_media_type", "want Content-Type application/pdf")
		return
	}
	alg := tsa.OIDSHA256
	switch r.URL.Query().Get("hash") {
	case "", "sha256":
	case "sm3":
		alg = tsa.OIDSM3
	default:
		httpjson.WriteError(w, http.StatusBadRequest, "invalid_argument", "hash must be sha256 or sm3")
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
	ctx, cancel := context.WithTimeout(r.Context(), documentWait)
	defer cancel()
	resp, err := s.documentTimeStamp(ctx, body, alg)
	if err != nil {
		httpjson.Internal(s.c.Logger, w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/timestamp-reply")
	w.Write(resp)
}

// documentTimeStamp commits and stamps the document time stamp digest of
// prepared. It refuses a PDF none of whose signed revisions is on chain:
// an archive time stamp extends evidence the chain holds, and the rule
// keeps anonymous clients from having the node record arbitrary hashes.
func (s *Service) documentTimeStamp(ctx context.Context, prepared []byte, alg asn1.ObjectIdentifier) ([]byte, error) {
	digest, err := pdf.DocTimeStampDigest(prepared, alg)
	if err != nil {
		return tsa.Rejection(tsa.FailBadDataFormat, "not a PDF ending with an empty document time stamp")
	}
	a, halg := s.c.ECDSA, chain.TimestampSHA256
	if alg.Equal(tsa.OIDSM3) {
		a, halg = s.c.SM2, chain.TimestampSM3
	}
	if a == nil {
		return tsa.Rejection(tsa.FailBadAlg, "this TSA has no key for "+alg.String())
	}
	at, found, err := s.commitTime(digest)
	if err != nil {
		return nil, err
	}
	if !found {
		docSM3, contract, err := s.committedRevision(prepared)
		if err != nil {
			return nil, err
		}
		if docSM3 == nil {
			return tsa.Rejection(tsa.FailAddInfoNotAvailable, "no signed revision of this PDF is committed on chain")
		}
		if s.c.Request == nil {
			return tsa.Rejection(tsa.FailSystemFailure, "this node cannot commit document time stamps (no submitter credential)")
		}
		b := &chain.TimestampRequested{HashAlg: halg, Hash: digest, Purpose: chain.TimestampDocument, DocSM3: docSM3, Contract: contract}
		if err := s.c.Request(ctx, b); err != nil {
			if errors.Is(err, ErrRequestsOff) {
				return tsa.Rejection(tsa.FailSystemFailure, "the chain does not take document time stamp requests before rules version 5")
			}
			s.c.Logger.Error("timestamp_requested not committed", "hash", fmt.Sprintf("%x", digest), "err", err)
			return tsa.Rejection(tsa.FailSystemFailure, "the request could not be committed on chain; retry")
		}
		// The store shows the commit once the block is applied.
		for {
			if at, found, err = s.commitTime(digest); err != nil || found {
				break
			}
			select {
			case <-ctx.Done():
				return tsa.Rejection(tsa.FailSystemFailure, "the request did not commit in time; retry")
			case <-time.After(50 * time.Millisecond):
			}
		}
		if err != nil {
			return nil, err
		}
	}
	return s.grant(&tsa.Request{HashAlg: alg, Hash: digest, CertReq: true}, a, at, digest)
}

// committedRevision returns the SM3 of the latest signed revision of data
// that a record committed, and that record's contract; nil if none.
func (s *Service) committedRevision(data []byte) ([]byte, string, error) {
	for _, rev := range pdf.RecordedRevisions(data) {
		s3 := sm3.Sum(rev)
		_, body, found, err := s.lookup(s3[:])
		if err != nil {
			return nil, "", err
		}
		if !found {
			s2 := sha256.Sum256(rev)
			if _, body, found, err = s.lookup(s2[:]); err != nil {
				return nil, "", err
			}
		}
		if found {
			return s3[:], body.ContractID(), nil
		}
	}
	return nil, "", nil
}

// DocumentStamper returns a [pdf.DocumentStamper] that commits and stamps
// in process (the node's own workflow; other clients POST to
// /v1/tsa/document).
func (s *Service) DocumentStamper() pdf.DocumentStamper { return docStamper{s} }

type docStamper struct{ s *Service }

func (d docStamper) TimeStampDocument(ctx context.Context, prepared []byte, alg asn1.ObjectIdentifier) ([]byte, error) {
	der, err := d.s.documentTimeStamp(ctx, prepared, alg)
	if err != nil {
		return nil, err
	}
	return TokenOf(der)
}

// HTTPDocumentStamper is a [pdf.DocumentStamper] that asks a node's POST
// /v1/tsa/document (sealchain pdf extend-lta).
type HTTPDocumentStamper struct {
	BaseURL string
	Client  *http.Client // nil: http.DefaultClient
}

func (h *HTTPDocumentStamper) TimeStampDocument(ctx context.Context, prepared []byte, alg asn1.ObjectIdentifier) ([]byte, error) {
	q := "sha256"
	if alg.Equal(tsa.OIDSM3) {
		q = "sm3"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(h.BaseURL, "/")+"/v1/tsa/document?hash="+q, bytes.NewReader(prepared))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/pdf")
	cl := h.Client
	if cl == nil {
		cl = http.DefaultClient
	}
	resp, err := cl.Do(req)
	if err != nil {
		return nil, fmt.Errorf("pki: document time stamp: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("pki: document time stamp: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("pki: document time stamp: HTTP %d: %s", resp.StatusCode, b)
	}
	return TokenOf(b)
}
