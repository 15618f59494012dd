package shortlist_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"tsunagari"
	"tsunagari/internal/audit"
	"tsunagari/internal/i18n"
	"tsunagari/internal/match"
	"tsunagari/internal/postgres/pgtest"
	"tsunagari/internal/shortlist"
	"tsunagari/internal/sqlite"
	"tsunagari/internal/survey"
)

// clock is a settable time.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// database is either backend.
type database interface {
	Stores() tsunagari.Stores
	DataFingerprint(ctx context.Context) (string, error)
}

// env is a shortlist service on a real database with the built-in
// surveys, and helpers to fill it.
type env struct {
	t       *testing.T
	db      database
	s       tsunagari.Stores
	clock   *clock
	svc     *shortlist.Service
	surveys *survey.Service
	n       int
}

// onBoth runs f on SQLite and, when configured, PostgreSQL.
func onBoth(t *testing.T, f func(t *testing.T, e *env)) {
	t.Run("sqlite", func(t *testing.T) {
		db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "s.db"), sqlite.Options{Migrate: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		f(t, newEnv(t, db))
	})
	t.Run("postgres", func(t *testing.T) {
		if !pgtest.Enabled() {
			t.Skip(pgtest.DSNEnv + " is not set")
		}
		f(t, newEnv(t, pgtest.MustOpenDB(t)))
	})
}

func newEnv(t *testing.T, db database) *env {
	t.Helper()
	s := db.Stores()
	clk := &clock{t: time.Date(2026, 11, 9, 0, 0, 0, 0, time.UTC)} // a Monday, 9:00 in Tokyo
	catalog, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, db: db, s: s, clock: clk,
		surveys: &survey.Service{Store: s.Surveys, Orgs: s.Orgs, Now: clk.Now}}
	if err := e.surveys.Install(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.svc = &shortlist.Service{Store: s.Match, Surveys: s.Surveys, Catalog: catalog, Now: clk.Now,
		Audit: &audit.Service{Store: s.Audit, Now: clk.Now}, CheckEvery: time.Nanosecond}
	return e
}

func (e *env) account(name, age, job, industry string, roles ...tsunagari.Role) *tsunagari.Account {
	e.t.Helper()
	e.n++
	a := &tsunagari.Account{Email: fmt.Sprintf("a%d@example.jp", e.n), Name: name, PasswordHash: "x",
		Roles: append([]tsunagari.Role{tsunagari.RoleMember}, roles...), AgeBand: age, JobFamily: job, Industry: industry,
		CreatedAt: e.clock.Now()}
	if err := e.s.Accounts.CreateAccount(context.Background(), a); err != nil {
		e.t.Fatal(err)
	}
	return a
}

var dims = []string{"expertise", "autonomy", "stability", "challenge", "contribution", "balance", "creating", "leading"}

// consultant creates a verified consultant, open weekdays 10:00–16:00
// Tokyo time, with values by dims.
func (e *env) consultant(name string, values []float64, edit func(c *tsunagari.Consultant)) *tsunagari.Consultant {
	e.t.Helper()
	ctx := context.Background()
	a := e.account(name, "", "", "", tsunagari.RoleConsultant)
	c := &tsunagari.Consultant{AccountID: a.ID, DisplayName: name, RegistrationNumber: fmt.Sprintf("%08d", 16000000+e.n),
		YearsOfPractice: 5, Languages: []string{"ja"}, Online: true, Themes: []string{"learning"}, Message: "よろしくお願いします。"}
	for i, v := range values {
		c.Values = append(c.Values, tsunagari.Score{Dimension: dims[i], Value: v, Items: 3})
	}
	if edit != nil {
		edit(c)
	}
	if err := c.Validate(); err != nil {
		e.t.Fatal(err)
	}
	if err := e.s.Consultation.SaveConsultant(ctx, c); err != nil {
		e.t.Fatal(err)
	}
	if err := e.s.Consultation.VerifyConsultant(ctx, a.ID, "", e.clock.Now()); err != nil {
		e.t.Fatal(err)
	}
	av := tsunagari.DefaultAvailability(a.ID)
	for d := time.Monday; d <= time.Friday; d++ {
		av.Weekly = append(av.Weekly, tsunagari.WeeklyWindow{Weekday: d, Window: tsunagari.Window{Start: 600, End: 960}})
	}
	if err := e.s.Consultation.SaveAvailability(ctx, av); err != nil {
		e.t.Fatal(err)
	}
	return c
}

