package pdf

import (
	"bytes"
	"context"
	"encoding"
	"fmt"
	"hash"
	"slices"
	"strconv"
)

// Limits on what Verify accepts. Real contracts carry one signature per
// party and a revision each; files past these limits are refused with
// [ErrTooComplex] before any signature is checked, so that the cost of
// verifying stays proportional to the file size.
const (
	// MaxSignatures is the most signature dictionaries Verify checks.
	MaxSignatures = 32
	// MaxRevisions is the most %%EOF-terminated revisions Verify accepts.
	MaxRevisions = 64
	// maxByteRangeKeys bounds the /ByteRange keys looked at: a file has
	// one per signature, unless someone is making the verifier work.
	maxByteRangeKeys = 4 * MaxSignatures
	// maxStartXRefGap is how far before a %%EOF its startxref may be.
	maxStartXRefGap = 1024
	// maxHeaderBacktrack bounds the "N G " read backwards from an "obj"
	// keyword.
	maxHeaderBacktrack = 64
	// maxEOFGap bounds the white space between a %%EOF and the end of a
	// byte range.
	maxEOFGap = 4096
	// maxXRefSections bounds the cross-reference sections (trailers and
	// xref streams) in a file whose revisions are handed to pdfcpu, which
	// follows /Prev chains at a cost that grows faster than the file.
	maxXRefSections = 2 * MaxRevisions
	// MaxAnalysedEntries bounds the cross-reference entries pdfcpu loads
	// over all the revisions it parses to classify later changes (each
	// revision is parsed with every entry before it). pdfcpu loads each
	// object an entry names, at tens of microseconds apiece; past the
	// budget later revisions are reported as not analysed
	// (Modifications "unknown", INDETERMINATE).
	MaxAnalysedEntries = 20000
	// MaxAnalysedBytes bounds the bytes pdfcpu reads over all the
	// revisions it parses (a revision is parsed from the start of the
	// file), with the same effect past it.
	MaxAnalysedBytes = 256 << 20
	// maxFieldBacktrack bounds the search for the object holding a
	// signature field's /V reference.
	maxFieldBacktrack = 1 << 20
	// maxDictWindow bounds the bytes read for a field dictionary, a
	// trailer or a cross-reference stream dictionary: those are small,
	// and a string left open in one must not make each of many parses
	// run to the end of the file.
	maxDictWindow = 64 << 10
	// maxHeaderWindow bounds the bytes read for an "N G obj" header.
	maxHeaderWindow = 256
)

// windowLexer is a lexer at pos that sees at most n bytes from there;
// offsets stay those of the file.
func windowLexer(data []byte, pos, n int) *lexer {
	return &lexer{b: data[:min(len(data), pos+n)], pos: pos}
}

// keyIter finds the occurrences of a keyword in increasing order; each byte
// of the file is searched at most once per keyword.
type keyIter struct {
	data []byte
	key  []byte
	pos  int // last match, or -1 before the first search; len(data) when done
}

func newKeyIter(data []byte, key string) *keyIter {
	return &keyIter{data: data, key: []byte(key), pos: -1}
}

// next returns the first occurrence at or after from, or -1.
func (k *keyIter) next(from int) int {
	if k.pos >= from && k.pos < len(k.data) {
		return k.pos
	}
	if k.pos >= len(k.data) || from > len(k.data) {
		return -1
	}
	from = max(from, k.pos+1)
	i := bytes.Index(k.data[from:], k.key)
	if i < 0 {
		k.pos = len(k.data)
		return -1
	}
	k.pos = from + i
	return k.pos
}

