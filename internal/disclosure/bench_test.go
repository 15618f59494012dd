package disclosure

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// benchPopulation is an org like the acceptance sweeps': 40 departments
// (10 divisions of 3 sections) of 1 to 60 people each, with the menu's
// bands, in several stages.
func benchPopulation(perDept func(r *rand.Rand) int, stages int, seed uint64) (*Tree, []Person, Spec) {
	r := rand.New(rand.NewPCG(seed, seed))
	var nodes []DepartmentNode
	for i := 0; i < 10; i++ {
		nodes = append(nodes, DepartmentNode{ID: fmt.Sprintf("d%d", i), Name: fmt.Sprintf("第%d本部", i)})
		for j := 0; j < 3; j++ {
			nodes = append(nodes, DepartmentNode{ID: fmt.Sprintf("d%d.%d", i, j), ParentID: fmt.Sprintf("d%d", i), Name: fmt.Sprintf("第%d課", j)})
		}
	}
	tree := NewTree(nodes)
	ages := []string{"20s", "30s", "40s", "50s", "60s"}
	tenures := []string{"lt1", "1to3", "3to5", "5to10", "10plus"}
	jobs := []string{"sales", "engineering", "manufacturing", "admin", "finance", "hr", "it", "legal"}
	var people []Person
	for _, n := range tree.Nodes {
		size := perDept(r)
		for i := 0; i < size; i++ {
			p := Person{Department: n.ID, AgeBand: ages[r.IntN(5)], TenureBand: tenures[r.IntN(5)], JobFamily: jobs[r.IntN(len(jobs))],
				Stages: 1, Values: []float64{float64(r.IntN(101)), float64(r.IntN(101)), float64(r.IntN(101)), float64(r.IntN(101)), float64(r.IntN(101))}}
			for s := 1; s < stages; s++ {
				if r.IntN(s+1) == 0 {
					p.Stages |= 1 << s
				}
			}
			people = append(people, p)
		}
	}
	spec := Spec{Frame: Frame{AgeBands: ages, TenureBands: tenures, JobFamilies: jobs}, Measures: []string{"a", "b", "c", "d", "e"}}
	for s := 0; s < stages; s++ {
		st := Stage{ID: fmt.Sprintf("s%d", s), Within: -1}
		if s > 0 {
			st.Within = 0
		}
		spec.Stages = append(spec.Stages, st)
	}
	return tree, people, spec
}

func BenchmarkComputeSweepOrg(b *testing.B) {
	tree, people, spec := benchPopulation(func(r *rand.Rand) int { return 1 + r.IntN(60) }, 6, 1)
	b.ReportMetric(float64(len(people)), "people")
	for b.Loop() {
		Compute(tree, people, spec, NewPolicy(5, 0, 0, 0))
	}
}
