package report

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// maxAttachment caps an attachment's size when read back.
const maxAttachment = 64 << 20

// readPDF parses data with pdfcpu (latest revision), never panicking.
func readPDF(data []byte) (ctx *model.Context, err error) {
	defer func() {
		if r := recover(); r != nil {
			ctx, err = nil, fmt.Errorf("parse pdf: %v", r)
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
	ctx, err = pdfcpu.Read(bytes.NewReader(data), conf)
	if err != nil {
		return nil, fmt.Errorf("parse pdf: %w", err)
	}
	return ctx, nil
}

// attachments returns the embedded files by name, walking the catalog's
// /Names /EmbeddedFiles name tree (/Names arrays and /Kids, depth-bounded).
func attachments(ctx *model.Context) (m map[string][]byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, fmt.Errorf("attachments: %v", r)
		}
	}()
	cat, err := ctx.Catalog()
	if err != nil {
		return nil, fmt.Errorf("attachments: %w", err)
	}
	names, err := ctx.DereferenceDict(cat["Names"])
	if err != nil || names == nil {
		return nil, fmt.Errorf("attachments: no /Names in the catalog (%v)", err)
	}
	root, err := ctx.DereferenceDict(names["EmbeddedFiles"])
	if err != nil || root == nil {
		return nil, fmt.Errorf("attachments: no /EmbeddedFiles name tree (%v)", err)
	}
	m = map[string][]byte{}
	var total int
	var walk func(node types.Dict, depth int) error
	walk = func(node types.Dict, depth int) error {
		if depth > 8 {
			return errors.New("name tree too deep")
		}
		if kids, err := ctx.DereferenceArray(node["Kids"]); err == nil {
			for _, k := range kids {
				kd, err := ctx.DereferenceDict(k)
				if err != nil || kd == nil {
					return fmt.Errorf("name tree kid: %v", err)
				}
				if err := walk(kd, depth+1); err != nil {
					return err
				}
			}
		}
		arr, err := ctx.DereferenceArray(node["Names"])
		if err != nil {
			return err
		}
		for i := 0; i+1 < len(arr); i += 2 {
			key, err := ctx.DereferenceStringOrHexLiteral(arr[i], model.V10, nil)
			if err != nil {
				return fmt.Errorf("name tree key: %w", err)
			}
			fs, err := ctx.DereferenceDict(arr[i+1])
			if err != nil || fs == nil {
				return fmt.Errorf("file spec %s: %v", key, err)
			}
			ef, err := ctx.DereferenceDict(fs["EF"])
			if err != nil || ef == nil {
				return fmt.Errorf("file spec %s: no /EF (%v)", key, err)
			}
			sd, _, err := ctx.DereferenceStreamDict(ef["F"])
			if err != nil || sd == nil {
				return fmt.Errorf("embedded file %s: %v", key, err)
			}
			if err := sd.Decode(); err != nil {
				return fmt.Errorf("embedded file %s: %w", key, err)
			}
			if total += len(sd.Content); total > maxAttachment {
				return fmt.Errorf("embedded files exceed %d bytes", maxAttachment)
			}
			if _, dup := m[key]; dup {
				return fmt.Errorf("embedded file %s appears twice", key)
			}
			m[key] = sd.Content
		}
		return nil
	}
	if err := walk(root, 0); err != nil {
		return nil, fmt.Errorf("attachments: %w", err)
	}
	return m, nil
}

// pageText extracts the text of every page the way this package writes it:
// each text object sets a font (Tf), a position (Tm) and shows one string
// (Tj). Strings in Type0 fonts are decoded through the font's ToUnicode
// CMap (2-byte codes), others as single bytes. Pieces are grouped into lines
// by their y coordinate (top to bottom) and joined in x order with nothing
// in between, so a line drawn as one string extracts as that string.
func pageText(ctx *model.Context) (text string, err error) {
	defer func() {
		if r := recover(); r != nil {
			text, err = "", fmt.Errorf("page text: %v", r)
		}
	}()
	if err := ctx.EnsurePageCount(); err != nil {
		return "", err
	}
	var out strings.Builder
	for p := 1; p <= ctx.PageCount; p++ {
		d, _, inh, err := ctx.PageDict(p, false)
		if err != nil {
			return "", fmt.Errorf("page %d: %w", p, err)
		}
		cmaps, err := fontCMaps(ctx, d, inh)
		if err != nil {
			return "", fmt.Errorf("page %d: %w", p, err)
		}
		content, err := ctx.PageContent(d, p)
		if err != nil {
			return "", fmt.Errorf("page %d: %w", p, err)
		}
		out.WriteString(contentText(content, cmaps))
		out.WriteString("\f")
	}
	return out.String(), nil
}

