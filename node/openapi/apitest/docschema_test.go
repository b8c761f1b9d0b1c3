package apitest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestDocSchemas keeps openapi.yaml's components in step with the JSON
// schemas of docs/schema, which document the same answers field by field:
// each member a docs schema names is in the component, with the same
// required ones.
func TestDocSchemas(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ file, def, component string }{
		{"submit-result.schema.json", "", "SubmitResult"},
		{"bundle.schema.json", "", "Bundle"},
		{"case.schema.json", "case", "Case"},
	} {
		t.Run(tc.component, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("..", "..", "..", "docs", "schema", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			var s struct {
				Required   []string                   `json:"required"`
				Properties map[string]json.RawMessage `json:"properties"`
				Defs       map[string]struct {
					Required   []string                   `json:"required"`
					Properties map[string]json.RawMessage `json:"properties"`
				} `json:"$defs"`
			}
			if err := json.Unmarshal(raw, &s); err != nil {
				t.Fatal(err)
			}
			req, props := s.Required, s.Properties
			if tc.def != "" {
				req, props = s.Defs[tc.def].Required, s.Defs[tc.def].Properties
			}
			comp := c.doc.Components.Schemas[tc.component].Value
			for name := range props {
				if _, ok := comp.Properties[name]; !ok {
					t.Errorf("docs/schema/%s names %q; components.schemas.%s in openapi.yaml does not", tc.file, name, tc.component)
				}
			}
			a, b := slices.Sorted(slices.Values(req)), slices.Sorted(slices.Values(comp.Required))
			if !slices.Equal(a, b) {
				t.Errorf("required members: docs/schema/%s %v, openapi.yaml components.schemas.%s %v", tc.file, a, tc.component, b)
			}
		})
	}
}
