package signer

import (
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"math/big"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/emmansun/gmsm/smx509"
)

func tlsOpts(role TLSRole) TLSOptions {
	o := TLSOptions{SubjectRef: "court-api", Role: role, NotBefore: t0.AddDate(0, 1, 0), NotAfter: t0.AddDate(1, 1, 0)}
	if role == TLSServer {
		o.DNSNames, o.IPAddresses = []string{"node.example"}, []net.IP{net.IPv4(127, 0, 0, 1)}
	}
	return o
}

func TestIssueTLS(t *testing.T) {
	ca := newCA(t, AlgSM2, "court")
	at := t0.AddDate(0, 6, 0)
	for _, role := range []TLSRole{TLSClient, TLSServer} {
		t.Run(role.String(), func(t *testing.T) {
			k := newKey(t, AlgECDSAP256)
			der, err := ca.IssueTLS(k.Public(), tlsOpts(role), rand.Reader)
			if err != nil {
				t.Fatalf("IssueTLS: %v", err)
			}
			// crypto/x509 (what crypto/tls uses) parses the SM2-signed leaf.
			std, err := x509.ParseCertificate(der)
			if err != nil {
				t.Fatalf("crypto/x509 cannot parse the leaf: %v", err)
			}
			if std.SignatureAlgorithm != x509.UnknownSignatureAlgorithm {
				t.Errorf("crypto/x509 knows the SM2 signature algorithm (%v): revisit the custom verification", std.SignatureAlgorithm)
			}
			leaf, err := ParseCertificate(der)
			if err != nil {
				t.Fatal(err)
			}
			if len(UsagesOf(leaf)) != 0 {
				t.Errorf("TLS certificate carries Sealchain usages %v", UsagesOf(leaf))
			}
			root, err := VerifyTLS(leaf, []*smx509.Certificate{ca.Cert}, at, role)
			if err != nil || root != ca.Cert {
				t.Fatalf("VerifyTLS = %v, %v", root, err)
			}
			if role == TLSServer {
				if err := leaf.VerifyHostname("127.0.0.1"); err != nil {
					t.Errorf("VerifyHostname: %v", err)
				}
			}
		})
	}
}

func TestIssueTLSInvalidOptions(t *testing.T) {
	ca := newCA(t, AlgSM2, "court")
	p256 := newKey(t, AlgECDSAP256).Public()
	tests := []struct {
		name string
		pub  any
		mod  func(o *TLSOptions)
	}{
		{"SM2 key", newKey(t, AlgSM2).Public(), func(*TLSOptions) {}},
		{"no role", p256, func(o *TLSOptions) { o.Role = 0 }},
		{"server without names", p256, func(o *TLSOptions) { o.Role, o.DNSNames, o.IPAddresses = TLSServer, nil, nil }},
		{"name in subject", p256, func(o *TLSOptions) { o.SubjectRef = "张三" }},
		{"outside the CA", p256, func(o *TLSOptions) { o.NotAfter = caTo.Add(time.Hour) }},
		{"no period", p256, func(o *TLSOptions) { o.NotBefore = time.Time{} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tlsOpts(TLSClient)
			tt.mod(&o)
			if _, err := ca.IssueTLS(tt.pub, o, rand.Reader); err == nil {
				t.Fatal("IssueTLS accepted it")
			}
		})
	}
}

