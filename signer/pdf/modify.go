package pdf

import (
	"bytes"
	"context"
	"fmt"
	"slices"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// maxChangedObjects caps the objects inspected per revision.
const maxChangedObjects = 100000

// MaxObjectScan bounds the bytes from an object's header to its end (or
// its stream data) in a revision handed to pdfcpu, whose object reader
// costs time quadratic in that length (it grows its buffer 1 MiB at a time
// and searches it again); a revision with a longer object is not analysed.
const MaxObjectScan = 1 << 20

// readContext parses b with pdfcpu without touching pdfcpu's configuration
// directory.
func readContext(b []byte) (*model.Context, error) {
	return readContextLimited(context.Background(), b, -1)
}

// readContextLimited is readContext with pdfcpu's limits on cross-reference
// stream entries set to entries (negative: pdfcpu's defaults).
func readContextLimited(c context.Context, b []byte, entries int) (ctx *model.Context, err error) {
	defer func() {
		if r := recover(); r != nil {
			ctx, err = nil, fmt.Errorf("%w: pdfcpu: %v", ErrMalformed, r)
		}
	}()
	conf := &model.Configuration{
		Reader15:                  true,
		ValidationMode:            model.ValidationRelaxed,
		UnsupportedResourcePolicy: model.UnsupportedResourceSkip,
		Eol:                       types.EolLF,
		Limits:                    model.DefaultResourceLimits(),
		Offline:                   true,
	}
	if entries >= 0 {
		conf.Limits.MaxXRefEntries = min(conf.Limits.MaxXRefEntries, entries)
		conf.Limits.MaxObjectStreamCount = min(conf.Limits.MaxObjectStreamCount, entries)
	}
	ctx, err = pdfcpu.ReadWithContext(c, bytes.NewReader(b), conf)
	if c.Err() != nil {
		return nil, fmt.Errorf("%w: %w", ErrTooComplex, c.Err())
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return ctx, nil
}

// modAnalyzer classifies the revisions after a given one, caching parsed
// revisions and per-step results.
type modAnalyzer struct {
	data     []byte
	revs     []revision
	trailing bool // non-blank bytes after the last revision
	ctxs     map[int]*model.Context
	ctxErr   map[int]error
	step     map[int]stepResult // key j: change from revision j-1 to j
	work     int64              // bytes given to the PDF parser
	refuse   string             // if set, why no revision is parsed
	// entriesBefore counts the classic cross-reference entries before an
	// offset; entries is the running total handed to pdfcpu, bounded by
	// MaxAnalysedEntries.
	entriesBefore func(end int) int
	entries       int
	// chainOK, if set, says whether revision j's cross-reference chain
	// can be read without pdfcpu's whole-file repair.
	chainOK func(j int) bool
	// largestObject, if set, measures the longest object in data[lo:hi]
	// (see scanner.largestObject); measured is how many revisions'
	// increments have been, and bigAt the first revision holding an
	// object over MaxObjectScan (-1: none so far).
	largestObject func(lo, hi int) int
	measured      int
	bigAt         int
	// ctx bounds the time spent; parses stop when it is done.
	ctx context.Context
}

type stepResult struct {
	class Modifications
	notes []string
}

func newModAnalyzer(data []byte, revs []revision) *modAnalyzer {
	m := &modAnalyzer{data: data, revs: revs, ctxs: map[int]*model.Context{}, ctxErr: map[int]error{}, step: map[int]stepResult{}, bigAt: -1, ctx: context.Background()}
	last := 0
	if len(revs) > 0 {
		last = revs[len(revs)-1].end
	}
	m.trailing = len(bytes.TrimSpace(data[last:])) > 0
	return m
}

// after classifies all changes after revision k (0-based).
func (m *modAnalyzer) after(k int) Modifications {
	if k < 0 || k >= len(m.revs) {
		return ModUnknown
	}
	class := ModNone
	if k < len(m.revs)-1 {
		class = ModLaterSignaturesOnly
	}
	for j := k + 1; j < len(m.revs); j++ {
		switch m.stepAt(j).class {
		case ModOther:
			return ModOther
		case ModUnknown:
			class = ModUnknown
		}
	}
	if m.trailing {
		return ModOther
	}
	return class
}

func (m *modAnalyzer) notesAfter(k int) []string {
	var out []string
	for j := k + 1; j < len(m.revs); j++ {
		for _, n := range m.stepAt(j).notes {
			out = append(out, fmt.Sprintf("revision %d: %s", j+1, n))
		}
	}
	if m.trailing && k < len(m.revs) {
		out = append(out, "data after the last %%EOF")
	}
	return out
}

func (m *modAnalyzer) context(j int) (*model.Context, error) {
	if c, ok := m.ctxs[j]; ok {
		return c, m.ctxErr[j]
	}
	if m.refuse != "" {
		err := fmt.Errorf("%w: not analysed: %s", ErrTooComplex, m.refuse)
		m.ctxs[j], m.ctxErr[j] = nil, err
		return nil, err
	}
	hdr, err := headerOffset(m.data)
	if err == nil && m.revs[j].end <= hdr {
		err = fmt.Errorf("%w: revision %d ends before the header", ErrMalformed, j+1)
	}
	if err != nil {
		m.ctxs[j], m.ctxErr[j] = nil, err
		return nil, err
	}
	if m.chainOK != nil && !m.chainOK(j) {
		err := fmt.Errorf("%w: not analysed: the cross-reference sections of revision %d are not where startxref and /Prev say", ErrMalformed, j+1)
		m.ctxs[j], m.ctxErr[j] = nil, err
		return nil, err
	}
	if m.largestObject != nil {
		for ; m.measured <= j && m.bigAt < 0; m.measured++ {
			lo := 0
			if m.measured > 0 {
				lo = m.revs[m.measured-1].end
			}
			if m.largestObject(lo, m.revs[m.measured].end) > MaxObjectScan {
				m.bigAt = m.measured
			}
		}
		if m.bigAt >= 0 && m.bigAt <= j {
			err := fmt.Errorf("%w: not analysed: revision %d has an object longer than %d bytes", ErrTooComplex, m.bigAt+1, MaxObjectScan)
			m.ctxs[j], m.ctxErr[j] = nil, err
			return nil, err
		}
	}
	if err := m.ctx.Err(); err != nil {
		err = fmt.Errorf("%w: not analysed: %w", ErrTooComplex, err)
		m.ctxs[j], m.ctxErr[j] = nil, err
		return nil, err
	}
	var n int
	if m.entriesBefore != nil {
		n = m.entriesBefore(m.revs[j].end)
	}
	if m.entries+n > MaxAnalysedEntries {
		err := fmt.Errorf("%w: not analysed: more than %d cross-reference entries to load over all revisions", ErrTooComplex, MaxAnalysedEntries)
		m.ctxs[j], m.ctxErr[j] = nil, err
		return nil, err
	}
	if m.work+int64(m.revs[j].end-hdr) > MaxAnalysedBytes {
		err := fmt.Errorf("%w: not analysed: more than %d bytes to parse over all revisions", ErrTooComplex, MaxAnalysedBytes)
		m.ctxs[j], m.ctxErr[j] = nil, err
		return nil, err
	}
	m.entries += n
	m.work += int64(m.revs[j].end - hdr)
	c, err := readContextLimited(m.ctx, m.data[hdr:m.revs[j].end], MaxAnalysedEntries-m.entries) // see headerOffset
	if c != nil {
		// Entries pdfcpu loaded from cross-reference streams, which the
		// pre-count of classic tables does not see.
		m.entries += max(0, len(c.Table)-n)
	}
	m.ctxs[j], m.ctxErr[j] = c, err
	return c, err
}

func (m *modAnalyzer) stepAt(j int) stepResult {
	if r, ok := m.step[j]; ok {
		return r
	}
	r := m.classify(j)
	m.step[j] = r
	// Steps are computed in increasing order: the contexts before j are
	// not needed again (if they are, they are parsed again within the
	// budget), and each can hold a copy of a large file.
	for i, c := range m.ctxs {
		if i < j && c != nil {
			m.ctxs[i] = nil
			delete(m.ctxs, i)
		}
	}
	return r
}

// classify compares revision j with revision j-1.
func (m *modAnalyzer) classify(j int) (res stepResult) {
	defer func() {
		if r := recover(); r != nil {
			res = stepResult{class: ModUnknown, notes: []string{fmt.Sprintf("analysis failed: %v", r)}}
		}
	}()
	prev, err := m.context(j - 1)
	if err != nil {
		return stepResult{ModUnknown, []string{"cannot parse previous revision: " + err.Error()}}
	}
	cur, err := m.context(j)
	if err != nil {
		return stepResult{ModUnknown, []string{"cannot parse revision: " + err.Error()}}
	}
	c := &classifier{prev: prev, cur: cur}
	c.run()
	if len(c.problems) > 0 {
		return stepResult{ModOther, c.problems}
	}
	return stepResult{class: ModLaterSignaturesOnly}
}

type classifier struct {
	prev, cur *model.Context
	problems  []string
}

func (c *classifier) bad(format string, a ...any) {
	if len(c.problems) < 20 {
		c.problems = append(c.problems, fmt.Sprintf(format, a...))
	}
}

func (c *classifier) run() {
	if c.prev.Root == nil || c.cur.Root == nil || c.prev.Root.ObjectNumber != c.cur.Root.ObjectNumber {
		c.bad("document catalog replaced")
		return
	}
	if c.cur.Encrypt != nil && c.prev.Encrypt == nil {
		c.bad("encryption added")
	}
	if !sameRef(c.prev.Info, c.cur.Info) {
		c.bad("/Info replaced")
	}
	rootNr := c.cur.Root.ObjectNumber.Value()
	prevCat, _ := c.prev.Catalog()
	var acroNr int
	if ir, ok := prevCat["AcroForm"].(types.IndirectRef); ok {
		acroNr = ir.ObjectNumber.Value()
	}
	dss := c.dssObjects()
	changed := 0
	nrs := make([]int, 0, len(c.cur.Table))
	for nr := range c.cur.Table {
		nrs = append(nrs, nr)
	}
	slices.Sort(nrs)
	for _, nr := range nrs {
		if nr == 0 {
			continue
		}
		ne := c.cur.Table[nr]
		pe, existed := c.prev.Table[nr]
		existed = existed && pe != nil && !pe.Free
		if existed && sameLocation(c.prev, c.cur, pe, ne) {
			continue
		}
		if changed++; changed > maxChangedObjects {
			c.bad("too many changed objects")
			return
		}
		if ne == nil || ne.Free {
			if existed {
				c.bad("object %d freed", nr)
			}
			continue
		}
		newObj := resolve(c.cur, nr, ne)
		if isStructural(newObj) {
			continue // xref and object streams; their contents are checked one by one
		}
		if !existed {
			if t := typeOf(newObj); t == "Page" || t == "Pages" || t == "Catalog" {
				c.bad("new /%s object %d", t, nr)
			}
			continue
		}
		oldObj := resolve(c.prev, nr, pe)
		switch {
		case nr == rootNr:
			c.checkDict(nr, "catalog", oldObj, newObj, []string{"AcroForm", "DSS"})
			c.checkAcroForm(prevCat)
		case nr == acroNr:
			c.checkDict(nr, "AcroForm", oldObj, newObj, []string{"Fields", "SigFlags"})
			c.checkAcroForm(prevCat)
		case typeOf(oldObj) == "Page":
			c.checkDict(nr, "page", oldObj, newObj, []string{"Annots"})
			od, _ := oldObj.(types.Dict)
			nd, _ := newObj.(types.Dict)
			c.checkAdded(nr, "page /Annots", od["Annots"], nd["Annots"])
		case dss[nr]:
		default:
			if oa, ok := oldObj.(types.Array); ok {
				c.checkAdded(nr, "array", oa, newObj)
				continue
			}
			if c.isSigningOfEmptyField(oldObj, newObj) {
				continue
			}
			c.bad("object %d (%s) redefined", nr, describe(oldObj))
		}
	}
	for nr, pe := range c.prev.Table {
		if ne, ok := c.cur.Table[nr]; nr != 0 && pe != nil && !pe.Free && (!ok || ne == nil) {
			c.bad("object %d removed", nr)
		}
	}
}

// checkDict reports keys other than allowed that differ.
func (c *classifier) checkDict(nr int, what string, oldObj, newObj types.Object, allowed []string) {
	od, ok1 := oldObj.(types.Dict)
	nd, ok2 := newObj.(types.Dict)
	if !ok1 || !ok2 {
		c.bad("%s object %d changed type", what, nr)
		return
	}
	keys := map[string]bool{}
	for k := range od {
		keys[k] = true
	}
	for k := range nd {
		keys[k] = true
	}
	for k := range keys {
		if slices.Contains(allowed, k) {
			continue
		}
		if pdfString(od[k]) != pdfString(nd[k]) {
			c.bad("%s object %d: /%s changed", what, nr, k)
		}
	}
}

// checkAcroForm checks the resolved AcroForm of both revisions.
func (c *classifier) checkAcroForm(prevCat types.Dict) {
	curCat, _ := c.cur.Catalog()
	po, _ := c.prev.DereferenceDict(prevCat["AcroForm"])
	no, err := c.cur.DereferenceDict(curCat["AcroForm"])
	if err != nil || (no == nil && po != nil) {
		c.bad("AcroForm removed")
		return
	}
	if no == nil {
		return
	}
	if po == nil {
		po = types.Dict{}
	}
	c.checkDict(0, "AcroForm", po, no, []string{"Fields", "SigFlags"})
	c.checkAdded(0, "AcroForm /Fields", po["Fields"], no["Fields"])
}

// checkAdded requires that the array newA keeps every element of oldA and
// that each element it adds is a signed signature field or widget.
func (c *classifier) checkAdded(nr int, what string, oldA, newA types.Object) {
	oa, err1 := c.prev.DereferenceArray(oldA)
	na, err2 := c.cur.DereferenceArray(newA)
	if err1 != nil || err2 != nil {
		c.bad("%s %d: not an array", what, nr)
		return
	}
	have := map[string]int{}
	for _, e := range na {
		have[pdfString(e)]++
	}
	for _, e := range oa {
		k := pdfString(e)
		if have[k] == 0 {
			c.bad("%s %d: element %s removed", what, nr, k)
			continue
		}
		have[k]--
	}
	old := map[string]bool{}
	for _, e := range oa {
		old[pdfString(e)] = true
	}
	for _, e := range na {
		if old[pdfString(e)] {
			continue
		}
		if !c.isSignedSigField(e) {
			c.bad("%s %d: added %s is not a signed signature field", what, nr, pdfString(e))
		}
	}
}

func (c *classifier) isSignedSigField(o types.Object) bool {
	d, err := c.cur.DereferenceDict(o)
	if err != nil || d == nil {
		return false
	}
	for range 8 {
		if ft, ok := d["FT"].(types.Name); ok {
			_, hasV := d["V"]
			return ft == "Sig" && hasV
		}
		p, err := c.cur.DereferenceDict(d["Parent"])
		if err != nil || p == nil {
			return false
		}
		d = p
	}
	return false
}

// isSigningOfEmptyField allows an unsigned signature field to gain /V (and
// an appearance).
func (c *classifier) isSigningOfEmptyField(oldObj, newObj types.Object) bool {
	od, ok1 := oldObj.(types.Dict)
	nd, ok2 := newObj.(types.Dict)
	if !ok1 || !ok2 {
		return false
	}
	if ft, _ := od["FT"].(types.Name); ft != "Sig" {
		return false
	}
	if _, had := od["V"]; had {
		return false
	}
	if _, has := nd["V"]; !has {
		return false
	}
	for _, k := range []string{"FT", "T", "Rect", "P", "Parent", "Kids", "Subtype", "Type", "F"} {
		if pdfString(od[k]) != pdfString(nd[k]) {
			return false
		}
	}
	return true
}

// dssObjects returns the object numbers reachable from the current
// catalog's /DSS (bounded).
func (c *classifier) dssObjects() map[int]bool {
	out := map[int]bool{}
	cat, _ := c.cur.Catalog()
	var walk func(o types.Object, depth int)
	walk = func(o types.Object, depth int) {
		if depth > 6 || len(out) > maxChangedObjects {
			return
		}
		switch v := o.(type) {
		case types.IndirectRef:
			nr := v.ObjectNumber.Value()
			if out[nr] {
				return
			}
			out[nr] = true
			obj, err := c.cur.Dereference(v)
			if err == nil {
				walk(obj, depth+1)
			}
		case types.Dict:
			for _, x := range v {
				walk(x, depth+1)
			}
		case types.Array:
			for _, x := range v {
				walk(x, depth+1)
			}
		}
	}
	if dss, ok := cat["DSS"]; ok {
		walk(dss, 0)
	}
	return out
}

func sameRef(a, b *types.IndirectRef) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.ObjectNumber == b.ObjectNumber && a.GenerationNumber == b.GenerationNumber
}

// sameLocation reports whether an object is stored at the same place in
// both revisions, i.e. the later revision neither introduced nor redefined
// it.
func sameLocation(prev, cur *model.Context, pe, ne *model.XRefTableEntry) bool {
	if ne == nil || ne.Free {
		return false
	}
	pc, nc := pe.ObjectStream != nil, ne.ObjectStream != nil // pdfcpu clears Compressed once loaded
	switch {
	case pc != nc:
		return false
	case !pc:
		return pe.Offset != nil && ne.Offset != nil && *pe.Offset == *ne.Offset &&
			pe.Generation != nil && ne.Generation != nil && *pe.Generation == *ne.Generation
	}
	if *pe.ObjectStream != *ne.ObjectStream || pe.ObjectStreamInd == nil || ne.ObjectStreamInd == nil || *pe.ObjectStreamInd != *ne.ObjectStreamInd {
		return false
	}
	ps, ok1 := prev.Table[*pe.ObjectStream]
	ns, ok2 := cur.Table[*ne.ObjectStream]
	return ok1 && ok2 && ps != nil && ns != nil && ps.ObjectStream == nil && ns.ObjectStream == nil &&
		ps.Offset != nil && ns.Offset != nil && *ps.Offset == *ns.Offset
}

// resolve returns the object of an xref entry, loading objects that pdfcpu
// keeps lazily inside object streams.
func resolve(ctx *model.Context, nr int, e *model.XRefTableEntry) types.Object {
	gen := 0
	if e.Generation != nil {
		gen = *e.Generation
	}
	o, err := ctx.Dereference(*types.NewIndirectRef(nr, gen))
	if err != nil {
		return e.Object
	}
	return o
}

func dictOf(o types.Object) types.Dict {
	switch v := o.(type) {
	case types.Dict:
		return v
	case types.StreamDict:
		return v.Dict
	}
	return nil
}

func typeOf(o types.Object) string {
	if d := dictOf(o); d != nil {
		if t, ok := d["Type"].(types.Name); ok {
			return string(t)
		}
	}
	return ""
}

func isStructural(o types.Object) bool {
	t := typeOf(o)
	_, isStream := o.(types.StreamDict)
	return isStream && (t == "XRef" || t == "ObjStm")
}

func describe(o types.Object) string {
	if t := typeOf(o); t != "" {
		return "/" + t
	}
	switch o.(type) {
	case types.StreamDict:
		return "stream"
	case types.Dict:
		return "dictionary"
	case types.Array:
		return "array"
	}
	return fmt.Sprintf("%T", o)
}

func pdfString(o types.Object) string {
	if o == nil {
		return "null"
	}
	return o.PDFString()
}
