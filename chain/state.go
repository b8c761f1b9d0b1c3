package chain

import (
	"fmt"
	"slices"
	"time"
)

// Role is an organisation's role in the network.
type Role string

const (
	RoleCourt       Role = "court"
	RoleNotary      Role = "notary"
	RoleArbitration Role = "arbitration"
	RolePlatform    Role = "platform"
	// RoleAppraisal is a judicial appraisal institution (司法鉴定机构),
	// from rules version 3 (CaseRulesVersion; Role.Since).
	RoleAppraisal Role = "appraisal"
)

// ParseRole accepts the five roles by name.
func ParseRole(s string) (Role, error) {
	switch r := Role(s); r {
	case RoleCourt, RoleNotary, RoleArbitration, RolePlatform, RoleAppraisal:
		return r, nil
	}
	return "", fmt.Errorf("role %q: want court, notary, arbitration, appraisal or platform", s)
}

// Since is the rules version from which an organisation may have role r.
// Below it a binary refuses the role as an unknown one (code 5 at the
// role's field), and the app answers exactly that (app/app.go).
func (r Role) Since() uint32 {
	if r == RoleAppraisal {
		return CaseRulesVersion
	}
	return 1
}

// Org is a registered organisation: who it is, its role, and the CA whose
// certificates it vouches for.
//
//	message Org { string id = 1; string name = 2; string role = 3; bytes ca_cert = 4; uint64 weight = 5; }
type Org struct {
	ID     string
	Name   string
	Role   Role
	CACert []byte // DER
	Weight uint64 // governance vote weight
}

func (o *Org) encode(e *encoder) {
	e.string(1, o.ID)
	e.string(2, o.Name)
	e.string(3, string(o.Role))
	e.bytes(4, o.CACert)
	e.uint(5, o.Weight)
}

func (o *Org) decode(d *decoder) {
	o.ID = d.string(1, "id")
	o.Name = d.string(2, "name")
	o.Role = Role(d.string(3, "role"))
	o.CACert = d.bytes(4, "ca_cert")
	o.Weight = d.uint(5, "weight")
}

// Validate checks an org as it comes from genesis.
func (o *Org) Validate() error {
	if err := checkID("org.id", o.ID); err != nil {
		return err
	}
	if o.Name == "" || len(o.Name) > 256 {
		return invalid("org.name", "length %d, want 1..256", len(o.Name))
	}
	if _, err := ParseRole(string(o.Role)); err != nil {
		return invalid("org.role", "%v", err)
	}
	if n := len(o.CACert); n == 0 || n > MaxCertBytes {
		return invalid("org.ca_cert", "length %d, want 1..%d", n, MaxCertBytes)
	}
	if o.Weight == 0 {
		return invalid("org.weight", "must be positive")
	}
	return nil
}

// CertState is what the chain knows about a registered certificate.
//
//	message CertState {
//	  bytes  der        = 1;
//	  string org        = 2; // the org whose CA issued it
//	  uint64 issued_at  = 3; // log index of the cert-issued record, plus one; absent: registered by genesis
//	  int64  revoked_at = 4; // block time of revocation, unix nanoseconds; 0 if not revoked
//	  uint32 reason     = 5;
//	  uint64 revoked_in = 6; // log index of the cert-revoked record, plus one
//	}
type CertState struct {
	DER       []byte
	Org       string
	IssuedIn  uint64 // log index; IssuedAtGenesis for a genesis credential
	RevokedAt time.Time
	Reason    RevocationReason
	RevokedIn uint64 // log index; meaningful when Revoked()
}

// IssuedAtGenesis is CertState.IssuedIn of a certificate that genesis
// registered (an organisation's initial API credential): no record holds it,
// so issued_at is absent from the encoding.
const IssuedAtGenesis = ^uint64(0)

// AtGenesis reports whether genesis registered the certificate.
func (c *CertState) AtGenesis() bool { return c.IssuedIn == IssuedAtGenesis }

// Revoked reports whether the certificate has been revoked.
func (c *CertState) Revoked() bool { return !c.RevokedAt.IsZero() }

// RevokedBy reports whether the certificate was revoked at or before t.
func (c *CertState) RevokedBy(t time.Time) bool { return c.Revoked() && !c.RevokedAt.After(t) }

func (c *CertState) encode(e *encoder) {
	e.bytes(1, c.DER)
	e.string(2, c.Org)
	e.uint(3, c.IssuedIn+1)
	if c.Revoked() {
		e.int(4, c.RevokedAt.UnixNano())
		e.uint(5, uint64(c.Reason))
		e.uint(6, c.RevokedIn+1)
	}
}

func (c *CertState) decode(d *decoder) {
	c.DER = d.bytes(1, "der")
	c.Org = d.string(2, "org")
	c.IssuedIn = d.uint(3, "issued_at") - 1
	if ns := d.int(4, "revoked_at"); ns != 0 {
		c.RevokedAt = time.Unix(0, ns).UTC()
	}
	c.Reason = RevocationReason(d.uint32(5, "reason"))
	c.RevokedIn = d.uint(6, "revoked_in") - 1
}

// ContractStatus is where a contract is in its life.
type ContractStatus uint32

const (
	StatusOpen      ContractStatus = 1 // waiting for signatures
	StatusSigned    ContractStatus = 2 // every party signed; waiting for completion
	StatusCompleted ContractStatus = 3
	StatusDeclined  ContractStatus = 4 // a party declined (contract_declined)
	StatusVoided    ContractStatus = 5 // withdrawn by the platform (contract_voided)
	StatusExpired   ContractStatus = 6 // deadline passed before every party signed (contract_expired)
)

