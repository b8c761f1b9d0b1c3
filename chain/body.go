package chain

import (
	"errors"
	"fmt"
)

// Type is a record type. Numbers are part of the consensus encoding: never
// renumber or reuse one.
type Type uint32

const (
	TypeCertIssued        Type = 1
	TypeCertRevoked       Type = 2
	TypeContractCreated   Type = 3
	TypeIntentVerified    Type = 4
	TypeContractSigned    Type = 5
	TypeContractCompleted Type = 6
	TypeProposal          Type = 7
	TypeVote              Type = 8
	TypeIdentityVerified  Type = 9
	TypeSealRegistered    Type = 10
	TypeQueryLogged       Type = 11
	TypeReportIssued      Type = 12
	TypeAnchored          Type = 13
	// 14-20 are the signing workflow's.
	TypeContractSent     Type = 14
	TypeContractViewed   Type = 15
	TypeContractDeclined Type = 16
	TypeContractVoided   Type = 17
	TypeContractReminded Type = 18
	TypeContractRenewed  Type = 19
	TypeContractExpired  Type = 20
)

func (t Type) String() string {
	switch t {
	case TypeCertIssued:
		return "cert_issued"
	case TypeCertRevoked:
		return "cert_revoked"
	case TypeContractCreated:
		return "contract_created"
	case TypeIntentVerified:
		return "intent_verified"
	case TypeContractSigned:
		return "contract_signed"
	case TypeContractCompleted:
		return "contract_completed"
	case TypeProposal:
		return "proposal"
	case TypeVote:
		return "vote"
	case TypeIdentityVerified:
		return "identity_verified"
	case TypeSealRegistered:
		return "seal_registered"
	case TypeQueryLogged:
		return "query_logged"
	case TypeReportIssued:
		return "report_issued"
	case TypeAnchored:
		return "anchored"
	case TypeContractSent:
		return "contract_sent"
	case TypeContractViewed:
		return "contract_viewed"
	case TypeContractDeclined:
		return "contract_declined"
	case TypeContractVoided:
		return "contract_voided"
	case TypeContractReminded:
		return "contract_reminded"
	case TypeContractRenewed:
		return "contract_renewed"
	case TypeContractExpired:
		return "contract_expired"
	}
	return fmt.Sprintf("type(%d)", uint32(t))
}

// Body is the type-specific part of a record. Each type lives in its own
// file (record_*.go) with its struct, encoding and stateless rules; adding a
// type is that file plus one line in decodeBody.
type Body interface {
	Type() Type
	// Validate checks the stateless rules: sizes, formats, required fields.
	Validate() error
	// ContractID is the contract the record belongs to, "" if none.
	ContractID() string
	encode(e *encoder)
	decode(d *decoder)
	actor() actorRule
}

type actorRule int

const (
	actorNone     actorRule = iota // no person acts: the envelope is the only signature
	actorRequired                  // a certificate holder signs ActorSignBytes
)

// ErrTooLarge means an input exceeds a size limit.
var ErrTooLarge = errors.New("too large")

// ErrUnknownType means the record type is not one this code knows.
var ErrUnknownType = errors.New("unknown record type")

func newBody(t Type) Body {
	switch t {
	case TypeCertIssued:
		return &CertIssued{}
	case TypeCertRevoked:
		return &CertRevoked{}
	case TypeContractCreated:
		return &ContractCreated{}
	case TypeIntentVerified:
		return &IntentVerified{}
	case TypeContractSigned:
		return &ContractSigned{}
	case TypeContractCompleted:
		return &ContractCompleted{}
	case TypeProposal:
		return &Proposal{}
	case TypeVote:
		return &Vote{}
	case TypeIdentityVerified:
		return &IdentityVerified{}
	case TypeSealRegistered:
		return &SealRegistered{}
	case TypeQueryLogged:
		return &QueryLogged{}
	case TypeReportIssued:
		return &ReportIssued{}
	case TypeAnchored:
		return &Anchored{}
	case TypeContractSent:
		return &ContractSent{}
	case TypeContractViewed:
		return &ContractViewed{}
	case TypeContractDeclined:
		return &ContractDeclined{}
	case TypeContractVoided:
		return &ContractVoided{}
	case TypeContractReminded:
		return &ContractReminded{}
	case TypeContractRenewed:
		return &ContractRenewed{}
	case TypeContractExpired:
		return &ContractExpired{}
	}
	return nil
}

func decodeBody(t Type, b []byte) (Body, error) {
	body := newBody(t)
	if body == nil {
		return nil, fieldErr("type", fmt.Errorf("%w: %d", ErrUnknownType, uint32(t)))
	}
	d := newDecoder(b, "body")
	body.decode(d)
	d.finish()
	if d.err != nil {
		return nil, d.err
	}
	return body, nil
}

// EncodeBody returns the canonical bytes of a body alone.
func EncodeBody(b Body) []byte {
	var e encoder
	b.encode(&e)
	return e.b
}

// checkID validates identifiers (chain ids, org ids, contract ids): 1 to
// MaxIDBytes of [A-Za-z0-9._:-], starting with a letter or digit. They appear
// in URLs and file names, so nothing else is allowed.
func checkID(field, s string) error {
	if s == "" {
		return invalid(field, "missing")
	}
	if len(s) > MaxIDBytes {
		return invalid(field, "%d bytes exceeds %d", len(s), MaxIDBytes)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if !alnum && (i == 0 || c != '.' && c != '_' && c != ':' && c != '-') {
			return invalid(field, "%q: use [A-Za-z0-9._:-], starting with a letter or digit", s)
		}
	}
	return nil
}

// ValidateID applies the identifier rules to s, naming field in the error.
func ValidateID(field, s string) error { return checkID(field, s) }

func checkHash(field string, h []byte, required bool) error {
	if len(h) == 0 {
		if required {
			return invalid(field, "missing")
		}
		return nil
	}
	if len(h) != hashBytes {
		return invalid(field, "length %d, want %d", len(h), hashBytes)
	}
	return nil
}
