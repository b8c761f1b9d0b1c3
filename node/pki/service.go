// Package pki serves the node's public PKI: an RFC 3161 time-stamping
// authority for hashes committed on chain (POST /v1/tsa), an RFC 6960 OCSP
// responder (/v1/ocsp/{org}) and RFC 5280 CRLs (/v1/crl/{org}.crl) answered
// from the chain's certificate state. The node holds only its own
// organisation's CA key, so it answers for that organisation only.
package pki

import (
	"crypto/rand"
	"encoding/asn1"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/emmansun/gmsm/smx509"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/chain/store"
	"github.com/sealchain/sealchain/node/httpjson"
	"github.com/sealchain/sealchain/signer"
	"github.com/sealchain/sealchain/signer/tsa"
)

// Chain is what the service reads: the committed state.
type Chain interface {
	View() store.View
	Last() chain.Checkpoint
}

// Config assembles a Service.
type Config struct {
	Chain  Chain
	Org    string
	CA     *signer.CA
	Policy asn1.ObjectIdentifier
	// ECDSA and SM2 sign tokens for SHA-256 and SM3 requests; nil: that
	// algorithm is answered with failInfo badAlg.
	ECDSA, SM2 *tsa.Authority
	// BaseURL is the public prefix for AIA and CRL distribution points.
	BaseURL string
	Logger  *slog.Logger
	// Now is the clock for OCSP and CRL answers (default time.Now); the
	// TSA never reads it.
	Now  func() time.Time
	Rand io.Reader
	// MaxPDFBytes bounds the body of POST /v1/tsa/signature (0:
	// DefaultMaxPDFBytes).
	MaxPDFBytes int64
	// Record submits the timestamp_issued record of every token issued
	// (nil: tokens are not recorded). Run must run for it to be called.
	Record Recorder
	// Request commits a timestamp_requested record for POST
	// /v1/tsa/document (nil: document time stamps are refused).
	Request Requester
	// QueueDir, if set, keeps the timestamp_issued records not yet
	// submitted in a pebble database there, so that a restart submits
	// them (the node: data/tsa-queue). Empty: memory only.
	QueueDir string
}

// Service answers the PKI routes.
type Service struct {
	c Config

	mu       sync.Mutex
	ocspKey  *signer.PrivateKey
	ocspCert *smx509.Certificate
	// commitTime is committedAt; tests replace it.
	commitTime commitTimeFunc
	// lookup is firstCommit; tests replace it.
	lookup func(hash []byte) (time.Time, chain.Body, bool, error)
	rec    *recorder
}

// New returns the service.
func New(c Config) (*Service, error) {
	if c.Chain == nil || c.CA == nil || c.Org == "" || len(c.Policy) == 0 {
		return nil, errors.New("pki: chain, CA, org and policy are required")
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Rand == nil {
		c.Rand = rand.Reader
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	rec, err := newRecorder(c.Record, c.QueueDir, c.Logger)
	if err != nil {
		return nil, err
	}
	s := &Service{c: c, rec: rec}
	s.commitTime, s.lookup = s.committedAt, s.firstCommit
	return s, nil
}

// RevocationURLs are the OCSP and CRL addresses certificates of org
// carry when a base URL is configured (nil otherwise).
func RevocationURLs(baseURL, org string) (ocsp, crl []string) {
	if baseURL == "" {
		return nil, nil
	}
	b := strings.TrimSuffix(baseURL, "/")
	return []string{b + "/v1/ocsp/" + org}, []string{b + "/v1/crl/" + org + ".crl"}
}

// Register mounts the routes.
func (s *Service) Register(rt *httpjson.Router) {
	rt.Route("POST /v1/tsa", s.handleTSA)
	rt.Route("POST /v1/tsa/signature", s.handleSignatureTSA)
	rt.Route("POST /v1/tsa/document", s.handleDocumentTSA)
	rt.Route("POST /v1/ocsp/{org}", s.handleOCSPPost)
	rt.Route("GET /v1/ocsp/{org}/{req...}", s.handleOCSPGet)
	rt.Route("GET /v1/crl/{file}", s.handleCRL)
}

func contentType(r *http.Request, want string) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == want
}

func readBounded(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, bool) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		httpjson.WriteError(w, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("request body over %d bytes", limit))
		return nil, false
	}
	return b, true
}

