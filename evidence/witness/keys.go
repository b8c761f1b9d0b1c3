package witness

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
)

// Signature type bytes of c2sp.org/signed-note.
const (
	AlgEd25519     = 0x01 // a log's Ed25519 note signature
	AlgCosignature = 0x04 // a witness's timestamped Ed25519 cosignature/v1
)

// cosignatureSize is timestamp (8) ‖ Ed25519 signature (64).
const cosignatureSize = 8 + ed25519.SignatureSize

// KeyID is the signed-note key id: SHA-256(name ‖ "\n" ‖ alg ‖ key)[:4].
func KeyID(name string, alg byte, pub []byte) uint32 {
	h := sha256.New()
	h.Write([]byte(name))
	h.Write([]byte{'\n', alg})
	h.Write(pub)
	return binary.BigEndian.Uint32(h.Sum(nil))
}

// VerifierKey is a parsed vkey: "<name>+<key id, 8 hex>+<base64(alg ‖ key)>".
type VerifierKey struct {
	Name string
	ID   uint32
	Alg  byte
	Key  ed25519.PublicKey
}

// ParseVerifierKey parses a vkey of signature type 0x01 or 0x04 and checks
// its key id.
func ParseVerifierKey(vkey string) (*VerifierKey, error) {
	name, rest, ok1 := strings.Cut(vkey, "+")
	hexID, b64, ok2 := strings.Cut(rest, "+")
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("%w vkey %q: want <name>+<key id>+<base64 key>", ErrMalformed, vkey)
	}
	if err := checkName(name); err != nil {
		return nil, fmt.Errorf("%w vkey name: %w", ErrMalformed, err)
	}
	id, err := strconv.ParseUint(hexID, 16, 32)
	if err != nil || len(hexID) != 8 {
		return nil, fmt.Errorf("%w vkey %q: key id %q is not 8 hex digits", ErrMalformed, name, hexID)
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(b64)
	if err != nil || len(raw) != 1+ed25519.PublicKeySize {
		return nil, fmt.Errorf("%w vkey %q: key is not base64 of a type byte and a 32-byte Ed25519 key", ErrMalformed, name)
	}
	if raw[0] != AlgEd25519 && raw[0] != AlgCosignature {
		return nil, fmt.Errorf("%w vkey %q: signature type 0x%02x, want 0x01 (Ed25519) or 0x04 (cosignature/v1)", ErrMalformed, name, raw[0])
	}
	k := &VerifierKey{Name: name, ID: uint32(id), Alg: raw[0], Key: ed25519.PublicKey(raw[1:])}
	if want := KeyID(name, k.Alg, k.Key); want != k.ID {
		return nil, fmt.Errorf("%w vkey %q: key id %08x, the key hashes to %08x", ErrMalformed, name, k.ID, want)
	}
	return k, nil
}

// String returns the vkey.
func (k *VerifierKey) String() string {
	return fmt.Sprintf("%s+%08x+%s", k.Name, k.ID, base64.StdEncoding.EncodeToString(append([]byte{k.Alg}, k.Key...)))
}

// Verifier returns the note verifier of the key: an Ed25519 note verifier
// for type 0x01, a cosignature/v1 verifier for type 0x04.
func (k *VerifierKey) Verifier() note.Verifier {
	if k.Alg == AlgCosignature {
		return &cosigVerifier{name: k.Name, id: k.ID, key: k.Key}
	}
	return &edVerifier{name: k.Name, id: k.ID, key: k.Key}
}

// NewCosignatureVerifier parses a witness's vkey (signature type 0x04).
func NewCosignatureVerifier(vkey string) (note.Verifier, error) {
	k, err := ParseVerifierKey(vkey)
	if err != nil {
		return nil, err
	}
	if k.Alg != AlgCosignature {
		return nil, fmt.Errorf("%w vkey %q: signature type 0x%02x is not a cosignature/v1 key (0x04)", ErrMalformed, k.Name, k.Alg)
	}
	return k.Verifier(), nil
}

