// Package chainapi is the node's chain and judicial HTTP API: transaction
// submission and status (through node/submit), records, evidence bundles,
// contracts, certificates, organisations, proposals, validators, genesis
// and status; the judicial endpoints' authentication (signed requests and
// TLS client certificates, checked against the chain) and their
// query_logged audit records; evidence reports (PDF, report_issued); PDF
// verification and seal rendering with their CPU limits; the development
// OTP and identity endpoints; and the browser verification page.
//
// It owns its HTTP handlers and their in-memory state (nonce cache, report
// jobs, rate limits). It declares what it reads from the store ([Store])
// and gets evidence bundles through an [AssembleFn]; the node wires the
// concrete store, CometBFT's headers and the routes ([API.Register]) onto
// the router it shares with node/flowapi.
package chainapi
