package report

import (
	"bytes"
	"compress/zlib"
	"context"
	"crypto/md5"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/skip2/go-qrcode"

	"github.com/sealchain/sealchain/evidence"
	"github.com/sealchain/sealchain/internal/pdfgen"
	"github.com/sealchain/sealchain/signer"
	sigpdf "github.com/sealchain/sealchain/signer/pdf"
	"github.com/sealchain/sealchain/signer/seal"
)

// Attachment names.
const (
	BundleAttachment = "bundle.json"
	FactsAttachment  = "facts.json"
)

// ErrOptions means Options are incomplete or inconsistent.
var ErrOptions = errors.New("report: invalid options")

// Issuer is the organisation issuing (and signing) the report.
type Issuer struct {
	ID   string // genesis org id, e.g. "platform"
	Name string // e.g. "Platform Ltd" or "某某科技有限公司"
}

// Options configure [Make].
type Options struct {
	IssuerOrg Issuer
	// Now is the issue time printed and used as the signature's claimed
	// time. Required: the report never reads the clock.
	Now time.Time
	// PartyNames maps certificate fingerprints (hex) to display names such
	// as "张三". Names come from the platform, off chain; the report says so.
	PartyNames map[string]string
	// VerifyURL is the verification page the QR code points to, with
	// "?bundle=" + hex SM3 of bundle.json appended: an http(s) URL, the
	// issuing node's own page (<[api] public_url>/verify) unless the caller
	// chose another. Required: there is no placeholder default.
	VerifyURL string
	// Key, Cert (DER) and Chain (DER CA certificates) sign the report. Cert
	// must be a signer certificate issued by the issuing org's CA.
	Key   *signer.PrivateKey
	Cert  []byte
	Chain [][]byte
	// Seal, if set, is rendered (signer/seal) as the visible appearance of
	// the signature on the last page.
	Seal *seal.EnterpriseOptions
	// BundleJSON, if set, is embedded instead of b.Encode(); it must decode
	// to the same bundle. Use it to keep the bytes (and SM3) of a bundle
	// file as received.
	BundleJSON []byte
	// FontPath is the CJK TrueType font; empty means DefaultFontPath.
	FontPath string
	// FastCompression compresses the PDF's streams at zlib.BestSpeed
	// (larger files, a third of the CPU): for reports made in bulk, as in
	// case packages (evidence/casepkg).
	FastCompression bool
	// Contract, if set, is a contract file the bundle names (a contract's
	// document or a signed revision, by SM3; Make refuses another): the
	// evidence report then shows its pages after the contract section,
	// drawn by Pages for an OFD file, with what could not be drawn listed;
	// a PDF's pages are not drawn (the report says so). The pictures and
	// their notes are not printed facts (Verify cannot re-derive them
	// without the file).
	Contract []byte
	// Pages draws OFD pages (signer/ofd/render's PNG); nil: the report says
	// the pages could not be drawn.
	Pages PageRenderer
	// Trust is the genesis trust the issuer verified the bundle with. Make
	// requires it: the checks an evidence report prints are the ones Make
	// recomputes with it (see Make). The issued documents need it to
	// validate a signed PDF (its organisation CAs are the roots) and print
	// the checks it recomputes too.
	Trust *evidence.Trust
}

