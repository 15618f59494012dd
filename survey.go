package tsunagari

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Every measurement in tsunagari is a survey: the values diagnosis, the
// isolation check, the five powers, pulses and before/after surveys. An
// Instrument is the versioned questionnaire; a Round sends one version of
// it to an audience for a time, in one privacy mode; a Response is one
// person's answers to a round.

// Text is a wording in Japanese and English.
type Text struct {
	Ja string `json:"ja"`
	En string `json:"en"`
}

// In returns the wording in lang, falling back to Japanese.
func (t Text) In(lang string) string {
	if lang == "en" && t.En != "" {
		return t.En
	}
	return t.Ja
}

// IsZero reports whether t has no wording at all.
func (t Text) IsZero() bool { return t.Ja == "" && t.En == "" }

// ItemKind is the kind of answer an item asks for.
type ItemKind string

const (
	KindSingle   ItemKind = "single"   // one option
	KindMultiple ItemKind = "multiple" // any number of options, optionally "other" with text
	KindLikert   ItemKind = "likert"   // an agreement scale of 5 or 7 points
	KindNumber   ItemKind = "number"   // a number within a range
	KindText     ItemKind = "text"     // free text
)

// Limits on instruments and answers. Lengths are counted in runes.
const (
	MaxInstrumentItems = 200
	MaxOptions         = 40
	MaxTextAnswerLen   = 2000
	MaxOtherLen        = 200
	maxSurveyIDLen     = 40
)

// Instrument is one version of a questionnaire. Versions never change once
// answers exist: changing an instrument makes a new version, and every
// response keeps the version it was given on.
type Instrument struct {
	ID      string `json:"id"`
	Version int    `json:"version"`
	Title   Text   `json:"title"`
	Intro   Text   `json:"intro,omitzero"`
	// SelfService instruments are open to every member at any time, in
	// personal mode: only the respondent ever sees the answers.
	SelfService bool `json:"selfService,omitempty"`
	// Minutes is about how long answering takes.
	Minutes    int         `json:"minutes,omitempty"`
	Dimensions []Dimension `json:"dimensions,omitempty"`
	Sections   []Section   `json:"sections"`
	// Segments are groups that reports may compare, derived from the
	// answers to single-choice items.
	Segments []DerivedSegment `json:"segments,omitempty"`
	// OrgID is the org an HR administrator authored the instrument for;
	// "" for the platform's own, built in or authored by an operator. It
	// is kept beside the definition, not in it.
	OrgID string `json:"-"`
	// CreatedBy is the account that authored this version; "" for the
	// built-in instruments.
	CreatedBy string `json:"-"`
}

// Dimension is a scored construct, such as one career value. Its score is
// the mean of its answered items, each scaled to 0–100.
type Dimension struct {
	ID    string `json:"id"`
	Label Text   `json:"label"`
	// About says in plain words what a high score means.
	About Text `json:"about,omitzero"`
}

// Section groups items under a heading.
type Section struct {
	ID    string `json:"id"`
	Title Text   `json:"title"`
	Intro Text   `json:"intro,omitzero"`
	Items []Item `json:"items"`
}

// Item is one question.
type Item struct {
	ID       string   `json:"id"`
	Kind     ItemKind `json:"kind"`
	Text     Text     `json:"text"`
	Hint     Text     `json:"hint,omitzero"`
	Required bool     `json:"required,omitempty"`
	// Options of single and multiple items.
	Options []Option `json:"options,omitempty"`
	// Points of a Likert item: 5 or 7. Low and High label its ends.
	Points int  `json:"points,omitempty"`
	Low    Text `json:"low,omitzero"`
	High   Text `json:"high,omitzero"`
	// Reverse scores a Likert item from the other end: agreeing lowers
	// its dimension.
	Reverse bool `json:"reverse,omitempty"`
	// Dimension is the scored construct a Likert or number item feeds.
	Dimension string `json:"dimension,omitempty"`
	// Min and Max bound a number item; Integer allows whole numbers only.
	Min     float64 `json:"min,omitempty"`
	Max     float64 `json:"max,omitempty"`
	Integer bool    `json:"integer,omitempty"`
	Unit    Text    `json:"unit,omitzero"`
	// MaxLength bounds a text item; 0 means MaxTextAnswerLen.
	MaxLength int `json:"maxLength,omitempty"`
	// When shows the item only for some answers to an earlier item.
	When *Condition `json:"when,omitempty"`
}

