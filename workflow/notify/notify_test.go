package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble"
	"github.com/stretchr/testify/require"

	"github.com/sealchain/sealchain/internal/testport"
)

var secret = []byte("0123456789abcdef-secret")

// loopback lets the tests' receivers on 127.0.0.1 get deliveries.
var loopback = WithAllowedTargets(netip.MustParsePrefix("127.0.0.0/8"))

func openDB(t *testing.T, dir string) *pebble.DB {
	t.Helper()
	db, err := pebble.Open(dir, &pebble.Options{})
	require.NoError(t, err)
	return db
}

// receiver is a webhook endpoint that fails the first failures requests
// with 503, then accepts, checking every signature.
type receiver struct {
	failures int32
	calls    atomic.Int32
	mu       sync.Mutex
	bodies   []string
	badSigs  int
	now      func() time.Time
	srv      *httptest.Server
}

func newReceiver(t *testing.T, failures int32, now func() time.Time) *receiver {
	t.Helper()
	r := &receiver{failures: failures, now: now}
	addr, err := testport.Free()
	require.NoError(t, err)
	l, err := net.Listen("tcp", addr)
	require.NoError(t, err)
	r.srv = &httptest.Server{Listener: l, Config: &http.Server{Handler: r}}
	r.srv.Start()
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	n := r.calls.Add(1)
	r.mu.Lock()
	if Verify(secret, req.Header.Get(HeaderSignature), body, r.now(), DefaultTolerance) != nil ||
		req.Header.Get(HeaderEvent) == "" || req.Header.Get(HeaderDelivery) == "" {
		r.badSigs++
	}
	r.bodies = append(r.bodies, string(body))
	r.mu.Unlock()
	if n <= r.failures {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestRetriesUntilDelivered(t *testing.T) {
	tests := []struct {
		name        string
		failures    int32
		maxAttempts int
		wantState   string
		wantCalls   int
	}{
		{"first try", 0, 5, StateDelivered, 1},
		{"fails three times", 3, 5, StateDelivered, 4},
		{"fails until the limit", 10, 4, StateFailed, 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			clk := &fakeClock{t: time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)}
			rcv := newReceiver(t, tc.failures, clk.now)
			db := openDB(t, t.TempDir())
			defer db.Close()
			w, err := NewWebhooks(db, loopback, WithClock(clk.now), WithRand(rand.NewChaCha8([32]byte{3})),
				WithMaxAttempts(tc.maxAttempts), WithBackoff(10*time.Second, time.Minute))
			require.NoError(t, err)
			require.NoError(t, w.Subscribe(ctx, Subscription{ID: "s1", URL: rcv.srv.URL, Secret: secret}))
			ids, err := w.Publish(ctx, Event{ID: "ev1", Type: "contract.signed", Payload: json.RawMessage(`{"contract":"c1"}`)})
			require.NoError(t, err)
			require.Equal(t, []string{"ev1/s1"}, ids)

			for range 40 {
				n, err := w.DeliverDue(ctx)
				require.NoError(t, err)
				d, err := w.Delivery(ctx, "ev1/s1")
				require.NoError(t, err)
				if d.State != StatePending {
					break
				}
				if n == 0 {
					// Not due yet: nothing may be attempted early.
					require.True(t, clk.now().Before(d.NextAttempt))
				}
				clk.add(5 * time.Second)
			}
			d, err := w.Delivery(ctx, "ev1/s1")
			require.NoError(t, err)
			require.Equal(t, tc.wantState, d.State)
			require.Len(t, d.Attempts, tc.wantCalls)
			require.EqualValues(t, tc.wantCalls, rcv.calls.Load())
			require.Zero(t, rcv.badSigs, "every request is signed")
			for i, a := range d.Attempts {
				require.Equal(t, i+1, a.N)
				if i < int(tc.failures) {
					require.Equal(t, OutcomeHTTP5xx, a.Outcome)
				} else {
					require.Equal(t, OutcomeDelivered, a.Outcome)
				}
				if i > 0 {
					// Backoff with jitter: attempt n+1 comes at least
					// half of min(base*2^(n-1), max) after attempt n.
					gap := a.At.Sub(d.Attempts[i-1].At)
					full := min(10*time.Second<<(i-1), time.Minute)
					require.GreaterOrEqual(t, gap, full/2, "attempt %d", a.N)
					require.LessOrEqual(t, gap, full+5*time.Second, "attempt %d", a.N)
				}
			}
			// Publishing the same event again does nothing new.
			_, err = w.Publish(ctx, Event{ID: "ev1", Type: "contract.signed", Payload: json.RawMessage(`{}`)})
			require.NoError(t, err)
			n, err := w.DeliverDue(ctx)
			require.NoError(t, err)
			require.Zero(t, n)
		})
	}
}

