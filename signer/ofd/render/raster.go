package render

import (
	"image"
	"image/color"
	"image/draw"
	"math"

	"golang.org/x/image/vector"
)

// canvas is the page being drawn: an RGBA image and a rasteriser reused
// for every shape. Each shape is rasterised over its own bounding box
// (clipped to the page and to the clip mask), so the cost of a shape is
// its area in pixels; the areas are charged to work, the page's budget.
type canvas struct {
	img  *image.RGBA
	z    vector.Rasterizer
	work int64 // pixels left to rasterise
	// scratch mask for shapes drawn through a clip
	mask *image.Alpha
}

// clipMask is the coverage of an object's clip areas over r, in device
// pixels; nil means no clip.
type clipMask struct {
	r     image.Rectangle
	alpha []uint8 // r.Dx()·r.Dy(), row-major
}

func (cm *clipMask) at(x, y int) uint8 {
	if !image.Pt(x, y).In(cm.r) {
		return 0
	}
	return cm.alpha[(y-cm.r.Min.Y)*cm.r.Dx()+(x-cm.r.Min.X)]
}

// bounds returns the device rectangle covering polys.
func bounds(polys [][]pt) image.Rectangle {
	minX, minY := math.Inf(1), math.Inf(1)
	maxX, maxY := math.Inf(-1), math.Inf(-1)
	for _, p := range polys {
		for _, q := range p {
			minX, maxX = math.Min(minX, q.x), math.Max(maxX, q.x)
			minY, maxY = math.Min(minY, q.y), math.Max(maxY, q.y)
		}
	}
	if minX > maxX {
		return image.Rectangle{}
	}
	// Clamp before converting: coordinates are bounded but may be far
	// outside the page.
	c := func(v float64) int { return int(math.Max(-1<<30, math.Min(1<<30, v))) }
	return image.Rect(c(math.Floor(minX)), c(math.Floor(minY)), c(math.Ceil(maxX))+1, c(math.Ceil(maxY))+1)
}

// coverage rasterises polys (non-zero winding) over r into the scratch
// mask and returns it, or nil when r is empty or the work budget is spent.
func (c *canvas) coverage(polys [][]pt, r image.Rectangle) *image.Alpha {
	area := int64(r.Dx()) * int64(r.Dy())
	if area <= 0 || area > c.work {
		return nil
	}
	c.work -= area
	c.z.Reset(r.Dx(), r.Dy())
	ox, oy := float64(r.Min.X), float64(r.Min.Y)
	for _, p := range polys {
		if len(p) < 3 {
			continue
		}
		c.z.MoveTo(float32(p[0].x-ox), float32(p[0].y-oy))
		for _, q := range p[1:] {
			c.z.LineTo(float32(q.x-ox), float32(q.y-oy))
		}
		c.z.ClosePath()
	}
	if c.mask == nil || c.mask.Rect.Dx()*c.mask.Rect.Dy() < r.Dx()*r.Dy() {
		c.mask = image.NewAlpha(image.Rect(0, 0, r.Dx(), r.Dy()))
	}
	m := &image.Alpha{Pix: c.mask.Pix[:r.Dx()*r.Dy()], Stride: r.Dx(), Rect: image.Rect(0, 0, r.Dx(), r.Dy())}
	clear(m.Pix)
	c.z.DrawOp = draw.Src
	c.z.Draw(m, m.Bounds(), image.Opaque, image.Point{})
	return m
}

// fill paints polys in col, through clip when it is not nil. It reports
// false when the work budget ran out.
func (c *canvas) fill(polys [][]pt, col color.RGBA, clip *clipMask) bool {
	r := bounds(polys).Intersect(c.img.Rect)
	if clip != nil {
		r = r.Intersect(clip.r)
	}
	if r.Empty() || col.A == 0 {
		return true
	}
	m := c.coverage(polys, r)
	if m == nil {
		return false
	}
	if clip != nil {
		for y := 0; y < r.Dy(); y++ {
			row := m.Pix[y*m.Stride : y*m.Stride+r.Dx()]
			for x := range row {
				if row[x] != 0 {
					row[x] = uint8(uint32(row[x]) * uint32(clip.at(r.Min.X+x, r.Min.Y+y)) / 255)
				}
			}
		}
	}
	draw.DrawMask(c.img, r, image.NewUniform(col), image.Point{}, m, image.Point{}, draw.Over)
	return true
}

// stroke outlines polylines of width w (device pixels) with the cap and
// join of a draw parameter, as filled polygons: a quadrilateral per
// segment, a round polygon at joins (and at round caps), all wound the
// same way so that overlaps add up instead of cancelling.
func strokePolys(polys [][]pt, closed []bool, w float64, capStyle, join string, budget *int) [][]pt {
	hw := w / 2
	var out [][]pt
	disc := func(p pt) {
		n := int(math.Ceil(hw * 2))
		if n < 8 {
			n = 8
		}
		if n > 32 {
			n = 32
		}
		d := make([]pt, n)
		for i := range d {
			a := -2 * math.Pi * float64(i) / float64(n) // same winding as the quadrilaterals
			d[i] = pt{p.x + hw*math.Cos(a), p.y + hw*math.Sin(a)}
		}
		out = append(out, d)
		*budget -= n
	}
	for i, p := range polys {
		if *budget <= 0 {
			break
		}
		pts := p
		if closed[i] {
			pts = append(append([]pt(nil), p...), p[0])
		}
		for j := 1; j < len(pts); j++ {
			a, b := pts[j-1], pts[j]
			dx, dy := b.x-a.x, b.y-a.y
			l := math.Hypot(dx, dy)
			if l == 0 {
				continue
			}
			ux, uy := dx/l, dy/l
			if capStyle == "Square" && !closed[i] {
				if j == 1 {
					a = pt{a.x - ux*hw, a.y - uy*hw}
				}
				if j == len(pts)-1 {
					b = pt{b.x + ux*hw, b.y + uy*hw}
				}
			}
			nx, ny := -uy*hw, ux*hw
			// Counter-clockwise in device space (y down) whatever the
			// segment direction: the normal is on the left.
			out = append(out, []pt{{a.x + nx, a.y + ny}, {b.x + nx, b.y + ny}, {b.x - nx, b.y - ny}, {a.x - nx, a.y - ny}})
			*budget -= 4
		}
		if hw >= 0.75 {
			// Joins: round for every join style, which differs from a
			// miter or bevel only inside the corner's width.
			for j := 1; j < len(pts)-1; j++ {
				disc(pts[j])
			}
			if closed[i] {
				disc(pts[0])
			} else if capStyle == "Round" {
				disc(pts[0])
				disc(pts[len(pts)-1])
			}
		}
	}
	return out
}
