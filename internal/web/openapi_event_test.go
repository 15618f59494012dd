package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"tsunagari"
)

// communityRunBy creates a community of kind run by a, directly in the
// store, as the community pages would.
func (e *testEnv) communityRunBy(a *tsunagari.Account, kind tsunagari.CommunityKind, name string) *tsunagari.Community {
	e.t.Helper()
	c := &tsunagari.Community{Kind: kind, Name: name, Purpose: name + "の目的", Prefecture: "15", Online: true,
		Languages: []string{"ja"}, JoinPolicy: tsunagari.JoinOpen, Tags: []string{}, Styles: []tsunagari.ActivityStyle{tsunagari.StyleEvents},
		Traits: []tsunagari.Trait{tsunagari.TraitNewcomerSupport}}
	if kind == tsunagari.CommunityRegionalAlumni {
		c.HomePrefecture = "15"
	}
	if a != nil {
		c.Organisers = []tsunagari.Organiser{{AccountID: a.ID, Role: tsunagari.CommunityOrganiser}}
	}
	if err := e.stores.Communities.CreateCommunity(context.Background(), c); err != nil {
		e.t.Fatal(err)
	}
	return c
}

func rfc3339(t time.Time) string { return t.UTC().Truncate(time.Second).Format(time.RFC3339) }