// scanner holds the results of the forward passes over a file and counts
// the work done, which tests use to check that verification is linear.
type scanner struct {
	ctx  context.Context
	data []byte
	// work counts the bytes the scanner's passes and its lexer touch
	// (an upper bound), plus keyword hits; pdfcpuWork the bytes handed
	// to pdfcpu, bounded by MaxAnalysedBytes.
	work       int64
	pdfcpuWork int64
	// xrefSections counts "trailer <<" and "/XRef" (not /XRefStm) up to
	// maxXRefSections+1.
	xrefSections int
	// hdrBase is the offset of the %PDF- header, which cross-reference
	// offsets are relative to.
	hdrBase int
	// xrefTables lists the classic cross-reference sections: offset and
	// declared entry count.
	xrefTables []xrefTable
	// xrefWalked counts the bytes of classic cross-reference tables
	// walked by xrefSectionAt, bounded by maxXRefWalk.
	xrefWalked int64
}

// maxXRefWalk bounds the bytes of cross-reference tables walked for a file
// of n bytes: each table once, and some slack.
func maxXRefWalk(n int) int64 { return 2*int64(n) + 1<<20 }

type xrefTable struct{ off, entries int }

// entriesBefore returns the classic cross-reference entries declared
// before end.
func (s *scanner) entriesBefore(end int) int {
	n := 0
	for _, t := range s.xrefTables {
		if t.off < end {
			n += t.entries
		}
	}
	return n
}

// countXRefTables fills s.xrefTables: each "xref" keyword (not startxref)
// followed by subsection headers "first count", whose entries (20 bytes
// each) are skipped unread.
func (s *scanner) countXRefTables() {
	data := s.data
	it := newKeyIter(data, "xref")
	for p := 0; len(s.xrefTables) <= maxXRefSections; {
		at := it.next(p)
		if at < 0 {
			return
		}
		s.work++
		p = at + 4
		if at >= 5 && string(data[at-5:at]) == "start" {
			continue
		}
		l := &lexer{b: data, pos: p}
		total := 0
		for l.pos < len(data) && total < 1<<30 {
			l.skipWS()
			first, err1 := strconv.Atoi(string(l.regular()))
			l.skipWS()
			n, err2 := strconv.Atoi(string(l.regular()))
			if err1 != nil || err2 != nil || first < 0 || n < 0 {
				break
			}
			s.work++
			total += n
			l.pos = min(len(data), l.pos+min(n, len(data))*20)
		}
		s.xrefTables = append(s.xrefTables, xrefTable{at, total})
		p = max(p, l.pos)
	}
}

// countXRefSections fills s.xrefSections in one forward pass per keyword.
func (s *scanner) countXRefSections() {
	data := s.data
	for _, k := range []string{"trailer", "/XRef"} {
		it := newKeyIter(data, k)
		for p := 0; s.xrefSections <= maxXRefSections; {
			at := it.next(p)
			if at < 0 {
				break
			}
			s.work++
			p = at + len(k)
			if k == "trailer" {
				l := &lexer{b: data, pos: p}
				for l.pos < len(data) && l.pos-p < 16 && isWS(data[l.pos]) {
					l.pos++
				}
				if bytes.HasPrefix(data[l.pos:], []byte("<<")) {
					s.xrefSections++
				}
			} else if p >= len(data) || isWS(data[p]) || isDelim(data[p]) {
				s.xrefSections++
			}
		}
	}
}