func (s *Service) handleTSA(w http.ResponseWriter, r *http.Request) {
	if !contentType(r, "application/timestamp-query") {
		httpjson.WriteError(w, http.StatusUnsupportedMediaType, "unsupported_media_type", "want Content-Type application/timestamp-query")
		return
	}
	body, ok := readBounded(w, r, tsa.MaxRequestBytes)
	if !ok {
		return
	}
	resp, err := s.timeStamp(body)
	if err != nil {
		httpjson.Internal(s.c.Logger, w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/timestamp-reply")
	w.Write(resp)
}

// timeStamp answers one DER TimeStampReq with a DER TimeStampResp.
func (s *Service) timeStamp(der []byte) ([]byte, error) {
	req, err := tsa.ParseRequest(der)
	switch {
	case errors.Is(err, tsa.ErrBadAlg):
		return tsa.Rejection(tsa.FailBadAlg, "hash algorithm must be SHA-256 or SM3")
	case err != nil:
		return tsa.Rejection(tsa.FailBadRequest, "malformed TimeStampReq")
	case req.Policy != nil && !req.Policy.Equal(s.c.Policy):
		return tsa.Rejection(tsa.FailUnacceptedPolicy, "this TSA's only policy is "+s.c.Policy.String())
	case len(req.Extensions) > 0:
		return tsa.Rejection(tsa.FailUnacceptedExtension, "no request extensions are supported")
	}
	a := s.c.ECDSA
	if req.HashAlg.Equal(tsa.OIDSM3) {
		a = s.c.SM2
	}
	if a == nil {
		return tsa.Rejection(tsa.FailBadAlg, "this TSA has no key for "+req.HashAlg.String())
	}
	at, found, err := s.committedAt(req.Hash)
	if err != nil {
		return nil, err
	}
	if !found {
		return tsa.Rejection(tsa.FailAddInfoNotAvailable, "hash not committed on chain")
	}
	return s.grant(req, a, at, req.Hash)
}

// committedAt finds the first record indexed under hash as a document
// (identity commitments share the index and are skipped: a time stamp must
// not reveal when someone was identified) and returns its block time.
func (s *Service) committedAt(hash []byte) (time.Time, bool, error) {
	at, _, found, err := s.firstCommit(hash)
	return at, found, err
}

// firstCommit is committedAt with the record's body.
func (s *Service) firstCommit(hash []byte) (time.Time, chain.Body, bool, error) {
	v := s.c.Chain.View()
	q := store.Query{Limit: 32, UpTo: s.c.Chain.Last().LogSize}
	for {
		page, err := v.ByDoc(hash, q)
		if err != nil {
			return time.Time{}, nil, false, fmt.Errorf("pki: doc index: %w", err)
		}
		for _, idx := range page.Indexes {
			leaf, err := v.Entry(idx)
			if err != nil {
				return time.Time{}, nil, false, err
			}
			en, err := chain.DecodeEntry(leaf)
			if err != nil {
				return time.Time{}, nil, false, err
			}
			tx, err := chain.DecodeRecord(en.Tx)
			if err != nil {
				return time.Time{}, nil, false, err
			}
			if tx.Body.Type() == chain.TypeIdentityVerified {
				continue
			}
			return en.Time, tx.Body, true, nil
		}
		if !page.More {
			return time.Time{}, nil, false, nil
		}
		q.After, q.HaveAfter = page.Next, true
	}
}

func randSerial(r io.Reader) (*big.Int, error) {
	b := make([]byte, 16)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, fmt.Errorf("pki: serial: %w", err)
	}
	b[0] |= 0x40 // positive and never zero
	b[0] &= 0x7f
	return new(big.Int).SetBytes(b), nil
}

func (s *Service) handleOCSPPost(w http.ResponseWriter, r *http.Request) {
	if !contentType(r, "application/ocsp-request") {
		httpjson.WriteError(w, http.StatusUnsupportedMediaType, "unsupported_media_type", "want Content-Type application/ocsp-request")
		return
	}
	body, ok := readBounded(w, r, MaxOCSPRequestBytes)
	if !ok {
		return
	}
	s.writeOCSP(w, r, r.PathValue("org"), body)
}

func (s *Service) handleOCSPGet(w http.ResponseWriter, r *http.Request) {
	enc := r.PathValue("req")
	if len(enc) > 2*MaxOCSPRequestBytes {
		httpjson.WriteError(w, http.StatusRequestURITooLong, "too_large", "OCSP request too long")
		return
	}
	der, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		w.Header().Set("Content-Type", "application/ocsp-response")
		w.Write(ocspError(ocspMalformedRequest))
		return
	}
	s.writeOCSP(w, r, r.PathValue("org"), der)
}

