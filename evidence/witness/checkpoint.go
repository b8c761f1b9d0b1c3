package witness

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// Limits that keep hostile input cheap to refuse.
const (
	// MaxNoteBytes bounds a signed note (checkpoint and signatures). The
	// signed-note spec asks verifiers to accept at least 16 signatures; an
	// Ed25519 cosignature line is about 120 bytes, a post-quantum one
	// about 3.3 KiB.
	MaxNoteBytes = 64 << 10
	// MaxSignatures bounds the signature lines of a note.
	MaxSignatures = 64
	// MaxExtensions bounds a checkpoint's extension lines.
	MaxExtensions = 16
	// MaxProofHashes is the most consistency proof lines tlog-witness allows.
	MaxProofHashes = 63
	// HashSize is the size of an SM3 (and SHA-256) root.
	HashSize = 32
)

// ErrMalformed is wrapped by every parse error of a checkpoint, note or
// add-checkpoint request.
var ErrMalformed = errors.New("malformed")

// Checkpoint is the text of a C2SP tlog-checkpoint note.
type Checkpoint struct {
	Origin string
	Size   uint64
	Hash   []byte
	// Extensions are the optional lines after the root hash; Sealchain
	// writes none.
	Extensions []string
}

// Marshal returns the note text: origin, size and base64 hash, each line
// ending in a newline, then the extension lines.
func (c Checkpoint) Marshal() []byte {
	var b bytes.Buffer
	b.WriteString(c.Origin)
	b.WriteByte('\n')
	b.WriteString(strconv.FormatUint(c.Size, 10))
	b.WriteByte('\n')
	b.WriteString(base64.StdEncoding.EncodeToString(c.Hash))
	b.WriteByte('\n')
	for _, e := range c.Extensions {
		b.WriteString(e)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// ParseCheckpoint parses note text (without signatures) as a checkpoint,
// strictly: every line ends in a newline; the origin is non-empty and has
// no Unicode space or '+'; the size is decimal without leading zeros and
// fits in 63 bits; the hash is canonical base64 of HashSize bytes;
// extension lines are non-empty. Parsing and re-marshalling gives the same
// bytes.
func ParseCheckpoint(text []byte) (*Checkpoint, error) {
	if len(text) > MaxNoteBytes {
		return nil, fmt.Errorf("%w checkpoint: %d bytes", ErrMalformed, len(text))
	}
	if len(text) == 0 || text[len(text)-1] != '\n' {
		return nil, fmt.Errorf("%w checkpoint: text must end in a newline", ErrMalformed)
	}
	lines := strings.Split(string(text[:len(text)-1]), "\n")
	if len(lines) < 3 {
		return nil, fmt.Errorf("%w checkpoint: %d lines, want origin, size and root hash", ErrMalformed, len(lines))
	}
	if len(lines) > 3+MaxExtensions {
		return nil, fmt.Errorf("%w checkpoint: %d extension lines exceeds %d", ErrMalformed, len(lines)-3, MaxExtensions)
	}
	if err := checkName(lines[0]); err != nil {
		return nil, fmt.Errorf("%w checkpoint origin: %w", ErrMalformed, err)
	}
	size, err := parseSize(lines[1])
	if err != nil {
		return nil, fmt.Errorf("%w checkpoint size: %w", ErrMalformed, err)
	}
	hash, err := decodeHash(lines[2])
	if err != nil {
		return nil, fmt.Errorf("%w checkpoint root hash: %w", ErrMalformed, err)
	}
	c := &Checkpoint{Origin: lines[0], Size: size, Hash: hash}
	for i, e := range lines[3:] {
		if e == "" {
			return nil, fmt.Errorf("%w checkpoint: extension line %d is empty", ErrMalformed, i+1)
		}
		if err := checkText(e); err != nil {
			return nil, fmt.Errorf("%w checkpoint: extension line %d: %w", ErrMalformed, i+1, err)
		}
		c.Extensions = append(c.Extensions, e)
	}
	return c, nil
}

// checkName applies the signed-note rule for key names, which the
// checkpoint spec recommends for origins too: non-empty, no Unicode space,
// no '+', no control character.
func checkName(s string) error {
	if s == "" {
		return errors.New("empty")
	}
	if err := checkText(s); err != nil {
		return err
	}
	if strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || r == '+' }) >= 0 {
		return fmt.Errorf("%q has a space or '+'", s)
	}
	return nil
}

// checkText refuses invalid UTF-8 and control characters (the note format
// forbids them; a newline has been split off already).
func checkText(s string) error {
	for _, r := range s {
		if r == unicode.ReplacementChar || r < 0x20 || r == 0x7f {
			return fmt.Errorf("%q has a control character or invalid UTF-8", s)
		}
	}
	return nil
}

// parseSize reads an ASCII decimal without leading zeros, at most 2^63-1.
func parseSize(s string) (uint64, error) {
	if s == "" || len(s) > 19 || (len(s) > 1 && s[0] == '0') {
		return 0, fmt.Errorf("%q is not a decimal without leading zeros", s)
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("%q is not a decimal", s)
		}
	}
	n, err := strconv.ParseUint(s, 10, 63)
	if err != nil {
		return 0, fmt.Errorf("%q: %w", s, err)
	}
	return n, nil
}

// decodeHash decodes canonical standard base64 of HashSize bytes.
func decodeHash(s string) ([]byte, error) {
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil || base64.StdEncoding.EncodeToString(b) != s {
		return nil, fmt.Errorf("%q is not canonical base64", s)
	}
	if len(b) != HashSize {
		return nil, fmt.Errorf("%d bytes, want %d", len(b), HashSize)
	}
	return b, nil
}
