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
// SESeal. The wrapper belongs to the older GM/T 0031-2014 format, which this
// package does not read. The standard leaves the meaning of type to the
// application; [Kind] uses 1 for organisation and 2 for personal seals, as
// GM/T 0031-2014 did.
//
// Sealchain's choices within the standard:
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
//   - The GM/T 0031-2014 (version 1/2) formats and the version 5 format of
//     GM/T 0031-2025 (which adds an optional timeStamp to SESeal).
//   - Checking the signer certificates listed in certList; they matter when
//     a seal is applied, not when it is verified.
//
// # Compatibility
//
// [Kind] values are part of the encoding and are never renumbered. Make's
// output for a given SealInfo, key and randomness is stable; a change to
// the rendering code changes pictures, and so hashes, of new seals only.
package seal