// fontCMaps maps a page's font resource names to ToUnicode maps; a nil map
// marks a simple (single-byte) font.
func fontCMaps(ctx *model.Context, page types.Dict, inh *model.InheritedPageAttrs) (map[string]map[uint16]string, error) {
	out := map[string]map[uint16]string{}
	var resObj types.Object
	if o, ok := page.Find("Resources"); ok {
		resObj = o
	} else if inh != nil && inh.Resources != nil {
		resObj = inh.Resources
	}
	res, err := ctx.DereferenceDict(resObj)
	if err != nil || res == nil {
		return out, err
	}
	fonts, err := ctx.DereferenceDict(res["Font"])
	if err != nil || fonts == nil {
		return out, err
	}
	for name, o := range fonts {
		fd, err := ctx.DereferenceDict(o)
		if err != nil || fd == nil {
			continue
		}
		if st := fd.NameEntry("Subtype"); st == nil || *st != "Type0" {
			out[name] = nil
			continue
		}
		tu, ok := fd.Find("ToUnicode")
		if !ok {
			out[name] = map[uint16]string{}
			continue
		}
		sd, _, err := ctx.DereferenceStreamDict(tu)
		if err != nil || sd == nil {
			return nil, fmt.Errorf("font %s ToUnicode: %v", name, err)
		}
		if err := sd.Decode(); err != nil {
			return nil, fmt.Errorf("font %s ToUnicode: %w", name, err)
		}
		out[name] = parseBFChar(sd.Content)
	}
	return out, nil
}

// parseBFChar reads the bfchar entries of a ToUnicode CMap.
func parseBFChar(cm []byte) map[uint16]string {
	m := map[uint16]string{}
	s := string(cm)
	for {
		i := strings.Index(s, "beginbfchar")
		if i < 0 {
			return m
		}
		s = s[i+len("beginbfchar"):]
		j := strings.Index(s, "endbfchar")
		if j < 0 {
			return m
		}
		f := strings.Fields(strings.NewReplacer("<", " ", ">", " ").Replace(s[:j]))
		for k := 0; k+1 < len(f); k += 2 {
			code, err1 := strconv.ParseUint(f[k], 16, 16)
			u, err2 := hex.DecodeString(f[k+1])
			if err1 != nil || err2 != nil || len(u)%2 != 0 {
				continue
			}
			units := make([]uint16, len(u)/2)
			for n := range units {
				units[n] = uint16(u[2*n])<<8 | uint16(u[2*n+1])
			}
			m[uint16(code)] = string(utf16.Decode(units))
		}
		s = s[j:]
	}
}

type piece struct {
	x, y float64
	s    string
}

// contentText runs the text operators of one content stream.
func contentText(content []byte, cmaps map[string]map[uint16]string) string {
	var (
		pieces []piece
		stack  []string
		font   string
		x, y   float64
	)
	lx := &lexer{b: content}
	for {
		tok, ok := lx.next()
		if !ok {
			break
		}
		switch tok {
		case "Tf":
			if len(stack) >= 2 {
				font = strings.TrimPrefix(stack[len(stack)-2], "/")
			}
		case "Tm":
			if len(stack) >= 6 {
				x, _ = strconv.ParseFloat(stack[len(stack)-2], 64)
				y, _ = strconv.ParseFloat(stack[len(stack)-1], 64)
			}
		case "Td":
			if len(stack) >= 2 {
				dx, _ := strconv.ParseFloat(stack[len(stack)-2], 64)
				dy, _ := strconv.ParseFloat(stack[len(stack)-1], 64)
				x, y = x+dx, y+dy
			}
		case "Tj":
			if len(stack) >= 1 {
				pieces = append(pieces, piece{x, y, decodeShow(stack[len(stack)-1], cmaps[font])})
			}
		default:
			if isOperand(tok) {
				stack = append(stack, tok)
				continue
			}
		}
		stack = stack[:0]
	}
	sort.SliceStable(pieces, func(i, j int) bool {
		if d := pieces[i].y - pieces[j].y; d > 0.5 || d < -0.5 {
			return d > 0
		}
		return pieces[i].x < pieces[j].x
	})
	var b strings.Builder
	for i, p := range pieces {
		if i > 0 {
			if d := pieces[i-1].y - p.y; d > 0.5 || d < -0.5 {
				b.WriteByte('\n')
			}
		}
		b.WriteString(p.s)
	}
	b.WriteByte('\n')
	return b.String()
}

