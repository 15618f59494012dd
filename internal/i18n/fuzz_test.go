package i18n_test

import (
	"slices"
	"strings"
	"testing"

	"tsunagari/internal/i18n"
)

// FuzzMatch reads Accept-Language headers as browsers and others send
// them: the answer is always one of the site's languages, and a header
// that names none of them gets Japanese. The seed corpus is in
// testdata/fuzz/FuzzMatch.
func FuzzMatch(f *testing.F) {
	for _, s := range []string{"en-US,en;q=0.9", "ja", "fr;q=1e400,en;q=NaN", "en;q=-1,ja;q=0.0001", ",,;;q=", "EN-gb ; q=0.5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		got := i18n.Match(header)
		if !slices.Contains(i18n.Languages, got) {
			t.Fatalf("Match(%q) = %q, not a language of the site", header, got)
		}
		if !strings.Contains(strings.ToLower(header), "en") && got != "ja" {
			t.Fatalf("Match(%q) = %q without asking for it", header, got)
		}
	})
}
