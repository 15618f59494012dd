package demo

import (
	"context"
	"testing"

	"tsunagari"
	"tsunagari/internal/disclosure"
)

// The demo's employers have full reports: pulses with a trend, quarters
// with a funnel, the large employer's training with its effect, and some
// groups hidden everywhere.
func TestInsightsStep(t *testing.T) {
	ctx := context.Background()
	db, p := mustGenerate(t, 11, 0)
	st := db.Stores()
	for i, e := range p.Employers[:3] {
		pulses, err := st.Releases.FindReleases(ctx, e.Org.ID, tsunagari.ReleasePulse)
		if err != nil {
			t.Fatal(err)
		}
		periods, _ := st.Releases.FindReleases(ctx, e.Org.ID, tsunagari.ReleasePeriod)
		if len(pulses) == 0 || len(periods) < 3 {
			t.Errorf("employer %d: %d pulse releases, %d quarters", i, len(pulses), len(periods))
			continue
		}
		var doc disclosure.PulseDocument
		if err := disclosure.Unmarshal(pulses[0].Body, &doc); err != nil {
			t.Fatal(err)
		}
		shown, hidden := 0, 0
		for _, r := range doc.Release.Grid(disclosure.Breakdown{disclosure.Department}).Rows {
			if r.Cells[0].Hidden {
				hidden++
			} else {
				shown++
			}
		}
		if hidden == 0 || (i != Small && shown == 0) {
			t.Errorf("employer %d's pulse by department: %d shown, %d hidden; want both", i, shown, hidden)
		}
	}
	large := p.Employers[Large].Org.ID
	if pulses, _ := st.Releases.FindReleases(ctx, large, tsunagari.ReleasePulse); len(pulses) < 3 {
		t.Errorf("the large employer has %d pulse releases, want 3 for a trend", len(pulses))
	}
	progs, err := st.Releases.FindReleases(ctx, large, tsunagari.ReleaseProgramme)
	if err != nil || len(progs) != 1 {
		t.Fatalf("the large employer has %d programme releases, %v; want its training", len(progs), err)
	}
	var eff disclosure.ProgrammeDocument
	if err := disclosure.Unmarshal(progs[0].Body, &eff); err != nil {
		t.Fatal(err)
	}
	for _, e := range eff.Effects {
		if e.Hidden || e.Pairs < 40 {
			t.Errorf("effect %s: %+v, want shown over 40 pairs or more", e.Measure, e)
		}
		if e.Measure == "clarity" && (e.Size == nil || e.Size.Low <= 0) {
			t.Errorf("the training's effect on clarity = %+v, want a positive interval", e.Size)
		}
	}
}
