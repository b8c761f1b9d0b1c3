package seal

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"unicode"
	"unicode/utf8"

	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/vector"
)

// Image bounds.
const (
	// DefaultEnterpriseSize is the side of an enterprise seal image in
	// pixels when EnterpriseOptions.Size is 0.
	DefaultEnterpriseSize = 400
	// DefaultPersonalSize is the side of a personal seal image in pixels
	// when PersonalOptions.Size is 0.
	DefaultPersonalSize = 300
	// MinImageSize and MaxImageSize bound the side of rendered images and
	// of images accepted by [LoadImage] and [Seal.Verify].
	MinImageSize = 64
	MaxImageSize = 2048
	// MaxImageBytes bounds the encoded size of an image given to
	// [LoadImage] and of a seal's picture.
	MaxImageBytes = 1 << 20

	maxOrgNameRunes = 40
	maxPurposeRunes = 12
	maxCodeRunes    = 24
)

// Red is the seal colour, close to the #E60012 of Chinese official seals.
var Red = color.RGBA{R: 0xE6, G: 0x00, B: 0x12, A: 0xFF}

// EnterpriseOptions describe a round organisation seal (单位印章).
type EnterpriseOptions struct {
	// Name is the organisation name set along the upper arc, e.g.
	// "北京某某科技有限公司". 1 to 40 characters, no spaces or controls.
	Name string
	// Purpose is an optional horizontal line under the star, e.g. "合同专用章".
	// At most 12 characters.
	Purpose string
	// Code is an optional line set small along the lower arc, e.g. the
	// 18-character unified social credit code. At most 24 characters.
	Code string
	// Size is the side of the square image in pixels; 0 means
	// DefaultEnterpriseSize.
	Size int
	// Font, if set, is used instead of loading FontPath.
	Font *sfnt.Font
	// FontPath is a TrueType/OpenType font (or .ttc collection) with CJK
	// glyphs; empty means DefaultFontPath.
	FontPath string
}

// PersonalOptions describe a square personal name seal (个人印章).
type PersonalOptions struct {
	// Name is 2 to 4 Han characters, e.g. "张三".
	Name string
	// AppendYin fills the seal to four cells: "之印" is appended to a
	// two-character name and "印" to a three-character one. It has no
	// effect on four-character names.
	AppendYin bool
	// Size is the side of the square image in pixels; 0 means
	// DefaultPersonalSize.
	Size int
	// Font, if set, is used instead of loading FontPath.
	Font *sfnt.Font
	// FontPath is as in [EnterpriseOptions].
	FontPath string
}

