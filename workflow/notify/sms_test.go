package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// scriptedSender answers from a list of errors, then nil.
type scriptedSender struct {
	mu    sync.Mutex
	errs  []error
	sent  []string // phone|template|code
	calls int
}

func (s *scriptedSender) SendSMS(ctx context.Context, phone, template string, params map[string]string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if len(s.errs) > 0 {
		err := s.errs[0]
		s.errs = s.errs[1:]
		return err
	}
	s.sent = append(s.sent, phone+"|"+template+"|"+params["code"])
	return nil
}

func TestSMSGatewayRetriesThenSends(t *testing.T) {
	db := openDBT(t)
	clock := &fakeClock{t: time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)}
	o, err := NewOutbox(db, clock.now)
	require.NoError(t, err)
	id, err := o.Enqueue(context.Background(), Message{Channel: ChannelSMS, RecipientRef: "13800138000", Template: TemplateSMSCode,
		Params: map[string]string{"code": "123456"}, Key: "msg-otp-1"})
	require.NoError(t, err)
	down := fmt.Errorf("vendor: %w", errors.New("503"))
	s := &scriptedSender{errs: []error{down, down}}
	g, err := NewSMSGateway(o, s, WithSMSClock(clock.now, bytes.NewReader(make([]byte, 64))), WithSMSBackoff(10*time.Second, time.Minute, 5))
	require.NoError(t, err)
	ctx := context.Background()

	res, err := g.SendDue(ctx)
	require.NoError(t, err)
	require.Equal(t, SendResult{Retrying: 1}, res)
	m, err := o.ByKey(ctx, "msg-otp-1")
	require.NoError(t, err)
	require.Equal(t, MessagePending, m.State)
	require.Equal(t, 1, m.Attempts)
	require.Contains(t, m.LastError, "503")
	// Jitter 0: half of 10 s.
	require.Equal(t, clock.now().Add(5*time.Second), *m.NextAttempt)
	require.Equal(t, "13800138000", m.RecipientRef, "a pending message keeps its recipient")

	// Not due yet: nothing is tried.
	res, err = g.SendDue(ctx)
	require.NoError(t, err)
	require.Equal(t, SendResult{}, res)
	require.Equal(t, 1, s.calls)

	clock.add(5 * time.Second)
	res, err = g.SendDue(ctx)
	require.NoError(t, err)
	require.Equal(t, SendResult{Retrying: 1}, res)
	m, _ = o.Message(ctx, id)
	require.Equal(t, 2, m.Attempts)
	require.Equal(t, clock.now().Add(10*time.Second), *m.NextAttempt, "doubles")

	// A restart loses nothing: a new outbox and gateway over the same DB.
	o2, err := NewOutbox(db, clock.now)
	require.NoError(t, err)
	g2, err := NewSMSGateway(o2, s, WithSMSClock(clock.now, bytes.NewReader(make([]byte, 64))))
	require.NoError(t, err)
	clock.add(10 * time.Second)
	res, err = g2.SendDue(ctx)
	require.NoError(t, err)
	require.Equal(t, SendResult{Sent: 1}, res)
	m, _ = o2.Message(ctx, id)
	require.Equal(t, MessageAcked, m.State)
	require.Empty(t, m.RecipientRef)
	require.Equal(t, []string{"13800138000|sms_code|123456"}, s.sent)
}

func TestSMSGatewayFails(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name     string
		errs     []error
		attempts int // gateway's limit
		passes   int
		want     int // attempts recorded
	}{
		{"permanent at once", []error{fmt.Errorf("%w: bad number", ErrPermanent)}, 5, 1, 1},
		{"attempts run out", []error{errors.New("down"), errors.New("down"), errors.New("down")}, 3, 3, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := openDBT(t)
			clock := &fakeClock{t: time.Unix(1_800_000_000, 0)}
			o, err := NewOutbox(db, clock.now)
			require.NoError(t, err)
			id, err := o.Enqueue(ctx, Message{Channel: ChannelSMS, RecipientRef: "13800138000", Template: TemplateSMSCode,
				Params: map[string]string{"code": "1"}})
			require.NoError(t, err)
			g, err := NewSMSGateway(o, &scriptedSender{errs: tc.errs}, WithSMSClock(clock.now, bytes.NewReader(make([]byte, 800))),
				WithSMSBackoff(time.Second, time.Second, tc.attempts))
			require.NoError(t, err)
			for range tc.passes {
				_, err := g.SendDue(ctx)
				require.NoError(t, err)
				clock.add(time.Second)
			}
			m, err := o.Message(ctx, id)
			require.NoError(t, err)
			require.Equal(t, MessageFailed, m.State)
			require.Equal(t, tc.want, m.Attempts)
			require.NotNil(t, m.FailedAt)
			require.Empty(t, m.RecipientRef, "a failed message keeps no phone number")
			require.Empty(t, m.Params)
			pend, _, err := o.Pending(ctx, ChannelSMS, "", 10)
			require.NoError(t, err)
			require.Empty(t, pend)
			require.Error(t, o.Retry(ctx, id, "x", clock.now()), "a failed message is not retried")
		})
	}
}

// TestSMSGatewaySlowSender: a sender slower than the gateway's time-out
// is cut off and the message retried.
func TestSMSGatewaySlowSender(t *testing.T) {
	ctx := context.Background()
	o, err := NewOutbox(openDBT(t), nil)
	require.NoError(t, err)
	id, err := o.Enqueue(ctx, Message{Channel: ChannelSMS, RecipientRef: "13800138000", Template: TemplateSMSCode})
	require.NoError(t, err)
	slow := senderFunc(func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() })
	g, err := NewSMSGateway(o, slow, WithSMSTimeout(50*time.Millisecond))
	require.NoError(t, err)
	start := time.Now()
	res, err := g.SendDue(ctx)
	require.NoError(t, err)
	require.Less(t, time.Since(start), time.Second)
	require.Equal(t, SendResult{Retrying: 1}, res)
	m, _ := o.Message(ctx, id)
	require.Contains(t, m.LastError, "timeout after 50ms")
}

type senderFunc func(ctx context.Context) error

func (f senderFunc) SendSMS(ctx context.Context, _, _ string, _ map[string]string) error {
	return f(ctx)
}

func TestSMSGatewayRunSendsOnEnqueue(t *testing.T) {
	o, err := NewOutbox(openDBT(t), nil)
	require.NoError(t, err)
	s := &scriptedSender{}
	g, err := NewSMSGateway(o, s)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- g.Run(ctx) }()
	_, err = o.Enqueue(context.Background(), Message{Channel: ChannelSMS, RecipientRef: "13800138000", Template: TemplateSMSCode,
		Params: map[string]string{"code": "9"}})
	require.NoError(t, err)
	require.Eventually(t, func() bool { s.mu.Lock(); defer s.mu.Unlock(); return len(s.sent) == 1 }, 3*time.Second, 5*time.Millisecond)
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
}
