package seal

import (
	"bytes"
	"encoding/asn1"
	"errors"
	"flag"
	"image"
	"image/color"
	"image/jpeg"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"
	"github.com/stretchr/testify/require"
	"golang.org/x/image/font/sfnt"

	"github.com/sealchain/sealchain/signer"
)

var update = flag.Bool("update", false, "rewrite testdata/enterprise.png and testdata/personal.png")

// ---------------------------------------------------------------------------
// Fixtures

var (
	fontOnce sync.Once
	fontVal  *sfnt.Font
	fontErr  error
)

// testFont loads DefaultFontPath once. A missing font fails the test: CI
// installs it and the rendering tests must not pass vacuously.
func testFont(t testing.TB) *sfnt.Font {
	t.Helper()
	fontOnce.Do(func() { fontVal, fontErr = LoadFont(DefaultFontPath) })
	if fontErr != nil {
		t.Fatalf("CJK font unavailable (%v): install the Debian package fonts-droid-fallback "+
			"(apt-get install -y fonts-droid-fallback), which provides %s", fontErr, DefaultFontPath)
	}
	return fontVal
}

// isRed reports whether c is a mostly opaque seal-red pixel.
func isRed(c color.Color) bool {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	return n.A >= 160 && n.R >= 170 && n.G <= 90 && n.B <= 90
}

func isTransparent(c color.Color) bool {
	_, _, _, a := c.RGBA()
	return a == 0
}

// roundTripPNG encodes and decodes img, as a viewer would see it.
func roundTripPNG(t *testing.T, img image.Image) image.Image {
	t.Helper()
	b, err := EncodePNG(img)
	require.NoError(t, err)
	out, err := LoadImage(b)
	require.NoError(t, err)
	return out
}

// redMask returns which pixels of img are red and how many, restricted to
// pixels for which in returns true.
func redMask(img image.Image, in func(x, y int) bool) ([]bool, int) {
	b := img.Bounds()
	mask := make([]bool, b.Dx()*b.Dy())
	n := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if in(x, y) && isRed(img.At(x, y)) {
				mask[(y-b.Min.Y)*b.Dx()+x-b.Min.X] = true
				n++
			}
		}
	}
	return mask, n
}

func maskDiff(a, b []bool) int {
	n := 0
	for i := range a {
		if a[i] != b[i] {
			n++
		}
	}
	return n
}

// enterpriseTextBand selects the annulus holding the name in the upper
// half of a seal of side s.
func enterpriseTextBand(s int) func(x, y int) bool {
	R := float64(s) / 2
	return func(x, y int) bool {
		dx, dy := float64(x)+0.5-R, float64(y)+0.5-R
		d := math.Hypot(dx, dy)
		return dy < 0 && d > 0.5*R && d < 0.86*R
	}
}

// ---------------------------------------------------------------------------
// Rendering

func TestEnterprise(t *testing.T) {
	f := testFont(t)
	tests := []struct {
		name string
		opts EnterpriseOptions
	}{
		{"default size, full", EnterpriseOptions{Name: "北京某某科技有限公司", Purpose: "合同专用章", Code: "91110108MA01ABCD2X", Font: f}},
		{"long name", EnterpriseOptions{Name: "中国某某省某某市某某区人民法院电子诉讼平台有限公司", Purpose: "公章", Font: f}},
		{"short name, no purpose", EnterpriseOptions{Name: "某某公司", Font: f}},
		{"small", EnterpriseOptions{Name: "上海某某律师事务所", Purpose: "合同专用章", Size: 160, Font: f}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			raw, err := Enterprise(tc.opts)
			require.NoError(t, err)
			img := roundTripPNG(t, raw)
			s := img.Bounds().Dx()
			want := tc.opts.Size
			if want == 0 {
				want = DefaultEnterpriseSize
			}
			require.Equal(t, want, s)
			require.Equal(t, want, img.Bounds().Dy())
			c := s / 2
			R := float64(s) / 2

			// The star: its centre and a point on the way up to its top.
			for _, p := range []image.Point{{c, c}, {c, c - int(0.2*R)}, {c - int(0.12*R), c}} {
				if !isRed(img.At(p.X, p.Y)) {
					t.Errorf("star pixel %v is %v, want red", p, img.At(p.X, p.Y))
				}
			}
			// The ring, in the middle of its width, all the way round.
			ringR := 0.97*R - 0.0325*R
			for deg := 0; deg < 360; deg += 15 {
				a := float64(deg) * math.Pi / 180
				x, y := int(R+ringR*math.Cos(a)), int(R+ringR*math.Sin(a))
				if !isRed(img.At(x, y)) {
					t.Errorf("ring pixel at %d° (%d,%d) is %v, want red", deg, x, y, img.At(x, y))
				}
			}
			// Outside the ring: the corners and just beyond the rim.
			outside := []image.Point{{0, 0}, {s - 1, 0}, {0, s - 1}, {s - 1, s - 1}, {c, 0}, {s - 1, c}}
			for _, p := range outside {
				if !isTransparent(img.At(p.X, p.Y)) {
					t.Errorf("pixel %v outside the ring is %v, want transparent", p, img.At(p.X, p.Y))
				}
			}
			// Between the star and the ring, under the star: nothing when
			// there is no purpose line.
			if tc.opts.Purpose == "" && tc.opts.Code == "" {
				_, n := redMask(img, func(x, y int) bool {
					dy := float64(y) + 0.5 - R
					return math.Abs(float64(x)+0.5-R) < 0.3*R && dy > 0.4*R && dy < 0.7*R
				})
				if n != 0 {
					t.Errorf("%d red pixels below the star without a purpose line", n)
				}
			}
			// The name: a good share of the text band is inked.
			_, n := redMask(img, enterpriseTextBand(s))
			band := 0.5 * math.Pi * (0.86*0.86 - 0.5*0.5) * R * R
			if frac := float64(n) / band; frac < 0.08 {
				t.Errorf("name band is %.1f%% red, want at least 8%%: text did not render", 100*frac)
			}
		})
	}
}

