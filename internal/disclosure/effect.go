package disclosure

import (
	"math"
	"math/rand/v2"
	"slices"
)

// MinPairedGroupSize is the least number of people a before/after
// comparison is shown for: changes within a person are more telling than
// a single answer (TRUST.md R-k).
const MinPairedGroupSize = 10

// Resamples is how many bootstrap resamples a confidence interval rests
// on.
const Resamples = 2000

// Effect is the released change of one measure between the answers of
// the same people before and after a programme.
type Effect struct {
	Measure string `json:"measure"`
	// Hidden is true when fewer than the minimum number of people
	// answered both times; nothing else is filled then.
	Hidden bool `json:"hidden,omitempty"`
	// Pairs is the number of people, rounded.
	Pairs int `json:"pairs,omitempty"`
	// Before and After are the means; Change their difference, with its
	// 95% bootstrap confidence interval [Low, High].
	Before float64 `json:"before,omitempty"`
	After  float64 `json:"after,omitempty"`
	Change float64 `json:"change,omitempty"`
	Low    float64 `json:"low,omitempty"`
	High   float64 `json:"high,omitempty"`
	// Size is the change in standard deviations (Cohen's d with the
	// average of the before and after variances), with its own interval;
	// nil when the answers do not vary.
	Size *Interval `json:"size,omitempty"`
}

// Interval is an estimate with its 95% confidence interval.
type Interval struct {
	Value float64 `json:"value"`
	Low   float64 `json:"low"`
	High  float64 `json:"high"`
}

// PairK is the minimum number of pairs of a before/after comparison.
func (p Policy) PairK() int { return max(p.k(), MinPairedGroupSize) }

// PairedEffect releases the change of a measure over pairs of answers
// (before[i] and after[i] are one person's) under the policy: hidden
// below PairK pairs, otherwise the means, the mean change and the
// standardised change, each with a percentile bootstrap interval drawn
// from seed, so that the same data always give the same release.
func (p Policy) PairedEffect(measure string, before, after []float64, seed uint64) Effect {
	n := min(len(before), len(after))
	out := Effect{Measure: measure}
	if n < p.PairK() {
		out.Hidden = true
		return out
	}
	before, after = before[:n], after[:n]
	change, size := pairStats(before, after, nil)
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	idx := make([]int, n)
	changes := make([]float64, 0, Resamples)
	sizes := make([]float64, 0, Resamples)
	for b := 0; b < Resamples; b++ {
		for i := range idx {
			idx[i] = r.IntN(n)
		}
		c, s := pairStats(before, after, idx)
		changes = append(changes, c)
		if !math.IsNaN(s) {
			sizes = append(sizes, s)
		}
	}
	out.Pairs = roundCount(n, p.PairK())
	out.Before, out.After = round1(mean(before)), round1(mean(after))
	out.Change = round1(change)
	out.Low, out.High = percentileInterval(changes)
	out.Low, out.High = round1(out.Low), round1(out.High)
	if !math.IsNaN(size) && len(sizes) >= Resamples/2 {
		lo, hi := percentileInterval(sizes)
		out.Size = &Interval{Value: round2(size), Low: round2(lo), High: round2(hi)}
	}
	return out
}

// pairStats returns the mean change and the standardised change of the
// pairs at idx (all pairs if idx is nil); the latter is NaN when the
// answers do not vary.
func pairStats(before, after []float64, idx []int) (change, size float64) {
	n := len(before)
	if idx != nil {
		n = len(idx)
	}
	at := func(i int) int {
		if idx == nil {
			return i
		}
		return idx[i]
	}
	var sb, sa float64
	for i := 0; i < n; i++ {
		sb += before[at(i)]
		sa += after[at(i)]
	}
	mb, ma := sb/float64(n), sa/float64(n)
	var vb, va float64
	for i := 0; i < n; i++ {
		db, da := before[at(i)]-mb, after[at(i)]-ma
		vb += db * db
		va += da * da
	}
	if n < 2 {
		return ma - mb, math.NaN()
	}
	sd := math.Sqrt((vb/float64(n-1) + va/float64(n-1)) / 2)
	if sd < 1e-12 {
		return ma - mb, math.NaN()
	}
	return ma - mb, (ma - mb) / sd
}

// percentileInterval returns the 2.5th and 97.5th percentiles.
func percentileInterval(xs []float64) (float64, float64) {
	s := slices.Clone(xs)
	slices.Sort(s)
	q := func(p float64) float64 {
		pos := p * float64(len(s)-1)
		lo := int(math.Floor(pos))
		hi := min(lo+1, len(s)-1)
		return s[lo] + (s[hi]-s[lo])*(pos-float64(lo))
	}
	return q(0.025), q(0.975)
}

func mean(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }
func round2(v float64) float64 { return math.Round(v*100) / 100 }
