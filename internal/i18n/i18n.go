// Package i18n holds tsunagari's message catalogues, Japanese first and
// English second, and picks a language for a request.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

//go:embed ja.json en.json
var files embed.FS

// Languages are the supported languages, the default first.
var Languages = []string{"ja", "en"}

// Catalog maps message keys to texts per language. Texts are fmt formats.
type Catalog struct {
	msgs map[string]map[string]string
}

// New loads the embedded catalogues.
func New() (*Catalog, error) {
	c := &Catalog{msgs: make(map[string]map[string]string)}
	for _, lang := range Languages {
		b, err := files.ReadFile(lang + ".json")
		if err != nil {
			return nil, err
		}
		m := make(map[string]string)
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("i18n: %s.json: %w", lang, err)
		}
		c.msgs[lang] = m
	}
	return c, nil
}

// Keys returns the keys of one language, sorted.
func (c *Catalog) Keys(lang string) []string {
	keys := make([]string, 0, len(c.msgs[lang]))
	for k := range c.msgs[lang] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Printer returns a Printer for lang; unknown languages get Japanese.
func (c *Catalog) Printer(lang string) Printer {
	if _, ok := c.msgs[lang]; !ok {
		lang = Languages[0]
	}
	return Printer{Lang: lang, c: c}
}

// Printer translates into one language. The zero Printer prints keys.
type Printer struct {
	Lang string
	c    *Catalog
}

// T returns the text of key filled with args. A missing key renders as the
// key itself: visible, but harmless.
func (p Printer) T(key string, args ...any) string {
	if p.c == nil {
		return key
	}
	text, ok := p.c.msgs[p.Lang][key]
	if !ok {
		if text, ok = p.c.msgs[Languages[0]][key]; !ok {
			return key
		}
	}
	if len(args) == 0 {
		return text
	}
	return fmt.Sprintf(text, args...)
}

// Has reports whether key exists in p's language.
func (p Printer) Has(key string) bool {
	_, ok := p.c.msgs[p.Lang][key]
	return ok
}

// Number formats n with the language's digit grouping: 1,234,567.
func (p Printer) Number(n int) string {
	return message.NewPrinter(p.tag()).Sprintf("%d", n)
}

func (p Printer) tag() language.Tag {
	if p.Lang == "en" {
		return language.English
	}
	return language.Japanese
}

// DateTime formats t in loc the way the language writes it:
// 2026年11月21日(土) 10:00 or Sat, 21 Nov 2026 10:00.
func (p Printer) DateTime(t time.Time, loc *time.Location) string {
	t = t.In(loc)
	if p.Lang == "en" {
		return t.Format("Mon, 2 Jan 2006 15:04")
	}
	return fmt.Sprintf("%d年%d月%d日(%s) %s", t.Year(), t.Month(), t.Day(), jaWeekdays[t.Weekday()], t.Format("15:04"))
}

// Date formats the calendar date of t in loc.
func (p Printer) Date(t time.Time, loc *time.Location) string {
	t = t.In(loc)
	if p.Lang == "en" {
		return t.Format("2 Jan 2006")
	}
	return fmt.Sprintf("%d年%d月%d日", t.Year(), t.Month(), t.Day())
}

var jaWeekdays = [...]string{"日", "月", "火", "水", "木", "金", "土"}

// Match picks a supported language from an Accept-Language header,
// honouring quality values; Japanese when nothing matches.
func Match(acceptLanguage string) string {
	best, bestQ := Languages[0], -1.0
	for _, part := range strings.Split(acceptLanguage, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		base, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		for _, lang := range Languages {
			if base == lang && q > bestQ && q > 0 {
				best, bestQ = lang, q
			}
		}
	}
	return best
}
