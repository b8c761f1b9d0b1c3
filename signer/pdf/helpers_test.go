package pdf

import (
	"bytes"
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/smx509"
	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"

	"github.com/sealchain/sealchain/signer"
)

func TestMain(m *testing.M) {
	api.DisableConfigDir() // keep pdfcpu away from the user's config dir
	os.Exit(m.Run())
}

var (
	tCANotBefore = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	tCANotAfter  = time.Date(2034, 1, 1, 0, 0, 0, 0, time.UTC)
	tNotBefore   = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	tNotAfter    = time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	tSign        = time.Date(2025, 6, 1, 8, 30, 0, 0, time.UTC)
)

// party is a signer with its certificate and issuing CA.
type party struct {
	key   *signer.PrivateKey
	cert  []byte
	ca    *signer.CA
	roots []*smx509.Certificate
}

func newParty(t testing.TB, alg signer.Algorithm, ref string) *party {
	t.Helper()
	caKey, err := signer.GenerateKey(alg, nil)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := signer.NewCA(caKey, signer.CAOptions{OrgID: "org-" + ref, OrgName: "Org " + ref, Role: "platform", NotBefore: tCANotBefore, NotAfter: tCANotAfter}, nil)
	if err != nil {
		t.Fatal(err)
	}
	key, err := signer.GenerateKey(alg, nil)
	if err != nil {
		t.Fatal(err)
	}
	der, err := ca.Issue(key.Public(), signer.IssueOptions{SubjectRef: "sc:" + ref, Usage: signer.UsageSigner, NotBefore: tNotBefore, NotAfter: tNotAfter}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &party{key: key, cert: der, ca: ca, roots: []*smx509.Certificate{ca.Cert}}
}

func (p *party) opts(page int, rect [4]float64, appearance []byte) SignOptions {
	return SignOptions{
		Key: p.key, Cert: p.cert, Chain: [][]byte{p.ca.Cert.Raw}, Page: page, Rect: rect,
		Appearance: appearance, Name: "sc:signer", Reason: "同意合同条款", Location: "Hangzhou", Time: tSign,
	}
}

// minimalPDF writes a one-page PDF with a classic xref table. fill adds an
// unused image XObject of about that many random bytes.
func minimalPDF(t testing.TB, fill int) []byte {
	t.Helper()
	var b bytes.Buffer
	var offs []int
	obj := func(body string, stream []byte) {
		offs = append(offs, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n", len(offs))
		if stream == nil {
			b.WriteString(body + "\nendobj\n")
			return
		}
		fmt.Fprintf(&b, "<< %s /Length %d >>\nstream\n", body, len(stream))
		b.Write(stream)
		b.WriteString("\nendstream\nendobj\n")
	}
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	xobj := ""
	if fill > 0 {
		xobj = " /XObject << /Fill 6 0 R >>"
	}
	obj("<< /Type /Catalog /Pages 2 0 R >>", nil)
	obj("<< /Type /Pages /Kids [3 0 R] /Count 1 >>", nil)
	obj("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources <<"+xobj+" >> /Contents 4 0 R >>", nil)
	obj("", []byte("% Sealchain test contract\n0.6 g 50 700 300 60 re f\n0 g 50 600 200 20 re f 50 560 250 20 re f\n"))
	obj("<< /Producer (sealchain test) >>", nil)
	if fill > 0 {
		const w = 1024
		h := max(1, fill/w)
		data := make([]byte, w*h)
		r := rand.NewChaCha8([32]byte{1})
		r.Read(data)
		obj(fmt.Sprintf("/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8", w, h), data)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f\r\n", len(offs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n\r\n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R /ID [<0123456789abcdef0123456789abcdef> <0123456789abcdef0123456789abcdef>] >>\nstartxref\n%d\n%%%%EOF\n", len(offs)+1, xref)
	return b.Bytes()
}

// pdfcpuPDF rewrites minimalPDF with pdfcpu (object streams, xref stream).
func pdfcpuPDF(t testing.TB) []byte {
	t.Helper()
	conf := model.NewDefaultConfiguration()
	conf.WriteObjectStream, conf.WriteXRefStream = true, true
	ctx, err := api.ReadContext(bytes.NewReader(minimalPDF(t, 0)), conf)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := api.WriteContext(ctx, &out); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out.Bytes(), []byte("/XRef")) {
		t.Fatal("pdfcpu did not write an xref stream")
	}
	return out.Bytes()
}

// sealPNG draws a red ring with a red star-ish centre on a transparent
// background.
func sealPNG(t testing.TB) []byte {
	t.Helper()
	const n = 200
	img := image.NewNRGBA(image.Rect(0, 0, n, n))
	red := color.NRGBA{0xd0, 0x10, 0x10, 0xff}
	for y := range n {
		for x := range n {
			dx, dy := float64(x-n/2), float64(y-n/2)
			r2 := dx*dx + dy*dy
			if (r2 <= 95*95 && r2 >= 80*80) || r2 <= 30*30 {
				img.SetNRGBA(x, y, red)
			}
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func mustSign(t testing.TB, in []byte, o SignOptions) []byte {
	t.Helper()
	out, err := Sign(in, o)
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	if !bytes.HasPrefix(out, in) {
		t.Fatal("Sign changed the original bytes")
	}
	return out
}

// appendUpdate appends an incremental update with the given objects (body
// text after "N 0 obj") and a classic xref section.
func appendUpdate(t testing.TB, in []byte, objs map[int]string, size int, root string) []byte {
	t.Helper()
	hdr, err := headerOffset(in)
	if err != nil {
		t.Fatal(err)
	}
	prev, _, err := lastStartXRef(in, hdr)
	if err != nil {
		t.Fatal(err)
	}
	w := &updateWriter{buf: bytes.NewBuffer(append([]byte(nil), in...)), offsets: map[int]objLoc{}, base: int64(hdr)}
	for nr, body := range objs {
		w.object(nr, 0, body)
		size = max(size, nr+1)
	}
	w.xrefTable(size, fmt.Sprintf("/Root %s /Prev %d", root, prev))
	return w.buf.Bytes()
}

// cmsOf returns the decoded /Contents of the last signature in b and its
// offset in b (the '<').
func cmsOf(t testing.TB, b []byte) ([]byte, int) {
	t.Helper()
	i := bytes.LastIndex(b, []byte("/Contents <"))
	if i < 0 {
		t.Fatal("no /Contents")
	}
	start := i + len("/Contents ")
	end := start + bytes.IndexByte(b[start:], '>')
	der, err := hex.DecodeString(string(b[start+1 : end]))
	if err != nil {
		t.Fatal(err)
	}
	var raw asn1.RawValue
	if _, err := asn1.Unmarshal(der, &raw); err != nil {
		t.Fatal(err)
	}
	return raw.FullBytes, start
}

// requireTool returns the path of a command-line tool, skipping the test
// when it is missing unless CI=1 or SEALCHAIN_REQUIRE_TOOLS=1.
func requireTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv("CI") == "1" || os.Getenv("SEALCHAIN_REQUIRE_TOOLS") == "1" {
		t.Fatalf("%s not found (install poppler-utils): %v", name, err)
	}
	t.Skipf("%s not found; install poppler-utils or set SEALCHAIN_REQUIRE_TOOLS=1 to fail", name)
	return ""
}

func writeTemp(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func run(t *testing.T, name string, args ...string) (string, error) {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}
