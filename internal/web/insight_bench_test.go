package web_test

import (
	"context"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"tsunagari"
	"tsunagari/internal/insight"
	"tsunagari/internal/insight/insighttest"
	"tsunagari/internal/jatext"
)

// The benchmarks of the employer's report at scale: an org of 10,000
// employees with 100,000 pulse answers (ten rounds) and 100,000
// consultations with reflections (over eight quarters). The throughput of
// the text mining against kagome alone is BenchmarkTerms and
// BenchmarkKagome in internal/jatext.
//
//	go test ./internal/web -run XXX -bench Report -benchtime 1x

// bigOrg is the benchmark's employer, built once per process.
type bigOrg struct {
	e       *testEnv
	w       *insighttest.World
	src     *sources
	text    *jatext.Analyzer
	hr      *http.Client
	reflect int // reflections
}

var (
	bigOnce sync.Once
	big     *bigOrg
)

func buildBig(b *testing.B) *bigOrg {
	b.Helper()
	bigOnce.Do(func() {
		start := time.Now()
		e := newTestEnvOn(b, openSQLite(b))
		ctx := context.Background()
		w, err := insighttest.Build(ctx, e.stores, insighttest.Spec{Name: "大規模 株式会社", Departments: 40, MinSize: 200, MaxSize: 300,
			K: 5, Rounds: 14, Respond: 1, Seed: 9, Now: sweepNow.Add(-time.Hour)})
		if err != nil {
			b.Fatal(err)
		}
		// 100,000 consultations over eight quarters, each with a
		// reflection its author let count.
		o := &sweepOrg{w: w, k: 5, consulted: map[string][]consultation{}}
		r := rand.New(rand.NewPCG(9, 9))
		n := 0
		for q := tsunagari.PreviousQuarter(tsunagari.QuarterOf(sweepNow)); n < 100_000; q = tsunagari.PreviousQuarter(q) {
			for i := 0; i < 12_500; i++ {
				c := consultation{person: r.IntN(len(w.People)), themes: []string{sweepThemes[r.IntN(len(sweepThemes))]}}
				wd := sweepWords[r.IntN(len(sweepWords))]
				c.words = []string{wd}
				c.texts = []string{wd + "について話して、次の一歩として上司との1on1で希望を伝えることにした。育休復帰の不安も言葉にできた。"}
				o.consulted[q] = append(o.consulted[q], c)
				n++
			}
		}
		text, err := jatext.New()
		if err != nil {
			b.Fatal(err)
		}
		e.enrol(w.HR)
		hr := e.client()
		e.startSession(hr, w.HR)
		big = &bigOrg{e: e, w: w, src: &sources{orgs: map[string]*sweepOrg{w.Org.ID: o}}, text: text, hr: hr, reflect: n}
		b.Logf("built an org of %d employees, %d pulse answers in %d rounds, %d consultations in %v",
			len(w.People), len(w.Rounds)*len(w.Answers[0]), len(w.Rounds), n, time.Since(start).Round(time.Millisecond))
	})
	if big == nil {
		b.Fatal("the benchmark org could not be built")
	}
	// Its database closes when b ends: the next benchmark builds anew.
	b.Cleanup(func() { big, bigOnce = nil, sync.Once{} })
	return big
}

// BenchmarkReportCold measures publishing everything of the big org from
// scratch: fourteen pulse rounds (over 100,000 answers), eight quarters
// (funnel, themes, words) and the text mining of 100,000 reflections,
// into a fresh ledger each time.
func BenchmarkReportCold(b *testing.B) {
	o := buildBig(b)
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		// A fresh copy of the data: the ledger publishes a subject once.
		e := newTestEnvOn(b, openSQLite(b))
		w, err := insighttest.Build(ctx, e.stores, insighttest.Spec{Name: "大規模 株式会社", Departments: 40, MinSize: 200, MaxSize: 300,
			K: 5, Rounds: 14, Respond: 1, Seed: 9, Now: sweepNow.Add(-time.Hour)})
		if err != nil {
			b.Fatal(err)
		}
		src := &sources{orgs: map[string]*sweepOrg{w.Org.ID: o.src.orgs[o.w.Org.ID]}}
		pub := &insight.Service{Surveys: e.stores.Surveys, Orgs: e.stores.Orgs, Programmes: e.stores.Programmes, Releases: e.stores.Releases,
			Insights: e.stores.Insights, Themes: src, Reflections: src, Text: o.text, Now: func() time.Time { return sweepNow }}
		runtime.GC()
		b.StartTimer()
		start := time.Now()
		cpu := processCPU()
		n, err := pub.PublishDue(ctx)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(n), "releases")
		b.ReportMetric((processCPU() - cpu).Seconds(), "cpu-s/op")
		b.Logf("published %d releases in %v", n, time.Since(start).Round(time.Millisecond))
	}
}

// BenchmarkReportRender measures serving the report from the ledger:
// the page, its JSON and its CSV, each with the department breakdown.
func BenchmarkReportRender(b *testing.B) {
	o := buildBig(b)
	ctx := context.Background()
	pub := &insight.Service{Surveys: o.e.stores.Surveys, Orgs: o.e.stores.Orgs, Programmes: o.e.stores.Programmes, Releases: o.e.stores.Releases,
		Insights: o.e.stores.Insights, Themes: o.src, Reflections: o.src, Text: o.text, Now: func() time.Time { return sweepNow }}
	if _, err := pub.PublishDue(ctx); err != nil {
		b.Fatal(err)
	}
	for _, path := range []string{"/hr/report?breakdown=department", "/api/v1/org/report?breakdown=department",
		"/api/v1/org/report/csv?breakdown=department", "/hr/report?breakdown=department%2Bjob_family"} {
		b.Run(path, func(b *testing.B) {
			req := httptest.NewRequest("GET", path, nil)
			for _, ck := range o.hr.Jar.Cookies(mustURL(b, o.e.ts.URL)) {
				req.AddCookie(ck)
			}
			size := 0
			for b.Loop() {
				rec := httptest.NewRecorder()
				o.e.srv.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("GET %s = %d: %.300s", path, rec.Code, rec.Body.String())
				}
				size = rec.Body.Len()
			}
			b.ReportMetric(float64(size), "bytes")
		})
	}
}

func mustURL(tb testing.TB, s string) *url.URL {
	tb.Helper()
	u, err := url.Parse(s)
	if err != nil {
		tb.Fatal(err)
	}
	return u
}

// processCPU returns the CPU time the process has used: on a shared
// machine, a steadier measure than the wall clock.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
