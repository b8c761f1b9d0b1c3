package render

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDumpCorpus writes every page of the corpus to $OFD_RENDER_OUT, to
// look at; it is skipped without the variable.
func TestDumpCorpus(t *testing.T) {
	out := os.Getenv("OFD_RENDER_OUT")
	if out == "" {
		t.Skip("OFD_RENDER_OUT not set")
	}
	files, _ := filepath.Glob("../testdata/interop/*.ofd")
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for p := 1; p <= 2; p++ {
			start := time.Now()
			png, unsup, err := PNG(context.Background(), data, p, 96)
			if err != nil {
				t.Logf("%s page %d: %v", filepath.Base(f), p, err)
				continue
			}
			name := filepath.Join(out, strings.TrimSuffix(filepath.Base(f), ".ofd")+"-"+string(rune('0'+p))+".png")
			os.WriteFile(name, png, 0o644)
			t.Logf("%s page %d: %v, %d bytes; unsupported: %q", filepath.Base(f), p, time.Since(start).Round(time.Millisecond), len(png), unsup)
		}
	}
}
