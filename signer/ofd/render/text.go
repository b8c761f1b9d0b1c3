package render

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"

	"github.com/sealchain/sealchain/internal/pdfgen"
	"github.com/sealchain/sealchain/signer/ofd"
)

// maxTextRunes bounds the characters of one TextCode.
const maxTextRunes = 1 << 16

// fontSet loads fonts once per render: the fallback fonts and the
// embedded fonts of the package, with their glyph outlines.
type fontSet struct {
	cjkPath      string
	cjk          *sfnt.Font
	cjkErr       error
	cjkLoaded    bool
	latin, mono  *sfnt.Font
	embedded     map[string]*sfnt.Font // by package and part; nil when unreadable
	embeddedErrs map[string]error
	buf          sfnt.Buffer
	glyphs       map[glyphKey]glyph
}

type glyphKey struct {
	f  *sfnt.Font
	gi sfnt.GlyphIndex
}

// glyph is an outline in em units, y down, origin on the baseline.
type glyph struct {
	segs    []seg
	advance float64
}

func newFontSet(cjkPath string) *fontSet {
	if cjkPath == "" {
		cjkPath = pdfgen.DefaultFontPath
	}
	return &fontSet{cjkPath: cjkPath, embedded: map[string]*sfnt.Font{}, embeddedErrs: map[string]error{}, glyphs: map[glyphKey]glyph{}}
}

func (fs *fontSet) cjkFont() (*sfnt.Font, error) {
	if !fs.cjkLoaded {
		fs.cjkLoaded = true
		b, err := readBounded(fs.cjkPath)
		if err == nil {
			fs.cjk, err = sfnt.Parse(b)
		}
		if err != nil {
			fs.cjkErr = fmt.Errorf("fallback font %s: %w (on Debian: apt-get install fonts-droid-fallback)", fs.cjkPath, err)
		}
	}
	return fs.cjk, fs.cjkErr
}

func readBounded(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if fi.Size() > 64<<20 {
		return nil, fmt.Errorf("%d bytes", fi.Size())
	}
	return os.ReadFile(path)
}

func (fs *fontSet) goFont(mono bool) *sfnt.Font {
	var err error
	if mono {
		if fs.mono == nil {
			fs.mono, err = sfnt.Parse(gomono.TTF)
		}
		_ = err
		return fs.mono
	}
	if fs.latin == nil {
		fs.latin, err = sfnt.Parse(goregular.TTF)
	}
	_ = err
	return fs.latin
}

// embeddedFont loads a font file from the package; TrueType, OpenType
// (CFF included) and collections (the first font) are read.
func (fs *fontSet) embeddedFont(pkg *ofd.Package, name string) (*sfnt.Font, error) {
	key := fmt.Sprintf("%p/%s", pkg, name)
	if f, ok := fs.embedded[key]; ok {
		return f, fs.embeddedErrs[key]
	}
	f, err := func() (*sfnt.Font, error) {
		b, err := pkg.Read(name)
		if err != nil {
			return nil, err
		}
		if len(b) > maxFontBytes {
			return nil, fmt.Errorf("%d bytes, more than %d", len(b), maxFontBytes)
		}
		if len(b) >= 4 && string(b[:4]) == "ttcf" {
			c, err := opentype.ParseCollection(b)
			if err != nil {
				return nil, err
			}
			return c.Font(0)
		}
		return sfnt.Parse(b)
	}()
	fs.embedded[key], fs.embeddedErrs[key] = f, err
	return f, err
}

