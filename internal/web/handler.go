package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"tsunagari"
	"tsunagari/internal/i18n"
)

// handlerFunc is a handler that returns its error instead of writing it.
// The adapters below send every error to one place, s.error.
type handlerFunc func(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error

// Request body limits.
const (
	maxFormBytes   = 64 << 10
	maxJSONBytes   = 1 << 20
	maxUploadBytes = 2 << 20
)

// page adapts an HTML handler that anyone may reach.
func (s *Server) page(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.serve(w, r, s.account(w, r), h)
	})
}

// serve runs h for a, once a has passed the two-step enrolment gate, and
// sends any error it returns to s.error.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, a *tsunagari.Account, h handlerFunc) {
	if s.enrolmentGate(w, r, a) {
		return
	}
	if err := h(w, r, a); err != nil {
		s.error(w, r, a, err)
	}
}

// signedIn adapts an HTML handler that needs an account; others are sent
// to the sign-in page and brought back afterwards.
func (s *Server) signedIn(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := s.account(w, r)
		if a == nil {
			next := ""
			if r.Method == http.MethodGet {
				next = r.URL.RequestURI()
			}
			http.Redirect(w, r, "/signin?next="+url.QueryEscape(next), http.StatusSeeOther)
			return
		}
		s.serve(w, r, a, h)
	})
}

// api adapts a JSON handler. Authentication is optional here; handlers
// that need it return CodeUnauthorized through their service.
func (s *Server) api(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = r.WithContext(withAPI(r.Context()))
		s.serve(w, r, s.account(w, r), h)
	})
}

// account returns the signed-in account of r, or nil. A broken session
// cookie is cleared.
func (s *Server) account(w http.ResponseWriter, r *http.Request) *tsunagari.Account {
	a, err := s.Authenticate(r)
	switch {
	case err == nil:
		return a
	case errors.Is(err, tsunagari.ErrNotFound):
		if _, cerr := r.Cookie(s.sessionCookieName()); cerr == nil {
			s.clearSessionCookie(w)
		}
	default:
		s.Logger.ErrorContext(r.Context(), "authenticate", "err", err)
	}
	return nil
}

var statusByCode = map[tsunagari.Code]int{
	tsunagari.CodeInvalid:         http.StatusUnprocessableEntity,
	tsunagari.CodeUnauthorized:    http.StatusUnauthorized,
	tsunagari.CodeForbidden:       http.StatusForbidden,
	tsunagari.CodeNotFound:        http.StatusNotFound,
	tsunagari.CodeConflict:        http.StatusConflict,
	tsunagari.CodeTooLarge:        http.StatusRequestEntityTooLarge,
	tsunagari.CodeTooManyRequests: http.StatusTooManyRequests,
	tsunagari.CodeUnavailable:     http.StatusServiceUnavailable,
	tsunagari.CodeInternal:        http.StatusInternalServerError,
}

// errorBody is the JSON form of every error.
type errorBody struct {
	Code    tsunagari.Code `json:"code"`
	Message string         `json:"message"`
	Details []errorDetail  `json:"details,omitempty"`
}

