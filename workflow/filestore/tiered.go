package filestore

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/emmansun/gmsm/sm3"
)

// Remote is an object store (S3) that keeps files once the spool has
// uploaded them. Names and bodies are opaque to it. A missing object is an
// error wrapping [ErrNotFound].
type Remote interface {
	// PutObject stores size bytes of body under name; contentMD5 is the
	// MD5 of body, for the server to check what it received.
	PutObject(ctx context.Context, name string, body io.ReadSeeker, size int64, contentMD5 []byte) error
	// StatObject returns the stored object's size and ETag.
	StatObject(ctx context.Context, name string) (ObjectInfo, error)
	// GetObject returns the object's bytes, failing when it has more than
	// max of them.
	GetObject(ctx context.Context, name string, max int64) ([]byte, error)
}

// ObjectInfo is what StatObject reports.
type ObjectInfo struct {
	Size int64
	// ETag as the server sent it, without quotes. For a single-part
	// upload without server-side encryption it is the body's MD5 in hex.
	ETag string
}

const (
	// sumOffset is where the header keeps the plaintext SM3. Objects sent
	// to a Remote carry zeros there (see Tiered).
	sumOffset    = 8 + 8 + wrappedSize
	objNameLabel = "sealchain/filestore/object-name-key/v1"
)

// TieredConfig tunes a Tiered store; zero fields take the defaults.
type TieredConfig struct {
	// Prefix is put before every object name ("sealchain/files/").
	Prefix string
	// GetTimeout bounds one read from the object store (default 30s).
	GetTimeout time.Duration
	// UploadTimeout bounds one upload with its check (default 5m).
	UploadTimeout time.Duration
	// Workers is the number of concurrent uploads (default 4).
	Workers int
	// MinBackoff and MaxBackoff bound the pause after failed uploads: it
	// starts at MinBackoff and doubles per consecutive failure (defaults
	// 1s and 5m).
	MinBackoff, MaxBackoff time.Duration
	// Rescan is how often the spool directory is listed again, which
	// picks up files a restart or an operator left there (default 1m).
	Rescan time.Duration
	Logger *slog.Logger
}

// Tiered keeps files in an object store, with a local [Store] as a spool:
// Put writes to the spool (durable on return, as [Store.Put]) and queues
// the file; [Tiered.Run] uploads queued files, checks each upload and only
// then deletes the spool copy. Get reads the spool first, then the object
// store. An unreachable or slow object store therefore delays uploads but
// never fails or loses an accepted Put: the backlog waits on the local
// disk, across restarts, until the store is back.
//
// The object store sees ciphertext only: each object is the spool file
// (format version 1) with the header's plaintext SM3 replaced by zeros,
// under a name keyed by the KEK ([Tiered.ObjectName]). Get puts the SM3
// back before decrypting; the data key's wrapping authenticates it, so an
// object read under another file's name does not open ([ErrCorrupt]).
type Tiered struct {
	spool   *Store
	remote  Remote
	nameKey []byte
	c       TieredConfig
	logger  *slog.Logger

	mu       sync.Mutex
	queue    [][32]byte // FIFO of files waiting for an upload
	pending  map[[32]byte]pendingFile
	bad      map[[32]byte]bool // spool copies that do not verify: left alone until a restart
	failures int               // consecutive failed uploads
	resume   time.Time         // no upload starts before this (backoff)
	uploaded uint64
	failed   uint64
	wake     chan struct{}
}

type pendingFile struct {
	size  int64
	since time.Time
}

// NewTiered returns a store that spools into spool and uploads to remote.
// Call Run to upload.
func NewTiered(spool *Store, remote Remote, c TieredConfig) *Tiered {
	c.GetTimeout = cmpOr(c.GetTimeout, 30*time.Second)
	c.UploadTimeout = cmpOr(c.UploadTimeout, 5*time.Minute)
	c.MinBackoff = cmpOr(c.MinBackoff, time.Second)
	c.MaxBackoff = max(cmpOr(c.MaxBackoff, 5*time.Minute), c.MinBackoff)
	c.Rescan = cmpOr(c.Rescan, time.Minute)
	if c.Workers <= 0 {
		c.Workers = 4
	}
	logger := c.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	m := hmac.New(sm3.New, spool.kek.key)
	m.Write([]byte(objNameLabel))
	return &Tiered{spool: spool, remote: remote, nameKey: m.Sum(nil), c: c, logger: logger,
		pending: map[[32]byte]pendingFile{}, bad: map[[32]byte]bool{}, wake: make(chan struct{}, 1)}
}

