package search_test

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"tsunagari/internal/search"
)

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ＩＴ企業", "it企業"},
		{"IT企業", "it企業"},
		{"ｶﾞｲﾄﾞ", "がいど"},
		{"ケアマネージャー", "けあまねーじゃー"},
		{"けあまねーじゃー", "けあまねーじゃー"},
		{"霞ヶ関", "霞け関"},
		{"霞ケ関", "霞け関"},
		{"ヴィーガン", "ゔぃーがん"},
		{"  新潟\u3000県人会\t\n東京  ", "新潟 県人会 東京"},
		{"転\u200b職", "転職"},
		{"①", "1"},
		{"Ｗｅｂ３．０", "web3.0"},
		{"ＡＢＣ　ｄｅｆ", "abc def"},
		{"葛\U000E0100飾", "葛飾"},
		{"", ""},
		{"\x00\x01", ""},
	}
	for _, tt := range tests {
		if got := search.Normalize(tt.in); got != tt.want {
			t.Errorf("Normalize(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestGrams(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"転職", []string{"転", "転職", "職"}},
		{"it企業", []string{"it", "t企", "企", "企業", "業"}},
		{"けあ・まね", []string{"けあ", "まね"}},
		{"a b", nil},
		{"", nil},
	}
	for _, tt := range tests {
		got := search.Grams(search.Normalize(tt.in))
		want := slices.Clone(tt.want)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("Grams(%q) = %q; want %q", tt.in, got, want)
		}
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		in        string
		terms     []string
		grams     []string
		tooShort  bool
		wantEmpty bool
	}{
		{"転職", []string{"転職"}, []string{"転職"}, false, false},
		{"介護", []string{"介護"}, []string{"介護"}, false, false},
		{"ＩＴ", []string{"it"}, []string{"it"}, false, false},
		{"農", []string{"農"}, []string{"農"}, false, false},
		{"転職活動", []string{"転職活動"}, []string{"活動", "職活", "転職"}, false, false},
		{"新潟　県人会", []string{"新潟", "県人会"}, []string{"人会", "新潟", "県人"}, false, false},
		{"の", nil, nil, true, true},
		{"a", nil, nil, true, true},
		{"新潟 の", []string{"新潟"}, []string{"新潟"}, false, false},
		{"新潟 新潟", []string{"新潟"}, []string{"新潟"}, false, false},
		{"「", nil, nil, true, true},
		{"", nil, nil, false, true},
		{"   ", nil, nil, false, true},
		{"c#", nil, nil, true, true},
		{"e-learning", []string{"e-learning"}, []string{"ar", "ea", "in", "le", "ng", "ni", "rn"}, false, false},
		{"ケア", []string{"けあ"}, []string{"けあ"}, false, false},
	}
	for _, tt := range tests {
		q := search.Parse(tt.in)
		if !slices.Equal(q.Terms, tt.terms) || !slices.Equal(q.Grams, tt.grams) || q.TooShort() != tt.tooShort || q.Empty() != tt.wantEmpty {
			t.Errorf("Parse(%q) = %q %q tooShort=%v empty=%v; want %q %q %v %v",
				tt.in, q.Terms, q.Grams, q.TooShort(), q.Empty(), tt.terms, tt.grams, tt.tooShort, tt.wantEmpty)
		}
	}
}

func TestParseLimits(t *testing.T) {
	q := search.Parse("介護 保育 看護 医療 福祉 教育 転職")
	if len(q.Terms) != search.MaxQueryTerms {
		t.Errorf("Parse(7 terms) kept %d terms; want %d", len(q.Terms), search.MaxQueryTerms)
	}
	long := strings.Repeat("転職", 500)
	q = search.Parse(long)
	if len(q.Terms) != 1 || utf8.RuneCountInString(q.Terms[0]) != search.MaxQueryLen {
		t.Errorf("Parse(1,000 runes) = %d terms of %d runes; want 1 of %d", len(q.Terms), utf8.RuneCountInString(strings.Join(q.Terms, "")), search.MaxQueryLen)
	}
}

// docs is a small directory of the kind the stores index.
var docs = map[string]search.Doc{
	"care":    search.NewDoc("介護職のための対話カフェ", []string{"介護", "ケア"}, "毎月第2土曜、介護職・看護職が語り合う会です。", "東京都"),
	"niigata": search.NewDoc("にいがた県人会 in 東京", []string{"Uターン", "地域"}, "新潟出身・ゆかりの20〜30代がSNSでつながる会。", "東京都 新潟県"),
	"it":      search.NewDoc("ＩＴエンジニア転職勉強会", []string{"転職", "IT"}, "転職活動の情報交換。", "オンライン"),
	"coop":    search.NewDoc("ワーカーズコープ・みどり農園", []string{"農業", "協同労働"}, "みんなで出資し、みんなで働く農園です。", "長野県"),
	"alumni":  search.NewDoc("みなと精機アルムナイ", []string{"アルムナイ", "再雇用"}, "元社員のネットワーク。転職後もつながりを。", "愛知県"),
}

