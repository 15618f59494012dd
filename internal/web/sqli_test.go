package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"tsunagari"
	"tsunagari/internal/auth"
)

// The SQL-injection suite (TRUST.md §6 S5): every payload goes into every
// parameter of every route the server registers (Server.Routes): path
// parameters, each field of the body the route takes, the form fields any
// handler reads, and the query parameters GET handlers read. No request
// may answer with a 5xx, and the payloads together may change no table
// that the route does not change when used as intended, nor delete rows
// it does not delete.

var sqlPayloads = []string{
	`'`, `"`, `\`, `' OR '1'='1`, `' OR 1=1--`, `'; DROP TABLE accounts;--`, `"); DELETE FROM audit_events;--`,
	`' UNION SELECT id, email, password_hash FROM accounts--`, `1; SELECT pg_sleep(5)--`,
	`1' AND (SELECT count(*) FROM sqlite_master) > 0--`, `' || (SELECT password_hash FROM accounts LIMIT 1) || '`,
	`%' OR email LIKE '%`, `_%`, "'\x00", `'/**/OR/**/1=1`, `$1`, `?`, `-1`, `99999999999999999999`, "＇ ＯＲ ＇１＇＝＇１",
}

// formFields are the names of every form field and query parameter a
// handler reads; a request carries them all at once besides its own.
var formFields = []string{
	"password", "currentPassword", "newPassword", "next", "token", "to", "name", "code", "version", "role",
	"parentId", "minGroupSize", "lang", "industry", "email", "departmentId", "declaredEmployees", "confirm",
	"locale", "timeZone", "jobFamily", "prefecture", "homePrefecture", "ageBand", "action", "actor", "before", "limit",
}

// injections returns every request of one payload into route: the path,
// each body field, every other field at once, and for GET the query.
func injections(pattern string, rq request, ct, body, p string) (out []struct{ path, ct, body string }) {
	add := func(path, ct, body string) { out = append(out, struct{ path, ct, body string }{path, ct, body}) }
	_, patternPath, _ := strings.Cut(pattern, " ")
	ps, rs := strings.Split(patternPath, "/"), strings.Split(rq.path, "/")
	for i, seg := range ps {
		if strings.HasPrefix(seg, "{") && seg != "{$}" && len(ps) == len(rs) {
			segs := slices.Clone(rs)
			segs[i] = url.PathEscape(p)
			add(strings.Join(segs, "/"), ct, body)
		}
	}
	switch {
	case strings.HasPrefix(ct, "application/x-www-form-urlencoded"):
		v, _ := url.ParseQuery(body)
		for k := range v {
			w := url.Values{}
			for kk, vv := range v {
				w[kk] = slices.Clone(vv)
			}
			w.Set(k, p)
			add(rq.path, ct, w.Encode())
		}
		for _, k := range formFields {
			if !v.Has(k) {
				v.Set(k, p)
			}
		}
		add(rq.path, ct, v.Encode())
	case strings.HasPrefix(ct, "application/json"):
		var doc any
		json.Unmarshal([]byte(body), &doc)
		for _, changed := range replaceLeaves(doc, p) {
			b, _ := json.Marshal(changed)
			add(rq.path, ct, string(b))
		}
	case strings.HasPrefix(ct, "multipart/form-data"):
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		fw, _ := mw.CreateFormFile("file", p+".csv")
		fmt.Fprintf(fw, "email,department,role\n%q,%q,%q\n", p, p, p)
		mw.Close()
		add(rq.path, mw.FormDataContentType(), b.String())
	case rq.method == "GET":
		q := url.Values{}
		for _, k := range formFields {
			q.Set(k, p)
		}
		sep := "?"
		if strings.Contains(rq.path, "?") {
			sep = "&"
		}
		add(rq.path+sep+q.Encode(), ct, body)
	}
	return out
}

// replaceLeaves returns copies of doc, each with one leaf (a string, a
// number or a boolean) replaced by p.
func replaceLeaves(doc any, p string) []any {
	switch d := doc.(type) {
	case map[string]any:
		var out []any
		for k, v := range d {
			for _, nv := range replaceLeaves(v, p) {
				c := map[string]any{}
				for kk, vv := range d {
					c[kk] = vv
				}
				c[k] = nv
				out = append(out, c)
			}
		}
		return out
	case []any:
		var out []any
		for i, v := range d {
			for _, nv := range replaceLeaves(v, p) {
				c := slices.Clone(d)
				c[i] = nv
				out = append(out, c)
			}
		}
		return out
	case nil:
		return nil
	}
	return []any{p}
}

// intendedActor returns the actor a route is meant for: the first of
// member, HR, operator and the others whose matrix answer on their own
// object is not a refusal, or the visitor.
func intendedActor(w *world, want map[cellKey]string, route string, rq request) *actor {
	rel := rq.kind.relations()[0]
	for _, role := range []string{"member", "hr_admin", "operator", "consultant", "organiser", "anonymous"} {
		ans := want[cellKey{route, rel, role}]
		if ans != "" && ans != "login" && ans[0] < '4' {
			return w.actors[slices.IndexFunc(w.actors, func(a *actor) bool { return a.role == role })]
		}
	}
	return w.actors[0]
}

