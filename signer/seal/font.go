package seal

import (
	"errors"
	"fmt"
	"math"
	"os"
	"strings"

	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"
)

// DefaultFontPath is the CJK font used when an option's FontPath and Font
// are empty. It is installed by the Debian package fonts-droid-fallback.
const DefaultFontPath = "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"

// maxFontFileSize bounds the font file read into memory.
const maxFontFileSize = 64 << 20

// refRune is the glyph whose ink box defines the "full" character cell:
// every glyph is centred and scaled relative to it, so strokes line up on a
// common baseline and characters with little ink (一) are not blown up.
const refRune = '国'

// LoadFont reads a TrueType or OpenType font from path. A path ending in
// ".ttc" or ".otc" is parsed as a collection and its first font is used.
// Errors wrap [ErrFont]; a missing file also wraps [fs.ErrNotExist].
func LoadFont(path string) (*sfnt.Font, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w (on Debian: apt-get install fonts-droid-fallback)", ErrFont, err)
	}
	if fi.Size() > maxFontFileSize {
		return nil, fmt.Errorf("%w: %s is %d bytes, more than %d", ErrFont, path, fi.Size(), maxFontFileSize)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFont, err)
	}
	lower := strings.ToLower(path)
	if strings.HasSuffix(lower, ".ttc") || strings.HasSuffix(lower, ".otc") {
		c, err := opentype.ParseCollection(b)
		if err != nil {
			return nil, fmt.Errorf("%w: parse collection %s: %w", ErrFont, path, err)
		}
		f, err := c.Font(0)
		if err != nil {
			return nil, fmt.Errorf("%w: font 0 of %s: %w", ErrFont, path, err)
		}
		return f, nil
	}
	f, err := opentype.Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%w: parse %s: %w", ErrFont, path, err)
	}
	return f, nil
}

// face draws glyphs of one font at arbitrary affine transforms. Outlines are
// loaded at ppem = unitsPerEm and divided by it, so they are in em units
// with the Y axis pointing down and the origin on the baseline.
type face struct {
	f    *sfnt.Font
	buf  sfnt.Buffer
	upem float64
	// refCX, refCY: centre of refRune's ink box, in em.
	refCX, refCY float64
	// refW, refH: size of refRune's ink box, in em.
	refW, refH float64
}

func resolveFont(f *sfnt.Font, path string) (*face, error) {
	if f == nil {
		if path == "" {
			path = DefaultFontPath
		}
		var err error
		if f, err = LoadFont(path); err != nil {
			return nil, err
		}
	}
	fc := &face{f: f, upem: float64(f.UnitsPerEm())}
	if fc.upem <= 0 {
		return nil, fmt.Errorf("%w: units per em is %v", ErrFont, fc.upem)
	}
	segs, _, err := fc.outline(refRune)
	if err != nil {
		return nil, err
	}
	minX, minY, maxX, maxY := bounds(segs)
	if !(maxX > minX && maxY > minY) {
		return nil, fmt.Errorf("%w: glyph %q has no ink", ErrFont, refRune)
	}
	fc.refCX, fc.refCY = (minX+maxX)/2, (minY+maxY)/2
	fc.refW, fc.refH = maxX-minX, maxY-minY
	return fc, nil
}

// segment is an outline segment in em units.
type segment struct {
	op   sfnt.SegmentOp
	args [3][2]float64
}

// outline returns r's outline in em units and its advance in em.
func (fc *face) outline(r rune) ([]segment, float64, error) {
	gi, err := fc.f.GlyphIndex(&fc.buf, r)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: glyph index of %q: %w", ErrFont, r, err)
	}
	if gi == 0 && '!' <= r && r <= '~' {
		// CJK fonts such as DroidSansFallback lack ASCII; use the
		// fullwidth form (U+FF01..U+FF5E), which is also what a seal
		// engraver would cut.
		if gi, err = fc.f.GlyphIndex(&fc.buf, r+0xFEE0); err != nil {
			return nil, 0, fmt.Errorf("%w: glyph index of %q: %w", ErrFont, r, err)
		}
	}
	if gi == 0 {
		return nil, 0, fmt.Errorf("%w: font has no glyph for %q", ErrFont, r)
	}
	ppem := fixed.I(int(fc.upem))
	adv, err := fc.f.GlyphAdvance(&fc.buf, gi, ppem, 0)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: advance of %q: %w", ErrFont, r, err)
	}
	raw, err := fc.f.LoadGlyph(&fc.buf, gi, ppem, nil)
	if err != nil {
		if errors.Is(err, sfnt.ErrColoredGlyph) {
			return nil, 0, fmt.Errorf("%w: glyph for %q is a colour glyph", ErrFont, r)
		}
		return nil, 0, fmt.Errorf("%w: load glyph %q: %w", ErrFont, r, err)
	}
	k := 1 / (64 * fc.upem)
	segs := make([]segment, len(raw))
	for i, s := range raw {
		segs[i].op = s.Op
		for j, p := range s.Args {
			segs[i].args[j] = [2]float64{float64(p.X) * k, float64(p.Y) * k}
		}
	}
	return segs, float64(adv) / (64 * fc.upem), nil
}

