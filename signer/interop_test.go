package signer

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	tjsm2 "github.com/tjfoc/gmsm/sm2"
	tjx509 "github.com/tjfoc/gmsm/x509"
)

// Courts and counterparties check our evidence with their own tools, so
// signatures, keys and certificates are tested against two independent
// implementations: tjfoc/gmsm (a Go SM2 library common in Chinese
// deployments) and the OpenSSL 3 command line.

// sm2DistID is the OpenSSL option selecting the GM/T 0009 default user id.
// OpenSSL 3.0 does not default to it: without the option it computes ZA over
// an empty id, and neither side's signatures verify on the other.
const sm2DistID = "distid:" + defaultUID

// interopAt is a time inside the validity of leafOpts certificates, given to
// OpenSSL with -attime so the test does not depend on the machine clock.
var interopAt = t0.AddDate(0, 6, 0)

func TestInteropTjfoc(t *testing.T) {
	msg := []byte("contract 42: sha256 of the PDF goes here")

	tests := []struct {
		name string
		run  func(t *testing.T)
	}{
		{
			name: "tjfoc key and signature verify with signer",
			run: func(t *testing.T) {
				tk, err := tjsm2.GenerateKey(rand.Reader)
				if err != nil {
					t.Fatalf("tjfoc GenerateKey: %v", err)
				}
				k := parseTjfocKey(t, tk)
				// tjfoc's Sign ignores its opts and hashes with its
				// default_uid, "1234567812345678", like ours; the
				// signature is ASN.1 SEQUENCE{r, s}.
				sig, err := tk.Sign(rand.Reader, msg, nil)
				if err != nil {
					t.Fatalf("tjfoc Sign: %v", err)
				}
				if err := Verify(k.Public(), msg, sig); err != nil {
					t.Fatalf("Verify(tjfoc signature): %v", err)
				}
				if err := Verify(k.Public(), append(msg, '!'), sig); !errors.Is(err, ErrBadSignature) {
					t.Fatalf("Verify(tjfoc signature, other message) = %v, want ErrBadSignature", err)
				}
			},
		},
		{
			// tjfoc encodes D with big.Int.Bytes, without left padding,
			// so one key in 256 has a short private key octet string.
			name: "tjfoc key with short private scalar parses",
			run: func(t *testing.T) {
				d, _ := new(big.Int).SetString("00c0ffee0123456789abcdef0123456789abcdef0123456789abcdef01234567", 16)
				tk := &tjsm2.PrivateKey{D: d}
				tk.Curve = tjsm2.P256Sm2()
				tk.X, tk.Y = tk.Curve.ScalarBaseMult(d.Bytes())
				k := parseTjfocKey(t, tk)
				sig := sign(t, k, msg)
				if !tk.PublicKey.Verify(msg, sig) {
					t.Fatal("tjfoc rejects a signature by the parsed short-scalar key")
				}
			},
		},
		{
			name: "signer signature verifies with tjfoc",
			run: func(t *testing.T) {
				k := newKey(t, AlgSM2)
				tpub := tjfocPublicKey(t, k)
				sig := sign(t, k, msg)
				if !tpub.Verify(msg, sig) {
					t.Fatal("tjfoc PublicKey.Verify rejects our signature")
				}
				if tpub.Verify(append(msg, '!'), sig) {
					t.Fatal("tjfoc PublicKey.Verify accepts our signature over another message")
				}
			},
		},
		{
			name: "signer PKCS#8 key loads in tjfoc",
			run: func(t *testing.T) {
				k := newKey(t, AlgSM2)
				pemBytes, err := EncodePrivateKeyPEM(k)
				if err != nil {
					t.Fatalf("EncodePrivateKeyPEM: %v", err)
				}
				tk, err := tjx509.ReadPrivateKeyFromPem(pemBytes, nil)
				if err != nil {
					t.Fatalf("tjfoc ReadPrivateKeyFromPem: %v", err)
				}
				if tk.D.Cmp(k.sm2.D) != 0 {
					t.Fatal("tjfoc read a different private scalar")
				}
				sig, err := tk.Sign(rand.Reader, msg, nil)
				if err != nil {
					t.Fatalf("tjfoc Sign: %v", err)
				}
				if err := Verify(k.Public(), msg, sig); err != nil {
					t.Fatalf("Verify(signature by our key loaded in tjfoc): %v", err)
				}
			},
		},
		{
			name: "tjfoc certificate parses and checks with signer",
			run: func(t *testing.T) {
				caKey, err := tjsm2.GenerateKey(rand.Reader)
				if err != nil {
					t.Fatalf("tjfoc GenerateKey: %v", err)
				}
				leafKey, err := tjsm2.GenerateKey(rand.Reader)
				if err != nil {
					t.Fatalf("tjfoc GenerateKey: %v", err)
				}
				// SignatureAlgorithm must be set: with it left zero, tjfoc
				// hashes the TBS with SM3 and then its signer hashes again
				// with ZA, producing a signature nobody else verifies.
				caTmpl := &tjx509.Certificate{
					SerialNumber:          big.NewInt(1),
					Subject:               tjfocName("tjfoc CA"),
					NotBefore:             caFrom,
					NotAfter:              caTo,
					KeyUsage:              tjx509.KeyUsageCertSign,
					BasicConstraintsValid: true,
					IsCA:                  true,
					SignatureAlgorithm:    tjx509.SM2WithSM3,
				}
				caDER := tjfocCreate(t, caTmpl, caTmpl, &caKey.PublicKey, caKey)
				tjCA, err := tjx509.ParseCertificate(caDER)
				if err != nil {
					t.Fatalf("tjfoc ParseCertificate(CA): %v", err)
				}
				leafDER := tjfocCreate(t, &tjx509.Certificate{
					SerialNumber:       big.NewInt(2),
					Subject:            tjfocName("sc:leaf"),
					NotBefore:          caFrom,
					NotAfter:           caTo,
					KeyUsage:           tjx509.KeyUsageDigitalSignature,
					SignatureAlgorithm: tjx509.SM2WithSM3,
				}, tjCA, &leafKey.PublicKey, caKey)

				ca, err := ParseCertificate(caDER)
				if err != nil {
					t.Fatalf("ParseCertificate(tjfoc CA): %v", err)
				}
				leaf, err := ParseCertificate(leafDER)
				if err != nil {
					t.Fatalf("ParseCertificate(tjfoc leaf): %v", err)
				}
				if alg, err := PublicKeyAlgorithm(leaf.PublicKey); err != nil || alg != AlgSM2 {
					t.Fatalf("tjfoc leaf key: %v, %v; want sm2", alg, err)
				}
				if err := ca.CheckSignatureFrom(ca); err != nil {
					t.Fatalf("tjfoc CA self-signature: %v", err)
				}
				if err := leaf.CheckSignatureFrom(ca); err != nil {
					t.Fatalf("tjfoc leaf signature: %v", err)
				}
			},
		},
		{
			name: "signer certificate parses and checks with tjfoc",
			run: func(t *testing.T) {
				ca := newCA(t, AlgSM2, "court1")
				leaf := issue(t, ca, newKey(t, AlgSM2).Public(), leafOpts(UsageSigner))
				tjCA, err := tjx509.ParseCertificate(ca.Cert.Raw)
				if err != nil {
					t.Fatalf("tjfoc ParseCertificate(CA): %v", err)
				}
				tjLeaf, err := tjx509.ParseCertificate(leaf.Raw)
				if err != nil {
					t.Fatalf("tjfoc ParseCertificate(leaf): %v", err)
				}
				if err := tjCA.CheckSignatureFrom(tjCA); err != nil {
					t.Fatalf("tjfoc CheckSignatureFrom(CA self): %v", err)
				}
				if err := tjLeaf.CheckSignatureFrom(tjCA); err != nil {
					t.Fatalf("tjfoc CheckSignatureFrom(leaf): %v", err)
				}
				other, err := tjx509.ParseCertificate(newCA(t, AlgSM2, "court2").Cert.Raw)
				if err != nil {
					t.Fatalf("tjfoc ParseCertificate(other CA): %v", err)
				}
				if err := tjLeaf.CheckSignatureFrom(other); err == nil {
					t.Fatal("tjfoc accepts our leaf as signed by an unrelated CA")
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.run)
	}
}

func TestInteropOpenSSL(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl not on PATH")
	}
	msg := []byte("contract 42: sha256 of the PDF goes here")
	attime := strconv.FormatInt(interopAt.Unix(), 10)

	tests := []struct {
		name string
		run  func(t *testing.T, dir string)
	}{
		{
			// Works: openssl verify -vfyopt distid:1234567812345678
			// -attime T -CAfile ca.pem leaf.pem. Without -vfyopt it fails
			// with "certificate signature failure": OpenSSL 3.0 computes
			// ZA over an empty id unless told otherwise.
			name: "sm2 chain verifies with openssl verify",
			run: func(t *testing.T, dir string) {
				ca := newCA(t, AlgSM2, "court1")
				leaf := issue(t, ca, newKey(t, AlgSM2).Public(), leafOpts(UsageSigner))
				writeFile(t, dir, "ca.pem", EncodeCertificatePEM(ca.Cert.Raw))
				writeFile(t, dir, "leaf.pem", EncodeCertificatePEM(leaf.Raw))
				mustOpenSSL(t, dir, "verify", "-vfyopt", sm2DistID, "-attime", attime, "-CAfile", "ca.pem", "leaf.pem")
				if out, err := openssl(dir, "verify", "-attime", attime, "-CAfile", "ca.pem", "leaf.pem"); err == nil {
					t.Logf("note: this OpenSSL verifies SM2 certificates without distid; output: %s", out)
				}

				// Negative control: a leaf of another CA with the same
				// name must fail, or the check above proves nothing.
				impostor := newCA(t, AlgSM2, "court1")
				forged := issue(t, impostor, newKey(t, AlgSM2).Public(), leafOpts(UsageSigner))
				writeFile(t, dir, "forged.pem", EncodeCertificatePEM(forged.Raw))
				if out, err := openssl(dir, "verify", "-vfyopt", sm2DistID, "-attime", attime, "-CAfile", "ca.pem", "forged.pem"); err == nil {
					t.Fatalf("openssl verified a leaf from another CA:\n%s", out)
				}

				// openssl x509 parses our extensions.
				text := mustOpenSSL(t, dir, "x509", "-in", "leaf.pem", "-noout", "-text")
				for _, want := range []string{"SM2-with-SM3", "ASN1 OID: SM2", UsageSigner.oid().String(), "CA:FALSE"} {
					if !bytes.Contains(text, []byte(want)) {
						t.Errorf("openssl x509 -text lacks %q:\n%s", want, text)
					}
				}
			},
		},
		{
			// openssl verify applies -vfyopt to the certificate being
			// verified only, so -check_ss_sig fails on an SM2 root even
			// with it. The root's self-signature is checked instead as a
			// plain signature over its TBSCertificate.
			name: "sm2 root self-signature verifies with openssl pkeyutl",
			run: func(t *testing.T, dir string) {
				ca := newCA(t, AlgSM2, "court1")
				writePublicKey(t, dir, "capub.pem", ca.Key.Public())
				writeFile(t, dir, "tbs.der", ca.Cert.RawTBSCertificate)
				writeFile(t, dir, "sig.der", ca.Cert.Signature)
				mustOpenSSL(t, dir, "pkeyutl", "-verify", "-pubin", "-inkey", "capub.pem",
					"-rawin", "-digest", "sm3", "-pkeyopt", sm2DistID, "-sigfile", "sig.der", "-in", "tbs.der")
			},
		},
		{
			name: "sm2 signature verifies with openssl pkeyutl",
			run: func(t *testing.T, dir string) {
				k := newKey(t, AlgSM2)
				writePublicKey(t, dir, "pub.pem", k.Public())
				writeFile(t, dir, "msg.bin", msg)
				writeFile(t, dir, "other.bin", append(msg, '!'))
				writeFile(t, dir, "sig.der", sign(t, k, msg))
				verify := []string{"pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem",
					"-rawin", "-digest", "sm3", "-pkeyopt", sm2DistID, "-sigfile", "sig.der", "-in"}
				mustOpenSSL(t, dir, append(verify, "msg.bin")...)
				if out, err := openssl(dir, append(verify, "other.bin")...); err == nil {
					t.Fatalf("openssl verified our signature over another message:\n%s", out)
				}
				// The same check through dgst, which court staff more
				// often know.
				mustOpenSSL(t, dir, "dgst", "-sm3", "-verify", "pub.pem", "-sigopt", sm2DistID, "-signature", "sig.der", "msg.bin")
			},
		},
		{
			name: "sm2 openssl key and signature verify with signer",
			run: func(t *testing.T, dir string) {
				mustOpenSSL(t, dir, "genpkey", "-algorithm", "SM2", "-out", "key.pem")
				mustOpenSSL(t, dir, "pkey", "-in", "key.pem", "-pubout", "-out", "pub.pem")
				writeFile(t, dir, "msg.bin", msg)
				mustOpenSSL(t, dir, "pkeyutl", "-sign", "-inkey", "key.pem",
					"-rawin", "-digest", "sm3", "-pkeyopt", sm2DistID, "-in", "msg.bin", "-out", "sig.der")
				checkOpenSSLSignature(t, dir, AlgSM2, msg)
			},
		},
		{
			name: "sm2 openssl CSR is issued and the leaf verifies with openssl",
			run: func(t *testing.T, dir string) {
				mustOpenSSL(t, dir, "genpkey", "-algorithm", "SM2", "-out", "key.pem")
				// A personal subject, which IssueFromCSR must drop.
				mustOpenSSL(t, dir, "req", "-new", "-key", "key.pem", "-sm3", "-sigopt", sm2DistID,
					"-subj", "/CN=Zhang San/serialNumber=110101199003077777", "-outform", "DER", "-out", "csr.der")
				issueOpenSSLCSR(t, dir, AlgSM2, attime)
			},
		},
		{
			// Without -sigopt distid:… OpenSSL 3.0 signs over an empty
			// id; the request's proof of possession then fails under the
			// default id and the CA must refuse it.
			name: "sm2 openssl CSR without distid is refused",
			run: func(t *testing.T, dir string) {
				mustOpenSSL(t, dir, "genpkey", "-algorithm", "SM2", "-out", "key.pem")
				mustOpenSSL(t, dir, "req", "-new", "-key", "key.pem", "-sm3",
					"-subj", "/CN=sc:x", "-outform", "DER", "-out", "csr.der")
				ca := newCA(t, AlgSM2, "court1")
				opts := leafOpts(UsageSigner)
				opts.IdentityRef = bytes.Repeat([]byte{7}, identityRefLen)
				if _, err := ca.IssueFromCSR(readFile(t, dir, "csr.der"), opts, rand.Reader); !errors.Is(err, ErrBadCSR) {
					t.Fatalf("IssueFromCSR(CSR signed with empty id) = %v, want ErrBadCSR", err)
				}
			},
		},
		{
			name: "p256 chain verifies with openssl verify",
			run: func(t *testing.T, dir string) {
				ca := newCA(t, AlgECDSAP256, "court1")
				leaf := issue(t, ca, newKey(t, AlgECDSAP256).Public(), leafOpts(UsageSigner))
				writeFile(t, dir, "ca.pem", EncodeCertificatePEM(ca.Cert.Raw))
				writeFile(t, dir, "leaf.pem", EncodeCertificatePEM(leaf.Raw))
				mustOpenSSL(t, dir, "verify", "-check_ss_sig", "-attime", attime, "-CAfile", "ca.pem", "leaf.pem")
				impostor := newCA(t, AlgECDSAP256, "court1")
				writeFile(t, dir, "forged.pem", EncodeCertificatePEM(issue(t, impostor, newKey(t, AlgECDSAP256).Public(), leafOpts(UsageSigner)).Raw))
				if out, err := openssl(dir, "verify", "-attime", attime, "-CAfile", "ca.pem", "forged.pem"); err == nil {
					t.Fatalf("openssl verified a leaf from another CA:\n%s", out)
				}
			},
		},
		{
			name: "p256 signature verifies with openssl dgst",
			run: func(t *testing.T, dir string) {
				k := newKey(t, AlgECDSAP256)
				writePublicKey(t, dir, "pub.pem", k.Public())
				writeFile(t, dir, "msg.bin", msg)
				writeFile(t, dir, "other.bin", append(msg, '!'))
				writeFile(t, dir, "sig.der", sign(t, k, msg))
				mustOpenSSL(t, dir, "dgst", "-sha256", "-verify", "pub.pem", "-signature", "sig.der", "msg.bin")
				if out, err := openssl(dir, "dgst", "-sha256", "-verify", "pub.pem", "-signature", "sig.der", "other.bin"); err == nil {
					t.Fatalf("openssl verified our signature over another message:\n%s", out)
				}
			},
		},
		{
			name: "p256 openssl key and signature verify with signer",
			run: func(t *testing.T, dir string) {
				mustOpenSSL(t, dir, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "key.pem")
				mustOpenSSL(t, dir, "pkey", "-in", "key.pem", "-pubout", "-out", "pub.pem")
				writeFile(t, dir, "msg.bin", msg)
				mustOpenSSL(t, dir, "dgst", "-sha256", "-sign", "key.pem", "-out", "sig.der", "msg.bin")
				checkOpenSSLSignature(t, dir, AlgECDSAP256, msg)
			},
		},
		{
			name: "p256 openssl CSR is issued and the leaf verifies with openssl",
			run: func(t *testing.T, dir string) {
				mustOpenSSL(t, dir, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "key.pem")
				mustOpenSSL(t, dir, "req", "-new", "-key", "key.pem", "-sha256",
					"-subj", "/CN=Zhang San/serialNumber=110101199003077777", "-outform", "DER", "-out", "csr.der")
				issueOpenSSLCSR(t, dir, AlgECDSAP256, attime)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.run(t, t.TempDir())
		})
	}
}

// checkOpenSSLSignature loads key.pem, pub.pem and sig.der written by
// openssl in dir and checks that the keys match and the signature verifies
// over msg and not over another message.
func checkOpenSSLSignature(t *testing.T, dir string, alg Algorithm, msg []byte) {
	t.Helper()
	k, err := ParsePrivateKeyPEM(readFile(t, dir, "key.pem"))
	if err != nil {
		t.Fatalf("ParsePrivateKeyPEM(openssl key): %v", err)
	}
	if k.Algorithm() != alg {
		t.Fatalf("openssl key algorithm = %s, want %s", k.Algorithm(), alg)
	}
	pub, err := ParsePublicKeyPEM(readFile(t, dir, "pub.pem"))
	if err != nil {
		t.Fatalf("ParsePublicKeyPEM(openssl key): %v", err)
	}
	if !samePublicKey(k.Public(), pub) {
		t.Fatal("openssl private and public key PEMs parse to different keys")
	}
	sig := readFile(t, dir, "sig.der")
	if err := Verify(pub, msg, sig); err != nil {
		t.Fatalf("Verify(openssl signature): %v", err)
	}
	if err := Verify(pub, append(msg, '!'), sig); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("Verify(openssl signature, other message) = %v, want ErrBadSignature", err)
	}
}

