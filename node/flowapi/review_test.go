package flowapi

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/sealchain/sealchain/workflow/template"
)

// TestIdempotentAnswerKept: which answers a retry with the same
// Idempotency-Key gets again. "Not now" answers (429 with Retry-After,
// 503, 409 not your turn, 423) are not kept.
func TestIdempotentAnswerKept(t *testing.T) {
	for _, tc := range []struct {
		status int
		kept   bool
	}{
		{200, true}, {201, true}, {400, true}, {403, true}, {404, true}, {410, true}, {413, true}, {422, true},
		{0, false}, {408, false}, {409, false}, {423, false}, {425, false}, {429, false}, {500, false}, {502, false}, {503, false},
	} {
		if got := finalAnswer(tc.status); got != tc.kept {
			t.Errorf("finalAnswer(%d) = %v, want %v", tc.status, got, tc.kept)
		}
	}
}

// TestTemplatesWithoutFont: listing templates works without the CJK font
// (fields and roles, no example areas), and a missing font is not
// remembered: once it is there, the next listing places the areas.
func TestTemplatesWithoutFont(t *testing.T) {
	path := filepath.Join(t.TempDir(), "font.ttf")
	b := &builtinTemplates{fontPath: path}
	ds, err := b.describe()
	if err != nil || len(ds) == 0 {
		t.Fatalf("describe without the font: %d templates, %v", len(ds), err)
	}
	for _, d := range ds {
		if len(d.Fields) == 0 || len(d.Roles) == 0 {
			t.Fatalf("template %s described without fields or roles", d.ID)
		}
		for _, r := range d.Roles {
			if r.Area.Example != nil || r.Area.W == 0 {
				t.Fatalf("template %s role %s: area %+v without the font", d.ID, r.Name, r.Area)
			}
		}
	}
	font, err := os.ReadFile(template.DefaultFontPath)
	if err != nil {
		t.Skipf("no CJK font to install: %v", err)
	}
	if err := os.WriteFile(path, font, 0o644); err != nil {
		t.Fatal(err)
	}
	ds, err = b.describe()
	if err != nil {
		t.Fatal(err)
	}
	if ds[0].Roles[0].Area.Example == nil {
		t.Fatal("the font was installed, but the areas are still not placed: the failure was cached")
	}
}
