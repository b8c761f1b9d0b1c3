package notify

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"
	"time"

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
