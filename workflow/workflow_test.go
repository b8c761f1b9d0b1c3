package workflow

import (
	"bytes"
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"
)

func TestKEKSealOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cfg", KEKFile)
	k, err := LoadKEK(path, nil)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode: %v %v", fi.Mode(), err)
	}
	sealed, err := k.Seal(rand.Reader, "idn-1", []byte("secret key"))
	if err != nil {
		t.Fatal(err)
	}
	again, err := LoadKEK(path, nil)
	if err != nil {
		t.Fatalf("reload: %v", err)
	}
	tests := []struct {
		name    string
		kek     *KEK
		id      string
		data    []byte
		wantErr bool
	}{
		{"same key, same id", again, "idn-1", sealed, false},
		{"other id (AAD)", again, "idn-2", sealed, true},
		{"flipped byte", again, "idn-1", append(append([]byte{}, sealed[:len(sealed)-1]...), sealed[len(sealed)-1]^1), true},
		{"truncated", again, "idn-1", sealed[:10], true},
	}
	other, _ := NewKEK(bytes.Repeat([]byte{7}, 16))
	tests = append(tests, struct {
		name    string
		kek     *KEK
		id      string
		data    []byte
		wantErr bool
	}{"other key", other, "idn-1", sealed, true})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.kek.Open(tc.id, tc.data)
			if (err != nil) != tc.wantErr {
				t.Fatalf("Open: %v, want error %v", err, tc.wantErr)
			}
			if !tc.wantErr && string(got) != "secret key" {
				t.Fatalf("Open = %q", got)
			}
		})
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadKEK(path, nil); err == nil {
		t.Fatal("a group-readable key file was accepted")
	}
}

func TestMasks(t *testing.T) {
	for _, tc := range []struct{ in, name, phone string }{
		{"张三", "张*", ""},
		{"欧阳娜娜", "欧阳*娜", ""},
		{"北京某某科技有限公司", "北京*******司", ""},
		{"", "", ""},
	} {
		if got := maskName(tc.in); got != tc.name {
			t.Errorf("maskName(%q) = %q, want %q", tc.in, got, tc.name)
		}
	}
	if got := maskPhone("13800138000"); got != "138****8000" {
		t.Errorf("maskPhone = %q", got)
	}
}

func TestSixDigits(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		c, err := sixDigits(rand.Reader)
		if err != nil || len(c) != 6 {
			t.Fatalf("code %q, %v", c, err)
		}
		seen[c] = true
	}
	if len(seen) < 190 {
		t.Fatalf("only %d distinct codes in 200", len(seen))
	}
}
