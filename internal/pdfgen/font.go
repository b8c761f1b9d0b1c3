package pdfgen

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"

	"golang.org/x/image/font/sfnt"
)

// DefaultFontPath is the CJK TrueType font Sealchain embeds (Debian package
// fonts-droid-fallback). It has no Latin glyphs: Latin text is set in the
// standard Type 1 fonts.
const DefaultFontPath = "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"

// Font is a parsed TrueType font: the raw tables needed to embed a subset,
// its metrics and an sfnt.Font for the character map. It is safe for
// concurrent use.
type Font struct {
	sf         *sfnt.Font
	tables     map[string][]byte
	numGlyphs  int
	unitsPerEm int
	numHMetric int
	longLoca   bool
	ascent     int
	descent    int
	bbox       [4]int

	mu  sync.Mutex // guards buf
	buf sfnt.Buffer

	// programs caches embedded subsets (EmbedCJK): the FontFile2 stream
	// object's bytes by glyph set and zlib level. A stream is a pure
	// function of those, so a hit gives the very bytes a miss would: the
	// documents stay reproducible. Bulk sends render one template many
	// times, mostly over the same glyphs; the subset and its deflate are
	// most of a render's CPU.
	progMu   sync.Mutex
	programs map[string][]byte
	progFIFO []string
}

// maxPrograms bounds the subset cache (about 50 KB each).
const maxPrograms = 64

func (f *Font) program(key string) ([]byte, bool) {
	f.progMu.Lock()
	defer f.progMu.Unlock()
	b, ok := f.programs[key]
	return b, ok
}

func (f *Font) keepProgram(key string, body []byte) {
	f.progMu.Lock()
	defer f.progMu.Unlock()
	if _, ok := f.programs[key]; ok {
		return
	}
	if f.programs == nil {
		f.programs = map[string][]byte{}
	}
	if len(f.progFIFO) == maxPrograms {
		delete(f.programs, f.progFIFO[0])
		f.progFIFO = f.progFIFO[1:]
	}
	f.programs[key] = body
	f.progFIFO = append(f.progFIFO, key)
}

