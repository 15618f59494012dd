package report

import (
	"bytes"
	"context"
	"encoding/csv"
	"strconv"

	"tsunagari"
	"tsunagari/internal/disclosure"
	"tsunagari/internal/i18n"
)

// CSV returns the report as CSV for spreadsheets: UTF-8 with a byte order
// mark, so that Excel in Japan reads it, and CRLF line ends. Every cell is
// one the report shows: hidden groups have an empty value and a note.
func (s *Service) CSV(ctx context.Context, actor *tsunagari.Account, q Query, p i18n.Printer) ([]byte, error) {
	rep, err := s.OrgReport(ctx, actor, q)
	if err != nil {
		return nil, err
	}
	var progs []*disclosure.ProgrammeDocument
	for _, ps := range rep.Programmes {
		d, err := s.ProgrammeEffect(ctx, actor, ps.Programme)
		if err != nil {
			return nil, err
		}
		progs = append(progs, d)
	}
	return writeCSV(rep, progs, p)
}

func writeCSV(rep *OrgReport, progs []*disclosure.ProgrammeDocument, p i18n.Printer) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("\uFEFF")
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	hiddenNote := p.T("disclosure.suppressed", rep.K)
	_ = w.Write([]string{p.T("orgreport.csv.section"), p.T("orgreport.csv.when"), p.T("orgreport.dim.department"), p.T("orgreport.dim.age_band"),
		p.T("orgreport.dim.tenure_band"), p.T("orgreport.dim.job_family"), p.T("orgreport.csv.item"), p.T("orgreport.csv.value"), p.T("orgreport.csv.note")})
	group := func(g Group) []string {
		return []string{GroupLabel(p, disclosure.Department, g), GroupLabel(p, disclosure.AgeBand, g),
			GroupLabel(p, disclosure.TenureBand, g), GroupLabel(p, disclosure.JobFamily, g)}
	}
	line := func(section, when string, g []string, item, value, note string) {
		rec := append([]string{section, when}, g...)
		_ = w.Write(append(rec, item, value, note))
	}
	count := func(c disclosure.Cell) (string, string) {
		if c.Hidden {
			return "", hiddenNote
		}
		return strconv.Itoa(c.Count), ""
	}
	num := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	none := []string{"", "", "", ""}

	if v := rep.Period; v != nil {
		when := PeriodLabel(p, v.Period)
		section := p.T("orgreport.funnel.title")
		if v.Funnel != nil {
			for _, r := range v.Funnel.Rows {
				for i, st := range v.Funnel.Columns {
					value, note := count(r.Cells[i])
					line(section, when, group(r.Group), p.T("funnel."+st), value, note)
				}
			}
		}
		section = p.T("orgreport.themes.title")
		value, note := count(v.Consulted)
		line(section, when, none, p.T("orgreport.themes.consulted"), value, note)
		for _, t := range v.Themes {
			value, note := count(t.Count)
			line(section, when, none, t.Label.In(p.Lang), value, note)
			if t.Share >= 0 {
				line(section, when, none, t.Label.In(p.Lang)+" "+p.T("orgreport.themes.share"), num(t.Share), "%")
			}
		}
		section = p.T("orgreport.words.title")
		for _, wd := range v.Words {
			line(section, when, none, wd.Text, strconv.Itoa(wd.People), p.T("orgreport.words.people"))
		}
	}
	if v := rep.Pulse; v != nil {
		when := p.Date(v.ClosesAt, tsunagari.Tokyo)
		section := p.T("orgreport.pulse.title")
		if v.Table != nil {
			for _, r := range v.Table.Rows {
				c := r.Cells[0]
				value, note := count(c)
				line(section, when, group(r.Group), p.T("orgreport.pulse.respondents"), value, note)
				for m, l := range v.Labels {
					value, note := "", hiddenNote
					if !c.Hidden && m < len(c.Means) && c.Means[m] >= 0 {
						value, note = num(c.Means[m]), ""
					}
					line(section, when, group(r.Group), l.In(p.Lang), value, note)
				}
			}
		}
		section = p.T("orgreport.pulse.trend")
		for _, tp := range rep.PulseTrend {
			for m, l := range v.Labels {
				value, note := "", hiddenNote
				if m < len(tp.Means) && tp.Means[m] >= 0 {
					value, note = num(tp.Means[m]), ""
				}
				line(section, p.Date(tp.ClosesAt, tsunagari.Tokyo), none, l.In(p.Lang), value, note)
			}
		}
	}
	for _, d := range progs {
		section := p.T("orgreport.effect.title") + ": " + d.Name
		when := p.Date(d.StartsOn, tsunagari.Tokyo) + "–" + p.Date(d.EndsOn, tsunagari.Tokyo)
		for i, e := range d.Effects {
			label := e.Measure
			if i < len(d.Labels) {
				label = d.Labels[i].In(p.Lang)
			}
			if e.Hidden {
				line(section, when, none, label, "", p.T("orgreport.effect.too_few", d.PairK))
				continue
			}
			for _, f := range []struct {
				key string
				v   float64
			}{{"orgreport.effect.before", e.Before}, {"orgreport.effect.after", e.After}, {"orgreport.effect.change", e.Change},
				{"orgreport.effect.low", e.Low}, {"orgreport.effect.high", e.High}} {
				line(section, when, none, label+" "+p.T(f.key), num(f.v), "")
			}
			line(section, when, none, label+" "+p.T("orgreport.effect.pairs"), strconv.Itoa(e.Pairs), "")
			if e.Size != nil {
				line(section, when, none, label+" "+p.T("orgreport.effect.size"), num(e.Size.Value),
					p.T("orgreport.effect.size_ci", num(e.Size.Low), num(e.Size.High)))
			}
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// GroupLabel names a group's value of dimension d in p's language: the
// department's name, or the band's label; "" if the breakdown does not
// split by d.
func GroupLabel(p i18n.Printer, d disclosure.Dimension, g Group) string {
	var v string
	switch d {
	case disclosure.Department:
		if g.Department == disclosure.Unspecified {
			return p.T("orgreport.unspecified")
		}
		return g.DepartmentName
	case disclosure.AgeBand:
		v = g.AgeBand
	case disclosure.TenureBand:
		v = g.TenureBand
	case disclosure.JobFamily:
		v = g.JobFamily
	}
	switch v {
	case "":
		return ""
	case disclosure.Unspecified:
		return p.T("orgreport.unspecified")
	}
	return p.T(string(d) + "." + v)
}

// PeriodLabel names a quarter, such as 2026年 第1四半期.
func PeriodLabel(p i18n.Printer, q string) string {
	if len(q) != 7 {
		return q
	}
	return p.T("orgreport.quarter", q[:4], q[6:])
}