func cmpOr(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// ObjectName is the name of the object holding the file with hash sum:
// the prefix and HMAC-SM3 under a key derived from the KEK. Without the KEK
// the name says nothing about the content (the plaintext SM3, which is on
// chain, would let anyone holding a document confirm it is stored).
func (t *Tiered) ObjectName(sum [32]byte) string {
	m := hmac.New(sm3.New, t.nameKey)
	m.Write(sum[:])
	return t.c.Prefix + hex.EncodeToString(m.Sum(nil))
}

// Put stores the content of r in the spool, durably, and queues it for
// upload. It does not touch the object store.
func (t *Tiered) Put(ctx context.Context, r io.Reader) ([32]byte, error) {
	sum, err := t.spool.Put(ctx, r)
	if err != nil {
		return sum, err
	}
	var size int64
	if fi, err := os.Stat(t.spool.Path(sum)); err == nil {
		size = fi.Size()
	}
	t.enqueue(sum, size, time.Now())
	return sum, nil
}

// Get returns the plaintext of the file with hash sum, from the spool if it
// is still there, else from the object store within the GetTimeout.
func (t *Tiered) Get(ctx context.Context, sum [32]byte) ([]byte, error) {
	b, err := t.spool.Get(ctx, sum)
	if !errors.Is(err, ErrNotFound) {
		return b, err
	}
	name := t.ObjectName(sum)
	ctx, cancel := context.WithTimeout(ctx, t.c.GetTimeout)
	defer cancel()
	body, err := t.remote.GetObject(ctx, name, maxObjectSize(t.spool.maxSize))
	if errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("%w: %x: neither in the spool nor in the object store (object %s)", ErrNotFound, sum, name)
	}
	if err != nil {
		return nil, fmt.Errorf("filestore: object store: get %s: %w", name, err)
	}
	if len(body) >= sumOffset+len(sum) {
		copy(body[sumOffset:], sum[:])
	}
	rd, err := t.spool.newReader(ctx, io.NopCloser(bytes.NewReader(body)), sum)
	if err != nil {
		return nil, fmt.Errorf("object %s: %w", name, err)
	}
	var buf bytes.Buffer
	buf.Grow(int(rd.size))
	if _, err := buf.ReadFrom(rd); err != nil {
		return nil, fmt.Errorf("object %s: %w", name, err)
	}
	return buf.Bytes(), nil
}

// maxObjectSize is the largest object a file of at most maxSize bytes
// makes: the header and one tag per 64 KiB chunk.
func maxObjectSize(maxSize int64) int64 {
	return headerSize + maxSize + (maxSize/chunkSize+1)*tagSize
}

// Backlog is the upload queue's state.
type Backlog struct {
	Files  int   // in the spool, not yet uploaded
	Bytes  int64 // their size on disk
	Oldest time.Time
	// Failures counts consecutive failed uploads (0: the last one worked).
	Failures int
	// Uploaded and Failed count uploads since the process started.
	Uploaded, Failed uint64
	// Unverifiable counts spool files that do not decrypt and are left
	// alone (see the log).
	Unverifiable int
}

// Backlog reports the upload queue.
func (t *Tiered) Backlog() Backlog {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := Backlog{Files: len(t.pending), Failures: t.failures, Uploaded: t.uploaded, Failed: t.failed, Unverifiable: len(t.bad)}
	for _, p := range t.pending {
		b.Bytes += p.size
		if b.Oldest.IsZero() || p.since.Before(b.Oldest) {
			b.Oldest = p.since
		}
	}
	return b
}

func (t *Tiered) enqueue(sum [32]byte, size int64, since time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.pending[sum]; ok || t.bad[sum] {
		return
	}
	t.pending[sum] = pendingFile{size: size, since: since}
	t.queue = append(t.queue, sum)
	t.signal()
}

