package web_test

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"tsunagari"
	"tsunagari/internal/auth"
)

// sessionEnders are routes a fuzzed request could use to end the session
// of the account it is sent as; the target leaves them out so that every
// input reaches the code as the account it names.
var sessionEnders = []string{
	"POST /signout", "POST /api/v1/logout", "POST /settings/password", "POST /api/v1/me/password",
	"POST /settings/delete", "DELETE /api/v1/me", "POST /settings/mfa", "POST /settings/mfa/delete",
}

var pathParam = regexp.MustCompile(`\{[a-z$]+\}`)

// FuzzRequests sends any body, as a form or as JSON, with any path
// parameter, to every route the server registers, as a visitor, a member,
// an HR administrator or an operator: the server never answers with a
// 5xx, and the API always answers JSON. The seed corpus is in
// testdata/fuzz/FuzzRequests.
func FuzzRequests(f *testing.F) {
	e := newTestEnv(f)
	// Sign-in throttles would turn most inputs into 429s before they reach
	// the code being fuzzed.
	e.auth.IPThrottle, e.auth.AccountThrottle = auth.NewThrottle(time.Nanosecond, 1<<30), auth.NewThrottle(time.Nanosecond, 1<<30)
	e.auth.ResetThrottle, e.auth.MFAThrottle = auth.NewThrottle(time.Nanosecond, 1<<30), auth.NewThrottle(time.Nanosecond, 1<<30)
	o, _ := e.org("ファズ精機")
	member := e.account("member@fuzz.example", o.ID)
	hr := e.account("hr@fuzz.example", o.ID, tsunagari.RoleHRAdmin)
	op := e.account("op@fuzz.example", "", tsunagari.RoleOperator)
	e.enrol(hr)
	e.enrol(op)
	clients := []*http.Client{e.client()}
	for _, a := range []*tsunagari.Account{member, hr, op} {
		c := e.client()
		e.startSession(c, a)
		clients = append(clients, c)
	}
	var routes []string
	for _, r := range e.srv.Routes() {
		if !slices.Contains(sessionEnders, r) {
			routes = append(routes, r)
		}
	}
	slices.Sort(routes)

	f.Add(uint8(0), uint8(1), "five_powers", []byte(`{"answers":[{"item":"connection","value":4}]}`), true)
	f.Add(uint8(3), uint8(2), "", []byte("name=%E5%96%B6%E6%A5%AD&parentId=zz"), false)
	f.Add(uint8(7), uint8(3), "aaaaaaaaaaaaaaaaaaaaaaaaaa", []byte(`{"name":"新規","declaredEmployees":1e999}`), true)
	f.Add(uint8(11), uint8(0), "tsi_x", []byte(`{"email":"a@b.jp","password":"x","code":"１２３４５６"}`), true)
	f.Add(uint8(20), uint8(2), "../..", []byte("\xff\xfe=\x00&a=%zz"), false)

	f.Fuzz(func(t *testing.T, route, who uint8, param string, body []byte, asJSON bool) {
		method, pattern, _ := strings.Cut(routes[int(route)%len(routes)], " ")
		if pattern == "" { // a pattern without a method, such as "/"
			method, pattern = "POST", method
		}
		if param == "" {
			param = "x"
		}
		path := pathParam.ReplaceAllStringFunc(pattern, func(s string) string {
			if s == "{$}" {
				return ""
			}
			return url.PathEscape(param)
		})
		if strings.HasSuffix(path, "/") && path != "/" && !strings.HasPrefix(path, "/api/") {
			path += url.PathEscape(param)
		}
		req, err := http.NewRequest(method, e.ts.URL+path, bytes.NewReader(body))
		if err != nil {
			return // not a request a client could send
		}
		if asJSON {
			req.Header.Set("Content-Type", "application/json")
		} else {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		res, err := clients[int(who)%len(clients)].Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode >= 500 && !(pattern == "/readyz" || pattern == "/metrics") {
			t.Fatalf("%s %s as client %d = %d:\n%.500s", method, path, int(who)%len(clients), res.StatusCode, b)
		}
		if strings.HasPrefix(path, "/api/v1/") && path != "/api/v1/openapi.json" && res.StatusCode != http.StatusNoContent &&
			!strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("%s %s answered %d with %q, not JSON", method, path, res.StatusCode, res.Header.Get("Content-Type"))
		}
	})
}
