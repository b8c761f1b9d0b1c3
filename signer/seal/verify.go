package seal

import (
	"bytes"
	"crypto"
	"encoding/asn1"
	"errors"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"strings"
	"time"

	"github.com/emmansun/gmsm/smx509"

	"github.com/sealchain/sealchain/signer"
)

// CheckStatus is the outcome of one check of [SESeal.Verify].
type CheckStatus string

const (
	// CheckOK means the check ran and passed.
	CheckOK CheckStatus = "ok"
	// CheckFailed means the check ran and failed; the seal does not verify.
	CheckFailed CheckStatus = "failed"
	// CheckNotUnderstood means the seal carries something the standard
	// leaves to vendors and this package does not understand (a private
	// critical extension, an unknown picture type). It is reported, and
	// does not make the seal fail.
	CheckNotUnderstood CheckStatus = "not_understood"
	// CheckNotChecked means the item is present but not verified here (a
	// version 5 time stamp).
	CheckNotChecked CheckStatus = "not_checked"
)

// Names of the checks, in the order Verify runs them.
const (
	CheckHeader     = "header"
	CheckValidity   = "validity"
	CheckAlgorithm  = "algorithm"
	CheckSignature  = "signature"
	CheckMaker      = "maker_certificate"
	CheckCertList   = "cert_list"
	CheckPicture    = "picture"
	CheckExtensions = "extensions"
	CheckTimeStamp  = "time_stamp"
)

// Check is one step of [SESeal.Verify].
type Check struct {
	Name   string      `json:"name"`
	Status CheckStatus `json:"status"`
	Detail string      `json:"detail,omitempty"`
	// Err is set when Status is CheckFailed; it wraps one of the package's
	// sentinel errors.
	Err error `json:"-"`
}

// Report is what [SESeal.Verify] checked and found.
type Report struct {
	At     time.Time `json:"at"`
	Checks []Check   `json:"checks"`
	// NotUnderstood lists, one sentence each, what the seal or its
	// certificates carry that this package does not understand: critical
	// extensions of the seal or of a certificate, picture types.
	NotUnderstood []string `json:"not_understood,omitempty"`
	// Tolerated is the seal's [SESeal.Tolerated] (or the signature's
	// [SESSignature.Tolerated]).
	Tolerated []string `json:"tolerated,omitempty"`
	// Seal is the report of the seal inside an SES_Signature
	// ([SESSignature.Verify]); nil in a seal's own report.
	Seal *Report `json:"seal,omitempty"`
}

// OK reports whether no check failed.
func (r *Report) OK() bool { return r.Err() == nil }

// Err joins the errors of the failed checks; nil when none failed.
func (r *Report) Err() error {
	var errs []error
	for _, c := range r.Checks {
		if c.Status == CheckFailed {
			errs = append(errs, fmt.Errorf("%s: %w", c.Name, c.Err))
		}
	}
	return errors.Join(errs...)
}

// Check returns the check named name, and false if it did not run.
func (r *Report) Check(name string) (Check, bool) {
	for _, c := range r.Checks {
		if c.Name == name {
			return c, true
		}
	}
	return Check{}, false
}

func (r *Report) add(name string, st CheckStatus, err error, format string, a ...any) {
	r.Checks = append(r.Checks, Check{Name: name, Status: st, Detail: fmt.Sprintf(format, a...), Err: err})
}

func (r *Report) fail(name string, err error) {
	r.Checks = append(r.Checks, Check{Name: name, Status: CheckFailed, Detail: err.Error(), Err: err})
}

