package demo

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"tsunagari"
	"tsunagari/internal/sqlite"
)

// testNow is the moment the test demos are set at.
var testNow = time.Date(2026, 11, 1, 9, 0, 0, 0, tsunagari.Tokyo)

// testHash stands in for the argon2id hash of Password.
const testHash = "$argon2id$v=19$m=65536,t=3,p=2$ZGVtby1zYWx0$ZGVtby1oYXNoLW5vdC1yZWFs"

// emptyDB is a migrated, empty database that every test database is
// copied from. schema_migrations records the wall-clock time each
// migration ran and Fingerprint covers it, so databases migrated in
// different seconds could never match; copies of one file always do.
var emptyDB string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "tsunagari-demo-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	emptyDB = filepath.Join(dir, "empty.db")
	db, err := sqlite.Open(context.Background(), emptyDB, sqlite.Options{Migrate: true})
	if err == nil {
		err = db.Close()
	}
	code := 1
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
	} else {
		code = m.Run()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// mustOpenDB opens a fresh copy of emptyDB in a temporary directory and
// closes it when the test ends.
func mustOpenDB(tb testing.TB) *sqlite.DB {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "demo.db")
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(emptyDB + suffix)
		if errors.Is(err, fs.ErrNotExist) && suffix != "" {
			continue
		}
		if err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(path+suffix, b, 0o600); err != nil {
			tb.Fatal(err)
		}
	}
	db, err := sqlite.Open(context.Background(), path, sqlite.Options{Migrate: true})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Error(err)
		}
	})
	return db
}

// mustGenerate runs the demo with the default steps into a fresh
// database.
func mustGenerate(tb testing.TB, seed int64, scale int) (*sqlite.DB, *Population) {
	tb.Helper()
	db := mustOpenDB(tb)
	g := &Generator{Stores: db.Stores(), Seed: seed, Scale: scale, Now: testNow, PasswordHash: testHash}
	p, err := g.Run(context.Background())
	if err != nil {
		tb.Fatalf("Run(seed %d, scale %d): %v", seed, scale, err)
	}
	return db, p
}

