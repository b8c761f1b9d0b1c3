package pdfgen

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/stretchr/testify/require"
)

var (
	fontOnce sync.Once
	fontVal  *Font
	fontErr  error
)

// testFont loads DefaultFontPath once. A missing font fails: CI installs
// fonts-droid-fallback.
func testFont(t testing.TB) *Font {
	t.Helper()
	fontOnce.Do(func() { fontVal, fontErr = LoadFont(DefaultFontPath) })
	require.NoError(t, fontErr, "apt-get install fonts-droid-fallback")
	return fontVal
}

var (
	helv = Face{Res: "F2", Base: "Helvetica"}
	bold = Face{Res: "F3", Base: "Helvetica-Bold", Bold: true}
)

func TestNum(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0"}, {1, "1"}, {1.5, "1.5"}, {595.28, "595.28"}, {2.004, "2"}, {-0.001, "0"}, {-3.25, "-3.25"}, {10.10, "10.1"},
	}
	for _, tc := range tests {
		require.Equal(t, tc.want, Num(tc.in), "Num(%v)", tc.in)
	}
}

func TestTextStrings(t *testing.T) {
	require.Equal(t, `a\(b\)\\c`, Escape(`a(b)\c`))
	require.Equal(t, "<FEFF00414E2DD83DDE00>", TextString("A中😀"))
}

func TestWrap(t *testing.T) {
	tx := &Text{Font: testFont(t), CJKRes: "F1"}
	tests := []struct {
		name  string
		in    string
		width float64
		want  []string
	}{
		{"fits", "hello world", 200, []string{"hello world"}},
		{"latin breaks at spaces", "hello wonderful world", 60, []string{"hello", "wonderful", "world"}},
		{"long token is cut", "abcdefghijklmnopqrstuvwxyz", 50, nil},
		{"cjk breaks anywhere", "甲方向乙方支付服务费用", 40, []string{"甲方向乙", "方支付服", "务费用"}},
		{"newlines and empty paragraphs", "a\n\nb", 100, []string{"a", "", "b"}},
		{"empty", "", 100, []string{""}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lines := tx.Wrap(tc.in, helv, 10, tc.width)
			if tc.want != nil {
				require.Equal(t, tc.want, lines)
			}
			require.Equal(t, strings.ReplaceAll(strings.ReplaceAll(tc.in, " ", ""), "\n", ""), strings.ReplaceAll(strings.Join(lines, ""), " ", ""), "no text lost")
			for _, l := range lines {
				if len([]rune(l)) > 1 {
					require.LessOrEqual(t, tx.Width(l, helv, 10), tc.width, "line %q", l)
				}
			}
			if tc.want == nil {
				require.Greater(t, len(lines), 1)
			}
		})
	}
}

// TestDraw checks the content written for each kind of character, that
// Draw advances by exactly Width, and which glyphs Used records.
func TestDraw(t *testing.T) {
	f := testFont(t)
	zhong := f.Glyph('中')
	require.NotZero(t, zhong)
	tests := []struct {
		name    string
		latin1  bool
		in      string
		face    Face
		want    []string
		notWant []string
		used    map[uint16]rune
	}{
		{"ascii", false, "Tab\tA(1)", helv, []string{"0 0 0 rg\n", "BT 0 Tr /F2 10 Tf 1 0 0 1 10 20 Tm (Tab A\\(1\\)) Tj ET\n"}, nil, map[uint16]rune{}},
		{"cjk", false, "中", helv, []string{"BT 0 Tr /F1 10 Tf", "<" + hex4(zhong) + "> Tj"}, []string{"2 Tr"}, map[uint16]rune{zhong: '中'}},
		{"bold cjk is stroked", false, "中", bold, []string{"2 Tr 0.33 w 0 0 0 RG /F1"}, nil, map[uint16]rune{zhong: '中'}},
		{"latin-1 without Latin1", false, "é😀", helv, []string{"(??) Tj"}, nil, map[uint16]rune{}},
		{"latin-1 with Latin1", true, "é😀", helv, []string{"(\xe9?) Tj"}, nil, map[uint16]rune{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tx := &Text{Font: f, CJKRes: "F1", Latin1: tc.latin1}
			var b bytes.Buffer
			w := tx.Draw(&b, 10, 20, tc.in, tc.face, 10, Color{})
			for _, s := range tc.want {
				require.Contains(t, b.String(), s)
			}
			for _, s := range tc.notWant {
				require.NotContains(t, b.String(), s)
			}
			require.InDelta(t, tx.Width(tc.in, tc.face, 10), w, 1e-9)
			require.Equal(t, tc.used, tx.Used())
		})
	}
}