// issueOpenSSLCSR issues a certificate from dir/csr.der, an openssl request
// for dir/key.pem, checks that none of the request's subject survived, and
// has openssl verify the leaf.
func issueOpenSSLCSR(t *testing.T, dir string, alg Algorithm, attime string) {
	t.Helper()
	ca := newCA(t, alg, "court1")
	opts := leafOpts(UsageSigner)
	opts.IdentityRef = bytes.Repeat([]byte{7}, identityRefLen)
	der, err := ca.IssueFromCSR(readFile(t, dir, "csr.der"), opts, rand.Reader)
	if err != nil {
		t.Fatalf("IssueFromCSR(openssl CSR): %v", err)
	}
	leaf, err := ParseCertificate(der)
	if err != nil {
		t.Fatalf("ParseCertificate: %v", err)
	}
	if bytes.Contains(leaf.Raw, []byte("Zhang")) || bytes.Contains(leaf.Raw, []byte("110101")) {
		t.Fatal("the CSR's subject reached the certificate")
	}
	k, err := ParsePrivateKeyPEM(readFile(t, dir, "key.pem"))
	if err != nil {
		t.Fatalf("ParsePrivateKeyPEM(openssl key): %v", err)
	}
	if !samePublicKey(k.Public(), leaf.PublicKey) {
		t.Fatal("certificate key differs from the CSR's")
	}
	writeFile(t, dir, "ca.pem", EncodeCertificatePEM(ca.Cert.Raw))
	writeFile(t, dir, "leaf.pem", EncodeCertificatePEM(der))
	args := []string{"verify", "-attime", attime, "-CAfile", "ca.pem", "leaf.pem"}
	if alg == AlgSM2 {
		args = append(args[:1], append([]string{"-vfyopt", sm2DistID}, args[1:]...)...)
	}
	mustOpenSSL(t, dir, args...)
}

