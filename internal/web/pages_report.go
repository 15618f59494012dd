package web

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"tsunagari"
	"tsunagari/internal/chart"
	"tsunagari/internal/disclosure"
	"tsunagari/internal/i18n"
	"tsunagari/internal/survey"
)

// Rounds an HR administrator or an operator sends, and their reports.
// Reports show aggregates only, released by package disclosure; the pages
// and the API say the same, as the same view is built for both.

// roundsPage lists the rounds actor may report on, with the form that
// schedules a new one.
type roundsPage struct {
	Operator    bool
	Rounds      []roundRow
	Instruments []choiceView
	Orgs        []*tsunagari.Org
	Form        *form
	Action      string
}

type roundRow struct {
	ID, Title string
	Round     *tsunagari.Round
	Org       string
	Open      bool
	Closed    bool
}

type choiceView struct {
	ID, Label string
}

func (s *Server) roundsPage(w http.ResponseWriter, r *http.Request, a *tsunagari.Account, status int, f *form, operator bool) error {
	if operator && !a.Has(tsunagari.RoleOperator) || !operator && !(a.Has(tsunagari.RoleHRAdmin) && a.OrgID() != "") {
		return tsunagari.NewError(tsunagari.CodeNotFound, "error.page_not_found")
	}
	rounds, err := s.Surveys.Rounds(r.Context(), a)
	if err != nil {
		return err
	}
	ins, err := s.Surveys.Schedulable(r.Context(), a)
	if err != nil {
		return err
	}
	lang := s.printer(r, a).Lang
	p := roundsPage{Operator: operator, Form: f, Action: "/hr/rounds"}
	if operator {
		p.Action = "/operator/rounds"
		if p.Orgs, err = s.Orgs.Orgs(r.Context(), a); err != nil {
			return err
		}
	}
	names := map[string]string{}
	for _, o := range p.Orgs {
		names[o.ID] = o.Name
	}
	now := time.Now()
	for _, ri := range rounds {
		p.Rounds = append(p.Rounds, roundRow{ID: ri.Round.ID, Title: ri.Instrument.Title.In(lang), Round: ri.Round,
			Org: names[ri.Round.OrgID], Open: ri.Round.OpenAt(now), Closed: ri.Round.ClosedAt(now)})
	}
	for _, in := range ins {
		p.Instruments = append(p.Instruments, choiceView{ID: in.ID, Label: fmt.Sprintf("%s (v%d)", in.Title.In(lang), in.Version)})
	}
	if p.Form == nil {
		p.Form = &form{Values: url.Values{"mode": {string(tsunagari.ModeAttributed)}}, Fields: map[string]string{}}
	}
	return s.render(w, r, a, status, "rounds_admin", "rounds.title", p)
}

func (s *Server) hrRounds(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	return s.roundsPage(w, r, a, http.StatusOK, nil, false)
}

func (s *Server) operatorRounds(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	return s.roundsPage(w, r, a, http.StatusOK, nil, true)
}

func (s *Server) scheduleHRRound(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	return s.scheduleRound(w, r, a, false)
}

func (s *Server) scheduleOperatorRound(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	return s.scheduleRound(w, r, a, true)
}