type errorDetail struct {
	Line    int    `json:"line,omitempty"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// error is the one place that turns an error into a response: the status
// from its code, a translated message, and a log line for our own faults.
func (s *Server) error(w http.ResponseWriter, r *http.Request, a *tsunagari.Account, err error) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		err = tsunagari.NewError(tsunagari.CodeTooLarge, "error.too_large")
	}
	code := tsunagari.ErrorCode(err)
	status, ok := statusByCode[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	key, args := "error.internal", []any(nil)
	var e *tsunagari.Error
	switch {
	case errors.As(err, &e):
		key, args = e.Key, e.Args
	case code == tsunagari.CodeNotFound:
		key = "error.not_found"
	case code == tsunagari.CodeConflict:
		key = "error.conflict"
	}
	if code == tsunagari.CodeInternal {
		s.Logger.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if code == tsunagari.CodeNotFound || code == tsunagari.CodeForbidden {
		s.recordDenied(r, a)
	}
	p := s.printer(r, a)
	body := errorBody{Code: code, Message: p.T(key, args...)}
	if e != nil {
		for _, d := range e.Details {
			body.Details = append(body.Details, errorDetail{Line: d.Line, Field: d.Field, Message: p.T(d.Key, d.Args...)})
		}
	}
	if code == tsunagari.CodeTooManyRequests {
		w.Header().Set("Retry-After", "60")
	}
	if isAPI(r) {
		writeJSON(w, status, body)
		return
	}
	if err := s.render(w, r, a, status, "error", "error.title", body); err != nil {
		s.Logger.ErrorContext(r.Context(), "render error page", "err", err)
		http.Error(w, body.Message, status)
	}
}

// recordDenied puts a refusal served to a signed-in account into the
// audit trail (ASVS 16.3.2): the route and, for routes that take an ID,
// the ID asked for. An object of another tenant and one that does not
// exist look the same to the account, and are recorded the same way.
// Secret path values, such as invitation tokens, are never recorded.
// Unknown paths are not refusals and are left out.
func (s *Server) recordDenied(r *http.Request, a *tsunagari.Account) {
	if a == nil || r.Pattern == "" || r.Pattern == "/" || r.Pattern == "/api/" {
		return
	}
	e := &tsunagari.AuditEvent{ActorID: a.ID, Action: tsunagari.AuditAccessDenied, Outcome: tsunagari.OutcomeDenied,
		TargetType: "route", TargetID: r.Pattern, OrgID: a.OrgID()}
	if id := r.PathValue("id"); id != "" {
		if !tsunagari.ValidID(id) {
			id = "malformed"
		}
		e.Detail = "id=" + id
	}
	if err := s.Audit.Record(r.Context(), e); err != nil {
		s.Logger.ErrorContext(r.Context(), "record refusal", "err", err)
	}
}

func (s *Server) crossOriginDenied(w http.ResponseWriter, r *http.Request) {
	s.error(w, r, nil, tsunagari.NewError(tsunagari.CodeForbidden, "error.cross_origin"))
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	return tsunagari.NewError(tsunagari.CodeNotFound, "error.page_not_found")
}

func (s *Server) apiNotFound(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	return tsunagari.NewError(tsunagari.CodeNotFound, "error.route_not_found")
}

// page is the data every template receives.
type page struct {
	Title string // message key
	// TitleText, if set, is the title as it is, such as a questionnaire's
	// name, instead of Title's translation.
	TitleText string
	L         i18n.Printer
	Account   *tsunagari.Account
	Loc       *time.Location
	Path      string // the current request URI, for links back
	Demo      []DemoLogin
	Flash     string // message key of a notice from the previous request
	Data      any
}

// render executes a page template into a buffer first, so a template
// error becomes a clean 500 instead of half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, a *tsunagari.Account, status int, name, title string, data any) error {
	return s.renderPage(w, r, a, status, name, page{Title: title, Data: data})
}

// renderPage renders p, filling in what every page shares.
func (s *Server) renderPage(w http.ResponseWriter, r *http.Request, a *tsunagari.Account, status int, name string, p page) error {
	t, ok := s.pages[name]
	if !ok {
		return fmt.Errorf("render: no page %q", name)
	}
	p.L, p.Account, p.Loc, p.Path = s.printer(r, a), a, a.Location(), r.URL.RequestURI()
	p.Demo, p.Flash = s.Demo, s.takeFlash(w, r)
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w) // a failed write means the client has gone
	return nil
}

// form is what a form page needs to show the values typed and what was
// wrong with them.
type form struct {
	Values  url.Values
	Error   string            // a message for the whole form
	Fields  map[string]string // messages per field
	Details []errorDetail     // messages per line of an upload
}

// formError turns a user-facing error into a form to show again. Other
// errors are returned as they are.
func (s *Server) formError(r *http.Request, a *tsunagari.Account, err error) (*form, int, error) {
	code := tsunagari.ErrorCode(err)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		err, code = tsunagari.NewError(tsunagari.CodeTooLarge, "error.too_large"), tsunagari.CodeTooLarge
	}
	switch code {
	case tsunagari.CodeInvalid, tsunagari.CodeUnauthorized, tsunagari.CodeConflict,
		tsunagari.CodeTooManyRequests, tsunagari.CodeTooLarge, tsunagari.CodeForbidden:
	default:
		return nil, 0, err
	}
	p := s.printer(r, a)
	f := &form{Values: r.PostForm, Fields: map[string]string{}}
	var e *tsunagari.Error
	if errors.As(err, &e) {
		f.Error = p.T(e.Key, e.Args...)
		for _, d := range e.Details {
			if d.Line > 0 {
				f.Details = append(f.Details, errorDetail{Line: d.Line, Field: d.Field, Message: p.T("error.at_line", d.Line, p.T(d.Key, d.Args...))})
			} else if d.Field != "" {
				f.Fields[d.Field] = p.T(d.Key, d.Args...)
			}
		}
	}
	if f.Values == nil {
		f.Values = url.Values{}
	}
	// Never echo secrets back into a page.
	for _, k := range []string{"password", "currentPassword", "newPassword", "code"} {
		f.Values.Del(k)
	}
	return f, statusByCode[code], nil
}

// parseForm reads a urlencoded form of bounded size.
func parseForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return tsunagari.NewError(tsunagari.CodeTooLarge, "error.too_large")
		}
		return tsunagari.NewError(tsunagari.CodeInvalid, "error.bad_form")
	}
	// No text tsunagari keeps may hold a NUL character, which PostgreSQL
	// cannot store: refuse it here rather than fail in the database.
	for k, vs := range r.Form {
		if strings.ContainsRune(k, 0) || slices.ContainsFunc(vs, func(v string) bool { return strings.ContainsRune(v, 0) }) {
			return tsunagari.NewError(tsunagari.CodeInvalid, "error.bad_form")
		}
	}
	return nil
}

// decodeJSON reads a JSON body of bounded size into v, rejecting unknown
// fields and trailing data.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return tsunagari.NewError(tsunagari.CodeInvalid, "error.json_content_type")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxJSONBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return tsunagari.NewError(tsunagari.CodeTooLarge, "error.too_large")
		}
		return &tsunagari.Error{Code: tsunagari.CodeInvalid, Key: "error.bad_json", Err: err}
	}
	// A NUL character, raw or escaped, is never part of a valid request:
	// PostgreSQL cannot store it in text.
	if bytes.IndexByte(body, 0) >= 0 || bytes.Contains(bytes.ToLower(body), []byte(`\u0000`)) {
		return tsunagari.NewError(tsunagari.CodeInvalid, "error.bad_json")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return &tsunagari.Error{Code: tsunagari.CodeInvalid, Key: "error.bad_json", Err: err}
	}
	if _, err := dec.Token(); err != io.EOF {
		return tsunagari.NewError(tsunagari.CodeInvalid, "error.bad_json")
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
	return nil
}

// localPath returns next if it is a path on this site, else "/dashboard".
// It keeps redirects after sign-in from leading elsewhere, and from
// leading to a target no request can be made for (such as "/%").
func localPath(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.ContainsAny(next, "\r\n\t") {
		return "/dashboard"
	}
	if u, err := url.Parse(next); err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/dashboard"
	}
	return next
}

// redirect sends a browser on after a POST, with an optional notice.
func (s *Server) redirect(w http.ResponseWriter, r *http.Request, to, flash string) error {
	if flash != "" {
		s.setFlash(w, flash)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}
