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
