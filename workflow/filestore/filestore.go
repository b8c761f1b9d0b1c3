package filestore

import (
	"bytes"
	"context"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"

	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/sm4"
)

const (
	magic      = "SCFS\x00v1\n"
	headerSize = 8 + 8 + wrappedSize + 32 + 8
	// wrappedSize is the wrapped DEK: nonce, ciphertext, tag.
	wrappedSize = 12 + 16 + 16
	chunkSize   = 64 << 10
	tagSize     = 16
	fileExt     = ".scfs"
	tmpDir      = "tmp"
	dekLabel    = "sealchain/filestore/dek/v1"
	// DefaultMaxSize caps a file unless WithMaxSize says otherwise.
	DefaultMaxSize = 256 << 20
)

// Errors. Returned errors wrap them.
var (
	// ErrNotFound: no file with that hash.
	ErrNotFound = errors.New("filestore: not found")
	// ErrCorrupt: the stored file does not authenticate or does not hash
	// to its address.
	ErrCorrupt = errors.New("filestore: corrupt file")
	// ErrWrongKEK: the file was wrapped under another key-encryption key.
	ErrWrongKEK = errors.New("filestore: file was stored under another key-encryption key")
	// ErrTooLarge: the content exceeds the store's maximum size.
	ErrTooLarge = errors.New("filestore: file too large")
)

// Store is an encrypted content-addressed file store in one directory. It
// is safe for concurrent use.
type Store struct {
	dir     string
	kek     *KEK
	rand    io.Reader
	maxSize int64
}

// Option configures a Store.
type Option func(*Store)

// WithRand sets the source of data keys and nonces (default crypto/rand).
func WithRand(r io.Reader) Option { return func(s *Store) { s.rand = r } }

// WithMaxSize caps the plaintext size of a file.
func WithMaxSize(n int64) Option { return func(s *Store) { s.maxSize = n } }

// Open opens (creating) a store in dir that wraps data keys with kek, and
// removes partial writes a crash left in dir/tmp.
func Open(dir string, kek *KEK, opts ...Option) (*Store, error) {
	if kek == nil {
		return nil, errors.New("filestore: no key-encryption key")
	}
	s := &Store{dir: dir, kek: kek, rand: rand.Reader, maxSize: DefaultMaxSize}
	for _, o := range opts {
		o(s)
	}
	if s.maxSize <= 0 {
		return nil, fmt.Errorf("filestore: max size %d: want positive", s.maxSize)
	}
	if err := os.MkdirAll(filepath.Join(dir, tmpDir), 0o700); err != nil {
		return nil, fmt.Errorf("filestore: %w", err)
	}
	stale, err := os.ReadDir(filepath.Join(dir, tmpDir))
	if err != nil {
		return nil, fmt.Errorf("filestore: %w", err)
	}
	for _, e := range stale {
		if err := os.Remove(filepath.Join(dir, tmpDir, e.Name())); err != nil {
			return nil, fmt.Errorf("filestore: remove partial write: %w", err)
		}
	}
	return s, nil
}

// Path returns where the file with hash sum is (or would be) stored.
func (s *Store) Path(sum [32]byte) string {
	h := hex.EncodeToString(sum[:])
	return filepath.Join(s.dir, h[:2], h+fileExt)
}

// Has reports whether a file with hash sum is stored.
func (s *Store) Has(sum [32]byte) (bool, error) {
	_, err := os.Stat(s.Path(sum))
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, os.ErrNotExist):
		return false, nil
	default:
		return false, fmt.Errorf("filestore: %w", err)
	}
}

