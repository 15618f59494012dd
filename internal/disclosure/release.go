package disclosure

import (
	"math"
	"slices"
	"strings"
)

// Person is one person of a population, as a release sees them: the
// groups they belong to on each dimension, the stages they have reached
// (bit i set: in stage i of the Spec) and, for a report of scores, their
// values, one per measure (NaN for none).
type Person struct {
	Department string // the department they are in; "" or unknown: Unspecified
	AgeBand    string // "" or a value outside the frame: Unspecified
	TenureBand string
	JobFamily  string
	Stages     uint64
	Values     []float64
}

// Frame lists the values of the dimensions other than department, in
// display order; Unspecified is added to each.
type Frame struct {
	AgeBands    []string
	TenureBands []string
	JobFamilies []string
}

// Stage is one set of people counted by a release, such as those who
// registered or those who consulted.
type Stage struct {
	ID string `json:"id"`
	// Within, if not negative, is the index of the stage this one is part
	// of, such as "registered" for "consulted". A count of this stage is
	// then shown only if at least k of the base group are not in it.
	Within int `json:"-"`
}

// Spec says what a release counts.
type Spec struct {
	Frame  Frame
	Stages []Stage
	// Measures name the Values of Person; their means are released for
	// the groups of the first stage.
	Measures []string
	// Breakdowns are the tables released, in order; nil means Menu().
	Breakdowns []Breakdown
	// Previous holds the sizes of groups as an earlier release of the
	// same subject let them be known (Audit.Known). A group of a stage
	// within another (people's own choices, such as consulting) whose
	// size now differs from that by 1 to k−1 people is not shown again,
	// so that comparing releases over time singles nobody out. Base
	// stages, such as being employed, are facts an employer knows.
	Previous map[string]int
}

// Release is what may be shown of a population: grids of counts, and
// means for the first stage, with everything too small or too telling
// hidden. It carries no exact count of anyone.
type Release struct {
	K           int              `json:"k"`
	Stages      []string         `json:"stages"`
	Measures    []string         `json:"measures,omitempty"`
	Departments []DepartmentNode `json:"departments,omitempty"`
	Grids       []Grid           `json:"grids"`
	// Epsilon is the privacy budget the noise of this release spent; 0
	// without noise.
	Epsilon float64 `json:"epsilon,omitempty"`
}

// Grid is one breakdown of a release: a row for every combination of
// its dimensions' values, in display order.
type Grid struct {
	Breakdown string `json:"breakdown"`
	Rows      []Row  `json:"rows"`
}

// Row is one group of a table, named by its value of each dimension of
// the breakdown (the others are empty), with a cell per stage.
type Row struct {
	Department string `json:"department,omitempty"`
	AgeBand    string `json:"ageBand,omitempty"`
	TenureBand string `json:"tenureBand,omitempty"`
	JobFamily  string `json:"jobFamily,omitempty"`
	Cells      []Cell `json:"cells"`
}

// Cell is what a release says about one group in one stage: either
// hidden, with nothing else, or a rounded count and, in the first stage
// of a release with measures, one mean per measure (-1 where fewer than k
// people have a value).
type Cell struct {
	Hidden bool      `json:"hidden,omitempty"`
	Count  int       `json:"n,omitempty"`
	Means  []float64 `json:"means,omitempty"`
}

// Why a group is hidden, as an Audit records it. A Release says only
// that it is hidden: telling the reasons apart would tell small groups
// from large ones.
const (
	ReasonSmall      = "small"      // fewer than k people
	ReasonEveryone   = "everyone"   // fewer than k of its base group are not in it
	ReasonChange     = "change"     // differs from an earlier release by 1..k−1 people
	ReasonDifference = "difference" // differs from a group released before it by 1..k−1 people
	ReasonComplement = "complement" // hidden so that hidden groups cannot be worked out
	ReasonBudget     = "budget"     // the noise budget was spent
)

// Audit is the private side of a release: every group's exact size and
// why it is hidden. It is kept by the server, never shown to HR, and feeds
// the next release of the same subject (Spec.Previous) and the tests.
type Audit struct {
	Cells []AuditCell
}

// AuditCell is one group of one stage.
type AuditCell struct {
	Key    string // breakdown|values|stage, see CellKey
	Size   int
	Shown  bool
	Known  bool // shown, or derivable from what is shown
	Reason string
}