// outline returns a glyph's outline in em units, loaded once.
func (fs *fontSet) outline(f *sfnt.Font, gi sfnt.GlyphIndex) (glyph, error) {
	k := glyphKey{f, gi}
	if g, ok := fs.glyphs[k]; ok {
		return g, nil
	}
	upem := float64(f.UnitsPerEm())
	if upem <= 0 {
		return glyph{}, fmt.Errorf("units per em %v", upem)
	}
	ppem := fixed.I(int(upem))
	segs, err := f.LoadGlyph(&fs.buf, gi, ppem, nil)
	if err != nil {
		return glyph{}, err
	}
	adv, err := f.GlyphAdvance(&fs.buf, gi, ppem, font.HintingNone)
	if err != nil {
		return glyph{}, err
	}
	conv := func(p fixed.Point26_6) pt { return pt{float64(p.X) / 64 / upem, float64(p.Y) / 64 / upem} }
	g := glyph{advance: float64(adv) / 64 / upem, segs: make([]seg, 0, len(segs)+4)}
	for _, s := range segs {
		switch s.Op {
		case sfnt.SegmentOpMoveTo:
			if len(g.segs) > 0 {
				g.segs = append(g.segs, seg{op: 'C'})
			}
			g.segs = append(g.segs, seg{op: 'M', pts: [3]pt{conv(s.Args[0])}})
		case sfnt.SegmentOpLineTo:
			g.segs = append(g.segs, seg{op: 'L', pts: [3]pt{conv(s.Args[0])}})
		case sfnt.SegmentOpQuadTo:
			g.segs = append(g.segs, seg{op: 'Q', pts: [3]pt{conv(s.Args[0]), conv(s.Args[1])}})
		case sfnt.SegmentOpCubeTo:
			g.segs = append(g.segs, seg{op: 'B', pts: [3]pt{conv(s.Args[0]), conv(s.Args[1]), conv(s.Args[2])}})
		}
	}
	if len(g.segs) > 0 {
		g.segs = append(g.segs, seg{op: 'C'})
	}
	if len(fs.glyphs) < 1<<16 {
		fs.glyphs[k] = g
	}
	return g, nil
}

// find returns the first font of faces that has a glyph for c.
func (fs *fontSet) find(faces []*sfnt.Font, c rune) (*sfnt.Font, sfnt.GlyphIndex) {
	for _, f := range faces {
		if f == nil {
			continue
		}
		if gi, err := f.GlyphIndex(&fs.buf, c); err == nil && gi != 0 {
			return f, gi
		}
	}
	return nil, 0
}