func fingerprint(tb testing.TB, db *sqlite.DB) string {
	tb.Helper()
	fp, err := db.Fingerprint(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	return fp
}

func TestDeterministic(t *testing.T) {
	db1, _ := mustGenerate(t, 42, 1)
	db2, _ := mustGenerate(t, 42, 1)
	db3, _ := mustGenerate(t, 43, 1)
	fp1, fp2, fp3 := fingerprint(t, db1), fingerprint(t, db2), fingerprint(t, db3)
	if fp1 != fp2 {
		t.Errorf("seed 42 twice: fingerprints %s and %s differ", fp1, fp2)
	}
	if fp1 == fp3 {
		t.Errorf("seeds 42 and 43: same fingerprint %s", fp1)
	}
	counts, err := db1.TableCounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("tables: %v", counts)
}

func TestNormalDemo(t *testing.T) {
	ctx := context.Background()
	db, p := mustGenerate(t, 1, 0)
	st := db.Stores()

	orgs, err := st.Orgs.FindOrgs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(orgs) != 3 {
		t.Fatalf("FindOrgs() = %d orgs; want 3", len(orgs))
	}
	bands := map[tsunagari.SizeBand]bool{}
	employees := 0
	for _, o := range orgs {
		bands[o.SizeBand()] = true
		if o.MinGroupSize != 5 {
			t.Errorf("%s: MinGroupSize = %d; want 5", o.Name, o.MinGroupSize)
		}
		if err := o.Validate(); err != nil {
			t.Errorf("%s: Validate() = %v", o.Name, err)
		}
		n, err := st.Orgs.CountEmployees(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if e := p.Employer(o.ID); e == nil || e.EmployeeCount != n || len(e.Employees) != n {
			t.Errorf("%s: %d employees in the store, population disagrees", o.Name, n)
		}
		t.Logf("%s (%s, declared %d): %d employee accounts", o.Name, o.SizeBand(), o.DeclaredEmployees, n)
		employees += n
	}
	if len(bands) != 3 {
		t.Errorf("size bands %v; want all three", bands)
	}
	if employees < 300 {
		t.Errorf("%d employees; want at least 300", employees)
	}

	all, total, err := st.Accounts.FindAccounts(ctx, tsunagari.AccountFilter{Limit: 100_000})
	if err != nil {
		t.Fatal(err)
	}
	if total != p.AccountCount || len(all) != total {
		t.Fatalf("FindAccounts: %d of %d; population has %d", len(all), total, p.AccountCount)
	}
	if members := total - employees; members < 40 {
		t.Errorf("%d accounts without an employer; want at least 40", members)
	}
	t.Logf("%d accounts: %d employees, %d without an employer", total, employees, total-employees)

	lives, homes, ages, jobs := map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}
	moved, english := 0, 0
	for _, a := range all {
		if err := a.Validate(); err != nil {
			t.Errorf("%s: Validate() = %v", a.Email, err)
		}
		if a.Email != strings.ToLower(a.Email) || !strings.HasSuffix(a.Email, ".example") {
			t.Errorf("email %q: want lower case under .example", a.Email)
		}
		if !tsunagari.ValidID(a.ID) {
			t.Errorf("%s: ID %q is not an ID", a.Email, a.ID)
		}
		if !a.Has(tsunagari.RoleMember) {
			t.Errorf("%s: roles %v lack member", a.Email, a.Roles)
		}
		if fam, giv, ok := strings.Cut(a.Name, " "); !ok || fam == "" || giv == "" {
			t.Errorf("%s: name %q is not family and given name", a.Email, a.Name)
		}
		if a.CreatedAt.After(testNow) || a.CreatedAt.Before(p.Opened()) {
			t.Errorf("%s: created %v, outside the demo's life", a.Email, a.CreatedAt)
		}
		if a.PasswordHash != testHash {
			t.Errorf("%s: password hash %q; want the shared one", a.Email, a.PasswordHash)
		}
		lives[a.Prefecture]++
		homes[a.HomePrefecture]++
		ages[a.AgeBand]++
		jobs[a.JobFamily]++
		if a.Prefecture != a.HomePrefecture {
			moved++
		}
		if a.Locale == "en" {
			english++
		}
	}
	if len(lives) < 15 {
		t.Errorf("people live in %d prefectures; want at least 15", len(lives))
	}
	if lives["13"] < total/8 {
		t.Errorf("%d of %d live in Tokyo; want Tokyo heavy", lives["13"], total)
	}
	if moved < total/5 || moved > total*3/4 {
		t.Errorf("%d of %d live outside their home prefecture; want a realistic share", moved, total)
	}
	if english == 0 || english > total/10 {
		t.Errorf("%d of %d use English; want a few", english, total)
	}
	if len(ages) != len(tsunagari.AgeBands) {
		t.Errorf("age bands %v; want all of them", ages)
	}
	t.Logf("live in %d prefectures, born in %d; %d moved; ages %v; %d job families; %d English",
		len(lives), len(homes), moved, ages, len(jobs), english)
}

func TestDepartmentTrees(t *testing.T) {
	ctx := context.Background()
	db, _ := mustGenerate(t, 7, 0)
	st := db.Stores()
	orgs, err := st.Orgs.FindOrgs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	deepest := 0
	for _, o := range orgs {
		ds, err := st.Orgs.FindDepartments(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		byID := map[string]*tsunagari.Department{}
		for _, d := range ds {
			byID[d.ID] = d
		}
		depth := 0
		for _, d := range ds {
			if d.OrgID != o.ID {
				t.Errorf("%s: department %s belongs to org %s", o.Name, d.Name, d.OrgID)
			}
			n := 1
			for cur := d; cur.ParentID != ""; n++ {
				parent := byID[cur.ParentID]
				if parent == nil {
					t.Fatalf("%s: parent of %s is not a department of the org", o.Name, cur.Name)
				}
				if n > tsunagari.MaxDepartmentDepth {
					t.Fatalf("%s: %s is in a cycle or too deep", o.Name, d.Name)
				}
				cur = parent
			}
			depth = max(depth, n)
		}
		if depth < 2 || depth > 3 {
			t.Errorf("%s: tree is %d levels deep; want 2 or 3", o.Name, depth)
		}
		deepest = max(deepest, depth)

		emps, _, err := st.Accounts.FindAccounts(ctx, tsunagari.AccountFilter{OrgID: o.ID, Limit: 10_000})
		if err != nil {
			t.Fatal(err)
		}
		placed := map[string]int{}
		for _, a := range emps {
			if a.Employment == nil || byID[a.Employment.DepartmentID] == nil {
				t.Errorf("%s: %s is not in one of its departments", o.Name, a.Email)
				continue
			}
			placed[a.Employment.DepartmentID]++
		}
		t.Logf("%s: %d departments, %d levels, people in %d of them", o.Name, len(ds), depth, len(placed))
	}
	if deepest != 3 {
		t.Errorf("deepest tree has %d levels; want 3", deepest)
	}
}

func TestDemoAccounts(t *testing.T) {
	ctx := context.Background()
	db, p := mustGenerate(t, 1, 0)
	st := db.Stores()
	orgName := func(a *tsunagari.Account) string {
		if a.Employment == nil {
			return ""
		}
		o, err := st.Orgs.FindOrgByID(ctx, a.Employment.OrgID)
		if err != nil {
			t.Fatal(err)
		}
		return o.Name
	}
	want := map[string]string{ // employer by email
		"member@tsunagari.example":   largeName,
		"hr@tsunagari.example":       largeName,
		"hr-mid@tsunagari.example":   midName,
		"hr-small@tsunagari.example": smallName,
	}
	demo := DemoAccounts()
	if len(demo) != 8 {
		t.Errorf("DemoAccounts() has %d accounts; want 8", len(demo))
	}
	for _, d := range demo {
		a, err := st.Accounts.FindAccountByEmail(ctx, d.Email)
		if err != nil {
			t.Errorf("FindAccountByEmail(%q): %v", d.Email, err)
			continue
		}
		got, wantRoles := slices.Sorted(slices.Values(a.Roles)), slices.Sorted(slices.Values(d.Roles))
		if !slices.Equal(got, wantRoles) {
			t.Errorf("%s: roles %v; want %v", d.Email, got, wantRoles)
		}
		if !a.Has(tsunagari.RoleMember) || !a.Has(d.Role) {
			t.Errorf("%s: roles %v; want member and %s", d.Email, a.Roles, d.Role)
		}
		if a.Name != d.Name || d.Description == "" || d.DescriptionEn == "" {
			t.Errorf("%s: name %q, descriptions %q / %q", d.Email, a.Name, d.Description, d.DescriptionEn)
		}
		if got := orgName(a); got != want[d.Email] {
			t.Errorf("%s: employer %q; want %q", d.Email, got, want[d.Email])
		}
		if p.Personas[d.Email] == nil || p.Personas[d.Email].ID != a.ID {
			t.Errorf("%s: missing from Population.Personas", d.Email)
		}
	}
	m, err := st.Accounts.FindAccountByEmail(ctx, "member@tsunagari.example")
	if err != nil {
		t.Fatal(err)
	}
	if m.Prefecture != "13" || m.HomePrefecture != "15" || m.AgeBand != "30s" {
		t.Errorf("member@: lives %s, born %s, %s; want 13, 15, 30s", m.Prefecture, m.HomePrefecture, m.AgeBand)
	}
	if m2 := p.Personas["member2@tsunagari.example"]; m2.JobFamily != "care" || m2.AgeBand != "40s" {
		t.Errorf("member2@: %s in her %s; want care, 40s", m2.JobFamily, m2.AgeBand)
	}
	if got := p.Employers[Large].Department("管理本部", "人事部", "人材開発課"); got == nil ||
		p.Personas["hr@tsunagari.example"].Employment.DepartmentID != got.ID {
		t.Errorf("hr@ is not in 管理本部 > 人事部 > 人材開発課")
	}
}

// TestSteps shows that a later step builds on the population and leaves
// what the default steps create unchanged.
func TestSteps(t *testing.T) {
	ctx := context.Background()
	_, base := mustGenerate(t, 5, 0)

	db := mustOpenDB(t)
	extra := Step{Name: "consultants", Run: func(ctx context.Context, p *Population) error {
		var as []*tsunagari.Account
		for range 3 {
			a := p.NewMember()
			a.JobFamily, a.Roles = "consulting", []tsunagari.Role{tsunagari.RoleMember, tsunagari.RoleConsultant}
			as = append(as, a)
		}
		return p.CreateAccounts(ctx, as)
	}}
	g := &Generator{Stores: db.Stores(), Seed: 5, Now: testNow, PasswordHash: testHash,
		Steps: append(DefaultSteps(), extra)}
	p, err := g.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(p.WithRole(tsunagari.RoleConsultant)), len(base.WithRole(tsunagari.RoleConsultant))+3; got != want {
		t.Errorf("WithRole(consultant) = %d accounts; want the default steps' and 3 more: %d", got, want)
	}
	if p.AccountCount != base.AccountCount+3 {
		t.Errorf("AccountCount = %d; want %d", p.AccountCount, base.AccountCount+3)
	}
	g.Steps = append(DefaultSteps(), Step{Name: "people", Run: extra.Run})
	if _, err := g.Run(ctx); err == nil {
		t.Errorf("Run with two steps named people: no error")
	}

	var before, after []string
	for a := range base.Accounts() {
		before = append(before, a.ID+" "+a.Email)
	}
	for a := range p.Accounts() {
		after = append(after, a.ID+" "+a.Email)
	}
	if !slices.Equal(before, after[:len(before)]) {
		t.Errorf("adding a step changed the accounts of the default steps")
	}
}

func TestScale(t *testing.T) {
	if testing.Short() {
		t.Skip("large demo")
	}
	ctx := context.Background()
	start := time.Now()
	db, p := mustGenerate(t, 1, 3)
	st := db.Stores()
	_, members, err := st.Accounts.FindAccounts(ctx, tsunagari.AccountFilter{Role: tsunagari.RoleMember, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if members < 3000 || members != p.AccountCount {
		t.Errorf("%d members in the store, %d in the population; want 3,000 or more", members, p.AccountCount)
	}
	orgs, err := st.Orgs.FindOrgs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	bands := map[tsunagari.SizeBand]bool{}
	employees := 0
	for _, o := range orgs {
		bands[o.SizeBand()] = true
		n, err := st.Orgs.CountEmployees(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		e := p.Employer(o.ID)
		if e.EmployeeCount != n || len(e.Employees) > sampleSize+len(personas) {
			t.Errorf("%s: %d employees, population counts %d and holds %d", o.Name, n, e.EmployeeCount, len(e.Employees))
		}
		if n > o.DeclaredEmployees {
			t.Errorf("%s: %d employee accounts, more than the declared %d", o.Name, n, o.DeclaredEmployees)
		}
		employees += n
	}
	if len(orgs) != 3 || len(bands) != 3 {
		t.Errorf("%d orgs in bands %v; want 3 in all three bands", len(orgs), bands)
	}
	if employees < 3000 {
		t.Errorf("%d employees; want 3,000 or more", employees)
	}
	t.Logf("scale 3: %d accounts, %d employees, in %v", members, employees, time.Since(start).Round(time.Millisecond))
}

// TestScalePlan checks the employers of a million-account demo without
// creating them.
func TestScalePlan(t *testing.T) {
	p := &Population{Scale: 1000, geo: newGeography()}
	p.Rand = rand.New(rand.NewPCG(9, 9))
	plans, err := scaleOrgs(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(plans) != 100 {
		t.Errorf("%d employers; want 100", len(plans))
	}
	bands, names, domains := map[tsunagari.SizeBand]int{}, map[string]bool{}, map[string]bool{}
	total := 0
	for _, pl := range plans {
		bands[tsunagari.SizeBandOf(pl.declared)]++
		total += pl.employees
		if names[pl.name] || domains[pl.domain] {
			t.Errorf("employer %s (%s) is not unique", pl.name, pl.domain)
		}
		names[pl.name], domains[pl.domain] = true, true
		if pl.employees > pl.declared || pl.employees < 5 {
			t.Errorf("%s: %d accounts of %d declared", pl.name, pl.employees, pl.declared)
		}
		if err := tsunagari.ValidateEmail("email", "misaki.sato.0001@"+pl.domain); err != nil {
			t.Errorf("%s: domain %q: %v", pl.name, pl.domain, err)
		}
	}
	if len(bands) != 3 {
		t.Errorf("size bands %v; want all three", bands)
	}
	if total < 1_000_000 {
		t.Errorf("%d employees planned; want 1,000,000", total)
	}
	t.Logf("bands %v; %d employees; e.g. %s, %s", bands, total, plans[3].name, plans[4].name)
}
