package chain

// BatchIntentVerified records ONE intent check (an SMS code or a face
// match) by which a signer confirmed signing a set of contracts at once
// (批量签署). It names the set: each named contract gets the signer's
// intent, as an intent_verified record for it would give, and its
// contract_signed still follows on its own. A contract not named gets
// nothing from it. The verifier signs AttestationBytes, which cover the
// whole set; the signer signs the record as actor. Accepted from
// RulesVersion5.
//
//	message BatchIntentVerified {
//	  repeated string contracts      = 1; // 1..MaxBatchIntentContracts distinct contract ids; the first is contract_id
//	  bytes           signer         = 2; // certificate fingerprint of the signer
//	  uint32          method         = 3; // IntentMethod
//	  bytes           challenge_hash = 4; // 32 bytes: binds the challenge (and the set) without revealing it
//	  int64           verified_at    = 5; // unix milliseconds, the verifier's clock (informative)
//	  bytes           verifier_cert  = 6; // DER
//	  bytes           verifier_sig   = 7; // over AttestationBytes
//	}
type BatchIntentVerified struct {
	Contracts     []string
	Signer        Fingerprint
	Method        IntentMethod
	ChallengeHash []byte
	VerifiedAt    int64
	VerifierCert  []byte
	VerifierSig   []byte
}

// TypeBatchIntentVerified is batch_intent_verified's record type number.
const TypeBatchIntentVerified Type = 34

// MaxBatchIntentContracts is the most contracts one batch intent names.
const MaxBatchIntentContracts = 100

// domainBatchIntent separates the verifier's statement about a set from
// one about a single contract (domainIntent).
const domainBatchIntent = "sealchain/batch-intent/v1"

func (*BatchIntentVerified) Type() Type       { return TypeBatchIntentVerified }
func (*BatchIntentVerified) actor() actorRule { return actorRequired }

// ContractID is the first contract of the set; the others are index keys,
// so the record is found under each contract it names.
func (b *BatchIntentVerified) ContractID() string {
	if len(b.Contracts) == 0 {
		return ""
	}
	return b.Contracts[0]
}

func (*BatchIntentVerified) Name() string { return "batch_intent_verified" }
func (*BatchIntentVerified) Label() (zh, en string) {
	return "批量签署意愿认证", "Signing intent verified for a batch"
}

func (b *BatchIntentVerified) IndexKeys() IndexKeys {
	if len(b.Contracts) > 1 {
		return IndexKeys{Contracts: append([]string(nil), b.Contracts[1:]...)}
	}
	return IndexKeys{}
}

func (b *BatchIntentVerified) Fields() map[string]any {
	return map[string]any{"contracts": append([]string{}, b.Contracts...), "contract_id": b.ContractID(),
		"signer": b.Signer.String(), "method": b.Method.String(), "challenge_hash": hexOf(b.ChallengeHash),
		"verified_at_ms": b.VerifiedAt, "verifier_cert_fingerprint": FingerprintOf(b.VerifierCert).String()}
}

func (b *BatchIntentVerified) encode(e *encoder) { b.encodeParts(e, true) }

func (b *BatchIntentVerified) encodeParts(e *encoder, verifier bool) {
	for _, c := range b.Contracts {
		e.element(1, []byte(c))
	}
	e.bytes(2, b.Signer[:])
	e.uint(3, uint64(b.Method))
	e.bytes(4, b.ChallengeHash)
	e.int(5, b.VerifiedAt)
	if verifier {
		e.bytes(6, b.VerifierCert)
		e.bytes(7, b.VerifierSig)
	}
}

func (b *BatchIntentVerified) decode(d *decoder) {
	b.Contracts = nil
	for _, c := range d.elements(1, "contracts", MaxBatchIntentContracts) {
		b.Contracts = append(b.Contracts, string(c))
	}
	copy(b.Signer[:], d.fixed(2, "signer", fingerprintBytes))
	b.Method = IntentMethod(d.uint32(3, "method"))
	b.ChallengeHash = d.bytes(4, "challenge_hash")
	b.VerifiedAt = d.int(5, "verified_at")
	b.VerifierCert = d.bytes(6, "verifier_cert")
	b.VerifierSig = d.bytes(7, "verifier_sig")
}

// Attestation is the verifier's statement: over AttestationBytes.
func (b *BatchIntentVerified) Attestation(chainID string) Attestation {
	return Attestation{VerifierCert: b.VerifierCert, Sig: b.VerifierSig, Signed: b.AttestationBytes(chainID)}
}

// AttestationBytes are what the intent verifier signs: the record without
// its certificate and signature, the whole set included, under a domain
// tag of its own.
func (b *BatchIntentVerified) AttestationBytes(chainID string) []byte {
	var e encoder
	b.encodeParts(&e, false)
	return signBytes(domainBatchIntent, chainID, e.b)
}

func (b *BatchIntentVerified) Validate() error {
	if len(b.Contracts) == 0 || len(b.Contracts) > MaxBatchIntentContracts {
		return invalid("body.contracts", "%d contracts, want 1..%d", len(b.Contracts), MaxBatchIntentContracts)
	}
	seen := make(map[string]bool, len(b.Contracts))
	for i, c := range b.Contracts {
		if err := checkID(contractsField(i), c); err != nil {
			return err
		}
		if seen[c] {
			return invalid(contractsField(i), "duplicate contract %q", c)
		}
		seen[c] = true
	}
	return checkIntent(b.Signer, b.Method, b.ChallengeHash, b.VerifiedAt, b.VerifierCert, b.VerifierSig)
}

// Apply records the signer's intent on every contract of the set, as
// intent_verified does on one: the signer signs their own record, the
// verifier is usable at the block time, and each contract is open, the
// submitting org's, and has the signer as a party. One contract that
// fails refuses the record (its field names the contract's position).
func (b *BatchIntentVerified) Apply(v StateView, c *RuleContext) (Effects, *TxError) {
	return b.ApplySome(v, c, nil)
}

// ApplySome is Apply over the contracts of the set that has reports (all
// when has is nil). The offline verifier, whose bundle holds the records
// of one contract of the set and not the others', runs the rule for the
// contracts it has (evidence/rules.go).
func (b *BatchIntentVerified) ApplySome(v StateView, c *RuleContext, has func(id string) bool) (Effects, *TxError) {
	if b.Signer != c.Signers.ActorFP {
		return nil, Reject(CodeInvalidField, "body.signer", "must equal actor.cert: the signer signs their own intent record")
	}
	if terr := usableVerifier(c.Signers, c.Time); terr != nil {
		return nil, terr
	}
	var effects Effects
	for i, id := range b.Contracts {
		if has != nil && !has(id) {
			continue
		}
		w, terr := b.applyTo(v, c, i)
		if terr != nil {
			return nil, terr
		}
		effects = append(effects, w)
	}
	return effects, nil
}

// applyTo is the rule for the set's contract i alone: the write that
// gives the signer intent on it.
func (b *BatchIntentVerified) applyTo(v StateView, c *RuleContext, i int) (ContractWrite, *TxError) {
	id := b.Contracts[i]
	k, terr := openContract(v, id, c.Org, c.Time)
	if terr == nil {
		var p int
		if p, terr = contractParty(k, b.Signer, "body.signer", id); terr == nil {
			k.Intent[p] = true
			return ContractWrite{k}, nil
		}
	}
	if terr.Field == "body.contract_id" {
		terr.Field = contractsField(i)
	}
	return ContractWrite{}, terr
}
