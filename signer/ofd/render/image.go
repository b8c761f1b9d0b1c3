package render

import (
	"bytes"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"

	"golang.org/x/image/bmp"
	xdraw "golang.org/x/image/draw"
	"golang.org/x/image/math/f64"
	"golang.org/x/image/tiff"

	"github.com/sealchain/sealchain/signer/ofd"
)

// decodeImage decodes PNG, JPEG, GIF, BMP or TIFF data, recognised by
// their first bytes (the Format attribute is often missing or wrong),
// after checking the size its header claims against the bounds.
func (r *renderer) decodeImage(data []byte) (image.Image, string, error) {
	type codec struct {
		name   string
		magic  [][]byte
		config func(*bytes.Reader) (image.Config, error)
		decode func(*bytes.Reader) (image.Image, error)
	}
	codecs := []codec{
		{"PNG", [][]byte{[]byte("\x89PNG\r\n\x1a\n")}, func(b *bytes.Reader) (image.Config, error) { return png.DecodeConfig(b) }, func(b *bytes.Reader) (image.Image, error) { return png.Decode(b) }},
		{"JPEG", [][]byte{{0xFF, 0xD8, 0xFF}}, func(b *bytes.Reader) (image.Config, error) { return jpeg.DecodeConfig(b) }, func(b *bytes.Reader) (image.Image, error) { return jpeg.Decode(b) }},
		{"GIF", [][]byte{[]byte("GIF8")}, func(b *bytes.Reader) (image.Config, error) { return gif.DecodeConfig(b) }, func(b *bytes.Reader) (image.Image, error) { return gif.Decode(b) }},
		{"BMP", [][]byte{[]byte("BM")}, func(b *bytes.Reader) (image.Config, error) { return bmp.DecodeConfig(b) }, func(b *bytes.Reader) (image.Image, error) { return bmp.Decode(b) }},
		{"TIFF", [][]byte{[]byte("II*\x00"), []byte("MM\x00*")}, func(b *bytes.Reader) (image.Config, error) { return tiff.DecodeConfig(b) }, func(b *bytes.Reader) (image.Image, error) { return tiff.Decode(b) }},
	}
	for _, c := range codecs {
		for _, m := range c.magic {
			if !bytes.HasPrefix(data, m) {
				continue
			}
			cfg, err := c.config(bytes.NewReader(data))
			if err != nil {
				return nil, c.name, err
			}
			px := int64(cfg.Width) * int64(cfg.Height)
			if cfg.Width < 1 || cfg.Height < 1 || px > maxImagePixels {
				return nil, c.name, fmt.Errorf("%d×%d = %d pixels, more than %d", cfg.Width, cfg.Height, px, maxImagePixels)
			}
			if r.imagePx+px > maxImageTotal {
				return nil, c.name, fmt.Errorf("the page's images exceed %d pixels", maxImageTotal)
			}
			r.imagePx += px
			img, err := c.decode(bytes.NewReader(data))
			return img, c.name, err
		}
	}
	if bytes.HasPrefix(data, []byte{0x97, 'J', 'B', '2'}) || len(data) > 0 {
		return nil, "", fmt.Errorf("not a PNG, JPEG, GIF, BMP or TIFF image")
	}
	return nil, "", fmt.Errorf("empty")
}

// imageObject draws an ImageObject: the image fills the unit square of
// its object space, which the CTM maps onto the page.
func (ps *pageState) imageObject(o *ofd.Element, m mat, clip *clipMask, alpha float64) {
	id := o.Attr["ResourceID"]
	mr, ok := ps.res.media[id]
	if !ok || mr.file == "" {
		ps.r.note("image resource %q is not in the resources: not drawn", id)
		return
	}
	dec, ok := ps.dc.images[mr.file]
	if !ok {
		data, err := ps.dc.pkg.Read(mr.file)
		if err != nil {
			dec.err = err
		} else {
			dec.img, dec.format, dec.err = ps.r.decodeImage(data)
		}
		ps.dc.images[mr.file] = dec
	}
	img, format, err := dec.img, dec.format, dec.err
	if err != nil {
		f := mr.format
		if format != "" {
			f = format
		}
		ps.r.note("image %s (format %q): %v: not drawn", "/"+mr.file, f, err)
		return
	}
	if o.Child("Border") != nil {
		ps.r.note("image borders are not drawn")
	}
	if o.Attr["ImageMask"] != "" {
		ps.r.note("image masks (ImageMask) are not applied")
	}
	b := img.Bounds()
	unit := scale(1/float64(b.Dx()), 1/float64(b.Dy()))
	ps.drawImage(img, translate(-float64(b.Min.X), -float64(b.Min.Y)).then(unit).then(m), clip, alpha)
}

// drawImage composites img onto the page through m (image pixels →
// device pixels), bilinearly, within the clip and the work budget.
func (ps *pageState) drawImage(img image.Image, m mat, clip *clipMask, alpha float64) {
	b := img.Bounds()
	corners := [][]pt{{m.apply(pt{float64(b.Min.X), float64(b.Min.Y)}), m.apply(pt{float64(b.Max.X), float64(b.Min.Y)}),
		m.apply(pt{float64(b.Max.X), float64(b.Max.Y)}), m.apply(pt{float64(b.Min.X), float64(b.Max.Y)})}}
	r := bounds(corners).Intersect(ps.cv.img.Rect)
	if clip != nil {
		r = r.Intersect(clip.r)
	}
	area := int64(r.Dx()) * int64(r.Dy())
	if area <= 0 {
		return
	}
	if area > ps.cv.work {
		ps.r.stop("the drawing work bound was reached")
		return
	}
	ps.cv.work -= area
	det := m.a*m.d - m.b*m.c
	if det == 0 {
		return
	}
	opts := &xdraw.Options{}
	if clip != nil || alpha < 255 {
		mask := image.NewAlpha(r)
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				v := uint32(255)
				if clip != nil {
					v = uint32(clip.at(x, y))
				}
				mask.Pix[(y-r.Min.Y)*mask.Stride+(x-r.Min.X)] = uint8(v * uint32(alpha) / 255)
			}
		}
		opts.DstMask = mask // in page coordinates: DstMaskP stays zero
	}
	s2d := f64.Aff3{m.a, m.c, m.e, m.b, m.d, m.f}
	dst := ps.cv.img.SubImage(r).(*image.RGBA)
	xdraw.ApproxBiLinear.Transform(dst, s2d, img, b, xdraw.Over, opts)
}

// ofdPicture renders the first page of an OFD carried as a seal picture,
// transparent, for drawing into the stamp's box.
func (ps *pageState) ofdPicture(data []byte) (*image.RGBA, error) {
	if ps.depth+1 > 1 {
		return nil, fmt.Errorf("seal pictures nested in seal pictures are not drawn")
	}
	// A seal's page is small; a hostile one claiming a huge page is drawn
	// within a tenth of the page's pixel bound.
	saved := ps.r.opts.MaxPixels
	ps.r.opts.MaxPixels = max(1, saved/10)
	defer func() { ps.r.opts.MaxPixels = saved }()
	res, err := ps.r.renderFile(data, 1, ps.depth+1)
	if err != nil {
		return nil, err
	}
	return res.Image, nil
}
