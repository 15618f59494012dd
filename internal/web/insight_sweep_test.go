package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"tsunagari"
	"tsunagari/internal/disclosure"
	"tsunagari/internal/insight"
	"tsunagari/internal/insight/insighttest"
	"tsunagari/internal/jatext"
	"tsunagari/internal/report"
)

// The acceptance sweeps of the employer's reports (TRUST.md P1, P2, P7,
// P9). Synthetic employers of 40 departments of 1 to 60 people each, with
// pulse rounds, quarters, consultation themes and reflections, are
// published through the real publisher; then every HR endpoint is asked
// with every allowed breakdown, period and round, and what comes back is
// checked against the truth the test built: who is in which group.

// sweepNow is the clock of the sweeps.
var sweepNow = time.Date(2026, 11, 20, 3, 0, 0, 0, time.UTC)

// sweepThemes are the themes of the synthetic consultations, the first
// most common.
var sweepThemes = []string{"job_change", "side_job", "learning", "transfer", "care_balance", "what_i_want", "market_value", "u_turn"}

// sweepWords are words people write in their reflections, the first most
// common; each stays whole in the analyser.
var sweepWords = []string{"転職", "副業", "リスキリング", "社内公募", "育休復帰", "キャリアコンサルタント", "管理職", "市場価値", "ワークライフバランス", "学び直し"}

// consultation is one person's consultations in one quarter, as the test
// knows it.
type consultation struct {
	person int // index in World.People
	themes []string
	texts  []string
	words  []string // the words of sweepWords and canaries they used
}

// sweepOrg is one synthetic employer.
type sweepOrg struct {
	w  *insighttest.World
	k  int
	hr *http.Client
	// consulted holds, by quarter, who consulted.
	consulted map[string][]consultation
}

// sources serves the synthetic consultations of every org to the
// publisher, as the consultation store would.
type sources struct {
	mu   sync.Mutex
	orgs map[string]*sweepOrg
}

func (s *sources) org(orgID string) *sweepOrg {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.orgs[orgID]
}

func (s *sources) ConsultedThemes(_ context.Context, orgID string, from, _ time.Time) ([]insight.ConsultedPerson, error) {
	o := s.org(orgID)
	if o == nil {
		return nil, nil
	}
	var out []insight.ConsultedPerson
	for _, c := range o.consulted[tsunagari.QuarterOf(from)] {
		out = append(out, insight.ConsultedPerson{Themes: c.themes})
	}
	return out, nil
}

func (s *sources) Themes() []disclosure.Label {
	var out []disclosure.Label
	for _, t := range sweepThemes {
		out = append(out, disclosure.Label{ID: t, Ja: "テーマ " + t, En: "Theme " + t})
	}
	return out
}

func (s *sources) SharedReflections(_ context.Context, orgID string, from, _ time.Time, fn func([]string) error) error {
	o := s.org(orgID)
	if o == nil {
		return nil
	}
	for _, c := range o.consulted[tsunagari.QuarterOf(from)] {
		if err := fn(c.texts); err != nil {
			return err
		}
	}
	return nil
}

// canaries are strings a handful of people wrote: names, companies,
// illnesses, each made of a katakana core no one else uses. None may
// ever reach HR.
func canaries(n int) []string {
	kana := []rune("アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワ")
	r := rand.New(rand.NewPCG(42, 42))
	kinds := []string{"株式会社%s", "%s蓮司", "%s症候群", "%s商事", "%s病院"}
	seen := map[string]bool{}
	var out []string
	for len(out) < n {
		core := make([]rune, 5)
		for i := range core {
			core[i] = kana[r.IntN(len(kana))]
		}
		if seen[string(core)] {
			continue
		}
		seen[string(core)] = true
		out = append(out, fmt.Sprintf(kinds[len(out)%len(kinds)], string(core)))
	}
	return out
}

