package signer

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/smx509"
)

// legacyFixtureDir holds a CA and a signer leaf with an IdentityRef, issued
// by the code of the first release under 1.3.6.1.4.1.61245. Regenerate only
// on purpose: SEALCHAIN_WRITE_LEGACY_OID_FIXTURE=1 go test -run TestLegacyOIDCertificateReadsIdentically ./signer
const legacyFixtureDir = "testdata/legacy-oid"

// legacyIdentityRef is the IdentityRef the fixture leaf carries.
var legacyIdentityRef = FingerprintOf([]byte("legacy-oid fixture identity"))

// TestLegacyOIDCertificateReadsIdentically pins that certificates issued
// under the 1.3.6.1.4.1.61245 arc keep their usage and IdentityRef whatever
// arc new certificates carry (issue #12, item 18).
func TestLegacyOIDCertificateReadsIdentically(t *testing.T) {
	if os.Getenv("SEALCHAIN_WRITE_LEGACY_OID_FIXTURE") != "" {
		writeLegacyOIDFixture(t)
	}
	ca := readFixtureCert(t, "ca.pem")
	leaf := readFixtureCert(t, "leaf.pem")

	// The fixture really is a legacy certificate: the arc is spelled out
	// here, not taken from the package variables.
	wantEKU := asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 61245, 1, 1}
	if !slices.ContainsFunc(leaf.UnknownExtKeyUsage, wantEKU.Equal) {
		t.Fatalf("fixture EKUs %v lack %v", leaf.UnknownExtKeyUsage, wantEKU)
	}
	wantExt := asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 61245, 2, 1}
	if !slices.ContainsFunc(leaf.Extensions, func(e pkix.Extension) bool { return e.Id.Equal(wantExt) }) {
		t.Fatalf("fixture lacks extension %v", wantExt)
	}

	if got := UsagesOf(leaf); !slices.Equal(got, []Usage{UsageSigner}) {
		t.Errorf("UsagesOf = %v, want [signer]", got)
	}
	if got := IdentityRefOf(leaf); !bytes.Equal(got, legacyIdentityRef[:]) {
		t.Errorf("IdentityRefOf = %x, want %x", got, legacyIdentityRef)
	}
	at := leaf.NotBefore.Add(time.Hour)
	if root, err := VerifyIssued(leaf, []*smx509.Certificate{ca}, at, UsageSigner); err != nil || root != ca {
		t.Errorf("VerifyIssued = %v, %v", root, err)
	}
	if _, err := VerifyIssued(leaf, []*smx509.Certificate{ca}, at, UsageSubmitter); err == nil {
		t.Error("VerifyIssued accepted the legacy signer certificate as a submitter")
	}
}

// TestNewCertificatesCarryWriteArc pins what new certificates carry.
func TestNewCertificatesCarryWriteArc(t *testing.T) {
	ca := newCA(t, AlgSM2, "org-a")
	o := leafOpts(UsageIntentVerifier)
	ref := FingerprintOf([]byte("x"))
	o.IdentityRef = ref[:]
	leaf := issue(t, ca, newKey(t, AlgSM2).Public(), o)
	want := append(slices.Clone(oidArcWrite), 1, 3)
	if len(leaf.UnknownExtKeyUsage) != 1 || !leaf.UnknownExtKeyUsage[0].Equal(want) {
		t.Fatalf("EKUs = %v, want [%v]", leaf.UnknownExtKeyUsage, want)
	}
	if !slices.ContainsFunc(leaf.Extensions, func(e pkix.Extension) bool {
		return e.Id.Equal(append(slices.Clone(oidArcWrite), 2, 1)) && !e.Critical
	}) {
		t.Fatal("no non-critical IdentityRef extension under the write arc")
	}
	if !slices.ContainsFunc(oidArcsRead, oidArcWrite.Equal) {
		t.Fatal("the write arc is not read back")
	}
	if !slices.ContainsFunc(oidArcsRead, oidArcPEN61245.Equal) {
		t.Fatal("the legacy arc 1.3.6.1.4.1.61245 is no longer read")
	}
}

// TestOIDArcUUIDDerivation recomputes the X.667 arc from the UUID.
func TestOIDArcUUIDDerivation(t *testing.T) {
	b, err := hex.DecodeString(strings.ReplaceAll(sealchainUUID, "-", ""))
	if err != nil || len(b) != 16 {
		t.Fatalf("UUID %q: %v", sealchainUUID, err)
	}
	if b[6]>>4 != 4 || b[8]>>6 != 2 {
		t.Fatalf("UUID %q is not a version 4, RFC 4122 variant UUID", sealchainUUID)
	}
	if got := "2.25." + new(big.Int).SetBytes(b).String(); got != oidArcUUID {
		t.Fatalf("arc = %s, want %s", got, oidArcUUID)
	}
}

// TestUUIDArcUnparseable shows why oidArcUUID is not written: a certificate
// whose extended key usage is under it is refused by crypto/x509 and by
// smx509, which our verifier (and the browser one) use.
func TestUUIDArcUnparseable(t *testing.T) {
	oid, err := x509.ParseOID(oidArcUUID + ".1.1")
	if err != nil {
		t.Fatal(err)
	}
	body, err := oid.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	// ExtKeyUsageSyntax ::= SEQUENCE OF OBJECT IDENTIFIER, written by hand
	// because asn1.ObjectIdentifier cannot hold a 128-bit arc.
	eku := append([]byte{0x30, byte(len(body) + 2), 0x06, byte(len(body))}, body...)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:    big.NewInt(1),
		Subject:         pkix.Name{CommonName: "uuid-arc"},
		NotBefore:       t0,
		NotAfter:        t0.AddDate(1, 0, 0),
		ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Value: eku}},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatalf("CreateCertificate: %v", err)
	}
	if _, err := x509.ParseCertificate(der); err == nil {
		t.Error("crypto/x509 parsed a certificate with a 2.25.<UUID> usage; oidArcUUID may be usable now")
	}
	if _, err := ParseCertificate(der); err == nil {
		t.Error("smx509 parsed a certificate with a 2.25.<UUID> usage; oidArcUUID may be usable now")
	}
}

