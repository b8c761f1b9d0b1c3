package chain

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
