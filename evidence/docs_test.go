package evidence_test

import (
	"bytes"
	"encoding/hex"

	"google.golang.org/protobuf/encoding/protowire"
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

// Attestation test vectors printed in docs/evidence-bundle.md, appendix D.
const (
	docIdentityAttestationHex = "7365616c636861696e2f6964656e746974792d6174746573746174696f6e2f7631000d7365616c636861696e2d6465760a201111111111111111111111111111111111111111111111111111111111111111100118012080d0eab6b733"
	docIntentAttestationHex   = "7365616c636861696e2f696e74656e742f7631000d7365616c636861696e2d6465760a03632d31122022222222222222222222222222222222222222222222222222222222222222221801222033333333333333333333333333333333333333333333333333333333333333332880d0eab6b733"
)

// TestDocsAttestationBytes: the attestation layouts of appendix D, built by
// hand with protowire, equal what the chain verifies, and the vectors
// printed in the appendix are these bytes.
func TestDocsAttestationBytes(t *testing.T) {
	const chainID = "sealchain-dev"
	at := int64(1767225600000) // 2026-01-01T00:00:00Z in unix ms
	ref := bytes.Repeat([]byte{0x11}, 32)
	id := &chain.IdentityVerified{IdentityRef: ref, Subject: chain.SubjectPerson, Method: chain.IdentityFace, VerifiedAt: at}
	var want []byte
	want = append(want, "sealchain/identity-attestation/v1\x00"...)
	want = protowire.AppendString(want, chainID)
	want = protowire.AppendBytes(protowire.AppendTag(want, 1, protowire.BytesType), ref)
	want = protowire.AppendVarint(protowire.AppendTag(want, 2, protowire.VarintType), 1)
	want = protowire.AppendVarint(protowire.AppendTag(want, 3, protowire.VarintType), 1)
	want = protowire.AppendVarint(protowire.AppendTag(want, 4, protowire.VarintType), uint64(at))
	if got := id.AttestationBytes(chainID); !bytes.Equal(got, want) {
		t.Fatalf("identity attestation\n got %x\nwant %x", got, want)
	}
	if hex.EncodeToString(want) != docIdentityAttestationHex {
		t.Fatalf("identity vector changed: %x", want)
	}

	signer := chain.Fingerprint(bytes.Repeat([]byte{0x22}, 32))
	challenge := bytes.Repeat([]byte{0x33}, 32)
	iv := &chain.IntentVerified{Contract: "c-1", Signer: signer, Method: chain.IntentSMSOTP, ChallengeHash: challenge, VerifiedAt: at}
	want = append([]byte(nil), "sealchain/intent/v1\x00"...)
	want = protowire.AppendString(want, chainID)
	want = protowire.AppendBytes(protowire.AppendTag(want, 1, protowire.BytesType), []byte("c-1"))
	want = protowire.AppendBytes(protowire.AppendTag(want, 2, protowire.BytesType), signer[:])
	want = protowire.AppendVarint(protowire.AppendTag(want, 3, protowire.VarintType), 1)
	want = protowire.AppendBytes(protowire.AppendTag(want, 4, protowire.BytesType), challenge)
	want = protowire.AppendVarint(protowire.AppendTag(want, 5, protowire.VarintType), uint64(at))
	if got := iv.AttestationBytes(chainID); !bytes.Equal(got, want) {
		t.Fatalf("intent attestation\n got %x\nwant %x", got, want)
	}
	if hex.EncodeToString(want) != docIntentAttestationHex {
		t.Fatalf("intent vector changed: %x", want)
	}
	doc, err := os.ReadFile("../docs/evidence-bundle.md")
	if err != nil {
		t.Fatal(err)
	}
	flat := strings.Join(strings.Fields(string(doc)), "")
	for _, v := range []string{docIdentityAttestationHex, docIntentAttestationHex} {
		if !strings.Contains(flat, v) {
			t.Errorf("docs/evidence-bundle.md lacks the vector %s", v)
		}
	}
}
