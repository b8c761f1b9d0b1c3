package report

import (
	"bytes"
	"compress/zlib"
	"crypto/sha256"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/pdfcpu/pdfcpu/pkg/font"
)

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

var latinFont = map[style]struct{ res, base string }{
	regular: {"F2", "Helvetica"},
	bold:    {"F3", "Helvetica-Bold"},
	mono:    {"F4", "Courier"},
}

const cjkRes = "F1"

// canvas lays out text on pages; each page is a content stream.
type canvas struct {
	font  *ttFont
	used  map[uint16]rune
	pages []*bytes.Buffer
	y     float64
	// onNewPage runs after a page is added (running headers are drawn later).
	onNewPage func()
}

func newCanvas(f *ttFont) *canvas {
	c := &canvas{font: f, used: map[uint16]rune{}}
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

type run struct {
	latin bool
	s     string
}

func isLatin(r rune) bool { return r >= 0x20 && r < 0x7f }

// runs splits s into Latin and CJK runs. Characters neither font has become '?'.
func (c *canvas) runs(s string) []run {
	var out []run
	for _, r := range s {
		if r == '\t' || r == '\n' {
			r = ' '
		}
		l := isLatin(r)
		if !l && c.font.glyph(r) == 0 {
			r, l = '?', true
		}
		if n := len(out); n > 0 && out[n-1].latin == l {
			out[n-1].s += string(r)
			continue
		}
		out = append(out, run{l, string(r)})
	}
	return out
}

func latinWidth(s string, st style, size float64) float64 {
	var w int
	for _, r := range s {
		cw, err := font.CharWidth(latinFont[st].base, r)
		if err != nil {
			cw = 600
		}
		w += cw
	}
	return float64(w) * size / 1000
}

func (c *canvas) width(s string, st style, size float64) float64 {
	var w float64
	for _, rn := range c.runs(s) {
		if rn.latin {
			w += latinWidth(rn.s, st, size)
			continue
		}
		for _, r := range rn.s {
			w += c.font.advance(c.font.glyph(r)) * size / 1000
		}
	}
	return w
}

// color is an RGB fill colour, components 0..1.
type color [3]float64

var (
	black = color{0, 0, 0}
	gray  = color{0.4, 0.4, 0.4}
	red   = color{0.75, 0.05, 0.05}
	green = color{0.05, 0.45, 0.15}
	navy  = color{0.08, 0.16, 0.36}
)

// text draws s with its baseline at (x, y) and returns its width.
func (c *canvas) text(x, y float64, s string, st style, size float64, col color) float64 {
	b := c.page()
	x0 := x
	fmt.Fprintf(b, "%s %s %s rg\n", num(col[0]), num(col[1]), num(col[2]))
	for _, rn := range c.runs(s) {
		if rn.latin {
			fmt.Fprintf(b, "BT /%s %s Tf 1 0 0 1 %s %s Tm (%s) Tj ET\n", latinFont[st].res, num(size), num(x), num(y), escapeLatin(rn.s))
			x += latinWidth(rn.s, st, size)
			continue
		}
		var hx strings.Builder
		var w float64
		for _, r := range rn.s {
			g := c.font.glyph(r)
			c.used[g] = r
			fmt.Fprintf(&hx, "%04X", g)
			w += c.font.advance(g) * size / 1000
		}
		mode := ""
		if st == bold {
			// Simulated bold: fill and stroke the outlines.
			mode = fmt.Sprintf("2 Tr %s w %s %s %s RG ", num(size/30), num(col[0]), num(col[1]), num(col[2]))
		}
		fmt.Fprintf(b, "BT %s/%s %s Tf 1 0 0 1 %s %s Tm <%s> Tj ET\n", mode, cjkRes, num(size), num(x), num(y), hx.String())
		x += w
	}
	return x - x0
}

// wrap breaks s into lines at most w wide, preferring spaces for Latin text
// and breaking anywhere between CJK characters or inside long tokens.
func (c *canvas) wrap(s string, st style, size, w float64) []string {
	var lines []string
	for _, para := range strings.Split(s, "\n") {
		rs := []rune(para)
		for len(rs) > 0 {
			n, lastSpace, acc := 0, -1, 0.0
			for n < len(rs) {
				acc += c.width(string(rs[n]), st, size) // no kerning: widths add up
				if acc > w {
					break
				}
				if rs[n] == ' ' {
					lastSpace = n
				}
				n++
			}
			if n == len(rs) {
				lines = append(lines, string(rs))
				break
			}
			if n == 0 {
				n = 1
			}
			cut := n
			if lastSpace > 0 && isLatin(rs[n]) && rs[n] != ' ' && isLatin(rs[n-1]) {
				cut = lastSpace
			}
			lines = append(lines, strings.TrimRight(string(rs[:cut]), " "))
			rs = []rune(strings.TrimLeft(string(rs[cut:]), " "))
		}
		if len(rs) == 0 && para == "" {
			lines = append(lines, "")
		}
	}
	return lines
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

func num(f float64) string {
	s := strconv.FormatFloat(f, 'f', 2, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" || s == "" {
		return "0"
	}
	return s
}

func escapeLatin(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `(`, `\(`, `)`, `\)`)
	return r.Replace(s)
}

// pdfText encodes a text string: PDFDocEncoding-safe ASCII as a literal,
// anything else as UTF-16BE hex with a byte order mark.
func pdfText(s string) string {
	ascii := true
	for _, r := range s {
		if !isLatin(r) {
			ascii = false
		}
	}
	if ascii {
		return "(" + escapeLatin(s) + ")"
	}
	var b strings.Builder
	b.WriteString("<FEFF")
	for _, u := range utf16.Encode([]rune(s)) {
		fmt.Fprintf(&b, "%04X", u)
	}
	b.WriteString(">")
	return b.String()
}

// objWriter collects numbered objects and writes a PDF 1.7 file with a
// classic cross-reference table.
type objWriter struct{ objs [][]byte }

func (w *objWriter) alloc() int { w.objs = append(w.objs, nil); return len(w.objs) }

func (w *objWriter) set(n int, body string) { w.objs[n-1] = []byte(body) }

func (w *objWriter) add(body string) int { n := w.alloc(); w.set(n, body); return n }

// stream adds a stream object; flate compresses data.
func (w *objWriter) stream(dict string, data []byte, flate bool) int {
	if flate {
		data = deflate(data)
		dict += " /Filter /FlateDecode"
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "<<%s /Length %d >>\nstream\n", dict, len(data))
	b.Write(data)
	b.WriteString("\nendstream")
	n := w.alloc()
	w.objs[n-1] = b.Bytes()
	return n
}

func (w *objWriter) bytes(root, info int) []byte {
	var out bytes.Buffer
	out.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	offs := make([]int, len(w.objs))
	h := sha256.New()
	for i, o := range w.objs {
		offs[i] = out.Len()
		fmt.Fprintf(&out, "%d 0 obj\n", i+1)
		out.Write(o)
		out.WriteString("\nendobj\n")
		h.Write(o)
	}
	id := fmt.Sprintf("%X", h.Sum(nil)[:16])
	xref := out.Len()
	fmt.Fprintf(&out, "xref\n0 %d\n0000000000 65535 f \n", len(w.objs)+1)
	for _, o := range offs {
		fmt.Fprintf(&out, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&out, "trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R /ID [<%s> <%s>] >>\nstartxref\n%d\n%%%%EOF\n",
		len(w.objs)+1, root, info, id, id, xref)
	return out.Bytes()
}

func deflate(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&buf, zlib.DefaultCompression)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// embedCJK writes the Type 0 font for the glyphs the canvas used: a
// CIDFontType2 with Identity encoding and CIDToGIDMap, the subset font
// program, widths, and a ToUnicode CMap so that text extracts as Unicode.
func (w *objWriter) embedCJK(f *ttFont, used map[uint16]rune) int {
	gids := make([]uint16, 0, len(used))
	for g := range used {
		gids = append(gids, g)
	}
	slices.Sort(gids)
	sum := sha256.New()
	for _, g := range gids {
		fmt.Fprintf(sum, "%d,", g)
	}
	tagSum := sum.Sum(nil)
	tag := make([]byte, 6)
	for i := range tag {
		tag[i] = 'A' + tagSum[i]%26
	}
	name := string(tag) + "+DroidSansFallback"
	prog := f.subset(used)
	ff := w.stream(fmt.Sprintf(" /Length1 %d", len(prog)), prog, true)
	scale := func(v int) string { return strconv.Itoa(v * 1000 / f.unitsPerEm) }
	fd := w.add(fmt.Sprintf("<< /Type /FontDescriptor /FontName /%s /Flags 4 /FontBBox [%s %s %s %s] /ItalicAngle 0 /Ascent %s /Descent %s /CapHeight %s /StemV 80 /FontFile2 %d 0 R >>",
		name, scale(f.bbox[0]), scale(f.bbox[1]), scale(f.bbox[2]), scale(f.bbox[3]), scale(f.ascent), scale(f.descent), scale(f.ascent), ff))
	var wa strings.Builder
	for _, g := range gids {
		fmt.Fprintf(&wa, "%d [%s] ", g, num(f.advance(g)))
	}
	cid := w.add(fmt.Sprintf("<< /Type /Font /Subtype /CIDFontType2 /BaseFont /%s /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor %d 0 R /DW 1000 /W [%s] /CIDToGIDMap /Identity >>",
		name, fd, strings.TrimSpace(wa.String())))
	tu := w.stream("", toUnicodeCMap(gids, used), true)
	return w.add(fmt.Sprintf("<< /Type /Font /Subtype /Type0 /BaseFont /%s /Encoding /Identity-H /DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>", name, cid, tu))
}

func toUnicodeCMap(gids []uint16, used map[uint16]rune) []byte {
	var b bytes.Buffer
	b.WriteString("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n")
	for i := 0; i < len(gids); i += 100 {
		chunk := gids[i:min(i+100, len(gids))]
		fmt.Fprintf(&b, "%d beginbfchar\n", len(chunk))
		for _, g := range chunk {
			fmt.Fprintf(&b, "<%04X> <", g)
			for _, u := range utf16.Encode([]rune{used[g]}) {
				fmt.Fprintf(&b, "%04X", u)
			}
			b.WriteString(">\n")
		}
		b.WriteString("endbfchar\n")
	}
	b.WriteString("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")
	return b.Bytes()
}
