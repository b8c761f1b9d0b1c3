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

func (*CertIssued) Type() Type         { return TypeCertIssued }
func (*CertIssued) ContractID() string { return "" }
func (*CertIssued) actor() actorRule   { return actorNone }

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
