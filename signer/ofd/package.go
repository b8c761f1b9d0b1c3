package ofd

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/emmansun/gmsm/sm3"
)

// Bounds of a package, so that hostile input stays cheap: the zip is read
// from memory, every entry is decompressed at most once and only up to its
// bound, and XML is read with a token decoder that stops at a depth.
const (
	// MaxFileBytes bounds the OFD file.
	MaxFileBytes = 64 << 20
	// MaxEntries bounds the zip entries.
	MaxEntries = 4096
	// MaxEntryBytes bounds one decompressed entry.
	MaxEntryBytes = 32 << 20
	// MaxTotalBytes bounds all decompressed entries read together.
	MaxTotalBytes = 128 << 20
	// MaxXMLBytes bounds an XML part that is parsed.
	MaxXMLBytes = 4 << 20
	// MaxXMLDepth bounds element nesting in a parsed XML part.
	MaxXMLDepth = 64
	// MaxSignatures bounds the signatures of a document.
	MaxSignatures = 64
	// MaxReferences bounds the references of one signature.
	MaxReferences = 4096
	// MaxXMLElements bounds the elements of one parsed XML part.
	MaxXMLElements = 1 << 17
	// MaxXMLTotalBytes and MaxXMLTotalElements bound all the XML parsed
	// in one package: parsing costs about 25 bytes allocated and 60 ms
	// per MiB, so 64 signatures of 4 MiB each (within every per-part
	// bound) cost 8 s and 3.5 GB until these were added. A file of 64
	// signatures over 4096 parts has about 40 MiB of Signature.xml; real
	// files have far less.
	MaxXMLTotalBytes    = 32 << 20
	MaxXMLTotalElements = 1 << 20
)

// Sentinel errors.
var (
	// ErrFormat means the file is not an OFD package this package reads:
	// not a zip, a bound exceeded, a part missing or malformed.
	ErrFormat = errors.New("ofd: malformed package")
	// ErrTooLarge means a bound above was exceeded (it also wraps ErrFormat).
	ErrTooLarge = errors.New("ofd: too large")
)

// Package is an OFD file opened for reading. Parts are decompressed on
// demand, each once.
type Package struct {
	files map[string]*zip.File // by normalised name, without leading "/"
	lower map[string]string    // lower-case name → name, the first in zip order
	order []string             // zip order
	cache map[string][]byte
	sums  map[string][32]byte // SM3 of parts, each hashed once
	total int64
	// xmlBytes and xmlElems are the XML parsed so far (MaxXMLTotal*).
	xmlBytes, xmlElems int
	size               int64
}

// Open reads the zip directory of an OFD file. Names are normalised (no
// leading "/", "\" read as "/"); an entry whose name escapes the package
// ("..") or repeats an earlier one is refused.
func Open(data []byte) (*Package, error) {
	if len(data) > MaxFileBytes {
		return nil, fmt.Errorf("%w: %w: %d bytes, more than %d", ErrFormat, ErrTooLarge, len(data), MaxFileBytes)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("%w: zip: %w", ErrFormat, err)
	}
	if len(zr.File) > MaxEntries {
		return nil, fmt.Errorf("%w: %w: %d entries, more than %d", ErrFormat, ErrTooLarge, len(zr.File), MaxEntries)
	}
	p := &Package{files: map[string]*zip.File{}, lower: map[string]string{}, cache: map[string][]byte{}, sums: map[string][32]byte{}, size: int64(len(data))}
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, "/") {
			continue // a directory
		}
		name, err := clean(f.Name)
		if err != nil {
			return nil, fmt.Errorf("%w: entry %q: %w", ErrFormat, f.Name, err)
		}
		if _, dup := p.files[name]; dup {
			return nil, fmt.Errorf("%w: entry %q appears twice", ErrFormat, name)
		}
		p.files[name] = f
		p.order = append(p.order, name)
		if _, ok := p.lower[strings.ToLower(name)]; !ok {
			p.lower[strings.ToLower(name)] = name
		}
	}
	return p, nil
}

// clean normalises a name inside the package.
func clean(name string) (string, error) {
	if !utf8.ValidString(name) {
		return "", errors.New("name is not UTF-8")
	}
	n := strings.ReplaceAll(name, "\\", "/")
	n = strings.TrimLeft(n, "/")
	for _, seg := range strings.Split(n, "/") {
		if seg == ".." {
			return "", errors.New("name escapes the package")
		}
	}
	n = path.Clean(n)
	if n == "." || n == "" {
		return "", errors.New("empty name")
	}
	return n, nil
}

