package ofd

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"github.com/sealchain/sealchain/signer"
	"github.com/sealchain/sealchain/signer/seal"
)

// ErrProtected means an earlier signature protects Signatures.xml, so no
// signature can be added without breaking it (ofdrw refuses the same).
var ErrProtected = errors.New("ofd: the signature list is protected by an earlier signature")

// SignOptions configure [Sign].
type SignOptions struct {
	// Key is the signer's private key; Cert its certificate (DER). The
	// seal should list Cert (GB/T 38540's binding of signer and seal).
	Key  *signer.PrivateKey
	Cert []byte
	// Seal is the SESeal (DER) whose picture is shown.
	Seal []byte
	// Time is the signing time (timeInfo and SignatureDateTime); Sign
	// reads no clock.
	Time time.Time
	// Page is the index (from 0) of the page the stamp is put on.
	Page int
	// X and Y are the stamp's top-left corner on the page, in millimetres
	// from the page's top-left corner. Its size is the seal picture's
	// width and height (mm).
	X, Y float64
	// Rand is the signature's randomness; nil means crypto/rand.
	Rand io.Reader
}

// ProviderName is written in Signature.xml's Provider.
const ProviderName = "Sealchain"

// Sign adds an electronic-seal signature (GB/T 33190 §18, SES_Signature
// version 4) to the first document of an OFD file and returns the new file:
//
//   - Seal.esl, Signature.xml and SignedValue.dat in a new Signs/Sign_N;
//   - Signatures.xml gains the entry (it is created, and OFD.xml's DocBody
//     names it, on the first signature);
//   - Signature.xml's SignedInfo has one SM3 Reference (base64 digest) for
//     every part of the package except Signatures.xml, earlier signatures'
//     parts and the new Seal.esl included, as ofdrw's "ContinueSign" mode
//     does, so that later signers can still append to Signatures.xml; and
//     a StampAnnot with the seal's size at (X, Y) on the page;
//   - SignedValue.dat is an SES_Signature whose dataHash is the SM3 of the
//     Signature.xml file as stored and propertyInfo its absolute path
//     (ofdrw's SESV4Container and OFDValidator: the signed data is the whole
//     file, not a canonical form).
//
// Viewers draw the stamp from the picture of the seal in SignedValue.dat at
// the StampAnnot's Boundary; the page content is not changed.
func Sign(ctx context.Context, data []byte, o SignOptions) ([]byte, error) {
	out, err := sign(ctx, data, o)
	if err != nil {
		return nil, fmt.Errorf("sign ofd: %w", err)
	}
	return out, nil
}

