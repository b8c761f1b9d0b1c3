package workflow

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cockroachdb/pebble"

	"github.com/sealchain/sealchain/workflow/notify"
)

// TestMigrateAtRest writes what versions before sealing stored in clear
// (the raw bytes they wrote), runs the migration, closes the DB and
// searches every file of its directory for the secrets. The sealed data
// must still be readable, and a second run must change nothing.
func TestMigrateAtRest(t *testing.T) {
	dir := t.TempDir()
	const (
		linkTok     = "Zm9vYmFyLWxpbmstdG9rZW4tZm9yLXRoZS1taWdyYXRpb24"
		pendTok     = "cGVuZGluZy1saW5rLXRva2VuLWluLXRoZS1vdXRib3gtMQ"
		queuedPhone = "13912345678"
		queuedCode  = "482913"
		ackedPhone  = "13812340001"
		ackedCode   = "771234"
		pendPhone   = "13812340002"
		hookSecret  = "webhook-secret-0123456789"
		creditCode  = "91110000MA0012345X"
	)
	idemBody := []byte(`{"links":[{"party":0,"url":"https://p.example/sign/` + linkTok + `"}]}`)
	b64 := base64.StdEncoding.EncodeToString
	old := map[string]string{
		"wf/core/idem/caller/send-1": `{"fingerprint":"ab","status":201,"body":"` + b64(idemBody) +
			`","content_type":"application/json","at":"2026-12-01T08:00:00Z"}`,
		string(seqKey(pNoteQ, 5)): `{"seq":5,"message":{"id":"msg-5","channel":"sms","to":"` + queuedPhone +
			`","template":"otp","params":{"code":"` + queuedCode + `"}},"attempts":0}`,
		"wf/notify/msg/sms-0000000000000001": `{"id":"sms-0000000000000001","channel":"sms","recipient_ref":"` + ackedPhone +
			`","template":"sms_code","params":{"code":"` + ackedCode + `"},"created":"2026-12-01T08:00:00Z","state":"acked","acked_at":"2026-12-01T08:00:01Z"}`,
		"wf/notify/msg/sms-0000000000000002": `{"id":"sms-0000000000000002","channel":"sms","recipient_ref":"` + pendPhone +
			`","template":"sign_link","params":{"url":"https://p.example/sign/` + pendTok + `"},"created":"2026-12-01T08:00:00Z","state":"pending"}`,
		"wf/notify/pend/sms/\x00\x00\x00\x00\x00\x00\x00\x02": "sms-0000000000000002",
		"wf/notify/seq": "\x00\x00\x00\x00\x00\x00\x00\x02",
		"wf/notify/sub/wh-1": `{"id":"wh-1","url":"https://hooks.example/x","secret":"` + b64([]byte(hookSecret)) +
			`","created":"2026-12-01T08:00:00Z"}`,
		"wf/identity/deposit/c/dep-1": `{"v":1,"fields":["北京某某科技有限公司","` + creditCode +
			`"],"amount_fen":1234,"expires_unix_ns":1796112000000000000,"attempts_left":3}`,
	}
	db, err := pebble.Open(dir, &pebble.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range old {
		if err := db.Set([]byte(k), []byte(v), pebble.Sync); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	kek, err := NewKEK(bytes.Repeat([]byte{9}, 16))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	migrate := func() {
		t.Helper()
		db, err := pebble.Open(dir, &pebble.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := MigrateAtRest(ctx, db, kek, rand.Reader, nil); err != nil {
			t.Fatalf("migrate: %v", err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
	migrate()
	secrets := []string{linkTok, pendTok, queuedPhone, queuedCode, ackedPhone, ackedCode, pendPhone, hookSecret, b64([]byte(hookSecret)),
		b64(idemBody), creditCode, "北京某某科技"}
	search := func() {
		t.Helper()
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, s := range secrets {
				if bytes.Contains(data, []byte(s)) {
					t.Errorf("%s holds %q after the migration", filepath.Base(path), s)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	search()
	migrate() // the marker makes a second run a no-op
	search()

	// Everything that was pending is still there, sealed.
	db, err = pebble.Open(dir, &pebble.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	e := &Engine{db: db, cfg: Config{KEK: kek}, now: func() time.Time { return time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC) }}
	ent, ok, err := e.LoadIdem("caller", "send-1")
	if err != nil || !ok || !bytes.Equal(ent.Body, idemBody) || ent.Status != 201 {
		t.Fatalf("remembered answer after migration: %+v %v %v", ent, ok, err)
	}
	var it noteItem
	if ok, _, err := e.first(pNoteQ, &it); err != nil || !ok {
		t.Fatalf("queued message: %v %v", ok, err)
	}
	if m, err := it.message(kek); err != nil || m == nil || m.To != queuedPhone || m.Params["code"] != queuedCode {
		t.Fatalf("queued message after migration: %+v %v", m, err)
	}
	ob, err := notify.NewOutbox(db, nil, notify.WithSealer(kek.Sealer(nil)))
	if err != nil {
		t.Fatal(err)
	}
	if m, err := ob.Message(ctx, "sms-0000000000000002"); err != nil || m.RecipientRef != pendPhone || m.Params["url"] == "" {
		t.Fatalf("pending message after migration: %+v %v", m, err)
	}
	if m, err := ob.Message(ctx, "sms-0000000000000001"); err != nil || m.RecipientRef != "" || m.Params != nil || m.State != notify.MessageAcked {
		t.Fatalf("acked message after migration: %+v %v", m, err)
	}
	wh, err := notify.NewWebhooks(db, notify.WithSecretSealer(kek.Sealer(nil)))
	if err != nil {
		t.Fatal(err)
	}
	if subs, err := wh.Subscriptions(ctx); err != nil || len(subs) != 1 || string(subs[0].Secret) != hookSecret {
		t.Fatalf("webhook after migration: %+v %v", subs, err)
	}
	var dep map[string]any
	if ok, err := getJSON(db, "wf/identity/deposit/c/dep-1", &dep); err != nil || !ok || dep["v"] != float64(2) || dep["sealed"] == nil {
		t.Fatalf("deposit challenge after migration: %v %v %v", dep, ok, err)
	}
}