// Option is a choice of a single or multiple item.
type Option struct {
	ID    string `json:"id"`
	Label Text   `json:"label"`
	// Other asks the respondent to say what, in a short text.
	Other bool `json:"other,omitempty"`
	// Exclusive options ("none of these") cannot be combined with others.
	Exclusive bool `json:"exclusive,omitempty"`
}

// Condition shows an item when the answer to an earlier single or
// multiple item includes any of the listed options.
type Condition struct {
	Item  string   `json:"item"`
	AnyOf []string `json:"anyOf"`
}

// Items returns every item in order.
func (in *Instrument) Items() []*Item {
	var out []*Item
	for si := range in.Sections {
		for ii := range in.Sections[si].Items {
			out = append(out, &in.Sections[si].Items[ii])
		}
	}
	return out
}

// Item returns the item with the given ID, or nil.
func (in *Instrument) Item(id string) *Item {
	for _, it := range in.Items() {
		if it.ID == id {
			return it
		}
	}
	return nil
}

// Dimension returns the dimension with the given ID, or nil.
func (in *Instrument) Dimension(id string) *Dimension {
	for i := range in.Dimensions {
		if in.Dimensions[i].ID == id {
			return &in.Dimensions[i]
		}
	}
	return nil
}

// Option returns the option of it with the given ID, or nil.
func (it *Item) Option(id string) *Option {
	for i := range it.Options {
		if it.Options[i].ID == id {
			return &it.Options[i]
		}
	}
	return nil
}