func sign(ctx context.Context, data []byte, o SignOptions) ([]byte, error) {
	if o.Time.IsZero() {
		return nil, errors.New("no signing time")
	}
	sl, err := seal.ParseSESeal(o.Seal)
	if err != nil {
		return nil, err
	}
	if sl.Layout != seal.LayoutV4 {
		return nil, fmt.Errorf("a version %d seal: only version 4 seals are used for signing", sl.Version)
	}
	p, err := Open(data)
	if err != nil {
		return nil, err
	}
	doc, err := p.ReadDocument()
	if err != nil {
		return nil, err
	}
	if o.Page < 0 || o.Page >= len(doc.Pages) {
		return nil, fmt.Errorf("page %d: the document has %d pages", o.Page, len(doc.Pages))
	}
	for _, v := range []float64{o.X, o.Y} {
		if math.IsNaN(v) || v < 0 || v > 10000 {
			return nil, fmt.Errorf("stamp position %v mm is out of range", v)
		}
	}
	sigs, err := p.ReadSignatures(doc)
	if err != nil {
		return nil, err
	}
	if sigs == nil {
		sigs = &Signatures{}
	}
	if len(sigs.Entries) >= MaxSignatures {
		return nil, fmt.Errorf("%w: already %d signatures", ErrTooLarge, len(sigs.Entries))
	}
	replace := map[string][]byte{}
	if doc.SignaturesLoc == "" {
		doc.SignaturesLoc = path.Join(doc.Dir, "Signs", "Signatures.xml")
		ofdXML, err := p.Read("OFD.xml")
		if err != nil {
			return nil, err
		}
		nx, err := addSignaturesLoc(ofdXML, "/"+doc.SignaturesLoc)
		if err != nil {
			return nil, err
		}
		replace["OFD.xml"] = nx
	}
	for _, e := range sigs.Entries {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		sx, _, err := p.ReadSignatureXML(e.Loc)
		if err != nil {
			return nil, fmt.Errorf("earlier signature %q: %w", e.ID, err)
		}
		for _, r := range sx.References {
			if strings.EqualFold(r.Name, doc.SignaturesLoc) {
				return nil, fmt.Errorf("%w (signature %q)", ErrProtected, e.ID)
			}
		}
	}
	signsDir := path.Dir(doc.SignaturesLoc)
	n := 0
	for ; ; n++ {
		prefix := fmt.Sprintf("%s/Sign_%d/", signsDir, n)
		used := false
		for _, name := range p.order {
			if strings.HasPrefix(strings.ToLower(name), strings.ToLower(prefix)) {
				used = true
				break
			}
		}
		if !used {
			break
		}
	}
	dir := fmt.Sprintf("%s/Sign_%d", signsDir, n)
	sealLoc, sigLoc, valueLoc := dir+"/Seal.esl", dir+"/Signature.xml", dir+"/SignedValue.dat"

	// IDs: the signature, then its stamp, from MaxSignId (ofdrw numbers
	// both from the same counter; some producers prefix IDs with "s").
	maxID := idNumber(sigs.MaxSignID)
	for _, e := range sigs.Entries {
		maxID = max(maxID, idNumber(e.ID))
	}
	sigID, stampID := maxID+1, maxID+2
	sigs.Entries = append(sigs.Entries, SignatureEntry{ID: strconv.Itoa(sigID), Type: "Seal", Loc: sigLoc})
	sigs.MaxSignID = strconv.Itoa(stampID)
	replace[doc.SignaturesLoc] = signaturesXML(sigs)

	// The parts to protect, in package order, then the new Seal.esl.
	var refs []Reference
	for _, name := range p.order {
		if name == doc.SignaturesLoc {
			continue
		}
		b, ok := replace[name]
		if !ok {
			if b, err = p.Read(name); err != nil {
				return nil, err
			}
		}
		h := sm3.Sum(b)
		refs = append(refs, Reference{FileRef: "/" + name, Name: name, CheckValue: h[:]})
	}
	sh := sm3.Sum(o.Seal)
	refs = append(refs, Reference{FileRef: "/" + sealLoc, Name: sealLoc, CheckValue: sh[:]})

	method := "1.2.156.10197.1.501"
	if o.Key.Algorithm() == signer.AlgECDSAP256 {
		method = "1.2.840.10045.4.3.2" // Sealchain's P-256 keys; GM readers expect SM2
	}
	boundary := fmt.Sprintf("%s %s %s %s", mm(o.X), mm(o.Y), mm(float64(sl.Picture.WidthMM)), mm(float64(sl.Picture.HeightMM)))
	sigXML := signatureXML(o.Time, method, refs, StampAnnot{ID: strconv.Itoa(stampID), PageRef: doc.Pages[o.Page].ID, Boundary: boundary}, "/"+sealLoc, "/"+valueLoc)
	dh := sm3.Sum(sigXML)
	value, err := seal.MakeSESSignature(seal.SignatureInfo{
		Seal: o.Seal, SignerCert: o.Cert, Time: o.Time, DataHash: dh[:], PropertyInfo: "/" + sigLoc,
	}, o.Key, o.Rand)
	if err != nil {
		return nil, err
	}

	// Write the package: every part in order (OFD.xml and Signatures.xml
	// replaced), then the new ones.
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	put := func(name string, b []byte) error {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: o.Time.UTC()})
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	}
	wrote := map[string]bool{}
	for _, name := range p.order {
		b, ok := replace[name]
		if !ok {
			if b, err = p.Read(name); err != nil {
				return nil, err
			}
		}
		if err := put(name, b); err != nil {
			return nil, err
		}
		wrote[name] = true
	}
	if !wrote[doc.SignaturesLoc] {
		if err := put(doc.SignaturesLoc, replace[doc.SignaturesLoc]); err != nil {
			return nil, err
		}
	}
	for _, f := range []struct {
		name string
		b    []byte
	}{{sealLoc, o.Seal}, {sigLoc, sigXML}, {valueLoc, value}} {
		if err := put(f.name, f.b); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// idNumber reads the number of an ID such as "3" or "s003"; 0 if none.
func idNumber(s string) int {
	s = strings.TrimLeftFunc(strings.TrimSpace(s), func(r rune) bool { return r < '0' || r > '9' })
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 1<<30 {
		return 0
	}
	return n
}

func mm(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return strings.ReplaceAll(b.String(), `"`, "&quot;")
}

const xmlHeader = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"

func signaturesXML(s *Signatures) []byte {
	var b strings.Builder
	b.WriteString(xmlHeader)
	b.WriteString(`<ofd:Signatures xmlns:ofd="http://www.ofdspec.org/2016">`)
	b.WriteString(`<ofd:MaxSignId>` + esc(s.MaxSignID) + `</ofd:MaxSignId>`)
	for _, e := range s.Entries {
		b.WriteString(`<ofd:Signature ID="` + esc(e.ID) + `"`)
		if e.Type != "" {
			b.WriteString(` Type="` + esc(e.Type) + `"`)
		}
		if e.Relative != "" {
			b.WriteString(` Relative="` + esc(e.Relative) + `"`)
		}
		b.WriteString(` BaseLoc="/` + esc(e.Loc) + `"/>`)
	}
	b.WriteString(`</ofd:Signatures>`)
	return []byte(b.String())
}

func signatureXML(t time.Time, method string, refs []Reference, stamp StampAnnot, sealLoc, valueLoc string) []byte {
	var b strings.Builder
	b.WriteString(xmlHeader)
	b.WriteString(`<ofd:Signature xmlns:ofd="http://www.ofdspec.org/2016"><ofd:SignedInfo>`)
	b.WriteString(`<ofd:Provider ProviderName="` + ProviderName + `" Company="` + ProviderName + `" Version="1"/>`)
	b.WriteString(`<ofd:SignatureMethod>` + method + `</ofd:SignatureMethod>`)
	b.WriteString(`<ofd:SignatureDateTime>` + t.UTC().Format("20060102150405Z") + `</ofd:SignatureDateTime>`)
	b.WriteString(`<ofd:References CheckMethod="SM3">`)
	for _, r := range refs {
		b.WriteString(`<ofd:Reference FileRef="` + esc(r.FileRef) + `"><ofd:CheckValue>` +
			base64.StdEncoding.EncodeToString(r.CheckValue) + `</ofd:CheckValue></ofd:Reference>`)
	}
	b.WriteString(`</ofd:References>`)
	b.WriteString(`<ofd:StampAnnot ID="` + esc(stamp.ID) + `" PageRef="` + esc(stamp.PageRef) + `" Boundary="` + esc(stamp.Boundary) + `"/>`)
	b.WriteString(`<ofd:Seal><ofd:BaseLoc>` + esc(sealLoc) + `</ofd:BaseLoc></ofd:Seal>`)
	b.WriteString(`</ofd:SignedInfo><ofd:SignedValue>` + esc(valueLoc) + `</ofd:SignedValue></ofd:Signature>`)
	return []byte(b.String())
}

// addSignaturesLoc inserts <Signatures>loc</Signatures> as the last child
// of OFD.xml's first DocBody, with the DocBody's own prefix, leaving every
// other byte as it was.
func addSignaturesLoc(ofdXML []byte, loc string) ([]byte, error) {
	d := xml.NewDecoder(bytes.NewReader(ofdXML))
	depth := 0
	for {
		before := d.InputOffset()
		tok, err := d.RawToken()
		if err != nil {
			return nil, fmt.Errorf("%w: OFD.xml: no DocBody end: %v", ErrFormat, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
			if t.Name.Local == "DocBody" && depth == 1 {
				prefix := ""
				if t.Name.Space != "" {
					prefix = t.Name.Space + ":"
				}
				ins := "<" + prefix + "Signatures>" + esc(loc) + "</" + prefix + "Signatures>"
				out := make([]byte, 0, len(ofdXML)+len(ins))
				out = append(out, ofdXML[:before]...)
				out = append(out, ins...)
				return append(out, ofdXML[before:]...), nil
			}
		}
	}
}
