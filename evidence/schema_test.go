package evidence_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/evidence"
)

// The JSON Schemas in docs/schema are what an outside team writes a verifier
// from (issue #12, item 19). These tests hold them to the code: real output
// validates, mutants do not, and every Go field appears in the schema.

const schemaDir = "../docs/schema"

// schemaValidate checks v (decoded with UseNumber) against the subset of
// JSON Schema 2020-12 the files use. An unknown keyword fails, so a schema
// cannot rely on something this checker silently ignores.
type schemaValidator struct {
	root map[string]any
	errs []string
}

var schemaKeywords = map[string]bool{
	"$schema": true, "$id": true, "title": true, "description": true, "$defs": true, "$ref": true,
	"type": true, "const": true, "enum": true, "properties": true, "required": true,
	"additionalProperties": true, "items": true, "minItems": true, "maxItems": true,
	"minLength": true, "maxLength": true, "pattern": true, "minimum": true, "maximum": true,
	"format": true, "contentEncoding": true,
}

func loadSchema(t *testing.T, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(schemaDir, name))
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := schemaDecode(b, &s); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return s
}

func schemaDecode(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return dec.Decode(v)
}

func validateAgainst(schema map[string]any, doc any) []string {
	v := &schemaValidator{root: schema}
	v.check(schema, doc, "$")
	return v.errs
}

func (v *schemaValidator) fail(path, format string, args ...any) {
	v.errs = append(v.errs, path+": "+fmt.Sprintf(format, args...))
}

func (v *schemaValidator) resolve(ref string) map[string]any {
	name, ok := strings.CutPrefix(ref, "#/$defs/")
	if !ok {
		return nil
	}
	defs, _ := v.root["$defs"].(map[string]any)
	s, _ := defs[name].(map[string]any)
	return s
}

func jsonType(x any) string {
	switch x := x.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	case json.Number:
		if _, ok := new(big.Int).SetString(x.String(), 10); ok {
			return "integer"
		}
		return "number"
	}
	return fmt.Sprintf("%T", x)
}

func (v *schemaValidator) check(s map[string]any, x any, path string) {
	for k := range s {
		if !schemaKeywords[k] {
			v.fail(path, "schema uses keyword %q the checker does not know", k)
		}
	}
	if ref, ok := s["$ref"].(string); ok {
		r := v.resolve(ref)
		if r == nil {
			v.fail(path, "unresolved $ref %s", ref)
			return
		}
		v.check(r, x, path)
	}
	if t, ok := s["type"]; ok {
		var types []string
		switch t := t.(type) {
		case string:
			types = []string{t}
		case []any:
			for _, e := range t {
				types = append(types, e.(string))
			}
		}
		got := jsonType(x)
		if !slices.Contains(types, got) && !(got == "integer" && slices.Contains(types, "number")) {
			v.fail(path, "type %s, want %v", got, types)
			return
		}
	}
	if c, ok := s["const"]; ok && !jsonEqual(c, x) {
		v.fail(path, "%v, want const %v", x, c)
	}
	if e, ok := s["enum"].([]any); ok && !slices.ContainsFunc(e, func(c any) bool { return jsonEqual(c, x) }) {
		v.fail(path, "%v not in enum %v", x, e)
	}
	switch x := x.(type) {
	case map[string]any:
		props, _ := s["properties"].(map[string]any)
		for _, r := range asSlice(s["required"]) {
			if _, ok := x[r.(string)]; !ok {
				v.fail(path, "missing required member %q", r)
			}
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			ps, ok := props[k].(map[string]any)
			switch {
			case ok:
				v.check(ps, x[k], path+"."+k)
			case s["additionalProperties"] == false:
				v.fail(path, "unknown member %q", k)
			}
		}
	case []any:
		if n, ok := s["minItems"].(json.Number); ok && int64(len(x)) < mustInt(n) {
			v.fail(path, "%d items, want at least %s", len(x), n)
		}
		if n, ok := s["maxItems"].(json.Number); ok && int64(len(x)) > mustInt(n) {
			v.fail(path, "%d items, want at most %s", len(x), n)
		}
		if is, ok := s["items"].(map[string]any); ok {
			for i, e := range x {
				v.check(is, e, fmt.Sprintf("%s[%d]", path, i))
			}
		}
	case string:
		n := int64(len([]rune(x)))
		if m, ok := s["minLength"].(json.Number); ok && n < mustInt(m) {
			v.fail(path, "length %d < %s", n, m)
		}
		if m, ok := s["maxLength"].(json.Number); ok && n > mustInt(m) {
			v.fail(path, "length %d > %s", n, m)
		}
		if p, ok := s["pattern"].(string); ok && !regexp.MustCompile(p).MatchString(x) {
			v.fail(path, "%q does not match %s", x, p)
		}
		if s["contentEncoding"] == "base64" {
			if _, err := base64.StdEncoding.Strict().DecodeString(x); err != nil {
				v.fail(path, "not base64: %v", err)
			}
		}
		if s["format"] == "date-time" {
			if _, err := time.Parse(time.RFC3339Nano, x); err != nil {
				v.fail(path, "not an RFC 3339 date-time: %v", err)
			}
		}
	case json.Number:
		n, ok := new(big.Int).SetString(x.String(), 10)
		if !ok {
			break
		}
		if m, ok := s["minimum"].(json.Number); ok && n.Cmp(mustBig(m)) < 0 {
			v.fail(path, "%s < minimum %s", x, m)
		}
		if m, ok := s["maximum"].(json.Number); ok && n.Cmp(mustBig(m)) > 0 {
			v.fail(path, "%s > maximum %s", x, m)
		}
	}
}

