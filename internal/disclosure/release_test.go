package disclosure

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestMenu(t *testing.T) {
	var keys []string
	for _, b := range Menu() {
		keys = append(keys, b.Key())
		if len(b) > MaxDimensions {
			t.Errorf("Menu() offers %v, more than %d dimensions", b, MaxDimensions)
		}
	}
	want := []string{"total", "department", "age_band", "tenure_band", "job_family",
		"department+age_band", "department+tenure_band", "department+job_family",
		"age_band+tenure_band", "age_band+job_family", "tenure_band+job_family"}
	if !slices.Equal(keys, want) {
		t.Errorf("Menu() = %v, want %v", keys, want)
	}
	for _, tt := range []struct {
		in, want string
		ok       bool
	}{
		{"", "total", true},
		{"total", "total", true},
		{"department", "department", true},
		{"age_band,department", "department+age_band", true},
		{"job_family+tenure_band", "tenure_band+job_family", true},
		{"department,age_band,job_family", "", false},
		{"department,department", "", false},
		{"salary", "", false},
		{"department,name", "", false},
	} {
		b, err := ParseBreakdown(tt.in)
		if (err == nil) != tt.ok || (tt.ok && b.Key() != tt.want) {
			t.Errorf("ParseBreakdown(%q) = %v, %v; want %q, ok %v", tt.in, b.Key(), err, tt.want, tt.ok)
		}
	}
}

func TestNewPolicy(t *testing.T) {
	for _, tt := range []struct {
		k, kText      int
		eps, budget   float64
		wantK, wantKT int
		wantNoisy     bool
	}{
		{0, 0, 0, 0, 5, 10, false},
		{2, 3, 0, 0, 3, 10, false},
		{8, 0, 0, 0, 8, 10, false},
		{12, 0, 0, 0, 12, 12, false},
		{500, 500, 0, 0, MaxK, MaxK, false},
		{5, 20, 1, 0, 5, 20, false},
		{5, 10, 0.5, 4, 5, 10, true},
	} {
		p := NewPolicy(tt.k, tt.kText, tt.eps, tt.budget)
		if p.K != tt.wantK || p.KText != tt.wantKT || p.Noisy() != tt.wantNoisy {
			t.Errorf("NewPolicy(%d, %d, %v, %v) = %+v; want K %d, KText %d, noisy %v",
				tt.k, tt.kText, tt.eps, tt.budget, p, tt.wantK, tt.wantKT, tt.wantNoisy)
		}
	}
	if (Policy{}).k() != MinK || (Policy{}).kText() != MinKText {
		t.Errorf("a zero Policy releases under k = %d, k_text = %d", (Policy{}).k(), (Policy{}).kText())
	}
}

func TestTree(t *testing.T) {
	tree := NewTree([]DepartmentNode{
		{ID: "sales", Name: "営業本部"},
		{ID: "east", ParentID: "sales", Name: "東日本営業部"},
		{ID: "west", ParentID: "sales", Name: "西日本営業部"},
		{ID: "hr", Name: "人事部"},
		{ID: "lost", ParentID: "gone", Name: "孤立部"},
		{ID: "a", ParentID: "b", Name: "循環A"},
		{ID: "b", ParentID: "a", Name: "循環B"},
		{ID: "hr", Name: "人事部(重複)"},
	})
	var got []string
	for _, n := range tree.Nodes {
		got = append(got, fmt.Sprintf("%s%s", strings.Repeat("-", n.Depth), n.ID))
	}
	want := []string{"hr", "sales", "-east", "-west", "lost", "a", "-b"}
	if !slices.Equal(got, want) {
		t.Errorf("NewTree order = %v, want %v", got, want)
	}
	if p := tree.path("east"); len(p) != 2 || tree.Nodes[p[1]].ID != "sales" {
		t.Errorf("path(east) = %v", p)
	}
}

