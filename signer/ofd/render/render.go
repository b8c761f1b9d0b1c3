package render

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"math"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sealchain/sealchain/signer/ofd"
)

// Errors.
var (
	// ErrPage means the page number is outside the document.
	ErrPage = errors.New("render: no such page")
	// ErrOptions means a DPI or bound is out of range.
	ErrOptions = errors.New("render: bad options")
)

// Default bounds; each can be lowered (or raised) through [Options].
const (
	DefaultDPI = 96
	// DefaultMaxPixels caps the page image; a larger page is drawn at a
	// lower resolution, and the change is listed.
	DefaultMaxPixels = 40_000_000
	// DefaultMaxObjects caps the graphic objects drawn on a page,
	// templates, annotations and glyphs included.
	DefaultMaxObjects = 200_000
	// DefaultTimeout caps one page when the context has no earlier
	// deadline.
	DefaultTimeout = 30 * time.Second
	// workPages is the rasterising budget of a page, in page areas.
	workPages = 16
	// maxSide caps either side of the page image, in pixels.
	maxSide = 20_000
	// maxDepth bounds PageBlock nesting and seals drawn inside seals.
	maxDepth = 8
	// maxImagePixels caps one decoded image; maxImageTotal all images of
	// a page.
	maxImagePixels = 16 << 20
	maxImageTotal  = 64 << 20
	// maxFontBytes caps an embedded font file.
	maxFontBytes = 16 << 20
	// maxUnsupported caps the list of what was not drawn.
	maxUnsupported = 64
)

// Options tune [Render].
type Options struct {
	// DPI is the resolution; 0 means DefaultDPI. 1 to 1200.
	DPI float64
	// MaxPixels caps the image; 0 means DefaultMaxPixels.
	MaxPixels int
	// MaxObjects caps objects and glyphs drawn; 0 means DefaultMaxObjects.
	MaxObjects int
	// Timeout caps the page; 0 means DefaultTimeout.
	Timeout time.Duration
	// FontPath is the CJK fallback font for text whose font is not
	// embedded; empty means the report's font (fonts-droid-fallback).
	// Latin text without a CJK glyph falls back to the Go fonts.
	FontPath string
	// Transparent leaves the paper transparent instead of white.
	Transparent bool
}

// Result is a rendered page.
type Result struct {
	Image *image.RGBA
	// DPI is the resolution drawn at (lower than asked when MaxPixels
	// required it).
	DPI float64
	// WidthMM and HeightMM are the page's physical box.
	WidthMM, HeightMM float64
	// Unsupported lists what was not drawn, or drawn with a substitute
	// (fonts), one sentence each, sorted; empty when the page was drawn
	// completely.
	Unsupported []string
}

// PNG renders page (1 for the first) of an OFD file at dpi and encodes it
// as PNG, with default bounds. unsupported lists what was not drawn (see
// [Result.Unsupported]).
func PNG(ctx context.Context, ofdFile []byte, page int, dpi float64) (pngData []byte, unsupported []string, err error) {
	res, err := Render(ctx, ofdFile, page, Options{DPI: dpi})
	if err != nil {
		return nil, nil, err
	}
	b, err := res.PNG()
	if err != nil {
		return nil, nil, err
	}
	return b, res.Unsupported, nil
}

// PNG encodes the page image.
func (res *Result) PNG() ([]byte, error) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, res.Image); err != nil {
		return nil, fmt.Errorf("render: encode png: %w", err)
	}
	return buf.Bytes(), nil
}