// Put stores the content of r and returns its SM3. Storing content that is
// already there leaves the stored file alone, unless that copy no longer
// verifies: then the new one replaces it. ctx is checked between chunks.
func (s *Store) Put(ctx context.Context, r io.Reader) (sum [32]byte, err error) {
	tmp, err := os.CreateTemp(filepath.Join(s.dir, tmpDir), "put-*")
	if err != nil {
		return sum, fmt.Errorf("filestore: %w", err)
	}
	defer func() {
		if tmp != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	dek := make([]byte, 16)
	if _, err := io.ReadFull(s.rand, dek); err != nil {
		return sum, fmt.Errorf("filestore: data key: %w", err)
	}
	aead, err := newGCM(dek)
	if err != nil {
		return sum, err
	}
	if _, err := tmp.Write(make([]byte, headerSize)); err != nil {
		return sum, fmt.Errorf("filestore: %w", err)
	}
	h := sm3.New()
	size, err := s.encryptChunks(ctx, aead, r, tmp, h)
	if err != nil {
		return sum, err
	}
	h.Sum(sum[:0])
	final := s.Path(sum)
	if s.intact(ctx, sum) {
		return sum, nil
	}
	hdr, err := s.header(dek, sum, size)
	if err != nil {
		return sum, err
	}
	if _, err := tmp.WriteAt(hdr, 0); err != nil {
		return sum, fmt.Errorf("filestore: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return sum, fmt.Errorf("filestore: sync: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return sum, fmt.Errorf("filestore: %w", err)
	}
	name := tmp.Name()
	tmp = nil
	defer func() {
		if err != nil {
			os.Remove(name)
		}
	}()
	shard := filepath.Dir(final)
	if err := os.Mkdir(shard, 0o700); err == nil {
		if err := syncDir(s.dir); err != nil {
			return sum, err
		}
	} else if !errors.Is(err, os.ErrExist) {
		return sum, fmt.Errorf("filestore: %w", err)
	}
	if err := os.Rename(name, final); err != nil {
		return sum, fmt.Errorf("filestore: %w", err)
	}
	if err := syncDir(shard); err != nil {
		return sum, err
	}
	return sum, nil
}

// intact reports whether a verified copy of sum is stored. A copy that
// does not verify (tampered, another KEK) is replaced by Put.
func (s *Store) intact(ctx context.Context, sum [32]byte) bool {
	rd, err := s.open(ctx, sum)
	if err != nil {
		return false
	}
	defer rd.Close()
	_, err = io.Copy(io.Discard, rd)
	return err == nil
}

// encryptChunks streams r into w chunk by chunk. A chunk is written once
// the next read shows whether it is the last.
func (s *Store) encryptChunks(ctx context.Context, aead cipher.AEAD, r io.Reader, w io.Writer, h hash.Hash) (int64, error) {
	cur := make([]byte, chunkSize)
	next := make([]byte, chunkSize)
	out := make([]byte, 0, chunkSize+tagSize)
	n, err := readChunk(r, cur)
	if err != nil {
		return 0, err
	}
	var size int64
	for index := uint64(0); ; index++ {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		size += int64(n)
		if size > s.maxSize {
			return 0, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, s.maxSize)
		}
		m := 0
		if n == chunkSize {
			if m, err = readChunk(r, next); err != nil {
				return 0, err
			}
		}
		last := m == 0
		h.Write(cur[:n])
		out = aead.Seal(out[:0], chunkNonce(index, last), cur[:n], nil)
		if _, err := w.Write(out); err != nil {
			return 0, fmt.Errorf("filestore: %w", err)
		}
		if last {
			return size, nil
		}
		cur, next, n = next, cur, m
	}
}

func readChunk(r io.Reader, buf []byte) (int, error) {
	n, err := io.ReadFull(r, buf)
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		err = nil
	}
	if err != nil {
		return 0, fmt.Errorf("filestore: read content: %w", err)
	}
	return n, nil
}

func (s *Store) header(dek []byte, sum [32]byte, size int64) ([]byte, error) {
	kek, err := newGCM(s.kek.key)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, 12)
	if _, err := io.ReadFull(s.rand, nonce); err != nil {
		return nil, fmt.Errorf("filestore: nonce: %w", err)
	}
	hdr := make([]byte, 0, headerSize)
	hdr = append(hdr, magic...)
	hdr = append(hdr, s.kek.id[:]...)
	hdr = append(hdr, nonce...)
	hdr = kek.Seal(hdr, nonce, dek, dekAAD(sum, uint64(size)))
	hdr = append(hdr, sum[:]...)
	hdr = binary.BigEndian.AppendUint64(hdr, uint64(size))
	return hdr, nil
}

// Get returns the plaintext of the file with hash sum.
func (s *Store) Get(ctx context.Context, sum [32]byte) ([]byte, error) {
	rd, err := s.open(ctx, sum)
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	var buf bytes.Buffer
	buf.Grow(int(rd.size))
	if _, err := buf.ReadFrom(rd); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Open returns a reader of the plaintext of the file with hash sum. It
// authenticates each chunk as it is read and checks the SM3 at the end:
// read to io.EOF and treat any error as a failed file.
func (s *Store) Open(ctx context.Context, sum [32]byte) (io.ReadCloser, error) {
	return s.open(ctx, sum)
}

func (s *Store) open(ctx context.Context, sum [32]byte) (*reader, error) {
	f, err := os.Open(s.Path(sum))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w: %x", ErrNotFound, sum)
	}
	if err != nil {
		return nil, fmt.Errorf("filestore: %w", err)
	}
	rd, err := s.newReader(ctx, f, sum)
	if err != nil {
		f.Close()
		return nil, err
	}
	return rd, nil
}

