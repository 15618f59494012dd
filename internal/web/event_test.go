package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"tsunagari"
)

// eventIn stores an event of community c starting at start, directly.
func (e *testEnv) eventIn(c *tsunagari.Community, title string, start time.Time, seats int, waitlist bool) *tsunagari.Event {
	e.t.Helper()
	start = start.UTC().Truncate(time.Second)
	ev := &tsunagari.Event{CommunityID: c.ID, Title: title, Description: "初めての方も歓迎します。", StartsAt: start, EndsAt: start.Add(2 * time.Hour),
		Venue: "新潟市民プラザ", Prefecture: "15", Capacity: seats, Waitlist: waitlist, TrialWelcome: true, Exceptions: []string{}}
	if err := e.stores.Events.CreateEvent(context.Background(), ev); err != nil {
		e.t.Fatal(err)
	}
	return ev
}

// TestRSVPBadInput asks for seats that cannot be had: at a full event
// without a waitlist, at one that is over, and at one of a hidden
// community. Each answers with a clear Japanese message, in the page and
// in the API, and changes nothing.
func TestRSVPBadInput(t *testing.T) {
	onBoth(t, func(t *testing.T, open func(testing.TB) backend) {
		e := newTestEnvOn(t, open(t))
		ctx := context.Background()
		lead := e.account("lead@example.jp", "")
		first := e.account("first@example.jp", "")
		e.account("late@example.jp", "")
		c := e.communityRunBy(lead, tsunagari.CommunityOccupational, "介護職の対話カフェ")
		full := e.eventIn(c, "少人数の相談会", time.Now().Add(48*time.Hour), 1, false)
		if err := e.stores.Events.CreateRSVP(ctx, &tsunagari.RSVP{EventID: full.ID, StartsAt: full.StartsAt, AccountID: first.ID}); err != nil {
			t.Fatal(err)
		}
		past := e.eventIn(c, "先週の勉強会", time.Now().Add(-7*24*time.Hour), 10, true)
		hiddenLead := e.account("hidden@example.jp", "")
		hc := e.communityRunBy(hiddenLead, tsunagari.CommunityOccupational, "規約違反の会")
		hidden := e.eventIn(hc, "怪しいセミナー", time.Now().Add(48*time.Hour), 10, true)
		now := time.Now()
		if err := e.stores.Communities.SetCommunityHidden(ctx, hc.ID, &now, "勧誘"); err != nil {
			t.Fatal(err)
		}
		late := e.signIn("late@example.jp")
		fp := e.fingerprint()

		for _, c := range []struct {
			name   string
			ev     *tsunagari.Event
			status int
			code   string
			msg    string
		}{
			{"full, no waitlist", full, http.StatusConflict, "conflict", "満席です。このイベントはキャンセル待ちを受け付けていません。"},
			{"past", past, http.StatusUnprocessableEntity, "invalid", "このイベントはすでに始まったか、終わっています。"},
			{"hidden community", hidden, http.StatusNotFound, "not_found", "イベントが見つかりません。"},
		} {
			res := e.post(late, "/events/"+c.ev.ID+"/rsvp", url.Values{})
			if res.StatusCode != c.status || !strings.Contains(res.body, c.msg) {
				t.Errorf("%s: page answered %d without %q:\n%.2000s", c.name, res.StatusCode, c.msg, res.body)
			}
			res = e.api(late, "POST", "/api/v1/events/"+c.ev.ID+"/rsvp", `{}`)
			var body struct{ Code, Message string }
			_ = json.Unmarshal([]byte(res.body), &body)
			if res.StatusCode != c.status || body.Code != c.code || body.Message != c.msg {
				t.Errorf("%s: API answered %d %s", c.name, res.StatusCode, res.body)
			}
			req, _ := http.NewRequest("POST", e.ts.URL+"/api/v1/events/"+c.ev.ID+"/rsvp", strings.NewReader(`{}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept-Language", "en")
			en := e.do(&http.Client{Jar: late.Jar}, req)
			if en.StatusCode != c.status || !strings.Contains(en.body, `"message":"`) || strings.Contains(en.body, c.msg) {
				t.Errorf("%s: English API answer %d %s", c.name, en.StatusCode, en.body)
			}
		}
		if got := e.fingerprint(); got != fp {
			t.Error("refused requests changed the database")
		}
	})
}

// TestRSVPRaceOverHTTP sends 200 requests for 20 seats at once through
// the API, from 200 signed-in members: exactly 20 get a seat and 180 a
// place on the waitlist, in the order the server took them. Then a seat
// frees and the first on the waitlist is told by email.
func TestRSVPRaceOverHTTP(t *testing.T) {
	onBoth(t, func(t *testing.T, open func(testing.TB) backend) {
		const n, seats = 200, 20
		e := newTestEnvOn(t, open(t))
		ctx := context.Background()
		lead := e.account("lead@example.jp", "")
		c := e.communityRunBy(lead, tsunagari.CommunityRegionalAlumni, "新潟県人会 in 東京")
		ev := e.eventIn(c, "新潟の酒と語る夜", time.Now().Add(48*time.Hour), seats, true)
		people := make([]*tsunagari.Account, n)
		clients := make([]*http.Client, n)
		for i := range people {
			people[i] = e.account(fmt.Sprintf("p%d@example.jp", i), "")
			clients[i] = e.client()
			e.startSession(clients[i], people[i])
		}
		type answer struct {
			ID, Status string
			Position   int
		}
		answers := make([]answer, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				<-start
				req, _ := http.NewRequest("POST", e.ts.URL+"/api/v1/events/"+ev.ID+"/rsvp", nil)
				res, err := clients[i].Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				defer res.Body.Close()
				if res.StatusCode != http.StatusCreated {
					t.Errorf("request %d: %s", i, res.Status)
				}
				_ = json.NewDecoder(res.Body).Decode(&answers[i])
			})
		}
		close(start)
		wg.Wait()
		confirmed, positions := 0, []int{}
		for _, a := range answers {
			switch a.Status {
			case "confirmed":
				confirmed++
			case "waitlisted":
				positions = append(positions, a.Position)
			}
		}
		slices.Sort(positions)
		for i, p := range positions {
			if p != i+1 {
				t.Fatalf("waitlist places %v are not 1..%d", positions, n-seats)
			}
		}
		if confirmed != seats || len(positions) != n-seats {
			t.Fatalf("%d confirmed and %d waitlisted, want %d and %d", confirmed, len(positions), seats, n-seats)
		}

		// Someone with a seat withdraws: number 1 on the waitlist moves up.
		var leaving, next int
		for i, a := range answers {
			if a.Status == "confirmed" && leaving == 0 {
				leaving = i
			}
			if a.Status == "waitlisted" && a.Position == 1 {
				next = i
			}
		}
		if res := e.api(clients[leaving], "DELETE", "/api/v1/events/"+ev.ID+"/rsvp", ""); res.StatusCode != http.StatusOK {
			t.Fatalf("cancelRsvp: %d %s", res.StatusCode, res.body)
		}
		r, err := e.stores.Events.FindRSVP(ctx, answers[next].ID)
		if err != nil || r.Status != tsunagari.RSVPConfirmed {
			t.Fatalf("the first on the waitlist is %+v, %v", r, err)
		}
		mails, err := e.stores.Outbox.FindMail(ctx, tsunagari.MailFilter{To: people[next].Email})
		if err != nil || len(mails) != 1 || mails[0].Kind != "event_promoted" || !strings.Contains(mails[0].Body, "新潟の酒と語る夜") {
			t.Fatalf("mail to the person promoted: %+v, %v", mails, err)
		}
	})
}