// Render draws page (1 for the first) of the first document of an OFD
// file. It returns an error only when there is no page to show (the file
// is not an OFD package, the page does not exist, the page area is
// unreadable, the context ends); whatever cannot be drawn on a page that
// exists is left out and listed in Result.Unsupported.
func Render(ctx context.Context, ofdFile []byte, page int, opts Options) (*Result, error) {
	if opts.DPI == 0 {
		opts.DPI = DefaultDPI
	}
	if !(opts.DPI >= 1 && opts.DPI <= 1200) {
		return nil, fmt.Errorf("%w: dpi %v, want 1 to 1200", ErrOptions, opts.DPI)
	}
	if opts.MaxPixels == 0 {
		opts.MaxPixels = DefaultMaxPixels
	}
	if opts.MaxObjects == 0 {
		opts.MaxObjects = DefaultMaxObjects
	}
	if opts.Timeout == 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.MaxPixels < 1 || opts.MaxObjects < 1 || opts.Timeout < 0 {
		return nil, fmt.Errorf("%w: bounds must be positive", ErrOptions)
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	fonts := newFontSet(opts.FontPath)
	r := &renderer{ctx: ctx, opts: opts, fonts: fonts, notes: map[string]bool{}}
	res, err := r.renderFile(ofdFile, page, 0)
	if err != nil {
		return nil, err
	}
	return res, nil
}

// renderer holds the state of one call to Render.
type renderer struct {
	ctx   context.Context
	opts  Options
	fonts *fontSet
	notes map[string]bool

	objects    int   // objects and glyphs drawn so far
	imagePx    int64 // image pixels decoded so far
	stopped    bool  // a bound was reached; nothing more is drawn
	stopReason string
}

func (r *renderer) note(format string, a ...any) {
	if len(r.notes) < maxUnsupported {
		r.notes[fmt.Sprintf(format, a...)] = true
	}
}

// stop records that a bound was reached; nothing more is drawn.
func (r *renderer) stop(reason string) {
	if !r.stopped {
		r.stopped, r.stopReason = true, reason
	}
}

// tick counts one object and checks the bounds and the context.
func (r *renderer) tick() bool {
	if r.stopped {
		return false
	}
	r.objects++
	if r.objects > r.opts.MaxObjects {
		r.stop(fmt.Sprintf("more than %d objects and glyphs", r.opts.MaxObjects))
		return false
	}
	if r.ctx.Err() != nil {
		r.stop("the time limit was reached")
		return false
	}
	return true
}

// doc is the document being drawn: its package, resources and pages.
type doc struct {
	pkg   *ofd.Package
	root  string // Document.xml part name
	dir   string
	x     *ofd.Element // Document.xml
	res   *resources
	tpls  map[string]string // template ID → content part
	area  *ofd.Element      // CommonData PageArea
	pages []ofd.Page
	sigs  string // Signatures.xml part, if any
	// parsed caches parts parsed for drawing (templates, annotation
	// files), so that a part named many times is parsed once.
	parsed map[string]parsedPart
	// images caches decoded images by part name.
	images map[string]decoded
}

type parsedPart struct {
	x   *ofd.Element
	err error
}

type decoded struct {
	img    image.Image
	format string
	err    error
}

// readXML parses a part once per document.
func (d *doc) readXML(name string) (*ofd.Element, error) {
	if p, ok := d.parsed[name]; ok {
		return p.x, p.err
	}
	x, err := d.pkg.ReadXML(name)
	d.parsed[name] = parsedPart{x, err}
	return x, err
}

func (r *renderer) openDoc(data []byte) (*doc, error) {
	pkg, err := ofd.Open(data)
	if err != nil {
		return nil, err
	}
	d, err := pkg.ReadDocument()
	if err != nil {
		return nil, err
	}
	x, err := pkg.ReadXML(d.Root)
	if err != nil {
		return nil, err
	}
	dc := &doc{pkg: pkg, root: d.Root, dir: d.Dir, x: x, pages: d.Pages, sigs: d.SignaturesLoc, tpls: map[string]string{},
		parsed: map[string]parsedPart{}, images: map[string]decoded{}}
	dc.res = newResources()
	cd := x.Child("CommonData")
	dc.area = cd.Child("PageArea")
	for _, c := range cd.Children {
		switch c.Name {
		case "PublicRes", "DocumentRes":
			r.loadRes(dc, d.Dir, strings.TrimSpace(c.Text))
		case "TemplatePage":
			if loc, err := ofd.Resolve(d.Dir, c.Attr["BaseLoc"]); err == nil {
				dc.tpls[c.Attr["ID"]] = loc
			}
		}
	}
	return dc, nil
}

// renderFile draws one page of an OFD file; depth > 0 for a seal picture
// that is itself an OFD.
func (r *renderer) renderFile(data []byte, page, depth int) (*Result, error) {
	dc, err := r.openDoc(data)
	if err != nil {
		return nil, err
	}
	if page < 1 || page > len(dc.pages) {
		return nil, fmt.Errorf("%w: page %d of %d", ErrPage, page, len(dc.pages))
	}
	pg := dc.pages[page-1]
	px, err := dc.pkg.ReadXML(pg.Content)
	if err != nil {
		return nil, fmt.Errorf("page %d: %w", page, err)
	}
	phys, err := pageBox(px.Child("Area"), dc.area)
	if err != nil {
		return nil, fmt.Errorf("page %d: %w", page, err)
	}
	// A seal picture (depth 1) is drawn at the same resolution and
	// scaled by the caller into its stamp.
	pxPerMM := r.opts.DPI / 25.4
	w, h := phys.w*pxPerMM, phys.h*pxPerMM
	if lim := float64(r.opts.MaxPixels); w*h > lim {
		f := math.Sqrt(lim / (w * h))
		pxPerMM *= f
		r.note("the page (%.0f×%.0f mm) was drawn at %.1f dpi to stay within %d pixels", phys.w, phys.h, pxPerMM*25.4, r.opts.MaxPixels)
	}
	if m := math.Max(phys.w, phys.h) * pxPerMM; m > maxSide {
		pxPerMM *= maxSide / m
		r.note("the page (%.0f×%.0f mm) was drawn at %.1f dpi to stay within %d pixels a side", phys.w, phys.h, pxPerMM*25.4, maxSide)
	}
	iw, ih := int(math.Max(1, math.Round(phys.w*pxPerMM))), int(math.Max(1, math.Round(phys.h*pxPerMM)))
	if iw*ih > r.opts.MaxPixels || max(iw, ih) > maxSide {
		// Scaled down above: rounding down keeps within the bounds.
		iw, ih = int(math.Max(1, math.Floor(phys.w*pxPerMM))), int(math.Max(1, math.Floor(phys.h*pxPerMM)))
	}
	img := image.NewRGBA(image.Rect(0, 0, iw, ih))
	if !r.opts.Transparent && depth == 0 {
		draw.Draw(img, img.Rect, image.White, image.Point{}, draw.Src)
	}
	// The corpus uses at most 2.2 page areas of rasterising (each shape
	// over its bounding box); 16 leaves room and bounds a hostile page.
	cv := &canvas{img: img, work: workPages * int64(math.Max(float64(iw*ih), 1<<20))}
	base := translate(-phys.x, -phys.y).then(scale(pxPerMM, pxPerMM))
	ps := &pageState{r: r, dc: dc, cv: cv, base: base, pxPerMM: pxPerMM, depth: depth, res: dc.res}
	// Page resources add to the document's.
	pageDir := path.Dir(pg.Content)
	for _, c := range px.All("PageRes") {
		loc := strings.TrimSpace(c.Text)
		if n, err := ofd.Resolve(pageDir, loc); err == nil && dc.pkg.Has(n) {
			r.loadRes(dc, pageDir, loc)
		} else {
			r.loadRes(dc, dc.dir, loc)
		}
	}
	// Templates: background ones before the page, foreground ones after.
	var fore []*ofd.Element
	for _, t := range px.All("Template") {
		if t.Attr["ZOrder"] == "Foreground" {
			fore = append(fore, t)
			continue
		}
		ps.template(t)
	}
	ps.content(px.Child("Content"), base, nil, nil)
	for _, t := range fore {
		ps.template(t)
	}
	if depth == 0 {
		ps.annotations(pg.ID)
		ps.stamps(pg.ID)
	}
	if cv.work <= 0 {
		r.stop("the drawing work bound was reached")
	}
	if r.stopped {
		r.note("drawing stopped: %s; the rest of the page is not shown", r.stopReason)
	}
	res := &Result{Image: img, DPI: pxPerMM * 25.4, WidthMM: phys.w, HeightMM: phys.h}
	for n := range r.notes {
		res.Unsupported = append(res.Unsupported, n)
	}
	sort.Strings(res.Unsupported)
	if err := r.ctx.Err(); err != nil && depth == 0 {
		return res, fmt.Errorf("render: %w", err)
	}
	return res, nil
}

// pageBox returns the page's PhysicalBox: its own Area, else the
// document's PageArea.
func pageBox(own, common *ofd.Element) (box, error) {
	for _, a := range []*ofd.Element{own, common} {
		if pb := a.Child("PhysicalBox"); pb != nil {
			b, err := parseBox(pb.Text)
			if err != nil {
				return box{}, fmt.Errorf("%w: PhysicalBox: %w", ofd.ErrFormat, err)
			}
			if !(b.w > 0 && b.h > 0) {
				return box{}, fmt.Errorf("%w: PhysicalBox %q is empty", ofd.ErrFormat, pb.Text)
			}
			return b, nil
		}
	}
	return box{}, fmt.Errorf("%w: no PhysicalBox", ofd.ErrFormat)
}

// pageState draws one page.
type pageState struct {
	r       *renderer
	dc      *doc
	cv      *canvas
	base    mat // page millimetres → device pixels
	pxPerMM float64
	depth   int
	res     *resources
}

func (ps *pageState) template(t *ofd.Element) {
	loc, ok := ps.dc.tpls[t.Attr["TemplateID"]]
	if !ok {
		ps.r.note("template %q is not in the document", t.Attr["TemplateID"])
		return
	}
	if !ps.r.tick() {
		return
	}
	x, err := ps.dc.readXML(loc)
	if err != nil {
		ps.r.note("template %q: %v", t.Attr["TemplateID"], err)
		return
	}
	ps.content(x.Child("Content"), ps.base, nil, nil)
}

// content draws the layers of a Content element.
func (ps *pageState) content(c *ofd.Element, m mat, dp *drawParam, clip *clipMask) {
	if c == nil {
		return
	}
	for _, layer := range c.All("Layer") {
		ldp := ps.res.drawParam(layer.Attr["DrawParam"], dp, ps.r)
		ps.block(layer, m, ldp, clip, 0)
	}
}

// block draws the objects of a Layer or PageBlock.
func (ps *pageState) block(b *ofd.Element, m mat, dp *drawParam, clip *clipMask, depth int) {
	if depth > maxDepth {
		ps.r.note("page blocks nested deeper than %d are not drawn", maxDepth)
		return
	}
	for _, o := range b.Children {
		if !ps.r.tick() {
			return
		}
		switch o.Name {
		case "PageBlock":
			ps.block(o, m, dp, clip, depth+1)
		case "TextObject", "PathObject", "ImageObject":
			ps.object(o, m, dp, clip)
		case "CompositeObject":
			ps.r.note("composite objects (CompositeObject) are not drawn")
		case "Actions":
			// Actions act on clicks; they do not change the picture.
		default:
			ps.r.note("page object %s is not drawn", o.Name)
		}
	}
}

// object draws a graphic unit: its boundary places it, its CTM maps its
// own coordinates, its clips limit it.
func (ps *pageState) object(o *ofd.Element, m mat, dp *drawParam, clip *clipMask) {
	if o.Attr["Visible"] == "false" {
		return
	}
	bd, err := parseBox(o.Attr["Boundary"])
	if err != nil {
		ps.r.note("%s %s: Boundary: %v", o.Name, o.Attr["ID"], err)
		return
	}
	ctm, err := parseCTM(o.Attr["CTM"])
	if err != nil {
		ps.r.note("%s %s: CTM: %v", o.Name, o.Attr["ID"], err)
		return
	}
	place := translate(bd.x, bd.y).then(m)
	odp := ps.res.drawParam(o.Attr["DrawParam"], dp, ps.r)
	if clips := o.Child("Clips"); clips != nil {
		if clip = ps.clip(clips, place, clip); clip == nil {
			return
		}
	}
	alpha := 255.0
	if a, ok := o.Attr["Alpha"]; ok {
		if v, err := strconv.ParseFloat(a, 64); err == nil && v >= 0 && v <= 255 {
			alpha = v
		}
	}
	switch o.Name {
	case "PathObject":
		ps.path(o, ctm.then(place), odp, clip, alpha)
	case "TextObject":
		ps.text(o, ctm, place, odp, clip, alpha)
	case "ImageObject":
		ps.imageObject(o, ctm.then(place), clip, alpha)
	}
}

// clip computes the mask of an object's Clips: the Areas of one Clip are
// united, several Clips intersect, and the result intersects the clip of
// the enclosing block. nil means nothing is visible, or a clip could not
// be computed (then the object is not drawn, and the reason is listed).
func (ps *pageState) clip(clips *ofd.Element, place mat, outer *clipMask) *clipMask {
	cur := outer
	for _, c := range clips.All("Clip") {
		var polys [][]pt
		for _, a := range c.All("Area") {
			actm, err := parseCTM(a.Attr["CTM"])
			if err != nil {
				ps.r.note("clip area CTM: %v", err)
				return nil
			}
			p := a.Child("Path")
			if p == nil {
				ps.r.note("clip areas made of text are not supported: the clipped object is not drawn")
				return nil
			}
			pb, err := parseBox(p.Attr["Boundary"])
			if err != nil {
				pb = box{}
			}
			pctm, err := parseCTM(p.Attr["CTM"])
			if err != nil {
				ps.r.note("clip path CTM: %v", err)
				return nil
			}
			segs, err := parsePath(childText(p, "AbbreviatedData"))
			if err != nil {
				ps.r.note("clip path: %v: the clipped object is not drawn", err)
				return nil
			}
			budget := 1 << 16
			pl, _, ok := flatten(segs, pctm.then(translate(pb.x, pb.y)).then(actm).then(place), &budget)
			if !ok {
				ps.r.note("clip path too long: the clipped object is not drawn")
				return nil
			}
			polys = append(polys, pl...)
		}
		rect := bounds(polys).Intersect(ps.cv.img.Rect)
		if cur != nil {
			rect = rect.Intersect(cur.r)
		}
		if rect.Empty() {
			return nil
		}
		m := ps.cv.coverage(polys, rect)
		if m == nil {
			ps.r.stop("the drawing work bound was reached")
			return nil
		}
		cm := &clipMask{r: rect, alpha: append([]uint8(nil), m.Pix[:rect.Dx()*rect.Dy()]...)}
		if cur != nil {
			for y := rect.Min.Y; y < rect.Max.Y; y++ {
				for x := rect.Min.X; x < rect.Max.X; x++ {
					i := (y-rect.Min.Y)*rect.Dx() + (x - rect.Min.X)
					cm.alpha[i] = uint8(uint32(cm.alpha[i]) * uint32(cur.at(x, y)) / 255)
				}
			}
		}
		cur = cm
	}
	return cur
}

// path draws a PathObject.
func (ps *pageState) path(o *ofd.Element, m mat, dp *drawParam, clip *clipMask, alpha float64) {
	segs, err := parsePath(childText(o, "AbbreviatedData"))
	if err != nil {
		ps.r.note("PathObject %s: %v: not drawn", o.Attr["ID"], err)
		return
	}
	stroke := o.Attr["Stroke"] != "false"
	fill := o.Attr["Fill"] == "true"
	if o.Attr["Rule"] == "Even-Odd" && fill && countSubpaths(segs) > 1 {
		ps.r.note("even-odd fill of a path with several subpaths is not supported: PathObject %s is not filled", o.Attr["ID"])
		fill = false
	}
	st := ps.style(o, dp)
	budget := 1 << 20
	polys, closed, ok := flatten(segs, m, &budget)
	if !ok {
		ps.r.note("PathObject %s has too many segments: not drawn", o.Attr["ID"])
		return
	}
	if fill {
		if col, ok := ps.color(o.Child("FillColor"), st.fill, alpha, "fill"); ok {
			// A fill closes open subpaths implicitly.
			if !ps.cv.fill(polys, col, clip) {
				ps.r.stop("the drawing work bound was reached")
				return
			}
		}
	}
	if stroke {
		col, ok := ps.color(o.Child("StrokeColor"), st.stroke, alpha, "stroke")
		if !ok {
			return
		}
		w := st.lineWidth * m.scaleFactor()
		if w < 1 {
			w = 1 // hairlines stay visible
		}
		lines := polys
		if len(st.dash) > 0 {
			pat := make([]float64, len(st.dash))
			for i, v := range st.dash {
				pat[i] = v * m.scaleFactor()
			}
			lines = dash(polys, closed, pat, st.dashOffset*m.scaleFactor(), &budget)
			closed = make([]bool, len(lines))
		}
		sp := strokePolys(lines, closed, w, st.cap, st.join, &budget)
		if budget <= 0 {
			ps.r.note("PathObject %s has too many segments: not drawn", o.Attr["ID"])
			return
		}
		if !ps.cv.fill(sp, col, clip) {
			ps.r.stop("the drawing work bound was reached")
		}
	}
}

func countSubpaths(segs []seg) int {
	n := 0
	for _, s := range segs {
		if s.op == 'M' {
			n++
		}
	}
	return n
}
