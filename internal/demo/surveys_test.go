package demo

import (
	"context"
	"slices"
	"testing"

	"tsunagari"
	"tsunagari/internal/survey"
)

func TestSurveys(t *testing.T) {
	ctx := context.Background()
	db, p := mustGenerate(t, 3, 0)
	st := db.Stores()

	people, values, isolation, checkIns, gaveUp, isolated := 0, 0, 0, 0, 0, 0
	for a := range p.Accounts() {
		people++
		byInstrument := map[string][]*tsunagari.Response{}
		rs, err := st.Surveys.FindResponses(ctx, tsunagari.ResponseFilter{AccountID: a.ID})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			byInstrument[r.InstrumentID] = append(byInstrument[r.InstrumentID], r)
			if r.SubmittedAt.Before(a.CreatedAt) || r.SubmittedAt.After(p.Now) {
				t.Errorf("%s answered %s at %v, outside their time here", a.Email, r.InstrumentID, r.SubmittedAt)
			}
		}
		if len(byInstrument[survey.ValuesDiagnosis]) > 0 {
			values++
		}
		if iso := byInstrument[survey.IsolationCheck]; len(iso) > 0 {
			isolation++
			for _, ans := range iso[0].Answers {
				if ans.Item == "given_up" && !slices.Equal(ans.Choices, []string{"none"}) {
					gaveUp++
				}
			}
			if v, _ := tsunagari.ScoreOf(iso[0].Scores, "isolation"); v > 65 {
				isolated++
			}
		}
		if len(byInstrument[survey.FivePowers]) >= 3 {
			checkIns++
		}
		if a.Email == "member@tsunagari.example" {
			if len(byInstrument[survey.ValuesDiagnosis]) != 2 || len(byInstrument[survey.IsolationCheck]) != 1 ||
				len(byInstrument[survey.FivePowers]) < 5 {
				t.Errorf("the member persona has %d values diagnoses, %d isolation checks, %d five-powers check-ins; want 2, 1, 5 or more",
					len(byInstrument[survey.ValuesDiagnosis]), len(byInstrument[survey.IsolationCheck]), len(byInstrument[survey.FivePowers]))
			}
		}
	}
	t.Logf("%d people: %d values diagnoses, %d isolation checks (%d gave something up, %d feel isolated), %d with 3+ five-powers check-ins",
		people, values, isolation, gaveUp, isolated, checkIns)
	if values < people*7/10 || isolation < people*6/10 || checkIns < people/5 {
		t.Errorf("too few results: want most people diagnosed and checked, a fifth with check-ins")
	}
	if share := float64(gaveUp) / float64(isolation); share < 0.25 || share > 0.6 {
		t.Errorf("%.0f%% gave up a challenge; want about four in ten", share*100)
	}
}

