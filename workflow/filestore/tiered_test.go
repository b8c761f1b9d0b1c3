package filestore

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"github.com/stretchr/testify/require"
)

// memRemote is an in-memory object store with switches for failures.
type memRemote struct {
	mu      sync.Mutex
	objects map[string][]byte
	down    bool          // every call fails
	block   chan struct{} // PutObject waits for it to close
	badETag bool          // StatObject reports a wrong ETag
	noETag  bool          // StatObject reports a non-MD5 ETag (read-back check)
	puts    int
}

func newMemRemote() *memRemote { return &memRemote{objects: map[string][]byte{}} }

var errDown = errors.New("connection refused")

func (m *memRemote) PutObject(ctx context.Context, name string, body io.ReadSeeker, size int64, contentMD5 []byte) error {
	m.mu.Lock()
	block := m.block
	m.mu.Unlock()
	if block != nil {
		select {
		case <-block:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.puts++
	if m.down {
		return errDown
	}
	if got := md5.Sum(b); int64(len(b)) != size || !bytes.Equal(got[:], contentMD5) {
		return errors.New("BadDigest")
	}
	m.objects[name] = b
	return nil
}

func (m *memRemote) StatObject(ctx context.Context, name string) (ObjectInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down {
		return ObjectInfo{}, errDown
	}
	b, ok := m.objects[name]
	if !ok {
		return ObjectInfo{}, ErrNotFound
	}
	sum := md5.Sum(b)
	etag := hex.EncodeToString(sum[:])
	switch {
	case m.badETag:
		etag = "00000000000000000000000000000000"
	case m.noETag:
		etag = etag + "-1"
	}
	return ObjectInfo{Size: int64(len(b)), ETag: etag}, nil
}

func (m *memRemote) GetObject(ctx context.Context, name string, max int64) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down {
		return nil, errDown
	}
	b, ok := m.objects[name]
	if !ok {
		return nil, ErrNotFound
	}
	if int64(len(b)) > max {
		return nil, errors.New("too large")
	}
	return bytes.Clone(b), nil
}

func (m *memRemote) set(f func(m *memRemote)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f(m)
}

func (m *memRemote) object(name string) []byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.objects[name]
}

func newTiered(t *testing.T, remote Remote) (*Tiered, *Store) {
	t.Helper()
	s, _ := newStore(t)
	return NewTiered(s, remote, TieredConfig{MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond,
		Rescan: 50 * time.Millisecond, Prefix: "files/"}), s
}

// run starts the uploader and stops it when the test ends.
func run(t *testing.T, tr *Tiered) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- tr.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		require.ErrorIs(t, <-done, context.Canceled)
	})
}

func waitDrained(t *testing.T, tr *Tiered) {
	t.Helper()
	require.Eventually(t, func() bool { return tr.Backlog().Files == 0 }, 10*time.Second, 5*time.Millisecond)
}

func TestTieredUploadsCiphertextUnderKeyedName(t *testing.T) {
	ctx := context.Background()
	remote := newMemRemote()
	tr, spool := newTiered(t, remote)
	data := append([]byte("%PDF-1.7\n合同 contract: party A pays party B "), randomBytes(t, 3*chunkSize)...)
	sum, err := tr.Put(ctx, bytes.NewReader(data))
	require.NoError(t, err)
	require.Equal(t, sm3.Sum(data), sum)
	require.Equal(t, 1, tr.Backlog().Files)
	run(t, tr)
	waitDrained(t, tr)
	_, err = os.Stat(spool.Path(sum))
	require.ErrorIs(t, err, os.ErrNotExist, "spool copy deleted after a checked upload")

	name := tr.ObjectName(sum)
	require.Regexp(t, "^files/[0-9a-f]{64}$", name)
	require.NotContains(t, name, hex.EncodeToString(sum[:]))
	obj := remote.object(name)
	require.NotNil(t, obj)
	require.False(t, bytes.Contains(obj, []byte("%PDF")), "no PDF header in the object")
	require.False(t, bytes.Contains(obj, data[9:30]), "no plaintext in the object")
	require.False(t, bytes.Contains(obj, sum[:8]), "no plaintext SM3 in the object")

	got, err := tr.Get(ctx, sum)
	require.NoError(t, err)
	require.True(t, bytes.Equal(data, got))
	b := tr.Backlog()
	require.Equal(t, uint64(1), b.Uploaded)
	require.Zero(t, b.Failed)

	// Another KEK names objects differently.
	other, _ := newTiered(t, remote)
	require.NotEqual(t, name, other.ObjectName(sum))
}

func TestTieredRemoteDownKeepsUploads(t *testing.T) {
	ctx := context.Background()
	remote := newMemRemote()
	remote.set(func(m *memRemote) { m.down = true })
	tr, spool := newTiered(t, remote)
	run(t, tr)
	var sums [][32]byte
	for i := range 5 {
		start := time.Now()
		sum, err := tr.Put(ctx, bytes.NewReader([]byte{byte(i), 'x'}))
		require.NoError(t, err, "accepted although the store is down")
		require.Less(t, time.Since(start), time.Second)
		sums = append(sums, sum)
	}
	require.Eventually(t, func() bool { return tr.Backlog().Failed >= 3 }, 5*time.Second, 5*time.Millisecond)
	b := tr.Backlog()
	require.Equal(t, 5, b.Files)
	require.Positive(t, b.Failures)
	for _, sum := range sums {
		got, err := tr.Get(ctx, sum) // from the spool
		require.NoError(t, err)
		require.Len(t, got, 2)
	}
	remote.set(func(m *memRemote) { m.down = false })
	waitDrained(t, tr)
	require.Zero(t, tr.Backlog().Failures)
	for _, sum := range sums {
		_, err := os.Stat(spool.Path(sum))
		require.ErrorIs(t, err, os.ErrNotExist)
		got, err := tr.Get(ctx, sum) // from the store
		require.NoError(t, err)
		require.Len(t, got, 2)
	}
}

