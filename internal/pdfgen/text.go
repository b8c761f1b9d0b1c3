package pdfgen

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/pdfcpu/pdfcpu/pkg/font"
)

// Face selects the fonts a run of text is set in.
type Face struct {
	Res  string // page resource name of the Type 1 font for Latin runs, e.g. "F2"
	Base string // that font's base font: one of the 14 standard fonts, e.g. "Helvetica"
	Bold bool   // simulate bold in CJK runs by filling and stroking the outlines
}

// Color is an RGB colour, components 0 to 1.
type Color [3]float64

// Text sets text that mixes Latin and CJK characters into content streams,
// and measures and wraps it with the same widths. Printable ASCII goes in
// the Face's standard Type 1 font, everything else in the CJK Font under
// resource CJKRes; a character neither font has is drawn as '?'. Text
// records the CJK glyphs it draws, for [Writer.EmbedCJK]. A Text is not
// safe for concurrent use.
type Text struct {
	Font   *Font
	CJKRes string // page resource name of the embedded CJK font, e.g. "F1"
	// Latin1 sets Latin-1 letters and signs (U+00A0 to U+00FF) that the CJK
	// font lacks in the Latin font, which has them in WinAnsiEncoding,
	// instead of drawing '?'.
	Latin1 bool

	used map[uint16]rune
}

// Used maps each CJK glyph drawn so far to its character.
func (t *Text) Used() map[uint16]rune {
	if t.used == nil {
		t.used = map[uint16]rune{}
	}
	return t.used
}

// class says how r is drawn: the rune set in the Latin font (latin true),
// or the CJK glyph g.
func (t *Text) class(r rune) (_ rune, latin bool, g uint16) {
	if r == '\t' || r == '\n' {
		r = ' '
	}
	if isLatin(r) {
		return r, true, 0
	}
	if g = t.Font.Glyph(r); g != 0 {
		return r, false, g
	}
	if !t.Latin1 || r < 0xa0 || r > 0xff {
		r = '?'
	}
	return r, true, 0
}

// run is a piece of text set in one font.
type run struct {
	latin bool
	s     string
}

// runs splits s into Latin and CJK runs, replacing characters as class does.
func (t *Text) runs(s string) []run {
	var out []run
	for _, r := range s {
		r, latin, _ := t.class(r)
		if n := len(out); n > 0 && out[n-1].latin == latin {
			out[n-1].s += string(r)
			continue
		}
		out = append(out, run{latin, string(r)})
	}
	return out
}

// Width is the width of s set in face at size points, in points.
func (t *Text) Width(s string, face Face, size float64) float64 {
	// Summed run by run, Latin runs in integer font units, exactly as Draw
	// advances, so that measured and drawn positions agree to the bit.
	var w float64
	latin, inLatin := 0, false
	for _, r := range s {
		r, l, g := t.class(r)
		if l {
			latin += charWidth(face.Base, r)
			inLatin = true
			continue
		}
		if inLatin {
			w += float64(latin) * size / 1000
			latin, inLatin = 0, false
		}
		w += t.Font.Advance(g) * size / 1000
	}
	if inLatin {
		w += float64(latin) * size / 1000
	}
	return w
}

// Draw writes s to the content stream b with its baseline starting at
// (x, y), filled with col, and returns its width.
func (t *Text) Draw(b *bytes.Buffer, x, y float64, s string, face Face, size float64, col Color) float64 {
	x0 := x
	fmt.Fprintf(b, "%s %s %s rg\n", Num(col[0]), Num(col[1]), Num(col[2]))
	for _, rn := range t.runs(s) {
		if rn.latin {
			// Tr is graphics state, kept after ET: reset what a bold CJK run set.
			fmt.Fprintf(b, "BT 0 Tr /%s %s Tf 1 0 0 1 %s %s Tm (%s) Tj ET\n", face.Res, Num(size), Num(x), Num(y), Escape(winAnsi(rn.s)))
			x += latinWidth(rn.s, face.Base, size)
			continue
		}
		var hx strings.Builder
		var w float64
		used := t.Used()
		for _, r := range rn.s {
			g := t.Font.Glyph(r)
			used[g] = r
			fmt.Fprintf(&hx, "%04X", g)
			w += t.Font.Advance(g) * size / 1000
		}
		mode := "0 Tr "
		if face.Bold {
			mode = fmt.Sprintf("2 Tr %s w %s %s %s RG ", Num(size/30), Num(col[0]), Num(col[1]), Num(col[2]))
		}
		fmt.Fprintf(b, "BT %s/%s %s Tf 1 0 0 1 %s %s Tm <%s> Tj ET\n", mode, t.CJKRes, Num(size), Num(x), Num(y), hx.String())
		x += w
	}
	return x - x0
}

// Wrap breaks s into lines at most w wide: at newlines, at spaces between
// Latin words when a word fits on a line, otherwise between any two
// characters (CJK text has no spaces). An empty paragraph gives an empty
// line; spaces at a break are dropped.
func (t *Text) Wrap(s string, face Face, size, w float64) []string {
	var lines []string
	for _, para := range strings.Split(s, "\n") {
		if para == "" {
			lines = append(lines, "")
			continue
		}
		rs := []rune(para)
		for len(rs) > 0 {
			n, space, x := 0, -1, 0.0
			for ; n < len(rs); n++ {
				x += t.Width(string(rs[n]), face, size) // no kerning: widths add up
				if x > w {
					break
				}
				if rs[n] == ' ' {
					space = n
				}
			}
			if n == len(rs) {
				lines = append(lines, string(rs))
				break
			}
			cut := max(n, 1)
			if space > 0 && isWordRune(rs[n]) && isWordRune(rs[n-1]) {
				cut = space
			}
			lines = append(lines, strings.TrimRight(string(rs[:cut]), " "))
			rs = []rune(strings.TrimLeft(string(rs[cut:]), " "))
		}
	}
	return lines
}

func isLatin(r rune) bool { return r >= 0x20 && r < 0x7f }

// isWordRune: printable ASCII other than space.
func isWordRune(r rune) bool { return r > ' ' && r < 0x7f }

func charWidth(base string, r rune) int {
	cw, err := font.CharWidth(base, r)
	if err != nil {
		// Only fonts other than the 14 standard ones fail; 600 is
		// Courier's width and a fair average.
		return 600
	}
	return cw
}

func latinWidth(s, base string, size float64) float64 {
	total := 0
	for _, r := range s {
		total += charWidth(base, r)
	}
	return float64(total) * size / 1000
}

// winAnsi encodes the runes of a Latin run (ASCII and, with Text.Latin1,
// Latin-1, which WinAnsiEncoding shares) as bytes.
func winAnsi(s string) string {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		b = append(b, byte(r))
	}
	return string(b)
}
