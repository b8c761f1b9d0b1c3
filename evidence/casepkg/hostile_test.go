package casepkg

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
	"time"
)

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func zipOf(t testing.TB, entries map[string][]byte, method uint16) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for n, d := range entries {
		w := must(zw.CreateHeader(&zip.FileHeader{Name: n, Method: method}))
		w.Write(d)
	}
	zw.Close()
	return buf.Bytes()
}

// TestHostileZips: bounds on size, entries, inflation and names, each
// refused quickly without reading past the bound.
func TestHostileZips(t *testing.T) {
	many := map[string][]byte{}
	for i := range MaxEntries + 1 {
		many["claim/f"+strings.Repeat("x", i%50)+string(rune('a'+i%26))+itoa(i)] = []byte("x")
	}
	bomb := map[string][]byte{PathBundle: bytes.Repeat([]byte{0}, 40<<20)}
	ratio := map[string][]byte{PathBundle: bytes.Repeat([]byte{'a'}, 2<<20)}
	cases := []struct {
		name string
		zip  []byte
		want string
	}{
		{"not a zip", []byte("PK\x03\x04 nonsense"), "not a zip"},
		{"too big", make([]byte, MaxPackageBytes+1), "at most"},
		{"too many entries", zipOf(t, many, zip.Store), "entries"},
		{"zip bomb", zipOf(t, bomb, zip.Deflate), "entry"},
		{"compression ratio", zipOf(t, ratio, zip.Deflate), "inflates beyond"},
		{"dot dot", zipOf(t, map[string][]byte{"../evil": {1}}, zip.Store), "not a package path"},
		{"absolute", zipOf(t, map[string][]byte{"/etc/passwd": {1}}, zip.Store), "not a package path"},
		{"deep", zipOf(t, map[string][]byte{"a/b/c": {1}}, zip.Store), "not a package path"},
		{"no manifest", zipOf(t, map[string][]byte{PathClaim: []byte("{}")}, zip.Store), "manifest.json: missing"},
		{"bad manifest", zipOf(t, map[string][]byte{PathManifest: []byte(`{"format":1}`)}, zip.Store), "manifest.json"},
	}
	w := newWorld(t, 0)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			r, err := Verify(tc.zip, w.trust, w.now)
			if err != nil {
				t.Fatal(err)
			}
			if r.OK || !strings.Contains(r.Err().Error(), tc.want) {
				t.Fatalf("ok %v, error %v, want %q", r.OK, r.Err(), tc.want)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %s", d)
			}
		})
	}
	// Duplicate entries (the writer allows them).
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for range 2 {
		wr, _ := zw.Create(PathClaim)
		wr.Write([]byte("{}"))
	}
	zw.Close()
	if _, err := ReadZip(buf.Bytes()); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("duplicate: %v", err)
	}
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

// FuzzReadPackage: ReadZip, DecodeManifest and DecodeBatch never panic and
// keep their bounds on any input.
func FuzzReadPackage(f *testing.F) {
	f.Add(zipOf(f, map[string][]byte{PathManifest: []byte(`{"format":"sealchain-case-package","version":1}`)}, zip.Deflate))
	f.Add([]byte(`{"format":"sealchain-case-batch","version":1,"cases":[{"case_id":"a","package":"cases/a.zip"}]}`))
	f.Add([]byte("PK\x05\x06" + strings.Repeat("\x00", 18)))
	f.Fuzz(func(t *testing.T, data []byte) {
		files, err := ReadZip(data)
		if err == nil {
			var total int
			for n, d := range files {
				total += len(d)
				if strings.Contains(n, "..") {
					t.Fatalf("path %q accepted", n)
				}
			}
			if total > MaxTotalBytes || len(files) > MaxEntries {
				t.Fatalf("bounds: %d bytes, %d files", total, len(files))
			}
		}
		if m, err := DecodeManifest(data); err == nil {
			if m.Validate() != nil {
				t.Fatal("decoded manifest does not validate")
			}
			_ = m.CSV()
		}
		if b, err := DecodeBatch(data); err == nil {
			_ = b.CSV()
		}
	})
}
