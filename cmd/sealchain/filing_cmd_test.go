package main

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emmansun/gmsm/sm3"

	"github.com/sealchain/sealchain/client"
)

// TestReadBatch: a batch directory is read only when every zip is inside
// it with the SM3 and size batch.json gives; each refusal names the case.
func TestReadBatch(t *testing.T) {
	zip := []byte("PK\x05\x06 a stand-in package")
	h := sm3.Sum(zip)
	good := client.FilingCase{CaseID: "c-1", Institution: "court", Kind: "litigation", Contracts: []string{"k-1"},
		Package: "cases/c-1.zip", SM3: hex.EncodeToString(h[:]), Size: int64(len(zip))}
	tests := []struct {
		name string
		edit func(*client.FilingCase)
		want string // "" = accepted
	}{
		{"good", func(*client.FilingCase) {}, ""},
		{"other SM3", func(c *client.FilingCase) { c.SM3 = strings.Repeat("0", 64) }, `case "c-1": cases/c-1.zip has SM3`},
		{"other size", func(c *client.FilingCase) { c.Size++ }, `case "c-1"`},
		{"missing zip", func(c *client.FilingCase) { c.Package = "cases/none.zip" }, `case "c-1"`},
		{"outside the directory", func(c *client.FilingCase) { c.Package = "../c-1.zip" }, "not a path inside the batch directory"},
		{"absolute path", func(c *client.FilingCase) { c.Package = "/etc/passwd" }, "not a path inside the batch directory"},
		{"no package", func(c *client.FilingCase) { c.Package = "" }, "not a path inside the batch directory"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			os.MkdirAll(filepath.Join(dir, "cases"), 0o700)
			os.WriteFile(filepath.Join(dir, "cases", "c-1.zip"), zip, 0o600)
			os.WriteFile(filepath.Join(filepath.Dir(dir), "c-1.zip"), zip, 0o600)
			c := good
			tc.edit(&c)
			raw, _ := json.Marshal(client.FilingBatch{BatchID: "b", Filer: "platform", Cases: []client.FilingCase{c}})
			os.WriteFile(filepath.Join(dir, "batch.json"), raw, 0o600)
			b, paths, err := readBatch(dir)
			switch {
			case tc.want == "" && (err != nil || len(paths) != 1 || b.Cases[0].CaseID != "c-1"):
				t.Fatalf("readBatch: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("readBatch: %v, want an error with %q", err, tc.want)
			}
		})
	}
}