// The text band depends on the text: two names give different pixels.
func TestEnterpriseTextDiffers(t *testing.T) {
	f := testFont(t)
	a, err := Enterprise(EnterpriseOptions{Name: "北京某某科技有限公司", Font: f})
	require.NoError(t, err)
	b, err := Enterprise(EnterpriseOptions{Name: "广州另一家贸易有限公司", Font: f})
	require.NoError(t, err)
	ma, na := redMask(a, enterpriseTextBand(DefaultEnterpriseSize))
	mb, nb := redMask(b, enterpriseTextBand(DefaultEnterpriseSize))
	require.NotZero(t, na)
	require.NotZero(t, nb)
	if d := maskDiff(ma, mb); d < 2000 {
		t.Errorf("names differ in only %d pixels of the text band", d)
	}
	// Same input, same pixels.
	c, err := Enterprise(EnterpriseOptions{Name: "北京某某科技有限公司", Font: f})
	require.NoError(t, err)
	mc, _ := redMask(c, enterpriseTextBand(DefaultEnterpriseSize))
	require.Zero(t, maskDiff(ma, mc), "rendering is not deterministic")
}

// The name is turned to follow the circle: 三, whose three strokes are
// horizontal when upright, must have them along the circle (vertical on
// screen) at the 3 and 9 o'clock ends of the arc, and horizontal at the top.
func TestEnterpriseArcTextRotated(t *testing.T) {
	f := testFont(t)
	// Ten characters over 240°: index i sits at (i-4.5)·26.7° from the top,
	// so 1 is at -93.3°, 8 at +93.3°, and 4 and 5 straddle the top.
	img, err := Enterprise(EnterpriseOptions{Name: "某三某某三某某某三某", Font: f})
	require.NoError(t, err)
	R := float64(DefaultEnterpriseSize) / 2
	nameR := 0.97*R - 0.065*R - 0.05*R - 0.29*R/2
	for _, i := range []int{1, 4, 8} {
		theta := (float64(i) - 4.5) * (240.0 / 9) * math.Pi / 180
		sin, cos := math.Sincos(theta)
		cx, cy := R+nameR*sin, R-nameR*cos
		count := func(dx, dy float64) int {
			n := 0
			for s := -0.1 * R; s <= 0.1*R; s++ {
				if isRed(img.At(int(cx+s*dx), int(cy+s*dy))) {
					n++
				}
			}
			return n
		}
		along := count(cos, sin)   // tangent: runs along the middle stroke
		across := count(sin, -cos) // radius: crosses the three strokes
		if along <= 2*across {
			t.Errorf("三 at %.0f°: %d red pixels along the circle, %d across it; want its strokes to follow the circle",
				theta*180/math.Pi, along, across)
		}
	}
}

