package web

import (
	"net/http"
	"net/url"

	"tsunagari"
	"tsunagari/internal/auth"
)

func (s *Server) home(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	return s.render(w, r, a, http.StatusOK, "home", "home.title", nil)
}

// setLanguage switches the language: for a visitor in a cookie, for an
// account also in its settings. It returns to the page it was called from.
func (s *Server) setLanguage(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	l := r.PostForm.Get("lang")
	if l != "ja" && l != "en" {
		return tsunagari.Invalid("lang", "account.locale_invalid")
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: l, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: s.SecureCookies, SameSite: http.SameSiteLaxMode})
	if a != nil {
		if _, err := s.Auth.UpdateSettings(r.Context(), a, tsunagari.AccountUpdate{Locale: &l}); err != nil {
			return err
		}
	}
	next := r.PostForm.Get("next")
	if next == "" {
		next = "/"
	}
	http.Redirect(w, r, localPath(next), http.StatusSeeOther)
	return nil
}

type signInPage struct {
	Form *form
	Next string
}

func (s *Server) signInForm(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	next := r.URL.Query().Get("next")
	if a != nil {
		http.Redirect(w, r, localPath(next), http.StatusSeeOther)
		return nil
	}
	return s.render(w, r, a, http.StatusOK, "signin", "signin.title", signInPage{Form: &form{Values: url.Values{}}, Next: next})
}

func (s *Server) signIn(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	next := r.PostForm.Get("next")
	res, err := s.Auth.SignIn(r.Context(), r.PostForm.Get("email"), r.PostForm.Get("password"), client(r))
	if err != nil {
		f, status, err := s.formError(r, a, err)
		if err != nil {
			return err
		}
		return s.render(w, r, nil, status, "signin", "signin.title", signInPage{Form: f, Next: next})
	}
	if res.MFAPending {
		s.setMFACookie(w, res.Token)
		http.Redirect(w, r, "/signin/mfa?next="+url.QueryEscape(next), http.StatusSeeOther)
		return nil
	}
	// A new session at every sign-in: the old one, if any, ends.
	if old := s.sessionToken(r); old != "" {
		_ = s.Auth.SignOut(r.Context(), old)
	}
	s.setSessionCookie(w, res.Token, res.Account)
	http.Redirect(w, r, localPath(next), http.StatusSeeOther)
	return nil
}

func (s *Server) signOut(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if token := s.sessionToken(r); token != "" {
		if err := s.Auth.SignOut(r.Context(), token); err != nil {
			return err
		}
	}
	s.clearSessionCookie(w)
	return s.redirect(w, r, "/", "flash.signed_out")
}

type signUpPage struct {
	Form *form
}

func (s *Server) signUpForm(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if a != nil {
		http.Redirect(w, r, "/dashboard", http.StatusSeeOther)
		return nil
	}
	return s.render(w, r, a, http.StatusOK, "signup", "signup.title", signUpPage{Form: &form{Values: url.Values{}}})
}

func (s *Server) signUp(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	in := auth.SignUp{Email: r.PostForm.Get("email"), Name: r.PostForm.Get("name"),
		Password: r.PostForm.Get("password"), Locale: lang(r, nil)}
	token, acc, err := s.Auth.SignUp(r.Context(), in, client(r))
	if err != nil {
		f, status, err := s.formError(r, a, err)
		if err != nil {
			return err
		}
		return s.render(w, r, nil, status, "signup", "signup.title", signUpPage{Form: f})
	}
	s.setSessionCookie(w, token, acc)
	return s.redirect(w, r, "/dashboard", "flash.welcome")
}

func (s *Server) forgotForm(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	return s.render(w, r, a, http.StatusOK, "forgot", "forgot.title", &form{Values: url.Values{}})
}

// forgot always answers the same, whether or not the address has an
// account, so the form cannot be used to find out who is registered.
func (s *Server) forgot(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	if err := s.Auth.RequestPasswordReset(r.Context(), r.PostForm.Get("email"), lang(r, a), client(r)); err != nil {
		f, status, err := s.formError(r, a, err)
		if err != nil {
			return err
		}
		return s.render(w, r, a, status, "forgot", "forgot.title", f)
	}
	return s.redirect(w, r, "/signin", "flash.reset_sent")
}

type resetPage struct {
	Form  *form
	Token string
}

func (s *Server) resetForm(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	return s.render(w, r, a, http.StatusOK, "reset", "reset.title",
		resetPage{Form: &form{Values: url.Values{}}, Token: r.URL.Query().Get("token")})
}

func (s *Server) reset(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	token := r.PostForm.Get("token")
	if err := s.Auth.ResetPassword(r.Context(), token, r.PostForm.Get("password")); err != nil {
		f, status, err := s.formError(r, a, err)
		if err != nil {
			return err
		}
		return s.render(w, r, a, status, "reset", "reset.title", resetPage{Form: f, Token: token})
	}
	s.clearSessionCookie(w)
	return s.redirect(w, r, "/signin", "flash.password_reset")
}

type invitationPage struct {
	Token      string
	OrgName    string
	Email      string
	Department string
	Form       *form
	// WrongAccount is set when someone else is signed in.
	WrongAccount bool
}

func (s *Server) invitationPageData(r *http.Request, a *tsunagari.Account) (*invitationPage, error) {
	token := r.PathValue("token")
	p, err := s.Orgs.InvitationByToken(r.Context(), token)
	if err != nil {
		return nil, err
	}
	d := &invitationPage{Token: token, OrgName: p.Org.Name, Email: p.Invitation.Email, Form: &form{Values: url.Values{}}}
	d.WrongAccount = a != nil && a.Email != p.Invitation.Email
	return d, nil
}

func (s *Server) invitation(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	d, err := s.invitationPageData(r, a)
	if err != nil {
		return err
	}
	return s.render(w, r, a, http.StatusOK, "invitation", "invitation.title", d)
}

// acceptInvitation joins the inviting org: signed in, directly; otherwise
// by creating an account for the invited address first.
func (s *Server) acceptInvitation(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	d, err := s.invitationPageData(r, a)
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	if a == nil {
		in := auth.SignUp{Email: d.Email, Name: r.PostForm.Get("name"), Password: r.PostForm.Get("password"), Locale: lang(r, nil)}
		var token string
		token, a, err = s.Auth.SignUp(r.Context(), in, client(r))
		if err != nil {
			f, status, err := s.formError(r, nil, err)
			if err != nil {
				return err
			}
			d.Form = f
			return s.render(w, r, nil, status, "invitation", "invitation.title", d)
		}
		s.setSessionCookie(w, token, a)
	}
	if err := s.Orgs.AcceptInvitation(r.Context(), a, d.Token); err != nil {
		return err
	}
	return s.redirect(w, r, "/dashboard", "flash.invitation_accepted")
}
