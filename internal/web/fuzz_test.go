package web

import (
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"tsunagari"
	"tsunagari/internal/survey"
)

// Fuzz targets for what the web layer reads out of requests: redirect
// targets, form fields and query strings. Their seed corpora are in
// testdata/fuzz/<name>; see SECURITY.md for a longer run.

// FuzzLocalPath holds the redirect after sign-in to this site: whatever
// next a request carries, the browser is sent to a path here, never to
// another host.
func FuzzLocalPath(f *testing.F) {
	for _, s := range []string{"/dashboard", "//evil.example", "/\\evil.example", "https://evil.example/", "/ok?next=//x",
		"/\t/evil.example", "\\\\evil", "/%2F%2Fevil.example", "/\u3000/x", "javascript:alert(1)", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, next string) {
		got := localPath(next)
		if got == "/dashboard" {
			return
		}
		if got != next {
			t.Fatalf("localPath(%q) = %q: it either keeps a path or falls back", next, got)
		}
		u, err := url.Parse(got)
		if err != nil {
			t.Fatalf("localPath(%q) kept an unparsable target", next)
		}
		if u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(u.Path, "/") && u.Path != "" {
			t.Fatalf("localPath(%q) = %q leads off the site (scheme %q, host %q)", next, got, u.Scheme, u.Host)
		}
		if strings.HasPrefix(got, "//") || strings.HasPrefix(got, "/\\") || strings.ContainsAny(got, "\r\n\t") {
			t.Fatalf("localPath(%q) = %q, which a browser may read as another host", next, got)
		}
	})
}

// builtins are the instruments every member answers.
func builtins(tb testing.TB) []*tsunagari.Instrument {
	ins, err := survey.Builtins()
	if err != nil {
		tb.Fatal(err)
	}
	return ins
}

// FuzzFormAnswers posts any form to every built-in questionnaire: reading
// the answers and checking them never panics, and what the check keeps it
// keeps again unchanged.
func FuzzFormAnswers(f *testing.F) {
	f.Add("connection=4&perspective=５&growth=-1&options=3.5&opportunity=")
	f.Add("q1=%EF%BC%94&q1=2&other.other=%E4%BB%8B%E8%AD%B7&given_up=none&given_up=learning")
	f.Add("a=1e400&b=NaN&c=0x10&d=％")
	ins := builtins(f)
	f.Fuzz(func(t *testing.T, body string) {
		v, err := url.ParseQuery(body)
		if err != nil {
			return // parseForm answers 422
		}
		for _, in := range ins {
			// Fill every item with the fuzzed value of the first field,
			// so that the check sees plausible shapes too.
			for _, it := range in.Items() {
				if _, ok := v[it.ID]; !ok && len(body) > 0 {
					v[it.ID] = []string{body[:min(len(body), 8)]}
				}
			}
			clean, err := in.Check(answersFromForm(in, v))
			if err != nil {
				if tsunagari.ErrorCode(err) != tsunagari.CodeInvalid {
					t.Fatalf("%s: Check error = %v, want invalid", in.ID, err)
				}
				continue
			}
			twice, err := in.Check(clean)
			if err != nil || !reflect.DeepEqual(twice, clean) {
				t.Fatalf("%s: Check of its own output = %v, %v", in.ID, twice, err)
			}
			for _, s := range in.Score(clean) {
				if !(s.Value >= 0 && s.Value <= 100) {
					t.Fatalf("%s: score %+v outside 0–100", in.ID, s)
				}
			}
		}
	})
}

// FuzzAccountForm posts any settings form: what validates is a name of
// 1–100 runes without control characters and known vocabulary.
func FuzzAccountForm(f *testing.F) {
	f.Add("name=%E4%BD%90%E8%97%A4&prefecture=13&ageBand=30s&jobFamily=care&locale=en&timeZone=Asia%2FTokyo")
	f.Add("name=+&prefecture=48&timeZone=Local&locale=fr")
	f.Add("name=a%00b&homePrefecture=01&industry=it_telecom")
	f.Fuzz(func(t *testing.T, body string) {
		v, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		a := &tsunagari.Account{Email: "a@example.jp", Name: "佐藤 美咲", Roles: []tsunagari.Role{tsunagari.RoleMember}}
		accountUpdate(v).Apply(a)
		if a.Validate() != nil {
			return
		}
		name := strings.TrimSpace(a.Name)
		if n := utf8.RuneCountInString(name); n == 0 || n > tsunagari.MaxNameLen || strings.ContainsFunc(a.Name, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			t.Fatalf("Validate accepted the name %q", a.Name)
		}
		if a.Prefecture != "" && tsunagari.PrefectureByCode(a.Prefecture) == nil || a.AgeBand != "" && !slices.Contains(tsunagari.AgeBands, a.AgeBand) {
			t.Fatalf("Validate accepted %+v", a)
		}
	})
}

// FuzzAuditFilter reads the audit page's query: a page is bounded and
// starts at a real position, or the query is refused.
func FuzzAuditFilter(f *testing.F) {
	f.Add("action=auth.sign_in&actor=abc&before=12&limit=100")
	f.Add("before=-1&limit=0")
	f.Add("before=9223372036854775808&limit=101")
	f.Fuzz(func(t *testing.T, query string) {
		v, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		flt, err := auditFilter(v)
		if err != nil {
			if tsunagari.ErrorCode(err) != tsunagari.CodeInvalid {
				t.Fatalf("auditFilter error = %v, want invalid", err)
			}
			return
		}
		if flt.Before < 0 || flt.Limit < 0 || flt.Limit > 100 {
			t.Fatalf("auditFilter(%q) = %+v", query, flt)
		}
	})
}

// FuzzNormalizeDigits turns what Japanese input methods type into ASCII
// digits: rune for rune, with no full-width digit left.
func FuzzNormalizeDigits(f *testing.F) {
	f.Add("１２．５")
	f.Add("－３ー")
	f.Add("12.5")
	f.Fuzz(func(t *testing.T, s string) {
		got := normalizeDigits(s)
		if utf8.ValidString(s) && utf8.RuneCountInString(got) != utf8.RuneCountInString(s) {
			t.Fatalf("normalizeDigits(%q) = %q changed the number of characters", s, got)
		}
		if strings.ContainsAny(got, "０１２３４５６７８９．－") {
			t.Fatalf("normalizeDigits(%q) = %q left a full-width character", s, got)
		}
		if normalizeDigits(got) != got {
			t.Fatalf("normalizeDigits is not idempotent on %q", s)
		}
	})
}
