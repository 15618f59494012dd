package probono

import (
	"math/bits"
	"slices"

	"tsunagari"
)

// Candidate is an applicant as a team proposal weighs them.
type Candidate struct {
	// ID names the application.
	ID     string
	Skills []string
	// Hours is what they can still give each week: what they offered,
	// less what they have promised to other teams at the same time.
	Hours int
	// Background is what they bring from elsewhere, as "kind:value"
	// pairs such as "industry:finance" or "job:design".
	Background []string
}

// Assignment is a member of a proposed team and the role they take, ""
// for none in particular.
type Assignment struct {
	ID   string
	Role string
}

// Proposal is the team tsunagari proposes.
type Proposal struct {
	// Members are the proposed volunteers, in the order they applied.
	Members []Assignment
	// Uncovered lists the roles that no eligible volunteer can take.
	Uncovered []string
	// Diversity counts the distinct backgrounds in the team.
	Diversity int
	// Exact says the proposal is the best of every possible team; false
	// means it was built greedily because there were too many.
	Exact bool
}

// exactLimit bounds how many teams the exact search compares.
const exactLimit = 60_000

// Propose picks a team of size volunteers (fewer if fewer can give hours
// a week) that, in this order of importance: covers as many of the roles
// as possible, each by a member with at least one of its skills; brings
// the most distinct backgrounds; matches the most of the roles' skills;
// and favours those who applied first. Nobody is asked for more hours
// than they can give. With few applicants it compares every possible
// team; with many, it builds one greedily, roles first.
func Propose(roles []tsunagari.ProbonoRole, size, hours int, cands []Candidate) Proposal {
	var eligible []int
	for i, c := range cands {
		if c.Hours >= hours {
			eligible = append(eligible, i)
		}
	}
	k := min(size, len(eligible))
	p := newPlanner(roles, cands)
	var team []int
	exact := combinations(len(eligible), k) <= exactLimit
	if exact {
		team = p.exact(eligible, k)
	} else {
		team = p.greedy(eligible, k)
	}
	slices.Sort(team)
	assigned := p.assign(team)
	out := Proposal{Exact: exact, Diversity: p.diversity(team)}
	for _, i := range team {
		out.Members = append(out.Members, Assignment{ID: cands[i].ID, Role: assigned[i]})
	}
	for r := range roles {
		covered := false
		for _, role := range assigned {
			covered = covered || role == roles[r].Name
		}
		if !covered {
			out.Uncovered = append(out.Uncovered, roles[r].Name)
		}
	}
	return out
}

// combinations returns n choose k, capped above exactLimit.
func combinations(n, k int) int {
	c := 1
	for i := 1; i <= k; i++ {
		c = c * (n - k + i) / i
		if c > exactLimit {
			return exactLimit + 1
		}
	}
	return c
}

type planner struct {
	roles []tsunagari.ProbonoRole
	cands []Candidate
	fit   [][]int // fit[m][r]: how many of role r's skills candidate m has
	fits  [][]int // fits[m]: the roles m fits, the best fit first
	total []int   // total[m]: the sum of fit[m]
	// bg[m] has a bit for each background of m, when there are at most
	// 64 distinct ones in all; nil otherwise.
	bg []uint64
}

func newPlanner(roles []tsunagari.ProbonoRole, cands []Candidate) *planner {
	p := &planner{roles: roles, cands: cands, fit: make([][]int, len(cands)), fits: make([][]int, len(cands)), total: make([]int, len(cands))}
	for m, c := range cands {
		p.fit[m] = make([]int, len(roles))
		for r := range roles {
			p.fit[m][r] = roles[r].Fits(c.Skills)
			p.total[m] += p.fit[m][r]
			if p.fit[m][r] > 0 {
				p.fits[m] = append(p.fits[m], r)
			}
		}
		slices.SortStableFunc(p.fits[m], func(a, b int) int { return p.fit[m][b] - p.fit[m][a] })
	}
	bit := map[string]int{}
	bg := make([]uint64, len(cands))
	for m, c := range cands {
		for _, b := range c.Background {
			if _, ok := bit[b]; !ok {
				bit[b] = len(bit)
			}
			if bit[b] < 64 {
				bg[m] |= 1 << bit[b]
			}
		}
	}
	if len(bit) <= 64 {
		p.bg = bg
	}
	return p
}

// score orders teams: a larger score is a better team.
type score struct{ covered, diversity, skills, earliness int }