// diagnose answers the values diagnosis for a: agree with the items of
// the dimensions in high, disagree with the rest.
func (e *env) diagnose(a *tsunagari.Account, high ...string) {
	e.t.Helper()
	ctx := context.Background()
	round, in, err := e.surveys.StandingRound(ctx, a, survey.ValuesDiagnosis)
	if err != nil {
		e.t.Fatal(err)
	}
	var answers []tsunagari.Answer
	for _, it := range in.Items() {
		v := 2.0
		if slices.Contains(high, it.Dimension) {
			v = 5
		}
		if it.Reverse {
			v = 6 - v
		}
		answers = append(answers, tsunagari.Answer{Item: it.ID, Value: tsunagari.Float(v)})
	}
	if _, err := e.surveys.Respond(ctx, a, round.ID, answers); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) fingerprint() string {
	e.t.Helper()
	fp, err := e.db.DataFingerprint(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return fp
}

func names(ms []match.Pick) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Consultant.DisplayName)
	}
	return out
}

func code(err error) tsunagari.Code { return tsunagari.ErrorCode(err) }

func TestRecommend(t *testing.T) {
	onBoth(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		member := e.account("佐藤 花子", "40s", "legal", "finance")
		e.diagnose(member, "autonomy", "contribution")
		kindred := e.consultant("同じ価値観の人", []float64{40, 90, 30, 40, 90, 40, 30, 30}, func(c *tsunagari.Consultant) {
			c.Themes = []string{"care_balance"}
		})
		for i := range 14 {
			e.consultant(fmt.Sprintf("相談員%02d", i), []float64{90, 30, 80, 40, 20, 50, 30, float64(40 + i)}, nil)
		}
		offline := e.consultant("対面のみ", []float64{40, 90, 30, 40, 90, 40, 30, 30}, func(c *tsunagari.Consultant) {
			c.Online, c.InPerson, c.Area = false, true, "13"
		})

		res, err := e.svc.Recommend(ctx, member, shortlist.Request{Themes: []string{"care_balance"}, Mode: match.ModeOnline})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Picks) != 10 || !res.Diagnosed || res.Roster != 16 {
			t.Fatalf("Recommend = %d picks, diagnosed %v, roster %d; want 10, true, 16", len(res.Picks), res.Diagnosed, res.Roster)
		}
		if res.Picks[0].Consultant.AccountID != kindred.AccountID {
			t.Errorf("first pick = %s; want the consultant who shares the member's values", res.Picks[0].Consultant.DisplayName)
		}
		if fmt.Sprint(res.Picks[0].Reasons[0]) != fmt.Sprint(match.Reason{Kind: match.ReasonValues, Values: []string{"autonomy", "contribution"}}) {
			t.Errorf("first reason = %+v; want the shared values autonomy and contribution", res.Picks[0].Reasons[0])
		}
		if slices.Contains(names(res.Picks), offline.DisplayName) {
			t.Error("an in-person-only consultant is in an online-only shortlist")
		}
		for _, p := range res.Picks {
			if len(p.Reasons) == 0 {
				t.Errorf("%s has no reasons", p.Consultant.DisplayName)
			}
		}

		// Each consultant shown counts once per member and day.
		again, err := e.svc.Recommend(ctx, member, shortlist.Request{Themes: []string{"care_balance"}, Mode: match.ModeOnline})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(names(again.Picks), names(res.Picks)) {
			t.Errorf("the same request gave %v, then %v; want the same list", names(res.Picks), names(again.Picks))
		}
		roster, err := e.s.Match.Roster(ctx, tsunagari.RosterQuery{HeldFrom: e.clock.Now(), HeldTo: e.clock.Now(),
			ClientsBefore: e.clock.Now(), ShownSince: tsunagari.Day(e.clock.Now())})
		if err != nil {
			t.Fatal(err)
		}
		shown := 0
		for _, r := range roster {
			if r.Shown > 1 {
				t.Errorf("%s counted %d times for one member on one day", r.Consultant.DisplayName, r.Shown)
			}
			shown += r.Shown
		}
		if shown != 10 {
			t.Errorf("appearances recorded = %d; want 10", shown)
		}

		// Ignored consultants vanish; the member never sees themself.
		if err := e.svc.Mark(ctx, member, kindred.AccountID, tsunagari.ConsultantIgnore); err != nil {
			t.Fatal(err)
		}
		res, err = e.svc.Recommend(ctx, member, shortlist.Request{})
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(names(res.Picks), kindred.DisplayName) {
			t.Error("an ignored consultant is in the shortlist")
		}
		self, err := e.svc.Recommend(ctx, &tsunagari.Account{ID: kindred.AccountID, Roles: []tsunagari.Role{tsunagari.RoleMember}}, shortlist.Request{})
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(names(self.Picks), kindred.DisplayName) {
			t.Error("a consultant is proposed to themself")
		}

		// A member without a diagnosis still gets a list.
		fresh := e.account("新規 会員", "", "", "")
		if res, err := e.svc.Recommend(ctx, fresh, shortlist.Request{}); err != nil || res.Diagnosed || len(res.Picks) != 10 {
			t.Errorf("Recommend without a diagnosis = %v picks, diagnosed %v, %v", len(res.Picks), res.Diagnosed, err)
		}
	})
}

