package disclosure

import (
	"math"
	"math/rand/v2"
	"testing"
)

// simulatePairs draws n people whose measure is normal with mean 60 and
// SD 15 before, and moves by shift SDs (plus individual noise) after.
func simulatePairs(r *rand.Rand, n int, shift float64) (before, after []float64) {
	const mu, sd = 60.0, 15.0
	for i := 0; i < n; i++ {
		person := r.NormFloat64() * sd * 0.8
		before = append(before, mu+person+r.NormFloat64()*sd*0.6)
		after = append(after, mu+shift*sd+person+r.NormFloat64()*sd*0.6)
	}
	return before, after
}

// Effect verification: on synthetic pairs with a known effect of +0.4 SD,
// the interval of the standardised change covers 0.4, and on a null
// effect the interval of the change covers 0, in about 95% of programmes.
func TestPairedEffectCoverage(t *testing.T) {
	pol := NewPolicy(5, 0, 0, 0)
	r := rand.New(rand.NewPCG(7, 11))
	sims := 200
	if testing.Short() {
		sims = 60
	}
	for _, tt := range []struct {
		name  string
		shift float64
	}{{"+0.4 SD", 0.4}, {"null", 0}} {
		covered, coveredChange := 0, 0
		for s := 0; s < sims; s++ {
			before, after := simulatePairs(r, 60, tt.shift)
			e := pol.PairedEffect("clarity", before, after, uint64(s))
			if e.Hidden || e.Size == nil {
				t.Fatalf("%s: effect over 60 pairs hidden: %+v", tt.name, e)
			}
			if e.Size.Low <= tt.shift && tt.shift <= e.Size.High {
				covered++
			}
			if e.Low <= tt.shift*15 && tt.shift*15 <= e.High {
				coveredChange++
			}
		}
		for what, c := range map[string]int{"standardised change": covered, "change": coveredChange} {
			rate := float64(c) / float64(sims)
			t.Logf("%s: the interval of the %s covers the truth in %d of %d programmes (%.0f%%)", tt.name, what, c, sims, rate*100)
			if rate < 0.88 || rate > 0.995 {
				t.Errorf("%s: %s interval covers the true effect in %.0f%% of programmes, want about 95%%", tt.name, what, rate*100)
			}
		}
	}
	// One programme, checked in full.
	before, after := simulatePairs(rand.New(rand.NewPCG(1, 1)), 80, 0.4)
	e := pol.PairedEffect("clarity", before, after, 42)
	if !(e.Low <= e.Change && e.Change <= e.High) || e.Low <= 0 {
		t.Errorf("+0.4 SD over 80 pairs: change %v in [%v, %v], want a positive interval around it", e.Change, e.Low, e.High)
	}
	if math.Abs(e.After-e.Before-e.Change) > 0.11 || e.Pairs != 80 {
		t.Errorf("release %+v: before, after and change disagree, or pairs not 80", e)
	}
	if again := pol.PairedEffect("clarity", before, after, 42); *again.Size != *e.Size || again.Low != e.Low {
		t.Errorf("the same data and seed gave %+v, then %+v", e, again)
	}
}

func TestPairedEffectThreshold(t *testing.T) {
	pol := NewPolicy(5, 0, 0, 0)
	before, after := simulatePairs(rand.New(rand.NewPCG(3, 3)), 9, 0.4)
	if e := pol.PairedEffect("x", before, after, 1); !e.Hidden || e.Pairs != 0 || e.Change != 0 {
		t.Errorf("9 pairs under k = 5: %+v, want hidden (pairs need %d)", e, MinPairedGroupSize)
	}
	same := []float64{50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50}
	if e := pol.PairedEffect("x", same, same, 1); e.Hidden || e.Size != nil || e.Change != 0 {
		t.Errorf("answers that never vary: %+v, want a zero change and no standardised size", e)
	}
	big := NewPolicy(15, 0, 0, 0)
	before, after = simulatePairs(rand.New(rand.NewPCG(3, 3)), 14, 0.4)
	if e := big.PairedEffect("x", before, after, 1); !e.Hidden {
		t.Errorf("14 pairs under k = 15 are released: %+v", e)
	}
}

