package chain

import "fmt"

// IntentMethod is how a signer's intent was checked.
type IntentMethod uint32

const (
	IntentSMSOTP IntentMethod = 1 // a one-time code sent to the signer's verified phone
	IntentFace   IntentMethod = 2 // a live face match against the verified identity
)

func (m IntentMethod) String() string {
	switch m {
	case IntentSMSOTP:
		return "sms_otp"
	case IntentFace:
		return "face"
	}
	return fmt.Sprintf("method(%d)", uint32(m))
}

// IntentVerified records that an intent verifier (an OTP or face provider
// holding a certificate with the intent-verifier usage) checked that the
// signer meant to sign this contract. The verifier signs AttestationBytes;
// the signer signs the whole record as actor.
//
//	message IntentVerified {
//	  string contract_id    = 1;
//	  bytes  signer         = 2; // certificate fingerprint of the signer
//	  uint32 method         = 3; // IntentMethod
//	  bytes  challenge_hash = 4; // 32 bytes: binds the challenge without revealing it
//	  int64  verified_at    = 5; // unix milliseconds, the verifier's clock (informative; the block time is authoritative)
//	  bytes  verifier_cert  = 6; // DER
//	  bytes  verifier_sig   = 7; // over AttestationBytes
//	}
type IntentVerified struct {
	Contract      string
	Signer        Fingerprint
	Method        IntentMethod
	ChallengeHash []byte
	VerifiedAt    int64
	VerifierCert  []byte
	VerifierSig   []byte
}

// TypeIntentVerified is intent_verified's record type number.
const TypeIntentVerified Type = 4

func (*IntentVerified) Type() Type           { return TypeIntentVerified }
func (b *IntentVerified) ContractID() string { return b.Contract }
func (*IntentVerified) actor() actorRule     { return actorRequired }

func (*IntentVerified) Name() string { return "intent_verified" }
func (*IntentVerified) Label() (zh, en string) {
	return "签署意愿认证", "Signing intent verified"
}
func (*IntentVerified) IndexKeys() IndexKeys { return IndexKeys{} }

func (b *IntentVerified) Fields() map[string]any {
	return map[string]any{"contract_id": b.Contract, "signer": b.Signer.String(), "method": b.Method.String(),
		"challenge_hash": hexOf(b.ChallengeHash), "verified_at_ms": b.VerifiedAt,
		"verifier_cert_fingerprint": FingerprintOf(b.VerifierCert).String()}
}

func (b *IntentVerified) encode(e *encoder) { b.encodeParts(e, true) }

func (b *IntentVerified) encodeParts(e *encoder, verifier bool) {
	e.string(1, b.Contract)
	e.bytes(2, b.Signer[:])
	e.uint(3, uint64(b.Method))
	e.bytes(4, b.ChallengeHash)
	e.int(5, b.VerifiedAt)
	if verifier {
		e.bytes(6, b.VerifierCert)
		e.bytes(7, b.VerifierSig)
	}
}

func (b *IntentVerified) decode(d *decoder) {
	b.Contract = d.string(1, "contract_id")
	copy(b.Signer[:], d.fixed(2, "signer", fingerprintBytes))
	b.Method = IntentMethod(d.uint32(3, "method"))
	b.ChallengeHash = d.bytes(4, "challenge_hash")
	b.VerifiedAt = d.int(5, "verified_at")
	b.VerifierCert = d.bytes(6, "verifier_cert")
	b.VerifierSig = d.bytes(7, "verifier_sig")
}

// Attestation is the verifier's statement: over AttestationBytes.
func (b *IntentVerified) Attestation(chainID string) Attestation {
	return Attestation{VerifierCert: b.VerifierCert, Sig: b.VerifierSig, Signed: b.AttestationBytes(chainID)}
}

// AttestationBytes are what the intent verifier signs: the record without the
// verifier's certificate and signature, under its own domain tag.
func (b *IntentVerified) AttestationBytes(chainID string) []byte {
	var e encoder
	b.encodeParts(&e, false)
	return signBytes(domainIntent, chainID, e.b)
}

func (b *IntentVerified) Validate() error {
	if err := checkID("body.contract_id", b.Contract); err != nil {
		return err
	}
	return checkIntent(b.Signer, b.Method, b.ChallengeHash, b.VerifiedAt, b.VerifierCert, b.VerifierSig)
}

// checkIntent checks the fields intent_verified and batch_intent_verified
// share, in their field order: who signs, how the intent was verified, the
// challenge's hash, when, and the verifier's attestation.
func checkIntent(signer Fingerprint, m IntentMethod, challengeHash []byte, verifiedAt int64, cert, sig []byte) error {
	if signer.IsZero() {
		return invalid("body.signer", "missing")
	}
	if m != IntentSMSOTP && m != IntentFace {
		return invalid("body.method", "%d, want 1 (sms_otp) or 2 (face)", m)
	}
	if err := checkHash("body.challenge_hash", challengeHash, true); err != nil {
		return err
	}
	if verifiedAt <= 0 {
		return invalid("body.verified_at", "missing")
	}
	return checkAttestation(cert, sig)
}

// checkAttestation checks the sizes of a verifier's certificate and
// signature (body.verifier_cert, body.verifier_sig).
func checkAttestation(cert, sig []byte) error {
	if n := len(cert); n == 0 || n > MaxCertBytes {
		return invalid("body.verifier_cert", "length %d, want 1..%d", n, MaxCertBytes)
	}
	if n := len(sig); n == 0 || n > MaxSigBytes {
		return invalid("body.verifier_sig", "length %d, want 1..%d", n, MaxSigBytes)
	}
	return nil
}

// Apply records a party's verified intent on an open contract of the
// submitting org: the signer signs their own intent record, and the
// verifier's certificate is usable at the block time.
func (b *IntentVerified) Apply(v StateView, c *RuleContext) (Effects, *TxError) {
	if b.Signer != c.Signers.ActorFP {
		return nil, Reject(CodeInvalidField, "body.signer", "must equal actor.cert: the signer signs their own intent record")
	}
	k, terr := openContract(v, b.Contract, c.Org, c.Time)
	if terr != nil {
		return nil, terr
	}
	i, terr := contractParty(k, b.Signer, "body.signer", b.Contract)
	if terr != nil {
		return nil, terr
	}
	if terr := usableVerifier(c.Signers, c.Time); terr != nil {
		return nil, terr
	}
	k.Intent[i] = true
	return Effects{ContractWrite{k}}, nil
}
