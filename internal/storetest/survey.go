package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"tsunagari"
)

// pulse is a small instrument: two Likert items on one dimension and a
// choice.
func pulse(version int) *tsunagari.Instrument {
	t := func(ja, en string) tsunagari.Text { return tsunagari.Text{Ja: ja, En: en} }
	return &tsunagari.Instrument{
		ID: "pulse", Version: version, Title: t("職場の安心", "Safety at work"),
		Dimensions: []tsunagari.Dimension{{ID: "safe_road", Label: t("安全道路", "Safe road")}},
		Sections: []tsunagari.Section{{ID: "s1", Title: t("職場", "Work"), Items: []tsunagari.Item{
			{ID: "q1", Kind: tsunagari.KindLikert, Points: 5, Dimension: "safe_road", Required: true,
				Text: t("ここでは大切にされている", "I feel valued here")},
			{ID: "q2", Kind: tsunagari.KindLikert, Points: 5, Dimension: "safe_road", Reverse: true,
				Text: t("失敗を責められる", "Mistakes are held against me")},
			{ID: "q3", Kind: tsunagari.KindSingle, Text: t("勤続", "Tenure"), Options: []tsunagari.Option{
				{ID: "short", Label: t("3年未満", "Under 3 years")}, {ID: "long", Label: t("3年以上", "3 years or more")}}},
		}}},
	}
}

func answers(q1, q2 float64) []tsunagari.Answer {
	return []tsunagari.Answer{{Item: "q1", Value: tsunagari.Float(q1)}, {Item: "q2", Value: tsunagari.Float(q2)},
		{Item: "q3", Choices: []string{"short"}}}
}

func mustSaveInstrument(t testing.TB, s tsunagari.Stores, in *tsunagari.Instrument) {
	t.Helper()
	if err := s.Surveys.SaveInstrument(context.Background(), in, t0); err != nil {
		t.Fatalf("SaveInstrument(%s v%d) error = %v", in.ID, in.Version, err)
	}
}

func mustCreateRound(t testing.TB, s tsunagari.Stores, r *tsunagari.Round) *tsunagari.Round {
	t.Helper()
	if r.InstrumentID == "" {
		r.InstrumentID, r.InstrumentVersion = "pulse", 1
	}
	if r.OpensAt.IsZero() {
		r.OpensAt = t0
	}
	r.CreatedAt = t0
	if err := s.Surveys.CreateRound(context.Background(), r); err != nil {
		t.Fatalf("CreateRound(%+v) error = %v", r, err)
	}
	return r
}

