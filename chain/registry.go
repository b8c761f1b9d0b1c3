package chain

import (
	"encoding/hex"
	"fmt"
)

// Type is a record type. Numbers are part of the consensus encoding: never
// renumber or reuse one. Each type's number is declared in its record file
// and listed in types.
type Type uint32

// Body is one record type: the type-specific part of a record. Everything
// about a type is in its own file, chain/record_<name>.go: its number, its
// struct and canonical encoding, its stateless rules, its state rule
// (Apply), what the store indexes
// it under, its fields for people and its name in Chinese and English. types
// lists the types; TestRegistry fails when a type lacks any part.
type Body interface {
	Type() Type
	// Name is the type's name in JSON, the API and the docs
	// (docs/encoding.md): snake_case, fixed once released.
	Name() string
	// Label names the type for people, in Chinese and in English: the
	// evidence report and the verification page print it.
	Label() (zh, en string)
	// Validate checks the stateless rules: sizes, formats, required fields.
	Validate() error
	// ContractID is the contract the record belongs to, "" if none.
	ContractID() string
	// IndexKeys is what else the store indexes the record under, and what
	// an evidence subject finds it by (evidence/subject.go); every record is
	// also indexed under its ContractID, its actor's certificate and its
	// block time.
	IndexKeys() IndexKeys
	// Fields is the body for people and API clients (RecordView.Body):
	// documented names, hashes in lower-case hex, certificates by
	// fingerprint. It is not signed or hashed, but clients read it, so a
	// released field keeps its name and form.
	Fields() map[string]any
	// Apply is the state rule (rules.go): it checks the record against v
	// and returns its state writes, in the order they must be made; a
	// rejection is a *TxError with the ABCI code. A StateView error panics
	// (see StateView).
	Apply(v StateView, c *RuleContext) (Effects, *TxError)
	encode(e *encoder)
	decode(d *decoder)
	actor() actorRule
}

// IndexKeys are the keys a record is found by, besides its ContractID and
// actor certificate. The store writes them in this order: Docs, Contracts,
// Certs.
type IndexKeys struct {
	Docs      [][]byte      // 32-byte hashes: documents (SM3 and SHA-256), reports, seals, identity commitments
	Contracts []string      // contracts other than ContractID
	Certs     []Fingerprint // certificates other than the actor's
}

// Attested is a record type that carries a verifier's signed statement (an
// intent or an identity check). It is an optional part: the chain checks
// the verifier's signature and registration for any body that implements
// it (app/verify.go), and the offline verifier puts the verifier's
// registration in the bundle and checks it (evidence).
type Attested interface {
	Body
	Attestation(chainID string) Attestation
}

// Attestation is a verifier's signed statement inside a record.
type Attestation struct {
	VerifierCert []byte // DER
	Sig          []byte
	Signed       []byte // the bytes the verifier signed
}

// registered is one registry line: the rules version that introduces the
// type, and a constructor of an empty body.
type registered struct {
	since uint32
	new   func() Body
}