func TestPersonal(t *testing.T) {
	f := testFont(t)
	tests := []struct {
		name string
		opts PersonalOptions
	}{
		{"two characters", PersonalOptions{Name: "张三", Font: f}},
		{"two characters with 之印", PersonalOptions{Name: "张三", AppendYin: true, Font: f}},
		{"three characters", PersonalOptions{Name: "欧阳娜", Font: f}},
		{"three characters with 印", PersonalOptions{Name: "王小明", AppendYin: true, Font: f}},
		{"four characters", PersonalOptions{Name: "司马相如", Size: 120, Font: f}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			raw, err := Personal(tc.opts)
			require.NoError(t, err)
			img := roundTripPNG(t, raw)
			s := img.Bounds().Dx()
			m := int(0.03*float64(s)) + 1
			bw := int(0.07 * float64(s))
			mid := m + bw/2
			// The border, in the middle of its width, along each side.
			for i := s / 8; i < s-s/8; i += s / 16 {
				for _, p := range []image.Point{{i, mid}, {i, s - 1 - mid}, {mid, i}, {s - 1 - mid, i}} {
					if !isRed(img.At(p.X, p.Y)) {
						t.Errorf("border pixel %v is %v, want red", p, img.At(p.X, p.Y))
					}
				}
			}
			for _, p := range []image.Point{{0, 0}, {s - 1, s - 1}, {s / 2, 0}} {
				if !isTransparent(img.At(p.X, p.Y)) {
					t.Errorf("margin pixel %v is %v, want transparent", p, img.At(p.X, p.Y))
				}
			}
			// Each column of the name carries ink.
			in := m + bw + 2
			for col, x0 := range []int{s / 2, in} { // right column first
				_, n := redMask(img, func(x, y int) bool {
					return x >= x0 && x < x0+(s/2-in) && y >= in && y < s-in
				})
				area := (s/2 - in) * (s - 2*in)
				if frac := float64(n) / float64(area); frac < 0.12 {
					t.Errorf("column %d (from the right) is %.1f%% red, want at least 12%%", col, 100*frac)
				}
			}
		})
	}
}

func TestPersonalTextDiffers(t *testing.T) {
	f := testFont(t)
	inner := func(s int) func(x, y int) bool {
		in := int(0.12 * float64(s))
		return func(x, y int) bool { return x >= in && y >= in && x < s-in && y < s-in }
	}
	render := func(opts PersonalOptions) []bool {
		t.Helper()
		opts.Font = f
		img, err := Personal(opts)
		require.NoError(t, err)
		m, n := redMask(img, inner(DefaultPersonalSize))
		require.NotZero(t, n)
		return m
	}
	a := render(PersonalOptions{Name: "张三"})
	b := render(PersonalOptions{Name: "李四"})
	c := render(PersonalOptions{Name: "张三", AppendYin: true})
	if d := maskDiff(a, b); d < 2000 {
		t.Errorf("张三 and 李四 differ in only %d pixels", d)
	}
	if d := maskDiff(a, c); d < 2000 {
		t.Errorf("张三 and 张三之印 differ in only %d pixels", d)
	}
	// Right to left: 张三's surname is on the right, so the right half of
	// 张三 matches the right column of 张某 better than its left half does.
	d := render(PersonalOptions{Name: "张某"})
	half := func(m []bool, right bool) []bool {
		s := DefaultPersonalSize
		out := make([]bool, len(m))
		for i := range m {
			if x := i % s; (x >= s/2) == right {
				out[i] = m[i]
			}
		}
		return out
	}
	if r, l := maskDiff(half(a, true), half(d, true)), maskDiff(half(a, false), half(d, false)); r >= l {
		t.Errorf("张三 vs 张某: right halves differ by %d, left by %d; the surname should be on the right", r, l)
	}
}

func TestRenderErrors(t *testing.T) {
	f := testFont(t)
	tests := []struct {
		name   string
		render func() (image.Image, error)
		is     error
	}{
		{"enterprise empty name", func() (image.Image, error) { return Enterprise(EnterpriseOptions{Font: f}) }, nil},
		{"enterprise name too long", func() (image.Image, error) {
			return Enterprise(EnterpriseOptions{Name: string(bytes.Repeat([]byte("公"), 41)), Font: f})
		}, nil},
		{"enterprise control character", func() (image.Image, error) { return Enterprise(EnterpriseOptions{Name: "某\n公司", Font: f}) }, nil},
		{"enterprise size too small", func() (image.Image, error) {
			return Enterprise(EnterpriseOptions{Name: "某公司", Size: 10, Font: f})
		}, nil},
		{"enterprise glyph missing", func() (image.Image, error) {
			return Enterprise(EnterpriseOptions{Name: "某公司\U0001F600", Font: f})
		}, ErrFont},
		{"enterprise font missing", func() (image.Image, error) {
			return Enterprise(EnterpriseOptions{Name: "某公司", FontPath: filepath.Join(t.TempDir(), "none.ttf")})
		}, fs.ErrNotExist},
		{"enterprise font garbage", func() (image.Image, error) {
			p := filepath.Join(t.TempDir(), "bad.ttc")
			require.NoError(t, os.WriteFile(p, []byte("not a font"), 0o600))
			return Enterprise(EnterpriseOptions{Name: "某公司", FontPath: p})
		}, ErrFont},
		{"personal one character", func() (image.Image, error) { return Personal(PersonalOptions{Name: "张", Font: f}) }, nil},
		{"personal five characters", func() (image.Image, error) { return Personal(PersonalOptions{Name: "爱新觉罗氏", Font: f}) }, nil},
		{"personal latin", func() (image.Image, error) { return Personal(PersonalOptions{Name: "Li", Font: f}) }, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img, err := tc.render()
			require.Error(t, err)
			require.Nil(t, img)
			if tc.is != nil {
				require.ErrorIs(t, err, tc.is)
			}
			if errors.Is(err, fs.ErrNotExist) {
				require.ErrorIs(t, err, ErrFont)
				require.Contains(t, err.Error(), "fonts-droid-fallback")
			}
		})
	}
}