func hex4(g uint16) string { return fmt.Sprintf("%04X", g) }

// TestSubset parses the subset font again: same glyph count and metrics,
// used outlines kept byte for byte, others empty, and a valid checksum.
func TestSubset(t *testing.T) {
	f := testFont(t)
	used := map[uint16]rune{}
	for _, r := range "区块链存证" {
		used[f.Glyph(r)] = r
	}
	prog := f.Subset(used)
	s, err := parseTables(prog) // a subset has no cmap: the PDF maps glyph ids itself
	require.NoError(t, err)
	require.Equal(t, f.numGlyphs, s.numGlyphs)
	require.Equal(t, tableSum(prog), uint32(0xB1B0AFBA), "checkSumAdjustment")
	for r := range strings.SplitSeq("区块链存证", "") {
		g := f.Glyph([]rune(r)[0])
		want, got := f.outline(int(g)), s.outline(int(g))
		require.NotEmpty(t, want)
		require.Equal(t, pad4(bytes.Clone(want)), got, "outline kept, padded to 4 bytes")
	}
	unused := f.Glyph('猫')
	require.NotEmpty(t, f.outline(int(unused)))
	require.Empty(t, s.outline(int(unused)))
	require.Less(t, len(prog), 400<<10, "most of the 4 MB font is left out (loca and hmtx stay whole)")
}

func TestParseFontRejects(t *testing.T) {
	good, err := os.ReadFile(DefaultFontPath)
	require.NoError(t, err)
	noGlyf := bytes.Clone(good)
	for i := range int(binary.BigEndian.Uint16(good[4:])) {
		if rec := noGlyf[12+16*i:]; string(rec[:4]) == "glyf" {
			copy(rec, "xxxx")
		}
	}
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"truncated", good[:100]},
		{"no glyf table", noGlyf},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseFont(tc.data)
			require.Error(t, err)
		})
	}
	_, err = LoadFont(filepath.Join(t.TempDir(), "missing.ttf"))
	require.ErrorIs(t, err, os.ErrNotExist)
}

// onePage writes a one-page document the way callers do.
func onePage(t *testing.T, text string) []byte {
	t.Helper()
	tx := &Text{Font: testFont(t), CJKRes: "F1"}
	var page bytes.Buffer
	y := 800.0
	for _, l := range tx.Wrap(text, helv, 12, 480) {
		tx.Draw(&page, 50, y, l, helv, 12, Color{0, 0, 0.5})
		y -= 18
	}
	var w Writer
	catalog, pages := w.Reserve(), w.Reserve()
	fonts := "/F1 " + itoa(w.EmbedCJK(tx.Font, tx.Used())) + " 0 R /F2 " + itoa(w.Type1("Helvetica")) + " 0 R"
	content := w.Stream("", page.Bytes(), true)
	pg := w.Add("<< /Type /Page /Parent " + itoa(pages) + " 0 R /MediaBox [0 0 595.28 841.89] /Resources << /Font << " + fonts + " >> >> /Contents " + itoa(content) + " 0 R >>")
	w.Set(pages, "<< /Type /Pages /Kids ["+itoa(pg)+" 0 R] /Count 1 >>")
	w.Set(catalog, "<< /Type /Catalog /Pages "+itoa(pages)+" 0 R >>")
	info := w.Add("<< /Title " + TextString("测试 test") + " >>")
	return w.Bytes(catalog, info)
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestWriterPDF(t *testing.T) {
	const text = "电子合同 Sealchain evidence 存证编号 SC-2026-0001"
	pdf := onePage(t, text)
	require.Equal(t, pdf, onePage(t, text), "deterministic")
	require.NotEqual(t, pdf, onePage(t, text+"。"), "the file depends on the text")
	ctx, err := api.ReadValidateAndOptimize(bytes.NewReader(pdf), model.NewDefaultConfiguration())
	require.NoError(t, err, "pdfcpu validates the PDF")
	require.Equal(t, 1, ctx.PageCount)

	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext not installed")
	}
	in := filepath.Join(t.TempDir(), "p.pdf")
	require.NoError(t, os.WriteFile(in, pdf, 0o644))
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", in, "-").Output()
	require.NoError(t, err)
	require.Equal(t, text, strings.TrimSpace(string(out)), "text extracts through the ToUnicode CMap")
}
