package web

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"tsunagari"
	"tsunagari/internal/chart"
	"tsunagari/internal/disclosure"
	"tsunagari/internal/i18n"
	"tsunagari/internal/report"
)

// The HR report pages. Their handlers read through s.Reports, which reads
// the release ledger only; layout_test.go holds these files to that.

// orgReportPage is the org report as the page shows it.
type orgReportPage struct {
	*report.OrgReport
	Query report.Query
	// Suppressed is the note shown for a hidden group.
	Suppressed string
	CSV        string // link to the CSV export of this view
	// Charts, drawn from the same released numbers as the tables.
	Funnel, ThemeTrend, Cloud, Radar, Bars, PulseTrend template.HTML
	// Dims are the dimensions of the breakdown; Stages the funnel's.
	Dims   []disclosure.Dimension
	Stages []string
	// FunnelGrid and PulseGrid are the tables by breakdown, ready to
	// print.
	FunnelGrid, PulseGrid *grid
}

// grid is a table of groups as the page prints it: a head, then a row per
// group with its labels and its cells. Tables of more than maxGridRows
// groups list only the groups with something shown; Left counts the
// others.
type grid struct {
	Heads []string
	Rows  []gridRow
	Note  string // why a hidden cell is hidden
	Left  int
}

type gridRow struct {
	Labels []gridLabel
	Cells  []gridCell
}

type gridLabel struct{ Text, Class string }

type gridCell struct {
	Text   string
	Hidden bool
}

// maxGridRows is how many groups a table lists in full.
const maxGridRows = 60

// newGrid lays out a report table: the group labels of dims, then cells
// printed by cell (or, when it returns false, hidden).
func newGrid(p i18n.Printer, t *report.Table, dims []disclosure.Dimension, heads []string, note string,
	cells func(row report.Row) []gridCell) *grid {
	g := &grid{Note: note}
	if len(dims) == 0 {
		g.Heads = append(g.Heads, p.T("orgreport.group"))
	}
	for _, d := range dims {
		g.Heads = append(g.Heads, p.T(dimensionKey(d)))
	}
	g.Heads = append(g.Heads, heads...)
	all := len(t.Rows) <= maxGridRows
	for _, row := range t.Rows {
		if !all && !slices.ContainsFunc(row.Cells, func(c disclosure.Cell) bool { return !c.Hidden }) {
			g.Left++
			continue
		}
		var gr gridRow
		if len(dims) == 0 {
			gr.Labels = append(gr.Labels, gridLabel{Text: p.T("orgreport.total")})
		}
		for _, d := range dims {
			l := gridLabel{Text: report.GroupLabel(p, d, row.Group)}
			if d == disclosure.Department {
				l.Class = fmt.Sprintf("depth-%d", min(row.Group.Depth, 6))
			}
			gr.Labels = append(gr.Labels, l)
		}
		gr.Cells = cells(row)
		g.Rows = append(g.Rows, gr)
	}
	return g
}

// countCell prints a released head count, or the short hidden mark.
func countCell(p i18n.Printer, c disclosure.Cell) gridCell {
	if c.Hidden {
		return gridCell{Text: p.T("orgreport.hidden"), Hidden: true}
	}
	return gridCell{Text: p.T("count.about", c.Count)}
}

func orgReportQuery(r *http.Request) report.Query {
	v := r.URL.Query()
	return report.Query{Period: v.Get("period"), Round: v.Get("round"), Breakdown: v.Get("breakdown")}
}

// csvLink returns the export of the report as q chose it.
func csvLink(q report.Query) string {
	v := url.Values{}
	for k, x := range map[string]string{"period": q.Period, "round": q.Round, "breakdown": q.Breakdown} {
		if x != "" {
			v.Set(k, x)
		}
	}
	if len(v) == 0 {
		return "/api/v1/org/report/csv"
	}
	return "/api/v1/org/report/csv?" + v.Encode()
}