// Resolve turns a location (ST_Loc) found in a part in directory base into
// a package name: absolute locations start at the root, others at base.
func Resolve(base, loc string) (string, error) {
	loc = strings.TrimSpace(loc)
	if loc == "" {
		return "", fmt.Errorf("%w: empty location", ErrFormat)
	}
	loc = strings.ReplaceAll(loc, "\\", "/")
	if !strings.HasPrefix(loc, "/") {
		loc = path.Join("/", base, loc)
	}
	n, err := clean(loc)
	if err != nil {
		return "", fmt.Errorf("%w: location %q: %w", ErrFormat, loc, err)
	}
	return n, nil
}

// Names lists the parts in zip order.
func (p *Package) Names() []string { return append([]string(nil), p.order...) }

// Has reports whether the part exists.
func (p *Package) Has(name string) bool { _, ok := p.files[name]; return ok }

// lookup finds a part, falling back to a case-insensitive match: some
// producers write "TPLS/" for "Tpls/" (ofdrw's v4signed.ofd), which Windows
// readers accept.
func (p *Package) lookup(name string) (*zip.File, string, bool) {
	if f, ok := p.files[name]; ok {
		return f, name, true
	}
	if n, ok := p.lower[strings.ToLower(name)]; ok {
		return p.files[n], n, true
	}
	return nil, "", false
}

// Read returns a part's bytes, decompressed within the bounds.
func (p *Package) Read(name string) ([]byte, error) {
	f, n, ok := p.lookup(name)
	if !ok {
		return nil, fmt.Errorf("%w: part %q is missing", ErrFormat, "/"+name)
	}
	if b, ok := p.cache[n]; ok {
		return b, nil
	}
	if f.UncompressedSize64 > MaxEntryBytes {
		return nil, fmt.Errorf("%w: %w: part %q declares %d bytes", ErrFormat, ErrTooLarge, "/"+n, f.UncompressedSize64)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%w: part %q: %w", ErrFormat, "/"+n, err)
	}
	defer rc.Close()
	limit := int64(MaxEntryBytes)
	if left := MaxTotalBytes - p.total; left < limit {
		limit = left
	}
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%w: part %q: %w", ErrFormat, "/"+n, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%w: %w: part %q is larger than %d bytes", ErrFormat, ErrTooLarge, "/"+n, limit)
	}
	p.total += int64(len(b))
	p.cache[n] = b
	return b, nil
}

// digest returns the SM3 of a part, computed once: many references to one
// large part cost one hash.
func (p *Package) digest(name string) ([32]byte, error) {
	_, n, ok := p.lookup(name)
	if ok {
		if h, ok := p.sums[n]; ok {
			return h, nil
		}
	}
	b, err := p.Read(name)
	if err != nil {
		return [32]byte{}, err
	}
	h := sm3.Sum(b)
	p.sums[n] = h
	return h, nil
}

// element is a generic XML element: a local name, attributes by local
// name, text and children. OFD producers differ in namespace prefixes (and
// some omit the namespace: ofdrw's namespace_no_std.ofd), so names are
// matched without namespace.
type element struct {
	Name     string
	Attr     map[string]string
	Text     string
	Children []*element
	buf      []byte // text while parsing: appended, so that many pieces stay linear
}

