package probono_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tsunagari"
	"tsunagari/internal/audit"
	"tsunagari/internal/i18n"
	"tsunagari/internal/probono"
	"tsunagari/internal/sqlite"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

type fixture struct {
	svc    *probono.Service
	stores tsunagari.Stores
	clock  *clock
	lead   *tsunagari.Account
	npo    *tsunagari.Community
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "probono.db"), sqlite.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	catalog, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{stores: db.Stores(), clock: &clock{t: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}}
	f.svc = &probono.Service{Store: f.stores.Probono, Communities: f.stores.Communities, Catalog: catalog, BaseURL: "https://tsunagari.example",
		Now: f.clock.now, Audit: &audit.Service{Store: f.stores.Audit, Now: f.clock.now}}
	f.lead = f.account("lead@example.jp", "", "")
	f.npo = f.community(tsunagari.CommunityNPO, "ママボノ")
	return f
}

func (f *fixture) account(email, industry, job string) *tsunagari.Account {
	a := &tsunagari.Account{Email: email, Name: strings.Split(email, "@")[0], PasswordHash: "x", Roles: []tsunagari.Role{tsunagari.RoleMember},
		Industry: industry, JobFamily: job}
	if err := f.stores.Accounts.CreateAccount(context.Background(), a); err != nil {
		panic(err)
	}
	return a
}

func (f *fixture) community(kind tsunagari.CommunityKind, name string) *tsunagari.Community {
	c := &tsunagari.Community{Kind: kind, Name: name, Purpose: "目的", Online: true, Languages: []string{"ja"}, JoinPolicy: tsunagari.JoinOpen,
		Organisers: []tsunagari.Organiser{{AccountID: f.lead.ID, Role: tsunagari.CommunityOrganiser}}}
	if kind == tsunagari.CommunityRegionalAlumni {
		c.HomePrefecture = "15"
	}
	if err := f.stores.Communities.CreateCommunity(context.Background(), c); err != nil {
		panic(err)
	}
	return c
}

func (f *fixture) project(c *tsunagari.Community, title string, startsOn string) (*tsunagari.ProbonoProject, error) {
	p := &tsunagari.ProbonoProject{CommunityID: c.ID, Title: title, Deliverable: "広報誌の新しい誌面",
		Roles:    []tsunagari.ProbonoRole{{Name: "編集", Skills: []string{"編集", "校正"}}, {Name: "デザイン", Skills: []string{"InDesign"}}},
		TeamSize: 3, HoursPerWeek: 5, DurationMonths: 3, StartsOn: startsOn, AnswerBy: f.clock.t.Add(7 * 24 * time.Hour)}
	return p, f.svc.Create(context.Background(), f.lead, p)
}

func key(err error) string {
	var e *tsunagari.Error
	if errors.As(err, &e) {
		return e.Key
	}
	return err.Error()
}

func TestNobodyWaitsPastTheDeadline(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	p, err := f.project(f.npo, "広報誌のリニューアル", "2026-12-20")
	if err != nil {
		t.Fatal(err)
	}
	var waiting []*tsunagari.Account
	for _, email := range []string{"a@example.jp", "b@example.jp", "c@example.jp"} {
		v := f.account(email, "media", "creative")
		waiting = append(waiting, v)
		if err := f.svc.Apply(ctx, v, p.ID, &tsunagari.ProbonoApplication{Skills: []string{"編集"}, HoursPerWeek: 5}); err != nil {
			t.Fatal(err)
		}
	}
	f.clock.t = p.AnswerBy.Add(-time.Second)
	if n, err := f.svc.AnswerOverdue(ctx); err != nil || n != 0 {
		t.Fatalf("AnswerOverdue before the deadline = %d, %v", n, err)
	}
	f.clock.t = p.AnswerBy
	if n, err := f.svc.AnswerOverdue(ctx); err != nil || n != 3 {
		t.Fatalf("AnswerOverdue at the deadline = %d, %v", n, err)
	}
	if n, err := f.svc.AnswerOverdue(ctx); err != nil || n != 0 {
		t.Fatalf("AnswerOverdue again = %d, %v", n, err)
	}
	for _, v := range waiting {
		mails, _ := f.stores.Outbox.FindMail(ctx, tsunagari.MailFilter{To: v.Email})
		if len(mails) != 1 || mails[0].Kind != "probono_not_selected" || !strings.Contains(mails[0].Body, "回答期限までにチームが決まらなかった") ||
			!strings.Contains(mails[0].Body, "広報誌のリニューアル") || !strings.Contains(mails[0].Body, "ママボノ") {
			t.Errorf("mail to %s = %+v", v.Email, mails)
		}
		d, err := f.svc.Project(ctx, v, p.ID)
		if err != nil || d.Mine.Status != tsunagari.ApplicationNotSelected || !d.Mine.Automatic || d.Project.Status != tsunagari.ProbonoClosed || d.Open {
			t.Errorf("project as %s sees it: %+v, %v", v.Email, d, err)
		}
	}
	if err := f.svc.Apply(ctx, f.lead, p.ID, &tsunagari.ProbonoApplication{Skills: []string{"編集"}, HoursPerWeek: 5}); key(err) != "probono.closed" {
		t.Errorf("Apply after the deadline = %v", err)
	}
}

