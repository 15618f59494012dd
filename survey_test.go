package tsunagari_test

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"tsunagari"
)

// sample is a small instrument with every kind of item, a reverse-scored
// Likert item, a 7-point scale and a conditional item.
func sample() *tsunagari.Instrument {
	t := func(ja, en string) tsunagari.Text { return tsunagari.Text{Ja: ja, En: en} }
	return &tsunagari.Instrument{
		ID: "sample", Version: 1, Title: t("見本", "Sample"),
		Dimensions: []tsunagari.Dimension{
			{ID: "growth", Label: t("成長", "Growth")},
			{ID: "hours", Label: t("時間", "Hours")},
		},
		Sections: []tsunagari.Section{{
			ID: "main", Title: t("質問", "Questions"),
			Items: []tsunagari.Item{
				{ID: "g1", Kind: tsunagari.KindLikert, Points: 5, Dimension: "growth", Required: true,
					Text: t("学びがある", "I learn")},
				{ID: "g2", Kind: tsunagari.KindLikert, Points: 5, Dimension: "growth", Reverse: true,
					Text: t("停滞している", "I am stuck")},
				{ID: "g3", Kind: tsunagari.KindLikert, Points: 7, Dimension: "growth",
					Text: t("挑戦している", "I take on challenges")},
				{ID: "h", Kind: tsunagari.KindNumber, Min: 0, Max: 80, Integer: true, Dimension: "hours",
					Text: t("週の学習時間", "Hours a week")},
				{ID: "given_up", Kind: tsunagari.KindMultiple, Required: true, Text: t("あきらめた挑戦", "Given up"),
					Options: []tsunagari.Option{
						{ID: "side_job", Label: t("副業", "Side job")},
						{ID: "learning", Label: t("学び直し", "Learning")},
						{ID: "other", Label: t("その他", "Other"), Other: true},
						{ID: "none", Label: t("特にない", "None"), Exclusive: true},
					}},
				{ID: "why", Kind: tsunagari.KindSingle, Required: true, Text: t("理由", "Why"),
					When: &tsunagari.Condition{Item: "given_up", AnyOf: []string{"side_job", "learning", "other"}},
					Options: []tsunagari.Option{
						{ID: "time", Label: t("時間がない", "No time")},
						{ID: "nobody", Label: t("相談相手がいない", "Nobody to ask")},
					}},
				{ID: "note", Kind: tsunagari.KindText, MaxLength: 10, Text: t("ひとこと", "A note")},
			},
		}},
	}
}

func v(x float64) *float64 { return &x }

func TestInstrumentValidate(t *testing.T) {
	if err := sample().Validate(); err != nil {
		t.Fatalf("sample().Validate() = %v", err)
	}
	tests := []struct {
		name   string
		change func(in *tsunagari.Instrument)
	}{
		{"bad id", func(in *tsunagari.Instrument) { in.ID = "Sample" }},
		{"no version", func(in *tsunagari.Instrument) { in.Version = 0 }},
		{"English title missing", func(in *tsunagari.Instrument) { in.Title.En = "" }},
		{"repeated item", func(in *tsunagari.Instrument) { in.Sections[0].Items[1].ID = "g1" }},
		{"6-point scale", func(in *tsunagari.Instrument) { in.Sections[0].Items[0].Points = 6 }},
		{"empty range", func(in *tsunagari.Instrument) { in.Sections[0].Items[3].Max = 0 }},
		{"unknown dimension", func(in *tsunagari.Instrument) { in.Sections[0].Items[0].Dimension = "x" }},
		{"scored choice", func(in *tsunagari.Instrument) { in.Sections[0].Items[4].Dimension = "growth" }},
		{"one option", func(in *tsunagari.Instrument) { in.Sections[0].Items[5].Options = in.Sections[0].Items[5].Options[:1] }},
		{"condition on a later item", func(in *tsunagari.Instrument) { in.Sections[0].Items[5].When.Item = "note" }},
		{"condition on an unknown option", func(in *tsunagari.Instrument) { in.Sections[0].Items[5].When.AnyOf = []string{"startup"} }},
		{"dimension without items", func(in *tsunagari.Instrument) {
			in.Dimensions = append(in.Dimensions, tsunagari.Dimension{ID: "lonely", Label: tsunagari.Text{Ja: "孤独", En: "Lonely"}})
		}},
		{"unknown kind", func(in *tsunagari.Instrument) { in.Sections[0].Items[6].Kind = "essay" }},
	}
	for _, tt := range tests {
		in := sample()
		tt.change(in)
		err := in.Validate()
		if tsunagari.ErrorCode(err) != tsunagari.CodeInvalid {
			t.Errorf("%s: Validate() = %v, want an invalid instrument", tt.name, err)
		}
	}
}

