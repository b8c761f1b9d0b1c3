package chain

import (
	"errors"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// The canonical encoding is the protobuf wire format restricted so that every
// value has exactly one encoding:
//
//   - fields appear in ascending field-number order (a repeated field's
//     elements are consecutive and keep their order);
//   - a scalar equal to its zero value, an empty string and an empty bytes
//     field are omitted, never written;
//   - varints are minimal; only the wire types varint and bytes occur;
//   - unknown fields are an error, not something to skip.
//
// Any protobuf library can read these bytes with the schema in
// docs/encoding.md; only this package's decoder also enforces canonicity, so
// the bytes that were signed are the only bytes that decode.

// encoder appends canonical fields. Callers write fields in ascending order.
type encoder struct{ b []byte }

func (e *encoder) uint(n protowire.Number, v uint64) {
	if v == 0 {
		return
	}
	e.b = protowire.AppendTag(e.b, n, protowire.VarintType)
	e.b = protowire.AppendVarint(e.b, v)
}

// int writes a signed value as a plain varint of its two's complement, as
// protobuf's int64 does. Negative values are rejected by Validate where a
// field cannot be negative.
func (e *encoder) int(n protowire.Number, v int64) { e.uint(n, uint64(v)) }

func (e *encoder) bytes(n protowire.Number, v []byte) {
	if len(v) == 0 {
		return
	}
	e.b = protowire.AppendTag(e.b, n, protowire.BytesType)
	e.b = protowire.AppendBytes(e.b, v)
}

// element writes one element of a repeated bytes field: unlike bytes, an
// empty element is written, so the element count survives a round trip.
func (e *encoder) element(n protowire.Number, v []byte) {
	e.b = protowire.AppendTag(e.b, n, protowire.BytesType)
	e.b = protowire.AppendBytes(e.b, v)
}

func (e *encoder) string(n protowire.Number, v string) {
	if v == "" {
		return
	}
	e.b = protowire.AppendTag(e.b, n, protowire.BytesType)
	e.b = protowire.AppendString(e.b, v)
}

// message writes a nested message; an empty message is omitted like any
// other empty value.
func (e *encoder) message(n protowire.Number, fn func(*encoder)) {
	var sub encoder
	fn(&sub)
	e.bytes(n, sub.b)
}

// FieldError reports a field that failed to decode or validate. Field is the
// dotted path of the field as documented in docs/encoding.md.
type FieldError struct {
	Field string
	Err   error
}

func (e *FieldError) Error() string { return fmt.Sprintf("field %s: %v", e.Field, e.Err) }
func (e *FieldError) Unwrap() error { return e.Err }

// Sentinels a caller can branch on with errors.Is.
var (
	// ErrMalformed means the bytes are not a well-formed canonical message.
	ErrMalformed = errors.New("malformed encoding")
	// ErrInvalid means a well-formed message has a field value the schema forbids.
	ErrInvalid = errors.New("invalid value")
	// ErrVersion means the message has a version this code does not know.
	ErrVersion = errors.New("unsupported version")
)

func fieldErr(field string, err error) error { return &FieldError{Field: field, Err: err} }

func malformed(field, format string, args ...any) error {
	return fieldErr(field, fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...)))
}

func invalid(field, format string, args ...any) error {
	return fieldErr(field, fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...)))
}

// decoder reads canonical fields in ascending order. The first error sticks;
// later reads return zero values, and err reports it.
type decoder struct {
	b      []byte
	prefix string // dotted path of the enclosing message, for errors
	last   protowire.Number
	err    error

	// the last field taken, to name a repeated field in errors
	lastNum  protowire.Number
	lastName string

	// peeked field
	num protowire.Number
	typ protowire.Type
	val uint64
	raw []byte
	ok  bool
	bad string // why the peeked field's value is malformed; reported by take, which knows its name
}

func newDecoder(b []byte, prefix string) *decoder {
	d := &decoder{b: b, prefix: prefix}
	d.peek()
	return d
}

func (d *decoder) name(field string) string {
	if d.prefix == "" {
		return field
	}
	return d.prefix + "." + field
}

func (d *decoder) fail(err error) {
	if d.err == nil {
		d.err = err
	}
}

