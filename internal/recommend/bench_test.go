package recommend

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"tsunagari"
)

// The benchmark directory: 100,000 communities with 1,000,000 memberships
// in all, built synthetically with the shapes of the domain: sizes skewed
// (most communities small, a few large), members living mostly in the
// big prefectures, job families and industries unevenly spread, three in
// ten with a values diagnosis, purposes written from career-domain words.
const (
	benchCommunities = 100_000
	benchMemberships = 1_000_000
)

var (
	benchOnce  sync.Once
	benchIndex *Index
	benchSigs  []*tsunagari.CommunitySignals // a sample, for queries
)

// weighted picks an index by weight.
type weighted []float64

func (w weighted) pick(r *rand.Rand) int {
	total := 0.0
	for _, v := range w {
		total += v
	}
	x := r.Float64() * total
	for i, v := range w {
		if x < v {
			return i
		}
		x -= v
	}
	return len(w) - 1
}

var (
	prefWeights = func() weighted {
		w := make(weighted, 47)
		for i := range w {
			w[i] = 1
		}
		for code, v := range map[int]float64{13: 14, 14: 9, 27: 9, 23: 7, 11: 7, 12: 6, 1: 5, 40: 5, 28: 5, 15: 2, 26: 2, 22: 3} {
			w[code-1] = v
		}
		return w
	}()
	purposeWords = []string{"介護", "看護", "保育", "エンジニア", "デザイン", "営業", "マーケティング", "人事", "経理", "法務",
		"転職", "副業", "独立", "起業", "学び直し", "子育て", "復職", "地域", "まちづくり", "Uターン", "移住", "プロボノ",
		"NPO", "協同労働", "アルムナイ", "再雇用", "キャリア相談", "勉強会", "対話", "読書会", "農業", "観光", "福祉", "教育",
		"DX", "AI", "データ分析", "スタートアップ", "フリーランス", "ワークライフバランス"}
	purposeForms = []string{"%sと%sについて語り合う会", "%sに関心のある人が集まり、%sを学ぶ", "%sの仲間と%sの情報を交換する",
		"月に一度、%sと%sをテーマに対話する", "%sを通じて%sに取り組む"}
)

func randomValues(r *rand.Rand) []tsunagari.Score {
	out := make([]tsunagari.Score, len(ValueDimensions))
	for k, d := range ValueDimensions {
		out[k] = tsunagari.Score{Dimension: d, Value: float64(r.IntN(101))}
	}
	return out
}

func randomMember(r *rand.Rand, values [][]tsunagari.Score) tsunagari.MemberSignals {
	m := tsunagari.MemberSignals{
		JobFamily:      tsunagari.JobFamilies[min(r.IntN(len(tsunagari.JobFamilies)), r.IntN(len(tsunagari.JobFamilies)))],
		Industry:       tsunagari.Industries[r.IntN(len(tsunagari.Industries))],
		AgeBand:        tsunagari.AgeBands[r.IntN(len(tsunagari.AgeBands))],
		Prefecture:     tsunagari.Prefectures[prefWeights.pick(r)].Code,
		HomePrefecture: tsunagari.Prefectures[r.IntN(47)].Code,
	}
	if r.IntN(10) < 3 {
		m.Values = values[r.IntN(len(values))]
	}
	return m
}

func buildBench() {
	r := rand.New(rand.NewPCG(2026, 4))
	values := make([][]tsunagari.Score, 1000)
	for i := range values {
		values[i] = randomValues(r)
	}
	// Sizes: a Pareto-like draw scaled so that they add up to the total.
	sizes := make([]int, benchCommunities)
	total := 0
	for i := range sizes {
		sizes[i] = 1 + int(2/(r.Float64()*0.98+0.02))
		total += sizes[i]
	}
	scale := float64(benchMemberships) / float64(total)
	x := NewIndex()
	sum := 0
	for i := range benchCommunities {
		n := max(1, int(float64(sizes[i])*scale+0.5))
		if i == benchCommunities-1 {
			n = max(1, benchMemberships-sum)
		}
		sum += n
		kind := tsunagari.CommunityKinds[r.IntN(len(tsunagari.CommunityKinds))]
		w1, w2 := purposeWords[r.IntN(len(purposeWords))], purposeWords[r.IntN(len(purposeWords))]
		c := &tsunagari.Community{ID: tsunagari.NewID(), Kind: kind, Name: fmt.Sprintf("%s%sの会 %d", w1, w2, i),
			Purpose: fmt.Sprintf(purposeForms[r.IntN(len(purposeForms))], w1, w2), Tags: []string{w1, w2},
			Prefecture: tsunagari.Prefectures[prefWeights.pick(r)].Code, Online: r.IntN(2) == 0,
			MonthlyFee: []int{0, 0, 500, 1000, 3000}[r.IntN(5)], HoursPerMonth: r.IntN(12), JoinPolicy: tsunagari.JoinOpen}
		if kind == tsunagari.CommunityRegionalAlumni {
			c.HomePrefecture = tsunagari.Prefectures[r.IntN(47)].Code
		}
		if kind == tsunagari.CommunityOccupational && r.IntN(2) == 0 {
			c.JobFamily = tsunagari.JobFamilies[r.IntN(len(tsunagari.JobFamilies))]
		}
		for _, t := range tsunagari.Traits {
			if r.IntN(2) == 0 {
				c.Traits = append(c.Traits, t)
			}
		}
		s := &tsunagari.CommunitySignals{Community: c, Ratings: make([]tsunagari.TraitScore, len(tsunagari.Traits)),
			Members: make([]tsunagari.MemberSignals, n)}
		for k, t := range tsunagari.Traits {
			s.Ratings[k] = tsunagari.TraitScore{Trait: t, Raters: r.IntN(n + 1), Mean: 1 + 4*r.Float64()}
		}
		for j := range s.Members {
			s.Members[j] = randomMember(r, values)
			if c.HomePrefecture != "" && r.IntN(3) > 0 {
				s.Members[j].HomePrefecture = c.HomePrefecture
			}
		}
		x.Put(s)
		if i%100 == 0 {
			benchSigs = append(benchSigs, s)
		}
	}
	benchIndex = x
}

