package pdf

import (
	"bytes"
	"compress/zlib"
	"crypto/ecdsa"
	"encoding/hex"
	"errors"
	"fmt"
	"image/color"
	"image/png"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/emmansun/gmsm/smx509"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/sealchain/sealchain/signer"
)

const (
	// ContentsSize is the number of bytes reserved for the CMS in /Contents
	// (written as twice as many hex digits).
	ContentsSize = 8192
	// byteRangeWidth is the width of the patched /ByteRange array body.
	byteRangeWidth = 48
	// maxAppearancePixels bounds the appearance image (4096 x 4096).
	maxAppearancePixels = 1 << 24
)

// Errors returned by [Sign] and [Verify]. The returned errors wrap them.
var (
	// ErrNoSignature: Verify found no signature dictionary.
	ErrNoSignature = errors.New("pdf: no signature")
	// ErrEncrypted: the input is encrypted, which is not supported.
	ErrEncrypted = errors.New("pdf: encrypted PDFs are not supported")
	// ErrInvalidOptions: SignOptions or VerifyOptions are incomplete or
	// inconsistent.
	ErrInvalidOptions = errors.New("pdf: invalid options")
	// ErrMalformed: the input could not be parsed as a PDF.
	ErrMalformed = errors.New("pdf: malformed PDF")
	// ErrTooComplex: Verify refused the input for having more than
	// [MaxSignatures] signature dictionaries or [MaxRevisions] revisions.
	ErrTooComplex = errors.New("pdf: too complex to verify")
)

// SignOptions describe one signature.
type SignOptions struct {
	// Key signs; Cert is its DER certificate and Chain the DER certificates
	// of the issuing CA(s), all embedded in the CMS.
	Key   *signer.PrivateKey
	Cert  []byte
	Chain [][]byte
	// Page is the 1-based page of the signature widget.
	Page int
	// Rect is x, y, width, height in PDF points in the page's default user
	// space (origin bottom left, unrotated). Width or height 0 makes an
	// invisible signature.
	Rect [4]float64
	// Appearance is an optional PNG (for instance a red seal) drawn into
	// Rect, keeping its aspect ratio and centred.
	Appearance []byte
	// Name, Reason and Location go into the signature dictionary.
	Name, Reason, Location string
	// Time is the claimed signing time written as /M and, for SM2, as the
	// CMS signing-time attribute. It is a claim: the authoritative time is
	// the block time of the chain transaction recording the signature.
	Time time.Time
}

// Sign appends an incremental update to in that adds a signature field on
// opts.Page and signs the resulting file. The bytes of in are never changed:
// the result starts with in (plus one end-of-line if in lacked a final one).
// See the package documentation for the objects written.
func Sign(in []byte, opts SignOptions) ([]byte, error) {
	certs, err := checkSignOptions(opts)
	if err != nil {
		return nil, fmt.Errorf("sign pdf: %w", err)
	}
	prof, err := profileFor(opts.Key.Algorithm())
	if err != nil {
		return nil, fmt.Errorf("sign pdf: %w", err)
	}
	return sign(in, opts, sigFormat{filter: "Adobe.PPKLite", subFilter: "ETSI.CAdES.detached", size: ContentsSize,
		contents: func(out []byte, a, b int, _ string) ([]byte, error) {
			h := prof.newHash()
			h.Write(out[:a])
			h.Write(out[b:])
			der, err := buildCMS(prof, opts.Key, certs, h.Sum(nil), opts.Time, nil)
			if err != nil {
				return nil, fmt.Errorf("build CMS: %w", err)
			}
			return der, nil
		}})
}

// sigFormat is what differs between the signature formats Sign and SignSES
// write: the handler names, the bytes reserved for /Contents and the
// signature over the byte range (out without out[a:b], the hex string);
// field is the new field's name.
type sigFormat struct {
	filter, subFilter string
	size              int
	contents          func(out []byte, a, b int, field string) ([]byte, error)
}

