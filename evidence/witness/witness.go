package witness

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"golang.org/x/mod/sumdb/note"

	"github.com/sealchain/sealchain/chain/merklelog"
)

// Errors of Witness.AddCheckpoint, each with its tlog-witness HTTP status
// (StatusOf).
var (
	// ErrUnknownLog: the checkpoint's origin is not configured (404).
	ErrUnknownLog = errors.New("unknown log origin")
	// ErrBadLogSignature: no signature by the log's keys verifies (403).
	ErrBadLogSignature = errors.New("checkpoint not signed by the log's key")
	// ErrBadRequest: the request is malformed, or its old size exceeds the
	// checkpoint's (400).
	ErrBadRequest = errors.New("bad add-checkpoint request")
	// ErrInconsistent: the consistency proof does not prove the checkpoint
	// extends the witness's latest one for the log (422). A forked log
	// ends here.
	ErrInconsistent = errors.New("checkpoint is not consistent with the witnessed log")
)

// ConflictError (409): the old size is not the size of the witness's latest
// cosigned checkpoint, or a checkpoint of that size has another root.
type ConflictError struct {
	// Size is the size of the witness's latest cosigned checkpoint.
	Size uint64
	// Fork is set when the sizes match but the roots differ.
	Fork bool
}

func (e *ConflictError) Error() string {
	if e.Fork {
		return fmt.Sprintf("a checkpoint of size %d with another root hash was already cosigned: the log forked", e.Size)
	}
	return fmt.Sprintf("old size does not match the latest cosigned size %d", e.Size)
}

// Log is a log the witness follows.
type Log struct {
	Origin string
	// Keys verify the log's signature; any one suffices (every node of a
	// Sealchain network signs with its own key under the same origin).
	Keys []note.Verifier
	// Hasher is the log's Merkle hasher; nil means SM3 (Sealchain's).
	Hasher *merklelog.Hasher
}

// Store keeps a witness's latest cosigned checkpoint per origin. Save must
// be durable when it returns.
type Store interface {
	// Load returns the latest cosigned checkpoint note of origin, or nil.
	Load(origin string) ([]byte, error)
	Save(origin string, cosigned []byte) error
}

// Witness checks checkpoints against what it cosigned before and cosigns
// the consistent ones (tlog-witness add-checkpoint).
type Witness struct {
	signer *Cosigner
	store  Store
	logs   map[string]Log
	// mu makes check-and-update atomic (the spec's rollback race).
	mu sync.Mutex
}

// New returns a witness signing with signer, following logs.
func New(signer *Cosigner, store Store, logs ...Log) (*Witness, error) {
	w := &Witness{signer: signer, store: store, logs: map[string]Log{}}
	for _, l := range logs {
		if err := checkName(l.Origin); err != nil {
			return nil, fmt.Errorf("witness: log origin: %w", err)
		}
		if len(l.Keys) == 0 {
			return nil, fmt.Errorf("witness: log %s has no key", l.Origin)
		}
		if l.Hasher == nil {
			l.Hasher = merklelog.SM3()
		}
		w.logs[l.Origin] = l
	}
	return w, nil
}

// VerifierKey is the witness's vkey.
func (w *Witness) VerifierKey() string { return w.signer.VerifierKey() }

// Latest returns the witness's latest cosigned checkpoint of origin (nil,
// nil when none).
func (w *Witness) Latest(origin string) (*Checkpoint, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.latest(origin)
}

func (w *Witness) latest(origin string) (*Checkpoint, error) {
	b, err := w.store.Load(origin)
	if err != nil || b == nil {
		return nil, err
	}
	text, _, err := SplitNote(b)
	if err != nil {
		return nil, fmt.Errorf("witness state of %s: %w", origin, err)
	}
	return ParseCheckpoint(text)
}

