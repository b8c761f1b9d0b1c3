package signer

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/emmansun/gmsm/smx509"
)

func createCSR(t *testing.T, k *PrivateKey) []byte {
	t.Helper()
	der, err := CreateCSR(k, "sc:client-1", rand.Reader)
	if err != nil {
		t.Fatalf("CreateCSR: %v", err)
	}
	return der
}

func signerOpts() IssueOptions {
	opts := leafOpts(UsageSigner)
	opts.IdentityRef = bytes.Repeat([]byte{0xab}, identityRefLen)
	return opts
}

func TestIssueFromCSR(t *testing.T) {
	for _, alg := range []Algorithm{AlgSM2, AlgECDSAP256} {
		t.Run(alg.String(), func(t *testing.T) {
			ca := newCA(t, alg, "court1")
			k := newKey(t, alg)
			opts := signerOpts()
			der, err := ca.IssueFromCSR(createCSR(t, k), opts, rand.Reader)
			if err != nil {
				t.Fatalf("IssueFromCSR: %v", err)
			}
			leaf, err := ParseCertificate(der)
			if err != nil {
				t.Fatalf("ParseCertificate: %v", err)
			}
			at := opts.NotBefore.Add(time.Hour)
			if _, err := VerifyIssued(leaf, []*smx509.Certificate{ca.Cert}, at, UsageSigner); err != nil {
				t.Fatalf("VerifyIssued: %v", err)
			}
			if !samePublicKey(k.Public(), leaf.PublicKey) {
				t.Fatal("certificate key differs from the CSR's")
			}
			// The subject comes from opts, not from the request.
			if leaf.Subject.CommonName != opts.SubjectRef {
				t.Fatalf("subject CN = %q, want opts.SubjectRef %q", leaf.Subject.CommonName, opts.SubjectRef)
			}
			if !bytes.Equal(IdentityRefOf(leaf), opts.IdentityRef) {
				t.Fatalf("IdentityRef = %x, want %x", IdentityRefOf(leaf), opts.IdentityRef)
			}
			// A certificate made from the key's CSR carries a key that
			// signs like any other.
			msg := []byte("intent")
			if err := Verify(leaf.PublicKey, msg, sign(t, k, msg)); err != nil {
				t.Fatalf("Verify with certified key: %v", err)
			}
		})
	}
}

// TestIssueFromCSRIgnoresRequestContent sends a request full of personal
// data and extra asks; none of it may reach the certificate.
func TestIssueFromCSRIgnoresRequestContent(t *testing.T) {
	ca := newCA(t, AlgSM2, "court1")
	k := newKey(t, AlgSM2)
	tmpl := &x509.CertificateRequest{
		Subject: pkix.Name{
			CommonName:   "张三",
			SerialNumber: "110101199003077777",
			Country:      []string{"CN"},
			Locality:     []string{"Beijing"},
		},
		EmailAddresses: []string{"zhangsan@example.com"},
		DNSNames:       []string{"zhangsan.example.com"},
		ExtraExtensions: []pkix.Extension{
			// A request for another usage and another identity.
			{Id: UsageValidatorOps.oid(), Value: []byte{5, 0}},
			{Id: identityRefOID(oidArcWrite), Value: append([]byte{4, 32}, bytes.Repeat([]byte{1}, 32)...)},
		},
	}
	csr, err := smx509.CreateCertificateRequest(rand.Reader, tmpl, k.Signer())
	if err != nil {
		t.Fatalf("CreateCertificateRequest: %v", err)
	}
	opts := signerOpts()
	der, err := ca.IssueFromCSR(csr, opts, rand.Reader)
	if err != nil {
		t.Fatalf("IssueFromCSR: %v", err)
	}
	leaf, err := ParseCertificate(der)
	if err != nil {
		t.Fatalf("ParseCertificate: %v", err)
	}
	for _, s := range []string{"张三", "110101199003077777", "Beijing", "zhangsan"} {
		if bytes.Contains(der, []byte(s)) {
			t.Errorf("certificate contains %q from the request", s)
		}
	}
	if len(leaf.EmailAddresses) != 0 || len(leaf.DNSNames) != 0 {
		t.Errorf("certificate has SANs %v %v", leaf.EmailAddresses, leaf.DNSNames)
	}
	if got := UsagesOf(leaf); !slices.Equal(got, []Usage{UsageSigner}) {
		t.Errorf("usages = %v, want [signer]", got)
	}
	if !bytes.Equal(IdentityRefOf(leaf), opts.IdentityRef) {
		t.Errorf("IdentityRef = %x, want opts' %x", IdentityRefOf(leaf), opts.IdentityRef)
	}
}

