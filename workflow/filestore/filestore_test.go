package filestore

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"io/fs"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/emmansun/gmsm/sm3"
	"github.com/stretchr/testify/require"
)

func newStore(t *testing.T, opts ...Option) (*Store, string) {
	t.Helper()
	home := t.TempDir()
	kek, err := LoadKEK(filepath.Join(home, "config", DefaultKEKFile), nil)
	require.NoError(t, err)
	dir := filepath.Join(home, "data", "files")
	s, err := Open(dir, kek, opts...)
	require.NoError(t, err)
	return s, dir
}

func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return b
}

func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	tests := []struct {
		name string
		size int
	}{
		{"empty", 0},
		{"one byte", 1},
		{"one chunk less one", chunkSize - 1},
		{"exactly one chunk", chunkSize},
		{"exactly two chunks", 2 * chunkSize},
		{"two chunks and a bit", 2*chunkSize + 17},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := randomBytes(t, tc.size)
			sum, err := s.Put(ctx, bytes.NewReader(data))
			require.NoError(t, err)
			require.Equal(t, sm3.Sum(data), sum)
			got, err := s.Get(ctx, sum)
			require.NoError(t, err)
			require.True(t, bytes.Equal(data, got))
			raw, err := os.ReadFile(s.Path(sum))
			require.NoError(t, err)
			nChunks := max(1, (tc.size+chunkSize-1)/chunkSize)
			require.Equal(t, headerSize+tc.size+nChunks*tagSize, len(raw))
			if tc.size >= 16 {
				require.False(t, bytes.Contains(raw, data[:16]), "plaintext not at rest")
			}
		})
	}
}

func TestPutIdempotent(t *testing.T) {
	ctx := context.Background()
	s, dir := newStore(t)
	data := []byte("合同 contract bytes")
	a, err := s.Put(ctx, bytes.NewReader(data))
	require.NoError(t, err)
	before, err := os.ReadFile(s.Path(a))
	require.NoError(t, err)
	b, err := s.Put(ctx, bytes.NewReader(data))
	require.NoError(t, err)
	require.Equal(t, a, b)
	after, err := os.ReadFile(s.Path(a))
	require.NoError(t, err)
	require.Equal(t, before, after, "the stored file is left alone")
	tmp, err := os.ReadDir(filepath.Join(dir, tmpDir))
	require.NoError(t, err)
	require.Empty(t, tmp)
}

func TestTampering(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	data := randomBytes(t, chunkSize+1000)
	sum, err := s.Put(ctx, bytes.NewReader(data))
	require.NoError(t, err)
	other, err := s.Put(ctx, strings.NewReader("another file"))
	require.NoError(t, err)
	orig, err := os.ReadFile(s.Path(sum))
	require.NoError(t, err)
	otherRaw, err := os.ReadFile(s.Path(other))
	require.NoError(t, err)

	tests := []struct {
		name string
		mut  func([]byte) []byte
		want error
	}{
		{"magic", func(b []byte) []byte { b[0] ^= 1; return b }, ErrCorrupt},
		{"kek id", func(b []byte) []byte { b[9] ^= 1; return b }, ErrWrongKEK},
		{"wrapped key", func(b []byte) []byte { b[30] ^= 1; return b }, ErrCorrupt},
		{"header sm3", func(b []byte) []byte { b[16+wrappedSize] ^= 1; return b }, ErrCorrupt},
		{"size", func(b []byte) []byte { b[headerSize-1] ^= 1; return b }, ErrCorrupt},
		{"first chunk", func(b []byte) []byte { b[headerSize+5] ^= 1; return b }, ErrCorrupt},
		{"last chunk", func(b []byte) []byte { b[len(b)-1] ^= 1; return b }, ErrCorrupt},
		{"truncated", func(b []byte) []byte { return b[:len(b)-tagSize-1] }, ErrCorrupt},
		{"last chunk dropped", func(b []byte) []byte { return b[:headerSize+chunkSize+tagSize] }, ErrCorrupt},
		{"appended", func(b []byte) []byte { return append(b, 0) }, ErrCorrupt},
		{"swapped blob", func([]byte) []byte { return bytes.Clone(otherRaw) }, ErrCorrupt},
		{"header of another file", func(b []byte) []byte {
			copy(b[16:16+wrappedSize], otherRaw[16:16+wrappedSize])
			return b
		}, ErrCorrupt},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.NoError(t, os.WriteFile(s.Path(sum), tc.mut(bytes.Clone(orig)), 0o600))
			_, err := s.Get(ctx, sum)
			require.ErrorIs(t, err, tc.want)
		})
	}
	require.NoError(t, os.WriteFile(s.Path(sum), orig, 0o600))
	got, err := s.Get(ctx, sum)
	require.NoError(t, err)
	require.Equal(t, data, got)
	_, err = s.Get(ctx, sm3.Sum([]byte("never stored")))
	require.ErrorIs(t, err, ErrNotFound)
}

