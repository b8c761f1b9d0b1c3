// Package ofd reads, signs and verifies OFD documents (GB/T 33190-2016,
// 版式文档), China's national fixed-layout format: a zip of XML parts.
//
// [Open] reads a package from memory within bounds (file size, entries,
// bytes per part and in all, XML size and depth), so that hostile input
// stays cheap; [Package.ReadDocument] follows OFD.xml → DocBody →
// Document.xml to the pages and the signature list.
//
// [Sign] adds an electronic-seal signature per §18: Signatures.xml, and in
// Signs/Sign_N Seal.esl, Signature.xml (SM3 References to every part but
// Signatures.xml, a StampAnnot for the visible seal) and SignedValue.dat, a
// GB/T 38540-2020 SES_Signature (signer/seal) over SM3 of the Signature.xml
// file. Several signers sign in turn; each signature covers the earlier
// ones' files, as ofdrw's "continue" mode does.
//
// [Verify] checks every signature of a file made by any implementation:
// the reference digests (a changed or missing part is named), the seal,
// the SES_Signature, the signer certificate and the time, and returns a
// [Report] with ETSI EN 319 102-1 indications shaped like signer/pdf's.
//
// [NewText] makes a minimal text OFD, for tests and simple contracts.
//
// docs/ofd.md describes what is supported, the tolerances and the interop
// results with other software.
package ofd