// TestSamples renders the sample images in testdata. Run with -update to
// rewrite them after a rendering change, then look at them.
func TestSamples(t *testing.T) {
	f := testFont(t)
	ent, err := Enterprise(EnterpriseOptions{Name: "北京某某科技有限公司", Purpose: "合同专用章", Code: "91110108MA01ABCD2X", Size: 300, Font: f})
	require.NoError(t, err)
	per, err := Personal(PersonalOptions{Name: "张三", AppendYin: true, Size: 200, Font: f})
	require.NoError(t, err)
	for name, img := range map[string]image.Image{"enterprise.png": ent, "personal.png": per} {
		b, err := EncodePNG(img)
		require.NoError(t, err)
		path := filepath.Join("testdata", name)
		if *update {
			require.NoError(t, os.WriteFile(path, b, 0o644))
			continue
		}
		// The committed sample must still be a loadable seal image of the
		// same size; pixels may differ with the font version.
		old, err := os.ReadFile(path)
		require.NoError(t, err, "run go test -run TestSamples -update")
		oldImg, err := LoadImage(old)
		require.NoError(t, err)
		require.Equal(t, img.Bounds(), oldImg.Bounds())
	}
}

func TestLoadImage(t *testing.T) {
	good := image.NewNRGBA(image.Rect(0, 0, 100, 80))
	good.Set(50, 40, Red)
	pngBytes, err := EncodePNG(good)
	require.NoError(t, err)
	var jb bytes.Buffer
	require.NoError(t, jpeg.Encode(&jb, good, nil))
	tiny, err := EncodePNG(image.NewNRGBA(image.Rect(0, 0, 10, 10)))
	require.NoError(t, err)
	huge, err := EncodePNG(image.NewGray(image.Rect(0, 0, MaxImageSize+1, 64)))
	require.NoError(t, err)

	tests := []struct {
		name string
		data []byte
		ok   bool
	}{
		{"png", pngBytes, true},
		{"jpeg", jb.Bytes(), true},
		{"empty", nil, false},
		{"gif", []byte("GIF89a\x01\x00\x01\x00"), false},
		{"truncated png", pngBytes[:len(pngBytes)/2], false},
		{"too small", tiny, false},
		{"too wide", huge, false},
		{"too many bytes", append(bytes.Clone(pngBytes[:8]), make([]byte, MaxImageBytes)...), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img, err := LoadImage(tc.data)
			if tc.ok {
				require.NoError(t, err)
				require.Equal(t, good.Bounds(), img.Bounds())
				return
			}
			require.ErrorIs(t, err, ErrImage)
		})
	}
}

// ---------------------------------------------------------------------------
// SESeal

var (
	caFrom   = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	caUntil  = time.Date(2035, 1, 1, 0, 0, 0, 0, time.UTC)
	sealFrom = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	sealTo   = time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC)
	atGood   = time.Date(2026, 3, 15, 8, 0, 0, 0, time.UTC)
)

type fixture struct {
	ca        *signer.CA
	signerDER []byte // a signer leaf, listed in the seal
	leafKey   *signer.PrivateKey
	leafDER   []byte // a leaf with UsageSigner, usable as maker
}

func newFixture(t testing.TB, alg signer.Algorithm, org string) *fixture {
	t.Helper()
	key, err := signer.GenerateKey(alg, nil)
	require.NoError(t, err)
	ca, err := signer.NewCA(key, signer.CAOptions{OrgID: org, OrgName: org + " Ltd", Role: "platform", NotBefore: caFrom, NotAfter: caUntil}, nil)
	require.NoError(t, err)
	issue := func(u signer.Usage) (*signer.PrivateKey, []byte) {
		k, err := signer.GenerateKey(alg, nil)
		require.NoError(t, err)
		der, err := ca.Issue(k.Public(), signer.IssueOptions{SubjectRef: "sc:" + u.String(), Usage: u, NotBefore: caFrom, NotAfter: caUntil}, nil)
		require.NoError(t, err)
		return k, der
	}
	_, signerDER := issue(signer.UsageSigner)
	leafKey, leafDER := issue(signer.UsageSigner)
	return &fixture{ca: ca, signerDER: signerDER, leafKey: leafKey, leafDER: leafDER}
}

