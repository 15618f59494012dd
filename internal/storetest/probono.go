package storetest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"tsunagari"
)

// project returns a valid pro-bono project of community c: a website for
// two roles, a team of three, answered a week after t0, starting in a
// month.
func project(c *tsunagari.Community, title string) *tsunagari.ProbonoProject {
	return &tsunagari.ProbonoProject{CommunityID: c.ID, Title: title, Deliverable: "寄付を募るウェブサイト", Description: "説明",
		Roles:    []tsunagari.ProbonoRole{{Name: "デザイナー", Skills: []string{"UIデザイン", "Figma"}}, {Name: "エンジニア", Skills: []string{"Go"}}},
		TeamSize: 3, HoursPerWeek: 5, DurationMonths: 3, StartsOn: "2026-12-01", AnswerBy: t0.Add(7 * 24 * time.Hour), CreatedAt: t0}
}

func mustCreateProject(t *testing.T, s tsunagari.Stores, p *tsunagari.ProbonoProject) *tsunagari.ProbonoProject {
	t.Helper()
	if err := s.Probono.CreateProject(context.Background(), p); err != nil {
		t.Fatalf("CreateProject(%s) error = %v", p.Title, err)
	}
	return p
}

func apply(s tsunagari.Stores, p *tsunagari.ProbonoProject, a *tsunagari.Account, at time.Time, skills ...string) (*tsunagari.ProbonoApplication, error) {
	x := &tsunagari.ProbonoApplication{ProjectID: p.ID, AccountID: a.ID, Skills: skills, HoursPerWeek: 5, Motivation: "力になりたい", CreatedAt: at}
	return x, s.Probono.CreateApplication(context.Background(), x)
}

func mustApply(t *testing.T, s tsunagari.Stores, p *tsunagari.ProbonoProject, a *tsunagari.Account, at time.Time, skills ...string) *tsunagari.ProbonoApplication {
	t.Helper()
	x, err := apply(s, p, a, at, skills...)
	if err != nil {
		t.Fatalf("CreateApplication(%s, %s) error = %v", p.Title, a.Email, err)
	}
	return x
}

// answered writes a message whose subject is the answer, "automatic" for
// one given at the deadline.
func answered(p *tsunagari.ProbonoProject, x *tsunagari.ProbonoApplication) *tsunagari.Mail {
	subject := string(x.Status)
	if x.Automatic {
		subject += "/automatic"
	}
	return &tsunagari.Mail{To: x.Email, Subject: subject, Body: p.Title + " " + x.Role, Kind: "probono_" + string(x.Status)}
}

