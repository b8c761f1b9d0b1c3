package report

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"

	"golang.org/x/image/font/sfnt"
)

// DefaultFontPath is the CJK TrueType font the report embeds (Debian package
// fonts-droid-fallback). It has no Latin glyphs; Latin text is set in the
// standard Helvetica and Courier fonts.
const DefaultFontPath = "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"

// ErrFont means the CJK font could not be loaded or is not a TrueType
// (glyf) font.
var ErrFont = errors.New("report: font")

// ttFont is a parsed TrueType font: the raw tables needed to embed a subset
// and a sfnt.Font for the character map.
type ttFont struct {
	sf         *sfnt.Font
	tables     map[string][]byte
	numGlyphs  int
	unitsPerEm int
	longLoca   bool
	numHMetric int
	ascent     int
	descent    int
	bbox       [4]int
	mu         sync.Mutex
	buf        sfnt.Buffer
}

var fontCache sync.Map // path → *ttFont

// loadFont reads and parses a TrueType font once per path.
func loadFont(path string) (*ttFont, error) {
	if f, ok := fontCache.Load(path); ok {
		return f.(*ttFont), nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFont, err)
	}
	f, err := parseTT(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrFont, path, err)
	}
	actual, _ := fontCache.LoadOrStore(path, f)
	return actual.(*ttFont), nil
}

func parseTT(data []byte) (*ttFont, error) {
	sf, err := sfnt.Parse(data)
	if err != nil {
		return nil, err
	}
	if len(data) < 12 {
		return nil, errors.New("short font")
	}
	if v := binary.BigEndian.Uint32(data); v != 0x00010000 && v != 0x74727565 {
		return nil, errors.New("not a TrueType outline font")
	}
	n := int(binary.BigEndian.Uint16(data[4:]))
	f := &ttFont{sf: sf, tables: map[string][]byte{}}
	for i := range n {
		rec := 12 + 16*i
		if rec+16 > len(data) {
			return nil, errors.New("truncated table directory")
		}
		tag := string(data[rec : rec+4])
		off := int(binary.BigEndian.Uint32(data[rec+8:]))
		ln := int(binary.BigEndian.Uint32(data[rec+12:]))
		if off < 0 || ln < 0 || off+ln > len(data) {
			return nil, fmt.Errorf("table %s out of range", tag)
		}
		f.tables[tag] = data[off : off+ln]
	}
	for _, t := range []string{"head", "hhea", "maxp", "loca", "glyf", "hmtx"} {
		if f.tables[t] == nil {
			return nil, fmt.Errorf("missing %s table", t)
		}
	}
	head, hhea, maxp := f.tables["head"], f.tables["hhea"], f.tables["maxp"]
	if len(head) < 54 || len(hhea) < 36 || len(maxp) < 6 {
		return nil, errors.New("short head, hhea or maxp")
	}
	f.unitsPerEm = int(binary.BigEndian.Uint16(head[18:]))
	for i := range 4 {
		f.bbox[i] = int(int16(binary.BigEndian.Uint16(head[36+2*i:])))
	}
	f.longLoca = binary.BigEndian.Uint16(head[50:]) == 1
	f.numGlyphs = int(binary.BigEndian.Uint16(maxp[4:]))
	f.ascent = int(int16(binary.BigEndian.Uint16(hhea[4:])))
	f.descent = int(int16(binary.BigEndian.Uint16(hhea[6:])))
	f.numHMetric = int(binary.BigEndian.Uint16(hhea[34:]))
	if f.unitsPerEm == 0 || f.numHMetric == 0 || len(f.tables["hmtx"]) < 4*f.numHMetric {
		return nil, errors.New("bad metrics")
	}
	return f, nil
}

// glyph returns the glyph id for r, 0 when the font lacks it.
func (f *ttFont) glyph(r rune) uint16 {
	f.mu.Lock()
	defer f.mu.Unlock()
	g, err := f.sf.GlyphIndex(&f.buf, r)
	if err != nil {
		return 0
	}
	return uint16(g)
}

// advance is the glyph's advance width in 1/1000 em.
func (f *ttFont) advance(g uint16) float64 {
	i := int(g)
	if i >= f.numHMetric {
		i = f.numHMetric - 1
	}
	aw := binary.BigEndian.Uint16(f.tables["hmtx"][4*i:])
	return float64(aw) * 1000 / float64(f.unitsPerEm)
}