func TestBackoffSchedule(t *testing.T) {
	w, err := NewWebhooks(openDBT(t), WithRand(rand.NewChaCha8([32]byte{9})))
	require.NoError(t, err)
	for n := 1; n <= 12; n++ {
		full := min(DefaultBackoffBase<<(n-1), DefaultBackoffMax)
		d, err := w.backoff(n)
		require.NoError(t, err)
		require.GreaterOrEqual(t, d, full/2, "n=%d", n)
		require.Less(t, d, full, "n=%d", n)
	}
	d, err := w.backoff(200)
	require.NoError(t, err)
	require.Less(t, d, DefaultBackoffMax, "no overflow for large n")
}

func openDBT(t *testing.T) *pebble.DB {
	db := openDB(t, t.TempDir())
	t.Cleanup(func() { db.Close() })
	return db
}

func TestRunDeliversInBackground(t *testing.T) {
	rcv := newReceiver(t, 2, time.Now)
	db := openDBT(t)
	w, err := NewWebhooks(db, loopback, WithBackoff(20*time.Millisecond, 100*time.Millisecond))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	require.NoError(t, w.Subscribe(ctx, Subscription{ID: "s1", URL: rcv.srv.URL, Secret: secret, Events: []string{"contract.sent"}}))
	require.NoError(t, w.Subscribe(ctx, Subscription{ID: "s2", URL: rcv.srv.URL, Secret: secret, Events: []string{"contract.voided"}}))
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- w.Run(runCtx) }()
	ids, err := w.Publish(ctx, Event{ID: "e1", Type: "contract.sent", Payload: json.RawMessage(`{"n":1}`)})
	require.NoError(t, err)
	require.Equal(t, []string{"e1/s1"}, ids, "the event filter picks s1 only")
	require.Eventually(t, func() bool {
		d, err := w.Delivery(ctx, "e1/s1")
		return err == nil && d.State == StateDelivered
	}, 10*time.Second, 10*time.Millisecond)
	require.ErrorIs(t, w.Run(ctx), ErrRunning)
	stop()
	require.ErrorIs(t, <-done, context.Canceled)
	d, err := w.Delivery(ctx, "e1/s1")
	require.NoError(t, err)
	require.Len(t, d.Attempts, 3)
	require.NotNil(t, d.DeliveredAt)
	require.Zero(t, rcv.badSigs)
}

func TestRestartKeepsPending(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "db")
	clk := &fakeClock{t: time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)}
	rcv := newReceiver(t, 1, clk.now)

	db := openDB(t, dir)
	w, err := NewWebhooks(db, loopback, WithClock(clk.now))
	require.NoError(t, err)
	require.NoError(t, w.Subscribe(ctx, Subscription{ID: "s1", URL: rcv.srv.URL, Secret: secret}))
	_, err = w.Publish(ctx, Event{ID: "e1", Type: "contract.signed", Payload: json.RawMessage(`{}`)})
	require.NoError(t, err)
	n, err := w.DeliverDue(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.NoError(t, db.Close())

	db = openDB(t, dir)
	defer db.Close()
	w, err = NewWebhooks(db, loopback, WithClock(clk.now))
	require.NoError(t, err)
	d, err := w.Delivery(ctx, "e1/s1")
	require.NoError(t, err)
	require.Equal(t, StatePending, d.State)
	require.Len(t, d.Attempts, 1)
	clk.add(DefaultBackoffBase)
	n, err = w.DeliverDue(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	d, err = w.Delivery(ctx, "e1/s1")
	require.NoError(t, err)
	require.Equal(t, StateDelivered, d.State)
	require.Len(t, d.Attempts, 2)

	log, next, err := w.Deliveries(ctx, "", 10)
	require.NoError(t, err)
	require.Empty(t, next)
	require.Len(t, log, 1)
}

func TestSignatureVerify(t *testing.T) {
	now := time.Unix(1_780_000_000, 0)
	body := []byte(`{"contract":"c1"}`)
	good := Sign(secret, now, body)
	require.Regexp(t, `^t=1780000000,v1=[0-9a-f]{64}$`, good)
	tests := []struct {
		name   string
		secret []byte
		header string
		body   []byte
		now    time.Time
		ok     bool
	}{
		{"valid", secret, good, body, now, true},
		{"within tolerance", secret, good, body, now.Add(DefaultTolerance), true},
		{"second v1 matches (secret rotation)", secret, "t=1780000000,v1=00," + good[len("t=1780000000,"):], body, now, true},
		{"too old", secret, good, body, now.Add(DefaultTolerance + time.Second), false},
		{"from the future", secret, good, body, now.Add(-DefaultTolerance - time.Second), false},
		{"other body", secret, good, []byte(`{"contract":"c2"}`), now, false},
		{"other secret", []byte("another-secret-0123"), good, body, now, false},
		{"timestamp changed", secret, "t=1780000001" + good[len("t=1780000000"):], body, now, false},
		{"no v1", secret, "t=1780000000", body, now, false},
		{"garbage", secret, "hello", body, now, false},
		{"empty", secret, "", body, now, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Verify(tc.secret, tc.header, tc.body, tc.now, DefaultTolerance)
			if tc.ok {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, ErrBadSignature)
			}
		})
	}
}

