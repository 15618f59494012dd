package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"tsunagari"
	"tsunagari/internal/org"
	"tsunagari/internal/programme"
)

// Programmes and pulse rounds: HR administrators create them, employees
// enrol themselves.

type hrProgrammesPage struct {
	Programmes []programme.Offer
	Tree       []org.TreeNode
	Kinds      []tsunagari.ProgrammeKind
	Form       *form
}

func (s *Server) hrProgrammesPage(w http.ResponseWriter, r *http.Request, a *tsunagari.Account, status int, f *form) error {
	// Only HR administrators have a department tree to choose from.
	tree, err := s.Orgs.Departments(r.Context(), a)
	if err != nil {
		return err
	}
	ps, err := s.Programmes.Programmes(r.Context(), a)
	if err != nil {
		return err
	}
	if f == nil {
		f = &form{Values: url.Values{"kind": {string(tsunagari.ProgrammeTraining)}}}
	}
	return s.render(w, r, a, status, "programmes", "programmes.title",
		hrProgrammesPage{Programmes: ps, Tree: tree, Kinds: tsunagari.ProgrammeKinds, Form: f})
}

func (s *Server) hrProgrammes(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	return s.hrProgrammesPage(w, r, a, http.StatusOK, nil)
}

// parseDate reads a date typed as 2026-04-01 as midnight in Japan; the
// zero time if it is empty or not a date.
func parseDate(s string) time.Time {
	t, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(s), tsunagari.Tokyo)
	if err != nil {
		return time.Time{}
	}
	return t
}

func (s *Server) createProgramme(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	p := &tsunagari.Programme{Kind: tsunagari.ProgrammeKind(f.Get("kind")), Name: f.Get("name"), Description: f.Get("description"),
		Departments: f["departments"], StartsOn: parseDate(f.Get("startsOn")), EndsOn: parseDate(f.Get("endsOn"))}
	if p.Kind == tsunagari.ProgrammeConsultation {
		p.Sessions = atoi(f.Get("sessions"))
	}
	if err := s.Programmes.Create(r.Context(), a, p); err != nil {
		fe, status, err := s.formError(r, a, err)
		if err != nil {
			return err
		}
		return s.hrProgrammesPage(w, r, a, status, fe)
	}
	return s.redirect(w, r, "/hr/programmes", "flash.programme_created")
}

// atoi reads a small whole number typed in a form, full-width digits
// too; -1 if it is not one.
func atoi(s string) int {
	n, seen := 0, false
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			n = n*10 + int(r-'0')
		case r >= '０' && r <= '９':
			n = n*10 + int(r-'０')
		default:
			return -1
		}
		seen = true
		if n > 1_000_000 {
			return -1
		}
	}
	if !seen {
		return -1
	}
	return n
}

type pulsePage struct {
	Rounds []*tsunagari.Round
	Now    time.Time
	Form   *form
}

func (s *Server) pulsePage(w http.ResponseWriter, r *http.Request, a *tsunagari.Account, status int, f *form) error {
	rounds, err := s.Programmes.PulseRounds(r.Context(), a)
	if err != nil {
		return err
	}
	if f == nil {
		f = &form{Values: url.Values{}}
	}
	return s.render(w, r, a, status, "pulse", "pulse.title", pulsePage{Rounds: rounds, Now: time.Now(), Form: f})
}

func (s *Server) hrPulse(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	return s.pulsePage(w, r, a, http.StatusOK, nil)
}

func (s *Server) createPulse(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	opens := parseDate(r.PostForm.Get("opensOn"))
	closes := parseDate(r.PostForm.Get("closesOn"))
	if !closes.IsZero() {
		closes = closes.AddDate(0, 0, 1) // through the whole last day
	}
	if _, err := s.Programmes.CreatePulseRound(r.Context(), a, opens, closes); err != nil {
		f, status, err := s.formError(r, a, err)
		if err != nil {
			return err
		}
		return s.pulsePage(w, r, a, status, f)
	}
	return s.redirect(w, r, "/hr/pulse", "flash.pulse_created")
}

// myProgrammes lists the programmes open to an employee.
func (s *Server) myProgrammes(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	ps, err := s.Programmes.Programmes(r.Context(), a)
	if err != nil {
		return err
	}
	return s.render(w, r, a, http.StatusOK, "my_programmes", "my_programmes.title", ps)
}

func (s *Server) enrol(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := s.Programmes.Enrol(r.Context(), a, r.PathValue("id")); err != nil {
		return err
	}
	return s.redirect(w, r, "/programmes", "flash.enrolled")
}