func (s *Store) newReader(ctx context.Context, f io.ReadCloser, sum [32]byte) (*reader, error) {
	hdr := make([]byte, headerSize)
	if _, err := io.ReadFull(f, hdr); err != nil {
		return nil, fmt.Errorf("%w: %x: header: %v", ErrCorrupt, sum, err)
	}
	if string(hdr[:8]) != magic {
		return nil, fmt.Errorf("%w: %x: bad magic", ErrCorrupt, sum)
	}
	if !bytes.Equal(hdr[8:16], s.kek.id[:]) {
		return nil, fmt.Errorf("%w: %x", ErrWrongKEK, sum)
	}
	wrapped := hdr[16 : 16+wrappedSize]
	stored := hdr[16+wrappedSize : 16+wrappedSize+32]
	size := binary.BigEndian.Uint64(hdr[headerSize-8:])
	if !bytes.Equal(stored, sum[:]) {
		return nil, fmt.Errorf("%w: %x: header names another file", ErrCorrupt, sum)
	}
	if size > uint64(s.maxSize) {
		return nil, fmt.Errorf("%w: %x: size %d over the maximum", ErrCorrupt, sum, size)
	}
	kek, err := newGCM(s.kek.key)
	if err != nil {
		return nil, err
	}
	dek, err := kek.Open(nil, wrapped[:12], wrapped[12:], dekAAD(sum, size))
	if err != nil {
		return nil, fmt.Errorf("%w: %x: data key does not unwrap", ErrCorrupt, sum)
	}
	aead, err := newGCM(dek)
	if err != nil {
		return nil, err
	}
	return &reader{ctx: ctx, f: f, aead: aead, sum: sum, size: int64(size), h: sm3.New(),
		buf: make([]byte, chunkSize+tagSize)}, nil
}

// reader decrypts chunk by chunk.
type reader struct {
	ctx   context.Context
	f     io.ReadCloser
	aead  cipher.AEAD
	sum   [32]byte
	size  int64
	read  int64 // plaintext bytes decrypted so far
	index uint64
	h     hash.Hash
	buf   []byte
	plain []byte // decrypted, not yet returned
	done  bool
	err   error
}

func (r *reader) Read(p []byte) (int, error) {
	for len(r.plain) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		if r.done {
			return 0, io.EOF
		}
		if r.err = r.next(); r.err != nil {
			return 0, r.err
		}
	}
	n := copy(p, r.plain)
	r.plain = r.plain[n:]
	return n, nil
}

// next decrypts the next chunk; the authenticated size says how long it is
// and whether it is the last.
func (r *reader) next() error {
	if err := r.ctx.Err(); err != nil {
		return err
	}
	n := min(int64(chunkSize), r.size-r.read)
	last := r.read+n == r.size
	ct := r.buf[:n+tagSize]
	if _, err := io.ReadFull(r.f, ct); err != nil {
		return fmt.Errorf("%w: %x: chunk %d: %v", ErrCorrupt, r.sum, r.index, err)
	}
	plain, err := r.aead.Open(ct[:0], chunkNonce(r.index, last), ct, nil)
	if err != nil {
		return fmt.Errorf("%w: %x: chunk %d does not authenticate", ErrCorrupt, r.sum, r.index)
	}
	r.index++
	r.read += n
	r.h.Write(plain)
	r.plain = plain
	if !last {
		return nil
	}
	var one [1]byte
	if m, _ := r.f.Read(one[:]); m != 0 {
		return fmt.Errorf("%w: %x: bytes after the last chunk", ErrCorrupt, r.sum)
	}
	var got [32]byte
	r.h.Sum(got[:0])
	if got != r.sum {
		return fmt.Errorf("%w: %x: content hashes to %x", ErrCorrupt, r.sum, got)
	}
	r.done = true
	return nil
}

func (r *reader) Close() error { return r.f.Close() }

func newGCM(key []byte) (cipher.AEAD, error) {
	b, err := sm4.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("filestore: sm4: %w", err)
	}
	aead, err := cipher.NewGCM(b)
	if err != nil {
		return nil, fmt.Errorf("filestore: gcm: %w", err)
	}
	return aead, nil
}

func chunkNonce(index uint64, last bool) []byte {
	n := make([]byte, 12)
	binary.BigEndian.PutUint64(n[3:11], index)
	if last {
		n[11] = 1
	}
	return n
}

func dekAAD(sum [32]byte, size uint64) []byte {
	aad := append([]byte(dekLabel), sum[:]...)
	return binary.BigEndian.AppendUint64(aad, size)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("filestore: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("filestore: sync %s: %w", dir, err)
	}
	return nil
}