// testPicture is a small PNG that needs no font.
func testPicture(t testing.TB) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 64, 64))
	for i := range 64 {
		img.Set(i, i, Red)
		img.Set(63-i, i, Red)
	}
	b, err := EncodePNG(img)
	require.NoError(t, err)
	return b
}

func (fx *fixture) info(t testing.TB) SealInfo {
	return SealInfo{
		ID:          "seal-0001",
		Kind:        KindOrganization,
		Name:        "某某科技有限公司合同专用章",
		SignerCerts: [][]byte{fx.signerDER},
		Created:     sealFrom,
		ValidStart:  sealFrom,
		ValidEnd:    sealTo,
		Picture:     Picture{Data: testPicture(t), WidthMM: 42, HeightMM: 42},
	}
}

func (fx *fixture) make(t testing.TB) []byte {
	t.Helper()
	der, err := Make(fx.info(t), fx.ca.Key, fx.ca.Cert.Raw, nil)
	require.NoError(t, err)
	return der
}

func TestMakeParseVerify(t *testing.T) {
	for _, alg := range []signer.Algorithm{signer.AlgSM2, signer.AlgECDSAP256} {
		fx := newFixture(t, alg, "org1")
		wantOID := OIDSM2WithSM3
		if alg == signer.AlgECDSAP256 {
			wantOID = OIDECDSAWithSHA256
		}
		tests := []struct {
			name   string
			key    *signer.PrivateKey
			maker  []byte
			mutate func(*SealInfo)
		}{
			{"CA is maker", fx.ca.Key, fx.ca.Cert.Raw, nil},
			{"leaf of CA is maker", fx.leafKey, fx.leafDER, nil},
			{"digest list and extension", fx.ca.Key, fx.ca.Cert.Raw, func(i *SealInfo) {
				d := sm3.Sum(fx.signerDER)
				i.SignerCerts = nil
				i.SignerCertDigests = []CertDigest{{Type: "SM3", Value: d[:]}}
				i.Extensions = []Extension{{ID: asn1.ObjectIdentifier{2, 999, 3, 1} /* X.660 example arc: any maker OID */, Value: []byte("x")}}
				i.Kind = KindPersonal
				i.VendorID = "other-vendor"
			}},
		}
		for _, tc := range tests {
			t.Run(alg.String()+"/"+tc.name, func(t *testing.T) {
				info := fx.info(t)
				// Sub-second, non-UTC times are normalised by Make.
				info.Created = sealFrom.In(time.FixedZone("CST", 8*3600)).Add(123 * time.Millisecond)
				if tc.mutate != nil {
					tc.mutate(&info)
				}
				der, err := Make(info, tc.key, tc.maker, nil)
				require.NoError(t, err)
				s, err := Parse(der)
				require.NoError(t, err)
				require.NoError(t, s.Verify([]*smx509.Certificate{fx.ca.Cert}, atGood))

				require.Equal(t, wantOID, s.SignatureAlgorithm)
				require.Equal(t, tc.maker, s.MakerCert.Raw)
				require.Equal(t, der, s.Bytes())
				require.Equal(t, sm3.Sum(der), s.Hash())
				want := info
				if want.VendorID == "" {
					want.VendorID = DefaultVendorID
				}
				want.Picture.Type = PictureTypePNG
				want.Created = sealFrom
				require.Equal(t, want, s.Info)
				img, err := s.Image()
				require.NoError(t, err)
				require.Equal(t, 64, img.Bounds().Dx())

				// Changing the exported fields does not change what is verified.
				s.Info.ValidEnd = sealFrom
				s.Signature = nil
				require.NoError(t, s.Verify([]*smx509.Certificate{fx.ca.Cert}, atGood))
				require.Equal(t, sm3.Sum(der), s.Hash())
			})
		}
	}
}

// flipAt returns a copy of der with the byte at i changed.
func flipAt(der []byte, i int) []byte {
	out := bytes.Clone(der)
	out[i] ^= 0x01
	return out
}