// buildSweep builds n employers, publishes their reports and signs in
// their HR administrators.
func buildSweep(t *testing.T, e *testEnv, n int, canary []string) ([]*sweepOrg, *sources) {
	t.Helper()
	ctx := context.Background()
	src := &sources{orgs: map[string]*sweepOrg{}}
	var orgs []*sweepOrg
	used := 0 // canaries handed out
	for i := 0; i < n; i++ {
		k := []int{5, 5, 3, 8}[i%4]
		w, err := insighttest.Build(ctx, e.stores, insighttest.Spec{Name: fmt.Sprintf("掃引 %d 株式会社", i), Departments: 40,
			MinSize: 1, MaxSize: 60, K: k, Rounds: 2, Respond: 0.7, Seed: uint64(100 + i), Now: sweepNow.Add(-time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		o := &sweepOrg{w: w, k: max(k, tsunagari.MinMinGroupSize), consulted: map[string][]consultation{}}
		r := rand.New(rand.NewPCG(uint64(i), 7))
		for q := tsunagari.PreviousQuarter(tsunagari.QuarterOf(sweepNow)); q >= tsunagari.QuarterOf(w.Org.CreatedAt); q = tsunagari.PreviousQuarter(q) {
			_, to, _ := tsunagari.QuarterBounds(q)
			for pi, p := range w.People {
				if !p.Started.Before(to) || r.IntN(5) > 0 {
					continue
				}
				c := consultation{person: pi}
				for len(c.themes) == 0 {
					for ti, th := range sweepThemes {
						if r.IntN(3+ti*2) == 0 {
							c.themes = append(c.themes, th)
						}
					}
				}
				for wi, wd := range sweepWords {
					if r.IntN(2+wi) == 0 {
						c.words = append(c.words, wd)
						c.texts = append(c.texts, wd+"について話した。")
					}
				}
				// One person in twenty mentions a canary; each canary is
				// used by at most four people.
				if len(canary) > 0 && r.IntN(20) == 0 {
					cn := canary[(used/4)%len(canary)]
					used++
					c.words = append(c.words, cn)
					c.texts = append(c.texts, cn+"のことで悩んでいる。")
				}
				o.consulted[q] = append(o.consulted[q], c)
			}
		}
		src.orgs[w.Org.ID] = o
		orgs = append(orgs, o)
	}
	text, err := jatext.New()
	if err != nil {
		t.Fatal(err)
	}
	pub := &insight.Service{Surveys: e.stores.Surveys, Orgs: e.stores.Orgs, Programmes: e.stores.Programmes, Releases: e.stores.Releases,
		Insights: e.stores.Insights, Themes: src, Reflections: src, Text: text, Now: func() time.Time { return sweepNow }}
	start := time.Now()
	published, err := pub.PublishDue(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d employers: %d releases published in %v", n, published, time.Since(start).Round(time.Millisecond))
	for _, o := range orgs {
		e.enrol(o.w.HR) // HR administrators sign in with a second step
		o.hr = e.client()
		e.startSession(o.hr, o.w.HR)
	}
	return orgs, src
}

// groupKey names a group of a breakdown by its values, as the report's
// rows carry them.
func groupKey(g report.Group) string {
	return g.Department + "|" + g.AgeBand + "|" + g.TenureBand + "|" + g.JobFamily
}

// index returns, for breakdown b, the people of each group by its key:
// each person joins one group per department above them.
func (o *sweepOrg) index(b disclosure.Breakdown, n int, each func(fn func(i int, dept, age, tenure, job string))) map[string]bitset {
	out := map[string]bitset{}
	or := func(v string) string {
		if v == "" {
			return disclosure.Unspecified
		}
		return v
	}
	each(func(i int, dept, age, tenure, job string) {
		depts := []string{""}
		if b.Has(disclosure.Department) {
			depts = nil
			if dept == "" {
				depts = []string{disclosure.Unspecified}
			}
			for d := o.w.Department(dept); d != nil; d = o.w.Department(d.ParentID) {
				depts = append(depts, d.ID)
			}
		}
		g := report.Group{}
		if b.Has(disclosure.AgeBand) {
			g.AgeBand = or(age)
		}
		if b.Has(disclosure.TenureBand) {
			g.TenureBand = or(tenure)
		}
		if b.Has(disclosure.JobFamily) {
			g.JobFamily = or(job)
		}
		for _, d := range depts {
			g.Department = d
			k := groupKey(g)
			if out[k] == nil {
				out[k] = newBitset(n)
			}
			out[k].add(i)
		}
	})
	return out
}

// funnelPeople returns, for the quarter ending at to, each person of the
// funnel with their values and stages, in a fixed order: the employees,
// the HR administrator, then the pending invitations.
type funnelPerson struct {
	dept, age, tenure, job string
	stages                 map[string]bool
}

func (o *sweepOrg) funnel(to time.Time) []funnelPerson {
	at := to.Add(-time.Second)
	var out []funnelPerson
	for _, p := range o.w.People {
		if p.Started.After(at) {
			continue
		}
		fp := funnelPerson{dept: p.Department, age: p.AgeBand, tenure: tsunagari.TenureBandOf(p.Started, to), job: p.JobFamily,
			stages: map[string]bool{"invited": true, "registered": true}}
		if !p.Diagnosed.IsZero() && !p.Diagnosed.After(at) {
			fp.stages["diagnosed"] = true
		}
		out = append(out, fp)
	}
	out = append(out, funnelPerson{tenure: tsunagari.TenureBandOf(o.w.Org.CreatedAt, to), stages: map[string]bool{"invited": true, "registered": true}})
	for _, inv := range o.w.Invited {
		if !inv.At.After(at) {
			out = append(out, funnelPerson{dept: inv.Department, stages: map[string]bool{"invited": true}})
		}
	}
	return out
}

// bitset is a set of people by index.
type bitset []uint64

func newBitset(n int) bitset { return make(bitset, (n+63)/64) }
func (b bitset) add(i int)   { b[i/64] |= 1 << (i % 64) }
func (b bitset) len() int {
	n := 0
	for _, w := range b {
		n += bits.OnesCount64(w)
	}
	return n
}
func (b bitset) xor(c bitset) int {
	n := 0
	for i := range b {
		n += bits.OnesCount64(b[i] ^ c[i])
	}
	return n
}
func (b bitset) minus(c bitset) bitset {
	out := make(bitset, len(b))
	for i := range b {
		out[i] = b[i] &^ c[i]
	}
	return out
}

// released is one group an HR administrator can see, with its people.
type released struct {
	key    string
	group  report.Group
	people bitset
}

// sweepStats counts what the sweeps did.
type sweepStats struct {
	mu                          sync.Mutex
	queries, cells, hidden      int
	textItems, pairs, complemts int
}

func (s *sweepStats) add(f func(s *sweepStats)) {
	s.mu.Lock()
	f(s)
	s.mu.Unlock()
}

func TestReportSweeps(t *testing.T) {
	orgCount, want := 20, 10_000
	if testing.Short() {
		orgCount, want = 3, 1_000
	}
	e := newTestEnv(t)
	canary := canaries(200)
	orgs, _ := buildSweep(t, e, orgCount, canary)
	var stats sweepStats

	var wg sync.WaitGroup
	errs := make(chan string, 100)
	fail := func(format string, args ...any) {
		select {
		case errs <- fmt.Sprintf(format, args...):
		default:
		}
	}
	for _, o := range orgs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o.sweep(t, e, &stats, canary, fail)
		}()
	}
	wg.Wait()
	close(errs)
	for msg := range errs {
		t.Error(msg)
	}
	// Nor does anything the server logged while answering HR.
	logged := e.logs.Bytes()
	for _, c := range canary {
		if bytes.Contains(logged, []byte(c)) {
			t.Errorf("the server's log holds canary %q", c)
		}
	}
	t.Logf("the server logged %d bytes while answering; no canary in them", len(logged))
	t.Logf("threshold sweep: %d queries (JSON, CSV, HTML), %d released cells checked, %d hidden, %d words checked against k_text",
		stats.queries, stats.cells, stats.hidden, stats.textItems)
	t.Logf("differencing sweep: %d pairs of released groups, %d of them with a department or group minus a released part", stats.pairs, stats.complemts)
	if stats.queries < want {
		t.Errorf("the sweep asked %d queries, want at least %d", stats.queries, want)
	}
	if !testing.Short() && stats.pairs < 50_000 {
		t.Errorf("the differencing sweep checked %d pairs, want at least 50,000", stats.pairs)
	}
	if stats.hidden == 0 || stats.cells == 0 {
		t.Errorf("%d shown and %d hidden cells: the sweep exercises nothing", stats.cells, stats.hidden)
	}
}

// get asks the server and returns the body; it reports a failure for any
// answer but 200.
func (o *sweepOrg) get(e *testEnv, path string, fail func(string, ...any)) []byte {
	req, _ := http.NewRequest("GET", e.ts.URL+path, nil)
	res, err := o.hr.Do(req)
	if err != nil {
		fail("GET %s: %v", path, err)
		return nil
	}
	defer res.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(res.Body)
	if res.StatusCode != http.StatusOK {
		fail("GET %s = %d: %.300s", path, res.StatusCode, b.String())
		return nil
	}
	return b.Bytes()
}

func (o *sweepOrg) sweep(t *testing.T, e *testEnv, stats *sweepStats, canary []string, fail func(string, ...any)) {
	var base report.OrgReport
	if err := json.Unmarshal(o.get(e, "/api/v1/org/report", fail), &base); err != nil {
		fail("org report: %v", err)
		return
	}
	if len(base.Periods) == 0 || len(base.Rounds) != len(o.w.Rounds) {
		fail("org %s: %d periods, %d rounds released", o.w.Org.Name, len(base.Periods), len(base.Rounds))
		return
	}
	checkCanaries := func(what string, body []byte) {
		for _, c := range canary {
			if bytes.Contains(body, []byte(c)) {
				fail("%s shows canary %q", what, c)
			}
		}
	}
	// Released groups by quarter and stage, or by round, for the
	// differencing sweep.
	groups := map[string][]released{}
	seen := map[string]bool{}
	for pi, period := range base.Periods {
		_, to, _ := tsunagari.QuarterBounds(period.Period)
		people := o.funnel(to)
		consulted := o.consulted[period.Period]
		for ri, round := range base.Rounds {
			var answers []insighttest.Answer
			for x, r := range o.w.Rounds {
				if r.ID == round.Round {
					answers = o.w.Answers[x]
				}
			}
			for _, b := range disclosure.Menu() {
				q := url.Values{"period": {period.Period}, "round": {round.Round}, "breakdown": {b.Key()}}
				path := "/api/v1/org/report?" + q.Encode()
				body := o.get(e, path, fail)
				checkCanaries(path, body)
				var rep report.OrgReport
				if err := json.Unmarshal(body, &rep); err != nil {
					fail("%s: %v", path, err)
					continue
				}
				stats.add(func(s *sweepStats) { s.queries++ })
				v := rep.Period
				// The funnel, once per quarter and breakdown.
				if ri == 0 {
					byStage := map[string]map[string]bitset{}
					for _, st := range v.Funnel.Columns {
						byStage[st] = o.index(b, len(people), func(fn func(int, string, string, string, string)) {
							for i, p := range people {
								if p.stages[st] {
									fn(i, p.dept, p.age, p.tenure, p.job)
								}
							}
						})
					}
					for _, row := range v.Funnel.Rows {
						for si, st := range v.Funnel.Columns {
							c := row.Cells[si]
							if c.Hidden {
								stats.add(func(s *sweepStats) { s.hidden++ })
								continue
							}
							set := byStage[st][groupKey(row.Group)]
							if set == nil {
								set = newBitset(len(people))
							}
							if n := set.len(); n < o.k {
								fail("%s: funnel %s %+v shown for %d people, k = %d", o.w.Org.Name, st, row.Group, n, o.k)
							}
							key := fmt.Sprintf("funnel/%s/%s", period.Period, st)
							id := fmt.Sprintf("%s/%s/%+v", key, b.Key(), row.Group)
							if !seen[id] {
								seen[id] = true
								groups[key] = append(groups[key], released{key: id, group: row.Group, people: set})
							}
							stats.add(func(s *sweepStats) { s.cells++ })
						}
					}
					// Themes and words of the quarter.
					if b.Key() == "total" {
						o.checkText(v, consulted, stats, fail)
					}
				}
				// The pulse round, once per round and breakdown.
				if pi == 0 {
					p := rep.Pulse
					idx := o.index(b, len(answers), func(fn func(int, string, string, string, string)) {
						for i, a := range answers {
							sg := a.Segments
							fn(i, sg.DepartmentID, sg.AgeBand, sg.TenureBand, sg.JobFamily)
						}
					})
					for _, row := range p.Table.Rows {
						c := row.Cells[0]
						if c.Hidden {
							stats.add(func(s *sweepStats) { s.hidden++ })
							if len(c.Means) > 0 {
								fail("%s: hidden pulse group %+v carries means", o.w.Org.Name, row.Group)
							}
							continue
						}
						set := idx[groupKey(row.Group)]
						if set == nil {
							set = newBitset(len(answers))
						}
						if n := set.len(); n < o.k {
							fail("%s: pulse %+v shown for %d respondents, k = %d", o.w.Org.Name, row.Group, n, o.k)
						}
						key := "pulse/" + round.Round
						id := fmt.Sprintf("%s/%s/%+v", key, b.Key(), row.Group)
						if !seen[id] {
							seen[id] = true
							groups[key] = append(groups[key], released{key: id, group: row.Group, people: set})
						}
						stats.add(func(s *sweepStats) { s.cells++ })
					}
				}
				// The same query as CSV and as the page: the same cells are
				// hidden in every channel.
				csvBody := o.get(e, "/api/v1/org/report/csv?"+q.Encode(), fail)
				checkCanaries("CSV "+path, csvBody)
				o.checkCSV(&rep, csvBody, fail)
				page := o.get(e, "/hr/report?"+q.Encode(), fail)
				checkCanaries("page "+path, page)
				stats.add(func(s *sweepStats) { s.queries += 2 })
			}
		}
	}
	o.differences(groups, stats, fail)
}

// checkText checks a quarter's themes and words against who consulted.
func (o *sweepOrg) checkText(v *report.PeriodView, consulted []consultation, stats *sweepStats, fail func(string, ...any)) {
	kText := max(10, o.k)
	if !v.Consulted.Hidden && len(consulted) < o.k {
		fail("%s %s: %d who consulted shown", o.w.Org.Name, v.Period, len(consulted))
	}
	for _, th := range v.Themes {
		if th.Count.Hidden {
			continue
		}
		n := 0
		for _, c := range consulted {
			if slices.Contains(c.themes, th.Theme) {
				n++
			}
		}
		if n < o.k {
			fail("%s %s: theme %s shown for %d people", o.w.Org.Name, v.Period, th.Theme, n)
		}
		stats.add(func(s *sweepStats) { s.cells++ })
	}
	for _, wd := range v.Words {
		n := 0
		for _, c := range consulted {
			if slices.Contains(c.words, wd.Text) {
				n++
			}
		}
		if n < kText {
			fail("%s %s: word %q shown, used by %d people, k_text = %d", o.w.Org.Name, v.Period, wd.Text, n, kText)
		}
		stats.add(func(s *sweepStats) { s.textItems++ })
	}
}

// checkCSV checks that the CSV hides what the JSON hides: as many empty
// values with the note, and as many numbers, in the funnel and the pulse.
func (o *sweepOrg) checkCSV(rep *report.OrgReport, body []byte, fail func(string, ...any)) {
	if !bytes.HasPrefix(body, []byte("\uFEFF")) {
		fail("CSV without a byte order mark")
		return
	}
	recs, err := csv.NewReader(bytes.NewReader(body[3:])).ReadAll()
	if err != nil {
		fail("CSV: %v", err)
		return
	}
	count := func(section string) (shown, hidden int) {
		for _, r := range recs[1:] {
			if r[0] != section {
				continue
			}
			if r[7] == "" {
				hidden++
			} else {
				shown++
			}
		}
		return
	}
	shown, hidden := count("参加ファネル")
	wantShown, wantHidden := 0, 0
	for _, row := range rep.Period.Funnel.Rows {
		for _, c := range row.Cells {
			if c.Hidden {
				wantHidden++
			} else {
				wantShown++
			}
		}
	}
	if shown != wantShown || hidden != wantHidden {
		fail("%s: the CSV's funnel shows %d and hides %d cells, the JSON %d and %d", o.w.Org.Name, shown, hidden, wantShown, wantHidden)
	}
}

// part reports whether group c is a part of group p one step down the
// menu: p split by one more dimension, or a department of p's split into
// its sub-departments.
func (o *sweepOrg) part(c, p report.Group) bool {
	type dim struct{ p, c string }
	dims := []dim{{p.AgeBand, c.AgeBand}, {p.TenureBand, c.TenureBand}, {p.JobFamily, c.JobFamily}}
	more := 0
	for _, d := range dims {
		switch {
		case d.p == d.c:
		case d.p == "" && d.c != "":
			more++
		default:
			return false
		}
	}
	switch {
	case p.Department == c.Department:
		return more == 1
	case p.Department == "" && c.Department != "":
		return more == 0 && (c.Department == disclosure.Unspecified || o.w.Department(c.Department).ParentID == "")
	case p.Department != "" && p.Department != disclosure.Unspecified && c.Department != disclosure.Unspecified:
		d := o.w.Department(c.Department)
		return more == 0 && d != nil && d.ParentID == p.Department
	}
	return false
}

// differences checks every pair of released groups of one quarter and
// stage, or of one round: none may differ by 1 to k−1 people. So may no
// group differ that way from what is left of a released group once one
// of its released parts is taken away (a department minus an age band).
func (o *sweepOrg) differences(groups map[string][]released, stats *sweepStats, fail func(string, ...any)) {
	pairs, compl := 0, 0
	for _, gs := range groups {
		for i := range gs {
			for j := i + 1; j < len(gs); j++ {
				pairs++
				if d := gs[i].people.xor(gs[j].people); d > 0 && d < o.k {
					fail("%s: %s and %s differ by %d people", o.w.Org.Name, gs[i].key, gs[j].key, d)
				}
			}
		}
		// What is left of a released group without a released part of it:
		// a department minus one of its bands or sections, or a band minus
		// a department.
		for i := range gs {
			for j := range gs {
				if i == j || !o.part(gs[j].group, gs[i].group) {
					continue
				}
				rest := gs[i].people.minus(gs[j].people)
				if n := rest.len(); n > 0 && n < o.k {
					fail("%s: %s minus %s leaves %d people", o.w.Org.Name, gs[i].key, gs[j].key, n)
				}
				for _, g := range gs {
					if g.people.len() == 0 {
						continue
					}
					compl++
					if d := rest.xor(g.people); d > 0 && d < o.k {
						fail("%s: %s minus %s differs from %s by %d people", o.w.Org.Name, gs[i].key, gs[j].key, g.key, d)
						break
					}
				}
			}
		}
	}
	stats.add(func(s *sweepStats) { s.pairs += pairs + compl; s.complemts += compl })
}
