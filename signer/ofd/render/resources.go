package render

import (
	"image/color"
	"path"
	"strconv"
	"strings"

	"github.com/sealchain/sealchain/signer/ofd"
)

func childText(e *ofd.Element, name string) string {
	if c := e.Child(name); c != nil {
		return c.Text
	}
	return ""
}

// resources are the document's and the page's resources by ID, with the
// directory their locations are relative to.
type resources struct {
	fonts       map[string]*fontRes
	colorSpaces map[string]*ofd.Element
	drawParams  map[string]*ofd.Element
	media       map[string]*mediaRes
}

type fontRes struct {
	id, name, family string
	file             string // embedded font part, "" when not embedded
	bold, italic     bool
}

type mediaRes struct {
	id, typ, format string
	file            string // part name
}

func newResources() *resources {
	return &resources{fonts: map[string]*fontRes{}, colorSpaces: map[string]*ofd.Element{}, drawParams: map[string]*ofd.Element{}, media: map[string]*mediaRes{}}
}

// loadRes reads one resource file (PublicRes, DocumentRes or PageRes)
// found at loc relative to dir. Files inside it are relative to its
// BaseLoc, itself relative to the resource file's directory.
func (r *renderer) loadRes(dc *doc, dir, loc string) {
	if loc == "" {
		return
	}
	name, err := ofd.Resolve(dir, loc)
	if err != nil {
		r.note("resource file %q: %v", loc, err)
		return
	}
	x, err := dc.pkg.ReadXML(name)
	if err != nil {
		r.note("resource file %q: %v", loc, err)
		return
	}
	resDir := path.Dir(name)
	baseDir := resDir
	if b := strings.TrimSpace(x.Attr["BaseLoc"]); b != "" {
		if n, err := ofd.Resolve(resDir, b); err == nil {
			baseDir = n
		}
	}
	file := func(loc string) string {
		loc = strings.TrimSpace(loc)
		if loc == "" {
			return ""
		}
		// BaseLoc first, then the resource file's directory, then the
		// document's: producers disagree.
		for _, d := range []string{baseDir, resDir, dc.dir} {
			if n, err := ofd.Resolve(d, loc); err == nil && dc.pkg.Has(n) {
				return n
			}
		}
		n, _ := ofd.Resolve(baseDir, loc)
		return n
	}
	res := dc.res
	for _, group := range x.Children {
		for _, e := range group.Children {
			id := e.Attr["ID"]
			switch e.Name {
			case "Font":
				res.fonts[id] = &fontRes{id: id, name: e.Attr["FontName"], family: e.Attr["FamilyName"],
					file: file(childText(e, "FontFile")), bold: e.Attr["Bold"] == "true", italic: e.Attr["Italic"] == "true"}
			case "ColorSpace":
				res.colorSpaces[id] = e
			case "DrawParam":
				res.drawParams[id] = e
			case "MultiMedia":
				res.media[id] = &mediaRes{id: id, typ: e.Attr["Type"], format: e.Attr["Format"], file: file(childText(e, "MediaFile"))}
			case "CompositeGraphicUnit":
				// Drawn by CompositeObject, which is listed as not drawn.
			}
		}
	}
}

// drawParam is the resolved drawing state of an object: the draw
// parameter chain (DrawParam, its Relative parents, the enclosing layer's)
// with defaults of GB/T 33190 §8.2.
type drawParam struct {
	lineWidth    float64 // millimetres
	join, cap    string
	dash         []float64
	dashOffset   float64
	fill, stroke *ofd.Element // colour elements, nil for the default
}

func defaultDrawParam() *drawParam {
	return &drawParam{lineWidth: 0.353, join: "Miter", cap: "Butt"}
}

// drawParam resolves the DrawParam resource id on top of parent (the
// layer's or block's state); an unknown id leaves parent unchanged.
func (res *resources) drawParam(id string, parent *drawParam, r *renderer) *drawParam {
	if parent == nil {
		parent = defaultDrawParam()
	}
	if id == "" {
		return parent
	}
	// Collect the Relative chain, nearest last, without cycles.
	var chain []*ofd.Element
	seen := map[string]bool{}
	for cur := id; cur != "" && !seen[cur] && len(chain) < maxDepth; {
		seen[cur] = true
		e, ok := res.drawParams[cur]
		if !ok {
			r.note("draw parameter %q is not in the resources", cur)
			break
		}
		chain = append(chain, e)
		cur = e.Attr["Relative"]
	}
	dp := *parent
	for i := len(chain) - 1; i >= 0; i-- {
		applyStyle(&dp, chain[i], r)
	}
	return &dp
}