func (s *Service) writeOCSP(w http.ResponseWriter, r *http.Request, org string, der []byte) {
	resp, err := s.ocsp(org, der)
	if err != nil {
		s.c.Logger.Error("OCSP", "err", err)
		resp = ocspError(ocspInternalError)
	}
	w.Header().Set("Content-Type", "application/ocsp-response")
	w.Write(resp)
}

// ocsp answers one DER OCSPRequest about org's certificates.
func (s *Service) ocsp(org string, der []byte) ([]byte, error) {
	if org != s.c.Org {
		return ocspError(ocspUnauthorized), nil
	}
	req, err := ParseOCSPRequest(der)
	if err != nil {
		return ocspError(ocspMalformedRequest), nil
	}
	return s.answer(req.Certs, req.Nonce)
}

// answer is the OCSP response about ids as of now.
func (s *Service) answer(ids []CertID, nonce []byte) ([]byte, error) {
	now := s.c.Now()
	statuses := make([]Status, len(ids))
	want := map[string][]int{} // serial → positions in the request
	for i, id := range ids {
		statuses[i] = Status{ID: id, Reason: -1}
		if id.issuedBy(s.c.CA.Cert) {
			want[id.Serial.String()] = append(want[id.Serial.String()], i)
			statuses[i].Known = s.ownServiceCert(id.Serial.String())
		}
	}
	if len(want) > 0 {
		err := s.orgCerts(func(c *smx509.Certificate, cs *chain.CertState) bool {
			for _, i := range want[c.SerialNumber.String()] {
				st := &statuses[i]
				st.Known = true
				if cs.RevokedBy(now) {
					st.RevokedAt, st.Reason = cs.RevokedAt, int(cs.Reason)
				}
			}
			return true
		})
		if err != nil {
			return nil, err
		}
	}
	key, cert, err := s.responder(now)
	if err != nil {
		return nil, err
	}
	return buildOCSPResponse(statuses, nonce, s.statusTime(now), now, key, cert, s.c.Rand)
}

// statusTime is OCSP's and the CRL's thisUpdate: the block time of the
// last committed block, whose state the answer reports (not the clock: a
// PAdES validator rejects revocation data dated after the document time
// stamp that covers it, and the next block's time, that stamp's genTime,
// can be a little behind this node's clock). The clock if earlier, or if
// nothing committed yet.
func (s *Service) statusTime(now time.Time) time.Time {
	if t := s.c.Chain.Last().Time; !t.IsZero() && t.Before(now) {
		return t
	}
	return now
}

// orgCerts calls fn for each certificate on chain that this org's CA issued.
func (s *Service) orgCerts(fn func(*smx509.Certificate, *chain.CertState) bool) error {
	var perr error
	err := s.c.Chain.View().Certs(func(_ chain.Fingerprint, cs *chain.CertState) bool {
		if cs.Org != s.c.Org {
			return true
		}
		c, err := smx509.ParseCertificate(cs.DER)
		if err != nil {
			perr = err
			return false
		}
		if string(c.RawIssuer) != string(s.c.CA.Cert.RawSubject) {
			return true
		}
		return fn(c, cs)
	})
	if err == nil {
		err = perr
	}
	return err
}

// responder returns the delegated OCSP signing key and certificate,
// issuing a new one (a week, within the CA's validity) when there is none
// or it ends within a day. It lives in memory only.
func (s *Service) responder(now time.Time) (*signer.PrivateKey, *smx509.Certificate, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ocspCert != nil && now.Add(24*time.Hour).Before(s.ocspCert.NotAfter) && !now.Before(s.ocspCert.NotBefore) {
		return s.ocspKey, s.ocspCert, nil
	}
	ca := s.c.CA
	k, err := signer.GenerateKey(ca.Key.Algorithm(), s.c.Rand)
	if err != nil {
		return nil, nil, err
	}
	nb := now.Add(-time.Hour).Truncate(time.Second)
	if nb.Before(ca.Cert.NotBefore) {
		nb = ca.Cert.NotBefore
	}
	na := now.Add(7 * 24 * time.Hour).Truncate(time.Second)
	if na.After(ca.Cert.NotAfter) {
		na = ca.Cert.NotAfter
	}
	der, err := ca.IssueOCSPSigning(k.Public(), signer.ServiceOptions{SubjectRef: "ocsp." + s.c.Org, NotBefore: nb, NotAfter: na}, s.c.Rand)
	if err != nil {
		return nil, nil, err
	}
	c, err := smx509.ParseCertificate(der)
	if err != nil {
		return nil, nil, err
	}
	s.ocspKey, s.ocspCert = k, c
	return k, c, nil
}