func TestVerifyFailures(t *testing.T) {
	fx := newFixture(t, signer.AlgSM2, "org1")
	ecfx := newFixture(t, signer.AlgECDSAP256, "org2")
	other := newFixture(t, signer.AlgSM2, "org3")
	der := fx.make(t)
	roots := []*smx509.Certificate{fx.ca.Cert}
	pic := testPicture(t)
	picAt := bytes.Index(der, pic)
	require.Positive(t, picAt)
	nameAt := bytes.Index(der, []byte("合同"))
	require.Positive(t, nameAt)

	submitterKey, err := signer.GenerateKey(signer.AlgSM2, nil)
	require.NoError(t, err)
	submitterDER, err := fx.ca.Issue(submitterKey.Public(), signer.IssueOptions{SubjectRef: "sc:submitter", Usage: signer.UsageSubmitter, NotBefore: caFrom, NotAfter: caUntil}, nil)
	require.NoError(t, err)
	submitterSeal, err := Make(fx.info(t), submitterKey, submitterDER, nil)
	require.NoError(t, err)

	leafSeal, err := Make(fx.info(t), fx.leafKey, fx.leafDER, nil)
	require.NoError(t, err)

	tests := []struct {
		name  string
		der   []byte
		roots []*smx509.Certificate
		at    time.Time
		is    []error
	}{
		{"picture byte", flipAt(der, picAt+len(pic)/2), roots, atGood, []error{ErrSignature, signer.ErrBadSignature}},
		{"name", bytes.Replace(der, []byte("合同"), []byte("财务"), 1), roots, atGood, []error{ErrSignature}},
		{"signature last byte", flipAt(der, len(der)-1), roots, atGood, []error{ErrSignature}},
		{"after validEnd", der, roots, sealTo.Add(time.Second), []error{ErrExpired}},
		{"before validStart", der, roots, sealFrom.Add(-time.Second), []error{ErrExpired}},
		{"wrong roots", der, []*smx509.Certificate{other.ca.Cert, ecfx.ca.Cert}, atGood, []error{ErrUntrusted}},
		{"leaf maker, wrong roots", leafSeal, []*smx509.Certificate{other.ca.Cert, ecfx.ca.Cert}, atGood, []error{ErrUntrusted, signer.ErrUnknownIssuer}},
		{"no roots", der, nil, atGood, []error{ErrUntrusted}},
		{"maker leaf lacks signer usage", submitterSeal, roots, atGood, []error{ErrUntrusted, signer.ErrWrongUsage}},
		{"algorithm swapped", remarshal(t, der, func(o *sesealASN1, _ *sealInfoASN1) { o.SignAlgID = OIDECDSAWithSHA256 }), roots, atGood, []error{ErrSignature}},
		{"signature from another key", remarshal(t, der, func(o *sesealASN1, _ *sealInfoASN1) {
			o.Cert = other.ca.Cert.Raw
		}), []*smx509.Certificate{other.ca.Cert}, atGood, []error{ErrSignature}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Parse(tc.der)
			require.NoError(t, err, "the tampered seal must still parse")
			err = s.Verify(tc.roots, tc.at)
			require.Error(t, err)
			for _, want := range tc.is {
				require.ErrorIs(t, err, want)
			}
		})
	}

	t.Run("root expired at verification time", func(t *testing.T) {
		key, err := signer.GenerateKey(signer.AlgSM2, nil)
		require.NoError(t, err)
		ca, err := signer.NewCA(key, signer.CAOptions{OrgID: "short", OrgName: "Short Ltd", Role: "notary", NotBefore: caFrom, NotAfter: sealFrom.Add(24 * time.Hour)}, nil)
		require.NoError(t, err)
		d, err := Make(fx.info(t), key, ca.Cert.Raw, nil)
		require.NoError(t, err)
		s, err := Parse(d)
		require.NoError(t, err)
		require.NoError(t, s.Verify([]*smx509.Certificate{ca.Cert}, sealFrom.Add(time.Hour)))
		err = s.Verify([]*smx509.Certificate{ca.Cert}, atGood)
		require.ErrorIs(t, err, ErrUntrusted)
		require.ErrorIs(t, err, signer.ErrNotValidAt)
	})

	t.Run("undecodable picture", func(t *testing.T) {
		// Sign a seal whose picture passes Parse but not the decoder, by
		// encoding it directly.
		info := fx.info(t)
		info.VendorID = DefaultVendorID
		info.Picture.Type = PictureTypePNG
		info.Picture.Data = append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 40)...)
		infoDER, err := encodeInfo(&info)
		require.NoError(t, err)
		sig, err := fx.ca.Key.Sign(nil, infoDER)
		require.NoError(t, err)
		d, err := asn1.Marshal(sesealASN1{Info: asn1.RawValue{FullBytes: infoDER}, Cert: fx.ca.Cert.Raw, SignAlgID: OIDSM2WithSM3, SignedValue: asn1.BitString{Bytes: sig, BitLength: 8 * len(sig)}})
		require.NoError(t, err)
		s, err := Parse(d)
		require.NoError(t, err)
		require.ErrorIs(t, s.Verify(roots, atGood), ErrImage)
	})

	t.Run("zero seal", func(t *testing.T) {
		require.ErrorIs(t, (&Seal{}).Verify(roots, atGood), ErrFormat)
		var s *Seal
		require.ErrorIs(t, s.Verify(roots, atGood), ErrFormat)
	})
}

