package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"tsunagari"
)

type orgsPage struct {
	Orgs  []*tsunagari.Org
	Form  *form
	Vocab vocabulary
}

func (s *Server) orgsPage(w http.ResponseWriter, r *http.Request, a *tsunagari.Account, status int, f *form) error {
	orgs, err := s.Orgs.Orgs(r.Context(), a)
	if err != nil {
		return err
	}
	if f == nil {
		f = &form{Values: url.Values{}}
	}
	return s.render(w, r, a, status, "orgs", "orgs.title", orgsPage{Orgs: orgs, Form: f, Vocab: vocab})
}

func (s *Server) orgs(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	return s.orgsPage(w, r, a, http.StatusOK, nil)
}

func (s *Server) createOrg(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	o := &tsunagari.Org{Name: r.PostForm.Get("name"), Industry: r.PostForm.Get("industry")}
	o.DeclaredEmployees = atoiOr(r.PostForm.Get("declaredEmployees"), -1)
	o.MinGroupSize = atoiOr(r.PostForm.Get("minGroupSize"), 0)
	if err := s.Orgs.CreateOrg(r.Context(), a, o); err != nil {
		f, status, err := s.formError(r, a, err)
		if err != nil {
			return err
		}
		return s.orgsPage(w, r, a, status, f)
	}
	return s.redirect(w, r, "/operator/orgs", "flash.org_created")
}

// atoiOr parses a whole number typed in a form, full-width digits and
// thousands separators too.
func atoiOr(s string, fallback int) int {
	s = normalizeDigits(strings.TrimSpace(strings.NewReplacer(",", "", "，", "").Replace(s)))
	if s == "" {
		return fallback
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return -1
	}
	return n
}

func (s *Server) outbox(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	mails, err := s.Mail.Mail(r.Context(), a, tsunagari.MailFilter{To: tsunagari.NormalizeEmail(r.URL.Query().Get("to"))})
	if err != nil {
		return err
	}
	return s.render(w, r, a, http.StatusOK, "outbox", "outbox.title", mails)
}
