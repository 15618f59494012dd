package match_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"tsunagari"
	"tsunagari/internal/match"
	"tsunagari/internal/search"
)

// dims are the values diagnosis's dimensions, in its order.
var dims = []string{"expertise", "autonomy", "stability", "challenge", "contribution", "balance", "creating", "leading"}

// now is a Monday, 00:00 in Tokyo.
var now = time.Date(2026, 11, 9, 0, 0, 0, 0, tsunagari.Tokyo)

// values returns scores by dims.
func values(v ...float64) []tsunagari.Score {
	var out []tsunagari.Score
	for i, x := range v {
		out = append(out, tsunagari.Score{Dimension: dims[i], Value: x, Items: 3})
	}
	return out
}

// open is availability every day 9:00–18:00 Tokyo time, 60-minute
// sessions: 9 a day, 40 a week at most.
func open(id string) *tsunagari.Availability {
	av := tsunagari.DefaultAvailability(id)
	av.ClosedOnHolidays, av.WeeklyMax = false, 40
	for d := time.Sunday; d <= time.Saturday; d++ {
		av.Weekly = append(av.Weekly, tsunagari.WeeklyWindow{Weekday: d, Window: tsunagari.Window{Start: 9 * 60, End: 18 * 60}})
	}
	return av
}

// consultant returns a roster entry with a plain profile, open every day.
func consultant(id string, edit ...func(e *tsunagari.RosterEntry)) *tsunagari.RosterEntry {
	c := &tsunagari.Consultant{AccountID: id, DisplayName: "相談員 " + id, YearsOfPractice: 5,
		Values: values(50, 50, 50, 50, 50, 50, 50, 40), Languages: []string{"ja"}, Online: true,
		JobFamilies: []string{"sales"}, Industries: []string{"retail"}, Themes: []string{"learning"}}
	e := &tsunagari.RosterEntry{Consultant: c, Availability: open(id)}
	for _, f := range edit {
		f(e)
	}
	return e
}

func build(entries ...*tsunagari.RosterEntry) *match.Index {
	return match.Build(entries, match.Config{Dims: dims, Now: now})
}

func ids(picks []match.Pick) []string {
	var out []string
	for _, p := range picks {
		out = append(out, p.Consultant.AccountID)
	}
	return out
}

func TestFreeSessions(t *testing.T) {
	jst := func(day, h int) time.Time { return time.Date(2026, 11, day, h, 0, 0, 0, tsunagari.Tokyo) }
	av := tsunagari.DefaultAvailability("c")
	av.ClosedOnHolidays, av.WeeklyMax, av.BufferMinutes = false, 40, 0
	for d := time.Monday; d <= time.Friday; d++ {
		av.Weekly = append(av.Weekly, tsunagari.WeeklyWindow{Weekday: d, Window: tsunagari.Window{Start: 10 * 60, End: 12 * 60}})
	}
	held := func(day, h int) tsunagari.Slot { return tsunagari.Slot{Start: jst(day, h), End: jst(day, h+1)} }
	tests := []struct {
		name      string
		weeklyMax int
		buffer    int
		holidays  bool
		held      []tsunagari.Slot
		from, to  time.Time
		want      int
	}{
		{"two weeks of weekdays, two a day", 40, 0, false, nil, jst(9, 0), jst(23, 0), 20},
		{"a booking takes its slot", 40, 0, false, []tsunagari.Slot{held(10, 10)}, jst(9, 0), jst(23, 0), 19},
		{"a booking between slots takes neither", 40, 0, false, []tsunagari.Slot{{Start: jst(10, 12), End: jst(10, 13)}}, jst(9, 0), jst(23, 0), 20},
		{"a buffer leaves room for one a day", 40, 15, false, nil, jst(9, 0), jst(23, 0), 10},
		{"the buffer after a slot must be free too", 40, 15, false,
			[]tsunagari.Slot{{Start: jst(10, 11).Add(10 * time.Minute), End: jst(10, 12)}}, jst(9, 0), jst(23, 0), 9},
		{"the weekly maximum caps each week", 3, 0, false, nil, jst(9, 0), jst(23, 0), 6},
		{"bookings count against the week's maximum", 3, 0, false, []tsunagari.Slot{held(12, 10), held(13, 10)}, jst(9, 0), jst(23, 0), 4},
		{"a booking before the window still fills its week", 3, 0, false, []tsunagari.Slot{held(9, 10), held(9, 11)}, jst(10, 0), jst(16, 0), 1},
		{"closed on a holiday (Nov 23)", 40, 0, true, nil, jst(16, 0), jst(23, 0), 10},
		{"open on a holiday when not closed", 40, 0, false, nil, jst(23, 0), jst(24, 0), 2},
		{"an empty window", 40, 0, false, nil, jst(9, 0), jst(9, 0), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := *av
			a.WeeklyMax, a.BufferMinutes, a.ClosedOnHolidays = tt.weeklyMax, tt.buffer, tt.holidays
			if tt.holidays {
				tt.from, tt.to = jst(23, 0), jst(24, 0)
				tt.want = 0
			}
			if got := match.FreeSessions(&a, tt.held, tt.from, tt.to); got != tt.want {
				t.Errorf("FreeSessions(%v – %v, held %v) = %d; want %d", tt.from, tt.to, tt.held, got, tt.want)
			}
		})
	}
	if got := match.FreeSessions(nil, nil, jst(9, 0), jst(23, 0)); got != 0 {
		t.Errorf("FreeSessions(nil availability) = %d; want 0", got)
	}
}

