package app

import (
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/smx509"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/client"
	"github.com/sealchain/sealchain/internal/fixture"
	"github.com/sealchain/sealchain/signer"
)

// tlsHolder is a TLS certificate of the fixture platform's CA and its key,
// as `sealchain cert issue --tls` makes them.
type tlsHolder struct {
	key *signer.PrivateKey
	der []byte
	fp  chain.Fingerprint
}

func (h tlsHolder) actor() *fixture.Signer {
	return &fixture.Signer{Key: h.key, Cert: h.der, FP: h.fp, Actor: &client.Actor{Cert: h.fp, Key: h.key}}
}

func issueTLSCert(t *testing.T, o *fixture.Org, role signer.TLSRole) tlsHolder {
	t.Helper()
	k, err := signer.GenerateKey(signer.AlgECDSAP256, nil)
	if err != nil {
		t.Fatal(err)
	}
	opts := signer.TLSOptions{SubjectRef: o.ID + "-tls-" + role.String(), Role: role,
		NotBefore: fixture.Epoch.Add(-time.Hour), NotAfter: fixture.Epoch.AddDate(1, 0, 0)}
	if role == signer.TLSServer {
		opts.DNSNames = []string{"node.example"}
	}
	der, err := o.CA.IssueTLS(k.Public(), opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tlsHolder{key: k, der: der, fp: chain.FingerprintOf(der)}
}

// craftTLSCert signs, with o's CA, a TLS-looking certificate that IssueTLS
// would refuse to make: mod changes the template.
func craftTLSCert(t *testing.T, o *fixture.Org, alg signer.Algorithm, mod func(*x509.Certificate)) []byte {
	t.Helper()
	k, err := signer.GenerateKey(alg, nil)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{Organization: o.CA.Cert.Subject.Organization, CommonName: "crafted"},
		NotBefore:    fixture.Epoch.Add(-time.Hour), NotAfter: fixture.Epoch.AddDate(1, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
	}
	mod(tmpl)
	der, err := smx509.CreateCertificate(rand.Reader, tmpl, o.CA.Cert, k.Public(), o.CA.Key.Signer())
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// TestTLSCertificates: a TLS certificate of the org's CA can be registered
// (cert_issued) and revoked (cert_revoked), but never signs anything.
func TestTLSCertificates(t *testing.T) {
	signerUsageOID := asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 61245, 1, 1} // signer.UsageSigner
	cases := []struct {
		name  string
		setup func(t *testing.T, w *world, h *harness, tc tlsHolder)
		tx    func(t *testing.T, w *world, tc tlsHolder) []byte
		code  uint32
		field string
	}{
		{name: "register a TLS client certificate", tx: func(t *testing.T, w *world, tc tlsHolder) []byte {
			return w.org.Tx(t, &chain.CertIssued{Cert: tc.der}, nil)
		}, code: CodeOK},
		{name: "register a TLS server certificate", tx: func(t *testing.T, w *world, _ tlsHolder) []byte {
			return w.org.Tx(t, &chain.CertIssued{Cert: issueTLSCert(t, w.org, signer.TLSServer).der}, nil)
		}, code: CodeOK},
		{name: "register twice", setup: registerTLS, tx: func(t *testing.T, w *world, tc tlsHolder) []byte {
			return w.org.Tx(t, &chain.CertIssued{Cert: tc.der}, nil)
		}, code: CodeDuplicate, field: "body.cert"},
		{name: "another org's TLS certificate", tx: func(t *testing.T, w *world, _ tlsHolder) []byte {
			court := w.net.Orgs[1]
			return w.org.Tx(t, &chain.CertIssued{Cert: issueTLSCert(t, court, signer.TLSClient).der}, nil)
		}, code: CodeCertIssuer, field: "body.cert"},
		{name: "TLS certificate with an identity_ref", tx: func(t *testing.T, w *world, tc tlsHolder) []byte {
			return w.org.Tx(t, &chain.CertIssued{Cert: tc.der, IdentityRef: make([]byte, 32)}, nil)
		}, code: CodeTLSCertShape, field: "body.identity_ref"},
		{name: "TLS certificate that also claims the signer usage", tx: func(t *testing.T, w *world, _ tlsHolder) []byte {
			der := craftTLSCert(t, w.org, signer.AlgECDSAP256, func(c *x509.Certificate) {
				c.UnknownExtKeyUsage = []asn1.ObjectIdentifier{signerUsageOID}
			})
			return w.org.Tx(t, &chain.CertIssued{Cert: der}, nil)
		}, code: CodeTLSCertShape, field: "body.cert"},
		{name: "TLS certificate for both client and server", tx: func(t *testing.T, w *world, _ tlsHolder) []byte {
			der := craftTLSCert(t, w.org, signer.AlgECDSAP256, func(c *x509.Certificate) {
				c.ExtKeyUsage = append(c.ExtKeyUsage, x509.ExtKeyUsageServerAuth)
			})
			return w.org.Tx(t, &chain.CertIssued{Cert: der}, nil)
		}, code: CodeTLSCertShape, field: "body.cert"},
		{name: "TLS certificate with an SM2 key", tx: func(t *testing.T, w *world, _ tlsHolder) []byte {
			return w.org.Tx(t, &chain.CertIssued{Cert: craftTLSCert(t, w.org, signer.AlgSM2, func(*x509.Certificate) {})}, nil)
		}, code: CodeTLSCertShape, field: "body.cert"},
		{name: "revoke a registered TLS certificate", setup: registerTLS, tx: func(t *testing.T, w *world, tc tlsHolder) []byte {
			return w.org.Tx(t, &chain.CertRevoked{Cert: tc.fp, Reason: chain.ReasonKeyCompromise}, nil)
		}, code: CodeOK},
		{name: "another org revokes it", setup: registerTLS, tx: func(t *testing.T, w *world, tc tlsHolder) []byte {
			return w.net.Orgs[1].Tx(t, &chain.CertRevoked{Cert: tc.fp, Reason: chain.ReasonKeyCompromise}, nil)
		}, code: CodePermission, field: "envelope.org"},
		{name: "contract_signed signed with a TLS key", setup: registerTLS, tx: func(t *testing.T, w *world, tc tlsHolder) []byte {
			return w.org.Tx(t, &chain.ContractSigned{Contract: "c-1", DocSM3: w.contract.DocSM3}, tc.actor())
		}, code: CodeTLSCert, field: "actor.cert"},
		{name: "contract_signed with a revoked TLS key", setup: func(t *testing.T, w *world, h *harness, tc tlsHolder) {
			registerTLS(t, w, h, tc)
			h.mustCommit(w.org.Tx(t, &chain.CertRevoked{Cert: tc.fp}, nil))
		}, tx: func(t *testing.T, w *world, tc tlsHolder) []byte {
			return w.org.Tx(t, &chain.ContractSigned{Contract: "c-1", DocSM3: w.contract.DocSM3}, tc.actor())
		}, code: CodeTLSCert, field: "actor.cert"},
		{name: "intent_verified for a TLS key", setup: registerTLS, tx: func(t *testing.T, w *world, tc tlsHolder) []byte {
			return w.org.Tx(t, w.org.Intent(t, "c-1", tc.actor()), tc.actor())
		}, code: CodeTLSCert, field: "actor.cert"},
		{name: "a TLS certificate as a contract party", setup: registerTLS, tx: func(t *testing.T, w *world, tc tlsHolder) []byte {
			return w.org.Tx(t, fixture.Contract("c-tls", "doc", chain.OrderParallel, w.alice, tc.actor()), nil)
		}, code: CodeTLSCert, field: "body.parties[1]"},
		{name: "a registered TLS certificate signs the envelope", setup: registerTLS, tx: func(t *testing.T, w *world, tc tlsHolder) []byte {
			sub := *w.org.Submitter
			sub.Cert, sub.Key = tc.der, tc.key
			raw, err := sub.Build(&chain.ContractCompleted{Contract: "c-1"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			return raw
		}, code: CodeTLSCert, field: "envelope.cert"},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			w, h := newWorld(t)
			tc := issueTLSCert(t, w.org, signer.TLSClient)
			if tt.setup != nil {
				tt.setup(t, w, h, tc)
			}
			res, _ := h.block(tt.tx(t, w, tc))
			r := res[0]
			if tt.code == CodeOK {
				if r.Code != CodeOK {
					t.Fatalf("code %d: %s", r.Code, r.Log)
				}
				return
			}
			checkRejection(t, "FinalizeBlock", r.Code, r.Codespace, r.Log, tt.code, tt.field)
		})
	}
}

func registerTLS(t *testing.T, w *world, h *harness, tc tlsHolder) {
	t.Helper()
	h.mustCommit(w.org.Tx(t, &chain.CertIssued{Cert: tc.der}, nil))
}

// TestTLSCertificateRegisteredState: the registered TLS certificate is in
// state whole, under its organisation, and its revocation is recorded; the
// message of a refused signature says why.
func TestTLSCertificateRegisteredState(t *testing.T) {
	w, h := newWorld(t)
	tc := issueTLSCert(t, w.org, signer.TLSClient)
	registerTLS(t, w, h, tc)
	h.mustCommit(w.org.Tx(t, &chain.CertRevoked{Cert: tc.fp, Reason: chain.ReasonKeyCompromise}, nil))
	cs, ok, err := h.app.store.View().Cert(tc.fp)
	if err != nil || !ok {
		t.Fatalf("registered TLS certificate not in state: %v %v", ok, err)
	}
	if string(cs.DER) != string(tc.der) || cs.Org != w.org.ID || !cs.Revoked() || cs.Reason != chain.ReasonKeyCompromise {
		t.Fatalf("state %+v", cs)
	}
	res, _ := h.block(w.org.Tx(t, &chain.ContractSigned{Contract: "c-1", DocSM3: w.contract.DocSM3}, tc.actor()))
	if !strings.Contains(res[0].Log, "TLS client certificate") || !strings.Contains(res[0].Log, "cannot sign records") {
		t.Errorf("log %q does not say a TLS certificate cannot sign", res[0].Log)
	}
}