// TestHRSurvey checks the demo HR survey against the published shares,
// by company size.
func TestHRSurvey(t *testing.T) {
	ctx := context.Background()
	db, p := mustGenerate(t, 5, 0)
	st := db.Stores()
	no := false
	rounds, err := st.Surveys.FindRounds(ctx, tsunagari.RoundFilter{InstrumentID: survey.HRAutonomySurvey, Standing: &no})
	if err != nil || len(rounds) != 1 {
		t.Fatalf("HR survey rounds = %v, %v; want one", rounds, err)
	}
	r := rounds[0]
	if r.Audience != tsunagari.RoleHRAdmin || r.Mode != tsunagari.ModeAttributed || r.OrgID != "" || !r.ClosedAt(p.Now) {
		t.Errorf("HR survey round = %+v; want a closed attributed round for HR administrators of every org", r)
	}
	in, _ := st.Surveys.FindInstrument(ctx, r.InstrumentID, r.InstrumentVersion)
	type tally struct{ n, interested, strong, implementing, verified, notYet int }
	by := map[string]*tally{"all": {}}
	err = st.Surveys.EachAnswerSet(ctx, r.ID, func(seg tsunagari.Segments, answers []tsunagari.Answer) error {
		size := in.SegmentOf("company_size", seg, answers)
		if string(seg.SizeBand) != size {
			t.Errorf("snapshot size %s differs from the answer %s", seg.SizeBand, size)
		}
		if by[size] == nil {
			by[size] = &tally{}
		}
		for _, tl := range []*tally{by["all"], by[size]} {
			tl.n++
			for _, a := range answers {
				switch {
				case a.Item == "interest" && (a.Has("strong") || a.Has("somewhat")):
					tl.interested++
					if a.Has("strong") {
						tl.strong++
					}
				case a.Item == "initiatives" && (a.Has("primary") || a.Has("related")):
					tl.implementing++
				case a.Item == "effect" && a.Has("verified"):
					tl.verified++
				case a.Item == "effect" && a.Has("not_yet"):
					tl.notYet++
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	pct := func(a, b int) int { return int(float64(a)*100/float64(b) + 0.5) }
	all, large := by["all"], by["size_large"]
	if all.n != HRSurveyRespondents || large == nil {
		t.Fatalf("HR survey answers = %d, want %d over three sizes (%v)", all.n, HRSurveyRespondents, by)
	}
	for _, c := range []struct {
		what      string
		got, want int
	}{
		{"interested overall", pct(all.interested, all.n), 58},
		{"strongly interested at 1,001+", pct(large.strong, large.n), 30},
		{"implementing overall", pct(all.implementing, all.n), 40},
		{"implementing at 1,001+", pct(large.implementing, large.n), 60},
		{"able to verify the effect", pct(all.verified, all.n), 8},
		{"not yet at that stage", pct(all.notYet, all.n), 51},
	} {
		if c.got != c.want {
			t.Errorf("%s: %d%%, want %d%%", c.what, c.got, c.want)
		}
	}
	if n, _ := st.Surveys.CountParticipants(ctx, r.ID); n != 0 {
		t.Errorf("the synthetic HR answers recorded %d participants; they stand for companies, not accounts", n)
	}

	// The five-supports pulses: closed with answers by department at the
	// large employer, one open at the mid-sized one. The insights step
	// adds earlier, closed rounds at every employer.
	pulses, _ := st.Surveys.FindRounds(ctx, tsunagari.RoundFilter{InstrumentID: survey.FiveSupports, Standing: &no})
	if len(pulses) < 2 {
		t.Fatalf("five-supports rounds = %d, want at least 2", len(pulses))
	}
	largeClosed, midOpen := 0, 0
	for _, pr := range pulses {
		n, _ := st.Surveys.CountParticipants(ctx, pr.ID)
		depts := map[string]int{}
		st.Surveys.EachAnswerSet(ctx, pr.ID, func(seg tsunagari.Segments, _ []tsunagari.Answer) error {
			depts[seg.DepartmentID]++
			return nil
		})
		big := 0
		for _, c := range depts {
			if c >= 5 {
				big++
			}
		}
		switch pr.OrgID {
		case p.Employers[Large].Org.ID:
			if !pr.ClosedAt(p.Now) || n < 50 || big < 5 {
				t.Errorf("large employer's pulse: closed %v, %d answers, %d departments of 5 or more", pr.ClosedAt(p.Now), n, big)
			}
			if n >= 100 {
				largeClosed++
			}
		case p.Employers[Mid].Org.ID:
			if pr.OpenAt(p.Now) && n >= 10 {
				midOpen++
			}
		case p.Employers[Small].Org.ID:
		default:
			t.Errorf("a pulse for org %s", pr.OrgID)
		}
	}
	if largeClosed == 0 || midOpen != 1 {
		t.Errorf("%d closed pulses of 100 answers or more at the large employer, %d open with answers at the mid-sized one; want some and 1", largeClosed, midOpen)
	}
}
