package web

import (
	"net/http"
	"net/url"
	"strings"

	"tsunagari"
	"tsunagari/internal/auth"
	"tsunagari/internal/org"
)

type dashboardPage struct {
	HR       *org.Overview
	Operator *operatorOverview
	// Missing lists the profile fields the member has not filled in yet.
	Missing []string
}

type operatorOverview struct {
	Orgs        int
	UnsentMails int
}

func (s *Server) dashboard(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	d := dashboardPage{}
	for _, f := range []struct{ name, value string }{
		{"jobFamily", a.JobFamily}, {"prefecture", a.Prefecture}, {"homePrefecture", a.HomePrefecture}, {"ageBand", a.AgeBand},
	} {
		if f.value == "" {
			d.Missing = append(d.Missing, f.name)
		}
	}
	if a.Has(tsunagari.RoleHRAdmin) && a.OrgID() != "" {
		ov, err := s.Orgs.Overview(r.Context(), a)
		if err != nil {
			return err
		}
		d.HR = ov
	}
	if a.Has(tsunagari.RoleOperator) {
		orgs, err := s.Orgs.Orgs(r.Context(), a)
		if err != nil {
			return err
		}
		unsent, err := s.Mail.Pending(r.Context(), a)
		if err != nil {
			return err
		}
		d.Operator = &operatorOverview{Orgs: len(orgs), UnsentMails: unsent}
	}
	return s.render(w, r, a, http.StatusOK, "dashboard", "dashboard.title", d)
}

type settingsPage struct {
	Form     *form
	Password *form
	Tokens   []*tsunagari.APIToken
	// NewToken is shown once, right after it was created.
	NewToken string
	Vocab    vocabulary
	MFA      *auth.MFAStatus
	// Wish is the form of what the member wants from a community.
	Wish *form
}

// vocabulary feeds the select boxes of profile forms.
type vocabulary struct {
	Prefectures []tsunagari.Prefecture
	AgeBands    []string
	JobFamilies []string
	Industries  []string
	TimeZones   []string
}

var vocab = vocabulary{
	Prefectures: tsunagari.Prefectures, AgeBands: tsunagari.AgeBands,
	JobFamilies: tsunagari.JobFamilies, Industries: tsunagari.Industries,
	TimeZones: []string{"Asia/Tokyo", "Asia/Seoul", "Asia/Shanghai", "Asia/Singapore", "Asia/Bangkok", "Asia/Kolkata",
		"Australia/Sydney", "Europe/London", "Europe/Paris", "Europe/Berlin", "America/New_York", "America/Chicago",
		"America/Los_Angeles", "Pacific/Honolulu", "UTC"},
}

func accountValues(a *tsunagari.Account) url.Values {
	return url.Values{
		"name": {a.Name}, "locale": {a.Locale}, "timeZone": {a.TimeZone}, "jobFamily": {a.JobFamily},
		"industry": {a.Industry}, "prefecture": {a.Prefecture}, "homePrefecture": {a.HomePrefecture}, "ageBand": {a.AgeBand},
	}
}

func (s *Server) settings(w http.ResponseWriter, r *http.Request, a *tsunagari.Account, status int, p settingsPage) error {
	if p.Form == nil {
		p.Form = &form{Values: accountValues(a)}
	}
	if p.Password == nil {
		p.Password = &form{Values: url.Values{}}
	}
	if p.Wish == nil {
		prefs, err := s.Recommend.Preferences(r.Context(), a)
		if err != nil {
			return err
		}
		p.Wish = &form{Values: url.Values{"wish": {prefs.Wish}}}
	}
	tokens, err := s.Auth.APITokens(r.Context(), a)
	if err != nil {
		return err
	}
	p.Tokens, p.Vocab = tokens, vocab
	if p.MFA, err = s.Auth.MFAStatus(r.Context(), a); err != nil {
		return err
	}
	return s.render(w, r, a, status, "settings", "settings.title", p)
}

func (s *Server) settingsForm(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	return s.settings(w, r, a, http.StatusOK, settingsPage{})
}

// accountUpdate reads the profile fields present in a form or query.
func accountUpdate(v url.Values) tsunagari.AccountUpdate {
	var upd tsunagari.AccountUpdate
	for field, dst := range map[string]**string{
		"name": &upd.Name, "locale": &upd.Locale, "timeZone": &upd.TimeZone, "jobFamily": &upd.JobFamily,
		"industry": &upd.Industry, "prefecture": &upd.Prefecture, "homePrefecture": &upd.HomePrefecture, "ageBand": &upd.AgeBand,
	} {
		if vs, ok := v[field]; ok && len(vs) > 0 {
			val := strings.TrimSpace(vs[0])
			*dst = &val
		}
	}
	return upd
}

func (s *Server) updateSettings(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	if _, err := s.Auth.UpdateSettings(r.Context(), a, accountUpdate(r.PostForm)); err != nil {
		f, status, err := s.formError(r, a, err)
		if err != nil {
			return err
		}
		return s.settings(w, r, a, status, settingsPage{Form: f})
	}
	return s.redirect(w, r, "/settings", "flash.settings_saved")
}

func (s *Server) changePassword(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	token, err := s.Auth.ChangePassword(r.Context(), a, r.PostForm.Get("currentPassword"), r.PostForm.Get("newPassword"), client(r), true)
	if err != nil {
		f, status, err := s.formError(r, a, err)
		if err != nil {
			return err
		}
		return s.settings(w, r, a, status, settingsPage{Password: f})
	}
	s.setSessionCookie(w, token, a)
	return s.redirect(w, r, "/settings", "flash.password_changed")
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	token, _, err := s.Auth.CreateAPIToken(r.Context(), a, r.PostForm.Get("name"))
	if err != nil {
		f, status, err := s.formError(r, a, err)
		if err != nil {
			return err
		}
		return s.settings(w, r, a, status, settingsPage{Form: &form{Values: accountValues(a), Error: f.Error}})
	}
	// The token is shown once, on this response, and never again.
	return s.settings(w, r, a, http.StatusCreated, settingsPage{NewToken: token})
}

func (s *Server) deleteToken(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := s.Auth.RevokeAPIToken(r.Context(), a, r.PathValue("id")); err != nil {
		return err
	}
	return s.redirect(w, r, "/settings", "flash.token_deleted")
}