// Make lays out the evidence report for bundle b, embeds the bundle and the
// printed facts as attachments, and signs the PDF with opts.Key. See the
// package documentation for the contents.
//
// The verification the report prints (the verdict and every check with its
// detail) is not res: Make verifies b itself under opts.Trust, the bundle
// alone, as anyone holding the report and the genesis does again
// (sealchain verify, the verification page). [Verify] does not compare the
// printed checks with a recomputation (facts.json holds no checks), so a
// check list taken from the caller could print a verdict no verifier
// reaches. res is the caller's own verification: a res whose verdict
// (res.OK) differs from the recomputed one is refused (ErrOptions), as a
// caller that issues a report believing the opposite of what it will say
// has a bug; checks res has beyond the bundle's (a file's, a trusted log's)
// are not printed, since nothing in the report lets a reader recompute
// them.
func Make(b *evidence.Bundle, res *evidence.Result, opts Options) ([]byte, error) {
	raw, facts, err := prepare(b, res, opts)
	if err != nil {
		return nil, err
	}
	if opts.Trust == nil {
		return nil, fmt.Errorf("%w: Options.Trust is required: the report prints the bundle's verification under it", ErrOptions)
	}
	v, err := evidence.NewVerifier(opts.Trust)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	printed := v.Verify(b, nil)
	if printed.OK != res.OK {
		return nil, fmt.Errorf("%w: res says ok=%v (failed: %v), the bundle's verification under Options.Trust ok=%v (failed: %v)",
			ErrOptions, res.OK, res.Failed(), printed.OK, printed.Failed())
	}
	factsJSON, err := json.MarshalIndent(facts, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("report: encode facts: %w", err)
	}
	var cp *contractPages
	if len(opts.Contract) > 0 {
		if cp, err = drawContractPages(context.Background(), b, opts.Contract, opts.Pages); err != nil {
			return nil, err
		}
	}
	return renderDoc(facts, printed, opts, docSpec{
		contract: cp,
		header:   "区块链存证证据报告 Blockchain Evidence Report",
		label:    "报告编号 No. ",
		number:   ReportNo(facts.BundleSM3),
		reason:   "出具区块链存证证据报告 / issuing a blockchain evidence report",
		files: []attachment{
			{BundleAttachment, "证据包 evidence bundle v1, SM3 " + facts.BundleSM3, raw},
			{FactsAttachment, "本报告所载事实 facts printed in this report", factsJSON},
		},
		build: (*layout).build,
	})
}

// prepare checks the options every document shares and computes the facts
// of the bundle as it will be embedded.
func prepare(b *evidence.Bundle, res *evidence.Result, opts Options) (raw []byte, facts *Facts, err error) {
	switch {
	case b == nil || res == nil:
		return nil, nil, fmt.Errorf("%w: nil bundle or result", ErrOptions)
	case opts.Now.IsZero():
		return nil, nil, fmt.Errorf("%w: Now is required", ErrOptions)
	case opts.IssuerOrg.Name == "" || opts.IssuerOrg.ID == "":
		return nil, nil, fmt.Errorf("%w: IssuerOrg needs an id and a name", ErrOptions)
	case opts.Key == nil || len(opts.Cert) == 0:
		return nil, nil, fmt.Errorf("%w: Key and Cert are required", ErrOptions)
	}
	if err := CheckVerifyURL(opts.VerifyURL); err != nil {
		return nil, nil, err
	}
	raw = opts.BundleJSON
	enc, err := b.Encode()
	if err != nil {
		return nil, nil, fmt.Errorf("report: encode bundle: %w", err)
	}
	if raw == nil {
		raw = enc
	} else {
		b2, err := evidence.DecodeBundle(raw)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: BundleJSON: %v", ErrOptions, err)
		}
		if enc2, _ := b2.Encode(); !bytes.Equal(enc, enc2) {
			return nil, nil, fmt.Errorf("%w: BundleJSON is not the bundle given", ErrOptions)
		}
	}
	facts, err = FactsOf(b, raw)
	if err != nil {
		return nil, nil, fmt.Errorf("report: %w", err)
	}
	return raw, facts, nil
}

// attachment is an embedded file.
type attachment struct {
	name, desc string
	data       []byte
}

// docSpec is what differs between the documents this package makes.
type docSpec struct {
	header string // running header and PDF title, "中文 English"
	number string // the document number, in every page's header after label
	label  string
	reason string // the signature's /Reason
	files  []attachment
	build  func(*layout)
	// extra is the layout's document-specific input (docLayout).
	extra any
	// contract is the contract file's pages to show (evidence report).
	contract *contractPages
}