func testProbono(t *testing.T, open func(t *testing.T) Backend) {
	ctx := context.Background()
	at := t0.Add(time.Hour)

	t.Run("ProjectsAndApplications", func(t *testing.T) {
		b := open(t)
		s := b.Stores()
		lead := mustCreateAccount(t, s, account("lead@example.jp"))
		c := mustCreateCommunity(t, s, community(tsunagari.CommunityNPO, "こども食堂ネットワーク", lead))
		p := project(c, "寄付サイトのリニューアル")
		p.CreatedBy = lead.ID
		mustCreateProject(t, s, p)
		if !tsunagari.ValidID(p.ID) || p.Status != tsunagari.ProbonoRecruiting {
			t.Fatalf("CreateProject set ID %q, status %s", p.ID, p.Status)
		}
		got, err := s.Probono.FindProjectByID(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := *p
		want.Community = tsunagari.EventCommunity{Name: c.Name, Kind: c.Kind}
		if fmt.Sprintf("%+v", *got) != fmt.Sprintf("%+v", want) || !sameTime(got.AnswerBy, p.AnswerBy) {
			t.Errorf("FindProjectByID =\n%+v\nwant\n%+v", *got, want)
		}
		for q, n := range map[string]int{"寄付": 1, "デザイン": 1, "figma": 1, "プロボノ": 1, "会計": 0} {
			if list, err := s.Probono.FindProjects(ctx, tsunagari.ProbonoFilter{Query: q}); err != nil || len(list) != n {
				t.Errorf("FindProjects(%q) = %d, %v; want %d", q, len(list), err, n)
			}
		}
		if list, _ := s.Probono.FindProjects(ctx, tsunagari.ProbonoFilter{Status: tsunagari.ProbonoTeamed}); len(list) != 0 {
			t.Errorf("FindProjects(teamed) = %d", len(list))
		}

		vol := mustCreateAccount(t, s, account("vol@example.jp"))
		x := mustApply(t, s, p, vol, at, "Go", "PostgreSQL")
		list, err := s.Probono.FindApplications(ctx, p.ID, "")
		if err != nil || len(list) != 1 {
			t.Fatalf("FindApplications = %v, %v", list, err)
		}
		y := list[0]
		if y.ID != x.ID || !slices.Equal(y.Skills, []string{"Go", "PostgreSQL"}) || y.Status != tsunagari.ApplicationOpen ||
			y.Name != vol.Name || y.JobFamily != "care" || y.Industry != "healthcare_welfare" || y.AgeBand != "30s" || !sameTime(y.CreatedAt, at) {
			t.Errorf("FindApplications[0] = %+v", y)
		}
		if mine, _ := s.Probono.FindApplications(ctx, "", vol.ID); len(mine) != 1 {
			t.Errorf("FindApplications(account) = %d", len(mine))
		}

		fp := fingerprint(t, b)
		_, err = apply(s, p, vol, at, "Go")
		wantErr(t, "CreateApplication(twice)", err, tsunagari.ErrConflict)
		unchanged(t, b, fp, "a second application")
		late := mustCreateAccount(t, s, account("late@example.jp"))
		fp = fingerprint(t, b)
		_, err = apply(s, p, late, p.AnswerBy, "Go")
		wantErr(t, "CreateApplication(at the deadline)", err, tsunagari.ErrStarted)
		_, err = apply(s, &tsunagari.ProbonoProject{ID: tsunagari.NewID()}, late, at, "Go")
		wantErr(t, "CreateApplication(unknown project)", err, tsunagari.ErrNotFound)
		wantErr(t, "CreateProject(unknown community)", s.Probono.CreateProject(ctx, project(&tsunagari.Community{ID: tsunagari.NewID()}, "幽霊")),
			tsunagari.ErrNotFound)
		unchanged(t, b, fp, "refused applications")
	})

	t.Run("ConfirmTeam", func(t *testing.T) {
		b := open(t)
		s := b.Stores()
		lead := mustCreateAccount(t, s, account("lead@example.jp"))
		c := mustCreateCommunity(t, s, community(tsunagari.CommunityWorkerCoop, "みどり協同労働", lead))
		p := mustCreateProject(t, s, project(c, "会員管理の仕組みづくり"))
		ps := people(t, s, "v", 4)
		var xs []*tsunagari.ProbonoApplication
		for i, v := range ps {
			xs = append(xs, mustApply(t, s, p, v, at.Add(time.Duration(i)*time.Minute), "Go"))
		}
		fp := fingerprint(t, b)
		err := s.Probono.ConfirmTeam(ctx, p.ID, []tsunagari.TeamMember{{ApplicationID: tsunagari.NewID()}}, at, answered)
		wantErr(t, "ConfirmTeam(unknown application)", err, tsunagari.ErrNotFound)
		err = s.Probono.ConfirmTeam(ctx, p.ID, []tsunagari.TeamMember{{ApplicationID: xs[0].ID}}, p.AnswerBy, answered)
		wantErr(t, "ConfirmTeam(at the deadline)", err, tsunagari.ErrStarted)
		unchanged(t, b, fp, "refused confirmations")

		team := []tsunagari.TeamMember{{ApplicationID: xs[2].ID, Role: "デザイナー"}, {ApplicationID: xs[0].ID, Role: "エンジニア"}, {ApplicationID: xs[3].ID}}
		if err := s.Probono.ConfirmTeam(ctx, p.ID, team, at.Add(time.Hour), answered); err != nil {
			t.Fatal(err)
		}
		got, _ := s.Probono.FindProjectByID(ctx, p.ID)
		if got.Status != tsunagari.ProbonoTeamed || got.TeamConfirmedAt == nil {
			t.Errorf("project after ConfirmTeam = %+v", got)
		}
		list, _ := s.Probono.FindApplications(ctx, p.ID, "")
		var answers []string
		for _, x := range list {
			if x.AnsweredAt == nil || x.Automatic {
				t.Errorf("application %s answered at %v, automatic %v", x.Email, x.AnsweredAt, x.Automatic)
			}
			answers = append(answers, x.Email+":"+string(x.Status)+":"+x.Role)
		}
		want := []string{"v0@example.jp:accepted:エンジニア", "v1@example.jp:not_selected:", "v2@example.jp:accepted:デザイナー", "v3@example.jp:accepted:"}
		if !slices.Equal(answers, want) {
			t.Errorf("answers = %q, want %q", answers, want)
		}
		if got := told(t, s); !slices.Equal(got, []string{"v0@example.jp:accepted", "v1@example.jp:not_selected", "v2@example.jp:accepted", "v3@example.jp:accepted"}) {
			t.Errorf("outbox = %q", got)
		}
		err = s.Probono.ConfirmTeam(ctx, p.ID, team, at.Add(2*time.Hour), answered)
		wantErr(t, "ConfirmTeam(twice)", err, tsunagari.ErrStarted)
		_, err = apply(s, p, lead, at.Add(2*time.Hour), "Go")
		wantErr(t, "CreateApplication(teamed)", err, tsunagari.ErrStarted)

		// The team's members have promised 5 hours a week while it runs.
		ids := []string{ps[0].ID, ps[1].ID, ps[3].ID}
		during, err := s.Probono.Commitments(ctx, ids, p.Start().AddDate(0, 1, 0), p.Start().AddDate(0, 2, 0), "")
		if err != nil || during[ps[0].ID] != 5 || during[ps[3].ID] != 5 || during[ps[1].ID] != 0 {
			t.Errorf("Commitments during = %v, %v", during, err)
		}
		if after, _ := s.Probono.Commitments(ctx, ids, p.End(), p.End().AddDate(0, 1, 0), ""); len(after) != 0 {
			t.Errorf("Commitments after = %v", after)
		}
		if except, _ := s.Probono.Commitments(ctx, ids, p.Start(), p.End(), p.ID); len(except) != 0 {
			t.Errorf("Commitments except the project = %v", except)
		}
	})

	t.Run("AnswerOverdue", func(t *testing.T) {
		b := open(t)
		s := b.Stores()
		lead := mustCreateAccount(t, s, account("lead@example.jp"))
		c := mustCreateCommunity(t, s, community(tsunagari.CommunityNPO, "ママボノ", lead))
		due := mustCreateProject(t, s, project(c, "広報誌の編集"))
		later := project(c, "経理の見直し")
		later.AnswerBy = due.AnswerBy.Add(24 * time.Hour)
		mustCreateProject(t, s, later)
		ps := people(t, s, "v", 6)
		for i, v := range ps {
			if i < 5 {
				mustApply(t, s, due, v, at, "編集")
			} else {
				mustApply(t, s, later, v, at, "会計")
			}
		}
		if n, err := s.Probono.AnswerOverdue(ctx, due.AnswerBy.Add(-time.Second), answered); err != nil || n != 0 {
			t.Errorf("AnswerOverdue before the deadline = %d, %v", n, err)
		}
		// Four processes run the job at once: each application is
		// answered, and told, exactly once.
		var (
			wg    sync.WaitGroup
			mu    sync.Mutex
			total int
		)
		for range 4 {
			wg.Go(func() {
				n, err := s.Probono.AnswerOverdue(ctx, due.AnswerBy, answered)
				if err != nil {
					t.Error(err)
				}
				mu.Lock()
				total += n
				mu.Unlock()
			})
		}
		wg.Wait()
		if total != 5 {
			t.Errorf("AnswerOverdue answered %d in all, want 5", total)
		}
		got := told(t, s)
		slices.Sort(got)
		want := []string{"v0@example.jp:not_selected/automatic", "v1@example.jp:not_selected/automatic", "v2@example.jp:not_selected/automatic",
			"v3@example.jp:not_selected/automatic", "v4@example.jp:not_selected/automatic"}
		if !slices.Equal(got, want) {
			t.Errorf("outbox = %q, want %q", got, want)
		}
		if p, _ := s.Probono.FindProjectByID(ctx, due.ID); p.Status != tsunagari.ProbonoClosed {
			t.Errorf("overdue project is %s, want closed", p.Status)
		}
		if p, _ := s.Probono.FindProjectByID(ctx, later.ID); p.Status != tsunagari.ProbonoRecruiting {
			t.Errorf("project not yet due is %s", p.Status)
		}
		fp := fingerprint(t, b)
		if n, err := s.Probono.AnswerOverdue(ctx, due.AnswerBy.Add(time.Hour), answered); err != nil || n != 0 {
			t.Errorf("AnswerOverdue again = %d, %v", n, err)
		}
		unchanged(t, b, fp, "a second run of AnswerOverdue")
	})
}