// Verify checks the seal at time at, which the caller takes from the
// evidence (when the seal was used), never from the clock: real seals have
// often expired since. roots are the trusted seal-maker CAs. Every check
// runs and is reported; the error joins the failed ones and is nil when the
// seal verifies. The checks:
//
//   - header: the version matches the layout (1 to 3 for GM/T 0031-2014, 4
//     or 5 for GB/T 38540-2020); else [ErrFormat].
//   - validity: validStart <= at <= validEnd; else [ErrExpired].
//   - algorithm: signAlgID is SM2-with-SM3 for an SM2 maker key (or
//     ECDSA-with-SHA256 for a P-256 key, Sealchain's own seals); else
//     [ErrSignature].
//   - signature: the maker's signature over DER(SES_SealInfo) (version 4
//     and 5) or DER(SEQUENCE{esealInfo, cert, signatureAlgorithm})
//     (version 1) verifies; else [ErrSignature].
//   - maker_certificate: the maker certificate parses and chains to roots,
//     every certificate valid at at; else [ErrUntrusted]. Critical
//     extensions that the x509 parser does not handle are reported in
//     NotUnderstood and do not by themselves fail the chain: the chain is
//     built with copies whose UnhandledCriticalExtensions are cleared
//     (smx509, like crypto/x509, otherwise refuses such a chain).
//   - cert_list: each listed certificate parses ([ErrFormat] if not); its
//     unhandled critical extensions are reported. Whether one of them made a
//     given signature is a question for the signature, not the seal.
//   - picture: PNG, JPEG and GIF data decode ([ErrImage] if not); other
//     types (e.g. "ofd", a vector picture) are reported as not understood.
//   - extensions: neither standard defines an extension, so every critical
//     one is reported as not understood; none fails the seal.
//   - time_stamp: a version 5 time stamp is reported, not verified.
func (s *SESeal) Verify(roots []*smx509.Certificate, at time.Time) (*Report, error) {
	r := &Report{At: at}
	if s == nil || len(s.der) == 0 {
		r.fail(CheckHeader, fmt.Errorf("%w: not a parsed seal", ErrFormat))
		return r, r.Err()
	}
	r.Tolerated = append(r.Tolerated, s.Tolerated...)
	s.checkHeader(r)
	s.checkValidity(r, at)
	maker, err := smx509.ParseCertificate(s.MakerCert)
	if err != nil {
		// Tolerance: dms360.cn's version 1 seal (ofdrw's
		// ofdrw-converter/src/test/resources/n.ofd) has a maker
		// certificate that smx509 refuses ("invalid subject alternative
		// names"). Its key is still read, so that the signature is
		// checked; the chain fails, since the certificate cannot be
		// validated.
		pub, kerr := certPublicKey(s.MakerCert)
		if kerr != nil {
			kerr = fmt.Errorf("%w: maker key: %w", ErrSignature, kerr)
			r.fail(CheckAlgorithm, kerr)
			r.fail(CheckSignature, kerr)
		} else {
			s.checkSignature(r, pub, "the maker key (certificate not parsed)")
		}
		r.fail(CheckMaker, fmt.Errorf("%w: maker certificate: %w", ErrUntrusted, err))
	} else {
		s.checkSignature(r, maker.PublicKey, "signed by "+maker.Subject.String())
		checkChain(r, maker, roots, at)
	}
	s.checkCertList(r, at)
	s.checkPicture(r)
	s.checkExtensions(r)
	if s.TimeStamp != nil {
		r.add(CheckTimeStamp, CheckNotChecked, nil, "a %d-byte time stamp is present and not verified", len(s.TimeStamp))
	}
	return r, r.Err()
}

func (s *SESeal) checkHeader(r *Report) {
	ok := s.Layout == LayoutV1 && s.Version >= 1 && s.Version <= 3 ||
		s.Layout == LayoutV4 && (s.Version == 4 || s.Version == 5)
	switch {
	case !ok:
		r.fail(CheckHeader, fmt.Errorf("%w: version %d with the %s layout", ErrFormat, s.Version, s.Layout))
	case s.TimeStamp != nil && s.Version != 5:
		r.fail(CheckHeader, fmt.Errorf("%w: a time stamp in a version %d seal", ErrFormat, s.Version))
	default:
		r.add(CheckHeader, CheckOK, nil, "version %d (%s), vendor %q, type %d", s.Version, s.Layout, s.VendorID, s.Type)
	}
}

func (s *SESeal) checkValidity(r *Report, at time.Time) {
	switch {
	case at.IsZero():
		r.fail(CheckValidity, fmt.Errorf("%w: no verification time given", ErrExpired))
	case !s.ValidStart.Before(s.ValidEnd):
		r.fail(CheckValidity, fmt.Errorf("%w: validStart %s is not before validEnd %s", ErrFormat,
			s.ValidStart.Format(time.RFC3339), s.ValidEnd.Format(time.RFC3339)))
	case at.Before(s.ValidStart) || at.After(s.ValidEnd):
		r.fail(CheckValidity, fmt.Errorf("%w: at %s, seal valid %s to %s", ErrExpired,
			at.UTC().Format(time.RFC3339), s.ValidStart.Format(time.RFC3339), s.ValidEnd.Format(time.RFC3339)))
	default:
		r.add(CheckValidity, CheckOK, nil, "valid %s to %s", s.ValidStart.Format(time.RFC3339), s.ValidEnd.Format(time.RFC3339))
	}
}

