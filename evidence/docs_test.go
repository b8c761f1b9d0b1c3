package evidence_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/sealchain/sealchain/chain"
)

// TestDocsRecordTypeNumbers checks every record-type number the docs give
// next to a record name against chain.Type (issue #12, item 19: a doc
// called identity_verified "record type 12"; it is 9).
func TestDocsRecordTypeNumbers(t *testing.T) {
	byName := map[string]int{}
	for n := 1; n < 64; n++ {
		s := chain.Type(n).String()
		if !strings.HasPrefix(s, "type(") {
			byName[s] = n
		}
	}
	if len(byName) < 20 {
		t.Fatalf("only %d record types known", len(byName))
	}
	// "12 report_issued", "| 9 identity_verified |", "9 `identity_verified`"
	numberThenName := regexp.MustCompile("\\b(\\d{1,2}) `?([a-z]+(?:_[a-z]+)*)`?")
	// "... identity_verified ... (record type 9)", "chain.IdentityVerified, record type 9"
	typeN := regexp.MustCompile(`\b(?:record )?type (\d{1,2})\b`)
	token := regexp.MustCompile(`[A-Za-z]+(?:_[a-z]+)*`)

	files, _ := filepath.Glob("../docs/*.md")
	files = append(files, "../README.md")
	checked := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		text := string(b)
		for _, m := range numberThenName.FindAllStringSubmatchIndex(text, -1) {
			name := text[m[4]:m[5]]
			want, ok := byName[name]
			if !ok {
				continue
			}
			checked++
			if got, _ := strconv.Atoi(text[m[2]:m[3]]); got != want {
				t.Errorf("%s: %q: %s is record type %d", f, text[m[0]:m[1]], name, want)
			}
		}
		for _, m := range typeN.FindAllStringSubmatchIndex(text, -1) {
			from := max(0, m[0]-80)
			var name string
			for _, tok := range token.FindAllString(text[from:m[0]], -1) {
				if _, ok := byName[snake(tok)]; ok {
					name = snake(tok)
				}
			}
			if name == "" {
				continue
			}
			checked++
			if got, _ := strconv.Atoi(text[m[2]:m[3]]); got != byName[name] {
				t.Errorf("%s: %q near %s: %s is record type %d", f, text[m[0]:m[1]], name, name, byName[name])
			}
		}
	}
	if checked < 20 {
		t.Fatalf("only %d record-type numbers found in the docs; is the pattern still right?", checked)
	}
}

// snake maps a Go type name (IdentityVerified) to a record name
// (identity_verified); snake_case passes through.
func snake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('_')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}