func TestHardFiltersExclude(t *testing.T) {
	ix := build(
		consultant("online_ja_f", func(e *tsunagari.RosterEntry) { e.Consultant.Gender = "female" }),
		consultant("inperson_tokyo_m", func(e *tsunagari.RosterEntry) {
			e.Consultant.Online, e.Consultant.InPerson, e.Consultant.Area, e.Consultant.Gender = false, true, "13", "male"
		}),
		consultant("both_osaka_en", func(e *tsunagari.RosterEntry) {
			e.Consultant.InPerson, e.Consultant.Area, e.Consultant.Languages = true, "27", []string{"ja", "en"}
		}),
	)
	w := tsunagari.DefaultMatchWeights()
	tests := []struct {
		name string
		f    match.Filter
		want []string
	}{
		{"no filter", match.Filter{}, []string{"both_osaka_en", "inperson_tokyo_m", "online_ja_f"}},
		{"online only", match.Filter{Mode: match.ModeOnline}, []string{"both_osaka_en", "online_ja_f"}},
		{"in person anywhere", match.Filter{Mode: match.ModeInPerson}, []string{"both_osaka_en", "inperson_tokyo_m"}},
		{"in person in Tokyo", match.Filter{Mode: match.ModeInPerson, Area: "13"}, []string{"inperson_tokyo_m"}},
		{"a woman", match.Filter{Gender: "female"}, []string{"online_ja_f"}},
		{"in English", match.Filter{Language: "en"}, []string{"both_osaka_en"}},
		{"excluded", match.Filter{Exclude: map[string]bool{"online_ja_f": true}}, []string{"both_osaka_en", "inperson_tokyo_m"}},
		{"nobody left", match.Filter{Gender: "other"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ids(ix.Shortlist(match.Profile{}, tt.f, w, 10, nil))
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("Shortlist(%+v) = %v; want %v", tt.f, got, tt.want)
			}
			hits := ix.Search(search.Query{}, tt.f, nil)
			var found []string
			for _, h := range hits {
				found = append(found, h.Consultant.AccountID)
			}
			slices.Sort(found)
			if !slices.Equal(found, tt.want) {
				t.Errorf("Search(\"\", %+v) = %v; want %v", tt.f, found, tt.want)
			}
		})
	}
}