// NewLogVerifier parses a log's vkey (signature type 0x01).
func NewLogVerifier(vkey string) (note.Verifier, error) {
	k, err := ParseVerifierKey(vkey)
	if err != nil {
		return nil, err
	}
	if k.Alg != AlgEd25519 {
		return nil, fmt.Errorf("%w vkey %q: signature type 0x%02x is not an Ed25519 log key (0x01)", ErrMalformed, k.Name, k.Alg)
	}
	return k.Verifier(), nil
}

type edVerifier struct {
	name string
	id   uint32
	key  ed25519.PublicKey
}

func (v *edVerifier) Name() string    { return v.name }
func (v *edVerifier) KeyHash() uint32 { return v.id }
func (v *edVerifier) Verify(msg, sig []byte) bool {
	return len(sig) == ed25519.SignatureSize && ed25519.Verify(v.key, msg, sig)
}

type cosigVerifier struct {
	name string
	id   uint32
	key  ed25519.PublicKey
}

func (v *cosigVerifier) Name() string    { return v.name }
func (v *cosigVerifier) KeyHash() uint32 { return v.id }
func (v *cosigVerifier) Verify(msg, sig []byte) bool {
	if len(sig) != cosignatureSize {
		return false
	}
	t := binary.BigEndian.Uint64(sig)
	if t > 1<<63-1 {
		return false
	}
	return ed25519.Verify(v.key, cosignedMessage(t, msg), sig[8:])
}

// cosignedMessage is "cosignature/v1\ntime <t>\n" ‖ note text.
func cosignedMessage(t uint64, text []byte) []byte {
	m := make([]byte, 0, 40+len(text))
	m = append(m, "cosignature/v1\ntime "...)
	m = strconv.AppendUint(m, t, 10)
	m = append(m, '\n')
	return append(m, text...)
}

// CosignatureTime returns the time inside a cosignature/v1 signature
// (base64 of key id ‖ timestamp ‖ signature), without verifying it.
func CosignatureTime(b64 string) (time.Time, error) {
	raw, err := base64.StdEncoding.Strict().DecodeString(b64)
	if err != nil || len(raw) != 4+cosignatureSize {
		return time.Time{}, fmt.Errorf("%w cosignature: not base64 of %d bytes", ErrMalformed, 4+cosignatureSize)
	}
	t := binary.BigEndian.Uint64(raw[4:])
	if t > 1<<63-1 {
		return time.Time{}, fmt.Errorf("%w cosignature: timestamp %d exceeds 2^63-1", ErrMalformed, t)
	}
	return time.Unix(int64(t), 0).UTC(), nil
}

// Cosigner makes cosignature/v1 signatures; it implements note.Signer.
type Cosigner struct {
	name string
	id   uint32
	priv ed25519.PrivateKey
	// Now is the clock of the timestamps (time.Now when nil).
	Now func() time.Time
}

// skeyPrefix starts a signer key, as in golang.org/x/mod/sumdb/note.
const skeyPrefix = "PRIVATE+KEY+"

// GenerateCosignerKey makes a witness key pair named name: the signer key
// "PRIVATE+KEY+<name>+<id>+base64(0x04 ‖ seed)" (keep it secret) and the
// vkey "<name>+<id>+base64(0x04 ‖ public key)" (give it to verifiers).
func GenerateCosignerKey(rand io.Reader, name string) (skey, vkey string, err error) {
	return generateKey(rand, name, AlgCosignature)
}

// GenerateLogKey makes a log's Ed25519 note key pair (type 0x01) named name
// (the origin), in the x/mod/sumdb/note formats.
func GenerateLogKey(rand io.Reader, name string) (skey, vkey string, err error) {
	return generateKey(rand, name, AlgEd25519)
}

func generateKey(rand io.Reader, name string, alg byte) (skey, vkey string, err error) {
	if err := checkName(name); err != nil {
		return "", "", fmt.Errorf("key name: %w", err)
	}
	pub, priv, err := ed25519.GenerateKey(rand)
	if err != nil {
		return "", "", err
	}
	id := KeyID(name, alg, pub)
	skey = fmt.Sprintf("%s%s+%08x+%s", skeyPrefix, name, id, base64.StdEncoding.EncodeToString(append([]byte{alg}, priv.Seed()...)))
	vkey = (&VerifierKey{Name: name, ID: id, Alg: alg, Key: pub}).String()
	return skey, vkey, nil
}

