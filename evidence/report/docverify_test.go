package report

import (
	"strings"
	"testing"
	"time"
)

// docNow is after every document's signing time.
var docNow = testNow.Add(time.Hour)

// TestVerifyDocuments issues each document, records its issue and
// verifies it offline: with the issuance bundle every check passes;
// without it only issuance_recorded fails, with the reason.
func TestVerifyDocuments(t *testing.T) {
	w := newCaseWorld(t)
	docs := w.documents(t)
	for _, kind := range []string{KindNotarial, KindAppraisal, KindPreservation, KindSignature} {
		t.Run(kind, func(t *testing.T) {
			doc := docs[kind]
			res, err := VerifyDocument(doc, w.trust, docNow)
			if err != nil {
				t.Fatal(err)
			}
			if res.Kind != kind {
				t.Errorf("kind %q, want %q", res.Kind, kind)
			}
			if got := res.Failed(); len(got) != 1 || got[0] != CheckIssuanceRecorded {
				for _, c := range res.Checks {
					t.Logf("%s %v %s", c.Name, c.OK, c.Detail)
				}
				t.Fatalf("without issuance: failed %v, want only %s", got, CheckIssuanceRecorded)
			}
			for _, c := range res.Checks {
				if c.Name == CheckIssuanceRecorded && !strings.Contains(c.Detail, "no proof of issuance: pass --issuance or --node") {
					t.Errorf("issuance_recorded says %q", c.Detail)
				}
			}
			ib := w.issue(t, kind, doc, nil)
			res, err = VerifyDocument(doc, w.trust, docNow, WithIssuance(ib))
			if err != nil {
				t.Fatal(err)
			}
			if !res.OK {
				for _, c := range res.Checks {
					t.Logf("%s %v %s", c.Name, c.OK, c.Detail)
				}
				t.Fatalf("failed %v", res.Failed())
			}
			if res.Document == nil || res.Issuance == nil {
				t.Error("no recomputed facts or issuance record in the result")
			}
		})
	}
}