// remarshal decodes der into the ASN.1 shapes, lets mutate change them and
// encodes them again, keeping the original signature.
func remarshal(t testing.TB, der []byte, mutate func(*sesealASN1, *sealInfoASN1)) []byte {
	t.Helper()
	var o sesealASN1
	_, err := asn1.Unmarshal(der, &o)
	require.NoError(t, err)
	var in sealInfoASN1
	_, err = asn1.Unmarshal(o.Info.FullBytes, &in)
	require.NoError(t, err)
	mutate(&o, &in)
	infoDER, err := asn1.Marshal(in)
	require.NoError(t, err)
	o.Info = asn1.RawValue{FullBytes: infoDER}
	out, err := asn1.Marshal(o)
	require.NoError(t, err)
	return out
}

func TestParseRejects(t *testing.T) {
	fx := newFixture(t, signer.AlgSM2, "org1")
	der := fx.make(t)
	mut := func(f func(*sesealASN1, *sealInfoASN1)) []byte { return remarshal(t, der, f) }
	// Sanity: an identity remarshal is accepted, so each case below fails
	// for its own reason.
	_, err := Parse(mut(func(*sesealASN1, *sealInfoASN1) {}))
	require.NoError(t, err)

	// esID as UTF8String: same characters, wrong string type.
	esidUTF8 := bytes.Replace(der, []byte("\x16\x09seal-0001"), []byte("\x0c\x09seal-0001"), 1)
	require.False(t, bytes.Equal(esidUTF8, der))

	tests := []struct {
		name string
		der  []byte
	}{
		{"empty", nil},
		{"truncated by one", der[:len(der)-1]},
		{"truncated half", der[:len(der)/2]},
		{"header only", der[:8]},
		{"trailing byte", append(bytes.Clone(der), 0)},
		{"version 3", mut(func(_ *sesealASN1, in *sealInfoASN1) { in.Header.Version = 3 })},
		{"version 5", mut(func(_ *sesealASN1, in *sealInfoASN1) { in.Header.Version = 5 })},
		{"header XX", mut(func(_ *sesealASN1, in *sealInfoASN1) { in.Header.ID = "XX" })},
		{"unknown type", mut(func(_ *sesealASN1, in *sealInfoASN1) { in.Property.Type = 9 })},
		{"certListType 3", mut(func(_ *sesealASN1, in *sealInfoASN1) { in.Property.CertListType = 3 })},
		{"certListType 2 with certs", mut(func(_ *sesealASN1, in *sealInfoASN1) { in.Property.CertListType = 2 })},
		{"empty cert list", mut(func(_ *sesealASN1, in *sealInfoASN1) {
			in.Property.CertList = asn1.RawValue{FullBytes: []byte{0x30, 0x00}}
		})},
		{"garbage signer cert", mut(func(_ *sesealASN1, in *sealInfoASN1) {
			b, _ := asn1.Marshal([][]byte{[]byte("not a certificate")})
			in.Property.CertList = asn1.RawValue{FullBytes: b}
		})},
		{"picture GIF", mut(func(_ *sesealASN1, in *sealInfoASN1) { in.Picture.Type = "GIF" })},
		{"picture 0 mm", mut(func(_ *sesealASN1, in *sealInfoASN1) { in.Picture.Width = 0 })},
		{"picture 1 m", mut(func(_ *sesealASN1, in *sealInfoASN1) { in.Picture.Height = 1000 })},
		{"empty esID", mut(func(_ *sesealASN1, in *sealInfoASN1) { in.ESID = "" })},
		{"esID with space", mut(func(_ *sesealASN1, in *sealInfoASN1) { in.ESID = "a b" })},
		{"empty name", mut(func(_ *sesealASN1, in *sealInfoASN1) { in.Property.Name = "" })},
		{"validEnd before validStart", mut(func(_ *sesealASN1, in *sealInfoASN1) { in.Property.ValidEnd = sealFrom.Add(-time.Hour) })},
		{"time not UTC", mut(func(_ *sesealASN1, in *sealInfoASN1) {
			in.Property.CreateDate = sealFrom.In(time.FixedZone("", 8*3600))
		})},
		{"critical extension", mut(func(_ *sesealASN1, in *sealInfoASN1) {
			in.ExtDatas = []extDataASN1{{ID: asn1.ObjectIdentifier{1, 2, 3}, Critical: true, Value: []byte{1}}}
		})},
		{"explicit DEFAULT FALSE", func() []byte {
			// ExtData with critical encoded as an explicit FALSE is valid
			// BER but not DER.
			type explicitExt struct {
				ID       asn1.ObjectIdentifier
				Critical bool
				Value    []byte
			}
			type info struct {
				Header   headerASN1
				ESID     string `asn1:"ia5"`
				Property propertyASN1
				Picture  pictureASN1
				ExtDatas []explicitExt
			}
			var o sesealASN1
			_, err := asn1.Unmarshal(der, &o)
			require.NoError(t, err)
			var in sealInfoASN1
			_, err = asn1.Unmarshal(o.Info.FullBytes, &in)
			require.NoError(t, err)
			b, err := asn1.Marshal(info{in.Header, in.ESID, in.Property, in.Picture, []explicitExt{{ID: asn1.ObjectIdentifier{1, 2, 3}, Value: []byte{1}}}})
			require.NoError(t, err)
			o.Info = asn1.RawValue{FullBytes: b}
			out, err := asn1.Marshal(o)
			require.NoError(t, err)
			return out
		}()},
		{"esID as UTF8String", esidUTF8},
		{"unknown algorithm", mut(func(o *sesealASN1, _ *sealInfoASN1) { o.SignAlgID = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11} })},
		{"signature with padding bits", mut(func(o *sesealASN1, _ *sealInfoASN1) { o.SignedValue.BitLength-- })},
		{"maker cert garbage", mut(func(o *sesealASN1, _ *sealInfoASN1) { o.Cert = []byte("nope") })},
		{"too large", append(bytes.Clone(der), make([]byte, MaxSealBytes)...)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Parse(tc.der)
			require.ErrorIs(t, err, ErrFormat)
			require.Nil(t, s)
		})
	}
}

