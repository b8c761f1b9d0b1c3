package signer

import (
	"bytes"
	"crypto/rand"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/emmansun/gmsm/smx509"
)

var (
	t0     = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	caFrom = t0
	caTo   = t0.AddDate(10, 0, 0)
)

func newCA(t *testing.T, alg Algorithm, orgID string) *CA {
	t.Helper()
	ca, err := NewCA(newKey(t, alg), CAOptions{
		OrgID: orgID, OrgName: orgID + " Court", Role: "court",
		NotBefore: caFrom, NotAfter: caTo,
	}, rand.Reader)
	if err != nil {
		t.Fatalf("NewCA: %v", err)
	}
	return ca
}

func issue(t *testing.T, ca *CA, pub any, opts IssueOptions) *smx509.Certificate {
	t.Helper()
	der, err := ca.Issue(pub, opts, rand.Reader)
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}
	cert, err := ParseCertificate(der)
	if err != nil {
		t.Fatalf("ParseCertificate: %v", err)
	}
	return cert
}

func leafOpts(u Usage) IssueOptions {
	return IssueOptions{
		SubjectRef: "sc:" + FingerprintOf([]byte("alice salt")).String(),
		Usage:      u,
		NotBefore:  t0.AddDate(0, 1, 0),
		NotAfter:   t0.AddDate(1, 1, 0),
	}
}

func TestUsageString(t *testing.T) {
	tests := []struct {
		u    Usage
		want string
	}{
		{UsageSigner, "signer"},
		{UsageSubmitter, "submitter"},
		{UsageIntentVerifier, "intent-verifier"},
		{UsageValidatorOps, "validator-ops"},
		{0, "unknown(0)"},
		{9, "unknown(9)"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := tt.u.String(); got != tt.want {
				t.Fatalf("String() = %q, want %q", got, tt.want)
			}
			got, err := ParseUsage(tt.want)
			if tt.u.valid() != (err == nil) || (err == nil && got != tt.u) {
				t.Fatalf("ParseUsage(%q) = %v, %v", tt.want, got, err)
			}
		})
	}
	if UsageSigner != 1 || UsageSubmitter != 2 || UsageIntentVerifier != 3 || UsageValidatorOps != 4 {
		t.Fatal("Usage values renumbered")
	}
}

func TestNewCA(t *testing.T) {
	for _, alg := range []Algorithm{AlgSM2, AlgECDSAP256} {
		t.Run(alg.String(), func(t *testing.T) {
			ca := newCA(t, alg, "bj-court-1")
			c := ca.Cert
			if !c.IsCA || !c.BasicConstraintsValid || c.MaxPathLen != 0 || !c.MaxPathLenZero {
				t.Fatalf("not a path-length-0 CA: IsCA=%v BC=%v MaxPathLen=%d Zero=%v", c.IsCA, c.BasicConstraintsValid, c.MaxPathLen, c.MaxPathLenZero)
			}
			if got, want := c.Subject.String(), "CN=bj-court-1 CA,OU=court,O=bj-court-1 Court"; got != want {
				t.Fatalf("subject = %q, want %q", got, want)
			}
			if !bytes.Equal(c.RawSubject, c.RawIssuer) {
				t.Fatal("root is not self-issued")
			}
			if err := c.CheckSignatureFrom(c); err != nil {
				t.Fatalf("root not self-signed: %v", err)
			}
			if got, _ := PublicKeyAlgorithm(c.PublicKey); got != alg {
				t.Fatalf("root key algorithm = %s", got)
			}
		})
	}
}

func TestNewCAInvalidOptions(t *testing.T) {
	k := newKey(t, AlgSM2)
	good := CAOptions{OrgID: "o", OrgName: "O", Role: "notary", NotBefore: caFrom, NotAfter: caTo}
	tests := []struct {
		name string
		mod  func(*CAOptions)
	}{
		{"no org id", func(o *CAOptions) { o.OrgID = "" }},
		{"no org name", func(o *CAOptions) { o.OrgName = "" }},
		{"bad role", func(o *CAOptions) { o.Role = "bank" }},
		{"no not-after", func(o *CAOptions) { o.NotAfter = time.Time{} }},
		{"inverted period", func(o *CAOptions) { o.NotBefore, o.NotAfter = o.NotAfter, o.NotBefore }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := good
			tt.mod(&o)
			if _, err := NewCA(k, o, rand.Reader); err == nil {
				t.Fatal("NewCA succeeded")
			}
		})
	}
	if _, err := NewCA(nil, good, rand.Reader); err == nil {
		t.Fatal("NewCA(nil key) succeeded")
	}
}

