package report

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"image"
	"image/png"
	"slices"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/signer/ofd"
)

// PageRenderer draws page (from 1) of an OFD file as a PNG and names what
// it could not draw, one sentence each. signer/ofd/render's PNG is one
// (workflow.PageRendererFunc(render.PNG) satisfies this interface too); the
// package does not import the renderer itself, so that the WebAssembly
// verifier, which uses this package, does not carry it.
type PageRenderer interface {
	PNG(ctx context.Context, ofdFile []byte, page int, dpi float64) (png []byte, unsupported []string, err error)
}

// Bounds of the contract pages drawn into a report.
const (
	// MaxContractPages pages are drawn at most; the report says how many
	// more the file has.
	MaxContractPages = 8
	// contractPageDPI draws an A4 page at 496×702 px, shown 225 pt wide
	// (about 160 dpi on paper): text of contract size stays legible.
	contractPageDPI = 60
	// contractPagesTimeout bounds all the drawing.
	contractPagesTimeout = 30 * time.Second
	// thumbW is a drawn page's width on the report, in points (two a row).
	thumbW = 225.0
)

// contractPages is what the report shows of the contract file.
type contractPages struct {
	sm3    string
	format string // "ofd" or "pdf"
	total  int    // the file's pages
	pages  []contractPage
	// notDrawn: what the renderer left out, each with the pages it
	// concerns; why: a sentence when no page is drawn at all.
	notDrawn []string
	why      string
}

type contractPage struct {
	n    int // from 1
	name string
	img  *image.RGBA
}

// bundleDocHashes are the SM3 hashes (hex) of the contract files the
// bundle names: each contract's document and every signed revision.
func bundleDocHashes(b *evidence.Bundle) (map[string]bool, error) {
	recs, err := describeAll(b)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, d := range recs {
		switch body := d.tx.Body.(type) {
		case *chain.ContractCreated:
			out[hex.EncodeToString(body.DocSM3)] = true
		case *chain.ContractSigned:
			out[hex.EncodeToString(body.DocSM3)] = true
			if len(body.SignedDocSM3) > 0 {
				out[hex.EncodeToString(body.SignedDocSM3)] = true
			}
		}
	}
	return out, nil
}

// drawContractPages draws up to MaxContractPages pages of an OFD contract
// with r. The file must be one the bundle names (ErrOptions otherwise), so
// the pictures are of the evidence, not of any file. A PDF contract's pages
// are not drawn (the report says so): there is no PDF renderer in
// Sealchain's Go code.
func drawContractPages(ctx context.Context, b *evidence.Bundle, file []byte, r PageRenderer) (*contractPages, error) {
	known, err := bundleDocHashes(b)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	sum := sm3.Sum(file)
	cp := &contractPages{sm3: hex.EncodeToString(sum[:])}
	if !known[cp.sm3] {
		return nil, fmt.Errorf("%w: Contract (SM3 %s) is not a document the bundle names", ErrOptions, cp.sm3)
	}
	if bytes.HasPrefix(file, []byte("%PDF-")) {
		cp.format = "pdf"
		cp.why = "PDF 合同的页面未绘制：报告仅绘制 OFD 页面。The pages of a PDF contract are not drawn: the report draws OFD pages only."
		return cp, nil
	}
	cp.format = "ofd"
	p, err := ofd.Open(file)
	if err != nil {
		return nil, fmt.Errorf("%w: Contract is neither a PDF nor a readable OFD: %v", ErrOptions, err)
	}
	doc, err := p.ReadDocument()
	if err != nil {
		return nil, fmt.Errorf("%w: Contract: %v", ErrOptions, err)
	}
	cp.total = len(doc.Pages)
	if r == nil {
		cp.why = "OFD 页面未绘制：出具方未配置 OFD 渲染器。The OFD pages are not drawn: the issuer has no OFD renderer configured."
		return cp, nil
	}
	ctx, cancel := context.WithTimeout(ctx, contractPagesTimeout)
	defer cancel()
	where := map[string][]int{}
	for n := 1; n <= min(cp.total, MaxContractPages); n++ {
		pngData, unsupported, err := r.PNG(ctx, file, n, contractPageDPI)
		if err != nil {
			msg := fmt.Sprintf("页面无法绘制 page not drawn: %v", err)
			where[msg] = append(where[msg], n)
			continue
		}
		img, err := png.Decode(bytes.NewReader(pngData))
		if err != nil {
			return nil, fmt.Errorf("report: contract page %d: %w", n, err)
		}
		rgba := image.NewRGBA(img.Bounds())
		for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
			for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
				rgba.Set(x, y, img.At(x, y))
			}
		}
		cp.pages = append(cp.pages, contractPage{n: n, name: fmt.Sprintf("CP%d", n), img: rgba})
		for _, u := range unsupported {
			where[u] = append(where[u], n)
		}
	}
	for u, pages := range where {
		ps := make([]string, len(pages))
		for i, n := range pages {
			ps[i] = fmt.Sprint(n)
		}
		cp.notDrawn = append(cp.notDrawn, fmt.Sprintf("%s（第 %s 页 page %s）", u, strings.Join(ps, "、"), strings.Join(ps, ", ")))
	}
	slices.Sort(cp.notDrawn)
	return cp, nil
}

