package template

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
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
	Invalid []string // values that cannot be printed (control characters, too long) or not of the field's type
	// Want says, for an Invalid field of a type other than text, the
	// format it takes (e.g. "a date, YYYY-MM-DD").
	Want map[string]string
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
		var names []string
		for _, n := range e.Invalid {
			if w := e.Want[n]; w != "" {
				n += " (want " + w + ")"
			}
			names = append(names, n)
		}
		parts = append(parts, "invalid values: "+strings.Join(names, ", "))
	}
	return "template: " + strings.Join(parts, "; ")
}

// FieldType is the kind of value a field takes; Render refuses a value
// that is not of its field's type.
type FieldType string

// Field types.
const (
	TypeText     FieldType = "text"      // any one line (the default)
	TypeDate     FieldType = "date"      // YYYY-MM-DD
	TypeAmount   FieldType = "amount"    // a sum in figures: 50000, 50,000.00
	TypeRate     FieldType = "rate"      // a percentage: 3.65%
	TypeIDNumber FieldType = "id_number" // a resident ID number: 17 digits and a digit or X
)

var (
	amountRE   = regexp.MustCompile(`^([0-9]{1,3}(,[0-9]{3})*|[0-9]+)(\.[0-9]{1,2})?$`)
	rateRE     = regexp.MustCompile(`^[0-9]{1,3}(\.[0-9]{1,4})?%$`)
	idNumberRE = regexp.MustCompile(`^[0-9]{17}[0-9X]$`)
)

// want describes the format of a type, for error messages and discovery.
func (ft FieldType) want() string {
	switch ft {
	case TypeDate:
		return "a date, YYYY-MM-DD"
	case TypeAmount:
		return "a sum in figures, e.g. 50,000.00"
	case TypeRate:
		return "a percentage, e.g. 3.65%"
	case TypeIDNumber:
		return "an 18-character resident ID number"
	}
	return "one line of text"
}

func (ft FieldType) valid(v string) bool {
	switch ft {
	case TypeDate:
		_, err := time.Parse(time.DateOnly, v)
		return err == nil
	case TypeAmount:
		return amountRE.MatchString(v)
	case TypeRate:
		return rateRE.MatchString(v)
	case TypeIDNumber:
		return idNumberRE.MatchString(v)
	}
	return true
}

func (ft FieldType) known() bool {
	switch ft {
	case "", TypeText, TypeDate, TypeAmount, TypeRate, TypeIDNumber:
		return true
	}
	return false
}

// Field documents a field of a template.
type Field struct {
	Name  string
	Label string    // for forms, e.g. "甲方名称 Party A name"
	Type  FieldType // "" is text
	// Role is the role whose particulars the field holds (the borrower's
	// ID number: borrower), "" for terms of the whole contract. The
	// platform fills every field when it creates the contract.
	Role    string
	Example string // a valid value, for forms and for Describe
}

// Role is a signing role of a template: the name in {{sign:name}}, which a
// party of a contract made from the template declares.
type Role struct {
	Name    string
	LabelZH string // e.g. "借款人"
	LabelEN string // e.g. "Borrower"
}

// Spec is a template's source: what [New] checks.
type Spec struct {
	ID     string
	NameZH string // e.g. "借条"
	NameEN string // e.g. "Loan Note"
	Title  string
	Body   string
	// Fields documents fields (optional); every name must be a field of
	// the template.
	Fields []Field
	// Roles documents roles (optional); every name must have a signing
	// area.
	Roles []Role
}

// Template is a parsed template.
type Template struct {
	ID     string
	NameZH string
	NameEN string
	Title  string
	Body   string
	// Labels documents fields (optional, for forms); every name must be a
	// field of the template.
	Labels []Field
	// Roles documents the signing roles (optional).
	Roles []Role

	fields   []string          // in order of first appearance, title first
	parties  []string          // roles with a signing area, in order of appearance
	captions map[string]string // role -> the line above its signing area
}

