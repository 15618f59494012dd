package web

import (
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"strings"

	"tsunagari"
	"tsunagari/internal/i18n"
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