// Enterprise renders a round red organisation seal on a transparent
// background: a thick outer ring, the name along the upper arc with each
// character turned to face outwards, a five-pointed star in the centre, and
// the optional purpose and code lines. Errors wrap [ErrFont] when the font
// cannot be loaded or lacks a glyph.
func Enterprise(opts EnterpriseOptions) (image.Image, error) {
	size, err := checkSize(opts.Size, DefaultEnterpriseSize)
	if err != nil {
		return nil, fmt.Errorf("enterprise seal: %w", err)
	}
	name, err := checkLine("name", opts.Name, 1, maxOrgNameRunes)
	if err != nil {
		return nil, fmt.Errorf("enterprise seal: %w", err)
	}
	purpose, err := checkLine("purpose", opts.Purpose, 0, maxPurposeRunes)
	if err != nil {
		return nil, fmt.Errorf("enterprise seal: %w", err)
	}
	code, err := checkLine("code", opts.Code, 0, maxCodeRunes)
	if err != nil {
		return nil, fmt.Errorf("enterprise seal: %w", err)
	}
	fc, err := resolveFont(opts.Font, opts.FontPath)
	if err != nil {
		return nil, fmt.Errorf("enterprise seal: %w", err)
	}

	c := newCanvas(size, size)
	s := float64(size)
	cx, cy, R := s/2, s/2, s/2
	// Proportions follow a 42 mm round seal: a 1.2-1.4 mm rim, a star
	// 14 mm across and name characters about 7 mm high.
	outer := 0.97 * R
	rim := 0.065 * R
	inner := outer - rim
	c.fill(func(z *vector.Rasterizer) {
		circle(z, cx, cy, outer, false)
		circle(z, cx, cy, inner, true)
	})
	c.fill(func(z *vector.Rasterizer) { star(z, cx, cy, 0.33*R) })

	// Name along the upper arc, centred on the top, reading clockwise,
	// tops of the characters facing out.
	n := len(name)
	step := 0.0
	if n > 1 {
		step = math.Min(240*math.Pi/180/float64(n-1), 40*math.Pi/180)
	}
	// Characters are narrowed to fit the arc at their inner (bottom) edge,
	// where it is shortest; past a 0.55 aspect they get shorter instead.
	nameH := 0.29 * R
	var nameR, nameW float64
	for range 4 {
		nameR = inner - 0.05*R - nameH/2
		nameW = nameH * 0.95
		if n > 1 {
			nameW = math.Min(nameW, 0.9*(nameR-nameH/2)*step)
		}
		if nameW >= 0.55*nameH {
			break
		}
		nameH = nameW / 0.55
	}
	for i, r := range name {
		theta := (float64(i) - float64(n-1)/2) * step
		sin, cos := math.Sincos(theta)
		p := placement{X: cx + nameR*sin, Y: cy - nameR*cos, W: nameW, H: nameH, Theta: theta, Bold: 0.025 * nameW}
		if err := c.drawGlyph(fc, r, p); err != nil {
			return nil, fmt.Errorf("enterprise seal: name: %w", err)
		}
	}

	// Purpose: one horizontal line under the star.
	if m := len(purpose); m > 0 {
		h := 0.18 * R
		w := math.Min(h*0.9, 0.8*R/(1.05*float64(m)))
		y := cy + 0.51*R
		for i, r := range purpose {
			x := cx + (float64(i)-float64(m-1)/2)*w*1.05
			if err := c.drawGlyph(fc, r, placement{X: x, Y: y, W: w, H: h, Bold: 0.025 * w}); err != nil {
				return nil, fmt.Errorf("enterprise seal: purpose: %w", err)
			}
		}
	}

	// Code: small characters along the lower arc, reading left to right,
	// tops facing the centre.
	if m := len(code); m > 0 {
		h := 0.085 * R
		rr := inner - 0.035*R - h/2
		st := h * 0.72 / rr
		if m > 1 {
			st = math.Min(st, 110*math.Pi/180/float64(m-1))
		}
		for i, r := range code {
			alpha := (float64(i) - float64(m-1)/2) * st
			sin, cos := math.Sincos(alpha)
			p := placement{X: cx + rr*sin, Y: cy + rr*cos, W: h * 0.62, H: h, Theta: -alpha}
			if err := c.drawGlyph(fc, r, p); err != nil {
				return nil, fmt.Errorf("enterprise seal: code: %w", err)
			}
		}
	}
	return c.img, nil
}

