package report

import (
	"errors"
	"strings"
	"testing"

	"github.com/sealchain/sealchain/chain"
	"github.com/sealchain/sealchain/evidence"
)

// TestRecordTitles: every record type prints as "中文 English", never as
// its raw name (contract_sent and contract_viewed once did).
func TestRecordTitles(t *testing.T) {
	for typ := chain.Type(1); typ <= chain.TypeContractExpired; typ++ {
		raw := typ.String()
		got := recordTitle(raw)
		l := evidence.TypeLabel(typ)
		if got != l.Zh+" "+l.En || l.En == raw || strings.Contains(got, "_") || !strings.ContainsFunc(l.Zh, func(r rune) bool { return r >= 0x4e00 && r <= 0x9fff }) {
			t.Errorf("record type %d %s prints as %q", typ, raw, got)
		}
	}
}

// TestCheckLinesBilingual: each check of the report's verification
// section is printed with its result and name in Chinese and English.
func TestCheckLinesBilingual(t *testing.T) {
	f := newFixture(t)
	out := f.make(t)
	for name, text := range map[string]string{"pdftotext": pdftotext(t, out), "own": ownText(t, out)} {
		// Extractors differ in the spaces and line order they give.
		text = strings.Join(strings.Fields(text), "")
		nospace := func(s string) string { return strings.Join(strings.Fields(s), "") }
		for _, want := range []string{"合同创建 Contract created", "合同签署 Contract signed", "签署意愿认证 Signing intent verified", "证书签发 Certificate issued"} {
			if !strings.Contains(text, nospace(want)) {
				t.Errorf("%s: the timeline lacks %q", name, want)
			}
		}
		for _, ch := range f.res.Checks {
			l := evidence.CheckLabel(ch.Name)
			if l.Zh == ch.Name {
				t.Errorf("check %s has no label", ch.Name)
				continue
			}
			if want := l.Zh + " " + l.En; !strings.Contains(text, nospace(want)) {
				t.Errorf("%s: no line %q for check %s", name, want, ch.Name)
			}
		}
		if n := strings.Count(text, "通过PASS"); n != len(f.res.Checks) {
			t.Errorf("%s: %d lines say 通过 PASS, want one for each of %d checks", name, n, len(f.res.Checks))
		}
	}
}

// TestVerifyURLRequired: no placeholder page; the QR code points where the
// caller (the node: its own page) says.
func TestVerifyURLRequired(t *testing.T) {
	f := newFixture(t)
	for _, u := range []string{"", "verify", "ftp://court.example.cn/verify", "https://court.example.cn/verify?x=1", "https:///verify"} {
		o := f.options()
		o.VerifyURL = u
		if _, err := Make(f.bundle, f.res, o); !errors.Is(err, ErrOptions) {
			t.Errorf("VerifyURL %q: Make: %v, want ErrOptions", u, err)
		}
	}
	o := f.options()
	o.VerifyURL = "http://127.0.0.1:8080/verify"
	out, err := Make(f.bundle, f.res, o)
	if err != nil {
		t.Fatal(err)
	}
	facts, _ := FactsOf(f.bundle, f.raw)
	if text := ownText(t, out); !strings.Contains(text, QRURL(o.VerifyURL, facts.BundleSM3)) || strings.Contains(text, ".example/") {
		t.Errorf("report text does not print the node's URL %s", o.VerifyURL)
	}
}
