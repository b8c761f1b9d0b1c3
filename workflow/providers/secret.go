package providers

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// ErrUnavailable wraps a vendor failure that says nothing about the
// subject: the check or message may be tried again.
var ErrUnavailable = errors.New("provider unavailable")

// maxSecret bounds a key file: vendor secrets are tens of bytes.
const maxSecret = 4096

// ReadSecret reads a secret (an API secret id or key) from path. The file
// must be a regular file with no permission bits for group or others
// (0600 or 0400): anything else is refused. Surrounding white space is
// trimmed; an empty secret is an error. The secret is never part of an
// error message.
func ReadSecret(path string) (string, error) {
	if path == "" {
		return "", errors.New("secret file: no path configured")
	}
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("secret file: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", fmt.Errorf("secret file: %w", err)
	}
	if !st.Mode().IsRegular() {
		return "", fmt.Errorf("secret file %s: not a regular file", path)
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		return "", fmt.Errorf("secret file %s: mode %04o is readable by group or others; chmod 600 it", path, perm)
	}
	b, err := io.ReadAll(io.LimitReader(f, maxSecret+1))
	if err != nil {
		return "", fmt.Errorf("secret file %s: %w", path, err)
	}
	if len(b) > maxSecret {
		return "", fmt.Errorf("secret file %s: longer than %d bytes", path, maxSecret)
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		return "", fmt.Errorf("secret file %s: empty", path)
	}
	return s, nil
}

// Unavailable wraps err (a time-out, a network error, a vendor code that
// says nothing about the subject) in ErrUnavailable, naming the vendor
// call.
func Unavailable(call string, err error) error {
	return fmt.Errorf("%s: %w: %w", call, ErrUnavailable, err)
}