func sign(in []byte, opts SignOptions, f sigFormat) ([]byte, error) {
	hdr, ctx, prevXRef, xrefIsStream, err := openUpdate(in)
	if err != nil {
		return nil, fmt.Errorf("sign pdf: %w", err)
	}
	if err := ctx.EnsurePageCount(); err != nil {
		return nil, fmt.Errorf("sign pdf: %w: page count: %v", ErrMalformed, err)
	}
	if opts.Page > ctx.PageCount {
		return nil, fmt.Errorf("sign pdf: %w: page %d of %d", ErrInvalidOptions, opts.Page, ctx.PageCount)
	}
	pageDict, pageRef, _, err := ctx.PageDict(opts.Page, false)
	if err != nil {
		return nil, fmt.Errorf("sign pdf: %w: page %d: %v", ErrMalformed, opts.Page, err)
	}
	catalog, err := ctx.Catalog()
	if err != nil || ctx.Root == nil {
		return nil, fmt.Errorf("sign pdf: %w: catalog: %v", ErrMalformed, err)
	}

	w := newUpdateWriter(in, hdr, f.size*2+64<<10)
	next := *ctx.Size
	alloc := func() int { next++; return next - 1 }
	sigNr, widgetNr, apNr := alloc(), alloc(), alloc()

	// Appearance: image XObjects and the form XObject.
	x, y, wd, ht := opts.Rect[0], opts.Rect[1], opts.Rect[2], opts.Rect[3]
	resources := ""
	content := ""
	if len(opts.Appearance) > 0 && wd > 0 && ht > 0 {
		img, err := encodeImage(opts.Appearance)
		if err != nil {
			return nil, fmt.Errorf("sign pdf: appearance: %w", err)
		}
		imgNr := alloc()
		smask := ""
		if img.alpha != nil {
			smNr := alloc()
			w.stream(smNr, 0, fmt.Sprintf("/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode", img.w, img.h), img.alpha)
			smask = fmt.Sprintf(" /SMask %d 0 R", smNr)
		}
		w.stream(imgNr, 0, fmt.Sprintf("/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /FlateDecode%s", img.w, img.h, smask), img.rgb)
		s := math.Min(wd/float64(img.w), ht/float64(img.h))
		dw, dh := float64(img.w)*s, float64(img.h)*s
		content = fmt.Sprintf("q %s 0 0 %s %s %s cm /Im0 Do Q\n", num(dw), num(dh), num((wd-dw)/2), num((ht-dh)/2))
		resources = fmt.Sprintf(" /Resources << /XObject << /Im0 %d 0 R >> >>", imgNr)
	}
	if wd < 0 || ht < 0 || wd == 0 || ht == 0 {
		x, y, wd, ht = 0, 0, 0, 0
	}
	w.stream(apNr, 0, fmt.Sprintf("/Type /XObject /Subtype /Form /BBox [0 0 %s %s]%s", num(wd), num(ht), resources), []byte(content))

	// Signature dictionary with placeholders.
	var sd strings.Builder
	fmt.Fprintf(&sd, "<< /Type /Sig /Filter /%s /SubFilter /%s /ByteRange [", f.filter, f.subFilter)
	brOff := sd.Len()
	sd.WriteString(strings.Repeat(" ", byteRangeWidth))
	sd.WriteString("] /Contents <")
	cOff := sd.Len() - 1
	sd.WriteString(strings.Repeat("0", 2*f.size))
	sd.WriteString(">")
	fmt.Fprintf(&sd, " /M %s", encodeTextString(pdfDate(opts.Time)))
	for _, kv := range [][2]string{{"Name", opts.Name}, {"Reason", opts.Reason}, {"Location", opts.Location}} {
		if kv[1] != "" {
			fmt.Fprintf(&sd, " /%s %s", kv[0], encodeTextString(kv[1]))
		}
	}
	sd.WriteString(" >>")
	sigOff := w.object(sigNr, 0, sd.String())
	brPos, contentsPos := sigOff+int64(brOff), sigOff+int64(cOff)

	// Field + widget.
	fieldName, fields, acroRef, acro, err := acroFormFields(ctx, catalog)
	if err != nil {
		return nil, fmt.Errorf("sign pdf: %w", err)
	}
	w.object(widgetNr, 0, fmt.Sprintf("<< /Type /Annot /Subtype /Widget /FT /Sig /T %s /V %d 0 R /P %s /Rect [%s %s %s %s] /F 132 /AP << /N %d 0 R >> >>",
		encodeTextString(fieldName), sigNr, pageRef.PDFString(), num(x), num(y), num(x+wd), num(y+ht), apNr))
	widgetRef := *types.NewIndirectRef(widgetNr, 0)

	// Page /Annots and the AcroForm.
	if err := w.addSigWidget(ctx, catalog, pageDict, pageRef, fields, acroRef, acro, widgetRef); err != nil {
		return nil, fmt.Errorf("sign pdf: %w", err)
	}

	w.finish(ctx, prevXRef, xrefIsStream, next)

	out := w.buf.Bytes()
	a, b := contentsPos, contentsPos+2*int64(f.size)+2
	br := [4]int64{0, a, b, int64(len(out)) - b}
	brStr := fmt.Sprintf("0 %d %d %d", br[1], br[2], br[3])
	if len(brStr) > byteRangeWidth {
		return nil, fmt.Errorf("sign pdf: byte range %q too wide", brStr)
	}
	copy(out[brPos:], brStr)

	der, err := f.contents(out, int(a), int(b), fieldName)
	if err != nil {
		return nil, fmt.Errorf("sign pdf: %w", err)
	}
	if len(der) > f.size {
		return nil, fmt.Errorf("sign pdf: the signature is %d bytes, more than the %d reserved", len(der), f.size)
	}
	hex.Encode(out[a+1:], der)
	return out, nil
}

