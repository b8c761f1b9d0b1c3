// Package node runs a Sealchain validator: it opens the store, starts
// CometBFT in the same process with the app, and serves the HTTP JSON API
// (api.go), Prometheus metrics and the development OTP intent verifier. It
// also creates node homes (init.go) and owns the CometBFT plumbing
// (comet.go). Nothing imports node; node imports everything else.
//
// Lifecycle: [New] reads the home; [Node.Start] starts the parts in order;
// [Node.Stop] stops the API, then CometBFT, then the store, logging each
// failure and going on; [Node.Quit] is closed once stopped.
package node