func TestMakeRejects(t *testing.T) {
	fx := newFixture(t, signer.AlgSM2, "org1")
	ec := newFixture(t, signer.AlgECDSAP256, "org2")
	tests := []struct {
		name   string
		mutate func(*SealInfo)
		key    *signer.PrivateKey
		maker  []byte
		is     error
	}{
		{"key does not match maker", nil, ec.ca.Key, fx.ca.Cert.Raw, nil},
		{"nil key", nil, nil, fx.ca.Cert.Raw, nil},
		{"maker not a certificate", nil, fx.ca.Key, []byte("x"), nil},
		{"no signer certs", func(i *SealInfo) { i.SignerCerts = nil }, fx.ca.Key, fx.ca.Cert.Raw, ErrFormat},
		{"too many signer certs", func(i *SealInfo) {
			for range MaxCerts {
				i.SignerCerts = append(i.SignerCerts, fx.signerDER)
			}
		}, fx.ca.Key, fx.ca.Cert.Raw, ErrFormat},
		{"zero created", func(i *SealInfo) { i.Created = time.Time{} }, fx.ca.Key, fx.ca.Cert.Raw, ErrFormat},
		{"picture not PNG", func(i *SealInfo) { i.Picture.Data = []byte("GIF89a") }, fx.ca.Key, fx.ca.Cert.Raw, ErrImage},
		{"picture JPEG type", func(i *SealInfo) { i.Picture.Type = "JPG" }, fx.ca.Key, fx.ca.Cert.Raw, ErrFormat},
		{"unknown kind", func(i *SealInfo) { i.Kind = 0 }, fx.ca.Key, fx.ca.Cert.Raw, ErrFormat},
		{"duplicate extension", func(i *SealInfo) {
			e := Extension{ID: asn1.ObjectIdentifier{1, 2, 3}, Value: []byte{1}}
			i.Extensions = []Extension{e, e}
		}, fx.ca.Key, fx.ca.Cert.Raw, ErrFormat},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			info := fx.info(t)
			if tc.mutate != nil {
				tc.mutate(&info)
			}
			der, err := Make(info, tc.key, tc.maker, nil)
			require.Error(t, err)
			require.Nil(t, der)
			if tc.is != nil {
				require.ErrorIs(t, err, tc.is)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	fx := newFixture(f, signer.AlgSM2, "org1")
	der := fx.make(f)
	f.Add(der)
	f.Add(der[:len(der)/3])
	f.Add([]byte{0x30, 0x00})
	f.Add([]byte{})
	roots := []*smx509.Certificate{fx.ca.Cert}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := Parse(b)
		if err != nil {
			if s != nil || !errors.Is(err, ErrFormat) {
				t.Fatalf("Parse error %v with seal %v, want ErrFormat and nil", err, s)
			}
			return
		}
		// Canonical: a parsed seal is its input, byte for byte.
		if !bytes.Equal(s.Bytes(), b) || s.Hash() != sm3.Sum(b) {
			t.Fatal("parsed seal does not round-trip")
		}
		_ = s.Verify(roots, atGood)
	})
}
