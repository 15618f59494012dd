package web

import (
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"tsunagari"
	"tsunagari/internal/chart"
	"tsunagari/internal/i18n"
	"tsunagari/internal/survey"
)

// Survey pages: the list of what a member can answer, the answer form of
// a round, and a self-service instrument's results with their history.

type offerView struct {
	survey.Offer
	Title, Intro string
}

type surveysPage struct {
	Personal []offerView // self-service instruments
	Rounds   []offerView // rounds sent to the member
}

func (s *Server) surveys(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	offers, err := s.Surveys.Instruments(r.Context(), a)
	if err != nil {
		return err
	}
	lang := s.printer(r, a).Lang
	var p surveysPage
	for _, o := range offers {
		v := offerView{Offer: o, Title: o.Instrument.Title.In(lang), Intro: o.Instrument.Intro.In(lang)}
		if o.Round.Standing {
			p.Personal = append(p.Personal, v)
		} else {
			p.Rounds = append(p.Rounds, v)
		}
	}
	return s.render(w, r, a, http.StatusOK, "surveys", "surveys.title", p)
}

// The answer form.

type roundPage struct {
	Round      *tsunagari.Round
	Instrument *tsunagari.Instrument
	Title      string
	Intro      string
	Sections   []sectionView
	Form       *form
}

type sectionView struct {
	ID, Title, Intro string
	Items            []itemView
}

type itemView struct {
	ID       string
	Kind     tsunagari.ItemKind
	Text     string
	Hint     string
	Required bool
	Error    string
	Options  []optionView
	Points   []pointView
	Low      string
	High     string
	// Value is what was typed into a number or text item.
	Value      string
	OtherValue string
	Min, Max   string
	Step       string
	MaxLength  int
	// WhenItem and WhenAny let the script hide an item whose condition
	// is not met; without the script every item shows.
	WhenItem string
	WhenAny  string
}

type optionView struct {
	ID, Label string
	Checked   bool
	Other     bool
	Exclusive bool
}

type pointView struct {
	Value   int
	Checked bool
}

// roundView lays out in for the form, in lang, with the values and errors
// of f.
func roundView(in *tsunagari.Instrument, lang string, f *form) []sectionView {
	var out []sectionView
	for _, sec := range in.Sections {
		sv := sectionView{ID: sec.ID, Title: sec.Title.In(lang), Intro: sec.Intro.In(lang)}
		for i := range sec.Items {
			it := &sec.Items[i]
			iv := itemView{ID: it.ID, Kind: it.Kind, Text: it.Text.In(lang), Hint: it.Hint.In(lang),
				Required: it.Required, Error: f.Fields[it.ID], Low: it.Low.In(lang), High: it.High.In(lang),
				Value: f.Values.Get(it.ID), OtherValue: f.Values.Get(it.ID + ".other"), MaxLength: it.MaxLength}
			chosen := f.Values[it.ID]
			for _, o := range it.Options {
				iv.Options = append(iv.Options, optionView{ID: o.ID, Label: o.Label.In(lang), Other: o.Other,
					Exclusive: o.Exclusive, Checked: slices.Contains(chosen, o.ID)})
			}
			for p := 1; p <= it.Points; p++ {
				iv.Points = append(iv.Points, pointView{Value: p, Checked: iv.Value == strconv.Itoa(p)})
			}
			if it.Kind == tsunagari.KindNumber {
				iv.Min, iv.Max, iv.Step = formatFloat(it.Min), formatFloat(it.Max), "any"
				if it.Integer {
					iv.Step = "1"
				}
			}
			if iv.MaxLength == 0 && it.Kind == tsunagari.KindText {
				iv.MaxLength = tsunagari.MaxTextAnswerLen
			}
			if it.When != nil {
				iv.WhenItem, iv.WhenAny = it.When.Item, strings.Join(it.When.AnyOf, " ")
			}
			sv.Items = append(sv.Items, iv)
		}
		out = append(out, sv)
	}
	return out
}

