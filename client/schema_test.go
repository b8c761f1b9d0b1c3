package client_test

import (
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/sealchain/sealchain/client"
)

// TestSubmitResultSchema checks that docs/schema/submit-result.schema.json
// names every JSON member of the submit answer and nothing else, as
// evidence's TestSchemasNameEveryField does for the bundle's.
func TestSubmitResultSchema(t *testing.T) {
	b, err := os.ReadFile("../docs/schema/submit-result.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		def string
		typ any
	}{
		{"", client.SubmitResult{}},
		{"record_result", client.RecordResult{}},
	} {
		obj := s
		if tc.def != "" {
			obj = s["$defs"].(map[string]any)[tc.def].(map[string]any)
		}
		props, _ := obj["properties"].(map[string]any)
		var inGo []string
		rt := reflect.TypeOf(tc.typ)
		for i := range rt.NumField() {
			name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
			inGo = append(inGo, name)
			if _, ok := props[name]; !ok {
				t.Errorf("%s member %q is not in the schema", rt, name)
			}
		}
		for name := range props {
			if !slices.Contains(inGo, name) {
				t.Errorf("schema #%s names %q, which %s does not have", tc.def, name, rt)
			}
		}
	}
}