func readFixtureCert(t *testing.T, name string) *smx509.Certificate {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(legacyFixtureDir, name))
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseCertificatePEM(b)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return c
}

// writeLegacyOIDFixture issues the fixture with the 61245 arc, whatever
// oidArcWrite is.
func writeLegacyOIDFixture(t *testing.T) {
	t.Helper()
	saved := oidArcWrite
	oidArcWrite = oidArcPEN61245
	defer func() { oidArcWrite = saved }()
	ca := newCA(t, AlgSM2, "legacy-court")
	o := leafOpts(UsageSigner)
	o.IdentityRef = legacyIdentityRef[:]
	leaf := issue(t, ca, newKey(t, AlgSM2).Public(), o)
	if err := os.MkdirAll(legacyFixtureDir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, der := range map[string][]byte{"ca.pem": ca.Cert.Raw, "leaf.pem": leaf.Raw} {
		if err := os.WriteFile(filepath.Join(legacyFixtureDir, name), EncodeCertificatePEM(der), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestArcMigration rehearses the move item 18 asks for: with a new write
// arc (2.999, the X.660 example arc, stands in for a registered one) new
// certificates carry only the new OIDs, and legacy ones still read.
func TestArcMigration(t *testing.T) {
	savedW, savedR := oidArcWrite, oidArcsRead
	t.Cleanup(func() { oidArcWrite, oidArcsRead = savedW, savedR })
	newArc := asn1.ObjectIdentifier{2, 999, 1}
	oidArcWrite = newArc
	oidArcsRead = []asn1.ObjectIdentifier{newArc, oidArcPEN61245}

	ca := newCA(t, AlgSM2, "org-a")
	o := leafOpts(UsageSubmitter)
	ref := FingerprintOf([]byte("y"))
	o.IdentityRef = ref[:]
	leaf := issue(t, ca, newKey(t, AlgSM2).Public(), o)
	for _, e := range leaf.Extensions {
		if len(e.Id) > 7 && e.Id[:7].Equal(oidArcPEN61245) {
			t.Errorf("new certificate carries legacy extension %v", e.Id)
		}
	}
	for _, u := range leaf.UnknownExtKeyUsage {
		if !u.Equal(asn1.ObjectIdentifier{2, 999, 1, 1, 2}) {
			t.Errorf("new certificate carries usage %v", u)
		}
	}
	if got := UsagesOf(leaf); !slices.Equal(got, []Usage{UsageSubmitter}) {
		t.Errorf("new UsagesOf = %v", got)
	}
	if got := IdentityRefOf(leaf); !bytes.Equal(got, ref[:]) {
		t.Errorf("new IdentityRefOf = %x", got)
	}
	old := readFixtureCert(t, "leaf.pem")
	if got := UsagesOf(old); !slices.Equal(got, []Usage{UsageSigner}) {
		t.Errorf("legacy UsagesOf = %v", got)
	}
	if got := IdentityRefOf(old); !bytes.Equal(got, legacyIdentityRef[:]) {
		t.Errorf("legacy IdentityRefOf = %x", got)
	}
	// A certificate carrying a usage under both arcs reports it once.
	both := &smx509.Certificate{UnknownExtKeyUsage: []asn1.ObjectIdentifier{
		{2, 999, 1, 1, 1}, {1, 3, 6, 1, 4, 1, 61245, 1, 1}, {1, 3, 6, 1, 4, 1, 61245, 1, 3},
	}}
	if got := UsagesOf(both); !slices.Equal(got, []Usage{UsageSigner, UsageIntentVerifier}) {
		t.Errorf("mixed UsagesOf = %v", got)
	}
}

// TestEncodingDocListsEveryOID: docs/encoding.md lists every OID literal in
// the signer packages (certificates, seals, CMS) and every OID we issue or
// read (issue #12, item 18).
func TestEncodingDocListsEveryOID(t *testing.T) {
	doc, err := os.ReadFile("../docs/encoding.md")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	lit := regexp.MustCompile(`asn1\.ObjectIdentifier\{([0-9, ]+)\}`)
	for _, f := range []string{"cert.go", "pdf/cms.go", "seal/sesv4.go"} {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range lit.FindAllStringSubmatch(string(src), -1) {
			want[strings.ReplaceAll(strings.ReplaceAll(m[1], " ", ""), ",", ".")] = f
		}
	}
	for u := UsageSigner; u <= UsageValidatorOps; u++ {
		for _, arc := range oidArcsRead {
			want[append(usageArc(arc), int(u)).String()] = "usage " + u.String()
		}
	}
	for _, arc := range oidArcsRead {
		want[identityRefOID(arc).String()] = "IdentityRef"
	}
	want[oidArcUUID] = "oidArcUUID"
	if len(want) < 20 {
		t.Fatalf("only %d OIDs found; is the pattern still right?", len(want))
	}
	for oid, from := range want {
		if !regexp.MustCompile(`(^|[^0-9.])` + regexp.QuoteMeta(oid) + `($|[^0-9.])`).Match(doc) {
			t.Errorf("docs/encoding.md does not list %s (%s)", oid, from)
		}
	}
}