// signatures finds the signature dictionaries in one forward pass: every
// /ByteRange is attributed to the last "N G obj" header before it that is
// not inside an object already parsed, and each header is parsed at most
// once, so no byte is parsed twice. Headers are searched backwards from
// each /ByteRange only as far as the previous one, so no byte is searched
// twice either.
func (s *scanner) signatures() ([]sigCandidate, error) {
	data := s.data
	var out []sigCandidate
	brs := newKeyIter(data, "/ByteRange")
	p, searched := 0, 0 // p: parsed up to; searched: headers looked for up to
	hdr, body := -1, -1
	for keys := 0; ; keys++ {
		at := brs.next(p)
		if at < 0 {
			return out, nil
		}
		if keys >= maxByteRangeKeys {
			return nil, fmt.Errorf("%w: more than %d /ByteRange keys", ErrTooComplex, maxByteRangeKeys)
		}
		s.work++
		if st, b := s.lastHeader(max(p, searched), at); st >= 0 {
			hdr, body = st, b
		}
		searched = at
		p = at + len("/ByteRange")
		if hdr < 0 {
			continue
		}
		start := hdr
		hdr = -1 // each header is parsed once
		l := &lexer{b: data, pos: body}
		o, err := l.object(0)
		s.work += int64(l.pos - body)
		if err != nil {
			out = append(out, sigCandidate{objStart: start, err: fmt.Errorf("object at offset %d: %w", start, err)})
		} else if l.pos < at {
			continue // the match is in a stream or a later object
		} else if d := findByteRangeDict(o, 0); d != nil {
			out = append(out, sigCandidate{objStart: start, dict: d})
		}
		p = max(p, l.pos)
		if len(out) > MaxSignatures {
			return nil, fmt.Errorf("%w: more than %d signature dictionaries", ErrTooComplex, MaxSignatures)
		}
	}
}

// lastHeader returns the last "N G obj" header starting at or after lo
// whose keyword ends before hi, or -1.
func (s *scanner) lastHeader(lo, hi int) (int, int) {
	for end := hi; end > lo; {
		q := bytes.LastIndex(s.data[lo:end], []byte("obj"))
		s.work += int64(end - lo) // upper bound of the bytes looked at
		if q < 0 {
			return -1, -1
		}
		q += lo
		end = q
		if st, b := headerAt(s.data, q); st >= lo {
			return st, b
		}
	}
	return -1, -1
}

// headerAt checks for "N G obj" with the keyword at o and returns the offset
// of N and the offset after "obj", or -1.
func headerAt(data []byte, o int) (int, int) {
	if o+3 < len(data) && !isWS(data[o+3]) && !isDelim(data[o+3]) {
		return -1, -1
	}
	lo := max(0, o-maxHeaderBacktrack)
	k := o - 1
	for k >= lo && isWS(data[k]) {
		k--
	}
	if k == o-1 {
		return -1, -1
	}
	g := k
	for g >= lo && data[g] >= '0' && data[g] <= '9' {
		g--
	}
	if g == k || g < lo || !isWS(data[g]) {
		return -1, -1
	}
	n := g
	for n >= lo && isWS(data[n]) {
		n--
	}
	m := n
	for m >= lo && data[m] >= '0' && data[m] <= '9' {
		m--
	}
	if m == n {
		return -1, -1
	}
	return m + 1, o + 3
}

// revisions lists the revisions in one forward pass: every "%%EOF" with a
// startxref in the maxStartXRefGap bytes before it, plus the ends of the
// signatures' byte ranges.
func (s *scanner) revisions(cands []sigCandidate) ([]revision, error) {
	data := s.data
	byEOF := map[int]int{}
	eofs := newKeyIter(data, "%%EOF")
	lastSX, searched := -1, 0
	for p := 0; ; {
		at := eofs.next(p)
		if at < 0 {
			break
		}
		s.work++
		p = at + 5
		// The windows searched for startxref never overlap.
		if lo := max(searched, at-maxStartXRefGap); lo < at {
			if x := bytes.LastIndex(data[lo:at], []byte("startxref")); x >= 0 {
				lastSX = lo + x
			}
			s.work += int64(at - lo)
		}
		searched = at
		if lastSX < 0 || lastSX < at-maxStartXRefGap {
			continue
		}
		end := at + 5
		if end < len(data) && data[end] == '\r' {
			end++
		}
		if end < len(data) && data[end] == '\n' {
			end++
		}
		byEOF[at] = end
		if len(byEOF) > MaxRevisions {
			return nil, fmt.Errorf("%w: more than %d revisions", ErrTooComplex, MaxRevisions)
		}
	}
	for _, c := range cands {
		br, ok := byteRange(c.dict)
		if !ok {
			continue
		}
		end := br[2] + br[3]
		if end <= 0 || end > int64(len(data)) {
			continue
		}
		if eof := s.eofBefore(int(end)); eof >= 0 {
			byEOF[eof] = int(end)
		}
	}
	if len(byEOF) > MaxRevisions {
		return nil, fmt.Errorf("%w: more than %d revisions", ErrTooComplex, MaxRevisions)
	}
	out := make([]revision, 0, len(byEOF))
	for eof, end := range byEOF {
		out = append(out, revision{eof, end})
	}
	slices.SortFunc(out, func(a, b revision) int { return a.eof - b.eof })
	return out, nil
}

