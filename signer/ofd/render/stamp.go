package render

import (
	"fmt"
	"image"
	"math"
	"path"
	"strings"

	"github.com/sealchain/sealchain/signer/ofd"
	"github.com/sealchain/sealchain/signer/seal"
)

// annotations draws the page's annotations (Annotations.xml → the page's
// PageAnnot file): each visible Annot's Appearance, whose objects are
// placed relative to the appearance's Boundary.
func (ps *pageState) annotations(pageID string) {
	loc := strings.TrimSpace(childText(ps.dc.x, "Annotations"))
	if loc == "" {
		return
	}
	name, err := ofd.Resolve(ps.dc.dir, loc)
	if err != nil {
		ps.r.note("annotations: %v", err)
		return
	}
	x, err := ps.dc.pkg.ReadXML(name)
	if err != nil {
		ps.r.note("annotations: %v", err)
		return
	}
	for _, p := range x.All("Page") {
		if p.Attr["PageID"] != pageID {
			continue
		}
		fl, err := ofd.Resolve(path.Dir(name), strings.TrimSpace(childText(p, "FileLoc")))
		if err != nil {
			ps.r.note("annotations of page %s: %v", pageID, err)
			continue
		}
		if !ps.r.tick() {
			return
		}
		px, err := ps.dc.readXML(fl)
		if err != nil {
			ps.r.note("annotations of page %s: %v", pageID, err)
			continue
		}
		for _, a := range px.All("Annot") {
			if a.Attr["Visible"] == "false" || a.Attr["NoView"] == "true" {
				continue
			}
			ap := a.Child("Appearance")
			if ap == nil {
				continue
			}
			bd, err := parseBox(ap.Attr["Boundary"])
			if err != nil {
				ps.r.note("annotation %s: Boundary: %v", a.Attr["ID"], err)
				continue
			}
			ps.block(ap, translate(bd.x, bd.y).then(ps.base), nil, nil, 1)
		}
	}
}

// stamps draws the visible seals of the document's signatures on this
// page: the seal picture carried in each signature's SignedValue.dat (or
// Seal.esl) scaled into each StampAnnot's Boundary, cut to its Clip (a
// riding seal, 骑缝章, shows one slice per page).
func (ps *pageState) stamps(pageID string) {
	if ps.dc.sigs == "" {
		return
	}
	d := &ofd.Document{SignaturesLoc: ps.dc.sigs}
	sigs, err := ps.dc.pkg.ReadSignatures(d)
	if err != nil {
		ps.r.note("signatures: %v: seals are not drawn", err)
		return
	}
	for _, e := range sigs.Entries {
		if !ps.r.tick() {
			return
		}
		sx, _, err := ps.dc.pkg.ReadSignatureXML(e.Loc)
		if err != nil {
			ps.r.note("signature %s: %v: its seal is not drawn", e.ID, err)
			continue
		}
		var annots []ofd.StampAnnot
		for _, a := range sx.StampAnnots {
			if a.PageRef == pageID {
				annots = append(annots, a)
			}
		}
		if len(annots) == 0 {
			continue
		}
		pic, err := ps.sealPicture(sx)
		if err != nil {
			ps.r.note("signature %s: %v: its seal is not drawn", e.ID, err)
			continue
		}
		for _, a := range annots {
			if !ps.r.tick() {
				return
			}
			bd, err := parseBox(a.Boundary)
			if err != nil || bd.w <= 0 || bd.h <= 0 {
				ps.r.note("signature %s: stamp Boundary %q: its seal is not drawn", e.ID, a.Boundary)
				continue
			}
			var clip *clipMask
			if a.Clip != "" {
				cb, err := parseBox(a.Clip)
				if err != nil {
					ps.r.note("signature %s: stamp Clip %q: its seal is not drawn", e.ID, a.Clip)
					continue
				}
				if clip = ps.rectClip(box{bd.x + cb.x, bd.y + cb.y, cb.w, cb.h}); clip == nil {
					continue
				}
			}
			b := pic.Bounds()
			m := translate(-float64(b.Min.X), -float64(b.Min.Y)).
				then(scale(bd.w/float64(b.Dx()), bd.h/float64(b.Dy()))).
				then(translate(bd.x, bd.y)).then(ps.base)
			ps.drawImage(pic, m, clip, 255)
		}
	}
}

// rectClip is a clip mask of a page rectangle (millimetres); nil when it
// is off the page.
func (ps *pageState) rectClip(b box) *clipMask {
	p0 := ps.base.apply(pt{b.x, b.y})
	p1 := ps.base.apply(pt{b.x + b.w, b.y + b.h})
	r := image.Rect(int(math.Round(p0.x)), int(math.Round(p0.y)), int(math.Round(p1.x)), int(math.Round(p1.y))).Intersect(ps.cv.img.Rect)
	if r.Empty() {
		return nil
	}
	a := make([]uint8, r.Dx()*r.Dy())
	for i := range a {
		a[i] = 255
	}
	return &clipMask{r: r, alpha: a}
}

// sealPicture returns the picture of the seal a signature used: from
// SignedValue.dat (an SES_Signature of any version), else from Seal.esl.
func (ps *pageState) sealPicture(sx *ofd.SignatureXML) (image.Image, error) {
	var sl *seal.SESeal
	if b, err := ps.dc.pkg.Read(sx.SignedValueLoc); err == nil {
		if s, err := seal.ParseSESSignature(b); err == nil {
			sl = s.Seal
		}
	}
	if sl == nil && sx.SealLoc != "" {
		if b, err := ps.dc.pkg.Read(sx.SealLoc); err == nil {
			if s, err := seal.ParseSESeal(b); err == nil {
				sl = s
			}
		}
	}
	if sl == nil {
		return nil, fmt.Errorf("no readable seal in SignedValue.dat or Seal.esl (a digital signature has no picture)")
	}
	data := sl.Picture.Data
	if strings.EqualFold(sl.Picture.Type, "ofd") || (len(data) > 4 && string(data[:4]) == "PK\x03\x04") {
		img, err := ps.ofdPicture(data)
		if err != nil {
			return nil, fmt.Errorf("seal picture (OFD): %w", err)
		}
		return img, nil
	}
	img, format, err := ps.r.decodeImage(data)
	if err != nil {
		return nil, fmt.Errorf("seal picture (type %q %s): %w", sl.Picture.Type, format, err)
	}
	return img, nil
}