func (s *SESeal) checkSignature(r *Report, pub crypto.PublicKey, who string) {
	alg, err := signer.PublicKeyAlgorithm(pub)
	if err != nil {
		err = fmt.Errorf("%w: maker key: %w", ErrSignature, err)
		r.fail(CheckAlgorithm, err)
		r.fail(CheckSignature, err)
		return
	}
	if want, _ := algorithmOID(alg); !want.Equal(s.SignatureAlgorithm) {
		err := fmt.Errorf("%w: algorithm %s does not match the %s maker key", ErrSignature, s.SignatureAlgorithm, alg)
		r.fail(CheckAlgorithm, err)
		r.fail(CheckSignature, err)
		return
	}
	r.add(CheckAlgorithm, CheckOK, nil, "%s with a %s key", s.SignatureAlgorithm, alg)
	if err := signer.Verify(pub, s.signed, s.Signature); err != nil {
		r.fail(CheckSignature, fmt.Errorf("%w: %w", ErrSignature, err))
		return
	}
	r.add(CheckSignature, CheckOK, nil, "%s", who)
}

// tolerant returns a copy of c without its unhandled critical extensions,
// and sentences naming them.
func tolerant(c *smx509.Certificate, role string) (*smx509.Certificate, []string) {
	if len(c.UnhandledCriticalExtensions) == 0 {
		return c, nil
	}
	var notes []string
	for _, id := range c.UnhandledCriticalExtensions {
		notes = append(notes, fmt.Sprintf("%s %q: critical certificate extension %s is not understood", role, c.Subject.String(), id))
	}
	cp := *c
	cp.UnhandledCriticalExtensions = nil
	return &cp, notes
}

// checkChain builds the maker's chain to roots with smx509 at time at.
// Unhandled critical extensions are taken out of copies of the
// certificates first and reported, so that they alone do not fail it.
func checkChain(r *Report, maker *smx509.Certificate, roots []*smx509.Certificate, at time.Time) {
	checkChainAs(r, CheckMaker, "maker certificate", ErrUntrusted, maker, roots, at)
}

// checkChainAs is checkChain for any certificate: the check is named name,
// the certificate role in notes, and failures wrap sentinel.
func checkChainAs(r *Report, name, role string, sentinel error, maker *smx509.Certificate, roots []*smx509.Certificate, at time.Time) {
	leaf, notes := tolerant(maker, role)
	r.NotUnderstood = append(r.NotUnderstood, notes...)
	pool := smx509.NewCertPool()
	n := 0
	for _, root := range roots {
		if root == nil {
			continue
		}
		rc, notes := tolerant(root, "root")
		r.NotUnderstood = append(r.NotUnderstood, notes...)
		pool.AddCert(rc)
		n++
	}
	if n == 0 {
		r.fail(name, fmt.Errorf("%w: no trusted roots given", sentinel))
		return
	}
	if at.IsZero() {
		r.fail(name, fmt.Errorf("%w: no verification time given", sentinel))
		return
	}
	chains, err := leaf.Verify(smx509.VerifyOptions{
		Roots:       pool,
		CurrentTime: at,
		KeyUsages:   []smx509.ExtKeyUsage{smx509.ExtKeyUsageAny},
	})
	if err != nil {
		r.fail(name, fmt.Errorf("%w: %q at %s: %w", sentinel, maker.Subject.String(), at.UTC().Format(time.RFC3339), err))
		return
	}
	chain := chains[0]
	r.add(name, CheckOK, nil, "%q, issued by trusted %q, valid at %s", maker.Subject.String(),
		chain[len(chain)-1].Subject.String(), at.UTC().Format(time.RFC3339))
}

func (s *SESeal) checkCertList(r *Report, at time.Time) {
	if len(s.Certs) == 0 && len(s.CertDigests) == 0 {
		r.add(CheckCertList, CheckNotUnderstood, nil, "the certificate list names no certificate")
		return
	}
	if len(s.CertDigests) > 0 {
		r.add(CheckCertList, CheckOK, nil, "%d certificate digests", len(s.CertDigests))
		return
	}
	var expired, unparsed int
	for i, der := range s.Certs {
		c, err := smx509.ParseCertificate(der)
		if err != nil {
			// A listed certificate matters when the seal is used, so one
			// that smx509 refuses is reported, not failed: GOMAIN's
			// Yunnan seal (ofdrw's ofdrw-converter/src/test/resources/
			// zsbk.ofd) lists one with Chinese text in an IA5String.
			r.NotUnderstood = append(r.NotUnderstood, fmt.Sprintf("listed certificate %d does not parse: %v", i+1, err))
			unparsed++
			continue
		}
		_, notes := tolerant(c, fmt.Sprintf("listed certificate %d", i+1))
		r.NotUnderstood = append(r.NotUnderstood, notes...)
		if !at.IsZero() && (at.Before(c.NotBefore) || at.After(c.NotAfter)) {
			expired++
		}
	}
	st := CheckOK
	if unparsed > 0 {
		st = CheckNotUnderstood
	}
	r.add(CheckCertList, st, nil, "%d certificates, %d not parsed, %d not valid at the verification time", len(s.Certs), unparsed, expired)
}

