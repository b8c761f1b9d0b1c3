// Package httpjson is the HTTP plumbing the node's API services share: the
// JSON answer and error shape ({"error": {"code", "message"}}), the 500
// answer that logs, per-route metrics, and the router that answers
// unknown routes and methods in JSON too. It owns no routes.
package httpjson