func (a score) better(b score) bool {
	switch {
	case a.covered != b.covered:
		return a.covered > b.covered
	case a.diversity != b.diversity:
		return a.diversity > b.diversity
	case a.skills != b.skills:
		return a.skills > b.skills
	}
	return a.earliness > b.earliness
}

func (p *planner) score(team []int) score {
	s := score{diversity: p.diversity(team)}
	for _, role := range p.assign(team) {
		if role != "" {
			s.covered++
		}
	}
	for _, i := range team {
		s.skills += p.total[i]
		s.earliness -= i
	}
	return s
}

func (p *planner) diversity(team []int) int {
	if p.bg != nil {
		var all uint64
		for _, i := range team {
			all |= p.bg[i]
		}
		return bits.OnesCount64(all)
	}
	seen := map[string]bool{}
	for _, i := range team {
		for _, b := range p.cands[i].Background {
			seen[b] = true
		}
	}
	return len(seen)
}

// assign gives the roles to members of team, as many roles as can be
// covered (a maximum matching, found by augmenting paths), preferring for
// each role the member who fits it best. It returns each member's role,
// "" for those without one.
func (p *planner) assign(team []int) map[int]string {
	holder := make([]int, len(p.roles)) // role → member, -1 for none
	for r := range holder {
		holder[r] = -1
	}
	var try func(m int, seen []bool) bool
	try = func(m int, seen []bool) bool {
		for _, r := range p.rolesFor(m) {
			if seen[r] {
				continue
			}
			seen[r] = true
			if holder[r] < 0 || try(holder[r], seen) {
				holder[r] = m
				return true
			}
		}
		return false
	}
	// Members who fit fewer roles choose first, so that the flexible
	// ones fill in around them.
	order := slices.Clone(team)
	slices.SortStableFunc(order, func(a, b int) int { return len(p.rolesFor(a)) - len(p.rolesFor(b)) })
	for _, m := range order {
		try(m, make([]bool, len(p.roles)))
	}
	out := map[int]string{}
	for _, m := range team {
		out[m] = ""
	}
	for r, m := range holder {
		if m >= 0 {
			out[m] = p.roles[r].Name
		}
	}
	return out
}

// rolesFor returns the roles candidate m fits, the best fit first.
func (p *planner) rolesFor(m int) []int { return p.fits[m] }

// exact returns the best team of k of the eligible candidates.
func (p *planner) exact(eligible []int, k int) []int {
	var best []int
	var bestScore score
	team := make([]int, 0, k)
	var walk func(from int)
	walk = func(from int) {
		if len(team) == k {
			if s := p.score(team); best == nil || s.better(bestScore) {
				best, bestScore = slices.Clone(team), s
			}
			return
		}
		for i := from; i <= len(eligible)-(k-len(team)); i++ {
			team = append(team, eligible[i])
			walk(i + 1)
			team = team[:len(team)-1]
		}
	}
	walk(0)
	return best
}

// greedy builds a team of k: first a member for each role, the roles
// fewest can take first, then the places left, each time choosing who
// adds the most new backgrounds, then the most skills, then who applied
// first.
func (p *planner) greedy(eligible []int, k int) []int {
	var team []int
	taken := map[int]bool{}
	seen := map[string]bool{}
	gain := func(i int) (int, int) {
		n := 0
		for _, b := range p.cands[i].Background {
			if !seen[b] {
				n++
			}
		}
		return n, p.total[i]
	}
	pick := func(ok func(i int) bool) {
		best, bestNew, bestSkills := -1, -1, -1
		for _, i := range eligible {
			if taken[i] || !ok(i) {
				continue
			}
			if n, s := gain(i); n > bestNew || n == bestNew && s > bestSkills {
				best, bestNew, bestSkills = i, n, s
			}
		}
		if best < 0 {
			return
		}
		taken[best] = true
		team = append(team, best)
		for _, b := range p.cands[best].Background {
			seen[b] = true
		}
	}
	fitting := func(r int) int {
		n := 0
		for _, i := range eligible {
			if !taken[i] && p.fit[i][r] > 0 {
				n++
			}
		}
		return n
	}
	order := make([]int, len(p.roles))
	for r := range order {
		order[r] = r
	}
	slices.SortStableFunc(order, func(a, b int) int { return fitting(a) - fitting(b) })
	for _, r := range order {
		if len(team) < k {
			pick(func(i int) bool { return p.fit[i][r] > 0 })
		}
	}
	for len(team) < k {
		before := len(team)
		pick(func(int) bool { return true })
		if len(team) == before {
			break
		}
	}
	return team
}