func samePublicKey(a, b crypto.PublicKey) bool {
	ka, ok := a.(*ecdsa.PublicKey)
	return ok && ka.Equal(b)
}

// openssl runs the openssl binary in dir and returns its combined output.
func openssl(dir string, args ...string) ([]byte, error) {
	cmd := exec.Command("openssl", args...)
	cmd.Dir = dir
	return cmd.CombinedOutput()
}

func mustOpenSSL(t *testing.T, dir string, args ...string) []byte {
	t.Helper()
	out, err := openssl(dir, args...)
	if err != nil {
		t.Fatalf("openssl %v: %v\n%s", args, err, out)
	}
	return out
}

func writeFile(t *testing.T, dir, name string, b []byte) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, dir, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writePublicKey(t *testing.T, dir, name string, pub any) {
	t.Helper()
	b, err := EncodePublicKeyPEM(pub)
	if err != nil {
		t.Fatalf("EncodePublicKeyPEM: %v", err)
	}
	writeFile(t, dir, name, b)
}

// parseTjfocKey round-trips tk through tjfoc's unencrypted PKCS#8 PEM and
// ParsePrivateKeyPEM, checking the scalar survives.
func parseTjfocKey(t *testing.T, tk *tjsm2.PrivateKey) *PrivateKey {
	t.Helper()
	pemBytes, err := tjx509.WritePrivateKeyToPem(tk, nil)
	if err != nil {
		t.Fatalf("tjfoc WritePrivateKeyToPem: %v", err)
	}
	k, err := ParsePrivateKeyPEM(pemBytes)
	if err != nil {
		t.Fatalf("ParsePrivateKeyPEM(tjfoc PEM): %v", err)
	}
	if k.Algorithm() != AlgSM2 || k.sm2.D.Cmp(tk.D) != 0 {
		t.Fatalf("tjfoc key parsed as %s with a different scalar", k.Algorithm())
	}
	return k
}

// tjfocPublicKey converts k's public key to tjfoc's type through PKIX PEM.
func tjfocPublicKey(t *testing.T, k *PrivateKey) *tjsm2.PublicKey {
	t.Helper()
	b, err := EncodePublicKeyPEM(k.Public())
	if err != nil {
		t.Fatalf("EncodePublicKeyPEM: %v", err)
	}
	pub, err := tjx509.ReadPublicKeyFromPem(b)
	if err != nil {
		t.Fatalf("tjfoc ReadPublicKeyFromPem: %v", err)
	}
	return pub
}

func tjfocName(cn string) pkix.Name {
	return pkix.Name{CommonName: cn, Organization: []string{"tjfoc interop"}}
}

func tjfocCreate(t *testing.T, tmpl, parent *tjx509.Certificate, pub *tjsm2.PublicKey, priv *tjsm2.PrivateKey) []byte {
	t.Helper()
	der, err := tjx509.CreateCertificate(tmpl, parent, pub, priv)
	if err != nil {
		t.Fatalf("tjfoc CreateCertificate: %v", err)
	}
	return der
}
