package search

import (
	"unicode"
	"unicode/utf8"
)

// maxTokenBytes caps one word token; longer runs of letters or digits are
// cut (a pasted blob must not make one huge key).
const maxTokenBytes = 64

// tokens appends the index terms of s to dst: Latin letters and digits in
// words (lowercased, full-width folded to ASCII), Han, kana and Hangul as
// overlapping bigrams, and a lone such character as itself. This is what
// Lucene's and bleve's CJK analysers do: Chinese has no spaces, so a
// bigram index finds any word of two characters or more without a
// dictionary. A query matches a document holding every one of the
// query's terms.
func tokens(dst []string, s string) []string {
	var word []byte
	var cjk []rune
	flushWord := func() {
		if len(word) > 0 {
			dst = append(dst, string(word))
			word = word[:0]
		}
	}
	flushCJK := func() {
		switch len(cjk) {
		case 0:
		case 1:
			dst = append(dst, string(cjk))
		default:
			for i := 0; i+1 < len(cjk); i++ {
				dst = append(dst, string(cjk[i:i+2]))
			}
		}
		cjk = cjk[:0]
	}
	for _, r := range s {
		r = fold(r)
		switch {
		case isCJK(r):
			flushWord()
			cjk = append(cjk, r)
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			flushCJK()
			if len(word)+utf8.RuneLen(r) <= maxTokenBytes {
				word = utf8.AppendRune(word, unicode.ToLower(r))
			}
		default:
			flushWord()
			flushCJK()
		}
	}
	flushWord()
	flushCJK()
	return dst
}

// fold maps full-width ASCII (ＡＢＣ１２３, common in Chinese input) to
// ASCII, and the ideographic space to a space.
func fold(r rune) rune {
	switch {
	case r >= 0xFF01 && r <= 0xFF5E:
		return r - 0xFF01 + '!'
	case r == 0x3000:
		return ' '
	}
	return r
}

func isCJK(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) ||
		unicode.Is(unicode.Katakana, r) || unicode.Is(unicode.Hangul, r)
}

// dedupe removes repeated terms, keeping the first of each.
func dedupe(ts []string) []string {
	seen := make(map[string]struct{}, len(ts))
	out := ts[:0]
	for _, t := range ts {
		if _, ok := seen[t]; ok {
			continue
		}
		seen[t] = struct{}{}
		out = append(out, t)
	}
	return out
}
