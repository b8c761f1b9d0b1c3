package render

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// mat is an affine transform as OFD writes a CTM, "a b c d e f":
// x' = a·x + c·y + e, y' = b·x + d·y + f.
type mat struct{ a, b, c, d, e, f float64 }

var identity = mat{1, 0, 0, 1, 0, 0}

func translate(x, y float64) mat { return mat{1, 0, 0, 1, x, y} }
func scale(sx, sy float64) mat   { return mat{sx, 0, 0, sy, 0, 0} }

// then returns the transform that applies m first, then n.
func (m mat) then(n mat) mat {
	return mat{
		a: m.a*n.a + m.b*n.c,
		b: m.a*n.b + m.b*n.d,
		c: m.c*n.a + m.d*n.c,
		d: m.c*n.b + m.d*n.d,
		e: m.e*n.a + m.f*n.c + n.e,
		f: m.e*n.b + m.f*n.d + n.f,
	}
}

func (m mat) apply(p pt) pt { return pt{m.a*p.x + m.c*p.y + m.e, m.b*p.x + m.d*p.y + m.f} }

// scaleFactor is the transform's mean linear scale, for line widths.
func (m mat) scaleFactor() float64 { return math.Sqrt(math.Abs(m.a*m.d - m.b*m.c)) }

type pt struct{ x, y float64 }

// maxCoord bounds any coordinate or size read from a file, in millimetres
// or object units: far beyond any paper, small enough that products stay
// finite.
const maxCoord = 1e7

