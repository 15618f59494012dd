package search_test

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"tsunagari/internal/search"
)

// FuzzNormalize checks the properties the stores rely on, for any input:
// normalising is idempotent and yields valid UTF-8 without control
// characters or doubled spaces; a query's terms are normalised and the
// grams of a text contain the grams of every term found in it, so the
// index never misses a substring match.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"ＩＴ企業", "ｶﾞｲﾄﾞ", "霞ヶ関", "新潟　県人会", "転\u200b職", "İstanbul", "ǅ", "ﬀ", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := search.Normalize(s)
		if again := search.Normalize(n); again != n {
			t.Fatalf("Normalize(%q) = %q, but Normalize(%q) = %q", s, n, n, again)
		}
		if !utf8.ValidString(n) {
			t.Fatalf("Normalize(%q) = %q is not valid UTF-8", s, n)
		}
		if strings.Contains(n, "  ") || strings.TrimSpace(n) != n {
			t.Fatalf("Normalize(%q) = %q has extra spaces", s, n)
		}
		if strings.ContainsFunc(n, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			t.Fatalf("Normalize(%q) = %q has control characters", s, n)
		}
		grams := search.Grams(n)
		for _, g := range grams {
			if strings.ContainsAny(g, " \"") || utf8.RuneCountInString(g) > 2 {
				t.Fatalf("Grams(%q) has gram %q", n, g)
			}
		}
		q := search.Parse(s)
		for _, term := range q.Terms {
			if search.Normalize(term) != term || strings.Contains(term, " ") {
				t.Fatalf("Parse(%q) has term %q, which is not one normalised word", s, term)
			}
		}
		// Every term that Parse reads from text that the text contains is
		// found through the text's grams.
		if strings.Contains(n, strings.Join(q.Terms, " ")) {
			for _, g := range q.Grams {
				if _, ok := slices.BinarySearch(grams, g); !ok {
					t.Fatalf("Parse(%q) needs gram %q, missing from the grams of %q", s, g, n)
				}
			}
		}
	})
}
