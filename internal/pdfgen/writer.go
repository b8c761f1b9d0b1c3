package pdfgen

import (
	"bytes"
	"compress/zlib"
	"crypto/sha256"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf16"
)

// Writer numbers PDF objects and writes them as a PDF 1.7 file with a
// classic cross-reference table. Object numbers start at 1 in the order
// they are reserved; objects have generation 0.
type Writer struct {
	bodies [][]byte
	// Level is the zlib level of flate streams; 0 means
	// zlib.DefaultCompression. Callers that make many documents at once
	// (case packages) choose zlib.BestSpeed: the embedded font subset,
	// a few hundred kilobytes of tables, dominates the cost otherwise.
	Level int
}

// Reserve allocates an object number whose body is given later with Set,
// for objects that must refer to objects not written yet.
func (w *Writer) Reserve() int { w.bodies = append(w.bodies, nil); return len(w.bodies) }

// Set gives reserved object n its body (without "n 0 obj"/"endobj").
func (w *Writer) Set(n int, body string) { w.bodies[n-1] = []byte(body) }

// Add adds an object and returns its number.
func (w *Writer) Add(body string) int { n := w.Reserve(); w.Set(n, body); return n }

// Stream adds a stream object. dict is the rest of its dictionary (each
// entry preceded by a space); Filter and Length are added. flate
// compresses data.
func (w *Writer) Stream(dict string, data []byte, flate bool) int {
	if flate {
		var z bytes.Buffer
		level := w.Level
		if level == 0 {
			level = zlib.DefaultCompression
		}
		zw := getZlib(&z, level)
		zw.Write(data) // writes to a bytes.Buffer cannot fail
		zw.Close()
		putZlib(zw, level)
		data = z.Bytes()
		dict += " /Filter /FlateDecode"
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "<<%s /Length %d >>\nstream\n", dict, len(data))
	b.Write(data)
	b.WriteString("\nendstream")
	n := w.Reserve()
	w.bodies[n-1] = b.Bytes()
	return n
}

// Type1 adds one of the 14 standard Type 1 fonts with WinAnsiEncoding, as
// [Text] sets Latin runs.
func (w *Writer) Type1(base string) int {
	return w.Add(fmt.Sprintf("<< /Type /Font /Subtype /Type1 /BaseFont /%s /Encoding /WinAnsiEncoding >>", base))
}

// EmbedCJK adds the Type 0 font for the glyphs in used (see [Text.Used]):
// a CIDFontType2 with Identity-H encoding and CIDToGIDMap /Identity, the
// subset font program, widths, and a ToUnicode CMap so that text extracts
// as Unicode. It returns the Type 0 font's object number.
func (w *Writer) EmbedCJK(f *Font, used map[uint16]rune) int {
	gids := make([]uint16, 0, len(used))
	for g := range used {
		gids = append(gids, g)
	}
	slices.Sort(gids)
	// The subset tag (PDF 32000 9.6.4) is derived from the glyph set, so the
	// same text gives the same name.
	h := sha256.New()
	for _, g := range gids {
		fmt.Fprintf(h, "%d,", g)
	}
	sum := h.Sum(nil)
	tag := make([]byte, 6)
	for i := range tag {
		tag[i] = 'A' + sum[i]%26
	}
	name := string(tag) + "+DroidSansFallback"
	key := fmt.Sprintf("%x/%d", sum, w.Level)
	var file int
	if body, ok := f.program(key); ok {
		file = w.Reserve()
		w.bodies[file-1] = body // shared, never written to
	} else {
		prog := f.Subset(used)
		file = w.Stream(fmt.Sprintf(" /Length1 %d", len(prog)), prog, true)
		f.keepProgram(key, w.bodies[file-1])
	}
	em := func(v int) string { return strconv.Itoa(v * 1000 / f.unitsPerEm) }
	desc := w.Add(fmt.Sprintf("<< /Type /FontDescriptor /FontName /%s /Flags 4 /FontBBox [%s %s %s %s] /ItalicAngle 0 /Ascent %s /Descent %s /CapHeight %s /StemV 80 /FontFile2 %d 0 R >>",
		name, em(f.bbox[0]), em(f.bbox[1]), em(f.bbox[2]), em(f.bbox[3]), em(f.ascent), em(f.descent), em(f.ascent), file))
	var widths strings.Builder
	for _, g := range gids {
		fmt.Fprintf(&widths, "%d [%s] ", g, Num(f.Advance(g)))
	}
	cid := w.Add(fmt.Sprintf("<< /Type /Font /Subtype /CIDFontType2 /BaseFont /%s /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor %d 0 R /DW 1000 /W [%s] /CIDToGIDMap /Identity >>",
		name, desc, strings.TrimSpace(widths.String())))
	toUnicode := w.Stream("", toUnicodeCMap(gids, used), true)
	return w.Add(fmt.Sprintf("<< /Type /Font /Subtype /Type0 /BaseFont /%s /Encoding /Identity-H /DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>", name, cid, toUnicode))
}

