package signer

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPrivateKeyPEMRoundTrip(t *testing.T) {
	for _, alg := range []Algorithm{AlgSM2, AlgECDSAP256} {
		t.Run(alg.String(), func(t *testing.T) {
			k := newKey(t, alg)
			b, err := EncodePrivateKeyPEM(k)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(b, []byte("-----BEGIN PRIVATE KEY-----\n")) {
				t.Fatalf("not a PKCS#8 PEM block:\n%s", b)
			}
			k2, err := ParsePrivateKeyPEM(b)
			if err != nil {
				t.Fatal(err)
			}
			if k2.Algorithm() != alg {
				t.Fatalf("Algorithm = %s, want %s", k2.Algorithm(), alg)
			}
			if !k.Public().(*ecdsa.PublicKey).Equal(k2.Public()) {
				t.Fatal("public key changed in round trip")
			}
			// The parsed key signs what the original key's public key accepts.
			msg := []byte("round trip")
			if err := Verify(k.Public(), msg, sign(t, k2, msg)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestPublicKeyPEMRoundTrip(t *testing.T) {
	for _, alg := range []Algorithm{AlgSM2, AlgECDSAP256} {
		t.Run(alg.String(), func(t *testing.T) {
			k := newKey(t, alg)
			b, err := EncodePublicKeyPEM(k.Public())
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(b, []byte("-----BEGIN PUBLIC KEY-----\n")) {
				t.Fatalf("not a PKIX PEM block:\n%s", b)
			}
			pub, err := ParsePublicKeyPEM(b)
			if err != nil {
				t.Fatal(err)
			}
			if !k.Public().(*ecdsa.PublicKey).Equal(pub) {
				t.Fatal("public key changed in round trip")
			}
			if got, _ := PublicKeyAlgorithm(pub); got != alg {
				t.Fatalf("PublicKeyAlgorithm = %s, want %s", got, alg)
			}
		})
	}
}

func TestParsePrivateKeyPEMErrors(t *testing.T) {
	good, err := EncodePrivateKeyPEM(newKey(t, AlgSM2))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(good)
	der := block.Bytes

	corrupt := append([]byte(nil), der...)
	corrupt[len(corrupt)/2] ^= 0xff
	truncated := der[:len(der)-10]

	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p384DER, err := x509.MarshalPKCS8PrivateKey(p384)
	if err != nil {
		t.Fatal(err)
	}
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	edDER, err := x509.MarshalPKCS8PrivateKey(edKey)
	if err != nil {
		t.Fatal(err)
	}

	encode := func(typ string, b []byte, h map[string]string) []byte {
		return pem.EncodeToMemory(&pem.Block{Type: typ, Headers: h, Bytes: b})
	}
	tests := []struct {
		name    string
		in      []byte
		wantErr error
	}{
		{"empty", nil, ErrInvalidKey},
		{"raw DER", der, ErrInvalidKey},
		{"wrong PEM type", encode("EC PRIVATE KEY", der, nil), ErrInvalidKey},
		{"encrypted headers", encode("PRIVATE KEY", der, map[string]string{"Proc-Type": "4,ENCRYPTED"}), ErrInvalidKey},
		{"corrupt", encode("PRIVATE KEY", corrupt, nil), ErrInvalidKey},
		{"truncated", encode("PRIVATE KEY", truncated, nil), ErrInvalidKey},
		{"p384", encode("PRIVATE KEY", p384DER, nil), ErrUnsupportedKey},
		{"ed25519", encode("PRIVATE KEY", edDER, nil), ErrUnsupportedKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePrivateKeyPEM(tt.in)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("ParsePrivateKeyPEM = %v, want %v", err, tt.wantErr)
			}
			assertNoKeyMaterial(t, err.Error(), der)
			assertNoKeyMaterial(t, err.Error(), corrupt)
		})
	}
}

// assertNoKeyMaterial fails if msg contains any 8-byte window of key in raw,
// hex or base64 form.
func assertNoKeyMaterial(t *testing.T, msg string, key []byte) {
	t.Helper()
	const w = 8
	for i := 0; i+w <= len(key); i++ {
		chunk := key[i : i+w]
		for _, enc := range []string{string(chunk), hex.EncodeToString(chunk), base64.StdEncoding.EncodeToString(chunk)[:8]} {
			if strings.Contains(msg, enc) {
				t.Fatalf("error %q contains key material %q", msg, enc)
			}
		}
	}
}

func TestSaveLoadPrivateKey(t *testing.T) {
	for _, alg := range []Algorithm{AlgSM2, AlgECDSAP256} {
		t.Run(alg.String(), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "key.pem")
			k := newKey(t, alg)
			if err := SavePrivateKey(path, k); err != nil {
				t.Fatal(err)
			}
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if perm := fi.Mode().Perm(); perm != 0o600 {
				t.Fatalf("mode = %#o, want 0600", perm)
			}
			k2, err := LoadPrivateKey(path)
			if err != nil {
				t.Fatal(err)
			}
			if !k.Public().(*ecdsa.PublicKey).Equal(k2.Public()) || k2.Algorithm() != alg {
				t.Fatal("loaded key differs")
			}

			// A second save must not replace the first key.
			before, _ := os.ReadFile(path)
			err = SavePrivateKey(path, newKey(t, alg))
			if !errors.Is(err, os.ErrExist) {
				t.Fatalf("SavePrivateKey over existing file = %v, want os.ErrExist", err)
			}
			after, _ := os.ReadFile(path)
			if !bytes.Equal(before, after) {
				t.Fatal("existing key file was modified")
			}
		})
	}
}

func TestSavePrivateKeyUmaskIndependent(t *testing.T) {
	// Even a permissive directory yields a 0600 file, because the mode is
	// set at creation.
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "k.pem")
	if err := SavePrivateKey(path, newKey(t, AlgSM2)); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		t.Fatalf("mode = %#o", fi.Mode().Perm())
	}
}

