package node

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// fakeOFDPage stands in for signer/ofd/render's picture of an A4 page
// (96 dpi): grey lines of text and the signing area outlined.
func fakeOFDPage(t *testing.T) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 794, 1123))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	grey := color.NRGBA{0x88, 0x88, 0x88, 0xff}
	for y := 120; y < 700; y += 40 {
		for x := 90; x < 700-(y%120); x++ {
			for d := range 6 {
				img.Set(x, y+d, grey)
			}
		}
	}
	red := color.NRGBA{0xd0, 0x20, 0x20, 0xff}
	for i := range 160 { // the signing area, 160 px square at (96, 760)
		for _, p := range [][2]int{{96 + i, 760}, {96 + i, 919}, {96, 760 + i}, {255, 760 + i}} {
			img.Set(p[0], p[1], red)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestSignPageOFD opens an OFD contract's signing link: with page pictures
// the page shows the signing area's page drawn by the node and what it
// could not draw, and offers the file as .ofd; without (no renderer on the
// node) it says that the picture cannot be shown instead of a PDF viewer.
// Screenshots under sign-ofd.
func TestSignPageOFD(t *testing.T) {
	needChromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()
	f := newFakeSigner()
	f.page = fakeOFDPage(t)
	for tok, pics := range map[string]bool{"tok-ofd": true, "tok-ofd-nopic": false} {
		v := newFakeSigner().views["tok-a"]
		v["format"], v["page_pictures"] = "ofd", pics
		v["title"] = "买卖合同 OFD 2026-002"
		v["party"].(map[string]any)["area"] = map[string]any{"page": 2, "x": 60, "y": 90, "w": 110, "h": 110}
		f.views[tok] = v
	}
	base := serveSignPages(t, f)
	b := newBrowser(ctx, t, shotDir(t, "sign-ofd"), "zh-CN,zh")

	b.step("open an OFD link", chromedp.Navigate(base+"/sign/tok-ofd"), phaseIs("read"),
		chromedp.WaitVisible(chromedp.CSS(`#ofd-page`)))
	b.step("the page picture loads", chromedp.WaitVisible(chromedp.CSS(`#ofd-img[data-loaded="1"]`)))
	if w := eval[int](b, `document.getElementById("ofd-img").naturalWidth`); w != 794 {
		t.Errorf("picture %d px wide, want 794", w)
	}
	if cap := b.text("#ofd-caption"); !strings.Contains(cap, "第 2 页") || !strings.Contains(cap, "embedded font") {
		t.Errorf("caption %q", cap)
	}
	if eval[bool](b, `!document.getElementById("pdf-preview").hidden || !document.getElementById("ofd-note").hidden`) {
		t.Error("a PDF viewer or the no-picture note is shown for an OFD with pictures")
	}
	if dl := eval[string](b, `document.getElementById("doc-open").getAttribute("download") + " " + document.getElementById("doc-open").textContent`); dl != "wf-fake-1.ofd 下载合同 OFD" {
		t.Errorf("download link %q", dl)
	}
	b.shot("ofd-picture")

	b.step("an OFD link on a node without a renderer", chromedp.Navigate(base+"/sign/tok-ofd-nopic"), phaseIs("read"),
		chromedp.WaitVisible(chromedp.CSS(`#ofd-note`)))
	if note := b.text("#ofd-note"); !strings.Contains(note, "无法显示 OFD 页面图片") {
		t.Errorf("note %q", note)
	}
	if eval[bool](b, `!document.getElementById("ofd-page").hidden || !document.getElementById("pdf-note").hidden`) {
		t.Error("a picture or the PDF note is shown without page pictures")
	}
	b.shot("ofd-no-picture")
}