// LoadFont reads and parses the TrueType font at path.
func LoadFont(path string) (*Font, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f, err := ParseFont(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

// ParseFont parses a TrueType font with glyf outlines. The font keeps
// references into data.
func ParseFont(data []byte) (*Font, error) {
	sf, err := sfnt.Parse(data)
	if err != nil {
		return nil, err
	}
	f, err := parseTables(data)
	if err != nil {
		return nil, err
	}
	f.sf = sf
	return f, nil
}

// parseTables reads the table directory and the metrics. The character map
// is left to sfnt (ParseFont).
func parseTables(data []byte) (*Font, error) {
	if len(data) < 12 {
		return nil, errors.New("short font")
	}
	if v := binary.BigEndian.Uint32(data); v != 0x00010000 && v != 0x74727565 {
		return nil, errors.New("not a TrueType (glyf) font")
	}
	f := &Font{tables: map[string][]byte{}}
	for i := range int(binary.BigEndian.Uint16(data[4:])) {
		rec := data[min(12+16*i, len(data)):]
		if len(rec) < 16 {
			return nil, errors.New("truncated table directory")
		}
		off, n := binary.BigEndian.Uint32(rec[8:]), binary.BigEndian.Uint32(rec[12:])
		if uint64(off)+uint64(n) > uint64(len(data)) {
			return nil, fmt.Errorf("table %q out of range", rec[:4])
		}
		f.tables[string(rec[:4])] = data[off : off+n]
	}
	for _, t := range []string{"head", "hhea", "maxp", "loca", "glyf", "hmtx"} {
		if f.tables[t] == nil {
			return nil, fmt.Errorf("no %s table", t)
		}
	}
	head, hhea, maxp := f.tables["head"], f.tables["hhea"], f.tables["maxp"]
	if len(head) < 54 || len(hhea) < 36 || len(maxp) < 6 {
		return nil, errors.New("short head, hhea or maxp table")
	}
	f.unitsPerEm = int(binary.BigEndian.Uint16(head[18:]))
	for i := range f.bbox {
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

// Glyph returns the glyph id of r, 0 (.notdef) when the font has none.
func (f *Font) Glyph(r rune) uint16 {
	f.mu.Lock()
	defer f.mu.Unlock()
	g, err := f.sf.GlyphIndex(&f.buf, r)
	if err != nil {
		return 0
	}
	return uint16(g)
}

// Advance is a glyph's advance width in thousandths of an em.
func (f *Font) Advance(g uint16) float64 {
	i := min(int(g), f.numHMetric-1)
	return float64(binary.BigEndian.Uint16(f.tables["hmtx"][4*i:])) * 1000 / float64(f.unitsPerEm)
}

// Subset returns a TrueType font program with the outlines of the glyphs in
// used (and of .notdef and their composite components) and every other
// glyph empty. Glyph ids stay valid, so a PDF can map CIDs to glyphs by
// identity.
func (f *Font) Subset(used map[uint16]rune) []byte {
	keep := map[int]bool{}
	todo := []int{0}
	for g := range used {
		todo = append(todo, int(g))
	}
	for len(todo) > 0 {
		g := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if g >= f.numGlyphs || keep[g] {
			continue
		}
		keep[g] = true
		todo = append(todo, componentGlyphs(f.outline(g))...)
	}
	loca := make([]byte, 4*(f.numGlyphs+1))
	var glyf []byte
	for g := range f.numGlyphs {
		binary.BigEndian.PutUint32(loca[4*g:], uint32(len(glyf)))
		if keep[g] {
			glyf = pad4(append(glyf, f.outline(g)...))
		}
	}
	binary.BigEndian.PutUint32(loca[4*f.numGlyphs:], uint32(len(glyf)))
	head := slices.Clone(f.tables["head"])
	binary.BigEndian.PutUint32(head[8:], 0)  // checkSumAdjustment, set at the end
	binary.BigEndian.PutUint16(head[50:], 1) // indexToLocFormat: long
	tables := map[string][]byte{"head": head, "hhea": f.tables["hhea"], "maxp": f.tables["maxp"],
		"hmtx": f.tables["hmtx"], "loca": loca, "glyf": glyf}
	// Hinting programs are kept: glyph programs may call into them.
	for _, t := range []string{"cvt ", "fpgm", "prep"} {
		if d, ok := f.tables[t]; ok {
			tables[t] = d
		}
	}
	tags := make([]string, 0, len(tables))
	for t := range tables {
		tags = append(tags, t)
	}
	slices.Sort(tags)
	n := len(tags)
	sel := 0
	for 1<<(sel+1) <= n {
		sel++
	}
	out := make([]byte, 12+16*n)
	binary.BigEndian.PutUint32(out, 0x00010000)
	binary.BigEndian.PutUint16(out[4:], uint16(n))
	binary.BigEndian.PutUint16(out[6:], uint16(16<<sel))
	binary.BigEndian.PutUint16(out[8:], uint16(sel))
	binary.BigEndian.PutUint16(out[10:], uint16(16*n-16<<sel))
	headAt := 0
	for i, t := range tags {
		d := tables[t]
		rec := out[12+16*i:]
		copy(rec, t)
		binary.BigEndian.PutUint32(rec[4:], tableSum(d))
		binary.BigEndian.PutUint32(rec[8:], uint32(len(out)))
		binary.BigEndian.PutUint32(rec[12:], uint32(len(d)))
		if t == "head" {
			headAt = len(out)
		}
		out = pad4(append(out, d...))
	}
	binary.BigEndian.PutUint32(out[headAt+8:], 0xB1B0AFBA-tableSum(out))
	return out
}

// outline returns a glyph's bytes in the glyf table.
func (f *Font) outline(g int) []byte {
	loca, glyf := f.tables["loca"], f.tables["glyf"]
	var a, b uint32
	switch {
	case f.longLoca && 4*g+8 <= len(loca):
		a, b = binary.BigEndian.Uint32(loca[4*g:]), binary.BigEndian.Uint32(loca[4*g+4:])
	case !f.longLoca && 2*g+4 <= len(loca):
		a, b = 2*uint32(binary.BigEndian.Uint16(loca[2*g:])), 2*uint32(binary.BigEndian.Uint16(loca[2*g+2:]))
	default:
		return nil
	}
	if a > b || int(b) > len(glyf) {
		return nil
	}
	return glyf[a:b]
}

// componentGlyphs lists the glyphs a composite glyph is built from
// (TrueType composite glyph description: flags, glyph index, arguments,
// optional scale, repeated while MORE_COMPONENTS is set).
func componentGlyphs(gd []byte) []int {
	if len(gd) < 10 || int16(binary.BigEndian.Uint16(gd)) >= 0 {
		return nil
	}
	const (
		argsAreWords = 0x0001
		haveScale    = 0x0008
		moreComps    = 0x0020
		haveXYScale  = 0x0040
		haveTwoByTwo = 0x0080
	)
	var out []int
	for p := 10; p+4 <= len(gd); {
		flags := binary.BigEndian.Uint16(gd[p:])
		out = append(out, int(binary.BigEndian.Uint16(gd[p+2:])))
		p += 4 + 2
		if flags&argsAreWords != 0 {
			p += 2
		}
		switch {
		case flags&haveScale != 0:
			p += 2
		case flags&haveXYScale != 0:
			p += 4
		case flags&haveTwoByTwo != 0:
			p += 8
		}
		if flags&moreComps == 0 {
			break
		}
	}
	return out
}

func pad4(b []byte) []byte {
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

// tableSum is the TrueType table checksum: the sum of big-endian uint32s,
// the last one zero-padded.
func tableSum(b []byte) uint32 {
	var s uint32
	for i := 0; i < len(b); i += 4 {
		var w [4]byte
		copy(w[:], b[i:])
		s += binary.BigEndian.Uint32(w[:])
	}
	return s
}
