package pdf

import (
	"bytes"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"time"

	"github.com/emmansun/gmsm/smx509"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"

	"github.com/sealchain/sealchain/signer"
	"github.com/sealchain/sealchain/signer/tsa"
)

// Bounds on the DSS read by Verify.
const (
	maxDSSItems     = 256
	maxDSSItemBytes = 256 << 10
)

// TimeStampReport describes a signature time stamp (PAdES B-T).
type TimeStampReport struct {
	// Valid: the token verifies (signer/tsa: CMS signature, a critical
	// timeStamping TSA certificate issued by a trusted root, both valid at
	// genTime) and its imprint is the hash of this signature's value.
	Valid   bool       `json:"valid"`
	GenTime *time.Time `json:"gen_time,omitempty"`
	TSA     string     `json:"tsa,omitempty"`    // TSA certificate subject
	Serial  string     `json:"serial,omitempty"` // token serial, hexadecimal
	// TSANotAfter is the end of the TSA certificate's validity.
	TSANotAfter *time.Time `json:"tsa_not_after,omitempty"`
	Error       string     `json:"error,omitempty"`
}

// RevocationReport is the signer certificate's status as the embedded
// validation data (the DSS) states it.
type RevocationReport struct {
	Source    string     `json:"source"` // "dss_ocsp" or "dss_crl"
	Revoked   bool       `json:"revoked"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
	// IssuedAt is the OCSP producedAt or the CRL thisUpdate.
	IssuedAt time.Time `json:"issued_at"`
}

// DSSReport counts what the document security store holds.
type DSSReport struct {
	Certs int `json:"certs"`
	OCSPs int `json:"ocsps"`
	CRLs  int `json:"crls"`
}

// dssData is the parsed DSS of the last revision.
type dssData struct {
	certs []*smx509.Certificate
	ocsps [][]byte
	crls  [][]byte
	notes []string
}

// readDSS reads /DSS from the catalog of the parsed revision c.
func readDSS(c *model.Context) *dssData {
	cat, err := c.Catalog()
	if err != nil {
		return nil
	}
	o, ok := cat["DSS"]
	if !ok {
		return nil
	}
	out := &dssData{}
	d, err := c.DereferenceDict(o)
	if err != nil || d == nil {
		out.notes = append(out.notes, "unreadable /DSS")
		return out
	}
	items := func(key string) [][]byte {
		a, err := c.DereferenceArray(d[key])
		if err != nil {
			out.notes = append(out.notes, "unreadable /DSS /"+key)
			return nil
		}
		var res [][]byte
		for i, x := range a {
			if i >= maxDSSItems {
				out.notes = append(out.notes, fmt.Sprintf("/DSS /%s: only the first %d items read", key, maxDSSItems))
				break
			}
			sd, _, err := c.DereferenceStreamDict(x)
			if err == nil && sd != nil {
				err = sd.DecodeWithLimit(maxDSSItemBytes)
			}
			if err != nil || sd == nil {
				out.notes = append(out.notes, fmt.Sprintf("/DSS /%s item %d unreadable", key, i))
				continue
			}
			res = append(res, sd.Content)
		}
		return res
	}
	for _, der := range items("Certs") {
		if ce, err := smx509.ParseCertificate(der); err == nil {
			out.certs = append(out.certs, ce)
		} else {
			out.notes = append(out.notes, "a /DSS certificate does not parse")
		}
	}
	out.ocsps, out.crls = items("OCSPs"), items("CRLs")
	return out
}

func (d *dssData) hasCert(c *smx509.Certificate) bool {
	if d == nil || c == nil {
		return false
	}
	for _, x := range d.certs {
		if bytes.Equal(x.Raw, c.Raw) {
			return true
		}
	}
	return false
}

// tokenCerts returns the DER certificates a TimeStampToken carries.
func tokenCerts(tok []byte) [][]byte {
	var ci contentInfo
	var sd signedData
	if _, err := asn1.Unmarshal(tok, &ci); err != nil {
		return nil
	}
	if _, err := asn1.Unmarshal(ci.Content.Bytes, &sd); err != nil {
		return nil
	}
	var out [][]byte
	for rest := sd.Certificates.Bytes; len(rest) > 0; {
		var raw asn1.RawValue
		var err error
		if rest, err = asn1.Unmarshal(rest, &raw); err != nil {
			return out
		}
		out = append(out, raw.FullBytes)
	}
	return out
}

// checkTimeStamp verifies a signature time stamp over cms's signature
// value against roots; extra are certificates from the DSS.
func checkTimeStamp(tok []byte, cms *parsedCMS, roots, extra []*smx509.Certificate) *TimeStampReport {
	r := &TimeStampReport{}
	info, err := tsa.Verify(tok, roots, extra)
	if err != nil {
		r.Error = err.Error()
		return r
	}
	t := info.GenTime
	na := info.Signer.NotAfter.UTC()
	r.GenTime, r.TSA, r.Serial, r.TSANotAfter = &t, info.Signer.Subject.String(), info.Serial.Text(16), &na
	var want []byte
	switch {
	case info.HashAlg.Equal(tsa.OIDSHA256):
		want = hashWith(profileECDSA, cms.signature)
	case info.HashAlg.Equal(tsa.OIDSM3):
		want = hashWith(profileSM2, cms.signature)
	}
	if want == nil || !bytes.Equal(want, info.Hash) {
		r.Error = "the time stamp's imprint is not the hash of this signature's value"
		return r
	}
	r.Valid = true
	return r
}

func hashWith(p profile, b []byte) []byte {
	h := p.newHash()
	h.Write(b)
	return h.Sum(nil)
}

// OCSP structures (RFC 6960), as far as the verifier reads them.
type ocspResponse struct {
	Status asn1.Enumerated
	Bytes  ocspResponseBytes `asn1:"explicit,tag:0,optional"`
}

type ocspResponseBytes struct {
	Type     asn1.ObjectIdentifier
	Response []byte
}

type basicOCSPResponse struct {
	TBS       asn1.RawValue
	Algorithm pkix.AlgorithmIdentifier
	Signature asn1.BitString
	Certs     []asn1.RawValue `asn1:"explicit,tag:0,optional"`
}

type ocspResponseData struct {
	Version    int `asn1:"optional,explicit,tag:0,default:0"`
	Responder  asn1.RawValue
	ProducedAt time.Time `asn1:"generalized"`
	Responses  []ocspSingleResponse
	Extensions []pkix.Extension `asn1:"optional,explicit,tag:1"`
}

type ocspCertID struct {
	HashAlgorithm pkix.AlgorithmIdentifier
	NameHash      []byte
	KeyHash       []byte
	Serial        *big.Int
}

type ocspSingleResponse struct {
	CertID     ocspCertID
	Status     asn1.RawValue
	ThisUpdate time.Time        `asn1:"generalized"`
	NextUpdate time.Time        `asn1:"generalized,explicit,tag:0,optional"`
	Extensions []pkix.Extension `asn1:"explicit,tag:1,optional"`
}

var (
	oidOCSPBasic = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 1}
	oidSHA1      = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
)

// ocspStatus reads one OCSP response about leaf (issued by root): it must
// be signed by root or by a delegated responder root issued with the
// OCSPSigning usage. ok is false when the response is not about leaf or
// does not verify.
func ocspStatus(der []byte, leaf, root *smx509.Certificate, extra []*smx509.Certificate) (RevocationReport, bool) {
	var resp ocspResponse
	var basic basicOCSPResponse
	var data ocspResponseData
	if _, err := asn1.Unmarshal(der, &resp); err != nil || resp.Status != 0 || !resp.Bytes.Type.Equal(oidOCSPBasic) {
		return RevocationReport{}, false
	}
	if _, err := asn1.Unmarshal(resp.Bytes.Response, &basic); err != nil {
		return RevocationReport{}, false
	}
	if _, err := asn1.Unmarshal(basic.TBS.FullBytes, &data); err != nil {
		return RevocationReport{}, false
	}
	candidates := append([]*smx509.Certificate{root}, extra...)
	for _, raw := range basic.Certs {
		if c, err := smx509.ParseCertificate(raw.FullBytes); err == nil {
			candidates = append(candidates, c)
		}
	}
	signed := false
	for _, c := range candidates {
		delegated := c != root && bytes.Equal(c.RawIssuer, root.RawSubject) && c.CheckSignatureFrom(root) == nil &&
			containsEKU(c.ExtKeyUsage, x509.ExtKeyUsageOCSPSigning)
		if (c == root || delegated) && signer.Verify(c.PublicKey, basic.TBS.FullBytes, basic.Signature.Bytes) == nil {
			signed = true
			break
		}
	}
	if !signed {
		return RevocationReport{}, false
	}
	for _, s := range data.Responses {
		if s.CertID.Serial == nil || s.CertID.Serial.Cmp(leaf.SerialNumber) != 0 || !nameHashMatches(s.CertID, leaf) {
			continue
		}
		r := RevocationReport{Source: "dss_ocsp", IssuedAt: data.ProducedAt.UTC()}
		switch s.Status.Tag {
		case 0:
			return r, true
		case 1:
			var at time.Time
			if _, err := asn1.UnmarshalWithParams(s.Status.Bytes, &at, "generalized"); err != nil {
				return RevocationReport{}, false
			}
			at = at.UTC()
			r.Revoked, r.RevokedAt = true, &at
			return r, true
		}
	}
	return RevocationReport{}, false
}

func containsEKU(l []x509.ExtKeyUsage, u x509.ExtKeyUsage) bool {
	for _, x := range l {
		if x == u {
			return true
		}
	}
	return false
}

func nameHashMatches(id ocspCertID, leaf *smx509.Certificate) bool {
	var p *profile
	switch {
	case id.HashAlgorithm.Algorithm.Equal(oidSHA256):
		p = &profileECDSA
	case id.HashAlgorithm.Algorithm.Equal(oidSM3):
		p = &profileSM2
	case id.HashAlgorithm.Algorithm.Equal(oidSHA1):
		return len(id.NameHash) == 20 && bytes.Equal(id.NameHash, sha1Sum(leaf.RawIssuer))
	}
	return p != nil && bytes.Equal(id.NameHash, hashWith(*p, leaf.RawIssuer))
}

// crlStatus reads one CRL about leaf, signed by root.
func crlStatus(der []byte, leaf, root *smx509.Certificate) (RevocationReport, bool) {
	crl, err := smx509.ParseRevocationList(der)
	if err != nil || !bytes.Equal(crl.RawIssuer, root.RawSubject) || !bytes.Equal(leaf.RawIssuer, root.RawSubject) || crl.CheckSignatureFrom(root) != nil {
		return RevocationReport{}, false
	}
	r := RevocationReport{Source: "dss_crl", IssuedAt: crl.ThisUpdate.UTC()}
	for _, e := range crl.RevokedCertificateEntries {
		if e.SerialNumber != nil && e.SerialNumber.Cmp(leaf.SerialNumber) == 0 {
			at := e.RevocationTime.UTC()
			r.Revoked, r.RevokedAt = true, &at
			break
		}
	}
	return r, true
}

// dssRevocation returns the status of leaf from the DSS: the latest
// verified OCSP response, else the latest verified CRL.
func (d *dssData) revocation(leaf, root *smx509.Certificate) (RevocationReport, bool) {
	if d == nil || leaf == nil || root == nil {
		return RevocationReport{}, false
	}
	var best RevocationReport
	found := false
	for _, o := range d.ocsps {
		if r, ok := ocspStatus(o, leaf, root, d.certs); ok && (!found || r.IssuedAt.After(best.IssuedAt)) {
			best, found = r, true
		}
	}
	if found {
		return best, true
	}
	for _, c := range d.crls {
		if r, ok := crlStatus(c, leaf, root); ok && (!found || r.IssuedAt.After(best.IssuedAt)) {
			best, found = r, true
		}
	}
	return best, found
}

// issuingRoot returns the root in roots that signed leaf.
func issuingRoot(leaf *smx509.Certificate, roots []*smx509.Certificate) *smx509.Certificate {
	for _, r := range roots {
		if r != nil && bytes.Equal(leaf.RawIssuer, r.RawSubject) && leaf.CheckSignatureFrom(r) == nil {
			return r
		}
	}
	return nil
}

func sha1Sum(b []byte) []byte {
	h := sha1.Sum(b)
	return h[:]
}
