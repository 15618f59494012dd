package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"tsunagari"
	"tsunagari/internal/probono"
)

// Pro-bono pages: the projects that recruit, a project with the
// visitor's application, the organisers' form, and the team page where
// organisers adjust tsunagari's proposal and confirm.

type probonoListPage struct {
	Projects []*tsunagari.ProbonoProject
	Query    string
}

func (s *Server) probonoList(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	q := r.URL.Query().Get("q")
	list, err := s.Probono.List(r.Context(), a, "", q)
	if err != nil {
		return err
	}
	return s.render(w, r, a, http.StatusOK, "probono_list", "probono.list.title", probonoListPage{Projects: list, Query: q})
}

type probonoPage struct {
	*probono.Details
	Form *form
}

func (s *Server) probonoView(w http.ResponseWriter, r *http.Request, a *tsunagari.Account, status int, f *form) error {
	d, err := s.Probono.Project(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	if f == nil {
		f = &form{Values: url.Values{"hoursPerWeek": {fmt.Sprint(d.Project.HoursPerWeek)}}}
	}
	return s.renderPage(w, r, a, status, "probono", page{Title: "probono.title", TitleText: d.Project.Title, Data: probonoPage{Details: d, Form: f}})
}

func (s *Server) probonoShow(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	return s.probonoView(w, r, a, http.StatusOK, nil)
}

// splitList reads a list typed into one field, separated by commas
// (either width), Japanese commas or new lines.
func splitList(v string) []string {
	return strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == '，' || r == '、' || r == '\n' || r == '\r' })
}

func (s *Server) probonoApply(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	x := &tsunagari.ProbonoApplication{Skills: splitList(r.PostForm.Get("skills")), Motivation: r.PostForm.Get("motivation")}
	hours, err := formNumber(r.PostForm, "hoursPerWeek", "probono.availability_invalid", 40)
	if err == nil {
		x.HoursPerWeek = hours
		err = s.Probono.Apply(r.Context(), a, r.PathValue("id"), x)
	}
	if err != nil {
		f, status, err := s.formError(r, a, err)
		if err != nil {
			return err
		}
		return s.probonoView(w, r, a, status, f)
	}
	return s.redirect(w, r, "/probono/"+r.PathValue("id"), "flash.probono_applied")
}

// The organisers' form.

// formRoles is how many role rows the project form offers.
const formRoles = tsunagari.MaxProbonoRoles

type probonoFormPage struct {
	Community *tsunagari.Community
	Form      *form
	Rows      []int
}

func (s *Server) probonoFormView(w http.ResponseWriter, r *http.Request, a *tsunagari.Account, status int, f *form) error {
	c, err := s.Probono.Community(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	if f == nil {
		f = &form{Values: url.Values{"teamSize": {"4"}, "hoursPerWeek": {"5"}, "durationMonths": {"3"}}}
	}
	rows := make([]int, formRoles)
	for i := range rows {
		rows[i] = i + 1
	}
	return s.render(w, r, a, status, "probono_new", "probono.new.title", probonoFormPage{Community: c, Form: f, Rows: rows})
}

func (s *Server) probonoNew(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	return s.probonoFormView(w, r, a, http.StatusOK, nil)
}

// projectFromForm reads the organisers' form. The answer deadline is the
// end of the given day in loc.
func projectFromForm(v url.Values, communityID string, loc *time.Location) (*tsunagari.ProbonoProject, error) {
	p := &tsunagari.ProbonoProject{CommunityID: communityID, Title: v.Get("title"), Deliverable: v.Get("deliverable"),
		Description: v.Get("description"), StartsOn: v.Get("startsOn")}
	for i := 1; i <= formRoles; i++ {
		p.Roles = append(p.Roles, tsunagari.ProbonoRole{Name: v.Get(fmt.Sprintf("roleName%d", i)), Skills: splitList(v.Get(fmt.Sprintf("roleSkills%d", i)))})
	}
	for _, n := range []struct {
		field string
		dst   *int
	}{{"teamSize", &p.TeamSize}, {"hoursPerWeek", &p.HoursPerWeek}, {"durationMonths", &p.DurationMonths}} {
		var err error
		if *n.dst, err = formNumber(v, n.field, "probono.number_invalid"); err != nil {
			return nil, err
		}
	}
	d, err := tsunagari.ParseDate("answerBy", v.Get("answerBy"))
	if err != nil {
		return nil, err
	}
	day, _ := time.ParseInLocation(time.DateOnly, d, loc)
	p.AnswerBy = day.AddDate(0, 0, 1).Add(-time.Second).UTC()
	return p, nil
}

func (s *Server) probonoCreate(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	if _, err := s.Probono.Community(r.Context(), a, r.PathValue("id")); err != nil {
		return err
	}
	p, err := projectFromForm(r.PostForm, r.PathValue("id"), a.Location())
	if err == nil {
		err = s.Probono.Create(r.Context(), a, p)
	}
	if err != nil {
		f, status, err := s.formError(r, a, err)
		if err != nil {
			return err
		}
		return s.probonoFormView(w, r, a, status, f)
	}
	return s.redirect(w, r, "/probono/"+p.ID, "flash.probono_created")
}

// The team page.

type teamRow struct {
	*probono.Applicant
	Proposed bool
	Role     string
}

type teamPage struct {
	Team *probono.Team
	Rows []teamRow
	Form *form
}

func (s *Server) teamView(w http.ResponseWriter, r *http.Request, a *tsunagari.Account, status int, f *form) error {
	t, err := s.Probono.Team(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	p := teamPage{Team: t, Form: f}
	for _, ap := range t.Applicants {
		row := teamRow{Applicant: ap}
		if f != nil {
			row.Proposed = hasValue(f.Values["member"], ap.ID)
			row.Role = f.Values.Get("role-" + ap.ID)
		} else {
			for _, m := range t.Proposal.Members {
				if m.ID == ap.ID {
					row.Proposed, row.Role = true, m.Role
				}
			}
		}
		p.Rows = append(p.Rows, row)
	}
	if p.Form == nil {
		p.Form = &form{Values: url.Values{}}
	}
	return s.renderPage(w, r, a, status, "probono_team", page{Title: "team.title", TitleText: t.Project.Title, Data: p})
}

func hasValue(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func (s *Server) probonoTeam(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	return s.teamView(w, r, a, http.StatusOK, nil)
}

func (s *Server) probonoConfirm(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	var team []tsunagari.TeamMember
	for _, id := range r.PostForm["member"] {
		team = append(team, tsunagari.TeamMember{ApplicationID: id, Role: r.PostForm.Get("role-" + id)})
	}
	if err := s.Probono.Confirm(r.Context(), a, r.PathValue("id"), team); err != nil {
		f, status, err := s.formError(r, a, err)
		if err != nil {
			return err
		}
		return s.teamView(w, r, a, status, f)
	}
	return s.redirect(w, r, "/probono/"+r.PathValue("id"), "flash.team_confirmed")
}
