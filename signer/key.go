package signer

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"
)

const (
	pemTypePrivateKey = "PRIVATE KEY"
	pemTypePublicKey  = "PUBLIC KEY"
	keyFileMode       = 0o600
)

// PrivateKey wraps an SM2 or ECDSA P-256 key. The zero value is not usable;
// obtain keys from [GenerateKey], [ParsePrivateKeyPEM] or [LoadPrivateKey].
type PrivateKey struct {
	alg Algorithm
	sm2 *sm2.PrivateKey   // set when alg == AlgSM2
	ec  *ecdsa.PrivateKey // set when alg == AlgECDSAP256
}

// GenerateKey creates a new key for alg. A nil rand means crypto/rand.
func GenerateKey(alg Algorithm, rand io.Reader) (*PrivateKey, error) {
	rand = orCryptoRand(rand)
	switch alg {
	case AlgSM2:
		k, err := sm2.GenerateKey(rand)
		if err != nil {
			return nil, fmt.Errorf("generate sm2 key: %w", err)
		}
		return &PrivateKey{alg: AlgSM2, sm2: k}, nil
	case AlgECDSAP256:
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand)
		if err != nil {
			return nil, fmt.Errorf("generate ecdsa-p256 key: %w", err)
		}
		return &PrivateKey{alg: AlgECDSAP256, ec: k}, nil
	default:
		return nil, fmt.Errorf("generate key: %w: algorithm %s", ErrUnsupportedKey, alg)
	}
}

// Algorithm returns the scheme the key signs with.
func (k *PrivateKey) Algorithm() Algorithm { return k.alg }

// Public returns the public key, an *ecdsa.PublicKey for both algorithms
// (SM2 public keys are ECDSA keys on the SM2 curve).
func (k *PrivateKey) Public() crypto.PublicKey {
	switch {
	case k == nil:
		return nil
	case k.sm2 != nil:
		return &k.sm2.PublicKey
	case k.ec != nil:
		return &k.ec.PublicKey
	default:
		return nil
	}
}

// Signer returns the underlying crypto.Signer (*sm2.PrivateKey or
// *ecdsa.PrivateKey), for issuing certificates with smx509. Its Sign method
// expects a digest and options; use [PrivateKey.Sign] to sign messages.
func (k *PrivateKey) Signer() crypto.Signer {
	switch {
	case k == nil:
		return nil
	case k.sm2 != nil:
		return k.sm2
	case k.ec != nil:
		return k.ec
	default:
		return nil
	}
}

// Sign signs msg, hashing it internally: SM2 keys hash SM3(ZA || msg) with
// ZA computed from the default user id; ECDSA keys hash SHA-256(msg). The
// signature is ASN.1 DER. A nil rand means crypto/rand.
func (k *PrivateKey) Sign(rand io.Reader, msg []byte) ([]byte, error) {
	rand = orCryptoRand(rand)
	switch {
	case k == nil:
		return nil, errors.New("sign: nil key")
	case k.sm2 != nil:
		sig, err := k.sm2.Sign(rand, msg, sm2.NewSM2SignerOption(true, []byte(defaultUID)))
		if err != nil {
			return nil, fmt.Errorf("sign sm2: %w", err)
		}
		return sig, nil
	case k.ec != nil:
		h := sha256.Sum256(msg)
		sig, err := ecdsa.SignASN1(rand, k.ec, h[:])
		if err != nil {
			return nil, fmt.Errorf("sign ecdsa-p256: %w", err)
		}
		return sig, nil
	default:
		return nil, errors.New("sign: uninitialised key")
	}
}

// EncodePrivateKeyPEM encodes k as a PKCS#8 "PRIVATE KEY" PEM block.
func EncodePrivateKeyPEM(k *PrivateKey) ([]byte, error) {
	s := k.Signer()
	if s == nil {
		return nil, errors.New("encode private key: nil or uninitialised key")
	}
	der, err := smx509.MarshalPKCS8PrivateKey(s)
	if err != nil {
		return nil, fmt.Errorf("encode private key: %w", err)
	}
	defer clear(der)
	return pem.EncodeToMemory(&pem.Block{Type: pemTypePrivateKey, Bytes: der}), nil
}