// eventScenario drives the event and pro-bono operations of /api/v1
// through the validator: an organiser's events with a waitlist, approval
// and check-in, a member's requests and calendar feed, and a pro-bono
// team from applications to confirmation.
func eventScenario(t *testing.T, e *testEnv, v *apiValidator, member *http.Client) {
	t.Helper()
	lead := e.account("event-lead@example.jp", "")
	org := e.signIn("event-lead@example.jp")
	npo := e.communityRunBy(lead, tsunagari.CommunityNPO, "こども食堂ネットワーク新潟")
	study := e.communityRunBy(lead, tsunagari.CommunityOccupational, "介護職の対話カフェ")
	anon := e.client()
	start := time.Now().Add(72 * time.Hour)
	body := func(start time.Time, extra string) string {
		return fmt.Sprintf(`{"title":"月例の対話カフェ","description":"初めての方も歓迎です。","startsAt":%q,"endsAt":%q,`+
			`"venue":"新潟市民プラザ","prefecture":"15","online":true,"onlineUrl":"https://meet.example.jp/cafe","trialWelcome":true%s}`,
			rfc3339(start), rfc3339(start.Add(2*time.Hour)), extra)
	}

	// Organisers create events; others cannot, and bad input is refused.
	cafe := decode[idJSON](t, v.call(org, "createEvent", "POST", "/api/v1/communities/"+study.ID+"/events", body(start, `,"capacity":1,"waitlist":true`), 201))
	weekly := decode[idJSON](t, v.call(org, "createEvent", "POST", "/api/v1/communities/"+study.ID+"/events",
		body(start, `,"recurrence":"FREQ=WEEKLY;COUNT=4","exceptions":["`+start.AddDate(0, 0, 7).In(tsunagari.Tokyo).Format(time.DateOnly)+`"]`), 201))
	approval := decode[idJSON](t, v.call(org, "createEvent", "POST", "/api/v1/communities/"+npo.ID+"/events", body(start, `,"capacity":5,"approval":true`), 201))
	soon := decode[idJSON](t, v.call(org, "createEvent", "POST", "/api/v1/communities/"+npo.ID+"/events", body(time.Now().Add(2*time.Hour), ""), 201))
	v.call(org, "createEvent", "POST", "/api/v1/communities/"+study.ID+"/events", body(start, `,"recurrence":"FREQ=DAILY"`), 422)
	v.call(org, "createEvent", "POST", "/api/v1/communities/"+study.ID+"/events", body(start.Add(-200*time.Hour), ""), 422)
	v.call(member, "createEvent", "POST", "/api/v1/communities/"+study.ID+"/events", body(start, ""), 404)
	v.call(anon, "createEvent", "POST", "/api/v1/communities/"+study.ID+"/events", body(start, ""), 401)

	v.call(anon, "listEvents", "GET", "/api/v1/events?trial=true&q=対話", "", 200)
	v.call(anon, "getEvent", "GET", "/api/v1/events/"+cafe.ID, "", 200)
	v.call(anon, "getEvent", "GET", "/api/v1/events/aaaaaaaaaaaaaaaaaaaaaaaaaa", "", 404)
	got := decode[struct{ OnlineURL string }](t, v.call(member, "getEvent", "GET", "/api/v1/events/"+cafe.ID, "", 200))
	if got.OnlineURL != "" {
		t.Errorf("getEvent gives the link to join to someone without a seat")
	}

	// One seat: the member takes it, the organiser queues.
	mine := decode[struct{ ID, Status string }](t, v.call(member, "rsvpEvent", "POST", "/api/v1/events/"+cafe.ID+"/rsvp", `{"trial":true}`, 201))
	queued := decode[struct {
		Status   string
		Position int
	}](t, v.call(org, "rsvpEvent", "POST", "/api/v1/events/"+cafe.ID+"/rsvp", "", 201))
	if mine.Status != "confirmed" || queued.Status != "waitlisted" || queued.Position != 1 {
		t.Errorf("rsvpEvent gave %s, then %s at %d; want confirmed, then waitlisted at 1", mine.Status, queued.Status, queued.Position)
	}
	v.call(member, "rsvpEvent", "POST", "/api/v1/events/"+cafe.ID+"/rsvp", "", 409)
	v.call(member, "rsvpEvent", "POST", "/api/v1/events/"+weekly.ID+"/rsvp", `{"occurrence":"20200101T000000Z"}`, 404)
	v.call(member, "rsvpEvent", "POST", "/api/v1/events/"+weekly.ID+"/rsvp", `{"occurrence":"`+tsunagari.OccurrenceKey(start)+`"}`, 201)
	v.call(member, "rsvpEvent", "POST", "/api/v1/events/"+weekly.ID+"/rsvp", `{"occurrence":"`+tsunagari.OccurrenceKey(start.AddDate(0, 0, 7))+`"}`, 404)
	if got := decode[struct{ OnlineURL string }](t, v.call(member, "getEvent", "GET", "/api/v1/events/"+cafe.ID, "", 200)); got.OnlineURL == "" {
		t.Errorf("getEvent hides the link to join from someone with a seat")
	}

	v.call(org, "listAttendees", "GET", "/api/v1/events/"+cafe.ID+"/attendees", "", 200)
	v.call(member, "listAttendees", "GET", "/api/v1/events/"+cafe.ID+"/attendees", "", 404)
	csv := v.call(org, "exportAttendees", "GET", "/api/v1/events/"+cafe.ID+"/attendees.csv", "", 200)
	if !strings.HasPrefix(csv.body, "\ufeff") || !strings.Contains(csv.body, "山田 花子") {
		t.Errorf("exportAttendees = %q", csv.body)
	}
	v.call(member, "exportAttendees", "GET", "/api/v1/events/"+cafe.ID+"/attendees.csv", "", 404)

	// The member withdraws; the organiser moves up and is told.
	v.call(member, "cancelRsvp", "DELETE", "/api/v1/events/"+cafe.ID+"/rsvp", "", 200)
	v.call(member, "cancelRsvp", "DELETE", "/api/v1/events/"+cafe.ID+"/rsvp", "", 404)
	if mails, _ := e.stores.Outbox.FindMail(context.Background(), tsunagari.MailFilter{To: "event-lead@example.jp"}); len(mails) != 1 || mails[0].Kind != "event_promoted" {
		t.Errorf("mail to the organiser after a seat freed: %+v", mails)
	}

	// Approval, and check-in on the day.
	pending := decode[idJSON](t, v.call(member, "rsvpEvent", "POST", "/api/v1/events/"+approval.ID+"/rsvp", "", 201))
	v.call(member, "decideRsvp", "POST", "/api/v1/rsvps/"+pending.ID+"/decision", `{"approve":true}`, 404)
	v.call(org, "decideRsvp", "POST", "/api/v1/rsvps/"+pending.ID+"/decision", `{"approve":true}`, 200)
	v.call(org, "decideRsvp", "POST", "/api/v1/rsvps/"+pending.ID+"/decision", `{"approve":false}`, 409)
	v.call(org, "checkIn", "POST", "/api/v1/rsvps/"+pending.ID+"/check-in", "", 422) // three days ahead
	today := decode[idJSON](t, v.call(member, "rsvpEvent", "POST", "/api/v1/events/"+soon.ID+"/rsvp", "", 201))
	v.call(org, "checkIn", "POST", "/api/v1/rsvps/"+today.ID+"/check-in", "", 200)
	v.call(member, "checkIn", "POST", "/api/v1/rsvps/"+today.ID+"/check-in", "", 404)

	v.call(member, "cancelEvent", "POST", "/api/v1/events/"+approval.ID+"/cancel", `{"reason":"台風"}`, 404)
	v.call(org, "cancelEvent", "POST", "/api/v1/events/"+weekly.ID+"/cancel", `{"occurrence":"`+tsunagari.OccurrenceKey(start)+`","reason":"会場の都合"}`, 204)
	v.call(org, "cancelEvent", "POST", "/api/v1/events/"+approval.ID+"/cancel", `{"reason":"台風のため"}`, 204)
	v.call(org, "cancelEvent", "POST", "/api/v1/events/"+approval.ID+"/cancel", `{}`, 409)
	v.call(member, "rsvpEvent", "POST", "/api/v1/events/"+approval.ID+"/rsvp", "", 409)

	// A calendar feed.
	v.call(member, "getCalendarFeed", "GET", "/api/v1/me/calendar-feed", "", 404)
	feed := decode[struct{ URL string }](t, v.call(member, "createCalendarFeed", "POST", "/api/v1/me/calendar-feed", "", 201))
	if !strings.Contains(feed.URL, "/feeds/tsf_") {
		t.Errorf("createCalendarFeed URL = %q", feed.URL)
	}
	v.call(member, "getCalendarFeed", "GET", "/api/v1/me/calendar-feed", "", 200)
	v.call(member, "revokeCalendarFeed", "DELETE", "/api/v1/me/calendar-feed", "", 204)
	v.call(member, "revokeCalendarFeed", "DELETE", "/api/v1/me/calendar-feed", "", 404)
	v.call(anon, "getCalendarFeed", "GET", "/api/v1/me/calendar-feed", "", 401)

	// A pro-bono team.
	project := func(answerBy time.Time) string {
		return fmt.Sprintf(`{"title":"寄付サイトのリニューアル","deliverable":"寄付を募るウェブサイト","roles":[{"name":"デザイナー","skills":["Figma"]}],`+
			`"teamSize":3,"hoursPerWeek":5,"durationMonths":3,"startsOn":%q,"answerBy":%q}`,
			answerBy.AddDate(0, 0, 14).In(tsunagari.Tokyo).Format(time.DateOnly), rfc3339(answerBy))
	}
	p := decode[idJSON](t, v.call(org, "createProbonoProject", "POST", "/api/v1/communities/"+npo.ID+"/probono-projects", project(start), 201))
	v.call(org, "createProbonoProject", "POST", "/api/v1/communities/"+study.ID+"/probono-projects", project(start), 409)
	v.call(org, "createProbonoProject", "POST", "/api/v1/communities/"+npo.ID+"/probono-projects", project(start.AddDate(0, 0, -10)), 422)
	v.call(member, "createProbonoProject", "POST", "/api/v1/communities/"+npo.ID+"/probono-projects", project(start), 404)
	v.call(anon, "listProbonoProjects", "GET", "/api/v1/probono-projects", "", 200)
	v.call(anon, "getProbonoProject", "GET", "/api/v1/probono-projects/"+p.ID, "", 200)
	v.call(anon, "getProbonoProject", "GET", "/api/v1/probono-projects/aaaaaaaaaaaaaaaaaaaaaaaaaa", "", 404)
	x := decode[idJSON](t, v.call(member, "applyProbono", "POST", "/api/v1/probono-projects/"+p.ID+"/applications",
		`{"skills":["Figma","UIデザイン"],"hoursPerWeek":6,"motivation":"週末に関われます。"}`, 201))
	v.call(member, "applyProbono", "POST", "/api/v1/probono-projects/"+p.ID+"/applications", `{"skills":["Figma"],"hoursPerWeek":6}`, 409)
	v.call(org, "applyProbono", "POST", "/api/v1/probono-projects/"+p.ID+"/applications", `{"skills":[],"hoursPerWeek":6}`, 422)
	y := decode[idJSON](t, v.call(org, "applyProbono", "POST", "/api/v1/probono-projects/"+p.ID+"/applications", `{"skills":["文章"],"hoursPerWeek":5}`, 201))
	v.call(member, "proposeTeam", "GET", "/api/v1/probono-projects/"+p.ID+"/team-proposal", "", 404)
	proposal := decode[struct {
		Proposal struct {
			Members []struct{ ApplicationID, Role string }
		}
	}](t, v.call(org, "proposeTeam", "GET", "/api/v1/probono-projects/"+p.ID+"/team-proposal", "", 200))
	if len(proposal.Proposal.Members) != 2 {
		t.Errorf("proposeTeam = %+v, want both applicants", proposal)
	}
	v.call(org, "confirmTeam", "POST", "/api/v1/probono-projects/"+p.ID+"/team", `{"members":[{"applicationId":"`+y.ID+`"},{"applicationId":"`+x.ID+`"}]}`, 422)
	v.call(member, "confirmTeam", "POST", "/api/v1/probono-projects/"+p.ID+"/team", `{"members":[{"applicationId":"`+x.ID+`","role":"デザイナー"},{"applicationId":"`+y.ID+`"}]}`, 404)
	v.call(org, "confirmTeam", "POST", "/api/v1/probono-projects/"+p.ID+"/team", `{"members":[{"applicationId":"`+x.ID+`","role":"デザイナー"},{"applicationId":"`+y.ID+`"}]}`, 200)
	v.call(org, "confirmTeam", "POST", "/api/v1/probono-projects/"+p.ID+"/team", `{"members":[{"applicationId":"`+x.ID+`","role":"デザイナー"},{"applicationId":"`+y.ID+`"}]}`, 409)
	if got := decode[struct{ Mine struct{ Status, Role string } }](t, v.call(member, "getProbonoProject", "GET", "/api/v1/probono-projects/"+p.ID, "", 200)); got.Mine.Status != "accepted" || got.Mine.Role != "デザイナー" {
		t.Errorf("the member's application after the team was confirmed: %+v", got.Mine)
	}
}