// eofBefore returns the offset of the "%%EOF" that data[:end] ends with,
// ignoring up to maxEOFGap bytes of trailing white space, or -1.
func (s *scanner) eofBefore(end int) int {
	lo := max(0, end-maxEOFGap-5)
	t := bytes.TrimRight(s.data[lo:end], "\x00\t\n\f\r ")
	s.work += int64(end - lo - len(t))
	if !bytes.HasSuffix(t, []byte("%%EOF")) {
		return -1
	}
	return lo + len(t) - 5
}

// fieldNames maps each signature object (by offset) to the /T of the first
// field whose /V references it ("/V n g R" as written by common tools), in
// one forward pass over the /V keys.
func (s *scanner) fieldNames(cands []sigCandidate) map[int]string {
	data := s.data
	want := map[pRef]int{}
	for _, c := range cands {
		if c.err != nil {
			continue
		}
		l := &lexer{b: data, pos: c.objStart}
		nr, err1 := strconv.Atoi(string(l.regular()))
		l.skipWS()
		gen, err2 := strconv.Atoi(string(l.regular()))
		if err1 == nil && err2 == nil {
			want[pRef{nr, gen}] = c.objStart
		}
	}
	out := map[int]string{}
	if len(want) == 0 {
		return out
	}
	found := map[pRef]bool{}
	vs := newKeyIter(data, "/V ")
	for p := 0; len(found) < len(want); {
		at := vs.next(p)
		if at < 0 {
			break
		}
		s.work++
		p = at + 3
		r, ok := refAt(data, p)
		if !ok || found[r] {
			continue
		}
		objStart, ok := want[r]
		if !ok {
			continue
		}
		found[r] = true
		start, body := s.lastHeader(max(0, at-maxFieldBacktrack), at)
		if start < 0 {
			continue
		}
		// A field is a dictionary; anything else (a string left open
		// before this /V, say) is not parsed, and the parse sees a small
		// window only.
		l := windowLexer(data, body, maxDictWindow)
		l.skipWS()
		if !bytes.HasPrefix(data[l.pos:], []byte("<<")) {
			continue
		}
		o, err := l.object(0)
		s.work += int64(l.pos - body)
		if err != nil {
			continue
		}
		if d, ok := o.(pDict); ok {
			out[objStart] = dictText(d, "T")
		}
	}
	return out
}

// refAt reads "n g R" written with single spaces at p.
func refAt(data []byte, p int) (pRef, bool) {
	digits := func(i int) (int, int, bool) {
		n, j := 0, i
		for j < len(data) && j-i < 9 && data[j] >= '0' && data[j] <= '9' {
			n = n*10 + int(data[j]-'0')
			j++
		}
		return n, j, j > i
	}
	nr, i, ok := digits(p)
	if !ok || i >= len(data) || data[i] != ' ' {
		return pRef{}, false
	}
	gen, i, ok := digits(i + 1)
	if !ok || i+1 >= len(data) || data[i] != ' ' || data[i+1] != 'R' {
		return pRef{}, false
	}
	return pRef{nr, gen}, true
}

// digester computes the byte-range digests of signatures in file order with
// one running hash per algorithm: the prefix up to each /Contents is hashed
// once for all signatures, and only the tail after it separately.
type digester struct {
	s       *scanner
	running map[string]hash.Hash
	pos     map[string]int
}