func TestIssueFromCSRErrors(t *testing.T) {
	ca := newCA(t, AlgSM2, "court1")
	good := createCSR(t, newKey(t, AlgSM2))
	parsed, err := smx509.ParseCertificateRequest(good)
	if err != nil {
		t.Fatalf("ParseCertificateRequest: %v", err)
	}

	// flip returns a copy of good with one byte changed at the end of
	// region, which must be inside good.
	flip := func(region []byte) []byte {
		i := bytes.Index(good, region)
		if i < 0 {
			t.Fatal("region not in CSR")
		}
		b := bytes.Clone(good)
		b[i+len(region)-1] ^= 1
		return b
	}
	stdCSR := func(key any, alg x509.SignatureAlgorithm) []byte {
		der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
			Subject: pkix.Name{CommonName: "sc:x"}, SignatureAlgorithm: alg,
		}, key)
		if err != nil {
			t.Fatalf("x509.CreateCertificateRequest: %v", err)
		}
		return der
	}
	p256, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	noRef := signerOpts()
	noRef.IdentityRef = nil
	shortRef := signerOpts()
	shortRef.IdentityRef = make([]byte, 31)

	tests := []struct {
		name    string
		ca      *CA
		csr     []byte
		opts    IssueOptions
		wantErr []error // all must match; nil means any error
	}{
		{name: "nil CA", ca: nil, csr: good, opts: signerOpts()},
		{name: "signer without IdentityRef", ca: ca, csr: good, opts: noRef},
		{name: "IdentityRef of 31 bytes", ca: ca, csr: good, opts: shortRef},
		{name: "empty", ca: ca, csr: nil, opts: signerOpts(), wantErr: []error{ErrBadCSR}},
		{name: "garbage", ca: ca, csr: []byte("-----BEGIN CERTIFICATE REQUEST-----"), opts: signerOpts(), wantErr: []error{ErrBadCSR}},
		{name: "trailing data", ca: ca, csr: append(bytes.Clone(good), 0), opts: signerOpts(), wantErr: []error{ErrBadCSR}},
		{name: "truncated", ca: ca, csr: good[:len(good)-1], opts: signerOpts(), wantErr: []error{ErrBadCSR}},
		{name: "oversized", ca: ca, csr: make([]byte, maxCSRLen+1), opts: signerOpts(), wantErr: []error{ErrBadCSR}},
		{name: "tampered subject", ca: ca, csr: flip(parsed.RawSubject), opts: signerOpts(), wantErr: []error{ErrBadCSR}},
		{name: "tampered signature", ca: ca, csr: flip(parsed.Signature), opts: signerOpts(), wantErr: []error{ErrBadCSR}},
		{name: "RSA key", ca: ca, csr: stdCSR(rsaKey, x509.SHA256WithRSA), opts: signerOpts(), wantErr: []error{ErrBadCSR, ErrUnsupportedKey}},
		{name: "P-384 key", ca: ca, csr: stdCSR(p384, x509.ECDSAWithSHA384), opts: signerOpts(), wantErr: []error{ErrBadCSR, ErrUnsupportedKey}},
		{name: "P-256 key signed with SHA-384", ca: ca, csr: stdCSR(p256, x509.ECDSAWithSHA384), opts: signerOpts(), wantErr: []error{ErrBadCSR}},
		{name: "P-256 key signed with SHA-1", ca: ca, csr: stdCSR(p256, x509.ECDSAWithSHA1), opts: signerOpts(), wantErr: []error{ErrBadCSR}},
		{name: "invalid usage", ca: ca, csr: good, opts: IssueOptions{SubjectRef: "sc:x", Usage: 9, NotBefore: caFrom, NotAfter: caTo}},
		{name: "name as SubjectRef", ca: ca, csr: good, opts: func() IssueOptions { o := signerOpts(); o.SubjectRef = "Zhang San"; return o }()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			der, err := tt.ca.IssueFromCSR(tt.csr, tt.opts, rand.Reader)
			if err == nil {
				t.Fatalf("IssueFromCSR succeeded (%d bytes)", len(der))
			}
			for _, want := range tt.wantErr {
				if !errors.Is(err, want) {
					t.Fatalf("err = %v, want %v", err, want)
				}
			}
			if tt.wantErr == nil && errors.Is(err, ErrBadCSR) {
				t.Fatalf("err = %v: a valid request must not be blamed", err)
			}
		})
	}
}

// TestIssueFromCSRNonSignerUsage: IdentityRef is only required of signers;
// an organisation's API client certificate need not be tied to a person.
func TestIssueFromCSRNonSignerUsage(t *testing.T) {
	ca := newCA(t, AlgECDSAP256, "platform1")
	der, err := ca.IssueFromCSR(createCSR(t, newKey(t, AlgECDSAP256)), leafOpts(UsageSubmitter), rand.Reader)
	if err != nil {
		t.Fatalf("IssueFromCSR(submitter): %v", err)
	}
	leaf, err := ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	if IdentityRefOf(leaf) != nil || !slices.Equal(UsagesOf(leaf), []Usage{UsageSubmitter}) {
		t.Fatalf("submitter leaf: IdentityRef %x, usages %v", IdentityRefOf(leaf), UsagesOf(leaf))
	}
}

