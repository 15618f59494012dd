package disclosure

import (
	"cmp"
	"slices"
)

// Word is a word released from free text, with the number of distinct
// people who used it, rounded and never below k_text.
type Word struct {
	Text   string `json:"text"`
	People int    `json:"people"`
}

// Words releases the words that at least KText distinct people used:
// contributors maps each word to how many people used it. At most limit
// words are released (0: all), the most used first, ties in word order.
// A word used by fewer people is not released at all: names, companies
// and illnesses mentioned by one person never leave this function.
func (p Policy) Words(contributors map[string]int, limit int) []Word {
	kt := p.kText()
	var out []Word
	exact := map[string]int{}
	for w, n := range contributors {
		if n >= kt && w != "" {
			out = append(out, Word{Text: w, People: roundCount(n, kt)})
			exact[w] = n
		}
	}
	slices.SortFunc(out, func(a, b Word) int {
		return cmp.Or(cmp.Compare(exact[b.Text], exact[a.Text]), cmp.Compare(a.Text, b.Text))
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}
