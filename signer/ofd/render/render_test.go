package render

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sealchain/sealchain/signer/ofd"
)

var update = flag.Bool("update", false, "rewrite the reference PNGs in testdata")

// TestOwnContract renders a contract made and signed twice by
// signer/ofd: the text lines are where NewText put them, the two seals
// where Sign placed them, page 2 has text and no seal, and only the
// unembedded 宋体 is listed.
func TestOwnContract(t *testing.T) {
	data := ownContract(t)
	res, err := Render(context.Background(), data, 1, Options{DPI: 96})
	require.NoError(t, err)
	require.Equal(t, image.Rect(0, 0, 794, 1123), res.Image.Rect)
	require.Equal(t, []string{"font 宋体 (ID 1) is not embedded: drawn with the fallback fonts"}, res.Unsupported)

	// NewText: line j at y = 20 + 7j mm, from x = 20 mm, 4.2333 mm
	// characters; lines 0, 2..5 have text, line 1 is empty.
	for j, n := range []int{4, 0, 11, 11, 15, 23} {
		dark, _, total := regionStats(res.Image, 96, 20, 20+7*float64(j), 4.2333*float64(max(n, 4)), 7)
		if n == 0 {
			require.Zero(t, dark, "line %d is empty", j)
			continue
		}
		require.Greater(t, dark, total/50, "line %d has ink", j)
		// Nothing right of the line's end.
		dark, _, _ = regionStats(res.Image, 96, 22+4.2333*float64(n), 20+7*float64(j), 190-4.2333*float64(n)-22, 7)
		require.Zero(t, dark, "line %d ends where its text ends", j)
	}
	// Seals: 40×40 mm at (20, 200) and (110, 200); red ink inside, none
	// between them or below.
	for _, x := range []float64{20, 110} {
		_, red, total := regionStats(res.Image, 96, x, 200, 40, 40)
		require.Greater(t, red, total/20, "seal at x=%v", x)
	}
	_, red, _ := regionStats(res.Image, 96, 62, 200, 46, 40)
	require.Zero(t, red, "no ink between the seals")
	_, red, _ = regionStats(res.Image, 96, 0, 242, 210, 55)
	require.Zero(t, red, "no ink below the seals")
	compareReference(t, "own-contract-p1.png", res.Image)

	res2, err := Render(context.Background(), data, 2, Options{DPI: 96})
	require.NoError(t, err)
	dark, _, total := regionStats(res2.Image, 96, 20, 20, 60, 7)
	require.Greater(t, dark, total/50)
	_, red, _ = regionStats(res2.Image, 96, 0, 0, 210, 297)
	require.Zero(t, red, "the seals are on page 1 only")

	_, err = Render(context.Background(), data, 3, Options{})
	require.ErrorIs(t, err, ErrPage)
	_, err = Render(context.Background(), data, 0, Options{})
	require.ErrorIs(t, err, ErrPage)
}

