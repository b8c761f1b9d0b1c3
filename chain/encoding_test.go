package chain

import (
	"bytes"
	"errors"
	"math"
	"reflect"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
)

func TestEncoderPrimitives(t *testing.T) {
	tests := []struct {
		name string
		fn   func(*encoder)
		want []byte
	}{
		{"uint zero omitted", func(e *encoder) { e.uint(1, 0) }, nil},
		{"uint one", func(e *encoder) { e.uint(1, 1) }, []byte{0x08, 0x01}},
		{"uint 300", func(e *encoder) { e.uint(2, 300) }, []byte{0x10, 0xac, 0x02}},
		{"uint max", func(e *encoder) { e.uint(1, math.MaxUint64) },
			[]byte{0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}},
		{"int negative is two's complement", func(e *encoder) { e.int(1, -1) },
			[]byte{0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}},
		{"int zero omitted", func(e *encoder) { e.int(3, 0) }, nil},
		{"bytes empty omitted", func(e *encoder) { e.bytes(1, []byte{}) }, nil},
		{"bytes nil omitted", func(e *encoder) { e.bytes(1, nil) }, nil},
		{"bytes", func(e *encoder) { e.bytes(2, []byte{0xaa, 0xbb}) }, []byte{0x12, 0x02, 0xaa, 0xbb}},
		{"string empty omitted", func(e *encoder) { e.string(1, "") }, nil},
		{"string", func(e *encoder) { e.string(1, "hi") }, []byte{0x0a, 0x02, 'h', 'i'}},
		{"element empty written", func(e *encoder) { e.element(4, nil) }, []byte{0x22, 0x00}},
		{"elements keep order", func(e *encoder) { e.element(4, []byte{2}); e.element(4, []byte{1}) },
			[]byte{0x22, 0x01, 0x02, 0x22, 0x01, 0x01}},
		{"message empty omitted", func(e *encoder) { e.message(6, func(*encoder) {}) }, nil},
		{"message of zero fields omitted", func(e *encoder) { e.message(6, func(e *encoder) { e.uint(1, 0) }) }, nil},
		{"message", func(e *encoder) { e.message(6, func(e *encoder) { e.uint(1, 5) }) }, []byte{0x32, 0x02, 0x08, 0x05}},
		{"field 16 has a two-byte tag", func(e *encoder) { e.uint(16, 1) }, []byte{0x80, 0x01, 0x01}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e encoder
			tt.fn(&e)
			if !bytes.Equal(e.b, tt.want) {
				t.Errorf("got %x, want %x", e.b, tt.want)
			}
		})
	}
}

// testMsg is a message exercising every decoder primitive:
//
//	message { uint64 a = 1; uint32 b = 2; bytes c = 3; repeated bytes d = 4; Sub e = 5; bytes f = 6 (fixed 4); }
//	message Sub { string x = 1; }
type testMsg struct {
	A uint64
	B uint32
	C []byte
	D [][]byte
	E string
	F []byte
}

func decodeTestMsg(b []byte) (*testMsg, error) {
	m := &testMsg{}
	d := newDecoder(b, "m")
	m.A = d.uint(1, "a")
	m.B = d.uint32(2, "b")
	m.C = d.bytes(3, "c")
	m.D = d.elements(4, "d", 3)
	d.message(5, "e", func(d *decoder) { m.E = d.string(1, "x") })
	m.F = d.fixed(6, "f", 4)
	d.finish()
	return m, d.err
}