// signal wakes one waiting worker (mu held).
func (t *Tiered) signal() {
	select {
	case t.wake <- struct{}{}:
	default:
	}
}

// Run uploads spooled files until ctx ends: what the spool holds at start,
// what Put adds, and what each rescan finds. It returns ctx's error.
func (t *Tiered) Run(ctx context.Context) error {
	if err := t.scan(); err != nil {
		t.logger.Error("listing the file spool", "err", err)
	}
	if b := t.Backlog(); b.Files > 0 {
		t.logger.Info("files waiting for upload to the object store", "files", b.Files, "bytes", b.Bytes)
	}
	var wg sync.WaitGroup
	for range t.c.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t.work(ctx)
		}()
	}
	tick := time.NewTicker(t.c.Rescan)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			wg.Wait()
			return ctx.Err()
		case <-tick.C:
			if err := t.scan(); err != nil {
				t.logger.Error("listing the file spool", "err", err)
			}
		}
	}
}

// scan queues every complete file in the spool.
func (t *Tiered) scan() error {
	shards, err := os.ReadDir(t.spool.dir)
	if err != nil {
		return fmt.Errorf("filestore: %w", err)
	}
	for _, sh := range shards {
		if !sh.IsDir() || len(sh.Name()) != 2 {
			continue
		}
		files, err := os.ReadDir(filepath.Join(t.spool.dir, sh.Name()))
		if err != nil {
			return fmt.Errorf("filestore: %w", err)
		}
		for _, f := range files {
			h, ok := strings.CutSuffix(f.Name(), fileExt)
			var sum [32]byte
			if !ok || len(h) != 64 || !strings.HasPrefix(h, sh.Name()) {
				continue
			}
			if _, err := hex.Decode(sum[:], []byte(h)); err != nil {
				continue
			}
			fi, err := f.Info()
			if err != nil {
				continue // removed meanwhile (uploaded)
			}
			t.enqueue(sum, fi.Size(), fi.ModTime())
		}
	}
	return nil
}

func (t *Tiered) work(ctx context.Context) {
	for {
		sum, ok := t.next(ctx)
		if !ok {
			return
		}
		t.finish(ctx, sum, t.upload(ctx, sum))
	}
}

// next waits for a queued file and for the backoff to pass.
func (t *Tiered) next(ctx context.Context) ([32]byte, bool) {
	for {
		t.mu.Lock()
		wait := time.Until(t.resume)
		if wait <= 0 && len(t.queue) > 0 {
			sum := t.queue[0]
			t.queue = t.queue[1:]
			if len(t.queue) > 0 {
				t.signal() // another worker may take the next one
			}
			t.mu.Unlock()
			return sum, true
		}
		t.mu.Unlock()
		var tm *time.Timer
		var timer <-chan time.Time
		if wait > 0 {
			tm = time.NewTimer(wait)
			timer = tm.C
		}
		select {
		case <-ctx.Done():
			return [32]byte{}, false
		case <-t.wake:
		case <-timer:
		}
		if tm != nil {
			tm.Stop()
		}
	}
}

var (
	errSpoolCorrupt = errors.New("spool copy does not verify")
	errSpoolGone    = errors.New("spool copy is gone and the object store does not have it")
)

