package render

import (
	"archive/zip"
	"bytes"
	"context"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sealchain/sealchain/signer"
	"github.com/sealchain/sealchain/signer/ofd"
	"github.com/sealchain/sealchain/signer/seal"
)

var (
	caFrom   = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	caUntil  = time.Date(2035, 1, 1, 0, 0, 0, 0, time.UTC)
	sealFrom = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	sealTo   = time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC)
	signAt   = time.Date(2026, 3, 15, 8, 0, 0, 0, time.UTC)
)

// party is a signer with a real round seal picture, as the workflow makes
// them.
type party struct {
	key  *signer.PrivateKey
	cert []byte
	seal []byte
}

func newParty(t testing.TB, org, name string) *party {
	t.Helper()
	caKey, err := signer.GenerateKey(signer.AlgSM2, nil)
	require.NoError(t, err)
	ca, err := signer.NewCA(caKey, signer.CAOptions{OrgID: org, OrgName: org + " Ltd", Role: "platform", NotBefore: caFrom, NotAfter: caUntil}, nil)
	require.NoError(t, err)
	key, err := signer.GenerateKey(signer.AlgSM2, nil)
	require.NoError(t, err)
	cert, err := ca.Issue(key.Public(), signer.IssueOptions{SubjectRef: "sc:" + org, Usage: signer.UsageSigner, NotBefore: caFrom, NotAfter: caUntil}, nil)
	require.NoError(t, err)
	img, err := seal.Enterprise(seal.EnterpriseOptions{Name: name, Purpose: "合同专用章"})
	require.NoError(t, err)
	pic, err := seal.EncodePNG(img)
	require.NoError(t, err)
	s, err := seal.Make(seal.SealInfo{
		ID: "seal-" + org, Kind: seal.KindOrganization, Name: name + "合同专用章", SignerCerts: [][]byte{cert},
		Created: sealFrom, ValidStart: sealFrom, ValidEnd: sealTo,
		Picture: seal.Picture{Data: pic, WidthMM: 40, HeightMM: 40},
	}, ca.Key, ca.Cert.Raw, nil)
	require.NoError(t, err)
	return &party{key: key, cert: cert, seal: s}
}

// ownContract is a two-page contract made by ofd.NewText and signed by
// two parties on page 1 (SignOptions.Page 0), at (20, 200) and (110, 200) mm.
func ownContract(t testing.TB) []byte {
	t.Helper()
	data, err := ofd.NewText("测试合同", [][]string{
		{"买卖合同", "", "甲方：某某科技有限公司", "乙方：某某贸易有限公司", "第一条　标的物：办公设备一批。", "第二条　价款：人民币壹万元整（10000元）。"},
		{"第三条　交付：2026年4月1日前。", "", "甲方（盖章）：", "乙方（盖章）："},
	}, signAt)
	require.NoError(t, err)
	for i, p := range []*party{newParty(t, "org-a", "北京某某科技有限公司"), newParty(t, "org-b", "上海某某贸易有限公司")} {
		data, err = ofd.Sign(context.Background(), data, ofd.SignOptions{Key: p.key, Cert: p.cert, Seal: p.seal,
			Time: signAt.Add(time.Duration(i) * time.Hour), Page: 0, X: 20 + 90*float64(i), Y: 200})
		require.NoError(t, err)
	}
	return data
}

func readCorpus(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "interop", name))
	require.NoError(t, err)
	return b
}

// regionStats counts, in the page rectangle (mm) of an image drawn at
// dpi, the dark pixels (luminance < 128) and the red ones (seal ink).
func regionStats(img *image.RGBA, dpi, x, y, w, h float64) (dark, red, total int) {
	f := dpi / 25.4
	r := image.Rect(int(x*f), int(y*f), int((x+w)*f), int((y+h)*f)).Intersect(img.Rect)
	for py := r.Min.Y; py < r.Max.Y; py++ {
		for px := r.Min.X; px < r.Max.X; px++ {
			c := img.RGBAAt(px, py)
			total++
			if lum(c) < 128 {
				dark++
			}
			if c.R > 150 && c.G < 100 && c.B < 100 {
				red++
			}
		}
	}
	return
}

func lum(c color.RGBA) int { return (299*int(c.R) + 587*int(c.G) + 114*int(c.B)) / 1000 }

// pack writes parts into an OFD zip.
func pack(t testing.TB, parts map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range parts {
		w, err := zw.Create(name)
		require.NoError(t, err)
		_, err = w.Write([]byte(body))
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

const ns = `xmlns:ofd="http://www.ofdspec.org/2016"`

// onePage is a minimal OFD of one page of the given box and content
// (the inside of a Layer), with extra parts.
func onePage(t testing.TB, box, layer string, extra map[string]string) []byte {
	t.Helper()
	parts := map[string]string{
		"OFD.xml":                        `<?xml version="1.0" encoding="UTF-8"?><ofd:OFD ` + ns + ` Version="1.0" DocType="OFD"><ofd:DocBody><ofd:DocInfo><ofd:DocID>x</ofd:DocID></ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>`,
		"Doc_0/Document.xml":             onePageDocument(box),
		"Doc_0/PublicRes.xml":            `<?xml version="1.0" encoding="UTF-8"?><ofd:Res ` + ns + ` BaseLoc="Res"><ofd:Fonts><ofd:Font ID="2" FontName="宋体"/></ofd:Fonts></ofd:Res>`,
		"Doc_0/Pages/Page_0/Content.xml": `<?xml version="1.0" encoding="UTF-8"?><ofd:Page ` + ns + `><ofd:Content><ofd:Layer ID="3">` + layer + `</ofd:Layer></ofd:Content></ofd:Page>`,
	}
	for k, v := range extra {
		parts[k] = v
	}
	return pack(t, parts)
}

func onePageDocument(box string) string {
	return `<?xml version="1.0" encoding="UTF-8"?><ofd:Document ` + ns + `><ofd:CommonData><ofd:MaxUnitID>9</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>` + box +
		`</ofd:PhysicalBox></ofd:PageArea><ofd:PublicRes>PublicRes.xml</ofd:PublicRes></ofd:CommonData><ofd:Pages><ofd:Page ID="1" BaseLoc="Pages/Page_0/Content.xml"/></ofd:Pages></ofd:Document>`
}