// search finds the docs matching q, best first, by the reference ranking
// and the index's grams: a doc is a candidate only if it has every gram.
func find(q search.Query) []string {
	type hit struct {
		id    string
		score int
	}
	if q.Empty() {
		return nil
	}
	var hits []hit
	for id, d := range docs {
		grams := d.Grams()
		for _, g := range q.Grams {
			if !slices.Contains(grams, g) {
				goto next
			}
		}
		if s, ok := q.Score(d); ok {
			hits = append(hits, hit{id, s})
		}
	next:
	}
	slices.SortFunc(hits, func(a, b hit) int {
		if a.score != b.score {
			return b.score - a.score
		}
		return strings.Compare(a.id, b.id)
	})
	var out []string
	for _, h := range hits {
		out = append(out, h.id)
	}
	return out
}

// TestSearchAsAJapaneseUserExpects runs the queries of the product brief
// over a small directory: two-character queries find what they should,
// full-width and half-width letters are the same, katakana and hiragana
// are the same, one kanji finds words containing it, and one kana finds
// nothing until more is typed.
func TestSearchAsAJapaneseUserExpects(t *testing.T) {
	tests := []struct {
		q    string
		want []string
	}{
		{"転職", []string{"it", "alumni"}},
		{"介護", []string{"care"}},
		{"新潟", []string{"niigata"}},
		{"ＩＴ", []string{"it"}},
		{"IT", []string{"it"}},
		{"it", []string{"it"}},
		{"ｉｔ", []string{"it"}},
		{"けあ", []string{"care"}},
		{"ｹｱ", []string{"care"}},
		{"にいがた", []string{"niigata"}},
		{"ニイガタ", []string{"niigata"}},
		{"農", []string{"coop"}},
		{"県", []string{"niigata", "alumni", "coop"}}, // 県人会 in the name first
		{"の", nil},
		{"転職 勉強会", []string{"it"}},
		{"転職 介護", nil},
		{"アルムナイ", []string{"alumni"}},
		{"東京", []string{"niigata", "care"}},
	}
	for _, tt := range tests {
		if got := find(search.Parse(tt.q)); !slices.Equal(got, tt.want) {
			t.Errorf("search %q = %v; want %v", tt.q, got, tt.want)
		}
	}
}

func TestGramsFindEverySubstring(t *testing.T) {
	// Every substring of a document's text that Parse can look up has all
	// its grams in the document's grams: the index never misses a match.
	for id, d := range docs {
		grams := d.Grams()
		for _, field := range []string{d.Title, d.Tags, d.Body} {
			runes := []rune(field)
			for i := range runes {
				for j := i + 1; j <= len(runes) && j <= i+6; j++ {
					q := search.Parse(string(runes[i:j]))
					for _, g := range q.Grams {
						if !slices.Contains(grams, g) {
							t.Errorf("%s: query %q needs gram %q, which the doc lacks", id, string(runes[i:j]), g)
						}
					}
				}
			}
		}
	}
}

func TestStream(t *testing.T) {
	bigrams, kanji := search.Stream(search.Normalize("介護 福祉士・ケア"))
	if want := []string{"介護", search.RunBreak, "福祉", "祉士", search.RunBreak, "けあ"}; !slices.Equal(bigrams, want) {
		t.Errorf("Stream bigrams = %q; want %q", bigrams, want)
	}
	if want := []string{"介", "士", "祉", "福", "護"}; !slices.Equal(kanji, want) {
		t.Errorf("Stream kanji = %q; want %q", kanji, want)
	}
}

func TestSequence(t *testing.T) {
	tests := []struct {
		term      string
		grams     []string
		kanji, ok bool
	}{
		{"転職", []string{"転職"}, false, true},
		{"介護福祉士", []string{"介護", "護福", "福祉", "祉士"}, false, true},
		{"農", []string{"農"}, true, true},
		{"e-learning", nil, false, false},
		{"の", nil, false, false},
	}
	for _, tt := range tests {
		grams, kanji, ok := search.Sequence(tt.term)
		if !slices.Equal(grams, tt.grams) || kanji != tt.kanji || ok != tt.ok {
			t.Errorf("Sequence(%q) = %q, %v, %v; want %q, %v, %v", tt.term, grams, kanji, ok, tt.grams, tt.kanji, tt.ok)
		}
	}
}

// TestSequenceIsExact checks that a term is a substring of a text exactly
// when the text's stream holds the term's sequence consecutively: the
// phrase search of the SQLite index needs no second check.
func TestSequenceIsExact(t *testing.T) {
	texts := []string{"介護福祉士の会", "介護 護福祉士", "けあまねーじゃー", "転職・転職活動", "ab cd", "a1b2c3"}
	terms := []string{"介護福祉士", "護福", "福祉士", "けあまね", "転職活動", "職転", "bc", "b2c", "1b2"}
	for _, text := range texts {
		stream, _ := search.Stream(search.Normalize(text))
		for _, term := range terms {
			seq, _, ok := search.Sequence(term)
			if !ok {
				t.Fatalf("Sequence(%q) not ok", term)
			}
			found := false
			for i := 0; i+len(seq) <= len(stream); i++ {
				found = found || slices.Equal(stream[i:i+len(seq)], seq)
			}
			if want := strings.Contains(search.Normalize(text), term); found != want {
				t.Errorf("text %q, term %q: phrase found = %v, substring = %v", text, term, found, want)
			}
		}
	}
}
