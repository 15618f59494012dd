package probono

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"tsunagari"
)

var webRoles = []tsunagari.ProbonoRole{
	{Name: "デザイナー", Skills: []string{"Figma", "UIデザイン"}},
	{Name: "エンジニア", Skills: []string{"Go", "PostgreSQL"}},
}

func members(p Proposal) []string {
	var out []string
	for _, m := range p.Members {
		out = append(out, m.ID+"="+m.Role)
	}
	return out
}

func TestProposeCoversRolesAndPrefersDiversity(t *testing.T) {
	cands := []Candidate{
		{ID: "a", Skills: []string{"Figma"}, Hours: 5, Background: []string{"industry:it", "job:design"}},
		{ID: "b", Skills: []string{"Go"}, Hours: 5, Background: []string{"industry:it", "job:engineering"}},
		{ID: "c", Skills: []string{"Go", "PostgreSQL"}, Hours: 8, Background: []string{"industry:it", "job:engineering"}},
		{ID: "d", Skills: []string{"Excel"}, Hours: 5, Background: []string{"industry:healthcare", "job:care"}},
		{ID: "e", Skills: []string{"figma"}, Hours: 5, Background: []string{"industry:it", "job:design"}},
	}
	got := Propose(webRoles, 3, 5, cands)
	// c matches more skills than b; d brings two new backgrounds.
	if want := []string{"a=デザイナー", "c=エンジニア", "d="}; !slices.Equal(members(got), want) || !got.Exact || len(got.Uncovered) != 0 {
		t.Errorf("Propose = %q (exact %v, uncovered %q), want %q", members(got), got.Exact, got.Uncovered, want)
	}
	if got.Diversity != 5 {
		t.Errorf("Diversity = %d, want 5", got.Diversity)
	}
}

func TestProposeKeepsWithinHours(t *testing.T) {
	cands := []Candidate{
		{ID: "busy-designer", Skills: []string{"Figma"}, Hours: 3},
		{ID: "engineer", Skills: []string{"Go"}, Hours: 5},
		{ID: "writer", Skills: []string{"文章"}, Hours: 10},
	}
	got := Propose(webRoles, 3, 5, cands)
	if want := []string{"engineer=エンジニア", "writer="}; !slices.Equal(members(got), want) || !slices.Equal(got.Uncovered, []string{"デザイナー"}) {
		t.Errorf("Propose = %q, uncovered %q; want %q with the designer uncovered", members(got), got.Uncovered, want)
	}
	if got := Propose(webRoles, 3, 5, nil); len(got.Members) != 0 || len(got.Uncovered) != 2 {
		t.Errorf("Propose(nobody) = %+v", got)
	}
}

// A member who fits both roles leaves room for one who fits only one.
func TestProposeAssignsAroundTheFlexible(t *testing.T) {
	cands := []Candidate{
		{ID: "both", Skills: []string{"Figma", "Go"}, Hours: 5},
		{ID: "designer", Skills: []string{"Figma"}, Hours: 5},
	}
	got := Propose(webRoles, 2, 5, cands)
	if want := []string{"both=エンジニア", "designer=デザイナー"}; !slices.Equal(members(got), want) {
		t.Errorf("Propose = %q, want %q", members(got), want)
	}
}

// randomInstance returns roles and candidates drawn from a small pool of
// skills and backgrounds, so that choices conflict often.
func randomInstance(rng *rand.Rand, n int) ([]tsunagari.ProbonoRole, []Candidate) {
	skills := []string{"Figma", "Go", "会計", "広報", "SQL", "取材", "法務"}
	bgs := []string{"industry:it", "industry:finance", "industry:care", "job:design", "job:sales", "job:legal", "age:30s", "age:50s"}
	pick := func(list []string, k int) []string {
		out := slices.Clone(list)
		rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
		return out[:k]
	}
	var roles []tsunagari.ProbonoRole
	for r := range 1 + rng.IntN(3) {
		roles = append(roles, tsunagari.ProbonoRole{Name: fmt.Sprintf("role%d", r), Skills: pick(skills, 1+rng.IntN(2))})
	}
	cands := make([]Candidate, n)
	for i := range cands {
		cands[i] = Candidate{ID: fmt.Sprint(i), Skills: pick(skills, 1+rng.IntN(3)), Hours: 2 + rng.IntN(7), Background: pick(bgs, rng.IntN(3))}
	}
	return roles, cands
}

