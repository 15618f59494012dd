package match_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"tsunagari"
	"tsunagari/internal/match"
	"tsunagari/internal/search"
)

// syntheticRoster returns n verified consultants with varied values,
// themes, backgrounds, languages, modes and availability, from a fixed
// seed.
func syntheticRoster(n int) []*tsunagari.RosterEntry {
	rng := rand.New(rand.NewPCG(5, 10))
	pick := func(list []string, k int) []string {
		var out []string
		for range k {
			if v := list[rng.IntN(len(list))]; !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
		return out
	}
	var themes []string
	for _, t := range tsunagari.Themes {
		themes = append(themes, t.ID)
	}
	words := []string{"転職", "育児", "介護", "両立", "キャリア", "傾聴", "副業", "学び直し", "管理職", "Uターン", "女性", "評価",
		"人事", "営業", "エンジニア", "看護", "保育", "地方", "起業", "定年"}
	out := make([]*tsunagari.RosterEntry, n)
	for i := range n {
		id := fmt.Sprintf("c%06d", i)
		var vals []float64
		for range dims {
			vals = append(vals, float64(10+rng.IntN(90)))
		}
		msg := ""
		for range 30 {
			msg += words[rng.IntN(len(words))] + "のご相談。"
		}
		e := consultant(id, func(e *tsunagari.RosterEntry) {
			c := e.Consultant
			c.DisplayName = fmt.Sprintf("相談員%d", i)
			c.Values = values(vals...)
			c.Themes = pick(themes, 1+rng.IntN(4))
			c.JobFamilies = pick(tsunagari.JobFamilies, 1+rng.IntN(2))
			c.Industries = pick(tsunagari.Industries, 1+rng.IntN(2))
			c.AgeBand = tsunagari.AgeBands[rng.IntN(len(tsunagari.AgeBands))]
			c.Gender = tsunagari.Genders[rng.IntN(2)]
			c.YearsOfPractice = rng.IntN(30)
			c.Online, c.InPerson = rng.IntN(10) > 0, rng.IntN(3) == 0
			if c.InPerson {
				c.Area = tsunagari.Prefectures[rng.IntN(47)].Code
			}
			if rng.IntN(5) == 0 {
				c.Languages = []string{"ja", "en"}
			}
			c.Message = msg
			for range rng.IntN(6) {
				e.Clients = append(e.Clients, tsunagari.ClientGroup{AgeBand: tsunagari.AgeBands[rng.IntN(5)],
					JobFamily: tsunagari.JobFamilies[rng.IntN(len(tsunagari.JobFamilies))], Clients: 1 + rng.IntN(6)})
			}
			// Weekday windows of 2–6 hours; one in ten has no time at all.
			e.Availability.Weekly = nil
			if rng.IntN(10) > 0 {
				start := tsunagari.Clock(9*60 + 60*rng.IntN(4))
				for d := time.Monday; d <= time.Friday; d++ {
					e.Availability.Weekly = append(e.Availability.Weekly, tsunagari.WeeklyWindow{Weekday: d,
						Window: tsunagari.Window{Start: start, End: start + tsunagari.Clock(120+60*rng.IntN(5))}})
				}
			}
			e.Availability.WeeklyMax = 5 + rng.IntN(20)
		})
		out[i] = e
	}
	return out
}

// members returns k varied member profiles.
func members(k int) []match.Profile {
	rng := rand.New(rand.NewPCG(7, 11))
	out := make([]match.Profile, k)
	for i := range out {
		var vals []float64
		for range dims {
			vals = append(vals, float64(10+rng.IntN(90)))
		}
		out[i] = match.Profile{Values: values(vals...), Themes: []string{tsunagari.Themes[rng.IntN(len(tsunagari.Themes))].ID},
			AgeBand: tsunagari.AgeBands[rng.IntN(5)], JobFamily: tsunagari.JobFamilies[rng.IntN(len(tsunagari.JobFamilies))],
			Industry: tsunagari.Industries[rng.IntN(len(tsunagari.Industries))]}
	}
	return out
}

// percentiles reports the median and the 99th percentile of ds.
func percentiles(b *testing.B, ds []time.Duration) {
	if len(ds) == 0 {
		return
	}
	slices.Sort(ds)
	at := func(p float64) time.Duration { return ds[min(len(ds)-1, int(p*float64(len(ds))))] }
	b.ReportMetric(float64(at(0.50).Microseconds()), "p50-µs")
	b.ReportMetric(float64(at(0.99).Microseconds()), "p99-µs")
	b.ReportMetric(0, "ns/op") // the percentiles say it better than a mean
}

// BenchmarkShortlist10k times the shortlist of ten over 10,000
// consultants, one request at a time; the goal is p99 ≤ 5 ms.
func BenchmarkShortlist10k(b *testing.B) {
	roster := syntheticRoster(10_000)
	ix := match.Build(roster, match.Config{Dims: dims, Now: now})
	w := tsunagari.DefaultMatchWeights()
	w.ViewsPerSession = tsunagari.MaxViewsPerSession // timing, not budgets running out
	ms := members(256)
	filters := []match.Filter{{}, {Mode: match.ModeOnline}, {Gender: "female"}, {Language: "en"}}
	ds := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		picks := ix.Shortlist(ms[i%len(ms)], filters[i%len(filters)], w, tsunagari.ShortlistSize, nil)
		ds = append(ds, time.Since(start))
		if len(picks) == 0 {
			b.Fatal("empty shortlist")
		}
	}
	percentiles(b, ds)
}

// BenchmarkSearch10k times a two-character keyword search over 10,000
// consultants' profiles and messages.
func BenchmarkSearch10k(b *testing.B) {
	roster := syntheticRoster(10_000)
	ix := match.Build(roster, match.Config{Dims: dims, Now: now})
	queries := []search.Query{search.Parse("転職"), search.Parse("介護"), search.Parse("uターン"), search.Parse("看護 両立")}
	ds := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		hits := ix.Search(queries[i%len(queries)], match.Filter{}, nil)
		ds = append(ds, time.Since(start))
		if len(hits) == 0 {
			b.Fatal("no hits")
		}
	}
	percentiles(b, ds)
}

// BenchmarkBuild10k times building the index of 10,000 consultants, as a
// roster rebuild does.
func BenchmarkBuild10k(b *testing.B) {
	roster := syntheticRoster(10_000)
	for b.Loop() {
		match.Build(roster, match.Config{Dims: dims, Now: now})
	}
}
