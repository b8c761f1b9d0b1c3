package witness

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/note"
)

// SigLine is one signature line of a note: "— <name> base64(id ‖ sig)".
type SigLine struct {
	Name string
	ID   uint32
	// Base64 is the signature as written: the key id and the signature.
	Base64 string
}

// String returns the line, with its final newline.
func (s SigLine) String() string { return "— " + s.Name + " " + s.Base64 + "\n" }

// SplitNote separates a signed note into its text (ending in a newline) and
// its signature lines, checking the signed-note format with this package's
// limits: at most MaxNoteBytes, valid UTF-8 without control characters but
// newline, at least one and at most MaxSignatures signature lines, each in
// canonical base64 of at least 5 bytes under a valid key name.
func SplitNote(msg []byte) (text []byte, sigs []SigLine, err error) {
	if len(msg) > MaxNoteBytes {
		return nil, nil, fmt.Errorf("%w note: %d bytes exceeds %d", ErrMalformed, len(msg), MaxNoteBytes)
	}
	for i := 0; i < len(msg); {
		r, size := utf8.DecodeRune(msg[i:])
		if r < 0x20 && r != '\n' || r == utf8.RuneError && size == 1 {
			return nil, nil, fmt.Errorf("%w note: control character or invalid UTF-8 at byte %d", ErrMalformed, i)
		}
		i += size
	}
	split := bytes.LastIndex(msg, []byte("\n\n"))
	if split < 0 {
		return nil, nil, fmt.Errorf("%w note: no blank line before the signatures", ErrMalformed)
	}
	text, block := msg[:split+1], msg[split+2:]
	if len(block) == 0 || block[len(block)-1] != '\n' {
		return nil, nil, fmt.Errorf("%w note: no signature lines, or the last does not end in a newline", ErrMalformed)
	}
	for _, line := range strings.Split(string(block[:len(block)-1]), "\n") {
		if len(sigs) == MaxSignatures {
			return nil, nil, fmt.Errorf("%w note: more than %d signatures", ErrMalformed, MaxSignatures)
		}
		s, err := parseSigLine(line)
		if err != nil {
			return nil, nil, err
		}
		sigs = append(sigs, s)
	}
	return text, sigs, nil
}

func parseSigLine(line string) (SigLine, error) {
	rest, ok := strings.CutPrefix(line, "— ")
	if !ok {
		return SigLine{}, fmt.Errorf("%w note: signature line %q does not start with \"— \"", ErrMalformed, line)
	}
	name, b64, ok := strings.Cut(rest, " ")
	if !ok || checkName(name) != nil {
		return SigLine{}, fmt.Errorf("%w note: signature line %q: want a key name and a signature", ErrMalformed, line)
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(b64)
	if err != nil || len(raw) < 5 || base64.StdEncoding.EncodeToString(raw) != b64 {
		return SigLine{}, fmt.Errorf("%w note: signature by %q is not canonical base64 of a key id and a signature", ErrMalformed, name)
	}
	return SigLine{Name: name, ID: binary.BigEndian.Uint32(raw), Base64: b64}, nil
}

// JoinNote writes text (ending in a newline), a blank line and the lines.
func JoinNote(text []byte, sigs []SigLine) []byte {
	var b bytes.Buffer
	b.Write(text)
	b.WriteByte('\n')
	for _, s := range sigs {
		b.WriteString(s.String())
	}
	return b.Bytes()
}

// ParseSigLines parses a block of signature lines, each ending in a
// newline (a tlog-witness add-checkpoint response).
func ParseSigLines(block []byte) ([]SigLine, error) {
	if len(block) == 0 || block[len(block)-1] != '\n' || len(block) > MaxNoteBytes {
		return nil, fmt.Errorf("%w signature lines: empty, too long, or not ending in a newline", ErrMalformed)
	}
	var out []SigLine
	for _, line := range strings.Split(string(block[:len(block)-1]), "\n") {
		if len(out) == MaxSignatures {
			return nil, fmt.Errorf("%w signature lines: more than %d", ErrMalformed, MaxSignatures)
		}
		s, err := parseSigLine(line)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// Opened is a checkpoint note whose signatures by known keys verified.
type Opened struct {
	Checkpoint *Checkpoint
	Text       []byte
	// Verified are the known keys' signatures, one per key, in note order.
	Verified []SigLine
	// Others are the signatures by keys not given, unverified.
	Others []SigLine
}

// ErrNoKnownSignature means no signature of the note is by a key given to
// Open.
var ErrNoKnownSignature = errors.New("no signature by a known key")

// Open parses a signed checkpoint and verifies every signature by one of
// known (signed-note rules: a known key's signature must verify, else the
// whole note is refused; unknown keys' signatures are kept unverified;
// a key's repeated signatures count once). It returns ErrNoKnownSignature
// (wrapped) when none of known signed.
func Open(msg []byte, known ...note.Verifier) (*Opened, error) {
	text, sigs, err := SplitNote(msg)
	if err != nil {
		return nil, err
	}
	cp, err := ParseCheckpoint(text)
	if err != nil {
		return nil, err
	}
	o := &Opened{Checkpoint: cp, Text: text}
	keys := map[[2]any]note.Verifier{}
	for _, v := range known {
		keys[[2]any{v.Name(), v.KeyHash()}] = v
	}
	seen := map[[2]any]bool{}
	for _, s := range sigs {
		k := [2]any{s.Name, s.ID}
		v, ok := keys[k]
		if !ok {
			o.Others = append(o.Others, s)
			continue
		}
		if seen[k] {
			continue
		}
		seen[k] = true
		raw, _ := base64.StdEncoding.DecodeString(s.Base64) // checked by SplitNote
		if !v.Verify(text, raw[4:]) {
			return nil, fmt.Errorf("signature by %s+%08x does not verify", s.Name, s.ID)
		}
		o.Verified = append(o.Verified, s)
	}
	if len(o.Verified) == 0 {
		return o, fmt.Errorf("checkpoint %s size %d: %w", cp.Origin, cp.Size, ErrNoKnownSignature)
	}
	return o, nil
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