func TestRelevanceAndReasons(t *testing.T) {
	// The member values autonomy and contribution most, is in her 40s in
	// legal, in finance, and wants to talk about balancing childcare.
	member := match.Profile{Values: values(40, 90, 30, 50, 85, 60, 20, 30), Themes: []string{"care_balance", "job_change"},
		AgeBand: "40s", JobFamily: "legal", Industry: "finance"}
	kindred := consultant("kindred", func(e *tsunagari.RosterEntry) {
		e.Consultant.Values = values(35, 85, 30, 45, 90, 55, 25, 30)
		e.Consultant.Themes = []string{"care_balance", "womens_career"}
		e.Clients = []tsunagari.ClientGroup{{AgeBand: "40s", JobFamily: "legal", Clients: 3}, {AgeBand: "20s", JobFamily: "it", Clients: 9}}
	})
	lawyer := consultant("lawyer", func(e *tsunagari.RosterEntry) {
		e.Consultant.Values = values(90, 30, 80, 20, 30, 40, 20, 70)
		e.Consultant.JobFamilies, e.Consultant.Industries = []string{"legal"}, []string{"finance"}
		e.Consultant.YearsOfPractice = 22
		e.Clients = []tsunagari.ClientGroup{{AgeBand: "30s", JobFamily: "legal", Clients: 2}, {AgeBand: "50s", JobFamily: "legal", Clients: 2}}
	})
	stranger := consultant("stranger", func(e *tsunagari.RosterEntry) {
		e.Consultant.Values = values(95, 10, 90, 10, 20, 30, 10, 80)
		e.Consultant.YearsOfPractice = 0
		e.Clients = []tsunagari.ClientGroup{{AgeBand: "40s", JobFamily: "legal", Clients: 2}} // too few to mention
	})
	ix := build(stranger, lawyer, kindred)
	w := tsunagari.DefaultMatchWeights()
	w.Diversity = 0
	picks := ix.Shortlist(member, match.Filter{}, w, 3, nil)
	if got := ids(picks); !slices.Equal(got, []string{"kindred", "lawyer", "stranger"}) {
		t.Fatalf("Shortlist order = %v; want kindred, lawyer, stranger", got)
	}
	for i := 1; i < len(picks); i++ {
		if picks[i].Relevance > picks[i-1].Relevance {
			t.Errorf("with no diversity, relevance rises from %v to %v", picks[i-1].Relevance, picks[i].Relevance)
		}
	}
	want := map[string][]match.Reason{
		"kindred": {
			{Kind: match.ReasonValues, Values: []string{"autonomy", "contribution"}},
			{Kind: match.ReasonClients, AgeBand: "40s", JobFamily: "legal"},
			{Kind: match.ReasonThemes, Themes: []string{"care_balance"}},
		},
		"lawyer": {
			{Kind: match.ReasonClientsJob, JobFamily: "legal"},
			{Kind: match.ReasonOwnJob, JobFamily: "legal"},
			{Kind: match.ReasonIndustry, Industry: "finance"},
		},
		"stranger": {{Kind: match.ReasonCapacity, Count: 2 * 40}}, // nine a day, but 40 a week at most
	}
	for _, p := range picks {
		if got := p.Reasons; fmt.Sprint(got) != fmt.Sprint(want[p.Consultant.AccountID]) {
			t.Errorf("reasons of %s = %+v; want %+v", p.Consultant.AccountID, got, want[p.Consultant.AccountID])
		}
	}
	if picks[0].Scores.Values <= picks[2].Scores.Values || picks[0].Scores.Themes != 0.5 || picks[1].Scores.Themes != 0 {
		t.Errorf("parts = %+v, %+v, %+v", picks[0].Scores, picks[1].Scores, picks[2].Scores)
	}

	// Weights decide: background alone puts the lawyer first.
	bg := &tsunagari.MatchWeights{Background: 1, ViewsPerSession: 10}
	if got := ids(ix.Shortlist(member, match.Filter{}, bg, 1, nil)); !slices.Equal(got, []string{"lawyer"}) {
		t.Errorf("with background alone, the first is %v; want lawyer", got)
	}
	// A member who gave nothing is ranked on experience alone.
	if got := ids(ix.Shortlist(match.Profile{}, match.Filter{}, w, 3, nil)); got[0] != "lawyer" || got[2] != "stranger" {
		t.Errorf("for a member with no profile = %v; want the most experienced first", got)
	}
	// Explain gives the same reasons as the shortlist, reserving nothing.
	p, ok := ix.Explain("kindred", member, w)
	if !ok || fmt.Sprint(p.Reasons) != fmt.Sprint(want["kindred"]) || p.Reserved {
		t.Errorf("Explain(kindred) = %+v, %v", p, ok)
	}
	if _, ok := ix.Explain("nobody", member, w); ok {
		t.Error("Explain of an unknown consultant is ok")
	}
}