func newDigester(s *scanner) *digester {
	return &digester{s: s, running: map[string]hash.Hash{}, pos: map[string]int{}}
}

// sum returns the digest of data[0:a] || data[b:end] with prof's hash.
func (d *digester) sum(prof profile, a, b, end int) []byte {
	h, ok := d.running[prof.name]
	if !ok || d.pos[prof.name] > a {
		h = prof.newHash()
		d.running[prof.name], d.pos[prof.name] = h, 0
	}
	h.Write(d.s.data[d.pos[prof.name]:a])
	d.s.work += int64(a - d.pos[prof.name])
	d.pos[prof.name] = a
	t := prof.newHash()
	state, err := h.(encoding.BinaryMarshaler).MarshalBinary()
	if err == nil {
		err = t.(encoding.BinaryUnmarshaler).UnmarshalBinary(state)
	}
	if err != nil { // not clonable: hash the prefix again
		t = prof.newHash()
		t.Write(d.s.data[:a])
		d.s.work += int64(a)
	}
	t.Write(d.s.data[b:end])
	d.s.work += int64(end - b)
	return t.Sum(nil)
}

// xrefChainOK reports whether the cross-reference sections of the revision
// whose %%EOF is at eof, from its startxref along /Prev, are where they
// claim to be. pdfcpu otherwise rebuilds the table by reading the file line
// by line, many times slower than a parse, so such revisions are not handed
// to it. memo holds the verdict per section offset.
func (s *scanner) xrefChainOK(eof, hdr int, memo map[int]bool) bool {
	data := s.data
	lo := max(0, eof-maxStartXRefGap)
	i := bytes.LastIndex(data[lo:eof], []byte("startxref"))
	if i < 0 {
		return false
	}
	off, ok := intAt(data, lo+i+len("startxref"))
	if !ok {
		return false
	}
	var path []int
	verdict := true
	seen := map[int]bool{}
	for off >= 0 && !seen[off] {
		if v, ok := memo[off]; ok {
			verdict = v
			break
		}
		if len(path) > maxXRefSections {
			verdict = false
			break
		}
		seen[off] = true
		path = append(path, off)
		prev, ok := s.xrefSectionAt(hdr + off)
		if !ok {
			verdict = false
			break
		}
		off = prev
	}
	for _, o := range path {
		memo[o] = verdict
	}
	return verdict
}

// xrefSectionAt checks for a classic table ("xref", entries, "trailer"
// and a dictionary) or a cross-reference stream object at pos, and returns
// its /Prev (-1 if none).
func (s *scanner) xrefSectionAt(pos int) (int, bool) {
	data := s.data
	if pos < 0 || pos >= len(data) {
		return 0, false
	}
	// A window: many revisions may point into one long run of white
	// space or one long token.
	l := windowLexer(data, pos, maxDictWindow)
	l.skipWS()
	s.work += int64(l.pos - pos)
	var d pDict
	start := l.pos
	if bytes.HasPrefix(data[l.pos:], []byte("xref")) {
		l = &lexer{b: data, pos: l.pos + 4}
		for {
			// Tables are walked entry by entry; a comment can hide one
			// table's keyword in another's first line so that walks
			// overlap, so their total is bounded.
			if s.xrefWalked+int64(l.pos-start) > maxXRefWalk(len(data)) {
				s.xrefWalked += int64(l.pos - start)
				s.work += int64(l.pos - start)
				return 0, false
			}
			l.skipWS()
			if bytes.HasPrefix(data[l.pos:], []byte("trailer")) {
				l.pos += len("trailer")
				break
			}
			if l.pos >= len(data) {
				s.work += int64(l.pos - start)
				return 0, false
			}
			tok := l.regular()
			if len(tok) == 0 || (string(tok) != "n" && string(tok) != "f" && !allDigits(tok)) {
				s.work += int64(l.pos - start)
				return 0, false
			}
		}
		s.xrefWalked += int64(l.pos - start)
		tl := windowLexer(data, l.pos, maxDictWindow)
		o, err := tl.object(0)
		s.work += int64(tl.pos - start)
		if err != nil {
			return 0, false
		}
		d, _ = o.(pDict)
		if d == nil {
			return 0, false
		}
		if x, ok := d["XRefStm"].(int64); ok {
			if st, _ := headerFrom(data, s.hdrBase+int(x)); st < 0 {
				return 0, false
			}
		}
	} else {
		_, body := headerFrom(data, l.pos)
		if body < 0 {
			return 0, false
		}
		l = windowLexer(data, body, maxDictWindow)
		o, err := l.object(0)
		s.work += int64(l.pos - start)
		if err != nil {
			return 0, false
		}
		d, _ = o.(pDict)
		if d == nil || dictName(d, "Type") != "XRef" {
			return 0, false
		}
	}
	switch p := d["Prev"].(type) {
	case nil:
		return -1, true
	case int64:
		if p <= 0 {
			return 0, false // pdfcpu would search the file for it
		}
		return int(p), true
	}
	return 0, false
}

