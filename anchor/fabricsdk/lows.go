package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/asn1"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
)

// highSCAs lists the CA certificates under dir's MSP cacerts and
// intermediatecerts folders whose ECDSA signature has S above N/2: the
// certificates fabric-sdk-go v1.0.0 fails to load ("sanitizeCert failed").
// TLS CAs are not sanitized and are not listed.
func highSCAs(dir string) ([]string, error) {
	var bad []string
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if info.IsDir() || !strings.Contains(p, "/msp/cacerts/") && !strings.Contains(p, "/msp/intermediatecerts/") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		blk, _ := pem.Decode(b)
		if blk == nil {
			return nil
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil || !c.IsCA || c.SignatureAlgorithm != x509.ECDSAWithSHA256 && c.SignatureAlgorithm != x509.ECDSAWithSHA384 {
			return nil
		}
		if highS(c) {
			bad = append(bad, p)
		}
		return nil
	})
	return bad, err
}

func highS(c *x509.Certificate) bool {
	var sig struct{ R, S *big.Int }
	if _, err := asn1.Unmarshal(c.Signature, &sig); err != nil {
		return false
	}
	// The signer's curve: the certificate's own key when it is self-signed;
	// Fabric CAs are P-256 otherwise.
	curve := elliptic.P256()
	if k, ok := c.PublicKey.(*ecdsa.PublicKey); ok && c.CheckSignatureFrom(c) == nil {
		curve = k.Curve
	}
	half := new(big.Int).Rsh(curve.Params().N, 1)
	return sig.S.Cmp(half) > 0
}

func jsonUnmarshal(b []byte, v interface{}) error { return json.Unmarshal(b, v) }