type summer interface {
	TableSums(ctx context.Context) (tsunagari.TableSums, error)
}

func sums(t *testing.T, db backend) tsunagari.TableSums {
	t.Helper()
	s, err := db.(summer).TableSums(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// changed returns the tables whose sums differ between a and b, and the
// tables that lost rows.
func changed(a, b tsunagari.TableSums) (diff, shrunk []string) {
	for _, m := range a.Compare(b) {
		diff = append(diff, m.Table)
		if m.Want != nil && (m.Got == nil || m.Got.Rows < m.Want.Rows) {
			shrunk = append(shrunk, m.Table)
		}
	}
	return diff, shrunk
}

func TestSQLInjection(t *testing.T) {
	want, _ := readMatrix(t)
	routes := newTestEnv(t).srv.Routes()
	onBoth(t, func(t *testing.T, open func(testing.TB) backend) {
		var sent atomic.Int64
		t.Run("routes", func(t *testing.T) {
			for _, route := range routes {
				rq := requests[route]
				t.Run(route, func(t *testing.T) {
					t.Parallel()
					// The route used as intended, in a world of its own, shows
					// what it may change.
					intended, intendedShrunk := intendedChange(t, open, want, route, rq)
					allowed := append(intended, "audit_events", "sessions")

					db := open(t)
					w := newWorld(t, db)
					relaxed := auth.NewThrottle(time.Nanosecond, 1<<30)
					w.e.auth.IPThrottle, w.e.auth.AccountThrottle, w.e.auth.ResetThrottle = relaxed, relaxed, relaxed
					a := intendedActor(w, want, route, rq)
					obj := ""
					if rq.kind != noObject {
						obj = w.object(rq.kind, rq.kind.relations()[0], a)
					}
					ct, body := "", ""
					if rq.body != nil {
						ct, body = rq.body(w, a)
					}
					rq.path = strings.Replace(rq.path, paramMarker, obj, 1)

					before := sums(t, db)
					signedOut := true
				payloads:
					for _, p := range sqlPayloads {
						for _, in := range injections(route, rq, ct, body, p) {
							if a.acc != nil && signedOut {
								if _, err := w.e.stores.Accounts.FindAccountByID(context.Background(), a.acc.ID); err != nil {
									break payloads // the account deleted itself, as the route allows
								}
								a.client = w.e.client()
								w.e.startSession(a.client, a.acc)
							}
							req, err := http.NewRequest(rq.method, w.e.ts.URL+in.path, strings.NewReader(in.body))
							if err != nil {
								continue // not a request a client could send
							}
							if in.ct != "" {
								req.Header.Set("Content-Type", in.ct)
							}
							res := w.e.do(a.client, req)
							sent.Add(1)
							// A payload may sign the actor out (a new password, say).
							signedOut = res.StatusCode == http.StatusUnauthorized || answer(res) == "login"
							if res.StatusCode >= 500 {
								t.Errorf("%s %s as %s with %q = %d:\n%.300s", rq.method, in.path, a.role, p, res.StatusCode, res.body)
							}
						}
					}
					diff, shrunk := changed(before, sums(t, db))
					for _, table := range diff {
						if !slices.Contains(allowed, table) {
							t.Errorf("%s: injected payloads changed %s, which the route does not change", route, table)
						}
					}
					for _, table := range shrunk {
						if table != "sessions" && !slices.Contains(intendedShrunk, table) {
							t.Errorf("%s: injected payloads deleted rows of %s", route, table)
						}
					}
				})
			}
		})
		t.Logf("SQL injection: %d payloads, %d routes, %d requests, none answered 5xx", len(sqlPayloads), len(routes), sent.Load())
	})
}

// intendedChange calls route once as intended, in a fresh world, and
// returns the tables that changes and those it deletes rows from.
func intendedChange(t *testing.T, open func(testing.TB) backend, want map[cellKey]string, route string, rq request) (diff, shrunk []string) {
	t.Helper()
	db := open(t)
	w := newWorld(t, db)
	a := intendedActor(w, want, route, rq)
	if a.acc != nil {
		w.e.startSession(a.client, a.acc)
	}
	if rq.kind != noObject {
		rq.path = strings.Replace(rq.path, paramMarker, w.object(rq.kind, rq.kind.relations()[0], a), 1)
	}
	ct, body := "", ""
	if rq.body != nil {
		ct, body = rq.body(w, a)
	}
	before := sums(t, db)
	req, _ := http.NewRequest(rq.method, w.e.ts.URL+rq.path, strings.NewReader(body))
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	w.e.do(a.client, req)
	return changed(before, sums(t, db))
}
