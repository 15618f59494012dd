// Package jatext finds the words of Japanese free text for word clouds
// and keyword tables: nouns and compound nouns, normalised, without the
// words every reflection on a consultation shares. It wraps the pure-Go
// morphological analyser kagome with the IPA dictionary (the same
// segmentation as MeCab-IPADIC) and a user dictionary of career terms,
// so that キャリアコンサルタント or 育休復帰 stay whole.
//
// An Analyzer loads its dictionary once (about half a second) and is safe
// for concurrent use.
package jatext

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ikawaha/kagome-dict/dict"
	"github.com/ikawaha/kagome-dict/ipa"
	"github.com/ikawaha/kagome/v2/tokenizer"
	"golang.org/x/text/unicode/norm"
	"golang.org/x/text/width"
)

// UserTerms are career terms the IPA dictionary would split, kept whole.
var UserTerms = []string{
	"キャリアコンサルタント", "キャリアコンサルティング", "キャリアカウンセリング", "キャリア自律", "キャリア共律",
	"キャリア形成", "キャリアプラン", "キャリアパス", "キャリア面談", "キャリア研修", "キャリアチェンジ",
	"育休復帰", "産休", "育休", "時短勤務", "介護離職", "リスキリング", "学び直し", "ワークライフバランス",
	"社内公募", "社内副業", "副業", "兼業", "越境学習", "プロボノ", "アルムナイ", "ジョブ型", "1on1",
	"Uターン", "Iターン", "Jターン", "地方移住", "テレワーク", "リモートワーク", "管理職", "定年後",
	"心理的安全性", "市場価値", "自己理解", "強み", "やりたいこと",
}

// StopWords are nouns too common in reflections on consultations to say
// anything in a word cloud.
var StopWords = []string{
	"自分", "自身", "今回", "前回", "次回", "今後", "今日", "最近", "相談", "面談", "こと", "もの", "ため", "よう",
	"感じ", "気持ち", "話", "時間", "方", "人", "私", "僕", "以上", "場合", "部分", "必要", "大切", "一つ", "本当",
	"色々", "いろいろ", "それ", "これ", "あれ", "どこ", "何", "なに", "ところ", "とき", "時", "中", "後", "前",
	"先", "上", "下", "他", "的", "感", "性", "化", "さん", "くん", "様", "方々", "みたい", "そう", "はず", "わけ",
	"つもり", "まま", "毎日", "一番", "全部", "全然", "結果", "状態", "内容", "機会", "今", "次", "少し",
}

// MinTermLen is the least number of characters of a term.
const MinTermLen = 2

// posClass is what a token is to the analyser.
type posClass uint8

const (
	other   posClass = iota // not part of a term
	content                 // a noun that can start or continue a term
)

// Analyzer finds the terms of Japanese text.
type Analyzer struct {
	tok   *tokenizer.Tokenizer
	known []posClass // by ID of the system dictionary
	unk   []posClass // by ID of the unknown-word dictionary
	stop  map[string]bool
}

// New loads the dictionary and returns an Analyzer.
func New() (*Analyzer, error) {
	d := ipa.DictShrink()
	var records dict.UserDictRecords
	for _, t := range UserTerms {
		n := Normalize(t)
		records = append(records, dict.UserDicRecord{Text: n, Tokens: []string{n}, Yomi: []string{n}, Pos: "名詞"})
	}
	ud, err := records.NewUserDict()
	if err != nil {
		return nil, err
	}
	tok, err := tokenizer.New(d, tokenizer.UserDict(ud), tokenizer.OmitBosEos())
	if err != nil {
		return nil, err
	}
	a := &Analyzer{tok: tok, stop: map[string]bool{}}
	for _, w := range StopWords {
		a.stop[w] = true
	}
	// Classify every entry of the dictionary once, so that analysing text
	// is a table lookup per token.
	names := d.POSTable.NameList
	a.known = make([]posClass, len(d.POSTable.POSs))
	for id, pos := range d.POSTable.POSs {
		var f []string
		for _, p := range pos {
			if int(p) < len(names) {
				f = append(f, names[p])
			}
		}
		a.known[id] = classify(f)
	}
	a.unk = make([]posClass, len(d.UnkDict.Contents))
	for id, c := range d.UnkDict.Contents {
		a.unk[id] = classify(c)
	}
	return a, nil
}