// renderDoc lays out a document with spec.build, embeds spec.files, and signs
// it with the issuer's key (and seal).
func renderDoc(facts *Facts, res *evidence.Result, opts Options, spec docSpec) ([]byte, error) {
	fontPath := opts.FontPath
	if fontPath == "" {
		fontPath = DefaultFontPath
	}
	f, err := loadFont(fontPath)
	if err != nil {
		return nil, err
	}
	qrURL := QRURL(opts.VerifyURL, facts.BundleSM3)
	qr, err := qrcode.New(qrURL, qrcode.Medium)
	if err != nil {
		return nil, fmt.Errorf("report: QR code: %w", err)
	}
	var raw []byte
	for _, a := range spec.files {
		if a.name == BundleAttachment {
			raw = a.data
		}
	}
	l := &layout{c: newCanvas(f), f: facts, res: res, opts: opts, qrURL: qrURL, bundleLen: len(raw),
		header: spec.header, number: spec.number, numberLabel: spec.label, extra: spec.extra, contract: spec.contract}
	spec.build(l)
	unsigned := l.assemble(spec.files, qr.Bitmap())

	so := sigpdf.SignOptions{
		Key: opts.Key, Cert: opts.Cert, Chain: opts.Chain, Page: l.sealPage,
		Name: opts.IssuerOrg.Name, Reason: spec.reason, Time: opts.Now,
	}
	if opts.Seal != nil {
		png, err := sealPNG(*opts.Seal)
		if err != nil {
			return nil, fmt.Errorf("report: seal: %w", err)
		}
		so.Appearance, so.Rect = png, l.sealRect
	}
	out, err := sigpdf.Sign(unsigned, so)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	return out, nil
}

var sealCache sync.Map // seal.EnterpriseOptions → PNG bytes

// sealPNG renders an enterprise seal once per distinct options: rendering
// and PNG encoding cost more than laying out the whole report.
func sealPNG(o seal.EnterpriseOptions) ([]byte, error) {
	if p, ok := sealCache.Load(o); ok {
		return p.([]byte), nil
	}
	img, err := seal.Enterprise(o)
	if err != nil {
		return nil, err
	}
	p, err := seal.EncodePNG(img)
	if err != nil {
		return nil, err
	}
	sealCache.Store(o, p)
	return p, nil
}

// CheckVerifyURL is Make's check of Options.VerifyURL: it accepts an absolute http(s) URL without a query or
// fragment, since "?bundle=" is appended to it.
func CheckVerifyURL(s string) error {
	if s == "" {
		return fmt.Errorf("%w: VerifyURL is required (the node's verification page, <[api] public_url>/verify)", ErrOptions)
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("%w: VerifyURL %q: want http(s)://host[:port]/path, without a query", ErrOptions, s)
	}
	return nil
}

// QRURL is the URL the report's QR code encodes.
func QRURL(verifyURL, bundleSM3 string) string { return verifyURL + "?bundle=" + bundleSM3 }

// ReportNo is the report number printed on every page, derived from the
// bundle's SM3.
func ReportNo(bundleSM3 string) string {
	return "SCR-" + strings.ToUpper(bundleSM3[:min(16, len(bundleSM3))])
}

var cst = time.FixedZone("UTC+8", 8*3600)