func TestDecoderPrimitives(t *testing.T) {
	tag := func(n protowire.Number, typ protowire.Type) []byte { return protowire.AppendTag(nil, n, typ) }
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	vi := func(n protowire.Number, v uint64) []byte {
		return protowire.AppendVarint(tag(n, protowire.VarintType), v)
	}
	by := func(n protowire.Number, v []byte) []byte {
		return protowire.AppendBytes(tag(n, protowire.BytesType), v)
	}
	tests := []struct {
		name  string
		in    []byte
		want  *testMsg // nil when an error is expected
		class error
		field string
	}{
		{name: "empty", in: nil, want: &testMsg{}},
		{name: "all fields", in: cat(vi(1, 7), vi(2, 9), by(3, []byte("c")), by(4, []byte("d1")), by(4, nil),
			by(5, by(1, []byte("x"))), by(6, []byte("ffff"))),
			want: &testMsg{A: 7, B: 9, C: []byte("c"), D: [][]byte{[]byte("d1"), {}}, E: "x", F: []byte("ffff")}},
		{name: "uint64 max", in: vi(1, math.MaxUint64), want: &testMsg{A: math.MaxUint64}},
		{name: "uint32 max", in: vi(2, math.MaxUint32), want: &testMsg{B: math.MaxUint32}},
		{name: "uint32 overflow", in: vi(2, math.MaxUint32+1), class: ErrMalformed, field: "m.b"},
		{name: "zero varint encoded", in: vi(1, 0), class: ErrMalformed, field: "m.a"},
		{name: "empty bytes encoded", in: by(3, nil), class: ErrMalformed, field: "m.c"},
		{name: "empty message encoded", in: by(5, nil), class: ErrMalformed, field: "m.e"},
		{name: "empty string in message", in: by(5, by(1, nil)), class: ErrMalformed, field: "m.e.x"},
		{name: "unknown field in message", in: by(5, vi(2, 1)), class: ErrMalformed, field: "m.e.2"},
		{name: "non-minimal varint", in: cat(tag(1, protowire.VarintType), []byte{0x81, 0x00}), class: ErrMalformed, field: "m.a"},
		{name: "varint of 11 bytes", in: cat(tag(1, protowire.VarintType), bytes.Repeat([]byte{0xff}, 10), []byte{1}),
			class: ErrMalformed, field: "m.a"},
		{name: "non-minimal length", in: cat(tag(3, protowire.BytesType), []byte{0x81, 0x00, 'c'}), class: ErrMalformed, field: "m.c"},
		{name: "length past end", in: cat(tag(3, protowire.BytesType), []byte{0x05, 'c'}), class: ErrMalformed, field: "m.c"},
		{name: "non-minimal tag", in: []byte{0x88, 0x00, 0x01}, class: ErrMalformed, field: "m.1"},
		{name: "field number 0", in: []byte{0x00, 0x01}, class: ErrMalformed, field: "m"},
		{name: "truncated tag", in: []byte{0x80}, class: ErrMalformed, field: "m"},
		{name: "fixed64 wire type", in: cat(tag(1, protowire.Fixed64Type), make([]byte, 8)), class: ErrMalformed, field: "m.a"},
		{name: "fixed32 wire type", in: cat(tag(3, protowire.Fixed32Type), make([]byte, 4)), class: ErrMalformed, field: "m.c"},
		{name: "group wire type", in: tag(1, protowire.StartGroupType), class: ErrMalformed, field: "m.a"},
		{name: "bytes where varint expected", in: by(1, []byte{1}), class: ErrMalformed, field: "m.a"},
		{name: "varint where bytes expected", in: vi(3, 1), class: ErrMalformed, field: "m.c"},
		{name: "out of order", in: cat(vi(2, 1), vi(1, 1)), class: ErrMalformed, field: "m.1"},
		{name: "repeated scalar", in: cat(vi(1, 1), vi(1, 2)), class: ErrMalformed, field: "m.a"},
		{name: "repeated bytes", in: cat(by(3, []byte{1}), by(3, []byte{1})), class: ErrMalformed, field: "m.c"},
		{name: "repeated message", in: cat(by(5, by(1, []byte("x"))), by(5, by(1, []byte("x")))), class: ErrMalformed, field: "m.e"},
		{name: "elements split by another field", in: cat(by(4, []byte{1}), by(5, by(1, []byte("x"))), by(4, []byte{2})),
			class: ErrMalformed, field: "m.4"},
		{name: "too many elements", in: cat(by(4, nil), by(4, nil), by(4, nil), by(4, nil)), class: ErrInvalid, field: "m.d"},
		{name: "fixed wrong length", in: by(6, []byte("fff")), class: ErrInvalid, field: "m.f"},
		{name: "unknown field after last", in: vi(7, 1), class: ErrMalformed, field: "m.7"},
		{name: "unknown malformed field after last", in: cat(tag(7, protowire.VarintType), []byte{0x80}), class: ErrMalformed, field: "m.7"},
		{name: "trailing zero byte", in: cat(vi(1, 1), []byte{0}), class: ErrMalformed, field: "m"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeTestMsg(tt.in)
			if tt.want != nil {
				if err != nil {
					t.Fatalf("decode: %v", err)
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Errorf("got %+v, want %+v", got, tt.want)
				}
				return
			}
			if !errors.Is(err, tt.class) {
				t.Fatalf("error %v, want %v", err, tt.class)
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field {
				t.Errorf("error %v, want field %q", err, tt.field)
			}
		})
	}
}

