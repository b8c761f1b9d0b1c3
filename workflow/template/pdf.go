package template

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/sealchain/sealchain/internal/pdfgen"
)

// Page geometry in points: A4 portrait.
const (
	pageW      = 595.28
	pageH      = 841.89
	marginX    = 64.0
	marginTop  = 72.0
	marginBot  = 72.0
	textW      = pageW - 2*marginX
	titleSize  = 18.0
	bodySize   = 11.0
	lineGap    = 1.65 // line height as a multiple of the size
	areaW      = 150.0
	areaH      = 120.0
	footerSize = 8.0
)

const resCJK = "F1"

var (
	regular = pdfgen.Face{Res: "F2", Base: "Helvetica"}
	bold    = pdfgen.Face{Res: "F3", Base: "Helvetica-Bold", Bold: true}
	black   = pdfgen.Color{0, 0, 0}
)

// writer lays text out over pages, each page a content stream.
type writer struct {
	t     *pdfgen.Text
	pages []*bytes.Buffer
	y     float64
}

func layout(title, body string, o renderOptions) (*Document, error) {
	var f *pdfgen.Font
	if o.font != nil {
		f = o.font.f
	} else {
		var err error
		if f, err = pdfgen.LoadFont(o.fontPath); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrFont, err)
		}
	}
	// Latin-1 letters (names such as "Zoë") print in Helvetica.
	w := &writer{t: &pdfgen.Text{Font: f, CJKRes: resCJK, Latin1: true}}
	w.newPage()
	for _, line := range w.t.Wrap(title, bold, titleSize, textW) {
		w.y -= titleSize * lineGap
		w.text((pageW-w.t.Width(line, bold, titleSize))/2, w.y, line, bold, titleSize)
	}
	w.y -= bodySize
	var areas []Area
	paras := strings.Split(body, "\n")
	for i, para := range paras {
		if m := signArea(para); m != "" {
			if w.y-areaH-bodySize < marginBot {
				w.newPage()
			}
			w.y -= areaH + 4
			x := marginX
			w.frame(x, w.y, areaW, areaH)
			// Rounded to 0.01 pt (the frame's own precision), so the API shows
			// 388.49, not 388.49000000000035.
			areas = append(areas, Area{Role: m, Page: len(w.pages), X: x, Y: math.Round(w.y*100) / 100, W: areaW, H: areaH})
			w.y -= bodySize
			continue
		}
		if strings.TrimSpace(para) == "" {
			w.y -= bodySize * 0.8
			continue
		}
		lines := w.t.Wrap(para, regular, bodySize, textW)
		// A paragraph right before a signing area is its caption: keep them
		// on one page.
		if i+1 < len(paras) && signArea(paras[i+1]) != "" &&
			w.y-float64(len(lines))*bodySize*lineGap-areaH-4-bodySize < marginBot {
			w.newPage()
		}
		for _, line := range lines {
			if w.y-bodySize*lineGap < marginBot {
				w.newPage()
			}
			w.y -= bodySize * lineGap
			w.text(marginX, w.y, line, regular, bodySize)
		}
	}
	for i, p := range w.pages {
		footer := fmt.Sprintf("第 %d 页 / 共 %d 页   Page %d of %d", i+1, len(w.pages), i+1, len(w.pages))
		w.t.Draw(p, (pageW-w.t.Width(footer, regular, footerSize))/2, marginBot/2, footer, regular, footerSize, black)
	}
	return &Document{PDF: w.finish(title, o.fast), Title: title, Areas: areas, Pages: len(w.pages)}, nil
}

// signArea returns the role of a signing-area line, "" for other lines.
func signArea(line string) string {
	m := placeholderRE.FindStringSubmatch(strings.TrimSpace(line))
	if m == nil || m[1] == "" || len(m[0]) != len(strings.TrimSpace(line)) {
		return ""
	}
	return m[2]
}

func (w *writer) newPage() {
	w.pages = append(w.pages, &bytes.Buffer{})
	w.y = pageH - marginTop
}

// text draws s in black with its baseline at (x, y) on the current page.
func (w *writer) text(x, y float64, s string, face pdfgen.Face, size float64) {
	w.t.Draw(w.pages[len(w.pages)-1], x, y, s, face, size, black)
}

// frame draws a signing area's thin grey border.
func (w *writer) frame(x, y, width, height float64) {
	fmt.Fprintf(w.pages[len(w.pages)-1], "q 0.6 0.6 0.6 RG 0.5 w [3 2] 0 d %s %s %s %s re S Q\n",
		pdfgen.Num(x), pdfgen.Num(y), pdfgen.Num(width), pdfgen.Num(height))
}

// finish writes the PDF: catalog, page tree, fonts, pages, info.
func (w *writer) finish(title string, fast bool) []byte {
	var o pdfgen.Writer
	if fast {
		o.Level = zlib.BestSpeed
	}
	catalog, pagesObj := o.Reserve(), o.Reserve()
	fonts := fmt.Sprintf("/%s %d 0 R", resCJK, o.EmbedCJK(w.t.Font, w.t.Used()))
	for _, face := range []pdfgen.Face{regular, bold} {
		fonts += fmt.Sprintf(" /%s %d 0 R", face.Res, o.Type1(face.Base))
	}
	var kids []string
	for _, p := range w.pages {
		content := o.Stream("", p.Bytes(), true)
		n := o.Add(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %s %s] /Resources << /Font << %s >> >> /Contents %d 0 R >>",
			pagesObj, pdfgen.Num(pageW), pdfgen.Num(pageH), fonts, content))
		kids = append(kids, fmt.Sprintf("%d 0 R", n))
	}
	o.Set(pagesObj, fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(kids)))
	o.Set(catalog, "<< /Type /Catalog /Pages "+strconv.Itoa(pagesObj)+" 0 R >>")
	info := o.Add("<< /Title " + pdfgen.TextString(title) + " /Producer (Sealchain workflow/template) >>")
	return o.Bytes(catalog, info)
}
