package report

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/sealchain/sealchain/evidence"
)

var render = flag.Bool("render", false, "render page 1 of the report to testdata/report-page1.png with pdftoppm")

func verifyNow() time.Time { return testNow.Add(time.Hour) }

func checkOK(t *testing.T, res *Result, name string) bool {
	t.Helper()
	for _, c := range res.Checks {
		if c.Name == name {
			return c.OK
		}
	}
	t.Fatalf("no check %s in %+v", name, res.Checks)
	return false
}

func TestMakeVerify(t *testing.T) {
	f := newFixture(t)
	out := f.make(t)
	res, err := Verify(out, f.trust, verifyNow())
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK {
		t.Fatalf("report does not verify: %+v", res.Checks)
	}
	var names []string
	for _, c := range res.Checks {
		names = append(names, c.Name)
	}
	if want := []string{CheckReportSignature, CheckBundleAttached, CheckBundleVerifies, CheckFactsMatch}; !slices.Equal(names, want) {
		t.Fatalf("checks %v, want %v", names, want)
	}
	if len(res.Facts.Timeline) != len(f.bundle.Records) {
		t.Fatalf("timeline has %d rows, bundle %d records", len(res.Facts.Timeline), len(f.bundle.Records))
	}
	if *render {
		renderPage1(t, out)
	}
	t.Logf("report: %d bytes", len(out))
}

func renderPage1(t *testing.T, pdf []byte) {
	t.Helper()
	if _, err := exec.LookPath("pdftoppm"); err != nil {
		t.Skip("pdftoppm not installed")
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "report.pdf")
	if err := os.WriteFile(in, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", in, filepath.Join("testdata", "report-page1")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v: %s", err, out)
	}
}