func TestFieldErrorUnwrap(t *testing.T) {
	err := invalid("body.x", "bad %d", 1)
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "body.x" || !errors.Is(err, ErrInvalid) || errors.Is(err, ErrMalformed) {
		t.Errorf("invalid() = %v", err)
	}
	if got, want := err.Error(), "field body.x: invalid value: bad 1"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func fpOf(b byte) Fingerprint { return Fingerprint(bytes.Repeat([]byte{b}, 32)) }

func h32(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }

func TestBodyRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		body Body
	}{
		{"cert_issued minimal", &CertIssued{Cert: []byte{0x30, 0x00}}},
		{"cert_issued with identity_ref", &CertIssued{Cert: []byte{0x30, 0x00}, IdentityRef: h32(9)}},
		{"cert_revoked unspecified", &CertRevoked{Cert: fpOf(1)}},
		{"cert_revoked privilege withdrawn", &CertRevoked{Cert: fpOf(1), Reason: ReasonPrivilegeWithdrawn}},
		{"contract_created", &ContractCreated{Contract: "c-1", DocSM3: h32(1), DocSHA256: h32(2),
			Parties: []Fingerprint{fpOf(3), fpOf(4)}, Order: OrderSequential, Deadline: 1767225600}},
		{"contract_created max parties", func() Body {
			c := &ContractCreated{Contract: "c.2:x_y-z", DocSM3: h32(1), DocSHA256: h32(2), Order: OrderParallel}
			for i := range MaxParties {
				c.Parties = append(c.Parties, fpOf(byte(i+1)))
			}
			return c
		}()},
		{"intent_verified", &IntentVerified{Contract: "c-1", Signer: fpOf(3), Method: IntentFace, ChallengeHash: h32(5),
			VerifiedAt: 1767225600123, VerifierCert: []byte{0x30, 0x01, 0x00}, VerifierSig: []byte{1, 2, 3}}},
		{"contract_signed minimal", &ContractSigned{Contract: "c-1", DocSM3: h32(1)}},
		{"contract_signed full", &ContractSigned{Contract: "c-1", DocSM3: h32(1), SignedDocSM3: h32(6), Seal: h32(7)}},
		{"contract_completed", &ContractCompleted{Contract: "c-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.body.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			enc := EncodeBody(tt.body)
			got, err := decodeBody(tt.body.Type(), enc)
			if err != nil {
				t.Fatalf("decodeBody: %v", err)
			}
			if !reflect.DeepEqual(got, tt.body) {
				t.Errorf("round trip:\n got %+v\nwant %+v", got, tt.body)
			}
			if again := EncodeBody(got); !bytes.Equal(again, enc) {
				t.Errorf("re-encode differs: %x vs %x", again, enc)
			}
			// As a whole tx, with an actor where the type needs one.
			tx := &Tx{Version: TxVersion, ChainID: "test-chain", Nonce: 7, Body: tt.body,
				Envelope: Envelope{Org: "platform", Cert: []byte{0x30, 0x00}, Sig: []byte{1}}}
			if tt.body.actor() == actorRequired {
				tx.Actor = &Signature{Cert: fpOf(3), Sig: []byte{2}}
			}
			dtx, err := DecodeTx(tx.Encode())
			if err != nil {
				t.Fatalf("DecodeTx: %v", err)
			}
			if !reflect.DeepEqual(dtx, tx) {
				t.Errorf("tx round trip:\n got %+v\nwant %+v", dtx, tx)
			}
		})
	}
}

func TestDecodeBodyUnknownType(t *testing.T) {
	for _, typ := range []Type{0, 99, math.MaxUint32} { // 13 is anchored, 14-20 the workflow's, 21-28 cases, 29-31 filed cases, 32-33 time stamps, 34 batch intent
		if _, err := decodeBody(typ, nil); !errors.Is(err, ErrUnknownType) {
			t.Errorf("decodeBody(%d): %v, want ErrUnknownType", typ, err)
		}
		if newBody(typ) != nil {
			t.Errorf("newBody(%d) != nil", typ)
		}
	}
}