// Area is where a role signs: Page is 1-based; X, Y, W, H are points in
// the page's default user space (origin bottom left).
type Area struct {
	Role string
	Page int
	X, Y float64
	W, H float64
}

// Document is a rendered contract.
type Document struct {
	PDF   []byte
	Title string // the title with its fields filled in
	Areas []Area // one per role, in the template's order
	Pages int
}

// Area returns the signing area of role.
func (d *Document) Area(role string) (Area, bool) {
	for _, a := range d.Areas {
		if a.Role == role {
			return a, true
		}
	}
	return Area{}, false
}

// Parse checks a template: placeholder names, signing areas each alone on
// a line and each role once, the title without signing areas.
func Parse(id, title, body string, labels ...Field) (*Template, error) {
	return New(Spec{ID: id, Title: title, Body: body, Fields: labels})
}

// New checks a template's spec as [Parse] does, and its field types and
// roles.
func New(s Spec) (*Template, error) {
	t := &Template{ID: s.ID, NameZH: s.NameZH, NameEN: s.NameEN, Title: s.Title, Body: s.Body, Labels: s.Fields,
		Roles: s.Roles, captions: map[string]string{}}
	title, body, labels := s.Title, s.Body, s.Fields
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
	prev := ""
	for i, line := range strings.Split(body, "\n") {
		caption := prev
		prev = strings.TrimSpace(line)
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
			if signArea(caption) == "" {
				t.captions[m[2]] = caption
			}
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
		if !l.Type.known() {
			return nil, fmt.Errorf("%w: field %q: unknown type %q", ErrTemplate, l.Name, l.Type)
		}
		if l.Role != "" && !slices.Contains(t.parties, l.Role) {
			return nil, fmt.Errorf("%w: field %q: role %q has no signing area", ErrTemplate, l.Name, l.Role)
		}
		if l.Example != "" && (!printable(l.Example) || !l.Type.valid(l.Example)) {
			return nil, fmt.Errorf("%w: field %q: example %q is not %s", ErrTemplate, l.Name, l.Example, l.Type.want())
		}
	}
	for _, r := range s.Roles {
		if !slices.Contains(t.parties, r.Name) {
			return nil, fmt.Errorf("%w: role %q has no signing area", ErrTemplate, r.Name)
		}
	}
	return t, nil
}

// field returns the documentation of field name (a text field if none).
func (t *Template) field(name string) Field {
	for _, l := range t.Labels {
		if l.Name == name {
			return l
		}
	}
	return Field{Name: name}
}

// Caption returns the line above role's signing area, as in the template
// ("借款人签名 Borrower:"), "" if none.
func (t *Template) Caption(role string) string { return t.captions[role] }

// Fields returns the field names in order of first appearance.
func (t *Template) Fields() []string { return slices.Clone(t.fields) }

// Parties returns the roles with a signing area, in order.
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
			continue
		}
		if ft := t.field(k).Type; !ft.valid(v) {
			fe.Invalid = append(fe.Invalid, k)
			if fe.Want == nil {
				fe.Want = map[string]string{}
			}
			fe.Want[k] = ft.want()
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
	fast     bool
}

// WithFastCompression compresses the PDF's streams at zlib.BestSpeed:
// larger files for a third of the CPU, for documents drafted in bulk (the
// statements of claim of evidence/casepkg). Contracts keep the default:
// their bytes, and so their SM3, must stay reproducible.
func WithFastCompression() RenderOption { return func(o *renderOptions) { o.fast = true } }

// WithFontPath sets the CJK TrueType font (default DefaultFontPath).
func WithFontPath(path string) RenderOption { return func(o *renderOptions) { o.fontPath = path } }

// WithFont renders with a font loaded once by LoadFont, which saves reading
// and parsing the 4 MB font file on every render.
func WithFont(f *Font) RenderOption { return func(o *renderOptions) { o.font = f } }
