package chain

import "fmt"

// IdentitySubject is who was verified.
type IdentitySubject uint32

const (
	SubjectPerson     IdentitySubject = 1
	SubjectEnterprise IdentitySubject = 2
)

// IdentityMethod is how an identity was verified (the real-name check of
// the signing flow).
type IdentityMethod uint32

const (
	IdentityFace             IdentityMethod = 1 // live face match against the ID photo
	IdentityCarrier3Factor   IdentityMethod = 2 // name, ID number and phone match at the carrier
	IdentityBankTransfer     IdentityMethod = 3 // corporate micro-deposit (对公打款)
	IdentityLegalRepAuth     IdentityMethod = 4 // legal representative's authorisation
	IdentityBusinessRegistry IdentityMethod = 5 // business-registration check
	IdentityAgentCheck       IdentityMethod = 6 // agent (经办人) check
)

func (m IdentityMethod) String() string {
	switch m {
	case IdentityFace:
		return "face"
	case IdentityCarrier3Factor:
		return "carrier_3factor"
	case IdentityBankTransfer:
		return "bank_transfer"
	case IdentityLegalRepAuth:
		return "legal_rep_authorisation"
	case IdentityBusinessRegistry:
		return "business_registration"
	case IdentityAgentCheck:
		return "agent_check"
	}
	return fmt.Sprintf("method(%d)", uint32(m))
}

// ParseIdentityMethod accepts the names String returns.
func ParseIdentityMethod(s string) (IdentityMethod, error) {
	for m := IdentityFace; m <= IdentityAgentCheck; m++ {
		if m.String() == s {
			return m, nil
		}
	}
	return 0, fmt.Errorf("identity method %q: want face, carrier_3factor, bank_transfer, legal_rep_authorisation, business_registration or agent_check", s)
}

// IdentityVerified records that a registered verifier checked a real
// identity. Only a salted SM3 commitment of the identity (name, ID number,
// phone, or company name and credit code) goes on chain; the salt and the
// data stay with the platform and the person. Certificates bind to it by
// carrying the same commitment (signer.IdentityRefOf).
//
//	message IdentityVerified {
//	  bytes  identity_ref  = 1; // 32 bytes: signer.IdentityCommitment
//	  uint32 subject       = 2; // 1 person, 2 enterprise
//	  uint32 method        = 3; // IdentityMethod
//	  int64  verified_at   = 4; // unix ms, the verifier's clock
//	  bytes  verifier_cert = 5; // DER of a registered intent/identity verifier
//	  bytes  verifier_sig  = 6; // over AttestationBytes
//	}
type IdentityVerified struct {
	IdentityRef  []byte
	Subject      IdentitySubject
	Method       IdentityMethod
	VerifiedAt   int64
	VerifierCert []byte
	VerifierSig  []byte
}

const domainIdentity = "sealchain/identity-attestation/v1"

// TypeIdentityVerified is identity_verified's record type number.
const TypeIdentityVerified Type = 9

func (*IdentityVerified) Type() Type         { return TypeIdentityVerified }
func (*IdentityVerified) ContractID() string { return "" }
func (*IdentityVerified) actor() actorRule   { return actorNone }

func (*IdentityVerified) Name() string           { return "identity_verified" }
func (*IdentityVerified) Label() (zh, en string) { return "实名核验", "Identity verified" }

func (b *IdentityVerified) IndexKeys() IndexKeys {
	return IndexKeys{Docs: [][]byte{b.IdentityRef}} // commitments share the 32-byte hash index
}

func (b *IdentityVerified) Fields() map[string]any {
	subject := "person"
	if b.Subject == SubjectEnterprise {
		subject = "enterprise"
	}
	return map[string]any{"identity_ref": hexOf(b.IdentityRef), "subject": subject, "method": b.Method.String(),
		"verified_at_ms": b.VerifiedAt, "verifier_cert_fingerprint": FingerprintOf(b.VerifierCert).String()}
}

func (b *IdentityVerified) encode(e *encoder) { b.encodeParts(e, true) }

func (b *IdentityVerified) encodeParts(e *encoder, verifier bool) {
	e.bytes(1, b.IdentityRef)
	e.uint(2, uint64(b.Subject))
	e.uint(3, uint64(b.Method))
	e.int(4, b.VerifiedAt)
	if verifier {
		e.bytes(5, b.VerifierCert)
		e.bytes(6, b.VerifierSig)
	}
}

func (b *IdentityVerified) decode(d *decoder) {
	b.IdentityRef = d.bytes(1, "identity_ref")
	b.Subject = IdentitySubject(d.uint32(2, "subject"))
	b.Method = IdentityMethod(d.uint32(3, "method"))
	b.VerifiedAt = d.int(4, "verified_at")
	b.VerifierCert = d.bytes(5, "verifier_cert")
	b.VerifierSig = d.bytes(6, "verifier_sig")
}

// Attestation is the verifier's statement: over AttestationBytes.
func (b *IdentityVerified) Attestation(chainID string) Attestation {
	return Attestation{VerifierCert: b.VerifierCert, Sig: b.VerifierSig, Signed: b.AttestationBytes(chainID)}
}

// AttestationBytes are what the verifier signs.
func (b *IdentityVerified) AttestationBytes(chainID string) []byte {
	var e encoder
	b.encodeParts(&e, false)
	return signBytes(domainIdentity, chainID, e.b)
}

func (b *IdentityVerified) Validate() error {
	if err := checkHash("body.identity_ref", b.IdentityRef, true); err != nil {
		return err
	}
	if b.Subject != SubjectPerson && b.Subject != SubjectEnterprise {
		return invalid("body.subject", "%d, want 1 (person) or 2 (enterprise)", b.Subject)
	}
	if b.Method < IdentityFace || b.Method > IdentityAgentCheck {
		return invalid("body.method", "%d is not an identity method", b.Method)
	}
	if b.Subject == SubjectPerson && b.Method != IdentityFace && b.Method != IdentityCarrier3Factor {
		return invalid("body.method", "%s is an enterprise method", b.Method)
	}
	if b.VerifiedAt <= 0 {
		return invalid("body.verified_at", "missing")
	}
	return checkAttestation(b.VerifierCert, b.VerifierSig)
}

// IdentityState is a verified identity on chain.
//
//	message IdentityState { string org = 1; uint64 verified_in = 2; /* log index plus one */ }
type IdentityState struct {
	Org        string
	VerifiedIn uint64
}

func (s *IdentityState) encode(e *encoder) {
	e.string(1, s.Org)
	e.uint(2, s.VerifiedIn+1)
}

func (s *IdentityState) decode(d *decoder) {
	s.Org = d.string(1, "org")
	s.VerifiedIn = d.uint(2, "verified_in") - 1
}

// Apply records a verified identity once, attested by a verifier usable at
// the block time.
func (b *IdentityVerified) Apply(v StateView, c *RuleContext) (Effects, *TxError) {
	if terr := usableVerifier(c.Signers, c.Time); terr != nil {
		return nil, terr
	}
	_, exists, err := v.Identity(b.IdentityRef)
	must(err)
	if exists {
		return nil, Reject(CodeDuplicate, "body.identity_ref", "identity %x is already verified", b.IdentityRef)
	}
	return Effects{IdentityWrite{b.IdentityRef, &IdentityState{Org: c.Org, VerifiedIn: c.Next}}}, nil
}