// AddCheckpoint runs tlog-witness add-checkpoint: it verifies the log's
// signature, checks that old is the size it last cosigned for the origin
// and that proof proves the checkpoint extends that one (or, at equal
// sizes, that the roots are equal), stores the checkpoint with its
// cosignature, and returns the cosignature line. Errors: ErrMalformed,
// ErrUnknownLog, ErrBadLogSignature, ErrBadRequest, *ConflictError,
// ErrInconsistent (see StatusOf).
func (w *Witness) AddCheckpoint(old uint64, proof [][]byte, signed []byte) ([]SigLine, error) {
	text, _, err := SplitNote(signed)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadRequest, err)
	}
	cp, err := ParseCheckpoint(text)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadRequest, err)
	}
	l, ok := w.logs[cp.Origin]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownLog, cp.Origin)
	}
	opened, err := Open(signed, l.Keys...)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadLogSignature, err)
	}
	if old > cp.Size {
		return nil, fmt.Errorf("%w: old size %d exceeds the checkpoint size %d", ErrBadRequest, old, cp.Size)
	}
	if old == 0 && len(proof) != 0 {
		return nil, fmt.Errorf("%w: a proof from size 0 must be empty", ErrBadRequest)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	prev, err := w.latest(cp.Origin)
	if err != nil {
		return nil, err
	}
	var prevSize uint64
	prevRoot := l.Hasher.EmptyRoot()
	if prev != nil {
		prevSize, prevRoot = prev.Size, prev.Hash
	}
	if old != prevSize {
		return nil, &ConflictError{Size: prevSize}
	}
	if old == cp.Size && !bytes.Equal(prevRoot, cp.Hash) {
		return nil, &ConflictError{Size: prevSize, Fork: true}
	}
	if old > 0 {
		if err := merklelog.VerifyConsistency(l.Hasher, old, cp.Size, proof, prevRoot, cp.Hash); err != nil {
			return nil, fmt.Errorf("%w: from size %d to %d: %w", ErrInconsistent, old, cp.Size, err)
		}
	}
	line, err := Cosign(w.signer, opened.Text)
	if err != nil {
		return nil, err
	}
	// Keep the log's verified signatures and ours: the state shows
	// what was cosigned and who signed it.
	keep := JoinNote(opened.Text, append(append([]SigLine{}, opened.Verified...), line))
	if err := w.store.Save(cp.Origin, keep); err != nil {
		return nil, fmt.Errorf("witness: persist %s size %d: %w", cp.Origin, cp.Size, err)
	}
	return []SigLine{line}, nil
}

// Cosign signs note text with s and returns the signature line.
func Cosign(s note.Signer, text []byte) (SigLine, error) {
	sig, err := s.Sign(text)
	if err != nil {
		return SigLine{}, err
	}
	raw := make([]byte, 4, 4+len(sig))
	raw[0], raw[1], raw[2], raw[3] = byte(s.KeyHash()>>24), byte(s.KeyHash()>>16), byte(s.KeyHash()>>8), byte(s.KeyHash())
	return SigLine{Name: s.Name(), ID: s.KeyHash(), Base64: b64(append(raw, sig...))}, nil
}

// FileStore keeps each origin's latest cosigned checkpoint in a file of
// Dir named by the SHA-256 of the origin, replaced atomically.
type FileStore struct{ Dir string }

func (f FileStore) path(origin string) string {
	h := sha256.Sum256([]byte(origin))
	return filepath.Join(f.Dir, hex.EncodeToString(h[:16])+".checkpoint")
}

// Load reads origin's checkpoint; nil when there is none.
func (f FileStore) Load(origin string) ([]byte, error) {
	b, err := os.ReadFile(f.path(origin))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	return b, err
}

// Save writes origin's checkpoint to a temporary file, syncs it and
// renames it over the old one, then syncs the directory.
func (f FileStore) Save(origin string, cosigned []byte) error {
	if err := os.MkdirAll(f.Dir, 0o700); err != nil {
		return err
	}
	p := f.path(origin)
	tmp, err := os.CreateTemp(f.Dir, ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(cosigned); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		return err
	}
	d, err := os.Open(f.Dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