// TestVariety: ten clones of one profile, all a little more relevant than
// ten different profiles. Without diversity the shortlist is the clones;
// with the default diversity it is not ten copies of one profile.
func TestVariety(t *testing.T) {
	member := match.Profile{Values: values(40, 90, 30, 50, 85, 60, 20, 30), Themes: []string{"care_balance"}}
	var roster []*tsunagari.RosterEntry
	for i := range 10 {
		roster = append(roster, consultant(fmt.Sprintf("clone%02d", i), func(e *tsunagari.RosterEntry) {
			e.Consultant.Values = values(40, 90, 30, 50, 85, 60, 20, 30)
			e.Consultant.Themes = []string{"care_balance"}
			e.Consultant.JobFamilies = []string{"hr"}
		}))
	}
	others := [][]float64{
		{90, 80, 20, 60, 70, 40, 30, 20}, {30, 85, 60, 20, 90, 70, 10, 40}, {50, 70, 40, 80, 75, 30, 60, 20},
		{20, 95, 30, 40, 60, 80, 50, 10}, {60, 75, 20, 50, 80, 20, 70, 60}, {40, 60, 70, 30, 90, 60, 20, 50},
		{70, 80, 50, 60, 65, 50, 40, 30}, {30, 70, 20, 90, 80, 40, 60, 20}, {50, 90, 60, 30, 70, 70, 20, 60},
		{80, 65, 30, 40, 85, 50, 30, 40},
	}
	jobs := []string{"sales", "it", "legal", "care", "finance", "design", "education", "public", "medical", "research"}
	themes := []string{"senior_career", "job_change", "side_job", "learning", "u_turn", "return_from_leave", "management",
		"womens_career", "health_and_work", "evaluation"}
	for i, v := range others {
		roster = append(roster, consultant(fmt.Sprintf("other%02d", i), func(e *tsunagari.RosterEntry) {
			e.Consultant.Values = values(v...)
			e.Consultant.Themes = []string{"care_balance", themes[i]}
			e.Consultant.JobFamilies = []string{jobs[i]}
		}))
	}
	ix := build(roster...)
	count := func(picks []match.Pick) (clones int) {
		for _, p := range picks {
			if p.Consultant.AccountID[:5] == "clone" {
				clones++
			}
		}
		return clones
	}
	w := tsunagari.DefaultMatchWeights()
	w.Diversity = 0
	if got := ix.Shortlist(member, match.Filter{}, w, 10, nil); count(got) != 10 {
		t.Errorf("without diversity, %d of ten are clones (%v); want 10: relevance alone", count(got), ids(got))
	}
	w.Diversity = tsunagari.DefaultMatchWeights().Diversity
	got := ix.Shortlist(member, match.Filter{}, w, 10, nil)
	t.Logf("with diversity %d: %v", w.Diversity, ids(got))
	if len(got) != 10 || count(got) > 3 {
		t.Errorf("with diversity %d, %d of ten are clones (%v); want at most 3", w.Diversity, count(got), ids(got))
	}
	if got[0].Consultant.AccountID[:5] != "clone" {
		t.Errorf("the first pick is %s; want the most relevant, a clone", got[0].Consultant.AccountID)
	}
}