func TestCreateCSR(t *testing.T) {
	tests := []struct {
		name       string
		key        *PrivateKey
		subjectRef string
		wantAlg    x509.SignatureAlgorithm
		wantErr    bool
	}{
		{name: "sm2", key: newKey(t, AlgSM2), subjectRef: "sc:abc", wantAlg: smx509.SM2WithSM3},
		{name: "p256", key: newKey(t, AlgECDSAP256), subjectRef: "sc:abc", wantAlg: x509.ECDSAWithSHA256},
		{name: "nil key", key: nil, subjectRef: "sc:abc", wantErr: true},
		{name: "zero key", key: &PrivateKey{}, subjectRef: "sc:abc", wantErr: true},
		{name: "empty subjectRef", key: newKey(t, AlgSM2), subjectRef: "", wantErr: true},
		{name: "name in subjectRef", key: newKey(t, AlgSM2), subjectRef: "张三", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			der, err := CreateCSR(tt.key, tt.subjectRef, nil)
			if tt.wantErr {
				if err == nil {
					t.Fatal("CreateCSR succeeded")
				}
				return
			}
			if err != nil {
				t.Fatalf("CreateCSR: %v", err)
			}
			csr, err := smx509.ParseCertificateRequest(der)
			if err != nil {
				t.Fatalf("ParseCertificateRequest: %v", err)
			}
			if err := csr.CheckSignature(); err != nil {
				t.Fatalf("CheckSignature: %v", err)
			}
			if csr.SignatureAlgorithm != tt.wantAlg {
				t.Fatalf("signature algorithm = %v, want %v", csr.SignatureAlgorithm, tt.wantAlg)
			}
			if csr.Subject.String() != "CN="+tt.subjectRef {
				t.Fatalf("subject = %q, want only CN=%s", csr.Subject.String(), tt.subjectRef)
			}
		})
	}
}

// FuzzParseCSR checks that parsing never panics and that whatever passes
// has a supported key and a valid self-signature.
func FuzzParseCSR(f *testing.F) {
	for _, alg := range []Algorithm{AlgSM2, AlgECDSAP256} {
		k, err := GenerateKey(alg, nil)
		if err != nil {
			f.Fatal(err)
		}
		der, err := CreateCSR(k, "sc:seed", nil)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(der)
	}
	f.Add([]byte{0x30, 0x00})
	f.Fuzz(func(t *testing.T, der []byte) {
		csr, err := parseCSR(der)
		if err != nil {
			if !errors.Is(err, ErrBadCSR) {
				t.Fatalf("error %v does not wrap ErrBadCSR", err)
			}
			return
		}
		if _, err := PublicKeyAlgorithm(csr.PublicKey); err != nil {
			t.Fatalf("accepted CSR with key: %v", err)
		}
		if err := csr.CheckSignature(); err != nil {
			t.Fatalf("accepted CSR with bad signature: %v", err)
		}
	})
}

func TestValidAt(t *testing.T) {
	ca := newCA(t, AlgSM2, "court1")
	leaf := issue(t, ca, newKey(t, AlgSM2).Public(), leafOpts(UsageSigner))
	tests := []struct {
		name string
		at   time.Time
		ok   bool
	}{
		{"before NotBefore", leaf.NotBefore.Add(-time.Second), false},
		{"at NotBefore", leaf.NotBefore, true},
		{"inside", leaf.NotBefore.Add(24 * time.Hour), true},
		{"at NotAfter", leaf.NotAfter, true},
		{"after NotAfter", leaf.NotAfter.Add(time.Second), false},
		{"zero time", time.Time{}, false},
		// Times compare as instants, whatever their zone.
		{"NotAfter in UTC+8", leaf.NotAfter.In(time.FixedZone("CST", 8*3600)), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidAt(leaf, tt.at)
			if tt.ok {
				if err != nil {
					t.Fatalf("ValidAt: %v", err)
				}
				return
			}
			var ve *ValidityError
			if !errors.As(err, &ve) || !errors.Is(err, ErrNotValidAt) {
				t.Fatalf("ValidAt = %v, want *ValidityError wrapping ErrNotValidAt", err)
			}
			if !ve.At.Equal(tt.at) || !ve.NotBefore.Equal(leaf.NotBefore) || !ve.NotAfter.Equal(leaf.NotAfter) || ve.Subject != leaf.Subject.String() {
				t.Fatalf("ValidityError fields = %+v", ve)
			}
		})
	}
	t.Run("nil certificate", func(t *testing.T) {
		if err := ValidAt(nil, t0); err == nil || errors.Is(err, ErrNotValidAt) {
			t.Fatalf("ValidAt(nil) = %v, want a non-validity error", err)
		}
	})
}
