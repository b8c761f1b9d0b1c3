package template

import "fmt"

// Description is what a form needs to start a contract from a template
// (GET /v1/wf/templates/{id}): its fields with their types and the role
// each describes, and the roles with their signing areas.
type Description struct {
	ID     string     `json:"id"`
	Name   Names      `json:"name"`
	Title  string     `json:"title"`
	Fields []FieldDoc `json:"fields"`
	Roles  []RoleDoc  `json:"roles"`
}

// Names is a bilingual name.
type Names struct {
	ZH string `json:"zh"`
	EN string `json:"en"`
}

// FieldDoc describes a field.
type FieldDoc struct {
	Name     string    `json:"name"`
	Label    string    `json:"label,omitempty"`
	Type     FieldType `json:"type"`
	Format   string    `json:"format"`
	Required bool      `json:"required"`
	// Role is the role whose particulars the field holds, "" for terms of
	// the whole contract.
	Role    string `json:"role,omitempty"`
	Example string `json:"example,omitempty"`
}

// RoleDoc describes a role and its signing area.
type RoleDoc struct {
	Name    string  `json:"name"`
	Label   Names   `json:"label"`
	Caption string  `json:"caption,omitempty"` // the line printed above the area
	Area    AreaDoc `json:"area"`
}

// AreaDoc is a signing area: its fixed size, and where it falls when the
// template is rendered with the fields' examples. Longer values can move
// it down or onto the next page; a contract's own areas are in its
// parties[i].area.
type AreaDoc struct {
	W       float64      `json:"w"`
	H       float64      `json:"h"`
	Example *AreaExample `json:"example,omitempty"`
}

// AreaExample is a signing area's page and rectangle (points, origin
// bottom left).
type AreaExample struct {
	Page int     `json:"page"`
	X    float64 `json:"x"`
	Y    float64 `json:"y"`
	W    float64 `json:"w"`
	H    float64 `json:"h"`
}

// Examples returns each field's example value, and whether every field
// has one.
func (t *Template) Examples() (map[string]string, bool) {
	out := map[string]string{}
	for _, f := range t.fields {
		ex := t.field(f).Example
		if ex == "" {
			return out, false
		}
		out[f] = ex
	}
	return out, true
}

// Describe documents the template. When every field has an example it
// renders the template with them to place the signing areas.
func (t *Template) Describe(opts ...RenderOption) (*Description, error) {
	var doc *Document
	if ex, ok := t.Examples(); ok {
		var err error
		if doc, err = t.Render(ex, opts...); err != nil {
			return nil, fmt.Errorf("template %s: render the examples: %w", t.ID, err)
		}
	}
	return t.describe(doc), nil
}

// DescribeFields documents the template without rendering it: fields,
// roles and the areas' size, but no example placement (AreaDoc.Example is
// nil). It needs no font.
func (t *Template) DescribeFields() *Description { return t.describe(nil) }

func (t *Template) describe(doc *Document) *Description {
	d := &Description{ID: t.ID, Name: Names{ZH: t.NameZH, EN: t.NameEN}, Title: t.Title,
		Fields: []FieldDoc{}, Roles: []RoleDoc{}}
	for _, name := range t.fields {
		f := t.field(name)
		ft := f.Type
		if ft == "" {
			ft = TypeText
		}
		// Every field is required: Fill refuses an empty one.
		d.Fields = append(d.Fields, FieldDoc{Name: name, Label: f.Label, Type: ft, Format: ft.want(), Required: true,
			Role: f.Role, Example: f.Example})
	}
	for _, name := range t.parties {
		r := RoleDoc{Name: name, Caption: t.captions[name], Area: AreaDoc{W: areaW, H: areaH}}
		for _, x := range t.Roles {
			if x.Name == name {
				r.Label = Names{ZH: x.LabelZH, EN: x.LabelEN}
			}
		}
		if doc != nil {
			if a, ok := doc.Area(name); ok {
				r.Area.Example = &AreaExample{Page: a.Page, X: a.X, Y: a.Y, W: a.W, H: a.H}
			}
		}
		d.Roles = append(d.Roles, r)
	}
	return d
}