func checkSignOptions(opts SignOptions) ([]*smx509.Certificate, error) {
	switch {
	case opts.Key == nil || opts.Key.Signer() == nil:
		return nil, fmt.Errorf("%w: no key", ErrInvalidOptions)
	case opts.Page < 1:
		return nil, fmt.Errorf("%w: page %d", ErrInvalidOptions, opts.Page)
	case opts.Time.IsZero():
		return nil, fmt.Errorf("%w: zero Time", ErrInvalidOptions)
	}
	for _, v := range opts.Rect {
		if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > 1e6 {
			return nil, fmt.Errorf("%w: rect %v", ErrInvalidOptions, opts.Rect)
		}
	}
	leaf, err := signer.ParseCertificate(opts.Cert)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidOptions, err)
	}
	pub, ok := leaf.PublicKey.(*ecdsa.PublicKey)
	if !ok || !pub.Equal(opts.Key.Public()) {
		return nil, fmt.Errorf("%w: certificate does not match key", ErrInvalidOptions)
	}
	certs := []*smx509.Certificate{leaf}
	for i, der := range opts.Chain {
		c, err := signer.ParseCertificate(der)
		if err != nil {
			return nil, fmt.Errorf("%w: chain[%d]: %v", ErrInvalidOptions, i, err)
		}
		certs = append(certs, c)
	}
	return certs, nil
}

