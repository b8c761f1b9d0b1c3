package notify

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"
)

// ErrPermanent wraps a send failure that no retry can fix (the number is
// invalid or barred, no template is configured for the message): the
// gateway fails the message at once.
var ErrPermanent = errors.New("notify: message cannot be delivered")

// SMSSender sends one SMS through a carrier gateway (workflow/providers/
// tencent, workflow/providers/aliyun). It returns nil once the vendor
// accepted the message, an error wrapping ErrPermanent when it never will,
// and any other error when it may later. Errors are stored on the message
// and logged: they must not carry the phone number or the parameters.
type SMSSender interface {
	SendSMS(ctx context.Context, phone, template string, params map[string]string) error
}

// Defaults of the SMS gateway.
const (
	DefaultSMSBackoffBase = 10 * time.Second
	DefaultSMSBackoffMax  = 30 * time.Minute
	DefaultSMSMaxAttempts = 8
	DefaultSMSTimeout     = 15 * time.Second
	smsPoll               = time.Second
)

// SMSGateway drains the outbox's sms channel through an SMSSender: each
// pending message whose next attempt is due is sent, then acknowledged;
// a failure is recorded on the message (Outbox.Retry) and tried again
// after min(base·2^(n-1), max), scaled by a random factor in [0.5, 1),
// until MaxAttempts failures or a permanent refusal fail it
// (Outbox.Fail). Nothing is dropped silently: a message is acked, pending
// with its attempts and last error, or failed. The message's recipient is
// its phone number (the workflow's Message.To).
type SMSGateway struct {
	outbox      *Outbox
	sender      SMSSender
	logger      *slog.Logger
	now         func() time.Time
	rand        io.Reader
	base, max   time.Duration
	maxAttempts int
	timeout     time.Duration
}

// SMSGatewayOption configures an SMSGateway.
type SMSGatewayOption func(*SMSGateway)

// WithSMSBackoff sets the retry schedule: the wait after the first
// failure, its cap, and the failures after which a message fails.
func WithSMSBackoff(base, max time.Duration, attempts int) SMSGatewayOption {
	return func(g *SMSGateway) { g.base, g.max, g.maxAttempts = base, max, attempts }
}

// WithSMSTimeout bounds one send.
func WithSMSTimeout(d time.Duration) SMSGatewayOption {
	return func(g *SMSGateway) { g.timeout = d }
}

// WithSMSLogger logs sends (message ids, templates and outcomes; never
// recipients or parameters).
func WithSMSLogger(l *slog.Logger) SMSGatewayOption { return func(g *SMSGateway) { g.logger = l } }

// WithSMSClock sets the clock and the jitter source (tests).
func WithSMSClock(now func() time.Time, r io.Reader) SMSGatewayOption {
	return func(g *SMSGateway) { g.now, g.rand = now, r }
}

// NewSMSGateway returns a gateway from o through s.
func NewSMSGateway(o *Outbox, s SMSSender, opts ...SMSGatewayOption) (*SMSGateway, error) {
	if o == nil || s == nil {
		return nil, fmt.Errorf("%w: sms gateway needs an outbox and a sender", ErrInvalid)
	}
	g := &SMSGateway{outbox: o, sender: s, logger: slog.New(slog.DiscardHandler), now: time.Now, rand: rand.Reader,
		base: DefaultSMSBackoffBase, max: DefaultSMSBackoffMax, maxAttempts: DefaultSMSMaxAttempts, timeout: DefaultSMSTimeout}
	for _, opt := range opts {
		opt(g)
	}
	if g.base <= 0 || g.max < g.base || g.maxAttempts < 1 || g.timeout <= 0 {
		return nil, fmt.Errorf("%w: sms gateway backoff %s..%s, %d attempts, timeout %s", ErrInvalid, g.base, g.max, g.maxAttempts, g.timeout)
	}
	return g, nil
}

// SendResult counts what one SendDue did.
type SendResult struct{ Sent, Retrying, Failed int }

// SendDue sends every pending SMS whose next attempt is due, one at a
// time, oldest first.
func (g *SMSGateway) SendDue(ctx context.Context) (SendResult, error) {
	var res SendResult
	cursor := ""
	for {
		msgs, next, err := g.outbox.Pending(ctx, ChannelSMS, cursor, 200)
		if err != nil {
			return res, err
		}
		for i := range msgs {
			m := &msgs[i]
			if m.NextAttempt != nil && g.now().Before(*m.NextAttempt) {
				continue
			}
			if err := g.send(ctx, m, &res); err != nil {
				return res, err
			}
		}
		if next == "" {
			return res, nil
		}
		cursor = next
	}
}

// send makes one attempt and records its outcome; the error is the
// outbox's, not the vendor's.
func (g *SMSGateway) send(ctx context.Context, m *Message, res *SendResult) error {
	sctx, cancel := context.WithTimeout(ctx, g.timeout)
	start := g.now()
	err := g.sender.SendSMS(sctx, m.RecipientRef, m.Template, m.Params)
	cancel()
	if ctx.Err() != nil {
		return ctx.Err() // shutting down: the attempt does not count
	}
	log := g.logger.With("message", m.ID, "template", m.Template, "attempt", m.Attempts+1, "ms", g.now().Sub(start).Milliseconds())
	if err == nil {
		if err := g.outbox.Ack(ctx, m.ID); err != nil {
			return err
		}
		res.Sent++
		log.Info("sms sent")
		return nil
	}
	reason := err.Error()
	if errors.Is(err, context.DeadlineExceeded) {
		reason = "timeout after " + g.timeout.String()
	}
	if errors.Is(err, ErrPermanent) || m.Attempts+1 >= g.maxAttempts {
		res.Failed++
		log.Warn("sms failed for good", "err", reason)
		return g.outbox.Fail(ctx, m.ID, reason)
	}
	wait, jerr := g.backoff(m.Attempts + 1)
	if jerr != nil {
		return jerr
	}
	res.Retrying++
	log.Warn("sms not sent; will retry", "err", reason, "retry_in", wait)
	return g.outbox.Retry(ctx, m.ID, reason, g.now().Add(wait))
}

func (g *SMSGateway) backoff(n int) (time.Duration, error) {
	d := g.max
	if n-1 < 40 && g.base<<(n-1) < g.max && g.base<<(n-1) > 0 {
		d = g.base << (n - 1)
	}
	var b [8]byte
	if _, err := io.ReadFull(g.rand, b[:]); err != nil {
		return 0, fmt.Errorf("notify: jitter: %w", err)
	}
	frac := float64(binary.BigEndian.Uint64(b[:])>>11) / (1 << 53)
	return d/2 + time.Duration(frac*float64(d/2)), nil
}

// Run sends until ctx ends: at once when a message is enqueued, and at
// least every second for retries that fall due. Outbox errors are logged
// and the loop goes on.
func (g *SMSGateway) Run(ctx context.Context) error {
	t := time.NewTicker(smsPoll)
	defer t.Stop()
	for {
		if _, err := g.SendDue(ctx); err != nil && ctx.Err() == nil {
			g.logger.Error("sms gateway", "err", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		case <-g.outbox.Enqueued():
		}
	}
}
