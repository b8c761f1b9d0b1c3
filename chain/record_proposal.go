package chain

import (
	"errors"
	"fmt"
	"time"

	"github.com/emmansun/gmsm/smx509"

	"github.com/sealchain/sealchain/signer"
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

// Governance: an organisation proposes a change (register an org or
// credentials, set a validator's power, register an intent verifier,
// schedule or cancel a rules upgrade) and organisations vote. The
// proposer's vote counts yes. A proposal passes in the block where the yes
// weight exceeds 2/3 of the total org weight, and takes effect in that
// block (a validator change through FinalizeBlock's validator updates,
// which CometBFT applies two heights later: the app reads ValidatorWrite
// effects for them). It is rejected once that can no longer happen.

// Apply records a new proposal: a new id, an expiry after the block time,
// and a change that applies to the current state; the proposer's yes may
// already pass it (tally).
func (b *Proposal) Apply(v StateView, c *RuleContext) (Effects, *TxError) {
	_, exists, err := v.Proposal(b.ID)
	must(err)
	if exists {
		return nil, Reject(CodeDuplicate, "body.proposal_id", "proposal %q already exists", b.ID)
	}
	if b.Expires != 0 && c.Time.Unix() >= b.Expires {
		return nil, Reject(CodeDeadlinePassed, "body.expires", "expiry is not after the block time %s", c.Time.Format(time.RFC3339))
	}
	if terr := checkEffect(v, c, b, "body."); terr != nil {
		return nil, terr
	}
	ps := &ProposalState{Proposal: b, Proposer: c.Org, Yes: []string{c.Org}, Status: ProposalOpen, CreatedIn: c.Next}
	return tally(v, c, ps), nil
}

// ProposalWrite writes a proposal's state. Refused, when set, says why a
// proposal that passed could not take effect (the state moved on since it
// was made); the app logs it.
type ProposalWrite struct {
	State   *ProposalState
	Refused *TxError
}

// OrgWrite registers an organisation.
type OrgWrite struct{ Org *Org }

// ValidatorWrite sets a validator's power (0 removes it). The app also
// reports it to CometBFT as a validator update.
type ValidatorWrite struct{ Validator *ValidatorState }

// VerifierWrite registers an intent verifier.
type VerifierWrite struct {
	FP    Fingerprint
	State *VerifierState
}

// UpgradePlanWrite schedules a rules upgrade; a nil Plan cancels the
// scheduled one.
type UpgradePlanWrite struct{ Plan *PendingUpgrade }

func (e ProposalWrite) applyTo(w StateWriter) error  { return w.PutProposal(e.State) }
func (e OrgWrite) applyTo(w StateWriter) error       { return w.PutOrg(e.Org) }
func (e ValidatorWrite) applyTo(w StateWriter) error { return w.PutValidator(e.Validator) }
func (e VerifierWrite) applyTo(w StateWriter) error  { return w.PutVerifier(e.FP, e.State) }
func (e UpgradePlanWrite) applyTo(w StateWriter) error {
	if e.Plan == nil {
		return w.DeleteUpgradePlan()
	}
	return w.PutUpgradePlan(e.Plan)
}

// tally decides ps if the votes allow, and returns the writes: a passed
// proposal's change first, then the proposal's state.
func tally(v StateView, c *RuleContext, ps *ProposalState) Effects {
	orgs, err := v.Orgs()
	must(err)
	var total, yes, no uint64
	for _, o := range orgs {
		total += o.Weight
		for _, y := range ps.Yes {
			if y == o.ID {
				yes += o.Weight
			}
		}
		for _, n := range ps.No {
			if n == o.ID {
				no += o.Weight
			}
		}
	}
	var out Effects
	var refused *TxError
	switch {
	case 3*yes > 2*total:
		if terr := checkEffect(v, c, ps.Proposal, "proposal."); terr != nil {
			// The state moved on since the proposal was made (say, another
			// proposal registered the same org): it cannot take effect.
			ps.Status, refused = ProposalRejected, terr
		} else {
			ps.Status = ProposalPassed
			out = applyEffect(v, c, ps.Proposal)
		}
		ps.DecidedHeight = c.Height
	case 3*(total-no) <= 2*total:
		ps.Status = ProposalRejected
		ps.DecidedHeight = c.Height
	}
	return append(out, ProposalWrite{State: ps, Refused: refused})
}

// checkEffect checks that a proposal's change can be applied to the current
// state; it runs when the proposal is made and again when it passes.
func checkEffect(v StateView, c *RuleContext, p *Proposal, prefix string) *TxError {
	switch p.Kind {
	case ProposalRegisterOrg:
		_, exists, err := v.Org(p.Org.ID)
		must(err)
		if exists {
			return Reject(CodeDuplicate, prefix+"org.id", "organisation %q is already registered", p.Org.ID)
		}
		ca, _, terr := c.Certs.Parse(p.Org.CACert, prefix+"org.ca_cert")
		if terr != nil {
			return terr
		}
		if !ca.IsCA || ca.CheckSignatureFrom(ca) != nil {
			return Reject(CodeBadCert, prefix+"org.ca_cert", "not a self-signed CA certificate")
		}
		if terr := distinctCA(v, c.Certs, ca, prefix+"org.ca_cert"); terr != nil {
			return terr
		}
		if terr := checkCredentials(v, c.Certs, p.Credentials, ca, prefix); terr != nil {
			return terr
		}
	case ProposalRegisterCredentials:
		if _, terr := credentialsOrg(v, c.Certs, p.Credentials, prefix); terr != nil {
			return terr
		}
	case ProposalSetValidator:
		val := p.Validator
		_, ok, err := v.Org(val.Org)
		must(err)
		if !ok {
			return Reject(CodeUnknownOrg, prefix+"validator.org", "organisation %q is not registered", val.Org)
		}
		vals, err := v.Validators()
		must(err)
		var total int64
		found := false
		for _, cur := range vals {
			if string(cur.PubKey) == string(val.PubKey) {
				found = true
				continue
			}
			total += cur.Power
		}
		if val.Power == 0 && !found {
			return Reject(CodeBadValidator, prefix+"validator.pub_key", "no validator with this key to remove")
		}
		if total+val.Power == 0 {
			return Reject(CodeBadValidator, prefix+"validator.power", "the change would leave no validator")
		}
	case ProposalRegisterVerifier:
		cert, fp, terr := c.Certs.Parse(p.VerifierCert, prefix+"verifier_cert")
		if terr != nil {
			return terr
		}
		_, exists, err := v.Verifier(fp)
		must(err)
		if exists {
			return Reject(CodeDuplicate, prefix+"verifier_cert", "verifier %s is already registered", fp)
		}
		if terr := HasUsage(cert, signer.UsageIntentVerifier, prefix+"verifier_cert"); terr != nil {
			return terr
		}
		if _, _, terr := VerifierOrg(v, c.Certs, cert, fp, prefix+"verifier_cert"); terr != nil {
			return terr
		}
	case ProposalScheduleUpgrade, ProposalCancelUpgrade:
		return checkUpgrade(v, c, p, prefix)
	}
	return nil
}

// applyEffect is a passed proposal's change; checkEffect held on the same
// state.
func applyEffect(v StateView, c *RuleContext, p *Proposal) Effects {
	switch p.Kind {
	case ProposalRegisterOrg:
		out := Effects{OrgWrite{p.Org}}
		for _, der := range p.Credentials {
			// Issued in the record that passed the proposal.
			out = append(out, CertWrite{FingerprintOf(der), &CertState{DER: der, Org: p.Org.ID, IssuedIn: c.Next}})
		}
		return out
	case ProposalRegisterCredentials:
		org, terr := credentialsOrg(v, c.Certs, p.Credentials, "")
		if terr != nil {
			panic(terr) // checkEffect passed on the same state
		}
		var out Effects
		for _, der := range p.Credentials {
			out = append(out, CertWrite{FingerprintOf(der), &CertState{DER: der, Org: org.ID, IssuedIn: c.Next}})
		}
		return out
	case ProposalSetValidator:
		return Effects{ValidatorWrite{p.Validator}}
	case ProposalRegisterVerifier:
		cert, fp, _ := c.Certs.Parse(p.VerifierCert, "")
		org, _, terr := VerifierOrg(v, c.Certs, cert, fp, "")
		if terr != nil {
			panic(terr) // checkEffect passed on the same state
		}
		return Effects{VerifierWrite{fp, &VerifierState{Cert: p.VerifierCert, Org: org.ID, RegisteredIn: c.Next + 1}}}
	case ProposalScheduleUpgrade:
		return Effects{UpgradePlanWrite{&PendingUpgrade{Plan: *p.Upgrade, Proposal: p.ID, DecidedHeight: c.Height}}}
	case ProposalCancelUpgrade:
		return Effects{UpgradePlanWrite{nil}}
	}
	return nil
}

// checkUpgrade is checkEffect for the upgrade proposals: a schedule_upgrade
// needs no plan pending (one plan at a time: a second is refused, not
// swapped in, so the binary operators prepared for is never replaced
// without a cancel_upgrade they can see), a version above the one in force
// and a height at least MinUpgradeDelay above this block. A cancel_upgrade
// must name the pending plan exactly. Whether a binary supports the
// version plays no part: the rules must be the same in every binary.
func checkUpgrade(v StateView, c *RuleContext, p *Proposal, prefix string) *TxError {
	plan, pending, err := v.UpgradePlan()
	must(err)
	u := p.Upgrade
	if p.Kind == ProposalCancelUpgrade {
		if !pending {
			return Reject(CodeNoUpgradePlan, prefix+"upgrade", "no upgrade plan is scheduled")
		}
		if plan.Plan != *u {
			return Reject(CodeNoUpgradePlan, prefix+"upgrade", "the scheduled plan is %s, not %s", &plan.Plan, u)
		}
		return nil
	}
	if pending {
		return Reject(CodeUpgradePending, prefix+"upgrade", "upgrade plan %s is already scheduled (proposal %q): cancel it first", &plan.Plan, plan.Proposal)
	}
	active, err := v.RulesVersionAt(c.Height)
	must(err)
	if u.Version <= active {
		return Reject(CodeUpgradeVersion, prefix+"upgrade.version", "%d, the rules version in force is %d", u.Version, active)
	}
	if min := c.Height + MinUpgradeDelay; u.Height < min {
		return Reject(CodeUpgradeHeight, prefix+"upgrade.height", "%d, want at least %d (this height plus %d)", u.Height, min, MinUpgradeDelay)
	}
	return nil
}

// checkCredentials checks a proposal's credentials: each issued by ca, not a
// CA, submitter usage only, without identity, not registered yet, distinct.
func checkCredentials(v StateView, certs CertChecker, creds [][]byte, ca *smx509.Certificate, prefix string) *TxError {
	seen := map[Fingerprint]bool{}
	for i, der := range creds {
		field := fmt.Sprintf("%scredentials[%d]", prefix, i)
		c, fp, terr := certs.Parse(der, field)
		if terr != nil {
			return terr
		}
		if c.IsCA {
			return Reject(CodeCredentialShape, field, "a CA certificate is not a credential")
		}
		if terr := certs.IssuedBy(c, fp, ca, field); terr != nil {
			return terr
		}
		if terr := CheckCredentialRegistration(c, nil, field); terr != nil {
			return terr
		}
		_, exists, err := v.Cert(fp)
		must(err)
		if exists || seen[fp] {
			return Reject(CodeDuplicate, field, "certificate %s is already registered", fp)
		}
		seen[fp] = true
	}
	return nil
}

// distinctCA refuses a CA whose subject name or key is already a registered
// org's CA's. Certificates name their issuer by subject, and every lookup
// from a certificate to its org (VerifierOrg, the node's request
// authentication) takes the org whose CA subject matches: a second org with
// the same subject could never be found. Genesis refuses the same
// (ParseGenesisState), so subjects are unique on every chain.
func distinctCA(v StateView, certs CertChecker, ca *smx509.Certificate, field string) *TxError {
	orgs, err := v.Orgs()
	must(err)
	for _, o := range orgs {
		other, _, terr := certs.Parse(o.CACert, "org.ca_cert")
		if terr != nil {
			continue
		}
		if string(other.RawSubject) == string(ca.RawSubject) {
			return Reject(CodeDuplicate, field, "subject %q is already the CA subject of organisation %q", ca.Subject, o.ID)
		}
		if string(other.RawSubjectPublicKeyInfo) == string(ca.RawSubjectPublicKeyInfo) {
			return Reject(CodeDuplicate, field, "the CA key is already organisation %q's CA key", o.ID)
		}
	}
	return nil
}

// credentialsOrg finds the registered org whose CA issued the first
// credential and checks every credential against that CA.
func credentialsOrg(v StateView, certs CertChecker, creds [][]byte, prefix string) (*Org, *TxError) {
	field := prefix + "credentials[0]"
	c, fp, terr := certs.Parse(creds[0], field)
	if terr != nil {
		return nil, terr
	}
	org, ca, terr := VerifierOrg(v, certs, c, fp, field)
	if terr != nil {
		return nil, terr
	}
	return org, checkCredentials(v, certs, creds, ca, prefix)
}

// VerifierOrg finds the registered org whose CA issued c (a verifier or
// credential certificate), and checks that CA's signature on it. The first
// subject match is the only one (distinctCA).
func VerifierOrg(v StateView, certs CertChecker, c *smx509.Certificate, fp Fingerprint, field string) (*Org, *smx509.Certificate, *TxError) {
	orgs, err := v.Orgs()
	must(err)
	for _, o := range orgs {
		ca, _, terr := certs.Parse(o.CACert, "org.ca_cert")
		if terr == nil && string(ca.RawSubject) == string(c.RawIssuer) {
			if terr := certs.IssuedBy(c, fp, ca, field); terr != nil {
				return nil, nil, terr
			}
			return o, ca, nil
		}
	}
	return nil, nil, Reject(CodeCertIssuer, field, "issuer %q is not a registered organisation's CA", c.Issuer)
}
