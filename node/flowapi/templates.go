package flowapi

import (
	"cmp"
	"errors"
	"net/http"
	"strings"

	"github.com/sealchain/sealchain/workflow/template"
)

// The template routes: GET /v1/wf/templates and /v1/wf/templates/{id} tell
// a form which fields a built-in template takes (type, format, the role
// each describes) and which roles sign where.

// loadFont loads the CJK font on first use. A failure is not kept: the
// next call tries again, so installing the font needs no restart.
func (b *builtinTemplates) loadFont() (*template.Font, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.font != nil {
		return b.font, nil
	}
	f, err := template.LoadFont(cmp.Or(b.fontPath, template.DefaultFontPath))
	if err != nil {
		return nil, err
	}
	b.font = f
	return f, nil
}

// describe returns the built-in templates' descriptions. With the font they
// include where each signing area falls with the examples, and are
// computed once; without it (the font is missing or unreadable) they still
// list fields and roles, without example areas, and the font is tried
// again on the next call.
func (b *builtinTemplates) describe() ([]*template.Description, error) {
	b.mu.Lock()
	descs := b.descs
	b.mu.Unlock()
	if descs != nil {
		return descs, nil
	}
	font, err := b.loadFont()
	if err != nil {
		if b.logger != nil {
			b.logger.Warn("templates described without example areas: the CJK font is not available", "err", err)
		}
		var out []*template.Description
		for _, t := range template.Builtins() {
			out = append(out, t.DescribeFields())
		}
		return out, nil
	}
	for _, t := range template.Builtins() {
		d, err := t.Describe(template.WithFont(font))
		if err != nil {
			return nil, err
		}
		descs = append(descs, d)
	}
	b.mu.Lock()
	b.descs = descs
	b.mu.Unlock()
	return descs, nil
}

func (w *wfAPI) templateList(rw http.ResponseWriter, r *http.Request) {
	ds, err := w.s.templates.describe()
	if err != nil {
		w.internal(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, map[string]any{"templates": ds})
}

func (w *wfAPI) templateGet(rw http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, err := template.Builtin(id); errors.Is(err, template.ErrUnknown) {
		writeError(rw, http.StatusNotFound, "not_found", strings.TrimPrefix(err.Error(), "template: "))
		return
	}
	ds, err := w.s.templates.describe()
	if err != nil {
		w.internal(rw, r, err)
		return
	}
	for _, d := range ds {
		if d.ID == id {
			writeJSON(rw, http.StatusOK, d)
			return
		}
	}
	writeError(rw, http.StatusNotFound, "not_found", "template "+id+" not found")
}
