package tsunagari_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"tsunagari"
)

// withSegments is sample() with a single-choice item and a segment
// derived from it.
func withSegments() *tsunagari.Instrument {
	t := func(ja, en string) tsunagari.Text { return tsunagari.Text{Ja: ja, En: en} }
	in := sample()
	in.Sections = append(in.Sections, tsunagari.Section{ID: "hr", Title: t("施策", "Initiatives"), Items: []tsunagari.Item{
		{ID: "initiatives", Kind: tsunagari.KindSingle, Text: t("施策", "Initiatives"), Options: []tsunagari.Option{
			{ID: "primary", Label: t("主目的", "Primary")}, {ID: "related", Label: t("関連", "Related")},
			{ID: "planning", Label: t("検討中", "Planning")}, {ID: "none", Label: t("なし", "None")}}},
	}})
	in.Segments = []tsunagari.DerivedSegment{{ID: "implementing", Label: t("実施状況", "Implementing"), Item: "initiatives",
		Groups: []tsunagari.SegmentGroup{
			{ID: "implementing", Label: t("実施", "Implementing"), AnyOf: []string{"primary", "related"}},
			{ID: "not_implementing", Label: t("未実施", "Not implementing"), AnyOf: []string{"planning", "none"}},
		}}}
	return in
}

// problems returns the field → message key pairs of a Validate error.
func problems(err error) map[string]string {
	var e *tsunagari.Error
	if !errors.As(err, &e) {
		return nil
	}
	out := map[string]string{}
	for _, d := range e.Details {
		out[d.Field] = d.Key
	}
	return out
}

// TestValidateReportsEveryProblem checks that Validate names each problem
// by its place in the definition, with its own message key, all at once.
func TestValidateReportsEveryProblem(t *testing.T) {
	if err := withSegments().Validate(); err != nil {
		t.Fatalf("withSegments().Validate() = %v", err)
	}
	in := withSegments()
	in.ID = "Bad ID"
	in.Title.En = ""
	in.Intro = tsunagari.Text{Ja: "日本語だけ"}
	in.Minutes = 500
	items := in.Sections[0].Items
	items[1].ID = "g1"
	items[0].Points = 6
	items[3].Max = -1
	items[4].Options[1].ID = "side_job"
	items[5].When.AnyOf = []string{"startup"}
	items[6].Kind = "essay"
	in.Sections[1].Items[0].Options[0].Label.Ja = "主\x07目的"
	in.Segments[0].Groups[1].AnyOf = []string{"related"}
	in.Segments = append(in.Segments, tsunagari.DerivedSegment{ID: tsunagari.SegmentDepartment,
		Label: tsunagari.Text{Ja: "部署", En: "Department"}, Item: "g1"})

	err := in.Validate()
	var e *tsunagari.Error
	if !errors.As(err, &e) || e.Code != tsunagari.CodeInvalid || e.Key != "instrument.invalid" {
		t.Fatalf("Validate() = %v, want instrument.invalid", err)
	}
	want := map[string]string{
		"id":                                    "instrument.id_invalid",
		"title":                                 "instrument.wording_required",
		"intro":                                 "instrument.wording_both",
		"minutes":                               "instrument.minutes_invalid",
		"sections[0].items[1].id":               "instrument.id_repeated",
		"sections[0].items[0].points":           "instrument.points_invalid",
		"sections[0].items[3].max":              "instrument.range_invalid",
		"sections[0].items[4].options[1].id":    "instrument.id_repeated",
		"sections[0].items[5].when.anyOf":       "instrument.condition_option",
		"sections[0].items[6].kind":             "instrument.kind_invalid",
		"sections[1].items[0].options[0].label": "error.control_characters",
		"segments[0].groups[1].anyOf":           "instrument.segment_option_twice",
		"segments[1].id":                        "instrument.segment_reserved",
		"segments[1].item":                      "instrument.segment_item",
	}
	got := problems(err)
	for field, key := range want {
		if got[field] != key {
			t.Errorf("Validate() problem at %s = %q, want %q", field, got[field], key)
		}
	}
	if len(got) != len(want) || e.Args[0] != len(e.Details) {
		t.Errorf("Validate() found %d problems %v (count %v), want exactly %d", len(got), got, e.Args, len(want))
	}
}

