package main

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"math/big"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"
	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// fakeStub is the part of the stub the contract uses, over a map. Methods
// the contract does not call panic through the nil embedded interface.
type fakeStub struct {
	shim.ChaincodeStubInterface
	state map[string][]byte
	fn    string
	args  []string
}

func (s *fakeStub) GetFunctionAndParameters() (string, []string) { return s.fn, s.args }
func (s *fakeStub) GetState(k string) ([]byte, error)            { return s.state[k], nil }
func (s *fakeStub) PutState(k string, v []byte) error            { s.state[k] = v; return nil }
func (s *fakeStub) GetTxID() string                              { return "tx1" }
func (s *fakeStub) GetTxTimestamp() (*timestamppb.Timestamp, error) {
	return timestamppb.New(time.Unix(1700000000, 0)), nil
}
func (s *fakeStub) CreateCompositeKey(obj string, attrs []string) (string, error) {
	return shim.CreateCompositeKey(obj, attrs)
}

func TestPutEvidence(t *testing.T) {
	key, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "signer"},
		NotBefore: time.Unix(0, 0), NotAfter: time.Unix(1<<32, 0)}
	der, err := smx509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	c := NewContract()
	stub := &fakeStub{state: map[string][]byte{}}
	call := func(fn string, args ...string) (string, int32) {
		stub.fn, stub.args = fn, args
		r := c.Invoke(stub)
		if r.Status != shim.OK {
			return r.Message, r.Status
		}
		return string(r.Payload), r.Status
	}
	fpSum := sm3.Sum(der)
	fp := hex.EncodeToString(fpSum[:])
	if out, st := call("RegisterSigner", hex.EncodeToString(der)); st != shim.OK || out != fp {
		t.Fatalf("RegisterSigner: %d %s", st, out)
	}
	doc, intent := sm3.Sum([]byte("doc")), sm3.Sum([]byte("intent"))
	at := int64(1700000000000)
	msg := SignBytes("c-1", doc[:], fpSum[:], intent[:], at)
	sig, err := key.SignWithSM2(rand.Reader, []byte(defaultUID), msg)
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"c-1", hex.EncodeToString(doc[:]), fp, hex.EncodeToString(intent[:]), strconv.FormatInt(at, 10), hex.EncodeToString(sig)}
	rh, st := call("PutEvidence", args...)
	if st != shim.OK {
		t.Fatalf("PutEvidence: %s", rh)
	}
	if out, st := call("PutEvidence", args...); st == shim.OK || !strings.Contains(out, "already stored") {
		t.Fatalf("duplicate: %d %s", st, out)
	}
	if out, st := call("GetEvidence", rh); st != shim.OK || !strings.Contains(out, `"contract":"c-1"`) {
		t.Fatalf("GetEvidence: %d %s", st, out)
	}
	// Another contract under the same signature: refused, nothing stored.
	bad := append([]string(nil), args...)
	bad[0] = "c-2"
	n := len(stub.state)
	if out, st := call("PutEvidence", bad...); st == shim.OK || !strings.Contains(out, "does not verify") {
		t.Fatalf("bad signature: %d %s", st, out)
	}
	unknown := append([]string(nil), args...)
	unknown[2] = hex.EncodeToString(doc[:])
	if out, st := call("PutEvidence", unknown...); st == shim.OK || !strings.Contains(out, "not registered") {
		t.Fatalf("unknown signer: %d %s", st, out)
	}
	if len(stub.state) != n {
		t.Fatalf("refused records changed the state")
	}
}

// TestSignBytesGolden pins the record encoding; cmd/sealbench's
// TestEvidenceSignBytesGolden pins the same value for the benchmark's client.
func TestSignBytesGolden(t *testing.T) {
	z := make([]byte, 32)
	h := sha256.Sum256(SignBytes("c-1", z, z, z, 1700000000000))
	if got := hex.EncodeToString(h[:]); got != "553ae4f6a9e321fa2f7bbce3dd947f5c18d05fd0b70a69626498f97ef6578455" {
		t.Fatalf("sign bytes hash %s", got)
	}
}
