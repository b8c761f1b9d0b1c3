// Package web holds the node's browser pages (the verification page and
// the signing pages) as embedded files, and the HTTP headers they are served
// with. The browser verifier itself (sealchain.wasm.gz, cmd/sealchain-wasm)
// is built next to the binary, not embedded (node/chainapi's verifierFile).
package web
