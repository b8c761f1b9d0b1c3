// Package render draws OFD pages (GB/T 33190-2016) as pictures for people:
// the signing page and the evidence report show what a contract looks
// like, with its seals where they were placed.
//
// [PNG] and [Render] draw one page in pure Go (golang.org/x/image/vector
// rasterises, golang.org/x/image/font/sfnt reads fonts): the page's
// physical box, background and foreground templates, layers and page
// blocks with their draw parameters, TextObject (TextCode with X, Y,
// DeltaX, DeltaY; embedded TrueType/OpenType fonts, otherwise the CJK
// fallback font of the reports and the Go fonts for Latin text; size,
// HScale, fill colour, CTM), PathObject (AbbreviatedData S M L Q B A C;
// fill, stroke, line width, cap, dash, colours), ImageObject (PNG, JPEG,
// GIF, BMP, TIFF), clip areas made of paths, annotations' appearances, and
// the seal pictures of signatures at their StampAnnot (PNG, JPEG, GIF, or
// an OFD picture drawn by this package).
//
// What is not drawn is never drawn approximately: it is left out and
// listed, one sentence each, in the result's Unsupported (unknown or
// unembedded fonts drawn with a substitute are listed too): shadings,
// patterns, JBIG2 images, rotated text, composite objects, text clips,
// even-odd fills of several subpaths.
//
// Rendering is bounded, so that a hostile file stays cheap: the image is
// at most DefaultMaxPixels (a larger page is drawn at a lower resolution),
// a page draws at most DefaultMaxObjects objects and glyphs, every shape is
// rasterised over its own bounding box and the areas are charged to a
// budget of 16 page areas, images are at most 16 Mpx each and 64 Mpx per
// page, nesting is bounded, and the context (with DefaultTimeout) is
// checked as objects are drawn. The package itself is read within
// signer/ofd's bounds.
//
// docs/ofd.md ("Rendering") says why this renderer was written rather
// than an existing one used, and what it was measured at.
package render
