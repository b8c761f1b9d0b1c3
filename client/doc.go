// Package client is the Go binding of a Sealchain node's HTTP API and the
// transaction builder a platform uses: it encodes record bodies, has the
// actor sign them, wraps them in the organisation's envelope and submits
// them. The CLI's client commands and the benchmark use it; so can a
// platform's own Go code.
package client