// details returns the item → message key pairs of a Check error.
func details(err error) map[string]string {
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

func TestCheck(t *testing.T) {
	valid := func() []tsunagari.Answer {
		return []tsunagari.Answer{
			{Item: "g1", Value: v(4)},
			{Item: "given_up", Choices: []string{"none"}},
		}
	}
	tests := []struct {
		name    string
		answers []tsunagari.Answer
		want    map[string]string // item → message key; nil means accepted
	}{
		{"minimal", valid(), nil},
		{"required Likert missing", []tsunagari.Answer{{Item: "given_up", Choices: []string{"none"}}},
			map[string]string{"g1": "survey.answer_required"}},
		{"required Likert empty", append(valid()[1:], tsunagari.Answer{Item: "g1"}),
			map[string]string{"g1": "survey.answer_required"}},
		{"Likert 6 of 5", append(valid(), tsunagari.Answer{Item: "g2", Value: v(6)}),
			map[string]string{"g2": "survey.likert_out_of_range"}},
		{"Likert 0", append(valid(), tsunagari.Answer{Item: "g2", Value: v(0)}),
			map[string]string{"g2": "survey.likert_out_of_range"}},
		{"Likert 2.5", append(valid(), tsunagari.Answer{Item: "g2", Value: v(2.5)}),
			map[string]string{"g2": "survey.likert_out_of_range"}},
		{"Likert 7 of 7", append(valid(), tsunagari.Answer{Item: "g3", Value: v(7)}), nil},
		{"Likert NaN", append(valid(), tsunagari.Answer{Item: "g2", Value: v(math.NaN())}),
			map[string]string{"g2": "survey.not_a_number"}},
		{"Likert as text", append(valid(), tsunagari.Answer{Item: "g2", Text: "4"}),
			map[string]string{"g2": "survey.not_a_number"}},
		{"unknown item", append(valid(), tsunagari.Answer{Item: "q99", Value: v(3)}),
			map[string]string{"q99": "survey.unknown_item"}},
		{"answered twice", append(valid(), tsunagari.Answer{Item: "g1", Value: v(2)}),
			map[string]string{"g1": "survey.duplicate_answer"}},
		{"number over range", append(valid(), tsunagari.Answer{Item: "h", Value: v(81)}),
			map[string]string{"h": "survey.number_out_of_range"}},
		{"number not whole", append(valid(), tsunagari.Answer{Item: "h", Value: v(1.5)}),
			map[string]string{"h": "survey.whole_number"}},
		{"unknown option", []tsunagari.Answer{{Item: "g1", Value: v(1)}, {Item: "given_up", Choices: []string{"startup"}}},
			map[string]string{"given_up": "survey.unknown_option"}},
		{"exclusive with another", []tsunagari.Answer{{Item: "g1", Value: v(1)}, {Item: "given_up", Choices: []string{"none", "learning"}}},
			map[string]string{"given_up": "survey.exclusive_option"}},
		{"condition met, follow-up missing", []tsunagari.Answer{{Item: "g1", Value: v(1)}, {Item: "given_up", Choices: []string{"learning"}}},
			map[string]string{"why": "survey.answer_required"}},
		{"condition met, follow-up given", []tsunagari.Answer{{Item: "g1", Value: v(1)},
			{Item: "given_up", Choices: []string{"learning"}}, {Item: "why", Choices: []string{"time"}}}, nil},
		{"two choices for a single item", []tsunagari.Answer{{Item: "g1", Value: v(1)},
			{Item: "given_up", Choices: []string{"learning"}}, {Item: "why", Choices: []string{"time", "nobody"}}},
			map[string]string{"why": "survey.one_choice"}},
		{"text too long", append(valid(), tsunagari.Answer{Item: "note", Text: "あいうえおかきくけこさ"}),
			map[string]string{"note": "survey.text_too_long"}},
		{"control characters", append(valid(), tsunagari.Answer{Item: "note", Text: "a\x00b"}),
			map[string]string{"note": "error.control_characters"}},
		{"everything wrong at once", []tsunagari.Answer{{Item: "g2", Value: v(9)}, {Item: "zz"}},
			map[string]string{"g1": "survey.answer_required", "g2": "survey.likert_out_of_range",
				"zz": "survey.unknown_item", "given_up": "survey.answer_required"}},
	}
	in := sample()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := in.Check(tt.answers)
			got := details(err)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Check(%+v) = %v, want accepted", tt.answers, err)
				}
				return
			}
			if tsunagari.ErrorCode(err) != tsunagari.CodeInvalid || len(got) != len(tt.want) {
				t.Fatalf("Check(%+v) = %v %v, want %v", tt.answers, err, got, tt.want)
			}
			for item, key := range tt.want {
				if got[item] != key {
					t.Errorf("Check: item %s: %q, want %q", item, got[item], key)
				}
			}
		})
	}
}