func TestSubscribeValidation(t *testing.T) {
	w, err := NewWebhooks(openDBT(t))
	require.NoError(t, err)
	ctx := context.Background()
	tests := []struct {
		name string
		sub  Subscription
	}{
		{"no id", Subscription{URL: "http://127.0.0.1/", Secret: secret}},
		{"slash in id", Subscription{ID: "a/b", URL: "http://127.0.0.1/", Secret: secret}},
		{"ftp", Subscription{ID: "a", URL: "ftp://example.com/", Secret: secret}},
		{"relative", Subscription{ID: "a", URL: "/hook", Secret: secret}},
		{"short secret", Subscription{ID: "a", URL: "https://example.com/", Secret: []byte("short")}},
		{"loopback literal", Subscription{ID: "a", URL: "http://127.0.0.1:8080/", Secret: secret}},
		{"user info", Subscription{ID: "a", URL: "https://u:p@example.com/", Secret: secret}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.ErrorIs(t, w.Subscribe(ctx, tc.sub), ErrInvalid)
		})
	}
	require.ErrorIs(t, w.Unsubscribe(ctx, "nobody"), ErrNotFound)
	_, err = w.Publish(ctx, Event{ID: "e", Type: "t", Payload: json.RawMessage(`{`)})
	require.ErrorIs(t, err, ErrInvalid)
}

func TestOutboxDrain(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	clk := &fakeClock{t: time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)}
	db := openDB(t, dir)
	o, err := NewOutbox(db, clk.now)
	require.NoError(t, err)
	sms := DevSMS{Outbox: o}
	require.True(t, sms.DevOnly())
	var smsIDs []string
	for i := range 5 {
		id, err := sms.SendCode(ctx, fmt.Sprintf("party-%d", i), fmt.Sprintf("%06d", i), "sign c1")
		require.NoError(t, err)
		smsIDs = append(smsIDs, id)
	}
	mailID, err := o.Enqueue(ctx, Message{Channel: ChannelEmail, RecipientRef: "party-0", Template: "contract_sent",
		Params: map[string]string{"link": "https://p/s/abc"}})
	require.NoError(t, err)
	_, err = o.Enqueue(ctx, Message{Channel: "fax", RecipientRef: "x", Template: "t"})
	require.ErrorIs(t, err, ErrInvalid)

	// Drain sms two at a time with the cursor.
	var seen []string
	cursor := ""
	for {
		msgs, next, err := o.Pending(ctx, ChannelSMS, cursor, 2)
		require.NoError(t, err)
		for _, m := range msgs {
			seen = append(seen, m.ID)
			require.Equal(t, TemplateSMSCode, m.Template)
			require.Equal(t, MessagePending, m.State)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	require.Equal(t, smsIDs, seen, "oldest first, each once")
	first, _, err := o.Pending(ctx, ChannelSMS, "", 1)
	require.NoError(t, err)
	require.Equal(t, "000000", first[0].Params["code"])
	require.Equal(t, "party-0", first[0].RecipientRef)

	// Ack some; they leave the pending list, the rest stay (also after a
	// restart).
	require.NoError(t, o.Ack(ctx, smsIDs[0]))
	require.NoError(t, o.Ack(ctx, smsIDs[2]))
	require.NoError(t, o.Ack(ctx, smsIDs[2]), "ack twice is a no-op")
	require.ErrorIs(t, o.Ack(ctx, "sms-00000000000000ff"), ErrNotFound)
	require.ErrorIs(t, o.Ack(ctx, "bogus"), ErrInvalid)
	require.NoError(t, db.Close())

	db = openDB(t, dir)
	defer db.Close()
	o, err = NewOutbox(db, clk.now)
	require.NoError(t, err)
	msgs, next, err := o.Pending(ctx, ChannelSMS, "", 10)
	require.NoError(t, err)
	require.Empty(t, next)
	var left []string
	for _, m := range msgs {
		left = append(left, m.ID)
	}
	require.Equal(t, []string{smsIDs[1], smsIDs[3], smsIDs[4]}, left)
	m, err := o.Message(ctx, smsIDs[0])
	require.NoError(t, err)
	require.Equal(t, MessageAcked, m.State)
	require.NotNil(t, m.AckedAt)
	mails, _, err := o.Pending(ctx, ChannelEmail, "", 10)
	require.NoError(t, err)
	require.Len(t, mails, 1)
	require.Equal(t, mailID, mails[0].ID)
	// Ids keep increasing after a restart.
	id, err := o.Enqueue(ctx, Message{Channel: ChannelSMS, RecipientRef: "p", Template: "t"})
	require.NoError(t, err)
	require.Greater(t, id, smsIDs[4])
	_, _, err = o.Pending(ctx, ChannelSMS, mailID, 10)
	require.ErrorIs(t, err, ErrInvalid, "a cursor from another channel")
}

func TestUnsubscribedDeliveryFails(t *testing.T) {
	ctx := context.Background()
	rcv := newReceiver(t, 0, time.Now)
	w, err := NewWebhooks(openDBT(t), loopback)
	require.NoError(t, err)
	require.NoError(t, w.Subscribe(ctx, Subscription{ID: "s1", URL: rcv.srv.URL, Secret: secret}))
	_, err = w.Publish(ctx, Event{ID: "e1", Type: "t", Payload: json.RawMessage(`{}`)})
	require.NoError(t, err)
	require.NoError(t, w.Unsubscribe(ctx, "s1"))
	n, err := w.DeliverDue(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	d, err := w.Delivery(ctx, "e1/s1")
	require.NoError(t, err)
	require.Equal(t, StateFailed, d.State)
	require.Zero(t, rcv.calls.Load())
}

func FuzzVerify(f *testing.F) {
	now := time.Unix(1_780_000_000, 0)
	f.Add(Sign(secret, now, []byte("{}")), []byte("{}"))
	f.Add("t=1,v1=zz,v1=", []byte(""))
	f.Add(",,=,", []byte("x"))
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		err := Verify(secret, header, body, now, DefaultTolerance)
		if err == nil && header != Sign(secret, now, body) {
			// Another header may verify only by carrying the right MAC.
			require.Contains(t, header, Sign(secret, now, body)[len("t=1780000000,"):])
		}
	})
}

