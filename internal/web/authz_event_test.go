package web_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"time"

	"tsunagari"
	"tsunagari/internal/auth"
)

// The authorization matrix's objects of communities: events, requests
// for seats, communities, pro-bono projects and calendar feeds, and the
// forms that use them.

func emptyForm(*world, *actor) (string, string) { return form(url.Values{}) }

func cancelForm(*world, *actor) (string, string) {
	return form(url.Values{"reason": {"会場の都合"}})
}

func eventForm(*world, *actor) (string, string) {
	start := time.Now().Add(96 * time.Hour).In(tsunagari.Tokyo)
	return form(url.Values{"title": {"勉強会"}, "startsAt": {start.Format("2006-01-02T15:04")},
		"endsAt": {start.Add(time.Hour).Format("2006-01-02T15:04")}, "venue": {"新潟市民プラザ"}, "prefecture": {"15"},
		"capacity": {"10"}, "seats": {"first"}})
}

func projectForm(*world, *actor) (string, string) {
	answer := time.Now().Add(7 * 24 * time.Hour).In(tsunagari.Tokyo)
	return form(url.Values{"title": {"会計の見直し"}, "deliverable": {"新しい会計の手順書"}, "teamSize": {"2"}, "hoursPerWeek": {"5"},
		"durationMonths": {"2"}, "startsOn": {answer.AddDate(0, 0, 14).Format(time.DateOnly)}, "answerBy": {answer.Format(time.DateOnly)},
		"roleName1": {"経理"}, "roleSkills1": {"会計、Excel"}})
}

func applyForm(*world, *actor) (string, string) {
	return form(url.Values{"skills": {"Go、PostgreSQL"}, "hoursPerWeek": {"5"}})
}

func teamForm(w *world, _ *actor) (string, string) {
	return form(url.Values{"member": {w.application(0), w.application(1)}, "role-" + w.application(0): {"デザイナー"}})
}

// application returns the i-th application of the last project made with
// a team to choose, or an ID of none when there is no such project.
func (w *world) application(i int) string {
	if i < len(w.applications) {
		return w.applications[i]
	}
	return tsunagari.NewID()
}

// withFeed gives the actor a calendar feed before the request.
func withFeed(body func(*world, *actor) (string, string)) func(*world, *actor) (string, string) {
	return func(w *world, a *actor) (string, string) {
		if a.acc != nil {
			f := &tsunagari.CalendarFeed{AccountID: a.acc.ID, TokenHash: auth.HashToken(tsunagari.NewSecret("tsf_"))}
			if err := w.e.stores.Events.SetCalendarFeed(context.Background(), f); err != nil {
				w.e.t.Fatal(err)
			}
		}
		return body(w, a)
	}
}

// communityObject creates, for one cell, an object of a community in
// relation rel to a: "own" objects belong to a community a organises,
// "other" ones to a community a colleague organises, and "hidden" ones to
// a community the operator hid (a's own for kindNPO, a colleague's for
// the rest).
func (w *world) communityObject(kind objectKind, rel string, a *actor) (string, bool) {
	ctx := context.Background()
	st, t := w.e.stores, w.e.t
	if kind == kindFeed {
		token := tsunagari.NewSecret("tsf_")
		if err := st.Events.SetCalendarFeed(ctx, &tsunagari.CalendarFeed{AccountID: a.colleague.ID, TokenHash: auth.HashToken(token)}); err != nil {
			t.Fatal(err)
		}
		if rel == relGone {
			if err := st.Events.DeleteCalendarFeed(ctx, a.colleague.ID); err != nil {
				t.Fatal(err)
			}
		}
		return token, true
	}
	if !slices.Contains([]objectKind{kindEvent, kindEventRSVPd, kindRSVPConfirmed, kindRSVPPending, kindNPO, kindProject, kindProjectTeam}, kind) {
		return "", false
	}
	runner := a.acc
	if runner == nil { // anonymous: a member of org A's own
		runner = w.actors[slices.IndexFunc(w.actors, func(x *actor) bool { return x.role == "member" })].acc
	}
	if rel == relOther || rel == relHidden && kind != kindNPO {
		runner = a.colleague
	}
	c := w.e.communityRunBy(runner, tsunagari.CommunityNPO, "コミュニティ "+w.seq())
	if rel == relHidden {
		now := time.Now()
		if err := st.Communities.SetCommunityHidden(ctx, c.ID, &now, "規約違反"); err != nil {
			t.Fatal(err)
		}
	}
	if kind == kindNPO {
		return c.ID, true
	}
	person := func() *tsunagari.Account {
		p := &tsunagari.Account{Email: w.fresh(), Name: "参加 希望", PasswordHash: w.e.hash, Roles: []tsunagari.Role{tsunagari.RoleMember},
			JobFamily: "design", Industry: "it_telecom"}
		if err := st.Accounts.CreateAccount(ctx, p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if kind == kindProject || kind == kindProjectTeam {
		p := &tsunagari.ProbonoProject{CommunityID: c.ID, Title: "寄付サイト " + w.seq(), Deliverable: "ウェブサイト",
			Roles: []tsunagari.ProbonoRole{{Name: "デザイナー", Skills: []string{"Figma"}}}, TeamSize: 3, HoursPerWeek: 5, DurationMonths: 3,
			StartsOn: time.Now().AddDate(0, 1, 0).In(tsunagari.Tokyo).Format(time.DateOnly), AnswerBy: time.Now().Add(7 * 24 * time.Hour)}
		if err := st.Probono.CreateProject(ctx, p); err != nil {
			t.Fatal(err)
		}
		if kind == kindProjectTeam {
			w.applications = nil
			for _, skills := range [][]string{{"Figma"}, {"文章"}} {
				x := &tsunagari.ProbonoApplication{ProjectID: p.ID, AccountID: person().ID, Skills: skills, HoursPerWeek: 5}
				if err := st.Probono.CreateApplication(ctx, x); err != nil {
					t.Fatal(err)
				}
				w.applications = append(w.applications, x.ID)
			}
		}
		return p.ID, true
	}
	start := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Second)
	if kind == kindRSVPConfirmed {
		start = time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	}
	e := &tsunagari.Event{CommunityID: c.ID, Title: fmt.Sprintf("交流会 %s", w.seq()), StartsAt: start, EndsAt: start.Add(2 * time.Hour),
		Online: true, Capacity: 10, Waitlist: true, Approval: kind == kindRSVPPending, TrialWelcome: true, Exceptions: []string{}}
	if err := st.Events.CreateEvent(ctx, e); err != nil {
		t.Fatal(err)
	}
	switch kind {
	case kindEvent:
		return e.ID, true
	case kindEventRSVPd:
		if a.acc != nil {
			if err := st.Events.CreateRSVP(ctx, &tsunagari.RSVP{EventID: e.ID, StartsAt: e.StartsAt, AccountID: a.acc.ID}); err != nil {
				t.Fatal(err)
			}
		}
		return e.ID, true
	}
	r := &tsunagari.RSVP{EventID: e.ID, StartsAt: e.StartsAt, AccountID: person().ID}
	if err := st.Events.CreateRSVP(ctx, r); err != nil {
		t.Fatal(err)
	}
	return r.ID, true
}
