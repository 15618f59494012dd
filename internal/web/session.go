package web

import (
	"context"
	"net"
	"net/http"
	"strings"

	"tsunagari"
	"tsunagari/internal/auth"
	"tsunagari/internal/i18n"
)

const (
	langCookie  = "tsunagari_lang"
	flashCookie = "tsunagari_flash"
)

func (s *Server) sessionCookieName() string {
	if s.SecureCookies {
		return "__Host-tsunagari_session"
	}
	return "tsunagari_session"
}

// authenticate finds the account of a request from its bearer token (API
// clients) or its session cookie (browsers).
func (s *Server) authenticate(r *http.Request) (*tsunagari.Account, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		token, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return nil, tsunagari.ErrNotFound
		}
		return s.Auth.AuthenticateAPIToken(r.Context(), strings.TrimSpace(token))
	}
	c, err := r.Cookie(s.sessionCookieName())
	if err != nil {
		return nil, nil
	}
	return s.Auth.Authenticate(r.Context(), c.Value)
}

// setSessionCookie gives the browser a session. Members keep it across
// browser restarts for the session's lifetime; privileged roles get a
// cookie that ends with the browser.
func (s *Server) setSessionCookie(w http.ResponseWriter, token string, a *tsunagari.Account) {
	c := &http.Cookie{
		Name: s.sessionCookieName(), Value: token, Path: "/",
		HttpOnly: true, Secure: s.SecureCookies, SameSite: http.SameSiteLaxMode,
	}
	if !a.Privileged() {
		c.MaxAge = int(auth.MemberAbsolute.Seconds())
	}
	http.SetCookie(w, c)
}

func (s *Server) clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{
		Name: s.sessionCookieName(), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.SecureCookies, SameSite: http.SameSiteLaxMode,
	})
}

// sessionToken returns the session token a browser sent, or "".
func (s *Server) sessionToken(r *http.Request) string {
	if c, err := r.Cookie(s.sessionCookieName()); err == nil {
		return c.Value
	}
	return ""
}

// lang picks the language of a response: the account's own choice, then
// the choice a visitor made with the language switch, then the browser's
// Accept-Language, then Japanese.
func lang(r *http.Request, a *tsunagari.Account) string {
	if a != nil && a.Locale != "" {
		return a.Locale
	}
	if c, err := r.Cookie(langCookie); err == nil && (c.Value == "ja" || c.Value == "en") {
		return c.Value
	}
	return i18n.Match(r.Header.Get("Accept-Language"))
}

func (s *Server) printer(r *http.Request, a *tsunagari.Account) i18n.Printer {
	return s.Catalog.Printer(lang(r, a))
}

func (s *Server) setFlash(w http.ResponseWriter, key string) {
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: key, Path: "/", MaxAge: 60,
		HttpOnly: true, Secure: s.SecureCookies, SameSite: http.SameSiteLaxMode})
}

// takeFlash returns and clears the notice left by the previous response.
// Only known message keys are shown, so a forged cookie prints nothing.
func (s *Server) takeFlash(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return ""
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.SecureCookies, SameSite: http.SameSiteLaxMode})
	if !strings.HasPrefix(c.Value, "flash.") || !s.Catalog.Printer("ja").Has(c.Value) {
		return ""
	}
	return c.Value
}

// client describes the sender of r for sign-in throttling and sessions.
// Behind trusted proxies, realClient has put the sender's address into
// r.RemoteAddr.
func client(r *http.Request) auth.Client {
	ip, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		ip = r.RemoteAddr
	}
	return auth.Client{IP: ip, UserAgent: r.UserAgent()}
}

type apiKey struct{}

func withAPI(ctx context.Context) context.Context { return context.WithValue(ctx, apiKey{}, true) }

// isAPI reports whether r is served as JSON.
func isAPI(r *http.Request) bool {
	v, _ := r.Context().Value(apiKey{}).(bool)
	return v || strings.HasPrefix(r.URL.Path, "/api/")
}