func fmtUTC(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
func fmtCST(t time.Time) string { return t.In(cst).Format("2006-01-02 15:04:05.000") + " (UTC+8)" }
func fmtDay(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// Printed fact lines: each is drawn as one line of text, and [Verify]
// requires each in the extracted page text.
func rowPosLine(r RowFacts) string {
	return fmt.Sprintf("区块高度 Height %d | 日志序号 Log index %d", r.Height, r.LogIndex)
}
func rowTimeLine(r RowFacts) string {
	return fmt.Sprintf("区块时间 Block time %s | %s", fmtCST(r.Time), fmtUTC(r.Time))
}
func cpLine(c CheckpointFacts) string {
	return fmt.Sprintf("状态高度 State height %d | 签名区块 Signed header %d | 日志规模 Log size %d", c.Height, c.HeaderHeight, c.LogSize)
}

const (
	issuerLabel     = "出具机构（签章）Issuer (seal)："
	openBanner      = "合同尚未完成签署 CONTRACT STILL OPEN"
	completedBanner = "合同已完成签署 CONTRACT COMPLETED"
)

// printedFacts lists the strings the visible text must contain for facts f.
func printedFacts(f *Facts) []string {
	out := []string{f.BundleSM3, ReportNo(f.BundleSM3), f.ChainID}
	for _, c := range f.Contracts {
		out = append(out, c.ID, c.DocSM3, c.DocSHA256)
		if c.Status == StatusOpen {
			out = append(out, openBanner+"："+c.ID)
		} else {
			out = append(out, completedBanner+"："+c.ID)
		}
	}
	for _, p := range f.Parties {
		out = append(out, p.Fingerprint)
	}
	for _, r := range f.Timeline {
		out = append(out, rowPosLine(r), rowTimeLine(r), r.TxHash)
		if r.Batch != nil {
			out = append(out, r.Batch.Root, r.Batch.Credential)
		}
	}
	out = append(out, cpLine(f.Checkpoint), f.Checkpoint.AppHash, f.Checkpoint.LogRoot)
	for _, v := range f.Validators {
		out = append(out, v.Address)
	}
	return out
}

// assemble writes the unsigned PDF.
func (l *layout) assemble(files []attachment, qr [][]bool) []byte {
	w := &pdfgen.Writer{}
	if l.opts.FastCompression {
		w.Level = zlib.BestSpeed
	}
	catalog, pagesObj, info := w.Reserve(), w.Reserve(), w.Reserve()
	fonts := fmt.Sprintf("/%s %d 0 R", cjkRes, w.EmbedCJK(l.c.t.Font, l.c.t.Used()))
	for _, st := range []style{regular, bold, mono} {
		fonts += fmt.Sprintf(" /%s %d 0 R", faces[st].Res, w.Type1(faces[st].Base))
	}
	// QR code: one pixel per module, scaled up without interpolation.
	n := len(qr)
	px := make([]byte, 0, n*n)
	for _, row := range qr {
		for _, dark := range row {
			if dark {
				px = append(px, 0)
			} else {
				px = append(px, 255)
			}
		}
	}
	qrObj := w.Stream(fmt.Sprintf(" /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 /Interpolate false", n, n), px, true)
	xobjects := fmt.Sprintf("/QR %d 0 R", qrObj)
	if l.contract != nil {
		for _, p := range l.contract.pages {
			b := p.img.Bounds()
			obj := w.Stream(fmt.Sprintf(" /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB /BitsPerComponent 8 /Interpolate true", b.Dx(), b.Dy()), rgbBytes(p.img), true)
			xobjects += fmt.Sprintf(" /%s %d 0 R", p.name, obj)
		}
	}
	res := w.Add(fmt.Sprintf("<< /Font << %s >> /XObject << %s >> /ProcSet [/PDF /Text /ImageB /ImageC] >>", fonts, xobjects))
	var kids []string
	for _, p := range l.c.pages {
		content := w.Stream("", p.Bytes(), false)
		kids = append(kids, fmt.Sprintf("%d 0 R", w.Add(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %s %s] /Resources %d 0 R /Contents %d 0 R >>", pagesObj, num(pageW), num(pageH), res, content))))
	}
	w.Set(pagesObj, fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(kids)))
	date := pdfDate(l.opts.Now)
	attach := func(name, desc string, data []byte) int {
		sum := md5.Sum(data)
		// An embedded PDF is compressed, so that its own signature
		// dictionaries are not read as this document's.
		subtype, flate := "application#2Fjson", false
		if strings.HasSuffix(name, ".pdf") {
			subtype, flate = "application#2Fpdf", true
		}
		ef := w.Stream(fmt.Sprintf(" /Type /EmbeddedFile /Subtype /%s /Params << /Size %d /CheckSum <%X> /ModDate (%s) >>", subtype, len(data), sum[:], date), data, flate)
		return w.Add(fmt.Sprintf("<< /Type /Filespec /F (%s) /UF %s /Desc %s /AFRelationship /Data /EF << /F %d 0 R /UF %d 0 R >> >>", name, pdfText(name), pdfText(desc), ef, ef))
	}
	var names, refs []string
	for _, a := range files {
		n := attach(a.name, a.desc, a.data)
		names = append(names, fmt.Sprintf("(%s) %d 0 R", a.name, n))
		refs = append(refs, fmt.Sprintf("%d 0 R", n))
	}
	// The name tree's keys must be sorted.
	slices.Sort(names)
	w.Set(catalog, fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R /Lang (zh-CN) /PageMode /UseAttachments /Names << /EmbeddedFiles << /Names [%s] >> >> /AF [%s] >>",
		pagesObj, strings.Join(names, " "), strings.Join(refs, " ")))
	w.Set(info, fmt.Sprintf("<< /Title %s /Author %s /Subject %s /Producer (Sealchain evidence/report) /CreationDate (%s) /ModDate (%s) >>",
		pdfText(l.header+" "+l.number), pdfText(l.opts.IssuerOrg.Name), pdfText("Evidence bundle SM3 "+l.f.BundleSM3), date, date))
	return w.Bytes(catalog, info)
}

func pdfDate(t time.Time) string { return "D:" + t.UTC().Format("20060102150405") + "Z" }
