package demo

import (
	"context"
	"slices"
	"testing"
	"time"

	"tsunagari"
	"tsunagari/internal/sqlite"
)

// generate runs the default demo, whose communities the events step
// gives their calendars.
func generate(t *testing.T, seed int64) *sqlite.DB {
	t.Helper()
	db, _ := mustGenerate(t, seed, 0)
	return db
}

func TestEvents(t *testing.T) {
	ctx := context.Background()
	db := generate(t, 7)
	st := db.Stores()
	events, err := st.Events.FindEvents(ctx, tsunagari.EventFilter{EndsAfter: testNow})
	if err != nil {
		t.Fatal(err)
	}
	var trial, full, lottery, approval, recurring int
	for _, e := range events {
		if e.StartsAt.Before(testNow) {
			t.Errorf("%s starts before the demo's now", e.Title)
		}
		if e.TrialWelcome {
			trial++
		}
		if e.Recurrence != nil {
			recurring++
		}
		if e.Approval {
			approval++
		}
		occ, err := st.Events.FindOccurrences(ctx, e.ID, e.StartsAt, e.StartsAt.Add(time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if e.Lottery() {
			lottery++
			if len(occ) != 1 || occ[0].Requests < 15 || occ[0].LotteryDrawnAt != nil {
				t.Errorf("the lottery course has %+v", occ)
			}
		}
		if len(occ) == 1 && e.Capacity > 0 && occ[0].Confirmed == e.Capacity && occ[0].Waitlisted > 0 {
			full++
		}
	}
	if len(events) < 8 || trial < 5 || full != demoFull || lottery != 1 || approval != 1 || recurring < 2 {
		t.Errorf("%d events: %d welcome visitors, %d full with a waitlist, %d lottery, %d by approval, %d recurring",
			len(events), trial, full, lottery, approval, recurring)
	}
	projects, err := st.Probono.FindProjects(ctx, tsunagari.ProbonoFilter{Status: tsunagari.ProbonoRecruiting})
	if err != nil || len(projects) != 2 {
		t.Fatalf("recruiting projects = %d, %v", len(projects), err)
	}
	for _, p := range projects {
		apps, _ := st.Probono.FindApplications(ctx, p.ID, "")
		if len(apps) < 3 || !p.AnswerBy.After(testNow) {
			t.Errorf("%s has %d applications, answers by %v", p.Title, len(apps), p.AnswerBy)
		}
	}
	// The personas' own pages are left to the visitor.
	for _, d := range DemoAccounts() {
		a, err := st.Accounts.FindAccountByEmail(ctx, d.Email)
		if err != nil {
			t.Fatal(err)
		}
		if mine, _ := st.Events.FindRSVPs(ctx, tsunagari.RSVPFilter{AccountID: a.ID}); len(mine) != 0 {
			t.Errorf("persona %s has requests", d.Email)
		}
	}
	if fingerprint(t, db) != fingerprint(t, generate(t, 7)) {
		t.Error("the same seed gave different events")
	}
}

func TestEventsWithoutCommunities(t *testing.T) {
	db := mustOpenDB(t)
	steps := slices.DeleteFunc(DefaultSteps(), func(s Step) bool { return s.Name == "communities" })
	g := &Generator{Stores: db.Stores(), Seed: 1, Now: testNow, PasswordHash: testHash, Steps: steps}
	if _, err := g.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if events, err := db.Stores().Events.FindEvents(context.Background(), tsunagari.EventFilter{}); err != nil || len(events) != 0 {
		t.Errorf("events without communities: %d, %v", len(events), err)
	}
}