func TestLedger(t *testing.T) {
	l := NewLedger(5)
	set := func(from, to int) []int32 {
		var s []int32
		for i := from; i < to; i++ {
			s = append(s, int32(i))
		}
		return s
	}
	steps := []struct {
		name    string
		members []int32
		ok      bool
	}{
		{"a department of 23", set(0, 23), true},
		{"the same group again", set(0, 23), true},
		{"the department minus 2 new hires", set(2, 23), false},
		{"the department minus 5", set(5, 23), true},
		{"a disjoint group of 7", set(100, 107), true},
		{"the 7 with one more", set(100, 108), false},
		{"two swapped: same size, differs by 2", append(set(1, 23), 50), false},
		{"differs from both by at least 5", set(0, 30), true},
	}
	for _, s := range steps {
		err := l.Admit(s.members)
		if (err == nil) != s.ok {
			t.Errorf("%s: Admit = %v, want ok %v", s.name, err, s.ok)
		}
	}
	if l.Len() != 5 {
		t.Errorf("Len() = %d, want 5", l.Len())
	}
}

// A small org: 東京 has 12 people, 高知 2 and nobody's department is
// unknown. Showing 東京 and the total would give 高知 away.
func TestComplementarySuppression(t *testing.T) {
	tree := NewTree([]DepartmentNode{{ID: "tokyo", Name: "東京"}, {ID: "kochi", Name: "高知"}})
	var people []Person
	for i := 0; i < 12; i++ {
		people = append(people, Person{Department: "tokyo", Stages: 1})
	}
	people = append(people, Person{Department: "kochi", Stages: 1}, Person{Department: "kochi", Stages: 1})
	rel, audit := Compute(tree, people, Spec{Breakdowns: []Breakdown{{}, {Department}}}, NewPolicy(5, 0, 0, 0))
	got := map[string]string{}
	for _, c := range audit.Cells {
		got[c.Key] = c.Reason
	}
	want := map[string]string{
		"total#people":                  "",
		"department|tokyo#people":       ReasonComplement,
		"department|kochi#people":       ReasonSmall,
		"department|unspecified#people": ReasonSmall,
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: reason %q, want %q", k, got[k], w)
		}
	}
	if c := rel.Grids[0].Rows[0].Cells[0]; c.Hidden || c.Count != 15 {
		t.Errorf("total = %+v, want 14 rounded to 15", c)
	}
	for _, r := range rel.Grids[1].Rows {
		if !r.Cells[0].Hidden || r.Cells[0].Count != 0 {
			t.Errorf("department %s = %+v, want hidden and empty", r.Department, r.Cells[0])
		}
	}
}

// The remainder rule: a department of 23 of whom 21 are in their 30s.
// Showing the department and its 30s would give away the other two.
func TestRemainderRule(t *testing.T) {
	tree := NewTree([]DepartmentNode{{ID: "legal", Name: "法務部"}, {ID: "sales", Name: "営業部"}})
	var people []Person
	for i := 0; i < 21; i++ {
		people = append(people, Person{Department: "legal", AgeBand: "30s", Stages: 1})
	}
	people = append(people, Person{Department: "legal", AgeBand: "40s", Stages: 1}, Person{Department: "legal", AgeBand: "50s", Stages: 1})
	for i := 0; i < 30; i++ {
		people = append(people, Person{Department: "sales", AgeBand: []string{"30s", "40s", "50s"}[i%3], Stages: 1})
	}
	spec := Spec{Frame: Frame{AgeBands: []string{"30s", "40s", "50s"}}}
	_, audit := Compute(NewTree(tree.Nodes), people, spec, NewPolicy(5, 0, 0, 0))
	cells := map[string]AuditCell{}
	for _, c := range audit.Cells {
		cells[c.Key] = c
	}
	if c := cells["department|legal#people"]; !c.Shown {
		t.Errorf("the department of 23 is hidden (%s); the menu's coarser groups go first", c.Reason)
	}
	if c := cells["department+age_band|legal|30s#people"]; c.Shown || c.Known {
		t.Errorf("法務部 × 30s (21 of 23) is shown or derivable: %+v", c)
	}
	checkRelease(t, "remainder", tree, people, spec, NewPolicy(5, 0, 0, 0), audit)
}

