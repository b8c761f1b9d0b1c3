package notify

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cockroachdb/pebble"
	"github.com/stretchr/testify/require"
)

// gcmSealer is a Sealer for tests (the node uses the workflow's SM4-GCM KEK).
type gcmSealer struct{ aead cipher.AEAD }

func newGCMSealer(t *testing.T) *gcmSealer {
	block, err := aes.NewCipher(make([]byte, 16))
	require.NoError(t, err)
	aead, err := cipher.NewGCM(block)
	require.NoError(t, err)
	return &gcmSealer{aead}
}

func (s *gcmSealer) Seal(id string, plain []byte) ([]byte, error) {
	nonce := make([]byte, s.aead.NonceSize())
	rand.Read(nonce)
	return s.aead.Seal(nonce, nonce, plain, []byte(id)), nil
}

func (s *gcmSealer) Open(id string, sealed []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	return s.aead.Open(nil, sealed[:n], sealed[n:], []byte(id))
}

// grepDir reports the files under dir that contain needle.
func grepDir(t *testing.T, dir string, needle []byte) []string {
	t.Helper()
	var hits []string
	require.NoError(t, filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if bytes.Contains(b, needle) {
			hits = append(hits, p)
		}
		return nil
	}))
	return hits
}

// TestOutboxSealsAtRest: recipients and parameters are never written in
// clear (not in the WAL, not in tables), a gateway still reads them, and
// acknowledging a message deletes them.
func TestOutboxSealsAtRest(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := openDB(t, dir)
	o, err := NewOutbox(db, time.Now, WithSealer(newGCMSealer(t)))
	require.NoError(t, err)
	const phone, code, link = "13912345678", "987654", "https://p.example/sign/TOKEN-abcdefghijklmnop"
	id, err := DevSMS{Outbox: o}.SendCode(ctx, phone, code, "sign c1")
	require.NoError(t, err)
	linkID, err := o.Enqueue(ctx, Message{Channel: ChannelSMS, RecipientRef: phone, Template: "sign_link", Params: map[string]string{"url": link}})
	require.NoError(t, err)

	msgs, _, err := o.Pending(ctx, ChannelSMS, "", 10)
	require.NoError(t, err)
	require.Len(t, msgs, 2)
	require.Equal(t, phone, msgs[0].RecipientRef)
	require.Equal(t, code, msgs[0].Params["code"])
	require.Equal(t, link, msgs[1].Params["url"])

	require.NoError(t, o.Ack(ctx, id))
	m, err := o.Message(ctx, id)
	require.NoError(t, err)
	require.Equal(t, MessageAcked, m.State)
	require.Empty(t, m.RecipientRef)
	require.Empty(t, m.Params)
	m, err = o.Message(ctx, linkID)
	require.NoError(t, err)
	require.Equal(t, link, m.Params["url"], "still pending: still readable")

	require.NoError(t, db.Close())
	for _, secret := range []string{phone, code, link, "TOKEN-abcdefghijklmnop"} {
		require.Empty(t, grepDir(t, dir, []byte(secret)), "%q in clear on disk", secret)
	}
}

// TestOutboxAckDeletesWithoutSealer: even unsealed, an acknowledged
// message keeps no recipient or parameters.
func TestOutboxAckDeletesWithoutSealer(t *testing.T) {
	ctx := context.Background()
	o, err := NewOutbox(openDBT(t), time.Now)
	require.NoError(t, err)
	id, err := DevSMS{Outbox: o}.SendCode(ctx, "13912345678", "987654", "")
	require.NoError(t, err)
	require.NoError(t, o.Ack(ctx, id))
	m, err := o.Message(ctx, id)
	require.NoError(t, err)
	require.Empty(t, m.RecipientRef)
	require.Empty(t, m.Params)
}

// TestWebhookSecretSealedAtRest: with a Sealer, a subscription's signing
// secret is never written in clear (it would let anyone who reads the DB
// forge the platform's deliveries), and deliveries are still signed with it.
func TestWebhookSecretSealedAtRest(t *testing.T) {
	dir := t.TempDir()
	db, err := pebble.Open(dir, &pebble.Options{})
	require.NoError(t, err)
	secret := []byte("hook-secret-ABCDEFGHIJKLMNOP")
	got := make(chan *http.Request, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		select {
		case got <- r:
		default:
		}
	}))
	defer srv.Close()
	wh, err := NewWebhooks(db, WithSecretSealer(newGCMSealer(t)), WithAllowedTargets(netip.MustParsePrefix("127.0.0.0/8")))
	require.NoError(t, err)
	ctx := context.Background()
	require.NoError(t, wh.Subscribe(ctx, Subscription{ID: "s1", URL: srv.URL, Secret: secret}))
	subs, err := wh.Subscriptions(ctx)
	require.NoError(t, err)
	require.Len(t, subs, 1)
	require.Equal(t, secret, subs[0].Secret)
	_, err = wh.Publish(ctx, Event{ID: "e1", Type: "t", Payload: []byte(`{}`)})
	require.NoError(t, err)
	_, err = wh.DeliverDue(ctx)
	require.NoError(t, err)
	select {
	case r := <-got:
		body, _ := io.ReadAll(r.Body)
		require.NoError(t, Verify(secret, r.Header.Get(HeaderSignature), body, time.Now(), time.Minute))
	case <-time.After(10 * time.Second):
		t.Fatal("no delivery")
	}
	require.NoError(t, db.Close())
	for _, needle := range [][]byte{secret, []byte(base64.StdEncoding.EncodeToString(secret))} {
		require.Empty(t, grepDir(t, dir, needle), "secret %q on disk", needle)
	}
}
