package chain

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"testing"
	"time"
)

var updateRegistryGolden = flag.Bool("update-registry-golden", false, "rewrite testdata/registry_golden.json from the current code")

const registryGoldenPath = "testdata/registry_golden.json"

// registryGolden is one sample record: its tx bytes and the index keys the
// store writes for it at log index 1000+i. evidence's golden test reads the
// same file for the body fields, so both halves describe the same records.
type registryGolden struct {
	Name      string   `json:"name"`
	Tx        string   `json:"tx"`
	IndexKeys []string `json:"index_keys"`
}

// TestRegistryGolden pins the tx bytes and index keys of a sample of every
// record type to what the code before the record-type registry produced
// (the golden file was written by that code, then the refactor kept it).
func TestRegistryGolden(t *testing.T) {
	var got []registryGolden
	seen := map[Type]bool{}
	for i, s := range registrySamples() {
		tx := sampleTx(s.body)
		raw := tx.Encode()
		if _, err := DecodeTx(raw); err != nil {
			t.Fatalf("%s: DecodeTx: %v", s.name, err)
		}
		seen[s.body.Type()] = true
		en := &Entry{Index: uint64(1000 + i), Height: 5, Time: time.Unix(1767225600, int64(i)).UTC(), Tx: raw}
		g := registryGolden{Name: s.name, Tx: hex.EncodeToString(raw), IndexKeys: []string{}}
		for _, k := range EncodeIndexKeys(tx, en) {
			g.IndexKeys = append(g.IndexKeys, hex.EncodeToString(k))
		}
		got = append(got, g)
	}
	for _, b := range Types() {
		if typ := b.Type(); !seen[typ] {
			t.Errorf("no sample of record type %d %s", typ, typ)
		}
	}
	out, err := json.MarshalIndent(got, "", "  ")
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
	// Every pinned sample must come out byte for byte as pinned; a sample
	// the file lacks is a type added since (pin it with
	// -update-registry-golden once it is released).
	var w []registryGolden
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("%s: %v", registryGoldenPath, err)
	}
	byName := map[string]registryGolden{}
	for _, g := range got {
		byName[g.Name] = g
	}
	for _, p := range w {
		g, ok := byName[p.Name]
		if !ok {
			t.Errorf("sample %s is pinned but no longer produced", p.Name)
			continue
		}
		a, _ := json.Marshal(g)
		b, _ := json.Marshal(p)
		if !bytes.Equal(a, b) {
			t.Errorf("sample %s:\n got %s\nwant %s", g.Name, a, b)
		}
		delete(byName, p.Name)
	}
	for name := range byName {
		t.Logf("sample %s is new (not pinned)", name)
	}
}