// validSurveyID reports whether s is a lower-case identifier such as
// values_diagnosis or q12.
func validSurveyID(s string) bool {
	if s == "" || len(s) > maxSurveyIDLen || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// Validate checks that in is a well-formed questionnaire: identifiers,
// wording in both languages, options, scales, ranges, dimensions,
// conditions that refer to earlier choice items and their options, and
// derived segments. It reports every problem at once, as a CodeInvalid
// error with one Detail per problem whose Field is the path of the
// offending part, such as "sections[0].items[2].options[1].label".
func (in *Instrument) Validate() error {
	v := &instrumentCheck{}
	if !validSurveyID(in.ID) {
		v.add("id", "instrument.id_invalid", maxSurveyIDLen)
	}
	if in.Version < 1 {
		v.add("version", "instrument.version_invalid")
	}
	v.wording("title", in.Title, true)
	v.wording("intro", in.Intro, false)
	if in.Minutes < 0 || in.Minutes > MaxMinutes {
		v.add("minutes", "instrument.minutes_invalid", MaxMinutes)
	}
	dims := map[string]bool{}
	for i, d := range in.Dimensions {
		path := fmt.Sprintf("dimensions[%d]", i)
		switch {
		case !validSurveyID(d.ID):
			v.add(path+".id", "instrument.id_invalid", maxSurveyIDLen)
		case dims[d.ID]:
			v.add(path+".id", "instrument.id_repeated", d.ID)
		}
		dims[d.ID] = true
		v.wording(path+".label", d.Label, true)
		v.wording(path+".about", d.About, false)
	}
	if len(in.Sections) == 0 {
		v.add("sections", "instrument.no_sections")
	}
	seen := map[string]*Item{}
	sections := map[string]bool{}
	fed := map[string]bool{}
	n := 0
	for si, sec := range in.Sections {
		path := fmt.Sprintf("sections[%d]", si)
		switch {
		case !validSurveyID(sec.ID):
			v.add(path+".id", "instrument.id_invalid", maxSurveyIDLen)
		case sections[sec.ID]:
			v.add(path+".id", "instrument.id_repeated", sec.ID)
		}
		sections[sec.ID] = true
		v.wording(path+".title", sec.Title, true)
		v.wording(path+".intro", sec.Intro, false)
		if len(sec.Items) == 0 {
			v.add(path+".items", "instrument.section_empty")
		}
		for i := range sec.Items {
			it := &sec.Items[i]
			n++
			it.validate(v, fmt.Sprintf("%s.items[%d]", path, i), seen, dims)
			if validSurveyID(it.ID) && seen[it.ID] == nil {
				seen[it.ID] = it
			}
			if it.Dimension != "" {
				fed[it.Dimension] = true
			}
		}
	}
	if n > MaxInstrumentItems {
		v.add("sections", "instrument.too_many_items", MaxInstrumentItems)
	}
	for i, d := range in.Dimensions {
		if validSurveyID(d.ID) && !fed[d.ID] {
			v.add(fmt.Sprintf("dimensions[%d]", i), "instrument.dimension_unused", d.ID)
		}
	}
	if len(in.Segments) > MaxSegmentDefs {
		v.add("segments", "instrument.too_many_segments", MaxSegmentDefs)
	}
	segs := map[string]bool{}
	for i := range in.Segments {
		in.Segments[i].validate(v, fmt.Sprintf("segments[%d]", i), seen, segs)
	}
	return v.err()
}

// Limits on the wording and shape of an instrument.
const (
	MaxWordingLen  = 1000 // runes in one text of one language
	MaxMinutes     = 120
	MaxSegmentDefs = 10
)

// instrumentCheck collects the problems of an instrument definition.
type instrumentCheck struct{ details []Detail }

func (v *instrumentCheck) add(field, key string, args ...any) {
	v.details = append(v.details, Detail{Field: field, Key: key, Args: args})
}

// wording checks a text: both languages if required, or neither or both
// if optional; within MaxWordingLen; no control characters but line
// breaks.
func (v *instrumentCheck) wording(field string, t Text, required bool) {
	switch {
	case required && (strings.TrimSpace(t.Ja) == "" || strings.TrimSpace(t.En) == ""):
		v.details = append(v.details, Detail{Field: field, Key: "instrument.wording_required"})
		return
	case !required && (strings.TrimSpace(t.Ja) == "") != (strings.TrimSpace(t.En) == ""):
		v.details = append(v.details, Detail{Field: field, Key: "instrument.wording_both"})
		return
	}
	for _, s := range []string{t.Ja, t.En} {
		if utf8.RuneCountInString(s) > MaxWordingLen {
			v.details = append(v.details, Detail{Field: field, Key: "instrument.wording_too_long", Args: []any{MaxWordingLen}})
			return
		}
		if strings.ContainsFunc(s, func(r rune) bool { return r != '\n' && isControl(r) }) {
			v.details = append(v.details, Detail{Field: field, Key: "error.control_characters"})
			return
		}
	}
}

func (v *instrumentCheck) err() error {
	if len(v.details) == 0 {
		return nil
	}
	return &Error{Code: CodeInvalid, Key: "instrument.invalid", Args: []any{len(v.details)}, Details: v.details}
}

func (it *Item) validate(v *instrumentCheck, path string, earlier map[string]*Item, dims map[string]bool) {
	switch {
	case !validSurveyID(it.ID):
		v.add(path+".id", "instrument.id_invalid", maxSurveyIDLen)
	case earlier[it.ID] != nil:
		v.add(path+".id", "instrument.id_repeated", it.ID)
	}
	v.wording(path+".text", it.Text, true)
	v.wording(path+".hint", it.Hint, false)
	choice := it.Kind == KindSingle || it.Kind == KindMultiple
	switch it.Kind {
	case KindSingle, KindMultiple:
		if len(it.Options) < 2 || len(it.Options) > MaxOptions {
			v.add(path+".options", "instrument.options_count", MaxOptions)
		}
		ids := map[string]bool{}
		for i, o := range it.Options {
			op := fmt.Sprintf("%s.options[%d]", path, i)
			switch {
			case !validSurveyID(o.ID):
				v.add(op+".id", "instrument.id_invalid", maxSurveyIDLen)
			case ids[o.ID]:
				v.add(op+".id", "instrument.id_repeated", o.ID)
			}
			ids[o.ID] = true
			v.wording(op+".label", o.Label, true)
			if o.Exclusive && it.Kind == KindSingle {
				v.add(op+".exclusive", "instrument.exclusive_single")
			}
		}
	case KindLikert:
		if it.Points != 5 && it.Points != 7 {
			v.add(path+".points", "instrument.points_invalid")
		}
		v.wording(path+".low", it.Low, false)
		v.wording(path+".high", it.High, false)
	case KindNumber:
		if !(it.Max > it.Min) || math.IsInf(it.Min, 0) || math.IsInf(it.Max, 0) || math.IsNaN(it.Min) || math.IsNaN(it.Max) {
			v.add(path+".max", "instrument.range_invalid")
		}
		v.wording(path+".unit", it.Unit, false)
	case KindText:
		if it.MaxLength < 0 || it.MaxLength > MaxTextAnswerLen {
			v.add(path+".maxLength", "instrument.max_length_invalid", MaxTextAnswerLen)
		}
	default:
		v.add(path+".kind", "instrument.kind_invalid", string(it.Kind))
		return
	}
	if !choice && len(it.Options) > 0 {
		v.add(path+".options", "instrument.options_not_allowed")
	}
	if it.Kind != KindLikert && (it.Points != 0 || it.Reverse) {
		v.add(path+".points", "instrument.scale_not_allowed")
	}
	if it.Kind != KindNumber && (it.Min != 0 || it.Max != 0 || it.Integer) {
		v.add(path+".max", "instrument.range_not_allowed")
	}
	if it.Kind != KindText && it.MaxLength != 0 {
		v.add(path+".maxLength", "instrument.max_length_not_allowed")
	}
	if it.Dimension != "" {
		switch {
		case it.Kind != KindLikert && it.Kind != KindNumber:
			v.add(path+".dimension", "instrument.dimension_not_scorable")
		case !dims[it.Dimension]:
			v.add(path+".dimension", "instrument.dimension_unknown", it.Dimension)
		}
	}
	if c := it.When; c != nil {
		ref := earlier[c.Item]
		switch {
		case ref == nil || (ref.Kind != KindSingle && ref.Kind != KindMultiple):
			v.add(path+".when.item", "instrument.condition_item", c.Item)
		case len(c.AnyOf) == 0:
			v.add(path+".when.anyOf", "instrument.condition_empty")
		default:
			for _, o := range c.AnyOf {
				if ref.Option(o) == nil {
					v.add(path+".when.anyOf", "instrument.condition_option", o)
				}
			}
		}
	}
}

// Answer is the answer to one item. Choices holds the option IDs of a
// single (one) or multiple item, and Other the text of an "other" option;
// Value the point of a Likert item (1..Points) or a number; Text a free
// text. An answer with none of them set is no answer.
type Answer struct {
	Item    string   `json:"item"`
	Choices []string `json:"choices,omitempty"`
	Other   string   `json:"other,omitempty"`
	Value   *float64 `json:"value,omitempty"`
	Text    string   `json:"text,omitempty"`
}

// Empty reports whether a answers nothing. The text of an "other" option
// alone is no answer: the option itself must be chosen.
func (a *Answer) Empty() bool {
	return len(a.Choices) == 0 && a.Value == nil && strings.TrimSpace(a.Text) == ""
}

// Has reports whether a chose option id.
func (a *Answer) Has(id string) bool { return slices.Contains(a.Choices, id) }

// Float returns a pointer to v, for Answer.Value.
func Float(v float64) *float64 { return &v }

// Visible reports whether it is shown, given the answers so far.
func (it *Item) Visible(answers map[string]*Answer) bool {
	if it.When == nil {
		return true
	}
	a := answers[it.When.Item]
	if a == nil {
		return false
	}
	for _, o := range it.When.AnyOf {
		if a.Has(o) {
			return true
		}
	}
	return false
}

// Check validates a submission against in and returns the answers to
// keep, in the instrument's order. Answers to items that a condition hides
// are dropped, as are empty ones. Every problem is reported at once, as a
// CodeInvalid error with one Detail per item, whose Field is the item ID.
func (in *Instrument) Check(answers []Answer) ([]Answer, error) {
	var details []Detail
	add := func(field, key string, args ...any) {
		details = append(details, Detail{Field: field, Key: key, Args: args})
	}
	given := make(map[string]*Answer, len(answers))
	for i := range answers {
		a := &answers[i]
		switch {
		case in.Item(a.Item) == nil:
			add(a.Item, "survey.unknown_item", a.Item)
		case given[a.Item] != nil:
			add(a.Item, "survey.duplicate_answer")
		default:
			given[a.Item] = a
		}
	}
	kept := make(map[string]*Answer, len(given))
	var out []Answer
	for _, it := range in.Items() {
		a := given[it.ID]
		if !it.Visible(kept) {
			continue // hidden: whatever was sent is dropped
		}
		if a == nil || a.Empty() {
			if it.Required {
				add(it.ID, "survey.answer_required")
			}
			continue
		}
		clean, key, args := it.check(*a)
		if key != "" {
			add(it.ID, key, args...)
			continue
		}
		out = append(out, clean)
		kept[it.ID] = &clean
	}
	if len(details) > 0 {
		return nil, &Error{Code: CodeInvalid, Key: "survey.answers_invalid", Args: []any{len(details)}, Details: details}
	}
	return out, nil
}

// check validates one non-empty answer to it and returns it cleaned, or
// a message key and arguments.
func (it *Item) check(a Answer) (Answer, string, []any) {
	clean := Answer{Item: it.ID}
	switch it.Kind {
	case KindSingle, KindMultiple:
		if a.Value != nil || a.Text != "" {
			return clean, "survey.wrong_kind", nil
		}
		if len(a.Choices) == 0 {
			return clean, "survey.answer_required", nil
		}
		other, exclusive := false, false
		for _, c := range a.Choices {
			o := it.Option(c)
			if o == nil {
				return clean, "survey.unknown_option", nil
			}
			if slices.Contains(clean.Choices, c) {
				continue
			}
			exclusive = exclusive || o.Exclusive
			other = other || o.Other
			clean.Choices = append(clean.Choices, c)
		}
		// Choices keep the order of the options, whatever order they came in.
		slices.SortFunc(clean.Choices, func(x, y string) int {
			return slices.IndexFunc(it.Options, func(o Option) bool { return o.ID == x }) -
				slices.IndexFunc(it.Options, func(o Option) bool { return o.ID == y })
		})
		if exclusive && len(clean.Choices) > 1 {
			return clean, "survey.exclusive_option", nil
		}
		if it.Kind == KindSingle && len(clean.Choices) > 1 {
			return clean, "survey.one_choice", nil
		}
		if other {
			clean.Other = strings.TrimSpace(a.Other)
			if utf8.RuneCountInString(clean.Other) > MaxOtherLen {
				return clean, "survey.text_too_long", []any{MaxOtherLen}
			}
			if strings.ContainsFunc(clean.Other, isControl) {
				return clean, "error.control_characters", nil
			}
		}
	case KindLikert, KindNumber:
		if a.Value == nil || len(a.Choices) > 0 || a.Text != "" {
			return clean, "survey.not_a_number", nil
		}
		v := *a.Value
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return clean, "survey.not_a_number", nil
		}
		if it.Kind == KindLikert {
			if v != math.Trunc(v) || v < 1 || v > float64(it.Points) {
				return clean, "survey.likert_out_of_range", []any{it.Points}
			}
		} else {
			if v < it.Min || v > it.Max {
				return clean, "survey.number_out_of_range", []any{formatNumber(it.Min), formatNumber(it.Max)}
			}
			if it.Integer && v != math.Trunc(v) {
				return clean, "survey.whole_number", nil
			}
		}
		clean.Value = Float(v)
	case KindText:
		if a.Value != nil || len(a.Choices) > 0 {
			return clean, "survey.wrong_kind", nil
		}
		text := strings.TrimSpace(strings.ReplaceAll(a.Text, "\r\n", "\n"))
		limit := it.MaxLength
		if limit == 0 {
			limit = MaxTextAnswerLen
		}
		if utf8.RuneCountInString(text) > limit {
			return clean, "survey.text_too_long", []any{limit}
		}
		if strings.ContainsFunc(text, func(r rune) bool { return r != '\n' && r != '\t' && isControl(r) }) {
			return clean, "error.control_characters", nil
		}
		clean.Text = text
	}
	return clean, "", nil
}