func TestValidateShapes(t *testing.T) {
	tests := []struct {
		name  string
		field string
		key   string
		edit  func(in *tsunagari.Instrument)
	}{
		{"no sections", "sections", "instrument.no_sections", func(in *tsunagari.Instrument) { in.Sections = nil; in.Dimensions = nil; in.Segments = nil }},
		{"empty section", "sections[1].items", "instrument.section_empty", func(in *tsunagari.Instrument) {
			in.Sections[1].Items = nil
			in.Segments = nil
		}},
		{"options on a number", "sections[0].items[3].options", "instrument.options_not_allowed", func(in *tsunagari.Instrument) {
			in.Sections[0].Items[3].Options = []tsunagari.Option{{ID: "a", Label: tsunagari.Text{Ja: "a", En: "a"}}}
		}},
		{"range on a Likert item", "sections[0].items[0].max", "instrument.range_not_allowed", func(in *tsunagari.Instrument) {
			in.Sections[0].Items[0].Max = 10
		}},
		{"exclusive single choice", "sections[0].items[5].options[0].exclusive", "instrument.exclusive_single", func(in *tsunagari.Instrument) {
			in.Sections[0].Items[5].Options[0].Exclusive = true
		}},
		{"scored text", "sections[0].items[6].dimension", "instrument.dimension_not_scorable", func(in *tsunagari.Instrument) {
			in.Sections[0].Items[6].Dimension = "growth"
		}},
		{"segment of a multiple choice", "segments[0].item", "instrument.segment_item", func(in *tsunagari.Instrument) {
			in.Segments[0].Item = "given_up"
		}},
		{"segment of one group", "segments[0].groups", "instrument.segment_groups", func(in *tsunagari.Instrument) {
			in.Segments[0].Groups = in.Segments[0].Groups[:1]
		}},
		{"group called unspecified", "segments[0].groups[0].id", "instrument.id_invalid", func(in *tsunagari.Instrument) {
			in.Segments[0].Groups[0].ID = tsunagari.Unspecified
		}},
		{"wording too long", "sections[0].items[0].text", "instrument.wording_too_long", func(in *tsunagari.Instrument) {
			in.Sections[0].Items[0].Text.En = string(make([]byte, tsunagari.MaxWordingLen+1))
		}},
	}
	for _, tt := range tests {
		in := withSegments()
		tt.edit(in)
		if got := problems(in.Validate()); got[tt.field] != tt.key {
			t.Errorf("%s: Validate() problems = %v, want %s at %s", tt.name, got, tt.key, tt.field)
		}
	}
}

func TestSegmentOf(t *testing.T) {
	in := withSegments()
	seg := tsunagari.Segments{SizeBand: tsunagari.SizeMid, DepartmentID: "d1", AgeBand: "40s"}
	choose := func(o string) []tsunagari.Answer {
		return []tsunagari.Answer{{Item: "g1", Value: v(3)}, {Item: "initiatives", Choices: []string{o}}}
	}
	tests := []struct {
		segment string
		seg     tsunagari.Segments
		answers []tsunagari.Answer
		want    string
	}{
		{tsunagari.SegmentSizeBand, seg, nil, "size_mid"},
		{tsunagari.SegmentDepartment, seg, nil, "d1"},
		{tsunagari.SegmentAgeBand, seg, nil, "40s"},
		{tsunagari.SegmentJobFamily, seg, nil, tsunagari.Unspecified},
		{tsunagari.SegmentIndustry, tsunagari.Segments{}, nil, tsunagari.Unspecified},
		{"implementing", seg, choose("related"), "implementing"},
		{"implementing", seg, choose("none"), "not_implementing"},
		{"implementing", seg, choose("primary"), "implementing"},
		{"implementing", seg, nil, tsunagari.Unspecified},
		{"no_such_segment", seg, choose("primary"), tsunagari.Unspecified},
	}
	for _, tt := range tests {
		if got := in.SegmentOf(tt.segment, tt.seg, tt.answers); got != tt.want {
			t.Errorf("SegmentOf(%s, %+v, %v) = %q, want %q", tt.segment, tt.seg, tt.answers, got, tt.want)
		}
	}
	if got := in.SegmentGroups("implementing"); !slices.Equal(got, []string{"implementing", "not_implementing"}) {
		t.Errorf("SegmentGroups(implementing) = %v", got)
	}
}