// ParsePrivateKeyPEM parses the first PEM block of pemBytes as an unencrypted
// PKCS#8 SM2 or P-256 key. Parse errors wrap [ErrInvalidKey] or
// [ErrUnsupportedKey] and never contain key material.
func ParsePrivateKeyPEM(pemBytes []byte) (*PrivateKey, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, fmt.Errorf("parse private key: %w: no PEM block", ErrInvalidKey)
	}
	defer clear(block.Bytes)
	if block.Type != pemTypePrivateKey {
		return nil, fmt.Errorf("parse private key: %w: PEM type %q, want %q", ErrInvalidKey, block.Type, pemTypePrivateKey)
	}
	if len(block.Headers) != 0 {
		return nil, fmt.Errorf("parse private key: %w: PEM headers present (encrypted keys are not supported)", ErrInvalidKey)
	}
	// The underlying parse error is dropped on purpose: ASN.1 errors can
	// echo fragments of the input, which here is the secret key.
	key, err := smx509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parse private key: %w: not a valid PKCS#8 key", ErrInvalidKey)
	}
	switch k := key.(type) {
	case *sm2.PrivateKey:
		return &PrivateKey{alg: AlgSM2, sm2: k}, nil
	case *ecdsa.PrivateKey:
		if k.Curve != elliptic.P256() {
			return nil, fmt.Errorf("parse private key: %w: curve %s", ErrUnsupportedKey, k.Curve.Params().Name)
		}
		return &PrivateKey{alg: AlgECDSAP256, ec: k}, nil
	default:
		return nil, fmt.Errorf("parse private key: %w: %T", ErrUnsupportedKey, key)
	}
}

// SavePrivateKey writes k as PEM to a new file at path with mode 0600. The
// file is created with that mode, so the key is never briefly readable by
// others. It refuses to overwrite an existing file: the error wraps
// [os.ErrExist].
func SavePrivateKey(path string, k *PrivateKey) (err error) {
	b, err := EncodePrivateKeyPEM(k)
	if err != nil {
		return fmt.Errorf("save private key %s: %w", path, err)
	}
	defer clear(b)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, keyFileMode)
	if err != nil {
		return fmt.Errorf("save private key: %w", err)
	}
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("save private key %s: %w", path, cerr)
		}
		if err != nil {
			// Don't leave a truncated key behind; it would block a retry.
			_ = os.Remove(path)
		}
	}()
	if _, err := f.Write(b); err != nil {
		return fmt.Errorf("save private key %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("save private key %s: %w", path, err)
	}
	return nil
}

// LoadPrivateKey reads a PEM private key written by [SavePrivateKey]. It
// refuses files with any group or other permission bit set (mode&0o077 != 0)
// with an error wrapping [ErrInsecureKeyFile] that names the path and mode.
func LoadPrivateKey(path string) (*PrivateKey, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load private key: %w", err)
	}
	defer f.Close()
	// Stat the open file rather than the path so the checked file is the
	// one read.
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("load private key: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("load private key %s: not a regular file", path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("load private key %s: mode %#o, want 0600 or stricter: %w", path, perm, ErrInsecureKeyFile)
	}
	b, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("load private key %s: %w", path, err)
	}
	defer clear(b)
	k, err := ParsePrivateKeyPEM(b)
	if err != nil {
		return nil, fmt.Errorf("load private key %s: %w", path, err)
	}
	return k, nil
}

// EncodePublicKeyPEM encodes an SM2 or P-256 public key as a PKIX
// "PUBLIC KEY" PEM block.
func EncodePublicKeyPEM(pub crypto.PublicKey) ([]byte, error) {
	if _, err := PublicKeyAlgorithm(pub); err != nil {
		return nil, fmt.Errorf("encode public key: %w", err)
	}
	der, err := smx509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("encode public key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: pemTypePublicKey, Bytes: der}), nil
}

// ParsePublicKeyPEM parses a PKIX "PUBLIC KEY" PEM block holding an SM2 or
// P-256 key. The result is an *ecdsa.PublicKey.
func ParsePublicKeyPEM(b []byte) (crypto.PublicKey, error) {
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, fmt.Errorf("parse public key: %w: no PEM block", ErrInvalidKey)
	}
	if block.Type != pemTypePublicKey {
		return nil, fmt.Errorf("parse public key: %w: PEM type %q, want %q", ErrInvalidKey, block.Type, pemTypePublicKey)
	}
	pub, err := smx509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parse public key: %w: %w", ErrInvalidKey, err)
	}
	if _, err := PublicKeyAlgorithm(pub); err != nil {
		return nil, fmt.Errorf("parse public key: %w", err)
	}
	return pub, nil
}

func orCryptoRand(r io.Reader) io.Reader {
	if r == nil {
		return rand.Reader
	}
	return r
}