func testSurveys(t *testing.T, open func(t *testing.T) Backend) {
	ctx := context.Background()

	t.Run("Instruments", func(t *testing.T) {
		b := open(t)
		s := b.Stores()
		mustSaveInstrument(t, s, pulse(1))
		mustSaveInstrument(t, s, pulse(1)) // the same definition again: fine
		fp := fingerprint(t, b)
		changed := pulse(1)
		changed.Title.Ja = "職場の安全"
		wantErr(t, "SaveInstrument(changed definition, same version)", s.Surveys.SaveInstrument(ctx, changed, t0), tsunagari.ErrConflict)
		unchanged(t, b, fp, "SaveInstrument of a changed definition")

		changed.Version = 2
		mustSaveInstrument(t, s, changed)
		other := pulse(1)
		other.ID = "another"
		mustSaveInstrument(t, s, other)

		if got, err := s.Surveys.FindInstrument(ctx, "pulse", 0); err != nil || got.Version != 2 || got.Title.Ja != "職場の安全" {
			t.Errorf("FindInstrument(pulse, latest) = %+v, %v; want version 2", got, err)
		}
		got, err := s.Surveys.FindInstrument(ctx, "pulse", 1)
		if err != nil || got.Version != 1 || got.Title.Ja != "職場の安心" {
			t.Fatalf("FindInstrument(pulse, 1) = %+v, %v; want version 1", got, err)
		}
		if a, b := mustJSON(t, got), mustJSON(t, pulse(1)); a != b {
			t.Errorf("FindInstrument(pulse, 1) = %s\nwant %s", a, b)
		}
		_, err = s.Surveys.FindInstrument(ctx, "pulse", 3)
		wantErr(t, "FindInstrument(unknown version)", err, tsunagari.ErrNotFound)
		_, err = s.Surveys.FindInstrument(ctx, "nothing", 0)
		wantErr(t, "FindInstrument(unknown)", err, tsunagari.ErrNotFound)

		list, err := s.Surveys.FindInstruments(ctx, tsunagari.InstrumentFilter{All: true})
		if err != nil || len(list) != 2 || list[0].ID != "another" || list[1].ID != "pulse" || list[1].Version != 2 {
			t.Errorf("FindInstruments = %v, %v; want another v1 and pulse v2", list, err)
		}
	})

	t.Run("Rounds", func(t *testing.T) {
		b := open(t)
		s := b.Stores()
		mustSaveInstrument(t, s, pulse(1))
		o, other := mustCreateOrg(t, s, "みなと精機"), mustCreateOrg(t, s, "さくら介護")
		hr := mustCreateAccount(t, s, account("hr@example.jp", tsunagari.RoleHRAdmin))
		standing := mustCreateRound(t, s, &tsunagari.Round{Mode: tsunagari.ModePersonal, Standing: true})
		orgRound := mustCreateRound(t, s, &tsunagari.Round{Mode: tsunagari.ModeAttributed, OrgID: o.ID,
			ClosesAt: t0.Add(14 * 24 * time.Hour), CreatedBy: hr.ID})
		mustCreateRound(t, s, &tsunagari.Round{Mode: tsunagari.ModeAnonymous, OrgID: other.ID})
		closed := mustCreateRound(t, s, &tsunagari.Round{Mode: tsunagari.ModeAnonymous,
			OpensAt: t0.Add(-48 * time.Hour), ClosesAt: t0.Add(-24 * time.Hour)})

		got, err := s.Surveys.FindRound(ctx, orgRound.ID)
		if err != nil || got.Mode != tsunagari.ModeAttributed || got.OrgID != o.ID || got.CreatedBy != hr.ID ||
			!sameTime(got.OpensAt, t0) || !sameTime(got.ClosesAt, orgRound.ClosesAt) || got.Standing ||
			got.InstrumentID != "pulse" || got.InstrumentVersion != 1 {
			t.Errorf("FindRound = %+v, %v; want %+v", got, err, orgRound)
		}
		if got, err := s.Surveys.FindRound(ctx, standing.ID); err != nil || !got.Standing || !got.ClosesAt.IsZero() || got.OrgID != "" {
			t.Errorf("FindRound(standing) = %+v, %v", got, err)
		}
		_, err = s.Surveys.FindRound(ctx, tsunagari.NewID())
		wantErr(t, "FindRound(unknown)", err, tsunagari.ErrNotFound)

		ids := func(f tsunagari.RoundFilter) []string {
			t.Helper()
			rs, err := s.Surveys.FindRounds(ctx, f)
			if err != nil {
				t.Fatalf("FindRounds(%+v) error = %v", f, err)
			}
			var out []string
			for _, r := range rs {
				out = append(out, r.ID)
			}
			slices.Sort(out)
			return out
		}
		sorted := func(ids ...string) []string { slices.Sort(ids); return ids }
		yes := true
		if got, want := ids(tsunagari.RoundFilter{Standing: &yes}), sorted(standing.ID); !slices.Equal(got, want) {
			t.Errorf("FindRounds(standing) = %v, want %v", got, want)
		}
		if got, want := ids(tsunagari.RoundFilter{OrgID: o.ID, Everyone: true, OpenAt: t0.Add(time.Hour)}),
			sorted(standing.ID, orgRound.ID); !slices.Equal(got, want) {
			t.Errorf("FindRounds(open for org A) = %v, want %v", got, want)
		}
		if got, want := ids(tsunagari.RoundFilter{Everyone: true}), sorted(standing.ID, closed.ID); !slices.Equal(got, want) {
			t.Errorf("FindRounds(everyone) = %v, want %v", got, want)
		}
		if got := ids(tsunagari.RoundFilter{InstrumentID: "pulse", Version: 2}); len(got) != 0 {
			t.Errorf("FindRounds(version 2) = %v, want none", got)
		}

		fp := fingerprint(t, b)
		err = s.Surveys.CreateRound(ctx, &tsunagari.Round{InstrumentID: "pulse", InstrumentVersion: 1,
			Mode: tsunagari.ModePersonal, Standing: true, OpensAt: t0})
		wantErr(t, "CreateRound(second standing round)", err, tsunagari.ErrConflict)
		err = s.Surveys.CreateRound(ctx, &tsunagari.Round{InstrumentID: "pulse", InstrumentVersion: 9,
			Mode: tsunagari.ModeAnonymous, OpensAt: t0})
		wantErr(t, "CreateRound(unknown version)", err, tsunagari.ErrNotFound)
		err = s.Surveys.CreateRound(ctx, &tsunagari.Round{InstrumentID: "pulse", InstrumentVersion: 1,
			Mode: tsunagari.ModeAnonymous, OrgID: tsunagari.NewID(), OpensAt: t0})
		wantErr(t, "CreateRound(unknown org)", err, tsunagari.ErrNotFound)
		unchanged(t, b, fp, "rejected CreateRound calls")
	})

	t.Run("PersonalResponses", func(t *testing.T) {
		b := open(t)
		s := b.Stores()
		mustSaveInstrument(t, s, pulse(1))
		me := mustCreateAccount(t, s, account("me@example.jp"))
		you := mustCreateAccount(t, s, account("you@example.jp"))
		r := mustCreateRound(t, s, &tsunagari.Round{Mode: tsunagari.ModePersonal, Standing: true})

		in := pulse(1)
		var mine []*tsunagari.Response
		for i, at := range []time.Time{t0, t0.Add(30 * 24 * time.Hour), t0.Add(60 * 24 * time.Hour)} {
			as := answers(float64(i+2), 2)
			resp := &tsunagari.Response{RoundID: r.ID, AccountID: me.ID, SubmittedAt: at, Answers: as, Scores: in.Score(as)}
			if err := s.Surveys.SubmitResponse(ctx, resp); err != nil {
				t.Fatalf("SubmitResponse(personal) error = %v", err)
			}
			if !tsunagari.ValidID(resp.ID) {
				t.Errorf("SubmitResponse set ID %q", resp.ID)
			}
			mine = append(mine, resp)
		}
		theirs := &tsunagari.Response{RoundID: r.ID, AccountID: you.ID, Answers: answers(5, 1)}
		if err := s.Surveys.SubmitResponse(ctx, theirs); err != nil {
			t.Fatal(err)
		}
		if theirs.SubmittedAt.IsZero() {
			t.Error("SubmitResponse left SubmittedAt zero")
		}

		got, err := s.Surveys.FindResponses(ctx, tsunagari.ResponseFilter{AccountID: me.ID, InstrumentID: "pulse"})
		if err != nil || len(got) != 3 {
			t.Fatalf("FindResponses(me) = %d, %v; want 3", len(got), err)
		}
		for i, resp := range got {
			want := mine[len(mine)-1-i] // newest first
			if resp.ID != want.ID || resp.AccountID != me.ID || resp.RoundID != r.ID || resp.InstrumentID != "pulse" ||
				resp.InstrumentVersion != 1 || !sameTime(resp.SubmittedAt, want.SubmittedAt) ||
				mustJSON(t, resp.Answers) != mustJSON(t, want.Answers) || !slices.Equal(resp.Scores, want.Scores) {
				t.Errorf("FindResponses[%d] = %+v, want %+v", i, resp, want)
			}
		}
		if got, _ := s.Surveys.FindResponses(ctx, tsunagari.ResponseFilter{AccountID: me.ID, Limit: 1}); len(got) != 1 || got[0].ID != mine[2].ID {
			t.Errorf("FindResponses(limit 1) = %v, want the newest", got)
		}
		if got, _ := s.Surveys.FindResponses(ctx, tsunagari.ResponseFilter{AccountID: me.ID, InstrumentID: "other"}); len(got) != 0 {
			t.Errorf("FindResponses(other instrument) = %v, want none", got)
		}
		_, err = s.Surveys.FindResponses(ctx, tsunagari.ResponseFilter{InstrumentID: "pulse"})
		wantErr(t, "FindResponses without an account", err, tsunagari.ErrNotFound)

		if ok, err := s.Surveys.Participated(ctx, r.ID, me.ID); err != nil || !ok {
			t.Errorf("Participated(me) = %v, %v; want true", ok, err)
		}
		stranger := mustCreateAccount(t, s, account("stranger@example.jp"))
		if ok, err := s.Surveys.Participated(ctx, r.ID, stranger.ID); err != nil || ok {
			t.Errorf("Participated(stranger) = %v, %v; want false", ok, err)
		}
		// Personal answers never leave through the aggregation path.
		n := 0
		if err := s.Surveys.EachAnswerSet(ctx, r.ID, func(tsunagari.Segments, []tsunagari.Answer) error { n++; return nil }); err != nil || n != 0 {
			t.Errorf("EachAnswerSet(personal round) yielded %d, %v; want nothing", n, err)
		}

		fp := fingerprint(t, b)
		err = s.Surveys.SubmitResponse(ctx, &tsunagari.Response{RoundID: tsunagari.NewID(), AccountID: me.ID, Answers: answers(1, 1)})
		wantErr(t, "SubmitResponse(unknown round)", err, tsunagari.ErrNotFound)
		unchanged(t, b, fp, "SubmitResponse to an unknown round")
	})

	t.Run("ImportResponses", func(t *testing.T) {
		b := open(t)
		s := b.Stores()
		mustSaveInstrument(t, s, pulse(1))
		me := mustCreateAccount(t, s, account("me@example.jp"))
		you := mustCreateAccount(t, s, account("you@example.jp"))
		personal := mustCreateRound(t, s, &tsunagari.Round{Mode: tsunagari.ModePersonal, Standing: true})
		anon := mustCreateRound(t, s, &tsunagari.Round{Mode: tsunagari.ModeAnonymous})
		key := tsunagari.NewID()
		batch := []*tsunagari.Response{
			{ID: tsunagari.NewID(), RoundID: personal.ID, AccountID: me.ID, SubmittedAt: t0, Answers: answers(1, 5)},
			{ID: tsunagari.NewID(), RoundID: personal.ID, AccountID: me.ID, SubmittedAt: t0.Add(time.Hour), Answers: answers(5, 1)},
			{ID: key, RoundID: anon.ID, AccountID: me.ID, SubmittedAt: t0, Answers: answers(3, 3)},
			{RoundID: anon.ID, Answers: answers(2, 2)}, // an answer from before participation was tracked
		}
		fp := fingerprint(t, b)
		bad := append(slices.Clone(batch), &tsunagari.Response{RoundID: tsunagari.NewID(), AccountID: you.ID, Answers: answers(3, 3)})
		wantErr(t, "ImportResponses(with an unknown round)", s.Surveys.ImportResponses(ctx, bad), tsunagari.ErrNotFound)
		twice := append(slices.Clone(batch), &tsunagari.Response{RoundID: anon.ID, AccountID: me.ID, Answers: answers(3, 3)})
		wantErr(t, "ImportResponses(one person twice in an anonymous round)", s.Surveys.ImportResponses(ctx, twice), tsunagari.ErrConflict)
		unchanged(t, b, fp, "rejected imports")

		batch[2].ID = key // the rejected imports cleared it
		if err := s.Surveys.ImportResponses(ctx, batch); err != nil {
			t.Fatal(err)
		}
		if batch[2].ID != "" || !batch[2].SubmittedAt.IsZero() {
			t.Errorf("an imported anonymous response kept ID %q and time %v", batch[2].ID, batch[2].SubmittedAt)
		}
		got, err := s.Surveys.FindResponses(ctx, tsunagari.ResponseFilter{AccountID: me.ID})
		if err != nil || len(got) != 2 || got[0].ID != batch[1].ID || !sameTime(got[0].SubmittedAt, batch[1].SubmittedAt) {
			t.Errorf("after import FindResponses = %v, %v; want the two personal responses", got, err)
		}
		if ok, _ := s.Surveys.Participated(ctx, anon.ID, me.ID); !ok {
			t.Error("the import did not record participation")
		}
		n := 0
		s.Surveys.EachAnswerSet(ctx, anon.ID, func(tsunagari.Segments, []tsunagari.Answer) error { n++; return nil })
		if n != 2 {
			t.Errorf("EachAnswerSet after import yielded %d, want 2", n)
		}
	})

	t.Run("PooledResponses", func(t *testing.T) {
		b := open(t)
		s := b.Stores()
		mustSaveInstrument(t, s, pulse(1))
		o := mustCreateOrg(t, s, "みなと精機")
		dept := mustCreateDepartment(t, s, o.ID, "", "営業部")
		anon := mustCreateRound(t, s, &tsunagari.Round{Mode: tsunagari.ModeAnonymous, OrgID: o.ID})
		attr := mustCreateRound(t, s, &tsunagari.Round{Mode: tsunagari.ModeAttributed, OrgID: o.ID})
		seg := tsunagari.Segments{SizeBand: tsunagari.SizeLarge, Industry: "manufacturing", DepartmentID: dept.ID,
			AgeBand: "30s", JobFamily: "sales"}

		var people []*tsunagari.Account
		for i := range 12 {
			people = append(people, mustCreateAccount(t, s, account(fmt.Sprintf("p%02d@example.jp", i))))
		}
		for i, p := range people {
			for _, r := range []*tsunagari.Round{anon, attr} {
				resp := &tsunagari.Response{RoundID: r.ID, AccountID: p.ID, Segments: seg, SubmittedAt: t0,
					Answers: []tsunagari.Answer{{Item: "q1", Value: tsunagari.Float(float64(i%5 + 1))},
						{Item: "q3", Choices: []string{"short"}, Other: fmt.Sprintf("#%02d", i)}}}
				if err := s.Surveys.SubmitResponse(ctx, resp); err != nil {
					t.Fatalf("SubmitResponse(%s, %s) error = %v", r.Mode, p.Email, err)
				}
				if resp.ID != "" || !resp.SubmittedAt.IsZero() {
					t.Errorf("SubmitResponse(%s) kept ID %q and time %v; want neither", r.Mode, resp.ID, resp.SubmittedAt)
				}
			}
		}

		// A second answer to an anonymous round is refused and stores
		// nothing.
		fp := fingerprint(t, b)
		for _, r := range []*tsunagari.Round{anon, attr} {
			err := s.Surveys.SubmitResponse(ctx, &tsunagari.Response{RoundID: r.ID, AccountID: people[3].ID, Answers: answers(1, 1)})
			wantErr(t, "SubmitResponse(second answer, "+string(r.Mode)+")", err, tsunagari.ErrConflict)
		}
		unchanged(t, b, fp, "second answers")

		for _, p := range people {
			if ok, err := s.Surveys.Participated(ctx, anon.ID, p.ID); err != nil || !ok {
				t.Errorf("Participated(%s) = %v, %v; want true", p.Email, ok, err)
			}
			if got, err := s.Surveys.FindResponses(ctx, tsunagari.ResponseFilter{AccountID: p.ID}); err != nil || len(got) != 0 {
				t.Errorf("FindResponses(%s) = %d, %v; pooled answers must not be found by person", p.Email, len(got), err)
			}
		}

		// The aggregation path yields every answer, without segments for
		// the anonymous round, and not in the order they came.
		for _, r := range []*tsunagari.Round{anon, attr} {
			var order []string
			err := s.Surveys.EachAnswerSet(ctx, r.ID, func(got tsunagari.Segments, as []tsunagari.Answer) error {
				want := seg
				if r.Mode == tsunagari.ModeAnonymous {
					want = tsunagari.Segments{}
				}
				if got != want {
					t.Errorf("EachAnswerSet(%s) segments = %+v, want %+v", r.Mode, got, want)
				}
				order = append(order, as[1].Other)
				return nil
			})
			if err != nil || len(order) != len(people) {
				t.Fatalf("EachAnswerSet(%s) yielded %d, %v; want %d", r.Mode, len(order), err, len(people))
			}
			if slices.IsSorted(order) {
				t.Errorf("EachAnswerSet(%s) yields answers in the order they were given: %v", r.Mode, order)
			}
		}
	})

	t.Run("AnonymousUnlinkable", func(t *testing.T) {
		testAnonymousUnlinkable(t, open(t))
	})
	testSurveyAuthoring(t, open)
}