func TestWords(t *testing.T) {
	pol := NewPolicy(5, 10, 0, 0)
	got := pol.Words(map[string]int{"転職": 31, "育休復帰": 12, "副業": 12, "山田太郎": 1, "適応障害": 9, "": 40}, 2)
	want := []Word{{"転職", 30}, {"副業", 10}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("Words = %v, want %v", got, want)
	}
	for _, w := range pol.Words(map[string]int{"山田太郎": 1, "適応障害": 9, "ミドリ商事": 5}, 0) {
		t.Errorf("word %q used by fewer than %d people is released", w.Text, pol.KText)
	}
}

// The noise follows the discrete Laplace distribution: a chi-square test
// of 100,000 draws against its probabilities.
func TestLaplaceNoise(t *testing.T) {
	for _, eps := range []float64{0.5, 1, 2} {
		n := NewNoise(rand.NewChaCha8([32]byte{byte(eps * 10)}))
		const draws = 100_000
		counts := map[int]int{}
		sum := 0
		for i := 0; i < draws; i++ {
			x := n.Laplace(eps)
			counts[x]++
			sum += x
		}
		// Bins: each value with an expected count of at least 20, and the
		// two tails.
		limit := 0
		for LaplacePMF(limit+1, eps)*draws >= 20 {
			limit++
		}
		chi, bins := 0.0, 0
		tailP := 1.0
		for x := -limit; x <= limit; x++ {
			p := LaplacePMF(x, eps)
			tailP -= p
			exp := p * draws
			d := float64(counts[x]) - exp
			chi += d * d / exp
			bins++
		}
		tail := 0
		for x, c := range counts {
			if x < -limit || x > limit {
				tail += c
			}
		}
		exp := tailP * draws
		chi += (float64(tail) - exp) * (float64(tail) - exp) / exp
		bins++
		// 99th percentile of chi-square with bins−1 degrees of freedom
		// (Wilson–Hilferty).
		df := float64(bins - 1)
		crit := df * math.Pow(1-2/(9*df)+2.326*math.Sqrt(2/(9*df)), 3)
		if chi > crit {
			t.Errorf("ε = %v: chi-square %.1f over %d bins exceeds %.1f (p < 0.01)", eps, chi, bins, crit)
		}
		if m := float64(sum) / draws; math.Abs(m) > 0.05 {
			t.Errorf("ε = %v: mean noise %.3f, want about 0", eps, m)
		}
		t.Logf("ε = %v: chi-square %.1f over %d bins (critical %.1f)", eps, chi, bins, crit)
	}
}

// The ledger tracks the noise budget: tables beyond it are not released,
// and a release never spends more than its budget.
func TestNoiseBudget(t *testing.T) {
	tree := NewTree([]DepartmentNode{{ID: "a", Name: "A"}, {ID: "b", Name: "B"}})
	var people []Person
	for i := 0; i < 60; i++ {
		people = append(people, Person{Department: []string{"a", "b"}[i%2], AgeBand: "30s", Stages: 1})
	}
	pol := NewPolicy(5, 0, 1, 3)
	pol.Noise = NewNoise(rand.NewChaCha8([32]byte{9}))
	rel, audit := Compute(tree, people, Spec{Frame: Frame{AgeBands: []string{"30s"}}}, pol)
	if rel.Epsilon > pol.Budget {
		t.Errorf("release spent ε = %v, over its budget %v", rel.Epsilon, pol.Budget)
	}
	tables := map[string]bool{}
	for _, c := range audit.Cells {
		if c.Reason == ReasonBudget {
			tables[c.Key[:len(c.Key)-len("#people")]] = true
		}
	}
	if len(rel.Grids) != len(Menu()) {
		t.Fatalf("%d grids", len(rel.Grids))
	}
	released := 0
	for _, g := range rel.Grids {
		for _, r := range g.Rows {
			if !r.Cells[0].Hidden {
				released++
				break
			}
		}
	}
	if released > 3 {
		t.Errorf("%d tables released under a budget for 3", released)
	}
	total := rel.Grids[0].Rows[0].Cells[0]
	if total.Hidden || total.Count < 5 || total.Count%CountRounding != 0 {
		t.Errorf("noisy total = %+v, want a shown multiple of %d", total, CountRounding)
	}
}