// Known returns the sizes of the groups the release lets be known.
func (a *Audit) Known() map[string]int {
	out := map[string]int{}
	for _, c := range a.Cells {
		if c.Known {
			out[c.Key] = c.Size
		}
	}
	return out
}

// CellKey names a group of one stage across releases: the breakdown, the
// group's values and the stage.
func CellKey(b Breakdown, r Row, stage string) string {
	var sb strings.Builder
	sb.WriteString(b.Key())
	for _, d := range b {
		sb.WriteByte('|')
		sb.WriteString(r.value(d))
	}
	sb.WriteByte('#')
	sb.WriteString(stage)
	return sb.String()
}

func (r Row) value(d Dimension) string {
	switch d {
	case Department:
		return r.Department
	case AgeBand:
		return r.AgeBand
	case TenureBand:
		return r.TenureBand
	case JobFamily:
		return r.JobFamily
	}
	return ""
}

func (r *Row) set(d Dimension, v string) {
	switch d {
	case Department:
		r.Department = v
	case AgeBand:
		r.AgeBand = v
	case TenureBand:
		r.TenureBand = v
	case JobFamily:
		r.JobFamily = v
	}
}

// Compute releases what may be shown of people under the policy. It is
// deterministic but for the noise.
func Compute(tree *Tree, people []Person, spec Spec, pol Policy) (*Release, *Audit) {
	if tree == nil {
		tree = NewTree(nil)
	}
	e := newEngine(tree, people, spec, pol)
	e.primary()
	e.suppress()
	return e.release(), e.audit()
}

// engine holds one computation.
type engine struct {
	tree   *Tree
	people []Person
	spec   Spec
	pol    Policy
	k      int
	stages int

	// values of each dimension: for Department the tree's nodes, then
	// Unspecified, then one residual value per node with children (the
	// people directly in it), which is never shown.
	values   map[Dimension][]string
	residual []int // department value index → node whose direct people it holds, or -1
	nDept    int   // index of Unspecified among department values

	tables []*table
	cells  []cell
	eqs    []equation
	inEqs  [][]int // cell → equations it is a term of
}

type table struct {
	b      Breakdown
	radix  []int
	rows   int
	base   int // first cell
	stride []int
}

type cell struct {
	table, row, stage int
	members           []int32
	residual          bool
	shown, known      bool
	reason            string
	derivedBy         int // equation that made it known, -1 if shown or unknown
}

// equation says parent = sum of children, for the people of one stage.
type equation struct {
	parent   int
	children []int
}

