package web

import (
	"net/http"
	"net/url"

	"tsunagari"
	"tsunagari/internal/auth"
)

// Two-step sign-in: the second step of signing in, and enrolment in the
// settings. Accounts whose role requires it reach nothing but enrolment
// until they have an authenticator (see enrolmentGate).

func (s *Server) mfaCookieName() string {
	if s.SecureCookies {
		return "__Host-tsunagari_mfa"
	}
	return "tsunagari_mfa"
}

func (s *Server) setMFACookie(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{Name: s.mfaCookieName(), Value: token, Path: "/",
		HttpOnly: true, Secure: s.SecureCookies, SameSite: http.SameSiteLaxMode, MaxAge: int(auth.PendingLifetime.Seconds())})
}

func (s *Server) clearMFACookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: s.mfaCookieName(), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.SecureCookies, SameSite: http.SameSiteLaxMode})
}

func (s *Server) mfaToken(r *http.Request) string {
	if c, err := r.Cookie(s.mfaCookieName()); err == nil {
		return c.Value
	}
	return ""
}

// enrolmentRoutes are what an account that must enrol may still reach.
var enrolmentRoutes = map[string]bool{
	"GET /settings/mfa":          true,
	"POST /settings/mfa":         true,
	"POST /settings/mfa/confirm": true,
	"POST /signout":              true,
	"POST /api/v1/logout":        true,
	"POST /lang":                 true,
}

// enrolmentGate sends an account whose role requires two-step sign-in,
// and which has no authenticator yet, to enrolment: browsers by redirect,
// API clients with 403. It reports whether it answered the request.
func (s *Server) enrolmentGate(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) bool {
	if a == nil || enrolmentRoutes[r.Pattern] {
		return false
	}
	need, err := s.Auth.NeedsEnrolment(r.Context(), a)
	if err != nil {
		s.error(w, r, a, err)
		return true
	}
	if !need {
		return false
	}
	if isAPI(r) {
		s.error(w, r, a, tsunagari.NewError(tsunagari.CodeForbidden, "auth.mfa_enrolment_required"))
		return true
	}
	http.Redirect(w, r, "/settings/mfa", http.StatusSeeOther)
	return true
}

type mfaSignInPage struct {
	Form *form
	Next string
}

// mfaForm asks for the second step of a sign-in.
func (s *Server) mfaForm(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	next := r.URL.Query().Get("next")
	if a != nil {
		http.Redirect(w, r, localPath(next), http.StatusSeeOther)
		return nil
	}
	if _, err := s.Auth.PendingSignIn(r.Context(), s.mfaToken(r)); err != nil {
		return s.mfaExpired(w, r, err)
	}
	return s.render(w, r, nil, http.StatusOK, "signin_mfa", "mfa.signin.title", mfaSignInPage{Form: &form{Values: url.Values{}}, Next: next})
}

// mfaExpired sends a browser whose waiting sign-in is gone back to the
// password.
func (s *Server) mfaExpired(w http.ResponseWriter, r *http.Request, err error) error {
	if tsunagari.ErrorCode(err) != tsunagari.CodeUnauthorized {
		return err
	}
	s.clearMFACookie(w)
	return s.redirect(w, r, "/signin", "flash.mfa_expired")
}

func (s *Server) mfaVerify(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	next := r.PostForm.Get("next")
	step, err := s.Auth.CompleteSignIn(r.Context(), s.mfaToken(r), r.PostForm.Get("code"), client(r))
	if tsunagari.ErrorCode(err) == tsunagari.CodeUnauthorized {
		return s.mfaExpired(w, r, err)
	}
	if err != nil {
		f, status, err := s.formError(r, nil, err)
		if err != nil {
			return err
		}
		f.Values.Del("code")
		return s.render(w, r, nil, status, "signin_mfa", "mfa.signin.title", mfaSignInPage{Form: f, Next: next})
	}
	if old := s.sessionToken(r); old != "" {
		_ = s.Auth.SignOut(r.Context(), old)
	}
	s.clearMFACookie(w)
	s.setSessionCookie(w, step.Token, step.Account)
	if step.RecoveryCodeUsed {
		return s.redirect(w, r, "/settings/mfa", "flash.recovery_code_used")
	}
	http.Redirect(w, r, localPath(next), http.StatusSeeOther)
	return nil
}

type mfaPage struct {
	Status *auth.MFAStatus
	// MustEnrol is set while the account can reach nothing else.
	MustEnrol bool
	// Codes are new recovery codes, shown once.
	Codes   []string
	Form    *form // start or confirm enrolment
	Manage  *form // recovery codes, re-enrolment, turning off
	Confirm bool  // the confirm form is the one with the error
}

func (s *Server) mfaSettingsPage(w http.ResponseWriter, r *http.Request, a *tsunagari.Account, status int, p mfaPage) error {
	st, err := s.Auth.MFAStatus(r.Context(), a)
	if err != nil {
		return err
	}
	if p.MustEnrol, err = s.Auth.NeedsEnrolment(r.Context(), a); err != nil {
		return err
	}
	p.Status = st
	if p.Form == nil {
		p.Form = &form{Values: url.Values{}}
	}
	if p.Manage == nil {
		p.Manage = &form{Values: url.Values{}}
	}
	return s.render(w, r, a, status, "mfa", "mfa.title", p)
}

func (s *Server) mfaSettings(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	return s.mfaSettingsPage(w, r, a, http.StatusOK, mfaPage{})
}

// mfaFormError shows err on the MFA page, in the form it belongs to.
func (s *Server) mfaFormError(w http.ResponseWriter, r *http.Request, a *tsunagari.Account, err error, manage bool) error {
	f, status, err := s.formError(r, a, err)
	if err != nil {
		return err
	}
	f.Values.Del("code")
	p := mfaPage{Form: f}
	if manage {
		p = mfaPage{Manage: f}
	}
	return s.mfaSettingsPage(w, r, a, status, p)
}

// mfaStart begins enrolment; the page then shows the secret to confirm.
func (s *Server) mfaStart(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	if _, err := s.Auth.StartEnrolment(r.Context(), a, r.PostForm.Get("password"), client(r)); err != nil {
		return s.mfaFormError(w, r, a, err, r.PostForm.Has("password"))
	}
	return s.redirect(w, r, "/settings/mfa", "")
}

func (s *Server) mfaConfirm(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	codes, err := s.Auth.ConfirmEnrolment(r.Context(), a, r.PostForm.Get("code"), client(r))
	if err != nil {
		return s.mfaFormError(w, r, a, err, false)
	}
	// The codes are shown on this answer only.
	return s.mfaSettingsPage(w, r, a, http.StatusOK, mfaPage{Codes: codes})
}

func (s *Server) mfaRecoveryCodes(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	codes, err := s.Auth.RegenerateRecoveryCodes(r.Context(), a, r.PostForm.Get("password"), client(r))
	if err != nil {
		return s.mfaFormError(w, r, a, err, true)
	}
	return s.mfaSettingsPage(w, r, a, http.StatusOK, mfaPage{Codes: codes})
}

func (s *Server) mfaDisable(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	if err := s.Auth.DisableMFA(r.Context(), a, r.PostForm.Get("password"), client(r)); err != nil {
		return s.mfaFormError(w, r, a, err, true)
	}
	return s.redirect(w, r, "/settings/mfa", "flash.mfa_disabled")
}
