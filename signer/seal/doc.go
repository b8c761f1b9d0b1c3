// Package seal makes electronic seals (电子印章): the red seal images a
// Chinese user expects on a contract, and the signed GB/T 38540-2020 SESeal
// structure that binds such an image to an organisation and to the
// certificates allowed to use it. Sealchain registers a seal on chain by its
// [Seal.Hash].
//
// # Seal images
//
// [Enterprise] draws a round organisation seal (单位印章): a thick rim, the
// organisation name along the upper arc over about 240° with every
// character turned to face outwards, a five-pointed star in the centre, an
// optional purpose line under it (合同专用章) and an optional code line along
// the lower arc (for example the unified social credit code). [Personal]
// draws a square name seal (个人印章) with two to four Han characters in a
// grid read right to left, top to bottom, optionally completed with 之印 or
// 印. Both are red ([Red]) on a transparent background.
//
// Text is drawn from glyph outlines of a CJK TrueType/OpenType font,
// transformed (scaled, rotated) by this package and filled with
// golang.org/x/image/vector, so arc text is truly rotated rather than
// pasted upright. The default font is [DefaultFontPath], from the Debian
// package fonts-droid-fallback; a missing font is an error wrapping
// [ErrFont] and fs.ErrNotExist, never a silent fallback. ASCII characters
// the font lacks are drawn with their fullwidth forms. [EncodePNG] encodes
// the result; [LoadImage] accepts an uploaded PNG or JPEG within
// [MaxImageBytes] and [MinImageSize]..[MaxImageSize] pixels per side,
// checking the size before decoding pixels.
//
// # SESeal (GB/T 38540-2020, version 4)
//
// [Make] encodes and signs, [Parse] decodes and [Seal.Verify] verifies:
//
//	SESeal ::= SEQUENCE {
//	  eSealInfo    SES_SealInfo,
//	  cert         OCTET STRING,      -- maker (制章者) certificate, DER
//	  signAlgID    OBJECT IDENTIFIER,
//	  signedValue  BIT STRING }       -- signature over DER(eSealInfo)
//	SES_SealInfo ::= SEQUENCE {
//	  header    SES_Header,
//	  esID      IA5String,
//	  property  SES_ESPropertyInfo,
//	  picture   SES_ESPictrueInfo,
//	  extDatas  ExtensionDatas OPTIONAL }
//	SES_Header ::= SEQUENCE { ID IA5String ("ES"), version INTEGER (4), Vid IA5String }
//	SES_ESPropertyInfo ::= SEQUENCE {
//	  type INTEGER, name UTF8String, certListType INTEGER,
//	  certList SES_CertList, createDate GeneralizedTime,
//	  validStart GeneralizedTime, validEnd GeneralizedTime }
//	SES_CertList ::= CHOICE {
//	  certs           SEQUENCE OF OCTET STRING,    -- certListType 1
//	  certDigestList  SEQUENCE OF CertDigestObj }  -- certListType 2
//	CertDigestObj ::= SEQUENCE { type PrintableString, value OCTET STRING }
//	SES_ESPictrueInfo ::= SEQUENCE {
//	  type IA5String, data OCTET STRING, width INTEGER, height INTEGER } -- mm
//	ExtensionDatas ::= SEQUENCE OF ExtData
//	ExtData ::= SEQUENCE {
//	  extnID OBJECT IDENTIFIER, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
//
// Sources and uncertainty: the official text was not available; the
// definitions above were checked against two independent reproductions of
// the standard (a clause-by-clause summary comparing GM/T 0031-2025 with GB/T
// 38540-2020, and the ofdrw library's org.ofdrw.gm.ses.v4 classes, which
// sign DER(SES_SealInfo) exactly as here). Note that version 4 has no
// SES_SignInfo wrapper: cert, signAlgID and signedValue sit directly in
// SESeal. The wrapper belongs to the older GM/T 0031-2014 format, which
// [ParseSESeal] reads. The standard leaves the meaning of type to the
// application; [Kind] uses 1 for organisation and 2 for personal seals, as
// GM/T 0031-2014 did.
//
// Sealchain's choices within the standard, for the seals it makes and
// registers ([Make], [Parse]):
//
//   - Parse accepts only canonical DER, checked by re-encoding, so a seal has
//     exactly one encoding and one Hash. Times are UTC to the second.
//   - The picture type is "PNG" only; other formats are refused.
//   - Critical extensions are refused; this package understands none.
//   - signAlgID is SM2-with-SM3 (1.2.156.10197.1.501, default user id
//     "1234567812345678" per GB/T 35276) for SM2 makers, and
//     ecdsa-with-SHA256 (1.2.840.10045.4.3.2) for P-256 makers. The latter is
//     a Sealchain extension that third-party GM seal tools will not accept.
//   - Sizes are bounded: see [MaxSealBytes], [MaxCerts], [MaxCertBytes],
//     [MaxImageBytes] and [MaxPictureMM].
//
// # Seals made by other software
//
// [Parse] reads only what Sealchain registers. [ParseSESeal] reads the seals
// of any vendor into one [SESeal] type: GM/T 0031-2014 version 1 ([LayoutV1]:
// the maker's certificate and signature inside SES_SignInfo, no
// certListType, UTCTime, the signature over DER(SEQUENCE{esealInfo, cert,
// signatureAlgorithm})), GB/T 38540-2020 version 4 and GM/T 0031-2025
// version 5 ([LayoutV4]; version 5 adds timeStamp [0] BIT STRING OPTIONAL).
// It accepts every seal type, picture type and extension, and refuses only
// what cannot be read: wrong structure or tags, non-minimal DER lengths and
// integers, trailing bytes, times not in UTC. The few departures from DER
// that real seals need are accepted and listed in [SESeal.Tolerated], each
// commented in the code with the file that needs it.
//
// [SESeal.Verify] checks a seal at a given time against trusted maker roots
// and returns a [Report] of each check (header, validity, algorithm,
// signature, maker certificate chain, certificate list, picture,
// extensions, time stamp) with the state ok, failed, not understood or not
// checked. What the standards leave to vendors is reported, not refused:
// private critical extensions of the seal or of a certificate (the chain is
// built by smx509 on copies of the certificates without their unhandled
// critical extensions, which are listed in Report.NotUnderstood), pictures
// that are not PNG, JPEG or GIF (tax seals carry an OFD), listed
// certificates that do not parse. docs/ofd.md has the interop table.
//
// # Trust
//
// The maker must be a Sealchain organisation CA ([signer.CA]) or a leaf it
// issued for [signer.UsageSigner]: [Seal.Verify] accepts a maker
// certificate that is byte-for-byte one of the trusted roots, or one
// [signer.VerifyIssued] accepts. Verification takes the time as a parameter
// and never reads the clock. Revocation is not checked; the chain's
// certificate registry is the place for that.
//
// # Not implemented
//
//   - SES_Signature / TBS_Sign (电子签章), the structure that applies a seal
//     to a document, and the time stamps that go with it.
//   - Making version 1 or version 5 seals (they are read and verified by
//     [ParseSESeal]), and verifying a version 5 time stamp.
//   - Checking the signer certificates listed in certList against a
//     signature; they matter when a seal is applied, not when it is
//     verified.
//
// # Compatibility
//
// [Kind] values are part of the encoding and are never renumbered. Make's
// output for a given SealInfo, key and randomness is stable; a change to
// the rendering code changes pictures, and so hashes, of new seals only.
//
// # SES_Signature
//
// [MakeSESSignature] makes a GB/T 38540-2020 version 4 electronic-seal
// signature (电子签章数据): the seal, the signer's certificate, the time and
// the SM3 of the signed data, signed by the signer. [ParseSESSignature]
// reads versions 1 (GM/T 0031-2014) and 4 made by any implementation, and
// [SESSignature.Verify] checks one at a given time, the seal inside it
// included, reporting like [SESeal.Verify]. signer/ofd uses them for OFD
// signatures; docs/ofd.md lists the tolerances and the interop results.
package seal
