package tsa

import (
	"bytes"
	"crypto/subtle"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/emmansun/gmsm/smx509"

	"github.com/sealchain/sealchain/signer"
)

// MaxTokenBytes bounds the tokens and responses the parsers read.
const MaxTokenBytes = 64 << 10

// Info is what a verified token states.
type Info struct {
	Policy  asn1.ObjectIdentifier
	HashAlg asn1.ObjectIdentifier
	Hash    []byte
	Serial  *big.Int
	GenTime time.Time
	Nonce   *big.Int
	Signer  *smx509.Certificate // the TSA certificate
	Root    *smx509.Certificate // the root in roots that issued it
}

// ErrVerify is wrapped by every verification failure.
var ErrVerify = errors.New("tsa: token does not verify")

// Response is a parsed TimeStampResp.
type Response struct {
	Status   int
	FailInfo asn1.BitString
	Text     []string
	Token    []byte // nil unless granted
}

// ParseResponse parses a DER TimeStampResp.
func ParseResponse(der []byte) (*Response, error) {
	if len(der) > MaxTokenBytes {
		return nil, fmt.Errorf("tsa: response of %d bytes, limit %d", len(der), MaxTokenBytes)
	}
	var r timeStampResp
	rest, err := asn1.Unmarshal(der, &r)
	if err != nil || len(rest) != 0 {
		return nil, fmt.Errorf("tsa: parse response: %v (%d trailing bytes)", err, len(rest))
	}
	out := &Response{Status: r.Status.Status, FailInfo: r.Status.FailInfo}
	for _, s := range r.Status.StatusString {
		out.Text = append(out.Text, string(s.Bytes))
	}
	if len(r.Token.FullBytes) > 0 {
		out.Token = r.Token.FullBytes
	}
	return out, nil
}