func TestRoundAudienceAndPairs(t *testing.T) {
	at := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	subject := &tsunagari.Subject{Kind: tsunagari.SubjectEvent, ID: "k7q2m4x5c6d3e2f7g4h5j6n3p2"}
	ok := []tsunagari.Round{
		{InstrumentID: "sample", InstrumentVersion: 1, Mode: tsunagari.ModeAttributed, OpensAt: at, Audience: tsunagari.RoleHRAdmin},
		{InstrumentID: "sample", InstrumentVersion: 1, Mode: tsunagari.ModeAttributed, OpensAt: at, Subject: subject, Phase: tsunagari.PhasePre},
		{InstrumentID: "sample", InstrumentVersion: 1, Mode: tsunagari.ModePersonal, OpensAt: at, Subject: subject, Phase: tsunagari.PhasePost},
	}
	for _, r := range ok {
		if err := r.Validate(); err != nil {
			t.Errorf("Validate(%+v) = %v", r, err)
		}
	}
	bad := []struct {
		field string
		r     tsunagari.Round
	}{
		{"audience", tsunagari.Round{InstrumentID: "sample", InstrumentVersion: 1, Mode: tsunagari.ModeAttributed, OpensAt: at, Audience: tsunagari.RoleOperator}},
		{"phase", tsunagari.Round{InstrumentID: "sample", InstrumentVersion: 1, Mode: tsunagari.ModeAttributed, OpensAt: at, Subject: subject}},
		{"phase", tsunagari.Round{InstrumentID: "sample", InstrumentVersion: 1, Mode: tsunagari.ModeAttributed, OpensAt: at, Phase: tsunagari.PhasePre}},
		{"phase", tsunagari.Round{InstrumentID: "sample", InstrumentVersion: 1, Mode: tsunagari.ModeAttributed, OpensAt: at, Subject: subject, Phase: "during"}},
		{"subject", tsunagari.Round{InstrumentID: "sample", InstrumentVersion: 1, Mode: tsunagari.ModeAttributed, OpensAt: at,
			Subject: &tsunagari.Subject{Kind: "meeting", ID: "x"}, Phase: tsunagari.PhasePre}},
		{"subject", tsunagari.Round{InstrumentID: "sample", InstrumentVersion: 1, Mode: tsunagari.ModeAttributed, OpensAt: at,
			Subject: &tsunagari.Subject{Kind: tsunagari.SubjectEvent, ID: "two words"}, Phase: tsunagari.PhasePre}},
		// Pairing links a person's answers: never in an anonymous round.
		{"mode", tsunagari.Round{InstrumentID: "sample", InstrumentVersion: 1, Mode: tsunagari.ModeAnonymous, OpensAt: at, Subject: subject, Phase: tsunagari.PhasePre}},
	}
	for _, tt := range bad {
		err := tt.r.Validate()
		if got := problems(err); tsunagari.ErrorCode(err) != tsunagari.CodeInvalid || got[tt.field] == "" {
			t.Errorf("Validate(%+v) = %v, want a problem with %s", tt.r, err, tt.field)
		}
	}
	r := ok[0]
	r.ClosesAt = at.Add(time.Hour)
	if r.ClosedAt(at) || !r.ClosedAt(at.Add(time.Hour)) || (&tsunagari.Round{OpensAt: at}).ClosedAt(at.Add(1e6*time.Hour)) {
		t.Error("ClosedAt: a round closes at its closing time, and a round without one never closes")
	}
}

func TestTally(t *testing.T) {
	in := withSegments()
	if tsunagari.NewTally(in, "g1", "implementing", nil) != nil || tsunagari.NewTally(in, "nope", "implementing", nil) != nil {
		t.Error("NewTally accepted an item that is not a choice item")
	}
	tally := tsunagari.NewTally(in, "given_up", tsunagari.SegmentAgeBand, []string{"30s", "40s"})
	score := tsunagari.NewScoreTally(in, tsunagari.SegmentAgeBand, []string{"30s", "40s", tsunagari.Unspecified})
	add := func(age string, given []string, g1 float64) {
		seg := tsunagari.Segments{AgeBand: age}
		answers := []tsunagari.Answer{{Item: "g1", Value: v(g1)}}
		if given != nil {
			answers = append(answers, tsunagari.Answer{Item: "given_up", Choices: given})
		}
		tally.Add(seg, answers)
		score.Add(seg, answers)
	}
	add("30s", []string{"side_job", "learning"}, 5)
	add("30s", []string{"learning"}, 3)
	add("40s", []string{"none"}, 1)
	add("50s", []string{"side_job"}, 4) // not a listed group: unspecified
	add("40s", nil, 2)                  // did not answer the item

	if !slices.Equal(tally.Groups, []string{"30s", "40s", tsunagari.Unspecified}) ||
		!slices.Equal(tally.Options, []string{"side_job", "learning", "other", "none"}) {
		t.Fatalf("tally groups %v, options %v", tally.Groups, tally.Options)
	}
	if !slices.Equal(tally.Respondents, []int{2, 1, 1}) {
		t.Errorf("Respondents = %v, want [2 1 1]", tally.Respondents)
	}
	for g, want := range [][]int{{1, 2, 0, 0}, {0, 0, 0, 1}, {1, 0, 0, 0}} {
		if !slices.Equal(tally.Counts[g], want) {
			t.Errorf("Counts[%s] = %v, want %v", tally.Groups[g], tally.Counts[g], want)
		}
	}
	if !slices.Equal(score.Groups, []string{"30s", "40s", tsunagari.Unspecified}) || !slices.Equal(score.Respondents, []int{2, 2, 1}) {
		t.Errorf("score tally groups %v respondents %v", score.Groups, score.Respondents)
	}
	if got := score.Sums[0][0]; got != 150 || score.Counts[0][0] != 2 || score.Counts[0][1] != 0 {
		t.Errorf("score sums of 30s = %v, counts %v; want growth 100+50", score.Sums[0], score.Counts[0])
	}
}
