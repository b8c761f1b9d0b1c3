package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cockroachdb/pebble"

	"github.com/sealchain/sealchain/workflow/internal/seal"
)

// Prefix is the key prefix of everything this package stores.
const Prefix = "wf/notify/"

// Defaults of the retry schedule and of each attempt.
const (
	DefaultBackoffBase    = 10 * time.Second
	DefaultBackoffMax     = time.Hour
	DefaultMaxAttempts    = 10
	DefaultAttemptTimeout = 10 * time.Second
	// pollInterval bounds how long Run sleeps when nothing is due, so a
	// delivery due by another process's write is not missed for long.
	pollInterval = 5 * time.Second
	// deliveryBatch bounds the deliveries one DeliverDue loads; Run comes
	// back at once after a full batch.
	deliveryBatch = 256
	// deliveryWorkers is how many POSTs run at once.
	deliveryWorkers = 4
	minSecretLen    = 16
	maxIDLen        = 128
)

// Delivery states.
const (
	StatePending   = "pending"
	StateDelivered = "delivered"
	StateFailed    = "failed"
)

// Errors. Returned errors wrap them.
var (
	ErrNotFound     = errors.New("notify: not found")
	ErrInvalid      = errors.New("notify: invalid input")
	ErrRunning      = errors.New("notify: dispatcher already running")
	ErrBadSignature = errors.New("notify: bad webhook signature")

	errNoSubscription = errors.New("subscription removed")
)

// Subscription is a receiver of webhooks. Events lists the event types it
// wants; empty means all.
type Subscription struct {
	ID      string    `json:"id"`
	URL     string    `json:"url"`
	Secret  []byte    `json:"secret,omitempty"`
	Events  []string  `json:"events,omitempty"`
	Created time.Time `json:"created"`
}

// Event is something to tell subscribers. ID makes publishing idempotent;
// Payload is the JSON body sent as is.
type Event struct {
	ID      string          `json:"id"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload"`
}

// Attempt is one try at a delivery. Outcome is a category (Outcome*),
// never the receiver's status line, body or a network error's text: those
// would tell a subscriber what answers on hosts it may not reach. The node
// log has the details.
type Attempt struct {
	N          int       `json:"n"`
	At         time.Time `json:"at"`
	Outcome    string    `json:"outcome"`
	DurationMS int64     `json:"duration_ms"`
}

// Delivery is an event on its way to one subscription, with every attempt.
type Delivery struct {
	ID           string     `json:"id"`
	Subscription string     `json:"subscription"`
	URL          string     `json:"url"`
	Event        Event      `json:"event"`
	State        string     `json:"state"`
	Created      time.Time  `json:"created"`
	NextAttempt  time.Time  `json:"next_attempt,omitzero"`
	Attempts     []Attempt  `json:"attempts"`
	DeliveredAt  *time.Time `json:"delivered_at,omitempty"`
}

// Webhooks stores subscriptions and deliveries and sends them. Its methods
// are safe for concurrent use; one Run at a time.
type Webhooks struct {
	db          *pebble.DB
	client      *http.Client
	now         func() time.Time
	rand        io.Reader
	base, max   time.Duration
	maxAttempts int
	timeout     time.Duration
	logger      *slog.Logger
	policy      targetPolicy
	sealer      seal.Sealer // seals subscription secrets at rest; nil: clear

	mu        sync.Mutex // guards running and delivery creation
	deliverMu sync.Mutex // one DeliverDue at a time: attempts are read-modify-write
	randMu    sync.Mutex // guards rand
	running   bool
	wake      chan struct{}
}

// Option configures Webhooks.
type Option func(*Webhooks) error

// WithAllowedTargets lets webhooks reach addresses in these prefixes even
// though they are loopback, private, link-local or otherwise refused (an
// operator's own receiver on the internal network; tests on 127.0.0.1).
func WithAllowedTargets(prefixes ...netip.Prefix) Option {
	return func(w *Webhooks) error {
		for _, p := range prefixes {
			if !p.IsValid() {
				return fmt.Errorf("%w: allowed target prefix %s", ErrInvalid, p)
			}
			w.policy.allow = append(w.policy.allow, p.Masked())
		}
		return nil
	}
}