func TestIssueAndVerify(t *testing.T) {
	at := t0.AddDate(0, 6, 0)
	tests := []struct {
		name    string
		caAlg   Algorithm
		leafAlg Algorithm
		usage   Usage
	}{
		{"sm2 CA, sm2 signer", AlgSM2, AlgSM2, UsageSigner},
		{"sm2 CA, ecdsa submitter", AlgSM2, AlgECDSAP256, UsageSubmitter},
		{"ecdsa CA, ecdsa intent verifier", AlgECDSAP256, AlgECDSAP256, UsageIntentVerifier},
		{"ecdsa CA, sm2 signer", AlgECDSAP256, AlgSM2, UsageSigner},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ca := newCA(t, tt.caAlg, "org-a")
			other := newCA(t, AlgSM2, "org-b")
			leafKey := newKey(t, tt.leafAlg)
			leaf := issue(t, ca, leafKey.Public(), leafOpts(tt.usage))

			root, err := VerifyIssued(leaf, []*smx509.Certificate{other.Cert, ca.Cert}, at, tt.usage)
			if err != nil {
				t.Fatalf("VerifyIssued: %v", err)
			}
			if root != ca.Cert {
				t.Fatal("VerifyIssued returned the wrong root")
			}
			if got := UsagesOf(leaf); !slices.Equal(got, []Usage{tt.usage}) {
				t.Fatalf("UsagesOf = %v", got)
			}
			if got, _ := PublicKeyAlgorithm(leaf.PublicKey); got != tt.leafAlg {
				t.Fatalf("leaf key algorithm = %s", got)
			}
			// A signature by the leaf key verifies under the certified key.
			msg := []byte("sign contract")
			if err := Verify(leaf.PublicKey, msg, sign(t, leafKey, msg)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestVerifyIssuedFailures(t *testing.T) {
	ca := newCA(t, AlgSM2, "org-a")
	other := newCA(t, AlgSM2, "org-b")
	// Same name as ca, different key: name matching alone must not suffice.
	impostor := newCA(t, AlgSM2, "org-a")
	pub := newKey(t, AlgSM2).Public()
	opts := leafOpts(UsageSigner)
	leaf := issue(t, ca, pub, opts)
	inside := t0.AddDate(0, 6, 0)

	tests := []struct {
		name    string
		roots   []*smx509.Certificate
		at      time.Time
		usage   Usage
		wantErr error
	}{
		{"other CA", []*smx509.Certificate{other.Cert}, inside, UsageSigner, ErrUnknownIssuer},
		{"same name other key", []*smx509.Certificate{impostor.Cert}, inside, UsageSigner, ErrUnknownIssuer},
		{"no roots", nil, inside, UsageSigner, ErrUnknownIssuer},
		{"nil root", []*smx509.Certificate{nil}, inside, UsageSigner, ErrUnknownIssuer},
		{"expired", []*smx509.Certificate{ca.Cert}, opts.NotAfter.Add(time.Second), UsageSigner, ErrNotValidAt},
		{"not yet valid", []*smx509.Certificate{ca.Cert}, opts.NotBefore.Add(-time.Second), UsageSigner, ErrNotValidAt},
		{"wrong usage", []*smx509.Certificate{ca.Cert}, inside, UsageSubmitter, ErrWrongUsage},
		{"invalid usage", []*smx509.Certificate{ca.Cert}, inside, 0, ErrWrongUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root, err := VerifyIssued(leaf, tt.roots, tt.at, tt.usage)
			if !errors.Is(err, tt.wantErr) || root != nil {
				t.Fatalf("VerifyIssued = %v, %v; want %v", root, err, tt.wantErr)
			}
		})
	}

	t.Run("validity error fields", func(t *testing.T) {
		at := opts.NotAfter.Add(time.Hour)
		_, err := VerifyIssued(leaf, []*smx509.Certificate{ca.Cert}, at, UsageSigner)
		var ve *ValidityError
		if !errors.As(err, &ve) {
			t.Fatalf("error %v is not a *ValidityError", err)
		}
		if !ve.At.Equal(at) || !ve.NotAfter.Equal(opts.NotAfter) || !ve.NotBefore.Equal(opts.NotBefore) || ve.Subject != leaf.Subject.String() {
			t.Fatalf("ValidityError = %+v", ve)
		}
	})

	t.Run("boundaries inclusive", func(t *testing.T) {
		for _, at := range []time.Time{opts.NotBefore, opts.NotAfter} {
			if _, err := VerifyIssued(leaf, []*smx509.Certificate{ca.Cert}, at, UsageSigner); err != nil {
				t.Fatalf("at %s: %v", at, err)
			}
		}
	})

	t.Run("root expired", func(t *testing.T) {
		// Re-certify the CA key under the same name with a shorter period:
		// the leaf is still valid at `at` but this root is not.
		short, err := NewCA(ca.Key, CAOptions{OrgID: "org-a", OrgName: "org-a Court", Role: "court",
			NotBefore: caFrom, NotAfter: inside.Add(-time.Hour)}, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		_, err = VerifyIssued(leaf, []*smx509.Certificate{short.Cert}, inside, UsageSigner)
		var ve *ValidityError
		if !errors.As(err, &ve) || !errors.Is(err, ErrNotValidAt) {
			t.Fatalf("VerifyIssued = %v, want a root *ValidityError", err)
		}
		if ve.Subject != short.Cert.Subject.String() {
			t.Fatalf("ValidityError names %q, want the root", ve.Subject)
		}
	})

	t.Run("CA as leaf", func(t *testing.T) {
		_, err := VerifyIssued(ca.Cert, []*smx509.Certificate{ca.Cert}, inside, UsageSigner)
		if !errors.Is(err, ErrWrongUsage) {
			t.Fatalf("VerifyIssued(CA cert) = %v, want ErrWrongUsage", err)
		}
	})
}

func TestIssueInvalidOptions(t *testing.T) {
	ca := newCA(t, AlgSM2, "org-a")
	pub := newKey(t, AlgECDSAP256).Public()
	tests := []struct {
		name string
		mod  func(*IssueOptions)
	}{
		{"empty subject ref", func(o *IssueOptions) { o.SubjectRef = "" }},
		{"personal name", func(o *IssueOptions) { o.SubjectRef = "张三" }},
		{"spaces", func(o *IssueOptions) { o.SubjectRef = "Zhang San" }},
		{"too long", func(o *IssueOptions) { o.SubjectRef = string(bytes.Repeat([]byte("a"), 129)) }},
		{"zero usage", func(o *IssueOptions) { o.Usage = 0 }},
		{"unknown usage", func(o *IssueOptions) { o.Usage = 5 }},
		{"short identity ref", func(o *IssueOptions) { o.IdentityRef = make([]byte, 31) }},
		{"inverted period", func(o *IssueOptions) { o.NotBefore, o.NotAfter = o.NotAfter, o.NotBefore }},
		{"before CA", func(o *IssueOptions) { o.NotBefore = caFrom.Add(-time.Hour) }},
		{"after CA", func(o *IssueOptions) { o.NotAfter = caTo.Add(time.Hour) }},
		{"negative serial", func(o *IssueOptions) { o.Serial = big.NewInt(-1) }},
		{"zero serial", func(o *IssueOptions) { o.Serial = big.NewInt(0) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := leafOpts(UsageSigner)
			tt.mod(&o)
			if _, err := ca.Issue(pub, o, rand.Reader); err == nil {
				t.Fatal("Issue succeeded")
			}
		})
	}
	if _, err := ca.Issue("not a key", leafOpts(UsageSigner), rand.Reader); !errors.Is(err, ErrUnsupportedKey) {
		t.Fatalf("Issue(bad key) = %v, want ErrUnsupportedKey", err)
	}
}

func TestIdentityRefRoundTrip(t *testing.T) {
	ca := newCA(t, AlgSM2, "org-a")
	pub := newKey(t, AlgSM2).Public()
	ref := FingerprintOf([]byte("salt||id-number"))

	o := leafOpts(UsageSigner)
	o.IdentityRef = ref[:]
	with := issue(t, ca, pub, o)
	if got := IdentityRefOf(with); !bytes.Equal(got, ref[:]) {
		t.Fatalf("IdentityRefOf = %x, want %x", got, ref)
	}
	for _, ext := range with.Extensions {
		if ext.Id.Equal(identityRefOID(oidArcWrite)) && ext.Critical {
			t.Fatal("IdentityRef extension is critical")
		}
	}

	without := issue(t, ca, pub, leafOpts(UsageSigner))
	if got := IdentityRefOf(without); got != nil {
		t.Fatalf("IdentityRefOf(no extension) = %x, want nil", got)
	}
	if IdentityRefOf(nil) != nil || UsagesOf(nil) != nil {
		t.Fatal("nil certificate should yield nil")
	}
}

// TestLeafCarriesNoOtherData checks that the leaf's subject and alternative
// names hold exactly what was given, so no personal data can ride along.
func TestLeafCarriesNoOtherData(t *testing.T) {
	ca := newCA(t, AlgSM2, "org-a")
	o := leafOpts(UsageSigner)
	o.Serial = big.NewInt(4242)
	leaf := issue(t, ca, newKey(t, AlgSM2).Public(), o)

	var types []string
	for _, atv := range leaf.Subject.Names {
		types = append(types, atv.Type.String())
	}
	slices.Sort(types)
	// 2.5.4.3 commonName, 2.5.4.10 organizationName.
	if want := []string{"2.5.4.10", "2.5.4.3"}; !slices.Equal(types, want) {
		t.Fatalf("subject attribute types = %v, want %v", types, want)
	}
	if leaf.Subject.CommonName != o.SubjectRef || !slices.Equal(leaf.Subject.Organization, []string{"org-a Court"}) {
		t.Fatalf("subject = %q", leaf.Subject.String())
	}
	if len(leaf.DNSNames)+len(leaf.EmailAddresses)+len(leaf.IPAddresses)+len(leaf.URIs) != 0 {
		t.Fatal("leaf has subject alternative names")
	}
	if leaf.SerialNumber.Cmp(o.Serial) != 0 {
		t.Fatalf("serial = %v, want %v", leaf.SerialNumber, o.Serial)
	}
	if leaf.IsCA {
		t.Fatal("leaf is a CA")
	}
	// Only the extensions we expect: key usage, EKU, basic constraints,
	// authority key id.
	allowed := []asn1.ObjectIdentifier{
		{2, 5, 29, 15}, {2, 5, 29, 37}, {2, 5, 29, 19}, {2, 5, 29, 35},
	}
	for _, ext := range leaf.Extensions {
		if !slices.ContainsFunc(allowed, ext.Id.Equal) {
			t.Fatalf("unexpected extension %v", ext.Id)
		}
	}
}

func TestRandomSerial(t *testing.T) {
	ca := newCA(t, AlgSM2, "org-a")
	pub := newKey(t, AlgSM2).Public()
	a := issue(t, ca, pub, leafOpts(UsageSigner))
	b := issue(t, ca, pub, leafOpts(UsageSigner))
	for _, c := range []*smx509.Certificate{a, b} {
		if c.SerialNumber.Sign() <= 0 || c.SerialNumber.BitLen() > 128 {
			t.Fatalf("serial %v not a positive 128-bit number", c.SerialNumber)
		}
	}
	if a.SerialNumber.Cmp(b.SerialNumber) == 0 {
		t.Fatal("two random serials are equal")
	}
}

func TestCertificatePEMAndFingerprint(t *testing.T) {
	ca := newCA(t, AlgSM2, "org-a")
	der, err := ca.Issue(newKey(t, AlgSM2).Public(), leafOpts(UsageSigner), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pemBytes := EncodeCertificatePEM(der)
	tests := []struct {
		name string
		in   []byte
	}{
		{"pem", pemBytes},
		{"der", der},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseCertificatePEM(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(c.Raw, der) {
				t.Fatal("parsed certificate differs")
			}
			// The fingerprint is a pure function of the DER.
			if FingerprintOf(c.Raw) != FingerprintOf(der) {
				t.Fatal("fingerprint unstable")
			}
		})
	}
	fp := FingerprintOf(der)
	if back, err := ParseFingerprint(fp.String()); err != nil || back != fp {
		t.Fatalf("fingerprint round trip: %v, %v", back, err)
	}
	// Same DER, same fingerprint; one bit different, different fingerprint.
	mut := append([]byte(nil), der...)
	mut[len(mut)-1] ^= 1
	if FingerprintOf(mut) == fp {
		t.Fatal("fingerprint ignores content")
	}

	if _, err := ParseCertificatePEM([]byte("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")); err == nil {
		t.Fatal("ParseCertificatePEM accepted a public key block")
	}
	if _, err := ParseCertificate(append(slices.Clone(der), 0)); err == nil {
		t.Fatal("ParseCertificate accepted trailing data")
	}
}

func TestLoadCA(t *testing.T) {
	dir := t.TempDir()
	ca := newCA(t, AlgSM2, "org-a")
	otherKey := newKey(t, AlgSM2)
	certPath := filepath.Join(dir, "ca.pem")
	keyPath := filepath.Join(dir, "ca.key")
	otherKeyPath := filepath.Join(dir, "other.key")
	if err := os.WriteFile(certPath, EncodeCertificatePEM(ca.Cert.Raw), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := SavePrivateKey(keyPath, ca.Key); err != nil {
		t.Fatal(err)
	}
	if err := SavePrivateKey(otherKeyPath, otherKey); err != nil {
		t.Fatal(err)
	}

	t.Run("ok", func(t *testing.T) {
		got, err := LoadCA(certPath, keyPath)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Cert.Raw, ca.Cert.Raw) {
			t.Fatal("certificate differs")
		}
		// The loaded CA can issue verifiable leaves.
		leaf := issue(t, got, newKey(t, AlgSM2).Public(), leafOpts(UsageSigner))
		if _, err := VerifyIssued(leaf, []*smx509.Certificate{ca.Cert}, t0.AddDate(0, 6, 0), UsageSigner); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("mismatched key", func(t *testing.T) {
		if _, err := LoadCA(certPath, otherKeyPath); err == nil {
			t.Fatal("LoadCA accepted a key that does not match")
		}
	})
	t.Run("leaf is not a CA", func(t *testing.T) {
		der, err := ca.Issue(otherKey.Public(), leafOpts(UsageSigner), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		leafPath := filepath.Join(dir, "leaf.pem")
		if err := os.WriteFile(leafPath, EncodeCertificatePEM(der), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadCA(leafPath, otherKeyPath); err == nil {
			t.Fatal("LoadCA accepted a leaf certificate")
		}
	})
}

func TestUsagesOfIgnoresForeignOIDs(t *testing.T) {
	c := &smx509.Certificate{UnknownExtKeyUsage: []asn1.ObjectIdentifier{
		{1, 2, 3},
		UsageSubmitter.oid(),
		append(usageArc(oidArcWrite), 99),
		append(usageArc(oidArcWrite), 1, 1),
		UsageSubmitter.oid(),
		UsageSigner.oid(),
	}}
	if got, want := UsagesOf(c), []Usage{UsageSubmitter, UsageSigner}; !slices.Equal(got, want) {
		t.Fatalf("UsagesOf = %v, want %v", got, want)
	}
}

// ContentCommitment adds nonRepudiation and nothing else; without it the key
// usage extension is digitalSignature alone, byte for byte as before the
// option existed (fixtures and conformance vectors depend on it).
func TestIssueContentCommitment(t *testing.T) {
	ca := newCA(t, AlgECDSAP256, "org-a")
	key := newKey(t, AlgECDSAP256)
	tests := []struct {
		name   string
		commit bool
		want   x509.KeyUsage
		// The DER of the critical key usage extension's value: a BIT STRING
		// with bit 0 (digitalSignature), or bits 0 and 1 (nonRepudiation).
		wantDER []byte
	}{
		{"default", false, x509.KeyUsageDigitalSignature, []byte{0x03, 0x02, 0x07, 0x80}},
		{"content commitment", true, x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment, []byte{0x03, 0x02, 0x06, 0xc0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := leafOpts(UsageSigner)
			o.ContentCommitment = tt.commit
			leaf := issue(t, ca, key.Public(), o)
			if x509.KeyUsage(leaf.KeyUsage) != tt.want {
				t.Fatalf("KeyUsage = %b, want %b", leaf.KeyUsage, tt.want)
			}
			var found bool
			for _, ext := range leaf.Extensions {
				if !ext.Id.Equal(asn1.ObjectIdentifier{2, 5, 29, 15}) {
					continue
				}
				found = true
				if !ext.Critical || !bytes.Equal(ext.Value, tt.wantDER) {
					t.Fatalf("key usage extension critical=%v value=% x, want critical % x", ext.Critical, ext.Value, tt.wantDER)
				}
			}
			if !found {
				t.Fatal("no key usage extension")
			}
			if got := UsagesOf(leaf); !slices.Equal(got, []Usage{UsageSigner}) {
				t.Fatalf("UsagesOf = %v", got)
			}
			if _, err := VerifyIssued(leaf, []*smx509.Certificate{ca.Cert}, t0.AddDate(0, 6, 0), UsageSigner); err != nil {
				t.Fatalf("VerifyIssued: %v", err)
			}
		})
	}
}
