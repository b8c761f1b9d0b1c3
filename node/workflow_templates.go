package node

import (
	"errors"
	"net/http"
	"strings"

	"github.com/sealchain/sealchain/workflow/template"
)

// The template routes: GET /v1/wf/templates and /v1/wf/templates/{id} tell
// a form which fields a built-in template takes (type, format, the role
// each describes) and which roles sign where.

func (b *builtinTemplates) loadFont() error {
	b.once.Do(func() { b.font, b.err = template.LoadFont(template.DefaultFontPath) })
	return b.err
}

// describe returns the built-in templates' descriptions. They never change
// while the node runs, so they are rendered once.
func (b *builtinTemplates) describe() ([]*template.Description, error) {
	b.descOnce.Do(func() {
		if b.descErr = b.loadFont(); b.descErr != nil {
			return
		}
		for _, t := range template.Builtins() {
			d, err := t.Describe(template.WithFont(b.font))
			if err != nil {
				b.descErr = err
				return
			}
			b.descs = append(b.descs, d)
		}
	})
	return b.descs, b.descErr
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