// formatNumber writes a range bound without a needless decimal part.
func formatNumber(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return fmt.Sprintf("%d", int64(v))
	}
	return fmt.Sprintf("%g", v)
}

// Score is a dimension's result: the mean of its answered items, each
// scaled to 0–100 (reverse-scored items from the other end).
type Score struct {
	Dimension string  `json:"dimension"`
	Value     float64 `json:"value"`
	// Items is the number of answered items the score rests on.
	Items int `json:"items"`
}

// ItemScore returns the 0–100 value of one answer to a scored item, and
// false if the item is not scored or the answer holds no usable value.
func (it *Item) ItemScore(a *Answer) (float64, bool) {
	if a == nil || a.Value == nil || it.Dimension == "" {
		return 0, false
	}
	v := *a.Value
	var s float64
	switch it.Kind {
	case KindLikert:
		if it.Points < 2 || v < 1 || v > float64(it.Points) {
			return 0, false
		}
		s = (v - 1) / float64(it.Points-1)
		if it.Reverse {
			s = 1 - s
		}
	case KindNumber:
		if !(it.Max > it.Min) || v < it.Min || v > it.Max {
			return 0, false
		}
		s = (v - it.Min) / (it.Max - it.Min)
	default:
		return 0, false
	}
	return s * 100, true
}