// headerFrom reads "N G obj" at pos and returns pos and the offset after
// "obj", or -1.
func headerFrom(data []byte, pos int) (int, int) {
	if pos < 0 || pos >= len(data) {
		return -1, -1
	}
	l := windowLexer(data, pos, maxHeaderWindow)
	if !allDigits(l.regular()) {
		return -1, -1
	}
	l.skipWS()
	if !allDigits(l.regular()) {
		return -1, -1
	}
	l.skipWS()
	if string(l.regular()) != "obj" {
		return -1, -1
	}
	return pos, l.pos
}

// intAt reads a non-negative integer of at most 18 digits after white
// space at p.
func intAt(data []byte, p int) (int, bool) {
	for p < len(data) && isWS(data[p]) {
		p++
	}
	n, i := 0, p
	for i < len(data) && i-p < 18 && data[i] >= '0' && data[i] <= '9' {
		n = n*10 + int(data[i]-'0')
		i++
	}
	return n, i > p
}

func allDigits(b []byte) bool {
	if len(b) == 0 || len(b) > 18 {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// largestObject returns the longest distance in data[lo:hi] from an
// "N G obj" header to the "endobj" or "stream" keyword that ends it,
// outside literal strings and comments as pdfcpu's object reader looks for
// it, growing its buffer 1 MiB at a time and searching it all again: a
// cost quadratic in the distance. Past MaxObjectScan it stops and returns
// more. Headers inside an object already measured are skipped, so each
// byte is looked at once.
func (s *scanner) largestObject(lo, hi int) int {
	data := s.data[:hi]
	objs := newKeyIter(data, "obj")
	largest := 0
	for p := lo; ; {
		at := objs.next(p)
		if at < 0 {
			return largest
		}
		s.work++
		p = at + 3
		if st, _ := headerAt(data, at); st < 0 {
			continue
		}
		end := objectEnd(data, p, min(hi, p+MaxObjectScan+1))
		s.work += int64(end - p)
		largest = max(largest, end-at)
		if largest > MaxObjectScan {
			return largest
		}
		p = max(p, end)
	}
}

// objectEnd returns the offset of the first "endobj" or "stream" in
// data[from:to] outside literal strings and comments, or to.
func objectEnd(data []byte, from, to int) int {
	depth := 0 // literal string nesting
	for i := from; i < to; i++ {
		c := data[i]
		switch {
		case depth > 0:
			switch c {
			case '\\':
				i++
			case '(':
				depth++
			case ')':
				depth--
			}
		case c == '(':
			depth = 1
		case c == '%':
			for i < to && data[i] != '\n' && data[i] != '\r' {
				i++
			}
		case c == 'e' && bytes.HasPrefix(data[i:to], []byte("endobj")):
			return i
		case c == 's' && bytes.HasPrefix(data[i:to], []byte("stream")):
			return i
		}
	}
	return to
}