// classify decides from the part of speech (品詞, 品詞細分類1, …) whether
// a token is a content noun: common and proper nouns, verbal nouns (サ変
// 接続) and adjectival noun stems, but not dependent nouns (こと), pronouns,
// numbers, adverbial nouns (今), suffixes or symbols.
func classify(pos []string) posClass {
	if len(pos) < 2 || pos[0] != "名詞" {
		return other
	}
	switch pos[1] {
	case "一般", "固有名詞", "サ変接続", "形容動詞語幹", "ナイ形容詞語幹":
		return content
	}
	return other
}

// Normalize folds full-width ASCII and half-width katakana into their
// usual forms (composing ｶﾞ into ガ) and lower-cases Latin letters, so that ＳＮＳ, SNS and sns,
// or ｶﾞｲﾄﾞ and ガイド, count as one word.
func Normalize(s string) string {
	if !needsNormalizing(s) {
		return s
	}
	return strings.ToLower(norm.NFC.String(width.Fold.String(s)))
}

// needsNormalizing reports whether s has anything Normalize changes:
// upper-case Latin letters, full- or half-width forms, or characters
// that are not in composed form.
func needsNormalizing(s string) bool {
	for _, r := range s {
		if r >= 'A' && r <= 'Z' || r >= 0xFF00 && r <= 0xFFEF || r >= 0x3099 && r <= 0x309C {
			return true
		}
	}
	return !norm.NFC.IsNormalString(s)
}

// Terms calls fn with each term of text, in order: runs of content nouns
// joined into compounds, at least MinTermLen characters, not a stop word
// and not only digits or symbols.
func (a *Analyzer) Terms(text string, fn func(term string)) {
	text = Normalize(text)
	tokens := a.tok.Analyze(text, tokenizer.Normal)
	start, end := -1, -1 // byte span of the current run of nouns
	flush := func() {
		if start >= 0 {
			if t := text[start:end]; a.keep(t) {
				fn(t)
			}
		}
		start, end = -1, -1
	}
	for i := range tokens {
		t := &tokens[i]
		if a.class(t) != content {
			flush()
			continue
		}
		if start < 0 || t.Position != end {
			flush()
			start = t.Position
		}
		end = t.Position + len(t.Surface)
	}
	flush()
}

// Count returns how many tokens the analyser reads in text: the measure of
// its throughput.
func (a *Analyzer) Count(text string) int {
	return len(a.tok.Analyze(Normalize(text), tokenizer.Normal))
}

func (a *Analyzer) class(t *tokenizer.Token) posClass {
	switch t.Class {
	case tokenizer.KNOWN:
		if t.ID >= 0 && t.ID < len(a.known) {
			return a.known[t.ID]
		}
	case tokenizer.UNKNOWN:
		if t.ID >= 0 && t.ID < len(a.unk) {
			return a.unk[t.ID]
		}
	case tokenizer.USER:
		return content
	}
	return other
}

// keep reports whether a candidate term is worth counting.
func (a *Analyzer) keep(t string) bool {
	if utf8.RuneCountInString(t) < MinTermLen || a.stop[t] {
		return false
	}
	return strings.ContainsFunc(t, func(r rune) bool { return unicode.IsLetter(r) })
}

// Distinct returns the distinct terms of text, in order of first use.
func (a *Analyzer) Distinct(text string) []string {
	var out []string
	seen := map[string]bool{}
	a.Terms(text, func(t string) {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	})
	return out
}