// acroFormFields returns a fresh field name, the current /Fields, the
// AcroForm's indirect reference (nil if direct or absent) and a copy of the
// AcroForm dictionary to modify.
func acroFormFields(ctx *model.Context, catalog types.Dict) (string, types.Array, *types.IndirectRef, types.Dict, error) {
	var acroRef *types.IndirectRef
	acro := types.Dict{}
	if o, ok := catalog["AcroForm"]; ok {
		if ir, ok := o.(types.IndirectRef); ok {
			acroRef = &ir
		}
		d, err := ctx.DereferenceDict(o)
		if err != nil {
			return "", nil, nil, nil, fmt.Errorf("%w: /AcroForm: %v", ErrMalformed, err)
		}
		if d != nil {
			acro = d.Clone().(types.Dict)
		}
	}
	fields, err := ctx.DereferenceArray(acro["Fields"])
	if err != nil {
		return "", nil, nil, nil, fmt.Errorf("%w: /AcroForm /Fields: %v", ErrMalformed, err)
	}
	used := map[string]bool{}
	for _, f := range fields {
		d, err := ctx.DereferenceDict(f)
		if err != nil || d == nil {
			continue
		}
		if t, err := ctx.DereferenceStringOrHexLiteral(d["T"], model.V10, nil); err == nil {
			used[t] = true
		}
	}
	n := 1
	for used["Signature"+strconv.Itoa(n)] {
		n++
	}
	return "Signature" + strconv.Itoa(n), slices.Clone(fields), acroRef, acro, nil
}

// maxHeaderOffset is how far into the file the %PDF- header may start:
// readers (poppler, qpdf) look for it in the first 1024 bytes.
const maxHeaderOffset = 1024

// headerOffset returns the offset of the %PDF- header. Bytes before it
// (a mail or transport prefix) are tolerated by readers, which then take
// every cross-reference offset and startxref as relative to the header
// (qpdf, pdfcpu); poppler repairs either way. pdfcpu is given the bytes
// from the header on, since it adds the header offset to startxref and the
// entries but not to /Prev. /ByteRange stays in absolute
// file offsets, which is what pdfsig checks.
func headerOffset(in []byte) (int, error) {
	i := bytes.Index(in[:min(len(in), maxHeaderOffset+5)], []byte("%PDF-"))
	if i < 0 {
		return 0, fmt.Errorf("%w: no %%PDF- header in the first %d bytes", ErrMalformed, maxHeaderOffset)
	}
	return i, nil
}

// lastStartXRef returns the value after the last startxref keyword (an
// offset relative to the header at hdr) and whether it points at a
// cross-reference stream.
func lastStartXRef(in []byte, hdr int) (int64, bool, error) {
	i := bytes.LastIndex(in, []byte("startxref"))
	if i < 0 {
		return 0, false, fmt.Errorf("%w: no startxref", ErrMalformed)
	}
	l := &lexer{b: in, pos: i + len("startxref")}
	l.skipWS()
	off, err := strconv.ParseInt(string(l.regular()), 10, 64)
	if err != nil || off < 0 || off >= int64(len(in)-hdr) {
		return 0, false, fmt.Errorf("%w: bad startxref", ErrMalformed)
	}
	l.pos = int(off) + hdr
	l.skipWS()
	return off, !bytes.HasPrefix(in[l.pos:], []byte("xref")), nil
}

type objLoc struct {
	off int64
	gen int
}

// updateWriter appends objects and a cross-reference section.
// openUpdate reads in for an incremental update: the offset of its %PDF
// header, its objects, and where its last cross-reference section starts
// and whether it is a stream. Encrypted files are refused.
func openUpdate(in []byte) (hdr int, ctx *model.Context, prevXRef int64, xrefIsStream bool, err error) {
	hdr, err = headerOffset(in)
	if err != nil {
		return 0, nil, 0, false, err
	}
	ctx, err = readContext(in[hdr:])
	if err != nil {
		return 0, nil, 0, false, err
	}
	if ctx.Encrypt != nil {
		return 0, nil, 0, false, ErrEncrypted
	}
	prevXRef, xrefIsStream, err = lastStartXRef(in, hdr)
	if err != nil {
		return 0, nil, 0, false, err
	}
	return hdr, ctx, prevXRef, xrefIsStream, nil
}

// newUpdateWriter starts an incremental update after an unchanged copy of
// in (ended by a newline if it was not), with room for extra more bytes.
func newUpdateWriter(in []byte, hdr, extra int) *updateWriter {
	w := &updateWriter{buf: bytes.NewBuffer(make([]byte, 0, len(in)+extra)), offsets: map[int]objLoc{}, base: int64(hdr)}
	w.buf.Write(in)
	if len(in) > 0 && in[len(in)-1] != '\n' && in[len(in)-1] != '\r' {
		w.buf.WriteByte('\n')
	}
	return w
}