func newEngine(tree *Tree, people []Person, spec Spec, pol Policy) *engine {
	e := &engine{tree: tree, people: people, spec: spec, pol: pol, k: pol.k(), stages: len(spec.Stages)}
	if e.stages == 0 {
		e.spec.Stages = []Stage{{ID: "people", Within: -1}}
		e.stages = 1
	}
	if e.stages > 64 {
		panic("disclosure: more than 64 stages")
	}
	bs := spec.Breakdowns
	if bs == nil {
		bs = Menu()
	}
	withUnspecified := func(vs []string) []string {
		return append(slices.DeleteFunc(slices.Clone(vs), func(v string) bool { return v == Unspecified }), Unspecified)
	}
	e.values = map[Dimension][]string{
		AgeBand:    withUnspecified(spec.Frame.AgeBands),
		TenureBand: withUnspecified(spec.Frame.TenureBands),
		JobFamily:  withUnspecified(spec.Frame.JobFamilies),
	}
	var dept []string
	for _, n := range tree.Nodes {
		dept = append(dept, n.ID)
	}
	e.nDept = len(dept)
	dept = append(dept, Unspecified)
	e.residual = make([]int, len(dept))
	for i := range e.residual {
		e.residual[i] = -1
	}
	for i := range tree.Nodes {
		if len(tree.children[i]) > 0 {
			e.residual = append(e.residual, i)
			dept = append(dept, tree.Nodes[i].ID+"#direct")
		}
	}
	e.values[Department] = dept

	// Tables and their cells.
	for _, b := range bs {
		t := &table{b: b, base: len(e.cells), rows: 1}
		t.radix = make([]int, len(b))
		t.stride = make([]int, len(b))
		for i := len(b) - 1; i >= 0; i-- {
			t.radix[i] = len(e.values[b[i]])
			t.stride[i] = t.rows
			t.rows *= t.radix[i]
		}
		e.tables = append(e.tables, t)
		for r := 0; r < t.rows; r++ {
			res := false
			for i, d := range b {
				if d == Department && e.residual[(r/t.stride[i])%t.radix[i]] >= 0 {
					res = true
				}
			}
			for s := 0; s < e.stages; s++ {
				e.cells = append(e.cells, cell{table: len(e.tables) - 1, row: r, stage: s, residual: res, derivedBy: -1})
			}
		}
	}

	// Members: each person joins one row per combination of their values.
	valueIndex := map[Dimension]map[string]int{}
	for _, d := range Dimensions {
		m := map[string]int{}
		for i, v := range e.values[d] {
			if _, dup := m[v]; !dup {
				m[v] = i
			}
		}
		valueIndex[d] = m
	}
	personValues := func(p *Person, d Dimension) []int {
		if d == Department {
			path := tree.path(p.Department)
			if len(path) == 0 {
				return []int{e.nDept}
			}
			out := make([]int, 0, len(path)+1)
			if leaf := path[0]; len(tree.children[leaf]) > 0 {
				out = append(out, slices.Index(e.residual, leaf))
			}
			return append(out, path...)
		}
		var v string
		switch d {
		case AgeBand:
			v = p.AgeBand
		case TenureBand:
			v = p.TenureBand
		case JobFamily:
			v = p.JobFamily
		}
		if i, ok := valueIndex[d][v]; ok && v != "" {
			return []int{i}
		}
		return []int{valueIndex[d][Unspecified]}
	}
	vals := make([][]int, len(Dimensions))
	for pi := range people {
		p := &people[pi]
		stagesOf := p.Stages & (1<<e.stages - 1)
		if e.stages == 64 {
			stagesOf = p.Stages
		}
		if stagesOf == 0 {
			continue
		}
		for di, d := range Dimensions {
			vals[di] = personValues(p, d)
		}
		for _, t := range e.tables {
			e.forRows(t, vals, func(r int) {
				for s := 0; s < e.stages; s++ {
					if stagesOf&(1<<s) != 0 {
						c := &e.cells[t.base+r*e.stages+s]
						c.members = append(c.members, int32(pi))
					}
				}
			})
		}
	}
	e.equations()
	return e
}

// forRows calls fn with every row of t a person with the given values
// (by dimension, in Dimensions order) belongs to.
func (e *engine) forRows(t *table, vals [][]int, fn func(row int)) {
	var rec func(i, row int)
	rec = func(i, row int) {
		if i == len(t.b) {
			fn(row)
			return
		}
		for _, v := range vals[slices.Index(Dimensions, t.b[i])] {
			rec(i+1, row+v*t.stride[i])
		}
	}
	rec(0, 0)
}

// tableOf returns the table of breakdown b, or nil.
func (e *engine) tableOf(dims []Dimension) *table {
	want := Breakdown(slices.Clone(dims))
	slices.SortFunc(want, func(x, y Dimension) int { return slices.Index(Dimensions, x) - slices.Index(Dimensions, y) })
	for _, t := range e.tables {
		if slices.Equal(t.b, want) {
			return t
		}
	}
	return nil
}

// decode returns the value index of each dimension of row r of t.
func (t *table) decode(r int) map[Dimension]int {
	out := make(map[Dimension]int, len(t.b))
	for i, d := range t.b {
		out[d] = (r / t.stride[i]) % t.radix[i]
	}
	return out
}

func (t *table) encode(v map[Dimension]int) int {
	r := 0
	for i, d := range t.b {
		r += v[d] * t.stride[i]
	}
	return r
}