// Score scores answers, which Check has accepted, by the instrument's
// dimensions, in their order. A dimension none of whose items was answered
// is left out.
func (in *Instrument) Score(answers []Answer) []Score {
	if len(in.Dimensions) == 0 {
		return nil
	}
	byItem := make(map[string]*Answer, len(answers))
	for i := range answers {
		byItem[answers[i].Item] = &answers[i]
	}
	sums := make(map[string]float64, len(in.Dimensions))
	counts := make(map[string]int, len(in.Dimensions))
	for _, it := range in.Items() {
		if v, ok := it.ItemScore(byItem[it.ID]); ok {
			sums[it.Dimension] += v
			counts[it.Dimension]++
		}
	}
	var out []Score
	for _, d := range in.Dimensions {
		if n := counts[d.ID]; n > 0 {
			out = append(out, Score{Dimension: d.ID, Value: roundScore(sums[d.ID] / float64(n)), Items: n})
		}
	}
	return out
}

// roundScore keeps one decimal, so that stored scores read the same on
// every backend and in every language.
func roundScore(v float64) float64 { return math.Round(v*10) / 10 }

// ScoreOf returns the score of dimension id in scores, and whether it is
// there.
func ScoreOf(scores []Score, id string) (float64, bool) {
	for _, s := range scores {
		if s.Dimension == id {
			return s.Value, true
		}
	}
	return 0, false
}

