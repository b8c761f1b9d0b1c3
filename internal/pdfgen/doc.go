// Package pdfgen writes the small, deterministic PDF files Sealchain
// generates itself: evidence reports (evidence/report) and contracts
// rendered from templates (workflow/template).
//
// It has three parts:
//
//   - [Font]: a TrueType (glyf) font, in practice the CJK font of the Debian
//     package fonts-droid-fallback ([DefaultFontPath]), with its character
//     map, advance widths and [Font.Subset].
//   - [Text]: sets mixed Latin and CJK text into page content streams.
//     Printable ASCII goes in one of the 14 standard Type 1 fonts (widths
//     from pdfcpu's core-font metrics, WinAnsiEncoding); other characters go
//     in the embedded CJK font, whose glyphs Text records for embedding.
//     It measures and wraps text with the same widths it draws with.
//   - [Writer]: numbers objects and writes a PDF 1.7 file with a classic
//     cross-reference table, and embeds the used CJK glyphs as a Type 0 font
//     ([Writer.EmbedCJK]) with a ToUnicode CMap, so text extracts as Unicode.
//
// Output depends only on the input: no clock, no randomness, no map order
// (the file ID is a hash of the objects). Callers rely on this for
// byte-for-byte reproducible documents.
package pdfgen
