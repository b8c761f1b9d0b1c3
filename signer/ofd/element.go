package ofd

// Element is an XML element of a part as [Package.ReadXML] returns it: a
// local name (namespace prefixes vary between producers and are dropped),
// attributes by local name, text, and children. It serves readers of page
// content, such as the renderer in signer/ofd/render.
type Element struct {
	Name     string
	Attr     map[string]string
	Text     string
	Children []*Element
}

// ReadXML reads and parses a part within the package's bounds (the part's
// size, MaxXMLBytes, MaxXMLDepth and the element count).
func (p *Package) ReadXML(name string) (*Element, error) {
	b, err := p.Read(name)
	if err != nil {
		return nil, err
	}
	e, err := parseXML(b, "/"+name)
	if err != nil {
		return nil, err
	}
	return export(e), nil
}

func export(e *element) *Element {
	out := &Element{Name: e.Name, Attr: e.Attr, Text: e.Text}
	if len(e.Children) > 0 {
		out.Children = make([]*Element, len(e.Children))
		for i, c := range e.Children {
			out.Children[i] = export(c)
		}
	}
	return out
}

// Child returns the first child named name, or nil.
func (e *Element) Child(name string) *Element {
	if e == nil {
		return nil
	}
	for _, c := range e.Children {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// All returns the children named name.
func (e *Element) All(name string) []*Element {
	if e == nil {
		return nil
	}
	var out []*Element
	for _, c := range e.Children {
		if c.Name == name {
			out = append(out, c)
		}
	}
	return out
}
