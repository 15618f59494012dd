package insight_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"tsunagari"
	"tsunagari/internal/disclosure"
	"tsunagari/internal/insight"
	"tsunagari/internal/insight/insighttest"
	"tsunagari/internal/jatext"
	"tsunagari/internal/postgres"
	"tsunagari/internal/postgres/pgtest"
	"tsunagari/internal/sqlite"
	"tsunagari/internal/survey"
)

// now is the fixed clock of these tests.
var now = time.Date(2026, 11, 20, 3, 0, 0, 0, time.UTC)

// env is a migrated database of either kind with the survey instruments
// installed, and a way to change rows behind the stores' backs, as a
// person deleting their account or HR moving people would.
type env struct {
	st   tsunagari.Stores
	exec func(t *testing.T, query string)
}

func openSQLite(t *testing.T) *env {
	path := filepath.Join(t.TempDir(), "insight.db")
	db, err := sqlite.Open(context.Background(), path, sqlite.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	raw, err := sql.Open("sqlite", path+"?_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return install(t, &env{st: db.Stores(), exec: func(t *testing.T, q string) {
		t.Helper()
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}})
}

func openPostgres(t *testing.T) *env {
	dsn := pgtest.MustCreateSchema(t)
	db, err := postgres.Open(context.Background(), dsn, postgres.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return install(t, &env{st: db.Stores(), exec: func(t *testing.T, q string) {
		t.Helper()
		conn, err := pgx.Connect(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}})
}

func install(t *testing.T, e *env) *env {
	if err := survey.Install(context.Background(), e.st.Surveys, tsunagari.NewID, now.AddDate(-3, 0, 0)); err != nil {
		t.Fatal(err)
	}
	return e
}

func onBoth(t *testing.T, f func(t *testing.T, e *env)) {
	t.Run("sqlite", func(t *testing.T) { f(t, openSQLite(t)) })
	t.Run("postgres", func(t *testing.T) {
		if !pgtest.Enabled() {
			t.Skip(pgtest.DSNEnv + " is not set")
		}
		f(t, openPostgres(t))
	})
}

func (e *env) service() *insight.Service {
	return &insight.Service{Surveys: e.st.Surveys, Orgs: e.st.Orgs, Programmes: e.st.Programmes, Releases: e.st.Releases,
		Insights: e.st.Insights, Now: func() time.Time { return now }}
}

func build(t *testing.T, e *env, spec insighttest.Spec) *insighttest.World {
	t.Helper()
	if spec.Now.IsZero() {
		spec.Now = now.Add(-time.Hour)
	}
	w, err := insighttest.Build(context.Background(), e.st, spec)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// bodies returns every release of an org, by kind and subject.
func bodies(t *testing.T, e *env, orgID string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, k := range tsunagari.ReleaseKinds {
		rs, err := e.st.Releases.FindReleases(context.Background(), orgID, k)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			out[string(k)+"/"+r.Subject] = r.Body
		}
	}
	return out
}

func TestPublishDue(t *testing.T) {
	onBoth(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		w := build(t, e, insighttest.Spec{Name: "みなと精機", Departments: 12, MinSize: 1, MaxSize: 30, K: 5, Rounds: 2, Respond: 0.8, Seed: 1})
		svc := e.service()
		// Three processes publish at once: each release is published,
		// and counted, once.
		counts := make([]int, 3)
		var wg sync.WaitGroup
		for i := range counts {
			wg.Go(func() {
				var err error
				if counts[i], err = e.service().PublishDue(ctx); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if n := counts[0] + counts[1] + counts[2]; n != 2+insight.Backfill {
			t.Errorf("three PublishDue at once published %v releases, want %d in all: 2 pulse rounds and %d quarters",
				counts, 2+insight.Backfill, insight.Backfill)
		}
		if again, err := svc.PublishDue(ctx); err != nil || again != 0 {
			t.Errorf("PublishDue again published %d, %v; want nothing", again, err)
		}

		// The pulse: every shown group has at least k respondents, and its
		// means are those of its respondents.
		rel, err := e.st.Releases.FindRelease(ctx, w.Org.ID, tsunagari.ReleasePulse, w.Rounds[1].ID)
		if err != nil {
			t.Fatal(err)
		}
		var doc disclosure.PulseDocument
		if err := disclosure.Unmarshal(rel.Body, &doc); err != nil {
			t.Fatal(err)
		}
		answers := w.Answers[1]
		total := doc.Release.Total()[0]
		if total.Hidden || total.Count != disclosure.ReleaseCount(len(answers), 5).Value {
			t.Errorf("total respondents = %+v, want %d rounded", total, len(answers))
		}
		for i, dim := range doc.Release.Measures {
			sum := 0.0
			for _, a := range answers {
				v, _ := tsunagari.ScoreOf(a.Scores, dim)
				sum += v
			}
			if want := math.Round(sum/float64(len(answers))*10) / 10; total.Means[i] != want {
				t.Errorf("total mean of %s = %v, want %v", dim, total.Means[i], want)
			}
		}
		shown, hidden := 0, 0
		for _, row := range doc.Release.Grid(disclosure.Breakdown{disclosure.Department}).Rows {
			n := 0
			for _, a := range answers {
				if row.Department == disclosure.Unspecified && a.Segments.DepartmentID == "" || w.Within(a.Segments.DepartmentID, row.Department) {
					n++
				}
			}
			if c := row.Cells[0]; !c.Hidden {
				shown++
				if n < 5 {
					t.Errorf("department %s shown with %d respondents", row.Department, n)
				}
			} else {
				hidden++
			}
		}
		if shown == 0 || hidden == 0 {
			t.Errorf("departments: %d shown, %d hidden; the world should have both", shown, hidden)
		}

		// The funnel of the last quarter counts the employees of its end.
		q := tsunagari.PreviousQuarter(tsunagari.QuarterOf(now))
		_, to, _ := tsunagari.QuarterBounds(q)
		rel, err = e.st.Releases.FindRelease(ctx, w.Org.ID, tsunagari.ReleasePeriod, q)
		if err != nil {
			t.Fatal(err)
		}
		var period disclosure.PeriodDocument
		if err := disclosure.Unmarshal(rel.Body, &period); err != nil {
			t.Fatal(err)
		}
		registered, diagnosed := 1, 0 // the HR administrator is an employee too
		for _, p := range w.People {
			if p.Started.Before(to) {
				registered++
				if !p.Diagnosed.IsZero() && p.Diagnosed.Before(to) {
					diagnosed++
				}
			}
		}
		cells := period.Funnel.Total()
		reg, diag := cells[period.Funnel.Stage("registered")], cells[period.Funnel.Stage("diagnosed")]
		if reg.Hidden || reg.Count != disclosure.ReleaseCount(registered, 5).Value {
			t.Errorf("registered at the end of %s = %+v, want %d rounded", q, reg, registered)
		}
		if diag.Hidden || diag.Count != disclosure.ReleaseCount(diagnosed, 5).Value {
			t.Errorf("diagnosed at the end of %s = %+v, want %d rounded", q, diag, diagnosed)
		}
		if inv := cells[period.Funnel.Stage("invited")]; !inv.Hidden && inv.Count < reg.Count {
			t.Errorf("invited %d < registered %d", inv.Count, reg.Count)
		}
	})
}

// Frozen rounds: after publication, deleting 100 respondents, moving 100
// people between departments and late answers change nothing published.
func TestReleasesAreFrozen(t *testing.T) {
	onBoth(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		w := build(t, e, insighttest.Spec{Name: "よつば商事", Departments: 16, MinSize: 5, MaxSize: 40, K: 5, Rounds: 2, Respond: 0.8, Seed: 2})
		svc := e.service()
		if _, err := svc.PublishDue(ctx); err != nil {
			t.Fatal(err)
		}
		before := bodies(t, e, w.Org.ID)

		var deleted, moved []string
		for _, a := range w.Answers[1][:100] {
			deleted = append(deleted, "'"+a.Person.Account.ID+"'")
		}
		for _, p := range w.People[len(w.People)-100:] {
			if !slices.Contains(deleted, "'"+p.Account.ID+"'") {
				moved = append(moved, "'"+p.Account.ID+"'")
			}
		}
		e.exec(t, "DELETE FROM accounts WHERE id IN ("+strings.Join(deleted, ",")+")")
		e.exec(t, fmt.Sprintf("UPDATE employments SET department_id = '%s' WHERE account_id IN (%s)",
			w.Departments[0].ID, strings.Join(moved, ",")))
		late := []*tsunagari.Response{}
		in, _ := e.st.Surveys.FindInstrument(ctx, survey.FiveSupports, 0)
		for i := 0; i < 20; i++ {
			var as []tsunagari.Answer
			for _, it := range in.Items() {
				as = append(as, tsunagari.Answer{Item: it.ID, Value: tsunagari.Float(1)})
			}
			late = append(late, &tsunagari.Response{ID: tsunagari.NewID(), RoundID: w.Rounds[1].ID, InstrumentID: in.ID,
				InstrumentVersion: in.Version, Segments: tsunagari.Segments{DepartmentID: w.Departments[1].ID}, Answers: as})
		}
		if err := e.st.Surveys.ImportResponses(ctx, late); err != nil {
			t.Fatal(err)
		}
		if n, err := svc.PublishDue(ctx); err != nil || n != 0 {
			t.Errorf("PublishDue after the changes published %d, %v; want nothing", n, err)
		}
		after := bodies(t, e, w.Org.ID)
		if len(after) != len(before) || len(before) < 10 {
			t.Fatalf("%d releases before, %d after", len(before), len(after))
		}
		for k, b := range before {
			if !bytes.Equal(b, after[k]) {
				t.Errorf("release %s changed after publication", k)
			}
		}
		t.Logf("%d releases unchanged after deleting %d respondents, moving %d people and 20 late answers", len(before), len(deleted), len(moved))
	})
}

// reflectionSource serves reflections from memory.
type reflectionSource [][]string

func (rs reflectionSource) SharedReflections(_ context.Context, _ string, _, _ time.Time, fn func([]string) error) error {
	for _, texts := range rs {
		if err := fn(texts); err != nil {
			return err
		}
	}
	return nil
}

// Words come only from terms at least k_text people used: a name, a
// company or an illness mentioned by a few never enters a release.
func TestWords(t *testing.T) {
	ctx := context.Background()
	e := openSQLite(t)
	w := build(t, e, insighttest.Spec{Name: "さくら物産", Departments: 4, MinSize: 5, MaxSize: 10, K: 5, Rounds: 0, Seed: 3})
	text, err := jatext.New()
	if err != nil {
		t.Fatal(err)
	}
	canaries := []string{"ヤマブキ工業", "佐々木蓮司", "適応障害", "ホシゾラ商事", "虹色症候群"}
	var rs reflectionSource
	for i := 0; i < 40; i++ {
		texts := []string{"転職について考えが整理できた。", "副業を始めるか迷っている。"}
		if i < 12 {
			texts = append(texts, "育休復帰の不安を話せた。")
		}
		// Each canary is used by 8 people, fewer than k_text.
		texts = append(texts, canaries[i%len(canaries)]+"のことで悩んでいる。")
		// Each person says the same thing twice: it counts once.
		rs = append(rs, append(texts, texts[0]))
	}
	svc := e.service()
	svc.Reflections, svc.Text = rs, text
	if _, err := svc.PublishDue(ctx); err != nil {
		t.Fatal(err)
	}
	rel, err := e.st.Releases.FindRelease(ctx, w.Org.ID, tsunagari.ReleasePeriod, tsunagari.PreviousQuarter(tsunagari.QuarterOf(now)))
	if err != nil {
		t.Fatal(err)
	}
	var doc disclosure.PeriodDocument
	if err := disclosure.Unmarshal(rel.Body, &doc); err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, wd := range doc.Words {
		got[wd.Text] = wd.People
	}
	if got["転職"] != 40 || got["副業"] != 40 || got["育休復帰"] != 10 {
		t.Errorf("words = %v, want 転職 40, 副業 40 and 育休復帰 10 (12 people, rounded)", doc.Words)
	}
	for _, c := range canaries {
		if bytes.Contains(rel.Body, []byte(c)) {
			t.Errorf("canary %s, used by 8 people, is in the release", c)
		}
	}
	if doc.KText != 10 {
		t.Errorf("k_text = %d, want 10", doc.KText)
	}
}

// The programme's effect: the change among the people who answered the
// before and after surveys, published once the after survey has closed.
func TestProgrammeEffect(t *testing.T) {
	onBoth(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		w := build(t, e, insighttest.Spec{Name: "あおば電機", Departments: 4, MinSize: 20, MaxSize: 30, K: 5, Seed: 4})
		in, err := e.st.Surveys.FindInstrument(ctx, survey.PrePost, 0)
		if err != nil {
			t.Fatal(err)
		}
		p := &tsunagari.Programme{OrgID: w.Org.ID, Kind: tsunagari.ProgrammeTraining, Name: "キャリア研修 2026",
			StartsOn: now.AddDate(0, -3, 0), EndsOn: now.AddDate(0, -1, 0), CreatedBy: w.HR.ID}
		if err := e.st.Programmes.CreateProgramme(ctx, p); err != nil {
			t.Fatal(err)
		}
		subject := &tsunagari.Subject{Kind: tsunagari.SubjectProgramme, ID: p.ID}
		pre := &tsunagari.Round{InstrumentID: in.ID, InstrumentVersion: in.Version, Mode: tsunagari.ModeAttributed, OrgID: w.Org.ID,
			OpensAt: now.AddDate(0, -4, 0), ClosesAt: now.AddDate(0, -3, 0), Subject: subject, Phase: tsunagari.PhasePre}
		post := &tsunagari.Round{InstrumentID: in.ID, InstrumentVersion: in.Version, Mode: tsunagari.ModeAttributed, OrgID: w.Org.ID,
			OpensAt: now.AddDate(0, -1, 0), ClosesAt: now.Add(24 * time.Hour), Subject: subject, Phase: tsunagari.PhasePost}
		if err := e.st.Surveys.CreateRounds(ctx, []*tsunagari.Round{pre, post}); err != nil {
			t.Fatal(err)
		}
		// 30 people answer both: every Likert answer one point higher
		// after, except the reverse-scored ones, one lower.
		var resps []*tsunagari.Response
		for i, person := range w.People[:30] {
			for _, r := range []*tsunagari.Round{pre, post} {
				var as []tsunagari.Answer
				for _, it := range in.Items() {
					v := float64(2 + i%3)
					if it.Reverse {
						v = float64(2 + (i/3)%3)
					}
					if (r == post) != it.Reverse {
						v++
					}
					as = append(as, tsunagari.Answer{Item: it.ID, Value: tsunagari.Float(v)})
				}
				resps = append(resps, &tsunagari.Response{ID: tsunagari.NewID(), RoundID: r.ID, InstrumentID: in.ID,
					InstrumentVersion: in.Version, AccountID: person.Account.ID, PairKey: fmt.Sprintf("pair-%d", i), Answers: as})
			}
		}
		// 5 answer only before.
		for i, person := range w.People[30:35] {
			var as []tsunagari.Answer
			for _, it := range in.Items() {
				as = append(as, tsunagari.Answer{Item: it.ID, Value: tsunagari.Float(1)})
			}
			resps = append(resps, &tsunagari.Response{ID: tsunagari.NewID(), RoundID: pre.ID, InstrumentID: in.ID,
				InstrumentVersion: in.Version, AccountID: person.Account.ID, PairKey: fmt.Sprintf("alone-%d", i), Answers: as})
		}
		if err := e.st.Surveys.ImportResponses(ctx, resps); err != nil {
			t.Fatal(err)
		}
		svc := e.service()
		if _, err := svc.PublishDue(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := e.st.Releases.FindRelease(ctx, w.Org.ID, tsunagari.ReleaseProgramme, p.ID); err == nil {
			t.Fatalf("the programme was published before its after survey closed")
		}
		svc.Now = func() time.Time { return now.Add(48 * time.Hour) }
		if _, err := svc.PublishDue(ctx); err != nil {
			t.Fatal(err)
		}
		rel, err := e.st.Releases.FindRelease(ctx, w.Org.ID, tsunagari.ReleaseProgramme, p.ID)
		if err != nil {
			t.Fatalf("the programme was not published: %v", err)
		}
		var doc disclosure.ProgrammeDocument
		if err := disclosure.Unmarshal(rel.Body, &doc); err != nil {
			t.Fatal(err)
		}
		if doc.Name != p.Name || len(doc.Effects) != len(in.Dimensions) || doc.PairK != 10 {
			t.Fatalf("document = %+v", doc)
		}
		for i, eff := range doc.Effects {
			// One point on a 5-point item is 25 points of the 0–100 score.
			if eff.Measure != in.Dimensions[i].ID || eff.Hidden || eff.Pairs != 30 || eff.Change != 25 ||
				math.Abs(eff.After-eff.Before-25) > 0.11 || eff.Low != 25 || eff.High != 25 || eff.Size == nil || eff.Size.Value <= 0 {
				t.Errorf("effect %d = %+v, want +25 over 30 pairs", i, eff)
			}
		}
	})
}