func TestLoadPrivateKeyRefusesOpenModes(t *testing.T) {
	pemBytes, err := EncodePrivateKeyPEM(newKey(t, AlgSM2))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		mode    os.FileMode
		wantErr bool
	}{
		{"0600", 0o600, false},
		{"0400", 0o400, false},
		{"0644", 0o644, true},
		{"0640", 0o640, true},
		{"0604", 0o604, true},
		{"0620", 0o620, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "key.pem")
			if err := os.WriteFile(path, pemBytes, 0o600); err != nil {
				t.Fatal(err)
			}
			// Chmod explicitly so the umask cannot mask the bits under test.
			if err := os.Chmod(path, tt.mode); err != nil {
				t.Fatal(err)
			}
			_, err := LoadPrivateKey(path)
			if !tt.wantErr {
				if err != nil {
					t.Fatalf("LoadPrivateKey = %v", err)
				}
				return
			}
			if !errors.Is(err, ErrInsecureKeyFile) {
				t.Fatalf("LoadPrivateKey = %v, want ErrInsecureKeyFile", err)
			}
			msg := err.Error()
			if !strings.Contains(msg, path) || !strings.Contains(msg, "0"+strings.TrimLeft(tt.name, "0")) {
				t.Fatalf("error %q should name path and mode", msg)
			}
		})
	}
}

func TestLoadPrivateKeyMissing(t *testing.T) {
	_, err := LoadPrivateKey(filepath.Join(t.TempDir(), "absent.pem"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("LoadPrivateKey = %v, want os.ErrNotExist", err)
	}
}

func TestParsePublicKeyPEMErrors(t *testing.T) {
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p384DER, err := x509.MarshalPKIXPublicKey(&p384.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		in      []byte
		wantErr error
	}{
		{"empty", nil, ErrInvalidKey},
		{"wrong type", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p384DER}), ErrInvalidKey},
		{"garbage", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte{1, 2, 3}}), ErrInvalidKey},
		{"p384", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: p384DER}), ErrUnsupportedKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParsePublicKeyPEM(tt.in); !errors.Is(err, tt.wantErr) {
				t.Fatalf("ParsePublicKeyPEM = %v, want %v", err, tt.wantErr)
			}
		})
	}
	if _, err := EncodePublicKeyPEM(&p384.PublicKey); !errors.Is(err, ErrUnsupportedKey) {
		t.Fatalf("EncodePublicKeyPEM(p384) = %v, want ErrUnsupportedKey", err)
	}
}
