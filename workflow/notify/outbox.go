package notify

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/cockroachdb/pebble"

	"github.com/sealchain/sealchain/workflow/internal/seal"
)

// Outbox channels.
const (
	ChannelSMS   = "sms"
	ChannelEmail = "email"
)

// Message states.
const (
	MessagePending = "pending"
	MessageAcked   = "acked"
	// MessageFailed: a gateway gave up (a permanent refusal, or the
	// attempts ran out); the recipient and parameters are deleted.
	MessageFailed = "failed"
)

// TemplateSMSCode is the template of verification codes; its parameter is
// "code" (and "purpose" when the caller gives one).
const TemplateSMSCode = "sms_code"

// Message is an SMS or e-mail for a gateway. RecipientRef is what the
// gateway resolves to a phone number or address (the platform's party or
// account reference), so the outbox need not hold contact data.
type Message struct {
	ID           string            `json:"id"`
	Channel      string            `json:"channel"`
	RecipientRef string            `json:"recipient_ref"`
	Template     string            `json:"template"`
	Params       map[string]string `json:"params,omitempty"`
	// Key, when set, makes Enqueue idempotent: a second message with the
	// same key is not stored and Enqueue returns the first one's id.
	Key     string     `json:"key,omitempty"`
	Created time.Time  `json:"created"`
	State   string     `json:"state"`
	AckedAt *time.Time `json:"acked_at,omitempty"`
	// Attempts counts failed sends a gateway reported (Retry, Fail);
	// NextAttempt is when the next one is due, LastError what went wrong
	// (a category or vendor code, never the recipient).
	Attempts    int        `json:"attempts,omitempty"`
	NextAttempt *time.Time `json:"next_attempt,omitempty"`
	LastError   string     `json:"last_error,omitempty"`
	FailedAt    *time.Time `json:"failed_at,omitempty"`
}

// Outbox stores messages for gateways. Safe for concurrent use.
//
// A message's recipient and parameters (a phone number, a signing link, a
// code) are secrets: with a Sealer they are stored sealed (AAD
// "outbox/<message id>"), and once a message is acknowledged they are
// deleted, leaving its id, channel, template and times.
type Outbox struct {
	db     *pebble.DB
	now    func() time.Time
	sealer seal.Sealer

	mu   sync.Mutex
	seq  uint64
	wake chan struct{} // signalled on Enqueue, for a gateway's loop
}

// storedMessage is a Message as kept in the database.
type storedMessage struct {
	Message
	Sealed []byte `json:"sealed,omitempty"` // messageSecrets under the Sealer
}

// messageSecrets are the parts of a message sealed at rest.
type messageSecrets struct {
	RecipientRef string            `json:"recipient_ref"`
	Params       map[string]string `json:"params,omitempty"`
}

// OutboxOption configures an Outbox.
type OutboxOption func(*Outbox)

// WithSealer seals recipients and parameters at rest.
func WithSealer(s seal.Sealer) OutboxOption { return func(o *Outbox) { o.sealer = s } }

// NewOutbox returns the outbox stored in db under Prefix. now is the clock
// (nil: time.Now).
func NewOutbox(db *pebble.DB, now func() time.Time, opts ...OutboxOption) (*Outbox, error) {
	if db == nil {
		return nil, fmt.Errorf("%w: nil database", ErrInvalid)
	}
	if now == nil {
		now = time.Now
	}
	o := &Outbox{db: db, now: now, wake: make(chan struct{}, 1)}
	for _, opt := range opts {
		opt(o)
	}
	v, closer, err := db.Get(seqKey)
	switch {
	case err == nil:
		if len(v) == 8 {
			o.seq = binary.BigEndian.Uint64(v)
		}
		closer.Close()
	case !errors.Is(err, pebble.ErrNotFound):
		return nil, fmt.Errorf("notify: %w", err)
	}
	return o, nil
}

var seqKey = []byte(Prefix + "seq")