// equations lists what anyone can add up: every group is the sum of its
// groups on a further dimension (margins), and every department is the
// sum of its sub-departments and the people directly in it (the tree).
func (e *engine) equations() {
	top := map[Dimension][]int{}
	for _, d := range Dimensions {
		if d == Department {
			top[d] = append(slices.Clone(e.tree.top), e.nDept)
			continue
		}
		for i := range e.values[d] {
			top[d] = append(top[d], i)
		}
	}
	add := func(t, r int, children []int, tc *table) {
		for s := 0; s < e.stages; s++ {
			eq := equation{parent: e.tables[t].base + r*e.stages + s}
			for _, cr := range children {
				eq.children = append(eq.children, tc.base+cr*e.stages+s)
			}
			e.eqs = append(e.eqs, eq)
		}
	}
	for ti, t := range e.tables {
		for r := 0; r < t.rows; r++ {
			v := t.decode(r)
			if d, ok := v[Department]; ok && e.residual[d] >= 0 {
				continue // a residual group is never shown: nothing to split
			}
			// Margins.
			for _, d := range Dimensions {
				if t.b.Has(d) || len(t.b) >= MaxDimensions {
					continue
				}
				tc := e.tableOf(append(slices.Clone([]Dimension(t.b)), d))
				if tc == nil {
					continue
				}
				var children []int
				for _, x := range top[d] {
					v[d] = x
					children = append(children, tc.encode(v))
				}
				delete(v, d)
				add(ti, r, children, tc)
			}
			// The tree.
			if d, ok := v[Department]; ok && d < e.nDept && len(e.tree.children[d]) > 0 {
				var children []int
				for _, c := range e.tree.children[d] {
					v[Department] = c
					children = append(children, t.encode(v))
				}
				v[Department] = slices.Index(e.residual, d)
				children = append(children, t.encode(v))
				v[Department] = d
				add(ti, r, children, t)
			}
		}
	}
	e.inEqs = make([][]int, len(e.cells))
	for i, eq := range e.eqs {
		e.inEqs[eq.parent] = append(e.inEqs[eq.parent], i)
		for _, c := range eq.children {
			e.inEqs[c] = append(e.inEqs[c], i)
		}
	}
}

func (e *engine) size(c int) int { return len(e.cells[c].members) }

func (e *engine) hide(c int, reason string) {
	if e.cells[c].shown {
		e.cells[c].shown = false
		e.cells[c].reason = reason
	}
}

// primary decides each group on its own: its size, its base group, the
// noise budget and earlier releases.
func (e *engine) primary() {
	k := e.k
	// Tables beyond the noise budget are not released at all.
	spent := 0.0
	budgetOK := make([]bool, len(e.tables)*e.stages)
	for i := range budgetOK {
		if !e.pol.Noisy() {
			budgetOK[i] = true
			continue
		}
		if spent+e.pol.Epsilon <= e.pol.Budget+1e-9 {
			spent += e.pol.Epsilon
			budgetOK[i] = true
		}
	}
	for i := range e.cells {
		c := &e.cells[i]
		switch {
		case c.residual:
			c.reason = ReasonSmall
		case len(c.members) < k:
			c.reason = ReasonSmall
		case !budgetOK[c.table*e.stages+c.stage]:
			c.reason = ReasonBudget
		default:
			c.shown = true
		}
	}
	for i := range e.cells {
		c := &e.cells[i]
		if !c.shown {
			continue
		}
		if w := e.spec.Stages[c.stage].Within; w >= 0 && w < e.stages && w != c.stage {
			base := e.tables[c.table].base + c.row*e.stages + w
			if outside := difference(e.cells[base].members, c.members); outside < k {
				e.hide(i, ReasonEveryone)
			}
		}
	}
	if len(e.spec.Previous) > 0 {
		for i := range e.cells {
			c := &e.cells[i]
			if !c.shown || e.spec.Stages[c.stage].Within < 0 {
				continue
			}
			if prev, ok := e.spec.Previous[e.key(i)]; ok {
				if d := abs(len(c.members) - prev); d > 0 && d < k {
					e.hide(i, ReasonChange)
				}
			}
		}
	}
}

// suppress hides groups until nothing hidden can be worked out and no
// two known groups differ by 1..k−1 people.
func (e *engine) suppress() {
	for {
		e.closure()
		if e.complement() {
			continue
		}
		if e.differences() {
			continue
		}
		return
	}
}

