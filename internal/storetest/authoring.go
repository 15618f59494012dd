package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"tsunagari"
)

// The contract of authored instruments, rounds for an audience or about a
// subject, paired answers and participation counts.
func testSurveyAuthoring(t *testing.T, open func(t *testing.T) Backend) {
	ctx := context.Background()

	t.Run("AddInstrumentVersion", func(t *testing.T) {
		b := open(t)
		s := b.Stores()
		o, other := mustCreateOrg(t, s, "みなと精機"), mustCreateOrg(t, s, "さくら介護")
		hr := mustCreateAccount(t, s, account("hr@example.jp", tsunagari.RoleHRAdmin))
		mustSaveInstrument(t, s, pulse(1)) // the platform's

		in := pulse(0)
		in.ID, in.OrgID, in.CreatedBy = "minato_pulse", o.ID, hr.ID
		added, err := s.Surveys.AddInstrumentVersion(ctx, in, t0)
		if err != nil || !added || in.Version != 1 {
			t.Fatalf("AddInstrumentVersion(new) = %v, %v, version %d; want added as version 1", added, err, in.Version)
		}
		fp := fingerprint(t, b)
		again := pulse(0)
		again.ID, again.OrgID = "minato_pulse", o.ID
		if added, err := s.Surveys.AddInstrumentVersion(ctx, again, t0); err != nil || added || again.Version != 1 {
			t.Errorf("AddInstrumentVersion(unchanged) = %v, %v, version %d; want nothing added, version 1", added, err, again.Version)
		}
		theirs := pulse(0)
		theirs.ID, theirs.OrgID = "minato_pulse", other.ID
		_, err = s.Surveys.AddInstrumentVersion(ctx, theirs, t0)
		wantErr(t, "AddInstrumentVersion(another org's ID)", err, tsunagari.ErrConflict)
		platform := pulse(0) // the platform's pulse, claimed by an org
		platform.OrgID = o.ID
		_, err = s.Surveys.AddInstrumentVersion(ctx, platform, t0)
		wantErr(t, "AddInstrumentVersion(the platform's ID for an org)", err, tsunagari.ErrConflict)
		unchanged(t, b, fp, "AddInstrumentVersion without a change")

		changed := pulse(0)
		changed.ID, changed.OrgID = "minato_pulse", o.ID
		changed.Title.Ja = "職場の安全"
		if added, err := s.Surveys.AddInstrumentVersion(ctx, changed, t0.Add(time.Hour)); err != nil || !added || changed.Version != 2 {
			t.Fatalf("AddInstrumentVersion(changed) = %v, %v, version %d; want version 2", added, err, changed.Version)
		}
		v1, err := s.Surveys.FindInstrument(ctx, "minato_pulse", 1)
		if err != nil || v1.Title.Ja != "職場の安心" || v1.OrgID != o.ID || v1.CreatedBy != hr.ID {
			t.Errorf("FindInstrument(v1) = %+v, %v; want the first wording, owned by the org, by its author", v1, err)
		}
		latest, err := s.Surveys.FindInstrument(ctx, "minato_pulse", 0)
		if err != nil || latest.Version != 2 || latest.Title.Ja != "職場の安全" || latest.OrgID != o.ID {
			t.Errorf("FindInstrument(latest) = %+v, %v; want version 2", latest, err)
		}
		// The platform's own may be versioned by the platform.
		next := pulse(0)
		next.Title.En = "Safety at work, again"
		if added, err := s.Surveys.AddInstrumentVersion(ctx, next, t0); err != nil || !added || next.Version != 2 {
			t.Errorf("AddInstrumentVersion(platform) = %v, %v, version %d; want version 2", added, err, next.Version)
		}

		list := func(f tsunagari.InstrumentFilter) []string {
			t.Helper()
			ins, err := s.Surveys.FindInstruments(ctx, f)
			if err != nil {
				t.Fatalf("FindInstruments(%+v) error = %v", f, err)
			}
			var out []string
			for _, in := range ins {
				out = append(out, fmt.Sprintf("%s@%d", in.ID, in.Version))
			}
			return out
		}
		for _, tt := range []struct {
			f    tsunagari.InstrumentFilter
			want []string
		}{
			{tsunagari.InstrumentFilter{All: true}, []string{"minato_pulse@2", "pulse@2"}},
			{tsunagari.InstrumentFilter{Platform: true}, []string{"pulse@2"}},
			{tsunagari.InstrumentFilter{OrgID: o.ID}, []string{"minato_pulse@2"}},
			{tsunagari.InstrumentFilter{Platform: true, OrgID: o.ID}, []string{"minato_pulse@2", "pulse@2"}},
			{tsunagari.InstrumentFilter{Platform: true, OrgID: other.ID}, []string{"pulse@2"}},
			{tsunagari.InstrumentFilter{}, nil},
		} {
			if got := list(tt.f); !slices.Equal(got, tt.want) {
				t.Errorf("FindInstruments(%+v) = %v, want %v", tt.f, got, tt.want)
			}
		}
	})

	t.Run("RoundsForAudiencesAndSubjects", func(t *testing.T) {
		b := open(t)
		s := b.Stores()
		mustSaveInstrument(t, s, pulse(1))
		o := mustCreateOrg(t, s, "みなと精機")
		hrSurvey := mustCreateRound(t, s, &tsunagari.Round{Mode: tsunagari.ModeAttributed, Audience: tsunagari.RoleHRAdmin,
			ClosesAt: t0.Add(24 * time.Hour)})
		got, err := s.Surveys.FindRound(ctx, hrSurvey.ID)
		if err != nil || got.Audience != tsunagari.RoleHRAdmin || got.Subject != nil || got.Phase != "" {
			t.Errorf("FindRound(HR survey) = %+v, %v; want audience hr_admin and no subject", got, err)
		}

		subject := &tsunagari.Subject{Kind: tsunagari.SubjectProgramme, ID: "career-training-2026"}
		pre := &tsunagari.Round{InstrumentID: "pulse", InstrumentVersion: 1, Mode: tsunagari.ModeAttributed, OrgID: o.ID,
			Subject: subject, Phase: tsunagari.PhasePre, OpensAt: t0, CreatedAt: t0}
		post := &tsunagari.Round{InstrumentID: "pulse", InstrumentVersion: 1, Mode: tsunagari.ModeAttributed, OrgID: o.ID,
			Subject: subject, Phase: tsunagari.PhasePost, OpensAt: t0.Add(30 * 24 * time.Hour), CreatedAt: t0}

		// All or none: a pair with a second "pre" stores nothing.
		fp := fingerprint(t, b)
		dup := *pre
		dup.ID = ""
		err = s.Surveys.CreateRounds(ctx, []*tsunagari.Round{pre, &dup})
		wantErr(t, "CreateRounds(two pre rounds of one subject)", err, tsunagari.ErrConflict)
		unknown := *post
		unknown.ID, unknown.InstrumentVersion = "", 9
		pre.ID = ""
		err = s.Surveys.CreateRounds(ctx, []*tsunagari.Round{pre, &unknown})
		wantErr(t, "CreateRounds(with an unknown instrument version)", err, tsunagari.ErrNotFound)
		unchanged(t, b, fp, "rejected CreateRounds")

		pre.ID = ""
		if err := s.Surveys.CreateRounds(ctx, []*tsunagari.Round{pre, post}); err != nil {
			t.Fatalf("CreateRounds(pre, post) error = %v", err)
		}
		rs, err := s.Surveys.FindRounds(ctx, tsunagari.RoundFilter{Subject: subject})
		if err != nil || len(rs) != 2 {
			t.Fatalf("FindRounds(subject) = %v, %v; want the pair", rs, err)
		}
		phases := map[tsunagari.Phase]string{}
		for _, r := range rs {
			if r.Subject == nil || *r.Subject != *subject {
				t.Errorf("round %s subject = %v, want %v", r.ID, r.Subject, subject)
			}
			phases[r.Phase] = r.ID
		}
		if phases[tsunagari.PhasePre] != pre.ID || phases[tsunagari.PhasePost] != post.ID {
			t.Errorf("FindRounds(subject) phases = %v, want pre %s and post %s", phases, pre.ID, post.ID)
		}
		if rs, _ := s.Surveys.FindRounds(ctx, tsunagari.RoundFilter{Subject: &tsunagari.Subject{Kind: tsunagari.SubjectEvent, ID: subject.ID}}); len(rs) != 0 {
			t.Errorf("FindRounds(another kind of subject) = %v, want none", rs)
		}
		fp = fingerprint(t, b)
		again := *post
		again.ID = ""
		wantErr(t, "CreateRound(a second post round)", s.Surveys.CreateRound(ctx, &again), tsunagari.ErrConflict)
		unchanged(t, b, fp, "a second post round")
	})

	t.Run("AnswerPairs", func(t *testing.T) {
		b := open(t)
		s := b.Stores()
		mustSaveInstrument(t, s, pulse(1))
		o := mustCreateOrg(t, s, "みなと精機")
		subject := &tsunagari.Subject{Kind: tsunagari.SubjectConsultation, ID: tsunagari.NewID()}
		pre := &tsunagari.Round{InstrumentID: "pulse", InstrumentVersion: 1, Mode: tsunagari.ModeAttributed, OrgID: o.ID,
			Subject: subject, Phase: tsunagari.PhasePre, OpensAt: t0, CreatedAt: t0}
		post := &tsunagari.Round{InstrumentID: "pulse", InstrumentVersion: 1, Mode: tsunagari.ModeAttributed, OrgID: o.ID,
			Subject: subject, Phase: tsunagari.PhasePost, OpensAt: t0, CreatedAt: t0}
		if err := s.Surveys.CreateRounds(ctx, []*tsunagari.Round{pre, post}); err != nil {
			t.Fatal(err)
		}
		other := mustCreateRound(t, s, &tsunagari.Round{Mode: tsunagari.ModeAttributed, OrgID: o.ID})

		// Six people answer before; four of them, and one newcomer,
		// after. Each answers q1 with their number before and number+1
		// after, so pairs can be checked.
		if n, err := s.Surveys.CountParticipants(ctx, pre.ID); err != nil || n != 0 {
			t.Errorf("CountParticipants(no answers) = %d, %v; want 0", n, err)
		}
		for i := range 7 {
			p := mustCreateAccount(t, s, account(fmt.Sprintf("p%d@example.jp", i)))
			key := fmt.Sprintf("pair-%d", i)
			seg := tsunagari.Segments{AgeBand: tsunagari.AgeBands[i%len(tsunagari.AgeBands)]}
			one := func(r *tsunagari.Round, v float64) {
				t.Helper()
				resp := &tsunagari.Response{RoundID: r.ID, AccountID: p.ID, Segments: seg,
					Answers: []tsunagari.Answer{{Item: "q1", Value: tsunagari.Float(v)}}}
				if r.Subject != nil {
					resp.PairKey = key // the other round is not a pair's
				}
				if err := s.Surveys.SubmitResponse(ctx, resp); err != nil {
					t.Fatalf("SubmitResponse(%s, %s) error = %v", r.Phase, p.Email, err)
				}
			}
			if i < 6 {
				one(pre, float64(i%5+1))
			}
			if i >= 2 {
				one(post, float64(i%5+1)+0.5)
			}
			if i < 3 {
				one(other, 3)
			}
		}
		var pairs []string
		err := s.Surveys.EachAnswerPair(ctx, pre.ID, post.ID, func(seg tsunagari.Segments, a, b []tsunagari.Answer) error {
			if len(a) != 1 || len(b) != 1 || *b[0].Value != *a[0].Value+0.5 {
				t.Errorf("EachAnswerPair yielded %v and %v, which are not one person's", mustJSON(t, a), mustJSON(t, b))
			}
			pairs = append(pairs, seg.AgeBand)
			return nil
		})
		slices.Sort(pairs)
		if want := []string{"20s", "40s", "50s", "60s"}; err != nil || !slices.Equal(pairs, want) {
			t.Errorf("EachAnswerPair = %v, %v; want the four who answered both, with their segments %v", pairs, err, want)
		}
		n := 0
		s.Surveys.EachAnswerPair(ctx, pre.ID, other.ID, func(tsunagari.Segments, []tsunagari.Answer, []tsunagari.Answer) error { n++; return nil })
		s.Surveys.EachAnswerPair(ctx, pre.ID, pre.ID, func(tsunagari.Segments, []tsunagari.Answer, []tsunagari.Answer) error { n++; return nil })
		if n != 0 {
			t.Errorf("EachAnswerPair paired %d answers of unpaired rounds or of a round with itself; want none", n)
		}
		for _, tt := range []struct {
			round *tsunagari.Round
			want  int
		}{{pre, 6}, {post, 5}, {other, 3}} {
			if got, err := s.Surveys.CountParticipants(ctx, tt.round.ID); err != nil || got != tt.want {
				t.Errorf("CountParticipants(%s) = %d, %v; want %d", tt.round.Phase, got, err, tt.want)
			}
		}

		// Personal responses count once per person, however often they answer.
		personal := mustCreateRound(t, s, &tsunagari.Round{Mode: tsunagari.ModePersonal, Standing: true})
		me := mustCreateAccount(t, s, account("me@example.jp"))
		for range 3 {
			if err := s.Surveys.SubmitResponse(ctx, &tsunagari.Response{RoundID: personal.ID, AccountID: me.ID, Answers: answers(3, 3)}); err != nil {
				t.Fatal(err)
			}
		}
		if got, err := s.Surveys.CountParticipants(ctx, personal.ID); err != nil || got != 1 {
			t.Errorf("CountParticipants(personal, one person thrice) = %d, %v; want 1", got, err)
		}

		// An anonymous round keeps no pair key.
		anon := mustCreateRound(t, s, &tsunagari.Round{Mode: tsunagari.ModeAnonymous, OrgID: o.ID})
		p := mustCreateAccount(t, s, account("anon@example.jp"))
		if err := s.Surveys.SubmitResponse(ctx, &tsunagari.Response{RoundID: anon.ID, AccountID: p.ID, PairKey: "pair-secret-marker",
			Answers: answers(2, 2)}); err != nil {
			t.Fatal(err)
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
		for name, rows := range tables {
			for _, row := range rows[1:] {
				if slices.Contains(row, "pair-secret-marker") {
					t.Errorf("table %s keeps the pair key of an anonymous answer: %v", name, row)
				}
			}
		}
	})
}