// Personal renders a square red personal name seal on a transparent
// background: a border and the name in a grid read right to left, top to
// bottom. Two characters take a column each; with three, the surname takes
// the right column and the given name stacks in the left; four fill a 2×2
// grid. Errors wrap [ErrFont] as for [Enterprise].
func Personal(opts PersonalOptions) (image.Image, error) {
	size, err := checkSize(opts.Size, DefaultPersonalSize)
	if err != nil {
		return nil, fmt.Errorf("personal seal: %w", err)
	}
	name := []rune(opts.Name)
	if len(name) < 2 || len(name) > 4 {
		return nil, fmt.Errorf("personal seal: name must be 2 to 4 characters, got %d", len(name))
	}
	for _, r := range name {
		if !unicode.Is(unicode.Han, r) {
			return nil, fmt.Errorf("personal seal: name character %q is not a Han character", r)
		}
	}
	if opts.AppendYin {
		switch len(name) {
		case 2:
			name = append(name, '之', '印')
		case 3:
			name = append(name, '印')
		}
	}
	fc, err := resolveFont(opts.Font, opts.FontPath)
	if err != nil {
		return nil, fmt.Errorf("personal seal: %w", err)
	}

	c := newCanvas(size, size)
	s := float64(size)
	m := 0.03 * s      // transparent margin
	border := 0.07 * s // border width
	c.fill(func(z *vector.Rasterizer) {
		rect(z, m, m, s-m, s-m, false)
		rect(z, m+border, m+border, s-m-border, s-m-border, true)
	})
	pad := 0.025 * s
	x0, y0 := m+border+pad, m+border+pad
	x1, y1 := s-m-border-pad, s-m-border-pad
	colW := (x1 - x0) / 2
	rowH := (y1 - y0) / 2
	// cells lists (column from the right, row from the top, rows spanned).
	type cell struct{ col, row, span int }
	var cells []cell
	switch len(name) {
	case 2:
		cells = []cell{{0, 0, 2}, {1, 0, 2}}
	case 3:
		cells = []cell{{0, 0, 2}, {1, 0, 1}, {1, 1, 1}}
	case 4:
		cells = []cell{{0, 0, 1}, {0, 1, 1}, {1, 0, 1}, {1, 1, 1}}
	}
	gap := 0.035 * s
	for i, cl := range cells {
		h := rowH*float64(cl.span) - gap
		w := colW - gap
		x := x1 - colW*(float64(cl.col)+0.5)
		y := y0 + rowH*(float64(cl.row)+float64(cl.span)/2)
		p := placement{X: x, Y: y, W: w, H: h, Bold: 0.012 * s}
		if err := c.drawGlyph(fc, name[i], p); err != nil {
			return nil, fmt.Errorf("personal seal: %w", err)
		}
	}
	return c.img, nil
}

// EncodePNG encodes img as PNG, compressed as much as the encoder can.
func EncodePNG(img image.Image) ([]byte, error) {
	if img == nil {
		return nil, fmt.Errorf("encode png: nil image")
	}
	var b bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&b, img); err != nil {
		return nil, fmt.Errorf("encode png: %w", err)
	}
	return b.Bytes(), nil
}

// LoadImage decodes an uploaded seal image, PNG or JPEG. It refuses more
// than MaxImageBytes of input and sides outside [MinImageSize,
// MaxImageSize] before decoding pixels, so a small file cannot claim a huge
// canvas. Errors wrap [ErrImage].
func LoadImage(data []byte) (image.Image, error) {
	img, _, err := decodeImage(data, "png", "jpeg")
	return img, err
}

func decodeImage(data []byte, formats ...string) (image.Image, string, error) {
	if len(data) == 0 || len(data) > MaxImageBytes {
		return nil, "", fmt.Errorf("%w: %d bytes, want 1 to %d", ErrImage, len(data), MaxImageBytes)
	}
	var format string
	var cfg image.Config
	var err error
	switch {
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		format = "png"
		cfg, err = png.DecodeConfig(bytes.NewReader(data))
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8}):
		format = "jpeg"
		cfg, err = jpeg.DecodeConfig(bytes.NewReader(data))
	default:
		return nil, "", fmt.Errorf("%w: not a PNG or JPEG image", ErrImage)
	}
	allowed := false
	for _, f := range formats {
		allowed = allowed || f == format
	}
	if !allowed {
		return nil, "", fmt.Errorf("%w: %s images are not accepted here", ErrImage, format)
	}
	if err != nil {
		return nil, "", fmt.Errorf("%w: %s header: %w", ErrImage, format, err)
	}
	if cfg.Width < MinImageSize || cfg.Width > MaxImageSize || cfg.Height < MinImageSize || cfg.Height > MaxImageSize {
		return nil, "", fmt.Errorf("%w: %dx%d pixels, each side must be %d to %d", ErrImage, cfg.Width, cfg.Height, MinImageSize, MaxImageSize)
	}
	var img image.Image
	if format == "png" {
		img, err = png.Decode(bytes.NewReader(data))
	} else {
		img, err = jpeg.Decode(bytes.NewReader(data))
	}
	if err != nil {
		return nil, "", fmt.Errorf("%w: decode %s: %w", ErrImage, format, err)
	}
	return img, format, nil
}

