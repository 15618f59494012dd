package tsunagari_test

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The dependency rules of the module. Arrows point inward: the domain at
// the root imports only the standard library; storage knows the domain and
// its driver; services know the domain but neither storage nor HTTP; only
// cmd/tsunagari knows every concrete type.
var layers = []struct {
	pkg string
	// allowed lists the module packages pkg may import; forbidden lists
	// outside packages (by prefix) it must not.
	allowed   []string
	forbidden []string
}{
	{"tsunagari", nil, nil},
	{"tsunagari/internal/i18n", nil, nil},
	{"tsunagari/internal/search", nil, []string{"database/sql", "net/http"}},
	{"tsunagari/internal/disclosure", nil, []string{"database/sql", "net/http"}},
	{"tsunagari/internal/storetest", []string{"tsunagari", "tsunagari/internal/search"}, nil},
	{"tsunagari/internal/sqlite", []string{"tsunagari", "tsunagari/internal/search"}, []string{"net/http", "github.com/jackc"}},
	{"tsunagari/internal/postgres", []string{"tsunagari", "tsunagari/internal/search"}, []string{"net/http", "modernc.org"}},
	{"tsunagari/internal/postgres/pgtest", []string{"tsunagari/internal/postgres"}, []string{"net/http", "modernc.org"}},
	{"tsunagari/internal/audit", []string{"tsunagari"}, []string{"net/http", "database/sql"}},
	{"tsunagari/internal/auth", []string{"tsunagari", "tsunagari/internal/i18n", "tsunagari/internal/audit"}, []string{"net/http", "database/sql"}},
	{"tsunagari/internal/org", []string{"tsunagari", "tsunagari/internal/i18n", "tsunagari/internal/auth", "tsunagari/internal/disclosure",
		"tsunagari/internal/audit"}, []string{"net/http", "database/sql"}},
	{"tsunagari/internal/mail", []string{"tsunagari", "tsunagari/internal/audit"}, []string{"net/http", "database/sql"}},
	{"tsunagari/internal/survey", []string{"tsunagari", "tsunagari/internal/disclosure"}, []string{"net/http", "database/sql"}},
	{"tsunagari/internal/privacy", []string{"tsunagari", "tsunagari/internal/audit", "tsunagari/internal/auth"}, []string{"net/http", "database/sql"}},
	{"tsunagari/internal/consulting", []string{"tsunagari", "tsunagari/internal/i18n", "tsunagari/internal/audit"},
		[]string{"net/http", "database/sql"}},
	{"tsunagari/internal/community", []string{"tsunagari", "tsunagari/internal/audit", "tsunagari/internal/search"}, []string{"net/http", "database/sql"}},
	{"tsunagari/internal/event", []string{"tsunagari", "tsunagari/internal/audit", "tsunagari/internal/auth", "tsunagari/internal/i18n"},
		[]string{"net/http", "database/sql"}},
	{"tsunagari/internal/probono", []string{"tsunagari", "tsunagari/internal/audit", "tsunagari/internal/i18n"}, []string{"net/http", "database/sql"}},
	{"tsunagari/internal/idea", []string{"tsunagari", "tsunagari/internal/audit", "tsunagari/internal/i18n"}, []string{"net/http", "database/sql"}},
	{"tsunagari/internal/ical", nil, []string{"net/http", "database/sql"}},
	{"tsunagari/internal/consulting", []string{"tsunagari", "tsunagari/internal/i18n", "tsunagari/internal/audit"},
		[]string{"net/http", "database/sql"}},
	{"tsunagari/internal/chart", nil, []string{"net/http", "database/sql", "html/template"}},
	{"tsunagari/internal/match", []string{"tsunagari", "tsunagari/internal/search"}, []string{"net/http", "database/sql"}},
	{"tsunagari/internal/shortlist", []string{"tsunagari", "tsunagari/internal/audit", "tsunagari/internal/i18n",
		"tsunagari/internal/match", "tsunagari/internal/search", "tsunagari/internal/survey"}, []string{"net/http", "database/sql"}},
	{"tsunagari/internal/journey", []string{"tsunagari", "tsunagari/internal/survey"}, []string{"net/http", "database/sql"}},
	{"tsunagari/internal/recommend", []string{"tsunagari", "tsunagari/internal/search"}, []string{"database/sql", "net/http"}},
	{"tsunagari/internal/recommender", []string{"tsunagari", "tsunagari/internal/recommend", "tsunagari/internal/survey",
		"tsunagari/internal/audit", "tsunagari/internal/event"}, []string{"net/http", "database/sql"}},
	{"tsunagari/internal/jatext", nil, []string{"net/http", "database/sql"}},
	// The publisher of reports reads individual data and hands it to
	// disclosure; only cmd/tsunagari and the demo may call it, never web.
	{"tsunagari/internal/insight", []string{"tsunagari", "tsunagari/internal/disclosure", "tsunagari/internal/jatext"},
		[]string{"net/http", "database/sql"}},
	{"tsunagari/internal/insight/insighttest", []string{"tsunagari", "tsunagari/internal/survey"}, []string{"net/http", "database/sql"}},
	{"tsunagari/internal/demo", []string{"tsunagari", "tsunagari/internal/survey", "tsunagari/internal/consulting",
		"tsunagari/internal/insight", "tsunagari/internal/disclosure", "tsunagari/internal/jatext"}, []string{"net/http", "database/sql"}},
	{"tsunagari/internal/web", []string{"tsunagari", "tsunagari/internal/i18n", "tsunagari/internal/auth", "tsunagari/internal/org",
		"tsunagari/internal/mail", "tsunagari/internal/disclosure", "tsunagari/internal/survey", "tsunagari/internal/chart",
		"tsunagari/internal/audit", "tsunagari/internal/community",
		"tsunagari/internal/event", "tsunagari/internal/probono", "tsunagari/internal/ical", "tsunagari/internal/idea",
		"tsunagari/internal/recommend", "tsunagari/internal/recommender", "tsunagari/internal/privacy", "tsunagari/internal/consulting",
		"tsunagari/internal/match", "tsunagari/internal/shortlist", "tsunagari/internal/journey",
		"tsunagari/internal/report", "tsunagari/internal/programme"}, []string{"database/sql"}},
	// HR's reports read the release ledger through report, which may see
	// disclosure's documents and nothing that reads individual data.
	{"tsunagari/internal/report", []string{"tsunagari", "tsunagari/internal/disclosure", "tsunagari/internal/i18n"},
		[]string{"net/http", "database/sql"}},
	{"tsunagari/internal/programme", []string{"tsunagari", "tsunagari/internal/survey"}, []string{"net/http", "database/sql"}},
}

