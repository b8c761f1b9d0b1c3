// Package flowapi runs the signing workflow inside the node and serves it:
// it opens the workflow engine (package workflow) with its database,
// document store, identity verifier, webhooks and outbox ([Open]); adapts
// the node's submitter to the workflow's Chain (the workflow reads
// outcomes, never ABCI code numbers); serves the platform API
// (/v1/wf/..., bearer token, idempotency keys), the signer API
// (/v1/sign/{token}/...) and the signing and progress pages
// ([Service.Register]); and renders the built-in templates.
//
// It declares what it needs from the store ([Store]), the submitter
// ([Submitter]) and CometBFT's mempool ([TxPool]); it shares only the HTTP
// plumbing (node/httpjson) and the page assets (node/web) with the chain
// API, and receives everything else from the node explicitly.
package flowapi