func TestWrongKEK(t *testing.T) {
	ctx := context.Background()
	s, dir := newStore(t)
	sum, err := s.Put(ctx, strings.NewReader("secret contract"))
	require.NoError(t, err)
	other, err := NewKEK(randomBytes(t, 16))
	require.NoError(t, err)
	s2, err := Open(dir, other)
	require.NoError(t, err)
	_, err = s2.Get(ctx, sum)
	require.ErrorIs(t, err, ErrWrongKEK)
	// Same id, different key is impossible to build without an SM3
	// collision; a key that merely claims the id fails to unwrap.
	forged := &KEK{key: randomBytes(t, 16), id: s.kek.id}
	s3, err := Open(dir, forged)
	require.NoError(t, err)
	_, err = s3.Get(ctx, sum)
	require.ErrorIs(t, err, ErrCorrupt)
}

func TestLoadKEK(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config", DefaultKEKFile)
	k1, err := LoadKEK(path, nil)
	require.NoError(t, err)
	fi, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, fs.FileMode(0o600), fi.Mode().Perm())
	k2, err := LoadKEK(path, nil)
	require.NoError(t, err)
	require.Equal(t, k1.ID(), k2.ID(), "loaded, not regenerated")
	leftovers, err := filepath.Glob(filepath.Join(dir, "config", ".kek-*"))
	require.NoError(t, err)
	require.Empty(t, leftovers)

	tests := []struct {
		name    string
		content string
		mode    fs.FileMode
		want    string
	}{
		{"group readable", "00112233445566778899aabbccddeeff\n", 0o640, "want 0600"},
		{"short", "0011\n", 0o600, "32 hex digits"},
		{"not hex", strings.Repeat("z", 32), 0o600, "32 hex digits"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "kek")
			require.NoError(t, os.WriteFile(p, []byte(tc.content), tc.mode))
			require.NoError(t, os.Chmod(p, tc.mode))
			_, err := LoadKEK(p, nil)
			require.ErrorContains(t, err, tc.want)
			require.NotContains(t, err.Error(), tc.content[:4], "key material stays out of errors")
		})
	}
}

// failingReader returns n bytes, then an error: a crash or a broken upload
// in the middle of a Put.
type failingReader struct {
	r io.Reader
	n int
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errors.New("connection reset")
	}
	p = p[:min(len(p), f.n)]
	n, err := f.r.Read(p)
	f.n -= n
	return n, err
}