// WithSecretSealer stores subscription secrets sealed (AAD
// "webhook/<subscription id>"): whoever holds a secret can forge the
// platform's deliveries, so it must not sit in clear in the database.
func WithSecretSealer(s seal.Sealer) Option {
	return func(w *Webhooks) error { w.sealer = s; return nil }
}

// WithClock sets the clock (default time.Now).
func WithClock(now func() time.Time) Option {
	return func(w *Webhooks) error { w.now = now; return nil }
}

// WithRand sets the jitter source (default crypto/rand).
func WithRand(r io.Reader) Option {
	return func(w *Webhooks) error { w.rand = r; return nil }
}

// WithBackoff sets the first retry delay and the cap.
func WithBackoff(base, max time.Duration) Option {
	return func(w *Webhooks) error {
		if base <= 0 || max < base {
			return fmt.Errorf("%w: backoff base %s, max %s", ErrInvalid, base, max)
		}
		w.base, w.max = base, max
		return nil
	}
}

// WithMaxAttempts sets how many attempts a delivery gets.
func WithMaxAttempts(n int) Option {
	return func(w *Webhooks) error {
		if n < 1 {
			return fmt.Errorf("%w: max attempts %d", ErrInvalid, n)
		}
		w.maxAttempts = n
		return nil
	}
}

// WithAttemptTimeout bounds each POST.
func WithAttemptTimeout(d time.Duration) Option {
	return func(w *Webhooks) error { w.timeout = d; return nil }
}

// WithLogger sets the logger of the dispatcher (default: discard).
func WithLogger(l *slog.Logger) Option {
	return func(w *Webhooks) error { w.logger = l; return nil }
}

// NewWebhooks returns webhooks stored in db under Prefix.
func NewWebhooks(db *pebble.DB, opts ...Option) (*Webhooks, error) {
	if db == nil {
		return nil, fmt.Errorf("%w: nil database", ErrInvalid)
	}
	w := &Webhooks{db: db, now: time.Now, rand: rand.Reader,
		base: DefaultBackoffBase, max: DefaultBackoffMax, maxAttempts: DefaultMaxAttempts,
		timeout: DefaultAttemptTimeout, logger: slog.New(slog.DiscardHandler), wake: make(chan struct{}, 1)}
	for _, o := range opts {
		if err := o(w); err != nil {
			return nil, err
		}
	}
	w.client = w.policy.client(w.timeout)
	return w, nil
}

// Subscribe adds or replaces a subscription. The URL must be http or https,
// without user:password@, and not name a refused IP address (loopback,
// private, link-local, multicast, unspecified; see WithAllowedTargets);
// host names are checked when a delivery connects. The secret must be at
// least 16 bytes.
func (w *Webhooks) Subscribe(ctx context.Context, s Subscription) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkID("subscription id", s.ID); err != nil {
		return err
	}
	if err := w.policy.checkURL(s.URL); err != nil {
		return err
	}
	if len(s.Secret) < minSecretLen {
		return fmt.Errorf("%w: subscription secret: %d bytes, want at least %d", ErrInvalid, len(s.Secret), minSecretLen)
	}
	if s.Created.IsZero() {
		s.Created = w.now().UTC()
	}
	st, err := sealSubscription(w.sealer, s)
	if err != nil {
		return err
	}
	return putJSON(w.db, subKey(s.ID), st)
}

// storedSubscription is a Subscription as kept in the database: with a
// Sealer, the secret is in SealedSecret only.
type storedSubscription struct {
	Subscription
	SealedSecret []byte `json:"sealed_secret,omitempty"`
}

func sealSubscription(sealer seal.Sealer, s Subscription) (*storedSubscription, error) {
	if sealer == nil {
		return &storedSubscription{Subscription: s}, nil
	}
	sealed, err := sealer.Seal("webhook/"+s.ID, s.Secret)
	if err != nil {
		return nil, fmt.Errorf("notify: seal the secret of subscription %s: %w", s.ID, err)
	}
	s.Secret = nil
	return &storedSubscription{Subscription: s, SealedSecret: sealed}, nil
}

