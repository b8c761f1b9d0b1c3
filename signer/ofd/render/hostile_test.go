package render

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sealchain/sealchain/signer/ofd"
)

// TestHostile renders the worst pages we could build and checks that
// each stays within its bounds, fast, and says what it left out. The
// times are logged (docs/ofd.md records them).
func TestHostile(t *testing.T) {
	full := `<ofd:PathObject ID="4" Boundary="0 0 210 297" Fill="true"><ofd:AbbreviatedData>M 0 0 L 210 0 L 210 297 L 0 297 C</ofd:AbbreviatedData></ofd:PathObject>`
	tiny := `<ofd:PathObject ID="4" Boundary="10 10 1 1" Fill="true"><ofd:AbbreviatedData>M 0 0 L 1 0 L 1 1 C</ofd:AbbreviatedData></ofd:PathObject>`
	nested := strings.Repeat("<ofd:PageBlock>", 40) + tiny + strings.Repeat("</ofd:PageBlock>", 40)
	var bigPath strings.Builder
	bigPath.WriteString(`<ofd:PathObject ID="4" Boundary="0 0 210 297" Fill="true"><ofd:AbbreviatedData>M 0 0`)
	for i := 0; i < 140_000; i++ {
		fmt.Fprintf(&bigPath, " B %d 0 0 %d 200 297", i%210, i%297)
	}
	bigPath.WriteString(`</ofd:AbbreviatedData></ofd:PathObject>`)
	giant := `<ofd:TextObject ID="4" Boundary="0 0 210 297" Font="2" Size="5000"><ofd:TextCode X="0" Y="4000" DeltaX="g 100000000 1">` + strings.Repeat("合", 60000) + `</ofd:TextCode></ofd:TextObject>`
	// A PNG whose header claims 100000×100000 pixels.
	var hdr bytes.Buffer
	require.NoError(t, png.Encode(&hdr, image.NewGray(image.Rect(0, 0, 1, 1))))
	claim := hdr.Bytes()
	copy(claim[16:24], []byte{0, 1, 0x86, 0xA0, 0, 1, 0x86, 0xA0}) // IHDR width and height
	binary.BigEndian.PutUint32(claim[29:33], crc32.ChecksumIEEE(claim[12:29]))
	// A real 4000×4000 image (16 Mpx, a few kB) drawn 2000 times full page.
	var big bytes.Buffer
	require.NoError(t, png.Encode(&big, image.NewGray(image.Rect(0, 0, 4000, 4000))))
	resWith := func(file string) string {
		return `<?xml version="1.0" encoding="UTF-8"?><ofd:Res ` + ns + ` BaseLoc="Res"><ofd:Fonts><ofd:Font ID="2" FontName="宋体"/></ofd:Fonts>` +
			`<ofd:MultiMedias><ofd:MultiMedia ID="5" Type="Image"><ofd:MediaFile>` + file + `</ofd:MediaFile></ofd:MultiMedia></ofd:MultiMedias></ofd:Res>`
	}
	img := `<ofd:ImageObject ID="6" Boundary="0 0 210 297" CTM="210 0 0 297 0 0" ResourceID="5"/>`
	cases := []struct {
		name  string
		box   string
		layer string
		extra map[string]string
		want  string
	}{
		{"huge page", "0 0 1000000 1000000", tiny, nil, "to stay within 40000000 pixels"},
		{"25k full-page paths", "0 0 210 297", strings.Repeat(full, 25_000), nil, "drawing work bound"},
		{"28k tiny paths", "0 0 210 297", strings.Repeat(tiny, 28_000), nil, ""},
		{"10k templates of 10k paths", "0 0 210 297", "", map[string]string{
			"Doc_0/Document.xml":             strings.Replace(onePageDocument("0 0 210 297"), "<ofd:PageArea>", `<ofd:TemplatePage ID="7" BaseLoc="Tpl.xml"/><ofd:PageArea>`, 1),
			"Doc_0/Tpl.xml":                  `<?xml version="1.0" encoding="UTF-8"?><ofd:Page ` + ns + `><ofd:Content><ofd:Layer ID="8">` + strings.Repeat(tiny, 10_000) + `</ofd:Layer></ofd:Content></ofd:Page>`,
			"Doc_0/Pages/Page_0/Content.xml": `<?xml version="1.0" encoding="UTF-8"?><ofd:Page ` + ns + `>` + strings.Repeat(`<ofd:Template TemplateID="7"/>`, 10_000) + `<ofd:Content/></ofd:Page>`,
		}, "drawing stopped"},
		{"deep page blocks", "0 0 210 297", nested, nil, "nested deeper than 8"},
		{"path of 140k curves", "0 0 210 297", bigPath.String(), nil, "too many segments"},
		{"60k giant glyphs", "0 0 210 297", giant, nil, "too long"},
		{"image claiming 10 Gpx", "0 0 210 297", img, map[string]string{"Doc_0/PublicRes.xml": resWith("a.png"), "Doc_0/Res/a.png": string(claim)}, "10000000000 pixels"},
		{"page too large to parse", "0 0 210 297", strings.Repeat(full, 30_000), nil, "error"},
		{"16 Mpx image drawn 2000 times", "0 0 210 297", strings.Repeat(img, 2000), map[string]string{"Doc_0/PublicRes.xml": resWith("a.png"), "Doc_0/Res/a.png": big.String()}, "drawing work bound"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data := onePage(t, c.box, c.layer, c.extra)
			start := time.Now()
			res, err := Render(context.Background(), data, 1, Options{})
			el := time.Since(start)
			if c.want == "error" {
				require.ErrorIs(t, err, ofd.ErrTooLarge)
				t.Logf("%s: %d bytes of OFD, %v: %v", c.name, len(data), el.Round(time.Millisecond), err)
				return
			}
			require.NoError(t, err)
			px := res.Image.Rect.Dx() * res.Image.Rect.Dy()
			require.LessOrEqual(t, px, DefaultMaxPixels)
			t.Logf("%s: %d bytes of OFD, %v, %d×%d px, unsupported %q", c.name, len(data), el.Round(time.Millisecond), res.Image.Rect.Dx(), res.Image.Rect.Dy(), res.Unsupported)
			require.Less(t, el, 30*time.Second) // wall time on a shared machine; see the log
			if c.want != "" {
				require.Contains(t, fmt.Sprint(res.Unsupported), c.want)
			}
		})
	}
}

// TestTimeout: a cancelled context stops drawing and returns its error.
func TestTimeout(t *testing.T) {
	full := `<ofd:PathObject ID="4" Boundary="0 0 210 297" Fill="true"><ofd:AbbreviatedData>M 0 0 L 210 0 L 210 297 L 0 297 C</ofd:AbbreviatedData></ofd:PathObject>`
	data := onePage(t, "0 0 210 297", strings.Repeat(full, 2000), nil)
	start := time.Now()
	_, err := Render(context.Background(), data, 1, Options{Timeout: time.Millisecond, DPI: 300})
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Less(t, time.Since(start), 5*time.Second)
}
