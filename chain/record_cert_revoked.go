package chain

// RevocationReason follows RFC 5280 CRLReason; values are part of the encoding.
type RevocationReason uint32

const (
	ReasonUnspecified        RevocationReason = 0
	ReasonKeyCompromise      RevocationReason = 1
	ReasonCACompromise       RevocationReason = 2
	ReasonAffiliationChanged RevocationReason = 3
	ReasonSuperseded         RevocationReason = 4
	ReasonCessation          RevocationReason = 5
	ReasonCertificateHold    RevocationReason = 6
	ReasonPrivilegeWithdrawn RevocationReason = 9
)

// CertRevoked revokes a certificate from the block time on. Only the
// organisation whose CA issued the certificate may revoke it.
//
//	message CertRevoked {
//	  bytes  cert   = 1; // fingerprint, 32 bytes
//	  uint32 reason = 2; // RFC 5280 CRLReason
//	}
type CertRevoked struct {
	Cert   Fingerprint
	Reason RevocationReason
}

// TypeCertRevoked is cert_revoked's record type number.
const TypeCertRevoked Type = 2

func (*CertRevoked) Type() Type         { return TypeCertRevoked }
func (*CertRevoked) ContractID() string { return "" }
func (*CertRevoked) actor() actorRule   { return actorNone }

func (*CertRevoked) Name() string           { return "cert_revoked" }
func (*CertRevoked) Label() (zh, en string) { return "证书吊销", "Certificate revoked" }

func (b *CertRevoked) IndexKeys() IndexKeys {
	return IndexKeys{Certs: []Fingerprint{b.Cert}}
}

func (b *CertRevoked) Fields() map[string]any {
	return map[string]any{"cert": b.Cert.String(), "reason": uint32(b.Reason)}
}

func (b *CertRevoked) encode(e *encoder) {
	e.bytes(1, b.Cert[:])
	e.uint(2, uint64(b.Reason))
}

func (b *CertRevoked) decode(d *decoder) {
	copy(b.Cert[:], d.fixed(1, "cert", fingerprintBytes))
	b.Reason = RevocationReason(d.uint32(2, "reason"))
}

func (b *CertRevoked) Validate() error {
	if b.Cert.IsZero() {
		return invalid("body.cert", "missing")
	}
	switch b.Reason {
	case ReasonUnspecified, ReasonKeyCompromise, ReasonCACompromise, ReasonAffiliationChanged,
		ReasonSuperseded, ReasonCessation, ReasonCertificateHold, ReasonPrivilegeWithdrawn:
		return nil
	}
	return invalid("body.reason", "%d is not an RFC 5280 reason code", b.Reason)
}