func isOperand(tok string) bool {
	c := tok[0]
	return c == '/' || c == '(' || c == '<' || c == '[' || c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9')
}

// decodeShow decodes a string operand: hex or literal; with a CMap as
// 2-byte codes, otherwise as bytes.
func decodeShow(tok string, cmap map[uint16]string) string {
	var raw []byte
	switch tok[0] {
	case '<':
		h := strings.Map(func(r rune) rune {
			if r == ' ' || r == '\n' || r == '\r' || r == '\t' {
				return -1
			}
			return r
		}, strings.TrimSuffix(strings.TrimPrefix(tok, "<"), ">"))
		if len(h)%2 == 1 {
			h += "0"
		}
		raw, _ = hex.DecodeString(h)
	case '(':
		raw = unescapeLiteral(tok[1 : len(tok)-1])
	default:
		return ""
	}
	if cmap == nil {
		return string(raw)
	}
	var b strings.Builder
	for i := 0; i+1 < len(raw); i += 2 {
		code := uint16(raw[i])<<8 | uint16(raw[i+1])
		if s, ok := cmap[code]; ok {
			b.WriteString(s)
		} else {
			b.WriteRune('\uFFFD')
		}
	}
	return b.String()
}

func unescapeLiteral(s string) []byte {
	var out []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			out = append(out, c)
			continue
		}
		i++
		switch e := s[i]; e {
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case '0', '1', '2', '3', '4', '5', '6', '7':
			v, n := 0, 0
			for n < 3 && i < len(s) && s[i] >= '0' && s[i] <= '7' {
				v = v*8 + int(s[i]-'0')
				i++
				n++
			}
			i--
			out = append(out, byte(v))
		case '\n', '\r':
		default:
			out = append(out, e)
		}
	}
	return out
}

// lexer splits a content stream into tokens: operands (numbers, names,
// strings, arrays and dictionaries as one token) and operators.
type lexer struct {
	b []byte
	i int
}

func (l *lexer) next() (string, bool) {
	b := l.b
	for l.i < len(b) {
		c := b[l.i]
		if c == '%' {
			for l.i < len(b) && b[l.i] != '\n' && b[l.i] != '\r' {
				l.i++
			}
			continue
		}
		if !slices.Contains([]byte(" \t\r\n\f\x00"), c) {
			break
		}
		l.i++
	}
	if l.i >= len(b) {
		return "", false
	}
	start := l.i
	switch c := b[l.i]; {
	case c == '(':
		depth := 0
		for ; l.i < len(b); l.i++ {
			switch b[l.i] {
			case '\\':
				l.i++
			case '(':
				depth++
			case ')':
				depth--
				if depth == 0 {
					l.i++
					return string(b[start:l.i]), true
				}
			}
		}
		return string(b[start:]), true
	case c == '<' && l.i+1 < len(b) && b[l.i+1] == '<', c == '[':
		open, closeTok := "<<", ">>"
		if c == '[' {
			open, closeTok = "[", "]"
		}
		depth := 0
		for l.i < len(b) {
			switch {
			case bytes.HasPrefix(b[l.i:], []byte(open)):
				depth++
				l.i += len(open)
			case bytes.HasPrefix(b[l.i:], []byte(closeTok)):
				depth--
				l.i += len(closeTok)
				if depth == 0 {
					return string(b[start:l.i]), true
				}
			case b[l.i] == '(':
				l.next()
			default:
				l.i++
			}
		}
		return string(b[start:]), true
	case c == '<':
		for l.i < len(b) && b[l.i] != '>' {
			l.i++
		}
		l.i++
		return string(b[start:min(l.i, len(b))]), true
	}
	l.i++
	for l.i < len(b) && !slices.Contains([]byte(" \t\r\n\f\x00()<>[]{}/%"), b[l.i]) {
		l.i++
	}
	return string(b[start:l.i]), true
}
