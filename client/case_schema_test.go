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

// TestCaseSchema checks that docs/schema/case.schema.json names every JSON
// member of the case answers and nothing else.
func TestCaseSchema(t *testing.T) {
	b, err := os.ReadFile("../docs/schema/case.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	members := func(typs ...any) []string {
		var out []string
		for _, typ := range typs {
			rt := reflect.TypeOf(typ)
			for i := range rt.NumField() {
				name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
				if !slices.Contains(out, name) {
					out = append(out, name)
				}
			}
		}
		return out
	}
	// The root: the union of every case answer's members.
	inbox := struct {
		Cases []client.Case `json:"cases"`
	}{}
	for _, tc := range []struct {
		def  string
		inGo []string
	}{
		{"", members(client.IssueResult{}, client.CaseDetail{}, inbox)},
		{"case", members(client.Case{})},
	} {
		obj := s
		if tc.def != "" {
			obj = s["$defs"].(map[string]any)[tc.def].(map[string]any)
		}
		props, _ := obj["properties"].(map[string]any)
		for _, name := range tc.inGo {
			if _, ok := props[name]; !ok {
				t.Errorf("#%s: member %q is not in the schema", tc.def, name)
			}
		}
		for name := range props {
			if !slices.Contains(tc.inGo, name) {
				t.Errorf("schema #%s names %q, which the Go types do not have", tc.def, name)
			}
		}
	}
}
