package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"tsunagari"
)

func TestSignInReachesDashboard(t *testing.T) {
	e := newTestEnv(t)
	e.account("member@example.jp", "")
	c := e.signIn("member@example.jp")
	res := e.get(c, "/dashboard")
	if res.StatusCode != http.StatusOK || !strings.Contains(res.body, "山田 花子さん、こんにちは") {
		t.Fatalf("GET /dashboard = %d, want 200 with a Japanese greeting:\n%s", res.StatusCode, res.body)
	}
}

func TestOperationsEndpoints(t *testing.T) {
	e := newTestEnv(t)
	c := e.client()
	if res := e.get(c, "/healthz"); res.StatusCode != http.StatusOK {
		t.Errorf("/healthz = %d", res.StatusCode)
	}
	if res := e.get(c, "/readyz"); res.StatusCode != http.StatusOK {
		t.Errorf("/readyz = %d", res.StatusCode)
	}
	e.get(c, "/")
	res := e.get(c, "/metrics") // the test client is on loopback
	if res.StatusCode != http.StatusOK || !strings.Contains(res.body, `tsunagari_http_requests_total{code="200",route="GET /{$}"}`) {
		t.Errorf("/metrics = %d, want request counts labelled by route pattern:\n%.500s", res.StatusCode, res.body)
	}
	if id := res.Header.Get("X-Request-ID"); len(id) != 16 {
		t.Errorf("X-Request-ID = %q, want a generated 16-character ID", id)
	}
	for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "Cache-Control"} {
		if res.Header.Get(h) == "" {
			t.Errorf("response lacks %s", h)
		}
	}
	if csp := res.Header.Get("Content-Security-Policy"); strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP = %q", csp)
	}
	e.srv.MetricsToken = "s3cret"
	if res := e.get(c, "/metrics"); res.StatusCode != http.StatusNotFound {
		t.Errorf("/metrics without the token = %d, want 404", res.StatusCode)
	}
	req, _ := http.NewRequest("GET", e.ts.URL+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer s3cret")
	if res := e.do(c, req); res.StatusCode != http.StatusOK {
		t.Errorf("/metrics with the token = %d, want 200", res.StatusCode)
	}
	e.srv.Drain()
	if res := e.get(c, "/readyz"); res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/readyz while draining = %d, want 503", res.StatusCode)
	}
}

func TestLanguageSwitch(t *testing.T) {
	e := newTestEnv(t)
	c := e.client()
	if res := e.get(c, "/"); !strings.Contains(res.body, `<html lang="ja">`) {
		t.Fatal("home page is not Japanese by default")
	}
	req, _ := http.NewRequest("GET", e.ts.URL+"/", nil)
	req.Header.Set("Accept-Language", "en-US,en;q=0.9")
	if res := e.do(c, req); !strings.Contains(res.body, `<html lang="en">`) {
		t.Error("Accept-Language: en did not give English")
	}
	res := e.post(c, "/lang", url.Values{"lang": {"en"}, "next": {"/signin"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/signin" {
		t.Fatalf("POST /lang = %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if res := e.get(c, "/signin"); !strings.Contains(res.body, `<html lang="en">`) || !strings.Contains(res.body, "Sign in") {
		t.Error("after switching, the sign-in page is not English")
	}
	// The choice beats the browser's header, and an account remembers it.
	e.account("polyglot@example.jp", "")
	signed := e.signIn("polyglot@example.jp")
	e.post(signed, "/lang", url.Values{"lang": {"en"}, "next": {"/dashboard"}})
	fresh := e.signIn("polyglot@example.jp")
	if res := e.get(fresh, "/dashboard"); !strings.Contains(res.body, "Hello, ") {
		t.Error("a new session of the account did not keep English")
	}
	for _, next := range []string{"https://evil.example/", "//evil.example", "/\\evil.example"} {
		if res := e.post(c, "/lang", url.Values{"lang": {"ja"}, "next": {next}}); res.Header.Get("Location") != "/dashboard" {
			t.Errorf("POST /lang next=%q redirected to %q, want a local path", next, res.Header.Get("Location"))
		}
	}
}

func TestDepartmentAPIGivesPlaceInTree(t *testing.T) {
	e := newTestEnv(t)
	o, top := e.org("みなと精機")
	e.enrol(e.account("hr@minato.example", o.ID, tsunagari.RoleHRAdmin))
	c := e.signIn("hr@minato.example")
	res := e.api(c, "POST", "/api/v1/org/departments", `{"name":"人材開発課","parentId":"`+top.ID+`"}`)
	if res.StatusCode != http.StatusCreated || !strings.Contains(res.body, `"path":"人事部 / 人材開発課"`) || !strings.Contains(res.body, `"depth":1`) {
		t.Fatalf("createDepartment = %d %s; want depth 1 and the path", res.StatusCode, res.body)
	}
}

func TestPrivilegedSessionCookieEndsWithTheBrowser(t *testing.T) {
	e := newTestEnv(t)
	o, _ := e.org("みなと精機")
	secret := e.enrol(e.account("hr@minato.example", o.ID, tsunagari.RoleHRAdmin))
	e.account("member@minato.example", o.ID)
	sessionCookie := func(res response) *http.Cookie {
		for _, c := range res.Cookies() {
			if c.Name == "tsunagari_session" && c.Value != "" {
				return c
			}
		}
		t.Fatalf("no session cookie in %v", res.Header["Set-Cookie"])
		return nil
	}
	member := sessionCookie(e.post(e.client(), "/signin", url.Values{"email": {"member@minato.example"}, "password": {testPassword}}))
	c := e.client()
	e.post(c, "/signin", url.Values{"email": {"hr@minato.example"}, "password": {testPassword}})
	e.advance()
	hr := sessionCookie(e.post(c, "/signin/mfa", url.Values{"code": {e.code(secret)}}))
	for _, tt := range []struct {
		who        string
		c          *http.Cookie
		persistent bool
	}{{"member", member, true}, {"hr_admin", hr, false}} {
		if !tt.c.HttpOnly || tt.c.SameSite != http.SameSiteLaxMode || (tt.c.MaxAge > 0) != tt.persistent {
			t.Errorf("%s session cookie = %+v; want HttpOnly, SameSite=Lax, persistent=%v", tt.who, tt.c, tt.persistent)
		}
	}
}