func (s *Service) handleCRL(w http.ResponseWriter, r *http.Request) {
	org, ok := strings.CutSuffix(r.PathValue("file"), ".crl")
	if !ok || org != s.c.Org {
		httpjson.WriteError(w, http.StatusNotFound, "unknown_crl", "this node serves only /v1/crl/"+s.c.Org+".crl")
		return
	}
	der, err := s.crl(s.c.Now())
	if err != nil {
		httpjson.Internal(s.c.Logger, w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pkix-crl")
	w.Write(der)
}

// crl makes the CA's CRL as of now, signed by the CA; its number is the
// last committed height, which only grows.
func (s *Service) crl(now time.Time) ([]byte, error) {
	var entries []x509RevokedEntry
	err := s.orgCerts(func(c *smx509.Certificate, cs *chain.CertState) bool {
		if cs.RevokedBy(now) {
			entries = append(entries, x509RevokedEntry{serial: c.SerialNumber, at: cs.RevokedAt, reason: int(cs.Reason)})
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	return makeCRL(s.c.CA, entries, big.NewInt(s.c.Chain.Last().Height), s.statusTime(now), now, s.c.Rand)
}

// LoadOrIssueAuthority loads a TSA key and certificate from keyFile and
// certFile, or, when both are empty, from dir/tsa-<alg>.key and .crt,
// issuing and saving them with ca first if they do not exist.
func LoadOrIssueAuthority(ca *signer.CA, alg signer.Algorithm, keyFile, certFile, dir, org string, ocsp, crl []string, now time.Time) (*tsa.Authority, error) {
	if keyFile == "" {
		keyFile = filepath.Join(dir, "tsa-"+alg.String()+".key")
		certFile = filepath.Join(dir, "tsa-"+alg.String()+".crt")
		if _, err := os.Stat(keyFile); errors.Is(err, os.ErrNotExist) {
			k, err := signer.GenerateKey(alg, nil)
			if err != nil {
				return nil, err
			}
			nb := now.Add(-time.Hour).Truncate(time.Second)
			if nb.Before(ca.Cert.NotBefore) {
				nb = ca.Cert.NotBefore
			}
			der, err := ca.IssueTimeStamping(k.Public(), signer.ServiceOptions{SubjectRef: "tsa." + org, NotBefore: nb, NotAfter: ca.Cert.NotAfter, OCSPServer: ocsp, CRLDistributionPoints: crl}, nil)
			if err != nil {
				return nil, err
			}
			if err := os.WriteFile(certFile, signer.EncodeCertificatePEM(der), 0o644); err != nil {
				return nil, err
			}
			if err := signer.SavePrivateKey(keyFile, k); err != nil {
				return nil, err
			}
		}
	}
	k, err := signer.LoadPrivateKey(keyFile)
	if err != nil {
		return nil, fmt.Errorf("pki: TSA key: %w", err)
	}
	b, err := os.ReadFile(certFile)
	if err != nil {
		return nil, fmt.Errorf("pki: TSA certificate: %w", err)
	}
	c, err := signer.ParseCertificatePEM(b)
	if err != nil {
		return nil, fmt.Errorf("pki: TSA certificate %s: %w", certFile, err)
	}
	if !signer.HasCriticalTimeStamping(c) {
		return nil, fmt.Errorf("pki: TSA certificate %s lacks a critical id-kp-timeStamping extended key usage", certFile)
	}
	if a, err := signer.PublicKeyAlgorithm(c.PublicKey); err != nil || a != alg || k.Algorithm() != alg {
		return nil, fmt.Errorf("pki: TSA key and certificate %s must both be %s", certFile, alg)
	}
	return &tsa.Authority{Key: k, Certs: []*smx509.Certificate{c}}, nil
}
