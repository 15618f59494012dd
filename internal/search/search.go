// Package search holds tsunagari's Japanese-aware text search rules, with
// no database in sight: how text is normalised, how it is cut into index
// terms, how a query is read, and how a match is ranked. The stores index
// and query with these functions, so that SQLite and PostgreSQL find and
// rank the same things.
//
// Matching is substring matching after normalisation: a query term matches
// a document whose normalised text contains it. The index holds bigrams
// (pairs of adjacent letters or digits) and single kanji, so that two-
// character queries such as 転職, 介護 or 新潟 and one-kanji queries are
// answered from the index; the store then checks the real substring.
package search

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Limits on queries, in runes and terms. Longer input is cut, not refused.
const (
	MaxQueryLen   = 100
	MaxQueryTerms = 5
)

// Normalize returns s as it is indexed and searched:
//   - NFKC, so full-width Latin and digits become ASCII (ＩＴ → IT) and
//     half-width katakana full-width (ｶﾞｲﾄﾞ → ガイド);
//   - lower case;
//   - katakana as hiragana (ケアマネ → けあまね), so either spelling finds
//     the other; the small ヵ and ヶ read as か and け (霞ヶ関 = 霞ケ関);
//   - no invisible characters (zero-width spaces, variation selectors,
//     control characters);
//   - every run of white space as one ASCII space, none at either end.
func Normalize(s string) string {
	s = norm.NFKC.String(s)
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) {
			space = b.Len() > 0
			continue
		}
		if invisible(r) {
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(fold(r))
	}
	out := b.String()
	// Folding can, rarely, produce text that NFKC changes again; one more
	// pass makes Normalize idempotent.
	if !norm.NFKC.IsNormalString(out) {
		return Normalize(out)
	}
	return out
}

// fold lower-cases r and turns katakana into hiragana.
func fold(r rune) rune {
	r = unicode.ToLower(r)
	switch {
	case r == 'ヵ':
		return 'か'
	case r == 'ヶ':
		return 'け'
	case r >= 'ァ' && r <= 'ヴ': // ァ..ヴ → ぁ..ゔ
		return r - ('ァ' - 'ぁ')
	case r == 'ヽ' || r == 'ヾ': // iteration marks
		return r - ('ヽ' - 'ゝ')
	}
	return r
}

// invisible reports whether r carries no visible text: control and format
// characters and variation selectors.
func invisible(r rune) bool {
	return unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Variation_Selector, r) ||
		r == utf8.RuneError
}

// wordRune reports whether r belongs inside a word: a letter, a digit or a
// combining mark. Index terms never span anything else.
func wordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r)
}

// han reports whether r is a kanji, which is indexed on its own too.
func han(r rune) bool { return unicode.Is(unicode.Han, r) }

// Grams returns the distinct index terms of normalised text, sorted: every
// pair of adjacent word runes (bigram) and every kanji on its own. A query
// term is found in a text only if the text has every gram of the term.
func Grams(normalized string) []string {
	set := map[string]struct{}{}
	addGrams(set, normalized)
	return sorted(set)
}

func addGrams(set map[string]struct{}, s string) {
	var prev rune = -1
	for _, r := range s {
		if !wordRune(r) {
			prev = -1
			continue
		}
		if han(r) {
			set[string(r)] = struct{}{}
		}
		if prev >= 0 {
			set[string([]rune{prev, r})] = struct{}{}
		}
		prev = r
	}
}

func sorted(set map[string]struct{}) []string {
	out := make([]string, 0, len(set))
	for g := range set {
		out = append(out, g)
	}
	slices.Sort(out)
	return out
}

// termGrams returns the grams by which the index finds term: its bigrams
// and, for a kanji standing alone between non-word characters, the kanji.
// A term whose grams are empty cannot be looked up.
func termGrams(term string) []string {
	set := map[string]struct{}{}
	runes := []rune(term)
	for i, r := range runes {
		if !wordRune(r) {
			continue
		}
		left := i > 0 && wordRune(runes[i-1])
		right := i+1 < len(runes) && wordRune(runes[i+1])
		if right {
			set[string(runes[i:i+2])] = struct{}{}
		}
		if han(r) && !left && !right {
			set[string(r)] = struct{}{}
		}
	}
	return sorted(set)
}

// Query is a parsed search query.
type Query struct {
	// Terms are the normalised terms, each of which a result contains.
	Terms []string
	// Grams are the index terms that every result has: the union of the
	// terms' grams.
	Grams []string
	// Dropped counts terms too short to look up, such as one hiragana or
	// one Latin letter.
	Dropped int
}