// closure marks as known every group that can be solved from the shown
// ones: the only unknown term of an equation, repeatedly.
func (e *engine) closure() {
	unknown := make([]int, len(e.eqs))
	var work []int
	for i := range e.cells {
		e.cells[i].known = e.cells[i].shown
		e.cells[i].derivedBy = -1
	}
	for i, eq := range e.eqs {
		n := 0
		if !e.cells[eq.parent].known {
			n++
		}
		for _, c := range eq.children {
			if !e.cells[c].known {
				n++
			}
		}
		unknown[i] = n
		if n == 1 {
			work = append(work, i)
		}
	}
	for len(work) > 0 {
		i := work[len(work)-1]
		work = work[:len(work)-1]
		if unknown[i] != 1 {
			continue
		}
		eq := e.eqs[i]
		u := -1
		if !e.cells[eq.parent].known {
			u = eq.parent
		}
		for _, c := range eq.children {
			if !e.cells[c].known {
				u = c
			}
		}
		if u < 0 {
			continue
		}
		e.cells[u].known = true
		e.cells[u].derivedBy = i
		for _, j := range e.inEqs[u] {
			unknown[j]--
			if unknown[j] == 1 {
				work = append(work, j)
			}
		}
	}
}

// complement hides more groups wherever the hidden groups of an
// equation, or a group solved from one, hold 1..k−1 people. It reports
// whether it hid any.
func (e *engine) complement() bool {
	k := e.k
	var hide []int
	// A solved group must not be small.
	for i := range e.cells {
		c := &e.cells[i]
		if c.known && !c.shown && len(c.members) > 0 && len(c.members) < k {
			if b := e.blame(i); b >= 0 {
				hide = append(hide, b)
			}
		}
	}
	// Nor may the hidden rest of a known group.
	for _, eq := range e.eqs {
		if !e.cells[eq.parent].known {
			continue
		}
		held, unknown := 0, 0
		for _, c := range eq.children {
			if !e.cells[c].known {
				held += e.size(c)
				unknown++
			}
		}
		if held == 0 || held >= k || unknown < 2 {
			continue
		}
		// Hide the smallest shown child; failing that, what made the
		// smallest known child known.
		best := -1
		for _, c := range eq.children {
			if e.cells[c].shown && (best < 0 || e.size(c) < e.size(best)) {
				best = c
			}
		}
		if best < 0 {
			for _, c := range eq.children {
				if e.cells[c].known && e.size(c) > 0 {
					if b := e.blame(c); b >= 0 && (best < 0 || e.size(b) < e.size(best)) {
						best = b
					}
				}
			}
		}
		if best < 0 && e.cells[eq.parent].shown {
			best = eq.parent
		}
		if best >= 0 {
			hide = append(hide, best)
		}
	}
	for _, c := range hide {
		e.hide(c, ReasonComplement)
	}
	return len(hide) > 0
}

// blame returns the shown group to hide so that known group c is no
// longer known: c itself if shown, else the smallest shown term of the
// equation that solved it.
func (e *engine) blame(c int) int {
	seen := map[int]bool{}
	for {
		if e.cells[c].shown {
			return c
		}
		i := e.cells[c].derivedBy
		if i < 0 || seen[i] {
			return -1
		}
		seen[i] = true
		eq := e.eqs[i]
		best := -1
		for _, t := range append([]int{eq.parent}, eq.children...) {
			if t != c && e.cells[t].shown && (best < 0 || e.size(t) < e.size(best)) {
				best = t
			}
		}
		if best >= 0 {
			return best
		}
		// Every other term was solved too: follow the largest of them.
		next := -1
		for _, t := range append([]int{eq.parent}, eq.children...) {
			if t != c && e.cells[t].known && (next < 0 || e.size(t) > e.size(next)) {
				next = t
			}
		}
		if next < 0 {
			return -1
		}
		c = next
	}
}

