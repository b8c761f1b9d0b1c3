// Package template makes contracts from templates with named fields.
//
// A [Template] has a title and a body, in Chinese, English or both, with
// placeholders:
//
//	{{field}}       replaced by the value of field (names: a-z, 0-9, _;
//	                starting with a letter)
//	{{sign:role}}   on a line of its own: the signing area of a role
//	                (the same name rules), left blank in the PDF; the
//	                line above it is its caption ("借款人签名 Borrower:")
//
// [New] takes a [Spec]: besides title and body, the template's names
// (zh/en), its fields' labels, types ([FieldType]), examples and the role
// whose particulars each holds, and its roles' labels. [Template.Describe]
// gives all of it as JSON for GET /v1/wf/templates.
//
// [Template.Render] checks the values (every field must have a non-empty
// value of its type, and a value for a name the template does not use is
// an error: all are listed by name in a [*FieldError]), lays the contract
// out on A4 pages and returns the PDF with the signing areas: for each
// role, the page and the rectangle (x, y, w, h in points, origin bottom
// left, the form signer/pdf's SignOptions.Page and Rect take) where its
// seal or signature goes. Areas are bound to roles, never to the order of
// a contract's parties: workflow gives each party the area of the role it
// declares. Rendering is deterministic: the same template and values give the
// same bytes (no dates are written), so the contract's SM3 is reproducible.
//
// # The PDF
//
// Like the evidence report (package evidence/report), and with the same
// writer (internal/pdfgen), the package writes PDF 1.7 objects itself: Chinese text in a Type 0 font embedding a subset
// of the fonts-droid-fallback TrueType font at [DefaultFontPath] (glyph ids
// unchanged, unused glyphs emptied, ToUnicode CMap so text extracts),
// Latin text in the standard Helvetica with widths from pdfcpu's metrics.
// Text wraps at spaces for Latin words and between any two CJK characters.
// Each signing area is drawn as a dashed grey frame under its caption (the
// line before it), the two kept on one page. [LoadFont] and [WithFont] let
// a long-running caller parse the font once.
//
// # Built-in templates
//
// [Builtin] returns "service_agreement" (服务协议) and "loan_note" (借条);
// their fields are documented on [ServiceAgreement] and [LoanNote].
package template
