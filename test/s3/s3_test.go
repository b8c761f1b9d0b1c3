//go:build s3

package s3

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/emmansun/gmsm/sm3"
	"github.com/stretchr/testify/require"

	"github.com/sealchain/sealchain/internal/weedtest"
	"github.com/sealchain/sealchain/workflow/filestore"
	"github.com/sealchain/sealchain/workflow/filestore/s3store"
)

type rig struct {
	tiered *filestore.Tiered
	spool  *filestore.Store
	admin  *s3.Client
	bucket string
	logs   *syncBuffer
}

// newRig opens a spool with its own KEK, backed by bucket at endpoint, and
// runs its uploader until the test ends.
func newRig(t *testing.T, endpoint, bucket string, tc filestore.TieredConfig) *rig {
	t.Helper()
	home := t.TempDir()
	kek, err := filestore.LoadKEK(filepath.Join(home, "config", filestore.DefaultKEKFile), nil)
	require.NoError(t, err)
	spool, err := filestore.Open(filepath.Join(home, "data", "workflow-files"), kek)
	require.NoError(t, err)
	creds, err := s3store.LoadCredentials(weedtest.WriteCredentials(t, 0o600))
	require.NoError(t, err)
	remote, err := s3store.New(s3store.Config{Endpoint: endpoint, Bucket: bucket, PathStyle: true, Credentials: creds})
	require.NoError(t, err)
	logs := &syncBuffer{}
	tc.Logger = slog.New(slog.NewTextHandler(logs, nil))
	tc.MinBackoff = cmpDur(tc.MinBackoff, 100*time.Millisecond)
	tc.MaxBackoff = cmpDur(tc.MaxBackoff, time.Second)
	tc.UploadTimeout = cmpDur(tc.UploadTimeout, 20*time.Second)
	tc.GetTimeout = cmpDur(tc.GetTimeout, 10*time.Second)
	tr := filestore.NewTiered(spool, remote, tc)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); tr.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
		if t.Failed() {
			t.Logf("uploader log:\n%s", logs.String())
		}
	})
	return &rig{tiered: tr, spool: spool, admin: weedtest.Client(endpoint), bucket: bucket, logs: logs}
}

