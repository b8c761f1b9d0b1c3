// Package ofdjs holds no code: it is the harness, run by ofdjs_test.go, that
// has Sealchain-signed OFD files verified by another implementation in CI,
// DLTech21's ofd.js (Apache-2.0, from npm), in headless Chromium.
//
// The npm packages are pinned by package-lock.json and installed by
// `make test-interop` (npm ci); node_modules is not committed. ofd.js 0.2.6
// is the implementation that verifies: a self-contained browser bundle whose
// checks are JavaScript (JSZip, sm-crypto, jsrsasign, asn1js). ofd.js 1.5.0,
// the newer release, keeps its parser in licensed WebAssembly that refuses
// every file with its built-in key; the test records its answer.
// docs/ofd.md ("Sealchain → ofd.js") lists exactly what ofd.js checks and
// what it does not.
package ofdjs
