package jatext

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ikawaha/kagome-dict/ipa"
	"github.com/ikawaha/kagome/v2/tokenizer"
)

var (
	shared     *Analyzer
	sharedErr  error
	sharedOnce sync.Once
)

func analyzer(tb testing.TB) *Analyzer {
	tb.Helper()
	sharedOnce.Do(func() { shared, sharedErr = New() })
	if sharedErr != nil {
		tb.Fatal(sharedErr)
	}
	return shared
}

func TestTerms(t *testing.T) {
	a := analyzer(t)
	tests := []struct {
		text string
		want []string
	}{
		{"育休復帰後の働き方について、キャリアコンサルタントに相談しました。", []string{"育休復帰", "キャリアコンサルタント"}},
		{"社内公募に応募するか、転職するか迷っています。", []string{"社内公募", "応募", "転職"}},
		{"ＳＮＳでｶﾞｲﾄﾞを見て、Ｕターンを考え始めた", []string{"sns", "ガイド", "uターン"}},
		{"リスキリングと学び直しの違いが分かった", []string{"リスキリング", "学び直し", "違い"}},
		{"自分のことを話す時間が大切だと感じた。今回は3回目。", nil},
		{"キャリア形成支援制度を使って資格取得に挑戦したい", []string{"キャリア形成支援制度", "資格取得", "挑戦"}},
		{"山田さんとの1on1で、市場価値を知りたいと話した", []string{"山田", "1on1", "市場価値"}},
		{"", nil},
	}
	for _, tt := range tests {
		var got []string
		a.Terms(tt.text, func(term string) { got = append(got, term) })
		if !slices.Equal(got, tt.want) {
			t.Errorf("Terms(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
	if got := a.Distinct("転職と副業。転職するか、副業か。"); !slices.Equal(got, []string{"転職", "副業"}) {
		t.Errorf("Distinct = %q, want [転職 副業]", got)
	}
}

func TestUserTermsStayWhole(t *testing.T) {
	a := analyzer(t)
	for _, term := range UserTerms {
		got := a.Distinct("今日は" + term + "について。")
		if !slices.Contains(got, Normalize(term)) {
			t.Errorf("%s is split: %q", term, got)
		}
	}
}

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{"ＳＮＳ": "sns", "ｶﾞｲﾄﾞ": "ガイド", "Ｕターン": "uターン", "育休": "育休", "ＡＢＣ１２３": "abc123"} {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

// reflections returns n synthetic reflections on consultations, built
// from the phrases people use, with a fixed seed.
func reflections(n int, seed uint64) []string {
	r := rand.New(rand.NewPCG(seed, seed))
	openers := []string{"話してみて、", "今日の面談で、", "コンサルタントに聞いてもらって、", "振り返ると、", ""}
	topics := []string{"転職", "副業", "社内公募", "育休復帰", "管理職への昇進", "リスキリング", "Uターン転職", "親の介護との両立",
		"市場価値", "やりたいこと", "キャリアプラン", "学び直し", "地方移住", "起業", "プロボノ", "職場の人間関係", "評価への不満"}
	middles := []string{"について考えが整理できた", "を前向きに検討したいと思った", "は今すぐでなくてもいいと気づいた",
		"に向けて何から始めるか決められた", "の不安を言葉にできた", "について家族と話してみようと思う"}
	nexts := []string{"次の一歩として、上司との1on1で希望を伝える。", "まずは資格の勉強を週に2時間続ける。",
		"社外の勉強会に参加してみる。", "キャリアコンサルタントにもう一度相談する。", "職務経歴書を書き直してみる。", ""}
	out := make([]string, n)
	for i := range out {
		var b strings.Builder
		for s := 0; s < 1+r.IntN(3); s++ {
			fmt.Fprintf(&b, "%s%s%s。", openers[r.IntN(len(openers))], topics[r.IntN(len(topics))], middles[r.IntN(len(middles))])
		}
		b.WriteString(nexts[r.IntN(len(nexts))])
		out[i] = b.String()
	}
	return out
}

func TestReflectionsHaveTerms(t *testing.T) {
	a := analyzer(t)
	counts := map[string]int{}
	for _, text := range reflections(500, 1) {
		for _, term := range a.Distinct(text) {
			counts[term]++
		}
	}
	for _, w := range []string{"転職", "副業", "社内公募", "育休復帰", "リスキリング", "キャリアコンサルタント"} {
		if counts[w] < 10 {
			t.Errorf("%s appears in %d of 500 reflections", w, counts[w])
		}
	}
	for _, w := range []string{"自分", "こと", "相談"} {
		if counts[w] > 0 {
			t.Errorf("stop word %s counted %d times", w, counts[w])
		}
	}
}

// Throughput: the analyser against kagome's own tokenisation of the same
// text (IPA dictionary, no user dictionary), both in kagome tokens per
// second. The goal is at least 75%. On a shared machine wall time says
// little, so each also reports tokens per second of the process's CPU
// time.
func BenchmarkTerms(b *testing.B) {
	a := analyzer(b)
	texts := reflections(2000, 7)
	benchmarkTokens(b, texts, func(t string) int {
		n := 0
		a.Terms(t, func(string) { n++ })
		return n
	})
}

func BenchmarkKagome(b *testing.B) {
	tok, err := tokenizer.New(ipa.Dict(), tokenizer.OmitBosEos())
	if err != nil {
		b.Fatal(err)
	}
	texts := reflections(2000, 7)
	benchmarkTokens(b, texts, func(t string) int { return len(tok.Tokenize(t)) })
}

// benchmarkTokens runs fn over texts b.N times and reports kagome tokens
// per second of wall and of CPU time.
func benchmarkTokens(b *testing.B, texts []string, fn func(string) int) {
	raw, err := tokenizer.New(ipa.Dict(), tokenizer.OmitBosEos())
	if err != nil {
		b.Fatal(err)
	}
	tokens := 0
	for _, t := range texts {
		tokens += len(raw.Tokenize(t))
	}
	runtime.GC()
	b.ResetTimer()
	cpu := cpuTime()
	for i := 0; i < b.N; i++ {
		for _, t := range texts {
			fn(t)
		}
	}
	cpu = cpuTime() - cpu
	total := float64(tokens) * float64(b.N)
	b.ReportMetric(total/b.Elapsed().Seconds(), "tokens/s")
	b.ReportMetric(total/cpu.Seconds(), "tokens/cpu-s")
}

// cpuTime returns the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