// Bytes writes the file with the given catalog and document information
// objects.
func (w *Writer) Bytes(root, info int) []byte {
	var out bytes.Buffer
	out.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(w.bodies))
	h := sha256.New()
	for i, body := range w.bodies {
		offsets[i] = out.Len()
		fmt.Fprintf(&out, "%d 0 obj\n", i+1)
		out.Write(body)
		out.WriteString("\nendobj\n")
		h.Write(body)
	}
	// The file ID is derived from the content, keeping output deterministic.
	id := fmt.Sprintf("%X", h.Sum(nil)[:16])
	xref := out.Len()
	fmt.Fprintf(&out, "xref\n0 %d\n0000000000 65535 f \n", len(w.bodies)+1)
	for _, off := range offsets {
		fmt.Fprintf(&out, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&out, "trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R /ID [<%s> <%s>] >>\nstartxref\n%d\n%%%%EOF\n",
		len(w.bodies)+1, root, info, id, id, xref)
	return out.Bytes()
}

// toUnicodeCMap maps glyph ids to the characters they were drawn for.
func toUnicodeCMap(gids []uint16, used map[uint16]rune) []byte {
	var b bytes.Buffer
	b.WriteString("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n")
	for chunk := range slices.Chunk(gids, 100) { // at most 100 entries per bfchar block
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

// Num formats a coordinate or size with at most two decimals and no
// trailing zeros.
func Num(f float64) string {
	s := strconv.FormatFloat(f, 'f', 2, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "" || s == "-0" {
		return "0"
	}
	return s
}

// escaper is immutable and safe for concurrent use; building one per call
// cost 3% of a report.
var escaper = strings.NewReplacer(`\`, `\\`, `(`, `\(`, `)`, `\)`)

// Escape escapes s for a literal string: backslash and parentheses.
func Escape(s string) string { return escaper.Replace(s) }

// TextString encodes s as a PDF text string in UTF-16BE with a byte order
// mark, as a hex string.
func TextString(s string) string {
	var b strings.Builder
	b.WriteString("<FEFF")
	for _, u := range utf16.Encode([]rune(s)) {
		fmt.Fprintf(&b, "%04X", u)
	}
	b.WriteString(">")
	return b.String()
}

// zlibPools keeps zlib writers by level: a new writer allocates about
// 1 MB of tables, more than compressing a page costs. Reset gives the
// same output as a new writer.
var zlibPools sync.Map // level -> *sync.Pool

func getZlib(w *bytes.Buffer, level int) *zlib.Writer {
	if p, ok := zlibPools.Load(level); ok {
		if zw, ok := p.(*sync.Pool).Get().(*zlib.Writer); ok {
			zw.Reset(w)
			return zw
		}
	}
	zw, err := zlib.NewWriterLevel(w, level)
	if err != nil { // an invalid level: the default
		zw = zlib.NewWriter(w)
	}
	return zw
}

func putZlib(zw *zlib.Writer, level int) {
	p, _ := zlibPools.LoadOrStore(level, &sync.Pool{})
	p.(*sync.Pool).Put(zw)
}
