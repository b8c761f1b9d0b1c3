package providers

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadSecret(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	const secret = "AKIDexampleSECRETvalue0123"
	for _, tc := range []struct {
		name, path string
		want       string // "" : an error containing wantErr
		wantErr    string
	}{
		{"0600", write("a", secret+"\n", 0o600), secret, ""},
		{"0400", write("b", "  "+secret+"  ", 0o400), secret, ""},
		{"group readable", write("c", secret, 0o640), "", "mode 0640"},
		{"world readable", write("d", secret, 0o604), "", "mode 0604"},
		{"empty", write("e", " \n", 0o600), "", "empty"},
		{"too long", write("f", strings.Repeat("x", maxSecret+1), 0o600), "", "longer than"},
		{"missing", filepath.Join(dir, "none"), "", "no such file"},
		{"directory", dir, "", "not a regular file"},
		{"no path", "", "", "no path"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadSecret(tc.path)
			if tc.want != "" {
				if err != nil || got != tc.want {
					t.Fatalf("ReadSecret = %q, %v; want %q", got, err, tc.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
			}
			if strings.Contains(err.Error(), secret) {
				t.Fatalf("the error shows the secret: %v", err)
			}
		})
	}
}

func TestUnavailable(t *testing.T) {
	base := errors.New("timeout")
	err := Unavailable("sms.SendSms", base)
	if !errors.Is(err, ErrUnavailable) || !errors.Is(err, base) {
		t.Fatalf("%v does not wrap both", err)
	}
}
