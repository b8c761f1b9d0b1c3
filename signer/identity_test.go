package signer

import (
	"bytes"
	"encoding/hex"
	"testing"
)

func TestIdentityCommitment(t *testing.T) {
	salt := bytes.Repeat([]byte{7}, 32)
	a, err := IdentityCommitment(salt, "张三", "110101199003078515", "13800138000")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		salt   []byte
		fields []string
	}{
		{"other salt", bytes.Repeat([]byte{8}, 32), []string{"张三", "110101199003078515", "13800138000"}},
		{"other name", salt, []string{"李四", "110101199003078515", "13800138000"}},
		{"fields shifted", salt, []string{"张三1", "10101199003078515", "13800138000"}},
		{"field missing", salt, []string{"张三", "110101199003078515"}},
	} {
		b, err := IdentityCommitment(tc.salt, tc.fields...)
		if err != nil {
			t.Fatal(err)
		}
		if a == b {
			t.Errorf("%s: same commitment", tc.name)
		}
	}
	// Pinned: a change of the construction must fail this test.
	if got, want := hex.EncodeToString(a[:]), identityVector; got != want {
		t.Errorf("commitment %s, pinned %s", got, want)
	}
	if _, err := IdentityCommitment(salt[:31], "x"); err == nil {
		t.Error("short salt accepted")
	}
	if _, err := IdentityCommitment(salt); err == nil {
		t.Error("no fields accepted")
	}
	s1, _ := NewIdentitySalt(nil)
	s2, _ := NewIdentitySalt(nil)
	if len(s1) != 32 || bytes.Equal(s1, s2) {
		t.Error("salts not fresh 32-byte values")
	}
}

// identityVector was computed independently with Python's hashlib (OpenSSL's SM3):
//
//	h = hashlib.new("sm3"); h.update(b"sealchain/identity/v1\x00" + b"\x07"*32)
//	for f in ["张三", "110101199003078515", "13800138000"]: e = f.encode(); h.update(uvarint(len(e)) + e)
const identityVector = "ec9aec1a3adfb7e5ebad50a8b9c35a00d50a349fd970c912c25fc8556e485c78"