func (e *element) child(name string) *element {
	if e == nil {
		return nil
	}
	for _, c := range e.Children {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func (e *element) all(name string) []*element {
	if e == nil {
		return nil
	}
	var out []*element
	for _, c := range e.Children {
		if c.Name == name {
			out = append(out, c)
		}
	}
	return out
}

func (e *element) text(name string) string {
	if c := e.child(name); c != nil {
		return strings.TrimSpace(c.Text)
	}
	return ""
}

// parse is parseXML within the package's budget for all its XML.
func (p *Package) parse(b []byte, what string) (*element, error) {
	if p.xmlBytes+len(b) > MaxXMLTotalBytes {
		return nil, fmt.Errorf("%w: %w: %s: more than %d bytes of XML in the package", ErrFormat, ErrTooLarge, what, MaxXMLTotalBytes)
	}
	p.xmlBytes += len(b)
	e, n, err := parseXMLN(b, what, min(MaxXMLElements, MaxXMLTotalElements-p.xmlElems))
	p.xmlElems += n
	return e, err
}

// parseXML reads one XML document into elements, within MaxXMLBytes,
// MaxXMLDepth and MaxXMLElements.
func parseXML(b []byte, what string) (*element, error) {
	e, _, err := parseXMLN(b, what, MaxXMLElements)
	return e, err
}

// parseXMLN is parseXML with at most maxElems elements; it also returns
// the elements read.
func parseXMLN(b []byte, what string, maxElems int) (*element, int, error) {
	if len(b) > MaxXMLBytes {
		return nil, 0, fmt.Errorf("%w: %w: %s is %d bytes", ErrFormat, ErrTooLarge, what, len(b))
	}
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	// OFD parts are UTF-8; a declared "utf-8"/"UTF-8" is the only charset
	// accepted.
	d.CharsetReader = func(label string, in io.Reader) (io.Reader, error) {
		if strings.EqualFold(label, "utf-8") || strings.EqualFold(label, "utf8") {
			return in, nil
		}
		return nil, fmt.Errorf("charset %q", label)
	}
	var stack []*element
	var root *element
	n := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, n, fmt.Errorf("%w: %s: %w", ErrFormat, what, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) >= MaxXMLDepth {
				return nil, n, fmt.Errorf("%w: %w: %s nests deeper than %d", ErrFormat, ErrTooLarge, what, MaxXMLDepth)
			}
			if n++; n > maxElems {
				return nil, n, fmt.Errorf("%w: %w: %s has too many elements", ErrFormat, ErrTooLarge, what)
			}
			e := &element{Name: t.Name.Local, Attr: map[string]string{}}
			for _, a := range t.Attr {
				if a.Name.Space == "xmlns" || a.Name.Local == "xmlns" {
					continue
				}
				e.Attr[a.Name.Local] = a.Value
			}
			if len(stack) == 0 {
				if root != nil {
					return nil, n, fmt.Errorf("%w: %s has two root elements", ErrFormat, what)
				}
				root = e
			} else {
				top := stack[len(stack)-1]
				top.Children = append(top.Children, e)
			}
			stack = append(stack, e)
		case xml.EndElement:
			top := stack[len(stack)-1]
			top.Text, top.buf = string(top.buf), nil
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				top := stack[len(stack)-1]
				top.buf = append(top.buf, t...)
			}
		}
	}
	if root == nil {
		return nil, n, fmt.Errorf("%w: %s has no root element", ErrFormat, what)
	}
	return root, n, nil
}

// Document is the first document of an OFD package, as far as signing and
// verifying need it.
type Document struct {
	// Root is the Document.xml part name; Dir its directory.
	Root, Dir string
	// SignaturesLoc is the Signatures.xml part name; empty when unsigned.
	SignaturesLoc string
	// Pages lists the pages: ID and content part name.
	Pages []Page
}

// Page is one page of a document.
type Page struct {
	ID      string
	Content string
}

// ReadDocument reads OFD.xml and the first DocBody's Document.xml. OFD
// allows several documents in one package; Sealchain reads and signs the
// first, as ofdrw's OFDSigner does.
func (p *Package) ReadDocument() (*Document, error) {
	b, err := p.Read("OFD.xml")
	if err != nil {
		return nil, err
	}
	ofdx, err := p.parse(b, "OFD.xml")
	if err != nil {
		return nil, err
	}
	if ofdx.Name != "OFD" {
		return nil, fmt.Errorf("%w: OFD.xml root is %q", ErrFormat, ofdx.Name)
	}
	body := ofdx.child("DocBody")
	if body == nil {
		return nil, fmt.Errorf("%w: OFD.xml has no DocBody", ErrFormat)
	}
	root, err := Resolve("", body.text("DocRoot"))
	if err != nil {
		return nil, fmt.Errorf("DocRoot: %w", err)
	}
	doc := &Document{Root: root, Dir: path.Dir(root)}
	if s := body.text("Signatures"); s != "" {
		if doc.SignaturesLoc, err = Resolve("", s); err != nil {
			return nil, fmt.Errorf("Signatures: %w", err)
		}
	}
	db, err := p.Read(root)
	if err != nil {
		return nil, err
	}
	dx, err := p.parse(db, "/"+root)
	if err != nil {
		return nil, err
	}
	for _, pg := range dx.child("Pages").all("Page") {
		c, err := Resolve(doc.Dir, pg.Attr["BaseLoc"])
		if err != nil {
			return nil, fmt.Errorf("page %q: %w", pg.Attr["ID"], err)
		}
		doc.Pages = append(doc.Pages, Page{ID: pg.Attr["ID"], Content: c})
	}
	if len(doc.Pages) == 0 {
		return nil, fmt.Errorf("%w: %s has no pages", ErrFormat, "/"+root)
	}
	return doc, nil
}

// SignatureEntry is one entry of Signatures.xml.
type SignatureEntry struct {
	ID, Type, Relative string
	// Loc is the Signature.xml part name.
	Loc string
}

// Signatures is Signatures.xml.
type Signatures struct {
	MaxSignID string
	Entries   []SignatureEntry
}