// The department tree: a division of 12, 2 of them directly in it and 10
// in its one section. Showing both would give away the 2.
func TestTreeResidual(t *testing.T) {
	tree := NewTree([]DepartmentNode{{ID: "div", Name: "事業部"}, {ID: "sec", ParentID: "div", Name: "一課"}, {ID: "other", Name: "総務部"}})
	var people []Person
	for i := 0; i < 10; i++ {
		people = append(people, Person{Department: "sec", Stages: 1})
	}
	people = append(people, Person{Department: "div", Stages: 1}, Person{Department: "div", Stages: 1})
	for i := 0; i < 9; i++ {
		people = append(people, Person{Department: "other", Stages: 1})
	}
	spec := Spec{Breakdowns: []Breakdown{{}, {Department}}}
	_, audit := Compute(tree, people, spec, NewPolicy(5, 0, 0, 0))
	cells := map[string]AuditCell{}
	for _, c := range audit.Cells {
		cells[c.Key] = c
	}
	if cells["department|div#people"].Known && cells["department|sec#people"].Known {
		t.Errorf("division (12) and its section (10) are both known: the 2 directly in the division are given away")
	}
	checkRelease(t, "tree", tree, people, spec, NewPolicy(5, 0, 0, 0), audit)
}

// A count of those who did something is not shown when fewer than k of
// their group did not: "everyone in the team consulted" is about each of
// them.
func TestEveryone(t *testing.T) {
	tree := NewTree([]DepartmentNode{{ID: "a", Name: "A"}, {ID: "b", Name: "B"}, {ID: "c", Name: "C"}})
	var people []Person
	// Of 20 people each, 18 consulted in A, 10 in B, 9 in C.
	for d, n := range map[string]int{"a": 18, "b": 10, "c": 9} {
		for i := 0; i < 20; i++ {
			st := uint64(1)
			if i < n {
				st |= 2
			}
			people = append(people, Person{Department: d, Stages: st})
		}
	}
	spec := Spec{Stages: []Stage{{ID: "registered", Within: -1}, {ID: "consulted", Within: 0}}, Breakdowns: []Breakdown{{}, {Department}}}
	_, audit := Compute(tree, people, spec, NewPolicy(5, 0, 0, 0))
	cells := map[string]AuditCell{}
	for _, c := range audit.Cells {
		cells[c.Key] = c
	}
	if c := cells["department|a#consulted"]; c.Shown || c.Known {
		t.Errorf("A's consulted (18 of 20) is shown or derivable: %+v", c)
	}
	if c := cells["department|b#consulted"]; !c.Shown {
		t.Errorf("B's consulted (10 of 20) is hidden: %s", c.Reason)
	}
	checkRelease(t, "everyone", tree, people, spec, NewPolicy(5, 0, 0, 0), audit)
}

// Comparing two releases of a growing count must not single out the few
// who joined in between.
func TestPreviousRelease(t *testing.T) {
	tree := NewTree([]DepartmentNode{{ID: "a", Name: "A"}})
	// n of 60 employees consulted.
	mk := func(n int) []Person {
		var ps []Person
		for i := 0; i < 60; i++ {
			st := uint64(1)
			if i < n {
				st |= 2
			}
			ps = append(ps, Person{Department: "a", Stages: st})
		}
		return ps
	}
	spec := Spec{Breakdowns: []Breakdown{{Department}}, Stages: []Stage{{ID: "employed", Within: -1}, {ID: "consulted", Within: 0}}}
	pol := NewPolicy(5, 0, 0, 0)
	_, first := Compute(tree, mk(20), spec, pol)
	spec.Previous = first.Known()
	for _, tt := range []struct {
		n     int
		shown bool
	}{{20, true}, {22, false}, {16, false}, {25, true}, {12, true}} {
		_, a := Compute(tree, mk(tt.n), spec, pol)
		if c := a.Cells[1]; c.Shown != tt.shown || c.Key != "department|a#consulted" {
			t.Errorf("20 then %d: %s shown %v (%s), want %v", tt.n, c.Key, c.Shown, c.Reason, tt.shown)
		}
		if !a.Cells[0].Shown {
			t.Errorf("20 then %d: the 60 employees are hidden (%s); a base stage is not compared", tt.n, a.Cells[0].Reason)
		}
	}
}

