// Package pdf signs PDF documents with Sealchain keys and validates the
// signatures in them, for electronic contracts whose signing events are
// recorded on chain as court evidence.
//
// [Sign] appends one signature as an incremental update; several parties sign
// in turn by signing the previous output. [Verify] validates every signature
// in a file and returns a [Report] shaped after ETSI TS 119 102-2: an overall
// [Indication], and per signature an indication and [SubIndication], the
// signer certificate, the signing time and where it came from, the signed
// scope and what changed afterwards ([Modifications]).
//
// # What Sign writes
//
// The input bytes are copied unchanged (one end-of-line is added if the
// file lacks a final one) and followed by:
//
//   - the appearance: an image XObject (the PNG as 8-bit DeviceRGB,
//     FlateDecode) with a DeviceGray /SMask when the PNG has transparency,
//     and a form XObject drawing it into the rectangle, aspect ratio kept;
//   - the signature dictionary: /Type /Sig /Filter /Adobe.PPKLite
//     /SubFilter /ETSI.CAdES.detached, /ByteRange [0 a b c] (a fixed-width
//     placeholder patched after writing), /Contents <…> (a hex placeholder of
//     [ContentsSize] bytes, zero padded), /M, and /Name, /Reason, /Location
//     when set (UTF-16BE text strings when not plain ASCII);
//   - a merged signature field and widget annotation (/FT /Sig, /F 132 =
//     print + locked, /P, /Rect, /AP /N) named "SignatureN";
//   - a new version of the page with the widget appended to /Annots, and
//     of the AcroForm (in place if it is an indirect object, otherwise
//     through a new version of the catalog) with the field appended to
//     /Fields and /SigFlags 3;
//   - a cross-reference section: a classic table if the previous section
//     was one, else a cross-reference stream, with /Prev, /Root, /Info and
//     /ID carried over.
//
// The byte range then covers the whole file except the /Contents string.
// Its digest is signed as a detached CMS SignedData with one SignerInfo,
// signed attributes content-type, message-digest and ESS
// signing-certificate-v2 (RFC 5035), and the signer certificate and
// SignOptions.Chain in the certificate set:
//
//   - ECDSA P-256: SHA-256 and ecdsa-with-SHA256, id-data / id-signedData
//     (PAdES baseline B-B; no signing-time attribute, the claimed time is
//     /M). poppler's pdfsig reports these signatures valid.
//   - SM2: SM3 and SM2-1 (1.2.156.10197.1.301.1) with the GB/T 35275
//     content types 1.2.156.10197.6.1.4.2.1/.2, the GM/T 0009 default user
//     id, and a signing-time attribute equal to /M. gmsm's pkcs7 package
//     verifies them; poppler and pdfcpu do not know SM2.
//
// The CMS is encoded by this package rather than by gmsm's pkcs7, whose
// signer always adds a signing-time taken from the machine clock; time in
// Sealchain comes from the caller, never the wall clock.
//
// # Electronic-seal signatures
//
// [SignSES] writes the same update with /Filter /GM.PKILite /SubFilter
// /GM.sm2seal and a GB/T 38540 SES_Signature in /Contents (dataHash = SM3
// of the byte range), drawn with the seal's picture; Verify recognises
// such signatures and checks the seal, the signature, the binding of seal
// and signer, the certificate and the time (ses.go; docs/ofd.md, "SES_Signature
// in PDF", lists the sources of this profile and what is assumed).
//
// # How Verify classifies later changes
//
// Revisions are the %%EOF-terminated parts of the file. For a signature
// ending revision k, every later revision is compared with the one before
// it, object by object (pdfcpu parses each revision, so object streams and
// cross-reference streams are understood). A later revision counts as
// "signatures only" when every object it introduces or redefines is one of:
//
//   - a new object that is not a page, page tree node or catalog;
//   - the catalog, with only /AcroForm and /DSS changed;
//   - the AcroForm, with only /Fields and /SigFlags changed;
//   - a page, with only /Annots changed;
//   - an array (indirect /Annots or /Fields) that only grew;
//   - an unsigned signature field that gained /V;
//   - an object reachable from the catalog's /DSS;
//
// and where /Annots or /Fields grew, every added element is a signature
// field or widget with a /V. Anything else (a redefined content stream,
// resource, font, /Info, a freed object, a replaced catalog, an added
// non-signature annotation, non-blank bytes after the last %%EOF) makes the
// class "other". Then the signature is INDETERMINATE/SIG_CONSTRAINTS_FAILURE:
// the signed revision is intact (bytes 0 to the end of its byte range, which
// a viewer can extract) but the current document is not what was signed.
//
// # Security notes
//
//   - A signature is only format-valid if its /ByteRange starts at 0,
//     excludes exactly its own /Contents string, and ends at a %%EOF inside
//     the file; otherwise it is FORMAT_FAILURE. This stops byte ranges that
//     leave room for unsigned content or point at another signature.
//   - Signature dictionaries are found by scanning the raw bytes for
//     /ByteRange (they cannot be in object streams), so signatures that a
//     later revision unlinked from the AcroForm are still reported.
//   - Trust is flat, as in package signer: the signer certificate must be
//     issued directly by one of VerifyOptions.Roots, carry the signer usage
//     and be valid at the signing time. Intermediate CAs are ignored.
//   - Only VerifyOptions.SigningTime (the block time) is authoritative. With
//     a claimed time (CMS signing-time or /M) an expired or revoked
//     certificate gives INDETERMINATE (OUT_OF_BOUNDS_NO_POE, REVOKED_NO_POE)
//     rather than a pass, since the signer chose the time.
//   - Revocation is asked of VerifyOptions.Status for the signer
//     certificate only, as of the signing time.
//   - Verify's cost is linear in the file size: it finds signatures and
//     revisions in forward passes that look at each byte a bounded number
//     of times, hashes the common prefix of all byte ranges once, refuses
//     files with more than [MaxSignatures] signature dictionaries or
//     [MaxRevisions] revisions ([ErrTooComplex]), and hands pdfcpu at most
//     [MaxAnalysedEntries] cross-reference entries and [MaxAnalysedBytes]
//     bytes over all revisions, and only revisions whose cross-reference
//     chain is where startxref and /Prev say (pdfcpu's whole-file repair
//     is slow). Revisions past these bounds are reported as not analysed
//     (Modifications "unknown"). Verify recovers from panics in the PDF
//     parser and never returns a bare parse error for a file with a
//     signature dictionary.
//   - A signature whose /Contents lie inside the range signed by an
//     earlier signature is FORMAT_FAILURE: incremental signing never
//     produces it, and it would let a file make every signature hash the
//     whole file again.
//   - Bytes before the %PDF- header (up to 1024, as readers accept) are
//     kept: Sign writes cross-reference offsets relative to the header,
//     as qpdf and pdfcpu read them, and /ByteRange in absolute file
//     offsets, as pdfsig checks it, so the signature covers the prefix
//     too.
//
// # Not supported
//
//   - encrypted PDFs ([ErrEncrypted]);
//   - LTV: no DSS, CRL, OCSP or VRI is written, and DSS content is not used
//     for validation (only tolerated in later revisions);
//   - RFC 3161 signature or document timestamps (/DocTimeStamp signatures
//     are reported INDETERMINATE/CRYPTO_CONSTRAINTS_FAILURE);
//   - certification (DocMDP) signatures, field locks and /Perms;
//   - RSA and other algorithms than SM2/SM3 and ECDSA P-256/SHA-256;
//   - BER-encoded CMS, several SignerInfos, subjectKeyIdentifier signer ids;
//   - page rotation and non-default user space: Rect is in unrotated page
//     coordinates;
//   - appearance text: the widget shows only the image.
//
// # Compatibility
//
// The report's JSON field names and the indication, sub-indication and
// modification strings are stable; new values may be added.
package pdf