func (s *Server) orgReport(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	q := orgReportQuery(r)
	rep, err := s.Reports.OrgReport(r.Context(), a, q)
	if err != nil {
		return err
	}
	p := s.printer(r, a)
	b, _ := disclosure.ParseBreakdown(rep.Breakdown)
	page := orgReportPage{OrgReport: rep, Query: q, Suppressed: p.T("disclosure.suppressed", rep.K), CSV: csvLink(q), Dims: b,
		Stages: report.FunnelStages}
	if v := rep.Period; v != nil && v.Funnel != nil {
		var heads []string
		for _, st := range v.Funnel.Columns {
			heads = append(heads, p.T("funnel."+st))
		}
		page.FunnelGrid = newGrid(p, v.Funnel, b, heads, page.Suppressed, func(row report.Row) []gridCell {
			out := make([]gridCell, len(row.Cells))
			for i, c := range row.Cells {
				out[i] = countCell(p, c)
			}
			return out
		})
	}
	if v := rep.Pulse; v != nil && v.Table != nil {
		heads := []string{p.T("orgreport.pulse.respondents")}
		for _, l := range v.Labels {
			heads = append(heads, l.In(p.Lang))
		}
		page.PulseGrid = newGrid(p, v.Table, b, heads, page.Suppressed, func(row report.Row) []gridCell {
			c := row.Cells[0]
			out := []gridCell{countCell(p, c)}
			for i := range v.Labels {
				text := "—"
				if !c.Hidden && i < len(c.Means) && c.Means[i] >= 0 {
					text = strconv.FormatFloat(c.Means[i], 'f', 1, 64)
				}
				out = append(out, gridCell{Text: text})
			}
			return out
		})
	}
	if v := rep.Period; v != nil {
		page.Funnel = funnelChart(p, rep, v)
		page.ThemeTrend = themeTrendChart(p, rep)
		page.Cloud = wordCloud(p, v)
	}
	if v := rep.Pulse; v != nil {
		page.Radar, page.Bars = pulseCharts(p, v)
		page.PulseTrend = pulseTrendChart(p, rep, v)
	}
	return s.render(w, r, a, http.StatusOK, "orgreport", "orgreport.title", page)
}

func funnelChart(p i18n.Printer, rep *report.OrgReport, v *report.PeriodView) template.HTML {
	c := chart.Bars{ID: "funnel-chart", Title: p.T("orgreport.funnel.title"), Desc: p.T("orgreport.funnel.desc"),
		Unit: p.T("orgreport.people_unit"), HiddenText: p.T("disclosure.suppressed", rep.K)}
	for i, st := range report.FunnelStages {
		c.Labels = append(c.Labels, p.T("funnel."+st))
		cell := disclosure.Cell{Hidden: true}
		if i < len(v.FunnelAll) {
			cell = v.FunnelAll[i]
		}
		c.Values = append(c.Values, float64(cell.Count))
		c.Hidden = append(c.Hidden, cell.Hidden)
		c.Max = max(c.Max, float64(cell.Count))
	}
	return template.HTML(c.SVG())
}

// themeTrendChart draws the shares of the five most consulted themes over
// the quarters.
func themeTrendChart(p i18n.Printer, rep *report.OrgReport) template.HTML {
	if len(rep.Periods) < 2 || rep.Period == nil {
		return ""
	}
	c := chart.Line{ID: "theme-trend", Title: p.T("orgreport.themes.trend"), Desc: p.T("orgreport.themes.trend_desc"), Max: 100}
	for i := len(rep.Periods) - 1; i >= 0; i-- {
		c.Labels = append(c.Labels, report.PeriodLabel(p, rep.Periods[i].Period))
	}
	for _, t := range rep.Period.Themes {
		if t.Count.Hidden || len(c.Series) == 5 {
			break
		}
		c.Series = append(c.Series, chart.Series{Name: t.Label.In(p.Lang), Values: t.Shares})
	}
	if len(c.Series) == 0 {
		return ""
	}
	return template.HTML(c.SVG())
}

func wordCloud(p i18n.Printer, v *report.PeriodView) template.HTML {
	if len(v.Words) == 0 {
		return ""
	}
	c := chart.WordCloud{ID: "word-cloud", Title: p.T("orgreport.words.title"), Desc: p.T("orgreport.words.desc", v.KText)}
	for _, w := range v.Words {
		c.Words = append(c.Words, chart.Word{Text: w.Text, Weight: float64(w.People), Title: w.Text + ": " + p.T("count.about", w.People)})
	}
	return template.HTML(c.SVG())
}