func TestReleaseMeans(t *testing.T) {
	tree := NewTree([]DepartmentNode{{ID: "a", Name: "A"}, {ID: "b", Name: "B"}})
	var people []Person
	for i := 0; i < 10; i++ {
		people = append(people, Person{Department: "a", Stages: 1, Values: []float64{float64(i * 10), math.NaN()}})
		people = append(people, Person{Department: "b", Stages: 1, Values: []float64{50, float64(i)}})
	}
	rel, _ := Compute(tree, people, Spec{Measures: []string{"x", "y"}, Breakdowns: []Breakdown{{}, {Department}}}, NewPolicy(5, 0, 0, 0))
	if got := rel.Grids[0].Rows[0].Cells[0].Means; !slices.Equal(got, []float64{47.5, 4.5}) {
		t.Errorf("total means = %v, want [47.5 4.5]", got)
	}
	a := rel.Grids[1].Rows[0]
	if a.Department != "a" || !slices.Equal(a.Cells[0].Means, []float64{45, -1}) {
		t.Errorf("department a = %+v, want means [45 -1]", a)
	}
}

// randomPopulation builds a small org with many small groups: a tree of
// up to three levels, and people spread unevenly over it.
func randomPopulation(r *rand.Rand, people int) (*Tree, []Person, Spec) {
	var nodes []DepartmentNode
	top := 2 + r.IntN(3)
	for i := 0; i < top; i++ {
		id := fmt.Sprintf("d%d", i)
		nodes = append(nodes, DepartmentNode{ID: id, Name: id})
		for j := 0; j < r.IntN(3); j++ {
			cid := fmt.Sprintf("%s.%d", id, j)
			nodes = append(nodes, DepartmentNode{ID: cid, ParentID: id, Name: cid})
			if r.IntN(3) == 0 {
				nodes = append(nodes, DepartmentNode{ID: cid + ".0", ParentID: cid, Name: cid + ".0"})
			}
		}
	}
	tree := NewTree(nodes)
	weights := make([]int, len(tree.Nodes))
	for i := range weights {
		weights[i] = 1 + r.IntN(8)
	}
	pick := func(ws []int) int {
		sum := 0
		for _, w := range ws {
			sum += w
		}
		x := r.IntN(sum)
		for i, w := range ws {
			if x < w {
				return i
			}
			x -= w
		}
		return len(ws) - 1
	}
	ages := []string{"20s", "30s", "40s"}
	tenures := []string{"short", "long"}
	jobs := []string{"sales", "it", "admin"}
	var ps []Person
	for i := 0; i < people; i++ {
		p := Person{Department: tree.Nodes[pick(weights)].ID, Stages: 1}
		if r.IntN(20) == 0 {
			p.Department = ""
		}
		if r.IntN(10) > 0 {
			p.AgeBand = ages[pick([]int{5, 3, 1})]
		}
		p.TenureBand = tenures[r.IntN(2)]
		if r.IntN(8) > 0 {
			p.JobFamily = jobs[pick([]int{6, 2, 1})]
		}
		if r.IntN(3) > 0 {
			p.Stages |= 2
		}
		p.Values = []float64{float64(r.IntN(101))}
		ps = append(ps, p)
	}
	spec := Spec{
		Frame:    Frame{AgeBands: ages, TenureBands: tenures, JobFamilies: jobs},
		Stages:   []Stage{{ID: "all", Within: -1}, {ID: "some", Within: 0}},
		Measures: []string{"score"},
	}
	return tree, ps, spec
}

// TestRandomPopulations checks every rule on many random small orgs
// against an independent recount and an exact linear-algebra audit.
func TestRandomPopulations(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	trials := 60
	if testing.Short() {
		trials = 10
	}
	hidden, shown := 0, 0
	for trial := 0; trial < trials; trial++ {
		tree, people, spec := randomPopulation(r, 20+r.IntN(120))
		pol := NewPolicy(3+r.IntN(4), 0, 0, 0)
		if trial%2 == 0 {
			spec.Breakdowns = []Breakdown{{}, {Department}, {AgeBand}, {Department, AgeBand}, {AgeBand, JobFamily}}
		}
		_, audit := Compute(tree, people, spec, pol)
		checkRelease(t, fmt.Sprintf("trial %d", trial), tree, people, spec, pol, audit)
		for _, c := range audit.Cells {
			if c.Shown {
				shown++
			} else {
				hidden++
			}
		}
	}
	if shown == 0 || hidden == 0 {
		t.Errorf("%d shown, %d hidden cells: the trials exercise nothing", shown, hidden)
	}
	t.Logf("%d trials: %d cells shown, %d hidden", trials, shown, hidden)
}

// group is a cell of the audit recomputed by the test from the people:
// which people it holds.
type group struct {
	key     string
	members map[int]bool
	shown   bool
	known   bool
}