func TestCheckCleans(t *testing.T) {
	in := sample()
	got, err := in.Check([]tsunagari.Answer{
		{Item: "note", Text: "  よろしく\r\n "},
		{Item: "why", Choices: []string{"time"}}, // hidden: given_up is "none"
		{Item: "given_up", Choices: []string{"none", "none"}, Other: "ignored"},
		{Item: "g2", Choices: nil}, // empty: dropped
		{Item: "g1", Value: v(5)},
	})
	if err != nil {
		t.Fatal(err)
	}
	var items []string
	for _, a := range got {
		items = append(items, a.Item)
	}
	if want := []string{"g1", "given_up", "note"}; !slices.Equal(items, want) {
		t.Fatalf("Check kept %v, want %v in instrument order", items, want)
	}
	if got[1].Other != "" || len(got[1].Choices) != 1 {
		t.Errorf("given_up = %+v, want one choice and no other text", got[1])
	}
	if got[2].Text != "よろしく" {
		t.Errorf("note = %q, want trimmed", got[2].Text)
	}

	// Other text is kept only with the other option.
	got, err = in.Check([]tsunagari.Answer{{Item: "g1", Value: v(5)},
		{Item: "given_up", Choices: []string{"other"}, Other: " 留学 "}, {Item: "why", Choices: []string{"nobody"}}})
	if err != nil || got[1].Other != "留学" {
		t.Errorf("other text = %+v, %v; want 留学", got, err)
	}
	_, err = in.Check([]tsunagari.Answer{{Item: "g1", Value: v(5)},
		{Item: "given_up", Choices: []string{"other"}, Other: strings.Repeat("長", tsunagari.MaxOtherLen+1)}, {Item: "why", Choices: []string{"nobody"}}})
	if details(err)["given_up"] != "survey.text_too_long" {
		t.Errorf("long other text: %v", err)
	}
}