func cmpDur(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

type syncBuffer struct {
	mu sync.Mutex
	bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.Buffer.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.Buffer.String()
}

func (r *rig) drained(t *testing.T, within time.Duration) {
	t.Helper()
	require.Eventually(t, func() bool { return r.tiered.Backlog().Files == 0 }, within, 50*time.Millisecond,
		"backlog %+v", r.tiered.Backlog())
}

func (r *rig) objects(t *testing.T) []string { return weedtest.Objects(t, r.admin, r.bucket) }

func (r *rig) raw(t *testing.T, name string) []byte { return weedtest.Raw(t, r.admin, r.bucket, name) }

func (r *rig) overwrite(t *testing.T, name string, body []byte) {
	t.Helper()
	_, err := r.admin.PutObject(context.Background(), &s3.PutObjectInput{Bucket: &r.bucket, Key: &name, Body: bytes.NewReader(body)})
	require.NoError(t, err)
}

// contract is a small PDF-like document with recognisable plaintext.
func contract(i int) []byte {
	return fmt.Appendf(nil, "%%PDF-1.7\n%%\xe2\xe3\xcf\xd3\n1 0 obj << /Title (购销合同 No. %d) >> endobj\n"+
		"BT (Party A 甲方: 北京某某科技有限公司 pays Party B 乙方 CNY %d) Tj ET\n%%%%EOF\n", i, 100000+i)
}

func TestS3(t *testing.T) {
	w := weedtest.Start(t)
	admin := weedtest.Client(w.Endpoint())
	ctx := context.Background()

	t.Run("bucket holds ciphertext only", func(t *testing.T) {
		weedtest.CreateBucket(t, admin, "ciphertext")
		r := newRig(t, w.Endpoint(), "ciphertext", filestore.TieredConfig{Prefix: "files/"})
		doc := append(contract(1), bytes.Repeat([]byte("clause 条款 "), 20000)...) // several 64 KiB chunks
		sum, err := r.tiered.Put(ctx, bytes.NewReader(doc))
		require.NoError(t, err)
		require.Equal(t, sm3.Sum(doc), sum)
		r.drained(t, 30*time.Second)
		_, err = os.Stat(r.spool.Path(sum))
		require.ErrorIs(t, err, os.ErrNotExist, "spool copy removed after the checked upload")

		names := r.objects(t)
		require.Equal(t, []string{r.tiered.ObjectName(sum)}, names)
		require.NotContains(t, names[0], hex.EncodeToString(sum[:]), "object name does not reveal the SM3")
		obj := r.raw(t, names[0])
		require.Greater(t, len(obj), len(doc))
		for _, plain := range [][]byte{[]byte("%PDF"), []byte("购销合同"), []byte("Party A"), []byte("clause"), sum[:6],
			[]byte(hex.EncodeToString(sum[:])[:12])} {
			require.False(t, bytes.Contains(obj, plain), "object contains %q", plain)
		}
		got, err := r.tiered.Get(ctx, sum)
		require.NoError(t, err)
		require.True(t, bytes.Equal(doc, got), "round trip through the bucket")
	})

	t.Run("corrupt object fails authentication", func(t *testing.T) {
		weedtest.CreateBucket(t, admin, "corrupt")
		r := newRig(t, w.Endpoint(), "corrupt", filestore.TieredConfig{})
		a, err := r.tiered.Put(ctx, bytes.NewReader(contract(2)))
		require.NoError(t, err)
		b, err := r.tiered.Put(ctx, bytes.NewReader(contract(3)))
		require.NoError(t, err)
		r.drained(t, 30*time.Second)
		nameA, nameB := r.tiered.ObjectName(a), r.tiered.ObjectName(b)
		orig, other := r.raw(t, nameA), r.raw(t, nameB)
		for _, tc := range []struct {
			name string
			body func() []byte
		}{
			{"flipped ciphertext byte", func() []byte { o := bytes.Clone(orig); o[len(o)-30] ^= 0x40; return o }},
			{"flipped tag byte", func() []byte { o := bytes.Clone(orig); o[len(o)-1] ^= 1; return o }},
			{"truncated", func() []byte { return orig[:len(orig)-5] }},
			{"another file's object", func() []byte { return other }},
		} {
			r.overwrite(t, nameA, tc.body())
			_, err := r.tiered.Get(ctx, a)
			require.ErrorIs(t, err, filestore.ErrCorrupt, tc.name)
			require.Contains(t, err.Error(), nameA, "the error names the object")
		}
		r.overwrite(t, nameA, orig)
		got, err := r.tiered.Get(ctx, a)
		require.NoError(t, err)
		require.Equal(t, contract(2), got)
	})

	t.Run("slow server", func(t *testing.T) {
		weedtest.CreateBucket(t, admin, "slow")
		px := startProxy(t, w.Endpoint()[len("http://"):])
		r := newRig(t, "http://"+px.addr, "slow", filestore.TieredConfig{GetTimeout: time.Second})
		// First an object only in the bucket, for the Get below.
		inBucket, err := r.tiered.Put(ctx, bytes.NewReader(contract(10)))
		require.NoError(t, err)
		r.drained(t, 30*time.Second)

		px.delay.Store(int64(2 * time.Second))
		start := time.Now()
		var sums [][32]byte
		for i := range 10 {
			sum, err := r.tiered.Put(ctx, bytes.NewReader(contract(20+i)))
			require.NoError(t, err)
			sums = append(sums, sum)
		}
		took := time.Since(start)
		t.Logf("10 Puts with a server 2 s slow per read: %v", took)
		require.Less(t, took, time.Second, "Put does not wait for the object store")
		got, err := r.tiered.Get(ctx, sums[0]) // still in the spool
		require.NoError(t, err)
		require.Equal(t, contract(20), got)

		start = time.Now()
		_, err = r.tiered.Get(ctx, inBucket)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.Less(t, time.Since(start), 5*time.Second, "a Get from a slow bucket is bounded by get_timeout")

		px.delay.Store(0)
		r.drained(t, 60*time.Second)
		require.Len(t, r.objects(t), 11)
		for i, sum := range sums {
			got, err := r.tiered.Get(ctx, sum)
			require.NoError(t, err)
			require.Equal(t, contract(20+i), got)
		}
	})

	t.Run("server down", func(t *testing.T) {
		weedtest.CreateBucket(t, admin, "outage")
		r := newRig(t, w.Endpoint(), "outage", filestore.TieredConfig{})
		before, err := r.tiered.Put(ctx, bytes.NewReader(contract(40)))
		require.NoError(t, err)
		r.drained(t, 30*time.Second)

		w.Stop(t)
		var sums [][32]byte
		start := time.Now()
		for i := range 5 {
			sum, err := r.tiered.Put(ctx, bytes.NewReader(contract(50+i)))
			require.NoError(t, err, "an upload is accepted while the object store is down")
			sums = append(sums, sum)
		}
		require.Less(t, time.Since(start), time.Second)
		require.Eventually(t, func() bool { return r.tiered.Backlog().Failures >= 2 }, 30*time.Second, 50*time.Millisecond)
		b := r.tiered.Backlog()
		require.Equal(t, 5, b.Files)
		require.Positive(t, b.Bytes)
		require.Contains(t, r.logs.String(), "object store upload failed")
		for i, sum := range sums {
			got, err := r.tiered.Get(ctx, sum) // from the spool
			require.NoError(t, err)
			require.Equal(t, contract(50+i), got)
		}
		_, err = r.tiered.Get(ctx, before) // only in the bucket: fails clearly, not forever
		require.Error(t, err)
		require.NotErrorIs(t, err, filestore.ErrNotFound)

		w.Restart(t)
		r.drained(t, 60*time.Second)
		require.Zero(t, r.tiered.Backlog().Failures)
		require.Len(t, r.objects(t), 6)
		for i, sum := range sums {
			_, err := os.Stat(r.spool.Path(sum))
			require.ErrorIs(t, err, os.ErrNotExist)
			got, err := r.tiered.Get(ctx, sum)
			require.NoError(t, err)
			require.Equal(t, contract(50+i), got)
		}
		got, err := r.tiered.Get(ctx, before)
		require.NoError(t, err)
		require.Equal(t, contract(40), got)
	})
}

// proxy forwards TCP to the server, sleeping delay before every read from
// either side: a slow network or an overloaded server.
type proxy struct {
	addr  string
	delay atomic.Int64
}

func startProxy(t *testing.T, upstream string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &proxy{addr: ln.Addr().String()}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				u, err := net.Dial("tcp", upstream)
				if err != nil {
					return
				}
				defer u.Close()
				done := make(chan struct{}, 2)
				go func() { p.copy(u, c); done <- struct{}{} }()
				go func() { p.copy(c, u); done <- struct{}{} }()
				<-done
			}()
		}
	}()
	return p
}

func (p *proxy) copy(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if d := time.Duration(p.delay.Load()); d > 0 {
			time.Sleep(d)
		}
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				if tc, ok := dst.(*net.TCPConn); ok {
					tc.CloseWrite()
				}
			}
			return
		}
	}
}