func formatFloat(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// answersFromForm reads the answers of a posted form: one field per item,
// named by its ID, and "<id>.other" for the text of an "other" option.
// A number that cannot be read becomes NaN, which the instrument's check
// reports as not a number.
func answersFromForm(in *tsunagari.Instrument, v url.Values) []tsunagari.Answer {
	var out []tsunagari.Answer
	for _, it := range in.Items() {
		a := tsunagari.Answer{Item: it.ID}
		switch it.Kind {
		case tsunagari.KindLikert, tsunagari.KindNumber:
			raw := normalizeDigits(strings.TrimSpace(v.Get(it.ID)))
			if raw == "" {
				continue
			}
			f, err := strconv.ParseFloat(raw, 64)
			if err != nil {
				f = math.NaN()
			}
			a.Value = &f
		case tsunagari.KindSingle, tsunagari.KindMultiple:
			for _, c := range v[it.ID] {
				if c != "" {
					a.Choices = append(a.Choices, c)
				}
			}
			a.Other = v.Get(it.ID + ".other")
		case tsunagari.KindText:
			a.Text = v.Get(it.ID)
		}
		if !a.Empty() {
			out = append(out, a)
		}
	}
	return out
}

// normalizeDigits turns full-width digits, signs and points, as Japanese
// input methods type them, into ASCII.
func normalizeDigits(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '０' && r <= '９':
			return '0' + (r - '０')
		case r == '．':
			return '.'
		case r == '－' || r == 'ー':
			return '-'
		}
		return r
	}, s)
}