// bruteScore scores a team the slow, obvious way: every way of giving the
// roles to distinct members, and a set of backgrounds.
func bruteScore(roles []tsunagari.ProbonoRole, cands []Candidate, team []int) score {
	best := 0
	var place func(r int, used map[int]bool, covered int)
	place = func(r int, used map[int]bool, covered int) {
		if r == len(roles) {
			best = max(best, covered)
			return
		}
		place(r+1, used, covered) // nobody takes role r
		for _, m := range team {
			if !used[m] && roles[r].Fits(cands[m].Skills) > 0 {
				used[m] = true
				place(r+1, used, covered+1)
				used[m] = false
			}
		}
	}
	place(0, map[int]bool{}, 0)
	s := score{covered: best}
	seen := map[string]bool{}
	for _, m := range team {
		for _, b := range cands[m].Background {
			seen[b] = true
		}
		for r := range roles {
			s.skills += roles[r].Fits(cands[m].Skills)
		}
		s.earliness -= m
	}
	s.diversity = len(seen)
	return s
}

// TestProposeIsOptimal compares the exact search, on many small random
// instances, with a brute force over every subset of candidates.
func TestProposeIsOptimal(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for trial := range 300 {
		roles, cands := randomInstance(rng, 2+rng.IntN(8))
		size, hours := 2+rng.IntN(3), 3+rng.IntN(3)
		got := Propose(roles, size, hours, cands)
		index := map[string]int{}
		for i, c := range cands {
			index[c.ID] = i
		}
		var team []int
		for _, m := range got.Members {
			team = append(team, index[m.ID])
			if cands[index[m.ID]].Hours < hours {
				t.Fatalf("trial %d: %s is asked for %d hours but offers %d", trial, m.ID, hours, cands[index[m.ID]].Hours)
			}
			if r := slices.IndexFunc(roles, func(r tsunagari.ProbonoRole) bool { return r.Name == m.Role }); m.Role != "" &&
				(r < 0 || roles[r].Fits(cands[index[m.ID]].Skills) == 0) {
				t.Fatalf("trial %d: %s takes role %q without its skills", trial, m.ID, m.Role)
			}
		}
		eligible := 0
		for _, c := range cands {
			if c.Hours >= hours {
				eligible++
			}
		}
		if len(team) != min(size, eligible) || !got.Exact {
			t.Fatalf("trial %d: team of %d (exact %v), want %d", trial, len(team), got.Exact, min(size, eligible))
		}
		var best score
		found := false
		for mask := 0; mask < 1<<len(cands); mask++ {
			var sub []int
			ok := true
			for i := range cands {
				if mask&(1<<i) != 0 {
					sub = append(sub, i)
					ok = ok && cands[i].Hours >= hours
				}
			}
			if !ok || len(sub) != len(team) {
				continue
			}
			if s := bruteScore(roles, cands, sub); !found || s.better(best) {
				best, found = s, true
			}
		}
		if gotScore := bruteScore(roles, cands, team); found && best.better(gotScore) {
			t.Fatalf("trial %d: proposal %q scores %+v; the best team scores %+v", trial, members(got), gotScore, best)
		}
		covered := len(roles) - len(got.Uncovered)
		if found && covered != best.covered {
			t.Fatalf("trial %d: proposal covers %d roles, uncovered %q; the best covers %d", trial, covered, got.Uncovered, best.covered)
		}
	}
}

// TestProposeGreedy checks the greedy search on more applicants than the
// exact one takes: a full team within hours that covers every role when
// someone can take each, quickly.
func TestProposeGreedy(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	for trial := range 20 {
		roles, cands := randomInstance(rng, 60)
		// Someone with time can take each role.
		for r := range roles {
			cands[r].Skills, cands[r].Hours = roles[r].Skills, 10
		}
		start := time.Now()
		got := Propose(roles, 6, 5, cands)
		if took := time.Since(start); took > time.Second {
			t.Errorf("trial %d: Propose took %v", trial, took)
		}
		if got.Exact || len(got.Members) != 6 || len(got.Uncovered) != 0 {
			t.Fatalf("trial %d: greedy proposal %q (exact %v), uncovered %q", trial, members(got), got.Exact, got.Uncovered)
		}
		for _, m := range got.Members {
			var c Candidate
			for _, x := range cands {
				if x.ID == m.ID {
					c = x
				}
			}
			if c.Hours < 5 {
				t.Fatalf("trial %d: %s offers %d hours", trial, c.ID, c.Hours)
			}
		}
	}
	if !slices.Equal(members(Propose(webRoles, 6, 5, []Candidate{{ID: "x", Skills: []string{"Go"}, Hours: 5}})), []string{"x=エンジニア"}) {
		t.Error("a single applicant is not proposed")
	}
}

func BenchmarkProposeExact(b *testing.B) {
	roles, cands := randomInstance(rand.New(rand.NewPCG(1, 2)), 20)
	for i := range cands {
		cands[i].Hours = 10
	}
	for b.Loop() {
		if p := Propose(roles, 5, 5, cands); !p.Exact {
			b.Fatal("not exact")
		}
	}
}
