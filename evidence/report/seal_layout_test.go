package report

import (
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// box is a rectangle in PDF points, origin top left (pdftotext -bbox's
// coordinates).
type box struct{ x0, y0, x1, y1 float64 }

func (a box) overlaps(b box) bool { return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1 }

var bboxWord = regexp.MustCompile(`<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>`)

// pageWords is pdftotext -bbox's words, per page.
func pageWords(t *testing.T, pdf string) [][]struct {
	b    box
	text string
} {
	t.Helper()
	out, err := exec.Command("pdftotext", "-bbox", "-enc", "UTF-8", pdf, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext -bbox: %v", err)
	}
	type word = struct {
		b    box
		text string
	}
	var pages [][]word
	for _, pg := range strings.Split(string(out), "<page ")[1:] {
		var ws []word
		for _, m := range bboxWord.FindAllStringSubmatch(pg, -1) {
			f := func(i int) float64 { v, _ := strconv.ParseFloat(m[i], 64); return v }
			ws = append(ws, word{box{f(1), f(2), f(3), f(4)}, m[5]})
		}
		pages = append(pages, ws)
	}
	return pages
}

// redBox is the bounding box, in points, of the seal's red pixels on a
// page rendered at dpi, and how many there are.
func redBox(img image.Image, dpi float64) (box, int) {
	b := img.Bounds()
	n := 0
	rb := box{1e9, 1e9, -1, -1}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r>>8 > 150 && g>>8 < 110 && bl>>8 < 110 {
				n++
				rb.x0, rb.y0 = min(rb.x0, float64(x)), min(rb.y0, float64(y))
				rb.x1, rb.y1 = max(rb.x1, float64(x+1)), max(rb.y1, float64(y+1))
			}
		}
	}
	s := 72 / dpi
	return box{rb.x0 * s, rb.y0 * s, rb.x1 * s, rb.y1 * s}, n
}

// TestSealCoversNoText renders the signed report with poppler, finds the
// seal by its red pixels and the "Issuer (seal)" label (and every other
// word on that page) with pdftotext -bbox, and requires that the seal
// covers none of them, for a short and a long issuer name.
func TestSealCoversNoText(t *testing.T) {
	for _, tool := range []string{"pdftoppm", "pdftotext"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("CI needs %s (poppler-utils): %v", tool, err)
			}
			t.Skipf("%s not installed", tool)
		}
	}
	for i, issuer := range []string{"北京市某某公证处", "北京市某某区某某街道某某某某某某某某某某有限责任公司电子合同存证服务中心"} {
		t.Run(issuer, func(t *testing.T) {
			f := newFixture(t)
			opts := f.options()
			opts.IssuerOrg.Name = issuer
			out, err := Make(f.bundle, f.res, opts)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			if keep := os.Getenv("SEALCHAIN_KEEP_RENDER"); keep != "" { // to look at
				dir = filepath.Join(keep, strconv.Itoa(i))
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			checkSealCoversNoText(t, out, dir)
		})
	}
}

// checkSealCoversNoText renders the signed PDF out in dir, finds the seal
// by its red pixels and the "(seal)" label and every word of its page with
// pdftotext -bbox, and fails if the seal covers any of them.
func checkSealCoversNoText(t *testing.T, out []byte, dir string) {
	t.Helper()
	const dpi = 100.0
	in := filepath.Join(dir, "report.pdf")
	if err := os.WriteFile(in, out, 0o644); err != nil {
		t.Fatal(err)
	}
	pages := pageWords(t, in)
	page := -1
	var label box
	for i, ws := range pages {
		for j, w := range ws {
			if strings.Contains(w.text, "(seal)") {
				// The label is every word of its line up to "(seal)：".
				page, label = i, w.b
				for k := j - 1; k >= 0 && ws[k].b.y0 < w.b.y1 && w.b.y0 < ws[k].b.y1; k-- {
					label.x0 = min(label.x0, ws[k].b.x0)
				}
			}
		}
	}
	if page < 0 {
		t.Fatal(`no "Issuer (seal)" label in the report text`)
	}
	prefix := filepath.Join(dir, "seal-page")
	pn := strconv.Itoa(page + 1)
	if msg, err := exec.Command("pdftoppm", "-png", "-r", strconv.Itoa(int(dpi)), "-f", pn, "-l", pn, "-singlefile", in, prefix).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v: %s", err, msg)
	}
	seal, n := redBox(readPNG(t, prefix+".png"), dpi)
	// A 100 pt seal at 100 dpi is about 139 px across; its ring and
	// text are thousands of red pixels.
	if n < 1000 || seal.x1-seal.x0 < 80 || seal.y1-seal.y0 < 80 {
		t.Fatalf("no seal on page %d: %d red pixels in %+v", page+1, n, seal)
	}
	if seal.overlaps(label) {
		t.Errorf("the seal %+v covers the label %+v", seal, label)
	}
	for _, w := range pages[page] {
		if seal.overlaps(w.b) {
			t.Errorf("the seal %+v covers %q at %+v", seal, w.text, w.b)
		}
	}
	t.Logf("page %d: seal %+v, label %+v (%d red pixels)", page+1, seal, label, n)
}

// needPoppler skips (fails on CI) without pdftoppm and pdftotext.
func needPoppler(t *testing.T) {
	for _, tool := range []string{"pdftoppm", "pdftotext"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("CI needs %s (poppler-utils): %v", tool, err)
			}
			t.Skipf("%s not installed", tool)
		}
	}
}
