package template

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"
)

// Limits on templates and values.
const (
	maxBodyBytes  = 256 << 10
	maxValueRunes = 2000
	maxParties    = 20
	maxFields     = 200
)

var (
	placeholderRE = regexp.MustCompile(`\{\{\s*(sign:)?([^{}]*?)\s*\}\}`)
	nameRE        = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)
)

// ErrTemplate: the template itself is malformed.
var ErrTemplate = errors.New("template: malformed template")

// FieldError lists what is wrong with the values given to Render.
type FieldError struct {
	Missing []string // fields without a non-empty value
	Unknown []string // values for names the template does not use
	Invalid []string // values that cannot be printed (control characters, too long)
}

func (e *FieldError) Error() string {
	var parts []string
	if len(e.Missing) > 0 {
		parts = append(parts, "missing fields: "+strings.Join(e.Missing, ", "))
	}
	if len(e.Unknown) > 0 {
		parts = append(parts, "unknown fields: "+strings.Join(e.Unknown, ", "))
	}
	if len(e.Invalid) > 0 {
		parts = append(parts, "invalid values: "+strings.Join(e.Invalid, ", "))
	}
	return "template: " + strings.Join(parts, "; ")
}

// Field documents a field of a template.
type Field struct {
	Name  string
	Label string // for forms, e.g. "甲方名称 Party A name"
}

// Template is a parsed template.
type Template struct {
	ID    string
	Title string
	Body  string
	// Labels documents fields (optional, for forms); every name must be a
	// field of the template.
	Labels []Field

	fields  []string // in order of first appearance, title first
	parties []string // in order of appearance
}

// Area is where a party signs: Page is 1-based; X, Y, W, H are points in
// the page's default user space (origin bottom left).
type Area struct {
	Party string
	Page  int
	X, Y  float64
	W, H  float64
}

// Document is a rendered contract.
type Document struct {
	PDF   []byte
	Title string // the title with its fields filled in
	Areas []Area // one per party, in the template's order
	Pages int
}

// Parse checks a template: placeholder names, signing areas each alone on
// a line and each party once, the title without signing areas.
func Parse(id, title, body string, labels ...Field) (*Template, error) {
	t := &Template{ID: id, Title: title, Body: body, Labels: labels}
	if strings.TrimSpace(title) == "" {
		return nil, fmt.Errorf("%w: empty title", ErrTemplate)
	}
	if len(body) > maxBodyBytes || !utf8.ValidString(body) || !utf8.ValidString(title) {
		return nil, fmt.Errorf("%w: body must be valid UTF-8 of at most %d bytes", ErrTemplate, maxBodyBytes)
	}
	if strings.ContainsAny(title, "\n\r") {
		return nil, fmt.Errorf("%w: title must be one line", ErrTemplate)
	}
	seen := map[string]bool{}
	add := func(name string) {
		if !seen[name] {
			seen[name] = true
			t.fields = append(t.fields, name)
		}
	}
	for _, m := range placeholderRE.FindAllStringSubmatch(title, -1) {
		if m[1] != "" {
			return nil, fmt.Errorf("%w: signing area %q in the title", ErrTemplate, m[2])
		}
		if !nameRE.MatchString(m[2]) {
			return nil, fmt.Errorf("%w: placeholder name %q: want a-z, 0-9 and _, starting with a letter", ErrTemplate, m[2])
		}
		add(m[2])
	}
	for i, line := range strings.Split(body, "\n") {
		for _, m := range placeholderRE.FindAllStringSubmatch(line, -1) {
			if !nameRE.MatchString(m[2]) {
				return nil, fmt.Errorf("%w: line %d: placeholder name %q: want a-z, 0-9 and _, starting with a letter", ErrTemplate, i+1, m[2])
			}
			if m[1] == "" {
				add(m[2])
				continue
			}
			if strings.TrimSpace(line) != strings.TrimSpace(m[0]) {
				return nil, fmt.Errorf("%w: line %d: signing area %q must be alone on its line", ErrTemplate, i+1, m[2])
			}
			if slices.Contains(t.parties, m[2]) {
				return nil, fmt.Errorf("%w: line %d: second signing area for %q", ErrTemplate, i+1, m[2])
			}
			t.parties = append(t.parties, m[2])
		}
		if strings.Contains(placeholderRE.ReplaceAllString(line, ""), "{{") {
			return nil, fmt.Errorf("%w: line %d: unclosed placeholder", ErrTemplate, i+1)
		}
	}
	if len(t.fields) > maxFields {
		return nil, fmt.Errorf("%w: %d fields, at most %d", ErrTemplate, len(t.fields), maxFields)
	}
	if len(t.parties) > maxParties {
		return nil, fmt.Errorf("%w: %d signing areas, at most %d", ErrTemplate, len(t.parties), maxParties)
	}
	for _, l := range labels {
		if !slices.Contains(t.fields, l.Name) {
			return nil, fmt.Errorf("%w: label for %q, which is not a field", ErrTemplate, l.Name)
		}
	}
	return t, nil
}

// Fields returns the field names in order of first appearance.
func (t *Template) Fields() []string { return slices.Clone(t.fields) }

// Parties returns the parties with a signing area, in order.
func (t *Template) Parties() []string { return slices.Clone(t.parties) }

// Fill checks values and returns the title and body with fields replaced;
// signing-area placeholders stay in the body.
func (t *Template) Fill(values map[string]string) (title, body string, err error) {
	fe := &FieldError{}
	for _, f := range t.fields {
		if strings.TrimSpace(values[f]) == "" {
			fe.Missing = append(fe.Missing, f)
		}
	}
	for k, v := range values {
		if !slices.Contains(t.fields, k) {
			fe.Unknown = append(fe.Unknown, k)
			continue
		}
		if !printable(v) {
			fe.Invalid = append(fe.Invalid, k)
		}
	}
	sort.Strings(fe.Unknown)
	sort.Strings(fe.Invalid)
	if len(fe.Missing)+len(fe.Unknown)+len(fe.Invalid) > 0 {
		return "", "", fe
	}
	repl := func(s string) string {
		return placeholderRE.ReplaceAllStringFunc(s, func(m string) string {
			sm := placeholderRE.FindStringSubmatch(m)
			if sm[1] != "" {
				return m
			}
			return values[sm[2]]
		})
	}
	return repl(t.Title), repl(t.Body), nil
}

// printable: one line (values are inline), no control characters, bounded.
func printable(v string) bool {
	if !utf8.ValidString(v) || utf8.RuneCountInString(v) > maxValueRunes {
		return false
	}
	for _, r := range v {
		if r < 0x20 || r == 0x7f || strings.Contains("{}", string(r)) {
			return false
		}
	}
	return true
}

// Render fills the template and lays it out as a PDF.
func (t *Template) Render(values map[string]string, opts ...RenderOption) (*Document, error) {
	o := renderOptions{fontPath: DefaultFontPath}
	for _, fn := range opts {
		fn(&o)
	}
	title, body, err := t.Fill(values)
	if err != nil {
		return nil, err
	}
	return layout(title, body, o)
}

// RenderOption configures Render.
type RenderOption func(*renderOptions)

type renderOptions struct {
	fontPath string
	font     *Font
}

// WithFontPath sets the CJK TrueType font (default DefaultFontPath).
func WithFontPath(path string) RenderOption { return func(o *renderOptions) { o.fontPath = path } }

// WithFont renders with a font loaded once by LoadFont, which saves reading
// and parsing the 4 MB font file on every render.
func WithFont(f *Font) RenderOption { return func(o *renderOptions) { o.font = f } }