func TestSignBytesDomainSeparation(t *testing.T) {
	tx := &Tx{Version: TxVersion, ChainID: "a", Nonce: 1, Body: &ContractSigned{Contract: "c", DocSM3: h32(1)},
		Actor: &Signature{Cert: fpOf(2), Sig: []byte{1}}, Envelope: Envelope{Org: "o", Cert: []byte{1}, Sig: []byte{2}}}
	actor, env := tx.ActorSignBytes(), tx.EnvelopeSignBytes()
	if !bytes.HasPrefix(actor, []byte("sealchain/actor/v1\x00\x01a")) {
		t.Errorf("actor sign bytes %q lack the domain and chain id", actor)
	}
	if !bytes.HasPrefix(env, []byte("sealchain/envelope/v1\x00\x01a")) {
		t.Errorf("envelope sign bytes %q lack the domain and chain id", env)
	}
	// The actor does not sign signatures; the envelope signs the actor's but
	// not its own.
	tx2 := *tx
	tx2.Actor = &Signature{Cert: fpOf(9), Sig: []byte{9}}
	tx2.Envelope.Sig = []byte{9}
	if !bytes.Equal(tx2.ActorSignBytes(), actor) {
		t.Error("actor sign bytes depend on signatures")
	}
	if bytes.Equal(tx2.EnvelopeSignBytes(), env) {
		t.Error("envelope sign bytes do not cover the actor signature")
	}
	tx2.Actor = tx.Actor
	if !bytes.Equal(tx2.EnvelopeSignBytes(), env) {
		t.Error("envelope sign bytes depend on the envelope signature")
	}
	if !bytes.Equal(tx.Envelope.Sig, []byte{2}) {
		t.Error("EnvelopeSignBytes changed the tx")
	}
	other := *tx
	other.ChainID = "b"
	if bytes.Equal(other.ActorSignBytes(), actor) || bytes.Equal(other.EnvelopeSignBytes(), env) {
		t.Error("sign bytes ignore the chain id")
	}
}

func TestEntryRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		en   Entry
	}{
		{"first", Entry{Index: 0, Height: 1, Time: time.Unix(1, 0).UTC(), TxIndex: 0, Tx: []byte{1}}},
		{"large", Entry{Index: math.MaxUint64, Height: math.MaxInt64, Time: time.Date(2262, 1, 1, 0, 0, 0, 999, time.UTC),
			TxIndex: math.MaxUint32, Tx: bytes.Repeat([]byte{7}, 1000)}},
		{"nanoseconds", Entry{Index: 12, Height: 3, Time: time.Date(2026, 1, 1, 0, 0, 1, 123456789, time.UTC), TxIndex: 2, Tx: []byte("tx")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.en.Encode()
			got, err := DecodeEntry(b)
			if err != nil {
				t.Fatalf("DecodeEntry: %v", err)
			}
			if !reflect.DeepEqual(*got, tt.en) {
				t.Errorf("got %+v, want %+v", *got, tt.en)
			}
		})
	}
}

// stateRoundTrip encodes v, decodes into fresh, and re-encodes.
func stateRoundTrip(t *testing.T, v, fresh StateValue) {
	t.Helper()
	b := EncodeState(v)
	if err := DecodeState(b, fresh, "test"); err != nil {
		t.Fatalf("DecodeState: %v", err)
	}
	if again := EncodeState(fresh); !bytes.Equal(again, b) {
		t.Errorf("re-encode differs:\n got %x\nwant %x", again, b)
	}
}

