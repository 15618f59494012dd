package web

import (
	"encoding/csv"

	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"tsunagari"
	"tsunagari/internal/audit"
)

// auditFilter reads the filter of the audit pages from the query.
func auditFilter(q url.Values) (tsunagari.AuditFilter, error) {
	f := tsunagari.AuditFilter{Action: strings.TrimSpace(q.Get("action")), ActorID: strings.TrimSpace(q.Get("actor"))}
	if v := q.Get("before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return f, tsunagari.Invalid("before", "audit.before_invalid")
		}
		f.Before = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > audit.PageSize {
			return f, tsunagari.Invalid("limit", "audit.limit_invalid", audit.PageSize)
		}
		f.Limit = n
	}
	return f, nil
}

// nextBefore returns the Before of the page after events, or 0 if events
// reach the start of the trail.
func nextBefore(events []*tsunagari.AuditEvent, limit int) int64 {
	if len(events) == 0 || len(events) < limit || events[len(events)-1].Seq <= 1 {
		return 0
	}
	return events[len(events)-1].Seq
}

type auditPage struct {
	Events  []*tsunagari.AuditEvent
	Emails  map[string]string
	Filter  tsunagari.AuditFilter
	Actions []string
	Next    string // address of the next, older page
	Form    *form
}

// auditLog shows the audit trail to operators, newest first.
func (s *Server) auditLog(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	q := r.URL.Query()
	f, ferr := auditFilter(q)
	p := auditPage{Filter: f, Actions: tsunagari.AuditActions, Form: &form{Values: q}}
	var (
		events []*tsunagari.AuditEvent
		err    = ferr
	)
	if err == nil {
		events, err = s.Audit.Events(r.Context(), a, f)
	}
	status := http.StatusOK
	if err != nil {
		// A bad filter is shown on the page, but only to operators.
		if perr := s.Audit.MayRead(a); perr != nil {
			return perr
		}
		form, st, err := s.formError(r, a, err)
		if err != nil {
			return err
		}
		form.Values = q
		p.Form, status = form, st
	}
	if p.Emails, err = s.Audit.Emails(r.Context(), events); err != nil {
		return err
	}
	p.Events = events
	if next := nextBefore(events, audit.PageSize); next > 0 {
		v := url.Values{"before": {strconv.FormatInt(next, 10)}}
		if f.Action != "" {
			v.Set("action", f.Action)
		}
		if f.ActorID != "" {
			v.Set("actor", f.ActorID)
		}
		p.Next = "/operator/audit?" + v.Encode()
	}
	return s.render(w, r, a, status, "audit", "audit.title", p)
}

// auditColumns are the columns of the CSV export: the stored fields, so
// that the chain can be checked from the file alone.
var auditColumns = []string{"seq", "at", "actor_id", "action", "outcome", "target_type", "target_id",
	"org_id", "ip", "detail", "prev_hash", "hash"}

// csvCell keeps a spreadsheet from reading a cell as a formula.
func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// auditCSV exports the whole trail in chain order as CSV in UTF-8 with a
// byte-order mark, which Excel needs to read Japanese text.
func (s *Server) auditCSV(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	var cw *csv.Writer
	start := func() {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition",
			`attachment; filename="tsunagari-audit-`+time.Now().UTC().Format("20060102T150405Z")+`.csv"`)
		_, _ = w.Write([]byte("\ufeff"))
		cw = csv.NewWriter(w)
		cw.UseCRLF = true
		_ = cw.Write(auditColumns)
	}
	err := s.Audit.Export(r.Context(), a, func(e *tsunagari.AuditEvent) error {
		if cw == nil {
			start()
		}
		return cw.Write([]string{strconv.FormatInt(e.Seq, 10), e.At.UTC().Format(time.RFC3339), e.ActorID, e.Action,
			string(e.Outcome), e.TargetType, csvCell(e.TargetID), e.OrgID, e.IP, csvCell(e.Detail), e.PrevHash, e.Hash})
	})
	if cw == nil {
		if err != nil {
			return err
		}
		start()
	}
	cw.Flush()
	if err == nil {
		err = cw.Error()
	}
	if err != nil {
		// The answer has begun; all that is left is to log it.
		s.Logger.ErrorContext(r.Context(), "export audit trail", "err", err)
	}
	return nil
}

type auditEventJSON struct {
	Seq        int64             `json:"seq"`
	At         time.Time         `json:"at"`
	ActorID    string            `json:"actorId,omitempty"`
	Action     string            `json:"action"`
	Outcome    tsunagari.Outcome `json:"outcome"`
	TargetType string            `json:"targetType,omitempty"`
	TargetID   string            `json:"targetId,omitempty"`
	OrgID      string            `json:"orgId,omitempty"`
	IP         string            `json:"ip,omitempty"`
	Detail     string            `json:"detail,omitempty"`
	PrevHash   string            `json:"prevHash"`
	Hash       string            `json:"hash"`
}

// apiAuditEvents (listAuditEvents) returns a page of the audit trail,
// newest first, and the "before" of the next page, or null at the start.
func (s *Server) apiAuditEvents(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := requireAccount(a); err != nil {
		return err
	}
	f, err := auditFilter(r.URL.Query())
	if err != nil {
		// Only operators learn that the filter was wrong.
		if perr := s.Audit.MayRead(a); perr != nil {
			return perr
		}
		return err
	}
	events, err := s.Audit.Events(r.Context(), a, f)
	if err != nil {
		return err
	}
	limit := f.Limit
	if limit == 0 {
		limit = audit.PageSize
	}
	out := struct {
		Events []auditEventJSON `json:"events"`
		Next   *int64           `json:"next"`
	}{Events: make([]auditEventJSON, len(events))}
	for i, e := range events {
		out.Events[i] = auditEventJSON(*e)
	}
	if next := nextBefore(events, limit); next > 0 {
		out.Next = &next
	}
	return writeJSON(w, http.StatusOK, out)
}