// scheduleRound sends a round from the form: the instrument's latest
// version, a privacy mode, and the first and last day of answering, in
// the account's time zone. Operators also choose the org and whether only
// HR administrators are asked.
func (s *Server) scheduleRound(w http.ResponseWriter, r *http.Request, a *tsunagari.Account, operator bool) error {
	if operator && !a.Has(tsunagari.RoleOperator) || !operator && !(a.Has(tsunagari.RoleHRAdmin) && a.OrgID() != "") {
		return tsunagari.NewError(tsunagari.CodeNotFound, "error.page_not_found")
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	v := r.PostForm
	round := &tsunagari.Round{InstrumentID: v.Get("instrumentId"), Mode: tsunagari.PrivacyMode(v.Get("mode"))}
	if operator {
		round.OrgID, round.Audience = v.Get("orgId"), tsunagari.Role(v.Get("audience"))
	}
	err := parseDays(v.Get("opensOn"), v.Get("closesOn"), a.Location(), round)
	if err == nil {
		err = s.Surveys.CreateRound(r.Context(), a, round)
	}
	if err != nil {
		f, status, err := s.formError(r, a, err)
		if err != nil {
			return err
		}
		return s.roundsPage(w, r, a, status, f, operator)
	}
	return s.redirect(w, r, "/reports/"+round.ID, "flash.round_created")
}

// parseDays reads the first and last day of a round, as typed in a date
// field: it opens at the start of the first day (now if empty) and closes
// at the end of the last.
func parseDays(opens, closes string, loc *time.Location, r *tsunagari.Round) error {
	day := func(s string) (time.Time, bool) {
		t, err := time.ParseInLocation("2006-01-02", normalizeDigits(strings.TrimSpace(s)), loc)
		return t, err == nil
	}
	if opens != "" {
		t, ok := day(opens)
		if !ok {
			return tsunagari.Invalid("opensOn", "survey.round_times_invalid")
		}
		r.OpensAt = t
	}
	if closes != "" {
		t, ok := day(closes)
		if !ok {
			return tsunagari.Invalid("closesOn", "survey.round_times_invalid")
		}
		r.ClosesAt = t.AddDate(0, 0, 1)
	}
	return nil
}

// reportView is a report laid out for a page, the API and CSV, in one
// language.
type reportView struct {
	Report *survey.Report
	Title  string
	// Segments and Items are the choices of the form that picks what to
	// compare.
	Segments     []choiceView
	Items        []choiceView
	SegmentLabel string
	ItemText     string
	Multiple     bool
	Scores       *scoresView
	Cross        *crossView
	CSV          string // the link to the CSV of the cross-tab
	Reasons      map[string]string
}

type scoresView struct {
	Dimensions []string
	Rows       []groupRow
	Chart      template.HTML
}

type crossView struct {
	Options []string
	Rows    []groupRow
	Chart   template.HTML
}

// groupRow is one group of a table: shown with numbers, or hidden with
// the reason.
type groupRow struct {
	ID          string
	Label       string
	Total       bool
	Shown       bool
	Hidden      string // disclosure.HiddenSmall or HiddenComplement
	Reason      string // why it is hidden, in words
	Respondents int
	// Values are mean scores as text, Means as numbers (-1 where too few
	// scored); Cells are counts and percentages.
	Values []string
	Means  []float64
	Cells  []cellView
}

type cellView struct {
	Count   int
	Percent float64
}

func (c cellView) PercentText() string { return formatPercent(c.Percent) }

func formatPercent(p float64) string { return strconv.FormatFloat(p, 'f', 1, 64) }

// newReportView lays rep out in pr's language.
func (s *Server) newReportView(pr i18n.Printer, rep *survey.Report, withCharts bool) *reportView {
	lang := pr.Lang
	in := rep.Instrument
	v := &reportView{Report: rep, Title: in.Title.In(lang), Reasons: map[string]string{
		disclosure.HiddenSmall:      pr.T("report.hidden.small", rep.K),
		disclosure.HiddenComplement: pr.T("report.hidden.complement", rep.K),
	}}
	for _, id := range rep.Segments {
		c := choiceView{ID: id, Label: segmentLabel(pr, in, id)}
		v.Segments = append(v.Segments, c)
		if id == rep.Segment {
			v.SegmentLabel = c.Label
		}
	}
	for _, it := range rep.Items {
		v.Items = append(v.Items, choiceView{ID: it.ID, Label: it.Text.In(lang)})
	}
	if rep.Item != nil {
		v.ItemText = rep.Item.Text.In(lang)
		v.Multiple = rep.Item.Kind == tsunagari.KindMultiple
		q := url.Values{"item": {rep.Item.ID}}
		if rep.Segment != "" {
			q.Set("segment", rep.Segment)
		}
		v.CSV = "/reports/" + rep.Round.ID + "/crosstab.csv?" + q.Encode()
	}
	label := func(id string) string { return groupLabel(pr, rep, id) }
	grouped := rep.Segment != ""

	if m := rep.Scores; m != nil {
		sv := &scoresView{}
		for _, d := range in.Dimensions {
			sv.Dimensions = append(sv.Dimensions, d.Label.In(lang))
		}
		row := func(c disclosure.MeanColumn, total bool) groupRow {
			g := groupRow{ID: c.ID, Label: label(c.ID), Total: total, Shown: c.Shown, Hidden: c.Hidden, Reason: v.Reasons[c.Hidden],
				Respondents: c.Respondents, Means: c.Means}
			for _, x := range c.Means {
				if x < 0 {
					g.Values = append(g.Values, "–")
				} else {
					g.Values = append(g.Values, score(x))
				}
			}
			return g
		}
		if grouped {
			for _, c := range m.Groups {
				sv.Rows = append(sv.Rows, row(c, false))
			}
		}
		sv.Rows = append(sv.Rows, row(m.Total, true))
		if withCharts && m.Total.Shown {
			sv.Chart = template.HTML(chart.Bars{ID: "scores-chart", Title: pr.T("report.scores.chart", v.Title),
				Desc: pr.T("report.scores.desc", m.Total.Respondents), Labels: sv.Dimensions,
				Values: nonNegative(m.Total.Means), Unit: pr.T("results.points")}.SVG())
		}
		v.Scores = sv
	}

	if t := rep.CrossTab; t != nil {
		cv := &crossView{}
		for _, id := range t.Categories {
			cv.Options = append(cv.Options, rep.Item.Option(id).Label.In(lang))
		}
		row := func(c disclosure.Column, total bool) groupRow {
			g := groupRow{ID: c.ID, Label: label(c.ID), Total: total, Shown: c.Shown, Hidden: c.Hidden, Reason: v.Reasons[c.Hidden],
				Respondents: c.Respondents}
			for i := range c.Counts {
				g.Cells = append(g.Cells, cellView{Count: c.Counts[i], Percent: c.Percents[i]})
			}
			return g
		}
		if grouped {
			for _, c := range t.Groups {
				cv.Rows = append(cv.Rows, row(c, false))
			}
		}
		cv.Rows = append(cv.Rows, row(t.Total, true))
		if withCharts {
			title := pr.T("report.crosstab.chart", v.ItemText, v.SegmentLabel)
			if v.Multiple {
				var series []chart.Series
				for _, g := range cv.Rows {
					if g.Shown {
						sr := chart.Series{Name: g.Label}
						for _, c := range g.Cells {
							sr.Values = append(sr.Values, c.Percent)
						}
						series = append(series, sr)
					}
				}
				cv.Chart = template.HTML(chart.Grouped{ID: "crosstab-chart", Title: title, Desc: pr.T("report.crosstab.desc_multiple"),
					Rows: cv.Options, Series: series}.SVG())
			} else {
				st := chart.Stacked{ID: "crosstab-chart", Title: title, Desc: pr.T("report.crosstab.desc"),
					Categories: cv.Options, Hidden: pr.T("report.hidden.short")}
				for _, g := range cv.Rows {
					st.Rows = append(st.Rows, g.Label)
					var shares []float64
					if g.Shown {
						for _, c := range g.Cells {
							shares = append(shares, c.Percent)
						}
					}
					st.Shares = append(st.Shares, shares)
				}
				cv.Chart = template.HTML(st.SVG())
			}
		}
		v.Cross = cv
	}
	return v
}

func nonNegative(vs []float64) []float64 {
	out := make([]float64, len(vs))
	for i, v := range vs {
		out[i] = math.Max(v, 0)
	}
	return out
}

// segmentLabel names a segment in pr's language.
func segmentLabel(pr i18n.Printer, in *tsunagari.Instrument, id string) string {
	if d := in.Segment(id); d != nil {
		return d.Label.In(pr.Lang)
	}
	key := "report.segment." + id
	return pr.T(key)
}

// groupLabel names a group of the report's segment in pr's language.
func groupLabel(pr i18n.Printer, rep *survey.Report, id string) string {
	switch {
	case id == "total":
		return pr.T("report.total")
	case id == tsunagari.Unspecified:
		return pr.T("report.unspecified")
	}
	switch rep.Segment {
	case tsunagari.SegmentDepartment:
		return rep.Departments[id]
	case tsunagari.SegmentAgeBand:
		return pr.T("age_band." + id)
	case tsunagari.SegmentJobFamily:
		return pr.T("job_family." + id)
	case tsunagari.SegmentIndustry:
		return pr.T("industry." + id)
	case tsunagari.SegmentSizeBand:
		return pr.T("size." + id)
	}
	if d := rep.Instrument.Segment(rep.Segment); d != nil {
		for _, g := range d.Groups {
			if g.ID == id {
				return g.Label.In(pr.Lang)
			}
		}
	}
	return id
}

// reportQuery reads what to compare from the query string.
func reportQuery(r *http.Request) survey.ReportQuery {
	q := r.URL.Query()
	return survey.ReportQuery{Item: q.Get("item"), Segment: q.Get("segment")}
}

type reportPage struct {
	*reportView
	Org string
}

func (s *Server) report(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	rep, err := s.Surveys.Report(r.Context(), a, r.PathValue("id"), reportQuery(r))
	if err != nil {
		return err
	}
	pr := s.printer(r, a)
	p := reportPage{reportView: s.newReportView(pr, rep, true)}
	if rep.Round.OrgID != "" {
		if o, err := s.Orgs.Org(r.Context(), a, rep.Round.OrgID); err == nil {
			p.Org = o.Name
		}
	}
	return s.renderPage(w, r, a, http.StatusOK, "report", page{Title: "report.title", TitleText: p.Title, Data: p})
}

// crossTabCSV sends a report's cross-tab as CSV for spreadsheets: UTF-8
// with a byte-order mark, so that Excel in Japanese reads it correctly,
// and CRLF line ends. Hidden groups have no numbers, only the reason.
func (s *Server) crossTabCSV(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	rep, err := s.Surveys.Report(r.Context(), a, r.PathValue("id"), reportQuery(r))
	if err != nil {
		return err
	}
	if err := crossTabReady(rep); err != nil {
		return err
	}
	pr := s.printer(r, a)
	body, err := crossTabCSVBody(pr, s.newReportView(pr, rep, false))
	if err != nil {
		return err
	}
	name := fmt.Sprintf("crosstab-%s-%s-%s.csv", rep.Instrument.ID, rep.Item.ID, cmpOr(rep.Segment, "total"))
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
	return nil
}

func cmpOr(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

// crossTabReady returns why a report has no cross-tab to give, if it has
// none: the round is still open, or it has no choice item.
func crossTabReady(rep *survey.Report) error {
	switch {
	case rep.Round.Mode.Linked():
		return tsunagari.NewError(tsunagari.CodeConflict, "report.personal")
	case !rep.Closed:
		return tsunagari.NewError(tsunagari.CodeConflict, "report.not_closed")
	case rep.CrossTab == nil:
		return tsunagari.Invalid("item", "report.no_items")
	}
	return nil
}

func crossTabCSVBody(pr i18n.Printer, v *reportView) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("\uFEFF")
	cw := csv.NewWriter(&b)
	cw.UseCRLF = true
	segment := v.SegmentLabel
	if segment == "" {
		segment = pr.T("report.segment.none")
	}
	header := []string{csvText(segment), pr.T("report.respondents")}
	for _, o := range v.Cross.Options {
		header = append(header, csvText(pr.T("report.csv.count", o)), csvText(pr.T("report.csv.percent", o)))
	}
	header = append(header, pr.T("report.csv.note"))
	if err := cw.Write(header); err != nil {
		return nil, err
	}
	for _, g := range v.Cross.Rows {
		rec := []string{csvText(g.Label)}
		if g.Shown {
			rec = append(rec, strconv.Itoa(g.Respondents))
			for _, c := range g.Cells {
				rec = append(rec, strconv.Itoa(c.Count), formatPercent(c.Percent))
			}
			rec = append(rec, "")
		} else {
			for range 1 + 2*len(v.Cross.Options) {
				rec = append(rec, "")
			}
			rec = append(rec, g.Reason)
		}
		if err := cw.Write(rec); err != nil {
			return nil, err
		}
	}
	cw.Flush()
	return b.Bytes(), cw.Error()
}

// csvText keeps a label that an author wrote from being read as a formula
// by a spreadsheet: a leading =, +, -, @, tab or carriage return gets an
// apostrophe in front.
func csvText(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
