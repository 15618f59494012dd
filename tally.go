package tsunagari

import "slices"

// Tally counts the answers to one choice item by the groups of one
// segment: the raw material of a cross-tabulation. It holds numbers of
// people only, and package disclosure decides which of them may be shown.
type Tally struct {
	Segment string
	// Groups are the segment's groups in display order, Unspecified last.
	Groups []string
	// Options are the item's option IDs, in order.
	Options []string
	// Respondents counts, per group, the people who answered the item;
	// Counts, per group and option, those who chose the option.
	Respondents []int
	Counts      [][]int

	in     *Instrument
	item   string
	groups map[string]int
	option map[string]int
}

// NewTally starts a tally of in's single or multiple choice item by
// segment, whose groups are listed in order; respondents outside them
// count as Unspecified. It returns nil if item is not a choice item of in.
func NewTally(in *Instrument, item, segment string, groups []string) *Tally {
	it := in.Item(item)
	if it == nil || (it.Kind != KindSingle && it.Kind != KindMultiple) {
		return nil
	}
	t := &Tally{Segment: segment, in: in, item: item, option: map[string]int{}}
	t.Groups, t.groups = segmentIndex(groups)
	for i, o := range it.Options {
		t.Options = append(t.Options, o.ID)
		t.option[o.ID] = i
	}
	t.Respondents = make([]int, len(t.Groups))
	t.Counts = make([][]int, len(t.Groups))
	for g := range t.Counts {
		t.Counts[g] = make([]int, len(t.Options))
	}
	return t
}

// segmentIndex returns groups with Unspecified last, and each group's
// index.
func segmentIndex(groups []string) ([]string, map[string]int) {
	out := slices.DeleteFunc(slices.Clone(groups), func(g string) bool { return g == Unspecified })
	out = append(out, Unspecified)
	index := make(map[string]int, len(out))
	for i, g := range out {
		if _, dup := index[g]; !dup {
			index[g] = i
		}
	}
	return out, index
}

// Add counts one respondent, if they answered the item.
func (t *Tally) Add(seg Segments, answers []Answer) {
	for i := range answers {
		a := &answers[i]
		if a.Item != t.item || len(a.Choices) == 0 {
			continue
		}
		g, ok := t.groups[t.in.SegmentOf(t.Segment, seg, answers)]
		if !ok {
			g = len(t.Groups) - 1
		}
		t.Respondents[g]++
		for _, c := range a.Choices {
			if o, ok := t.option[c]; ok {
				t.Counts[g][o]++
			}
		}
		return
	}
}

// ScoreTally sums the dimension scores of an instrument by the groups of
// one segment, for mean scores by group.
type ScoreTally struct {
	Segment    string
	Groups     []string // in display order, Unspecified last
	Dimensions []string
	// Respondents counts, per group, the people with any score; Sums and
	// Counts, per group and dimension, their scores and how many scored.
	Respondents []int
	Sums        [][]float64
	Counts      [][]int

	in     *Instrument
	groups map[string]int
}

// NewScoreTally starts summing in's dimension scores by segment.
func NewScoreTally(in *Instrument, segment string, groups []string) *ScoreTally {
	t := &ScoreTally{Segment: segment, in: in}
	t.Groups, t.groups = segmentIndex(groups)
	for _, d := range in.Dimensions {
		t.Dimensions = append(t.Dimensions, d.ID)
	}
	t.Respondents = make([]int, len(t.Groups))
	t.Sums = make([][]float64, len(t.Groups))
	t.Counts = make([][]int, len(t.Groups))
	for g := range t.Groups {
		t.Sums[g] = make([]float64, len(t.Dimensions))
		t.Counts[g] = make([]int, len(t.Dimensions))
	}
	return t
}

// Add scores one respondent's answers and adds them to their group.
func (t *ScoreTally) Add(seg Segments, answers []Answer) {
	scores := t.in.Score(answers)
	if len(scores) == 0 {
		return
	}
	g, ok := t.groups[t.in.SegmentOf(t.Segment, seg, answers)]
	if !ok {
		g = len(t.Groups) - 1
	}
	t.Respondents[g]++
	for _, s := range scores {
		if d := slices.Index(t.Dimensions, s.Dimension); d >= 0 {
			t.Sums[g][d] += s.Value
			t.Counts[g][d]++
		}
	}
}
