package survey

import (
	"slices"

	"tsunagari"
)

// Reading a result: what the numbers say in plain words.

// Ranked is a dimension with its score.
type Ranked struct {
	Dimension tsunagari.Dimension
	Score     float64
}

// Top returns the n highest-scoring dimensions of scores, highest first;
// ties keep the instrument's order.
func Top(in *tsunagari.Instrument, scores []tsunagari.Score, n int) []Ranked {
	var out []Ranked
	for _, d := range in.Dimensions {
		if v, ok := tsunagari.ScoreOf(scores, d.ID); ok {
			out = append(out, Ranked{Dimension: d, Score: v})
		}
	}
	slices.SortStableFunc(out, func(a, b Ranked) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		}
		return 0
	})
	return out[:min(n, len(out))]
}

// The given-up challenges of the isolation check (GLOSSARY.md).
var GivenUp = []string{"job_change", "side_job", "independence", "startup", "learning", "u_turn"}

// Isolation bands of the isolation check's score.
const (
	IsolationLow  = "low"  // below 35: connected
	IsolationMid  = "mid"  // 35 to 65
	IsolationHigh = "high" // above 65
)

// Isolation is what an isolation check says: how isolated the person
// feels, what they have given up, whether anyone backs them, and a few
// first steps, each a message key ("isolation.step.*").
type Isolation struct {
	Score    float64
	Band     string
	GivenUp  []string
	Nobody   bool // no one supports their career challenges
	NoThird  bool // no community outside work and home
	Reasons  []string
	Steps    []string
	Answered bool
}

// ReadIsolation reads the answers of an isolation check.
func ReadIsolation(in *tsunagari.Instrument, resp *tsunagari.Response) Isolation {
	var r Isolation
	if resp == nil {
		return r
	}
	r.Answered = true
	r.Score, _ = tsunagari.ScoreOf(resp.Scores, "isolation")
	switch {
	case r.Score > 65:
		r.Band = IsolationHigh
	case r.Score >= 35:
		r.Band = IsolationMid
	default:
		r.Band = IsolationLow
	}
	var supporters []string
	for _, a := range resp.Answers {
		switch a.Item {
		case "given_up":
			for _, c := range a.Choices {
				if slices.Contains(GivenUp, c) {
					r.GivenUp = append(r.GivenUp, c)
				}
			}
		case "reasons":
			r.Reasons = a.Choices
		case "supporters":
			supporters = a.Choices
		}
	}
	r.Nobody = slices.Contains(supporters, "nobody")
	r.NoThird = !slices.Contains(supporters, "third_community")

	add := func(key string) {
		if !slices.Contains(r.Steps, key) && len(r.Steps) < 3 {
			r.Steps = append(r.Steps, key)
		}
	}
	if r.Nobody || slices.Contains(r.Reasons, "no_one") {
		add("isolation.step.consult")
	}
	for _, g := range r.GivenUp {
		switch g {
		case "learning":
			add("isolation.step.study_group")
		case "u_turn":
			add("isolation.step.regional")
		case "side_job", "independence", "startup":
			add("isolation.step.probono")
		case "job_change":
			add("isolation.step.consult")
		}
	}
	if r.NoThird {
		add("isolation.step.visit")
	}
	add("isolation.step.five_powers")
	return r
}

// Point is one result of a trend: when, and the score of each dimension
// in the instrument's order (NaN-free: a missing score is -1).
type Point struct {
	Result Result
	Values []float64
}

// Trend returns results oldest first with their scores laid out by the
// dimensions of in, the latest version, for a line chart.
func Trend(in *tsunagari.Instrument, results []Result) []Point {
	out := make([]Point, 0, len(results))
	for i := len(results) - 1; i >= 0; i-- {
		p := Point{Result: results[i]}
		for _, d := range in.Dimensions {
			v, ok := tsunagari.ScoreOf(results[i].Scores, d.ID)
			if !ok {
				v = -1
			}
			p.Values = append(p.Values, v)
		}
		out = append(out, p)
	}
	return out
}