func asSlice(x any) []any { s, _ := x.([]any); return s }

func mustBig(n json.Number) *big.Int {
	b, ok := new(big.Int).SetString(n.String(), 10)
	if !ok {
		panic("schema bound " + n.String() + " is not an integer")
	}
	return b
}

func mustInt(n json.Number) int64 { return mustBig(n).Int64() }

func jsonEqual(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

func mustValidate(t *testing.T, schema map[string]any, doc []byte, what string) {
	t.Helper()
	var x any
	if err := schemaDecode(doc, &x); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if errs := validateAgainst(schema, x); len(errs) > 0 {
		t.Fatalf("%s does not match the schema:\n%s", what, strings.Join(errs, "\n"))
	}
}

func TestBundleSchemaAcceptsRealBundle(t *testing.T) {
	mustValidate(t, loadSchema(t, "bundle.schema.json"), readTestdata(t, bundleFile), "testdata/bundle.json")
}

// TestBundleSchemaRejectsMutants shows the check is not vacuous: each edit
// breaks a rule the schema states.
func TestBundleSchemaRejectsMutants(t *testing.T) {
	schema := loadSchema(t, "bundle.schema.json")
	tests := []struct {
		name string
		edit func(b map[string]any)
	}{
		{"unknown member", func(b map[string]any) { b["extra"] = 1 }},
		{"version 2", func(b map[string]any) { b["version"] = json.Number("2") }},
		{"other format", func(b map[string]any) { b["format"] = "x" }},
		{"no checkpoint", func(b map[string]any) { delete(b, "checkpoint") }},
		{"no records", func(b map[string]any) { b["records"] = []any{} }},
		{"short log root", func(b map[string]any) { b["checkpoint"].(map[string]any)["log_root"] = "AAAA" }},
		{"negative index", func(b map[string]any) {
			b["records"].([]any)[0].(map[string]any)["index"] = json.Number("-1")
		}},
		{"leaf not base64", func(b map[string]any) { b["records"].([]any)[0].(map[string]any)["leaf"] = "@@" }},
		{"unknown subject member", func(b map[string]any) { b["subject"].(map[string]any)["doc"] = "x" }},
		{"bad chain id", func(b map[string]any) { b["chain_id"] = "-x" }},
		{"anchor without consistency", func(b map[string]any) { b["anchors"] = []any{map[string]any{"record_index": json.Number("1")}} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b map[string]any
			if err := schemaDecode(readTestdata(t, bundleFile), &b); err != nil {
				t.Fatal(err)
			}
			tt.edit(b)
			if errs := validateAgainst(schema, b); len(errs) == 0 {
				t.Fatal("schema accepted the mutant")
			}
		})
	}
}

func TestVerifyResultSchema(t *testing.T) {
	schema := loadSchema(t, "verify-result.schema.json")
	v, err := evidence.NewVerifier(loadTrust(t))
	if err != nil {
		t.Fatal(err)
	}
	ok := v.Verify(loadBundle(t), readTestdata(t, contractFile))
	bad := loadBundle(t)
	bad.Records[0].Proof = nil
	failed := v.Verify(bad, nil)
	undecodable := &evidence.Result{Checks: []evidence.Check{{Name: "format", Detail: "not a bundle"}}} // as verify_cmd.go prints it
	bw := newBatchWorld(t)
	batched := bw.v.Verify(bw.honest(t), nil)
	if !batched.OK || batched.Records[len(batched.Records)-1].Batch == nil {
		t.Fatalf("batched bundle: ok=%v", batched.OK)
	}
	for name, res := range map[string]*evidence.Result{"verified": ok, "failed": failed, "undecodable": undecodable, "batched": batched} {
		b, err := json.Marshal(res)
		if err != nil {
			t.Fatal(err)
		}
		mustValidate(t, schema, b, name+" result")
	}
	if !ok.OK || failed.OK {
		t.Fatalf("fixture results: ok=%v failed=%v", ok.OK, failed.OK)
	}
}

func TestGenesisAppStateSchema(t *testing.T) {
	var g struct {
		AppState json.RawMessage `json:"app_state"`
	}
	if err := json.Unmarshal(readTestdata(t, genesisFile), &g); err != nil {
		t.Fatal(err)
	}
	mustValidate(t, loadSchema(t, "genesis-app-state.schema.json"), g.AppState, "testdata/genesis.json app_state")
}

// TestSchemasNameEveryField: each JSON member the Go types can read or
// write is in the schema, and the schema names nothing they lack (except
// members listed as pending another change).
func TestSchemasNameEveryField(t *testing.T) {
	tests := []struct {
		file, def string // def "" is the root
		typ       any
		pending   []string
	}{
		{"bundle.schema.json", "", evidence.Bundle{}, nil},
		{"bundle.schema.json", "subject", evidence.Subject{}, nil},
		{"bundle.schema.json", "record", evidence.Record{}, nil},
		{"bundle.schema.json", "checkpoint", evidence.Checkpoint{}, nil},
		{"bundle.schema.json", "hop", evidence.Hop{}, nil},
		{"bundle.schema.json", "consistency", evidence.Consistency{}, nil},
		{"bundle.schema.json", "anchor", evidence.Anchor{}, nil},
		{"verify-result.schema.json", "", evidence.Result{}, nil},
		{"verify-result.schema.json", "check", evidence.Check{}, nil},
		{"verify-result.schema.json", "record", evidence.RecordInfo{}, nil},
		{"verify-result.schema.json", "batch", evidence.BatchInfo{}, nil},
		{"verify-result.schema.json", "anchor", evidence.AnchorStatus{}, nil},
		{"genesis-app-state.schema.json", "", chain.GenesisState{}, nil},
		{"genesis-app-state.schema.json", "org", chain.GenesisOrg{}, nil},
		{"genesis-app-state.schema.json", "verifier", chain.GenesisVerifier{}, nil},
		{"genesis-app-state.schema.json", "anchoring", chain.GenesisAnchoring{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.file+"#"+tt.def, func(t *testing.T) {
			s := loadSchema(t, tt.file)
			if tt.def != "" {
				s = s["$defs"].(map[string]any)[tt.def].(map[string]any)
			}
			props, _ := s["properties"].(map[string]any)
			var inSchema []string
			for k := range props {
				inSchema = append(inSchema, k)
			}
			var inGo []string
			rt := reflect.TypeOf(tt.typ)
			for i := range rt.NumField() {
				f := rt.Field(i)
				if !f.IsExported() {
					continue
				}
				name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
				if name == "-" {
					continue
				}
				if name == "" {
					name = f.Name
				}
				inGo = append(inGo, name)
			}
			for _, n := range inGo {
				if !slices.Contains(inSchema, n) {
					t.Errorf("%s member %q is not in %s", rt, n, tt.file)
				}
			}
			for _, n := range inSchema {
				if !slices.Contains(inGo, n) && !slices.Contains(tt.pending, n) {
					t.Errorf("%s names %q, which %s does not have", tt.file, n, rt)
				}
			}
		})
	}
}