// checkRelease recounts every group of a release from the people and
// checks the rules against the audit, with an equation system of its own.
func checkRelease(t *testing.T, name string, tree *Tree, people []Person, spec Spec, pol Policy, audit *Audit) {
	t.Helper()
	k := pol.k()
	stages := spec.Stages
	if len(stages) == 0 {
		stages = []Stage{{ID: "people", Within: -1}}
	}
	bs := spec.Breakdowns
	if bs == nil {
		bs = Menu()
	}
	frame := map[Dimension][]string{
		AgeBand: append(slices.Clone(spec.Frame.AgeBands), Unspecified), TenureBand: append(slices.Clone(spec.Frame.TenureBands), Unspecified),
		JobFamily: append(slices.Clone(spec.Frame.JobFamilies), Unspecified),
	}
	for _, n := range tree.Nodes {
		frame[Department] = append(frame[Department], n.ID)
	}
	frame[Department] = append(frame[Department], Unspecified)
	// in reports whether person p belongs to value v of d; department
	// values also hold sub-departments, and "x#direct" only x itself.
	in := func(p Person, d Dimension, v string) bool {
		switch d {
		case Department:
			dep := p.Department
			if !tree.Has(dep) {
				return v == Unspecified
			}
			if id, ok := strings.CutSuffix(v, "#direct"); ok {
				return dep == id
			}
			for _, i := range tree.path(dep) {
				if tree.Nodes[i].ID == v {
					return true
				}
			}
			return false
		case AgeBand:
			return p.AgeBand == v || (v == Unspecified && !slices.Contains(spec.Frame.AgeBands, p.AgeBand))
		case TenureBand:
			return p.TenureBand == v || (v == Unspecified && !slices.Contains(spec.Frame.TenureBands, p.TenureBand))
		case JobFamily:
			return p.JobFamily == v || (v == Unspecified && !slices.Contains(spec.Frame.JobFamilies, p.JobFamily))
		}
		return false
	}
	byKey := map[string]*group{}
	var order []*group
	makeGroup := func(b Breakdown, vals map[Dimension]string, s int) *group {
		var row Row
		for d, v := range vals {
			row.set(d, v)
		}
		key := CellKey(b, row, stages[s].ID)
		if g := byKey[key]; g != nil {
			return g
		}
		g := &group{key: key, members: map[int]bool{}}
		for i, p := range people {
			if p.Stages&(1<<s) == 0 {
				continue
			}
			all := true
			for d, v := range vals {
				all = all && in(p, d, v)
			}
			if all {
				g.members[i] = true
			}
		}
		byKey[key] = g
		return g
	}
	var combos func(b Breakdown, i int, vals map[Dimension]string, fn func(map[Dimension]string))
	combos = func(b Breakdown, i int, vals map[Dimension]string, fn func(map[Dimension]string)) {
		if i == len(b) {
			fn(vals)
			return
		}
		for _, v := range frame[b[i]] {
			vals[b[i]] = v
			combos(b, i+1, vals, fn)
		}
		delete(vals, b[i])
	}
	for _, b := range bs {
		combos(b, 0, map[Dimension]string{}, func(vals map[Dimension]string) {
			for s := range stages {
				order = append(order, makeGroup(b, vals, s))
			}
		})
	}
	if len(order) != len(audit.Cells) {
		t.Fatalf("%s: audit has %d groups, the recount %d", name, len(audit.Cells), len(order))
	}
	for i, c := range audit.Cells {
		g := order[i]
		if c.Key != g.key {
			t.Fatalf("%s: audit group %d is %s, the recount's %s", name, i, c.Key, g.key)
		}
		if c.Size != len(g.members) {
			t.Errorf("%s: %s has %d people, the recount %d", name, c.Key, c.Size, len(g.members))
		}
		g.shown, g.known = c.Shown, c.Known
		if c.Shown && c.Size < k {
			t.Errorf("%s: %s shown with %d people, k = %d", name, c.Key, c.Size, k)
		}
	}
	// Base groups: a count of a stage within another leaves k outside.
	for _, g := range order {
		if !g.shown {
			continue
		}
		key, stage, _ := strings.Cut(g.key, "#")
		for _, st := range stages {
			if st.ID != stage || st.Within < 0 {
				continue
			}
			base := byKey[key+"#"+stages[st.Within].ID]
			outside := 0
			for m := range base.members {
				if !g.members[m] {
					outside++
				}
			}
			if outside < k {
				t.Errorf("%s: %s shown with only %d of its base group outside it", name, g.key, outside)
			}
		}
	}

	// The equations anyone can write, by the test's own reading of the
	// menu: margins, and the tree with a residual per parent department.
	type term struct {
		g   *group
		idx int // variable index, or -1 when shown
	}
	vars := map[*group]int{}
	var varGroups []*group
	variable := func(g *group) int {
		if g.shown {
			return -1
		}
		if i, ok := vars[g]; ok {
			return i
		}
		vars[g] = len(varGroups)
		varGroups = append(varGroups, g)
		return vars[g]
	}
	var rows [][]float64
	var rhs []float64
	var eqs [][2][]*group // parent, children (for the sum check)
	addEq := func(parent *group, children []*group) {
		eqs = append(eqs, [2][]*group{{parent}, children})
		row := map[int]float64{}
		b := 0.0
		ts := []term{{parent, variable(parent)}}
		for _, c := range children {
			ts = append(ts, term{c, variable(c)})
		}
		for i, tm := range ts {
			coef := -1.0
			if i == 0 {
				coef = 1
			}
			if tm.idx < 0 {
				b -= coef * float64(len(tm.g.members))
			} else {
				row[tm.idx] += coef
			}
		}
		dense := make([]float64, 0)
		for j, v := range row {
			for len(dense) <= j {
				dense = append(dense, 0)
			}
			dense[j] = v
		}
		rows = append(rows, dense)
		rhs = append(rhs, b)
	}
	hasTable := func(dims ...Dimension) (Breakdown, bool) {
		b := Breakdown(slices.Clone(dims))
		slices.SortFunc(b, func(x, y Dimension) int { return slices.Index(Dimensions, x) - slices.Index(Dimensions, y) })
		for _, x := range bs {
			if slices.Equal(x, b) {
				return b, true
			}
		}
		return nil, false
	}
	topValues := func(d Dimension) []string {
		if d != Department {
			return frame[d]
		}
		var out []string
		for _, n := range tree.Nodes {
			if n.Depth == 0 {
				out = append(out, n.ID)
			}
		}
		return append(out, Unspecified)
	}
	for _, b := range bs {
		combos(b, 0, map[Dimension]string{}, func(vals map[Dimension]string) {
			for s := range stages {
				parent := makeGroup(b, vals, s)
				for _, d := range Dimensions {
					if b.Has(d) {
						continue
					}
					bc, ok := hasTable(append(slices.Clone([]Dimension(b)), d)...)
					if !ok {
						continue
					}
					var children []*group
					for _, v := range topValues(d) {
						cv := map[Dimension]string{d: v}
						for x, y := range vals {
							cv[x] = y
						}
						children = append(children, makeGroup(bc, cv, s))
					}
					addEq(parent, children)
				}
				if dep, ok := vals[Department]; ok && dep != Unspecified {
					var children []*group
					for _, n := range tree.Nodes {
						if n.ParentID == dep {
							cv := map[Dimension]string{Department: n.ID}
							for x, y := range vals {
								if x != Department {
									cv[x] = y
								}
							}
							children = append(children, makeGroup(b, cv, s))
						}
					}
					if len(children) > 0 {
						cv := map[Dimension]string{Department: dep + "#direct"}
						for x, y := range vals {
							if x != Department {
								cv[x] = y
							}
						}
						children = append(children, makeGroup(b, cv, s))
						addEq(parent, children)
					}
				}
			}
		})
	}
	// Which hidden groups does the system determine exactly? Reduce it to
	// row echelon form; a variable is determined when its pivot row has
	// no free variable in it.
	n := len(varGroups)
	m := make([][]float64, len(rows))
	for i, r := range rows {
		m[i] = make([]float64, n+1)
		copy(m[i], r)
		m[i][n] = rhs[i]
	}
	pivotOf := make([]int, n)
	for i := range pivotOf {
		pivotOf[i] = -1
	}
	rank := 0
	for col := 0; col < n && rank < len(m); col++ {
		p := -1
		for i := rank; i < len(m); i++ {
			if math.Abs(m[i][col]) > 1e-9 {
				p = i
				break
			}
		}
		if p < 0 {
			continue
		}
		m[rank], m[p] = m[p], m[rank]
		pv := m[rank][col]
		for j := col; j <= n; j++ {
			m[rank][j] /= pv
		}
		for i := range m {
			if i != rank && math.Abs(m[i][col]) > 1e-9 {
				f := m[i][col]
				for j := col; j <= n; j++ {
					m[i][j] -= f * m[rank][j]
				}
			}
		}
		pivotOf[col] = rank
		rank++
	}
	determined := make([]bool, n)
	for col := 0; col < n; col++ {
		r := pivotOf[col]
		if r < 0 {
			continue
		}
		free := false
		for j := 0; j < n; j++ {
			if j != col && pivotOf[j] < 0 && math.Abs(m[r][j]) > 1e-9 {
				free = true
				break
			}
		}
		determined[col] = !free
	}
	isDetermined := func(g *group) bool {
		i, ok := vars[g]
		return ok && determined[i]
	}
	for i, g := range varGroups {
		if determined[i] && len(g.members) > 0 && len(g.members) < k {
			t.Errorf("%s: hidden %s (%d people) can be solved from what is shown", name, g.key, len(g.members))
		}
	}
	// What is determined, or shown, is released: no two of those groups
	// differ by 1..k−1 people, and no shown parent leaves 1..k−1 people
	// in its hidden children together.
	var released []*group
	for _, g := range order {
		if g.shown || isDetermined(g) {
			if len(g.members) > 0 {
				released = append(released, g)
			}
		}
	}
	for i, a := range released {
		for _, b := range released[i+1:] {
			d := 0
			for x := range a.members {
				if !b.members[x] {
					d++
				}
			}
			for x := range b.members {
				if !a.members[x] {
					d++
				}
			}
			if d > 0 && d < k {
				t.Errorf("%s: released %s (%d) and %s (%d) differ by %d people", name, a.key, len(a.members), b.key, len(b.members), d)
			}
		}
	}
	// What is left of a released parent once a released part of it is
	// taken away is released too.
	for _, eq := range eqs {
		p := eq[0][0]
		if !p.shown && !isDetermined(p) {
			continue
		}
		for _, c := range eq[1] {
			if (!c.shown && !isDetermined(c)) || len(c.members) == 0 || len(c.members) == len(p.members) {
				continue
			}
			rest := map[int]bool{}
			for x := range p.members {
				if !c.members[x] {
					rest[x] = true
				}
			}
			for _, g := range released {
				d := 0
				for x := range rest {
					if !g.members[x] {
						d++
					}
				}
				for x := range g.members {
					if !rest[x] {
						d++
					}
				}
				if d > 0 && d < k {
					t.Errorf("%s: %s without %s differs from %s by %d people", name, p.key, c.key, g.key, d)
				}
			}
		}
	}
	for _, eq := range eqs {
		p := eq[0][0]
		if !p.shown {
			continue
		}
		held := 0
		for _, c := range eq[1] {
			if !c.shown && !isDetermined(c) {
				held += len(c.members)
			}
		}
		if held > 0 && held < k {
			t.Errorf("%s: shown %s leaves %d people in its hidden parts", name, p.key, held)
		}
	}
}

// The ledger's index finds every admitted group a new one is too close
// to: checked against comparing with every admitted group.
func TestLedgerIndexAgainstBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 8))
	for trial := 0; trial < 200; trial++ {
		k := 3 + r.IntN(6)
		l := NewLedger(k)
		var admitted [][]int32
		for g := 0; g < 60; g++ {
			// Groups drawn from overlapping ranges, so that near misses
			// are common.
			lo, n := r.IntN(40), r.IntN(30)
			var set []int32
			for i := lo; i < lo+n; i++ {
				if r.IntN(8) > 0 {
					set = append(set, int32(i))
				}
			}
			brute := true
			for _, a := range admitted {
				if d := symmetricDifference(set, a, 1<<30); d > 0 && d < k {
					brute = false
				}
			}
			if got := l.Admit(set) == nil; got != brute {
				t.Fatalf("trial %d: Admit(%v) = %v, brute force %v", trial, set, got, brute)
			}
			if brute {
				admitted = append(admitted, set)
			}
		}
	}
}
