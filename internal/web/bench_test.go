package web_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"tsunagari"
)

// BenchmarkRenderDashboard measures one signed-in page, end to end through
// the handler: session lookup, the org overview queries and the template.
func BenchmarkRenderDashboard(b *testing.B) {
	e := newTestEnv(b)
	o, _ := e.org("みなと精機")
	e.enrol(e.account("hr@minato.example", o.ID, tsunagari.RoleHRAdmin))
	c := e.signIn("hr@minato.example")
	req := httptest.NewRequest("GET", "/dashboard", nil)
	u, _ := req.URL.Parse(e.ts.URL)
	for _, ck := range c.Jar.Cookies(u) {
		req.AddCookie(ck)
	}
	b.ResetTimer()
	for b.Loop() {
		rec := httptest.NewRecorder()
		e.srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("GET /dashboard = %d", rec.Code)
		}
	}
}

// BenchmarkRenderHome measures the public home page.
func BenchmarkRenderHome(b *testing.B) {
	e := newTestEnv(b)
	req := httptest.NewRequest("GET", "/", nil)
	for b.Loop() {
		rec := httptest.NewRecorder()
		e.srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("GET / = %d", rec.Code)
		}
	}
}

// BenchmarkRenderValuesResults measures the values diagnosis result page
// of a member with ten earlier results: history query, scoring words,
// radar chart and template.
func BenchmarkRenderValuesResults(b *testing.B) {
	e := newTestEnv(b)
	me := e.account("member@example.jp", "")
	c := e.signIn("member@example.jp")
	round, in := e.standing(me, "values_diagnosis")
	for i := range 10 {
		if res := e.post(c, "/rounds/"+round.ID, formFor(in, 1+i%5)); res.StatusCode != http.StatusSeeOther {
			b.Fatalf("POST answers = %d", res.StatusCode)
		}
	}
	req := httptest.NewRequest("GET", "/surveys/values_diagnosis", nil)
	u, _ := req.URL.Parse(e.ts.URL)
	for _, ck := range c.Jar.Cookies(u) {
		req.AddCookie(ck)
	}
	b.ResetTimer()
	for b.Loop() {
		rec := httptest.NewRecorder()
		e.srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("GET results = %d", rec.Code)
		}
	}
}