// ReadSignatures reads the document's Signatures.xml; nil when there is
// none.
func (p *Package) ReadSignatures(doc *Document) (*Signatures, error) {
	if doc.SignaturesLoc == "" {
		return nil, nil
	}
	b, err := p.Read(doc.SignaturesLoc)
	if err != nil {
		return nil, err
	}
	x, err := p.parse(b, "/"+doc.SignaturesLoc)
	if err != nil {
		return nil, err
	}
	s := &Signatures{MaxSignID: x.text("MaxSignId")}
	sigs := x.all("Signature")
	if len(sigs) > MaxSignatures {
		return nil, fmt.Errorf("%w: %w: %d signatures", ErrFormat, ErrTooLarge, len(sigs))
	}
	for _, e := range sigs {
		loc, err := Resolve(path.Dir(doc.SignaturesLoc), e.Attr["BaseLoc"])
		if err != nil {
			return nil, fmt.Errorf("signature %q: %w", e.Attr["ID"], err)
		}
		s.Entries = append(s.Entries, SignatureEntry{ID: e.Attr["ID"], Type: e.Attr["Type"], Relative: e.Attr["Relative"], Loc: loc})
	}
	return s, nil
}

// Reference is one protected part of a signature.
type Reference struct {
	// FileRef is as written; Name is the resolved part name.
	FileRef, Name string
	CheckValue    []byte
}

// StampAnnot is a visible seal of a signature.
type StampAnnot struct {
	ID, PageRef, Boundary string
	// Clip is the visible part of Boundary ("x y w h" relative to it),
	// empty for all of it: a riding seal (骑缝章) shows a slice per page.
	Clip string
}

// SignatureXML is a parsed Signature.xml.
type SignatureXML struct {
	ProviderName, ProviderCompany, ProviderVersion string
	SignatureMethod, SignatureDateTime             string
	CheckMethod                                    string
	References                                     []Reference
	StampAnnots                                    []StampAnnot
	// SealLoc is the Seal.esl part name, if any.
	SealLoc string
	// SignedValueLoc is the SignedValue.dat part name.
	SignedValueLoc string
}

// ReadSignatureXML parses the Signature.xml part name; locations in it are
// resolved against its directory.
func (p *Package) ReadSignatureXML(name string) (*SignatureXML, []byte, error) {
	b, err := p.Read(name)
	if err != nil {
		return nil, nil, err
	}
	x, err := p.parse(b, "/"+name)
	if err != nil {
		return nil, nil, err
	}
	base := path.Dir(name)
	si := x.child("SignedInfo")
	if x.Name != "Signature" || si == nil {
		return nil, nil, fmt.Errorf("%w: /%s is not a Signature with SignedInfo", ErrFormat, name)
	}
	s := &SignatureXML{SignatureMethod: si.text("SignatureMethod"), SignatureDateTime: si.text("SignatureDateTime")}
	if pr := si.child("Provider"); pr != nil {
		s.ProviderName, s.ProviderCompany, s.ProviderVersion = pr.Attr["ProviderName"], pr.Attr["Company"], pr.Attr["Version"]
	}
	refs := si.child("References")
	if refs == nil {
		return nil, nil, fmt.Errorf("%w: /%s has no References", ErrFormat, name)
	}
	s.CheckMethod = refs.Attr["CheckMethod"]
	rl := refs.all("Reference")
	if len(rl) > MaxReferences {
		return nil, nil, fmt.Errorf("%w: %w: /%s has %d references", ErrFormat, ErrTooLarge, name, len(rl))
	}
	for _, r := range rl {
		ref := Reference{FileRef: r.Attr["FileRef"]}
		if ref.Name, err = Resolve(base, ref.FileRef); err != nil {
			return nil, nil, fmt.Errorf("reference: %w", err)
		}
		if ref.CheckValue, err = decodeB64(r.text("CheckValue")); err != nil {
			return nil, nil, fmt.Errorf("%w: reference %q: CheckValue: %w", ErrFormat, ref.FileRef, err)
		}
		s.References = append(s.References, ref)
	}
	for _, a := range si.all("StampAnnot") {
		s.StampAnnots = append(s.StampAnnots, StampAnnot{ID: a.Attr["ID"], PageRef: a.Attr["PageRef"], Boundary: a.Attr["Boundary"], Clip: a.Attr["Clip"]})
	}
	if sl := si.child("Seal"); sl != nil {
		if s.SealLoc, err = Resolve(base, sl.text("BaseLoc")); err != nil {
			return nil, nil, fmt.Errorf("seal: %w", err)
		}
	}
	if s.SignedValueLoc, err = Resolve(base, x.text("SignedValue")); err != nil {
		return nil, nil, fmt.Errorf("SignedValue: %w", err)
	}
	return s, b, nil
}