type listedPackage struct {
	ImportPath string
	Imports    []string
	Standard   bool
}

func TestImportsPointInward(t *testing.T) {
	out, err := exec.Command("go", "list", "-json", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	pkgs := map[string]listedPackage{}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p listedPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs[p.ImportPath] = p
	}
	ruled := map[string]bool{"tsunagari/cmd/tsunagari": true}
	for _, l := range layers {
		ruled[l.pkg] = true
		p, ok := pkgs[l.pkg]
		if !ok {
			t.Errorf("package %s is gone; update the layer rules", l.pkg)
			continue
		}
		for _, imp := range p.Imports {
			inModule := imp == "tsunagari" || strings.HasPrefix(imp, "tsunagari/")
			switch {
			case inModule && !slices.Contains(l.allowed, imp):
				t.Errorf("%s imports %s, which its layer may not", l.pkg, imp)
			case !inModule && l.pkg == "tsunagari" && strings.Contains(strings.Split(imp, "/")[0], "."):
				t.Errorf("the root package imports %s; it may import only the standard library", imp)
			}
			for _, f := range l.forbidden {
				if strings.HasPrefix(imp, f) {
					t.Errorf("%s imports %s, which its layer may not", l.pkg, imp)
				}
			}
		}
	}
	for path := range pkgs {
		if !ruled[path] {
			t.Errorf("package %s has no layer rule; add it to layers in layout_test.go", path)
		}
	}
}

// The HR report handlers, the pages and the API routes of reports, reach
// data only through Server.Reports (package report, which reads the
// release ledger): nothing they can call reads answers, notes, bookings or
// enrolments. The import rules above keep package report itself clean;
// this keeps the handlers in package web from reaching past it.
func TestReportHandlersReadOnlyTheLedger(t *testing.T) {
	files := []string{"internal/web/pages_orgreport.go", "internal/web/api_orgreport.go"}
	allowedImports := []string{"fmt", "html/template", "net/http", "net/url", "slices", "strconv", "strings", "tsunagari",
		"tsunagari/internal/chart", "tsunagari/internal/disclosure", "tsunagari/internal/i18n", "tsunagari/internal/report"}
	// What the handlers may use of the Server: the report service and
	// the plumbing that renders a page.
	allowedFields := []string{"Reports", "render", "renderPage", "printer"}
	fset := token.NewFileSet()
	handlers := 0
	for _, file := range files {
		f, err := parser.ParseFile(fset, file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if !slices.Contains(allowedImports, path) {
				t.Errorf("%s imports %s; report handlers may import only %v", file, path, allowedImports)
			}
		}
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Recv == nil || len(fn.Recv.List) == 0 || len(fn.Recv.List[0].Names) == 0 {
				continue
			}
			recv := fn.Recv.List[0].Names[0].Name
			handlers++
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				sel, ok := n.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				if x, ok := sel.X.(*ast.Ident); ok && x.Name == recv && !slices.Contains(allowedFields, sel.Sel.Name) {
					t.Errorf("%s: %s uses %s.%s; report handlers may use only %v", fset.Position(sel.Pos()), fn.Name.Name, recv, sel.Sel.Name, allowedFields)
				}
				return true
			})
		}
	}
	if handlers < 4 {
		t.Errorf("found %d report handlers in %v; have they moved?", handlers, files)
	}
}