// Enqueue stores m as pending and returns its id ("<channel>-<16 hex>").
// ID, Created and State are set here.
func (o *Outbox) Enqueue(ctx context.Context, m Message) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if m.Channel != ChannelSMS && m.Channel != ChannelEmail {
		return "", fmt.Errorf("%w: channel %q, want sms or email", ErrInvalid, m.Channel)
	}
	if m.RecipientRef == "" || m.Template == "" {
		return "", fmt.Errorf("%w: recipient_ref and template are required", ErrInvalid)
	}
	if len(m.Key) > maxIDLen {
		return "", fmt.Errorf("%w: key longer than %d bytes", ErrInvalid, maxIDLen)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if m.Key != "" {
		id, closer, err := o.db.Get(keyKey(m.Key))
		if err == nil {
			defer closer.Close()
			return string(id), nil
		}
		if !errors.Is(err, pebble.ErrNotFound) {
			return "", fmt.Errorf("notify: %w", err)
		}
	}
	seq := o.seq + 1
	m.ID = fmt.Sprintf("%s-%016x", m.Channel, seq)
	m.Created, m.State, m.AckedAt = o.now().UTC(), MessagePending, nil
	st, err := o.seal(m)
	if err != nil {
		return "", err
	}
	b := o.db.NewBatch()
	defer b.Close()
	if err := batchJSON(b, msgKey(m.ID), st); err != nil {
		return "", err
	}
	if err := b.Set(pendKey(m.Channel, seq), []byte(m.ID), nil); err != nil {
		return "", err
	}
	if err := b.Set(seqKey, binary.BigEndian.AppendUint64(nil, seq), nil); err != nil {
		return "", err
	}
	if m.Key != "" {
		if err := b.Set(keyKey(m.Key), []byte(m.ID), nil); err != nil {
			return "", err
		}
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return "", fmt.Errorf("notify: %w", err)
	}
	o.seq = seq
	select {
	case o.wake <- struct{}{}:
	default:
	}
	return m.ID, nil
}

// Enqueued is signalled (at most one pending signal) when a message is
// enqueued: one gateway loop waits on it to send without polling delay.
func (o *Outbox) Enqueued() <-chan struct{} { return o.wake }

// Pending lists pending messages of a channel, oldest first, at most limit
// (1..1000), after the id cursor (""; the start). next is the id to pass
// for the following page, "" when there is none.
func (o *Outbox) Pending(ctx context.Context, channel, cursor string, limit int) (msgs []Message, next string, err error) {
	if limit < 1 || limit > 1000 {
		return nil, "", fmt.Errorf("%w: limit %d, want 1..1000", ErrInvalid, limit)
	}
	prefix := []byte(Prefix + "pend/" + channel + "/")
	var lower []byte
	if cursor != "" {
		ch, seq, err := parseMessageID(cursor)
		if err != nil || ch != channel {
			return nil, "", fmt.Errorf("%w: cursor %q is not a %s message id", ErrInvalid, cursor, channel)
		}
		lower = pendKey(channel, seq+1)
	}
	var ids []string
	if err := scan(ctx, o.db, prefix, lower, limit+1, func(_, v []byte) error {
		ids = append(ids, string(v))
		return nil
	}); err != nil {
		return nil, "", err
	}
	if len(ids) > limit {
		ids = ids[:limit]
		next = ids[limit-1]
	}
	for _, id := range ids {
		m, err := o.load(id)
		if err != nil {
			return nil, "", err
		}
		msgs = append(msgs, *m)
	}
	return msgs, next, nil
}

// seal is m as stored: without its recipient and parameters in clear when
// a Sealer is set.
func (o *Outbox) seal(m Message) (*storedMessage, error) {
	if o.sealer == nil {
		return &storedMessage{Message: m}, nil
	}
	plain, err := json.Marshal(messageSecrets{RecipientRef: m.RecipientRef, Params: m.Params})
	if err != nil {
		return nil, fmt.Errorf("notify: %w", err)
	}
	sealed, err := o.sealer.Seal("outbox/"+m.ID, plain)
	if err != nil {
		return nil, fmt.Errorf("notify: seal message %s: %w", m.ID, err)
	}
	m.RecipientRef, m.Params = "", nil
	return &storedMessage{Message: m, Sealed: sealed}, nil
}

// load reads a message, opening its sealed part.
func (o *Outbox) load(id string) (*Message, error) {
	var st storedMessage
	if err := getJSON(o.db, msgKey(id), &st); err != nil {
		return nil, err
	}
	m := st.Message
	if len(st.Sealed) > 0 {
		if o.sealer == nil {
			return nil, fmt.Errorf("notify: message %s is sealed and the outbox has no key", id)
		}
		plain, err := o.sealer.Open("outbox/"+id, st.Sealed)
		if err != nil {
			return nil, fmt.Errorf("notify: open message %s: %w", id, err)
		}
		var sec messageSecrets
		if err := json.Unmarshal(plain, &sec); err != nil {
			return nil, fmt.Errorf("notify: decode message %s: %w", id, err)
		}
		m.RecipientRef, m.Params = sec.RecipientRef, sec.Params
	}
	return &m, nil
}

