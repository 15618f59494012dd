package demo

import (
	"context"
	"slices"
	"testing"
	"time"

	"tsunagari"
	"tsunagari/internal/auth"
	"tsunagari/internal/consulting"
)

func TestConsultationDemo(t *testing.T) {
	ctx := context.Background()
	db := mustOpenDB(t)
	sealer, err := auth.NewSealer([]byte("demo tests: a thirty-two byte k!"))
	if err != nil {
		t.Fatal(err)
	}
	g := &Generator{Stores: db.Stores(), Seed: 7, Now: testNow, PasswordHash: testHash, Sealer: sealer}
	p, err := g.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st := db.Stores().Consultation
	all, total, err := st.FindConsultants(ctx, tsunagari.ConsultantFilter{})
	if err != nil {
		t.Fatal(err)
	}
	verified, _, _ := st.FindConsultants(ctx, tsunagari.ConsultantFilter{Verified: true})
	if total != ConsultantCount || len(verified) != ConsultantCount-2 || len(verified) < 30 {
		t.Fatalf("%d consultants, %d verified; want %d with all but two verified", total, len(verified), ConsultantCount)
	}

	// Varied: backgrounds, themes, genders, languages, ways of working.
	industries, themes, genders, languages := map[string]bool{}, map[string]bool{}, map[string]bool{}, map[string]bool{}
	ages := map[string]bool{}
	var inPerson, employerPaid, paid int
	for _, c := range all {
		for _, v := range c.Industries {
			industries[v] = true
		}
		for _, v := range c.Themes {
			themes[v] = true
		}
		for _, v := range c.Languages {
			languages[v] = true
		}
		genders[c.Gender], ages[c.AgeBand] = true, true
		if len(c.Values) != 8 || c.Message == "" || !c.Online && !c.InPerson {
			t.Errorf("consultant %s: %d values scores, message %q", c.DisplayName, len(c.Values), c.Message)
		}
		switch {
		case c.EmployerPaid:
			employerPaid++
		case c.FeeYen > 0:
			paid++
		}
		if c.InPerson {
			inPerson++
		}
	}
	if len(industries) < 8 || len(themes) < 15 || !genders["female"] || !genders["male"] || len(languages) < 2 || len(ages) < 3 ||
		inPerson == 0 || employerPaid == 0 || paid == 0 {
		t.Errorf("not varied enough: %d industries, %d themes, genders %v, languages %v, ages %v, %d in person, %d employer-paid, %d paid",
			len(industries), len(themes), genders, languages, ages, inPerson, employerPaid, paid)
	}
	if c, err := st.FindConsultant(ctx, p.Personas["consultant@tsunagari.example"].ID); err != nil || !c.Verified() {
		t.Errorf("the persona consultant@ has no verified profile: %v, %v", c, err)
	}

	// Hours over the coming weeks; a few consultants nearly full, most
	// with room; never more than the weekly maximum, never an overlap.
	svc := &consulting.Service{Store: st, Accounts: db.Stores().Accounts, Sealer: sealer, Now: func() time.Time { return testNow }}
	member := p.Personas["member@tsunagari.example"]
	withRoom := 0
	for _, c := range verified {
		slots, err := svc.Slots(ctx, member, c.AccountID, testNow, testNow.AddDate(0, 0, 14))
		if err != nil {
			t.Fatal(err)
		}
		if len(slots) > 0 {
			withRoom++
		}
		av, _ := st.FindAvailability(ctx, c.AccountID)
		bs, _ := st.FindBookings(ctx, tsunagari.BookingFilter{ConsultantID: c.AccountID, Active: true})
		perWeek := map[time.Time]int{}
		for i, b := range bs {
			if b.Start.After(testNow) {
				w, _ := tsunagari.WeekOf(b.Start, av.Location())
				perWeek[w]++
			}
			for _, o := range bs[i+1:] {
				if b.Overlaps(o.Start, o.BlockedUntil) {
					t.Errorf("%s: bookings %s and %s overlap", c.DisplayName, b.ID, o.ID)
				}
			}
		}
		for w, n := range perWeek {
			if n > av.WeeklyMax {
				t.Errorf("%s: %d bookings in the week of %s, over the maximum of %d", c.DisplayName, n, w, av.WeeklyMax)
			}
		}
	}
	if withRoom < len(verified)*2/3 || withRoom == len(verified) {
		t.Errorf("%d of %d consultants have free slots in the next two weeks; want most, not all", withRoom, len(verified))
	}

	// The personas' history: past sessions with records, and one ahead.
	for _, email := range []string{"member@tsunagari.example", "member2@tsunagari.example"} {
		m := p.Personas[email]
		views, err := svc.MyBookings(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		var past, ahead int
		for _, v := range views {
			if v.End.Before(testNow) {
				past++
				if _, err := svc.Reflection(ctx, m, v.ID); err != nil {
					t.Errorf("%s: reflection of %s: %v", email, v.ID, err)
				}
				if len(v.ConfirmedThemes) == 0 {
					t.Errorf("%s: a past session without confirmed themes", email)
				}
			} else {
				ahead++
			}
		}
		if past == 0 || ahead == 0 {
			t.Errorf("%s: %d past and %d coming sessions; want both", email, past, ahead)
		}
	}
	// A consultant reads the sealed notes of their sessions.
	notes := 0
	for _, c := range verified {
		acc, _ := db.Stores().Accounts.FindAccountByID(ctx, c.AccountID)
		views, _ := svc.Schedule(ctx, acc, testNow.AddDate(0, -6, 0), testNow)
		for _, v := range views {
			n, err := svc.Note(ctx, acc, v.ID)
			if err != nil {
				t.Fatalf("note of %s: %v", v.ID, err)
			}
			if n.Text != "" {
				notes++
				if !slices.Contains(pastNotes, n.Text) {
					t.Errorf("note %q is not one of the demo's", n.Text)
				}
			}
		}
	}
	t.Logf("%d consultants (%d verified), %d with free slots in the next two weeks, %d past sessions with notes",
		total, len(verified), withRoom, notes)
	if notes < 60 {
		t.Errorf("%d past sessions have notes; want a history of at least 60", notes)
	}
}