// Verify checks a TimeStampToken: its CMS signature by a certificate with
// a critical id-kp-timeStamping extended key usage (taken from the token,
// or from extra when the token carries none), the signing-certificate-v2
// hash of that certificate, and that a root in roots issued it and both
// were valid at genTime. The algorithms must be one of the two profiles.
func Verify(token []byte, roots []*smx509.Certificate, extra []*smx509.Certificate) (*Info, error) {
	fail := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrVerify, fmt.Sprintf(format, a...))
	}
	if len(token) > MaxTokenBytes {
		return nil, fail("%d bytes, limit %d", len(token), MaxTokenBytes)
	}
	var ci contentInfo
	if rest, err := asn1.Unmarshal(token, &ci); err != nil || len(rest) != 0 {
		return nil, fail("ContentInfo: %v", err)
	}
	if !ci.ContentType.Equal(oidSignedData) {
		return nil, fail("content type %s, want signedData", ci.ContentType)
	}
	var sd signedData
	if rest, err := asn1.Unmarshal(ci.Content.Bytes, &sd); err != nil || len(rest) != 0 {
		return nil, fail("SignedData: %v", err)
	}
	if !sd.EncapContentInfo.EContentType.Equal(oidTSTInfo) {
		return nil, fail("eContentType %s, want id-ct-TSTInfo", sd.EncapContentInfo.EContentType)
	}
	var content []byte
	if rest, err := asn1.Unmarshal(sd.EncapContentInfo.EContent.Bytes, &content); err != nil || len(rest) != 0 {
		return nil, fail("eContent: %v", err)
	}
	var info tstInfo
	if rest, err := asn1.Unmarshal(content, &info); err != nil || len(rest) != 0 {
		return nil, fail("TSTInfo: %v", err)
	}
	if info.Version != 1 {
		return nil, fail("TSTInfo version %d", info.Version)
	}
	genTime, err := parseGeneralizedTime(info.GenTime)
	if err != nil {
		return nil, fail("%v", err)
	}
	if len(sd.SignerInfos) != 1 {
		return nil, fail("%d signers, want 1", len(sd.SignerInfos))
	}
	var si signerInfo
	if rest, err := asn1.Unmarshal(sd.SignerInfos[0].FullBytes, &si); err != nil || len(rest) != 0 {
		return nil, fail("SignerInfo: %v", err)
	}
	var p profile
	switch {
	case si.DigestAlgorithm.Algorithm.Equal(OIDSHA256) && si.SignatureAlgorithm.Algorithm.Equal(oidECDSAWithSHA256):
		p = profileECDSA
	case si.DigestAlgorithm.Algorithm.Equal(OIDSM3) && si.SignatureAlgorithm.Algorithm.Equal(oidSM2Sign):
		p = profileSM2
	default:
		return nil, fail("unsupported algorithms %s with %s", si.SignatureAlgorithm.Algorithm, si.DigestAlgorithm.Algorithm)
	}
	certs := extra
	if len(sd.Certificates.Bytes) > 0 {
		rest := sd.Certificates.Bytes
		for len(rest) > 0 {
			var raw asn1.RawValue
			var err error
			if rest, err = asn1.Unmarshal(rest, &raw); err != nil {
				return nil, fail("certificates: %v", err)
			}
			c, err := smx509.ParseCertificate(raw.FullBytes)
			if err != nil {
				return nil, fail("certificate: %v", err)
			}
			certs = append(certs, c)
		}
	}
	var leaf *smx509.Certificate
	for _, c := range certs {
		if c != nil && bytes.Equal(c.RawIssuer, si.SID.Issuer.FullBytes) && c.SerialNumber.Cmp(si.SID.Serial) == 0 {
			leaf = c
			break
		}
	}
	if leaf == nil {
		return nil, fail("signer certificate not found")
	}
	if alg, err := signer.PublicKeyAlgorithm(leaf.PublicKey); err != nil || alg != p.alg {
		return nil, fail("signer key is not %s", p.alg)
	}
	if !signer.HasCriticalTimeStamping(leaf) {
		return nil, fail("signer certificate lacks a critical id-kp-timeStamping extended key usage")
	}
	if len(si.SignedAttrs.FullBytes) == 0 {
		return nil, fail("no signed attributes")
	}
	set := append([]byte{0x31}, si.SignedAttrs.FullBytes[1:]...)
	var attrs []attribute
	if rest, err := asn1.UnmarshalWithParams(set, &attrs, "set"); err != nil || len(rest) != 0 {
		return nil, fail("signed attributes: %v", err)
	}
	var gotDigest, gotCertHash []byte
	var gotType bool
	for _, a := range attrs {
		var v asn1.RawValue
		if _, err := asn1.Unmarshal(a.Values.Bytes, &v); err != nil {
			return nil, fail("attribute %s: %v", a.Type, err)
		}
		switch {
		case a.Type.Equal(oidAttrContentType):
			var oid asn1.ObjectIdentifier
			if _, err := asn1.Unmarshal(v.FullBytes, &oid); err != nil || !oid.Equal(oidTSTInfo) {
				return nil, fail("content-type attribute is not id-ct-TSTInfo")
			}
			gotType = true
		case a.Type.Equal(oidAttrMessageDigest):
			if _, err := asn1.Unmarshal(v.FullBytes, &gotDigest); err != nil {
				return nil, fail("message-digest attribute: %v", err)
			}
		case a.Type.Equal(oidAttrSigningCertV2):
			var scv2 signingCertificateV2
			if _, err := asn1.Unmarshal(v.FullBytes, &scv2); err != nil || len(scv2.Certs) == 0 {
				return nil, fail("signing-certificate-v2 attribute: %v", err)
			}
			id := scv2.Certs[0]
			want := profileECDSA
			if len(id.HashAlgorithm.Algorithm) > 0 {
				if want, err = profileFor(id.HashAlgorithm.Algorithm); err != nil {
					return nil, fail("signing-certificate-v2 hash: %v", err)
				}
			}
			h := want.newHash()
			h.Write(leaf.Raw)
			if subtle.ConstantTimeCompare(h.Sum(nil), id.CertHash) != 1 {
				return nil, fail("signing-certificate-v2 does not name the signer certificate")
			}
			gotCertHash = id.CertHash
		}
	}
	h := p.newHash()
	h.Write(content)
	switch {
	case !gotType:
		return nil, fail("no content-type attribute")
	case gotCertHash == nil:
		return nil, fail("no signing-certificate-v2 attribute")
	case subtle.ConstantTimeCompare(h.Sum(nil), gotDigest) != 1:
		return nil, fail("message digest does not match TSTInfo")
	}
	if err := signer.Verify(leaf.PublicKey, set, si.Signature); err != nil {
		return nil, fail("%v", err)
	}
	if err := signer.ValidAt(leaf, genTime); err != nil {
		return nil, fail("TSA certificate: %v", err)
	}
	var root *smx509.Certificate
	for _, r := range roots {
		if r != nil && bytes.Equal(leaf.RawIssuer, r.RawSubject) && leaf.CheckSignatureFrom(r) == nil {
			root = r
			break
		}
	}
	if root == nil {
		return nil, fail("TSA certificate not issued by a trusted root")
	}
	if err := signer.ValidAt(root, genTime); err != nil {
		return nil, fail("root: %v", err)
	}
	return &Info{
		Policy: info.Policy, HashAlg: info.MessageImprint.HashAlgorithm.Algorithm, Hash: info.MessageImprint.HashedMessage,
		Serial: info.SerialNumber, GenTime: genTime, Nonce: info.Nonce, Signer: leaf, Root: root,
	}, nil
}