// PrivacyMode says who may ever connect answers to the person who gave
// them. It is chosen per round and shown before anyone answers.
type PrivacyMode string

const (
	// ModePersonal answers belong to the respondent, who alone sees them.
	ModePersonal PrivacyMode = "personal"
	// ModeAttributed answers carry a snapshot of the respondent's segments
	// (size band, industry, department, age band, job family) so groups
	// can be compared, but nothing that names the respondent.
	ModeAttributed PrivacyMode = "attributed"
	// ModeAnonymous answers carry nothing about the respondent at all.
	ModeAnonymous PrivacyMode = "anonymous"
)

// PrivacyModes lists the modes in display order.
var PrivacyModes = []PrivacyMode{ModePersonal, ModeAttributed, ModeAnonymous}

// Valid reports whether m is a known mode.
func (m PrivacyMode) Valid() bool { return slices.Contains(PrivacyModes, m) }

// Linked reports whether answers given in mode m are stored with the
// respondent's account. Only personal answers are.
func (m PrivacyMode) Linked() bool { return m == ModePersonal }

// Round is one version of an instrument sent to an audience for a time.
type Round struct {
	ID                string      `json:"id"`
	InstrumentID      string      `json:"instrumentId"`
	InstrumentVersion int         `json:"instrumentVersion"`
	Mode              PrivacyMode `json:"mode"`
	// Standing rounds belong to self-service instruments: always open,
	// always personal, one per instrument version.
	Standing bool `json:"standing"`
	// OrgID limits the audience to the current employees of one org; ""
	// means every member of the platform.
	OrgID    string    `json:"orgId,omitempty"`
	OpensAt  time.Time `json:"opensAt"`
	ClosesAt time.Time `json:"closesAt,omitzero"` // zero: never closes
	// CreatedBy is the operator or HR administrator who sent the round;
	// "" for standing rounds.
	CreatedBy string    `json:"-"`
	CreatedAt time.Time `json:"createdAt"`
	// Audience narrows who among the addressed may answer: "" all of
	// them, RoleHRAdmin only HR administrators (of every org when OrgID
	// is ""), as in a survey of HR departments.
	Audience Role `json:"audience,omitempty"`
	// Subject, with Phase, makes the round the survey before or after a
	// consultation, an event or a programme. A subject has at most one
	// round of each phase, and each person's two answers are paired.
	Subject *Subject `json:"subject,omitempty"`
	Phase   Phase    `json:"phase,omitempty"`
}

// Subject is what a before/after pair of rounds is about: a consultation,
// an event or a programme, by kind and ID.
type Subject struct {
	Kind string `json:"kind"`
	ID   string `json:"id"`
}

// The kinds of subject a before/after pair can be attached to.
const (
	SubjectConsultation = "consultation"
	SubjectEvent        = "event"
	SubjectProgramme    = "programme"
)

// SubjectKinds lists the kinds of subject.
var SubjectKinds = []string{SubjectConsultation, SubjectEvent, SubjectProgramme}

const maxSubjectIDLen = 64

// Valid reports whether s names a known kind and has an ID.
func (s Subject) Valid() bool {
	return slices.Contains(SubjectKinds, s.Kind) && s.ID != "" && len(s.ID) <= maxSubjectIDLen &&
		!strings.ContainsFunc(s.ID, func(r rune) bool { return isControl(r) || r == ' ' })
}

// Phase is the place of a round in a before/after pair.
type Phase string

const (
	PhasePre  Phase = "pre_survey"  // before
	PhasePost Phase = "post_survey" // after
)

