package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"tsunagari"
	"tsunagari/internal/demo"
)

// TestBrowserTrialVisit walks a member in a real browser from a
// community's page to its next event that welcomes first-time visitors,
// and asks for a seat as a visitor.
func TestBrowserTrialVisit(t *testing.T) {
	browser := newBrowser(t)
	m := startServe(t)
	ctx := context.Background()
	st := m.db.Stores()

	// A Niigata community, run by the demo organiser, with an event for
	// members first and, a week later, one that welcomes visitors.
	lead, err := st.Accounts.FindAccountByEmail(ctx, "organiser@tsunagari.example")
	if err != nil {
		t.Fatal(err)
	}
	c := &tsunagari.Community{Kind: tsunagari.CommunityRegionalAlumni, Name: "新潟県人会 in 東京", Purpose: "新潟にゆかりのある人が、東京で気軽に集まる",
		Prefecture: "13", HomePrefecture: "15", Online: true, Languages: []string{"ja"}, JoinPolicy: tsunagari.JoinOpen,
		Organisers: []tsunagari.Organiser{{AccountID: lead.ID, Role: tsunagari.CommunityOrganiser}}}
	if err := st.Communities.CreateCommunity(ctx, c); err != nil {
		t.Fatal(err)
	}
	event := func(title string, in time.Duration, trial bool) *tsunagari.Event {
		start := time.Now().Add(in).UTC().Truncate(time.Minute)
		e := &tsunagari.Event{CommunityID: c.ID, Title: title, Description: "新潟の地酒と郷土料理を囲んで語り合います。", StartsAt: start,
			EndsAt: start.Add(2 * time.Hour), Venue: "新潟県人会館 2階", Prefecture: "13", Capacity: 20, Waitlist: true, TrialWelcome: trial,
			CreatedBy: lead.ID, Exceptions: []string{}}
		if err := st.Events.CreateEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
		return e
	}
	event("運営メンバー会議", 3*24*time.Hour, false)
	trial := event("ふるさとを語る夕べ（見学歓迎）", 10*24*time.Hour, true)

	member := memberAccount(t)
	j := &journey{t: t, browser: browser, base: m.URL()}
	j.step("sign in as "+member.Email, func(ctx context.Context) error {
		if err := chromedp.Do(ctx, chromedp.Navigate(j.base+"/signin"),
			chromedp.SendKeys(chromedp.ID("email"), member.Email),
			chromedp.SendKeys(chromedp.ID("password"), demo.Password)); err != nil {
			return err
		}
		return j.click(ctx, chromedp.ID("signin-submit"), "/dashboard")
	})

	j.step("the community's page shows its upcoming events", func(ctx context.Context) error {
		if err := chromedp.Do(ctx, chromedp.Navigate(j.base+"/communities/"+c.ID)); err != nil {
			return err
		}
		return wantText(ctx, chromedp.ID("community-events"), "運営メンバー会議", trial.Title, "見学歓迎")
	})

	j.step("its events welcoming visitors", func(ctx context.Context) error {
		if err := j.click(ctx, chromedp.ID("community-trial-events"), "/events"); err != nil {
			return err
		}
		links, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('#event-list h2 a')).map(a => a.textContent)`))
		if err != nil {
			return err
		}
		if len(links) != 1 || links[0] != trial.Title {
			return fmt.Errorf("events listed: %q, want only %q", links, trial.Title)
		}
		return nil
	})

	j.step("open the next trial event", func(ctx context.Context) error {
		if err := j.click(ctx, chromedp.ID("event-link-"+trial.ID), "/events/"+trial.ID); err != nil {
			return err
		}
		if err := wantText(ctx, chromedp.ID("event-title"), "ふるさとを語る夕べ"); err != nil {
			return err
		}
		return wantText(ctx, chromedp.ID("seats"), "残り20席")
	})

	j.step("ask for a seat as a first-time visitor", func(ctx context.Context) error {
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("rsvp-trial"))); err != nil {
			return err
		}
		if err := j.click(ctx, chromedp.ID("rsvp-submit"), "/events/"+trial.ID); err != nil {
			return err
		}
		if err := chromedp.Do(ctx, screenshot("trial-rsvp")); err != nil {
			return err
		}
		if err := wantText(ctx, chromedp.CSS("p.flash"), "参加が確定しました。"); err != nil {
			return err
		}
		status, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.ID("my-rsvp"), "data-status"))
		if err != nil || status.Value != "confirmed" {
			return errors.Join(err, fmt.Errorf("my request is %q, want confirmed", status.Value))
		}
		return wantText(ctx, chromedp.ID("seats"), "残り19席")
	})

	a, err := st.Accounts.FindAccountByEmail(ctx, member.Email)
	if err != nil {
		t.Fatal(err)
	}
	mine, err := st.Events.FindRSVPs(ctx, tsunagari.RSVPFilter{AccountID: a.ID})
	if err != nil || len(mine) != 1 || mine[0].EventID != trial.ID || !mine[0].Trial || mine[0].Status != tsunagari.RSVPConfirmed {
		t.Fatalf("stored requests of the member = %+v, %v", mine, err)
	}
	if !strings.HasPrefix(tsunagari.OccurrenceKey(mine[0].StartsAt), trial.StartsAt.UTC().Format("20060102")) {
		t.Errorf("the request is for %v, want %v", mine[0].StartsAt, trial.StartsAt)
	}
}
