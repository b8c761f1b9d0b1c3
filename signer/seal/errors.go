package seal

import "errors"

// Sentinel errors. Callers branch on them with [errors.Is]; returned errors
// wrap them with context.
var (
	// ErrFormat means seal bytes are not a canonical DER SESeal version 4
	// within this package's bounds ([Parse]), not a readable SESeal of
	// version 1, 4 or 5 ([ParseSESeal]), or a SealInfo cannot be encoded
	// as one.
	ErrFormat = errors.New("seal: malformed seal")
	// ErrSignature means the maker's signature over SES_SealInfo does not
	// verify, or its algorithm does not match the maker's key.
	ErrSignature = errors.New("seal: bad maker signature")
	// ErrExpired means the verification time is outside the seal's
	// validStart..validEnd (before the start counts too).
	ErrExpired = errors.New("seal: not valid at this time")
	// ErrUntrusted means the maker certificate is neither one of the
	// trusted roots nor issued by one for signing, or a certificate on that
	// path is not valid at the verification time (the error then also
	// wraps signer.ErrNotValidAt).
	ErrUntrusted = errors.New("seal: maker certificate not trusted")
	// ErrImage means an image is not a PNG (or, for LoadImage, JPEG) within
	// the size bounds, or does not decode.
	ErrImage = errors.New("seal: bad image")
	// ErrFont means the font cannot be loaded or lacks a glyph.
	ErrFont = errors.New("seal: font")
)
