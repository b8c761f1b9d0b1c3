package report

import (
	"bytes"
	"errors"
	"fmt"
	"sync"

	"github.com/sealchain/sealchain/internal/pdfgen"
)

// DefaultFontPath is the CJK TrueType font the report embeds (Debian package
// fonts-droid-fallback). It has no Latin glyphs; Latin text is set in the
// standard Helvetica and Courier fonts.
const DefaultFontPath = pdfgen.DefaultFontPath

// ErrFont means the CJK font could not be loaded or is not a TrueType
// (glyf) font.
var ErrFont = errors.New("report: font")

var fontCache sync.Map // path → *pdfgen.Font

// loadFont reads and parses a TrueType font once per path.
func loadFont(path string) (*pdfgen.Font, error) {
	if f, ok := fontCache.Load(path); ok {
		return f.(*pdfgen.Font), nil
	}
	f, err := pdfgen.LoadFont(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFont, err)
	}
	actual, _ := fontCache.LoadOrStore(path, f)
	return actual.(*pdfgen.Font), nil
}

// Page geometry, in points (A4 portrait).
const (
	pageW        = 595.28
	pageH        = 841.89
	marginL      = 56.0
	marginR      = 56.0
	marginTop    = 70.0
	marginBottom = 64.0
	contentW     = pageW - marginL - marginR
)

// style selects the fonts of a text run: Latin text is set in a standard
// Type 1 font, everything else in the embedded CJK font.
type style int

const (
	regular style = iota
	bold
	mono
)

var faces = map[style]pdfgen.Face{
	regular: {Res: "F2", Base: "Helvetica"},
	bold:    {Res: "F3", Base: "Helvetica-Bold", Bold: true},
	mono:    {Res: "F4", Base: "Courier"},
}

const cjkRes = "F1"

// canvas lays out text on pages; each page is a content stream.
type canvas struct {
	t     *pdfgen.Text
	pages []*bytes.Buffer
	y     float64
	// onNewPage runs after a page is added (running headers are drawn later).
	onNewPage func()
}

func newCanvas(f *pdfgen.Font) *canvas {
	// Characters outside ASCII that the CJK font lacks print as '?'.
	c := &canvas{t: &pdfgen.Text{Font: f, CJKRes: cjkRes}}
	c.newPage()
	return c
}

func (c *canvas) page() *bytes.Buffer { return c.pages[len(c.pages)-1] }

func (c *canvas) newPage() {
	c.pages = append(c.pages, &bytes.Buffer{})
	c.y = pageH - marginTop
	if c.onNewPage != nil {
		c.onNewPage()
	}
}

// ensure starts a new page unless h points fit above the bottom margin.
func (c *canvas) ensure(h float64) {
	if c.y-h < marginBottom {
		c.newPage()
	}
}

func (c *canvas) width(s string, st style, size float64) float64 {
	return c.t.Width(s, faces[st], size)
}

// color is an RGB fill colour, components 0..1.
type color = pdfgen.Color

var (
	black = color{0, 0, 0}
	gray  = color{0.4, 0.4, 0.4}
	red   = color{0.75, 0.05, 0.05}
	green = color{0.05, 0.45, 0.15}
	navy  = color{0.08, 0.16, 0.36}
)

// text draws s with its baseline at (x, y) and returns its width.
func (c *canvas) text(x, y float64, s string, st style, size float64, col color) float64 {
	return c.t.Draw(c.page(), x, y, s, faces[st], size, col)
}

// wrap breaks s into lines at most w wide (see pdfgen.Text.Wrap).
func (c *canvas) wrap(s string, st style, size, w float64) []string {
	return c.t.Wrap(s, faces[st], size, w)
}

func (c *canvas) rect(x, y, w, h float64, fill *color, stroke *color, lw float64) {
	b := c.page()
	op := ""
	if fill != nil {
		fmt.Fprintf(b, "%s %s %s rg ", num(fill[0]), num(fill[1]), num(fill[2]))
		op = "f"
	}
	if stroke != nil {
		fmt.Fprintf(b, "%s %s %s RG %s w ", num(stroke[0]), num(stroke[1]), num(stroke[2]), num(lw))
		op = "S"
		if fill != nil {
			op = "B"
		}
	}
	fmt.Fprintf(b, "%s %s %s %s re %s\n", num(x), num(y), num(w), num(h), op)
}

func (c *canvas) line(x0, y0, x1, y1, lw float64, col color) {
	fmt.Fprintf(c.page(), "%s %s %s RG %s w %s %s m %s %s l S\n", num(col[0]), num(col[1]), num(col[2]), num(lw), num(x0), num(y0), num(x1), num(y1))
}

func (c *canvas) image(name string, x, y, w, h float64) {
	fmt.Fprintf(c.page(), "q %s 0 0 %s %s %s cm /%s Do Q\n", num(w), num(h), num(x), num(y), name)
}

func num(f float64) string { return pdfgen.Num(f) }

// pdfText encodes a text string: printable ASCII as a literal, anything
// else as UTF-16BE with a byte order mark.
func pdfText(s string) string {
	for _, r := range s {
		if r < 0x20 || r >= 0x7f {
			return pdfgen.TextString(s)
		}
	}
	return "(" + pdfgen.Escape(s) + ")"
}