// TestExposureCappedByCapacity: a consultant is proposed at most
// ViewsPerSession times per free session; one without free time never.
func TestExposureCappedByCapacity(t *testing.T) {
	member := match.Profile{Values: values(40, 90, 30, 50, 85, 60, 20, 30)}
	best := func(id string, sessions int) *tsunagari.RosterEntry {
		return consultant(id, func(e *tsunagari.RosterEntry) {
			e.Consultant.Values = values(40, 90, 30, 50, 85, 60, 20, 30)
			e.Consultant.YearsOfPractice = 20
			// One window a week of the given number of sessions.
			e.Availability.Weekly = []tsunagari.WeeklyWindow{{Weekday: time.Wednesday,
				Window: tsunagari.Window{Start: 10 * 60, End: tsunagari.Clock(10*60 + 60*sessions)}}}
		})
	}
	full := best("full", 0)
	one := best("one", 1)
	var rest []*tsunagari.RosterEntry
	for i := range 12 {
		rest = append(rest, consultant(fmt.Sprintf("plain%02d", i)))
	}
	ix := build(append([]*tsunagari.RosterEntry{full, one}, rest...)...)
	w := tsunagari.DefaultMatchWeights()
	w.ViewsPerSession = 3
	if _, budget, _ := ix.Shown("one", w); budget != 2*3 {
		t.Fatalf("budget of one session a week over two weeks = %d; want 6", budget)
	}

	shownOne := 0
	for range 10 {
		picks := ix.Shortlist(member, match.Filter{}, w, 10, nil)
		got := ids(picks)
		if slices.Contains(got, "full") {
			t.Fatalf("a consultant with no free session was proposed: %v", got)
		}
		if slices.Contains(got, "one") {
			shownOne++
		}
		if len(picks) != 10 {
			t.Fatalf("shortlist of %d; want 10 while others have budget", len(picks))
		}
	}
	if shownOne != 6 {
		t.Errorf("the consultant with two free sessions was shown %d times in 10 shortlists; want 6 (3 per session)", shownOne)
	}
	if shown, _, _ := ix.Shown("one", w); shown != 6 {
		t.Errorf("Shown(one) = %d; want 6", shown)
	}
	// A member who saw them already sees them again without spending.
	seen := map[string]bool{"one": true}
	picks := ix.Shortlist(member, match.Filter{}, w, 10, seen)
	if got := ids(picks); got[0] != "one" || picks[0].Reserved {
		t.Errorf("for a member who saw them, first = %v, reserved %v; want one, not reserved", got, picks[0].Reserved)
	}
	if shown, _, _ := ix.Shown("one", w); shown != 6 {
		t.Errorf("Shown(one) after a seen pick = %d; want still 6", shown)
	}
	// Release gives appearances back.
	ix.Release([]string{"one"})
	if got := ids(ix.Shortlist(member, match.Filter{}, w, 1, nil)); !slices.Equal(got, []string{"one"}) {
		t.Errorf("after Release, first = %v; want one again", got)
	}
	// Appearances from the roster count against the budget.
	used := best("used", 1)
	used.Shown = 6
	ix = build(used, consultant("plain"))
	if got := ids(ix.Shortlist(member, match.Filter{}, w, 10, nil)); slices.Contains(got, "used") {
		t.Errorf("a consultant whose budget the roster shows spent was proposed: %v", got)
	}
	// But they can be found by search.
	if hits := ix.Search(search.Parse("相談員"), match.Filter{}, nil); len(hits) != 2 {
		t.Errorf("search found %d; want both, budget or not", len(hits))
	}
}

// TestConcurrentReservations: however many shortlists run at once, no
// consultant is shown more often than the budget.
func TestConcurrentReservations(t *testing.T) {
	var roster []*tsunagari.RosterEntry
	for i := range 30 {
		roster = append(roster, consultant(fmt.Sprintf("c%02d", i), func(e *tsunagari.RosterEntry) {
			e.Availability.Weekly = []tsunagari.WeeklyWindow{{Weekday: time.Thursday, Window: tsunagari.Window{Start: 600, End: tsunagari.Clock(600 + 60*(1+i%3))}}}
		}))
	}
	ix := build(roster...)
	w := tsunagari.DefaultMatchWeights()
	w.ViewsPerSession = 2
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		count = map[string]int{}
	)
	for range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, p := range ix.Shortlist(match.Profile{}, match.Filter{}, w, 10, nil) {
				mu.Lock()
				count[p.Consultant.AccountID]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for i, e := range roster {
		id := e.Consultant.AccountID
		budget := 2 * 2 * (1 + i%3)
		if count[id] > budget {
			t.Errorf("%s shown %d times; budget %d", id, count[id], budget)
		}
		if shown, _, _ := ix.Shown(id, w); shown != count[id] {
			t.Errorf("%s: index counts %d, shortlists showed %d", id, shown, count[id])
		}
	}
}