// types is the registry: entry t is record type t. Adding a record type is
// its file plus one line here, naming the rules version that introduces it:
// a new type is a consensus change, since a binary without it refuses it as
// an unknown type (CodeUnknownType). Below that version the app answers for
// it exactly what such a binary answers (app/app.go, checkTx), so new and
// old binaries agree until the upgrade height (docs/architecture.md, Adding
// a record type). A retired number keeps its slot empty forever; a
// duplicate number does not compile.
func types() []registered {
	return []registered{
		TypeCertIssued:            {1, newOf[CertIssued]},
		TypeCertRevoked:           {1, newOf[CertRevoked]},
		TypeContractCreated:       {1, newOf[ContractCreated]},
		TypeIntentVerified:        {1, newOf[IntentVerified]},
		TypeContractSigned:        {1, newOf[ContractSigned]},
		TypeContractCompleted:     {1, newOf[ContractCompleted]},
		TypeProposal:              {1, newOf[Proposal]},
		TypeVote:                  {1, newOf[Vote]},
		TypeIdentityVerified:      {1, newOf[IdentityVerified]},
		TypeSealRegistered:        {1, newOf[SealRegistered]},
		TypeQueryLogged:           {1, newOf[QueryLogged]},
		TypeReportIssued:          {1, newOf[ReportIssued]},
		TypeAnchored:              {1, newOf[Anchored]},
		TypeContractSent:          {1, newOf[ContractSent]}, // 14-20: the signing workflow's
		TypeContractViewed:        {1, newOf[ContractViewed]},
		TypeContractDeclined:      {1, newOf[ContractDeclined]},
		TypeContractVoided:        {1, newOf[ContractVoided]},
		TypeContractReminded:      {1, newOf[ContractReminded]},
		TypeContractRenewed:       {1, newOf[ContractRenewed]},
		TypeContractExpired:       {1, newOf[ContractExpired]},
		TypeNotarizationApplied:   {CaseRulesVersion, newOf[NotarizationApplied]}, // 21-28: institution cases (case.go)
		TypeNotarizationWithdrawn: {CaseRulesVersion, newOf[NotarizationWithdrawn]},
		TypeNotarizationDecided:   {CaseRulesVersion, newOf[NotarizationDecided]},
		TypeNotarizationIssued:    {CaseRulesVersion, newOf[NotarizationIssued]},
		TypeAppraisalCommissioned: {CaseRulesVersion, newOf[AppraisalCommissioned]},
		TypeAppraisalWithdrawn:    {CaseRulesVersion, newOf[AppraisalWithdrawn]},
		TypeAppraisalDecided:      {CaseRulesVersion, newOf[AppraisalDecided]},
		TypeAppraisalIssued:       {CaseRulesVersion, newOf[AppraisalIssued]},
		TypeCaseFiled:             {RulesVersion4, newOf[CaseFiled]}, // 29-31: filed cases (filing.go)
		TypeCaseDocketed:          {RulesVersion4, newOf[CaseDocketed]},
		TypeCaseFilingWithdrawn:   {RulesVersion4, newOf[CaseFilingWithdrawn]},
		TypeTimestampIssued:       {RulesVersion4, newOf[TimestampIssued]},     // 32: the TSA's tokens (node/pki)
		TypeTimestampRequested:    {RulesVersion5, newOf[TimestampRequested]},  // 33: hashes committed to be stamped (B-LTA)
		TypeBatchIntentVerified:   {RulesVersion5, newOf[BatchIntentVerified]}, // 34: one intent check for several contracts (批量签署)
	}
}

// Since returns the rules version that introduced record type t, false if
// t is not registered.
func (t Type) Since() (uint32, bool) {
	ts := types()
	if uint64(t) >= uint64(len(ts)) || ts[t].new == nil {
		return 0, false
	}
	return ts[t].since, true
}

func newOf[T any, P interface {
	*T
	Body
}]() Body {
	return P(new(T))
}

// Types returns a new, empty body of every registered record type, in type
// number order.
func Types() []Body {
	var out []Body
	for _, r := range types() {
		if r.new != nil {
			out = append(out, r.new())
		}
	}
	return out
}

// newBody returns a new, empty body of type t, nil if t is not registered.
func newBody(t Type) Body {
	ts := types()
	if uint64(t) >= uint64(len(ts)) || ts[t].new == nil {
		return nil
	}
	return ts[t].new()
}

func (t Type) String() string {
	if b := newBody(t); b != nil {
		return b.Name()
	}
	return fmt.Sprintf("type(%d)", uint32(t))
}

func decodeBody(t Type, b []byte) (Body, error) {
	body := newBody(t)
	if body == nil {
		return nil, unknownType(t)
	}
	d := newDecoder(b, "body")
	body.decode(d)
	d.finish()
	if d.err != nil {
		return nil, d.err
	}
	return body, nil
}

func unknownType(t Type) error {
	return fieldErr("type", fmt.Errorf("%w: %d", ErrUnknownType, uint32(t)))
}

// EncodeBody returns the canonical bytes of a body alone.
func EncodeBody(b Body) []byte {
	var e encoder
	b.encode(&e)
	return e.b
}

// hexOf is how Fields shows hashes and signatures: lower-case hex.
func hexOf(p []byte) string { return hex.EncodeToString(p) }