func (s ContractStatus) String() string {
	switch s {
	case StatusOpen:
		return "open"
	case StatusSigned:
		return "signed"
	case StatusCompleted:
		return "completed"
	case StatusDeclined:
		return "declined"
	case StatusVoided:
		return "voided"
	case StatusExpired:
		return "expired"
	}
	return fmt.Sprintf("status(%d)", uint32(s))
}

// ContractState is the mutable state of a contract.
//
//	message ContractState {
//	  string id = 1; string org = 2; bytes doc_sm3 = 3; repeated bytes parties = 4;
//	  uint32 order = 5; int64 deadline = 6; uint32 status = 7;
//	  bytes signed = 8;  // one byte per party: 1 when signed
//	  bytes intent = 9;  // one byte per party: 1 when intent verified
//	  uint64 created_in = 10; // log index plus one
//	  uint64 sent_in = 11;    // log index of contract_sent plus one; absent if not sent
//	  bytes viewed = 12;      // one byte per party: 1 when viewed; absent if none
//	  string renewed_from = 13; // the contract this one renews (contract_renewed)
//	}
//
// Fields 11-13 are written only when set, so contracts that never use the
// workflow records encode exactly as before.
type ContractState struct {
	ID        string
	Org       string
	DocSM3    []byte
	Parties   []Fingerprint
	Order     SigningOrder
	Deadline  int64
	Status    ContractStatus
	Signed    []bool
	Intent    []bool
	CreatedIn uint64
	// Sent, SentIn: a contract_sent record was committed at log index SentIn.
	Sent   bool
	SentIn uint64
	// Viewed is nil until a party viewed; then one flag per party.
	Viewed      []bool
	RenewedFrom string
}

func flags(bs []bool) []byte {
	out := make([]byte, len(bs))
	for i, b := range bs {
		if b {
			out[i] = 1
		}
	}
	return out
}

func (c *ContractState) encode(e *encoder) {
	e.string(1, c.ID)
	e.string(2, c.Org)
	e.bytes(3, c.DocSM3)
	for _, p := range c.Parties {
		e.element(4, p[:])
	}
	e.uint(5, uint64(c.Order))
	e.int(6, c.Deadline)
	e.uint(7, uint64(c.Status))
	e.element(8, flags(c.Signed))
	e.element(9, flags(c.Intent))
	e.uint(10, c.CreatedIn+1)
	if c.Sent {
		e.uint(11, c.SentIn+1)
	}
	if slices.Contains(c.Viewed, true) {
		e.element(12, flags(c.Viewed))
	}
	e.string(13, c.RenewedFrom)
}

func (c *ContractState) decode(d *decoder) {
	c.ID = d.string(1, "id")
	c.Org = d.string(2, "org")
	c.DocSM3 = d.bytes(3, "doc_sm3")
	for _, p := range d.elements(4, "parties", MaxParties) {
		if len(p) == fingerprintBytes {
			c.Parties = append(c.Parties, Fingerprint(p))
		}
	}
	c.Order = SigningOrder(d.uint32(5, "order"))
	c.Deadline = d.int(6, "deadline")
	c.Status = ContractStatus(d.uint32(7, "status"))
	for _, f := range d.elements(8, "signed", 1) {
		for _, b := range f {
			c.Signed = append(c.Signed, b == 1)
		}
	}
	for _, f := range d.elements(9, "intent", 1) {
		for _, b := range f {
			c.Intent = append(c.Intent, b == 1)
		}
	}
	c.CreatedIn = d.uint(10, "created_in") - 1
	if in := d.uint(11, "sent_in"); in != 0 {
		c.Sent, c.SentIn = true, in-1
	}
	for _, f := range d.elements(12, "viewed", 1) {
		for _, b := range f {
			c.Viewed = append(c.Viewed, b == 1)
		}
	}
	c.RenewedFrom = d.string(13, "renewed_from")
}

// ViewedBy reports whether party i viewed the contract.
func (c *ContractState) ViewedBy(i int) bool { return i < len(c.Viewed) && c.Viewed[i] }

// AllSigned reports whether every party has signed.
func (c *ContractState) AllSigned() bool {
	for _, s := range c.Signed {
		if !s {
			return false
		}
	}
	return len(c.Signed) > 0
}

// StateValue is a value the store keeps under a state key: Org, CertState,
// ContractState, the governance, identity, seal and anchor states, Params and
// Checkpoint. Its methods are unexported, so only this package's types
// implement it: the encoding of state is chain's, the store (chain/store)
// only places the bytes under its keys. The bytes are hashed into the state
// root, so they must not change for a given value.
type StateValue interface {
	encode(*encoder)
	decode(*decoder)
}

// EncodeState returns the canonical encoding of a state value, the bytes the
// store writes and folds into the state root.
func EncodeState(v StateValue) []byte {
	var e encoder
	v.encode(&e)
	return e.b
}

// DecodeState decodes a stored state value into v; what names it in the
// error, which says the stored value is corrupt.
func DecodeState(b []byte, v StateValue, what string) error {
	d := newDecoder(b, what)
	v.decode(d)
	d.finish()
	if d.err != nil {
		return fmt.Errorf("stored %s is corrupt: %w", what, d.err)
	}
	return nil
}
