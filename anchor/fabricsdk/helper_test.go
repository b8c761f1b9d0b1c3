package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v2"
)

const profile = `name: court
client: {organization: Org1}
organizations:
  Org1: {mspid: Org1MSP, peers: [peer0]}
peers:
  peer0: {url: grpcs://localhost:7051, tlsCACerts: {path: tls/peer-ca.crt}}
orderers:
  orderer1: {url: grpcs://localhost:7050, tlsCACerts: {path: /abs/orderer-ca.crt}}
  orderer0: {url: grpcs://localhost:8050, tlsCACerts: {path: tls/o0.crt}}
channels:
  anchorchannel:
    peers: {peer0: {}}
sealchain:
  channel: anchorchannel
  chaincode: anchor
  client: fabric-sdk
  identity: {cert: u/cert.pem, key: u/key.pem}
`

// The channel gets every orderer (fabric-sdk-go looks only there) and
// relative certificate paths become absolute.
func TestPrepareProfile(t *testing.T) {
	out, sc, err := prepareProfile([]byte(profile), "/profiles")
	if err != nil {
		t.Fatal(err)
	}
	if sc.mspID != "Org1MSP" || sc.Channel != "anchorchannel" || !reflect.DeepEqual(sc.peers, []string{"peer0"}) {
		t.Fatalf("section: %+v", sc)
	}
	var doc struct {
		Peers map[string]struct {
			TLSCACerts struct{ Path string } `yaml:"tlsCACerts"`
		} `yaml:"peers"`
		Orderers map[string]struct {
			TLSCACerts struct{ Path string } `yaml:"tlsCACerts"`
		} `yaml:"orderers"`
		Channels map[string]struct{ Orderers []string } `yaml:"channels"`
	}
	if err := yaml.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	if got := doc.Channels["anchorchannel"].Orderers; !reflect.DeepEqual(got, []string{"orderer0", "orderer1"}) {
		t.Errorf("channel orderers = %v", got)
	}
	if got := doc.Peers["peer0"].TLSCACerts.Path; got != "/profiles/tls/peer-ca.crt" {
		t.Errorf("peer tls path = %q", got)
	}
	if got := doc.Orderers["orderer1"].TLSCACerts.Path; got != "/abs/orderer-ca.crt" {
		t.Errorf("absolute path changed: %q", got)
	}
	// An explicit channel orderer list is kept.
	explicit := strings.Replace(profile, "    peers: {peer0: {}}", "    orderers: [orderer1]\n    peers: {peer0: {}}", 1)
	out, _, err = prepareProfile([]byte(explicit), "/p")
	if err != nil {
		t.Fatal(err)
	}
	doc.Channels = nil
	yaml.Unmarshal(out, &doc)
	if got := doc.Channels["anchorchannel"].Orderers; !reflect.DeepEqual(got, []string{"orderer1"}) {
		t.Errorf("explicit channel orderers = %v", got)
	}
	if _, _, err := prepareProfile([]byte(strings.Replace(profile, "orderers:\n  orderer1", "x:\n  orderer1", 1)+"\n"), "/p"); err == nil {
		t.Error("a profile whose only orderer was renamed away still has orderers?")
	}
}

// selfSigned makes a CA certificate and re-encodes its signature with S or
// N-S (both verify), to get a low-S and a high-S version of the same CA.
func selfSigned(t *testing.T, high bool) []byte {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ca"}, IsCA: true,
		BasicConstraintsValid: true, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	var cert struct {
		TBS asn1.RawValue
		Alg asn1.RawValue
		Sig asn1.BitString
	}
	if _, err := asn1.Unmarshal(der, &cert); err != nil {
		t.Fatal(err)
	}
	var sig struct{ R, S *big.Int }
	if _, err := asn1.Unmarshal(cert.Sig.Bytes, &sig); err != nil {
		t.Fatal(err)
	}
	half := new(big.Int).Rsh(elliptic.P256().Params().N, 1)
	if (sig.S.Cmp(half) > 0) != high {
		sig.S.Sub(elliptic.P256().Params().N, sig.S)
	}
	sb, _ := asn1.Marshal(sig)
	cert.Sig = asn1.BitString{Bytes: sb, BitLength: len(sb) * 8}
	out, err := asn1.Marshal(cert)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(out)
	if err != nil || c.CheckSignatureFrom(c) != nil {
		t.Fatalf("re-signed certificate does not verify: %v", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: out})
}

func TestCheckCA(t *testing.T) {
	for _, high := range []bool{false, true} {
		dir := t.TempDir()
		p := filepath.Join(dir, "org1/msp/cacerts/ca.pem")
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, selfSigned(t, high), 0o644)
		// A high-S TLS CA is not reported: fabric-sdk-go does not sanitize it.
		tls := filepath.Join(dir, "org1/msp/tlscacerts/ca.pem")
		os.MkdirAll(filepath.Dir(tls), 0o755)
		os.WriteFile(tls, selfSigned(t, true), 0o644)
		var out bytes.Buffer
		code := run([]string{"check-ca", dir}, nil, &out)
		if want := map[bool]int{false: 0, true: 1}[high]; code != want {
			t.Fatalf("high=%v: exit %d, want %d: %s", high, code, want, out.String())
		}
		if high {
			var o output
			if err := json.Unmarshal(out.Bytes(), &o); err != nil || o.Error == nil || o.Error.Kind != kindHighSCA {
				t.Fatalf("high-S answer: %s", out.String())
			}
		}
	}
}