// Parse reads a query typed by a person: normalised, split at white space,
// repeated terms once. Terms that the index cannot look up (a single
// character that is not a kanji, or nothing but punctuation) are dropped
// and counted. At most MaxQueryTerms terms of MaxQueryLen runes are read.
func Parse(q string) Query {
	if utf8.RuneCountInString(q) > MaxQueryLen*2 {
		q = string([]rune(q)[:MaxQueryLen*2])
	}
	q = Normalize(q)
	if n := utf8.RuneCountInString(q); n > MaxQueryLen {
		q = strings.TrimSpace(string([]rune(q)[:MaxQueryLen]))
	}
	var out Query
	set := map[string]struct{}{}
	for _, term := range strings.Fields(q) {
		if slices.Contains(out.Terms, term) {
			continue
		}
		gs := termGrams(term)
		if len(gs) == 0 {
			out.Dropped++
			continue
		}
		if len(out.Terms) == MaxQueryTerms {
			break
		}
		out.Terms = append(out.Terms, term)
		for _, g := range gs {
			set[g] = struct{}{}
		}
	}
	out.Grams = sorted(set)
	return out
}

// Empty reports whether q has no term to look for.
func (q Query) Empty() bool { return len(q.Terms) == 0 }

// TooShort reports whether something was typed but every term was too
// short to look up: the person should type a little more.
func (q Query) TooShort() bool { return len(q.Terms) == 0 && q.Dropped > 0 }

// Doc is a document as the index sees it: three normalised fields, which
// weigh differently in the ranking.
type Doc struct {
	Title string // a name
	Tags  string // keywords, separated by spaces
	Body  string // everything else: purpose, description, places
}

// NewDoc normalises the fields of a document. Tags are joined with spaces,
// so no term matches across two tags.
func NewDoc(title string, tags []string, body ...string) Doc {
	return Doc{Title: Normalize(title), Tags: Normalize(strings.Join(tags, " ")), Body: Normalize(strings.Join(body, " "))}
}

// Grams returns the distinct index terms of every field of d, sorted.
func (d Doc) Grams() []string {
	set := map[string]struct{}{}
	addGrams(set, d.Title)
	addGrams(set, d.Tags)
	addGrams(set, d.Body)
	return sorted(set)
}

// Weights of a term found in each field. A result's score is the sum, over
// the query's terms, of the weights of the fields that contain the term.
const (
	WeightTitle = 8
	WeightTags  = 4
	WeightBody  = 1
)

// Score returns d's score for q, and false if some term of q is in no
// field of d. It is the reference the stores' SQL implements.
func (q Query) Score(d Doc) (int, bool) {
	total := 0
	for _, t := range q.Terms {
		s := 0
		if strings.Contains(d.Title, t) {
			s += WeightTitle
		}
		if strings.Contains(d.Tags, t) {
			s += WeightTags
		}
		if strings.Contains(d.Body, t) {
			s += WeightBody
		}
		if s == 0 {
			return 0, false
		}
		total += s
	}
	return total, true
}

// RunBreak is the token Stream puts between two runs of word runes. It
// can never be a gram, which has at most two runes.
const RunBreak = "zzz"

// Stream returns the grams of normalised text in the order they occur:
// the bigrams of each run of word runes, with RunBreak between runs. An
// index that keeps positions finds a term as the phrase Sequence returns.
// It also returns the distinct kanji of the text, for one-kanji terms.
func Stream(normalized string) (bigrams []string, kanji []string) {
	set := map[string]struct{}{}
	var prev rune = -1
	inRun := false
	for _, r := range normalized {
		if !wordRune(r) {
			prev = -1
			continue
		}
		if han(r) {
			set[string(r)] = struct{}{}
		}
		switch {
		case prev >= 0:
			bigrams = append(bigrams, string([]rune{prev, r}))
		case inRun:
			bigrams = append(bigrams, RunBreak)
		}
		prev, inRun = r, true
	}
	return bigrams, sorted(set)
}

// Sequence returns how an index of Stream finds term exactly: for a term
// of one kanji, the kanji (kanji is true); for a term that is one run of
// two or more word runes, its bigrams in order, which a text contains
// consecutively exactly when it contains the term. ok is false for other
// terms, such as ones with punctuation inside, which the index can only
// narrow down (by Grams) and the text must confirm.
func Sequence(term string) (grams []string, kanji bool, ok bool) {
	runes := []rune(term)
	for _, r := range runes {
		if !wordRune(r) {
			return nil, false, false
		}
	}
	switch {
	case len(runes) == 1 && han(runes[0]):
		return []string{term}, true, true
	case len(runes) < 2:
		return nil, false, false
	}
	for i := 0; i+1 < len(runes); i++ {
		grams = append(grams, string(runes[i:i+2]))
	}
	return grams, false, true
}