// Validate checks r's own fields; the store checks that the instrument
// version exists.
func (r *Round) Validate() error {
	switch {
	case !validSurveyID(r.InstrumentID) || r.InstrumentVersion < 1:
		return Invalid("instrumentId", "survey.instrument_unknown")
	case !r.Mode.Valid():
		return Invalid("mode", "survey.mode_invalid")
	case r.Standing && r.Mode != ModePersonal:
		return Invalid("mode", "survey.mode_invalid")
	case r.Standing && (r.OrgID != "" || !r.ClosesAt.IsZero()):
		return Invalid("closesAt", "survey.round_times_invalid")
	case r.OpensAt.IsZero():
		return Invalid("opensAt", "survey.round_times_invalid")
	case !r.ClosesAt.IsZero() && !r.ClosesAt.After(r.OpensAt):
		return Invalid("closesAt", "survey.round_times_invalid")
	case r.Audience != "" && r.Audience != RoleHRAdmin:
		return Invalid("audience", "survey.audience_invalid")
	case (r.Subject == nil) != (r.Phase == ""):
		return Invalid("phase", "survey.phase_invalid")
	case r.Subject != nil && !r.Subject.Valid():
		return Invalid("subject", "survey.subject_invalid")
	case r.Phase != "" && r.Phase != PhasePre && r.Phase != PhasePost:
		return Invalid("phase", "survey.phase_invalid")
	case r.Subject != nil && (r.Standing || r.Mode == ModeAnonymous):
		// Pairing a person's two answers links them, which an
		// anonymous round promises never to do.
		return Invalid("mode", "survey.pair_mode")
	}
	return nil
}

// ClosedAt reports whether r has closed by t; a round without a closing
// time never closes.
func (r *Round) ClosedAt(t time.Time) bool {
	return !r.ClosesAt.IsZero() && !t.Before(r.ClosesAt)
}

// OpenAt reports whether r accepts answers at t.
func (r *Round) OpenAt(t time.Time) bool {
	return !t.Before(r.OpensAt) && (r.ClosesAt.IsZero() || t.Before(r.ClosesAt))
}

// Segments are the groups a respondent of an attributed round belongs to,
// snapshotted when they answer so that later changes move nobody's answers
// between groups.
type Segments struct {
	SizeBand     SizeBand `json:"sizeBand,omitempty"`
	Industry     string   `json:"industry,omitempty"`
	DepartmentID string   `json:"departmentId,omitempty"`
	AgeBand      string   `json:"ageBand,omitempty"`
	JobFamily    string   `json:"jobFamily,omitempty"`
	// TenureBand is the respondent's tenure band (TenureBands) when they
	// answered.
	TenureBand string `json:"tenureBand,omitempty"`
}

// Response is one submission to a round. Only personal responses carry
// AccountID, ID and SubmittedAt; the others are stored without anything
// that leads back to the respondent.
type Response struct {
	ID                string    `json:"id,omitempty"`
	RoundID           string    `json:"roundId"`
	InstrumentID      string    `json:"instrumentId"`
	InstrumentVersion int       `json:"instrumentVersion"`
	AccountID         string    `json:"-"`
	Segments          Segments  `json:"segments,omitzero"`
	SubmittedAt       time.Time `json:"submittedAt,omitzero"`
	Answers           []Answer  `json:"answers"`
	Scores            []Score   `json:"scores,omitempty"`
	// PairKey joins the before and after answers of one person to the
	// rounds of one subject. It is a keyed hash that nothing stored can
	// turn back into the person; "" outside paired rounds.
	PairKey string `json:"-"`
}

// RoundFilter selects rounds. Zero fields do not filter.
type RoundFilter struct {
	InstrumentID string
	Version      int
	Standing     *bool
	// OrgID selects rounds for that org's employees; with Everyone, the
	// rounds for every member too.
	OrgID    string
	Everyone bool
	// OpenAt selects rounds open at that time.
	OpenAt time.Time
	// Subject selects the before/after rounds of one subject.
	Subject *Subject
}

// InstrumentFilter selects instruments by owner. The zero filter selects
// none.
type InstrumentFilter struct {
	All      bool   // every instrument, whoever owns it
	Platform bool   // the platform's own: built in or authored by an operator
	OrgID    string // those authored for one org
}

// ResponseFilter selects a respondent's own personal responses.
type ResponseFilter struct {
	// AccountID is required: personal responses are found only through
	// the person who gave them.
	AccountID    string
	InstrumentID string
	RoundID      string
	Limit        int
}