// compareReference checks img against a committed reference PNG: the
// same size and fewer than 1% of pixels differing clearly (a change of
// rasteriser rounding passes; a moved line or seal does not). -update
// rewrites it.
func compareReference(t *testing.T, name string, img *image.RGBA) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		var buf bytes.Buffer
		require.NoError(t, png.Encode(&buf, img))
		require.NoError(t, os.WriteFile(p, buf.Bytes(), 0o644))
		return
	}
	b, err := os.ReadFile(p)
	require.NoError(t, err, "run go test -run %s -update", t.Name())
	ref, err := png.Decode(bytes.NewReader(b))
	require.NoError(t, err)
	require.Equal(t, ref.Bounds(), img.Bounds())
	diff := 0
	for y := 0; y < img.Rect.Dy(); y++ {
		for x := 0; x < img.Rect.Dx(); x++ {
			r1, g1, b1, _ := ref.At(x, y).RGBA()
			c := img.RGBAAt(x, y)
			d := abs(int(r1>>8)-int(c.R)) + abs(int(g1>>8)-int(c.G)) + abs(int(b1>>8)-int(c.B))
			if d > 96 {
				diff++
			}
		}
	}
	require.Less(t, diff, img.Rect.Dx()*img.Rect.Dy()/100, "%s: %d pixels differ", name, diff)
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// TestCorpus renders every page of every file in signer/ofd/testdata
// (made by other software): each page is drawn, has ink, has the size of
// its physical box, and lists exactly the expected kinds of omissions.
func TestCorpus(t *testing.T) {
	// want: substrings of Unsupported entries on page 1 (besides fonts
	// that are not embedded), and whether page 1 shows red seal ink.
	cases := []struct {
		file   string
		pages  int
		wmm    float64
		hmm    float64
		want   []string
		sealed bool
	}{
		{"converter-1.ofd", 1, 210, 140, []string{"image_78.jb2"}, true},
		{"converter-999.ofd", 5, 210, 140, []string{`draw parameter "4"`}, true},
		{"converter-SignScaleError.ofd", 1, 210, 140, []string{"U+24E7"}, true},
		{"converter-V4RideRight.ofd", 5, 210, 297, []string{"PublicRes.xml"}, true},
		{"converter-draw_param_ref.ofd", 5, 210, 140, nil, true},
		{"converter-h.ofd", 5, 210, 297, []string{"PublicRes.xml"}, true},
		{"converter-n.ofd", 2, 210, 297, []string{"bold or italic"}, true},
		{"reader-SESV4SignDoc.ofd", 1, 210, 297, nil, true},
		{"reader-keyword.ofd", 1, 283, 196, []string{"Annotations.xml", "bold or italic", "embedded font 宋体 (ID 7) is not readable"}, true},
		{"sign-DigitalSign.ofd", 1, 210, 297, nil, false},
		{"sign-allprotected.ofd", 1, 210, 297, nil, true},
		{"sign-signedFile.ofd", 1, 210, 140, []string{"image_80.jb2"}, true},
		{"sign-v4signed.ofd", 1, 210, 140, []string{`draw parameter "4"`}, true},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			data := readCorpus(t, c.file)
			for p := 1; p <= c.pages; p++ {
				start := time.Now()
				res, err := Render(context.Background(), data, p, Options{DPI: 72})
				require.NoError(t, err)
				require.Less(t, time.Since(start), 10*time.Second)
				dark, red, _ := regionStats(res.Image, 72, 0, 0, res.WidthMM, res.HeightMM)
				require.Positive(t, dark+red, "page %d has ink", p)
				if p > 1 {
					continue
				}
				require.InDelta(t, c.wmm*72/25.4, float64(res.Image.Rect.Dx()), 1)
				require.InDelta(t, c.hmm*72/25.4, float64(res.Image.Rect.Dy()), 1)
				var rest []string
				for _, u := range res.Unsupported {
					if strings.Contains(u, "is not embedded: drawn with the fallback fonts") {
						continue
					}
					rest = append(rest, u)
				}
				for _, w := range c.want {
					found := false
					for i, u := range rest {
						if strings.Contains(u, w) {
							found = true
							rest = append(rest[:i], rest[i+1:]...)
							break
						}
					}
					require.True(t, found, "%q listed in %q", w, res.Unsupported)
				}
				require.Empty(t, rest, "nothing else is listed")
				if c.sealed {
					require.Positive(t, red, "page 1 shows a seal")
				}
			}
		})
	}
}

// TestCorpusSeals checks seals where other software placed them: the
// riding seal (骑缝章) of converter-h.ofd shows one 8 mm slice at the
// right edge of each page, and the tax seal of converter-1.ofd is an OFD
// picture drawn by this package.
func TestCorpusSeals(t *testing.T) {
	data := readCorpus(t, "converter-h.ofd")
	res, err := Render(context.Background(), data, 1, Options{DPI: 96})
	require.NoError(t, err)
	// StampAnnot Boundary "202 128.5 40 40" Clip "0 0 8 40".
	_, red, total := regionStats(res.Image, 96, 202.5, 129, 7, 39)
	require.Greater(t, red, total/20, "slice of the riding seal")
	_, red, _ = regionStats(res.Image, 96, 150, 120, 50, 60)
	require.Zero(t, red, "nothing of the riding seal left of its clip")
	compareReference(t, "converter-h-p1.png", res.Image)

	data = readCorpus(t, "converter-1.ofd")
	res, err = Render(context.Background(), data, 1, Options{DPI: 96})
	require.NoError(t, err)
	// Annotation.xml's stamp: the GOMAIN tax seal (an "ofd" picture)
	// near the title.
	_, red, total = regionStats(res.Image, 96, 88, 8, 34, 22)
	require.Greater(t, red, total/50, "tax seal")
	compareReference(t, "converter-1-p1.png", res.Image)
}

