// Package conformance generates the evidence-bundle conformance vectors
// under testdata/conformance (docs/conformance.md). Most vectors need
// bundles that no honest chain produces (a signature by a revoked
// certificate, an attestation by an unregistered verifier, a header signed
// by too few validators), so the package builds small chains itself: a
// genesis whose validator and CA keys it holds, records signed as the
// platform would sign them, an RFC 6962 log over them, and a CometBFT
// header signed by the validators. Nothing here is used by a node.
package conformance