// addSigWidget writes the objects that hang the signature widget widgetRef
// into the document: the page with it added to its /Annots, and the
// AcroForm (fields, acroRef and acro from [acroFormFields]) with it added
// to /Fields and /SigFlags 3, redefined in place if indirect, else through
// a new catalog.
func (w *updateWriter) addSigWidget(ctx *model.Context, catalog, pageDict types.Dict, pageRef *types.IndirectRef,
	fields types.Array, acroRef *types.IndirectRef, acro types.Dict, widgetRef types.IndirectRef) error {
	page := pageDict.Clone().(types.Dict)
	annots, err := ctx.DereferenceArray(page["Annots"])
	if err != nil {
		return fmt.Errorf("%w: page /Annots: %v", ErrMalformed, err)
	}
	page["Annots"] = append(slices.Clone(annots), widgetRef)
	w.object(pageRef.ObjectNumber.Value(), pageRef.GenerationNumber.Value(), page.PDFString())

	acro["Fields"] = append(fields, widgetRef)
	acro["SigFlags"] = types.Integer(3)
	if acroRef != nil {
		w.object(acroRef.ObjectNumber.Value(), acroRef.GenerationNumber.Value(), acro.PDFString())
	} else {
		cat := catalog.Clone().(types.Dict)
		cat["AcroForm"] = acro
		w.object(ctx.Root.ObjectNumber.Value(), ctx.Root.GenerationNumber.Value(), cat.PDFString())
	}
	return nil
}

// finish ends the update with its trailer (/Root, /Info and /ID as
// before, /Prev the previous section) in a cross-reference section of the
// kind the file already uses; next is the first unused object number (a
// cross-reference stream takes it).
func (w *updateWriter) finish(ctx *model.Context, prevXRef int64, xrefIsStream bool, next int) {
	trailer := fmt.Sprintf("/Root %s", ctx.Root.PDFString())
	if ctx.Info != nil {
		trailer += " /Info " + ctx.Info.PDFString()
	}
	if len(ctx.ID) == 2 {
		trailer += " /ID " + ctx.ID.PDFString()
	}
	trailer += fmt.Sprintf(" /Prev %d", prevXRef)
	if xrefIsStream {
		w.xrefStream(next, trailer)
	} else {
		w.xrefTable(next, trailer)
	}
}

type updateWriter struct {
	buf     *bytes.Buffer
	offsets map[int]objLoc // relative to base
	base    int64          // offset of the %PDF- header
}

// object writes an object and returns the absolute offset of its body.
func (w *updateWriter) object(nr, gen int, body string) int64 {
	off := int64(w.buf.Len())
	w.offsets[nr] = objLoc{off - w.base, gen}
	fmt.Fprintf(w.buf, "%d %d obj\n", nr, gen)
	start := int64(w.buf.Len())
	w.buf.WriteString(body)
	w.buf.WriteString("\nendobj\n")
	return start
}

func (w *updateWriter) stream(nr, gen int, dict string, data []byte) {
	off := int64(w.buf.Len())
	w.offsets[nr] = objLoc{off - w.base, gen}
	fmt.Fprintf(w.buf, "%d %d obj\n<< %s /Length %d >>\nstream\n", nr, gen, dict, len(data))
	w.buf.Write(data)
	w.buf.WriteString("\nendstream\nendobj\n")
}

// runs groups the written object numbers into contiguous subsections.
func (w *updateWriter) runs() [][2]int {
	nrs := make([]int, 0, len(w.offsets))
	for nr := range w.offsets {
		nrs = append(nrs, nr)
	}
	slices.Sort(nrs)
	var out [][2]int
	for _, nr := range nrs {
		if n := len(out); n > 0 && out[n-1][0]+out[n-1][1] == nr {
			out[n-1][1]++
		} else {
			out = append(out, [2]int{nr, 1})
		}
	}
	return out
}