// applyStyle overrides dp with the attributes and colours of e (a
// DrawParam or a graphic object, which carry the same names).
func applyStyle(dp *drawParam, e *ofd.Element, r *renderer) {
	if v, ok := e.Attr["LineWidth"]; ok {
		if f, err := number(v); err == nil && f >= 0 {
			dp.lineWidth = f
		}
	}
	if v, ok := e.Attr["Join"]; ok {
		dp.join = v
	}
	if v, ok := e.Attr["Cap"]; ok {
		dp.cap = v
	}
	if v, ok := e.Attr["DashPattern"]; ok {
		d, err := numbers(v, 64)
		valid := err == nil && len(d) > 0
		sum := 0.0
		for _, x := range d {
			valid = valid && x >= 0
			sum += x
		}
		if valid && sum > 0 {
			dp.dash = d
		} else {
			r.note("dash pattern %q is not valid: drawn solid", v)
			dp.dash = nil
		}
	}
	if v, ok := e.Attr["DashOffset"]; ok {
		if f, err := number(v); err == nil {
			dp.dashOffset = f
		}
	}
	if c := e.Child("FillColor"); c != nil {
		dp.fill = c
	}
	if c := e.Child("StrokeColor"); c != nil {
		dp.stroke = c
	}
}

// style is the object's own attributes over its draw parameters.
func (ps *pageState) style(o *ofd.Element, dp *drawParam) *drawParam {
	st := *dp
	applyStyle(&st, o, ps.r)
	return &st
}

// color resolves a colour element (own first, else the draw parameter's)
// to premultiplied RGBA. ok is false when nothing is to be drawn: a
// shading or pattern (listed), or an unreadable colour (listed).
func (ps *pageState) color(own, inherited *ofd.Element, alpha float64, what string) (color.RGBA, bool) {
	c := own
	if c == nil {
		c = inherited
	}
	a := alpha / 255
	if c == nil {
		return color.RGBA{0, 0, 0, uint8(255 * a)}, true
	}
	for _, k := range c.Children {
		switch k.Name {
		case "Pattern", "AxialShd", "RadialShd", "GouraudShd", "LaGouraudShd":
			ps.r.note("%s colour %s is not supported: not drawn", what, k.Name)
			return color.RGBA{}, false
		}
	}
	if v, ok := c.Attr["Alpha"]; ok {
		if f, err := strconv.ParseFloat(v, 64); err == nil && f >= 0 && f <= 255 {
			a *= f / 255
		}
	}
	if _, ok := c.Attr["Index"]; ok {
		ps.r.note("indexed colours are not supported: not drawn")
		return color.RGBA{}, false
	}
	typ, bpc := "RGB", 8
	if id := c.Attr["ColorSpace"]; id != "" {
		if cs, ok := ps.res.colorSpaces[id]; ok {
			typ = strings.ToUpper(cs.Attr["Type"])
			if b, err := strconv.Atoi(cs.Attr["BitsPerComponent"]); err == nil && b >= 1 && b <= 16 {
				bpc = b
			}
		}
	}
	v := strings.TrimSpace(c.Attr["Value"])
	if v == "" {
		v = "0 0 0"
		if typ == "GRAY" {
			v = "0"
		} else if typ == "CMYK" {
			v = "0 0 0 255"
		}
	}
	maxV := float64(int(1)<<bpc - 1)
	var comp []float64
	for _, t := range strings.Fields(v) {
		var f float64
		if strings.HasPrefix(t, "#") {
			n, err := strconv.ParseUint(t[1:], 16, 32)
			if err != nil {
				ps.r.note("colour %q is not readable: not drawn", v)
				return color.RGBA{}, false
			}
			f = float64(n)
		} else {
			n, err := strconv.ParseFloat(t, 64)
			if err != nil {
				ps.r.note("colour %q is not readable: not drawn", v)
				return color.RGBA{}, false
			}
			f = n
		}
		comp = append(comp, max(0, min(1, f/maxV)))
	}
	var rr, gg, bb float64
	switch {
	case typ == "GRAY" && len(comp) == 1:
		rr, gg, bb = comp[0], comp[0], comp[0]
	case typ == "CMYK" && len(comp) == 4:
		k := comp[3]
		rr, gg, bb = (1-comp[0])*(1-k), (1-comp[1])*(1-k), (1-comp[2])*(1-k)
	case typ == "RGB" && len(comp) == 3:
		rr, gg, bb = comp[0], comp[1], comp[2]
	default:
		ps.r.note("colour %q in colour space %s is not readable: not drawn", v, typ)
		return color.RGBA{}, false
	}
	return color.RGBA{uint8(rr*a*255 + 0.5), uint8(gg*a*255 + 0.5), uint8(bb*a*255 + 0.5), uint8(a*255 + 0.5)}, true
}
