package pki

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/emmansun/gmsm/smx509"

	"github.com/sealchain/sealchain/signer/pdf"
	"github.com/sealchain/sealchain/signer/tsa"
)

// ValidationData implements [pdf.ValidationSource] for PAdES B-LT: for
// every certificate this organisation's CA issued among certs (signers,
// TSA certificates), an OCSP response from the chain's state now, signed
// by the delegated responder (whose certificate, with id-pkix-ocsp-nocheck,
// needs none), the CA's CRL once, and the CA and responder certificates.
// Certificates of other CAs get nothing here: their own nodes answer for
// them. The responses are the ones GET /v1/ocsp and /v1/crl serve.
func (s *Service) ValidationData(ctx context.Context, certs [][]byte) (*pdf.ValidationData, error) {
	var ids []CertID
	for _, der := range certs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		c, err := smx509.ParseCertificate(der)
		if err != nil {
			return nil, fmt.Errorf("pki: validation data: %w", err)
		}
		if bytes.Equal(c.Raw, s.c.CA.Cert.Raw) || !bytes.Equal(c.RawIssuer, s.c.CA.Cert.RawSubject) {
			continue
		}
		if err := c.CheckSignatureFrom(s.c.CA.Cert); err != nil {
			continue
		}
		id, err := certIDFor(c, s.c.CA.Cert)
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	vd := &pdf.ValidationData{Certs: [][]byte{s.c.CA.Cert.Raw}}
	if len(ids) == 0 {
		return vd, nil
	}
	for len(ids) > 0 { // MaxOCSPCerts per response, like a client's request
		n := min(len(ids), MaxOCSPCerts)
		resp, err := s.answer(ids[:n], nil)
		if err != nil {
			return nil, err
		}
		vd.OCSPs = append(vd.OCSPs, resp)
		ids = ids[n:]
	}
	crl, err := s.crl(s.c.Now())
	if err != nil {
		return nil, err
	}
	vd.CRLs = append(vd.CRLs, crl)
	s.mu.Lock()
	if s.ocspCert != nil {
		vd.Certs = append(vd.Certs, s.ocspCert.Raw)
	}
	s.mu.Unlock()
	return vd, nil
}

// certIDFor names leaf, issued by ca, by SHA-256 hashes (RFC 6960 4.1.1).
func certIDFor(leaf, ca *smx509.Certificate) (CertID, error) {
	var spki struct {
		Alg pkix.AlgorithmIdentifier
		Key asn1.BitString
	}
	if _, err := asn1.Unmarshal(ca.RawSubjectPublicKeyInfo, &spki); err != nil {
		return CertID{}, fmt.Errorf("pki: CA key: %w", err)
	}
	nh, kh := sha256.Sum256(ca.RawSubject), sha256.Sum256(spki.Key.Bytes)
	c := certID{HashAlgorithm: pkix.AlgorithmIdentifier{Algorithm: oidSHA256, Parameters: asn1.NullRawValue}, NameHash: nh[:], KeyHash: kh[:], Serial: leaf.SerialNumber}
	raw, err := asn1.Marshal(c)
	if err != nil {
		return CertID{}, err
	}
	return CertID{HashAlg: oidSHA256, raw: raw, NameHash: nh[:], KeyHash: kh[:], Serial: leaf.SerialNumber}, nil
}

// ownServiceCert reports whether c is one of this node's TSA
// certificates: issued by the org CA but not on chain, and revoked only
// by replacing the files, so OCSP answers good for them.
func (s *Service) ownServiceCert(serial string) bool {
	for _, a := range []*tsa.Authority{s.c.ECDSA, s.c.SM2} {
		if a != nil && len(a.Certs) > 0 && a.Certs[0].SerialNumber.String() == serial {
			return true
		}
	}
	return false
}

var _ pdf.ValidationSource = (*Service)(nil)

// HTTPValidationSource is a [pdf.ValidationSource] that asks a node's
// public PKI routes: POST /v1/ocsp/{Org} for the certificates Issuer (the
// organisation's CA) issued, and GET /v1/crl/{Org}.crl. For clients that
// extend PDFs to B-LT away from the node.
type HTTPValidationSource struct {
	BaseURL string
	Org     string
	Issuer  *smx509.Certificate
	Client  *http.Client // nil: http.DefaultClient
}

func (h *HTTPValidationSource) ValidationData(ctx context.Context, certs [][]byte) (*pdf.ValidationData, error) {
	var list []singleRequest
	for _, der := range certs {
		c, err := smx509.ParseCertificate(der)
		if err != nil {
			return nil, fmt.Errorf("pki: validation data: %w", err)
		}
		if bytes.Equal(c.Raw, h.Issuer.Raw) || c.CheckSignatureFrom(h.Issuer) != nil {
			continue
		}
		id, err := certIDFor(c, h.Issuer)
		if err != nil {
			return nil, err
		}
		var ci certID
		if _, err := asn1.Unmarshal(id.raw, &ci); err != nil {
			return nil, err
		}
		list = append(list, singleRequest{Cert: ci})
	}
	vd := &pdf.ValidationData{Certs: [][]byte{h.Issuer.Raw}}
	if len(list) == 0 {
		return vd, nil
	}
	cl := h.Client
	if cl == nil {
		cl = http.DefaultClient
	}
	do := func(method, path, ctype string, body []byte) ([]byte, error) {
		req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(h.BaseURL, "/")+path, bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		resp, err := cl.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if err == nil && resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("%s %s: HTTP %d: %s", method, path, resp.StatusCode, b)
		}
		return b, err
	}
	for len(list) > 0 {
		n := min(len(list), MaxOCSPCerts)
		var r ocspRequest
		r.TBS.RequestList = list[:n]
		der, err := asn1.Marshal(r)
		if err != nil {
			return nil, err
		}
		resp, err := do(http.MethodPost, "/v1/ocsp/"+url.PathEscape(h.Org), "application/ocsp-request", der)
		if err != nil {
			return nil, fmt.Errorf("pki: OCSP: %w", err)
		}
		vd.OCSPs = append(vd.OCSPs, resp)
		list = list[n:]
	}
	crl, err := do(http.MethodGet, "/v1/crl/"+url.PathEscape(h.Org)+".crl", "", nil)
	if err != nil {
		return nil, fmt.Errorf("pki: CRL: %w", err)
	}
	vd.CRLs = append(vd.CRLs, crl)
	return vd, nil
}
