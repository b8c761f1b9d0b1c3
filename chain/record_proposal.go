package chain

import (
	"errors"
	"fmt"
)

// ProposalKind is what a governance proposal changes.
type ProposalKind uint32

const (
	ProposalRegisterOrg      ProposalKind = 1 // add an organisation (with its CA)
	ProposalSetValidator     ProposalKind = 2 // add a validator, change its power, or remove it (power 0)
	ProposalRegisterVerifier ProposalKind = 3 // register an intent verifier (OTP or face provider) certificate
	// ProposalRegisterCredentials records API credentials of a registered
	// org by governance: the way back for an org that lost (or revoked) every
	// credential it had, since cert_issued needs a recorded one.
	ProposalRegisterCredentials ProposalKind = 4
)

func (k ProposalKind) String() string {
	switch k {
	case ProposalRegisterOrg:
		return "register_org"
	case ProposalSetValidator:
		return "set_validator"
	case ProposalRegisterVerifier:
		return "register_verifier"
	case ProposalRegisterCredentials:
		return "register_credentials"
	case ProposalScheduleUpgrade:
		return "schedule_upgrade"
	case ProposalCancelUpgrade:
		return "cancel_upgrade"
	}
	return fmt.Sprintf("kind(%d)", uint32(k))
}

// ValidatorChange is a validator update: an ed25519 key and its new power
// (0 removes it), and the organisation that runs it.
//
//	message ValidatorChange { bytes pub_key = 1; int64 power = 2; string org = 3; }
type ValidatorChange struct {
	PubKey []byte
	Power  int64
	Org    string
}

func (v *ValidatorChange) encode(e *encoder) {
	e.bytes(1, v.PubKey)
	e.int(2, v.Power)
	e.string(3, v.Org)
}

func (v *ValidatorChange) decode(d *decoder) {
	v.PubKey = d.bytes(1, "pub_key")
	v.Power = d.int(2, "power")
	v.Org = d.string(3, "org")
}

// MaxValidatorPower bounds one validator's power so sums cannot overflow.
const MaxValidatorPower = 1 << 40

// Proposal proposes a change that takes effect when organisations holding
// more than 2/3 of the total org weight have voted yes; the proposing org's
// vote is counted yes. Exactly the field matching Kind is set.
//
//	message Proposal {
//	  string proposal_id   = 1;
//	  uint32 kind          = 2; // ProposalKind
//	  int64  expires       = 3; // unix seconds; votes after it are refused
//	  Org    org           = 4; // kind 1 (as in state: id, name, role, ca_cert, weight)
//	  ValidatorChange validator = 5; // kind 2
//	  bytes  verifier_cert = 6; // kind 3: DER, intent-verifier usage, issued by a registered org's CA
//	  repeated bytes credentials = 7; // kind 1: the new org's initial API credentials (DER, submitter usage, issued by org.ca_cert), 0..MaxOrgCredentials;
//	                                  // kind 4: 1..MaxOrgCredentials credentials, all of one registered org's CA
//	  UpgradePlan upgrade = 8; // kinds 5 and 6 (upgrade.go)
//	}
type Proposal struct {
	ID           string
	Kind         ProposalKind
	Expires      int64
	Org          *Org
	Validator    *ValidatorChange
	VerifierCert []byte
	// Credentials are registered with the org when the proposal passes, as
	// genesis credentials are: without one the org could submit nothing.
	Credentials [][]byte
	Upgrade     *UpgradePlan
}

// MaxOrgCredentials bounds the credentials a register-org proposal carries.
const MaxOrgCredentials = 8

// TypeProposal is proposal's record type number.
const TypeProposal Type = 7

func (*Proposal) Type() Type         { return TypeProposal }
func (*Proposal) ContractID() string { return "" }
func (*Proposal) actor() actorRule   { return actorNone }

func (*Proposal) Name() string           { return "proposal" }
func (*Proposal) Label() (zh, en string) { return "治理提案", "Governance proposal" }
func (*Proposal) IndexKeys() IndexKeys   { return IndexKeys{} }