func TestRecommendBadInput(t *testing.T) {
	onBoth(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		member := e.account("佐藤 花子", "40s", "legal", "finance")
		e.consultant("相談員", []float64{50, 50, 50, 50, 50, 50, 50, 50}, nil)
		fp := e.fingerprint()
		for _, req := range []shortlist.Request{
			{Themes: []string{"no_such_theme"}},
			{Themes: []string{"job_change", "side_job", "learning", "u_turn", "care_balance", "evaluation"}},
			{Mode: "telepathy"},
			{Mode: match.ModeInPerson, Area: "48"},
			{Gender: "robot"},
			{Language: "xx"},
		} {
			if _, err := e.svc.Recommend(ctx, member, req); code(err) != tsunagari.CodeInvalid {
				t.Errorf("Recommend(%+v) = %v; want invalid", req, err)
			}
		}
		if got := e.fingerprint(); got != fp {
			t.Error("refused requests changed the database")
		}
		if _, err := e.svc.Recommend(ctx, nil, shortlist.Request{}); code(err) != tsunagari.CodeUnauthorized {
			t.Errorf("Recommend signed out = %v", err)
		}
	})
}

func TestRosterFollowsChanges(t *testing.T) {
	onBoth(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		member := e.account("佐藤 花子", "", "", "")
		first := e.consultant("最初の人", []float64{50, 50, 50, 50, 50, 50, 50, 50}, nil)
		if res, err := e.svc.Recommend(ctx, member, shortlist.Request{}); err != nil || len(res.Picks) != 1 {
			t.Fatalf("Recommend = %v, %v", res, err)
		}
		second := e.consultant("二人目", []float64{50, 50, 50, 50, 50, 50, 50, 50}, nil)
		res, err := e.svc.Recommend(ctx, member, shortlist.Request{})
		if err != nil || len(res.Picks) != 2 {
			t.Fatalf("after a new consultant, Recommend = %v, %v; want both", names(res.Picks), err)
		}
		// Withdrawn verification takes a consultant off the roster.
		if err := e.s.Consultation.VerifyConsultant(ctx, second.AccountID, "", time.Time{}); err != nil {
			t.Fatal(err)
		}
		if res, _ = e.svc.Recommend(ctx, member, shortlist.Request{}); !slices.Equal(names(res.Picks), []string{first.DisplayName}) {
			t.Errorf("after withdrawing a verification = %v; want only %s", names(res.Picks), first.DisplayName)
		}
		if _, err := e.svc.Consultant(ctx, member, second.AccountID, nil); code(err) != tsunagari.CodeNotFound {
			t.Errorf("Consultant(unverified) = %v; want not found", err)
		}
		// A consultant whose time is all taken is not proposed.
		av := tsunagari.DefaultAvailability(first.AccountID)
		if err := e.s.Consultation.SaveAvailability(ctx, av); err != nil {
			t.Fatal(err)
		}
		if res, _ = e.svc.Recommend(ctx, member, shortlist.Request{}); len(res.Picks) != 0 {
			t.Errorf("with no free time anywhere = %v; want nobody", names(res.Picks))
		}
		// Nor one whose budget of appearances is spent.
		w := tsunagari.DefaultMatchWeights()
		w.ViewsPerSession = 1
		if err := e.s.Match.SaveMatchWeights(ctx, w); err != nil {
			t.Fatal(err)
		}
		third := e.consultant("三人目", []float64{50, 50, 50, 50, 50, 50, 50, 50}, nil)
		av3 := tsunagari.DefaultAvailability(third.AccountID)
		av3.Weekly = []tsunagari.WeeklyWindow{{Weekday: time.Wednesday, Window: tsunagari.Window{Start: 600, End: 660}}}
		if err := e.s.Consultation.SaveAvailability(ctx, av3); err != nil {
			t.Fatal(err)
		}
		seen := 0
		for i := range 4 {
			m := e.account(fmt.Sprintf("会員%d", i), "", "", "")
			if res, _ := e.svc.Recommend(ctx, m, shortlist.Request{}); len(res.Picks) == 1 {
				seen++
			}
		}
		if seen != 2 {
			t.Errorf("a consultant with two free sessions and one view per session was shown to %d members; want 2", seen)
		}
		// The counts come back from the database when the roster is read
		// again.
		if err := e.svc.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		m := e.account("会員x", "", "", "")
		if res, _ := e.svc.Recommend(ctx, m, shortlist.Request{}); len(res.Picks) != 0 {
			t.Errorf("after a rebuild the spent budget is forgotten: %v", names(res.Picks))
		}
	})
}

