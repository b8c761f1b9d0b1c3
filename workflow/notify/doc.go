// Package notify tells the outside world what happened in the signing
// workflow: signed webhooks with retries and a delivery log, and an outbox
// that SMS and e-mail gateways drain.
//
// Both persist in a *pebble.DB the caller owns, under the key prefix
// [Prefix] ("wf/notify/"), every write with pebble.Sync:
//
//	wf/notify/sub/<subscription id>              Subscription (JSON)
//	wf/notify/dlv/<delivery id>                  Delivery with its attempts (JSON)
//	wf/notify/due/<uint64be unix ns><delivery id> pending delivery, by next attempt
//	wf/notify/seq                                uint64be last outbox sequence
//	wf/notify/msg/<message id>                   Message (JSON)
//	wf/notify/pend/<channel>/<uint64be seq>      message id, while pending
//	wf/notify/key/<idempotency key>              message id (Message.Key)
//
// # Webhooks
//
// [Webhooks.Publish] makes one delivery per subscription whose event filter
// matches; the delivery id is "<event id>/<subscription id>", so publishing
// the same event again is a no-op. [Webhooks.Run] (or [Webhooks.DeliverDue]
// for callers with their own loop) POSTs each due delivery:
//
//	POST <subscription URL>
//	Content-Type: application/json
//	Sealchain-Event: <event type>
//	Sealchain-Delivery: <delivery id>
//	Sealchain-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
//
// Any 2xx answer delivers. Anything else (another status, a redirect,
// which is not followed, a connection error, a timeout of
// [DefaultAttemptTimeout]) is a failed attempt, logged in the delivery with
// its number, time, outcome category (Outcome*, never the receiver's status
// or body) and duration.
//
// Deliveries connect only to public unicast addresses: loopback, private,
// link-local, multicast, unspecified and other non-public ranges (also as
// IPv4-mapped, NAT64 or 6to4 IPv6) are refused when a URL names one as an
// IP literal, and on every connection after name resolution (guard.go), so
// DNS rebinding fails too. [WithAllowedTargets] lets an operator allow
// prefixes.
// After failed attempt n the next one is due after
// min(base·2^(n-1), max) scaled by a random factor in [0.5, 1) (jitter),
// with base [DefaultBackoffBase] (10 s) and max [DefaultBackoffMax] (1 h)
// unless [WithBackoff] says otherwise; after [DefaultMaxAttempts] (10)
// failed attempts the delivery is failed for good. The default schedule
// spans about 1.5 to 3 hours. Pending deliveries survive a restart: they
// are in the database with their due time.
//
// Receivers check a delivery with [Verify]: recompute the HMAC over the
// timestamp, a dot and the raw body, compare in constant time, and refuse
// timestamps outside a tolerance (replays).
//
// # Outbox
//
// [Outbox.Enqueue] stores a [Message] (channel "sms" or "email", a
// recipient reference the gateway resolves, a template id and parameters)
// as pending. A gateway drains a channel with [Outbox.Pending] (oldest
// first, at most limit, resuming after a cursor: the last id it saw), sends,
// and calls [Outbox.Ack] with each id, which deletes the message's
// recipient and parameters. With [WithSealer] they are stored sealed
// meanwhile. Unacknowledged messages stay pending
// and are listed again from an empty cursor, so a gateway that crashes
// between sending and acknowledging sends twice: gateways should treat the
// message id as an idempotency key. [DevSMS] is the development SMS
// provider: it writes verification codes into the outbox.
//
// [SMSGateway] is the node's own gateway for the sms channel: it sends
// each due message through an [SMSSender] (the vendor adapters of
// workflow/providers) and acks it; a failed send is recorded on the
// message with [Outbox.Retry] (attempts, next attempt, last error) and
// tried again with jittered exponential backoff; a permanent refusal
// ([ErrPermanent]) or the last allowed failure ends it with [Outbox.Fail]:
// state failed, recipient and parameters deleted. [Outbox.ByKey] finds a
// message by its idempotency key, which is how the workflow shows a
// code's delivery on the signing link.
//
// Subscription secrets are stored sealed with [WithSecretSealer]. Data
// older versions kept in clear (messages, secrets) is sealed or emptied by
// [SealAtRest], which workflow.MigrateAtRest runs once at startup.
package notify
