package fabricsdkexec

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/sealchain/sealchain/anchor"
)

// fakeHelper writes a shell script that logs to stdout (as fabric-sdk-go
// does) and then prints answer.
func fakeHelper(t *testing.T, answer string, exit int) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "helper")
	script := "#!/bin/sh\ncat >/dev/null\necho ' [fabsdk/core] INFO some log line'\necho '" + answer + "'\nexit " + string(rune('0'+exit)) + "\n"
	if err := os.WriteFile(p, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestHelperAnswers(t *testing.T) {
	prof := &anchor.Profile{Path: "/p.yaml", Name: "court"}
	prof.Sealchain.Channel, prof.Sealchain.Chaincode = "ch", "anchor"
	a := anchor.Anchor{ChainID: "c", Height: 3, AppHash: make([]byte, 32), LogSize: 1, LogRoot: make([]byte, 32)}
	rec := `{"record":{"chain_id":"c","height":3,"app_hash":"` + hex64 + `","log_size":1,"log_root":"` + hex64 + `","tx_id":"t1","time":5},"block":9}`
	tests := []struct {
		name    string
		answer  string
		exit    int
		wantErr error
	}{
		{"receipt", rec, 0, nil},
		{"not found", `{"error":{"kind":"not_found","message":"no anchor"}}`, 1, anchor.ErrNotFound},
		{"not after latest", `{"error":{"kind":"not_after_latest","message":"x"}}`, 1, anchor.ErrNotAfterLatest},
		{"high-S CA", `{"error":{"kind":"high_s_ca","message":"x"}}`, 1, ErrHighSCA},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, err := New(fakeHelper(t, tc.answer, tc.exit), prof)
			if err != nil {
				t.Fatal(err)
			}
			got, rc, err := l.GetAnchor(context.Background(), "c", 3)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil || !got.Equal(a) || rc.TxID != "t1" || rc.Block != 9 || rc.Channel != "ch" || rc.Network != "court" {
				t.Fatalf("GetAnchor = %+v %+v %v", got, rc, err)
			}
			if rc, err := l.PutAnchor(context.Background(), a); err != nil || rc.Block != 9 {
				t.Fatalf("PutAnchor = %+v %v", rc, err)
			}
		})
	}
	l, _ := New(fakeHelper(t, "not json", 1), prof)
	if _, _, err := l.GetAnchor(context.Background(), "c", 3); err == nil {
		t.Fatal("garbage answer accepted")
	}
}

const hex64 = "0000000000000000000000000000000000000000000000000000000000000000"