// numbers parses space-separated numbers (OFD's ST_Array of ST_Double).
func numbers(s string, max int) ([]float64, error) {
	f := strings.Fields(s)
	if len(f) > max {
		return nil, fmt.Errorf("%d numbers, more than %d", len(f), max)
	}
	out := make([]float64, 0, len(f))
	for _, t := range f {
		v, err := number(t)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func number(t string) (float64, error) {
	v, err := strconv.ParseFloat(t, 64)
	if err != nil {
		return 0, fmt.Errorf("number %q", t)
	}
	if math.IsNaN(v) || math.Abs(v) > maxCoord {
		return 0, fmt.Errorf("number %q out of range", t)
	}
	return v, nil
}

// box is an ST_Box "x y w h".
type box struct{ x, y, w, h float64 }

func parseBox(s string) (box, error) {
	v, err := numbers(s, 4)
	if err != nil {
		return box{}, err
	}
	if len(v) != 4 {
		return box{}, fmt.Errorf("box %q has %d numbers, want 4", s, len(v))
	}
	return box{v[0], v[1], v[2], v[3]}, nil
}

func parseCTM(s string) (mat, error) {
	if strings.TrimSpace(s) == "" {
		return identity, nil
	}
	v, err := numbers(s, 6)
	if err != nil {
		return identity, err
	}
	if len(v) != 6 {
		return identity, fmt.Errorf("CTM %q has %d numbers, want 6", s, len(v))
	}
	return mat{v[0], v[1], v[2], v[3], v[4], v[5]}, nil
}

// Path data (AbbreviatedData, GB/T 33190 §9.3.2): a command letter
// followed by its numbers.
//
//	S x y          start a new subpath (same as M)
//	M x y          move to
//	L x y          line to
//	Q x1 y1 x y    quadratic Bézier
//	B x1 y1 x2 y2 x y   cubic Bézier
//	A rx ry angle large sweep x y   elliptical arc, as SVG's
//	C              close the subpath
//
// Arcs are turned into cubic Béziers here, so later stages know only
// M L Q B C.

// seg is one path command in object coordinates.
type seg struct {
	op  byte // 'M', 'L', 'Q', 'B', 'C'
	pts [3]pt
}

// MaxPathCommands bounds the commands of one path's data.
const MaxPathCommands = 1 << 18

var errPath = errors.New("path data")

// parsePath parses AbbreviatedData. It refuses unknown commands, missing
// or non-finite numbers, and more than MaxPathCommands commands.
func parsePath(s string) ([]seg, error) {
	tok := strings.Fields(s)
	var out []seg
	var cur, start pt
	have := false
	i := 0
	nums := func(n int) ([]float64, error) {
		if i+n > len(tok) {
			return nil, fmt.Errorf("%w: command %q needs %d numbers", errPath, tok[i-1], n)
		}
		v := make([]float64, n)
		for k := 0; k < n; k++ {
			f, err := number(tok[i+k])
			if err != nil {
				return nil, fmt.Errorf("%w: %w", errPath, err)
			}
			v[k] = f
		}
		i += n
		return v, nil
	}
	for i < len(tok) {
		if len(out) >= MaxPathCommands {
			return nil, fmt.Errorf("%w: more than %d commands", errPath, MaxPathCommands)
		}
		c := tok[i]
		i++
		if len(c) != 1 {
			return nil, fmt.Errorf("%w: unknown command %q", errPath, c)
		}
		switch c[0] {
		case 'S', 'M':
			v, err := nums(2)
			if err != nil {
				return nil, err
			}
			cur = pt{v[0], v[1]}
			start, have = cur, true
			out = append(out, seg{op: 'M', pts: [3]pt{cur}})
		case 'L':
			v, err := nums(2)
			if err != nil {
				return nil, err
			}
			if !have {
				start, have = cur, true
				out = append(out, seg{op: 'M', pts: [3]pt{cur}})
			}
			cur = pt{v[0], v[1]}
			out = append(out, seg{op: 'L', pts: [3]pt{cur}})
		case 'Q':
			v, err := nums(4)
			if err != nil {
				return nil, err
			}
			if !have {
				start, have = cur, true
				out = append(out, seg{op: 'M', pts: [3]pt{cur}})
			}
			cur = pt{v[2], v[3]}
			out = append(out, seg{op: 'Q', pts: [3]pt{{v[0], v[1]}, cur}})
		case 'B':
			v, err := nums(6)
			if err != nil {
				return nil, err
			}
			if !have {
				start, have = cur, true
				out = append(out, seg{op: 'M', pts: [3]pt{cur}})
			}
			cur = pt{v[4], v[5]}
			out = append(out, seg{op: 'B', pts: [3]pt{{v[0], v[1]}, {v[2], v[3]}, cur}})
		case 'A':
			v, err := nums(7)
			if err != nil {
				return nil, err
			}
			if !have {
				start, have = cur, true
				out = append(out, seg{op: 'M', pts: [3]pt{cur}})
			}
			end := pt{v[5], v[6]}
			out = append(out, arc(cur, v[0], v[1], v[2], v[3] != 0, v[4] != 0, end)...)
			cur = end
		case 'C':
			if have {
				out = append(out, seg{op: 'C'})
				cur = start
			}
			have = false
		default:
			return nil, fmt.Errorf("%w: unknown command %q", errPath, c)
		}
	}
	return out, nil
}

// arc converts an SVG-style elliptical arc from p0 to p1 into at most four
// cubic Béziers (the endpoint-to-centre conversion of SVG 1.1 F.6.5).
func arc(p0 pt, rx, ry, angleDeg float64, large, sweep bool, p1 pt) []seg {
	rx, ry = math.Abs(rx), math.Abs(ry)
	line := []seg{{op: 'L', pts: [3]pt{p1}}}
	// SVG treats a zero radius as a straight line; so are radii whose
	// squares underflow or overflow, which would divide by zero below.
	if sq := rx * rx * ry * ry; rx == 0 || ry == 0 || p0 == p1 || sq == 0 || math.IsInf(sq, 0) {
		return line
	}
	phi := angleDeg * math.Pi / 180
	cos, sin := math.Cos(phi), math.Sin(phi)
	dx, dy := (p0.x-p1.x)/2, (p0.y-p1.y)/2
	x1 := cos*dx + sin*dy
	y1 := -sin*dx + cos*dy
	if l := x1*x1/(rx*rx) + y1*y1/(ry*ry); l > 1 {
		s := math.Sqrt(l)
		rx, ry = rx*s, ry*s
	}
	num := rx*rx*ry*ry - rx*rx*y1*y1 - ry*ry*x1*x1
	den := rx*rx*y1*y1 + ry*ry*x1*x1
	co := 0.0
	if den > 0 && num > 0 {
		co = math.Sqrt(num / den)
	}
	if large == sweep {
		co = -co
	}
	cx1 := co * rx * y1 / ry
	cy1 := -co * ry * x1 / rx
	cx := cos*cx1 - sin*cy1 + (p0.x+p1.x)/2
	cy := sin*cx1 + cos*cy1 + (p0.y+p1.y)/2
	ang := func(ux, uy, vx, vy float64) float64 {
		return math.Atan2(ux*vy-uy*vx, ux*vx+uy*vy)
	}
	t1 := ang(1, 0, (x1-cx1)/rx, (y1-cy1)/ry)
	dt := ang((x1-cx1)/rx, (y1-cy1)/ry, (-x1-cx1)/rx, (-y1-cy1)/ry)
	if !sweep && dt > 0 {
		dt -= 2 * math.Pi
	} else if sweep && dt < 0 {
		dt += 2 * math.Pi
	}
	n := int(math.Ceil(math.Abs(dt) / (math.Pi / 2)))
	if n < 1 {
		n = 1
	}
	step := dt / float64(n)
	k := 4.0 / 3 * math.Tan(step/4)
	pointAt := func(t float64) (pt, pt) { // point and derivative direction
		ct, st := math.Cos(t), math.Sin(t)
		x := cx + rx*ct*cos - ry*st*sin
		y := cy + rx*ct*sin + ry*st*cos
		dx := -rx*st*cos - ry*ct*sin
		dy := -rx*st*sin + ry*ct*cos
		return pt{x, y}, pt{dx, dy}
	}
	out := make([]seg, 0, n)
	t := t1
	a, da := pointAt(t)
	for i := 0; i < n; i++ {
		b, db := pointAt(t + step)
		if i == n-1 {
			b = p1
		}
		out = append(out, seg{op: 'B', pts: [3]pt{{a.x + k*da.x, a.y + k*da.y}, {b.x - k*db.x, b.y - k*db.y}, b}})
		t += step
		a, da = b, db
	}
	for _, sg := range out {
		for _, q := range sg.pts {
			if math.IsNaN(q.x) || math.IsNaN(q.y) || math.IsInf(q.x, 0) || math.IsInf(q.y, 0) {
				return line // extreme radii or coordinates: draw the chord, never NaN
			}
		}
	}
	return out
}

// flatten turns path commands into polylines in device space: each
// subpath a list of points, and whether it was closed. Curves are split
// into line segments within about a quarter pixel; the total number of
// points is charged to *budget, and flattening stops (ok false) when it
// runs out.
func flatten(path []seg, m mat, budget *int) (polys [][]pt, closed []bool, ok bool) {
	var cur []pt
	var last pt
	flush := func(c bool) {
		if len(cur) > 1 {
			polys = append(polys, cur)
			closed = append(closed, c)
		}
		cur = nil
	}
	add := func(p pt) bool {
		if *budget <= 0 {
			return false
		}
		*budget--
		cur = append(cur, p)
		last = p
		return true
	}
	for _, s := range path {
		switch s.op {
		case 'M':
			flush(false)
			if !add(m.apply(s.pts[0])) {
				return polys, closed, false
			}
		case 'L':
			if len(cur) == 0 {
				cur = append(cur, last)
			}
			if !add(m.apply(s.pts[0])) {
				return polys, closed, false
			}
		case 'Q', 'B':
			if len(cur) == 0 {
				cur = append(cur, last)
			}
			p0 := last
			var c1, c2, p3 pt
			if s.op == 'Q' {
				q := m.apply(s.pts[0])
				p3 = m.apply(s.pts[1])
				c1 = pt{p0.x + 2.0/3*(q.x-p0.x), p0.y + 2.0/3*(q.y-p0.y)}
				c2 = pt{p3.x + 2.0/3*(q.x-p3.x), p3.y + 2.0/3*(q.y-p3.y)}
			} else {
				c1, c2, p3 = m.apply(s.pts[0]), m.apply(s.pts[1]), m.apply(s.pts[2])
			}
			d := math.Hypot(c1.x-p0.x, c1.y-p0.y) + math.Hypot(c2.x-c1.x, c2.y-c1.y) + math.Hypot(p3.x-c2.x, p3.y-c2.y)
			n := int(math.Ceil(math.Sqrt(d / 0.5)))
			if n < 1 {
				n = 1
			}
			if n > 64 {
				n = 64
			}
			for i := 1; i <= n; i++ {
				t := float64(i) / float64(n)
				u := 1 - t
				p := pt{
					u*u*u*p0.x + 3*u*u*t*c1.x + 3*u*t*t*c2.x + t*t*t*p3.x,
					u*u*u*p0.y + 3*u*u*t*c1.y + 3*u*t*t*c2.y + t*t*t*p3.y,
				}
				if !add(p) {
					return polys, closed, false
				}
			}
		case 'C':
			if len(cur) > 0 {
				first := cur[0]
				flush(true)
				last = first
			}
		}
	}
	flush(false)
	return polys, closed, true
}

// dash splits polylines by a dash pattern (device units, alternating on
// and off lengths) starting offset into the pattern.
func dash(polys [][]pt, closed []bool, pattern []float64, offset float64, budget *int) [][]pt {
	total := 0.0
	for _, v := range pattern {
		total += v
	}
	if total <= 0 {
		return polys
	}
	var out [][]pt
	for i, p := range polys {
		if closed[i] {
			p = append(append([]pt(nil), p...), p[0])
		}
		idx := 0
		left := pattern[0]
		on := true
		// Skip the offset.
		off := math.Mod(offset, total)
		if off < 0 {
			off += total
		}
		for off > 0 {
			if off < left {
				left -= off
				break
			}
			off -= left
			idx = (idx + 1) % len(pattern)
			left = pattern[idx]
			on = !on
		}
		var cur []pt
		if on {
			cur = []pt{p[0]}
		}
		for j := 1; j < len(p); j++ {
			a, b := p[j-1], p[j]
			l := math.Hypot(b.x-a.x, b.y-a.y)
			pos := 0.0
			for l-pos > left {
				pos += left
				q := pt{a.x + (b.x-a.x)*pos/l, a.y + (b.y-a.y)*pos/l}
				if *budget--; *budget <= 0 {
					return out
				}
				if on {
					cur = append(cur, q)
					out = append(out, cur)
					cur = nil
				} else {
					cur = []pt{q}
				}
				on = !on
				idx = (idx + 1) % len(pattern)
				left = pattern[idx]
			}
			left -= l - pos
			if on {
				cur = append(cur, b)
			}
		}
		if on && len(cur) > 1 {
			out = append(out, cur)
		}
	}
	return out
}