// flash follows a redirect and returns the page it leads to.
func (e *testEnv) follow(c *http.Client, res response) response {
	e.t.Helper()
	if res.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("want a redirect, got %d:\n%.2000s", res.StatusCode, res.body)
	}
	return e.get(c, res.Header.Get("Location"))
}

func TestEventPages(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	lead := e.account("lead@example.jp", "")
	c := e.communityRunBy(lead, tsunagari.CommunityOccupational, "介護職の対話カフェ")
	org := e.signIn("lead@example.jp")

	// The organiser creates a monthly event with two seats and a waitlist.
	start := time.Now().Add(5 * 24 * time.Hour).In(tsunagari.Tokyo).Truncate(time.Minute)
	if res := e.get(org, "/communities/"+c.ID+"/events/new"); res.StatusCode != http.StatusOK || !strings.Contains(res.body, "イベントを作る") {
		t.Fatalf("new event form: %d", res.StatusCode)
	}
	bad := e.post(org, "/communities/"+c.ID+"/events", url.Values{"title": {"対話カフェ"}, "startsAt": {start.Format("2006-01-02T15:04")},
		"endsAt": {start.Add(2 * time.Hour).Format("2006-01-02T15:04")}, "online": {"1"}, "repeat": {"custom"}, "rule": {"FREQ=DAILY"}})
	if bad.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(bad.body, "毎週（FREQ=WEEKLY）か毎月（FREQ=MONTHLY）") || !strings.Contains(bad.body, `value="対話カフェ"`) {
		t.Errorf("a bad rule: %d\n%.3000s", bad.StatusCode, bad.body)
	}
	seats := e.post(org, "/communities/"+c.ID+"/events", url.Values{"title": {"対話カフェ"}, "startsAt": {start.Format("2006-01-02T15:04")},
		"endsAt": {start.Add(2 * time.Hour).Format("2006-01-02T15:04")}, "online": {"1"}, "capacity": {"たくさん"}})
	if seats.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(seats.body, "定員は0（制限なし）から10000までの整数にしてください。") {
		t.Errorf("seats in words: %d\n%.3000s", seats.StatusCode, seats.body)
	}
	res := e.post(org, "/communities/"+c.ID+"/events", url.Values{"title": {"月例の対話カフェ"}, "description": {"介護の仕事の悩みを、安心して話せる場です。"},
		"startsAt": {start.Format("2006-01-02T15:04")}, "endsAt": {start.Add(2 * time.Hour).Format("2006-01-02T15:04")},
		"repeat": {"monthly_weekday"}, "venue": {"新潟市民プラザ"}, "prefecture": {"15"}, "online": {"1"}, "onlineUrl": {"https://meet.example.jp/cafe"},
		"capacity": {"２"}, "waitlist": {"1"}, "seats": {"first"}, "trialWelcome": {"1"}})
	page := e.follow(org, res)
	id := strings.TrimPrefix(res.Header.Get("Location"), "/events/")
	if !strings.Contains(page.body, "イベントを作成しました。") || !strings.Contains(page.body, "定期開催") || !strings.Contains(page.body, "残り2席") {
		t.Fatalf("event page after creating:\n%.4000s", page.body)
	}
	ev, err := e.stores.Events.FindEventByID(ctx, id)
	if err != nil || ev.Recurrence == nil || !strings.HasPrefix(ev.Recurrence.String(), "FREQ=MONTHLY;BYDAY=") {
		t.Fatalf("stored event = %+v, %v", ev, err)
	}

	// The community's page shows it, and its organisers the way to more.
	if cp := e.get(org, "/communities/"+c.ID); !strings.Contains(cp.body, `id="community-event-`+id+`"`) || !strings.Contains(cp.body, `id="new-event"`) {
		t.Errorf("community page for its organiser:\n%.3000s", cp.body)
	}

	// Anyone sees it in the list of events that welcome visitors.
	list := e.get(e.client(), "/events?trial=1")
	if list.StatusCode != http.StatusOK || !strings.Contains(list.body, "月例の対話カフェ") || !strings.Contains(list.body, "見学歓迎") {
		t.Errorf("events list:\n%.3000s", list.body)
	}
	if anon := e.get(e.client(), "/events/"+id); !strings.Contains(anon.body, "ログインして申し込む") || strings.Contains(anon.body, "meet.example.jp") {
		t.Errorf("event page for a visitor:\n%.3000s", anon.body)
	}

	// Three members ask; the third queues.
	var members []*http.Client
	for i := range 3 {
		e.account(fmt.Sprintf("m%d@example.jp", i), "")
		members = append(members, e.signIn(fmt.Sprintf("m%d@example.jp", i)))
	}
	for i, m := range members {
		res := e.post(m, "/events/"+id+"/rsvp", url.Values{"trial": {"1"}})
		page := e.follow(m, res)
		want := []string{"参加が確定しました。", "参加が確定しました。", "キャンセル待ちの1番目です。"}[i]
		if !strings.Contains(page.body, want) {
			t.Errorf("member %d after asking: want %q\n%.3000s", i, want, page.body)
		}
		if i < 2 != strings.Contains(page.body, "https://meet.example.jp/cafe") {
			t.Errorf("member %d: the link to join is shown = %v", i, i >= 2)
		}
	}

	// Each sees the request in their own list of events.
	if mine := e.get(members[2], "/events"); !strings.Contains(mine.body, `id="my-events"`) || !strings.Contains(mine.body, "キャンセル待ち (1)") {
		t.Errorf("events page of the member on the waitlist:\n%.3000s", mine.body)
	}

	// The organiser's list, CSV and check-in.
	att := e.get(org, "/events/"+id+"/attendees")
	if att.StatusCode != http.StatusOK || strings.Count(att.body, "見学</span>") < 3 || !strings.Contains(att.body, "キャンセル待ち (1)") {
		t.Errorf("attendees page:\n%.4000s", att.body)
	}
	if got := e.get(members[0], "/events/"+id+"/attendees"); got.StatusCode != http.StatusNotFound {
		t.Errorf("a member reads the attendees: %d", got.StatusCode)
	}
	csv := e.get(org, "/events/"+id+"/attendees.csv")
	if !strings.HasPrefix(csv.body, "\ufeff氏名,状態,キャンセル待ち順,見学,申込日時,受付\r\n") || strings.Count(csv.body, "\r\n") != 4 ||
		!strings.Contains(csv.body, "キャンセル待ち,1,見学") || csv.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Errorf("attendees CSV:\n%q", csv.body)
	}
	rsvps, _ := e.stores.Events.FindRSVPs(ctx, tsunagari.RSVPFilter{EventID: id})
	if res := e.post(org, "/rsvps/"+rsvps[0].ID+"/check-in", url.Values{}); res.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(res.body, "受付は開催日の当日") {
		t.Errorf("check-in five days early: %d", res.StatusCode)
	}

	// The first member withdraws; the third moves up and is told.
	page = e.follow(members[0], e.post(members[0], "/events/"+id+"/rsvp/cancel", url.Values{}))
	if !strings.Contains(page.body, "申し込みを取り消しました。") {
		t.Errorf("after withdrawing:\n%.2000s", page.body)
	}
	if mails, _ := e.stores.Outbox.FindMail(ctx, tsunagari.MailFilter{To: "m2@example.jp"}); len(mails) != 1 || mails[0].Kind != "event_promoted" {
		t.Errorf("mail to the member promoted: %+v", mails)
	}

	// The calendar file of the series.
	ics := e.get(e.client(), "/events/"+id+"/event.ics")
	if ics.Header.Get("Content-Type") != "text/calendar; charset=utf-8" || !strings.Contains(ics.body, "RRULE:FREQ=MONTHLY;BYDAY=") ||
		!strings.Contains(ics.body, "SUMMARY:月例の対話カフェ\r\n") || strings.Contains(ics.body, "meet.example.jp") {
		t.Errorf("event.ics:\n%s", ics.body)
	}

	// A member's calendar feed, and the community's.
	feedPage := e.post(members[2], "/settings/calendar", url.Values{})
	feedURL := regexp.MustCompile(`http://[^<"]+/feeds/tsf_[a-z2-7]+/member\.ics`).FindString(feedPage.body)
	if feedPage.StatusCode != http.StatusCreated || feedURL == "" {
		t.Fatalf("calendar page after making a feed: %d\n%.2000s", feedPage.StatusCode, feedPage.body)
	}
	u, _ := url.Parse(feedURL)
	feed := e.get(e.client(), u.Path)
	if feed.StatusCode != http.StatusOK || !strings.Contains(feed.body, "SUMMARY:月例の対話カフェ") || !strings.Contains(feed.body, "STATUS:CONFIRMED") {
		t.Errorf("member feed:\n%s", feed.body)
	}
	community := e.get(e.client(), strings.Replace(u.Path, "member.ics", "communities/"+c.ID+"/events.ics", 1))
	if community.StatusCode != http.StatusOK || strings.Count(community.body, "BEGIN:VEVENT") < 3 || !strings.Contains(community.body, "X-WR-CALNAME:介護職の対話カフェ") {
		t.Errorf("community feed:\n%.2000s", community.body)
	}
	e.follow(members[2], e.post(members[2], "/settings/calendar/delete", url.Values{}))
	if gone := e.get(e.client(), u.Path); gone.StatusCode != http.StatusNotFound {
		t.Errorf("revoked feed: %d", gone.StatusCode)
	}

	// After an event, its organisers still reach its attendees.
	over := e.eventIn(c, "先月の勉強会", time.Now().AddDate(0, -1, 0), 10, false)
	if page := e.get(org, "/events/"+over.ID); !strings.Contains(page.body, "これから先の日程はありません。") ||
		!strings.Contains(page.body, `href="/events/`+over.ID+`/attendees"`) {
		t.Errorf("a past event's page for its organiser:\n%.3000s", page.body)
	}
	if res := e.get(org, "/events/"+over.ID+"/attendees"); res.StatusCode != http.StatusOK {
		t.Errorf("attendees of a past event: %d", res.StatusCode)
	}

	// The organiser cancels the next date; everyone asking is told.
	page = e.follow(org, e.post(org, "/events/"+id+"/cancel", url.Values{"at": {tsunagari.OccurrenceKey(ev.StartsAt)}, "scope": {"occurrence"}, "reason": {"講師の体調不良のため"}}))
	if !strings.Contains(page.body, "中止し、申し込んでいた方にお知らせしました。") || !strings.Contains(page.body, "講師の体調不良のため") {
		t.Errorf("after cancelling:\n%.3000s", page.body)
	}
	for _, to := range []string{"m1@example.jp", "m2@example.jp"} {
		mails, _ := e.stores.Outbox.FindMail(ctx, tsunagari.MailFilter{To: to})
		if len(mails) == 0 || mails[0].Kind != "event_event_cancelled" || !strings.Contains(mails[0].Body, "講師の体調不良のため") {
			t.Errorf("mail to %s about the cancellation: %+v", to, mails)
		}
	}
}