// differences runs the ledger over the known groups in release order: a
// group that differs from one admitted before it by 1..k−1 people is
// refused; so is a part whose parent without it would be that close to a
// known group. It reports whether it hid any.
func (e *engine) differences() bool {
	l := NewLedger(e.k)
	changed := false
	var hide []int
	for i := range e.cells {
		c := &e.cells[i]
		if !c.known || len(c.members) == 0 {
			continue
		}
		if l.Admit(c.members) == nil {
			continue
		}
		if c.shown {
			e.hide(i, ReasonDifference)
			changed = true
			continue
		}
		if b := e.blame(i); b >= 0 {
			hide = append(hide, b)
		}
	}
	if !changed && len(hide) == 0 {
		// What is left of a known group once a known part of it is taken
		// away (a department minus an age band, a division minus a
		// section) is known too: it may not be within k−1 people of any
		// known group either. Where it is, the part is hidden.
		var rest []int32
		for _, eq := range e.eqs {
			p := &e.cells[eq.parent]
			if !p.known || len(p.members) == 0 {
				continue
			}
			for _, ci := range eq.children {
				c := &e.cells[ci]
				if !c.known || len(c.members) == 0 || len(c.members) == len(p.members) {
					continue
				}
				rest = minus(rest[:0], p.members, c.members)
				if l.Check(rest) == nil {
					continue
				}
				if c.shown {
					hide = append(hide, ci)
				} else if b := e.blame(ci); b >= 0 {
					hide = append(hide, b)
				}
			}
		}
	}
	for _, c := range hide {
		if e.cells[c].shown {
			e.hide(c, ReasonComplement)
			changed = true
		}
	}
	return changed
}

// minus appends to dst the people of a, sorted, who are not in b, sorted.
func minus(dst, a, b []int32) []int32 {
	j := 0
	for _, x := range a {
		for j < len(b) && b[j] < x {
			j++
		}
		if j < len(b) && b[j] == x {
			continue
		}
		dst = append(dst, x)
	}
	return dst
}

// key returns the CellKey of cell i.
func (e *engine) key(i int) string {
	c := &e.cells[i]
	t := e.tables[c.table]
	return CellKey(t.b, e.row(t, c.row), e.spec.Stages[c.stage].ID)
}

// row names row r of t.
func (e *engine) row(t *table, r int) Row {
	var out Row
	for d, v := range t.decode(r) {
		out.set(d, e.values[d][v])
	}
	return out
}

func (e *engine) release() *Release {
	out := &Release{K: e.k, Departments: slices.Clone(e.tree.Nodes)}
	for _, s := range e.spec.Stages {
		out.Stages = append(out.Stages, s.ID)
	}
	out.Measures = slices.Clone(e.spec.Measures)
	var noise *Noise
	if e.pol.Noisy() {
		noise = e.pol.Noise
		if noise == nil {
			noise = NewNoise(nil)
		}
		out.Epsilon = float64(len(e.tables)*e.stages) * e.pol.Epsilon
		out.Epsilon = math.Min(out.Epsilon, e.pol.Budget)
	}
	for _, t := range e.tables {
		tab := Grid{Breakdown: t.b.Key()}
		for r := 0; r < t.rows; r++ {
			if e.cells[t.base+r*e.stages].residual {
				continue
			}
			row := e.row(t, r)
			for s := 0; s < e.stages; s++ {
				c := &e.cells[t.base+r*e.stages+s]
				if !c.shown {
					row.Cells = append(row.Cells, Cell{Hidden: true})
					continue
				}
				n := len(c.members)
				if noise != nil {
					n += noise.Laplace(e.pol.Epsilon)
				}
				cl := Cell{Count: roundCount(max(n, e.k), e.k)}
				if s == 0 && len(e.spec.Measures) > 0 {
					cl.Means = e.means(c.members)
				}
				row.Cells = append(row.Cells, cl)
			}
			tab.Rows = append(tab.Rows, row)
		}
		out.Grids = append(out.Grids, tab)
	}
	return out
}

// means returns the mean of each measure over members, to one decimal,
// or -1 where fewer than k have a value.
func (e *engine) means(members []int32) []float64 {
	out := make([]float64, len(e.spec.Measures))
	for m := range out {
		sum, n := 0.0, 0
		for _, p := range members {
			vs := e.people[p].Values
			if m < len(vs) && !math.IsNaN(vs[m]) {
				sum += vs[m]
				n++
			}
		}
		out[m] = -1
		if n >= e.k {
			out[m] = math.Round(sum/float64(n)*10) / 10
		}
	}
	return out
}

func (e *engine) audit() *Audit {
	a := &Audit{}
	for i := range e.cells {
		c := &e.cells[i]
		if c.residual {
			continue
		}
		a.Cells = append(a.Cells, AuditCell{Key: e.key(i), Size: len(c.members), Shown: c.shown, Known: c.known, Reason: c.reason})
	}
	return a
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
