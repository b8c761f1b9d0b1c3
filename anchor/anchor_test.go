package anchor

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func testAnchor() Anchor {
	return Anchor{ChainID: "c", Height: 5, AppHash: bytes.Repeat([]byte{1}, 32), LogSize: 3, LogRoot: bytes.Repeat([]byte{2}, 32)}
}

func TestCompare(t *testing.T) {
	tests := []struct {
		field string
		mod   func(*Anchor)
	}{
		{"", func(*Anchor) {}},
		{"chain_id", func(a *Anchor) { a.ChainID = "d" }},
		{"height", func(a *Anchor) { a.Height++ }},
		{"app_hash", func(a *Anchor) { a.AppHash = bytes.Repeat([]byte{9}, 32) }},
		{"log_size", func(a *Anchor) { a.LogSize++ }},
		{"log_root", func(a *Anchor) { a.LogRoot = bytes.Repeat([]byte{9}, 32) }},
	}
	for _, tc := range tests {
		got := testAnchor()
		tc.mod(&got)
		err := Compare(testAnchor(), got)
		var mm *MismatchError
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("equal anchors: %v", err)
		case tc.field != "" && (!errors.As(err, &mm) || mm.Field != tc.field):
			t.Errorf("%s changed: %v", tc.field, err)
		}
	}
	r := Receipt{Channel: "ch", Chaincode: "cc", TxID: "t", Block: 4}
	for _, mod := range []func(*Receipt){
		func(r *Receipt) { r.Channel = "x" }, func(r *Receipt) { r.Chaincode = "x" },
		func(r *Receipt) { r.TxID = "x" }, func(r *Receipt) { r.Block = 5 },
	} {
		o := r
		mod(&o)
		if CompareReceipt(r, o) == nil {
			t.Errorf("receipt %+v accepted for %+v", o, r)
		}
	}
	if err := CompareReceipt(r, r); err != nil {
		t.Error(err)
	}
}

func TestRecordRoundTrip(t *testing.T) {
	a := testAnchor()
	got, err := ToRecord(a).Anchor()
	if err != nil || !got.Equal(a) {
		t.Fatalf("round trip: %+v %v", got, err)
	}
	bad := ToRecord(a)
	bad.AppHash = "zz"
	if _, err := bad.Anchor(); err == nil {
		t.Fatal("bad hex accepted")
	}
	bad = ToRecord(a)
	bad.LogRoot = bad.LogRoot[:62]
	if _, err := bad.Anchor(); err == nil {
		t.Fatal("short root accepted")
	}
}

func TestLoadProfile(t *testing.T) {
	const good = `name: court
client: {organization: Org1}
organizations: {Org1: {mspid: Org1MSP, peers: [p0]}}
peers: {p0: {url: "grpcs://127.0.0.1:7051", tlsCACerts: {path: ca.crt}}}
orderers: {o0: {url: "grpcs://127.0.0.1:7050"}}
sealchain: {channel: ch, chaincode: anchor, client: gateway, identity: {cert: u.pem, key: k.pem}}
`
	tests := []struct {
		name, text, wantErr string
	}{
		{"good", good, ""},
		{"no channel", strings.Replace(good, "channel: ch, ", "", 1), "sealchain.channel"},
		{"unknown client", strings.Replace(good, "client: gateway", "client: rest", 1), "sealchain.client"},
		{"no identity", strings.Replace(good, ", identity: {cert: u.pem, key: k.pem}", "", 1), "sealchain.identity"},
		{"no msp", strings.Replace(good, "mspid: Org1MSP, ", "", 1), "mspid"},
		{"no peer", strings.Replace(good, `url: "grpcs://127.0.0.1:7051", `, "", 1), "peers"},
		{"sdk without orderers", strings.Replace(strings.Replace(good, "client: gateway", "client: fabric-sdk", 1), `orderers: {o0: {url: "grpcs://127.0.0.1:7050"}}`, "", 1), "orderers"},
	}
	dir := t.TempDir()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".yaml")
			if err := os.WriteFile(path, []byte(tc.text), 0o644); err != nil {
				t.Fatal(err)
			}
			p, err := LoadProfile(path)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				_, ep, _ := p.Peer()
				if p.NetworkName() != "court" || ep.HostPort() != "127.0.0.1:7051" || p.Resolve("ca.crt") != filepath.Join(dir, "ca.crt") {
					t.Fatalf("profile: %+v", p)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want one naming %s", err, tc.wantErr)
			}
		})
	}
}