func (s *Server) roundPage(w http.ResponseWriter, r *http.Request, a *tsunagari.Account, status int, f *form) error {
	round, in, err := s.Surveys.Round(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	if f == nil {
		f = &form{Values: url.Values{}, Fields: map[string]string{}}
	}
	lang := s.printer(r, a).Lang
	p := roundPage{Round: round, Instrument: in, Title: in.Title.In(lang), Intro: in.Intro.In(lang),
		Sections: roundView(in, lang, f), Form: f}
	return s.renderPage(w, r, a, status, "round", page{Title: "surveys.title", TitleText: p.Title, Data: p})
}

func (s *Server) roundForm(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	return s.roundPage(w, r, a, http.StatusOK, nil)
}

func (s *Server) respond(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	round, in, err := s.Surveys.Round(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	if _, err := s.Surveys.Respond(r.Context(), a, round.ID, answersFromForm(in, r.PostForm)); err != nil {
		f, status, err := s.formError(r, a, err)
		if err != nil {
			return err
		}
		return s.roundPage(w, r, a, status, f)
	}
	if round.Mode.Linked() {
		return s.redirect(w, r, "/surveys/"+in.ID, "flash.survey_saved")
	}
	return s.redirect(w, r, "/surveys", "flash.survey_thanks")
}

// Results.

type resultsPage struct {
	Instrument *tsunagari.Instrument
	Title      string
	Intro      string
	Round      *tsunagari.Round // the standing round, to answer again
	Latest     *survey.Result
	// Chart is the main chart of the latest result, Trend the chart of
	// every result over time.
	Chart template.HTML
	Trend template.HTML
	// Table has a row per dimension: its name and the score of each
	// result in History, newest first.
	Dimensions []string
	Table      []scoreRow
	History    []historyRow
	Top        []topValue
	Isolation  *isolationView
}

type scoreRow struct {
	Label  string
	About  string
	Values []string
}

type historyRow struct {
	Date   string
	Values []string
}

type topValue struct {
	Rank  int
	Label string
	About string
	Score string
}

type isolationView struct {
	survey.Isolation
	GivenUpLabels []string
}

func score(v float64) string { return strconv.FormatFloat(math.Round(v), 'f', 0, 64) }

func (s *Server) results(w http.ResponseWriter, r *http.Request, a *tsunagari.Account) error {
	id := r.PathValue("instrument")
	latest, results, err := s.Surveys.MyResults(r.Context(), a, id)
	if err != nil {
		return err
	}
	round, _, err := s.Surveys.StandingRound(r.Context(), a, id)
	if err != nil {
		return err
	}
	pr := s.printer(r, a)
	lang, loc := pr.Lang, a.Location()
	p := resultsPage{Instrument: latest, Title: latest.Title.In(lang), Intro: latest.Intro.In(lang), Round: round}
	for _, d := range latest.Dimensions {
		p.Dimensions = append(p.Dimensions, d.Label.In(lang))
	}
	if len(results) > 0 {
		p.Latest = &results[0]
	}
	for _, d := range latest.Dimensions {
		row := scoreRow{Label: d.Label.In(lang), About: d.About.In(lang)}
		for _, res := range results {
			v, ok := tsunagari.ScoreOf(res.Scores, d.ID)
			if ok {
				row.Values = append(row.Values, score(v))
			} else {
				row.Values = append(row.Values, "–")
			}
		}
		p.Table = append(p.Table, row)
	}
	for _, res := range results {
		h := historyRow{Date: pr.Date(res.SubmittedAt, loc)}
		for _, d := range latest.Dimensions {
			if v, ok := tsunagari.ScoreOf(res.Scores, d.ID); ok {
				h.Values = append(h.Values, score(v))
			} else {
				h.Values = append(h.Values, "–")
			}
		}
		p.History = append(p.History, h)
	}
	if p.Latest != nil {
		s.resultCharts(&p, pr, loc, results)
	}
	return s.renderPage(w, r, a, http.StatusOK, "results", page{Title: "surveys.title", TitleText: p.Title, Data: p})
}

// resultCharts draws the charts and words of p's instrument.
func (s *Server) resultCharts(p *resultsPage, pr i18n.Printer, loc *time.Location, results []survey.Result) {
	in, lang := p.Instrument, pr.Lang
	latest := p.Latest
	values := func(res survey.Result) []float64 {
		var out []float64
		for _, d := range in.Dimensions {
			v, ok := tsunagari.ScoreOf(res.Scores, d.ID)
			if !ok {
				v = -1
			}
			out = append(out, v)
		}
		return out
	}
	switch in.ID {
	case survey.ValuesDiagnosis:
		series := []chart.Series{{Name: pr.T("results.this_time"), Values: values(*latest)}}
		if len(results) > 1 {
			series = append(series, chart.Series{Name: pr.T("results.last_time"), Values: values(results[1])})
		}
		for i, t := range survey.Top(in, latest.Scores, 3) {
			p.Top = append(p.Top, topValue{Rank: i + 1, Label: t.Dimension.Label.In(lang), About: t.Dimension.About.In(lang), Score: score(t.Score)})
		}
		p.Chart = template.HTML(chart.Radar{ID: "values-chart", Title: pr.T("results.radar.title", p.Title),
			Desc: pr.T("results.radar.desc", len(in.Dimensions)), Axes: p.Dimensions, Series: series}.SVG())
	case survey.IsolationCheck:
		iso := survey.ReadIsolation(in, latest.Response)
		v := &isolationView{Isolation: iso}
		for _, g := range iso.GivenUp {
			if o := in.Item("given_up").Option(g); o != nil {
				v.GivenUpLabels = append(v.GivenUpLabels, o.Label.In(lang))
			}
		}
		p.Isolation = v
		p.Chart = template.HTML(chart.Bars{ID: "isolation-chart", Title: pr.T("results.bars.title", p.Title),
			Desc: pr.T("results.bars.desc"), Labels: p.Dimensions, Values: values(*latest), Unit: pr.T("results.points")}.SVG())
	default:
		p.Chart = template.HTML(chart.Bars{ID: "scores-chart", Title: pr.T("results.bars.title", p.Title),
			Desc: pr.T("results.bars.desc"), Labels: p.Dimensions, Values: values(*latest), Unit: pr.T("results.points")}.SVG())
	}
	if len(results) > 1 && in.ID != survey.ValuesDiagnosis {
		trend := survey.Trend(in, results)
		var labels []string
		for _, pt := range trend {
			labels = append(labels, shortDate(pr, pt.Result.SubmittedAt, loc))
		}
		var series []chart.Series
		for i, d := range in.Dimensions {
			sr := chart.Series{Name: d.Label.In(lang)}
			for _, pt := range trend {
				sr.Values = append(sr.Values, pt.Values[i])
			}
			series = append(series, sr)
		}
		p.Trend = template.HTML(chart.Line{ID: "trend-chart", Title: pr.T("results.trend.title", p.Title),
			Desc: pr.T("results.trend.desc", len(trend)), Labels: labels, Series: series}.SVG())
	}
}

// shortDate is a compact date for chart axes: 11/21 or 21 Nov.
func shortDate(pr i18n.Printer, t time.Time, loc *time.Location) string {
	t = t.In(loc)
	if pr.Lang == "en" {
		return t.Format("2 Jan")
	}
	return fmt.Sprintf("%d/%d", t.Month(), t.Day())
}