// bounds returns the box of all points of segs (control points included,
// which is close enough for centring).
func bounds(segs []segment) (minX, minY, maxX, maxY float64) {
	minX, minY = math.Inf(1), math.Inf(1)
	maxX, maxY = math.Inf(-1), math.Inf(-1)
	for _, s := range segs {
		n := 1
		switch s.op {
		case sfnt.SegmentOpQuadTo:
			n = 2
		case sfnt.SegmentOpCubeTo:
			n = 3
		}
		for _, p := range s.args[:n] {
			minX, maxX = math.Min(minX, p[0]), math.Max(maxX, p[0])
			minY, maxY = math.Min(minY, p[1]), math.Max(maxY, p[1])
		}
	}
	return minX, minY, maxX, maxY
}

// placement positions one glyph: its cell centre (advance/2 horizontally,
// the reference ink-box centre vertically) goes to (X, Y); the glyph is
// scaled so that the reference ink box is W×H pixels, then rotated by Theta
// radians clockwise on screen. Bold > 0 thickens strokes by about that many
// pixels on each side.
type placement struct {
	X, Y, W, H, Theta, Bold float64
}

// drawGlyph rasterises r with p into c.
func (c *canvas) drawGlyph(fc *face, r rune, p placement) error {
	segs, adv, err := fc.outline(r)
	if err != nil {
		return err
	}
	sx, sy := p.W/fc.refW, p.H/fc.refH
	sin, cos := math.Sincos(p.Theta)
	cx, cy := adv/2, fc.refCY
	// Faux bold: the union of copies shifted round a small circle. Copies
	// wind the same way, and the rasteriser clamps overlapping coverage.
	offsets := [][2]float64{{0, 0}}
	if p.Bold > 0 {
		for k := range 8 {
			s, c := math.Sincos(float64(k) * math.Pi / 4)
			offsets = append(offsets, [2]float64{p.Bold * c, p.Bold * s})
		}
	}
	var ox, oy float64
	tr := func(q [2]float64) (float32, float32) {
		x, y := (q[0]-cx)*sx, (q[1]-cy)*sy
		// Clockwise on screen, where Y points down.
		return float32(p.X + ox + x*cos - y*sin), float32(p.Y + oy + x*sin + y*cos)
	}
	c.fill(func(z *vector.Rasterizer) {
		for _, o := range offsets {
			ox, oy = o[0], o[1]
			addOutline(z, segs, tr)
		}
	})
	return nil
}

// addOutline adds segs, mapped through tr, to z as closed paths.
func addOutline(z *vector.Rasterizer, segs []segment, tr func([2]float64) (float32, float32)) {
	for _, s := range segs {
		switch s.op {
		case sfnt.SegmentOpMoveTo:
			z.ClosePath()
			z.MoveTo(tr(s.args[0]))
		case sfnt.SegmentOpLineTo:
			z.LineTo(tr(s.args[0]))
		case sfnt.SegmentOpQuadTo:
			bx, by := tr(s.args[0])
			cx, cy := tr(s.args[1])
			z.QuadTo(bx, by, cx, cy)
		case sfnt.SegmentOpCubeTo:
			bx, by := tr(s.args[0])
			cx, cy := tr(s.args[1])
			dx, dy := tr(s.args[2])
			z.CubeTo(bx, by, cx, cy, dx, dy)
		}
	}
	z.ClosePath()
}
