package disclosure

import (
	"slices"
	"testing"
)

func TestReleaseCount(t *testing.T) {
	tests := []struct {
		n, k int
		want Count
	}{
		{0, 5, Count{}},
		{4, 5, Count{}},
		{5, 5, Count{true, 5}},
		{6, 5, Count{true, 5}},
		{7, 5, Count{true, 5}},
		{8, 5, Count{true, 10}},
		{172, 5, Count{true, 170}},
		{9, 8, Count{true, 10}},
		{8, 8, Count{true, 10}},
		{3, 3, Count{true, 5}},
	}
	for _, tt := range tests {
		if got := ReleaseCount(tt.n, tt.k); got != tt.want {
			t.Errorf("ReleaseCount(%d, %d) = %+v, want %+v", tt.n, tt.k, got, tt.want)
		}
	}
}

func TestSuppress(t *testing.T) {
	const s, c = HiddenSmall, HiddenComplement
	tests := []struct {
		name  string
		sizes []int
		k     int
		want  []string
	}{
		{"all large", []int{12, 8, 5}, 5, []string{"", "", ""}},
		{"one small group takes the next smallest with it", []int{12, 2, 9, 30}, 5, []string{"", s, c, ""}},
		{"two small groups that together reach k", []int{3, 2, 20}, 5, []string{s, s, ""}},
		{"small groups that need two more", []int{1, 10, 11, 12}, 12, []string{s, s, s, ""}},
		{"empty groups reveal nothing", []int{0, 7, 0, 9}, 5, []string{s, "", s, ""}},
		{"a total below k hides all", []int{2, 2}, 5, []string{s, s}},
		{"a single group", []int{6}, 5, []string{""}},
		{"ties go to the first", []int{1, 6, 6}, 5, []string{s, c, ""}},
		{"nothing left to hide with", []int{3, 4}, 5, []string{s, s}},
	}
	for _, tt := range tests {
		total := 0
		for _, n := range tt.sizes {
			total += n
		}
		got := Suppress(tt.sizes, total, tt.k)
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: Suppress(%v, %d, %d) = %q, want %q", tt.name, tt.sizes, total, tt.k, got, tt.want)
		}
		// Whatever is hidden, the people it holds together number zero or
		// at least k: subtracting the shown groups from the total never
		// singles out fewer.
		held := 0
		for i, h := range got {
			if h != "" {
				held += tt.sizes[i]
			}
		}
		if total >= tt.k && held > 0 && held < tt.k {
			t.Errorf("%s: hidden groups hold %d people, fewer than k = %d", tt.name, held, tt.k)
		}
	}
}

func TestCrossTab(t *testing.T) {
	// "Can you verify the effect?" by company size, with three
	// respondents whose size is unknown.
	tally := Tally{
		Categories:  []string{"verified", "not_yet", "other"},
		Groups:      []string{"size_small", "size_mid", "size_large", "unspecified"},
		Respondents: []int{98, 68, 80, 3},
		Counts:      [][]int{{5, 55, 38}, {5, 35, 28}, {10, 35, 35}, {1, 1, 1}},
	}
	got := CrossTab(tally, 5)
	if got.K != 5 || !slices.Equal(got.Categories, tally.Categories) || len(got.Groups) != 4 {
		t.Fatalf("CrossTab = %+v", got)
	}
	small := got.Groups[0]
	if !small.Shown || small.Respondents != 98 || !slices.Equal(small.Counts, []int{5, 55, 38}) ||
		!slices.Equal(small.Percents, []float64{5.1, 56.1, 38.8}) {
		t.Errorf("CrossTab size_small = %+v", small)
	}
	if u := got.Groups[3]; u.Shown || u.Hidden != HiddenSmall || u.Respondents != 0 || u.Counts != nil || u.Percents != nil {
		t.Errorf("CrossTab unspecified (3 people) = %+v, want hidden without numbers", u)
	}
	if mid := got.Groups[1]; mid.Shown || mid.Hidden != HiddenComplement || mid.Counts != nil {
		t.Errorf("CrossTab size_mid = %+v, want hidden to protect the small group", mid)
	}
	if tot := got.Total; !tot.Shown || tot.Respondents != 249 || !slices.Equal(tot.Counts, []int{21, 126, 102}) ||
		!slices.Equal(tot.Percents, []float64{8.4, 50.6, 41}) {
		t.Errorf("CrossTab total = %+v", tot)
	}

	// Multiple choice: counts over respondents, which may pass 100%.
	multi := CrossTab(Tally{Categories: []string{"a", "b"}, Groups: []string{"x"}, Respondents: []int{10}, Counts: [][]int{{9, 7}}}, 5)
	if !slices.Equal(multi.Groups[0].Percents, []float64{90, 70}) || !slices.Equal(multi.Total.Percents, []float64{90, 70}) {
		t.Errorf("CrossTab(multiple choice) = %+v", multi)
	}
	// Below k in all: nothing at all.
	none := CrossTab(Tally{Categories: []string{"a"}, Groups: []string{"x", "y"}, Respondents: []int{2, 1}, Counts: [][]int{{2}, {1}}}, 5)
	if none.Total.Shown || none.Total.Counts != nil || none.Groups[0].Shown || none.Groups[1].Shown {
		t.Errorf("CrossTab(3 people, k 5) = %+v, want nothing shown", none)
	}
}

func TestMeans(t *testing.T) {
	tally := MeanTally{
		Dimensions:  []string{"safe_road", "backing"},
		Groups:      []string{"sales", "design", "legal"},
		Respondents: []int{12, 6, 2},
		Sums:        [][]float64{{12 * 62.5, 11 * 40}, {6 * 70, 4 * 55}, {2 * 90, 2 * 10}},
		Counts:      [][]int{{12, 11}, {6, 4}, {2, 2}},
	}
	got := Means(tally, 5)
	if s := got.Groups[0]; !s.Shown || s.Respondents != 12 || !slices.Equal(s.Means, []float64{62.5, 40}) {
		t.Errorf("Means sales = %+v", s)
	}
	// Design is hidden to protect legal (2 people); legal is too small.
	if d, l := got.Groups[1], got.Groups[2]; d.Shown || d.Hidden != HiddenComplement || d.Means != nil || l.Shown || l.Hidden != HiddenSmall {
		t.Errorf("Means design = %+v, legal = %+v; want both hidden", d, l)
	}
	if tot := got.Total; !tot.Shown || tot.Respondents != 20 || !slices.Equal(tot.Means, []float64{67.5, 40}) {
		t.Errorf("Means total = %+v", tot)
	}
	// A dimension fewer than k people scored is left out of a shown group.
	few := Means(MeanTally{Dimensions: []string{"a", "b"}, Groups: []string{"x"}, Respondents: []int{6},
		Sums: [][]float64{{300, 100}}, Counts: [][]int{{6, 2}}}, 5)
	if !slices.Equal(few.Groups[0].Means, []float64{50, -1}) {
		t.Errorf("Means with a dimension scored by 2 = %v, want [50 -1]", few.Groups[0].Means)
	}
}