func TestPNG(t *testing.T) {
	data := readCorpus(t, "reader-keyword.ofd")
	b, unsup, err := PNG(context.Background(), data, 1, 50)
	require.NoError(t, err)
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	require.NoError(t, err)
	require.Equal(t, 557, cfg.Width) // 283 mm at 50 dpi
	require.NotEmpty(t, unsup)
	_, _, err = PNG(context.Background(), data, 1, 5000)
	require.ErrorIs(t, err, ErrOptions)
	_, _, err = PNG(context.Background(), []byte("not a zip"), 1, 96)
	require.ErrorIs(t, err, ofd.ErrFormat)
}

// TestDrawing checks drawing primitives on built pages: path commands,
// colours, CTM, clips, images, templates, and what is listed.
func TestDrawing(t *testing.T) {
	red := `<ofd:FillColor Value="255 0 0"/>`
	pngData := func(w, h int) string {
		img := image.NewRGBA(image.Rect(0, 0, w, h))
		for i := range img.Pix {
			img.Pix[i] = 0xFF
			if i%4 == 1 || i%4 == 2 {
				img.Pix[i] = 0
			}
		}
		var buf bytes.Buffer
		require.NoError(t, png.Encode(&buf, img))
		return buf.String()
	}
	res := func(media string) string {
		return `<?xml version="1.0" encoding="UTF-8"?><ofd:Res ` + ns + ` BaseLoc="Res"><ofd:Fonts><ofd:Font ID="2" FontName="宋体"/></ofd:Fonts>` +
			`<ofd:MultiMedias><ofd:MultiMedia ID="5" Type="Image"><ofd:MediaFile>` + media + `</ofd:MediaFile></ofd:MultiMedia></ofd:MultiMedias></ofd:Res>`
	}
	cases := []struct {
		name   string
		layer  string
		extra  map[string]string
		redIn  [4]float64 // a region (mm) that must be mostly red
		emptyR [4]float64 // a region that must have no red
		want   string     // a substring of Unsupported, or ""
	}{
		{"filled rectangle", `<ofd:PathObject ID="4" Boundary="10 10 20 20" Fill="true" Stroke="false">` + red + `<ofd:AbbreviatedData>M 0 0 L 20 0 L 20 20 L 0 20 C</ofd:AbbreviatedData></ofd:PathObject>`,
			nil, [4]float64{11, 11, 18, 18}, [4]float64{32, 0, 60, 60}, ""},
		{"S starts a subpath", `<ofd:PathObject ID="4" Boundary="10 10 20 20" Fill="true" Stroke="false">` + red + `<ofd:AbbreviatedData>S 0 0 L 20 0 L 20 20 L 0 20 C</ofd:AbbreviatedData></ofd:PathObject>`,
			nil, [4]float64{11, 11, 18, 18}, [4]float64{32, 0, 60, 60}, ""},
		{"CTM doubles", `<ofd:PathObject ID="4" Boundary="10 10 40 40" CTM="2 0 0 2 0 0" Fill="true" Stroke="false">` + red + `<ofd:AbbreviatedData>M 0 0 L 20 0 L 20 20 L 0 20 C</ofd:AbbreviatedData></ofd:PathObject>`,
			nil, [4]float64{11, 11, 38, 38}, [4]float64{52, 0, 60, 60}, ""},
		{"quadratic and cubic", `<ofd:PathObject ID="4" Boundary="0 0 60 60" Fill="true" Stroke="false">` + red + `<ofd:AbbreviatedData>M 10 10 Q 30 10 50 10 B 50 30 50 30 50 50 L 10 50 C</ofd:AbbreviatedData></ofd:PathObject>`,
			nil, [4]float64{12, 12, 36, 36}, [4]float64{52, 0, 8, 60}, ""},
		{"arc circle", `<ofd:PathObject ID="4" Boundary="0 0 60 60" Fill="true" Stroke="false">` + red + `<ofd:AbbreviatedData>M 10 30 A 20 20 0 1 1 50 30 A 20 20 0 1 1 10 30 C</ofd:AbbreviatedData></ofd:PathObject>`,
			nil, [4]float64{20, 20, 20, 20}, [4]float64{0, 0, 12, 12}, ""},
		{"thick stroke", `<ofd:PathObject ID="4" Boundary="0 0 60 60" LineWidth="4"><ofd:StrokeColor Value="255 0 0"/><ofd:AbbreviatedData>M 10 30 L 50 30</ofd:AbbreviatedData></ofd:PathObject>`,
			nil, [4]float64{12, 29, 36, 2}, [4]float64{0, 35, 60, 25}, ""},
		{"clip", `<ofd:PathObject ID="4" Boundary="0 0 60 60" Fill="true" Stroke="false">` + red + `<ofd:Clips><ofd:Clip><ofd:Area><ofd:Path Boundary="0 0 60 60"><ofd:AbbreviatedData>M 0 0 L 30 0 L 30 60 L 0 60 C</ofd:AbbreviatedData></ofd:Path></ofd:Area></ofd:Clip></ofd:Clips><ofd:AbbreviatedData>M 0 0 L 60 0 L 60 60 L 0 60 C</ofd:AbbreviatedData></ofd:PathObject>`,
			nil, [4]float64{2, 2, 26, 56}, [4]float64{32, 0, 28, 60}, ""},
		{"image", `<ofd:ImageObject ID="6" Boundary="10 10 20 20" CTM="20 0 0 20 0 0" ResourceID="5"/>`,
			map[string]string{"Doc_0/PublicRes.xml": res("red.png"), "Doc_0/Res/red.png": pngData(8, 8)}, [4]float64{11, 11, 18, 18}, [4]float64{32, 0, 28, 60}, ""},
		{"shading is listed", `<ofd:PathObject ID="4" Boundary="10 10 20 20" Fill="true" Stroke="false"><ofd:FillColor><ofd:AxialShd><ofd:Segment><ofd:Color Value="255 0 0"/></ofd:Segment></ofd:AxialShd></ofd:FillColor><ofd:AbbreviatedData>M 0 0 L 20 0 L 20 20 L 0 20 C</ofd:AbbreviatedData></ofd:PathObject>`,
			nil, [4]float64{}, [4]float64{0, 0, 60, 60}, "AxialShd is not supported"},
		{"even-odd with holes is listed", `<ofd:PathObject ID="4" Boundary="0 0 60 60" Fill="true" Stroke="false" Rule="Even-Odd">` + red + `<ofd:AbbreviatedData>M 0 0 L 60 0 L 60 60 L 0 60 C M 20 20 L 40 20 L 40 40 L 20 40 C</ofd:AbbreviatedData></ofd:PathObject>`,
			nil, [4]float64{}, [4]float64{0, 0, 60, 60}, "even-odd"},
		{"bad path is listed", `<ofd:PathObject ID="4" Boundary="0 0 60 60" Fill="true">` + red + `<ofd:AbbreviatedData>M 0 0 X 1 2</ofd:AbbreviatedData></ofd:PathObject>`,
			nil, [4]float64{}, [4]float64{0, 0, 60, 60}, "unknown command"},
		{"JBIG2 is listed", `<ofd:ImageObject ID="6" Boundary="10 10 20 20" CTM="20 0 0 20 0 0" ResourceID="5"/>`,
			map[string]string{"Doc_0/PublicRes.xml": res("a.jb2"), "Doc_0/Res/a.jb2": "\x97JB2\r\n\x1a\n..."}, [4]float64{}, [4]float64{0, 0, 60, 60}, "not a PNG"},
		{"rotated text is listed", `<ofd:TextObject ID="4" Boundary="10 10 40 10" Font="2" Size="5" ReadDirection="90">` + red + `<ofd:TextCode X="0" Y="5">合同</ofd:TextCode></ofd:TextObject>`,
			nil, [4]float64{}, [4]float64{0, 0, 60, 60}, "rotated text"},
		{"text", `<ofd:TextObject ID="4" Boundary="10 10 40 10" Font="2" Size="8">` + red + `<ofd:TextCode X="0" Y="7" DeltaX="8">合同</ofd:TextCode></ofd:TextObject>`,
			nil, [4]float64{}, [4]float64{30, 0, 30, 60}, "宋体"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data := onePage(t, "0 0 60 60", c.layer, c.extra)
			r, err := Render(context.Background(), data, 1, Options{DPI: 100})
			require.NoError(t, err)
			if c.redIn[2] > 0 {
				_, red, total := regionStats(r.Image, 100, c.redIn[0], c.redIn[1], c.redIn[2], c.redIn[3])
				require.Greater(t, red, total*9/10, "red inside; unsupported %q", r.Unsupported)
			}
			_, red, _ := regionStats(r.Image, 100, c.emptyR[0], c.emptyR[1], c.emptyR[2], c.emptyR[3])
			require.Zero(t, red, "nothing outside")
			if c.want == "" {
				require.Empty(t, r.Unsupported)
				return
			}
			require.Contains(t, fmt.Sprint(r.Unsupported), c.want)
		})
	}
}