func TestScore(t *testing.T) {
	tests := []struct {
		name    string
		answers []tsunagari.Answer
		want    []tsunagari.Score
	}{
		{"nothing scored", nil, nil},
		{"top of a 5-point scale", []tsunagari.Answer{{Item: "g1", Value: v(5)}},
			[]tsunagari.Score{{Dimension: "growth", Value: 100, Items: 1}}},
		{"bottom of a 5-point scale", []tsunagari.Answer{{Item: "g1", Value: v(1)}},
			[]tsunagari.Score{{Dimension: "growth", Value: 0, Items: 1}}},
		{"reverse-scored agreement lowers", []tsunagari.Answer{{Item: "g2", Value: v(5)}},
			[]tsunagari.Score{{Dimension: "growth", Value: 0, Items: 1}}},
		{"reverse-scored disagreement raises", []tsunagari.Answer{{Item: "g2", Value: v(2)}},
			[]tsunagari.Score{{Dimension: "growth", Value: 75, Items: 1}}},
		{"mean of 5- and 7-point items", []tsunagari.Answer{{Item: "g1", Value: v(4)}, {Item: "g2", Value: v(3)}, {Item: "g3", Value: v(5)}},
			// (75 + 50 + 66.67) / 3 = 63.89
			[]tsunagari.Score{{Dimension: "growth", Value: 63.9, Items: 3}}},
		{"number on its range", []tsunagari.Answer{{Item: "g1", Value: v(3)}, {Item: "h", Value: v(20)}},
			[]tsunagari.Score{{Dimension: "growth", Value: 50, Items: 1}, {Dimension: "hours", Value: 25, Items: 1}}},
		{"unscored items ignored", []tsunagari.Answer{{Item: "given_up", Choices: []string{"none"}}, {Item: "note", Text: "x"}}, nil},
	}
	in := sample()
	for _, tt := range tests {
		got := in.Score(tt.answers)
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: Score(%+v) = %+v, want %+v", tt.name, tt.answers, got, tt.want)
		}
	}
}

func TestRoundValidateAndOpen(t *testing.T) {
	at := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	ok := tsunagari.Round{InstrumentID: "sample", InstrumentVersion: 1, Mode: tsunagari.ModeAnonymous,
		OpensAt: at, ClosesAt: at.Add(14 * 24 * time.Hour)}
	if err := ok.Validate(); err != nil {
		t.Fatalf("Validate() = %v", err)
	}
	bad := []func(r *tsunagari.Round){
		func(r *tsunagari.Round) { r.Mode = "secret" },
		func(r *tsunagari.Round) { r.ClosesAt = r.OpensAt },
		func(r *tsunagari.Round) { r.OpensAt = time.Time{} },
		func(r *tsunagari.Round) { r.InstrumentVersion = 0 },
		func(r *tsunagari.Round) { r.Standing = true }, // standing rounds are personal
	}
	for i, change := range bad {
		r := ok
		change(&r)
		if tsunagari.ErrorCode(r.Validate()) != tsunagari.CodeInvalid {
			t.Errorf("case %d: Validate(%+v) accepted", i, r)
		}
	}
	for _, tt := range []struct {
		at   time.Time
		want bool
	}{
		{at.Add(-time.Second), false}, {at, true}, {ok.ClosesAt.Add(-time.Second), true}, {ok.ClosesAt, false},
	} {
		if got := ok.OpenAt(tt.at); got != tt.want {
			t.Errorf("OpenAt(%v) = %v, want %v", tt.at, got, tt.want)
		}
	}
	if !tsunagari.ModePersonal.Linked() || tsunagari.ModeAttributed.Linked() || tsunagari.ModeAnonymous.Linked() {
		t.Error("only personal answers may be linked to the respondent")
	}
}

func BenchmarkScore(b *testing.B) {
	in := sample()
	answers := []tsunagari.Answer{{Item: "g1", Value: v(4)}, {Item: "g2", Value: v(2)}, {Item: "g3", Value: v(6)}, {Item: "h", Value: v(10)}}
	for b.Loop() {
		in.Score(answers)
	}
}
