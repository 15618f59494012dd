package survey_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"tsunagari"
	"tsunagari/internal/sqlite"
	"tsunagari/internal/survey"
)

var now = time.Date(2026, 11, 1, 1, 0, 0, 0, time.UTC)

type env struct {
	db  *sqlite.DB
	st  tsunagari.Stores
	svc *survey.Service
	org *tsunagari.Org
}

func newEnv(t testing.TB) *env {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "survey.db"), sqlite.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e := &env{db: db, st: db.Stores()}
	e.svc = &survey.Service{Store: e.st.Surveys, Orgs: e.st.Orgs, Now: func() time.Time { return now }}
	if err := e.svc.Install(ctx); err != nil {
		t.Fatal(err)
	}
	e.org = &tsunagari.Org{Name: "みなと精機", Industry: "manufacturing", DeclaredEmployees: 1500, MinGroupSize: 5}
	if err := e.st.Orgs.CreateOrg(ctx, e.org); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) account(t testing.TB, email, orgID string, roles ...tsunagari.Role) *tsunagari.Account {
	t.Helper()
	a := &tsunagari.Account{Email: email, Name: "佐藤 美咲", Roles: append([]tsunagari.Role{tsunagari.RoleMember}, roles...),
		AgeBand: "30s", JobFamily: "sales"}
	if orgID != "" {
		a.Employment = &tsunagari.Employment{OrgID: orgID, StartedAt: now.Add(-time.Hour)}
	}
	if err := e.st.Accounts.CreateAccount(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	return a
}

func (e *env) fingerprint(t testing.TB) string {
	t.Helper()
	fp, err := e.db.Fingerprint(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return fp
}

// all answers every item of in: Likert items with point, choices with
// their first option.
func all(in *tsunagari.Instrument, point float64) []tsunagari.Answer {
	var out []tsunagari.Answer
	for _, it := range in.Items() {
		switch it.Kind {
		case tsunagari.KindLikert:
			out = append(out, tsunagari.Answer{Item: it.ID, Value: tsunagari.Float(point)})
		case tsunagari.KindSingle, tsunagari.KindMultiple:
			out = append(out, tsunagari.Answer{Item: it.ID, Choices: []string{it.Options[0].ID}})
		}
	}
	return out
}

func errKey(err error) string {
	var e *tsunagari.Error
	if errors.As(err, &e) {
		return e.Key
	}
	return ""
}

func TestBuiltins(t *testing.T) {
	ins, err := survey.Builtins()
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]*tsunagari.Instrument{}
	for _, in := range ins {
		byID[in.ID] = in
		if in.Minutes == 0 || in.Intro.Ja == "" || in.Intro.En == "" {
			t.Errorf("%s: want an intro in both languages and a time", in.ID)
		}
		// Self-service instruments are the person's own; the others are
		// sent in rounds.
		self := in.ID == survey.ValuesDiagnosis || in.ID == survey.IsolationCheck || in.ID == survey.FivePowers
		if in.SelfService != self {
			t.Errorf("%s: self-service = %v, want %v", in.ID, in.SelfService, self)
		}
	}
	if len(ins) != 6 {
		t.Errorf("Builtins() = %d instruments, want 6", len(ins))
	}
	vd := byID[survey.ValuesDiagnosis]
	if vd == nil {
		t.Fatal("no values diagnosis")
	}
	items, reverse := 0, 0
	for _, it := range vd.Items() {
		items++
		if it.Kind != tsunagari.KindLikert || it.Dimension == "" {
			t.Errorf("values diagnosis item %s is not a scored Likert item", it.ID)
		}
		if it.Reverse {
			reverse++
		}
	}
	if items < 24 || items > 32 || len(vd.Dimensions) != 8 || reverse == 0 {
		t.Errorf("values diagnosis: %d items, %d dimensions, %d reverse-scored; want 24–32, 8, some", items, len(vd.Dimensions), reverse)
	}
	for _, d := range vd.Dimensions {
		if d.About.Ja == "" || d.About.En == "" {
			t.Errorf("values diagnosis dimension %s says nothing in plain words", d.ID)
		}
	}

	fp := byID[survey.FivePowers]
	var dims []string
	for _, d := range fp.Dimensions {
		dims = append(dims, d.ID)
	}
	if want := []string{"connection", "perspective", "growth", "options", "opportunity"}; !slices.Equal(dims, want) {
		t.Errorf("five powers dimensions = %v, want %v", dims, want)
	}

	iso := byID[survey.IsolationCheck]
	var given []string
	for _, o := range iso.Item("given_up").Options {
		if !o.Exclusive {
			given = append(given, o.ID)
		}
	}
	if !slices.Equal(given, survey.GivenUp) {
		t.Errorf("isolation check challenges = %v, want the glossary's %v", given, survey.GivenUp)
	}
	var supporters []string
	for _, o := range iso.Item("supporters").Options {
		supporters = append(supporters, o.ID)
	}
	for _, want := range []string{"family", "workplace", "third_community", "nobody"} {
		if !slices.Contains(supporters, want) {
			t.Errorf("isolation check supporters %v lack %s", supporters, want)
		}
	}
}

func TestInstallTwice(t *testing.T) {
	e := newEnv(t)
	fp := e.fingerprint(t)
	if err := e.svc.Install(context.Background()); err != nil {
		t.Fatal(err)
	}
	if e.fingerprint(t) != fp {
		t.Error("a second Install changed the database")
	}
}

// TestValuesDiagnosisScores checks the scores of whole answer sets.
func TestValuesDiagnosisScores(t *testing.T) {
	ins, _ := survey.Builtins()
	vd := ins[0]
	hasReverse := map[string]bool{}
	for _, it := range vd.Items() {
		if it.Reverse {
			hasReverse[it.Dimension] = true
		}
	}
	tests := []struct {
		point float64
		// want is the score of a dimension with no reverse-scored item,
		// and of one with one of its three items reverse-scored.
		plain, withReverse float64
	}{
		{1, 0, 33.3},
		{3, 50, 50},
		{4, 75, 58.3},
		{5, 100, 66.7},
	}
	for _, tt := range tests {
		answers, err := vd.Check(all(vd, tt.point))
		if err != nil {
			t.Fatal(err)
		}
		scores := vd.Score(answers)
		if len(scores) != 8 {
			t.Fatalf("Score(all %v) = %d scores, want 8", tt.point, len(scores))
		}
		for _, s := range scores {
			want := tt.plain
			if hasReverse[s.Dimension] {
				want = tt.withReverse
			}
			if s.Value != want || s.Items != 3 {
				t.Errorf("Score(all %v)[%s] = %v over %d items, want %v over 3", tt.point, s.Dimension, s.Value, s.Items, want)
			}
		}
	}
}

func TestTop(t *testing.T) {
	ins, _ := survey.Builtins()
	vd := ins[0]
	scores := []tsunagari.Score{{Dimension: "expertise", Value: 40}, {Dimension: "balance", Value: 90},
		{Dimension: "autonomy", Value: 75}, {Dimension: "leading", Value: 75}, {Dimension: "stability", Value: 10}}
	var got []string
	for _, r := range survey.Top(vd, scores, 3) {
		got = append(got, r.Dimension.ID)
	}
	if want := []string{"balance", "autonomy", "leading"}; !slices.Equal(got, want) {
		t.Errorf("Top = %v, want %v (ties in instrument order)", got, want)
	}
}

func TestReadIsolation(t *testing.T) {
	ins, _ := survey.Builtins()
	iso := ins[1]
	tests := []struct {
		name      string
		answers   []tsunagari.Answer
		band      string
		firstStep string
	}{
		{"connected, nothing given up", []tsunagari.Answer{
			{Item: "given_up", Choices: []string{"none"}},
			{Item: "supporters", Choices: []string{"family", "third_community"}},
			{Item: "i1", Value: tsunagari.Float(1)}, {Item: "i2", Value: tsunagari.Float(5)},
			{Item: "i3", Value: tsunagari.Float(1)}, {Item: "i4", Value: tsunagari.Float(5)}},
			survey.IsolationLow, "isolation.step.five_powers"},
		{"alone, gave up a U-turn", []tsunagari.Answer{
			{Item: "given_up", Choices: []string{"u_turn"}}, {Item: "reasons", Choices: []string{"how"}},
			{Item: "supporters", Choices: []string{"nobody"}},
			{Item: "i1", Value: tsunagari.Float(5)}, {Item: "i2", Value: tsunagari.Float(1)},
			{Item: "i3", Value: tsunagari.Float(4)}, {Item: "i4", Value: tsunagari.Float(2)}},
			survey.IsolationHigh, "isolation.step.consult"},
		{"in between, wants to learn", []tsunagari.Answer{
			{Item: "given_up", Choices: []string{"learning", "side_job"}},
			{Item: "supporters", Choices: []string{"workplace"}},
			{Item: "i1", Value: tsunagari.Float(3)}, {Item: "i2", Value: tsunagari.Float(3)},
			{Item: "i3", Value: tsunagari.Float(3)}, {Item: "i4", Value: tsunagari.Float(3)}},
			survey.IsolationMid, "isolation.step.probono"},
	}
	for _, tt := range tests {
		clean, err := iso.Check(tt.answers)
		if err != nil {
			t.Fatalf("%s: Check = %v", tt.name, err)
		}
		got := survey.ReadIsolation(iso, &tsunagari.Response{Answers: clean, Scores: iso.Score(clean)})
		if got.Band != tt.band || len(got.Steps) == 0 || got.Steps[0] != tt.firstStep || len(got.Steps) > 3 {
			t.Errorf("%s: ReadIsolation = %+v, want band %s and first step %s", tt.name, got, tt.band, tt.firstStep)
		}
	}
}

func TestRespondPersonal(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	me := e.account(t, "me@example.jp", "")
	offers, err := e.svc.Instruments(ctx, me)
	if err != nil || len(offers) != 3 || offers[0].Instrument.ID != survey.ValuesDiagnosis || offers[0].Taken != 0 {
		t.Fatalf("Instruments = %+v, %v; want the three self-service instruments, values diagnosis first", offers, err)
	}
	r, in, err := e.svc.StandingRound(ctx, me, survey.ValuesDiagnosis)
	if err != nil || !r.Standing || r.Mode != tsunagari.ModePersonal {
		t.Fatalf("StandingRound = %+v, %v", r, err)
	}
	for i, point := range []float64{2, 4} {
		now = now.Add(time.Duration(i) * 24 * time.Hour)
		resp, err := e.svc.Respond(ctx, me, r.ID, all(in, point))
		if err != nil || len(resp.Scores) != 8 || resp.ID == "" {
			t.Fatalf("Respond = %+v, %v", resp, err)
		}
	}
	latest, history, err := e.svc.MyResults(ctx, me, survey.ValuesDiagnosis)
	if err != nil || latest.ID != survey.ValuesDiagnosis || len(history) != 2 {
		t.Fatalf("MyResults = %v, %d results, %v; want 2", latest, len(history), err)
	}
	if v, _ := tsunagari.ScoreOf(history[0].Scores, "contribution"); v != 75 {
		t.Errorf("newest contribution score = %v, want 75 (all 4s)", v)
	}
	if history[0].Instrument.Version != 1 {
		t.Errorf("result keeps version %d, want 1", history[0].Instrument.Version)
	}
	// Somebody else sees none of it.
	you := e.account(t, "you@example.jp", "")
	if _, h, err := e.svc.MyResults(ctx, you, survey.ValuesDiagnosis); err != nil || len(h) != 0 {
		t.Errorf("MyResults(someone else) = %d results, %v; want none", len(h), err)
	}
	if _, _, err := e.svc.MyResults(ctx, nil, survey.ValuesDiagnosis); tsunagari.ErrorCode(err) != tsunagari.CodeUnauthorized {
		t.Errorf("MyResults(signed out) = %v, want unauthorized", err)
	}
	offers, _ = e.svc.Instruments(ctx, me)
	if offers[0].Taken != 2 || !offers[0].LastTaken.Equal(now) {
		t.Errorf("offer after two results = %+v", offers[0])
	}
}

// TestRespondRejects checks that every rejected submission says why, in a
// message key, and stores nothing.
func TestRespondRejects(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	me := e.account(t, "me@example.jp", e.org.ID)
	hr := e.account(t, "hr@example.jp", e.org.ID, tsunagari.RoleHRAdmin)
	standing, vd, err := e.svc.StandingRound(ctx, me, survey.ValuesDiagnosis)
	if err != nil {
		t.Fatal(err)
	}
	anon := &tsunagari.Round{InstrumentID: survey.FivePowers, Mode: tsunagari.ModeAnonymous, ClosesAt: now.Add(7 * 24 * time.Hour)}
	if err := e.svc.CreateRound(ctx, hr, anon); err != nil {
		t.Fatal(err)
	}
	_, fp, _ := e.svc.Round(ctx, me, anon.ID)
	if _, err := e.svc.Respond(ctx, me, anon.ID, all(fp, 3)); err != nil {
		t.Fatalf("first anonymous answer: %v", err)
	}
	closed := &tsunagari.Round{InstrumentID: survey.FivePowers, Mode: tsunagari.ModeAnonymous,
		OpensAt: now.Add(-48 * time.Hour), ClosesAt: now.Add(time.Hour)}
	if err := e.svc.CreateRound(ctx, hr, closed); err != nil {
		t.Fatal(err)
	}

	full := all(vd, 3)
	tests := []struct {
		name    string
		round   string
		answers []tsunagari.Answer
		code    tsunagari.Code
		key     string
	}{
		{"missing required answer", standing.ID, full[1:], tsunagari.CodeInvalid, "survey.answers_invalid"},
		{"Likert out of range", standing.ID, append(full[1:], tsunagari.Answer{Item: full[0].Item, Value: tsunagari.Float(6)}),
			tsunagari.CodeInvalid, "survey.answers_invalid"},
		{"unknown item", standing.ID, append(all(vd, 3), tsunagari.Answer{Item: "v99", Value: tsunagari.Float(3)}),
			tsunagari.CodeInvalid, "survey.answers_invalid"},
		{"closed round", closed.ID, all(fp, 3), tsunagari.CodeConflict, "survey.round_closed"},
		{"second answer to an anonymous round", anon.ID, all(fp, 5), tsunagari.CodeConflict, "survey.already_answered"},
		{"unknown round", tsunagari.NewID(), full, tsunagari.CodeNotFound, "error.not_found"},
	}
	now = now.Add(2 * time.Hour) // closed has closed
	before := e.fingerprint(t)
	for _, tt := range tests {
		_, err := e.svc.Respond(ctx, me, tt.round, tt.answers)
		if tsunagari.ErrorCode(err) != tt.code || errKey(err) != tt.key {
			t.Errorf("%s: Respond = %v, want %s %s", tt.name, err, tt.code, tt.key)
		}
	}
	if e.fingerprint(t) != before {
		t.Error("rejected answers changed the database")
	}
}

func TestRoundsByAudience(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	other := &tsunagari.Org{Name: "さくら介護", DeclaredEmployees: 200, MinGroupSize: 5}
	if err := e.st.Orgs.CreateOrg(ctx, other); err != nil {
		t.Fatal(err)
	}
	hr := e.account(t, "hr@example.jp", e.org.ID, tsunagari.RoleHRAdmin)
	op := e.account(t, "op@example.jp", "", tsunagari.RoleOperator)
	mine := e.account(t, "mine@example.jp", e.org.ID)
	theirs := e.account(t, "theirs@example.jp", other.ID)
	free := e.account(t, "free@example.jp", "")

	fp := e.fingerprint(t)
	err := e.svc.CreateRound(ctx, hr, &tsunagari.Round{InstrumentID: survey.FivePowers, Mode: tsunagari.ModeAnonymous, OrgID: other.ID})
	if tsunagari.ErrorCode(err) != tsunagari.CodeNotFound {
		t.Errorf("HR sending to another org: %v, want not found", err)
	}
	err = e.svc.CreateRound(ctx, mine, &tsunagari.Round{InstrumentID: survey.FivePowers, Mode: tsunagari.ModeAnonymous})
	if tsunagari.ErrorCode(err) != tsunagari.CodeForbidden {
		t.Errorf("a member sending a round: %v, want forbidden", err)
	}
	err = e.svc.CreateRound(ctx, hr, &tsunagari.Round{InstrumentID: "no_such", Mode: tsunagari.ModeAnonymous})
	if tsunagari.ErrorCode(err) != tsunagari.CodeInvalid {
		t.Errorf("unknown instrument: %v, want invalid", err)
	}
	err = e.svc.CreateRound(ctx, hr, &tsunagari.Round{InstrumentID: survey.FivePowers, Mode: "secret"})
	if tsunagari.ErrorCode(err) != tsunagari.CodeInvalid {
		t.Errorf("unknown mode: %v, want invalid", err)
	}
	if e.fingerprint(t) != fp {
		t.Error("refused rounds changed the database")
	}

	hrRound := &tsunagari.Round{InstrumentID: survey.FivePowers, Mode: tsunagari.ModeAttributed}
	if err := e.svc.CreateRound(ctx, hr, hrRound); err != nil || hrRound.OrgID != e.org.ID || hrRound.InstrumentVersion != 1 {
		t.Fatalf("HR round = %+v, %v; want for the HR's own org", hrRound, err)
	}
	opRound := &tsunagari.Round{InstrumentID: survey.IsolationCheck, Mode: tsunagari.ModeAnonymous}
	if err := e.svc.CreateRound(ctx, op, opRound); err != nil || opRound.OrgID != "" {
		t.Fatalf("operator round = %+v, %v; want for everyone", opRound, err)
	}

	offered := func(a *tsunagari.Account) []string {
		offers, err := e.svc.Instruments(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, o := range offers {
			if !o.Round.Standing {
				ids = append(ids, o.Round.ID)
			}
		}
		slices.Sort(ids)
		return ids
	}
	both := []string{hrRound.ID, opRound.ID}
	slices.Sort(both)
	if got := offered(mine); !slices.Equal(got, both) {
		t.Errorf("rounds offered to an employee = %v, want %v", got, both)
	}
	for _, a := range []*tsunagari.Account{theirs, free} {
		if got := offered(a); !slices.Equal(got, []string{opRound.ID}) {
			t.Errorf("rounds offered to %s = %v, want only the operator's", a.Email, got)
		}
		if _, _, err := e.svc.Round(ctx, a, hrRound.ID); tsunagari.ErrorCode(err) != tsunagari.CodeNotFound {
			t.Errorf("%s opening another org's round: %v, want not found", a.Email, err)
		}
	}

	// An attributed answer carries the respondent's segments and nothing
	// that names them.
	_, fp5, _ := e.svc.Round(ctx, mine, hrRound.ID)
	if _, err := e.svc.Respond(ctx, mine, hrRound.ID, all(fp5, 4)); err != nil {
		t.Fatal(err)
	}
	var segs []tsunagari.Segments
	e.st.Surveys.EachAnswerSet(ctx, hrRound.ID, func(s tsunagari.Segments, _ []tsunagari.Answer) error {
		segs = append(segs, s)
		return nil
	})
	want := tsunagari.Segments{SizeBand: tsunagari.SizeLarge, Industry: "manufacturing", AgeBand: "30s", JobFamily: "sales", TenureBand: "lt1"}
	if len(segs) != 1 || segs[0] != want {
		t.Errorf("attributed segments = %+v, want [%+v]", segs, want)
	}
	offers, _ := e.svc.Instruments(ctx, mine)
	for _, o := range offers {
		if o.Round.ID == hrRound.ID && !o.Answered {
			t.Error("the answered round is not marked answered")
		}
	}
}