// Message returns a message by id. An acknowledged message has no
// recipient or parameters any more.
func (o *Outbox) Message(ctx context.Context, id string) (*Message, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return o.load(id)
}

// Ack marks a message sent and deletes its recipient and parameters: the
// gateway has them, and a sent code or link must not outlive its use in
// the database. Acking it again is a no-op.
func (o *Outbox) Ack(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	ch, seq, err := parseMessageID(id)
	if err != nil {
		return err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	var st storedMessage
	if err := getJSON(o.db, msgKey(id), &st); err != nil {
		return err
	}
	m := st.Message
	if m.State == MessageAcked {
		return nil
	}
	at := o.now().UTC()
	m.State, m.AckedAt, m.RecipientRef, m.Params = MessageAcked, &at, "", nil
	b := o.db.NewBatch()
	defer b.Close()
	if err := batchJSON(b, msgKey(id), m); err != nil {
		return err
	}
	if err := b.Delete(pendKey(ch, seq), nil); err != nil {
		return err
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	return nil
}

// ByKey returns the message enqueued with idempotency key k
// (Message.Key), or an error wrapping ErrNotFound.
func (o *Outbox) ByKey(ctx context.Context, k string) (*Message, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	id, closer, err := o.db.Get(keyKey(k))
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, fmt.Errorf("%w: message key %q", ErrNotFound, k)
	}
	if err != nil {
		return nil, fmt.Errorf("notify: %w", err)
	}
	mid := string(id)
	closer.Close()
	return o.load(mid)
}

// Retry records a failed send of a pending message: one more attempt, the
// reason, and when to try again. The message stays pending.
func (o *Outbox) Retry(ctx context.Context, id, reason string, next time.Time) error {
	return o.failed(ctx, id, reason, &next)
}

// Fail records a failed send and gives the message up: it is failed for
// good, off the pending list, and its recipient and parameters are
// deleted.
func (o *Outbox) Fail(ctx context.Context, id, reason string) error {
	return o.failed(ctx, id, reason, nil)
}

func (o *Outbox) failed(ctx context.Context, id, reason string, next *time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	ch, seq, err := parseMessageID(id)
	if err != nil {
		return err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	var st storedMessage
	if err := getJSON(o.db, msgKey(id), &st); err != nil {
		return err
	}
	if st.State != MessagePending {
		return fmt.Errorf("%w: message %s is %s", ErrInvalid, id, st.State)
	}
	st.Attempts++
	st.LastError = reason
	b := o.db.NewBatch()
	defer b.Close()
	if next != nil {
		t := next.UTC()
		st.NextAttempt = &t
	} else {
		at := o.now().UTC()
		st.State, st.FailedAt, st.NextAttempt = MessageFailed, &at, nil
		st.RecipientRef, st.Params, st.Sealed = "", nil, nil
		if err := b.Delete(pendKey(ch, seq), nil); err != nil {
			return err
		}
	}
	if err := batchJSON(b, msgKey(id), &st); err != nil {
		return err
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	return nil
}

func parseMessageID(id string) (string, uint64, error) {
	ch, h, ok := strings.Cut(id, "-")
	if !ok || len(h) != 16 || (ch != ChannelSMS && ch != ChannelEmail) {
		return "", 0, fmt.Errorf("%w: message id %q", ErrInvalid, id)
	}
	b, err := hex.DecodeString(h)
	if err != nil {
		return "", 0, fmt.Errorf("%w: message id %q", ErrInvalid, id)
	}
	return ch, binary.BigEndian.Uint64(b), nil
}

func msgKey(id string) []byte { return []byte(Prefix + "msg/" + id) }

func keyKey(k string) []byte { return []byte(Prefix + "key/" + k) }

func pendKey(channel string, seq uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte(Prefix+"pend/"+channel+"/"), seq)
}

// DevSMS is the development SMS provider: codes go to the outbox instead of
// a carrier, where development pages and tests read them.
type DevSMS struct{ Outbox *Outbox }

// DevOnly is true.
func (DevSMS) DevOnly() bool { return true }

// SendCode queues a verification code for recipientRef; purpose (may be
// empty) says what the code is for, e.g. "sign <contract>".
func (s DevSMS) SendCode(ctx context.Context, recipientRef, code, purpose string) (string, error) {
	p := map[string]string{"code": code}
	if purpose != "" {
		p["purpose"] = purpose
	}
	return s.Outbox.Enqueue(ctx, Message{Channel: ChannelSMS, RecipientRef: recipientRef, Template: TemplateSMSCode, Params: p})
}