func checkSize(size, def int) (int, error) {
	if size == 0 {
		return def, nil
	}
	if size < MinImageSize || size > MaxImageSize {
		return 0, fmt.Errorf("size %d outside %d..%d", size, MinImageSize, MaxImageSize)
	}
	return size, nil
}

// checkLine validates a line of seal text and returns its runes.
func checkLine(what, s string, minRunes, maxRunes int) ([]rune, error) {
	if !utf8.ValidString(s) {
		return nil, fmt.Errorf("%s is not valid UTF-8", what)
	}
	rs := []rune(s)
	if len(rs) < minRunes || len(rs) > maxRunes {
		return nil, fmt.Errorf("%s must be %d to %d characters, got %d", what, minRunes, maxRunes, len(rs))
	}
	for _, r := range rs {
		if !unicode.IsGraphic(r) || unicode.IsSpace(r) {
			return nil, fmt.Errorf("%s contains %q; only visible characters without spaces are allowed", what, r)
		}
	}
	return rs, nil
}

// canvas is a transparent RGBA image painted in Red.
type canvas struct {
	img *image.RGBA
	z   *vector.Rasterizer
	src *image.Uniform
}

func newCanvas(w, h int) *canvas {
	return &canvas{
		img: image.NewRGBA(image.Rect(0, 0, w, h)),
		z:   vector.NewRasterizer(w, h),
		src: image.NewUniform(Red),
	}
}

// fill rasterises the path built by path and paints it over the canvas.
// Sub-paths wound in opposite directions cancel, which makes rings and
// frames.
func (c *canvas) fill(path func(z *vector.Rasterizer)) {
	b := c.img.Bounds()
	c.z.Reset(b.Dx(), b.Dy())
	path(c.z)
	c.z.Draw(c.img, b, c.src, image.Point{})
}

// circle adds a closed circle of radius r; reverse winds it the other way.
func circle(z *vector.Rasterizer, cx, cy, r float64, reverse bool) {
	const n = 360
	for i := 0; i <= n; i++ {
		a := 2 * math.Pi * float64(i) / n
		if reverse {
			a = -a
		}
		x, y := float32(cx+r*math.Cos(a)), float32(cy+r*math.Sin(a))
		if i == 0 {
			z.MoveTo(x, y)
		} else {
			z.LineTo(x, y)
		}
	}
	z.ClosePath()
}

// rect adds a closed rectangle; reverse winds it the other way.
func rect(z *vector.Rasterizer, x0, y0, x1, y1 float64, reverse bool) {
	pts := [][2]float64{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}}
	if reverse {
		pts[1], pts[3] = pts[3], pts[1]
	}
	z.MoveTo(float32(pts[0][0]), float32(pts[0][1]))
	for _, p := range pts[1:] {
		z.LineTo(float32(p[0]), float32(p[1]))
	}
	z.ClosePath()
}

// star adds a five-pointed star of outer radius r, one point up.
func star(z *vector.Rasterizer, cx, cy, r float64) {
	// Inner radius of a regular pentagram: r·sin(18°)/sin(126°).
	ri := r * math.Sin(math.Pi/10) / math.Sin(7*math.Pi/10)
	for i := range 10 {
		rr := r
		if i%2 == 1 {
			rr = ri
		}
		a := float64(i) * math.Pi / 5
		x, y := float32(cx+rr*math.Sin(a)), float32(cy-rr*math.Cos(a))
		if i == 0 {
			z.MoveTo(x, y)
		} else {
			z.LineTo(x, y)
		}
	}
	z.ClosePath()
}
