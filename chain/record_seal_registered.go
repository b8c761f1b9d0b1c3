package chain

// SealKind mirrors GB/T 38540's seal type.
type SealKind uint32

const (
	SealOrganization SealKind = 1 // 单位印章
	SealPersonal     SealKind = 2 // 个人印章
)

// SealRegistered registers an electronic seal (a GB/T 38540 SESeal made and
// signed by the organisation's CA) by its SM3 hash. The seal itself, with its
// image and name, stays off chain. Owner, when set, is the one certificate
// allowed to sign with the seal (a personal seal); an organisation seal may
// be used by any party certificate the organisation registered.
//
//	message SealRegistered {
//	  bytes  seal       = 1; // 32 bytes: SM3 of the SESeal DER
//	  uint32 kind       = 2; // SealKind
//	  bytes  owner      = 3; // optional: certificate fingerprint
//	  int64  valid_from = 4; // unix seconds
//	  int64  valid_to   = 5; // unix seconds
//	}
type SealRegistered struct {
	Seal      []byte
	Kind      SealKind
	Owner     Fingerprint
	ValidFrom int64
	ValidTo   int64
}

// TypeSealRegistered is seal_registered's record type number.
const TypeSealRegistered Type = 10

func (*SealRegistered) Type() Type         { return TypeSealRegistered }
func (*SealRegistered) ContractID() string { return "" }
func (*SealRegistered) actor() actorRule   { return actorNone }

func (*SealRegistered) Name() string           { return "seal_registered" }
func (*SealRegistered) Label() (zh, en string) { return "印章登记", "Seal registered" }

func (b *SealRegistered) IndexKeys() IndexKeys {
	k := IndexKeys{Docs: [][]byte{b.Seal}}
	if !b.Owner.IsZero() {
		k.Certs = []Fingerprint{b.Owner}
	}
	return k
}

func (b *SealRegistered) Fields() map[string]any {
	m := map[string]any{"seal": hexOf(b.Seal), "kind": map[SealKind]string{SealOrganization: "organisation", SealPersonal: "personal"}[b.Kind],
		"valid_from": b.ValidFrom, "valid_to": b.ValidTo}
	if !b.Owner.IsZero() {
		m["owner"] = b.Owner.String()
	}
	return m
}

func (b *SealRegistered) encode(e *encoder) {
	e.bytes(1, b.Seal)
	e.uint(2, uint64(b.Kind))
	if !b.Owner.IsZero() {
		e.bytes(3, b.Owner[:])
	}
	e.int(4, b.ValidFrom)
	e.int(5, b.ValidTo)
}

func (b *SealRegistered) decode(d *decoder) {
	b.Seal = d.bytes(1, "seal")
	b.Kind = SealKind(d.uint32(2, "kind"))
	copy(b.Owner[:], d.fixed(3, "owner", fingerprintBytes))
	b.ValidFrom = d.int(4, "valid_from")
	b.ValidTo = d.int(5, "valid_to")
}

func (b *SealRegistered) Validate() error {
	if err := checkHash("body.seal", b.Seal, true); err != nil {
		return err
	}
	if b.Kind != SealOrganization && b.Kind != SealPersonal {
		return invalid("body.kind", "%d, want 1 (organisation) or 2 (personal)", b.Kind)
	}
	if b.Kind == SealPersonal && b.Owner.IsZero() {
		return invalid("body.owner", "a personal seal names its owner's certificate")
	}
	if b.ValidFrom <= 0 || b.ValidTo <= b.ValidFrom {
		return invalid("body.valid_to", "validity %d..%d is empty", b.ValidFrom, b.ValidTo)
	}
	return nil
}

// SealState is a registered seal.
//
//	message SealState { string org = 1; uint32 kind = 2; bytes owner = 3; int64 valid_from = 4; int64 valid_to = 5; uint64 registered_in = 6; }
type SealState struct {
	Org          string
	Kind         SealKind
	Owner        Fingerprint
	ValidFrom    int64
	ValidTo      int64
	RegisteredIn uint64
}

func (s *SealState) encode(e *encoder) {
	e.string(1, s.Org)
	e.uint(2, uint64(s.Kind))
	if !s.Owner.IsZero() {
		e.bytes(3, s.Owner[:])
	}
	e.int(4, s.ValidFrom)
	e.int(5, s.ValidTo)
	e.uint(6, s.RegisteredIn+1)
}

func (s *SealState) decode(d *decoder) {
	s.Org = d.string(1, "org")
	s.Kind = SealKind(d.uint32(2, "kind"))
	copy(s.Owner[:], d.fixed(3, "owner", fingerprintBytes))
	s.ValidFrom = d.int(4, "valid_from")
	s.ValidTo = d.int(5, "valid_to")
	s.RegisteredIn = d.uint(6, "registered_in") - 1
}
