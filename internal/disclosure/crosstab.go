package disclosure

import (
	"math"
	"slices"
)

// Reports compare the groups of one segment, such as departments or
// company sizes. A group is shown only if at least k people in it answered
// (primary suppression). Because a report also shows the total, hiding
// one small group alone would not hide it: the total minus the shown
// groups gives it back. So while the hidden groups together hold fewer
// than k people, the next smallest shown group is hidden too
// (complementary suppression). Whatever can be worked out from a report
// then covers at least k people.

// Why a group is hidden.
const (
	HiddenSmall      = "small"      // fewer than k people
	HiddenComplement = "complement" // hidden so that a small group cannot be worked out
)

// Tally is a cross-tabulation before release: for one choice item and one
// segment, how many people of each group answered the item, and how many
// of them chose each category. Counts of a multiple-choice item may add up
// to more than the respondents.
type Tally struct {
	Categories  []string
	Groups      []string
	Respondents []int   // by group
	Counts      [][]int // by group, then category
}

// Table is a released cross-tabulation.
type Table struct {
	K          int
	Categories []string
	Groups     []Column // in the order of the tally
	Total      Column
}

// Column is one group of a released cross-tabulation. Respondents, Counts
// and Percents are zero unless Shown.
type Column struct {
	ID          string
	Shown       bool
	Hidden      string // HiddenSmall or HiddenComplement when not shown
	Respondents int
	Counts      []int
	Percents    []float64 // of Respondents, to one decimal
}

// CrossTab releases t under minimum group size k: groups too small to
// show, and those hidden to protect them, carry no numbers at all.
func CrossTab(t Tally, k int) Table {
	k = max(k, 1)
	out := Table{K: k, Categories: slices.Clone(t.Categories), Groups: make([]Column, len(t.Groups))}
	total := Column{ID: "total", Counts: make([]int, len(t.Categories))}
	for g := range t.Groups {
		total.Respondents += at(t.Respondents, g)
		for c := range t.Categories {
			total.Counts[c] += at(at(t.Counts, g), c)
		}
	}
	hidden := Suppress(t.Respondents, total.Respondents, k)
	for g, id := range t.Groups {
		col := Column{ID: id, Hidden: hidden[g]}
		if col.Hidden == "" {
			col.Shown = true
			col.Respondents = at(t.Respondents, g)
			col.Counts = make([]int, len(t.Categories))
			for c := range t.Categories {
				col.Counts[c] = at(at(t.Counts, g), c)
			}
			col.Percents = percents(col.Counts, col.Respondents)
		}
		out.Groups[g] = col
	}
	if total.Respondents >= k {
		total.Shown = true
		total.Percents = percents(total.Counts, total.Respondents)
	} else {
		total = Column{ID: "total", Hidden: HiddenSmall}
	}
	out.Total = total
	return out
}

// Suppress decides which groups of one partition may be shown, given the
// number of people in each and in all (the total, which is shown when it
// reaches k). It returns, per group, "" to show it or why it is hidden.
func Suppress(sizes []int, total, k int) []string {
	k = max(k, 1)
	hidden := make([]string, len(sizes))
	if total < k {
		for i := range hidden {
			hidden[i] = HiddenSmall
		}
		return hidden
	}
	held := 0 // people in hidden groups
	for i, n := range sizes {
		if n < k {
			hidden[i] = HiddenSmall
			held += n
		}
	}
	for held > 0 && held < k {
		next := -1
		for i, n := range sizes {
			if hidden[i] == "" && n > 0 && (next < 0 || n < sizes[next]) {
				next = i
			}
		}
		if next < 0 {
			break
		}
		hidden[next] = HiddenComplement
		held += sizes[next]
	}
	return hidden
}

// MeanTally holds the scores of one instrument's dimensions before
// release: per group, how many people answered, and per dimension the sum
// of their scores and how many scored it.
type MeanTally struct {
	Dimensions  []string
	Groups      []string
	Respondents []int
	Sums        [][]float64 // by group, then dimension
	Counts      [][]int     // by group, then dimension
}

// MeanTable is released mean scores by group.
type MeanTable struct {
	K          int
	Dimensions []string
	Groups     []MeanColumn
	Total      MeanColumn
}

// MeanColumn is one group of a MeanTable. Means holds one value per
// dimension, to one decimal, or -1 where fewer than k people scored it.
type MeanColumn struct {
	ID          string
	Shown       bool
	Hidden      string
	Respondents int
	Means       []float64
}

// Means releases mean scores under minimum group size k, with the same
// suppression as CrossTab.
func Means(t MeanTally, k int) MeanTable {
	k = max(k, 1)
	out := MeanTable{K: k, Dimensions: slices.Clone(t.Dimensions), Groups: make([]MeanColumn, len(t.Groups))}
	sums, counts := make([]float64, len(t.Dimensions)), make([]int, len(t.Dimensions))
	respondents := 0
	for g := range t.Groups {
		respondents += at(t.Respondents, g)
		for d := range t.Dimensions {
			sums[d] += at(at(t.Sums, g), d)
			counts[d] += at(at(t.Counts, g), d)
		}
	}
	mean := func(sums []float64, counts []int) []float64 {
		out := make([]float64, len(t.Dimensions))
		for d := range out {
			out[d] = -1
			if n := at(counts, d); n >= k {
				out[d] = math.Round(at(sums, d)/float64(n)*10) / 10
			}
		}
		return out
	}
	hidden := Suppress(t.Respondents, respondents, k)
	for g, id := range t.Groups {
		col := MeanColumn{ID: id, Hidden: hidden[g]}
		if col.Hidden == "" {
			col.Shown, col.Respondents = true, at(t.Respondents, g)
			col.Means = mean(at(t.Sums, g), at(t.Counts, g))
		}
		out.Groups[g] = col
	}
	out.Total = MeanColumn{ID: "total", Hidden: HiddenSmall}
	if respondents >= k {
		out.Total = MeanColumn{ID: "total", Shown: true, Respondents: respondents, Means: mean(sums, counts)}
	}
	return out
}

func percents(counts []int, n int) []float64 {
	out := make([]float64, len(counts))
	if n == 0 {
		return out
	}
	for i, c := range counts {
		out[i] = math.Round(float64(c)*1000/float64(n)) / 10
	}
	return out
}

// at returns s[i], or the zero value if s is too short.
func at[T any](s []T, i int) T {
	var zero T
	if i < 0 || i >= len(s) {
		return zero
	}
	return s[i]
}