func pdftotext(t *testing.T, pdf []byte) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext not installed")
	}
	in := filepath.Join(t.TempDir(), "report.pdf")
	if err := os.WriteFile(in, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", in, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

// ownText is the text this package's extractor reads from the report.
func ownText(t *testing.T, pdf []byte) string {
	t.Helper()
	ctx, err := readPDF(pdf)
	if err != nil {
		t.Fatal(err)
	}
	text, err := pageText(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return text
}

func TestTextExtracts(t *testing.T) {
	f := newFixture(t)
	out := f.make(t)
	facts, err := FactsOf(f.bundle, f.raw)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"区块链存证证据报告", "Blockchain Evidence Report", "一、合同信息", "二、签署方", "三、存证记录时间线",
		"四、区块链检查点", "五、验证结果", "六、在线核验与附件", "七、声明", "北京市某某公证处",
		"fixture-contract-1", "84d076b00949963e38e23c440f124708a8bd63ea784fd3f35bef9c29de858906",
		"04a5ce82cd450ba8ac6b4475c9052fa1a86f13ed4d6cdc69c66abab362c7df0e",
		"8f6fcec4a37efc6191d033ee22320fcf07ee17f0fb09e6f9a72cc3a2cc6270e4",
		"f709ea72120d148574a7eeeb95c4aa47b261914ce62ce61420eb63fa648b9ce5",
		"张三", "李四", "CONTRACT COMPLETED", "合同已完成签署", "短信验证码", "2026-12-06 18:42:30.858 (UTC+8)",
		facts.BundleSM3, facts.Checkpoint.AppHash, QRURL(testVerifyURL, facts.BundleSM3),
	}
	for name, text := range map[string]string{"pdftotext": pdftotext(t, out), "own": ownText(t, out)} {
		for _, s := range want {
			if !strings.Contains(text, s) {
				t.Errorf("%s output lacks %q", name, s)
			}
		}
		if strings.Contains(text, "STILL OPEN") {
			t.Errorf("%s: a completed contract's report says STILL OPEN", name)
		}
	}
}

// openBundle is the testdata bundle without its contract_completed record.
func openBundle(t *testing.T, f *fixture) (*evidence.Bundle, []byte, *evidence.Result) {
	t.Helper()
	b, err := evidence.DecodeBundle(f.raw)
	if err != nil {
		t.Fatal(err)
	}
	var kept []evidence.Record
	for _, r := range b.Records {
		v, _, err := evidence.Describe(r.Leaf)
		if err != nil {
			t.Fatal(err)
		}
		if v.Type != "contract_completed" {
			kept = append(kept, r)
		}
	}
	if len(kept) != len(b.Records)-1 {
		t.Fatalf("expected one completion record among %d", len(b.Records))
	}
	b.Records = kept
	raw, err := b.Encode()
	if err != nil {
		t.Fatal(err)
	}
	gen := *f.trust
	v, err := evidence.NewVerifier(&gen)
	if err != nil {
		t.Fatal(err)
	}
	res := v.Verify(b, nil)
	if !res.OK {
		t.Fatalf("bundle without its completion record does not verify: %v", res.Failed())
	}
	return b, raw, res
}

func TestOpenContract(t *testing.T) {
	f := newFixture(t)
	b, raw, bres := openBundle(t, f)
	opts := f.options()
	opts.BundleJSON = raw
	out, err := Make(b, bres, opts)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Verify(out, f.trust, verifyNow())
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK {
		t.Fatalf("open contract's report does not verify: %+v", res.Checks)
	}
	if res.Facts.Contracts[0].Status != StatusOpen {
		t.Fatalf("status %s, want open", res.Facts.Contracts[0].Status)
	}
	for name, text := range map[string]string{"pdftotext": pdftotext(t, out), "own": ownText(t, out)} {
		for _, s := range []string{"CONTRACT STILL OPEN", "合同尚未完成签署", "still open", "本报告不证明合同已完成或已生效"} {
			if !strings.Contains(text, s) {
				t.Errorf("%s output lacks %q", name, s)
			}
		}
		if strings.Contains(text, "CONTRACT COMPLETED") {
			t.Errorf("%s: open contract's report says COMPLETED", name)
		}
	}
}

// TestQRCode decodes the report's QR code with a QR decoder (gozxing) and
// checks it reads the verification URL printed under it: once from page 1
// rendered by poppler's pdftoppm, as a reader scanning the printout would,
// and once from the embedded image itself.
func TestQRCode(t *testing.T) {
	f := newFixture(t)
	out := f.make(t)
	text := ownText(t, out)
	var printed string
	for _, ln := range strings.Split(text, "\n") {
		if strings.HasPrefix(ln, testVerifyURL+"?bundle=") {
			printed = ln
		}
	}
	if printed == "" {
		t.Fatal("no printed verification URL")
	}
	facts, _ := FactsOf(f.bundle, f.raw)
	if printed != QRURL(testVerifyURL, facts.BundleSM3) {
		t.Fatalf("printed URL %q", printed)
	}

	t.Run("rendered page", func(t *testing.T) {
		if _, err := exec.LookPath("pdftoppm"); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("CI needs pdftoppm (poppler-utils): %v", err)
			}
			t.Skip("pdftoppm not installed")
		}
		dir := t.TempDir()
		in := filepath.Join(dir, "report.pdf")
		if err := os.WriteFile(in, out, 0o644); err != nil {
			t.Fatal(err)
		}
		if msg, err := exec.Command("pdftoppm", "-png", "-gray", "-r", "150", in, filepath.Join(dir, "page")).CombinedOutput(); err != nil {
			t.Fatalf("pdftoppm: %v: %s", err, msg)
		}
		pages, _ := filepath.Glob(filepath.Join(dir, "page-*.png"))
		if len(pages) == 0 {
			t.Fatal("pdftoppm rendered no page")
		}
		// The code is on one page (the verification section); exactly one
		// page must hold a QR code.
		var found []string
		for _, p := range pages {
			if got, err := decodeQR(readPNG(t, p)); err == nil {
				found = append(found, got)
			}
		}
		if len(found) != 1 || found[0] != printed {
			t.Fatalf("QR codes on the rendered pages read %q, the report prints %q", found, printed)
		}
	})

	t.Run("embedded image", func(t *testing.T) {
		ctx, err := readPDF(out)
		if err != nil {
			t.Fatal(err)
		}
		if err := ctx.EnsurePageCount(); err != nil {
			t.Fatal(err)
		}
		d, _, _, err := ctx.PageDict(1, false)
		if err != nil {
			t.Fatal(err)
		}
		resDict, _ := ctx.DereferenceDict(d["Resources"])
		xo, _ := ctx.DereferenceDict(resDict["XObject"])
		sd, _, err := ctx.DereferenceStreamDict(xo["QR"])
		if err != nil || sd == nil {
			t.Fatalf("no QR image: %v", err)
		}
		if err := sd.Decode(); err != nil {
			t.Fatal(err)
		}
		w, h := sd.IntEntry("Width"), sd.IntEntry("Height")
		if w == nil || h == nil || len(sd.Content) != *w**h {
			t.Fatalf("QR image %vx%v with %d bytes, want 8-bit gray", w, h, len(sd.Content))
		}
		// The image is one gray byte per module; scale it up inside a white
		// quiet zone, as the page draws it.
		const scale, quiet = 6, 4
		img := image.NewGray(image.Rect(0, 0, (*w+2*quiet)*scale, (*h+2*quiet)*scale))
		for i := range img.Pix {
			img.Pix[i] = 0xff
		}
		for y := 0; y < *h; y++ {
			for x := 0; x < *w; x++ {
				v := sd.Content[y**w+x]
				for dy := 0; dy < scale; dy++ {
					for dx := 0; dx < scale; dx++ {
						img.Pix[((y+quiet)*scale+dy)*img.Stride+(x+quiet)*scale+dx] = v
					}
				}
			}
		}
		got, err := decodeQR(img)
		if err != nil {
			t.Fatalf("embedded QR image: %v", err)
		}
		if got != printed {
			t.Fatalf("the embedded QR image reads %q, the page prints %q", got, printed)
		}
	})
}