func TestStateRoundTrip(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 5, time.UTC)
	t.Run("org", func(t *testing.T) {
		o := &Org{ID: "court-1", Name: "Court", Role: RoleCourt, CACert: []byte{0x30, 0}, Weight: 3}
		var got Org
		stateRoundTrip(t, o, &got)
		if !reflect.DeepEqual(&got, o) {
			t.Errorf("got %+v, want %+v", got, o)
		}
	})
	certs := []struct {
		name string
		c    CertState
	}{
		{"issued at index 0", CertState{DER: []byte{0x30, 0}, Org: "platform", IssuedIn: 0}},
		{"issued later", CertState{DER: []byte{0x30, 0}, Org: "platform", IssuedIn: 41}},
		{"revoked unspecified at index 0", CertState{DER: []byte{1}, Org: "o", IssuedIn: 2, RevokedAt: t0, RevokedIn: 0}},
		{"revoked key compromise", CertState{DER: []byte{1}, Org: "o", IssuedIn: 2, RevokedAt: t0, Reason: ReasonKeyCompromise, RevokedIn: 9}},
	}
	for _, tt := range certs {
		t.Run("cert "+tt.name, func(t *testing.T) {
			var got CertState
			stateRoundTrip(t, &tt.c, &got)
			want := tt.c
			if !want.Revoked() {
				// Not stored when not revoked: reads back as "none" (index-1 of 0).
				want.RevokedIn = math.MaxUint64
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got %+v, want %+v", got, want)
			}
			if got.Revoked() != tt.c.Revoked() || got.RevokedBy(t0) != tt.c.RevokedBy(t0) {
				t.Errorf("revocation status changed")
			}
		})
	}
	contracts := []struct {
		name string
		c    ContractState
	}{
		{"open, nothing signed", ContractState{ID: "c-1", Org: "platform", DocSM3: h32(1), Parties: []Fingerprint{fpOf(1), fpOf(2)},
			Order: OrderSequential, Deadline: 99, Status: StatusOpen, Signed: []bool{false, false}, Intent: []bool{false, false}, CreatedIn: 0}},
		{"half signed", ContractState{ID: "c-2", Org: "platform", DocSM3: h32(1), Parties: []Fingerprint{fpOf(1), fpOf(2)},
			Order: OrderParallel, Status: StatusOpen, Signed: []bool{false, true}, Intent: []bool{true, true}, CreatedIn: 7}},
		{"completed", ContractState{ID: "c-3", Org: "notary", DocSM3: h32(1), Parties: []Fingerprint{fpOf(1)},
			Order: OrderParallel, Status: StatusCompleted, Signed: []bool{true}, Intent: []bool{true}, CreatedIn: 1 << 40}},
	}
	for _, tt := range contracts {
		t.Run("contract "+tt.name, func(t *testing.T) {
			var got ContractState
			stateRoundTrip(t, &tt.c, &got)
			if !reflect.DeepEqual(got, tt.c) {
				t.Errorf("got %+v, want %+v", got, tt.c)
			}
			if got.AllSigned() != tt.c.AllSigned() {
				t.Errorf("AllSigned changed")
			}
		})
	}
	cps := []struct {
		name string
		c    Checkpoint
	}{
		{"genesis", Checkpoint{Height: 0, Time: t0, LogSize: 0, LogRoot: h32(1), StateRoot: h32(2), AppHash: h32(3)}},
		{"zero time", Checkpoint{Height: 5, LogSize: 10, LogRoot: h32(1), StateRoot: h32(2), AppHash: h32(3)}},
		{"later", Checkpoint{Height: 1 << 40, Time: t0, LogSize: 1 << 50, LogRoot: h32(4), StateRoot: h32(5), AppHash: h32(6)}},
	}
	for _, tt := range cps {
		t.Run("checkpoint "+tt.name, func(t *testing.T) {
			var got Checkpoint
			stateRoundTrip(t, &tt.c, &got)
			if !reflect.DeepEqual(got, tt.c) {
				t.Errorf("got %+v, want %+v", got, tt.c)
			}
		})
	}
}

func TestDecodeStateCorrupt(t *testing.T) {
	var c Checkpoint
	err := DecodeState([]byte{0x08, 0x00}, &c, "checkpoint")
	if !errors.Is(err, ErrMalformed) {
		t.Errorf("DecodeState of a zero varint: %v, want ErrMalformed", err)
	}
}

func TestAppHash(t *testing.T) {
	base := AppHash(3, h32(1), h32(2))
	if len(base) != 32 {
		t.Fatalf("AppHash length %d", len(base))
	}
	tests := []struct {
		name string
		got  []byte
	}{
		{"log size", AppHash(4, h32(1), h32(2))},
		{"log root", AppHash(3, h32(9), h32(2))},
		{"state root", AppHash(3, h32(1), h32(9))},
		{"roots swapped", AppHash(3, h32(2), h32(1))},
	}
	for _, tt := range tests {
		if bytes.Equal(tt.got, base) {
			t.Errorf("AppHash ignores the %s", tt.name)
		}
	}
	if !bytes.Equal(AppHash(3, h32(1), h32(2)), base) {
		t.Error("AppHash not deterministic")
	}
}

func TestCheckID(t *testing.T) {
	tests := []struct {
		id string
		ok bool
	}{
		{"a", true}, {"c-001", true}, {"A.b_c:d-9", true}, {string(bytes.Repeat([]byte("x"), MaxIDBytes)), true},
		{"", false}, {"-a", false}, {".a", false}, {"a b", false}, {"a/b", false}, {"é", false},
		{string(bytes.Repeat([]byte("x"), MaxIDBytes+1)), false},
	}
	for _, tt := range tests {
		err := ValidateID("f", tt.id)
		if (err == nil) != tt.ok {
			t.Errorf("ValidateID(%q) = %v, want ok=%v", tt.id, err, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Errorf("ValidateID(%q) = %v, want ErrInvalid", tt.id, err)
		}
	}
}