func (f *ttFont) glyphData(g int) []byte {
	loca, glyf := f.tables["loca"], f.tables["glyf"]
	var a, b int
	if f.longLoca {
		if 4*g+8 > len(loca) {
			return nil
		}
		a, b = int(binary.BigEndian.Uint32(loca[4*g:])), int(binary.BigEndian.Uint32(loca[4*g+4:]))
	} else {
		if 2*g+4 > len(loca) {
			return nil
		}
		a, b = 2*int(binary.BigEndian.Uint16(loca[2*g:])), 2*int(binary.BigEndian.Uint16(loca[2*g+2:]))
	}
	if a > b || b > len(glyf) {
		return nil
	}
	return glyf[a:b]
}

// components lists the glyphs a composite glyph refers to.
func components(gd []byte) []int {
	if len(gd) < 10 || int16(binary.BigEndian.Uint16(gd)) >= 0 {
		return nil
	}
	var out []int
	p := 10
	for p+4 <= len(gd) {
		flags := binary.BigEndian.Uint16(gd[p:])
		out = append(out, int(binary.BigEndian.Uint16(gd[p+2:])))
		p += 4
		if flags&0x0001 != 0 {
			p += 4
		} else {
			p += 2
		}
		switch {
		case flags&0x0008 != 0:
			p += 2
		case flags&0x0040 != 0:
			p += 4
		case flags&0x0080 != 0:
			p += 8
		}
		if flags&0x0020 == 0 {
			break
		}
	}
	return out
}

// subset returns a TrueType font program holding only the glyphs in used
// (plus .notdef and composite components), keeping glyph ids unchanged so
// that the PDF can use CIDToGIDMap /Identity. Unused glyphs are empty.
func (f *ttFont) subset(used map[uint16]rune) []byte {
	keep := map[int]bool{0: true}
	var stack []int
	for g := range used {
		stack = append(stack, int(g))
	}
	for len(stack) > 0 {
		g := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if keep[g] || g >= f.numGlyphs {
			continue
		}
		keep[g] = true
		stack = append(stack, components(f.glyphData(g))...)
	}
	var glyf []byte
	loca := make([]byte, 4*(f.numGlyphs+1))
	for g := 0; g < f.numGlyphs; g++ {
		binary.BigEndian.PutUint32(loca[4*g:], uint32(len(glyf)))
		if keep[g] {
			glyf = append(glyf, f.glyphData(g)...)
			for len(glyf)%4 != 0 {
				glyf = append(glyf, 0)
			}
		}
	}
	binary.BigEndian.PutUint32(loca[4*f.numGlyphs:], uint32(len(glyf)))
	head := slices.Clone(f.tables["head"])
	binary.BigEndian.PutUint32(head[8:], 0)  // checkSumAdjustment, set below
	binary.BigEndian.PutUint16(head[50:], 1) // long loca
	tables := map[string][]byte{
		"head": head, "hhea": f.tables["hhea"], "maxp": f.tables["maxp"], "hmtx": f.tables["hmtx"],
		"loca": loca, "glyf": glyf,
	}
	for _, t := range []string{"cvt ", "fpgm", "prep"} {
		if d := f.tables[t]; d != nil {
			tables[t] = d
		}
	}
	tags := make([]string, 0, len(tables))
	for t := range tables {
		tags = append(tags, t)
	}
	slices.Sort(tags)
	n := len(tags)
	out := make([]byte, 12+16*n)
	binary.BigEndian.PutUint32(out, 0x00010000)
	binary.BigEndian.PutUint16(out[4:], uint16(n))
	es := 0
	for 1<<(es+1) <= n {
		es++
	}
	binary.BigEndian.PutUint16(out[6:], uint16(16<<es))
	binary.BigEndian.PutUint16(out[8:], uint16(es))
	binary.BigEndian.PutUint16(out[10:], uint16(16*n-(16<<es)))
	headOff := 0
	for i, t := range tags {
		d := tables[t]
		rec := 12 + 16*i
		copy(out[rec:], t)
		binary.BigEndian.PutUint32(out[rec+4:], checksum(d))
		binary.BigEndian.PutUint32(out[rec+8:], uint32(len(out)))
		binary.BigEndian.PutUint32(out[rec+12:], uint32(len(d)))
		if t == "head" {
			headOff = len(out)
		}
		out = append(out, d...)
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
	}
	binary.BigEndian.PutUint32(out[headOff+8:], 0xB1B0AFBA-checksum(out))
	return out
}

func checksum(b []byte) uint32 {
	var s uint32
	for i := 0; i < len(b); i += 4 {
		var w [4]byte
		copy(w[:], b[i:])
		s += binary.BigEndian.Uint32(w[:])
	}
	return s
}