// Bounds of a picture, checked from its header before its pixels are
// decoded. The largest picture seen (gomain-yunnan.esl) is 1067×1067.
const (
	maxPictureSide = 8192
	maxPictureArea = 1 << 22
)

func (s *SESeal) checkPicture(r *Report) {
	p := s.Picture
	data := p.Data
	var format string
	var decodeConfig func([]byte) (image.Config, error)
	var decode func([]byte) (image.Image, error)
	switch {
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		format = "PNG"
		decodeConfig = func(b []byte) (image.Config, error) { return png.DecodeConfig(bytes.NewReader(b)) }
		decode = func(b []byte) (image.Image, error) { return png.Decode(bytes.NewReader(b)) }
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		format = "JPEG"
		decodeConfig = func(b []byte) (image.Config, error) { return jpeg.DecodeConfig(bytes.NewReader(b)) }
		decode = func(b []byte) (image.Image, error) { return jpeg.Decode(bytes.NewReader(b)) }
	case bytes.HasPrefix(data, []byte("GIF8")):
		format = "GIF"
		decodeConfig = func(b []byte) (image.Config, error) { return gif.DecodeConfig(bytes.NewReader(b)) }
		decode = func(b []byte) (image.Image, error) { return gif.Decode(bytes.NewReader(b)) }
	}
	typ := strings.ToUpper(p.Type)
	if format == "" {
		// e.g. "ofd": tax seals carry an OFD document as a vector picture.
		note := fmt.Sprintf("picture type %q (%d bytes) is not a raster image this package decodes", p.Type, len(data))
		r.NotUnderstood = append(r.NotUnderstood, note)
		r.add(CheckPicture, CheckNotUnderstood, nil, "%s", note)
		return
	}
	cfg, err := decodeConfig(data)
	if err == nil && (cfg.Width < 1 || cfg.Height < 1 || cfg.Width > maxPictureSide || cfg.Height > maxPictureSide ||
		cfg.Width*cfg.Height > maxPictureArea) {
		err = fmt.Errorf("%dx%d pixels, each side must be 1 to %d and the area at most %d", cfg.Width, cfg.Height, maxPictureSide, maxPictureArea)
	}
	if err == nil {
		_, err = decode(data)
	}
	if err != nil {
		r.fail(CheckPicture, fmt.Errorf("%w: %s picture: %w", ErrImage, format, err))
		return
	}
	detail := fmt.Sprintf("%s %dx%d pixels, %dx%d mm", format, cfg.Width, cfg.Height, p.WidthMM, p.HeightMM)
	if typ != format && !(typ == "JPG" && format == "JPEG") {
		detail += fmt.Sprintf("; the type says %q", p.Type)
	}
	r.add(CheckPicture, CheckOK, nil, "%s", detail)
}

func (s *SESeal) checkExtensions(r *Report) {
	var crit []string
	for _, e := range s.Extensions {
		if e.Critical {
			note := fmt.Sprintf("critical seal extension %s is not understood", e.ID)
			r.NotUnderstood = append(r.NotUnderstood, note)
			crit = append(crit, e.ID.String())
		}
	}
	if len(crit) > 0 {
		r.add(CheckExtensions, CheckNotUnderstood, nil, "%d extensions; critical and not understood: %s", len(s.Extensions), strings.Join(crit, ", "))
		return
	}
	r.add(CheckExtensions, CheckOK, nil, "%d extensions, none critical", len(s.Extensions))
}

// certPublicKey reads the subjectPublicKeyInfo of a certificate that smx509
// refuses: Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { version [0]
// OPTIONAL, serialNumber, signature, issuer, validity, subject,
// subjectPublicKeyInfo, ... }, ... }.
func certPublicKey(der []byte) (crypto.PublicKey, error) {
	var cert asn1.RawValue
	if rest, err := asn1.Unmarshal(der, &cert); err != nil || len(rest) != 0 || !isUniversal(cert, tagSequence, true) {
		return nil, errors.New("not a DER certificate")
	}
	var tbs asn1.RawValue
	if _, err := asn1.Unmarshal(cert.Bytes, &tbs); err != nil || !isUniversal(tbs, tagSequence, true) {
		return nil, errors.New("no tbsCertificate")
	}
	el, err := sequence(tbs.FullBytes, "tbsCertificate")
	if err != nil {
		return nil, err
	}
	i := 5
	if len(el) > 0 && el[0].Class == asn1.ClassContextSpecific && el[0].Tag == 0 {
		i = 6
	}
	if len(el) <= i {
		return nil, errors.New("tbsCertificate has no subjectPublicKeyInfo")
	}
	return smx509.ParsePKIXPublicKey(el[i].FullBytes)
}
