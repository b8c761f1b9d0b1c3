// Package workflow is the platform's signing workflow: it verifies people
// and companies (through workflow/identity), gives each a hosted SM2 key, a
// certificate from the platform CA and a default seal; creates contracts
// from an uploaded PDF or a template; sends one-time signing links; checks
// intent by SMS code or face; signs the PDF with signer/pdf, placing the
// party's seal in its area; and tracks, reminds, voids, renews, expires and
// searches contracts. Every step that matters becomes a chain record
// (identity_verified, cert_issued, seal_registered, contract_created,
// contract_sent, contract_viewed, intent_verified, contract_signed,
// contract_completed, contract_declined, contract_voided,
// contract_reminded, contract_renewed, contract_expired,
// batch_intent_verified). Bulk sends (bulk.go) create and send one
// contract per row of a template job; batch signing (batchsign.go) signs
// several contracts of one signer after one intent check.
//
// # Main types
//
// [Engine] holds the state in a pebble database the caller opens (keys under
// "wf/core/", see store.go) and talks to the outside through small
// interfaces declared here: [Chain] (submit a tx, learn its outcome),
// [IdentityVerifier], [FileStore], [Templates] and [Notifier]. node wires
// them to CometBFT, workflow/identity, workflow/filestore, workflow/template
// and workflow/notify, and serves the HTTP API of docs/workflow.md. The
// production identity, face, bank and SMS vendors are in
// workflow/providers; an identity whose provider could not decide
// (providers.ErrUnavailable) stays pending and [Engine.RetryIdentity] runs
// it again, and the signing view shows where the latest SMS code is
// ([CodeDelivery]) when the Notifier tracks messages ([MessageTracker]).
//
// # Durability
//
// A state change, the chain records it causes and the notifications it
// sends are written in one synced pebble batch; background loops then submit
// the records in order (retrying until committed; the replay code means
// committed) and hand notifications over. A signature stores the signed PDF
// (durably, by SM3) before that batch, so after a crash at any point a
// signed PDF the workflow shows always gets its record and every record's
// PDF is stored. [Config.Crash] lets tests kill the process at named steps.
//
// The search index ([Config.Index], workflow/search) is a second store:
// each batch that writes a contract also logs its id under a sequence
// number; the index applies the change right after the batch and records
// the number it reached, and on start the engine replays the log past it
// (or rebuilds the index from the contracts), so a crash between the two
// leaves the index behind only until the next start (index.go).
//
// # Security assumptions
//
// Signing keys and personal data are sealed with SM4-GCM under a [KEK] kept
// in the node's config directory; the database alone reveals neither.
// Signing links are stored as SM3 hashes (and, for reminders, sealed). SMS
// codes are stored as salted SM3, burned after the configured number of
// wrong attempts; a link gets a limited number of codes (cooldown, per
// hour, per life) and is locked after a lifetime number of wrong codes.
// Signing and declining both need intent (code or face): the link alone
// is not enough. Queued SMS messages and remembered idempotent answers,
// which carry phone numbers, links and codes, are sealed under the KEK
// too: pebble keeps deleted values until compaction. The platform's bearer token and the KEK are as sensitive
// as the platform CA key beside them.
//
// # Compatibility
//
// The database layout is this package's own and may change between
// versions; the chain records are consensus encodings and never change.
package workflow