func TestConfirmTeam(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.project(f.community(tsunagari.CommunityUnion, "ユニオン"), "組合のサイト", "2026-12-20"); key(err) != "probono.kind_not_allowed" {
		t.Errorf("a project of a union = %v", err)
	}
	p, err := f.project(f.npo, "広報誌のリニューアル", "2026-12-20")
	if err != nil {
		t.Fatal(err)
	}
	// busy is already on a team that runs at the same time.
	other, err := f.project(f.npo, "会員名簿の整理", "2026-12-15")
	if err != nil {
		t.Fatal(err)
	}
	editor, designer, writer, busy := f.account("editor@example.jp", "media", "creative"), f.account("designer@example.jp", "it_telecom", "design"),
		f.account("writer@example.jp", "education", "education"), f.account("busy@example.jp", "finance", "finance")
	apps := map[string]string{}
	for _, x := range []struct {
		who    *tsunagari.Account
		skills string
		hours  int
	}{{editor, "編集,校正", 5}, {designer, "InDesign", 6}, {writer, "文章", 8}, {busy, "編集", 6}} {
		a := &tsunagari.ProbonoApplication{Skills: strings.Split(x.skills, ","), HoursPerWeek: x.hours}
		if err := f.svc.Apply(ctx, x.who, p.ID, a); err != nil {
			t.Fatal(err)
		}
		apps[x.who.Email] = a.ID
	}
	if err := f.svc.Apply(ctx, busy, other.ID, &tsunagari.ProbonoApplication{Skills: []string{"会計"}, HoursPerWeek: 6}); err != nil {
		t.Fatal(err)
	}
	var busyOther string
	if list, _ := f.stores.Probono.FindApplications(ctx, other.ID, busy.ID); len(list) == 1 {
		busyOther = list[0].ID
	}
	if err := f.svc.Confirm(ctx, f.lead, other.ID, []tsunagari.TeamMember{{ApplicationID: busyOther, Role: "編集"}, {ApplicationID: busyOther}}); key(err) != "probono.member_twice" {
		t.Errorf("a member twice = %v", err)
	}
	// A team of one is too small.
	if err := f.svc.Confirm(ctx, f.lead, other.ID, []tsunagari.TeamMember{{ApplicationID: busyOther, Role: "編集"}}); key(err) != "probono.team_size_wrong" {
		t.Errorf("a team of one = %v", err)
	}
	helper := f.account("helper@example.jp", "", "")
	h := &tsunagari.ProbonoApplication{Skills: []string{"InDesign"}, HoursPerWeek: 5}
	if err := f.svc.Apply(ctx, helper, other.ID, h); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Confirm(ctx, f.lead, other.ID, []tsunagari.TeamMember{{ApplicationID: busyOther, Role: "編集"}, {ApplicationID: h.ID, Role: "デザイン"}}); err != nil {
		t.Fatal(err)
	}

	team, err := f.svc.Team(ctx, f.lead, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range team.Applicants {
		if a.Email == busy.Email && a.Available != 1 {
			t.Errorf("busy has %d hours left, want 6 - 5 = 1", a.Available)
		}
	}
	proposed := map[string]string{}
	for _, m := range team.Proposal.Members {
		proposed[m.ID] = m.Role
	}
	if len(proposed) != 3 || proposed[apps[editor.Email]] != "編集" || proposed[apps[designer.Email]] != "デザイン" || proposed[apps[busy.Email]] != "" && len(team.Proposal.Uncovered) != 0 {
		t.Errorf("proposal = %+v", team.Proposal)
	}
	if _, ok := proposed[apps[busy.Email]]; ok {
		t.Errorf("busy, with 1 hour left, is proposed for a 5-hour team")
	}

	for _, c := range []struct {
		team []tsunagari.TeamMember
		key  string
	}{
		{[]tsunagari.TeamMember{{ApplicationID: apps[editor.Email], Role: "編集"}, {ApplicationID: apps[busy.Email], Role: "デザイン"}}, "probono.over_hours"},
		{[]tsunagari.TeamMember{{ApplicationID: apps[editor.Email], Role: "編集"}, {ApplicationID: apps[writer.Email]}}, "probono.role_untaken"},
		{[]tsunagari.TeamMember{{ApplicationID: apps[editor.Email], Role: "編集"}, {ApplicationID: apps[designer.Email], Role: "広報"}}, "probono.role_unknown"},
		{[]tsunagari.TeamMember{{ApplicationID: apps[editor.Email], Role: "編集"}, {ApplicationID: tsunagari.NewID(), Role: "デザイン"}}, "probono.member_not_applicant"},
	} {
		if err := f.svc.Confirm(ctx, f.lead, p.ID, c.team); key(err) != c.key {
			t.Errorf("Confirm(%v) = %v, want %s", c.team, err, c.key)
		}
	}
	if err := f.svc.Confirm(ctx, editor, p.ID, []tsunagari.TeamMember{{ApplicationID: apps[editor.Email], Role: "編集"}}); tsunagari.ErrorCode(err) != tsunagari.CodeNotFound {
		t.Errorf("Confirm by an applicant = %v", err)
	}
	// The organiser takes the writer instead of nobody for the third place.
	if err := f.svc.Confirm(ctx, f.lead, p.ID, []tsunagari.TeamMember{{ApplicationID: apps[editor.Email], Role: "編集"},
		{ApplicationID: apps[designer.Email], Role: "デザイン"}, {ApplicationID: apps[writer.Email]}}); err != nil {
		t.Fatal(err)
	}
	for email, want := range map[string]string{editor.Email: "probono_accepted", designer.Email: "probono_accepted", writer.Email: "probono_accepted", busy.Email: "probono_not_selected"} {
		mails, _ := f.stores.Outbox.FindMail(ctx, tsunagari.MailFilter{To: email})
		found := false
		for _, m := range mails {
			found = found || m.Kind == want && strings.Contains(m.Body, "広報誌のリニューアル")
		}
		if !found {
			t.Errorf("%s was not told %s: %+v", email, want, mails)
		}
	}
}