// pulseCharts draws the five supports: a radar of the whole org and up to
// four shown groups of the breakdown, and bars of the org's means.
func pulseCharts(p i18n.Printer, v *report.PulseView) (template.HTML, template.HTML) {
	var axes []string
	for _, l := range v.Labels {
		axes = append(axes, l.In(p.Lang))
	}
	if v.Total.Hidden {
		return "", ""
	}
	radar := chart.Radar{ID: "pulse-radar", Title: p.T("orgreport.pulse.radar"), Desc: p.T("orgreport.pulse.radar_desc"), Axes: axes,
		Series: []chart.Series{{Name: p.T("orgreport.total"), Values: v.Total.Means}}}
	if v.Table != nil && v.Table.Breakdown != "total" {
		for _, row := range v.Table.Rows {
			if len(radar.Series) == 5 {
				break
			}
			if c := row.Cells[0]; !c.Hidden && row.Group.Depth == 0 && row.Group.Department != disclosure.Unspecified {
				radar.Series = append(radar.Series, chart.Series{Name: groupName(p, row.Group), Values: c.Means})
			}
		}
	}
	bars := chart.Bars{ID: "pulse-bars", Title: p.T("orgreport.pulse.bars"), Desc: p.T("orgreport.pulse.bars_desc"), Labels: axes,
		Values: v.Total.Means, Unit: p.T("orgreport.points_unit")}
	return template.HTML(radar.SVG()), template.HTML(bars.SVG())
}

func pulseTrendChart(p i18n.Printer, rep *report.OrgReport, v *report.PulseView) template.HTML {
	if len(rep.PulseTrend) < 2 {
		return ""
	}
	c := chart.Line{ID: "pulse-trend", Title: p.T("orgreport.pulse.trend"), Desc: p.T("orgreport.pulse.trend_desc")}
	for _, tp := range rep.PulseTrend {
		c.Labels = append(c.Labels, p.Date(tp.ClosesAt, tsunagari.Tokyo))
	}
	for m, l := range v.Labels {
		s := chart.Series{Name: l.In(p.Lang)}
		for _, tp := range rep.PulseTrend {
			val := -1.0
			if m < len(tp.Means) {
				val = tp.Means[m]
			}
			s.Values = append(s.Values, val)
		}
		c.Series = append(c.Series, s)
	}
	return template.HTML(c.SVG())
}

// groupName names a group by all the dimensions of its breakdown.
func groupName(p i18n.Printer, g report.Group) string {
	var parts []string
	for _, d := range disclosure.Dimensions {
		if l := report.GroupLabel(p, d, g); l != "" {
			parts = append(parts, l)
		}
	}
	if len(parts) == 0 {
		return p.T("orgreport.total")
	}
	return strings.Join(parts, " × ")
}

// effectPage is one programme's effect.
type effectPage struct {
	Doc        *disclosure.ProgrammeDocument
	Rows       []effectRow
	Chart      template.HTML
	TooFewNote string
}

type effectRow struct {
	Label string
	disclosure.Effect
}

func (s *Server) programmeEffect(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	doc, err := s.Reports.ProgrammeEffect(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	p := s.printer(r, a)
	ep := effectPage{Doc: doc, TooFewNote: p.T("orgreport.effect.too_few", doc.PairK)}
	c := chart.Bars{ID: "effect-chart", Title: p.T("orgreport.effect.chart"), Desc: p.T("orgreport.effect.chart_desc"),
		Unit: p.T("orgreport.points_unit"), HiddenText: ep.TooFewNote, Max: 25}
	for i, e := range doc.Effects {
		label := e.Measure
		if i < len(doc.Labels) {
			label = doc.Labels[i].In(p.Lang)
		}
		ep.Rows = append(ep.Rows, effectRow{Label: label, Effect: e})
		c.Labels = append(c.Labels, label)
		c.Values = append(c.Values, e.Change)
		c.Hidden = append(c.Hidden, e.Hidden)
		c.Max = max(c.Max, e.Change)
	}
	ep.Chart = template.HTML(c.SVG())
	return s.renderPage(w, r, a, http.StatusOK, "effect", page{TitleText: fmt.Sprintf("%s | %s", doc.Name, p.T("orgreport.effect.title")), Data: ep})
}

// dimensionKey is the message key of a dimension's name.
func dimensionKey(d disclosure.Dimension) string { return "orgreport.dim." + string(d) }