func TestCrashSafeNaming(t *testing.T) {
	ctx := context.Background()
	s, dir := newStore(t)
	data := randomBytes(t, 3*chunkSize)
	_, err := s.Put(ctx, &failingReader{bytes.NewReader(data), 2*chunkSize + 5})
	require.ErrorContains(t, err, "connection reset")
	names := finalNames(t, dir)
	require.Empty(t, names, "no file under a final name after a failed Put")
	tmp, err := os.ReadDir(filepath.Join(dir, tmpDir))
	require.NoError(t, err)
	require.Empty(t, tmp, "the partial write is removed")

	// A crash (no cleanup) leaves a temp file; Open removes it, and no
	// partial file ever has a final name.
	require.NoError(t, os.WriteFile(filepath.Join(dir, tmpDir, "put-123"), []byte("half"), 0o600))
	s2, err := Open(dir, s.kek)
	require.NoError(t, err)
	tmp, err = os.ReadDir(filepath.Join(dir, tmpDir))
	require.NoError(t, err)
	require.Empty(t, tmp)

	ctxCancel, cancel := context.WithCancel(ctx)
	cancel()
	_, err = s2.Put(ctxCancel, bytes.NewReader(data))
	require.ErrorIs(t, err, context.Canceled)
	require.Empty(t, finalNames(t, dir))
}

func finalNames(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, fileExt) {
			out = append(out, p)
		}
		return err
	}))
	return out
}

func TestMaxSize(t *testing.T) {
	s, dir := newStore(t, WithMaxSize(100))
	_, err := s.Put(context.Background(), bytes.NewReader(make([]byte, 101)))
	require.ErrorIs(t, err, ErrTooLarge)
	require.Empty(t, finalNames(t, dir))
	_, err = s.Put(context.Background(), bytes.NewReader(make([]byte, 100)))
	require.NoError(t, err)
}

// TestLargeFileBoundedMemory streams a 20 MB file in and out and checks the
// heap grows by far less than the file.
func TestLargeFileBoundedMemory(t *testing.T) {
	const size = 20 << 20
	ctx := context.Background()
	s, _ := newStore(t)
	src := func() io.Reader { return io.LimitReader(mrand.NewChaCha8([32]byte{1}), size) }
	h := sm3.New()
	io.Copy(h, src())
	var want [32]byte
	h.Sum(want[:0])

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	sum, err := s.Put(ctx, src())
	require.NoError(t, err)
	require.Equal(t, want, sum)
	rc, err := s.Open(ctx, sum)
	require.NoError(t, err)
	h.Reset()
	n, err := io.Copy(h, rc)
	require.NoError(t, err)
	require.NoError(t, rc.Close())
	runtime.ReadMemStats(&after)
	require.EqualValues(t, size, n)
	var got [32]byte
	h.Sum(got[:0])
	require.Equal(t, want, got)
	// TotalAlloc counts every allocation, freed or not: reading the file
	// into memory would alone add 20 MB.
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("20 MB put+open allocated %d KiB in total", alloc>>10)
	require.Less(t, alloc, uint64(4<<20), "Put and Open stream")
}

func TestConcurrentPuts(t *testing.T) {
	ctx := context.Background()
	s, dir := newStore(t)
	contents := [][]byte{randomBytes(t, chunkSize+1), randomBytes(t, 10), []byte("same")}
	errs := make(chan error, 3*8)
	for range 8 {
		for _, c := range contents {
			go func() {
				got, err := s.Put(ctx, bytes.NewReader(c))
				if err == nil && got != sm3.Sum(c) {
					err = errors.New("wrong hash")
				}
				errs <- err
			}()
		}
	}
	for range 3 * 8 {
		require.NoError(t, <-errs)
	}
	require.Len(t, finalNames(t, dir), 3)
	for _, c := range contents {
		got, err := s.Get(ctx, sm3.Sum(c))
		require.NoError(t, err)
		require.Equal(t, c, got)
	}
}

func TestPutRepairsDamagedCopy(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	data := randomBytes(t, 1000)
	sum, err := s.Put(ctx, bytes.NewReader(data))
	require.NoError(t, err)
	raw, err := os.ReadFile(s.Path(sum))
	require.NoError(t, err)
	raw[len(raw)-3] ^= 0x40
	require.NoError(t, os.WriteFile(s.Path(sum), raw, 0o600))
	_, err = s.Get(ctx, sum)
	require.ErrorIs(t, err, ErrCorrupt)
	_, err = s.Put(ctx, bytes.NewReader(data))
	require.NoError(t, err)
	got, err := s.Get(ctx, sum)
	require.NoError(t, err)
	require.Equal(t, data, got)
}