// decodeSubscription reads a stored subscription, opening its secret.
// Secrets stored in clear (older versions, or no Sealer) are read as they are.
func decodeSubscription(sealer seal.Sealer, v []byte) (Subscription, error) {
	var st storedSubscription
	if err := json.Unmarshal(v, &st); err != nil {
		return Subscription{}, err
	}
	s := st.Subscription
	if len(st.SealedSecret) > 0 {
		if sealer == nil {
			return Subscription{}, fmt.Errorf("subscription %s: the secret is sealed and no key is configured", s.ID)
		}
		plain, err := sealer.Open("webhook/"+s.ID, st.SealedSecret)
		if err != nil {
			return Subscription{}, fmt.Errorf("subscription %s: %w", s.ID, err)
		}
		s.Secret = plain
	}
	return s, nil
}

func (w *Webhooks) loadSubscription(id string) (Subscription, error) {
	v, closer, err := w.db.Get(subKey(id))
	if errors.Is(err, pebble.ErrNotFound) {
		return Subscription{}, fmt.Errorf("%w: %s", ErrNotFound, subKey(id))
	}
	if err != nil {
		return Subscription{}, fmt.Errorf("notify: %w", err)
	}
	defer closer.Close()
	return decodeSubscription(w.sealer, v)
}

// Unsubscribe removes a subscription; its pending deliveries fail at their
// next attempt without a request.
func (w *Webhooks) Unsubscribe(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if _, closer, err := w.db.Get(subKey(id)); errors.Is(err, pebble.ErrNotFound) {
		return fmt.Errorf("%w: subscription %q", ErrNotFound, id)
	} else if err != nil {
		return fmt.Errorf("notify: %w", err)
	} else {
		closer.Close()
	}
	return w.db.Delete(subKey(id), pebble.Sync)
}

// Subscriptions lists subscriptions by id.
func (w *Webhooks) Subscriptions(ctx context.Context) ([]Subscription, error) {
	var out []Subscription
	err := scan(ctx, w.db, []byte(Prefix+"sub/"), nil, 0, func(_, v []byte) error {
		s, err := decodeSubscription(w.sealer, v)
		if err != nil {
			return err
		}
		out = append(out, s)
		return nil
	})
	return out, err
}

