package chainapi

import (
	"net/http"
	"slices"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/sealchain/sealchain/chain"
)

func TestCaseNames(t *testing.T) {
	v, err := bitsOf("scope", []string{"timeline", "contract"}, scopeNames)
	if err != nil || v != chain.ScopeContract|chain.ScopeTimeline {
		t.Fatalf("scope bits: %d %v", v, err)
	}
	if got := namesOf(v, scopeNames); !slices.Equal(got, []string{"contract", "timeline"}) {
		t.Fatalf("scope names: %v", got)
	}
	for _, bad := range [][]string{nil, {}, {"pdf"}} {
		if _, err := bitsOf("items", bad, itemNames); err == nil {
			t.Errorf("items %q accepted", bad)
		}
	}
	all, err := bitsOf("items", []string{"bundle", "pdf_signature", "certificates", "intent", "time"}, itemNames)
	if err != nil || all != chain.ItemBundle|chain.ItemPDFSignature|chain.ItemCertificates|chain.ItemIntent|chain.ItemTime {
		t.Fatalf("all items: %d %v", all, err)
	}
	for name, p := range purposeNames {
		if purposeName(p) != name {
			t.Errorf("purpose %s", name)
		}
	}
}

func TestCaseStepStatus(t *testing.T) {
	for code, want := range map[uint32]int{
		chain.CodeUnknownCase: http.StatusNotFound, chain.CodeUnknownContract: http.StatusNotFound,
		chain.CodeCaseExists: http.StatusConflict, chain.CodeCaseStatus: http.StatusConflict, chain.CodeDuplicateNumber: http.StatusConflict,
		chain.CodePermission: http.StatusForbidden, chain.CodeNotInstitution: http.StatusUnprocessableEntity,
		chain.CodeUnknownType: http.StatusUnprocessableEntity,
	} {
		if got := stepStatus(code); got != want {
			t.Errorf("code %d: %d, want %d", code, got, want)
		}
	}
}

func TestCaseRecordIndexes(t *testing.T) {
	for _, tc := range []struct {
		cs   chain.CaseState
		want []uint64
	}{
		{chain.CaseState{OpenedIn: 4}, []uint64{4}},
		{chain.CaseState{OpenedIn: 4, DecidedIn: 8}, []uint64{4, 7}},
		{chain.CaseState{OpenedIn: 4, DecidedIn: 8, ClosedIn: 8}, []uint64{4, 7}}, // rejected
		{chain.CaseState{OpenedIn: 4, DecidedIn: 8, ClosedIn: 12}, []uint64{4, 7, 11}},
		{chain.CaseState{OpenedIn: 4, ClosedIn: 6}, []uint64{4, 5}}, // withdrawn while pending
	} {
		if got := caseRecordIndexes(&tc.cs); !slices.Equal(got, tc.want) {
			t.Errorf("%+v: %v, want %v", tc.cs, got, tc.want)
		}
	}
}

// TestDocumentNumber: the default number fits the chain's bound for the
// longest ids, and is valid text.
func TestDocumentNumber(t *testing.T) {
	id := "na-0123456789abcdef01234567"
	// evidence/report's numbers fit for org ids of up to 32 bytes.
	for _, org := range []string{"notary", "an-organisation-id-of-32-bytes.."} {
		for _, k := range []chain.CaseKind{chain.CaseNotarization, chain.CaseAppraisal} {
			n := documentNumber(k, org, time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC), id)
			if len(n) > chain.MaxNumberBytes || !utf8.ValidString(n) {
				t.Errorf("%s %s: %q (%d bytes)", org, k, n, len(n))
			}
		}
	}
}

func TestDocumentPath(t *testing.T) {
	a := &API{files: caseFiles{dir: t.TempDir()}}
	for _, bad := range []string{"../x", `a\\b`, "..", "."} {
		if _, err := a.documentPath(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if err := a.writeDocument("na-1", []byte("%PDF-1.7 x")); err != nil {
		t.Fatal(err)
	}
	if b, err := a.readDocument("na-1"); err != nil || string(b) != "%PDF-1.7 x" {
		t.Fatalf("read back: %q %v", b, err)
	}
	if _, err := (&API{}).documentPath("na-1"); err == nil {
		t.Error("no directory: accepted")
	}
}
