package render

import (
	"math"
	"testing"
)

// FuzzParsePath: the AbbreviatedData parser never panics, accepts only
// finite bounded numbers, starts every subpath with M, and its output
// flattens within the budget given.
func FuzzParsePath(f *testing.F) {
	for _, s := range []string{
		"M 0 0 L 10 0 L 10 10 C",
		"S 1 2 Q 3 4 5 6 B 1 2 3 4 5 6 C",
		"M 10 30 A 20 20 0 1 1 50 30 A 20 20 0 1 1 10 30 C",
		"M 0 0.2 L 73 0.2 ",
		"A 0 0 0 0 0 0 0",
		"M 1e7 -1e7 L NaN 0",
		"L 1 1 L 2 2 C C C",
		"M 0 0 A 1 1 720 1 0 1e-300 1e-300",
		"B 1 2 3",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		segs, err := parsePath(s)
		if err != nil {
			return
		}
		if len(segs) > 4*MaxPathCommands+1 {
			t.Fatalf("%d segments", len(segs))
		}
		open := false
		for _, sg := range segs {
			switch sg.op {
			case 'M':
				open = true
			case 'L', 'Q', 'B':
				if !open {
					t.Fatalf("%c before M in %q", sg.op, s)
				}
			case 'C':
				open = false
			default:
				t.Fatalf("op %q", sg.op)
			}
			for _, p := range sg.pts {
				if math.IsNaN(p.x) || math.IsNaN(p.y) || math.IsInf(p.x, 0) || math.IsInf(p.y, 0) {
					t.Fatalf("non-finite point in %q", s)
				}
			}
		}
		budget := 1000
		polys, _, _ := flatten(segs, scale(3.78, 3.78), &budget)
		n := 0
		for _, p := range polys {
			n += len(p)
		}
		if n > 1000+len(polys) {
			t.Fatalf("%d points flattened within a budget of 1000", n)
		}
		b2 := 10000
		strokePolys(polys, make([]bool, len(polys)), 2, "Round", "Round", &b2)
	})
}