func TestSearch(t *testing.T) {
	ix := match.Build([]*tsunagari.RosterEntry{
		consultant("a", func(e *tsunagari.RosterEntry) {
			e.Consultant.DisplayName = "佐藤 美咲"
			e.Consultant.Message = "転職や育児との両立のご相談が多いです。キャリアコンサルタント歴12年。"
		}),
		consultant("b", func(e *tsunagari.RosterEntry) {
			e.Consultant.DisplayName = "鈴木 一郎"
			e.Consultant.Message = "ＩＴ業界から転職を考える方へ。けあまねの方も歓迎。"
		}),
		consultant("c", func(e *tsunagari.RosterEntry) {
			e.Consultant.DisplayName = "高橋 転"
			e.Consultant.Message = "地方へのUターン、介護との両立。"
		}),
	}, match.Config{Dims: dims, Now: now, Doc: func(c *tsunagari.Consultant) search.Doc {
		return search.NewDoc(c.DisplayName, nil, c.Message)
	}})
	find := func(q string, sink map[string]bool) []string {
		var out []string
		for _, h := range ix.Search(search.Parse(q), match.Filter{}, sink) {
			out = append(out, h.Consultant.AccountID)
		}
		return out
	}
	tests := []struct {
		q    string
		want []string
	}{
		{"転職", []string{"a", "b"}},     // two characters
		{"介護", []string{"c"}},          // two characters
		{"両立", []string{"a", "c"}},     // by name, both in the body
		{"it", []string{"b"}},          // full-width ＩＴ, lower case
		{"ケアマネ", []string{"b"}},        // katakana finds hiragana
		{"転", []string{"c", "a", "b"}}, // one kanji: the name weighs most
		{"転職 育児", []string{"a"}},       // every term
		{"Ｕターン", []string{"c"}},
		{"弁護士", nil},
	}
	for _, tt := range tests {
		if got := find(tt.q, nil); !slices.Equal(got, tt.want) {
			t.Errorf("Search(%q) = %v; want %v", tt.q, got, tt.want)
		}
	}
	if got := find("転職", map[string]bool{"a": true}); !slices.Equal(got, []string{"b", "a"}) {
		t.Errorf("Search(転職) with a ignored = %v; want it last", got)
	}
	if got := find("", nil); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Errorf("Search(\"\") = %v; want everyone by name (佐藤, 鈴木, 高橋 in code point order)", got)
	}
}

// TestSearchMatchesReference holds the index's answers to the reference
// of package search: every consultant whose text q.Score accepts, with
// that score, and no other.
func TestSearchMatchesReference(t *testing.T) {
	roster := syntheticRoster(400)
	doc := func(c *tsunagari.Consultant) search.Doc {
		return search.NewDoc(c.DisplayName, c.Themes, c.Message)
	}
	ix := match.Build(roster, match.Config{Dims: dims, Now: now, Doc: doc})
	queries := []string{"転職", "介護 両立", "相談員1", "相談員12 転職", "ご相談", "学び直し", "uターン", "Ｕターン",
		"learning", "care", "転", "職", "員", "のご", "起業 定年 看護", "存在しない", "看護のご相談。保育", "c"}
	for _, q := range queries {
		pq := search.Parse(q)
		want := map[string]int{}
		for _, e := range roster {
			if s, ok := pq.Score(doc(e.Consultant)); ok && !pq.Empty() {
				want[e.Consultant.AccountID] = s
			}
		}
		if pq.Empty() {
			continue
		}
		got := map[string]int{}
		prev := 1 << 30
		for _, h := range ix.Search(pq, match.Filter{}, nil) {
			got[h.Consultant.AccountID] = h.Score
			if h.Score > prev {
				t.Errorf("Search(%q): score %d after %d", q, h.Score, prev)
			}
			prev = h.Score
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("Search(%q) found %d, the reference %d:\n got %v\nwant %v", q, len(got), len(want), got, want)
		}
	}
}