func TestTieredSlowRemote(t *testing.T) {
	ctx := context.Background()
	remote := newMemRemote()
	release := make(chan struct{})
	remote.set(func(m *memRemote) { m.block = release })
	tr, _ := newTiered(t, remote)
	run(t, tr)
	start := time.Now()
	for i := range 20 {
		_, err := tr.Put(ctx, bytes.NewReader([]byte{byte(i)}))
		require.NoError(t, err)
	}
	require.Less(t, time.Since(start), 2*time.Second, "Put does not wait for the store")
	require.Equal(t, 20, tr.Backlog().Files)
	close(release)
	waitDrained(t, tr)
}

func TestTieredUploadCheck(t *testing.T) {
	ctx := context.Background()
	t.Run("wrong ETag keeps the spool copy", func(t *testing.T) {
		remote := newMemRemote()
		remote.set(func(m *memRemote) { m.badETag = true })
		tr, spool := newTiered(t, remote)
		sum, err := tr.Put(ctx, bytes.NewReader([]byte("x")))
		require.NoError(t, err)
		run(t, tr)
		require.Eventually(t, func() bool { return tr.Backlog().Failed >= 2 }, 5*time.Second, 5*time.Millisecond)
		_, err = os.Stat(spool.Path(sum))
		require.NoError(t, err)
		remote.set(func(m *memRemote) { m.badETag = false })
		waitDrained(t, tr)
	})
	t.Run("non-MD5 ETag is checked by reading back", func(t *testing.T) {
		remote := newMemRemote()
		remote.set(func(m *memRemote) { m.noETag = true })
		tr, _ := newTiered(t, remote)
		_, err := tr.Put(ctx, bytes.NewReader([]byte("y")))
		require.NoError(t, err)
		run(t, tr)
		waitDrained(t, tr)
	})
}

func TestTieredResumesSpoolAfterRestart(t *testing.T) {
	ctx := context.Background()
	remote := newMemRemote()
	tr, spool := newTiered(t, remote)
	sum, err := tr.Put(ctx, bytes.NewReader([]byte("left behind by a crash")))
	require.NoError(t, err)
	// A new process over the same spool: its queue is empty until Run lists the spool.
	again := NewTiered(spool, remote, TieredConfig{Rescan: time.Hour})
	require.Zero(t, again.Backlog().Files)
	run(t, again)
	waitDrained(t, again)
	require.NotNil(t, remote.object(again.ObjectName(sum)))
}

func TestTieredCorruptObject(t *testing.T) {
	ctx := context.Background()
	remote := newMemRemote()
	tr, _ := newTiered(t, remote)
	run(t, tr)
	a, err := tr.Put(ctx, bytes.NewReader([]byte("contract A")))
	require.NoError(t, err)
	b, err := tr.Put(ctx, bytes.NewReader([]byte("contract B")))
	require.NoError(t, err)
	waitDrained(t, tr)
	orig := bytes.Clone(remote.object(tr.ObjectName(a)))
	objB := bytes.Clone(remote.object(tr.ObjectName(b)))
	restore := func() { remote.set(func(m *memRemote) { m.objects[tr.ObjectName(a)] = bytes.Clone(orig) }) }
	tests := []struct {
		name   string
		mutate func([]byte) []byte
		want   error
	}{
		{"flipped ciphertext", func(o []byte) []byte { o[len(o)-20] ^= 1; return o }, ErrCorrupt},
		{"flipped wrapped key", func(o []byte) []byte { o[30] ^= 1; return o }, ErrCorrupt},
		{"truncated", func(o []byte) []byte { return o[:len(o)-1] }, ErrCorrupt},
		{"appended", func(o []byte) []byte { return append(o, 0) }, ErrCorrupt},
		{"other file's object", func([]byte) []byte { return bytes.Clone(objB) }, ErrCorrupt},
		{"other KEK", func(o []byte) []byte { o[8] ^= 1; return o }, ErrWrongKEK},
		{"missing", nil, ErrNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			defer restore()
			remote.set(func(m *memRemote) {
				if tc.mutate == nil {
					delete(m.objects, tr.ObjectName(a))
					return
				}
				m.objects[tr.ObjectName(a)] = tc.mutate(bytes.Clone(orig))
			})
			_, err := tr.Get(ctx, a)
			require.ErrorIs(t, err, tc.want)
			require.Contains(t, err.Error(), tr.ObjectName(a)[:10])
		})
	}
	got, err := tr.Get(ctx, a)
	require.NoError(t, err)
	require.Equal(t, "contract A", string(got))
}

func TestTieredCorruptSpoolNotUploaded(t *testing.T) {
	ctx := context.Background()
	remote := newMemRemote()
	tr, spool := newTiered(t, remote)
	sum, err := tr.Put(ctx, bytes.NewReader([]byte("damaged on the local disk")))
	require.NoError(t, err)
	raw, err := os.ReadFile(spool.Path(sum))
	require.NoError(t, err)
	raw[len(raw)-1] ^= 1
	require.NoError(t, os.WriteFile(spool.Path(sum), raw, 0o600))
	run(t, tr)
	require.Eventually(t, func() bool { return tr.Backlog().Unverifiable == 1 }, 5*time.Second, 5*time.Millisecond)
	require.Zero(t, remote.puts)
	_, err = os.Stat(spool.Path(sum))
	require.NoError(t, err, "kept for repair")
}