func TestSearch(t *testing.T) {
	onBoth(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		member := e.account("佐藤 花子", "", "", "")
		a := e.consultant("相談員A", nil, func(c *tsunagari.Consultant) {
			c.Message = "転職と育児の両立について、一緒に考えます。"
		})
		b := e.consultant("相談員B", nil, func(c *tsunagari.Consultant) {
			c.Message = "エンジニアの転職支援が専門です。"
			c.JobFamilies = []string{"legal"}
		})
		e.consultant("相談員C", nil, func(c *tsunagari.Consultant) { c.Message = "地方でのキャリア。" })
		find := func(q string) []string {
			t.Helper()
			res, err := e.svc.Search(ctx, member, shortlist.SearchRequest{Query: q})
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, m := range res.Matches {
				out = append(out, m.Consultant.DisplayName)
			}
			return out
		}
		for q, want := range map[string][]string{
			"転職":      {"相談員A", "相談員B"},
			"育児":      {"相談員A"},
			"えんじにあ":   {"相談員B"},
			"法務":      {"相談員B"}, // the label of a job family
			"Legal":   {"相談員B"},
			"学び直し":    {"相談員A", "相談員B", "相談員C"}, // the label of a theme
			"存在しない言葉": nil,
		} {
			if got := find(q); !slices.Equal(got, want) {
				t.Errorf("Search(%q) = %v; want %v", q, got, want)
			}
		}
		if err := e.svc.Mark(ctx, member, a.AccountID, tsunagari.ConsultantIgnore); err != nil {
			t.Fatal(err)
		}
		res, err := e.svc.Search(ctx, member, shortlist.SearchRequest{Query: "転職"})
		if err != nil || res.Total != 2 || res.Matches[0].Consultant.AccountID != b.AccountID || res.Matches[1].Mark != tsunagari.ConsultantIgnore {
			t.Errorf("Search(転職) with A ignored = %+v, %v; want B, then A marked ignored", res, err)
		}
		if res, err := e.svc.Search(ctx, member, shortlist.SearchRequest{Query: "の"}); err != nil || !res.TooShort {
			t.Errorf("Search(の) = %+v, %v; want too short", res, err)
		}
		page, err := e.svc.Search(ctx, member, shortlist.SearchRequest{Limit: 2, Offset: 2})
		if err != nil || page.Total != 3 || len(page.Matches) != 1 {
			t.Errorf("the second page of two = %+v, %v; want 1 of 3", page, err)
		}
	})
}

func TestMarks(t *testing.T) {
	onBoth(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		member := e.account("佐藤 花子", "", "", "")
		c := e.consultant("相談員", nil, nil)
		if err := e.svc.Mark(ctx, member, c.AccountID, tsunagari.ConsultantBookmark); err != nil {
			t.Fatal(err)
		}
		marks, err := e.svc.Marks(ctx, member)
		if err != nil || len(marks) != 1 || marks[0].Kind != tsunagari.ConsultantBookmark || marks[0].Match == nil ||
			marks[0].Match.Consultant.AccountID != c.AccountID {
			t.Fatalf("Marks = %+v, %v", marks, err)
		}
		got, err := e.svc.Consultant(ctx, member, c.AccountID, []string{"learning"})
		if err != nil || got.Mark != tsunagari.ConsultantBookmark || len(got.Reasons) == 0 || got.Reasons[0].Kind != match.ReasonThemes {
			t.Errorf("Consultant = %+v, %v; want bookmarked, strong in the theme asked about", got, err)
		}
		if _, err := e.svc.Consultant(ctx, member, c.AccountID, []string{"nonsense"}); code(err) != tsunagari.CodeInvalid {
			t.Errorf("Consultant with an unknown theme = %v; want invalid", err)
		}
		other := e.account("別の 会員", "", "", "")
		fp := e.fingerprint()
		for _, tc := range []struct {
			name string
			err  error
			want tsunagari.Code
		}{
			{"an unknown mark", e.svc.Mark(ctx, member, c.AccountID, "love"), tsunagari.CodeInvalid},
			{"an unknown consultant", e.svc.Mark(ctx, member, tsunagari.NewID(), tsunagari.ConsultantBookmark), tsunagari.CodeNotFound},
			{"a member who is no consultant", e.svc.Mark(ctx, member, other.ID, tsunagari.ConsultantBookmark), tsunagari.CodeNotFound},
			{"oneself", e.svc.Mark(ctx, &tsunagari.Account{ID: c.AccountID}, c.AccountID, tsunagari.ConsultantBookmark), tsunagari.CodeNotFound},
			{"someone else's mark", e.svc.Unmark(ctx, other, c.AccountID), tsunagari.CodeNotFound},
			{"a junk ID", e.svc.Unmark(ctx, member, "junk"), tsunagari.CodeNotFound},
		} {
			if code(tc.err) != tc.want {
				t.Errorf("%s: %v; want %s", tc.name, tc.err, tc.want)
			}
		}
		if e.fingerprint() != fp {
			t.Error("refused marks changed the database")
		}
		if err := e.svc.Unmark(ctx, member, c.AccountID); err != nil {
			t.Fatal(err)
		}
		if marks, _ := e.svc.Marks(ctx, member); len(marks) != 0 {
			t.Errorf("after Unmark = %+v", marks)
		}
	})
}

