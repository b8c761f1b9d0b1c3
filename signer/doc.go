// Package signer holds Sealchain's signing keys, certificates and the
// development intent verifier.
//
// Sealchain records electronic-contract signing events as evidence for
// Chinese courts. Every signature on chain is made with a key certified by a
// participating organisation's CA, and every certificate is named on chain by
// its [Fingerprint]. This package provides those pieces and nothing about
// transactions or storage.
//
// # Keys and signatures
//
// A [PrivateKey] is an SM2 key ([AlgSM2], the default for Chinese
// deployments) or an ECDSA P-256 key ([AlgECDSAP256]). Create one with
// [GenerateKey], persist it with [SavePrivateKey] and [LoadPrivateKey], and
// sign messages with [PrivateKey.Sign]; it hashes internally (SM3 with the
// GM/T 0009 default user id "1234567812345678" for SM2, SHA-256 for ECDSA).
// [Verify] picks the scheme from the public key's curve and returns an error
// wrapping [ErrBadSignature] on mismatch. Public keys are *ecdsa.PublicKey for
// both algorithms and travel as PKIX PEM ([EncodePublicKeyPEM]).
//
// # Certificates
//
// Each organisation (court, notary, arbitration body or platform) runs a
// [CA]: a self-signed root with path length 0 made by [NewCA]. [CA.Issue]
// signs leaf certificates carrying one [Usage]; [VerifyIssued] checks that a
// leaf was issued directly by one of a set of trusted roots, that both are
// valid at a given time (never the machine clock) and that the leaf has the
// usage required. [IdentityRefOf] and [UsagesOf] read Sealchain's
// extensions back. [ValidAt] answers "was this certificate valid when it
// signed?" for a time taken from the evidence.
//
// Clients that keep their own keys send a PKCS#10 request made with
// [CreateCSR] (or any tool's SM2 or P-256 request); [CA.IssueFromCSR] checks
// its self-signature and certifies its key, ignoring everything else in it.
// A signer certificate issued this way must carry an IdentityRef. Malformed
// or unverifiable requests are reported with [ErrBadCSR].
//
// # Development OTP
//
// [DevOTP] stands in for an SMS or face-recognition intent provider on
// development networks: it returns codes to the caller instead of sending
// them. A successful [DevOTP.Check] yields a challenge hash to put in the
// intent record. Never enable it on a production network.
//
// # Security assumptions
//
//   - Private keys live in files of mode 0600, created with that mode.
//     [LoadPrivateKey] refuses files with any group or other permission bit
//     ([ErrInsecureKeyFile]). Key material never appears in errors or logs;
//     callers must not log PEM bytes either.
//   - Certificates carry no personal data. A leaf's subject is only
//     CN=SubjectRef (a pseudonymous reference) and O=the issuing
//     organisation; the link to a verified identity is IdentityRef, a salted
//     SM3 commitment whose opening stays off chain. [CA.Issue] restricts
//     SubjectRef to [A-Za-z0-9:._-] so names cannot slip in.
//   - SM2 signatures always use the default user id "1234567812345678".
//     GM tools such as tjfoc/gmsm assume it; OpenSSL 3.0 does not and must
//     be given it, e.g. "openssl verify -vfyopt distid:1234567812345678" or
//     "openssl pkeyutl -verify -rawin -digest sm3 -pkeyopt
//     distid:1234567812345678" (see interop_test.go).
//   - Trust is flat: a root signs leaves directly and intermediate CAs are
//     not accepted.
//
// # Compatibility
//
// [Algorithm] and [Usage] numbers are part of the on-chain encoding and are
// never renumbered; new values are only appended. A [Fingerprint] is SM3 of
// the certificate DER and is stable for as long as the DER is.
//
// The object identifiers sit under the private enterprise arc
// 1.3.6.1.4.1.61245, which has not been confirmed as registered to
// Sealchain with IANA:
//
//	1.3.6.1.4.1.61245.1.N   extended key usage for Usage N (1 signer,
//	                        2 submitter, 3 intent-verifier, 4 validator-ops)
//	1.3.6.1.4.1.61245.2.1   IdentityRef extension, non-critical, value an
//	                        OCTET STRING of 32 bytes
//
// The registration-free arc of ITU-T X.667 (2.25.<UUID>) cannot replace it:
// Go's crypto/x509, smx509 and several other X.509 libraries refuse
// certificates with arcs of 2^31 or more. Readers therefore accept a list
// of arcs and writers use one, so that a move to a registered arc keeps
// every certificate already issued readable; see cert.go and
// docs/encoding.md ("Object identifiers").
//
// The DevOTP challenge hash is SM3("sealchain/otp-challenge/v1" || id ||
// subject || code); a change of fields gets a new label version.
package signer
