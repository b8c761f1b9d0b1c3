package s3store

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sealchain/sealchain/workflow/filestore"
)

const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

func TestLoadCredentials(t *testing.T) {
	tests := []struct {
		name, body string
		mode       os.FileMode
		wantErr    string
	}{
		{"ok", "# key\naccess_key_id = AKID\n\nsecret_access_key = " + secret + "\n", 0o600, ""},
		{"group readable", "access_key_id = AKID\nsecret_access_key = " + secret + "\n", 0o640, "want 0600"},
		{"world readable", "access_key_id = AKID\nsecret_access_key = " + secret + "\n", 0o644, "want 0600"},
		{"no secret", "access_key_id = AKID\n", 0o600, "want access_key_id and secret_access_key"},
		{"unknown key", "access_key_id = AKID\nsecret = " + secret + "\n", 0o600, "unknown key"},
		{"bare secret line", "AKID\n" + secret + "\n", 0o600, "want key = value"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "creds")
			require.NoError(t, os.WriteFile(path, []byte(tc.body), tc.mode))
			require.NoError(t, os.Chmod(path, tc.mode))
			c, err := LoadCredentials(path)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				require.NotContains(t, err.Error(), secret, "errors never carry the secret")
				return
			}
			require.NoError(t, err)
			require.Equal(t, "AKID", c.AccessKeyID)
			for _, s := range []string{c.String(), fmt.Sprint(c), fmt.Sprintf("%v %+v", c, c)} {
				require.NotContains(t, s, secret)
			}
		})
	}
}

// TestRequests checks what the client sends and how it reads answers,
// against a minimal handler (the real server is in test/s3).
func TestRequests(t *testing.T) {
	objects := map[string][]byte{}
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.Method+" "+r.URL.Path)
		if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential=AKID/") {
			http.Error(w, "unsigned", http.StatusForbidden)
			return
		}
		key := strings.TrimPrefix(r.URL.Path, "/bkt/")
		switch r.Method {
		case http.MethodPut:
			b, _ := io.ReadAll(r.Body)
			sum := md5.Sum(b)
			if r.Header.Get("Content-MD5") != base64.StdEncoding.EncodeToString(sum[:]) {
				http.Error(w, "BadDigest", http.StatusBadRequest)
				return
			}
			objects[key] = b
			w.Header().Set("ETag", fmt.Sprintf(`"%x"`, sum))
		case http.MethodHead, http.MethodGet:
			b, ok := objects[key]
			if !ok {
				w.WriteHeader(http.StatusNotFound)
				if r.Method == http.MethodGet {
					io.WriteString(w, `<?xml version="1.0"?><Error><Code>NoSuchKey</Code><Message>no</Message></Error>`)
				}
				return
			}
			sum := md5.Sum(b)
			w.Header().Set("ETag", fmt.Sprintf(`"%x"`, sum))
			w.Header().Set("Content-Length", fmt.Sprint(len(b)))
			if r.Method == http.MethodGet {
				w.Write(b)
			}
		}
	}))
	defer srv.Close()
	c, err := New(Config{Endpoint: srv.URL, Bucket: "bkt", PathStyle: true, Credentials: NewCredentials("AKID", secret)})
	require.NoError(t, err)
	ctx := context.Background()
	body := []byte("ciphertext")
	sum := md5.Sum(body)
	require.NoError(t, c.PutObject(ctx, "files/ab", bytes.NewReader(body), int64(len(body)), sum[:]))
	info, err := c.StatObject(ctx, "files/ab")
	require.NoError(t, err)
	require.Equal(t, filestore.ObjectInfo{Size: int64(len(body)), ETag: fmt.Sprintf("%x", sum)}, info)
	got, err := c.GetObject(ctx, "files/ab", 100)
	require.NoError(t, err)
	require.Equal(t, body, got)
	_, err = c.GetObject(ctx, "files/ab", 3)
	require.ErrorContains(t, err, "more than 3")
	_, err = c.StatObject(ctx, "files/missing")
	require.ErrorIs(t, err, filestore.ErrNotFound)
	_, err = c.GetObject(ctx, "files/missing", 100)
	require.ErrorIs(t, err, filestore.ErrNotFound)
	wrong := md5.Sum([]byte("other"))
	require.Error(t, c.PutObject(ctx, "files/cd", bytes.NewReader(body), int64(len(body)), wrong[:]), "server checks Content-MD5")
	require.Equal(t, "PUT /bkt/files/ab", seen[0])
}

func TestNewRefusesBadConfig(t *testing.T) {
	creds := NewCredentials("AKID", secret)
	for _, c := range []Config{
		{Endpoint: "s3.example.cn", Bucket: "b", Credentials: creds},
		{Endpoint: "https://s3.example.cn/path", Bucket: "b", Credentials: creds},
		{Endpoint: "https://s3.example.cn", Credentials: creds},
		{Endpoint: "https://s3.example.cn", Bucket: "b"},
	} {
		_, err := New(c)
		require.Error(t, err, "%+v", c)
	}
}