func (b *Proposal) Fields() map[string]any {
	m := map[string]any{"proposal_id": b.ID, "kind": b.Kind.String()}
	if b.Expires != 0 {
		m["expires"] = b.Expires
	}
	switch {
	case b.Org != nil:
		m["org"] = map[string]any{"id": b.Org.ID, "name": b.Org.Name, "role": b.Org.Role, "weight": b.Org.Weight,
			"ca_cert_fingerprint": FingerprintOf(b.Org.CACert).String()}
	case b.Validator != nil:
		m["validator"] = map[string]any{"pub_key": b.Validator.PubKey, "power": b.Validator.Power, "org": b.Validator.Org}
	case len(b.VerifierCert) > 0:
		m["verifier_cert_fingerprint"] = FingerprintOf(b.VerifierCert).String()
	case b.Upgrade != nil:
		m["upgrade"] = map[string]any{"rules_version": b.Upgrade.Version, "height": b.Upgrade.Height, "name": b.Upgrade.Name, "info": b.Upgrade.Info}
	}
	if len(b.Credentials) > 0 {
		fps := make([]string, len(b.Credentials))
		for i, c := range b.Credentials {
			fps[i] = FingerprintOf(c).String()
		}
		m["credential_fingerprints"] = fps
	}
	return m
}

func (b *Proposal) encode(e *encoder) {
	e.string(1, b.ID)
	e.uint(2, uint64(b.Kind))
	e.int(3, b.Expires)
	if b.Org != nil {
		e.message(4, b.Org.encode)
	}
	if b.Validator != nil {
		e.message(5, b.Validator.encode)
	}
	e.bytes(6, b.VerifierCert)
	for _, c := range b.Credentials {
		e.element(7, c)
	}
	if b.Upgrade != nil {
		e.message(8, b.Upgrade.encode)
	}
}

func (b *Proposal) decode(d *decoder) {
	b.ID = d.string(1, "proposal_id")
	b.Kind = ProposalKind(d.uint32(2, "kind"))
	b.Expires = d.int(3, "expires")
	var o Org
	if d.message(4, "org", o.decode) {
		b.Org = &o
	}
	var v ValidatorChange
	if d.message(5, "validator", v.decode) {
		b.Validator = &v
	}
	b.VerifierCert = d.bytes(6, "verifier_cert")
	b.Credentials = d.elements(7, "credentials", MaxOrgCredentials)
	var u UpgradePlan
	if d.message(8, "upgrade", u.decode) {
		b.Upgrade = &u
	}
}

func (b *Proposal) Validate() error {
	if err := checkID("body.proposal_id", b.ID); err != nil {
		return err
	}
	if b.Expires < 0 {
		return invalid("body.expires", "negative")
	}
	set := 0
	if b.Org != nil {
		set++
	}
	if b.Validator != nil {
		set++
	}
	if len(b.VerifierCert) > 0 {
		set++
	}
	if b.Kind == ProposalRegisterCredentials && len(b.Credentials) > 0 {
		set++ // for register_org they ride along with org
	}
	if b.Upgrade != nil {
		set++
	}
	if set != 1 {
		return invalid("body.kind", "exactly one of org, validator, verifier_cert, credentials, upgrade must be set, got %d", set)
	}
	if len(b.Credentials) > 0 && b.Kind != ProposalRegisterOrg && b.Kind != ProposalRegisterCredentials {
		return invalid("body.credentials", "only register_org and register_credentials proposals carry credentials")
	}
	for i, c := range b.Credentials {
		if n := len(c); n == 0 || n > MaxCertBytes {
			return invalid(fmt.Sprintf("body.credentials[%d]", i), "length %d, want 1..%d", n, MaxCertBytes)
		}
	}
	switch b.Kind {
	case ProposalRegisterOrg:
		if b.Org == nil {
			return invalid("body.org", "missing for %s", b.Kind)
		}
		if err := b.Org.Validate(); err != nil {
			var fe *FieldError
			if errors.As(err, &fe) {
				return fieldErr("body."+fe.Field, fe.Err)
			}
			return err
		}
	case ProposalSetValidator:
		v := b.Validator
		if v == nil {
			return invalid("body.validator", "missing for %s", b.Kind)
		}
		if len(v.PubKey) != 32 {
			return invalid("body.validator.pub_key", "length %d, want 32 (ed25519)", len(v.PubKey))
		}
		if v.Power < 0 || v.Power > MaxValidatorPower {
			return invalid("body.validator.power", "%d, want 0..%d", v.Power, int64(MaxValidatorPower))
		}
		if err := checkID("body.validator.org", v.Org); err != nil {
			return err
		}
	case ProposalRegisterVerifier:
		if n := len(b.VerifierCert); n == 0 || n > MaxCertBytes {
			return invalid("body.verifier_cert", "length %d, want 1..%d", n, MaxCertBytes)
		}
	case ProposalRegisterCredentials:
		if len(b.Credentials) == 0 {
			return invalid("body.credentials", "missing for %s", b.Kind)
		}
	case ProposalScheduleUpgrade, ProposalCancelUpgrade:
		return b.validateUpgrade()
	default:
		return invalid("body.kind", "%d is not a proposal kind", b.Kind)
	}
	return nil
}
