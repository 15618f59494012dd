package recommend

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"tsunagari/internal/search"
)

// How a wish is read. A wish is free text ("新潟に帰って地元の役に立ちたい");
// it is cut into bigrams as the search index cuts text, and a community
// fits it as far as its name, purpose and tags share those bigrams,
// each weighted by how rare it is among communities (inverse document
// frequency). Bigrams of hiragana as typed are mostly particles and
// endings ("って", "たい"), so they count less.

// hiraganaWeight is the weight of a bigram typed in hiragana.
const hiraganaWeight = 0.3

// maxWishRunes bounds how much of a wish is read.
const maxWishRunes = 400

// wishGram is one bigram of a wish with its weight.
type wishGram struct {
	gram   string
	weight float64
}

// displayFold returns s in NFKC, lower case, with runs of white space as
// one space: comparable, but still as a person wrote it (katakana stays
// katakana).
func displayFold(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(norm.NFKC.String(s))), " ")
}

func wordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r) }

func hiragana(r rune) bool { return unicode.Is(unicode.Hiragana, r) || r == 'ー' }

// wishGrams returns the distinct bigrams of text, folded as the search
// index folds them, with their weights.
func wishGrams(text string) []wishGram {
	if utf8.RuneCountInString(text) > maxWishRunes {
		text = string([]rune(text)[:maxWishRunes])
	}
	seen := map[string]int{}
	var out []wishGram
	prev := rune(-1)
	for _, r := range displayFold(text) {
		if !wordRune(r) {
			prev = -1
			continue
		}
		if prev >= 0 {
			g := search.Normalize(string([]rune{prev, r}))
			w := 1.0
			if hiragana(prev) && hiragana(r) {
				w = hiraganaWeight
			}
			if utf8.RuneCountInString(g) == 2 {
				if k, ok := seen[g]; ok {
					out[k].weight = max(out[k].weight, w)
				} else {
					seen[g] = len(out)
					out = append(out, wishGram{gram: g, weight: w})
				}
			}
		}
		prev = r
	}
	return out
}

// particles are the one-letter particles that join words ("新潟に",
// "介護の"); a shared term does not begin or end with one.
const particles = "のにをはがでとへもや"

// trimParticles cuts particles from either end of term.
func trimParticles(term string) string {
	for {
		r, n := utf8.DecodeRuneInString(term)
		if n == 0 || !strings.ContainsRune(particles, r) {
			break
		}
		term = term[n:]
	}
	for {
		r, n := utf8.DecodeLastRuneInString(term)
		if n == 0 || !strings.ContainsRune(particles, r) {
			break
		}
		term = term[:len(term)-n]
	}
	return term
}

// sharedTerms returns up to n words that wish and text (both as
// displayFold leaves them) have in common: maximal common runs of at
// least two letters or digits that are not all hiragana, without the
// particles at their ends, longest first.
func sharedTerms(wish, text string, n int) []string {
	w := []rune(wish)
	if len(w) > maxWishRunes {
		w = w[:maxWishRunes]
	}
	var terms []string
	for i := 0; i < len(w); {
		if !wordRune(w[i]) {
			i++
			continue
		}
		end := i
		for j := i + 2; j <= len(w) && wordRune(w[j-1]); j++ {
			if !strings.Contains(text, string(w[i:j])) {
				break
			}
			end = j
		}
		if end == i {
			i++
			continue
		}
		term := trimParticles(string(w[i:end]))
		if utf8.RuneCountInString(term) < 2 || !strings.ContainsFunc(term, func(r rune) bool { return !hiragana(r) }) {
			i++
			continue
		}
		if !slices.Contains(terms, term) {
			terms = append(terms, term)
		}
		i = end
	}
	slices.SortStableFunc(terms, func(a, b string) int { return utf8.RuneCountInString(b) - utf8.RuneCountInString(a) })
	var out []string
	for _, t := range terms {
		if len(out) == n {
			break
		}
		if !slices.ContainsFunc(out, func(o string) bool { return strings.Contains(o, t) }) {
			out = append(out, t)
		}
	}
	return out
}