// benchQueries returns members to ask for: each with a profile, half with
// a wish, a third with given-up challenges, some with filters, a few
// with dismissals.
func benchQueries(n int) []Query {
	r := rand.New(rand.NewPCG(7, 11))
	values := [][]tsunagari.Score{randomValues(r), randomValues(r), randomValues(r)}
	wishes := []string{"介護の仕事の悩みを同じ立場の人と話したい", "いつか新潟に帰って地元の役に立ちたい",
		"副業でプロボノに関わってみたい", "エンジニアとして学び直しをしたい", "子育てしながら復職する仲間がほしい",
		"起業の相談ができる人と出会いたい", "データ分析を仕事に活かしたい"}
	givenUp := []string{"job_change", "side_job", "independence", "startup", "learning", "u_turn"}
	out := make([]Query, n)
	for i := range out {
		m := randomMember(r, values)
		q := Query{Weights: tsunagari.DefaultRecommendWeights(), Member: Member{JobFamily: m.JobFamily, Industry: m.Industry,
			AgeBand: m.AgeBand, Prefecture: m.Prefecture, HomePrefecture: m.HomePrefecture, Values: m.Values}}
		if r.IntN(2) == 0 {
			q.Member.Wish = wishes[r.IntN(len(wishes))]
		}
		if r.IntN(3) == 0 {
			q.Member.GivenUp = []string{givenUp[r.IntN(len(givenUp))]}
		}
		switch r.IntN(4) {
		case 0:
			fee := 1000
			q.Filter.MaxFee = &fee
		case 1:
			q.Filter.Online = true
		}
		for range r.IntN(4) {
			q.Member.Dismissed = append(q.Member.Dismissed, benchSigs[r.IntN(len(benchSigs))].Community.ID)
		}
		q.Member.Exclude = []string{benchSigs[r.IntN(len(benchSigs))].Community.ID}
		out[i] = q
	}
	return out
}

// reportPercentiles reports the median and 99th percentile of the
// durations in milliseconds, with the given prefix.
func reportPercentiles(b *testing.B, prefix string, d []time.Duration) {
	slices.Sort(d)
	at := func(p float64) float64 {
		return float64(d[min(len(d)-1, int(p*float64(len(d))))].Nanoseconds()) / 1e6
	}
	b.ReportMetric(at(0.50), prefix+"p50-ms")
	b.ReportMetric(at(0.99), prefix+"p99-ms")
}

// cpuTime returns the processor time the process has used so far, which,
// unlike the time on the clock, does not grow while other programs on the
// machine have the processors.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// timed runs f and returns the time it took on the clock and in processor
// time, every processor's together.
func timed(f func()) (wall, cpu time.Duration) {
	c, w := cpuTime(), time.Now()
	f()
	return time.Since(w), cpuTime() - c
}

// BenchmarkRank is the top-10 recommendation over 100,000 communities
// with 1,000,000 memberships: filters, wish and given-up fit, every
// signal, variety and reasons. It reports the median and 99th percentile
// latency of one query.
func BenchmarkRank(b *testing.B) {
	benchOnce.Do(buildBench)
	qs := benchQueries(1000)
	if got := benchIndex.Len(); got != benchCommunities {
		b.Fatalf("index holds %d communities, want %d", got, benchCommunities)
	}
	wall := make([]time.Duration, 0, b.N)
	cpu := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		var recs []Recommendation
		w, c := timed(func() { recs = benchIndex.Rank(qs[i%len(qs)]) })
		wall, cpu = append(wall, w), append(cpu, c)
		if len(recs) != DefaultLimit {
			b.Fatalf("Rank returned %d", len(recs))
		}
	}
	reportPercentiles(b, "", wall)
	reportPercentiles(b, "cpu-", cpu)
}

// BenchmarkScanLowerBound reads the same vectors as Rank does for every
// community and sums the weighted signals, and nothing else: one thread,
// no filters, no text, no top-k, no variety, no reasons. It is the floor
// of a brute-force scan over these vectors, which Rank is compared with.
func BenchmarkScanLowerBound(b *testing.B) {
	benchOnce.Do(buildBench)
	qs := benchQueries(1000)
	x := benchIndex
	wall := make([]time.Duration, 0, b.N)
	cpu := make([]time.Duration, 0, b.N)
	var sink float32
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		q := &qs[i%len(qs)]
		start, startCPU := time.Now(), cpuTime()
		best := x.ScanLowerBound(q)
		wall, cpu = append(wall, time.Since(start)), append(cpu, cpuTime()-startCPU)
		sink += best
	}
	reportPercentiles(b, "", wall)
	reportPercentiles(b, "cpu-", cpu)
	if sink < 0 {
		b.Log(sink)
	}
}