// rgbBytes are an image's pixels as 8-bit DeviceRGB, composited on white.
func rgbBytes(img *image.RGBA) []byte {
	b := img.Bounds()
	out := make([]byte, 0, 3*b.Dx()*b.Dy())
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			o := img.PixOffset(x, y)
			r, g, bl, a := int(img.Pix[o]), int(img.Pix[o+1]), int(img.Pix[o+2]), int(img.Pix[o+3])
			// Premultiplied: add white for the uncovered part.
			out = append(out, byte(r+255-a), byte(g+255-a), byte(bl+255-a))
		}
	}
	return out
}

// contractPagesBlock draws the contract's pages, two a row, each with its
// number and a frame, then what was not drawn. The text here is not among
// the printed facts: Verify does not re-derive it (it needs the file).
func (l *layout) contractPagesBlock(cp *contractPages) {
	c := l.c
	c.ensure(3 * lineH)
	c.y -= 4
	c.text(marginL, c.y-bodySize, "合同文件页面 Contract file pages", bold, bodySize+0.5, navy)
	c.y -= lineH + 1
	l.kv("所绘文件 SM3 File drawn (SM3)", cp.sm3, mono)
	if cp.why != "" {
		l.para(cp.why, regular, 8.2, gray)
		return
	}
	note := fmt.Sprintf("OFD 文件共 %d 页，以下绘出 %d 页（signer/ofd/render，%d dpi）；未能绘制的内容列于其后，不作近似绘制。The OFD file has %d pages; %d are drawn below; what could not be drawn is listed after them, never approximated.",
		cp.total, len(cp.pages), contractPageDPI, cp.total, len(cp.pages))
	if cp.total > len(cp.pages) {
		note += fmt.Sprintf(" 其余 %d 页未绘制 %d more pages not drawn.", cp.total-len(cp.pages), cp.total-len(cp.pages))
	}
	l.para(note, regular, 7.8, gray)
	gap := contentW - 2*thumbW
	for i := 0; i < len(cp.pages); i += 2 {
		row := cp.pages[i:min(i+2, len(cp.pages))]
		h := 0.0
		for _, p := range row {
			b := p.img.Bounds()
			h = max(h, thumbW*float64(b.Dy())/float64(b.Dx()))
		}
		c.ensure(h + lineH + 6)
		top := c.y - 2
		for j, p := range row {
			b := p.img.Bounds()
			ph := thumbW * float64(b.Dy()) / float64(b.Dx())
			x := marginL + float64(j)*(thumbW+gap)
			c.image(p.name, x, top-ph, thumbW, ph)
			frame := color{0.6, 0.6, 0.6}
			c.rect(x, top-ph, thumbW, ph, nil, &frame, 0.5)
			c.text(x, top-ph-bodySize-1, fmt.Sprintf("第 %d 页 Page %d", p.n, p.n), regular, 7.8, gray)
		}
		c.y = top - h - lineH - 4
	}
	if len(cp.notDrawn) > 0 {
		l.para("未绘制 Not drawn：", bold, 8.2, black)
		for _, u := range cp.notDrawn {
			l.para("- "+u, regular, 7.8, black)
		}
	}
}
