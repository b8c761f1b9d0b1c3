package workflow

import (
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/sm4"

	"github.com/sealchain/sealchain/workflow/internal/seal"
)

// KEKFile is the workflow's key-encryption key under the node home's config
// directory: 32 hex digits, mode 0600. It wraps hosted signing keys and the
// personal data of identities (SM4-GCM, AAD = the record's id).
const KEKFile = "workflow_kek.key"

const (
	sealLabel = "sealchain/workflow/sealed/v1"
	// macKeyLabel derives the MAC key from the KEK: the key that encrypts
	// is never used as it is for anything else.
	macKeyLabel = "sealchain/workflow/mac-key/v1"
)

// KEK encrypts small secrets at rest with SM4-GCM, and keys MACs of
// low-entropy secrets (SMS codes) with a key derived from it.
type KEK struct {
	aead   cipher.AEAD
	macKey []byte
}

// NewKEK wraps a 16-byte SM4 key.
func NewKEK(key []byte) (*KEK, error) {
	if len(key) != 16 {
		return nil, fmt.Errorf("workflow: key-encryption key is %d bytes, want 16", len(key))
	}
	block, err := sm4.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("workflow: key-encryption key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("workflow: key-encryption key: %w", err)
	}
	m := hmac.New(sm3.New, key)
	m.Write([]byte(macKeyLabel))
	return &KEK{aead: aead, macKey: m.Sum(nil)}, nil
}

// MAC is HMAC-SM3 under the key derived from the KEK, over label and parts,
// each length-prefixed so that no two inputs share an encoding. Without the
// KEK file, a MAC of a 6-digit code cannot be searched offline.
func (k *KEK) MAC(label string, parts ...[]byte) []byte {
	m := hmac.New(sm3.New, k.macKey)
	for _, p := range append([][]byte{[]byte(label)}, parts...) {
		m.Write(binary.BigEndian.AppendUint32(nil, uint32(len(p))))
		m.Write(p)
	}
	return m.Sum(nil)
}

// LoadKEK reads the key from path, creating it (0600) from rand when absent.
// A file readable by group or others is refused.
func LoadKEK(path string, rnd io.Reader) (*KEK, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		key := make([]byte, 16)
		if _, err := io.ReadFull(rnd, key); err != nil {
			return nil, fmt.Errorf("workflow: generate key-encryption key: %w", err)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("workflow: key-encryption key: %w", err)
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, fmt.Errorf("workflow: key-encryption key: %w", err)
		}
		_, werr := f.WriteString(hex.EncodeToString(key) + "\n")
		if serr := f.Sync(); werr == nil {
			werr = serr
		}
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return nil, fmt.Errorf("workflow: write key-encryption key: %w", werr)
		}
		return NewKEK(key)
	}
	if err != nil {
		return nil, fmt.Errorf("workflow: key-encryption key: %w", err)
	}
	if fi, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("workflow: key-encryption key: %w", err)
	} else if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("workflow: key-encryption key %s: mode %v, want 0600", path, fi.Mode().Perm())
	}
	key, err := hex.DecodeString(strings.TrimSpace(string(data)))
	if err != nil || len(key) != 16 {
		return nil, fmt.Errorf("workflow: key-encryption key %s: want 32 hex digits", path)
	}
	return NewKEK(key)
}

// Seal encrypts plain for the record id: nonce ‖ ciphertext ‖ tag.
func (k *KEK) Seal(rnd io.Reader, id string, plain []byte) ([]byte, error) {
	nonce := make([]byte, k.aead.NonceSize())
	if _, err := io.ReadFull(rnd, nonce); err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	return k.aead.Seal(nonce, nonce, plain, []byte(sealLabel+"\x00"+id)), nil
}

// Open decrypts what Seal wrote for the same id.
func (k *KEK) Open(id string, sealed []byte) ([]byte, error) {
	n := k.aead.NonceSize()
	if len(sealed) < n+k.aead.Overhead() {
		return nil, errors.New("open sealed data: too short")
	}
	plain, err := k.aead.Open(nil, sealed[:n], sealed[n:], []byte(sealLabel+"\x00"+id))
	if err != nil {
		return nil, fmt.Errorf("open sealed data for %s: %w", id, err)
	}
	return plain, nil
}

// Sealer is the KEK as the outbox, the webhook store and the deposit store
// use it (seal.Sealer), with nonces from rnd (nil: crypto/rand).
func (k *KEK) Sealer(rnd io.Reader) seal.Sealer {
	if rnd == nil {
		rnd = rand.Reader
	}
	return kekSealer{k, rnd}
}

type kekSealer struct {
	k   *KEK
	rnd io.Reader
}

func (s kekSealer) Seal(id string, plain []byte) ([]byte, error)  { return s.k.Seal(s.rnd, id, plain) }
func (s kekSealer) Open(id string, sealed []byte) ([]byte, error) { return s.k.Open(id, sealed) }
