package tsunagari_test

import (
	"encoding/json"
	"io"
	"os/exec"
	"slices"
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
	{"tsunagari/internal/disclosure", nil, []string{"database/sql", "net/http"}},
	{"tsunagari/internal/storetest", []string{"tsunagari"}, nil},
	{"tsunagari/internal/sqlite", []string{"tsunagari"}, []string{"net/http", "github.com/jackc"}},
	{"tsunagari/internal/postgres", []string{"tsunagari"}, []string{"net/http", "modernc.org"}},
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
	{"tsunagari/internal/chart", nil, []string{"net/http", "database/sql", "html/template"}},
	{"tsunagari/internal/demo", []string{"tsunagari", "tsunagari/internal/survey", "tsunagari/internal/consulting"}, []string{"net/http", "database/sql"}},
	{"tsunagari/internal/web", []string{"tsunagari", "tsunagari/internal/i18n", "tsunagari/internal/auth", "tsunagari/internal/org",
		"tsunagari/internal/mail", "tsunagari/internal/disclosure", "tsunagari/internal/survey", "tsunagari/internal/chart",
		"tsunagari/internal/audit", "tsunagari/internal/privacy", "tsunagari/internal/consulting"}, []string{"database/sql"}},
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