// parseSignerKey reads "PRIVATE+KEY+<name>+<id>+base64(alg ‖ seed)".
func parseSignerKey(skey string, alg byte) (name string, id uint32, priv ed25519.PrivateKey, err error) {
	bad := func(why string) error { return fmt.Errorf("%w signer key: %s", ErrMalformed, why) }
	rest, ok := strings.CutPrefix(strings.TrimSpace(skey), skeyPrefix)
	if !ok {
		return "", 0, nil, bad("does not start with " + skeyPrefix)
	}
	name, rest, ok1 := strings.Cut(rest, "+")
	hexID, b64, ok2 := strings.Cut(rest, "+")
	if !ok1 || !ok2 || checkName(name) != nil {
		return "", 0, nil, bad("want PRIVATE+KEY+<name>+<key id>+<base64 key>")
	}
	id64, err := strconv.ParseUint(hexID, 16, 32)
	if err != nil || len(hexID) != 8 {
		return "", 0, nil, bad("key id is not 8 hex digits")
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(b64)
	if err != nil || len(raw) != 1+ed25519.SeedSize {
		return "", 0, nil, bad("key is not base64 of a type byte and a 32-byte seed")
	}
	if raw[0] != alg {
		return "", 0, nil, bad(fmt.Sprintf("signature type 0x%02x, want 0x%02x", raw[0], alg))
	}
	priv = ed25519.NewKeyFromSeed(raw[1:])
	if want := KeyID(name, alg, priv.Public().(ed25519.PublicKey)); want != uint32(id64) {
		return "", 0, nil, bad(fmt.Sprintf("key id %08x, the key hashes to %08x", id64, want))
	}
	return name, uint32(id64), priv, nil
}

// NewCosigner reads a witness signer key made by GenerateCosignerKey.
func NewCosigner(skey string) (*Cosigner, error) {
	name, id, priv, err := parseSignerKey(skey, AlgCosignature)
	if err != nil {
		return nil, err
	}
	return &Cosigner{name: name, id: id, priv: priv}, nil
}

// NewLogSigner reads a log signer key made by GenerateLogKey (or
// x/mod/sumdb/note.GenerateKey).
func NewLogSigner(skey string) (note.Signer, error) {
	if _, _, _, err := parseSignerKey(skey, AlgEd25519); err != nil {
		return nil, err
	}
	return note.NewSigner(strings.TrimSpace(skey))
}

// LogVerifierKey returns the vkey of a log signer key.
func LogVerifierKey(skey string) (string, error) {
	name, id, priv, err := parseSignerKey(skey, AlgEd25519)
	if err != nil {
		return "", err
	}
	return (&VerifierKey{Name: name, ID: id, Alg: AlgEd25519, Key: priv.Public().(ed25519.PublicKey)}).String(), nil
}

// Name is the witness's key name.
func (c *Cosigner) Name() string { return c.name }

// KeyHash is the key id.
func (c *Cosigner) KeyHash() uint32 { return c.id }

// VerifierKey returns the witness's vkey.
func (c *Cosigner) VerifierKey() string {
	return (&VerifierKey{Name: c.name, ID: c.id, Alg: AlgCosignature, Key: c.priv.Public().(ed25519.PublicKey)}).String()
}

// Sign returns timestamp ‖ Ed25519(cosignature/v1 message) for note text msg.
func (c *Cosigner) Sign(msg []byte) ([]byte, error) {
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	t := now().Unix()
	if t < 0 {
		return nil, errors.New("cosigner: clock before 1970")
	}
	sig := make([]byte, 8, cosignatureSize)
	binary.BigEndian.PutUint64(sig, uint64(t))
	return append(sig, ed25519.Sign(c.priv, cosignedMessage(uint64(t), msg))...), nil
}
