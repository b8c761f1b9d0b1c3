package chain

import (
	"slices"

	"github.com/emmansun/gmsm/smx509"

	"github.com/sealchain/sealchain/signer"
)

// CertIssued registers a certificate issued by the submitting organisation's
// CA. The certificate is stored whole so an offline verifier needs nothing
// but the chain; it carries no personal data (see signer.IssueOptions).
//
//	message CertIssued {
//	  bytes cert         = 1; // DER, at most MaxCertBytes
//	  bytes identity_ref = 2; // optional: 32-byte salted SM3 commitment of the verified identity
//	}
type CertIssued struct {
	Cert        []byte
	IdentityRef []byte
}

// TypeCertIssued is cert_issued's record type number.
const TypeCertIssued Type = 1

func (*CertIssued) Type() Type         { return TypeCertIssued }
func (*CertIssued) ContractID() string { return "" }
func (*CertIssued) actor() actorRule   { return actorNone }

func (*CertIssued) Name() string           { return "cert_issued" }
func (*CertIssued) Label() (zh, en string) { return "证书签发", "Certificate issued" }

func (b *CertIssued) IndexKeys() IndexKeys {
	return IndexKeys{Certs: []Fingerprint{FingerprintOf(b.Cert)}}
}

func (b *CertIssued) Fields() map[string]any {
	m := map[string]any{"cert_fingerprint": FingerprintOf(b.Cert).String(), "cert_der": b.Cert}
	if len(b.IdentityRef) > 0 {
		m["identity_ref"] = hexOf(b.IdentityRef)
	}
	return m
}

func (b *CertIssued) encode(e *encoder) {
	e.bytes(1, b.Cert)
	e.bytes(2, b.IdentityRef)
}

func (b *CertIssued) decode(d *decoder) {
	b.Cert = d.bytes(1, "cert")
	b.IdentityRef = d.bytes(2, "identity_ref")
}

func (b *CertIssued) Validate() error {
	if n := len(b.Cert); n == 0 || n > MaxCertBytes {
		return invalid("body.cert", "length %d, want 1..%d", n, MaxCertBytes)
	}
	return checkHash("body.identity_ref", b.IdentityRef, false)
}

// Apply registers the certificate: issued by the submitting org's CA, not a
// CA, valid at block time, not registered yet, and in one of three shapes: a
// TLS certificate (checkTLSRegistration), an API credential
// (CheckCredentialRegistration) or a signer bound to a verified identity
// (checkIdentity).
func (b *CertIssued) Apply(v StateView, c *RuleContext) (Effects, *TxError) {
	cert, fp, terr := c.Certs.Parse(b.Cert, "body.cert")
	if terr != nil {
		return nil, terr
	}
	if cert.IsCA {
		return nil, Reject(CodeInvalidField, "body.cert", "a CA certificate cannot be registered as a signer")
	}
	if terr := c.Certs.IssuedBy(cert, fp, c.Signers.OrgCA, "body.cert"); terr != nil {
		return nil, terr
	}
	if terr := validAt(cert, c.Time, "body.cert"); terr != nil {
		return nil, terr
	}
	tlsCert := len(signer.TLSRolesOf(cert)) > 0
	credential := !tlsCert && slices.Contains(signer.UsagesOf(cert), signer.UsageSubmitter)
	if tlsCert {
		if terr := b.checkTLSRegistration(cert); terr != nil {
			return nil, terr
		}
	} else if credential {
		if terr := CheckCredentialRegistration(cert, b.IdentityRef, "body.cert"); terr != nil {
			return nil, terr
		}
	} else if terr := HasUsage(cert, signer.UsageSigner, "body.cert"); terr != nil {
		return nil, terr
	}
	_, exists, err := v.Cert(fp)
	must(err)
	if exists {
		return nil, Reject(CodeDuplicate, "body.cert", "certificate %s is already registered", fp)
	}
	if !tlsCert && !credential {
		if terr := b.checkIdentity(v, cert); terr != nil {
			return nil, terr
		}
	}
	return Effects{CertWrite{fp, &CertState{DER: b.Cert, Org: c.Org, IssuedIn: c.Next}}}, nil
}

// checkTLSRegistration: a TLS certificate is registered (so it can be
// revoked on chain and a court can see every credential that may query) only
// in the shape CA.IssueTLS gives it, and without an identity: it names an
// API client or server, not a person. Its key can never sign (HasUsage).
func (b *CertIssued) checkTLSRegistration(c *smx509.Certificate) *TxError {
	if _, err := signer.CheckTLSLeaf(c); err != nil {
		return Reject(CodeTLSCertShape, "body.cert", "%v", err)
	}
	if len(b.IdentityRef) > 0 || len(signer.IdentityRefOf(c)) > 0 {
		return Reject(CodeTLSCertShape, "body.identity_ref", "a TLS certificate carries no identity commitment")
	}
	return nil
}

// Identity is the identity commitment the certificate is bound to: the
// record's identity_ref, else the certificate's extension (c is b.Cert
// parsed; nil if it does not parse). checkIdentity also refuses the two
// when they differ; readers of committed records take this one.
func (b *CertIssued) Identity(c *smx509.Certificate) []byte {
	if len(b.IdentityRef) > 0 || c == nil {
		return b.IdentityRef
	}
	return signer.IdentityRefOf(c)
}

// checkIdentity binds a signer certificate to a verified identity: the
// commitment in the certificate's extension and in the record must agree,
// and an identity-verified record must exist for it. Chains whose genesis
// requires identity refuse certificates without one.
func (b *CertIssued) checkIdentity(v StateView, c *smx509.Certificate) *TxError {
	ext := signer.IdentityRefOf(c)
	ref := b.IdentityRef
	switch {
	case len(ext) > 0 && len(ref) > 0 && string(ext) != string(ref):
		return Reject(CodeInvalidField, "body.identity_ref", "differs from the certificate's identity commitment")
	case len(ref) == 0:
		ref = ext
	}
	if len(ref) == 0 {
		p, err := v.Params()
		must(err)
		if p.RequireIdentity {
			return Reject(CodeUnknownIdentity, "body.cert", "certificate carries no identity commitment; this chain requires a verified identity for every signer")
		}
		return nil
	}
	_, ok, err := v.Identity(ref)
	must(err)
	if !ok {
		return Reject(CodeUnknownIdentity, "body.identity_ref", "no identity-verified record for %x", ref)
	}
	return nil
}
