package filestore

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/emmansun/gmsm/sm3"
)

// DefaultKEKFile is the key-encryption key's file name under the node
// home's config directory (the node decides the directory).
const DefaultKEKFile = "filestore_kek.key"

const kekIDLabel = "sealchain/filestore/kek-id/v1"

// KEK is the platform's key-encryption key.
type KEK struct {
	key []byte
	id  [8]byte
}

// NewKEK wraps a 16-byte SM4 key (copied).
func NewKEK(key []byte) (*KEK, error) {
	if len(key) != 16 {
		return nil, fmt.Errorf("filestore: key-encryption key is %d bytes, want 16", len(key))
	}
	k := &KEK{key: append([]byte(nil), key...)}
	h := sm3.New()
	h.Write([]byte(kekIDLabel))
	h.Write(k.key)
	copy(k.id[:], h.Sum(nil))
	return k, nil
}

// ID is the key's public identifier, written in each file's header.
func (k *KEK) ID() string { return hex.EncodeToString(k.id[:]) }

// LoadKEK reads the key-encryption key from path (32 hex digits and a
// newline), creating the file (mode 0600, its directory 0700) with a key
// from rand (nil: crypto/rand) when it does not exist. A file readable by
// group or others is refused.
func LoadKEK(path string, rnd io.Reader) (*KEK, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return createKEK(path, rnd)
	}
	if err != nil {
		return nil, fmt.Errorf("filestore: key-encryption key: %w", err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("filestore: key-encryption key: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("filestore: key-encryption key %s: mode %v, want 0600", path, fi.Mode().Perm())
	}
	key, err := hex.DecodeString(strings.TrimSpace(string(data)))
	if err != nil || len(key) != 16 {
		// The content is secret: not repeated in the error.
		return nil, fmt.Errorf("filestore: key-encryption key %s: want 32 hex digits", path)
	}
	return NewKEK(key)
}

func createKEK(path string, rnd io.Reader) (*KEK, error) {
	key := make([]byte, 16)
	if _, err := io.ReadFull(rnd, key); err != nil {
		return nil, fmt.Errorf("filestore: generate key-encryption key: %w", err)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("filestore: %w", err)
	}
	// Write under a temporary name and link it into place, so a crash
	// never leaves an empty or short key file that a restart would refuse
	// or, worse, replace.
	tmp, err := os.CreateTemp(dir, ".kek-*")
	if err != nil {
		return nil, fmt.Errorf("filestore: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("filestore: %w", err)
	}
	if _, err := tmp.WriteString(hex.EncodeToString(key) + "\n"); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("filestore: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("filestore: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return nil, fmt.Errorf("filestore: %w", err)
	}
	// Link fails if another process created the key meanwhile: use theirs.
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, os.ErrExist) {
			return LoadKEK(path, rnd)
		}
		return nil, fmt.Errorf("filestore: %w", err)
	}
	if err := syncDir(dir); err != nil {
		return nil, err
	}
	return NewKEK(key)
}
