package chain

import "errors"

type actorRule int

const (
	actorNone     actorRule = iota // no person acts: the envelope is the only signature
	actorRequired                  // a certificate holder signs ActorSignBytes
)

// ErrTooLarge means an input exceeds a size limit.
var ErrTooLarge = errors.New("too large")

// ErrUnknownType means the record type is not one this code knows.
var ErrUnknownType = errors.New("unknown record type")

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
