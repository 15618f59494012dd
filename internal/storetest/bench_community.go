package storetest

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"tsunagari"
)

// Words from which the benchmark's communities are written: topics people
// gather around, the forms groups take, and what they do.
var (
	benchTopics = strings.Fields(`介護 看護 保育 転職 副業 起業 独立 学び直し 子育て 育休 復職 Uターン 地方創生 農業 DX AI
		データ分析 デザイン 営業 人事 経理 法務 マーケティング エンジニア 医療 福祉 教育 観光 防災 環境 地域医療 プロボノ
		NPO 協同労働 キャリア相談 越境学習 リスキリング 英語 読書会 写真 料理 文章 ライター 広報 編集 翻訳 建築 不動産 金融
		保険 物流 製造 品質管理 研究 薬剤師 栄養士 理学療法士 ケアマネージャー 社会福祉士 介護福祉士 ITエンジニア 管理職
		フリーランス 公務員 教員 看護師 保育士 デザイナー 経営者 スタートアップ 事業承継 地域おこし 移住 二拠点生活`)
	benchForms = strings.Fields(`勉強会 交流会 サロン 研究会 倶楽部 ネットワーク 県人会 アルムナイ ユニオン 協会 カフェ コミュニティ ゼミ 塾 ラボ`)
	benchDoing = []string{"毎月集まって語り合います", "事例を持ち寄って学び合います", "オンラインで気軽に情報交換しています",
		"初めての方の見学を歓迎します", "週末にフィールドワークをしています", "仕事の悩みを安心して話せる場です",
		"専門性を活かして地域を支えます", "メンバーが交代で運営しています", "出入り自由で、かかわり方も自由です"}
)

// benchCommunity writes the i-th synthetic community, the same for a seed.
func benchCommunity(rng *rand.Rand) *tsunagari.Community {
	pick := func(list []string) string { return list[rng.IntN(len(list))] }
	pref := tsunagari.Prefectures[rng.IntN(len(tsunagari.Prefectures))]
	short := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(pref.Name, "県"), "府"), "都")
	t1, t2, t3 := pick(benchTopics), pick(benchTopics), pick(benchTopics)
	kind := tsunagari.CommunityKinds[rng.IntN(len(tsunagari.CommunityKinds))]
	c := &tsunagari.Community{
		Kind:          kind,
		Name:          short + t1 + pick(benchForms),
		Purpose:       t1 + "と" + t2 + "に関心のある人が、" + pick(benchDoing) + "。",
		Description:   t2 + "の経験者も未経験者も歓迎。" + pick(benchDoing) + "。" + t3 + "についての勉強会も開いています。",
		Tags:          []string{t1, t2},
		Styles:        []tsunagari.ActivityStyle{tsunagari.ActivityStyles[rng.IntN(4)]},
		Prefecture:    pref.Code,
		Online:        rng.IntN(2) == 0,
		MonthlyFee:    []int{0, 0, 0, 500, 1000, 3000}[rng.IntN(6)],
		HoursPerMonth: rng.IntN(12),
		Languages:     []string{"ja"},
		JoinPolicy:    tsunagari.JoinOpen,
		Traits:        []tsunagari.Trait{},
		CreatedAt:     t0,
	}
	if kind == tsunagari.CommunityRegionalAlumni {
		c.HomePrefecture = tsunagari.Prefectures[rng.IntN(len(tsunagari.Prefectures))].Code
	}
	for _, t := range tsunagari.Traits {
		if rng.IntN(2) == 0 {
			c.Traits = append(c.Traits, t)
		}
	}
	return c
}

// SeedCommunities imports n synthetic communities, in batches, for
// benchmarks, then calls setCounts, which may give them member counts
// (nobody is a member) so that ties are broken as in a real directory.
func SeedCommunities(tb testing.TB, bk Backend, n int, setCounts func(ctx context.Context) error) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(4, 7))
	for done := 0; done < n; {
		batch := make([]*tsunagari.Community, min(5_000, n-done))
		for i := range batch {
			batch[i] = benchCommunity(rng)
		}
		if err := bk.Stores().Communities.ImportCommunities(ctx, batch); err != nil {
			tb.Fatal(err)
		}
		done += len(batch)
	}
	if setCounts != nil {
		if err := setCounts(ctx); err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchQueries are the queries the search benchmark measures: two
// characters, common and rare; longer words; two words; one kanji.
var BenchQueries = []struct{ Name, Query string }{
	{"2char/転職", "転職"},
	{"2char/介護", "介護"},
	{"2char/新潟", "新潟"},
	{"long/介護福祉士", "介護福祉士"},
	{"long/ケアマネージャー", "ケアマネージャー"},
	{"long/転職 勉強会", "転職 勉強会"},
	{"long/ＩＴエンジニア", "ＩＴエンジニア"},
	{"1kanji/農", "農"},
}

// BenchmarkSearch measures one query against the seeded directory: the
// first page of ten, ranked, with the number of matches. It reports the
// median and 99th percentile latency of the loop's iterations.
func BenchmarkSearch(b *testing.B, bk Backend, query string, f tsunagari.CommunitySearch) {
	ctx := context.Background()
	f.Query, f.Limit = query, 10
	var lat []time.Duration
	var total int
	cpu := cpuTime()
	for b.Loop() {
		start := time.Now()
		list, n, err := bk.Stores().Communities.SearchCommunities(ctx, f)
		lat = append(lat, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
		if n > 0 && len(list) == 0 {
			b.Fatalf("%d matches but an empty first page", n)
		}
		total = n
	}
	b.ReportMetric(float64(cpuTime()-cpu)/float64(time.Millisecond)/float64(len(lat)), "cpu-ms/op")
	ReportLatency(b, lat)
	b.ReportMetric(float64(total), "matches")
}

// cpuTime returns the user and system time the process has used. On a
// shared machine it says what a query costs better than the wall clock.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// ReportLatency reports the median and 99th percentile of lat in
// milliseconds.
func ReportLatency(b *testing.B, lat []time.Duration) {
	slices.Sort(lat)
	at := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))]) / float64(time.Millisecond)
	}
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
}
