// Package report makes and verifies evidence reports (证据报告 / 出证报告):
// signed PDFs, in Chinese with English headings, that a platform, notary or
// court files with a court around an evidence bundle (package evidence).
//
// [Make] lays out the report for a bundle and its [evidence.Result]: title,
// issuing organisation and issue time (Options.Now: the clock is never
// read), each contract with its SM3 and SHA-256 document hashes and its
// status (a contract without a completion record is flagged "CONTRACT STILL
// OPEN" in a red box and in the contract table), the parties (pseudonymous
// certificate subject, serial, issuer, validity, SM3 fingerprint, identity
// method when the certificate's identity commitment has a verification record
// in the bundle, and optional display names that the report marks as off
// chain), the timeline of every record (type, named in Chinese and English
// from the table the verification page shares, evidence.TypeLabel; actor,
// intent method, block height, block time in UTC+8 and UTC, tx hash, log
// index), the checkpoint and the validator set that committed it, every
// verification check with 通过 PASS/未通过 FAIL and its bilingual name
// (evidence.CheckLabel) above the verifier's detail (the checks Make
// recomputes from the bundle under Options.Trust, never the caller's
// list: [Verify] does not compare printed checks), and a QR code for
// Options.VerifyURL (required: the node passes its own page, <[api]
// public_url>/verify) + "?bundle=" + hex SM3 of the embedded bundle, with
// that URL and hash printed under it. The issuer's label, name and date
// sit left of a square reserved for the seal, which covers none of them
// (TestSealCoversNoText checks the rendered page). Two files
// are embedded (catalog /Names /EmbeddedFiles, /AF, MD5 /CheckSum as the
// PDF specification defines it): bundle.json, the bundle's bytes, and
// facts.json, the printed facts as [Facts]. The PDF is then signed with
// signer/pdf.Sign by the issuing organisation's signer certificate,
// optionally showing its round seal (signer/seal) on the last page.
// With Options.Contract (a file the bundle names by SM3) the report also
// shows the contract's pages after the contract section: an OFD's drawn by
// Options.Pages (signer/ofd/render), with what could not be drawn listed;
// a PDF's are not drawn. Those pictures are not printed facts.
//
// [Verify] checks a report offline, in order: report_signature (signer/pdf
// reports TOTAL_PASSED with the genesis organisations' CAs, or
// [WithReportRoots], as roots; the claimed signing time is not after now),
// bundle_attached, bundle_verifies ([evidence.Verifier] with the caller's
// trust) and facts_match (facts.json equals [FactsOf] the embedded bundle,
// and the page text contains every printed fact).
//
// # How the PDF is written
//
// The package writes PDF 1.7 objects itself (with internal/pdfgen, which
// workflow/template shares) rather than through pdfcpu's JSON layout, which
// needs fonts installed in a per-user configuration directory. Pages are A4; content streams are left uncompressed.
// Chinese text uses a Type 0 font (CIDFontType2, Identity-H, CIDToGIDMap
// /Identity) embedding a subset of the TrueType font at [DefaultFontPath]:
// every table the PDF specification requires for TrueType is kept, glyph ids
// are unchanged, and glyphs the report does not use are emptied, which
// brings the 4 MB font down to a few tens of kilobytes. A ToUnicode CMap
// maps each glyph id to its character, so pdftotext and viewers extract the
// Chinese text. Latin text (the font has no Latin glyphs) is set in the
// standard Helvetica, Helvetica-Bold and Courier fonts with WinAnsiEncoding;
// bold Chinese is simulated by stroking the outlines. Hashes, ids and the
// verification URL are never wrapped: they are set smaller until they fit.
//
// # Issued documents
//
// Four more kinds of document share the layout engine, the font subset,
// the QR code, the attachments and the signing ([renderDoc]); their
// facts.json is [DocFacts] (format [DocFactsFormat], a kind and
// [DocFactsVersion]):
//
//   - [MakeNotarial]: the 公证书 for electronic-data preservation of a
//     notarisation case, shaped like a real 电子数据保全公证书: number,
//     applicant (the platform org; the party by certificate when the
//     application names one), notary office, notary (the certificate's
//     subject and fingerprint), the matter, the application and its
//     acceptance by block time, what was examined (the scope: the contract's
//     records, the signed PDF by SM3 and SHA-256, the timeline, and the
//     checkpoint), the facts found (the contract, parties by certificate,
//     every record with its block height and time, the checkpoint), and a
//     "兹证明" statement that says only what the bundle proves (the records
//     are in the log under a checkpoint the validators signed, and
//     unaltered; neither the truth nor the legality of the contract's
//     content), then the office's seal over its name, the notary and the
//     date. It refuses a bundle that does not verify or lacks the case's
//     application and acceptance, or a case for another office.
//   - [MakeAppraisal]: the 司法鉴定意见书. Its structure follows the
//     sections 《司法鉴定程序通则》(司法部令第132号) art. 36 and the Ministry of
//     Justice's 司法鉴定文书格式 give an opinion: 基本情况 (委托人 = the court
//     org and the judge's certificate, 委托鉴定事项 = the commissioned items,
//     受理日期 = the acceptance's block time, 鉴定材料 = the bundle and the
//     signed PDF by hash, 鉴定日期), 检案摘要, 检验过程 (for each commissioned
//     item the automated checks with their results: the bundle's proofs and
//     checkpoint, certificates and signatures, intent, time and order, and
//     signer/pdf's validation of the signed PDF), 分析说明 (the examiners'
//     notes), 鉴定意见 (intact, altered or undetermined), the examiners
//     (司法鉴定人) by certificate subject, serial and fingerprint, and the
//     institution's seal and date. The electronic-data standards the issue
//     names, SF/T 0076-2020 (电子数据存证技术规范: preserved data is
//     identified by its hash values and time) and SF/T 0091-2021, were
//     read as far as public text was found (the former's scope and
//     contents; not the latter's text): the opinion reports hash values,
//     block heights and times as the former asks of preserved data.
//   - [MakePreservation]: the one-page 存证证明 with the preservation
//     number [PreservationNo] (derived from chain data; its derivation is
//     in PreservationNo's documentation and docs/evidence-bundle.md),
//     hashes, block time and height, the checkpoint and the QR code.
//   - [MakeSignatureReport]: the bilingual 验签报告 of a signed PDF:
//     signer/pdf's ETSI TS 119 102-1 shaped result per signature (signer,
//     time and where it came from, integrity, certificate chain,
//     indication and sub-indication), with the validation attached as
//     verification.json.
//
// Every issued document is recorded on chain by SM3 after signing
// (notarization_issued, appraisal_issued, or report_issued). [VerifyDocument]
// verifies any kind (the evidence report with [Verify]'s checks):
// document_signature, issuance_recorded (with [WithIssuance]: the bundle
// of the issue record, verified against the caller's trust; a node is never
// trusted), bundle_attached, bundle_verifies and facts_match. An edited
// or re-signed document fails, with the reason.
//
// # Text extraction in Verify
//
// Verify does not shell out to pdftotext. It parses the file with pdfcpu,
// reads each page's content stream and runs the few text operators this
// package writes (Tf, Tm, Td, Tj), decoding Type 0 strings through the
// font's ToUnicode CMap and simple-font strings as bytes. Pieces are grouped
// into lines by y and joined in x order, so a line drawn as one string
// extracts as that string; the printed facts (hashes, ids, fingerprints,
// "区块高度 Height h | 日志序号 Log index i" and block-time lines, the
// checkpoint line, validator addresses, the contract status banner) are
// drawn that way. The check proves the facts are on the pages, not that
// nothing else is: a report that adds misleading text around correct facts
// fails only its signature check.
//
// # Security assumptions
//
// Those of package evidence for the bundle, plus: the report signer's CA is
// trusted by the verifier (a genesis organisation or a root the verifier
// chooses). The signature's time is claimed by the issuer (/M, and the CMS
// signing-time for SM2); no timestamp authority is involved. Display names
// are the issuer's statement, not chain data. The QR code only points to a
// page; it proves nothing by itself.
//
// # Compatibility
//
// facts.json carries a format name and version ([FactsFormat],
// [FactsVersion]); new fields may be added in a new version. Check names
// are stable.
package report