// decodeQR finds and decodes a QR code in img.
func decodeQR(img image.Image) (string, error) {
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		return "", err
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		return "", fmt.Errorf("no QR code decoded: %w", err)
	}
	return res.GetText(), nil
}

func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	img, err := png.Decode(fh)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}

func TestTamper(t *testing.T) {
	f := newFixture(t)
	good := f.make(t)
	_, badKey, badCert := newIssuer(t, "rogue", "某某伪造机构")
	roguePDF := func() []byte {
		opts := f.options()
		opts.Key, opts.Cert, opts.Chain = badKey, badCert, nil
		out, err := Make(f.bundle, f.res, opts)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	replaceOnce := func(t *testing.T, in []byte, old, new string) []byte {
		t.Helper()
		if len(old) != len(new) {
			t.Fatal("replacement must keep the length")
		}
		i := bytes.Index(in, []byte(old))
		if i < 0 {
			t.Fatalf("%q not in the report", old)
		}
		out := bytes.Clone(in)
		copy(out[i:], new)
		return out
	}
	tests := []struct {
		name   string
		mutate func(t *testing.T) []byte
		fail   []string
	}{
		{"content stream text", func(t *testing.T) []byte {
			return replaceOnce(t, good, "(fixture-contract-1) Tj", "(fixture-contract-2) Tj")
		}, []string{CheckReportSignature, CheckFactsMatch}},
		{"facts.json", func(t *testing.T) []byte {
			return replaceOnce(t, good, `"header_height": 13`, `"header_height": 12`)
		}, []string{CheckReportSignature, CheckFactsMatch}},
		{"bundle record", func(t *testing.T) []byte {
			i := bytes.Index(good, []byte(`"leaf": "`))
			if i < 0 {
				t.Fatal("no leaf in the report")
			}
			out := bytes.Clone(good)
			j := i + len(`"leaf": "`) + 40
			if out[j] == 'A' {
				out[j] = 'B'
			} else {
				out[j] = 'A'
			}
			return out
		}, []string{CheckReportSignature, CheckBundleVerifies, CheckFactsMatch}},
		{"untrusted signer", func(t *testing.T) []byte { return roguePDF() }, []string{CheckReportSignature}},
		{"truncated", func(t *testing.T) []byte { return good[:len(good)/2] }, []string{CheckReportSignature, CheckBundleAttached, CheckBundleVerifies, CheckFactsMatch}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Verify(tc.mutate(t), f.trust, verifyNow())
			if err != nil {
				t.Fatal(err)
			}
			if res.OK {
				t.Fatal("tampered report verifies")
			}
			if got := res.Failed(); !slices.Equal(got, tc.fail) {
				t.Fatalf("failed checks %v, want %v: %+v", got, tc.fail, res.Checks)
			}
		})
	}
}

func TestVerifyRoots(t *testing.T) {
	f := newFixture(t)
	out := f.make(t)
	gen, err := evidence.LoadTrust(filepath.Join("..", "testdata", "genesis.json"))
	if err != nil {
		t.Fatal(err)
	}
	// The genesis alone does not know the issuer's CA ...
	res, err := Verify(out, gen, verifyNow())
	if err != nil {
		t.Fatal(err)
	}
	if res.OK || checkOK(t, res, CheckReportSignature) || !checkOK(t, res, CheckBundleVerifies) {
		t.Fatalf("issuer outside the genesis: %+v", res.Checks)
	}
	// ... unless the caller names it.
	res, err = Verify(out, gen, verifyNow(), WithReportRoots(f.ca.Cert))
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK {
		t.Fatalf("WithReportRoots: %+v", res.Checks)
	}
	// A report from the future fails.
	res, _ = Verify(out, f.trust, testNow.Add(-time.Hour))
	if checkOK(t, res, CheckReportSignature) {
		t.Fatal("a report signed after now verifies")
	}
}

func TestMakeOptions(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name   string
		mutate func(*Options)
	}{
		{"no time", func(o *Options) { o.Now = time.Time{} }},
		{"no issuer", func(o *Options) { o.IssuerOrg = Issuer{} }},
		{"no key", func(o *Options) { o.Key = nil }},
		{"other bundle bytes", func(o *Options) {
			o.BundleJSON = bytes.Replace(f.raw, []byte(`"height": 12`), []byte(`"height": 11`), 1)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := f.options()
			tc.mutate(&o)
			if _, err := Make(f.bundle, f.res, o); !errors.Is(err, ErrOptions) {
				t.Fatalf("Make: %v, want ErrOptions", err)
			}
		})
	}
}

func BenchmarkMake(b *testing.B) {
	f := newFixture(b)
	opts := f.options()
	var size int
	for b.Loop() {
		out, err := Make(f.bundle, f.res, opts)
		if err != nil {
			b.Fatal(err)
		}
		size = len(out)
	}
	b.ReportMetric(float64(size), "bytes")
}
