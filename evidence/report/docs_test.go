package report

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestDocumentsRender makes the four documents and, with
// SEALCHAIN_KEEP_RENDER set, writes them and their pages as PNGs there.
func TestDocumentsRender(t *testing.T) {
	w := newCaseWorld(t)
	docs := w.documents(t)
	dir := os.Getenv("SEALCHAIN_KEEP_RENDER")
	if dir == "" {
		return
	}
	for kind, pdf := range docs {
		p := filepath.Join(dir, kind+".pdf")
		if err := os.WriteFile(p, pdf, 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("pdftoppm", "-png", "-r", "80", p, filepath.Join(dir, kind)).CombinedOutput(); err != nil {
			t.Fatalf("pdftoppm: %v %s", err, out)
		}
	}
}