func TestVerifyTLSFailures(t *testing.T) {
	ca, other := newCA(t, AlgSM2, "court"), newCA(t, AlgSM2, "elsewhere")
	at := t0.AddDate(0, 6, 0)
	mk := func(ca *CA, role TLSRole, mod func(*TLSOptions)) *smx509.Certificate {
		o := tlsOpts(role)
		if mod != nil {
			mod(&o)
		}
		der, err := ca.IssueTLS(newKey(t, AlgECDSAP256).Public(), o, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		c, err := ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	signerCert := issue(t, ca, newKey(t, AlgECDSAP256).Public(), leafOpts(UsageSubmitter))
	tests := []struct {
		name string
		leaf *smx509.Certificate
		role TLSRole
		at   time.Time
		want error
	}{
		{"expired", mk(ca, TLSClient, nil), TLSClient, t0.AddDate(2, 0, 0), ErrNotValidAt},
		{"not yet valid", mk(ca, TLSClient, nil), TLSClient, t0, ErrNotValidAt},
		{"server cert as client", mk(ca, TLSServer, nil), TLSClient, at, ErrWrongUsage},
		{"client cert as server", mk(ca, TLSClient, nil), TLSServer, at, ErrWrongUsage},
		{"submitter cert (no TLS usage)", signerCert, TLSClient, at, ErrWrongUsage},
		{"CA certificate", ca.Cert, TLSClient, at, ErrWrongUsage},
		{"unknown CA", mk(other, TLSClient, nil), TLSClient, at, ErrUnknownIssuer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := VerifyTLS(tt.leaf, []*smx509.Certificate{ca.Cert}, tt.at, tt.role)
			if !errors.Is(err, tt.want) {
				t.Fatalf("VerifyTLS = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestCheckTLSLeaf: the shape the chain registers as a TLS certificate is
// exactly IssueTLS's; anything else that looks like TLS is refused, and a
// signer certificate is not a TLS certificate at all.
func TestCheckTLSLeaf(t *testing.T) {
	ca := newCA(t, AlgSM2, "court")
	craft := func(alg Algorithm, mod func(*x509.Certificate)) *smx509.Certificate {
		t.Helper()
		k := newKey(t, alg)
		o := tlsOpts(TLSClient)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{Organization: ca.Cert.Subject.Organization, CommonName: "crafted"},
			NotBefore: o.NotBefore, NotAfter: o.NotAfter, KeyUsage: x509.KeyUsageDigitalSignature,
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, BasicConstraintsValid: true}
		mod(tmpl)
		der, err := smx509.CreateCertificate(rand.Reader, tmpl, ca.Cert, k.Public(), ca.Key.Signer())
		if err != nil {
			t.Fatal(err)
		}
		c, err := ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	issued := func(role TLSRole) *smx509.Certificate {
		t.Helper()
		der, err := ca.IssueTLS(newKey(t, AlgECDSAP256).Public(), tlsOpts(role), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := ParseCertificate(der)
		return c
	}
	signerDER, err := ca.Issue(newKey(t, AlgECDSAP256).Public(), IssueOptions{SubjectRef: "sc-x", Usage: UsageSigner,
		NotBefore: t0.AddDate(0, 1, 0), NotAfter: t0.AddDate(1, 0, 0)}, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signerCert, _ := ParseCertificate(signerDER)
	tests := []struct {
		name    string
		cert    *smx509.Certificate
		roles   []TLSRole
		role    TLSRole
		wantErr error
	}{
		{name: "IssueTLS client", cert: issued(TLSClient), roles: []TLSRole{TLSClient}, role: TLSClient},
		{name: "IssueTLS server", cert: issued(TLSServer), roles: []TLSRole{TLSServer}, role: TLSServer},
		{name: "signer certificate", cert: signerCert, wantErr: ErrWrongUsage},
		{name: "client and server", cert: craft(AlgECDSAP256, func(c *x509.Certificate) {
			c.ExtKeyUsage = append(c.ExtKeyUsage, x509.ExtKeyUsageServerAuth)
		}), roles: []TLSRole{TLSClient, TLSServer}, wantErr: ErrWrongUsage},
		{name: "clientAuth plus the signer usage", cert: craft(AlgECDSAP256, func(c *x509.Certificate) {
			c.UnknownExtKeyUsage = []asn1.ObjectIdentifier{UsageSigner.oid()}
		}), roles: []TLSRole{TLSClient}, wantErr: ErrWrongUsage},
		{name: "clientAuth plus codeSigning", cert: craft(AlgECDSAP256, func(c *x509.Certificate) {
			c.ExtKeyUsage = append(c.ExtKeyUsage, x509.ExtKeyUsageCodeSigning)
		}), roles: []TLSRole{TLSClient}, wantErr: ErrWrongUsage},
		{name: "a CA", cert: craft(AlgECDSAP256, func(c *x509.Certificate) { c.IsCA = true }), roles: []TLSRole{TLSClient}, wantErr: ErrWrongUsage},
		{name: "SM2 key", cert: craft(AlgSM2, func(*x509.Certificate) {}), roles: []TLSRole{TLSClient}, wantErr: ErrUnsupportedKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := TLSRolesOf(tt.cert); !slices.Equal(got, tt.roles) {
				t.Errorf("TLSRolesOf = %v, want %v", got, tt.roles)
			}
			role, err := CheckTLSLeaf(tt.cert)
			if !errors.Is(err, tt.wantErr) || (err == nil && role != tt.role) {
				t.Fatalf("CheckTLSLeaf = %v, %v; want %v, %v", role, err, tt.role, tt.wantErr)
			}
		})
	}
}
