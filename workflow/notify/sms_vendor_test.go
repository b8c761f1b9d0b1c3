package notify_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble"
	"github.com/stretchr/testify/require"

	"github.com/sealchain/sealchain/workflow/notify"
	"github.com/sealchain/sealchain/workflow/providers/tencent"
	"github.com/sealchain/sealchain/workflow/providers/vendortest"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestSMSThroughTencent drains the outbox through the Tencent adapter and
// the signature-checking fake: the vendor throttles once, then accepts.
// The debug log of the whole run holds neither the API secret nor the
// recipient nor the code.
func TestSMSThroughTencent(t *testing.T) {
	const id, key = "AKIDlogTEST000000000000000000000", "logTESTsecretKEY0000000000000000"
	f := vendortest.NewTencent(id, key)
	defer f.Close()
	var mu sync.Mutex
	n := 0
	f.Handle("SendSms", func(map[string]any) vendortest.Reply {
		mu.Lock()
		defer mu.Unlock()
		n++
		code := "Ok"
		if n == 1 {
			code = "LimitExceeded.PhoneNumberThirtySecondLimit"
		}
		return vendortest.Reply{Body: map[string]any{"SendStatusSet": []any{map[string]any{"Code": code, "SerialNo": "1"}}}}
	})
	db, err := pebble.Open(t.TempDir(), &pebble.Options{})
	require.NoError(t, err)
	defer db.Close()
	o, err := notify.NewOutbox(db, nil)
	require.NoError(t, err)
	s, err := tencent.NewSMS(tencent.SMSConfig{Config: tencent.Config{SecretID: id, SecretKey: key, Region: "ap-guangzhou",
		Endpoint: f.Host(), PlainHTTP: true, Timeout: time.Second}, AppID: "1400000001", SignName: "封链",
		Templates: map[string]tencent.Template{notify.TemplateSMSCode: {ID: "1", Params: []string{"code"}}}})
	require.NoError(t, err)
	var logs syncBuffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	g, err := notify.NewSMSGateway(o, s, notify.WithSMSLogger(logger), notify.WithSMSBackoff(10*time.Millisecond, 20*time.Millisecond, 5))
	require.NoError(t, err)
	ctx := context.Background()
	mid, err := o.Enqueue(ctx, notify.Message{Channel: notify.ChannelSMS, RecipientRef: "13912345678", Template: notify.TemplateSMSCode,
		Params: map[string]string{"code": "482915"}})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		if _, err := g.SendDue(ctx); err != nil {
			t.Fatal(err)
		}
		m, err := o.Message(ctx, mid)
		return err == nil && m.State == notify.MessageAcked
	}, 5*time.Second, 10*time.Millisecond)
	m, _ := o.Message(ctx, mid)
	require.Equal(t, 1, m.Attempts)
	require.Contains(t, m.LastError, "LimitExceeded.PhoneNumberThirtySecondLimit")
	out := logs.String()
	require.Contains(t, out, "sms sent")
	require.Contains(t, out, "will retry")
	for _, secret := range []string{key, id, "13912345678", "482915"} {
		require.NotContains(t, out, secret)
		require.False(t, strings.Contains(m.LastError, secret))
	}
}

// BenchmarkSMSThroughTencent: outbox to the Tencent adapter to the
// signature-checking fake on 127.0.0.1, one message per iteration
// (enqueue, SendSms signed TC3-HMAC-SHA256 and verified, ack; two synced
// pebble writes).
func BenchmarkSMSThroughTencent(b *testing.B) {
	const id, key = "AKIDbench00000000000000000000000", "benchSECRETkey00000000000000000"
	f := vendortest.NewTencent(id, key)
	defer f.Close()
	f.Handle("SendSms", func(map[string]any) vendortest.Reply {
		return vendortest.Reply{Body: map[string]any{"SendStatusSet": []any{map[string]any{"Code": "Ok"}}}}
	})
	db, err := pebble.Open(b.TempDir(), &pebble.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	o, _ := notify.NewOutbox(db, nil)
	s, _ := tencent.NewSMS(tencent.SMSConfig{Config: tencent.Config{SecretID: id, SecretKey: key, Region: "ap-guangzhou",
		Endpoint: f.Host(), PlainHTTP: true}, AppID: "1400000001", SignName: "封链",
		Templates: map[string]tencent.Template{notify.TemplateSMSCode: {ID: "1", Params: []string{"code"}}}})
	g, _ := notify.NewSMSGateway(o, s)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := o.Enqueue(ctx, notify.Message{Channel: notify.ChannelSMS, RecipientRef: "13912345678",
			Template: notify.TemplateSMSCode, Params: map[string]string{"code": "1"}}); err != nil {
			b.Fatal(err)
		}
		if r, err := g.SendDue(ctx); err != nil || r.Sent != 1 {
			b.Fatal(r, err)
		}
	}
}
