package main

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/queryresult"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// fakeStub is the part of the stub the contract uses, over a map. Methods
// the contract does not call panic through the nil embedded interface.
type fakeStub struct {
	shim.ChaincodeStubInterface
	state map[string][]byte
	fn    string
	args  []string
	txID  string
}

func (s *fakeStub) GetFunctionAndParameters() (string, []string) { return s.fn, s.args }
func (s *fakeStub) GetState(k string) ([]byte, error)            { return s.state[k], nil }
func (s *fakeStub) PutState(k string, v []byte) error            { s.state[k] = v; return nil }
func (s *fakeStub) GetTxID() string                              { return s.txID }
func (s *fakeStub) SetEvent(string, []byte) error                { return nil }
func (s *fakeStub) GetTxTimestamp() (*timestamppb.Timestamp, error) {
	return timestamppb.New(time.Unix(1700000000, 0)), nil
}
func (s *fakeStub) CreateCompositeKey(obj string, attrs []string) (string, error) {
	return shim.CreateCompositeKey(obj, attrs)
}
func (s *fakeStub) GetStateByPartialCompositeKey(obj string, attrs []string) (shim.StateQueryIteratorInterface, error) {
	prefix, _ := shim.CreateCompositeKey(obj, attrs)
	var keys []string
	for k := range s.state {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	it := &fakeIter{}
	for _, k := range keys {
		it.kvs = append(it.kvs, &queryresult.KV{Key: k, Value: s.state[k]})
	}
	return it, nil
}

type fakeIter struct{ kvs []*queryresult.KV }

func (i *fakeIter) HasNext() bool { return len(i.kvs) > 0 }
func (i *fakeIter) Close() error  { return nil }
func (i *fakeIter) Next() (*queryresult.KV, error) {
	kv := i.kvs[0]
	i.kvs = i.kvs[1:]
	return kv, nil
}

func call(s *fakeStub, fn string, args ...string) (int32, string) {
	s.fn, s.args = fn, args
	r := Contract{}.Invoke(s)
	if r.Status != shim.OK {
		return r.Status, r.Message
	}
	return r.Status, string(r.Payload)
}

func rec(chain string, h uint64) string {
	b, _ := json.Marshal(record{ChainID: chain, Height: h, AppHash: strings.Repeat("a", 64), LogSize: h, LogRoot: strings.Repeat("b", 64)})
	return string(b)
}

func TestContract(t *testing.T) {
	s := &fakeStub{state: map[string][]byte{}, txID: "tx1"}
	tests := []struct {
		fn      string
		args    []string
		wantOK  bool
		contain string
	}{
		{"PutAnchor", []string{rec("c1", 10)}, true, `"tx_id":"tx1"`},
		{"PutAnchor", []string{rec("c1", 10)}, false, "is not above the latest anchor 10"},
		{"PutAnchor", []string{rec("c1", 9)}, false, "is not above the latest anchor"},
		{"PutAnchor", []string{rec("c2", 3)}, true, `"chain_id":"c2"`}, // chains are independent
		{"PutAnchor", []string{rec("c1", 12)}, true, `"height":12`},
		{"PutAnchor", []string{rec("c1", 100)}, true, `"height":100`},
		{"PutAnchor", []string{strings.Replace(rec("c1", 200), strings.Repeat("a", 64), "AA", 1)}, false, "app_hash"},
		{"PutAnchor", []string{rec("", 300)}, false, "chain_id"},
		{"GetAnchor", []string{"c1", "12"}, true, `"height":12`},
		{"GetAnchor", []string{"c1", "11"}, false, "no anchor at height 11"},
		{"Latest", []string{"c1"}, true, `"height":100`},
		{"Latest", []string{"c3"}, false, "no anchor"},
		{"Nope", nil, false, "unknown function"},
	}
	for i, tc := range tests {
		st, out := call(s, tc.fn, tc.args...)
		if (st == shim.OK) != tc.wantOK || !strings.Contains(out, tc.contain) {
			t.Errorf("%d %s%v: status %d %q, want ok=%v containing %q", i, tc.fn, tc.args, st, out, tc.wantOK, tc.contain)
		}
	}
	st, out := call(s, "History", "c1", "10", "0")
	var hist []record
	if st != shim.OK || json.Unmarshal([]byte(out), &hist) != nil || len(hist) != 2 || hist[0].Height != 12 || hist[1].Height != 100 {
		t.Fatalf("History(c1, after 10) = %d %s", st, out)
	}
	if _, out := call(s, "History", "c1", "0", "1"); !strings.Contains(out, `"height":10`) || strings.Contains(out, `"height":12`) {
		t.Fatalf("History limit 1 = %s", out)
	}
}