func (w *updateWriter) xrefTable(size int, trailer string) {
	off := int64(w.buf.Len()) - w.base
	w.buf.WriteString("xref\n")
	for _, r := range w.runs() {
		fmt.Fprintf(w.buf, "%d %d\n", r[0], r[1])
		for nr := r[0]; nr < r[0]+r[1]; nr++ {
			l := w.offsets[nr]
			fmt.Fprintf(w.buf, "%010d %05d n\r\n", l.off, l.gen)
		}
	}
	fmt.Fprintf(w.buf, "trailer\n<< /Size %d %s >>\nstartxref\n%d\n%%%%EOF\n", size, trailer, off)
}

func (w *updateWriter) xrefStream(nr int, trailer string) {
	off := int64(w.buf.Len()) - w.base
	w.offsets[nr] = objLoc{off, 0}
	var data []byte
	var index []string
	for _, r := range w.runs() {
		index = append(index, strconv.Itoa(r[0]), strconv.Itoa(r[1]))
		for n := r[0]; n < r[0]+r[1]; n++ {
			l := w.offsets[n]
			data = append(data, 1, byte(l.off>>32), byte(l.off>>24), byte(l.off>>16), byte(l.off>>8), byte(l.off), byte(l.gen>>8), byte(l.gen))
		}
	}
	fmt.Fprintf(w.buf, "%d 0 obj\n<< /Type /XRef /Size %d /W [1 5 2] /Index [%s] %s /Length %d >>\nstream\n",
		nr, nr+1, strings.Join(index, " "), trailer, len(data))
	w.buf.Write(data)
	fmt.Fprintf(w.buf, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", off)
}

// num formats a coordinate with at most 4 decimals.
func num(f float64) string {
	return strconv.FormatFloat(math.Round(f*1e4)/1e4, 'f', -1, 64)
}

// pdfDate formats t as a PDF date in UTC.
func pdfDate(t time.Time) string {
	return t.UTC().Format("D:20060102150405Z")
}

type pdfImage struct {
	w, h       int
	rgb, alpha []byte // Flate-compressed samples; alpha nil if opaque
}

// encodeImage decodes a PNG into Flate-compressed DeviceRGB samples and, if
// any pixel is not opaque, a DeviceGray soft mask.
func encodeImage(pngData []byte) (*pdfImage, error) {
	cfg, err := png.DecodeConfig(bytes.NewReader(pngData))
	if err != nil {
		return nil, fmt.Errorf("decode PNG: %w", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > maxAppearancePixels {
		return nil, fmt.Errorf("PNG is %dx%d, limit %d pixels", cfg.Width, cfg.Height, maxAppearancePixels)
	}
	img, err := png.Decode(bytes.NewReader(pngData))
	if err != nil {
		return nil, fmt.Errorf("decode PNG: %w", err)
	}
	bnd := img.Bounds()
	rgb := make([]byte, 0, 3*bnd.Dx()*bnd.Dy())
	alpha := make([]byte, 0, bnd.Dx()*bnd.Dy())
	opaque := true
	for y := bnd.Min.Y; y < bnd.Max.Y; y++ {
		for x := bnd.Min.X; x < bnd.Max.X; x++ {
			c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
			rgb = append(rgb, c.R, c.G, c.B)
			alpha = append(alpha, c.A)
			opaque = opaque && c.A == 0xff
		}
	}
	out := &pdfImage{w: bnd.Dx(), h: bnd.Dy(), rgb: deflate(rgb)}
	if !opaque {
		out.alpha = deflate(alpha)
	}
	return out, nil
}

func deflate(b []byte) []byte {
	var buf bytes.Buffer
	zw := zlib.NewWriter(&buf)
	zw.Write(b) // writes to a bytes.Buffer cannot fail
	zw.Close()
	return buf.Bytes()
}