// upload sends one spool file, checks the object store holds exactly its
// bytes and deletes the spool copy.
func (t *Tiered) upload(ctx context.Context, sum [32]byte) error {
	ctx, cancel := context.WithTimeout(ctx, t.c.UploadTimeout)
	defer cancel()
	name := t.ObjectName(sum)
	path := t.spool.Path(sum)
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		// Another worker uploaded it and deleted the copy after this one
		// was queued again by a Put of the same content.
		if _, serr := t.remote.StatObject(ctx, name); serr != nil {
			if errors.Is(serr, ErrNotFound) {
				return errSpoolGone
			}
			return serr
		}
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	// Never upload (and then delete) a copy that does not decrypt.
	if rd, err := t.spool.open(ctx, sum); err != nil {
		return fmt.Errorf("%w: %w", errSpoolCorrupt, err)
	} else {
		_, err = io.Copy(io.Discard, rd)
		rd.Close()
		if err != nil {
			return fmt.Errorf("%w: %w", errSpoolCorrupt, err)
		}
	}
	body := io.NewSectionReader(maskedFile{f}, 0, fi.Size())
	h := md5.New()
	if _, err := io.Copy(h, body); err != nil {
		return err
	}
	sumMD5 := h.Sum(nil)
	if _, err := body.Seek(0, io.SeekStart); err != nil {
		return err
	}
	if err := t.remote.PutObject(ctx, name, body, fi.Size(), sumMD5); err != nil {
		return fmt.Errorf("put: %w", err)
	}
	if err := t.verify(ctx, name, fi.Size(), sumMD5); err != nil {
		return err
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("uploaded, but the spool copy stays: %w", err)
	}
	return nil
}

// verify checks the stored object: its size, and its MD5 through the ETag
// when the server gives the plain MD5 there, else by reading it back.
func (t *Tiered) verify(ctx context.Context, name string, size int64, want []byte) error {
	info, err := t.remote.StatObject(ctx, name)
	if err != nil {
		return fmt.Errorf("check upload: %w", err)
	}
	if info.Size != size {
		return fmt.Errorf("check upload: object has %d bytes, want %d", info.Size, size)
	}
	if etag, err := hex.DecodeString(info.ETag); err == nil && len(etag) == md5.Size {
		if !bytes.Equal(etag, want) {
			return fmt.Errorf("check upload: object ETag %s, want MD5 %x", info.ETag, want)
		}
		return nil
	}
	back, err := t.remote.GetObject(ctx, name, size)
	if err != nil {
		return fmt.Errorf("check upload: read back: %w", err)
	}
	if got := md5.Sum(back); !bytes.Equal(got[:], want) {
		return fmt.Errorf("check upload: object read back differs (MD5 %x, want %x)", got, want)
	}
	return nil
}

func (t *Tiered) finish(ctx context.Context, sum [32]byte, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case err == nil:
		delete(t.pending, sum)
		t.uploaded++
		if t.failures > 0 {
			t.logger.Info("object store uploads work again", "after_failures", t.failures, "backlog", len(t.pending))
		}
		t.failures, t.resume = 0, time.Time{}
	case errors.Is(err, errSpoolCorrupt):
		delete(t.pending, sum)
		t.bad[sum] = true
		t.logger.Error("spool file does not verify and is not uploaded; it stays on disk: Put the original again to repair it",
			"file", hex.EncodeToString(sum[:]), "err", err)
	case errors.Is(err, errSpoolGone):
		delete(t.pending, sum)
		t.logger.Error("file lost: removed from the spool but not in the object store; Put the original again",
			"file", hex.EncodeToString(sum[:]), "object", t.ObjectName(sum))
	case ctx.Err() != nil:
		// Shutting down: the file stays in the spool for the next start.
		t.queue = append(t.queue, sum)
	default:
		t.failed++
		t.failures++
		backoff := t.c.MinBackoff << min(t.failures-1, 30)
		if backoff <= 0 || backoff > t.c.MaxBackoff {
			backoff = t.c.MaxBackoff
		}
		t.resume = time.Now().Add(backoff)
		t.queue = append(t.queue, sum)
		// Log the first failure and then at powers of two, so a long
		// outage does not flood the log.
		if t.failures&(t.failures-1) == 0 {
			t.logger.Warn("object store upload failed; files wait in the spool", "file", hex.EncodeToString(sum[:]),
				"err", err, "failures", t.failures, "backlog", len(t.pending), "retry_in", backoff)
		}
	}
}

// maskedFile reads a spool file with the header's plaintext SM3 zeroed.
type maskedFile struct{ f *os.File }

func (m maskedFile) ReadAt(p []byte, off int64) (int, error) {
	n, err := m.f.ReadAt(p, off)
	lo, hi := max(off, sumOffset), min(off+int64(n), sumOffset+32)
	if lo < hi {
		clear(p[lo-off : hi-off])
	}
	return n, err
}