// deltas expands DeltaX or DeltaY ("g N v" repeats v N times) into at
// most n values.
func deltas(s string, n int) ([]float64, error) {
	tok := strings.Fields(s)
	var out []float64
	for i := 0; i < len(tok) && len(out) < n; i++ {
		if tok[i] == "g" {
			if i+2 >= len(tok) {
				return nil, fmt.Errorf("%q: g needs a count and a value", s)
			}
			cnt, err := strconv.Atoi(tok[i+1])
			if err != nil || cnt < 0 {
				return nil, fmt.Errorf("%q: count %q", s, tok[i+1])
			}
			v, err := number(tok[i+2])
			if err != nil {
				return nil, err
			}
			for k := 0; k < cnt && len(out) < n; k++ {
				out = append(out, v)
			}
			i += 2
			continue
		}
		v, err := number(tok[i])
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// text draws a TextObject: each TextCode from its X, Y (or where the
// previous one ended), each character advanced by DeltaX and DeltaY or,
// without them, by the glyph's advance.
func (ps *pageState) text(o *ofd.Element, ctm, place mat, dp *drawParam, clip *clipMask, alpha float64) {
	id := o.Attr["ID"]
	size, err := number(o.Attr["Size"])
	if err != nil || size <= 0 {
		ps.r.note("TextObject %s: font size %q: not drawn", id, o.Attr["Size"])
		return
	}
	for _, a := range []string{"ReadDirection", "CharDirection"} {
		if v := o.Attr[a]; v != "" && v != "0" {
			ps.r.note("rotated text (%s %s) is not supported: not drawn", a, v)
			return
		}
	}
	hscale := 1.0
	if v, ok := o.Attr["HScale"]; ok {
		if f, err := number(v); err == nil && f > 0 {
			hscale = f
		}
	}
	if o.Child("CGTransform") != nil {
		ps.r.note("glyph mappings (CGTransform) are not supported: the text is drawn by its characters")
	}
	fill := o.Attr["Fill"] != "false"
	if o.Attr["Stroke"] == "true" {
		if fill {
			ps.r.note("outlined text is drawn filled, without its outline")
		} else {
			ps.r.note("outlined text (Stroke without Fill) is not drawn")
			return
		}
	}
	if !fill {
		return
	}
	st := ps.style(o, dp)
	col, ok := ps.color(o.Child("FillColor"), st.fill, alpha, "text")
	if !ok {
		return
	}
	faces, label := ps.faces(o.Attr["Font"])
	if w, err := strconv.Atoi(o.Attr["Weight"]); err == nil && w >= 600 || o.Attr["Italic"] == "true" {
		ps.r.note("bold or italic text is drawn in the regular font")
	}
	var polys [][]pt
	budget := 1 << 20
	x, y := 0.0, 0.0
	for _, tc := range o.All("TextCode") {
		s := tc.Text
		n := utf8.RuneCountInString(s)
		if n > maxTextRunes {
			ps.r.note("TextObject %s: more than %d characters: not drawn", id, maxTextRunes)
			return
		}
		if v, ok := tc.Attr["X"]; ok {
			if f, err := number(v); err == nil {
				x = f
			}
		}
		if v, ok := tc.Attr["Y"]; ok {
			if f, err := number(v); err == nil {
				y = f
			}
		}
		dx, err1 := deltas(tc.Attr["DeltaX"], n)
		dy, err2 := deltas(tc.Attr["DeltaY"], n)
		if err1 != nil || err2 != nil {
			ps.r.note("TextObject %s: DeltaX or DeltaY is not readable: not drawn", id)
			return
		}
		// Vertical text gives DeltaY alone (GOMAIN's 购买方 in
		// converter-999.ofd): the characters do not move along X then.
		// Otherwise a missing DeltaX is the glyph's advance.
		vertical := strings.TrimSpace(tc.Attr["DeltaX"]) == "" && len(dy) > 0
		i := 0
		for _, c := range s {
			if !ps.r.tick() {
				return
			}
			f, gi := ps.r.fonts.find(faces, c)
			adv := 0.0
			if f == nil {
				if c != ' ' && c != '\u3000' && c != '\t' {
					ps.r.note("no glyph for %q (U+%04X) in %s: not drawn", c, c, label)
				}
				adv = 0.5
			} else if g, err := ps.r.fonts.outline(f, gi); err != nil {
				ps.r.note("glyph of %q in %s is not readable: not drawn", c, label)
			} else {
				adv = g.advance
				m := scale(size*hscale, size).then(translate(x, y)).then(ctm).then(place)
				p, _, ok := flatten(g.segs, m, &budget)
				if !ok {
					ps.r.note("TextObject %s is too long: not drawn", id)
					return
				}
				polys = append(polys, p...)
			}
			switch {
			case i < len(dx):
				x += dx[i]
			case !vertical:
				x += adv * size * hscale
			}
			if i < len(dy) {
				y += dy[i]
			}
			i++
		}
	}
	if !ps.cv.fill(polys, col, clip) {
		ps.r.stop("the drawing work bound was reached")
	}
}

// faces returns the fonts to try for a TextObject's Font, and a label for
// messages: the embedded font first, then the fallbacks. A font that is
// not embedded, or not readable, is listed as substituted.
func (ps *pageState) faces(id string) ([]*sfnt.Font, string) {
	fr := ps.res.fonts[id]
	label := fmt.Sprintf("font %q", id)
	mono := false
	var faces []*sfnt.Font
	if fr == nil {
		ps.r.note("font %q is not in the resources: drawn with the fallback fonts", id)
	} else {
		label = fmt.Sprintf("font %s (ID %s)", fr.name, id)
		l := strings.ToLower(fr.name + " " + fr.family)
		mono = strings.Contains(l, "courier") || strings.Contains(l, "mono")
		if fr.file != "" {
			f, err := ps.r.fonts.embeddedFont(ps.dc.pkg, fr.file)
			if err != nil {
				ps.r.note("embedded %s is not readable (%v): drawn with the fallback fonts", label, err)
			} else {
				faces = append(faces, f)
			}
		} else {
			ps.r.note("%s is not embedded: drawn with the fallback fonts", label)
		}
	}
	cjk, err := ps.r.fonts.cjkFont()
	if err != nil {
		ps.r.note("%v: CJK text without an embedded font is not drawn", err)
	}
	return append(faces, ps.r.fonts.goFont(mono), cjk), label
}