func TestProbonoPages(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	lead := e.account("lead@example.jp", "")
	c := e.communityRunBy(lead, tsunagari.CommunityNPO, "こども食堂ネットワーク")
	org := e.signIn("lead@example.jp")
	answer := time.Now().AddDate(0, 0, 10).In(tsunagari.Tokyo)
	v := url.Values{"title": {"寄付サイトのリニューアル"}, "deliverable": {"寄付を募るウェブサイト"}, "teamSize": {"3"}, "hoursPerWeek": {"5"},
		"durationMonths": {"3"}, "startsOn": {answer.AddDate(0, 0, 20).Format(time.DateOnly)}, "answerBy": {answer.Format(time.DateOnly)},
		"roleName1": {"デザイナー"}, "roleSkills1": {"Figma、UIデザイン"}, "roleName2": {"エンジニア"}, "roleSkills2": {"Go"}}
	fp := e.fingerprint()
	wrong := url.Values{}
	for k, x := range v {
		wrong[k] = x
	}
	wrong.Set("teamSize", "たくさん")
	if bad := e.post(org, "/communities/"+c.ID+"/probono", wrong); bad.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(bad.body, "数字で入力してください。") || strings.Contains(bad.body, "%!") || !strings.Contains(bad.body, `value="寄付サイトのリニューアル"`) {
		t.Errorf("a team size in words: %d\n%.3000s", bad.StatusCode, bad.body)
	}
	if e.fingerprint() != fp {
		t.Error("a refused project changed the database")
	}
	res := e.post(org, "/communities/"+c.ID+"/probono", v)
	page := e.follow(org, res)
	id := strings.TrimPrefix(res.Header.Get("Location"), "/probono/")
	if !strings.Contains(page.body, "プロボノ案件を公開しました。") || !strings.Contains(page.body, "3人のチーム・週5時間・3か月") {
		t.Fatalf("project page:\n%.3000s", page.body)
	}
	if list := e.get(e.client(), "/probono"); !strings.Contains(list.body, "寄付サイトのリニューアル") {
		t.Errorf("project list:\n%.2000s", list.body)
	}

	type volunteer struct{ email, skills, hours, industry string }
	for _, x := range []volunteer{{"d@example.jp", "Figma", "5", "it_telecom"}, {"g@example.jp", "Go、PostgreSQL", "6", "finance"},
		{"w@example.jp", "文章", "8", "education"}, {"t@example.jp", "Go", "3", "it_telecom"}} {
		a := e.account(x.email, "")
		if _, err := e.stores.Accounts.UpdateAccount(ctx, a.ID, tsunagari.AccountUpdate{Industry: &x.industry}); err != nil {
			t.Fatal(err)
		}
		m := e.signIn(x.email)
		page := e.follow(m, e.post(m, "/probono/"+id+"/apply", url.Values{"skills": {x.skills}, "hoursPerWeek": {x.hours}}))
		if !strings.Contains(page.body, "応募済みです。") {
			t.Errorf("%s after applying:\n%.2000s", x.email, page.body)
		}
	}
	team := e.get(org, "/probono/"+id+"/team")
	checked := regexp.MustCompile(`name="member" value="([a-z2-7]+)"[^>]*checked`).FindAllStringSubmatch(team.body, -1)
	if team.StatusCode != http.StatusOK || len(checked) != 3 || !strings.Contains(team.body, "つながりの提案：3人のチーム") {
		t.Fatalf("team page proposes %d:\n%.5000s", len(checked), team.body)
	}
	apps, _ := e.stores.Probono.FindApplications(ctx, id, "")
	for _, m := range checked {
		for _, a := range apps {
			if a.ID == m[1] && a.Email == "t@example.jp" {
				t.Errorf("the volunteer with 3 hours is proposed for a 5-hour team")
			}
		}
	}
	confirm := url.Values{}
	for _, m := range checked {
		confirm.Add("member", m[1])
	}
	for _, a := range apps {
		switch a.Email {
		case "d@example.jp":
			confirm.Set("role-"+a.ID, "デザイナー")
		case "g@example.jp":
			confirm.Set("role-"+a.ID, "エンジニア")
		}
	}
	page = e.follow(org, e.post(org, "/probono/"+id+"/team", confirm))
	if !strings.Contains(page.body, "チームを確定し、応募者全員に結果をお知らせしました。") {
		t.Errorf("after confirming:\n%.2000s", page.body)
	}
	for email, kind := range map[string]string{"d@example.jp": "probono_accepted", "g@example.jp": "probono_accepted", "w@example.jp": "probono_accepted", "t@example.jp": "probono_not_selected"} {
		mails, _ := e.stores.Outbox.FindMail(ctx, tsunagari.MailFilter{To: email})
		if len(mails) != 1 || mails[0].Kind != kind {
			t.Errorf("mail to %s: %+v, want %s", email, mails, kind)
		}
	}
	if g := e.signIn("g@example.jp"); !strings.Contains(e.get(g, "/probono/"+id).body, "チームのメンバーに決まりました。") {
		t.Error("the engineer's page does not say they are on the team")
	}
}