// Publish queues ev for every matching subscription and returns the
// delivery ids. Publishing an event id again queues nothing new.
func (w *Webhooks) Publish(ctx context.Context, ev Event) ([]string, error) {
	if err := checkID("event id", ev.ID); err != nil {
		return nil, err
	}
	if ev.Type == "" {
		return nil, fmt.Errorf("%w: event type missing", ErrInvalid)
	}
	if !json.Valid(ev.Payload) {
		return nil, fmt.Errorf("%w: event payload is not JSON", ErrInvalid)
	}
	subs, err := w.Subscriptions(ctx)
	if err != nil {
		return nil, err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.now().UTC()
	b := w.db.NewBatch()
	defer b.Close()
	var ids []string
	for _, s := range subs {
		if len(s.Events) > 0 && !slices.Contains(s.Events, ev.Type) {
			continue
		}
		d := Delivery{ID: ev.ID + "/" + s.ID, Subscription: s.ID, URL: s.URL, Event: ev, State: StatePending,
			Created: now, NextAttempt: now, Attempts: []Attempt{}}
		ids = append(ids, d.ID)
		if _, closer, err := w.db.Get(dlvKey(d.ID)); err == nil {
			closer.Close()
			continue
		} else if !errors.Is(err, pebble.ErrNotFound) {
			return nil, fmt.Errorf("notify: %w", err)
		}
		if err := batchJSON(b, dlvKey(d.ID), d); err != nil {
			return nil, err
		}
		if err := b.Set(dueKey(now, d.ID), nil, nil); err != nil {
			return nil, err
		}
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return nil, fmt.Errorf("notify: %w", err)
	}
	select {
	case w.wake <- struct{}{}:
	default:
	}
	return ids, nil
}

// Delivery returns one delivery with its attempts.
func (w *Webhooks) Delivery(ctx context.Context, id string) (*Delivery, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var d Delivery
	if err := getJSON(w.db, dlvKey(id), &d); err != nil {
		return nil, err
	}
	return &d, nil
}

// Deliveries lists the delivery log by id, at most limit (1..1000) after
// the id after; next is the cursor for the following page ("" at the end).
func (w *Webhooks) Deliveries(ctx context.Context, after string, limit int) (out []Delivery, next string, err error) {
	if limit < 1 || limit > 1000 {
		return nil, "", fmt.Errorf("%w: limit %d, want 1..1000", ErrInvalid, limit)
	}
	var lower []byte
	if after != "" {
		lower = append(dlvKey(after), 0)
	}
	err = scan(ctx, w.db, []byte(Prefix+"dlv/"), lower, limit+1, func(_, v []byte) error {
		var d Delivery
		if err := json.Unmarshal(v, &d); err != nil {
			return err
		}
		out = append(out, d)
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	if len(out) > limit {
		out = out[:limit]
		next = out[limit-1].ID
	}
	return out, next, nil
}

// Run delivers due deliveries until ctx ends, sleeping until the next one
// is due, a Publish, or a few seconds. It returns ctx's error, or
// ErrRunning if another Run is active.
func (w *Webhooks) Run(ctx context.Context) error {
	w.mu.Lock()
	if w.running {
		w.mu.Unlock()
		return ErrRunning
	}
	w.running = true
	w.mu.Unlock()
	defer func() {
		w.mu.Lock()
		w.running = false
		w.mu.Unlock()
	}()
	for {
		n, err := w.DeliverDue(ctx)
		if err != nil && ctx.Err() == nil {
			w.logger.Error("deliver webhooks", "err", err)
		}
		if n == deliveryBatch && err == nil {
			continue
		}
		wait := pollInterval
		if at, ok, err := w.nextDue(); err == nil && ok {
			wait = min(max(at.Sub(w.now()), 0), pollInterval)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-w.wake:
			t.Stop()
		case <-t.C:
		}
	}
}

// DeliverDue makes one attempt at the deliveries due at the clock's now,
// at most deliveryBatch of them, starting them in due order with up to
// deliveryWorkers requests at a time (one slow receiver does not hold up
// the rest). It returns how many it attempted.
func (w *Webhooks) DeliverDue(ctx context.Context) (int, error) {
	w.deliverMu.Lock()
	defer w.deliverMu.Unlock()
	now := w.now()
	var due [][]byte
	err := scan(ctx, w.db, []byte(Prefix+"due/"), nil, deliveryBatch, func(k, _ []byte) error {
		rest := k[len(Prefix+"due/"):]
		if len(rest) < 8 || int64(binary.BigEndian.Uint64(rest)) > now.UnixNano() {
			return errStop
		}
		due = append(due, bytes.Clone(k))
		return nil
	})
	if err != nil {
		return 0, err
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		n    int
		errs []error
	)
	sem := make(chan struct{}, deliveryWorkers)
	for _, k := range due {
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			err := w.attempt(ctx, k)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			n++
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return n, err
	}
	return n, errors.Join(errs...)
}

// attempt POSTs the delivery under due key k once and records the outcome.
func (w *Webhooks) attempt(ctx context.Context, k []byte) error {
	id := string(k[len(Prefix+"due/")+8:])
	var d Delivery
	if err := getJSON(w.db, dlvKey(id), &d); err != nil {
		return err
	}
	start := w.now()
	status, postErr := w.post(ctx, &d, start)
	if ctx.Err() != nil {
		// Shutting down: the attempt did not really happen; leave it due.
		return ctx.Err()
	}
	a := Attempt{N: len(d.Attempts) + 1, At: start.UTC(), Outcome: outcome(status, postErr),
		DurationMS: w.now().Sub(start).Milliseconds()}
	if postErr != nil {
		w.logger.Info("webhook attempt failed", "delivery", d.ID, "attempt", a.N, "outcome", a.Outcome, "err", postErr)
	}
	b := w.db.NewBatch()
	defer b.Close()
	if err := b.Delete(k, nil); err != nil {
		return err
	}
	switch {
	case postErr == nil:
		at := w.now().UTC()
		d.State, d.DeliveredAt, d.NextAttempt = StateDelivered, &at, time.Time{}
	case errors.Is(postErr, errNoSubscription):
		// Unsubscribed: there is no secret to sign with and nobody to ask.
		d.State, d.NextAttempt = StateFailed, time.Time{}
	case a.N >= w.maxAttempts:
		d.State, d.NextAttempt = StateFailed, time.Time{}
		w.logger.Error("webhook delivery failed for good", "delivery", d.ID, "attempts", a.N, "err", postErr)
	default:
		delay, err := w.backoff(a.N)
		if err != nil {
			return err
		}
		d.NextAttempt = start.Add(delay).UTC()
		if err := b.Set(dueKey(d.NextAttempt, d.ID), nil, nil); err != nil {
			return err
		}
	}
	d.Attempts = append(d.Attempts, a)
	if err := batchJSON(b, dlvKey(d.ID), d); err != nil {
		return err
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	return nil
}

func (w *Webhooks) post(ctx context.Context, d *Delivery, now time.Time) (int, error) {
	sub, err := w.loadSubscription(d.Subscription)
	if errors.Is(err, ErrNotFound) {
		return 0, errNoSubscription
	} else if err != nil {
		return 0, fmt.Errorf("subscription: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, w.timeout)
	defer cancel()
	body := []byte(d.Event.Payload)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, sub.URL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Sealchain-Webhooks/1")
	req.Header.Set(HeaderEvent, d.Event.Type)
	req.Header.Set(HeaderDelivery, d.ID)
	req.Header.Set(HeaderSignature, Sign(sub.Secret, now, body))
	resp, err := w.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	// Drain a little so the connection can be reused; the body is not kept.
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("webhook receiver answered %d", resp.StatusCode)
	}
	return resp.StatusCode, nil
}

// backoff is the delay after failed attempt n: min(base·2^(n-1), max)
// scaled by a random factor in [0.5, 1).
func (w *Webhooks) backoff(n int) (time.Duration, error) {
	d := w.max
	if n-1 < 40 && w.base<<(n-1) < w.max && w.base<<(n-1) > 0 {
		d = w.base << (n - 1)
	}
	var b [8]byte
	// Workers share the injected source, which need not be safe for
	// concurrent use.
	w.randMu.Lock()
	_, err := io.ReadFull(w.rand, b[:])
	w.randMu.Unlock()
	if err != nil {
		return 0, fmt.Errorf("notify: jitter: %w", err)
	}
	frac := float64(binary.BigEndian.Uint64(b[:])>>11) / (1 << 53)
	return d/2 + time.Duration(frac*float64(d/2)), nil
}

func (w *Webhooks) nextDue() (time.Time, bool, error) {
	var at time.Time
	found := false
	err := scan(context.Background(), w.db, []byte(Prefix+"due/"), nil, 1, func(k, _ []byte) error {
		rest := k[len(Prefix+"due/"):]
		if len(rest) >= 8 {
			at, found = time.Unix(0, int64(binary.BigEndian.Uint64(rest))), true
		}
		return nil
	})
	return at, found, err
}

func checkID(what, id string) error {
	if id == "" || len(id) > maxIDLen || strings.ContainsAny(id, "/\x00") {
		return fmt.Errorf("%w: %s %q: want 1..%d characters without '/'", ErrInvalid, what, id, maxIDLen)
	}
	return nil
}

func subKey(id string) []byte { return []byte(Prefix + "sub/" + id) }
func dlvKey(id string) []byte { return []byte(Prefix + "dlv/" + id) }

func dueKey(at time.Time, id string) []byte {
	k := binary.BigEndian.AppendUint64([]byte(Prefix+"due/"), uint64(max(at.UnixNano(), 0)))
	return append(k, id...)
}
