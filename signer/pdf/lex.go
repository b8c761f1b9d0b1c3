package pdf

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strconv"
	"unicode/utf16"
)

// A small PDF object parser used by the verifier to read signature
// dictionaries straight from the file bytes, where their offsets matter.

type (
	pName string
	pRef  struct{ num, gen int }
	pStr  struct {
		b          []byte
		hex        bool
		start, end int // offsets of the token in the file, delimiters included
	}
	pDict map[string]any
)

var errSyntax = errors.New("pdf syntax error")

const maxDepth = 64

type lexer struct {
	b   []byte
	pos int
}

func isWS(c byte) bool {
	return c == 0 || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' '
}

func isDelim(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

func (l *lexer) skipWS() {
	for l.pos < len(l.b) {
		c := l.b[l.pos]
		if isWS(c) {
			l.pos++
		} else if c == '%' {
			for l.pos < len(l.b) && l.b[l.pos] != '\n' && l.b[l.pos] != '\r' {
				l.pos++
			}
		} else {
			return
		}
	}
}

func (l *lexer) regular() []byte {
	s := l.pos
	for l.pos < len(l.b) && !isWS(l.b[l.pos]) && !isDelim(l.b[l.pos]) {
		l.pos++
	}
	return l.b[s:l.pos]
}

func (l *lexer) object(depth int) (any, error) {
	if depth > maxDepth {
		return nil, errSyntax
	}
	l.skipWS()
	if l.pos >= len(l.b) {
		return nil, errSyntax
	}
	switch c := l.b[l.pos]; {
	case c == '/':
		l.pos++
		return pName(decodeName(l.regular())), nil
	case c == '(':
		return l.literal()
	case c == '<' && l.pos+1 < len(l.b) && l.b[l.pos+1] == '<':
		l.pos += 2
		d := pDict{}
		for {
			l.skipWS()
			if l.pos+1 < len(l.b) && l.b[l.pos] == '>' && l.b[l.pos+1] == '>' {
				l.pos += 2
				return d, nil
			}
			k, err := l.object(depth + 1)
			if err != nil {
				return nil, err
			}
			name, ok := k.(pName)
			if !ok {
				return nil, errSyntax
			}
			v, err := l.object(depth + 1)
			if err != nil {
				return nil, err
			}
			d[string(name)] = v
		}
	case c == '<':
		s := l.pos
		e := bytes.IndexByte(l.b[s:], '>')
		if e < 0 {
			return nil, errSyntax
		}
		l.pos = s + e + 1
		h := make([]byte, 0, e+1)
		for _, x := range l.b[s+1 : s+e] {
			if !isWS(x) {
				h = append(h, x)
			}
		}
		if len(h)%2 == 1 {
			h = append(h, '0')
		}
		n, err := hex.Decode(h, h) // in place: the output is half the input
		if err != nil {
			return nil, errSyntax
		}
		return pStr{b: h[:n], hex: true, start: s, end: l.pos}, nil
	case c == '[':
		l.pos++
		var a []any
		for {
			l.skipWS()
			if l.pos < len(l.b) && l.b[l.pos] == ']' {
				l.pos++
				return a, nil
			}
			v, err := l.object(depth + 1)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
	default:
		tok := l.regular()
		if len(tok) == 0 {
			return nil, errSyntax
		}
		switch string(tok) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		case "null":
			return nil, nil
		}
		n, err := strconv.ParseInt(string(tok), 10, 64)
		if err != nil {
			f, ferr := strconv.ParseFloat(string(tok), 64)
			if ferr != nil {
				return nil, errSyntax
			}
			return f, nil
		}
		// "n g R"?
		save := l.pos
		l.skipWS()
		g := l.regular()
		if gen, err := strconv.Atoi(string(g)); err == nil && len(g) > 0 {
			l.skipWS()
			if r := l.regular(); string(r) == "R" {
				return pRef{int(n), gen}, nil
			}
		}
		l.pos = save
		return n, nil
	}
}

func (l *lexer) literal() (any, error) {
	s := l.pos
	l.pos++
	var out []byte
	depth := 1
	for l.pos < len(l.b) {
		// Copy the run of ordinary bytes at once: byte-by-byte appends
		// made long strings cost ~9 ns a byte.
		if j := l.pos; !isStringSpecial(l.b[j]) {
			for j < len(l.b) && !isStringSpecial(l.b[j]) {
				j++
			}
			out = append(out, l.b[l.pos:j]...)
			l.pos = j
			continue
		}
		c := l.b[l.pos]
		l.pos++
		switch c {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return pStr{b: out, start: s, end: l.pos}, nil
			}
		case '\\':
			if l.pos >= len(l.b) {
				return nil, errSyntax
			}
			e := l.b[l.pos]
			l.pos++
			switch e {
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case '\r':
				if l.pos < len(l.b) && l.b[l.pos] == '\n' {
					l.pos++
				}
				continue
			case '\n':
				continue
			default:
				if e >= '0' && e <= '7' {
					v := int(e - '0')
					for i := 0; i < 2 && l.pos < len(l.b) && l.b[l.pos] >= '0' && l.b[l.pos] <= '7'; i++ {
						v = v*8 + int(l.b[l.pos]-'0')
						l.pos++
					}
					c = byte(v)
				} else {
					c = e
				}
			}
		}
		out = append(out, c)
	}
	return nil, errSyntax
}

func isStringSpecial(c byte) bool { return c == '(' || c == ')' || c == '\\' }

func decodeName(b []byte) string {
	if bytes.IndexByte(b, '#') < 0 {
		return string(b)
	}
	var out []byte
	for i := 0; i < len(b); i++ {
		if b[i] == '#' && i+2 < len(b) {
			if v, err := strconv.ParseUint(string(b[i+1:i+3]), 16, 8); err == nil {
				out = append(out, byte(v))
				i += 2
				continue
			}
		}
		out = append(out, b[i])
	}
	return string(out)
}

// textString decodes a PDF text string (UTF-16BE with BOM, UTF-8 with BOM,
// else PDFDocEncoding approximated as Latin-1).
func textString(b []byte) string {
	switch {
	case len(b) >= 2 && b[0] == 0xfe && b[1] == 0xff:
		u := make([]uint16, 0, len(b)/2)
		for i := 2; i+1 < len(b); i += 2 {
			u = append(u, uint16(b[i])<<8|uint16(b[i+1]))
		}
		return string(utf16.Decode(u))
	case len(b) >= 3 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf:
		return string(b[3:])
	default:
		r := make([]rune, len(b))
		for i, c := range b {
			r[i] = rune(c)
		}
		return string(r)
	}
}

// encodeTextString writes s as a PDF text string: a literal string when it is
// printable ASCII, else UTF-16BE with a byte order mark in hex.
func encodeTextString(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			ascii = false
			break
		}
	}
	if ascii {
		var b bytes.Buffer
		b.WriteByte('(')
		for i := 0; i < len(s); i++ {
			if c := s[i]; c == '(' || c == ')' || c == '\\' {
				b.WriteByte('\\')
			}
			b.WriteByte(s[i])
		}
		b.WriteByte(')')
		return b.String()
	}
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2, 2+2*len(u))
	b[0], b[1] = 0xfe, 0xff
	for _, r := range u {
		b = append(b, byte(r>>8), byte(r))
	}
	return "<" + hex.EncodeToString(b) + ">"
}

func dictName(d pDict, k string) string {
	if n, ok := d[k].(pName); ok {
		return string(n)
	}
	return ""
}

func dictText(d pDict, k string) string {
	if s, ok := d[k].(pStr); ok {
		return textString(s.b)
	}
	return ""
}
