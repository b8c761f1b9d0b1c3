package main

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOFDRender(t *testing.T) {
	in := filepath.Join("..", "..", "signer", "ofd", "testdata", "interop", "converter-n.ofd")
	out := filepath.Join(t.TempDir(), "p1.png")
	code, stdout, msg := execRoot(t, "ofd", "render", in, "--page", "1", "--dpi", "50", "-o", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, msg)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil || cfg.Width != 413 || cfg.Height != 585 { // A4 at 50 dpi
		t.Fatalf("png %dx%d, %v", cfg.Width, cfg.Height, err)
	}
	if !strings.Contains(stdout, "not drawn: font 仿宋 (ID 1000) is not embedded") || !strings.Contains(stdout, "413×585 px") {
		t.Fatalf("output %q", stdout)
	}
	for _, args := range [][]string{
		{"ofd", "render", in, "--page", "3", "-o", out},
		{"ofd", "render", in},
		{"ofd", "render", "ofd_render_cmd.go", "-o", out},
		{"ofd", "render", in, "--dpi", "0.5", "-o", out},
	} {
		if code, _, msg := execRoot(t, args...); code != exitUsage {
			t.Fatalf("%v: exit %d (%s), want 2", args, code, msg)
		}
	}
}
