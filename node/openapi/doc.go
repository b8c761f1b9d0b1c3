// Package openapi holds the node's HTTP API contract, openapi.yaml
// (OpenAPI 3.1), and serves it at GET /openapi.yaml.
//
// The document is the machine-readable shape of docs/api.md and
// docs/workflow.md. It cannot drift from the node: package
// node/openapi/apitest validates every response of the node's integration
// tests against it, and checks that the routes the node registers and the
// document's paths are the same set. Clients in other languages are
// generated from it (test/openapi-client).
package openapi