// testAnonymousUnlinkable reads every row of every table after two people
// answer an anonymous round, and checks that no row ties an answer to
// either of them: rows that name a respondent share no value with any row
// that holds answers except the round's own ID, and the tables that hold
// answers have no account and no time.
func testAnonymousUnlinkable(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Stores()
	mustSaveInstrument(t, s, pulse(1))
	o := mustCreateOrg(t, s, "みなと精機")
	dept := mustCreateDepartment(t, s, o.ID, "", "営業部")
	round := mustCreateRound(t, s, &tsunagari.Round{Mode: tsunagari.ModeAnonymous, OrgID: o.ID})

	var people []*tsunagari.Account
	for i, email := range []string{"aoi@example.jp", "ren@example.jp", "mei@example.jp"} {
		a := account(email)
		a.Employment = &tsunagari.Employment{OrgID: o.ID, DepartmentID: dept.ID, StartedAt: t0}
		mustCreateAccount(t, s, a)
		people = append(people, a)
		resp := &tsunagari.Response{RoundID: round.ID, AccountID: a.ID, SubmittedAt: t0.Add(time.Duration(i) * time.Minute),
			Segments: tsunagari.Segments{DepartmentID: dept.ID, AgeBand: "30s"},
			Answers:  []tsunagari.Answer{{Item: "q1", Value: tsunagari.Float(float64(i + 1))}, {Item: "q3", Choices: []string{"long"}, Other: fmt.Sprintf("answer-%d", i)}}}
		if err := s.Surveys.SubmitResponse(ctx, resp); err != nil {
			t.Fatal(err)
		}
	}
	dump, ok := b.(interface {
		Dump(ctx context.Context) (map[string][][]string, error)
	})
	if !ok {
		t.Fatal("the backend cannot dump its tables")
	}
	tables, err := dump.Dump(ctx)
	if err != nil {
		t.Fatal(err)
	}

	// Rows holding answers: any row with an answer's marker text.
	type row struct {
		table string
		cols  []string
		vals  []string
	}
	var answerRows, personRows []row
	for name, rows := range tables {
		for _, vals := range rows[1:] {
			r := row{name, rows[0], vals}
			joined := strings.Join(vals, "\x00")
			if strings.Contains(joined, "answer-") {
				answerRows = append(answerRows, r)
			}
			for _, p := range people {
				if strings.Contains(joined, p.ID) || strings.Contains(joined, p.Email) {
					personRows = append(personRows, r)
					break
				}
			}
		}
	}
	if len(answerRows) != len(people) {
		t.Fatalf("%d rows hold answers, want %d (one per respondent)", len(answerRows), len(people))
	}
	for _, a := range answerRows {
		for i, col := range a.cols {
			if strings.Contains(col, "account") || strings.HasSuffix(col, "_at") || col == "department_id" && a.vals[i] != "" {
				t.Errorf("%s.%s = %q: anonymous answers must carry no account, time or segment", a.table, col, a.vals[i])
			}
		}
		for _, p := range personRows {
			if p.table == a.table {
				t.Errorf("table %s holds both answers and a respondent's row", a.table)
			}
			for i, v := range a.vals {
				if v == "" || v == round.ID {
					continue
				}
				if slices.Contains(p.vals, v) {
					t.Errorf("%s.%s = %q also appears in %s %v: it links an answer to a respondent",
						a.table, a.cols[i], v, p.table, p.vals)
				}
			}
		}
	}
	// Participation is recorded, answers are not next to it.
	var participation int
	for _, p := range personRows {
		if p.table == "survey_participation" {
			participation++
			if len(p.vals) != 2 {
				t.Errorf("survey_participation has columns %v; want round and account only", p.cols)
			}
		}
	}
	if participation != len(people) {
		t.Errorf("%d participation rows, want %d", participation, len(people))
	}
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