func TestWeights(t *testing.T) {
	onBoth(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		member := e.account("佐藤 花子", "", "", "")
		op := e.account("運営 者", "", "", "", tsunagari.RoleOperator)
		e.consultant("相談員", nil, nil)
		if _, _, err := e.svc.Weights(ctx, member); code(err) != tsunagari.CodeNotFound {
			t.Errorf("Weights as a member = %v; want not found", err)
		}
		w, st, err := e.svc.Weights(ctx, op)
		if err != nil || *w != *tsunagari.DefaultMatchWeights() || st.Roster != 1 || st.WithTime != 1 || st.BudgetSpent != 0 {
			t.Fatalf("Weights = %+v, %+v, %v", w, st, err)
		}
		fp := e.fingerprint()
		bad := []*tsunagari.MatchWeights{
			{Values: 101, ViewsPerSession: 1},
			{Values: -1, Themes: 1, ViewsPerSession: 1},
			{ViewsPerSession: 1},
			{Values: 1, ViewsPerSession: 0},
			{Values: 1, Diversity: 200, ViewsPerSession: 1},
		}
		for _, b := range bad {
			if err := e.svc.SaveWeights(ctx, op, b); code(err) != tsunagari.CodeInvalid {
				t.Errorf("SaveWeights(%+v) = %v; want invalid", b, err)
			}
		}
		if err := e.svc.SaveWeights(ctx, member, &tsunagari.MatchWeights{Values: 1, ViewsPerSession: 1}); code(err) != tsunagari.CodeNotFound {
			t.Errorf("SaveWeights as a member = %v; want not found", err)
		}
		if e.fingerprint() != fp {
			t.Error("refused weights changed the database")
		}
		if err := e.svc.SaveWeights(ctx, op, &tsunagari.MatchWeights{Values: 1, Themes: 2, Diversity: 0, ViewsPerSession: 5}); err != nil {
			t.Fatal(err)
		}
		if w, _, _ = e.svc.Weights(ctx, op); w.Themes != 2 || w.ViewsPerSession != 5 || w.UpdatedBy != op.ID {
			t.Errorf("after SaveWeights = %+v", w)
		}
		events, err := e.s.Audit.FindAuditEvents(ctx, tsunagari.AuditFilter{Action: tsunagari.AuditMatchWeights})
		if err != nil || len(events) != 1 || events[0].ActorID != op.ID {
			t.Errorf("audit events = %+v, %v; want the operator's change", events, err)
		}
	})
}

// TestBackgroundRebuild: a large roster is rebuilt in the background;
// requests go on with the index they have until the new one is ready.
func TestBackgroundRebuild(t *testing.T) {
	onBoth(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.svc.SyncRoster = -1 // every roster counts as large
		member := e.account("佐藤 花子", "", "", "")
		e.consultant("最初の人", nil, nil)
		if res, err := e.svc.Recommend(ctx, member, shortlist.Request{}); err != nil || len(res.Picks) != 1 {
			t.Fatalf("Recommend = %v, %v", res, err)
		}
		e.consultant("二人目", nil, nil)
		deadline := time.Now().Add(10 * time.Second)
		for {
			res, err := e.svc.Recommend(ctx, member, shortlist.Request{})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Picks) == 2 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the background rebuild never brought the second consultant: %v", names(res.Picks))
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}
