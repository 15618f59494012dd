package tsunagari_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"tsunagari"
)

func validProject() *tsunagari.ProbonoProject {
	return &tsunagari.ProbonoProject{CommunityID: tsunagari.NewID(), Title: "寄付サイトのリニューアル", Deliverable: "寄付を募るウェブサイト",
		Roles:    []tsunagari.ProbonoRole{{Name: "デザイナー", Skills: []string{"UIデザイン"}}, {Name: "エンジニア", Skills: []string{"Go"}}},
		TeamSize: 4, HoursPerWeek: 5, DurationMonths: 3, StartsOn: "2027-01-11", AnswerBy: jst("2026-12-20 23:59")}
}

func TestProbonoProjectValidate(t *testing.T) {
	tests := []struct {
		name       string
		edit       func(p *tsunagari.ProbonoProject)
		field, key string
	}{
		{"no title", func(p *tsunagari.ProbonoProject) { p.Title = "" }, "title", "probono.title_required"},
		{"no deliverable", func(p *tsunagari.ProbonoProject) { p.Deliverable = " " }, "deliverable", "probono.deliverable_required"},
		{"a team of one", func(p *tsunagari.ProbonoProject) { p.TeamSize = 1 }, "teamSize", "probono.team_size_invalid"},
		{"a team of seven", func(p *tsunagari.ProbonoProject) { p.TeamSize = 7 }, "teamSize", "probono.team_size_invalid"},
		{"no hours", func(p *tsunagari.ProbonoProject) { p.HoursPerWeek = 0 }, "hoursPerWeek", "probono.hours_invalid"},
		{"seven months", func(p *tsunagari.ProbonoProject) { p.DurationMonths = 7 }, "durationMonths", "probono.months_invalid"},
		{"no roles", func(p *tsunagari.ProbonoProject) { p.Roles = nil }, "roles", "probono.roles_required"},
		{"more roles than people", func(p *tsunagari.ProbonoProject) {
			p.TeamSize = 2
			p.Roles = append(p.Roles, tsunagari.ProbonoRole{Name: "広報", Skills: []string{"SNS"}})
		}, "roles", "probono.too_many_roles"},
		{"a role twice", func(p *tsunagari.ProbonoProject) { p.Roles[1].Name = "ﾃﾞｻﾞｲﾅｰ" }, "", ""},
		{"the same role twice", func(p *tsunagari.ProbonoProject) { p.Roles[1].Name = "デザイナー" }, "roles", "probono.role_repeated"},
		{"a role without skills", func(p *tsunagari.ProbonoProject) { p.Roles[0].Skills = nil }, "roles", "probono.role_skills_required"},
		{"a long skill", func(p *tsunagari.ProbonoProject) { p.Roles[0].Skills = []string{strings.Repeat("x", 31)} }, "roles", "probono.skill_invalid"},
		{"no start", func(p *tsunagari.ProbonoProject) { p.StartsOn = "来月" }, "startsOn", "probono.start_invalid"},
		{"answers after the start", func(p *tsunagari.ProbonoProject) { p.AnswerBy = jst("2027-01-11 00:00") }, "answerBy", "probono.answer_by_invalid"},
	}
	if err := validProject().Validate(); err != nil {
		t.Fatalf("valid project: %v", err)
	}
	for _, tt := range tests {
		p := validProject()
		tt.edit(p)
		err := p.Validate()
		if tt.key == "" {
			if err != nil {
				t.Errorf("%s: Validate() = %v, want nil", tt.name, err)
			}
			continue
		}
		var e *tsunagari.Error
		if !errors.As(err, &e) || e.Key != tt.key || e.Details[0].Field != tt.field {
			t.Errorf("%s: Validate() = %v, want %s on %s", tt.name, err, tt.key, tt.field)
		}
	}

	p := validProject()
	p.StartsOn = "２０２７年１月１１日"
	p.Roles = append(p.Roles, tsunagari.ProbonoRole{Name: " ", Skills: []string{" "}})
	p.Roles[0].Skills = []string{" #Figma ", "figma", "ＵＩデザイン", "UIデザイン"}
	p.Clean()
	if p.StartsOn != "2027-01-11" || len(p.Roles) != 2 || !slices.Equal(p.Roles[0].Skills, []string{"Figma", "figma", "UIデザイン"}) {
		t.Errorf("Clean() = %q, %v", p.StartsOn, p.Roles)
	}
	if got := p.Roles[0].Fits([]string{"FIGMA", "ui デザイン", "UIデザイン"}); got != 3 {
		t.Errorf("Fits = %d, want 3 (skills compare without case or width)", got)
	}
	if !p.End().Equal(jst("2027-04-11 00:00")) {
		t.Errorf("End() = %v", p.End())
	}
}

func TestProbonoApplicationValidate(t *testing.T) {
	a := &tsunagari.ProbonoApplication{Skills: []string{" Go ", "go", ""}, HoursPerWeek: 5, Motivation: " よろしく\r\nお願いします "}
	a.Clean()
	if err := a.Validate(); err != nil || !slices.Equal(a.Skills, []string{"Go", "go"}) || a.Motivation != "よろしく\nお願いします" {
		t.Errorf("cleaned application = %+v, %v", a, err)
	}
	for _, bad := range []tsunagari.ProbonoApplication{
		{HoursPerWeek: 5},
		{Skills: []string{"Go"}, HoursPerWeek: 0},
		{Skills: []string{"Go"}, HoursPerWeek: 41},
		{Skills: []string{"Go"}, HoursPerWeek: 5, Motivation: strings.Repeat("あ", 1001)},
	} {
		if err := bad.Validate(); tsunagari.ErrorCode(err) != tsunagari.CodeInvalid {
			t.Errorf("Validate(%+v) = %v, want invalid", bad, err)
		}
	}
}