// SurveyStore persists instruments, rounds and responses. It does no
// authorization; package survey does. Answers of attributed and anonymous
// rounds are written where no method can find them by person: the only
// way back to them is EachAnswerSet, which yields answers and nothing else.
type SurveyStore interface {
	// SaveInstrument stores a version of an instrument. Saving the same
	// definition again does nothing; a different definition under an
	// existing ID and version returns ErrConflict.
	SaveInstrument(ctx context.Context, in *Instrument, at time.Time) error
	// FindInstrument returns one version, or the latest if version is 0;
	// ErrNotFound if there is none.
	FindInstrument(ctx context.Context, id string, version int) (*Instrument, error)
	// FindInstruments returns the latest version of every instrument the
	// filter selects, by ID.
	FindInstruments(ctx context.Context, f InstrumentFilter) ([]*Instrument, error)
	// AddInstrumentVersion stores in as the next version of in.ID, owned
	// by in.OrgID, in one transaction: version 1 for a new ID, else one
	// more than the latest, whose answers keep the version they were given
	// on. If in says what the latest version says, nothing is stored and
	// in.Version is set to the latest, with added false. It returns
	// ErrConflict if in.ID belongs to another owner.
	AddInstrumentVersion(ctx context.Context, in *Instrument, at time.Time) (added bool, err error)

	// CreateRound stores r, setting its ID if empty. It returns
	// ErrNotFound if the instrument version or the org does not exist, and
	// ErrConflict if r is standing and its instrument version has a
	// standing round already, or if r's subject has a round of r's phase.
	CreateRound(ctx context.Context, r *Round) error
	// CreateRounds stores several rounds as CreateRound does, in one
	// transaction: all or none.
	CreateRounds(ctx context.Context, rs []*Round) error
	// FindRound returns ErrNotFound if there is no such round.
	FindRound(ctx context.Context, id string) (*Round, error)
	// FindRounds returns matching rounds, newest first.
	FindRounds(ctx context.Context, f RoundFilter) ([]*Round, error)

	// SubmitResponse stores a response to resp.RoundID in one transaction,
	// as the round's stored mode demands. Personal: the response is kept
	// with resp.AccountID, and the store sets resp.ID and resp.SubmittedAt
	// if empty. Attributed and anonymous: the store records that
	// resp.AccountID took part, returning ErrConflict if it had, and
	// writes the answers under a fresh random key with no account, no time
	// and (anonymous) no segments; resp.ID and resp.SubmittedAt are
	// cleared. ErrNotFound if the round does not exist.
	SubmitResponse(ctx context.Context, resp *Response) error
	// ImportResponses stores many responses in one transaction, all or
	// none, for demo data and imports, each as its round's stored mode
	// demands. Personal responses keep their IDs and times as given.
	// Attributed and anonymous ones are written as SubmitResponse writes
	// them, except that the key of the answers is resp.ID if it is an ID
	// from NewID (so that a seeded demo stays reproducible), and that
	// participation is recorded only when resp.AccountID is set. It
	// returns ErrNotFound if a round does not exist and ErrConflict if an
	// account took part in a round already.
	ImportResponses(ctx context.Context, rs []*Response) error
	// FindResponses returns personal responses of f.AccountID, newest
	// first. It returns ErrNotFound if f.AccountID is empty.
	FindResponses(ctx context.Context, f ResponseFilter) ([]*Response, error)
	// Participated reports whether the account has answered the round.
	Participated(ctx context.Context, roundID, accountID string) (bool, error)
	// EachAnswerSet calls fn with the segments and answers of every
	// attributed or anonymous response to the round, in an order unrelated
	// to when they were given, and stops at fn's first error. It is the
	// aggregation path: it yields no IDs, accounts or times, and never
	// personal answers, which only their respondent reads.
	EachAnswerSet(ctx context.Context, roundID string, fn func(Segments, []Answer) error) error
	// EachAnswerPair calls fn with the answers of every person who
	// answered both rounds, paired by their PairKey: the segments given
	// with the later answer, the answers to pre and those to post. Like
	// EachAnswerSet it yields no keys, IDs, accounts or times, never
	// personal answers, and pairs in an order unrelated to who gave them.
	EachAnswerPair(ctx context.Context, preRoundID, postRoundID string, fn func(seg Segments, pre, post []Answer) error) error
	// CountParticipants returns how many people have answered the round.
	CountParticipants(ctx context.Context, roundID string) (int, error)
}
