package evidence

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"testing"

	"github.com/sealchain/sealchain/chain"
)

var updateRegistryGolden = flag.Bool("update-registry-golden", false, "rewrite testdata/registry_golden.json from the current code")

const registryGoldenPath = "testdata/registry_golden.json"

// registryGolden is what people see of one sample record of chain's
// testdata/registry_golden.json: its body fields (the JSON of BodyFields,
// which RecordView.Body and the API print) and its type's label.
type registryGolden struct {
	Name   string          `json:"name"`
	Type   string          `json:"type"`
	Label  Label           `json:"label"`
	Fields json.RawMessage `json:"fields"`
}

// TestRegistryGolden pins BodyFields, TypeLabel and the label tables the
// WebAssembly verifier exports (sealchainLabels is json.Marshal(Labels()))
// to what the code before the record-type registry produced.
func TestRegistryGolden(t *testing.T) {
	raw, err := os.ReadFile("../chain/testdata/registry_golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var samples []struct {
		Name string `json:"name"`
		Tx   string `json:"tx"`
	}
	if err := json.Unmarshal(raw, &samples); err != nil {
		t.Fatal(err)
	}
	var got []registryGolden
	for _, s := range samples {
		b, err := hex.DecodeString(s.Tx)
		if err != nil {
			t.Fatal(err)
		}
		tx, err := chain.DecodeTx(b)
		if err != nil {
			t.Fatalf("%s: %v", s.Name, err)
		}
		fields, err := json.Marshal(BodyFields(tx.Body))
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, registryGolden{Name: s.Name, Type: tx.Body.Type().String(), Label: TypeLabel(tx.Body.Type()), Fields: fields})
	}
	labels, err := json.Marshal(Labels())
	if err != nil {
		t.Fatal(err)
	}
	out, err := json.MarshalIndent(struct {
		Records []registryGolden `json:"records"`
		Labels  json.RawMessage  `json:"labels"`
	}{got, labels}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, '\n')
	if *updateRegistryGolden {
		if err := os.WriteFile(registryGoldenPath, out, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(registryGoldenPath)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(out, want) {
		return
	}
	// What was pinned must be printed as pinned; what a type added since
	// brings (its label, its samples' fields) may only add to it.
	var g, w any
	if err := json.Unmarshal(out, &g); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("%s: %v", registryGoldenPath, err)
	}
	if path, ok := pinnedIn("", w, g); !ok {
		t.Errorf("%s: %s differs from the code's output:\n%s", registryGoldenPath, path, out)
	}
}

// pinnedIn reports whether every object key of want is in got with a
// pinned value; arrays and scalars must be equal. It returns where they
// first differ.
func pinnedIn(path string, want, got any) (string, bool) {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return path, false
		}
		for k, v := range w {
			if p, ok := pinnedIn(path+"."+k, v, g[k]); !ok {
				return p, false
			}
		}
		return "", true
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) < len(w) {
			return path, false
		}
		for i := range w {
			if p, ok := pinnedIn(fmt.Sprintf("%s[%d]", path, i), w[i], g[i]); !ok {
				return p, false
			}
		}
		return "", true
	default:
		a, _ := json.Marshal(want)
		b, _ := json.Marshal(got)
		return path, bytes.Equal(a, b)
	}
}
