package signer

import (
	"errors"
	"fmt"
	"time"
)

// Sentinel errors. Callers branch on them with [errors.Is]; the returned
// errors wrap them with context.
var (
	// ErrBadSignature means a signature does not verify under the given key.
	ErrBadSignature = errors.New("signer: bad signature")
	// ErrUnsupportedKey means a key is neither SM2 nor ECDSA P-256.
	ErrUnsupportedKey = errors.New("signer: unsupported key")
	// ErrInvalidKey means encoded key material could not be parsed. Errors
	// wrapping it never contain the key bytes.
	ErrInvalidKey = errors.New("signer: invalid key encoding")
	// ErrInsecureKeyFile means a private key file is readable or writable by
	// group or others.
	ErrInsecureKeyFile = errors.New("signer: private key file permissions too open")
	// ErrUnknownIssuer means no trusted root issued the certificate.
	ErrUnknownIssuer = errors.New("signer: certificate not issued by a trusted root")
	// ErrWrongUsage means a certificate does not carry the required [Usage].
	ErrWrongUsage = errors.New("signer: certificate not valid for this usage")
	// ErrNotValidAt means a certificate is outside its validity period at the
	// time of use. It is wrapped by [*ValidityError].
	ErrNotValidAt = errors.New("signer: certificate not valid at this time")
	// ErrBadCSR means a certificate signing request is malformed, its
	// self-signature does not verify, or it asks for a key or signature
	// algorithm Sealchain does not certify. It is the client's fault, never
	// the CA's.
	ErrBadCSR = errors.New("signer: bad certificate request")
)

// ValidityError reports a certificate used outside its validity period.
// errors.Is(err, ErrNotValidAt) is true for it.
type ValidityError struct {
	Subject   string // subject name of the offending certificate
	NotBefore time.Time
	NotAfter  time.Time
	At        time.Time // the time the certificate was checked at
}

func (e *ValidityError) Error() string {
	return fmt.Sprintf("signer: certificate %q not valid at %s (valid %s to %s)",
		e.Subject, e.At.UTC().Format(time.RFC3339), e.NotBefore.UTC().Format(time.RFC3339), e.NotAfter.UTC().Format(time.RFC3339))
}

// Unwrap returns [ErrNotValidAt].
func (e *ValidityError) Unwrap() error { return ErrNotValidAt }