// peek parses the next field header and value into the decoder. A malformed
// tag or a field out of order fails at once; a malformed value is kept in bad
// and reported by take or finish, under the field's name when it is known.
func (d *decoder) peek() {
	d.ok, d.bad = false, ""
	if d.err != nil || len(d.b) == 0 {
		return
	}
	num, typ, n := protowire.ConsumeTag(d.b)
	if n < 0 {
		d.fail(malformed(d.enclosing(), "bad tag: %v", protowire.ParseError(n)))
		return
	}
	if n != protowire.SizeTag(num) {
		d.fail(malformed(d.name(fmt.Sprint(num)), "non-minimal tag"))
		return
	}
	if num < d.last {
		if num == d.lastNum {
			d.fail(malformed(d.name(d.lastName), "repeated field"))
		} else {
			d.fail(malformed(d.name(fmt.Sprint(num)), "field %d out of order (after %s)", num, d.name(d.lastName)))
		}
		return
	}
	d.num, d.typ, d.ok = num, typ, true
	rest := d.b[n:]
	switch typ {
	case protowire.VarintType:
		v, m := protowire.ConsumeVarint(rest)
		if m < 0 {
			d.bad = fmt.Sprintf("bad varint: %v", protowire.ParseError(m))
			return
		}
		if m != protowire.SizeVarint(v) {
			d.bad = "non-minimal varint"
			return
		}
		d.val, d.raw, d.b = v, nil, rest[m:]
	case protowire.BytesType:
		v, m := protowire.ConsumeBytes(rest)
		if m < 0 {
			d.bad = fmt.Sprintf("bad length-delimited value: %v", protowire.ParseError(m))
			return
		}
		lenSize := m - len(v)
		if lenSize != protowire.SizeVarint(uint64(len(v))) {
			d.bad = "non-minimal length"
			return
		}
		d.val, d.raw, d.b = 0, v, rest[m:]
	default:
		d.bad = fmt.Sprintf("wire type %d not used by this encoding", typ)
	}
}

// enclosing names the enclosing message, for errors that belong to no field.
func (d *decoder) enclosing() string {
	if d.prefix == "" {
		return "tx"
	}
	return d.prefix
}

// take consumes the peeked field if it has number n. It reports whether a
// field was consumed.
func (d *decoder) take(n protowire.Number, typ protowire.Type, field string) bool {
	if d.err != nil || !d.ok {
		return false
	}
	if d.num < n {
		d.fail(malformed(d.name(fmt.Sprint(d.num)), "unknown field or out of order before %s", d.name(field)))
		return false
	}
	if d.num > n {
		return false
	}
	if d.bad != "" {
		d.fail(malformed(d.name(field), "%s", d.bad))
		return false
	}
	if d.typ != typ {
		d.fail(malformed(d.name(field), "wrong wire type %d", d.typ))
		return false
	}
	d.last = n + 1 // a non-repeated field may not occur twice
	d.lastNum, d.lastName = n, field
	return true
}

func (d *decoder) uint(n protowire.Number, field string) uint64 {
	if !d.take(n, protowire.VarintType, field) {
		return 0
	}
	v := d.val
	if v == 0 {
		d.fail(malformed(d.name(field), "zero value must be omitted"))
	}
	d.peek()
	return v
}

func (d *decoder) uint32(n protowire.Number, field string) uint32 {
	v := d.uint(n, field)
	if v > 1<<32-1 {
		d.fail(malformed(d.name(field), "value %d overflows uint32", v))
		return 0
	}
	return uint32(v)
}

func (d *decoder) int(n protowire.Number, field string) int64 { return int64(d.uint(n, field)) }

func (d *decoder) bytes(n protowire.Number, field string) []byte {
	if !d.take(n, protowire.BytesType, field) {
		return nil
	}
	v := d.raw
	if len(v) == 0 {
		d.fail(malformed(d.name(field), "empty value must be omitted"))
	}
	d.peek()
	return v
}

func (d *decoder) string(n protowire.Number, field string) string { return string(d.bytes(n, field)) }

// elements reads a repeated bytes field, up to max elements.
func (d *decoder) elements(n protowire.Number, field string, max int) [][]byte {
	var out [][]byte
	for d.take(n, protowire.BytesType, field) {
		if len(out) == max {
			d.fail(invalid(d.name(field), "more than %d elements", max))
			return nil
		}
		out = append(out, d.raw)
		d.last = n // the next element may repeat the number
		d.peek()
	}
	if len(out) > 0 && d.last == n {
		d.last = n + 1
	}
	return out
}

// message decodes a nested message with fn; an absent message leaves it zero.
func (d *decoder) message(n protowire.Number, field string, fn func(*decoder)) bool {
	raw := d.bytes(n, field)
	if raw == nil {
		return false
	}
	sub := newDecoder(raw, d.name(field))
	fn(sub)
	sub.finish()
	d.fail(sub.err)
	return sub.err == nil
}

// finish reports an error if any field is left unread.
func (d *decoder) finish() {
	if d.err == nil && d.ok {
		msg := "unknown field"
		if d.bad != "" {
			msg += ": " + d.bad
		}
		d.fail(malformed(d.name(fmt.Sprint(d.num)), "%s", msg))
	}
}

// fixed reads a bytes field that, when present, has exactly size bytes.
func (d *decoder) fixed(n protowire.Number, field string, size int) []byte {
	v := d.bytes(n, field)
	if v != nil && len(v) != size {
		d.fail(invalid(d.name(field), "length %d, want %d", len(v), size))
		return nil
	}
	return v
}