func TestManyDeliveries(t *testing.T) {
	const events, failures = deliveryBatch + 44, 8
	clk := &fakeClock{t: time.Now()}
	rcv := newReceiver(t, failures, clk.now)
	// Failed attempts in several workers draw jitter from one injected
	// source (guarded by a mutex: ChaCha8 is not safe for concurrent use).
	w, err := NewWebhooks(openDBT(t), loopback, WithClock(clk.now), WithRand(rand.NewChaCha8([32]byte{5})))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, w.Subscribe(ctx, Subscription{ID: "s1", URL: rcv.srv.URL, Secret: secret}))
	for i := range events {
		_, err := w.Publish(ctx, Event{ID: fmt.Sprintf("e%04d", i), Type: "t", Payload: json.RawMessage(`{}`)})
		require.NoError(t, err)
	}
	n, err := w.DeliverDue(ctx)
	require.NoError(t, err)
	require.Equal(t, deliveryBatch, n, "one call takes one batch")
	n, err = w.DeliverDue(ctx)
	require.NoError(t, err)
	require.Equal(t, events-deliveryBatch, n)
	clk.add(DefaultBackoffBase)
	n, err = w.DeliverDue(ctx)
	require.NoError(t, err)
	require.Equal(t, failures, n, "the failed ones, once due again")
	require.EqualValues(t, events+failures, rcv.calls.Load())
	var all []Delivery
	for after := ""; ; {
		page, next, err := w.Deliveries(ctx, after, 100)
		require.NoError(t, err)
		all = append(all, page...)
		if next == "" {
			break
		}
		after = next
	}
	require.Len(t, all, events)
	retried := 0
	for _, d := range all {
		require.Equal(t, StateDelivered, d.State, d.ID)
		if len(d.Attempts) == 2 {
			retried++
		}
	}
	require.Equal(t, failures, retried)
}

func TestOutboxIdempotencyKey(t *testing.T) {
	ctx := context.Background()
	o, err := NewOutbox(openDBT(t), nil)
	require.NoError(t, err)
	m := Message{Channel: ChannelSMS, RecipientRef: "p1", Template: "reminder", Key: "remind/c1/p1/1"}
	a, err := o.Enqueue(ctx, m)
	require.NoError(t, err)
	b, err := o.Enqueue(ctx, m)
	require.NoError(t, err)
	require.Equal(t, a, b)
	m.Key = "remind/c1/p1/2"
	c, err := o.Enqueue(ctx, m)
	require.NoError(t, err)
	require.NotEqual(t, a, c)
	msgs, _, err := o.Pending(ctx, ChannelSMS, "", 10)
	require.NoError(t, err)
	require.Len(t, msgs, 2)
}
