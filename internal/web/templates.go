package web

import (
	"fmt"
	"html/template"
	"io/fs"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"

	"tsunagari"
	"tsunagari/internal/disclosure"
	"tsunagari/internal/event"
	"tsunagari/internal/i18n"
	"tsunagari/internal/report"
)

var funcs = template.FuncMap{
	// pref names a prefecture by code in the page's language.
	"pref": func(l i18n.Printer, code string) string {
		p := tsunagari.PrefectureByCode(code)
		switch {
		case p == nil:
			return ""
		case l.Lang == "en":
			return p.En
		}
		return p.Name
	},
	// indent gives tree items their depth for CSS.
	"indent":  func(depth int) string { return fmt.Sprintf("depth-%d", min(depth, 6)) },
	"roleKey": func(r tsunagari.Role) string { return "role." + string(r) },
	"join":    strings.Join,
	// list makes a list of strings, for ranging over fixed choices.
	"list": func(s ...string) []string { return s },
	// inc adds one, for colspans that cover a row label too.
	"inc": func(n int) int { return n + 1 },
	// theme names a consultation theme in the page's language.
	"theme": themeLabel,
	// text picks the page's language of a bilingual wording.
	"text": func(l i18n.Printer, t tsunagari.Text) string { return t.In(l.Lang) },
	"has":  func(list []string, v string) bool { return slices.Contains(list, v) },
	// hhmm writes the time of day of t in loc.
	"hhmm":         func(t time.Time, loc *time.Location) string { return t.In(loc).Format("15:04") },
	"slotValue":    slotValue,
	"statusKey":    func(s tsunagari.BookingStatus) string { return "consultation.status." + string(s) },
	"weekdayKey":   func(d time.Weekday) string { return "weekday." + strings.ToLower(d.String()[:3]) },
	"weekdayField": func(d time.Weekday) string { return fmt.Sprintf("weekly_%d", d) },
	// vocab lists a controlled vocabulary by name, for forms.
	"vocab": func(name string) []string {
		switch name {
		case "industries":
			return tsunagari.Industries
		case "jobFamilies":
			return tsunagari.JobFamilies
		case "ageBands":
			return tsunagari.AgeBands
		case "languages":
			return tsunagari.ConsultationLanguages
		case "genders":
			return tsunagari.Genders
		}
		return nil
	},
	"themes":      func() []tsunagari.Theme { return tsunagari.Themes },
	"prefectures": func() []tsunagari.Prefecture { return tsunagari.Prefectures },
	// dict2 hands a nested template the page and one item of a list.
	"dict2": func(p page, item any) pageItem { return pageItem{Page: p, Item: item} },
	"list5": func() []int { return []int{1, 2, 3, 4, 5} },
	// occkey writes the key that names an occurrence of an event in URLs.
	"occkey": tsunagari.OccurrenceKey,
	// span writes when an occurrence runs: the end as a time alone when it
	// ends on the day it starts.
	"span": func(l i18n.Printer, start, end time.Time, loc *time.Location) string {
		s, e := start.In(loc), end.In(loc)
		if s.Year() == e.Year() && s.YearDay() == e.YearDay() {
			return l.DateTime(start, loc) + "–" + e.Format("15:04")
		}
		return l.DateTime(start, loc) + " – " + l.DateTime(end, loc)
	},
	// choices makes a list of strings, for the options of a form.
	"choices": func(v ...string) []string { return v },
	// eventPath is the page of an occurrence, escaped for a query.
	"eventPath": func(id string, at time.Time) string { return url.QueryEscape(eventURL(id, at)) },
	// withEvent and withOccurrence pass a page and an event (and one of
	// its occurrences) to the shared event templates.
	"withEvent": func(p page, e *tsunagari.Event) eventArgs { return eventArgs{P: p, E: e} },
	"withOccurrence": func(p page, e *tsunagari.Event, o *event.Occurrence) eventArgs {
		return eventArgs{P: p, E: e, O: o}
	},

	// Reports of the release ledger.
	"cellArgs": func(l i18n.Printer, note string, c disclosure.Cell) cellArgs {
		return cellArgs{L: l, Note: note, Cell: c}
	},
	"periodLabel": report.PeriodLabel,
	"label":       func(l i18n.Printer, lab disclosure.Label) string { return lab.In(l.Lang) },
}

// pageItem is what dict2 passes to a nested template.
type pageItem struct {
	Page page
	Item any
}

// eventArgs is what the shared event templates receive.
type eventArgs struct {
	P page
	E *tsunagari.Event
	O *event.Occurrence
}

// cellArgs is what the "cell" template shows: a released count, or the
// note of a hidden group.
type cellArgs struct {
	L    i18n.Printer
	Note string
	Cell disclosure.Cell
}

// parsePages parses every page template together with the layout, once at
// start-up. Pages are never cloned or changed per request.
func parsePages() (map[string]*template.Template, error) {
	layout, err := template.New("layout").Funcs(funcs).ParseFS(assets, "templates/layout.tmpl")
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(assets, "templates/*.tmpl")
	if err != nil {
		return nil, err
	}
	pages := make(map[string]*template.Template)
	for _, file := range names {
		name := strings.TrimSuffix(path.Base(file), ".tmpl")
		if name == "layout" {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(assets, file)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}
